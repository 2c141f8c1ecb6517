import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { buildRpms, installRpms, rpmQueryAll, rpmQueryPackages, rpmToolsAvailable } from '../../testing/rpm-build.js';
import { linesOf, oracleLines, PACKAGES, QUERY_FORMAT } from '../../testing/rpmdb-fixture.js';
import { offlineRootTarget } from '../fs-target.js';
import { findRpmDatabase, readRpmDatabase, RpmDbError, type RpmBadHeader } from './database.js';
import { RPMTAG } from './header.js';
import { parsePackageFile, RPMSIGTAG } from './package-file.js';

const skip = rpmToolsAvailable() ? false : 'rpmbuild and rpm are not installed';
const base = mkdtempSync(join(tmpdir(), 'vigil-rpmdb-test-'));
after(() => rmSync(base, { recursive: true, force: true }));
let rpms: string[] = [];
const root = join(base, 'root');

/** A copy of the built root's database under a fresh root. */
function freshRoot(name: string, dbdir = '/var/lib/rpm'): string {
  const r = join(base, name);
  mkdirSync(join(r, dbdir), { recursive: true });
  cpSync(join(root, 'var/lib/rpm'), join(r, dbdir), { recursive: true });
  return r;
}

function digests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) out[f] = createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
  return out;
}


describe('rpm sqlite database', { skip }, () => {
  before(() => {
    rpms = buildRpms(join(base, 'build'), PACKAGES);
    installRpms(root, rpms);
  });

  it('is found at /var/lib/rpm, then /usr/lib/sysimage/rpm, or where the root\'s macros say', async () => {
    assert.deepEqual(await findRpmDatabase(offlineRootTarget(root)), { dir: '/var/lib/rpm', file: 'rpmdb.sqlite', format: 'sqlite' });
    const sysimage = freshRoot('sysimage', '/usr/lib/sysimage/rpm');
    assert.deepEqual(await findRpmDatabase(offlineRootTarget(sysimage)), { dir: '/usr/lib/sysimage/rpm', file: 'rpmdb.sqlite', format: 'sqlite' });
    const elsewhere = freshRoot('elsewhere', '/opt/rpmdb');
    assert.equal(await findRpmDatabase(offlineRootTarget(elsewhere)), undefined);
    mkdirSync(join(elsewhere, 'etc/rpm'), { recursive: true });
    writeFileSync(join(elsewhere, 'etc/rpm/macros'), '%_dbpath /opt/rpmdb\n');
    assert.deepEqual(await findRpmDatabase(offlineRootTarget(elsewhere)), { dir: '/opt/rpmdb', file: 'rpmdb.sqlite', format: 'sqlite' });
    const empty = join(base, 'empty');
    mkdirSync(join(empty, 'var/lib/rpm'), { recursive: true });
    assert.equal(await findRpmDatabase(offlineRootTarget(empty)), undefined);
  });

  it('reads every package and file as rpm -qa prints them, and changes no file of the database', async () => {
    const target = offlineRootTarget(root);
    const dir = join(root, 'var/lib/rpm');
    const expected = oracleLines(rpmQueryAll(root, QUERY_FORMAT)); // rpm itself rewrites the -shm: ask it first
    const before = digests(dir);
    const loc = (await findRpmDatabase(target))!;
    const headers = await readRpmDatabase(target, loc);
    assert.equal(headers.length, PACKAGES.length);
    assert.deepEqual(headers.flatMap((h) => linesOf(h)).sort(), expected);
    assert.deepEqual(headers.map((h) => h.instance), [1, 2, 3]);
    assert.deepEqual(digests(dir), before);
  });

  it('parses package files as rpm -qp prints them, and their main header is what the database holds', async () => {
    const fromFiles = rpms.map((r) => parsePackageFile(readFileSync(r)));
    const expected = oracleLines(rpmQueryPackages(rpms, QUERY_FORMAT));
    // a package file has no INSTALLTIME nor FILESTATES: both print (none), as linesOf does
    assert.deepEqual(fromFiles.flatMap((p) => linesOf(p.header, p.signature)).sort(), expected);
    const installed = await readRpmDatabase(offlineRootTarget(root), (await findRpmDatabase(offlineRootTarget(root)))!);
    for (const p of fromFiles) {
      const h = installed.find((x) => x.string(RPMTAG.NAME) === p.header.string(RPMTAG.NAME))!;
      assert.deepEqual(h.binary(RPMTAG.SIGMD5), p.signature.binary(RPMSIGTAG.MD5));
      assert.deepEqual(h.strings(RPMTAG.BASENAMES), p.header.strings(RPMTAG.BASENAMES));
    }
  });

  it('sees what is only in the -wal, as rpm does, without changing the files', async () => {
    const r = freshRoot('wal');
    const file = join(r, 'var/lib/rpm/rpmdb.sqlite');
    const writer = new Database(file);
    try {
      writer.pragma('wal_autocheckpoint = 0');
      writer.pragma('foreign_keys = OFF');
      writer.prepare('DELETE FROM Packages WHERE hnum = 2').run();
      const before = digests(join(r, 'var/lib/rpm'));
      assert.ok(before['rpmdb.sqlite-wal'] !== undefined);
      const headers = await readRpmDatabase(offlineRootTarget(r), { dir: '/var/lib/rpm', file: 'rpmdb.sqlite', format: 'sqlite' });
      assert.deepEqual(headers.map((h) => h.instance), [1, 3]);
      assert.deepEqual(digests(join(r, 'var/lib/rpm')), before);
    } finally {
      writer.close();
    }
  });

  it('refuses what is not an rpm sqlite database with RpmDbError', async () => {
    const loc = { dir: '/var/lib/rpm', file: 'rpmdb.sqlite', format: 'sqlite' } as const;
    const notDb = freshRoot('notdb');
    writeFileSync(join(notDb, 'var/lib/rpm/rpmdb.sqlite'), 'this is not a database at all, not even close');
    await assert.rejects(readRpmDatabase(offlineRootTarget(notDb), loc), (e: unknown) => e instanceof RpmDbError && /not an sqlite database/.test(e.message));

    const other = freshRoot('other');
    rmSync(join(other, 'var/lib/rpm/rpmdb.sqlite'));
    const db = new Database(join(other, 'var/lib/rpm/rpmdb.sqlite'));
    db.exec('CREATE TABLE t (x)');
    db.close();
    await assert.rejects(readRpmDatabase(offlineRootTarget(other), loc), (e: unknown) => e instanceof RpmDbError && /without rpm's Packages table/.test(e.message));

    const corrupt = freshRoot('corrupt');
    const bytes = readFileSync(join(corrupt, 'var/lib/rpm/rpmdb.sqlite'));
    bytes.fill(0xa5, 100, bytes.length); // the header survives, every page is garbage
    writeFileSync(join(corrupt, 'var/lib/rpm/rpmdb.sqlite'), bytes);
    await assert.rejects(readRpmDatabase(offlineRootTarget(corrupt), loc), (e: unknown) => e instanceof RpmDbError && /sqlite cannot read it/.test(e.message));
  });

  it('ignores a -wal that is garbage, as sqlite (and so rpm) does', async () => {
    const r = freshRoot('garbage-wal');
    writeFileSync(join(r, 'var/lib/rpm/rpmdb.sqlite-wal'), Buffer.alloc(70000, 0x5a));
    const headers = await readRpmDatabase(offlineRootTarget(r), { dir: '/var/lib/rpm', file: 'rpmdb.sqlite', format: 'sqlite' });
    assert.equal(headers.length, PACKAGES.length);
  });

  it('rejects a database with a bad header, or reports it and returns the others', async () => {
    const r = freshRoot('badheader');
    const db = new Database(join(r, 'var/lib/rpm/rpmdb.sqlite'));
    const blob = db.prepare('SELECT blob FROM Packages WHERE hnum = 2').pluck().get() as Buffer;
    db.prepare('UPDATE Packages SET blob = ? WHERE hnum = 2').run(blob.subarray(0, blob.length - 3));
    db.close();
    const loc = { dir: '/var/lib/rpm', file: 'rpmdb.sqlite', format: 'sqlite' } as const;
    await assert.rejects(readRpmDatabase(offlineRootTarget(r), loc), (e: unknown) => e instanceof RpmDbError && /header #2/.test(e.message));
    const bad: RpmBadHeader[] = [];
    const headers = await readRpmDatabase(offlineRootTarget(r), loc, { onBadHeader: (b) => bad.push(b) });
    assert.deepEqual(headers.map((h) => h.instance), [1, 3]);
    assert.deepEqual(bad.map((b) => b.instance), [2]);
  });
});

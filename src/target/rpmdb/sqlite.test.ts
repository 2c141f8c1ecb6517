import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { buildRpms, installRpms, rpmQueryAll, rpmQueryPackages, rpmRootArgs, rpmToolsAvailable } from '../../testing/rpm-build.js';
import { linesOf, oracleLines, PACKAGES, QUERY_FORMAT } from '../../testing/rpmdb-fixture.js';
import { faultTarget } from '../../testing/fault-target.js';
import { prng } from '../../testing/prng.js';
import { REQUIRE_ORACLE } from '../../testing/oracle.js';
import { offlineRootTarget } from '../fs-target.js';
import { TargetError } from '../target.js';
import { findRpmDatabase, readRpmDatabase, RpmDbError, type RpmBadHeader } from './database.js';
import { RpmHeader, RpmHeaderError, RPMTAG } from './header.js';
import { parsePackageFile, RPMSIGTAG } from './package-file.js';

// without the oracle's tools the tests skip, or fail under VIGIL_REQUIRE_ORACLE=1 (CI)
const skip = REQUIRE_ORACLE ? false : rpmToolsAvailable() ? false : 'rpmbuild and rpm are not installed';
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
    // Fedora's macros: %_dbpath in /usr/lib/sysimage/rpm wins over a stale database left in /var/lib/rpm
    const fedora = freshRoot('fedora', '/usr/lib/sysimage/rpm');
    mkdirSync(join(fedora, 'var/lib/rpm'), { recursive: true });
    writeFileSync(join(fedora, 'var/lib/rpm/Packages'), 'stale');
    assert.deepEqual(await findRpmDatabase(offlineRootTarget(fedora)), { dir: '/var/lib/rpm', file: 'Packages', format: 'bdb' });
    mkdirSync(join(fedora, 'usr/lib/rpm'), { recursive: true });
    writeFileSync(join(fedora, 'usr/lib/rpm/macros'), '%_var\t\t\t/var\n%_dbpath\t\t%{_usr}/lib/sysimage/rpm\n');
    assert.deepEqual(await findRpmDatabase(offlineRootTarget(fedora)), { dir: '/usr/lib/sysimage/rpm', file: 'rpmdb.sqlite', format: 'sqlite' });
    // Debian's %_dbpath goes through a shell: not a plain path, so not taken; %_db_backend picks among files of one directory
    writeFileSync(join(fedora, 'usr/lib/rpm/macros'), "%_dbpath\t\t%(bash -c 'echo ~/.rpmdb')\n");
    writeFileSync(join(fedora, 'usr/lib/sysimage/rpm/Packages.db'), 'ndb');
    assert.deepEqual(await findRpmDatabase(offlineRootTarget(fedora)), { dir: '/var/lib/rpm', file: 'Packages', format: 'bdb' });
    rmSync(join(fedora, 'var/lib/rpm/Packages'));
    assert.deepEqual(await findRpmDatabase(offlineRootTarget(fedora)), { dir: '/usr/lib/sysimage/rpm', file: 'rpmdb.sqlite', format: 'sqlite' });
    mkdirSync(join(fedora, 'etc/rpm'), { recursive: true });
    writeFileSync(join(fedora, 'etc/rpm/macros'), '%_db_backend ndb\n');
    assert.deepEqual(await findRpmDatabase(offlineRootTarget(fedora)), { dir: '/usr/lib/sysimage/rpm', file: 'Packages.db', format: 'ndb' });
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

  it('rolls back a hot -journal left by a writer that died, as rpm\'s next open would', async () => {
    const r = freshRoot('hot-journal');
    const file = join(r, 'var/lib/rpm/rpmdb.sqlite');
    // a writer in rollback mode spills a half-done transaction into the file, then is killed
    const script = `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(file)});
      db.pragma('journal_mode = DELETE'); db.pragma('foreign_keys = OFF'); db.pragma('cache_size = 1');
      db.exec('BEGIN'); db.prepare('UPDATE Packages SET blob = zeroblob(length(blob))').run(); db.exec('DELETE FROM Basenames');
      process.kill(process.pid, 'SIGKILL');`;
    spawnSync(process.execPath, ['-e', script], { cwd: fileURLToPath(new URL('../../..', import.meta.url)), stdio: 'ignore' });
    assert.ok(existsSync(`${file}-journal`), 'the writer left a hot journal');
    const before = digests(join(r, 'var/lib/rpm'));
    const headers = await readRpmDatabase(offlineRootTarget(r), { dir: '/var/lib/rpm', file: 'rpmdb.sqlite', format: 'sqlite' });
    assert.equal(headers.length, PACKAGES.length);
    assert.deepEqual(digests(join(r, 'var/lib/rpm')), before);
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

  it('survives random damage to the database and its -wal: headers, a reported bad header, or RpmDbError (seeded)', async () => {
    const r = freshRoot('fuzz');
    const file = join(r, 'var/lib/rpm/rpmdb.sqlite');
    // a -wal holding a change, so that damage can land in it too
    const writer = new Database(file);
    writer.pragma('wal_autocheckpoint = 0');
    writer.pragma('foreign_keys = OFF');
    writer.prepare('UPDATE Packages SET blob = blob WHERE hnum = 1').run();
    const clean = readFileSync(file);
    const cleanWal = readFileSync(`${file}-wal`);
    writer.close();
    const rnd = prng(2021);
    const outcomes = { read: 0, refused: 0 };
    for (let round = 0; round < 60; round++) {
      const db = Buffer.from(clean);
      const wal = Buffer.from(cleanWal);
      for (let k = 0, n = 1 + Math.floor(rnd() * 20); k < n; k++) {
        const target = rnd() < 0.3 ? wal : db;
        target[Math.floor(rnd() * target.length)] = Math.floor(rnd() * 256);
      }
      writeFileSync(file, db);
      writeFileSync(`${file}-wal`, wal);
      try {
        await readRpmDatabase(offlineRootTarget(r), { dir: '/var/lib/rpm', file: 'rpmdb.sqlite', format: 'sqlite' }, { onBadHeader: () => undefined });
        outcomes.read++;
      } catch (e) {
        assert.ok(e instanceof RpmDbError, `round ${round}: ${String(e)}`);
        outcomes.refused++;
      }
    }
    assert.ok(outcomes.read > 0 && outcomes.refused > 0, JSON.stringify(outcomes));
  });

  it('ignores a -wal that is garbage, as sqlite (and so rpm) does', async () => {
    const r = freshRoot('garbage-wal');
    writeFileSync(join(r, 'var/lib/rpm/rpmdb.sqlite-wal'), Buffer.alloc(70000, 0x5a));
    const headers = await readRpmDatabase(offlineRootTarget(r), { dir: '/var/lib/rpm', file: 'rpmdb.sqlite', format: 'sqlite' });
    assert.equal(headers.length, PACKAGES.length);
  });

  it('rejects with RpmDbError when the target cannot read the database, and finds no database where it cannot look', async () => {
    const loc = { dir: '/var/lib/rpm', file: 'rpmdb.sqlite', format: 'sqlite' } as const;
    for (const [path, op] of [['/var/lib/rpm/rpmdb.sqlite', 'readFile'], ['/var/lib/rpm/rpmdb.sqlite-wal', 'readFile'], ['/var/lib/rpm/rpmdb.sqlite', 'stat']] as const) {
      const t = faultTarget(offlineRootTarget(root), [{ path, ops: [op], code: 'EIO' }]);
      await assert.rejects(readRpmDatabase(t, loc), (e: unknown) => e instanceof RpmDbError && /EIO/.test(e.message), `${op} ${path}`);
    }
    const hidden = faultTarget(offlineRootTarget(root), [{ path: '/var/lib/rpm', prefix: true, ops: ['stat'], code: 'EACCES' }]);
    await assert.rejects(findRpmDatabase(hidden), (e: unknown) => e instanceof TargetError && e.code === 'EACCES');
  });

  it('gives up at once on an abandoned read, with ECANCELED, and leaves no copy behind', async () => {
    const loc = { dir: '/var/lib/rpm', file: 'rpmdb.sqlite', format: 'sqlite' } as const;
    const ac = new AbortController();
    ac.abort();
    const copies = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith('vigil-rpmdb-') && !f.startsWith('vigil-rpmdb-test-'));
    const before = copies();
    await assert.rejects(readRpmDatabase(offlineRootTarget(root), loc, { signal: ac.signal }), (e: unknown) => e instanceof TargetError && e.code === 'ECANCELED');
    assert.deepEqual(copies(), before);
  });

  it('refuses the damaged headers rpm refuses: rpm -qa skips each one too', async () => {
    const db0 = new Database(join(root, 'var/lib/rpm/rpmdb.sqlite'), { readonly: true });
    const good = db0.prepare("SELECT blob FROM Packages WHERE hnum = 1").pluck().get() as Buffer;
    db0.close();
    const il = good.readUInt32BE(0);
    const dataStart = 8 + 16 * il;
    const entries = Array.from({ length: il }, (_, i) => ({ i, tag: good.readUInt32BE(8 + 16 * i), type: good.readUInt32BE(12 + 16 * i) }));
    const find = (pred: (e: { tag: number; type: number }) => boolean): number => entries.find((e) => e.i > 0 && pred(e))!.i;
    const at = (i: number, field: number): number => 8 + 16 * i + 4 * field;
    const patch = (pos: number, value: number, signed = false): Buffer => {
      const b = Buffer.from(good);
      if (signed) b.writeInt32BE(value, pos);
      else b.writeUInt32BE(value, pos);
      return b;
    };
    const int32 = find((e) => e.type === 4);
    const str = find((e) => e.type === 6);
    const arr = find((e) => e.type === 8);
    const trailer = dataStart + good.readInt32BE(at(0, 2));
    const cases: [string, Buffer][] = [
      ['truncated', good.subarray(0, good.length - 1)],
      ['no entries', patch(0, 0)],
      ['a claim of 4 GB of data', patch(4, 0xffffffff)],
      ['an offset past the data', patch(at(int32, 2), 0x7ffffff0)],
      ['a negative offset', patch(at(int32, 2), -16, true)],
      ['an unknown type', patch(at(int32, 1), 12)],
      ['a misaligned number', patch(at(int32, 2), good.readUInt32BE(at(int32, 2)) + 1)],
      ['a STRING with two values', patch(at(str, 3), 2)],
      ['strings that run out', patch(at(arr, 3), good.readUInt32BE(4))],
      ['a region trailer of another tag', patch(trailer, 62)],
      ['a region that claims more entries than there are', patch(trailer + 8, -(il + 5) * 16, true)],
    ];
    for (const [what, blob] of cases) {
      assert.throws(() => RpmHeader.parse(blob), RpmHeaderError, what);
      const r = freshRoot(`rpm-refuses-${what.replace(/\W+/g, '-')}`);
      const db = new Database(join(r, 'var/lib/rpm/rpmdb.sqlite'));
      db.pragma('foreign_keys = OFF');
      db.prepare('INSERT INTO Packages (blob) VALUES (?)').run(blob);
      db.close();
      const names = spawnSync('rpm', [...rpmRootArgs(r), '-qa', '--qf', '%{NAME}\n'], { encoding: 'utf8' });
      assert.deepEqual(names.stdout.trim().split('\n').sort(), PACKAGES.map((p) => p.name).sort(), `${what}: rpm lists only the good packages`);
      const bad: number[] = [];
      await readRpmDatabase(offlineRootTarget(r), { dir: '/var/lib/rpm', file: 'rpmdb.sqlite', format: 'sqlite' }, { onBadHeader: (b) => bad.push(b.instance) });
      assert.deepEqual(bad, [PACKAGES.length + 1], what);
    }
  });

  it('refuses exactly the randomly damaged headers rpm -qa skips (seeded, 400 headers)', async () => {
    const r = freshRoot('differential');
    const db = new Database(join(r, 'var/lib/rpm/rpmdb.sqlite'));
    db.pragma('foreign_keys = OFF');
    const goods = db.prepare('SELECT blob FROM Packages ORDER BY hnum').pluck().all() as Buffer[];
    const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
    const rnd = prng(1916);
    for (let n = 0; n < 400; n++) {
      const b = Buffer.from(goods[n % goods.length]!);
      const index = 8 + 16 * b.readUInt32BE(0);
      for (let k = 0, hits = 1 + Math.floor(rnd() * 3); k < hits; k++) {
        const at = rnd() < 0.7 ? Math.floor(rnd() * index) : Math.floor(rnd() * b.length);
        b[at] = rnd() < 0.5 ? Math.floor(rnd() * 256) : b[at]! ^ (1 << Math.floor(rnd() * 8));
      }
      insert.run(b);
    }
    db.close();
    const listed = spawnSync('rpm', [...rpmRootArgs(r), '-qa', '--qf', '%{DBINSTANCE}\n'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const rpmReads = listed.stdout.trim().split('\n').map(Number).sort((a, b) => a - b);
    const headers = await readRpmDatabase(offlineRootTarget(r), { dir: '/var/lib/rpm', file: 'rpmdb.sqlite', format: 'sqlite' }, { onBadHeader: () => undefined });
    const vigilReads = headers.map((h) => h.instance!).sort((a, b) => a - b);
    assert.ok(rpmReads.length > goods.length && rpmReads.length < 400, `some damaged headers pass, most do not: rpm read ${rpmReads.length}`);
    assert.deepEqual(vigilReads, rpmReads);
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

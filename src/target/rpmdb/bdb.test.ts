import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bdbWriterAvailable, buildRpms, installRpms, rpmQueryAll, rpmToolsAvailable, writeBdbPackages } from '../../testing/rpm-build.js';
import { linesOf, oracleLines, PACKAGES, QUERY_FORMAT } from '../../testing/rpmdb-fixture.js';
import { prng } from '../../testing/prng.js';
import { REQUIRE_ORACLE } from '../../testing/oracle.js';
import { offlineRootTarget } from '../fs-target.js';
import { readBdbBlobs } from './bdb.js';
import { findRpmDatabase, readRpmDatabase, RpmDbError } from './database.js';
import type { RpmHeader } from './header.js';

// without the oracle's tools the tests skip, or fail under VIGIL_REQUIRE_ORACLE=1 (CI)
const skip = REQUIRE_ORACLE ? false : !rpmToolsAvailable() ? 'rpmbuild and rpm are not installed' : !bdbWriterAvailable() ? 'python3-bsddb3 is not installed' : false;
const base = mkdtempSync(join(tmpdir(), 'vigil-rpmdb-bdb-'));
after(() => rmSync(base, { recursive: true, force: true }));
const LOC = { dir: '/var/lib/rpm', file: 'Packages', format: 'bdb' } as const;
const PATH = '/var/lib/rpm/Packages';

let installed: RpmHeader[] = [];

interface Variant {
  readonly name: string;
  readonly pagesize: number;
  readonly bigEndian: boolean;
  /** How many entries: the installed headers again and again under new instance numbers. */
  readonly copies: number;
}
const VARIANTS: readonly Variant[] = [
  { name: 'le-4096', pagesize: 4096, bigEndian: false, copies: 1 },
  // 512-byte pages: every header is an overflow chain of many pages; written as a big-endian host would
  { name: 'be-512', pagesize: 512, bigEndian: true, copies: 1 },
  // 300 entries: the hash splits its buckets, and spares[] maps them
  { name: 'many-1024', pagesize: 1024, bigEndian: false, copies: 100 },
];

const rootOf = (v: Variant): string => join(base, v.name);
const packagesOf = (v: Variant): string => join(rootOf(v), 'var/lib/rpm/Packages');

/** The pages of a Packages file, with the fields the tests corrupt. */
function pages(file: Buffer): { pagesize: number; le: boolean; types: number[] } {
  const le = file.readUInt32LE(12) === 0x061561;
  const pagesize = le ? file.readUInt32LE(20) : file.readUInt32BE(20);
  const types: number[] = [];
  for (let at = 0; at + pagesize <= file.length; at += pagesize) types.push(file[at + 25]!);
  return { pagesize, le, types };
}

describe('rpm Berkeley DB (Packages) database', { skip }, () => {
  before(async () => {
    const sqliteRoot = join(base, 'sqlite');
    installRpms(sqliteRoot, buildRpms(join(base, 'build'), PACKAGES));
    installed = await readRpmDatabase(offlineRootTarget(sqliteRoot), (await findRpmDatabase(offlineRootTarget(sqliteRoot)))!);
    for (const v of VARIANTS) {
      const blobs = Array.from({ length: v.copies }, (_, c) => installed.map((h) => ({ instance: h.instance! + c * installed.length, blob: h.blob }))).flat();
      writeBdbPackages(packagesOf(v), blobs, { pagesize: v.pagesize, bigEndian: v.bigEndian });
    }
  });

  for (const v of VARIANTS) {
    it(`reads ${v.name} as rpm's bdb_ro does: the same packages and files, in the same order`, async () => {
      const target = offlineRootTarget(rootOf(v));
      assert.deepEqual(await findRpmDatabase(target), LOC);
      const before = readFileSync(packagesOf(v));
      const headers = await readRpmDatabase(target, LOC);
      assert.equal(headers.length, installed.length * v.copies);
      assert.deepEqual(headers.flatMap((h) => linesOf(h)).sort(), oracleLines(rpmQueryAll(rootOf(v), QUERY_FORMAT, '/var/lib/rpm', 'bdb_ro')));
      const order = rpmQueryAll(rootOf(v), '%{DBINSTANCE}\n', '/var/lib/rpm', 'bdb_ro').trim().split('\n').map(Number);
      assert.deepEqual(headers.map((h) => h.instance), order);
      assert.ok(readFileSync(packagesOf(v)).equals(before));
    });
  }

  it('refuses a file that is not a hash database, or is cut short', () => {
    assert.throws(() => readBdbBlobs(Buffer.alloc(4096, 7), PATH), (e: unknown) => e instanceof RpmDbError && /no Berkeley DB hash magic/.test(e.message));
    assert.throws(() => readBdbBlobs(Buffer.alloc(100), PATH), (e: unknown) => e instanceof RpmDbError && /shorter than a metadata page/.test(e.message));
    const file = readFileSync(packagesOf(VARIANTS[1]!));
    assert.throws(() => readBdbBlobs(file.subarray(0, file.length / 2), PATH), (e: unknown) => e instanceof RpmDbError && /beyond the file/.test(e.message));
  });

  it('refuses a database whose pages carry checksums, as rpm\'s bdb_ro cannot read one either', () => {
    const file = join(base, 'checksum', 'var/lib/rpm/Packages');
    writeBdbPackages(file, installed.map((h) => ({ instance: h.instance!, blob: h.blob })), { checksum: true });
    assert.throws(() => readBdbBlobs(readFileSync(file), PATH), (e: unknown) => e instanceof RpmDbError && /checksums/.test(e.message));
  });

  it('stops at a loop in an overflow chain or a bucket chain', () => {
    const file = Buffer.from(readFileSync(packagesOf(VARIANTS[1]!)));
    const { pagesize, le, types } = pages(file);
    const setNext = (buf: Buffer, pgno: number, next: number): void => {
      if (le) buf.writeUInt32LE(next, pgno * pagesize + 16);
      else buf.writeUInt32BE(next, pgno * pagesize + 16);
    };
    const overflow = types.indexOf(7);
    assert.ok(overflow > 0);
    const ovLoop = Buffer.from(file);
    setNext(ovLoop, overflow, overflow);
    assert.throws(() => readBdbBlobs(ovLoop, PATH), (e: unknown) => e instanceof RpmDbError && /loop/.test(e.message));
    const hash = types.indexOf(13);
    assert.ok(hash > 0);
    const bucketLoop = Buffer.from(file);
    setNext(bucketLoop, hash, hash);
    assert.throws(() => readBdbBlobs(bucketLoop, PATH), (e: unknown) => e instanceof RpmDbError && /loop/.test(e.message));
  });

  it('refuses an off-page item that claims 4 GB without allocating it', () => {
    const file = Buffer.from(readFileSync(packagesOf(VARIANTS[0]!)));
    const { pagesize, le, types } = pages(file);
    let patched = false;
    for (let p = 1; p < types.length && !patched; p++) {
      if (types[p] !== 13) continue;
      const at = p * pagesize;
      const n = le ? file.readUInt16LE(at + 20) : file.readUInt16BE(at + 20);
      for (let i = 0; i < n; i++) {
        const off = le ? file.readUInt16LE(at + 26 + 2 * i) : file.readUInt16BE(at + 26 + 2 * i);
        if (file[at + off] === 3) {
          if (le) file.writeUInt32LE(0xfffffff0, at + off + 8);
          else file.writeUInt32BE(0xfffffff0, at + off + 8);
          patched = true;
          break;
        }
      }
    }
    assert.ok(patched, 'the database has an off-page item');
    assert.throws(() => readBdbBlobs(file, PATH), (e: unknown) => e instanceof RpmDbError && /overflow item of 4294967280 bytes/.test(e.message));
  });

  it('survives random damage: a clear RpmDbError or RpmHeaderError, never another failure (seeded)', async () => {
    for (const v of VARIANTS.slice(0, 2)) {
      const clean = readFileSync(packagesOf(v));
      const rnd = prng(19 + v.pagesize);
      for (let round = 0; round < 150; round++) {
        const file = Buffer.from(clean);
        const hits = 1 + Math.floor(rnd() * 8);
        for (let k = 0; k < hits; k++) {
          const at = Math.floor(rnd() * file.length);
          file[at] = rnd() < 0.5 ? Math.floor(rnd() * 256) : file[at]! ^ (1 << Math.floor(rnd() * 8));
        }
        const cut = rnd() < 0.1 ? file.subarray(0, Math.floor(rnd() * file.length)) : file;
        const damaged = join(base, 'fuzz', 'var/lib/rpm/Packages');
        writeBdbFile(damaged, cut);
        try {
          await readRpmDatabase(offlineRootTarget(join(base, 'fuzz')), LOC, { onBadHeader: () => undefined });
        } catch (e) {
          assert.ok(e instanceof RpmDbError, `seed ${19 + v.pagesize}, round ${round}: ${String(e)}`);
        }
      }
    }
  });
});

function writeBdbFile(path: string, bytes: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

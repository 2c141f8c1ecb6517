import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildRpms, installRpms, rpmQueryAll, rpmToolsAvailable, writeNdbPackages } from '../../testing/rpm-build.js';
import { linesOf, oracleLines, PACKAGES, QUERY_FORMAT } from '../../testing/rpmdb-fixture.js';
import { prng } from '../../testing/prng.js';
import { REQUIRE_ORACLE } from '../../testing/oracle.js';
import { offlineRootTarget } from '../fs-target.js';
import { findRpmDatabase, parseBlobs, readRpmDatabase, RpmDbError } from './database.js';
import type { RpmHeader } from './header.js';
import { readNdbBlobs } from './ndb.js';

// Debian's rpm has no ndb backend: the databases here come from writeNdbPackages,
// which follows rpm's rpmpkg.c, and what they must hold is what rpm -qa printed
// for the same headers in a sqlite database.
// without the oracle's tools the tests skip, or fail under VIGIL_REQUIRE_ORACLE=1 (CI)
const skip = REQUIRE_ORACLE ? false : rpmToolsAvailable() ? false : 'rpmbuild and rpm are not installed';
const base = mkdtempSync(join(tmpdir(), 'vigil-rpmdb-ndb-'));
after(() => rmSync(base, { recursive: true, force: true }));
const PATH = '/usr/lib/sysimage/rpm/Packages.db';

describe('rpm ndb (Packages.db) database', { skip }, () => {
  let installed: RpmHeader[] = [];
  let expected: string[] = [];
  const root = join(base, 'suse');
  const file = join(root, PATH);
  before(async () => {
    const sqliteRoot = join(base, 'sqlite');
    installRpms(sqliteRoot, buildRpms(join(base, 'build'), PACKAGES));
    expected = oracleLines(rpmQueryAll(sqliteRoot, QUERY_FORMAT));
    installed = await readRpmDatabase(offlineRootTarget(sqliteRoot), (await findRpmDatabase(offlineRootTarget(sqliteRoot)))!);
    // written in reverse: rpm lists ndb packages in block order, not by instance
    writeNdbPackages(file, [...installed].reverse().map((h) => ({ instance: h.instance!, blob: h.blob })));
  });

  it('is found in /usr/lib/sysimage/rpm and read in block order, with the packages and files rpm printed for the same headers', async () => {
    const target = offlineRootTarget(root);
    const loc = await findRpmDatabase(target);
    assert.deepEqual(loc, { dir: '/usr/lib/sysimage/rpm', file: 'Packages.db', format: 'ndb' });
    const headers = await readRpmDatabase(target, loc!);
    assert.deepEqual(headers.map((h) => h.instance), installed.map((h) => h.instance).reverse());
    assert.deepEqual(headers.flatMap((h) => linesOf(h)).sort(), expected);
  });

  it('refuses what is not an ndb database, truncated, or overlapping', () => {
    const good = readFileSync(file);
    const fails = (bytes: Buffer, message: RegExp): void => {
      assert.throws(() => readNdbBlobs(bytes, PATH), (e: unknown) => e instanceof RpmDbError && message.test(e.message), String(message));
    };
    fails(Buffer.alloc(10), /shorter than its header/);
    fails(Buffer.alloc(8192), /no "RpmP" magic/);
    fails(good.subarray(0, good.length - 16), /runs past the end of the file/);
    fails(good.subarray(0, good.length - 3), /whole number of 16-byte blocks/);
    const huge = Buffer.from(good);
    huge.writeUInt32LE(0xffffffff, 12); // slot pages
    fails(huge, /slot pages in a file/);
    const overlap = Buffer.from(good);
    overlap.writeUInt32LE(overlap.readUInt32LE(32 + 8), 48 + 8); // the second slot starts where the first does
    fails(overlap, /overlap|a \d+-byte blob in \d+ blocks|no blob header/);
    const length = Buffer.from(good);
    const first = length.readUInt32LE(32 + 8) * 16;
    length.writeUInt32LE(0xfffffff0, first + 12); // a blob that claims 4 GB
    fails(length, /a 4294967280-byte blob/);
  });

  it('survives random damage: a clear RpmDbError or RpmHeaderError, never another failure (seeded)', () => {
    const good = readFileSync(file);
    const rnd = prng(4242);
    for (let round = 0; round < 500; round++) {
      const bytes = Buffer.from(good);
      for (let k = 0, n = 1 + Math.floor(rnd() * 6); k < n; k++) {
        // half the hits land in the slots and blob framing, where they matter most
        const at = rnd() < 0.5 ? Math.floor(rnd() * 128) : Math.floor(rnd() * bytes.length);
        bytes[at] = Math.floor(rnd() * 256);
      }
      try {
        parseBlobs(readNdbBlobs(bytes, PATH), PATH, { onBadHeader: () => undefined });
      } catch (e) {
        assert.ok(e instanceof RpmDbError, `round ${round}: ${String(e)}`);
      }
    }
  });
});

/**
 * The native directory reader (native-walk.ts, native/walk/walk.c) against
 * the pure-JS one (dir-reader.ts): the same entries, in the same order, with
 * the same lstat fields, in every mode, read now or ahead on the thread pool;
 * names that are not UTF-8 kept byte for byte; a directory that cannot be
 * read fails with the same errno code. Skipped when the addon is not built
 * (scripts/build-native.mjs); it is built on CI.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsHostListing } from './dir-reader.js';
import { directoryReader, NATIVE_WALK_PATH, nativeListing, nativePrefetch, nativeWalk, useDirectoryReader } from './native-walk.js';
import { TargetError, type DirEntry, type DirListing, type Examine } from './target.js';

const built = existsSync(NATIVE_WALK_PATH);
const MODES: readonly Examine[] = ['none', 'directories', 'all'];
const all = (l: DirListing): DirEntry[] => Array.from({ length: l.length }, (_, i) => l.at(i));

const base = mkdtempSync(join(tmpdir(), 'vigil-native-walk-'));
const root = join(base, 'root');
const server = createServer();
after(() => {
  server.close();
  rmSync(base, { recursive: true, force: true });
  useDirectoryReader('default');
});

before(async () => {
  mkdirSync(join(root, 'd/sub'), { recursive: true });
  writeFileSync(join(root, 'd/file'), 'xyz');
  writeFileSync(join(root, 'd/Upper'), '');
  writeFileSync(join(root, 'd/é-accented'), '');
  writeFileSync(join(root, 'd/\ufffd-replacement'), ''); // valid UTF-8 that decodes to U+FFFD
  writeFileSync(Buffer.concat([Buffer.from(join(root, 'd') + '/'), Buffer.from([0x66, 0xff, 0xfe, 0x80])]), 'not utf-8');
  symlinkSync('sub', join(root, 'd/link'));
  symlinkSync('/nowhere', join(root, 'd/dangling'));
  mkdirSync(join(base, 'decoy'));
  symlinkSync(join(base, 'decoy'), join(root, 'd/abs'));
  execFileSync('mkfifo', [join(root, 'd/fifo')]);
  await new Promise<void>((res) => server.listen(join(root, 'd/sock'), res));
  try {
    execFileSync('mknod', [join(root, 'd/null'), 'c', '1', '3'], { stdio: 'ignore' });
  } catch {
    // not root: no device in the tree
  }
  // a directory whose own name is not UTF-8, with entries
  const odd = Buffer.concat([Buffer.from(root + '/'), Buffer.from([0x6f, 0xe9])]);
  mkdirSync(odd);
  writeFileSync(Buffer.concat([odd, Buffer.from('/inside')]), '');
  mkdirSync(join(root, 'wide'));
  for (let i = 0; i < 3000; i++) writeFileSync(join(root, 'wide', `n${(i * 7919) % 3000}`), '');
});

describe('the native directory reader', { skip: built ? false : 'native/walk is not built (node scripts/build-native.mjs)' }, () => {
  const dirs: readonly [string, string][] = [
    ['d', '/d'],
    ['wide', '/wide'],
    ['o\udce9', '/o\udce9'],
    ['', '/'],
  ];

  it('loads, and says so', () => {
    useDirectoryReader('native');
    assert.ok(nativeWalk());
    assert.match(directoryReader(), /^native /);
    useDirectoryReader('js');
    assert.equal(nativeWalk(), undefined);
    assert.match(directoryReader(), /^JavaScript /);
    useDirectoryReader('native');
  });

  it('gives the entries the pure-JS reader gives, in every mode', () => {
    const a = nativeWalk()!;
    for (const [rel, dir] of dirs) {
      const host = rel === '' ? root : `${root}/${rel}`;
      for (const mode of MODES) {
        const want = all(jsHostListing(host, dir, mode));
        const got = all(nativeListing(a, host.includes('\udce9') ? Buffer.concat([Buffer.from(root + '/'), Buffer.from([0x6f, 0xe9])]) : host, dir, mode));
        assert.deepEqual(got, want, `${dir} ${mode}`);
        assert.ok(want.length > 0);
      }
    }
  });

  it('keeps a name that is not UTF-8 byte for byte, and a real U+FFFD as itself', () => {
    const names = all(nativeListing(nativeWalk()!, join(root, 'd'), '/d', 'all')).map((e) => e.name);
    assert.ok(names.includes('f\udcff\udcfe\udc80'), names.join());
    assert.ok(names.includes('\ufffd-replacement'));
    // sorted bytewise, as readdir gives them
    assert.deepEqual(
      names,
      [...names].sort((x, y) => Buffer.compare(enc(x), enc(y))),
    );
  });

  it('examines every entry with "all", and a link as itself', () => {
    const byName = new Map(all(nativeListing(nativeWalk()!, join(root, 'd'), '/d', 'all')).map((e) => [e.name, e]));
    assert.equal(byName.get('link')!.type, 'symlink');
    assert.equal(byName.get('abs')!.info!.type, 'symlink');
    assert.equal(byName.get('fifo')!.type, 'fifo');
    assert.equal(byName.get('sock')!.type, 'socket');
    assert.equal(byName.get('file')!.info!.size, 3);
    assert.equal(byName.get('file')!.info!.path, '/d/file');
    if (byName.has('null')) assert.equal(byName.get('null')!.info!.rdev, lstatSync(join(root, 'd/null')).rdev);
    assert.equal(byName.get('file')!.info!.rdev, undefined);
    for (const e of byName.values()) assert.ok(e.info, e.name);
  });

  it('fails a directory as the pure-JS reader does, by errno code', () => {
    for (const [host, code] of [
      [join(root, 'missing'), 'ENOENT'],
      [join(root, 'd/file'), 'ENOTDIR'],
    ] as const) {
      assert.throws(
        () => jsHostListing(host, '/x', 'all'),
        (e: unknown) => e instanceof TargetError && e.code === code,
      );
      assert.throws(
        () => nativeListing(nativeWalk()!, host, '/x', 'all'),
        (e: unknown) => e instanceof TargetError && e.code === code && e.path === '/x',
      );
    }
  });

  it('reads ahead on the thread pool the listing it would read now, errors included (VIGIL_NATIVE_PREFETCH=1)', async (t) => {
    useDirectoryReader('native');
    const saved = process.env.VIGIL_NATIVE_PREFETCH;
    t.after(() => (saved === undefined ? delete process.env.VIGIL_NATIVE_PREFETCH : (process.env.VIGIL_NATIVE_PREFETCH = saved)));
    process.env.VIGIL_NATIVE_PREFETCH = '0';
    assert.equal(nativePrefetch(join(root, 'd'), '/d', 'all'), undefined, 'off unless asked for');
    process.env.VIGIL_NATIVE_PREFETCH = '1';
    for (const [rel, dir] of dirs) {
      const host = rel === '' ? root : `${root}/${rel}`;
      const fs = host.includes('\udce9') ? Buffer.concat([Buffer.from(root + '/'), Buffer.from([0x6f, 0xe9])]) : host;
      for (const mode of MODES) {
        const ahead = nativePrefetch(fs, dir, mode);
        assert.ok(ahead);
        assert.equal(ahead.examine, mode);
        assert.deepEqual(all(await ahead.take()), all(jsHostListing(host, dir, mode)), `${dir} ${mode}`);
      }
    }
    const missing = nativePrefetch(join(root, 'missing'), '/missing', 'all')!;
    await assert.rejects(missing.take(), (e: unknown) => e instanceof TargetError && e.code === 'ENOENT');
    // a dropped one is no unhandled rejection, and frees its place
    nativePrefetch(join(root, 'gone'), '/gone', 'all')!.drop();
    const many = Array.from({ length: 40 }, () => nativePrefetch(join(root, 'wide'), '/wide', 'none'));
    assert.ok(many.some((p) => p === undefined), 'the read-ahead is bounded');
    for (const p of many) p?.drop();
    await new Promise((res) => setTimeout(res, 50));
    assert.ok(nativePrefetch(join(root, 'wide'), '/wide', 'none'));
  });
});

function enc(s: string): Buffer {
  const parts: Buffer[] = [];
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    parts.push(c >= 0xdc80 && c <= 0xdcff ? Buffer.of(c - 0xdc00) : Buffer.from(ch));
  }
  return Buffer.concat(parts);
}

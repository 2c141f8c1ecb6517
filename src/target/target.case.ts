/**
 * The Target contract, as one suite of cases that every Target runs (as
 * hono runs one suite against every router): the local target on a temp
 * tree (target.local.test.ts), the offline root (target.offline.test.ts),
 * the in-memory target (src/sdk/mock-target.test.ts), and the SSH target
 * when there is one.
 *
 * Each runner lays out CASE_TREE its own way (on disk with
 * writeCaseTree, or declared to the mock) and hands over the target with
 * the target path at which the tree's `/` appears: the temp directory for
 * the local target, `/` for the others. Links in the tree are relative, so
 * they mean the same everywhere; what absolute links mean is each target's
 * own test (the offline root's decoys, say).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { openDirectory, readChunks, TargetError, type Target } from './target.js';

/** An entry of the case tree: a file's text, or a file with metadata, a directory or a relative link. */
export type CaseEntry =
  | string
  | Buffer
  | { readonly content: string | Buffer; readonly mode?: number; readonly xattrs?: Readonly<Record<string, string>> }
  | { readonly dir: true; readonly mode?: number }
  | { readonly symlink: string };

/** 300 000 bytes with every offset distinguishable: readRange and readChunks get it whole or in part. */
export const BIG = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));

export const CASE_TREE: Readonly<Record<string, CaseEntry>> = {
  '/etc/hostname': 'casebox\n',
  '/etc/os-release': 'NAME="Case Linux"\nVERSION="1 (case)"\nID=case\nPRETTY_NAME=\'Case Linux 1\'\n',
  '/data/text': 'hello\nworld\n',
  '/data/big': BIG,
  '/data/secret': { content: 'x', mode: 0o600 },
  '/data/labelled': { content: 'l', xattrs: { 'user.vigil.case': 'v1', 'user.vigil.other': '' } },
  '/data/plain': 'p',
  '/data/to-labelled': { symlink: 'labelled' },
  '/data/to-text': { symlink: 'text' },
  '/data/up': { symlink: '../data/text' },
  '/data/dangling': { symlink: 'nowhere' },
  '/data/sub': { dir: true, mode: 0o750 },
  '/data/sub/inner': 'i',
};

/** Writes CASE_TREE under host directory `dir` (user.* attributes too). */
export function writeCaseTree(dir: string): void {
  const { setAttributeSync } = createRequire(import.meta.url)('@napi-rs/xattr') as { setAttributeSync(path: string, name: string, value: string): void };
  const modes: Array<[string, number]> = [];
  for (const [path, e] of Object.entries(CASE_TREE)) {
    const p = join(dir, path);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof e === 'string' || Buffer.isBuffer(e)) writeFileSync(p, e);
    else if ('symlink' in e) symlinkSync(e.symlink, p);
    else if ('dir' in e) {
      mkdirSync(p, { recursive: true });
      if (e.mode !== undefined) modes.push([p, e.mode]);
    } else {
      writeFileSync(p, e.content);
      if (e.mode !== undefined) modes.push([p, e.mode]);
      for (const [k, v] of Object.entries(e.xattrs ?? {})) setAttributeSync(p, k, v);
    }
  }
  for (const [p, mode] of modes) chmodSync(p, mode);
}

export interface CaseTarget {
  readonly target: Target;
  /** The target path of the tree's `/`: `/`, or the temp directory the local target sees it in. */
  readonly base: string;
  /** Whether describe() tells of a running system (uname, architecture), or of the tree's files. */
  readonly live: boolean;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof TargetError, `not a TargetError: ${String(e)}`);
    return e.code;
  }
}

/** Registers the contract's cases for the target `open` gives. */
export function targetCases(label: string, open: () => Promise<CaseTarget>): void {
  describe(`Target contract: ${label}`, () => {
    let c: CaseTarget | undefined;
    const ready = async (): Promise<CaseTarget> => (c ??= await open());
    const at = (cc: CaseTarget, p: string): string => (cc.base === '/' ? p : `${cc.base}${p}`);

    it('reads whole files, through relative links', async () => {
      const cc = await ready();
      assert.equal((await cc.target.readFile(at(cc, '/data/text'))).toString(), 'hello\nworld\n');
      assert.equal((await cc.target.readFile(at(cc, '/data/to-text'))).toString(), 'hello\nworld\n');
      assert.equal((await cc.target.readFile(at(cc, '/data/up'))).toString(), 'hello\nworld\n');
      assert.ok((await cc.target.readFile(at(cc, '/data/big'))).equals(BIG));
    });

    it('fails with the errno a filesystem gives: only ENOENT and ENOTDIR mean absence', async () => {
      const { target: t, ...cc } = await ready();
      const p = (x: string): string => at({ target: t, ...cc }, x);
      assert.equal(await code(t.readFile(p('/data/missing'))), 'ENOENT');
      assert.equal(await code(t.readFile(p('/data/dangling'))), 'ENOENT');
      assert.equal(await code(t.readFile(p('/data/text/below'))), 'ENOTDIR');
      assert.equal(await code(t.readFile(p('/data/sub'))), 'EISDIR');
      assert.equal(await code(t.stat(p('/data/missing'))), 'ENOENT');
      assert.equal(await code(t.readdir(p('/data/text'))), 'ENOTDIR');
      assert.equal(await code(t.readFile('relative/path')), 'EINVAL');
    });

    it('reads ranges: a slice, the tail short, nothing past the end', async () => {
      const cc = await ready();
      const big = at(cc, '/data/big');
      assert.ok((await cc.target.readRange(big, 1000, 5000)).equals(BIG.subarray(1000, 6000)));
      assert.ok((await cc.target.readRange(big, BIG.length - 10, 100)).equals(BIG.subarray(BIG.length - 10)));
      assert.equal((await cc.target.readRange(big, BIG.length + 5, 10)).length, 0);
      assert.equal((await cc.target.readRange(big, 0, 0)).length, 0);
      assert.equal(await code(cc.target.readRange(big, -1, 10)), 'EINVAL');
      assert.equal(await code(cc.target.readRange(at(cc, '/data/missing'), 0, 10)), 'ENOENT');
    });

    it('streams a file in chunks that add up to the file, and stops at a limit', async () => {
      const cc = await ready();
      const chunks: Buffer[] = [];
      for await (const ch of readChunks(cc.target, at(cc, '/data/big'), { chunkSize: 64 * 1024 })) chunks.push(ch);
      assert.deepEqual(chunks.map((ch) => ch.length), [65536, 65536, 65536, 65536, 37856]);
      assert.ok(Buffer.concat(chunks).equals(BIG));
      let n = 0;
      for await (const ch of readChunks(cc.target, at(cc, '/data/big'), { chunkSize: 1000, limit: 2500 })) n += ch.length;
      assert.equal(n, 2500);
    });

    it('abandons a read whose signal has fired: ECANCELED', async () => {
      const cc = await ready();
      const ac = new AbortController();
      ac.abort();
      assert.equal(await code(cc.target.readFile(at(cc, '/data/big'), { signal: ac.signal })), 'ECANCELED');
      const chunks = readChunks(cc.target, at(cc, '/data/big'), { chunkSize: 1000, signal: ac.signal });
      assert.equal(await code(chunks.next()), 'ECANCELED');
      if (cc.target.exec) assert.equal(await code(cc.target.exec('true', [], { signal: ac.signal })), 'ECANCELED');
    });

    it('stat follows links, lstat does not; modes carry their type bits', async () => {
      const cc = await ready();
      const l = await cc.target.lstat(at(cc, '/data/to-text'));
      const s = await cc.target.stat(at(cc, '/data/to-text'));
      assert.equal(l.type, 'symlink');
      assert.deepEqual([s.type, s.size], ['regular', 12]);
      assert.equal((await cc.target.stat(at(cc, '/data/secret'))).mode, 0o100600);
      assert.equal((await cc.target.stat(at(cc, '/data/sub'))).mode, 0o040750);
      assert.equal(await cc.target.readlink(at(cc, '/data/to-text')), 'text');
      assert.equal(await cc.target.realpath(at(cc, '/data/up')), at(cc, '/data/text'));
      assert.equal(await code(cc.target.readlink(at(cc, '/data/text'))), 'EINVAL');
    });

    it('lists directories with their entries\' types, and opens them for walks', async () => {
      const cc = await ready();
      const names = (await cc.target.readdir(at(cc, '/data'))).map((e) => `${e.name}:${e.type}`).sort();
      assert.deepEqual(names, ['big:regular', 'dangling:symlink', 'labelled:regular', 'plain:regular', 'secret:regular', 'sub:directory', 'text:regular', 'to-labelled:symlink', 'to-text:symlink', 'up:symlink']);
      const d = await openDirectory(cc.target, at(cc, '/data'));
      const all = await d.entries('all');
      const sub = all.find((e) => e.name === 'sub');
      assert.equal(sub?.type, 'directory');
      const child = await d.openChild('sub');
      assert.deepEqual((await child.entries()).map((e) => e.name), ['inner']);
      assert.equal(await code(d.openChild('text')), 'ENOTDIR');
    });

    it('statfs: the filesystem holding a path, in blocks', async () => {
      const cc = await ready();
      const s = await cc.target.statfs(at(cc, '/data/text'));
      assert.ok(s.bsize > 0, 'a block size');
      assert.ok(s.blocks >= s.bfree && s.bfree >= s.bavail, 'free blocks within the total');
      assert.ok(Number.isInteger(s.type));
      assert.equal(await code(cc.target.statfs(at(cc, '/data/missing'))), 'ENOENT');
    });

    it('extended attributes: listed and read; a missing one is undefined, a missing file ENOENT', async () => {
      const cc = await ready();
      const t = cc.target;
      const names = await t.listxattr(at(cc, '/data/labelled'));
      assert.deepEqual(names.filter((n) => n.startsWith('user.')).sort(), ['user.vigil.case', 'user.vigil.other']);
      assert.equal((await t.getxattr(at(cc, '/data/labelled'), 'user.vigil.case'))?.toString(), 'v1');
      assert.equal((await t.getxattr(at(cc, '/data/labelled'), 'user.vigil.other'))?.length, 0);
      assert.equal(await t.getxattr(at(cc, '/data/labelled'), 'user.vigil.none'), undefined);
      assert.deepEqual((await t.listxattr(at(cc, '/data/plain'))).filter((n) => n.startsWith('user.')), []);
      assert.equal(await code(t.listxattr(at(cc, '/data/missing'))), 'ENOENT');
      assert.equal(await code(t.getxattr(at(cc, '/data/missing'), 'user.vigil.case')), 'ENOENT');
      // the link itself has none; followed, the file's
      assert.equal(await t.getxattr(at(cc, '/data/to-labelled'), 'user.vigil.case'), undefined);
      assert.equal((await t.getxattr(at(cc, '/data/to-labelled'), 'user.vigil.case', { follow: true }))?.toString(), 'v1');
    });

    it('describes itself: the running system when live, the tree\'s own files otherwise', async () => {
      const cc = await ready();
      const d = await cc.target.describe();
      if (cc.live) {
        assert.ok(d.uname && d.uname.sysname !== '' && d.uname.release !== '' && d.uname.machine !== '', 'uname');
        assert.equal(d.architecture, d.uname.machine);
        assert.equal(d.hostname, d.uname.nodename);
        for (const a of d.interfaces) assert.ok(a.name !== '' && (a.family === 'IPv4' || a.family === 'IPv6') && a.address !== '');
      } else {
        assert.equal(d.hostname, 'casebox');
        assert.deepEqual(d.osRelease, { NAME: 'Case Linux', VERSION: '1 (case)', ID: 'case', PRETTY_NAME: 'Case Linux 1' });
        assert.equal(d.uname, undefined);
        assert.equal(d.architecture, undefined);
        assert.deepEqual(d.interfaces, []);
      }
    });

    it('names the process reading it when it has processes; ENOTSUP otherwise', async () => {
      const cc = await ready();
      if (cc.target.has('processes')) {
        const me = await cc.target.self();
        assert.ok(Number.isInteger(me.pid) && me.pid > 0 && Number.isInteger(me.uid));
      } else {
        assert.equal(await code(cc.target.self()), 'ENOTSUP');
      }
    });

    it('closes, more than once', async () => {
      const cc = await ready();
      await cc.target.close();
      await cc.target.close();
    });
  });
}

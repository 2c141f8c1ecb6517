/**
 * Listings read by the directory reader (dir-reader.ts) through the
 * filesystem targets' DirHandle.entries: what each `examine` examines, that
 * an examined entry carries exactly what lstat says (a link itself, never
 * what it points at), errors by errno code, many reads at once, and large
 * directories.
 */
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { localTarget, offlineRootTarget } from './fs-target.js';
import { nativeWalk, useDirectoryReader } from './native-walk.js';
import { TargetError, type DirEntry, type Examine, type FileType } from './target.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-dir-reader-'));
after(() => rmSync(base, { recursive: true, force: true }));

const root = join(base, 'root');
mkdirSync(join(root, 'd/sub'), { recursive: true });
writeFileSync(join(root, 'd/file'), 'x');
chmodSync(join(root, 'd/file'), 0o4751);
symlinkSync('sub', join(root, 'd/link'));
symlinkSync('/nowhere', join(root, 'd/dangling'));
// a decoy on the host where the absolute link points: never examined through the listing
mkdirSync(join(base, 'decoy'), { recursive: true });
symlinkSync(join(base, 'decoy'), join(root, 'd/abs'));
mkdirSync(join(root, 'big'));
const BIG = 5000;
for (let i = 0; i < BIG; i++) writeFileSync(join(root, 'big', `f${i}`), '');

const byName = (list: readonly DirEntry[]): Map<string, DirEntry> => new Map(list.map((e) => [e.name, e]));
const TYPES: Record<string, FileType> = { file: 'regular', sub: 'directory', link: 'symlink', dangling: 'symlink', abs: 'symlink' };

describe('listings examined by the directory reader', () => {
  for (const [name, target] of [
    ['offline root', offlineRootTarget(root)],
    ['local host', localTarget()],
  ] as const) {
    const dir = name === 'offline root' ? '/d' : join(root, 'd');
    const open = () => target.openDir!(dir);

    it(`${name}: "all" gives every entry its lstat, as lstat has it`, async () => {
      const list = byName(await (await open()).entries('all'));
      assert.deepEqual([...list.keys()].sort(), Object.keys(TYPES).sort());
      for (const [n, e] of list) {
        const s = lstatSync(join(root, 'd', n));
        assert.equal(e.type, TYPES[n], n);
        assert.ok(e.info, n);
        assert.equal(e.info.path, `${dir}/${n}`);
        assert.equal(e.info.type, TYPES[n]);
        for (const k of ['mode', 'uid', 'gid', 'size', 'dev', 'ino', 'nlink', 'atimeMs', 'mtimeMs', 'ctimeMs'] as const) assert.equal(e.info[k], s[k], `${n} ${k}`);
      }
      assert.equal(list.get('file')!.info!.mode & 0o7777, 0o4751);
    });

    it(`${name}: "directories" examines the directories only, "none" nothing`, async () => {
      const dirs = byName(await (await open()).entries('directories'));
      assert.deepEqual(
        [...dirs].filter(([, e]) => e.info).map(([n]) => n),
        ['sub'],
      );
      for (const [n, e] of dirs) assert.equal(e.type, TYPES[n]);
      const none = await (await open()).entries('none');
      assert.ok(none.every((e) => e.info === undefined));
      assert.equal(none.length, Object.keys(TYPES).length);
    });

    it(`${name}: a directory from its listed lstat opens without another call, and lists`, async () => {
      const h = await open();
      const sub = (await h.entries('all')).find((e) => e.name === 'sub')!;
      const child = h.subdirectory!('sub', sub.info!);
      assert.equal(child.path, `${dir}/sub`);
      assert.deepEqual(await child.entries('all'), []);
      const file = (await h.entries('all')).find((e) => e.name === 'file')!;
      assert.throws(() => h.subdirectory!('file', file.info!), (e: unknown) => e instanceof TargetError && e.code === 'ENOTDIR');
    });
  }

  it('a directory that cannot be read fails with its errno code', async () => {
    const t = offlineRootTarget(root);
    const h = await t.openDir!('/d');
    rmSync(join(root, 'd/sub'), { recursive: true });
    const gone = h.subdirectory!('sub', { ...lstatSync(join(root, 'd')), path: '/d/sub', type: 'directory' });
    await assert.rejects(gone.entries('all'), (e: unknown) => e instanceof TargetError && e.code === 'ENOENT' && e.path === '/d/sub');
    mkdirSync(join(root, 'd/sub'));
  });

  it('many reads at once each get their own directory; a large one arrives whole', async () => {
    const t = offlineRootTarget(root);
    const examine: Examine[] = ['all', 'directories', 'none'];
    const reads = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const path = i % 3 === 0 ? '/big' : '/d';
        return { path, list: await (await t.openDir!(path)).entries(examine[i % 3]!) };
      }),
    );
    for (const { path, list } of reads) {
      if (path === '/big') {
        assert.equal(list.length, BIG);
        assert.equal(new Set(list.map((e) => e.name)).size, BIG);
        assert.ok(list.every((e) => e.type === 'regular' && e.info?.type === 'regular' && e.info.path === `/big/${e.name}`));
      } else assert.deepEqual(list.map((e) => e.name).sort(), Object.keys(TYPES).sort());
    }
  });

  it('listing(): the entries of entries(), in every mode, each examined when asked for', async () => {
    for (const target of [offlineRootTarget(root), localTarget()]) {
      const dir = target.kind === 'offline-root' ? '/d' : join(root, 'd');
      for (const mode of ['all', 'directories', 'none'] as const) {
        const h = await target.openDir!(dir);
        const l = await h.listing!(mode);
        const lazy = Array.from({ length: l.length }, (_, i) => l.at(i));
        assert.deepEqual(lazy, await h.entries(mode), `${target.kind} ${mode}`);
      }
      // the pure-JS reader: read, not yet examined: the mode an entry has when it is asked for is what it carries;
      // the native one (native-walk.ts) examines as it reads, and holds the lstat packed: the mode when it was read
      for (const reader of ['js', 'native'] as const) {
        useDirectoryReader(reader);
        try {
          const lazy = nativeWalk() === undefined;
          if (reader === 'native' && lazy) continue; // not built
          const l = await (await target.openDir!(dir)).listing!('all');
          const i = Array.from({ length: l.length }, (_, k) => k).find((k) => l.at(k).name === 'file')!;
          chmodSync(join(root, 'd/file'), 0o4711);
          try {
            assert.equal(l.at(i).info!.mode & 0o7777, lazy ? 0o4711 : 0o4751, reader);
          } finally {
            chmodSync(join(root, 'd/file'), 0o4751);
          }
          l.release();
          assert.equal(l.length, 0);
        } finally {
          useDirectoryReader('default');
        }
      }
    }
  });
});

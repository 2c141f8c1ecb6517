/**
 * Listings read ahead on the worker (dir-prefetch.ts, VIGIL_WALK_PREFETCH=1):
 * the same entries as the directory reader gives on the main thread, in
 * every examine mode, names that are not UTF-8 kept (read on the main
 * thread), errors the same; a process waiting on it waits (the walk's
 * side: oval/probes/walk-prefetch.test.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { decoyRoot } from '../testing/walk-fixture.js';
import { prefetchHostDirectory } from './dir-prefetch.js';
import { listHostDirectory } from './dir-reader.js';
import { decodeName } from './host-names.js';
import { TargetError, type DirEntry, type DirListing, type Examine } from './target.js';

const all = (l: DirListing): DirEntry[] => Array.from({ length: l.length }, (_, i) => l.at(i));

const base = mkdtempSync(join(tmpdir(), 'vigil-prefetch-'));
const saved = process.env.VIGIL_WALK_PREFETCH;
before(() => (process.env.VIGIL_WALK_PREFETCH = '1'));
after(() => {
  if (saved === undefined) delete process.env.VIGIL_WALK_PREFETCH;
  else process.env.VIGIL_WALK_PREFETCH = saved;
  rmSync(base, { recursive: true, force: true });
});

const root = decoyRoot(base);
// a name that is not UTF-8
const odd = Buffer.concat([Buffer.from(join(root, 'odd') + '/'), Buffer.from([0x65, 0x76, 0x69, 0x6c, 0xff])]);
mkdirSync(join(root, 'odd'));
writeFileSync(odd, '');
chmodSync(odd, 0o666);

const MODES: readonly Examine[] = ['none', 'directories', 'all'];

describe('listings read ahead on a worker', () => {
  for (const mode of MODES) {
    it(`"${mode}": the entries the main thread reads`, async () => {
      for (const [host, dir] of [
        [join(root, 'd'), '/d'],
        [join(root, 'wide'), '/wide'],
        [root, '/'],
      ] as const) {
        const ahead = prefetchHostDirectory(host, dir, mode);
        assert.ok(ahead, 'read ahead');
        assert.equal(ahead.examine, mode);
        assert.deepEqual(all(await ahead.take()), listHostDirectory(host, dir, mode), `${dir} ${mode}`);
      }
    });
  }

  it('a name that is not UTF-8 is kept (the main thread reads that directory)', async () => {
    const ahead = prefetchHostDirectory(join(root, 'odd'), '/odd', 'all')!;
    const list = all(await ahead.take());
    assert.deepEqual(list, listHostDirectory(join(root, 'odd'), '/odd', 'all'));
    assert.equal(list.length, 1);
    assert.equal(list[0]!.name, decodeName(Buffer.from([0x65, 0x76, 0x69, 0x6c, 0xff])));
    assert.equal(list[0]!.info?.mode && list[0]!.info.mode & 0o777, 0o666);
  });

  it('a directory that cannot be listed fails as it does on the main thread', async () => {
    const ahead = prefetchHostDirectory(join(root, 'gone'), '/gone', 'all')!;
    await assert.rejects(ahead.take(), (e: unknown) => e instanceof TargetError && e.code === 'ENOENT' && e.path === '/gone');
    const notDir = prefetchHostDirectory(join(root, 'd/file'), '/d/file', 'directories')!;
    await assert.rejects(notDir.take(), (e: unknown) => e instanceof TargetError && e.code === 'ENOTDIR');
  });

  it('many at once, each answered with its own listing', async () => {
    const asked = [];
    for (let i = 0; i < 40; i++) {
      const a = prefetchHostDirectory(join(root, 'wide', `w${i}`), `/wide/w${i}`, 'all');
      if (a) asked.push({ i, a });
    }
    assert.ok(asked.length >= 32, `${asked.length} asked`);
    for (const { i, a } of asked.reverse()) {
      const list = all(await a.take());
      assert.deepEqual(list, listHostDirectory(join(root, 'wide', `w${i}`), `/wide/w${i}`, 'all'));
      assert.ok(list.every((e) => e.info?.path === `/wide/w${i}/${e.name}`));
    }
  });

  it('off unless VIGIL_WALK_PREFETCH=1', () => {
    process.env.VIGIL_WALK_PREFETCH = '0';
    try {
      assert.equal(prefetchHostDirectory(root, '/', 'all'), undefined);
    } finally {
      process.env.VIGIL_WALK_PREFETCH = '1';
    }
  });

  it('a process waiting on nothing but a listing asked of the worker waits for it', () => {
    const mod = fileURLToPath(new URL('./dir-prefetch.ts', import.meta.url));
    const code = `const { prefetchHostDirectory } = await import(${JSON.stringify(mod)}); const a = prefetchHostDirectory(${JSON.stringify(join(root, 'wide'))}, '/wide', 'all'); console.log('entries', (await a.take()).length);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, VIGIL_WALK_PREFETCH: '1' }, timeout: 30_000 });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.trim(), 'entries 40');
    assert.equal(r.status, 0);
  });
});

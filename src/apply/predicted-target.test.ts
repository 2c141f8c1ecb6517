/**
 * The predicted view (predicted-target.ts) over an offline root in a temp
 * dir: new content, mode and owner, an added file and a removed one seen
 * through every way a probe reads (readFile, readRange, lstat, stat,
 * readdir, directory handles with examined entries); the other paths and
 * the files on disk untouched.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { offlineRootTarget } from '../target/fs-target.js';
import { openDirectory, TargetError } from '../target/target.js';
import { predictedTarget } from './predicted-target.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-predicted-'));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'etc/app'), { recursive: true });
writeFileSync(join(root, 'etc/app/conf'), 'a=1\n', { mode: 0o644 });
writeFileSync(join(root, 'etc/app/old'), 'old\n');
writeFileSync(join(root, 'etc/app/same'), 'same\n');

const view = () =>
  predictedTarget(
    offlineRootTarget(root),
    new Map([
      ['/etc/app/conf', { content: Buffer.from('a=2\nb=3\n'), mode: 0o600, uid: 0, gid: 42 }],
      ['/etc/app/old', { removed: true }],
      ['/etc/app//new', { content: Buffer.from('new\n'), added: true, mode: 0o640 }],
    ]),
  );

const enoent = (e: unknown): boolean => e instanceof TargetError && e.code === 'ENOENT';

describe('predictedTarget', () => {
  it('reads the predicted content and metadata, and the rest from the target', async () => {
    const t = view();
    assert.equal((await t.readFile('/etc/app/conf')).toString(), 'a=2\nb=3\n');
    assert.equal((await t.readRange('/etc/app/conf', 4, 3)).toString(), 'b=3');
    const st = await t.lstat('/etc/app/conf');
    assert.deepEqual([st.mode & 0o7777, st.gid, st.size, st.type], [0o600, 42, 8, 'regular']);
    assert.equal((await t.readFile('/etc/app/same')).toString(), 'same\n');
    assert.equal((await t.stat('/etc/app/new')).size, 4);
    assert.equal((await t.readFile('/etc/app/new')).toString(), 'new\n');
    await assert.rejects(t.readFile('/etc/app/old'), enoent);
    await assert.rejects(t.lstat('/etc/app/old'), enoent);
    await assert.rejects(t.readFile('/etc/app/conf', { maxBytes: 3 }), (e: unknown) => e instanceof TargetError && e.code === 'EFBIG');
  });

  it('lists the directory as predicted, through readdir and directory handles', async () => {
    const t = view();
    assert.deepEqual((await t.readdir('/etc/app')).map((e) => e.name).sort(), ['conf', 'new', 'same']);
    const h = await openDirectory(t, '/etc/app');
    const entries = await h.entries('all');
    assert.deepEqual(entries.map((e) => e.name).sort(), ['conf', 'new', 'same']);
    assert.equal((entries.find((e) => e.name === 'conf')!.info!.mode & 0o7777), 0o600);
    assert.equal((entries.find((e) => e.name === 'new')!.info!.mode & 0o7777), 0o640);
    assert.equal((await h.lstat('conf')).gid, 42);
    const etc = await openDirectory(t, '/etc');
    const app = await etc.openChild('app');
    assert.deepEqual((await app.entries('none')).map((e) => e.name).sort(), ['conf', 'new', 'same']);
  });

  it('changes nothing on disk', () => {
    assert.equal(readFileSync(join(root, 'etc/app/conf'), 'utf8'), 'a=1\n');
    assert.equal(statSync(join(root, 'etc/app/conf')).mode & 0o7777, 0o644);
    assert.equal(readFileSync(join(root, 'etc/app/old'), 'utf8'), 'old\n');
  });
});

/**
 * Reads of target files are bounded: only regular files are read (a FIFO
 * would hang a scan, /dev/zero never ends), and no file larger than the
 * read limit is taken into memory. Both are clear errors (EINVAL, EFBIG),
 * which probes report as errors, never as absence. The same on the local
 * target, an offline root and the in-memory target.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { localTarget, offlineRootTarget } from './fs-target.js';
import { mockTarget } from './memory-target.js';
import { TargetError } from './target.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-special-'));
after(() => rmSync(base, { recursive: true, force: true }));
const root = join(base, 'root');
mkdirSync(join(root, 'etc'), { recursive: true });
execFileSync('mkfifo', [join(root, 'etc/hostname')]);
writeFileSync(join(root, 'etc/big'), Buffer.alloc(3 * 1024 * 1024, 0x61));
writeFileSync(join(root, 'etc/small'), 'ok\n');

/** The TargetError code a call rejects with, and how long it took to say so. */
async function refusal(call: () => Promise<unknown>): Promise<{ code: string; ms: number }> {
  const t0 = Date.now();
  try {
    await call();
  } catch (e) {
    assert.ok(e instanceof TargetError, `not a TargetError: ${String(e)}`);
    return { code: e.code, ms: Date.now() - t0 };
  }
  assert.fail('the read succeeded');
}

describe('bounded reads of target files', () => {
  const offline = offlineRootTarget(root);
  const local = localTarget();

  it('a FIFO is refused at once, offline and locally, whole or by range', async () => {
    for (const r of [
      await refusal(() => offline.readFile('/etc/hostname')),
      await refusal(() => offline.readRange('/etc/hostname', 0, 10)),
      await refusal(() => local.readFile(join(root, 'etc/hostname'))),
    ]) {
      assert.equal(r.code, 'EINVAL');
      assert.ok(r.ms < 2000, `took ${r.ms} ms`);
    }
  });

  it('a character device is refused, and read with `special` it still stops at the limit', async () => {
    assert.equal((await refusal(() => local.readFile('/dev/zero'))).code, 'EINVAL');
    assert.equal((await refusal(() => local.readFile('/dev/zero', { special: true, maxBytes: 1024 * 1024 }))).code, 'EFBIG');
  });

  it('a file larger than the limit is refused; one within it is read whole', async () => {
    assert.equal((await refusal(() => offline.readFile('/etc/big', { maxBytes: 1024 * 1024 }))).code, 'EFBIG');
    assert.equal((await offline.readFile('/etc/big')).length, 3 * 1024 * 1024);
    assert.equal((await offline.readFile('/etc/small', { maxBytes: 3 })).toString(), 'ok\n');
    assert.equal((await refusal(() => offline.readFile('/etc/small', { maxBytes: 2 }))).code, 'EFBIG');
  });

  it('files that claim no size (/proc) are read to their end', async () => {
    assert.match((await local.readFile('/proc/self/status')).toString(), /^Name:/);
  });

  it('the in-memory target refuses devices and long files the same way', async () => {
    const m = mockTarget({ files: { '/dev/zero': { device: 'character' }, '/etc/big': 'x'.repeat(100) } });
    assert.equal((await refusal(() => m.readFile('/dev/zero'))).code, 'EINVAL');
    assert.equal((await refusal(() => m.readRange('/dev/zero', 0, 1))).code, 'EINVAL');
    assert.equal((await refusal(() => m.readFile('/etc/big', { maxBytes: 10 }))).code, 'EFBIG');
  });
});

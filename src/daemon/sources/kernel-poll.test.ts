import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KERNEL_READ_LIMIT, KernelPoller, kernelHash, perProcess } from './kernel-poll.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-kernel-poll-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('kernel polling', () => {
  it('reports a file whose content changed, once', async () => {
    const f = join(dir, 'ip_forward');
    writeFileSync(f, '0\n');
    const k = new KernelPoller();
    await k.set([{ target: '/proc/sys/net/ipv4/ip_forward', host: f, listing: false, tags: [] }]);
    assert.deepEqual(await k.poll(), []);
    writeFileSync(f, '1\n');
    assert.deepEqual((await k.poll()).map((w) => w.target), ['/proc/sys/net/ipv4/ip_forward']);
    assert.deepEqual(await k.poll(), []);
  });

  it('takes a file that changes at every poll as volatile, and stops comparing it', async () => {
    const f = join(dir, 'counter');
    writeFileSync(f, '0');
    const k = new KernelPoller();
    await k.set([{ target: '/proc/x', host: f, listing: false, tags: [] }]);
    for (let i = 1; i <= 3; i++) {
      writeFileSync(f, String(i));
      assert.equal((await k.poll()).length, 1);
    }
    assert.deepEqual(k.volatile().map((w) => w.target), ['/proc/x']);
    writeFileSync(f, 'again');
    assert.deepEqual(await k.poll(), []);
  });

  it('compares a listing by its names', async () => {
    const d = join(dir, 'conf');
    mkdirSync(d);
    writeFileSync(join(d, 'lo'), '');
    const k = new KernelPoller();
    await k.set([{ target: '/proc/sys/net/ipv4/conf', host: d, listing: true, tags: [] }]);
    writeFileSync(join(d, 'lo'), 'content is not compared');
    assert.deepEqual(await k.poll(), []);
    writeFileSync(join(d, 'eth0'), '');
    assert.equal((await k.poll()).length, 1);
  });

  it("keeps other processes' files and the process table volatile without reading them; compares this process's own", async () => {
    const k = new KernelPoller();
    const pid = process.pid === 1 ? 2 : 1;
    await k.set([
      { target: `/proc/${pid}/cmdline`, host: join(dir, 'absent'), listing: false, tags: [] },
      { target: '/proc/self/environ', host: join(dir, 'absent'), listing: false, tags: [] },
      { target: `/proc/${process.pid}/mounts`, host: join(dir, 'absent'), listing: false, tags: [] },
      { target: '/proc', host: join(dir, 'absent'), listing: true, tags: [] },
      { target: '/proc/self/mountinfo', host: join(dir, 'absent'), listing: false, tags: [], compare: true },
    ]);
    assert.deepEqual(k.volatile().map((w) => w.target).sort(), ['/proc', `/proc/${pid}/cmdline`]);
    assert.ok(!perProcess('/proc/thread-self/attr/current'));
    assert.ok(!perProcess('/proc/sys/kernel/ostype'));
  });

  it('reads at most 64 KiB and tells an absent file from an unreadable one', async () => {
    const big = join(dir, 'big');
    writeFileSync(big, Buffer.alloc(KERNEL_READ_LIMIT + 10, 'a'));
    const capped = join(dir, 'capped');
    writeFileSync(capped, Buffer.alloc(KERNEL_READ_LIMIT, 'a'));
    assert.equal(await kernelHash(big, false), await kernelHash(capped, false));
    assert.equal(await kernelHash(join(dir, 'absent'), false), '-');
    assert.equal(await kernelHash(dir, false), 'E:EISDIR');
  });
});

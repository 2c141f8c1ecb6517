import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readDocument } from '../../model/load.js';
import type { OvalDefinitions } from '../../model/oval/types.js';
import { OvalEngine } from '../engine.js';
import { probeTable } from './registry.js';
import { ovalXml } from '../../testing/content.js';
import { localTarget, offlineRootTarget } from '../../target/fs-target.js';
import { hostKernelTarget, isKernelPath } from '../../target/host-kernel.js';
import type { Target } from '../../target/target.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-host-kernel-'));
after(() => rmSync(root, { recursive: true, force: true }));
// Decoys: the root's own proc and sys say something this host's kernel does not.
mkdirSync(join(root, 'proc/sys/kernel'), { recursive: true });
writeFileSync(join(root, 'proc/sys/kernel/osrelease'), 'vigil-decoy\n');
mkdirSync(join(root, 'etc'), { recursive: true });
writeFileSync(join(root, 'etc/hostname'), 'inside-the-root\n');

const hostRelease = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();

async function sysctl(target: Target): Promise<{ flag: string; values: string[] }> {
  const objects = '<unix:sysctl_object id="oval:t:obj:1" version="1"><unix:name>kernel.osrelease</unix:name></unix:sysctl_object>';
  const doc = readDocument({ text: ovalXml({ objects }), name: 't.xml' }) as OvalDefinitions;
  const c = await new OvalEngine(doc, { target, probes: probeTable() }).collect('oval:t:obj:1');
  return { flag: c.flag, values: c.items.flatMap((i) => i.entities.filter((e) => e.name === 'value').map((e) => e.value)) };
}

describe('hostKernelTarget', () => {
  it('reads /proc and /sys on the host and everything else inside the root', async () => {
    const t = hostKernelTarget(offlineRootTarget(root), localTarget());
    assert.equal((await t.readFile('/proc/sys/kernel/osrelease')).toString().trim(), hostRelease);
    assert.equal((await t.readFile('/etc/hostname')).toString(), 'inside-the-root\n');
    assert.equal(t.kind, 'offline-root');
    assert.equal(t.name, offlineRootTarget(root).name);
  });

  it('has the kernel capability, and no other the root lacks', () => {
    const t = hostKernelTarget(offlineRootTarget(root), localTarget());
    assert.equal(t.has('kernel'), true);
    assert.equal(t.has('processes'), false);
    assert.equal(t.has('services'), false);
    assert.equal(t.exec, undefined);
  });

  it("gives sysctl objects this host's kernel values, where a plain offline root gives not applicable", async () => {
    assert.deepEqual(await sysctl(hostKernelTarget(offlineRootTarget(root), localTarget())), { flag: 'complete', values: [hostRelease] });
    assert.deepEqual(await sysctl(offlineRootTarget(root)), { flag: 'not applicable', values: [] });
  });

  it('routes by the first component, with .. resolved as text', () => {
    assert.equal(isKernelPath('/proc/mounts'), true);
    assert.equal(isKernelPath('/sys'), true);
    assert.equal(isKernelPath('/process/x'), false);
    assert.equal(isKernelPath('/etc/sysctl.conf'), false);
    assert.equal(isKernelPath('/'), false);
    assert.equal(isKernelPath('/proc/../etc/hostname'), false);
    assert.equal(isKernelPath('/etc/../proc/mounts'), true);
  });

  it("never reaches this host's own files through /proc", async () => {
    const t = hostKernelTarget(offlineRootTarget(root), localTarget());
    // .. out of /proc lands in the root, not on the host
    assert.equal((await t.readFile('/proc/../etc/hostname')).toString(), 'inside-the-root\n');
    // /proc/self/root is a link to this host's /
    await assert.rejects(t.readFile('/proc/self/root/etc/hostname'), (e: Error & { code?: string }) => e.code === 'EACCES');
    await assert.rejects(t.readdir('/proc/1/cwd'), (e: Error & { code?: string }) => e.code === 'EACCES');
    // the mount table is a link inside /proc, and is read
    assert.match((await t.readFile('/proc/mounts')).toString(), / \/ /);
  });
});

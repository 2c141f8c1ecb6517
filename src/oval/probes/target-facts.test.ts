/**
 * The probes that once read the scanning host (uname, partition,
 * environmentvariable58, sysctl) read the Target alone: an in-memory target
 * with another kernel, mounts, process and failures says what they report.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDocument } from '../../model/load.js';
import type { OvalDefinitions } from '../../model/oval/types.js';
import { mockTarget, type MockTargetSpec } from '../../target/memory-target.js';
import { ovalXml } from '../../testing/content.js';
import { OvalEngine } from '../engine.js';
import type { CollectedObject } from '../types.js';
import { probeTable } from './registry.js';

const UNAME = { sysname: 'Linux', nodename: 'far-away', release: '5.15.0-91-generic', version: '#101-Ubuntu SMP', machine: 'aarch64' };

async function collect(objectXml: string, spec: MockTargetSpec): Promise<CollectedObject> {
  const doc = readDocument({ text: ovalXml({ objects: objectXml }), name: 't.xml' }) as OvalDefinitions;
  const e = new OvalEngine(doc, { target: mockTarget({ capabilities: ['kernel', 'processes'], uname: UNAME, ...spec }), probes: probeTable() });
  return e.collect([...doc.objects.keys()].at(-1)!);
}
const show = (c: CollectedObject): string[] => c.items.map((i) => `${i.status}: ${i.entities.map((e) => `${e.name}=${e.status === 'exists' ? e.value : `<${e.status}>`}`).join(' ')}`);

describe('uname_object: the target\'s uname, not the scanner\'s', () => {
  it('reports what the target describes', async () => {
    const c = await collect('<unix:uname_object id="oval:t:obj:1" version="1"/>', {});
    assert.deepEqual(show(c), ['exists: machine_class=aarch64 node_name=far-away os_name=Linux os_release=5.15.0-91-generic os_version=#101-Ubuntu SMP processor_type=aarch64']);
  });
  it('is an error when a live target cannot tell its uname', async () => {
    const doc = readDocument({ text: ovalXml({ objects: '<unix:uname_object id="oval:t:obj:1" version="1"/>' }), name: 't.xml' }) as OvalDefinitions;
    const e = new OvalEngine(doc, { target: mockTarget({ capabilities: ['kernel'] }), probes: probeTable() });
    assert.equal((await e.collect('oval:t:obj:1')).flag, 'error');
  });
});

describe('partition_object: statfs through the target', () => {
  const mounts = '/dev/vdb1 /srv ext4 rw,nosuid 0 0\ntmpfs /run tmpfs rw,nodev 0 0\n';
  it('space from the target\'s statfs, uuid from its /dev/disk/by-uuid', async () => {
    const c = await collect('<linux:partition_object id="oval:t:obj:1" version="1"><linux:mount_point operation="pattern match">.*</linux:mount_point></linux:partition_object>', {
      files: { '/proc/mounts': mounts, '/srv/x': 'x', '/run': { dir: true }, '/dev/vdb1': { device: 'block' }, '/dev/disk/by-uuid/1234-abcd': { symlink: '../../vdb1' } },
      filesystems: { '/srv': { blocks: 1000, bfree: 250, bavail: 200 }, '/run': { blocks: 50, bfree: 50 } },
    });
    assert.deepEqual(show(c), [
      'exists: mount_point=/srv device=/dev/vdb1 uuid=1234-abcd fs_type=ext4 mount_options=rw mount_options=nosuid total_space=1000 space_used=750 space_left=250',
      'exists: mount_point=/run device=tmpfs uuid=<does not exist> fs_type=tmpfs mount_options=rw mount_options=nodev total_space=50 space_used=0 space_left=50',
    ]);
  });
  it('a statfs that fails leaves the space fields in error with the reason, never zero', async () => {
    const c = await collect('<linux:partition_object id="oval:t:obj:1" version="1"><linux:mount_point>/srv</linux:mount_point></linux:partition_object>', {
      files: { '/proc/mounts': mounts, '/srv': { error: 'EACCES', type: 'directory' } },
    });
    assert.deepEqual(show(c), ['exists: mount_point=/srv device=/dev/vdb1 uuid=<does not exist> fs_type=ext4 mount_options=rw mount_options=nosuid total_space=<error> space_used=<error> space_left=<error>']);
    assert.match(c.items[0]!.messages?.join(' ') ?? '', /statfs \/srv: EACCES/);
  });
  it('a mount point that is not there is left out, as oscap leaves out an entry whose statvfs fails', async () => {
    const c = await collect('<linux:partition_object id="oval:t:obj:1" version="1"><linux:mount_point>/srv</linux:mount_point></linux:partition_object>', {
      files: { '/proc/mounts': mounts },
    });
    assert.deepEqual(show(c), []);
    assert.equal(c.flag, 'does not exist');
  });
  it('a /dev/disk/by-uuid that cannot be listed makes the uuid an error, not absent', async () => {
    const c = await collect('<linux:partition_object id="oval:t:obj:1" version="1"><linux:mount_point>/srv</linux:mount_point></linux:partition_object>', {
      files: { '/proc/mounts': mounts, '/srv': { dir: true }, '/dev/vdb1': { device: 'block' }, '/dev/disk/by-uuid': { error: 'EACCES', type: 'directory' } },
    });
    assert.deepEqual(show(c).map((s) => / uuid=\S+/.exec(s)?.[0]), [' uuid=<error>']);
  });
});

describe('environmentvariable58_object: a nil pid is the target\'s own process', () => {
  const obj = '<ind:environmentvariable58_object id="oval:t:obj:1" version="1"><ind:pid xsi:nil="true" datatype="int"/><ind:name>PATH</ind:name></ind:environmentvariable58_object>';
  it('reads /proc/<Target.self().pid>/environ', async () => {
    const c = await collect(obj, {
      process: { pid: 4242, uid: 0, gid: 0 },
      files: { [`/proc/${process.pid}/environ`]: 'PATH=/scanner\0', '/proc/4242/environ': 'HOME=/root\0PATH=/usr/bin:/bin\0' },
    });
    assert.deepEqual(show(c), ['exists: pid=4242 name=PATH value=/usr/bin:/bin']);
  });
  it('an environment that cannot be read is an error item, a process that is gone nothing', async () => {
    const byPid = (op: string): string => `<ind:environmentvariable58_object id="oval:t:obj:1" version="1"><ind:pid datatype="int" operation="${op}">1</ind:pid><ind:name>PATH</ind:name></ind:environmentvariable58_object>`;
    const c = await collect(byPid('greater than or equal'), { files: { '/proc/1/environ': { error: 'EACCES' }, '/proc/7/status': 'x', '/proc/9/environ': 'PATH=/x\0' } });
    assert.deepEqual(show(c), ['error: pid=1', 'exists: pid=9 name=PATH value=/x']);
    assert.match(c.items[0]!.messages?.[0] ?? '', /\/proc\/1\/environ: EACCES/);
  });
});

describe('sysctl_object: only absence is absence', () => {
  it('a parameter that cannot be read is an error item; a write-only one is skipped, as sysctl -a does', async () => {
    const c = await collect('<unix:sysctl_object id="oval:t:obj:1" version="1"><unix:name operation="pattern match">^net\\.</unix:name></unix:sysctl_object>', {
      files: {
        '/proc/sys/net/ipv4/ip_forward': '0\n',
        '/proc/sys/net/ipv4/secret': { error: 'EIO' },
        '/proc/sys/net/ipv4/route/flush': { error: 'EACCES', mode: 0o200 },
      },
    });
    assert.deepEqual(show(c).sort(), ['error: name=net.ipv4.secret', 'exists: name=net.ipv4.ip_forward value=0']);
  });
  it('a directory that cannot be listed makes the object an error', async () => {
    const c = await collect('<unix:sysctl_object id="oval:t:obj:1" version="1"><unix:name operation="pattern match">.*</unix:name></unix:sysctl_object>', {
      files: { '/proc/sys/kernel': { error: 'EACCES', type: 'directory' }, '/proc/sys/vm/swappiness': '60\n' },
    });
    assert.equal(c.flag, 'error');
    assert.deepEqual(show(c), ['exists: name=vm.swappiness value=60']);
  });
});

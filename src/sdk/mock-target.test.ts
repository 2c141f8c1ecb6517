/**
 * The SDK's mock target: the Target contract over declared files, and what
 * each probe family reads from it (dpkg status, /proc/sys, busctl).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BUSCTL_ARGS, parseBusctl, propertyPairs } from '../oval/probes/linux/systemd.js';
import { offlineRootTarget } from '../target/fs-target.js';
import { TargetError } from '../target/target.js';
import { CASE_TREE, targetCases } from '../target/target.case.js';
import { dpkgStatus, mockTarget, writeMockRoot, type MockTargetSpec } from './mock-target.js';

const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof TargetError, String(e));
    return e.code;
  }
};

const spec: MockTargetSpec = {
  files: {
    '/etc/shadow': { content: 'root:*:1::::::\n', mode: 0o640, gid: 42 },
    '/etc/issue': 'Debian\n',
    '/tmp': { dir: true, mode: 0o1777 },
    '/etc/os-release': { symlink: '../usr/lib/os-release' },
    '/usr/lib/os-release': 'ID=debian\n',
    '/etc/abs': { symlink: '/usr/lib' },
    '/etc/loop': { symlink: 'loop' },
    '/home/bob/.profile': { content: '', uid: 1000, gid: 1000 },
  },
};

describe('MockTarget: files', () => {
  const t = mockTarget(spec);
  it('reports modes with their type bits, owners and sizes', async () => {
    const s = await t.stat('/etc/shadow');
    assert.deepEqual([s.type, s.mode, s.uid, s.gid, s.size], ['regular', 0o100640, 0, 42, 15]);
    const d = await t.stat('/tmp');
    assert.deepEqual([d.type, d.mode], ['directory', 0o041777]);
  });
  it('implies parent directories, 0755 and owned by root', async () => {
    const h = await t.stat('/home/bob');
    assert.deepEqual([h.type, h.mode, h.uid], ['directory', 0o040755, 0]);
    assert.equal((await t.stat('/home/bob/.profile')).uid, 1000);
  });
  it('resolves relative and absolute links inside the mock; lstat does not follow', async () => {
    assert.equal((await t.readFile('/etc/os-release')).toString(), 'ID=debian\n');
    assert.equal((await t.lstat('/etc/os-release')).type, 'symlink');
    assert.equal(await t.readlink('/etc/os-release'), '../usr/lib/os-release');
    assert.equal(await t.realpath('/etc/abs/os-release'), '/usr/lib/os-release');
  });
  it('fails as a filesystem does', async () => {
    assert.equal(await code(t.stat('/nope')), 'ENOENT');
    assert.equal(await code(t.stat('/etc/issue/x')), 'ENOTDIR');
    assert.equal(await code(t.stat('/etc/loop')), 'ELOOP');
    assert.equal(await code(t.readFile('/tmp')), 'EISDIR');
    assert.equal(await code(t.readlink('/etc/issue')), 'EINVAL');
    assert.equal(await code(t.readdir('/etc/issue')), 'ENOTDIR');
  });
  it('lists a directory in name order with entry types', async () => {
    assert.deepEqual(await t.readdir('/etc'), [
      { name: 'abs', type: 'symlink' },
      { name: 'issue', type: 'regular' },
      { name: 'loop', type: 'symlink' },
      { name: 'os-release', type: 'symlink' },
      { name: 'shadow', type: 'regular' },
    ]);
  });
  it('has no capability and runs nothing unless told', async () => {
    assert.equal(t.kind, 'memory');
    assert.deepEqual([t.has('kernel'), t.has('services'), t.has('processes'), t.has('exec')], [false, false, false, false]);
    assert.equal(await code(t.exec('busctl', BUSCTL_ARGS.listUnits())), 'ENOENT');
  });
});

describe('MockTarget: packages, kernel parameters, units', () => {
  it('writes declared packages as a dpkg status database', async () => {
    const t = mockTarget({ packages: { 'openssh-server': '1:9.2p1-2' } });
    const text = (await t.readFile('/var/lib/dpkg/status')).toString();
    assert.match(text, /^Package: openssh-server\nStatus: install ok installed\n/);
    assert.match(text, /\nVersion: 1:9\.2p1-2\n/);
    assert.equal(dpkgStatus([{ name: 'a' }, { name: 'b', version: '2' }]).split('\n\n').length, 2);
  });
  it('serves kernel parameters under /proc/sys with the kernel capability', async () => {
    const t = mockTarget({ sysctl: { 'net.ipv4.ip_forward': 0 } });
    assert.equal(t.has('kernel'), true);
    assert.equal((await t.readFile('/proc/sys/net/ipv4/ip_forward')).toString(), '0\n');
  });
  it('answers the busctl calls of the systemd probe from the declared units', async () => {
    const t = mockTarget({ units: { 'cron.service': { ActiveState: 'inactive' }, 'a b@x.service': { Description: 'odd "name"' } } });
    assert.equal(t.has('services'), true);
    const list = await t.exec('busctl', BUSCTL_ARGS.listUnits());
    const [units] = parseBusctl(list.stdout);
    assert.ok(units?.kind === 'array');
    const rows = units.items.map((u) => (u.kind === 'struct' ? u.items.map((x) => (x.kind === 'basic' ? x.text : '')) : []));
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r[2], r[3]]),
      [
        ['cron.service', 'cron.service', 'loaded', 'inactive'],
        ['a b@x.service', 'odd "name"', 'loaded', 'active'],
      ],
    );
    const all = await t.exec('busctl', BUSCTL_ARGS.getAll(rows[0]![6]!));
    const props = propertyPairs(parseBusctl(all.stdout)[0]!);
    assert.deepEqual(props.find((p) => p.name === 'ActiveState'), { name: 'ActiveState', value: 'inactive' });
    assert.deepEqual(props.find((p) => p.name === 'Id'), { name: 'Id', value: 'cron.service' });
    assert.notEqual((await t.exec('busctl', BUSCTL_ARGS.loadUnit('x.service'))).code, 0);
  });
});

describe('writeMockRoot: the same system on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mock-root-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('writes files, directories, links and modes that an offline root reads back', async () => {
    const full: MockTargetSpec = { ...spec, files: { ...spec.files, '/etc/loop': 'no loop on disk\n' }, packages: ['cron'] };
    writeMockRoot(dir, full);
    const disk = offlineRootTarget(dir);
    const mock = mockTarget(full);
    for (const p of ['/etc/shadow', '/tmp', '/etc/os-release', '/etc/abs', '/home/bob', '/var/lib/dpkg/status']) {
      const [a, b] = [await mock.lstat(p), await disk.lstat(p)];
      assert.deepEqual([a.type, a.type === 'symlink' ? 0 : a.mode], [b.type, b.type === 'symlink' ? 0 : b.mode], p);
      if (process.getuid?.() === 0) assert.deepEqual([a.uid, a.gid], [b.uid, b.gid], p);
    }
    assert.equal((await disk.readFile('/etc/os-release')).toString(), 'ID=debian\n');
    assert.equal((await disk.readFile('/var/lib/dpkg/status')).toString(), (await mock.readFile('/var/lib/dpkg/status')).toString());
  });
});

targetCases('memory (MockTarget)', async () => ({ target: mockTarget({ files: CASE_TREE }), base: '/', live: false }));
targetCases('memory (MockTarget) with processes and a kernel', async () => ({
  target: mockTarget({ files: CASE_TREE, capabilities: ['kernel', 'processes'], uname: { sysname: 'Linux', nodename: 'mockhost', release: '6.1.0', version: '#1 SMP', machine: 'aarch64' }, interfaces: [{ name: 'eth0', address: '10.0.0.2', family: 'IPv4', mac: '52:54:00:12:34:56' }] }),
  base: '/',
  live: true,
}));

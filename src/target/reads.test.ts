import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mockTarget } from './memory-target.js';
import { EMPTY_READS, ReadRecorder, readsPath, recordingTarget, unionReads } from './reads.js';
import { openDirectory } from './target.js';

describe('read sets: plain data', () => {
  it('unites, sorts and dedupes paths, walks and inputs, and survives a JSON round trip', () => {
    const a = new ReadRecorder();
    a.path('/etc/b');
    a.path('/etc/a');
    a.walk({ start: '/etc', depth: 0 });
    a.input('packages', 'dpkg');
    const b = new ReadRecorder();
    b.path('/etc/a');
    b.walk({ start: '/etc', depth: 0 });
    b.walk({ start: '/', depth: -1, pattern: 'pattern match ^/.*$', links: true });
    b.input('packages', 'dpkg');
    const u = unionReads([a.toData(), b.toData(), EMPTY_READS]);
    assert.deepEqual(u.paths, ['/etc/a', '/etc/b']);
    assert.equal(u.walks.length, 2);
    assert.deepEqual(u.inputs, [{ kind: 'packages', key: 'dpkg' }]);
    assert.deepEqual(JSON.parse(JSON.stringify(u)), u);
  });

  it('readsPath: a path read, or an entry within a walk depth', () => {
    const r = unionReads([{ paths: ['/etc/passwd'], walks: [{ start: '/etc/cron.d', depth: 0 }, { start: '/var/log', depth: 1 }], inputs: [] }]);
    const cases: Array<[string, boolean]> = [
      ['/etc/passwd', true],
      ['/etc/shadow', false],
      ['/etc/cron.d', true],
      ['/etc/cron.d/job', true],
      ['/etc/cron.d/sub/job', false],
      ['/var/log/a/b', true],
      ['/var/log/a/b/c', false],
      ['/var/logs', false],
    ];
    for (const [p, want] of cases) assert.equal(readsPath(r, p), want, p);
    assert.equal(readsPath({ paths: [], walks: [{ start: '/', depth: -1 }], inputs: [] }, '/a/b/c/d'), true);
  });
});

describe('recordingTarget', () => {
  it('records every path asked about, missing ones included, and a listing as a walk of depth 0', async () => {
    const target = mockTarget({ files: { '/etc/ssh/sshd_config': 'PermitRootLogin no\n', '/etc/ssh/ssh_config': '' } });
    const log = new ReadRecorder();
    const t = recordingTarget(target, log);
    await t.readFile('/etc/ssh/sshd_config');
    await assert.rejects(t.lstat('/etc/ssh/sshd_config.d/x.conf'));
    const dir = await openDirectory(t, '/etc/ssh');
    await dir.entries('all');
    await dir.lstat('ssh_config');
    assert.equal(t.kind, target.kind);
    assert.equal(t.has('kernel'), target.has('kernel'));
    const r = log.toData();
    assert.deepEqual(r.paths, ['/etc/ssh', '/etc/ssh/ssh_config', '/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/x.conf']);
    assert.deepEqual(r.walks, [{ start: '/etc/ssh', depth: 0 }]);
  });
});

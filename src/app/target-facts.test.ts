/**
 * The TestResult's target, facts and identity come from the target's own
 * description (describe, self), never from the scanning host: a mock target
 * with another host name, addresses and process is reported as itself, and
 * one without processes (as an offline root) gets no identity.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rule } from '../sdk/author.js';
import { fileExists } from '../sdk/checks.js';
import { evaluateRuleReport, mockTarget } from './rule-testing.js';

const r = rule({ id: 'has_passwd', title: 'passwd exists', description: '', rationale: '', check: fileExists('/etc/passwd') });
const files = { '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n', '/etc/hostname': 'from-file\n' };

describe('TestResult target facts from Target.describe and Target.self', () => {
  it('a live target: its kernel host name, every address and MAC, its process\'s identity', async () => {
    const target = mockTarget({
      files,
      capabilities: ['kernel', 'processes'],
      uname: { sysname: 'Linux', nodename: 'far-away', release: '6.1', version: '#1', machine: 'aarch64' },
      interfaces: [{ name: 'eth0', address: '10.1.2.3', family: 'IPv4', mac: '52:54:00:aa:bb:cc' }, { name: 'eth0', address: 'fe80::2', family: 'IPv6', mac: '52:54:00:aa:bb:cc' }],
      process: { pid: 77, uid: 1000, gid: 1000, user: 'scanner' },
    });
    const { report } = await evaluateRuleReport(r, target);
    const tr = report.testResult;
    assert.equal(tr.target.name, 'far-away');
    assert.deepEqual(tr.target.addresses, ['10.1.2.3', 'fe80::2']);
    assert.deepEqual(
      tr.target.facts.filter((f) => f.name.includes(':asset:')).map((f) => `${f.name.split(':').pop()}=${f.value}`),
      ['host_name=far-away', 'ipv4=10.1.2.3', 'mac=52:54:00:AA:BB:CC', 'ipv6=fe80::2', 'mac=52:54:00:AA:BB:CC'],
    );
    assert.deepEqual(tr.identity, { name: 'scanner', authenticated: true, privileged: false });
  });
  it('a target without processes or a kernel: /etc/hostname alone, no addresses, no identity (oscap offline)', async () => {
    const { report } = await evaluateRuleReport(r, mockTarget({ files }));
    const tr = report.testResult;
    assert.equal(tr.target.name, 'from-file');
    assert.deepEqual(tr.target.addresses, []);
    assert.deepEqual(tr.target.facts.filter((f) => f.name.includes(':asset:')).map((f) => f.value), ['from-file']);
    assert.equal(tr.identity, undefined);
  });
});

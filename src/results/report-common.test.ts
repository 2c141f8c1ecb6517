import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationSeconds, fixSystemLabel, fixText, indexRules, shortId, subResolver, xmlText } from './report-common.js';
import { NS, sampleScanReport } from './scan-report.case.js';

test('indexRules finds nested rules with their groups, outermost first', () => {
  const report = sampleScanReport({ manyItems: 1 });
  const rules = indexRules(report.benchmark);
  assert.equal(rules.size, 8);
  const e = rules.get(`${NS}_rule_sshd_disable_root_login`)!;
  assert.deepEqual(
    e.groups.map((g) => g.title),
    ['Services', 'SSH Server'],
  );
  assert.deepEqual(rules.get(`${NS}_rule_package_telnet_removed`)!.groups.map((g) => g.title), ['Services']);
});

test('subResolver: the value in force, or a title when asked for one or when no value has that id', () => {
  const report = sampleScanReport({ manyItems: 1 });
  const resolve = subResolver(report);
  const v = `${NS}_value_var_permit_root`;
  assert.equal(resolve(v, 'legacy'), 'no');
  assert.equal(resolve(v, 'value'), 'no');
  assert.equal(resolve(v, 'title'), 'Permit root login');
  assert.equal(resolve(`${NS}_group_ssh`, 'legacy'), 'SSH Server');
  assert.equal(resolve('nope', 'legacy'), undefined);
  const rule = indexRules(report.benchmark).get(`${NS}_rule_sshd_disable_root_login`)!.rule;
  assert.match(fixText(rule.fixes[1]!, resolve), /line: PermitRootLogin no\n$/);
});

test('small helpers', () => {
  assert.equal(shortId('xccdf_org.ssgproject.content_rule_sshd_x'), 'sshd_x');
  assert.equal(shortId('xccdf_org.ssgproject.content_profile_cis', 'profile'), 'cis');
  assert.equal(shortId('plain'), 'plain');
  assert.equal(fixSystemLabel('urn:xccdf:fix:script:ansible'), 'Ansible');
  assert.equal(fixSystemLabel('urn:other'), 'urn:other');
  assert.equal(durationSeconds('2024-01-01T00:00:00Z', '2024-01-01T00:01:30Z'), 90);
  assert.equal(durationSeconds('bad', '2024-01-01T00:01:30Z'), undefined);
  assert.equal(xmlText('a<b>&"c"\u0001\ud800'), 'a&lt;b&gt;&amp;&quot;c&quot;\u2401\ufffd');
  assert.equal(xmlText('emoji \ud83d\ude00 tab\t'), 'emoji \ud83d\ude00 tab\t');
});

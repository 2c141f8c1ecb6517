import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Group, Rule } from '../model/xccdf/types.js';
import { evidenceLine, failingRows, notApplicableReasons, ruleEvidence, settingOfPattern } from './rule-evidence.js';
import { NS, sampleScanReport } from './scan-report.case.js';

test('the setting a pattern looks for is its first word', () => {
  assert.equal(settingOfPattern('^[\\s]*PermitRootLogin[\\s]+(.+)$'), 'PermitRootLogin');
  assert.equal(settingOfPattern('^[ \\t]*(?i)ClientAliveInterval(?-i)[ \\t]+(.+?)[ \\t]*(?:$|#)'), 'ClientAliveInterval');
  assert.equal(settingOfPattern('^\\s*net\\.ipv4\\.ip_forward\\s*=\\s*(\\d+)'), 'net.ipv4.ip_forward');
  assert.equal(settingOfPattern('^PASS_MAX_DAYS[ \\t]+(\\d+)'), 'PASS_MAX_DAYS');
  assert.equal(settingOfPattern('^\\s*$'), '^\\s*$');
});

test('evidence rows: file, setting, value found, value expected, for each test the rule ran', () => {
  const report = sampleScanReport({ manyItems: 30 });
  const ev = ruleEvidence(report);
  const root = ev.get(0)!;
  assert.deepEqual(root.rows[0], { file: '/etc/ssh/sshd_config', setting: 'PermitRootLogin', found: 'yes', expected: 'no', ok: false, test: 'PermitRootLogin is set to no' });
  // The extended definition's test (file mode) comes after, and passed.
  assert.equal(root.rows[1]!.ok, true);
  assert.equal(root.rows[1]!.expected, 'oread false, owrite false');
  assert.deepEqual(failingRows(root), [root.rows[0]]);
  assert.equal(evidenceLine(root.rows[0]!), '/etc/ssh/sshd_config: PermitRootLogin is yes, expected no');
  // A test that wants nothing to exist: each item found is a failing row, capped at ten with a count.
  const ww = ev.get(5)!;
  assert.equal(ww.rows.length, 10);
  assert.equal(ww.more, 20);
  assert.deepEqual(ww.rows[0], { file: '/srv/share/file-0000.txt', setting: 'world-writable files', found: 'present', expected: 'absent', ok: false, test: 'no world-writable files' });
  // An object that could not be collected: the flag, and an undecided row.
  assert.equal(ev.get(6)!.rows[0]!.found, '(error)');
  assert.equal(ev.get(6)!.rows[0]!.ok, null);
  // Rules without OVAL evidence have none; unselected ones neither.
  assert.equal(ev.has(2), false);
  assert.equal(ev.has(4), false);
});

test('why a rule is not applicable: its platform, the benchmark\'s, or its check', () => {
  const base = sampleScanReport({ manyItems: 1 });
  // The generic reason when nothing else explains it.
  assert.match(notApplicableReasons(base).get(3)!, /OVAL result was not applicable/);
  // A rule whose platform the target lacks: named by the platform's title.
  const withPlatform = (items: ReadonlyArray<Group | Rule>): Array<Group | Rule> =>
    items.map((it) => (it.kind === 'rule' ? (it.id === `${NS}_rule_package_telnet_removed` ? { ...it, platforms: ['#package_telnet'] } : it) : { ...it, children: withPlatform(it.children) }));
  const spec = [{ id: 'package_telnet', title: 'Package telnet is installed', test: { kind: 'fact-ref' }, location: { file: 'x', line: 1, col: 1 } }] as unknown as typeof base.benchmark.platformSpecification;
  const r1 = { ...base, benchmark: { ...base.benchmark, platformSpecification: spec, children: withPlatform(base.benchmark.children) } };
  assert.equal(notApplicableReasons(r1).get(3), 'The rule applies only to Package telnet is installed, which this target does not match.');
  // A benchmark for another system: every not-applicable rule says so.
  const r2 = { ...base, benchmark: { ...base.benchmark, platforms: ['cpe:/o:debian:debian_linux:11'] } };
  assert.equal(notApplicableReasons(r2).get(3), 'The benchmark applies to cpe:/o:debian:debian_linux:11, which this target is not.');
  assert.equal(notApplicableReasons(r2).has(0), false);
});

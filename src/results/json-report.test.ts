import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { XCCDF_RESULTS } from '../xccdf/result-types.js';
import { JSON_SCHEMA, jsonReport, writeJsonReport, type JsonScan } from './json-report.js';
import { NS, OVAL_HREF, sampleScanReport } from './scan-report.case.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-json-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the JSON report has the vigil.scan/v1 shape', async () => {
  const report = sampleScanReport({ manyItems: 3 });
  const file = join(dir, 'scan.json');
  await writeJsonReport(file, report);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.endsWith('}\n'));
  const j = JSON.parse(text) as JsonScan;
  assert.deepEqual(j, JSON.parse(JSON.stringify(jsonReport(report))));

  assert.equal(j.schema, JSON_SCHEMA);
  assert.equal(j.schema, 'vigil.scan/v1');
  assert.deepEqual(Object.keys(j), [
    'schema', 'testResultId', 'benchmark', 'profile', 'contentFile', 'target', 'identity', 'testSystem',
    'startTime', 'endTime', 'durationSeconds', 'scores', 'counts', 'values', 'rules', 'applicability',
  ]);
  assert.deepEqual(j.benchmark, { id: `${NS}_benchmark_EXAMPLE`, title: 'Example Linux Security Guide', version: '0.1.72', href: '#scap_org.example_comp_example-xccdf.xml' });
  assert.deepEqual(j.profile, { id: `${NS}_profile_standard`, title: 'Standard System Security Profile' });
  assert.equal(j.target.name, 'web-01.example.org');
  assert.deepEqual(j.target.platforms, ['cpe:/o:debian:debian_linux:12']);
  assert.equal(j.durationSeconds, 42);
  assert.deepEqual(j.scores[0], { system: 'urn:xccdf:scoring:default', score: 61.54, maximum: 100 });
  // Every result key is present, zero or not.
  assert.deepEqual(Object.keys(j.counts), [...XCCDF_RESULTS]);
  assert.deepEqual(j.counts, { pass: 1, fail: 2, error: 1, unknown: 1, notapplicable: 1, notchecked: 1, notselected: 1, informational: 0, fixed: 0 });
  assert.deepEqual(j.values, [{ id: `${NS}_value_var_permit_root`, value: 'no' }]);

  assert.equal(j.rules.length, 8);
  const root = j.rules[0]!;
  assert.deepEqual(Object.keys(root), ['id', 'title', 'result', 'severity', 'weight', 'role', 'time', 'groups', 'idents', 'references', 'messages', 'check', 'evidence']);
  // The evidence says what was read and what was found, as jq users want it.
  assert.deepEqual(root.evidence![0], { file: '/etc/ssh/sshd_config', setting: 'PermitRootLogin', found: 'yes', expected: 'no', ok: false, test: 'PermitRootLogin is set to no' });
  assert.equal(root.id, `${NS}_rule_sshd_disable_root_login`);
  assert.equal(root.title, 'Disable SSH Root Login');
  assert.equal(root.result, 'fail');
  assert.equal(root.severity, 'high');
  assert.deepEqual(root.groups, ['Services', 'SSH Server']);
  assert.deepEqual(root.idents, [{ system: 'https://ncp.nist.gov/cce', value: 'CCE-80901-2' }]);
  assert.equal(root.references.length, 3);
  assert.deepEqual(root.references[2], { href: 'https://www.cisecurity.org/benchmark/debian_linux/', text: '5.2.7' });
  assert.deepEqual(root.check, { system: 'http://oval.mitre.org/XMLSchema/oval-definitions-5', href: OVAL_HREF, name: 'oval:example:def:1', negate: false });

  const hostile = j.rules.find((r) => r.result === 'error')!;
  assert.deepEqual(hostile.messages, [{ severity: 'error', text: 'probe failed: <boom> & "stop"\u0001' }]);
  const na = j.rules.find((r) => r.result === 'notapplicable')!;
  assert.equal(na.check, null);
  assert.match(na.notApplicableReason!, /not applicable/);
  assert.equal(j.rules.find((r) => r.result === 'pass')!.notApplicableReason, undefined);
});

test('without a profile, profile and identity are null', () => {
  const base = sampleScanReport({ manyItems: 1 });
  const { profile: _p, identity: _i, ...rest } = base.testResult;
  const j = jsonReport({ ...base, testResult: rest });
  assert.equal(j.profile, null);
  assert.equal(j.identity, null);
});

test('scores are rounded to two decimals, as oscap shows them', () => {
  const base = sampleScanReport({ manyItems: 1 });
  const j = jsonReport({ ...base, testResult: { ...base.testResult, scores: [{ system: 'urn:xccdf:scoring:default', score: 34.16666793823242, maximum: 100 }] } });
  assert.equal(j.scores[0]!.score, 34.17);
  assert.equal(JSON.stringify(j.scores[0]), '{"system":"urn:xccdf:scoring:default","score":34.17,"maximum":100}');
});

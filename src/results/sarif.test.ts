import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SARIF_LEVEL, SARIF_SCHEMA, sarifLog, writeSarifReport, type SarifLog } from './sarif.js';
import { NS, sampleScanReport } from './scan-report.case.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-sarif-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const r = (id: string) => `${NS}_rule_${id}`;

test('SARIF 2.1.0: schema and version, driver rules, results for fail/error/unknown with levels from severity', async () => {
  const report = sampleScanReport({ manyItems: 2 });
  const file = join(dir, 'scan.sarif');
  await writeSarifReport(file, report);
  const log = JSON.parse(readFileSync(file, 'utf8')) as SarifLog;
  assert.equal(log.$schema, SARIF_SCHEMA);
  assert.match(log.$schema, /sarif-schema-2\.1\.0\.json$/);
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs.length, 1);
  const run = log.runs[0]!;
  assert.equal(run.tool.driver.name, 'Vigil');
  assert.equal(run.tool.driver.version, '0.1.0');

  // Every evaluated rule is described once; unselected ones are not.
  const ids = run.tool.driver.rules.map((x) => x.id);
  assert.equal(ids.length, 7);
  assert.ok(!ids.includes(r('package_nis_removed')));
  const root = run.tool.driver.rules.find((x) => x.id === r('sshd_disable_root_login'))!;
  assert.equal(root.name, 'sshd_disable_root_login');
  assert.equal(root.shortDescription.text, 'Disable SSH Root Login');
  assert.match(root.fullDescription.text, /^The root user should never be allowed to log in directly over SSH\. .*\/etc\/ssh\/sshd_config:\nPermitRootLogin no$/s);
  assert.equal(root.helpUri, 'https://csrc.nist.gov/publications/detail/sp/800-53/rev-5/final');
  assert.match(root.help!.text, /^Rationale: Even though/);
  assert.deepEqual(root.properties.tags, ['security', 'compliance', 'severity:high', 'CCE-80901-2']);
  assert.equal(root.properties['security-severity'], '8.0');
  assert.equal(root.defaultConfiguration.level, 'error');
  // A reference without an http href gives no helpUri.
  assert.equal(run.tool.driver.rules.find((x) => x.id === r('no_world_writable_files'))!.helpUri, undefined);
  // Descriptions are text: hostile markup is gone.
  const hostile = run.tool.driver.rules.find((x) => x.id === r('hostile_markup'))!;
  assert.doesNotMatch(JSON.stringify(hostile), /<script|onerror|javascript:|<img/);
  assert.match(hostile.fullDescription.text, /^Safe text/);

  const results = run.results.map((x) => [x.ruleId, x.level, x.properties['xccdfResult']]);
  assert.deepEqual(results, [
    [r('sshd_disable_root_login'), 'error', 'fail'],
    [r('no_world_writable_files'), 'warning', 'fail'],
    [r('hostile_markup'), 'note', 'error'],
    [r('audit_rules_immutable'), 'note', 'unknown'],
  ]);
  for (const x of run.results) {
    assert.equal(run.tool.driver.rules[x.ruleIndex]!.id, x.ruleId);
    assert.equal(x.locations.length, 1);
    assert.equal(x.locations[0]!.physicalLocation.region?.startLine, 10);
    assert.match(x.partialFingerprints['vigilRule/v1']!, /^[0-9a-f]{64}$/);
  }
  assert.equal(run.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri, 'example-xccdf.xml');
  assert.match(run.results[0]!.message.text, /^Disable SSH Root Login: the rule failed on web-01\.example\.org\./);
  assert.match(run.results[2]!.message.text, /could not decide \(error\).*\nerror: probe failed: <boom>/s);
  assert.equal(run.automationDetails.id, 'vigil/standard/web-01.example.org');
  assert.equal(run.invocations[0]!['executionSuccessful'], true);
});

test('SARIF levels by severity, and absolute content paths become file URIs', () => {
  assert.deepEqual(SARIF_LEVEL, { high: 'error', medium: 'warning', low: 'note', info: 'note', unknown: 'note' });
  const base = sampleScanReport({ manyItems: 1 });
  const rules = base.benchmark.children;
  // Move every rule's location to an absolute path with a space.
  const relocate = (items: typeof rules): typeof rules =>
    items.map((it) => (it.kind === 'rule' ? { ...it, location: { file: '/srv/content/my ds.xml', line: 7, col: 0 } } : { ...it, children: relocate(it.children) }));
  const log = sarifLog({ ...base, benchmark: { ...base.benchmark, children: relocate(rules) } });
  const loc = log.runs[0]!.results[0]!.locations[0]!.physicalLocation;
  assert.equal(loc.artifactLocation.uri, 'file:///srv/content/my%20ds.xml');
  assert.deepEqual(loc.region, { startLine: 7 });
});

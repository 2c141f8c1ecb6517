import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SARIF_LEVEL, SARIF_SCHEMA, sarifLog, TARGET_ROOT, writeSarifReport, type SarifLog } from './sarif.js';
import { NS, sampleScanReport } from './scan-report.case.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-sarif-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const r = (id: string) => `${NS}_rule_${id}`;

const LEVELS = new Set(['none', 'note', 'warning', 'error']);
/** A URI reference as SARIF 2.1.0 (§3.10) wants it: no spaces, backslashes or other characters that need escaping. */
const URI_REF = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

/**
 * The parts of the SARIF 2.1.0 schema (and of GitHub code scanning's upload
 * rules) that a log from Vigil can break: required properties, enums, URI
 * syntax, index and base-id references. Returns the problems found.
 */
function sarifProblems(log: unknown): string[] {
  const p: string[] = [];
  const o = log as Record<string, any>;
  if (typeof o.$schema !== 'string' || !/sarif-schema-2\.1\.0\.json$/.test(o.$schema)) p.push('$schema');
  if (o.version !== '2.1.0') p.push('version must be 2.1.0');
  if (!Array.isArray(o.runs) || o.runs.length === 0) return [...p, 'runs'];
  o.runs.forEach((run: any, ri: number) => {
    const at = `runs[${ri}]`;
    const driver = run?.tool?.driver;
    if (typeof driver?.name !== 'string' || !driver.name) p.push(`${at}.tool.driver.name`);
    const rules: any[] = driver?.rules ?? [];
    const ids = new Set<string>();
    rules.forEach((d, di) => {
      const w = `${at}.tool.driver.rules[${di}]`;
      if (typeof d.id !== 'string' || ids.has(d.id)) p.push(`${w}.id missing or repeated`);
      ids.add(d.id);
      if (typeof d.shortDescription?.text !== 'string') p.push(`${w}.shortDescription.text`);
      if (d.fullDescription !== undefined && typeof d.fullDescription.text !== 'string') p.push(`${w}.fullDescription.text`);
      if (d.help !== undefined && typeof d.help.text !== 'string') p.push(`${w}.help.text is required with help`);
      if (d.helpUri !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(d.helpUri)) p.push(`${w}.helpUri must be absolute`);
      if (d.defaultConfiguration && !LEVELS.has(d.defaultConfiguration.level)) p.push(`${w}.defaultConfiguration.level`);
      const ss = d.properties?.['security-severity'];
      if (ss !== undefined && !(typeof ss === 'string' && Number(ss) >= 0 && Number(ss) <= 10)) p.push(`${w} security-severity`);
    });
    const bases = run.originalUriBaseIds ?? {};
    for (const [k, v] of Object.entries<any>(bases)) {
      if (v.uri !== undefined && !(/^[a-z][a-z0-9+.-]*:/i.test(v.uri) && v.uri.endsWith('/'))) p.push(`${at}.originalUriBaseIds.${k}.uri must be absolute and end with /`);
    }
    if (!Array.isArray(run.results)) p.push(`${at}.results`);
    (run.results ?? []).forEach((x: any, xi: number) => {
      const w = `${at}.results[${xi}]`;
      if (typeof x.message?.text !== 'string' || !x.message.text) p.push(`${w}.message.text`);
      if (x.level !== undefined && !LEVELS.has(x.level)) p.push(`${w}.level`);
      if (x.ruleIndex !== undefined && rules[x.ruleIndex]?.id !== x.ruleId) p.push(`${w}.ruleIndex does not name ruleId`);
      if (!Array.isArray(x.locations) || x.locations.length === 0) p.push(`${w}.locations (GitHub needs one)`);
      (x.locations ?? []).forEach((l: any, li: number) => {
        const a = l.physicalLocation?.artifactLocation;
        if (typeof a?.uri !== 'string' || !URI_REF.test(a.uri)) p.push(`${w}.locations[${li}] uri ${a?.uri}`);
        if (a?.uriBaseId !== undefined && !(a.uriBaseId in bases)) p.push(`${w}.locations[${li}] uriBaseId ${a.uriBaseId} is not in originalUriBaseIds`);
        if (a?.uriBaseId !== undefined && a.uri.startsWith('/')) p.push(`${w}.locations[${li}] a based uri is relative`);
        const reg = l.physicalLocation?.region;
        if (reg !== undefined && !(Number.isInteger(reg.startLine) && reg.startLine >= 1)) p.push(`${w}.locations[${li}].region.startLine`);
      });
      for (const [k, v] of Object.entries(x.partialFingerprints ?? {})) if (typeof v !== 'string') p.push(`${w}.partialFingerprints.${k}`);
    });
  });
  return p;
}

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
  // Help: description, rationale and the shell fix, as text and markdown.
  assert.match(root.help!.text, /^The root user should never.*\n\nRationale: Even though.*\n\nRemediation \(shell\):\nif grep -q/s);
  assert.match(root.help!.markdown!, /\*\*Rationale:\*\* Even though.*```sh\nif grep/s);
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
  assert.deepEqual(sarifProblems(log), []);
  for (const x of run.results) {
    assert.equal(run.tool.driver.rules[x.ruleIndex]!.id, x.ruleId);
    assert.match(x.partialFingerprints['vigilRule/v1']!, /^[0-9a-f]{64}$/);
  }
  // The failed sshd rule points at the file it read, relative to the scanned root, and says what was found.
  assert.deepEqual(run.originalUriBaseIds[TARGET_ROOT], { uri: 'file:///', description: { text: 'The root of web-01.example.org' } });
  const sshd = run.results[0]!;
  assert.equal(sshd.locations.length, 1);
  assert.deepEqual(sshd.locations[0]!.physicalLocation, { artifactLocation: { uri: 'etc/ssh/sshd_config', uriBaseId: TARGET_ROOT } });
  assert.equal(sshd.locations[0]!.message!.text, 'PermitRootLogin is yes, expected no');
  assert.match(sshd.message.text, /^Disable SSH Root Login: the rule failed on web-01\.example\.org\.\n\/etc\/ssh\/sshd_config: PermitRootLogin is yes, expected no$/);
  // Two world-writable files: one location each.
  assert.deepEqual(run.results[1]!.locations.map((l) => l.physicalLocation.artifactLocation.uri), ['srv/share/file-0000.txt', 'srv/share/file-0001.txt']);
  // A rule whose evidence names no readable file keeps the rule's place in the content.
  assert.equal(run.results[3]!.locations[0]!.physicalLocation.artifactLocation.uri, 'example-xccdf.xml');
  assert.equal(run.results[3]!.locations[0]!.physicalLocation.region?.startLine, 10);
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
  const loc = log.runs[0]!.results.find((x) => x.properties['xccdfResult'] === 'unknown')!.locations[0]!.physicalLocation;
  assert.equal(loc.artifactLocation.uri, 'file:///srv/content/my%20ds.xml');
  assert.deepEqual(loc.region, { startLine: 7 });
});

test('SARIF of an offline root: the base is the root directory; many files are capped with a count', () => {
  const base = sampleScanReport({ manyItems: 30 });
  const log = sarifLog({ ...base, system: { ...base.system, kind: 'offline-root', name: '/srv/image root' } });
  assert.deepEqual(sarifProblems(log), []);
  const run = log.runs[0]!;
  assert.equal(run.originalUriBaseIds[TARGET_ROOT]!.uri, 'file:///srv/image%20root/');
  const ww = run.results[1]!;
  assert.equal(ww.locations.length, 10);
  assert.match(ww.message.text, /\n… and 20 more$/);
  // The checker finds what it is there to find.
  const broken = JSON.parse(JSON.stringify(log));
  broken.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uriBaseId = 'NOPE';
  broken.runs[0].results[0].ruleIndex = 99;
  broken.runs[0].results[1].locations[0].physicalLocation.artifactLocation.uri = 'a b';
  assert.equal(sarifProblems(broken).length, 3);
});

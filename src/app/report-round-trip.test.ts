/**
 * A ScanReport is plain data: every writer gives the same bytes from the
 * report as from the report after a JSON round trip. Checked on the real
 * SSG content (Ubuntu 22.04, CIS Level 2 Server) scanned on a synthetic
 * root, and on the hand-built sample report.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evaluateXccdf } from './xccdf-eval.js';
import { CONTENT, prerequisites } from '../testing/oracle.js';
import { buildSsgRoot, SSG_TARGETS } from '../testing/ssg-roots.js';
import { scanReportData, SCAN_REPORT_VERSION, type ScanReport } from '../xccdf/result-types.js';
import { writeHtmlReport } from '../results/html-report.js';
import { writeJsonReport } from '../results/json-report.js';
import { writeJunitReport } from '../results/junit.js';
import { writeOvalResults } from '../results/oval-results.js';
import { writeSarifReport } from '../results/sarif.js';
import { sampleScanReport } from '../results/scan-report.case.js';
import { writeArf, writeXccdfResults } from '../results/xccdf-results.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-round-trip-'));
after(() => rmSync(base, { recursive: true, force: true }));

const NOW = new Date('2026-01-02T03:04:05Z');

/** Every writer, each into its own file(s) under `dir`: name → written bytes. */
async function writeAll(report: ScanReport, dir: string, withSourceCopies: boolean): Promise<Map<string, Buffer>> {
  const files = new Map<string, string>();
  const at = (name: string): string => {
    const p = join(dir, name);
    files.set(name, p);
    return p;
  };
  if (withSourceCopies) {
    writeXccdfResults(at('results.xml'), report);
    writeArf(at('arf.xml'), report, { now: NOW });
  }
  report.oval.forEach((ev, i) => writeOvalResults(at(`oval-${i}.xml`), ev, { system: report.system, productVersion: report.productVersion, now: NOW }));
  await writeHtmlReport(at('report.html'), report, { now: NOW });
  await writeJsonReport(at('report.json'), report);
  await writeJunitReport(at('junit.xml'), report);
  await writeSarifReport(at('sarif.json'), report);
  return new Map([...files].map(([name, p]) => [name, readFileSync(p)]));
}

/** Fails on anything JSON would not carry as it is: Maps, Sets, functions, class instances, non-finite numbers. */
function assertPlain(v: unknown, path = 'report'): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || v === undefined) return;
  if (typeof v === 'number') return assert.ok(Number.isFinite(v), `${path} is ${v}`);
  assert.equal(typeof v, 'object', `${path} is a ${typeof v}`);
  if (Array.isArray(v)) return v.forEach((x, i) => assertPlain(x, `${path}[${i}]`));
  assert.equal(Object.getPrototypeOf(v), Object.prototype, `${path} is a ${(v as object).constructor?.name}, not a plain object`);
  for (const [k, x] of Object.entries(v as object)) assertPlain(x, `${path}.${k}`);
}

async function roundTrip(report: ScanReport, name: string, withSourceCopies: boolean): Promise<Map<string, Buffer>> {
  assertPlain(report);
  const copy = JSON.parse(JSON.stringify(report)) as ScanReport;
  const a = await writeAll(report, mkdtempSync(join(base, `${name}-a-`)), withSourceCopies);
  const b = await writeAll(copy, mkdtempSync(join(base, `${name}-b-`)), withSourceCopies);
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [file, bytes] of a) assert.ok(bytes.equals(b.get(file)!), `${file} differs after the report's JSON round trip`);
  return a;
}

test('every writer gives the same bytes from the sample report and from its JSON round trip', async () => {
  const written = await roundTrip(sampleScanReport({ manyItems: 3 }), 'sample', false);
  assert.ok(written.get('oval-0.xml')!.toString().includes('<tested_item'));
});

test('every writer gives the same bytes from a real scan report and from its JSON round trip (SSG Ubuntu 22.04, CIS Level 2)', { timeout: 900_000 }, async (t) => {
  const ubuntu = SSG_TARGETS.find((x) => x.ds === 'ssg-ubuntu2204-ds.xml')!;
  if (!(await prerequisites(t, { files: [ubuntu.ds] }))) return;
  const root = join(base, 'root');
  await buildSsgRoot(root, ubuntu.platform, false, join(base, 'work'));
  const full = await evaluateXccdf(join(CONTENT, ubuntu.ds), { profile: 'cis_level2_server', root });
  const report = scanReportData(full);
  assert.equal(report.version, SCAN_REPORT_VERSION);

  // The evidence is there to be carried: definitions with criteria trees, tests with items, objects, states, variables.
  const ev = report.oval[0]!;
  assert.ok(report.oval.length >= 1 && report.platformOval.length >= 1);
  assert.ok(ev.definitions.some((d) => d.criteria?.kind === 'criteria'));
  assert.ok(ev.tests.some((x) => x.items.length > 0));
  assert.ok(ev.objects.some((o) => o.bindings.length > 0), 'an object collected with variable values');
  assert.ok(ev.items.length > 20 && ev.source.states.length > 0 && ev.source.variables.length > 0);
  const results = new Set(report.testResult.ruleResults.map((r) => r.result));
  assert.ok(results.has('pass') && results.has('fail'));

  const written = await roundTrip(report, 'ssg', true);
  assert.equal(written.size, 7 + report.oval.length - 1);
  // Writers read the report whole, not only the small parts: the OVAL results name every item.
  const oval = written.get('oval-0.xml')!.toString();
  assert.equal(oval.match(/<reference item_ref=/g)?.length, ev.objects.reduce((n, o) => n + o.items.length, 0));
});

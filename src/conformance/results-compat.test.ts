/**
 * Vigil's XCCDF results and ARF are consumed by oscap's own tools:
 * `xccdf validate`, `ds rds-validate`, `xccdf generate report` and
 * `xccdf generate fix --result-id`. Scoring is checked against oscap's
 * figure for oscap's own rule results.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { openChecklist, openContent } from '../model/checklist.js';
import { CONTENT, oscap, prerequisites } from '../testing/oracle.js';
import { buildSsgRoot, SSG_TARGETS } from '../testing/ssg-roots.js';
import type { RuleResult, XccdfResult } from '../xccdf/result-types.js';
import { score, SCORING_DEFAULT } from '../xccdf/scoring.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-results-compat-'));
after(() => rmSync(base, { recursive: true, force: true }));

const ubuntu = SSG_TARGETS.find((t) => t.ds === 'ssg-ubuntu2204-ds.xml')!;
const PROFILE = 'xccdf_org.ssgproject.content_profile_cis_level1_server';

test("oscap's tools accept Vigil's XCCDF results and ARF", { timeout: 900_000 }, async (t) => {
  if (!(await prerequisites(t, { oscap: true, files: [ubuntu.ds] }))) return;
  const root = join(base, 'root');
  await buildSsgRoot(root, ubuntu.platform, true, join(base, 'work'));
  const results = join(base, 'results.xml');
  const arf = join(base, 'arf.xml');
  const report = await evaluateXccdf(join(CONTENT, ubuntu.ds), { profile: PROFILE, root, resultsFile: results, arfFile: arf });
  const failed = report.testResult.ruleResults.filter((r) => r.result === 'fail').map((r) => r.ruleId);
  const passed = report.testResult.ruleResults.filter((r) => r.result === 'pass').map((r) => r.ruleId);
  assert.ok(failed.length > 5 && passed.length > 5);

  const v = await oscap(['xccdf', 'validate', results]);
  assert.equal(v.code, 0, `xccdf validate: ${v.stderr.slice(0, 2000)}`);
  const rv = await oscap(['ds', 'rds-validate', arf]);
  assert.equal(rv.code, 0, `ds rds-validate: ${rv.stdout.slice(0, 1000)} ${rv.stderr.slice(0, 2000)}`);

  const html = join(base, 'report.html');
  const g = await oscap(['xccdf', 'generate', 'report', '--output', html, results]);
  assert.equal(g.code, 0, `generate report: ${g.stderr.slice(0, 1000)}`);
  const page = readFileSync(html, 'utf8');
  assert.ok(page.includes(failed[0]!), 'the report lists a failed rule');

  const fix = await oscap(['xccdf', 'generate', 'fix', '--fix-type', 'bash', '--result-id', report.testResult.id, results]);
  assert.equal(fix.code, 0, `generate fix: ${fix.stderr.slice(0, 1000)}`);
  // A results-based fix only remediates what failed.
  const fixed = new Set([...fix.stdout.matchAll(/# BEGIN fix \(\d+ \/ \d+\) for '([^']+)'/g)].map((m) => m[1]));
  assert.ok(fixed.size > 0, 'the results-based fix has blocks');
  for (const id of fixed) assert.ok(failed.includes(id!), `${id} is fixed but did not fail`);
  for (const id of passed) assert.ok(!fixed.has(id), `${id} passed but is fixed`);

  // The same file read back through the ARF route.
  const fixArf = await oscap(['xccdf', 'generate', 'fix', '--fix-type', 'bash', '--result-id', report.testResult.id, arf]);
  assert.equal(fixArf.code, 0, `generate fix from ARF: ${fixArf.stderr.slice(0, 1000)}`);
});

test("the default score is oscap's figure for oscap's rule results", { timeout: 300_000 }, async (t) => {
  if (!(await prerequisites(t, { oscap: true, files: [ubuntu.ds] }))) return;
  const root = join(base, 'root-scores');
  const env = await buildSsgRoot(root, ubuntu.platform, false, join(base, 'work-scores'));
  const file = join(CONTENT, ubuntu.ds);
  const cl = openChecklist(openContent(file));
  {
    // oscap scores with the models the benchmark declares, which for SSG is the default model only.
    const out = join(base, 'oscap-results.xml');
    const o = await oscap(['xccdf', 'eval', '--profile', PROFILE, '--results', out, file], { env });
    assert.ok(o.code === 0 || o.code === 2, o.stderr.slice(0, 500));
    const xml = readFileSync(out, 'utf8');
    const tr = xml.slice(xml.indexOf('<TestResult'));
    const rules: RuleResult[] = [...tr.matchAll(/<rule-result idref="([^"]+)" role="([^"]+)"[^>]*weight="([^"]+)"[^>]*>\s*<result>([a-z]+)<\/result>/g)].map((m) => ({
      ruleId: m[1]!,
      role: m[2] as RuleResult['role'],
      weight: Number(m[3]),
      result: m[4] as XccdfResult,
      severity: 'unknown',
      time: '',
      messages: [],
      idents: [],
    }));
    assert.ok(rules.length > 100);
    const want = /<score system="urn:xccdf:scoring:default" maximum="([\d.]+)">([\d.]+)<\/score>/.exec(tr);
    assert.ok(want, 'oscap wrote a default score');
    const ours = score(cl.benchmark, rules, SCORING_DEFAULT)!;
    assert.equal(ours.score.toFixed(6), want[2]);
    assert.equal(ours.maximum.toFixed(6), want[1]);
    t.diagnostic(`default score ${want[2]} agrees`);
  }
});

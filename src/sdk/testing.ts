/**
 * The SDK's testing API: evaluate a rule, or a whole benchmark, against a
 * target (usually a mock, ./mock-target.ts) with the real engine, exactly as
 * `vigil xccdf eval` would: the content is compiled to a data stream, read
 * back by Vigil's parser, validated, and evaluated by app/xccdf-eval.
 *
 *   const result = await evaluateRule(sshdRootLogin, mockTarget({ files: { '/etc/ssh/sshd_config': 'PermitRootLogin no\n' } }));
 *   assert.equal(result, 'pass');
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateXccdf, type XccdfEvalReport } from '../app/xccdf-eval.js';
import type { Target } from '../target/target.js';
import type { XccdfResult } from '../xccdf/result-types.js';
import { benchmark as makeBenchmark, forEachItem, profile as makeProfile } from './author.js';
import { compile, idsOf } from './compile.js';
import type { Benchmark, Rule, Value } from './model.js';

export { mockTarget, MockTarget, dpkgStatus, writeMockRoot, type MockEntry, type MockPackage, type MockTargetSpec } from './mock-target.js';

export interface EvaluateOptions {
  /** Values to evaluate with: by Value, an option's selector or a literal. */
  readonly values?: ReadonlyArray<readonly [Value, string | { readonly literal: string | number | boolean }]>;
}

export interface BenchmarkEvaluation {
  /** Result by rule short name, in benchmark order. */
  readonly results: ReadonlyMap<string, XccdfResult>;
  /** The full report, as `vigil xccdf eval` builds it. */
  readonly report: XccdfEvalReport;
}

const TEST_NAMESPACE = 'dev.vigil.test';

/** Evaluates a compiled data stream file; one temporary directory per call. */
async function evaluateCompiled(b: Benchmark, target: Target, profileId: string | undefined): Promise<BenchmarkEvaluation> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sdk-'));
  try {
    const file = join(dir, `${b.stem}-ds.xml`);
    writeFileSync(file, compile(b).dataStream);
    const ids = idsOf(b);
    const report = await evaluateXccdf(file, { target, ...(profileId !== undefined ? { profile: ids.profile(profileId) } : {}) });
    const byId = new Map(report.testResult.ruleResults.map((r) => [r.ruleId, r.result]));
    const results = new Map<string, XccdfResult>();
    forEachItem(b.children, (item) => {
      if (item.kind === 'rule') results.set(item.id, byId.get(ids.rule(item.id)) ?? 'notselected');
    });
    return { results, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Evaluates every rule of a benchmark against `target`: with a profile of
 * the benchmark (its short name), or with the rules' default selection.
 */
export async function evaluateBenchmark(b: Benchmark, target: Target, opts: { readonly profile?: string } = {}): Promise<BenchmarkEvaluation> {
  return evaluateCompiled(b, target, opts.profile);
}

/**
 * Evaluates one rule against `target` and returns its XCCDF result (pass,
 * fail, notapplicable, error, unknown, ...). The rule is compiled on its
 * own, with its platforms and Values; `values` sets Values as a profile would.
 */
export async function evaluateRule(r: Rule, target: Target, opts: EvaluateOptions = {}): Promise<XccdfResult> {
  return (await evaluateRuleReport(r, target, opts)).results.get(r.id)!;
}

/** evaluateRule with the full report (OVAL evidence, messages). */
export async function evaluateRuleReport(r: Rule, target: Target, opts: EvaluateOptions = {}): Promise<BenchmarkEvaluation> {
  const { benchmark, profile } = singleRuleBenchmark(r, opts);
  return evaluateCompiled(benchmark, target, profile);
}

/**
 * The benchmark evaluateRule compiles: the rule alone (with its platforms
 * and Values), and, when `values` are given, a profile `test` setting them.
 */
export function singleRuleBenchmark(r: Rule, opts: EvaluateOptions = {}): { readonly benchmark: Benchmark; readonly profile?: string } {
  const single: Rule = { ...r, selected: true };
  const profiles = opts.values?.length ? [makeProfile({ id: 'test', title: 'Test values', select: [single], values: opts.values })] : [];
  const benchmark = makeBenchmark({ id: 'test', namespace: TEST_NAMESPACE, title: `Test of ${r.id}`, version: '0', date: '2000-01-01', children: [single], profiles });
  return profiles.length ? { benchmark, profile: 'test' } : { benchmark };
}

/**
 * The SDK's testing API: evaluate a rule, or a whole benchmark, against a
 * target (usually a mock, ./mock-target.ts) with the real engine, exactly as
 * `vigil xccdf eval` would: the content is compiled to a data stream, read
 * back by Vigil's parser, validated, and evaluated.
 *
 * The SDK sits below the app, so the evaluator is handed in: `ruleTester`
 * takes it, and app/rule-testing.ts wires app/xccdf-eval's evaluateXccdf in
 * and exports the result for rule authors:
 *
 *   import { evaluateRule, mockTarget } from 'vigil/src/app/rule-testing.js';
 *   const result = await evaluateRule(sshdRootLogin, mockTarget({ files: { '/etc/ssh/sshd_config': 'PermitRootLogin no\n' } }));
 *   assert.equal(result, 'pass');
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** What an evaluator must report: a result per rule, by full XCCDF id. */
export interface EvaluatedBenchmark {
  readonly testResult: { readonly ruleResults: ReadonlyArray<{ readonly ruleId: string; readonly result: XccdfResult }> };
}

/** Evaluates a data stream file on a target, with a profile (full id) or the default selection: `vigil xccdf eval`. */
export type XccdfEvaluator<R extends EvaluatedBenchmark> = (file: string, opts: { readonly target: Target; readonly profile?: string }) => Promise<R>;

export interface BenchmarkEvaluation<R extends EvaluatedBenchmark = EvaluatedBenchmark> {
  /** Result by rule short name, in benchmark order. */
  readonly results: ReadonlyMap<string, XccdfResult>;
  /** The full report, as the evaluator built it. */
  readonly report: R;
}

/** The testing API over one evaluator. */
export interface RuleTester<R extends EvaluatedBenchmark> {
  /**
   * Evaluates every rule of a benchmark against `target`: with a profile of
   * the benchmark (its short name), or with the rules' default selection.
   */
  evaluateBenchmark(b: Benchmark, target: Target, opts?: { readonly profile?: string }): Promise<BenchmarkEvaluation<R>>;
  /**
   * Evaluates one rule against `target` and returns its XCCDF result (pass,
   * fail, notapplicable, error, unknown, ...). The rule is compiled on its
   * own, with its platforms and Values; `values` sets Values as a profile would.
   */
  evaluateRule(r: Rule, target: Target, opts?: EvaluateOptions): Promise<XccdfResult>;
  /** evaluateRule with the full report (OVAL evidence, messages). */
  evaluateRuleReport(r: Rule, target: Target, opts?: EvaluateOptions): Promise<BenchmarkEvaluation<R>>;
}

const TEST_NAMESPACE = 'dev.vigil.test';

/** The testing API, evaluating with `evaluate` (app/rule-testing.ts hands in the app's). */
export function ruleTester<R extends EvaluatedBenchmark>(evaluate: XccdfEvaluator<R>): RuleTester<R> {
  const tester: RuleTester<R> = {
    evaluateBenchmark: (b, target, opts = {}) => evaluateCompiled(evaluate, b, target, opts.profile),
    evaluateRule: async (r, target, opts = {}) => (await tester.evaluateRuleReport(r, target, opts)).results.get(r.id)!,
    evaluateRuleReport: (r, target, opts = {}) => {
      const { benchmark, profile } = singleRuleBenchmark(r, opts);
      return evaluateCompiled(evaluate, benchmark, target, profile);
    },
  };
  return tester;
}

/** Evaluates a compiled data stream file; one temporary directory per call. */
async function evaluateCompiled<R extends EvaluatedBenchmark>(evaluate: XccdfEvaluator<R>, b: Benchmark, target: Target, profileId: string | undefined): Promise<BenchmarkEvaluation<R>> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sdk-'));
  try {
    const file = join(dir, `${b.stem}-ds.xml`);
    writeFileSync(file, compile(b).dataStream);
    const ids = idsOf(b);
    const report = await evaluate(file, { target, ...(profileId !== undefined ? { profile: ids.profile(profileId) } : {}) });
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
 * The benchmark evaluateRule compiles: the rule alone (with its platforms
 * and Values), and, when `values` are given, a profile `test` setting them.
 */
export function singleRuleBenchmark(r: Rule, opts: EvaluateOptions = {}): { readonly benchmark: Benchmark; readonly profile?: string } {
  const single: Rule = { ...r, selected: true };
  const profiles = opts.values?.length ? [makeProfile({ id: 'test', title: 'Test values', select: [single], values: opts.values })] : [];
  const benchmark = makeBenchmark({ id: 'test', namespace: TEST_NAMESPACE, title: `Test of ${r.id}`, version: '0', date: '2000-01-01', children: [single], profiles });
  return profiles.length ? { benchmark, profile: 'test' } : { benchmark };
}

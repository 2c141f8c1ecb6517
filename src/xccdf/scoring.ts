/**
 * XCCDF scoring models (NISTIR 7275r4 §7.3), as OpenSCAP computes them
 * (src/XCCDF/result_scoring.c), including its single-precision arithmetic so
 * that the figures agree to the last printed digit.
 */
import type { Benchmark, Group, Rule } from '../model/xccdf/types.js';
import type { RuleResult, Score, XccdfResult } from './result-types.js';

export const SCORING_DEFAULT = 'urn:xccdf:scoring:default';
export const SCORING_FLAT = 'urn:xccdf:scoring:flat';
export const SCORING_FLAT_UNWEIGHTED = 'urn:xccdf:scoring:flat-unweighted';
export const SCORING_ABSOLUTE = 'urn:xccdf:scoring:absolute';
export const SCORING_MODELS = [SCORING_DEFAULT, SCORING_FLAT, SCORING_FLAT_UNWEIGHTED, SCORING_ABSOLUTE] as const;

const f = Math.fround;
const IGNORED = new Set<XccdfResult>(['notselected', 'notapplicable', 'informational', 'notchecked']);
const PASSED = new Set<XccdfResult>(['pass', 'fixed']);

type Lookup = (ruleId: string) => RuleResult | undefined;

interface DefaultScore {
  score: number;
  weightScore: number;
  count: number;
}

function defaultScore(item: Benchmark | Group | Rule, lookup: Lookup): DefaultScore | undefined {
  if (item.kind === 'rule') {
    const rr = lookup(item.id);
    if (!rr || rr.role === 'unscored' || IGNORED.has(rr.result)) return undefined;
    const score = PASSED.has(rr.result) ? 100 : 0;
    return { score, weightScore: f(score * f(item.weight)), count: 1 };
  }
  let score = 0;
  let acc = 0;
  let count = 0;
  for (const child of item.children) {
    const s = defaultScore(child, lookup);
    if (!s || s.count === 0) continue;
    score = f(score + s.weightScore);
    count++;
    acc = f(acc + f(child.weight));
  }
  if (count && acc) score = f(score / acc);
  const weight = item.kind === 'benchmark' ? 1 : item.weight;
  return { score, weightScore: f(score * f(weight)), count };
}

function flatScore(item: Benchmark | Group | Rule, lookup: Lookup, unweighted: boolean): { score: number; weight: number } | undefined {
  if (item.kind === 'rule') {
    const rr = lookup(item.id);
    if (!rr || rr.role === 'unscored' || IGNORED.has(rr.result)) return undefined;
    const weight = unweighted ? 1 : f(item.weight);
    return { weight, score: PASSED.has(rr.result) ? weight : 0 };
  }
  let score = 0;
  let weight = 0;
  for (const child of item.children) {
    const s = flatScore(child, lookup, unweighted);
    if (!s || s.weight === 0) continue;
    score = f(score + s.score);
    weight = f(weight + s.weight);
  }
  return { score, weight };
}

/**
 * The score of `results` under `system`, or undefined for an unknown model.
 * As in OpenSCAP, a rule with several results (multi-check) is scored by its first one.
 */
export function score(benchmark: Benchmark, results: readonly RuleResult[], system: string): Score | undefined {
  const first = new Map<string, RuleResult>();
  for (const r of results) if (!first.has(r.ruleId)) first.set(r.ruleId, r);
  const lookup: Lookup = (id) => first.get(id);
  switch (system) {
    case SCORING_DEFAULT:
      return { system, score: defaultScore(benchmark, lookup)?.score ?? 0, maximum: 100 };
    case SCORING_FLAT:
    case SCORING_FLAT_UNWEIGHTED: {
      const s = flatScore(benchmark, lookup, system === SCORING_FLAT_UNWEIGHTED)!;
      return { system, score: s.score, maximum: s.weight };
    }
    case SCORING_ABSOLUTE: {
      const s = flatScore(benchmark, lookup, false)!;
      return { system, score: s.score === s.weight ? 1 : 0, maximum: s.weight };
    }
    default:
      return undefined;
  }
}

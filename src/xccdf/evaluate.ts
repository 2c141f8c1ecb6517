/**
 * XCCDF evaluation: every rule of the benchmark gets a result, following
 * OpenSCAP's order of decisions (xccdf_policy.c `_xccdf_policy_rule_evaluate`):
 *
 * 1. `--skip-rule` → notselected; in `--rule` mode, other rules → notselected;
 *    otherwise a rule outside the profile's selection (or whose `requires`
 *    are unmet, or which `conflicts` with a selected item) → notselected;
 * 2. role `unchecked` → notchecked;
 * 3. the benchmark's, its groups' or its own platforms do not apply → notapplicable;
 * 4. the check: a complex-check if there is one, else the first check, among
 *    those matching the refined selector, whose system has an engine; none →
 *    notchecked;
 * 5. check-exports become value bindings; check-content-refs are tried in
 *    order until one resolves; `multi-check` yields one result per definition;
 *    role `unscored` turns the result into informational; `negate` swaps pass
 *    and fail.
 */
import { indexBenchmark } from '../model/xccdf/index.js';
import type { Benchmark, Check, ComplexCheck, Group, Item, Rule } from '../model/xccdf/types.js';
import type { Applicability } from './applicability.js';
import type { CheckEngine, CheckRequest, ValueBinding } from './check-engine.js';
import type { ResolvedProfile } from './profile.js';
import type { CheckedBy, RuleMessage, RuleResult, XccdfResult } from './result-types.js';
import { EMPTY_READS, unionReads, type ReadSet } from '../target/reads.js';

export interface EvaluationOptions {
  readonly profile: ResolvedProfile;
  readonly engines: readonly CheckEngine[];
  readonly applicability: Applicability;
  /** `--rule`: evaluate exactly these rules, selected or not, with the profile's values. */
  readonly rules?: ReadonlySet<string>;
  /** `--skip-rule`: these rules are notselected. */
  readonly skipRules?: ReadonlySet<string>;
  readonly clock?: () => Date;
  /**
   * Give each rule result its read set (RuleResult.reads): what its check
   * and its platforms' CPE checks read, as the engines report it
   * (CheckEngine.reads, PlatformCheck.platformReads).
   */
  readonly reads?: boolean;
  /** Called as each rule is decided, in benchmark order (progress, streamed output). */
  readonly onResult?: (result: RuleResult, rule: Rule, reported: boolean) => void;
}

export interface Evaluation {
  readonly ruleResults: readonly RuleResult[];
  /** Rules named by `--rule` that the benchmark does not have. */
  readonly unknownRules: readonly string[];
}

// XCCDF truth tables (NISTIR 7275r4 tables 12 and 13), indexed by result in
// this order. OpenSCAP's own table swaps error and unknown in places
// (docs/CONFORMANCE.md); these follow the specification.
const ORDER: readonly XccdfResult[] = ['pass', 'fail', 'error', 'unknown', 'notapplicable', 'notchecked', 'notselected', 'informational'];
const AND = [
  [1, 2, 3, 4, 1, 1, 1, 1],
  [2, 2, 2, 2, 2, 2, 2, 2],
  [3, 2, 3, 3, 3, 3, 3, 3],
  [4, 2, 3, 4, 4, 4, 4, 4],
  [1, 2, 3, 4, 5, 5, 5, 5],
  [1, 2, 3, 4, 5, 6, 6, 6],
  [1, 2, 3, 4, 5, 6, 7, 7],
  [1, 2, 3, 4, 5, 6, 7, 8],
];
const OR = [
  [1, 1, 1, 1, 1, 1, 1, 1],
  [1, 2, 3, 4, 2, 2, 2, 2],
  [1, 3, 3, 3, 3, 3, 3, 3],
  [1, 4, 3, 4, 4, 4, 4, 4],
  [1, 2, 3, 4, 5, 5, 5, 5],
  [1, 2, 3, 4, 5, 6, 6, 6],
  [1, 2, 3, 4, 5, 6, 7, 7],
  [1, 2, 3, 4, 5, 6, 7, 8],
];

/** Combines two check results with XCCDF's AND or OR. */
export function combine(a: XccdfResult, b: XccdfResult, op: 'AND' | 'OR'): XccdfResult {
  const i = ORDER.indexOf(a === 'fixed' ? 'pass' : a);
  const j = ORDER.indexOf(b === 'fixed' ? 'pass' : b);
  return ORDER[(op === 'AND' ? AND : OR)[i]![j]! - 1]!;
}

export function negateResult(r: XccdfResult, negate: boolean): XccdfResult {
  if (!negate) return r;
  return r === 'pass' ? 'fail' : r === 'fail' ? 'pass' : r;
}

/** ISO 8601 in local time with a numeric offset, as OpenSCAP writes times. */
export function xccdfTime(d: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`
  );
}

interface Outcome {
  readonly result: XccdfResult;
  readonly check?: CheckedBy;
  readonly messages: RuleMessage[];
  /** What the checks read (EvaluationOptions.reads), to unite. */
  readonly reads?: readonly ReadSet[];
}

export async function evaluateBenchmark(benchmark: Benchmark, opts: EvaluationOptions): Promise<Evaluation> {
  const index = indexBenchmark(benchmark);
  const clock = opts.clock ?? ((): Date => new Date());
  const engines = new Map<string, CheckEngine>();
  for (const e of opts.engines) if (!engines.has(e.system)) engines.set(e.system, e);
  const profile = opts.profile;

  // The final selection, which requires/conflicts may still narrow as rules are evaluated.
  const selected = new Set(profile.rules.map((r) => r.id));
  const groupSelected = (g: Group): boolean => {
    let any = false;
    const visit = (items: ReadonlyArray<Item>): void => {
      for (const it of items) {
        if (any) return;
        if (it.kind === 'rule') any = selected.has(it.id);
        else visit(it.children);
      }
    };
    visit(g.children);
    return any;
  };
  const isSelected = (id: string): boolean => {
    if (selected.has(id)) return true;
    const g = index.groups.get(id);
    return g !== undefined && groupSelected(g);
  };
  const unmet = (it: Item): boolean =>
    it.conflicts.some((id) => isSelected(id)) || it.requires.some((alternatives) => !alternatives.some((id) => isSelected(id)));

  const applicableCache = new Map<Item | Benchmark, Promise<boolean>>();
  const applies = (it: Item | Benchmark): Promise<boolean> => {
    let hit = applicableCache.get(it);
    if (!hit) {
      hit = (async () => {
        const parent = it.kind === 'benchmark' ? undefined : (index.parents.get(it.id) ?? benchmark);
        if (parent && !(await applies(parent))) return false;
        return opts.applicability.applies(it.platforms);
      })();
      applicableCache.set(it, hit);
    }
    return hit;
  };

  /** The platforms of a rule, its groups and the benchmark: what its applicability was decided on. */
  const platformsOf = (rule: Rule): string[] => {
    const out = [...rule.platforms];
    for (let p = index.parents.get(rule.id); p; p = index.parents.get(p.id)) out.push(...p.platforms);
    out.push(...benchmark.platforms);
    return out;
  };
  const readsOf = (rule: Rule, o: Outcome): ReadSet => unionReads([opts.applicability.reads(platformsOf(rule)), ...(o.reads ?? [])]);

  const results: RuleResult[] = [];
  const found = new Set<string>();
  const emit = (rule: Rule, o: Outcome, reported: boolean): void => {
    const ref = profile.refinements.get(rule.id);
    const rr: RuleResult = {
      ruleId: rule.id,
      result: o.result,
      role: ref?.role ?? rule.role,
      severity: ref?.severity ?? rule.severity,
      weight: ref?.weight ?? rule.weight,
      time: xccdfTime(clock()),
      ...(o.check ? { check: o.check } : {}),
      messages: o.messages,
      idents: rule.idents,
      ...(opts.reads ? { reads: o.result === 'notselected' ? EMPTY_READS : readsOf(rule, o) } : {}),
    };
    results.push(rr);
    opts.onResult?.(rr, rule, reported);
  };
  const notselected: Outcome = { result: 'notselected', messages: [] };

  const bindingsFor = (check: Check): ValueBinding[] | undefined => {
    const out: ValueBinding[] = [];
    for (const ex of check.exports) {
      const v = profile.values.get(ex.valueId);
      // As OpenSCAP: a value without the selected instance cannot be bound.
      if (!v || v.missingSelector !== undefined) return undefined;
      out.push({ name: ex.exportName, value: v.text, type: v.value.type });
    }
    return out;
  };

  const checkedBy = (c: Check, href?: string, name?: string): CheckedBy => ({
    system: c.system,
    negate: c.negate,
    exports: c.exports,
    ...(href !== undefined ? { href } : {}),
    ...(name !== undefined ? { name } : {}),
  });

  /** One simple check (not multi-check): the first resolvable content ref wins. */
  const runCheck = async (c: Check): Promise<Outcome> => {
    const engine = engines.get(c.system);
    const bindings = bindingsFor(c);
    if (!engine) return { result: 'notchecked', check: checkedBy(c), messages: [{ severity: 'info', text: `no engine for the check system ${c.system}` }] };
    if (!bindings) return { result: 'unknown', check: checkedBy(c), messages: [{ severity: 'info', text: 'Value bindings not found.' }] };
    let result: XccdfResult = 'notchecked';
    let used: { href: string; name?: string } | undefined;
    const reads: ReadSet[] = [];
    for (const ref of c.contentRefs) {
      const request = { href: ref.href, ...(ref.name !== undefined ? { name: ref.name } : {}), bindings };
      result = await engine.evaluate(request);
      const r = opts.reads ? engine.reads?.(request) : undefined;
      if (r) reads.push(r);
      if (result !== 'notchecked') {
        used = ref;
        break;
      }
    }
    const messages: RuleMessage[] = result === 'notchecked' ? [{ severity: 'info', text: 'None of the check-content-ref elements was resolvable.' }] : [];
    return { result, check: checkedBy(c, used?.href, used?.name), messages, reads };
  };

  const runComplex = async (cc: ComplexCheck): Promise<Outcome> => {
    let acc: XccdfResult | undefined;
    const children: CheckedBy[] = [];
    const reads: ReadSet[] = [];
    for (const child of cc.children) {
      const o = child.kind === 'complex-check' ? await runComplex(child) : await runSimpleInComplex(child);
      if (o.check) children.push(o.check);
      if (o.reads) reads.push(...o.reads);
      acc = acc === undefined ? o.result : combine(acc, o.result, cc.operator);
    }
    return {
      result: negateResult(acc ?? 'unknown', cc.negate),
      check: { system: '', negate: cc.negate, exports: [], complex: { operator: cc.operator, children } },
      messages: [],
      reads,
    };
  };
  const runSimpleInComplex = async (c: Check): Promise<Outcome> => {
    const o = await runCheck(c);
    return { ...o, result: negateResult(o.result, c.negate) };
  };

  const pickCheck = (rule: Rule): Check | undefined => {
    const selector = profile.refinements.get(rule.id)?.selector;
    let candidates = rule.checks.filter((c) => c.selector === (selector ?? ''));
    if (selector !== undefined && candidates.length === 0) candidates = rule.checks.filter((c) => c.selector === '');
    return candidates.find((c) => engines.has(c.system));
  };

  const evaluateRule = async (rule: Rule, parentSelected: boolean): Promise<void> => {
    if (opts.skipRules?.has(rule.id)) return emit(rule, notselected, opts.rules === undefined || opts.rules.has(rule.id));
    if (opts.rules !== undefined) {
      if (!opts.rules.has(rule.id)) return emit(rule, notselected, false);
      found.add(rule.id);
      selected.add(rule.id);
    } else {
      if (!selected.has(rule.id) || !parentSelected) return emit(rule, notselected, false);
      if (unmet(rule)) {
        selected.delete(rule.id);
        return emit(rule, notselected, false);
      }
    }
    const role = profile.refinements.get(rule.id)?.role ?? rule.role;
    if (role === 'unchecked') return emit(rule, { result: 'notchecked', messages: [] }, true);
    if (!(await applies(rule))) return emit(rule, { result: 'notapplicable', messages: [] }, true);

    if (rule.complexCheck) return emit(rule, await runComplex(rule.complexCheck), true);
    const check = pickCheck(rule);
    if (!check) return emit(rule, { result: 'notchecked', messages: [{ severity: 'info', text: 'No candidate or applicable check found.' }] }, true);

    const engine = engines.get(check.system)!;
    const multi = check.multiCheck ? check.contentRefs.find((r) => r.name === undefined) : undefined;
    const names = multi ? engine.names(multi.href) : undefined;
    if (multi && names) {
      const bindings = bindingsFor(check);
      if (!bindings) return emit(rule, { result: 'unknown', check: checkedBy(check), messages: [{ severity: 'info', text: 'Value bindings not found.' }] }, true);
      if (names.length === 0) {
        return emit(rule, { result: 'unknown', check: checkedBy(check), messages: [{ severity: 'info', text: 'No definitions found for @multi-check.' }] }, true);
      }
      for (const name of names) {
        const request = { href: multi.href, name, bindings };
        const r = await engine.evaluate(request);
        const reads = opts.reads ? engine.reads?.(request) : undefined;
        emit(rule, { result: negateResult(r, check.negate), check: checkedBy(check, multi.href, name), messages: [], ...(reads ? { reads: [reads] } : {}) }, true);
      }
      return;
    }
    const o = await runCheck(check);
    const result = role === 'unscored' ? 'informational' : o.result;
    emit(rule, { ...o, result: negateResult(result, check.negate) }, true);
  };

  // Let the engines start shared work for every check that will run: the
  // rules to evaluate, once their platforms are known to apply.
  const planned = new Map<CheckEngine, CheckRequest[]>();
  const candidates = opts.rules !== undefined ? index.ruleOrder.filter((r) => opts.rules!.has(r.id)) : profile.rules;
  for (const rule of candidates) {
    if (opts.skipRules?.has(rule.id) || (profile.refinements.get(rule.id)?.role ?? rule.role) === 'unchecked') continue;
    if (!(await applies(rule))) continue;
    const checks: Check[] = [];
    const gather = (c: Check | ComplexCheck): void => {
      if (c.kind === 'complex-check') c.children.forEach(gather);
      else checks.push(c);
    };
    if (rule.complexCheck) gather(rule.complexCheck);
    else {
      const c = pickCheck(rule);
      if (c) checks.push(c);
    }
    for (const c of checks) {
      const engine = engines.get(c.system);
      const bindings = bindingsFor(c);
      if (!engine?.prepare || !bindings) continue;
      const list = planned.get(engine) ?? [];
      for (const ref of c.contentRefs) list.push({ href: ref.href, ...(ref.name !== undefined ? { name: ref.name } : {}), bindings });
      planned.set(engine, list);
    }
  }
  await Promise.all([...planned].map(([engine, reqs]) => engine.prepare!(reqs)));

  const walk = async (items: ReadonlyArray<Item>, parentSelected: boolean): Promise<void> => {
    for (const it of items) {
      if (it.kind === 'rule') {
        await evaluateRule(it, parentSelected);
        continue;
      }
      let on = parentSelected && isSelected(it.id);
      if (on && unmet(it)) on = false;
      await walk(it.children, on);
    }
  };
  await walk(benchmark.children, true);

  const unknownRules = opts.rules ? [...opts.rules].filter((id) => !found.has(id) && !index.rules.has(id)) : [];
  return { ruleResults: results, unknownRules };
}

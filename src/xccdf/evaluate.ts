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
import { indexBenchmark, type BenchmarkIndex } from '../model/xccdf/index.js';
import type { Benchmark, Check, ComplexCheck, Group, Item, Role, Rule } from '../model/xccdf/types.js';
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
  /** Cancels the evaluation: no rule is decided after it aborts, and evaluateBenchmark rejects with its reason. */
  readonly signal?: AbortSignal;
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

const NOT_SELECTED: Outcome = { result: 'notselected', messages: [] };

/** What every phase of one evaluation reads. */
interface Run {
  readonly benchmark: Benchmark;
  readonly index: BenchmarkIndex;
  readonly profile: ResolvedProfile;
  readonly opts: EvaluationOptions;
  /** The first engine registered for each check system. */
  readonly engines: ReadonlyMap<string, CheckEngine>;
}

/**
 * Evaluates every rule, in five phases: selection (which requires and
 * conflicts narrow as rules are visited), applicability (platforms of the
 * benchmark, groups and rule), check planning (engines start shared work for
 * every check that will run), check dispatch (per rule, in benchmark order),
 * and result assembly (refinements, time, idents). Scoring is the caller's
 * (scoring.ts), over the results.
 */
export async function evaluateBenchmark(benchmark: Benchmark, opts: EvaluationOptions): Promise<Evaluation> {
  const engines = new Map<string, CheckEngine>();
  for (const e of opts.engines) if (!engines.has(e.system)) engines.set(e.system, e);
  const run: Run = { benchmark, index: indexBenchmark(benchmark), profile: opts.profile, opts, engines };
  const selection = new Selection(run);
  const applies = applicabilityOf(run);
  const results = new ResultAssembly(run);

  await planChecks(run, applies);

  const walk = async (items: ReadonlyArray<Item>, parentSelected: boolean): Promise<void> => {
    for (const it of items) {
      if (it.kind === 'rule') {
        await evaluateRule(run, selection, applies, results, it, parentSelected);
        continue;
      }
      await walk(it.children, selection.groupOn(it, parentSelected));
    }
  };
  await walk(benchmark.children, true);

  return { ruleResults: results.ruleResults, unknownRules: selection.unknownRules() };
}

// ---------------------------------------------------------------- selection

/** The final selection, which requires/conflicts may still narrow as rules are evaluated. */
class Selection {
  private readonly selected: Set<string>;
  /** Rules named by `--rule` that were found in the benchmark. */
  private readonly found = new Set<string>();

  constructor(private readonly run: Run) {
    this.selected = new Set(run.profile.rules.map((r) => r.id));
  }

  /**
   * Whether the rule takes part, as OpenSCAP decides it: `--skip-rule`, then
   * `--rule`, then the profile with its requires and conflicts. A rule that
   * does not is notselected, and `reported` says whether it is shown.
   */
  decide(rule: Rule, parentSelected: boolean): { readonly on: true } | { readonly on: false; readonly reported: boolean } {
    const { opts } = this.run;
    if (opts.skipRules?.has(rule.id)) return { on: false, reported: opts.rules === undefined || opts.rules.has(rule.id) };
    if (opts.rules !== undefined) {
      if (!opts.rules.has(rule.id)) return { on: false, reported: false };
      this.found.add(rule.id);
      this.selected.add(rule.id);
      return { on: true };
    }
    if (!this.selected.has(rule.id) || !parentSelected) return { on: false, reported: false };
    if (this.unmet(rule)) {
      this.selected.delete(rule.id);
      return { on: false, reported: false };
    }
    return { on: true };
  }

  /** Whether a group's children are selected, given its parent's. */
  groupOn(g: Group, parentSelected: boolean): boolean {
    return parentSelected && this.isSelected(g.id) && !this.unmet(g);
  }

  unknownRules(): string[] {
    const { opts, index } = this.run;
    return opts.rules ? [...opts.rules].filter((id) => !this.found.has(id) && !index.rules.has(id)) : [];
  }

  private groupSelected(g: Group): boolean {
    let any = false;
    const visit = (items: ReadonlyArray<Item>): void => {
      for (const it of items) {
        if (any) return;
        if (it.kind === 'rule') any = this.selected.has(it.id);
        else visit(it.children);
      }
    };
    visit(g.children);
    return any;
  }

  private isSelected(id: string): boolean {
    if (this.selected.has(id)) return true;
    const g = this.run.index.groups.get(id);
    return g !== undefined && this.groupSelected(g);
  }

  private unmet(it: Item): boolean {
    return it.conflicts.some((id) => this.isSelected(id)) || it.requires.some((alternatives) => !alternatives.some((id) => this.isSelected(id)));
  }
}

// ---------------------------------------------------------------- applicability

type Applies = (it: Item | Benchmark) => Promise<boolean>;

/** Whether an item's platforms, and every enclosing group's and the benchmark's, apply; asked once per item. */
function applicabilityOf(run: Run): Applies {
  const cache = new Map<Item | Benchmark, Promise<boolean>>();
  const applies: Applies = (it) => {
    let hit = cache.get(it);
    if (!hit) {
      hit = (async () => {
        const parent = it.kind === 'benchmark' ? undefined : (run.index.parents.get(it.id) ?? run.benchmark);
        if (parent && !(await applies(parent))) return false;
        return run.opts.applicability.applies(it.platforms);
      })();
      cache.set(it, hit);
    }
    return hit;
  };
  return applies;
}

// ---------------------------------------------------------------- check planning

function roleOf(run: Run, rule: Rule): Role {
  return run.profile.refinements.get(rule.id)?.role ?? rule.role;
}

/** The check the rule's refined selector picks: the first candidate whose system has an engine. */
function pickCheck(run: Run, rule: Rule): Check | undefined {
  const selector = run.profile.refinements.get(rule.id)?.selector;
  let candidates = rule.checks.filter((c) => c.selector === (selector ?? ''));
  if (selector !== undefined && candidates.length === 0) candidates = rule.checks.filter((c) => c.selector === '');
  return candidates.find((c) => run.engines.has(c.system));
}

/** check-exports as value bindings; undefined when one cannot be bound. */
function bindingsFor(run: Run, check: Check): ValueBinding[] | undefined {
  const out: ValueBinding[] = [];
  for (const ex of check.exports) {
    const v = run.profile.values.get(ex.valueId);
    // As OpenSCAP: a value without the selected instance cannot be bound.
    if (!v || v.missingSelector !== undefined) return undefined;
    out.push({ name: ex.exportName, value: v.text, type: v.value.type });
  }
  return out;
}

/**
 * Lets the engines start shared work for every check that will run: the
 * rules to evaluate, once their platforms are known to apply.
 */
async function planChecks(run: Run, applies: Applies): Promise<void> {
  const { opts, profile, index } = run;
  const planned = new Map<CheckEngine, CheckRequest[]>();
  const candidates = opts.rules !== undefined ? index.ruleOrder.filter((r) => opts.rules!.has(r.id)) : profile.rules;
  for (const rule of candidates) {
    if (opts.skipRules?.has(rule.id) || roleOf(run, rule) === 'unchecked') continue;
    if (!(await applies(rule))) continue;
    const checks: Check[] = [];
    const gather = (c: Check | ComplexCheck): void => {
      if (c.kind === 'complex-check') c.children.forEach(gather);
      else checks.push(c);
    };
    if (rule.complexCheck) gather(rule.complexCheck);
    else {
      const c = pickCheck(run, rule);
      if (c) checks.push(c);
    }
    for (const c of checks) {
      const engine = run.engines.get(c.system);
      const bindings = bindingsFor(run, c);
      if (!engine?.prepare || !bindings) continue;
      const list = planned.get(engine) ?? [];
      for (const ref of c.contentRefs) list.push({ href: ref.href, ...(ref.name !== undefined ? { name: ref.name } : {}), bindings });
      planned.set(engine, list);
    }
  }
  await Promise.all([...planned].map(([engine, reqs]) => engine.prepare!(reqs)));
}

// ---------------------------------------------------------------- check dispatch

const checkedBy = (c: Check, href?: string, name?: string): CheckedBy => ({
  system: c.system,
  negate: c.negate,
  exports: c.exports,
  ...(href !== undefined ? { href } : {}),
  ...(name !== undefined ? { name } : {}),
});

const bindingsMissing = (c: Check): Outcome => ({ result: 'unknown', check: checkedBy(c), messages: [{ severity: 'info', text: 'Value bindings not found.' }] });

/** One simple check (not multi-check): the first resolvable content ref wins. */
async function runCheck(run: Run, c: Check): Promise<Outcome> {
  const engine = run.engines.get(c.system);
  const bindings = bindingsFor(run, c);
  if (!engine) return { result: 'notchecked', check: checkedBy(c), messages: [{ severity: 'info', text: `no engine for the check system ${c.system}` }] };
  if (!bindings) return bindingsMissing(c);
  let result: XccdfResult = 'notchecked';
  let used: { href: string; name?: string } | undefined;
  const reads: ReadSet[] = [];
  for (const ref of c.contentRefs) {
    const request = { href: ref.href, ...(ref.name !== undefined ? { name: ref.name } : {}), bindings };
    result = await engine.evaluate(request);
    const r = run.opts.reads ? engine.reads?.(request) : undefined;
    if (r) reads.push(r);
    if (result !== 'notchecked') {
      used = ref;
      break;
    }
  }
  const messages: RuleMessage[] = result === 'notchecked' ? [{ severity: 'info', text: 'None of the check-content-ref elements was resolvable.' }] : [];
  return { result, check: checkedBy(c, used?.href, used?.name), messages, reads };
}

async function runComplex(run: Run, cc: ComplexCheck): Promise<Outcome> {
  let acc: XccdfResult | undefined;
  const children: CheckedBy[] = [];
  const reads: ReadSet[] = [];
  for (const child of cc.children) {
    let o: Outcome;
    if (child.kind === 'complex-check') o = await runComplex(run, child);
    else {
      const simple = await runCheck(run, child);
      o = { ...simple, result: negateResult(simple.result, child.negate) };
    }
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
}

/**
 * The outcomes of a selected rule, handed to `emit` as each is decided, in
 * OpenSCAP's order: role unchecked, applicability, complex-check, the picked
 * check (multi-check: one outcome per definition), role unscored, negate.
 */
async function dispatch(run: Run, applies: Applies, rule: Rule, emit: (o: Outcome) => void): Promise<void> {
  const role = roleOf(run, rule);
  if (role === 'unchecked') return emit({ result: 'notchecked', messages: [] });
  if (!(await applies(rule))) return emit({ result: 'notapplicable', messages: [] });

  if (rule.complexCheck) return emit(await runComplex(run, rule.complexCheck));
  const check = pickCheck(run, rule);
  if (!check) return emit({ result: 'notchecked', messages: [{ severity: 'info', text: 'No candidate or applicable check found.' }] });

  const engine = run.engines.get(check.system)!;
  const multi = check.multiCheck ? check.contentRefs.find((r) => r.name === undefined) : undefined;
  const names = multi ? engine.names(multi.href) : undefined;
  if (multi && names) {
    const bindings = bindingsFor(run, check);
    if (!bindings) return emit(bindingsMissing(check));
    if (names.length === 0) return emit({ result: 'unknown', check: checkedBy(check), messages: [{ severity: 'info', text: 'No definitions found for @multi-check.' }] });
    for (const name of names) {
      const request = { href: multi.href, name, bindings };
      const r = await engine.evaluate(request);
      const reads = run.opts.reads ? engine.reads?.(request) : undefined;
      emit({ result: negateResult(r, check.negate), check: checkedBy(check, multi.href, name), messages: [], ...(reads ? { reads: [reads] } : {}) });
    }
    return;
  }
  const o = await runCheck(run, check);
  const result = role === 'unscored' ? 'informational' : o.result;
  emit({ ...o, result: negateResult(result, check.negate) });
}

// ---------------------------------------------------------------- result assembly

/** Rule results with the profile's refinements and the time of decision, reported as they are made. */
class ResultAssembly {
  readonly ruleResults: RuleResult[] = [];
  private readonly clock: () => Date;

  constructor(private readonly run: Run) {
    this.clock = run.opts.clock ?? ((): Date => new Date());
  }

  /** The platforms of a rule, its groups and the benchmark: what its applicability was decided on. */
  private platformsOf(rule: Rule): string[] {
    const out = [...rule.platforms];
    for (let p = this.run.index.parents.get(rule.id); p; p = this.run.index.parents.get(p.id)) out.push(...p.platforms);
    out.push(...this.run.benchmark.platforms);
    return out;
  }

  /** What a rule's result depends on: its platforms' CPE checks and its checks. */
  private readsOf(rule: Rule, o: Outcome): ReadSet {
    return unionReads([this.run.opts.applicability.reads(this.platformsOf(rule)), ...(o.reads ?? [])]);
  }

  add(rule: Rule, o: Outcome, reported: boolean): void {
    const ref = this.run.profile.refinements.get(rule.id);
    const rr: RuleResult = {
      ruleId: rule.id,
      result: o.result,
      role: ref?.role ?? rule.role,
      severity: ref?.severity ?? rule.severity,
      weight: ref?.weight ?? rule.weight,
      time: xccdfTime(this.clock()),
      ...(o.check ? { check: o.check } : {}),
      messages: o.messages,
      idents: rule.idents,
      ...(this.run.opts.reads ? { reads: o.result === 'notselected' ? EMPTY_READS : this.readsOf(rule, o) } : {}),
    };
    this.ruleResults.push(rr);
    this.run.opts.onResult?.(rr, rule, reported);
  }
}

async function evaluateRule(run: Run, selection: Selection, applies: Applies, results: ResultAssembly, rule: Rule, parentSelected: boolean): Promise<void> {
  run.opts.signal?.throwIfAborted();
  const decision = selection.decide(rule, parentSelected);
  if (!decision.on) return results.add(rule, NOT_SELECTED, decision.reported);
  await dispatch(run, applies, rule, (o) => results.add(rule, o, true));
}

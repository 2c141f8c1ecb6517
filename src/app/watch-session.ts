/**
 * The evaluation side of `vigil watch`: one checklist and profile, opened
 * once, evaluated against one target as often as needed. A full evaluation
 * decides every selected rule and records what each read (its read set,
 * with its platforms' CPE checks); `evaluate(rules)` decides only the named
 * rules again, with their platforms, on a fresh look at the target (the
 * probe services' caches are dropped first), and replaces their results and
 * read sets. `affected(change)` says which rules a change to the target may
 * have changed, from the read sets (target/read-index.ts).
 *
 * The invariant `vigil watch` rests on: after any change, re-evaluating
 * the rules `affected` names gives the same results as a fresh full
 * evaluation. It holds as far as the read sets are sound
 * (conformance/read-soundness.ts), and the randomized test in
 * daemon/watch-equivalence.test.ts checks it on synthetic roots.
 */
import { cpuUsage } from 'node:process';
import type { AffectedOptions, ReadChange } from '../target/read-index.js';
import { ReadIndex } from '../target/read-index.js';
import { EMPTY_READS, unionReads, type ReadSet } from '../target/reads.js';
import type { Target } from '../target/target.js';
import { evaluateBenchmark } from '../xccdf/evaluate.js';
import type { RuleResult, XccdfResult } from '../xccdf/result-types.js';
import { score, SCORING_DEFAULT } from '../xccdf/scoring.js';
import { targetFor } from './oval-eval.js';
import { openScanServices, type ScanServices } from './scan-services.js';
import { checkEngines, prepareChecklist, type PreparedChecklist, type XccdfEvalOptions } from './xccdf-eval.js';

export type WatchSessionOptions = Pick<
  XccdfEvalOptions,
  'profile' | 'chooseProfile' | 'tailoringFile' | 'tailoringId' | 'datastreamId' | 'xccdfId' | 'rules' | 'skipRules' | 'root' | 'hostKernel' | 'target'
>;

/** One rule's latest result, with what it read. */
export interface RuleOutcome {
  readonly rule: string;
  readonly result: XccdfResult;
  readonly severity: string;
  readonly time: string;
  readonly reads: ReadSet;
}

/** What one evaluation decided. */
export interface SessionRun {
  /** The rules decided by this run (all selected ones for a full run). */
  readonly outcomes: ReadonlyMap<string, RuleOutcome>;
  readonly durationMs: number;
  /** CPU time of the process (all threads) while it ran. */
  readonly cpuMs: number;
}

export class WatchSession {
  private readonly results = new Map<string, RuleResult>();
  private readonly index = new ReadIndex<string>();
  private readonly services: ScanServices;
  private running: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly prepared: PreparedChecklist,
    readonly target: Target,
    private readonly opts: WatchSessionOptions,
  ) {
    this.services = openScanServices(target);
  }

  /** Opens the content and resolves the profile (throws a ContentError as `xccdf eval` would); evaluates nothing yet. */
  static open(file: string, opts: WatchSessionOptions = {}): WatchSession {
    const prepared = prepareChecklist(file, { ...opts, evaluationOnly: true });
    const target = opts.target ?? targetFor(opts);
    return new WatchSession(file, prepared, target, opts);
  }

  /** The profile evaluated (`(default)` without one). */
  get profileId(): string {
    return this.prepared.resolved.profile?.id ?? '(default)';
  }

  get benchmarkId(): string {
    return this.prepared.checklist.benchmark.id;
  }

  /** The current result of every rule decided so far. */
  current(): ReadonlyMap<string, RuleOutcome> {
    const out = new Map<string, RuleOutcome>();
    for (const [id, r] of this.results) out.set(id, this.outcome(r));
    return out;
  }

  /** The default XCCDF score over the current results. */
  score(): number {
    return score(this.prepared.checklist.benchmark, [...this.results.values()], SCORING_DEFAULT)?.score ?? 0;
  }

  /** The union of every rule's read set: what the event sources must watch. */
  reads(): ReadSet {
    return unionReads([...this.index.keys()].map((k) => this.index.get(k) ?? EMPTY_READS));
  }

  /** The read set of one rule. */
  readsOf(rule: string): ReadSet | undefined {
    return this.index.get(rule);
  }

  /** The rules a change may have changed, each with the paths (or `kind:key` inputs) that touched it. */
  affected(change: ReadChange, opts: AffectedOptions = {}): Map<string, Set<string>> {
    return this.index.affected(change, opts);
  }

  /** Rule ids decided so far. */
  rules(): string[] {
    return [...this.results.keys()];
  }

  /**
   * Evaluates the given rules again (all selected rules when `rules` is
   * undefined), on a fresh look at the target. Runs one at a time: a call
   * made while another runs waits for it.
   *
   * With `since`, the change that led here: the objects collected before
   * whose reads it does not touch (by the same rule as `affected`) are kept
   * rather than collected again; everything else, and the probe services'
   * caches, start afresh. A full evaluation always starts afresh.
   */
  evaluate(rules?: Iterable<string>, signal?: AbortSignal, since?: { readonly change: ReadChange; readonly opts?: AffectedOptions }): Promise<SessionRun> {
    const only = rules === undefined ? undefined : new Set(rules);
    const next = this.running.then(
      () => this.run(only, signal, since),
      () => this.run(only, signal, since),
    );
    this.running = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.running;
    await this.services.close();
  }

  private async run(rules: ReadonlySet<string> | undefined, signal: AbortSignal | undefined, since: { readonly change: ReadChange; readonly opts?: AffectedOptions } | undefined): Promise<SessionRun> {
    if (this.closed) throw new Error('the watch session is closed');
    const t0 = performance.now();
    const c0 = cpuUsage();
    const outcomes = new Map<string, RuleOutcome>();
    if (rules !== undefined && rules.size === 0) return { outcomes, durationMs: 0, cpuMs: 0 };
    if (rules !== undefined && since !== undefined) {
      await this.services.share.retain((collections) => new Set(new ReadIndex(collections).affected(since.change, since.opts ?? {}).keys()));
    } else await this.services.reset();
    const { checklist, resolved } = this.prepared;
    const { checks, applicability } = checkEngines(checklist, this.target, this.services.share, { reads: true, ...(signal ? { signal } : {}) });
    const only = rules ?? (this.opts.rules ? new Set(this.opts.rules) : undefined);
    const evaluation = await evaluateBenchmark(checklist.benchmark, {
      profile: resolved,
      engines: [checks],
      applicability,
      reads: true,
      ...(only ? { rules: only } : {}),
      ...(this.opts.skipRules ? { skipRules: new Set(this.opts.skipRules) } : {}),
      ...(signal ? { signal } : {}),
    });
    if (rules === undefined) {
      this.results.clear();
      for (const k of [...this.index.keys()]) this.index.delete(k);
    }
    for (const r of evaluation.ruleResults) {
      if (r.result === 'notselected') continue;
      this.results.set(r.ruleId, r);
      this.index.set(r.ruleId, r.reads ?? EMPTY_READS);
      outcomes.set(r.ruleId, this.outcome(r));
    }
    const c = cpuUsage(c0);
    return { outcomes, durationMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
  }

  private outcome(r: RuleResult): RuleOutcome {
    return { rule: r.ruleId, result: r.result, severity: r.severity, time: r.time, reads: r.reads ?? EMPTY_READS };
  }
}

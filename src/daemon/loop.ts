/**
 * The closed loop of `vigil watch` (issue 16, section 6): when a
 * re-evaluation makes an opted-in rule drift to fail, ask the policy
 * (./loop-policy.ts) whether to act, and if so run the safe remediation
 * pipeline (src/apply: rehearse, guards, checkpoint, apply, verify, roll
 * back) for that one rule on the watched root. One attempt at a time, each
 * with a timeout; the outcome feeds the breaker and the flap detector.
 * Every attempt and every decision not to act is a `remediation` event
 * (history, API, SSE, webhook as configured) and a metric.
 *
 * A rule that was not acted on stays wanted while it fails: it is decided
 * again when the reason may have gone (the bucket refilled, the breaker
 * half-opened, the hold ended, a policy window opened or closed). A
 * skipped event is written on every drift, and on a re-check only when the
 * reason changed, so a long freeze is one event per drift, not a stream.
 *
 * The daemon survives any attempt: an exception from the pipeline is a
 * `failed` attempt. The loop itself is broken (and /readyz says so) only
 * when its state directory cannot be written (no checkpoint could be made),
 * when the journal there shows an apply interrupted by a crash (until
 * `vigil remediate --recover` finishes it), or when its own code threw.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { remediate, type RemediateReport } from '../apply/remediate.js';
import { Journal, type StepHook } from '../apply/journal.js';
import type { SandboxMode } from '../apply/sandbox.js';
import type { BreakerState, LoopPolicy, NotifyLevel, RemediationConfig } from './loop-policy.js';
import type { DriftEvent, Logger, PolicyState, RemediationEvent, StoredEvent } from './types.js';

/** What one attempt ended with. `fixed`: the rule is fixed and verified on the target. */
export interface AttemptReport {
  readonly outcome: 'applied' | 'rolled-back' | 'refused' | 'failed';
  readonly fixed: boolean;
  readonly message: string;
  readonly checkpoint?: string;
  readonly rechecked?: number;
}

/** Remediates one rule on the watched target; throws or reports `failed` when the pipeline breaks. */
export type Remediator = (rule: string, signal: AbortSignal) => Promise<AttemptReport>;

/** The loop's state for the metrics, read at scrape time. */
export interface LoopSnapshot {
  readonly ok: boolean;
  readonly tokens: number;
  readonly rules: ReadonlyArray<{ readonly rule: string; readonly breaker: BreakerState; readonly flapping: boolean }>;
}

export interface LoopMetrics {
  remediation?(outcome: RemediationEvent['outcome'], skip?: RemediationEvent['skip']): void;
  remediationSource?(source: () => LoopSnapshot): void;
}

export interface RemediationLoopOptions {
  readonly policy: LoopPolicy;
  readonly run: Remediator;
  /** Stores and publishes the loop's events. */
  readonly publish: (events: RemediationEvent[]) => void;
  /** The daemon's current result of a rule. */
  readonly result: (rule: string) => string | undefined;
  readonly policyNow: () => PolicyState | undefined;
  /** Checked before each attempt: throws when checkpoints cannot be written there. */
  readonly stateDir?: string;
  readonly log: Logger;
  readonly metrics?: LoopMetrics;
  readonly clock: () => Date;
}

interface Wanted {
  readonly severity: string;
  /** Decided because it drifted (a skip is always written), not on a re-check. */
  readonly drift: boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Whether a remediation event goes to the webhook at this level. */
export function notifiable(level: NotifyLevel, e: RemediationEvent): boolean {
  if (level === 'all') return true;
  if (level === 'none') return false;
  return e.alert === true || e.outcome === 'rolled-back' || e.outcome === 'refused' || e.outcome === 'failed' || (e.outcome === 'applied' && e.breaker !== 'closed');
}

export class RemediationLoop {
  /** Rules to decide, in order of arrival. */
  private readonly queue = new Map<string, Wanted>();
  /** Failing rules not acted on, with the reason of the last skip. */
  private readonly waiting = new Map<string, { severity: string; reason: string; retryAt?: number }>();
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failure: string | undefined;
  /** The failure is the state directory's (it may be repaired meanwhile), not the loop's own code. */
  private dirFailed = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private attempts = 0;
  /** Rules fixed here, with when, until an evaluation begun after it decides them. */
  private readonly fixedAt = new Map<string, number>();

  constructor(private readonly opts: RemediationLoopOptions) {
    opts.metrics?.remediationSource?.(() => ({ ok: this.failure === undefined, tokens: opts.policy.available(), rules: opts.policy.rules() }));
  }

  get config(): RemediationConfig {
    return this.opts.policy.config;
  }

  /** Why the loop itself does not work, or undefined while it does (a state directory problem is looked at again each time). */
  broken(): string | undefined {
    if (this.failure !== undefined && this.dirFailed) {
      this.failure = this.stateDirProblem();
      if (this.failure === undefined) this.dirFailed = false;
    }
    return this.failure;
  }

  /** Attempts started since the start. */
  get started(): number {
    return this.attempts;
  }

  /**
   * A re-evaluation that began at `began` (ms): its drift events, and every
   * rule it decided. Opted-in rules that drifted to fail are decided; rules
   * that pass again are no longer wanted. A rule fixed here that this
   * evaluation (begun after the fix) finds failing without a drift event
   * was broken again before the daemon saw the fix: that is a drift too.
   */
  evaluated(outcomes: Iterable<{ readonly rule: string; readonly result: string; readonly severity: string }>, drifts: readonly DriftEvent[], began: number): void {
    if (this.stopped) return;
    const drifted = new Map<string, string>();
    for (const e of drifts) {
      if (e.to === 'fail') drifted.set(e.rule, e.severity);
      else this.waiting.delete(e.rule);
    }
    if (this.fixedAt.size > 0) {
      for (const o of outcomes) {
        const at = this.fixedAt.get(o.rule);
        if (at === undefined || began < at) continue;
        this.fixedAt.delete(o.rule);
        if (o.result === 'fail') drifted.set(o.rule, o.severity);
      }
    }
    for (const [rule, severity] of drifted) {
      this.fixedAt.delete(rule);
      if (!this.opts.policy.optedIn(rule, severity)) continue;
      this.opts.policy.drifted(rule);
      this.queue.set(rule, { severity, drift: true });
    }
    this.kick();
  }

  /** Drift events alone (an evaluation that decided nothing else). */
  drifted(events: readonly DriftEvent[]): void {
    this.evaluated([], events, -Infinity);
  }

  /** Decides the wanted rules again (a policy window opened or closed, a retry time came). */
  recheck(): void {
    if (this.stopped) return;
    for (const [rule, w] of this.waiting) if (!this.queue.has(rule)) this.queue.set(rule, { severity: w.severity, drift: false });
    this.kick();
  }

  /** Resolves once nothing is queued or running. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Aborts the attempt under way (it stops before its checkpoint, or rolls back) and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort(new Error('vigil watch is stopping'));
    await this.running?.catch(() => undefined);
  }

  private kick(): void {
    if (this.running || this.queue.size === 0 || this.stopped) return;
    this.running = this.work()
      .catch((e: unknown) => {
        this.failure = `the remediation loop failed: ${e instanceof Error ? e.message : String(e)}`;
        this.opts.log.error('the remediation loop failed', { error: this.failure });
      })
      .finally(() => {
        this.running = undefined;
        this.kick();
      });
  }

  private async work(): Promise<void> {
    while (this.queue.size > 0 && !this.stopped) {
      const [rule, w] = this.queue.entries().next().value as [string, Wanted];
      this.queue.delete(rule);
      if (this.opts.result(rule) !== 'fail') {
        this.waiting.delete(rule);
        continue;
      }
      const d = this.opts.policy.decide(rule, this.opts.policyNow());
      if (!d.act) {
        const before = this.waiting.get(rule);
        this.waiting.set(rule, { severity: w.severity, reason: d.reason, ...(d.retryAt !== undefined ? { retryAt: d.retryAt } : {}) });
        if (w.drift || before?.reason !== d.reason || d.alert) {
          this.emit({ rule, severity: w.severity, outcome: 'skipped', skip: d.reason, message: d.message, breaker: d.breaker, ...(d.alert ? { alert: true } : {}) });
        }
        continue;
      }
      this.waiting.delete(rule);
      await this.attempt(rule, w.severity);
    }
    this.arm();
  }

  private async attempt(rule: string, severity: string): Promise<void> {
    this.attempts++;
    const started = performance.now();
    let report: AttemptReport;
    const checkDir = this.stateDirProblem();
    if (checkDir) {
      // no checkpoint can be made: the loop is broken, the attempt not made (and not the rule's failure: the breaker is left as it was)
      this.failure = checkDir;
      this.dirFailed = true;
      this.opts.policy.abandon(rule);
      this.emit({ rule, severity, outcome: 'failed', message: checkDir, breaker: this.opts.policy.breaker(rule) });
      this.waiting.set(rule, { severity, reason: 'failed' });
      return;
    } else {
      if (this.dirFailed) this.failure = undefined;
      this.dirFailed = false;
      const timeoutMs = this.config.timeoutMs;
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeoutMs)]);
      try {
        report = await this.opts.run(rule, signal);
        if (signal.aborted && !this.abort.signal.aborted) report = { ...report, message: `timed out after ${timeoutMs / 1000} s: ${report.message}` };
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        const timedOut = signal.aborted && !this.abort.signal.aborted;
        report = { outcome: 'failed', fixed: false, message: timedOut ? `timed out after ${timeoutMs / 1000} s: ${why}` : `the remediation failed: ${why}` };
      }
    }
    const { breaker, opened } = this.opts.policy.outcome(rule, report.fixed);
    if (report.fixed) this.fixedAt.set(rule, this.opts.clock().getTime());
    this.emit({
      rule,
      severity,
      outcome: report.outcome,
      message: opened ? `${report.message}; the circuit breaker opened` : report.message,
      breaker,
      ...(opened ? { alert: true } : {}),
      ...(report.checkpoint !== undefined ? { checkpoint: report.checkpoint } : {}),
      ...(report.rechecked !== undefined ? { rechecked: report.rechecked } : {}),
      durationMs: Math.round(performance.now() - started),
    });
    if (!report.fixed) this.waiting.set(rule, { severity, reason: report.outcome, ...(breaker === 'open' ? { retryAt: this.opts.clock().getTime() + this.config.breaker.cooldownMs } : {}) });
  }

  private stateDirProblem(): string | undefined {
    const dir = this.opts.stateDir;
    if (dir === undefined) return undefined;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      accessSync(dir, constants.W_OK);
    } catch (e) {
      return `the state directory ${dir} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): no checkpoint can be made`;
    }
    try {
      const stuck = Journal.list(dir).find((j) => j.phase() === 'applying' || j.phase() === 'rolling-back');
      if (stuck) return `checkpoint ${stuck.id} was interrupted while ${stuck.phase()}: nothing more is applied until \`vigil remediate --recover --state-dir ${dir}\` finishes it`;
    } catch (e) {
      return `the journal in ${dir} cannot be read: ${e instanceof Error ? e.message : String(e)}`;
    }
    return undefined;
  }

  private emit(e: Omit<RemediationEvent, 'type' | 'time'>): void {
    const event: RemediationEvent = { type: 'remediation', time: this.opts.clock().toISOString(), ...e };
    this.opts.metrics?.remediation?.(event.outcome, event.skip);
    this.opts.publish([event]);
  }

  /** One timer, at the earliest moment a waiting rule may be decided otherwise. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let next = Infinity;
    for (const w of this.waiting.values()) if (w.retryAt !== undefined) next = Math.min(next, w.retryAt);
    if (next === Infinity || this.stopped) return;
    const ms = Math.min(MAX_TIMER_MS, Math.max(10, next - this.opts.clock().getTime()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const w of this.waiting.values()) if (w.retryAt !== undefined && w.retryAt <= this.opts.clock().getTime()) delete (w as { retryAt?: number }).retryAt;
      this.recheck();
    }, ms);
    this.timer.unref();
  }
}

export interface PipelineOptions {
  readonly content: string;
  readonly profile?: string;
  readonly tailoringFile?: string;
  /** The watched root (`/` for this host). */
  readonly root: string;
  readonly stateDir: string;
  readonly config: RemediationConfig;
  /** Fault injection between the apply's steps (tests). */
  readonly step?: StepHook;
  readonly sandboxMode?: SandboxMode;
}

/** A glob that matches exactly this rule id. */
const literal = (id: string): string => id.replace(/[*?[]/g, (c) => `[${c}]`);

/** The Remediator of `vigil watch`: the src/apply pipeline, for one rule. */
export function pipelineRemediator(o: PipelineOptions): Remediator {
  return async (rule, signal) => {
    const r = await remediate({
      content: o.content,
      ...(o.profile !== undefined ? { profile: o.profile } : {}),
      ...(o.tailoringFile !== undefined ? { tailoringFile: o.tailoringFile } : {}),
      root: o.root,
      fixType: o.config.fixType,
      filter: { rule: [literal(rule)] },
      yes: o.config.consent,
      stateDir: o.stateDir,
      operator: { user: o.config.operator },
      fixTimeoutMs: o.config.timeoutMs,
      signal,
      ...(o.step ? { step: o.step } : {}),
      ...(o.sandboxMode ? { sandboxMode: o.sandboxMode } : {}),
    });
    return attemptOf(rule, r);
  };
}

/** The pipeline's report, as the loop sees it. */
export function attemptOf(rule: string, r: RemediateReport): AttemptReport {
  const where = { ...(r.checkpoint !== undefined ? { checkpoint: r.checkpoint } : {}), ...(r.verify ? { rechecked: r.verify.rechecked } : {}) };
  switch (r.outcome) {
    case 'applied': {
      const fixed = r.verify?.fixed.includes(rule) === true;
      const rechecked = r.verify ? `, ${r.verify.rechecked} of ${r.verify.total} rules re-checked` : '';
      return { outcome: 'applied', fixed, message: fixed ? `fixed and verified${rechecked}` : `applied, but the rule still fails on the target${rechecked}`, ...where };
    }
    case 'rolled-back':
      return { outcome: 'rolled-back', fixed: false, message: r.reason ?? 'rolled back', ...where };
    case 'refused':
      return { outcome: 'refused', fixed: false, message: r.reason ?? 'refused', ...where };
    case 'nothing-to-do':
      return { outcome: 'refused', fixed: false, message: `nothing to do: the content has no ${r.fixType} fix for the rule, or it passed by the time of the scan`, ...where };
    case 'rehearsed':
      return { outcome: 'failed', fixed: false, message: 'only rehearsed', ...where };
  }
}

/** Whether `e` (any event) goes to the webhook, with the loop's notify level for remediation events. */
export function notifies(e: StoredEvent, level: NotifyLevel | undefined): boolean {
  if (e.type === 'ready') return false;
  if (e.type !== 'remediation') return true;
  return notifiable(level ?? 'problems', e);
}

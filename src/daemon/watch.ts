/**
 * `vigil watch`: the daemon loop. It evaluates the whole profile once,
 * compares with the state stored before (a restart reports only what
 * changed while it was down), stores, says it is ready, and from then on
 * re-evaluates only the rules whose read sets a change touches
 * (app/watch-session.ts), one evaluation at a time; changes that arrive
 * while one runs are merged into the next. Each rule whose result changes
 * gives one drift event, stored with the new state in one transaction,
 * then printed, published to the API's subscribers and notified.
 *
 * The parts (event sources, store, notifier, metrics, policy) come in as
 * interfaces (daemon/types.ts), so that tests can hand in their own and the
 * command (cli) wires the real ones (daemon/run.ts).
 */
import type { RuleOutcome, SessionRun, WatchSession } from '../app/watch-session.js';
import type { InputRead } from '../target/reads.js';
import type { LoopPolicy } from './loop-policy.js';
import { notifies, RemediationLoop, type LoopMetrics, type Remediator } from './loop.js';
import {
  StoreError,
  type ChangeBatch,
  type DriftEvent,
  type EventSources,
  type Logger,
  type Notifier,
  type PolicyState,
  type Retention,
  type RuleState,
  type SourceStatus,
  type StoredEvent,
  type SweepSummary,
  type WatchEvent,
  type WatchScope,
  type WatchStore,
  type WatchView,
} from './types.js';

/** What the daemon tells its metrics (daemon/metrics.ts implements it). */
export interface DaemonMetrics extends LoopMetrics {
  setResults(results: ReadonlyMap<string, string>, score: number): void;
  drift(to: string): void;
  evaluation(kind: 'full' | 'partial', seconds: number): void;
  sources(status: SourceStatus): void;
  fullSweep(at: Date): void;
  evaluatedAt(at: Date): void;
  store(ok: boolean): void;
  text(): Promise<string>;
}

/** The time windows of the config (daemon/config.ts), as the daemon uses them. */
export interface PolicyClock {
  at(d: Date): PolicyState;
  /** The next moment the policy may change, or undefined when it never does. */
  next(d: Date): Date | undefined;
}

export interface WatchDaemonOptions {
  /** Opens an evaluation session for the profile and tailoring in force (the policy's, when a window switches them). */
  readonly open: (policy: PolicyState | undefined) => WatchSession;
  /** The store's key for a session: content, profile, tailoring, target. */
  readonly scopeOf: (session: WatchSession, policy: PolicyState | undefined) => WatchScope;
  /**
   * Opens the state store; called at start, and again while it fails
   * (read-only or full disk), every `storeRetryMs`. Until it works, state
   * and events are kept in memory.
   */
  readonly openStore: () => WatchStore;
  /** Builds the event sources; they call `onChange` with debounced batches. */
  readonly sources: (onChange: (batch: ChangeBatch) => void) => EventSources;
  readonly log: Logger;
  /** Called with every event once stored (stdout). */
  readonly emit?: (e: StoredEvent) => void;
  readonly notifier?: Notifier;
  readonly metrics?: DaemonMetrics;
  readonly policy?: PolicyClock;
  readonly retention?: Retention;
  /** Periodic attestations ("still compliant"), ms; none when absent. */
  readonly attestEveryMs?: number;
  /** How often a failed store is tried again, ms (default 30 s). */
  readonly storeRetryMs?: number;
  readonly clock?: () => Date;
  /** The closed loop (daemon/loop.ts): opted-in rules that drift to fail are remediated. Off when absent. */
  readonly remediation?: { readonly policy: LoopPolicy; readonly run: Remediator; readonly stateDir?: string };
}

const DEFAULT_RETENTION: Retention = { maxEvents: 100_000, maxAgeDays: 90 };
/** Events kept in memory for the API while the store fails. */
const MEMORY_EVENTS = 10_000;
/** Paths named per drift event, at most. */
const MAX_CAUSES = 32;

export function countResults(results: Iterable<{ readonly result: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.result] = (counts[r.result] ?? 0) + 1;
  return counts;
}

function mergeBatch(a: ChangeBatch | undefined, b: ChangeBatch): ChangeBatch {
  if (!a) return b;
  const inputs = new Map<string, InputRead>();
  for (const i of [...a.inputs, ...b.inputs]) inputs.set(`${i.kind}\0${i.key}`, i);
  const full = a.full ?? b.full;
  const walks = [...new Set([...(a.walks ?? []), ...(b.walks ?? [])])];
  return {
    ...(walks.length > 0 ? { walks } : {}),
    paths: [...new Set([...a.paths, ...b.paths])],
    dirs: [...new Set([...a.dirs, ...b.dirs])],
    inputs: [...inputs.values()],
    ...(full !== undefined ? { full } : {}),
  };
}

export class WatchDaemon implements WatchView {
  private session: WatchSession | undefined;
  private policyNow: PolicyState | undefined;
  private scope: WatchScope | undefined;
  private sources: EventSources | undefined;
  private store: WatchStore | undefined;
  private storeFailure: string | undefined;
  /** Events not yet in the disk store while it fails, in id order. */
  private unsaved: StoredEvent[] = [];
  /** Recent events, for the API when the store cannot answer. */
  private recent: StoredEvent[] = [];
  private lastId = 0;
  private ready = false;
  /** A new session is being opened (a policy window switched the profile): changes wait. */
  private switching = false;
  private updating: Promise<void> = Promise.resolve();
  private startError: string | undefined;
  private evaluatedAt: Date | undefined;
  private pending: ChangeBatch | undefined;
  private draining: Promise<void> | undefined;
  private readonly listeners = new Set<(e: StoredEvent) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly clock: () => Date;
  private readonly loop: RemediationLoop | undefined;

  constructor(private readonly opts: WatchDaemonOptions) {
    this.clock = opts.clock ?? (() => new Date());
    const r = opts.remediation;
    this.loop = r
      ? new RemediationLoop({
          policy: r.policy,
          run: r.run,
          publish: (events) => this.publish(events),
          result: (rule) => this.session?.current().get(rule)?.result,
          policyNow: () => this.policyNow,
          ...(r.stateDir !== undefined ? { stateDir: r.stateDir } : {}),
          log: opts.log,
          ...(opts.metrics ? { metrics: opts.metrics } : {}),
          clock: this.clock,
        })
      : undefined;
  }

  // ------------------------------------------------------------ lifecycle

  /** The first full evaluation; resolves once the daemon is ready (the `ready` event is out). */
  async start(): Promise<void> {
    this.policyNow = this.opts.policy?.at(this.clock());
    // the sources exist before the first evaluation reads anything, so that a change made
    // between a read and the placing of its watch is still reported (sources.ts)
    this.sources = this.opts.sources((b) => this.onChange(b));
    try {
      this.store = this.guard(() => this.opts.openStore());
      this.lastId = this.guard(() => this.store?.lastEventId() ?? 0) ?? 0;
      await this.openSession('start');
    } catch (e) {
      this.startError = e instanceof Error ? e.message : String(e);
      throw e;
    }
    await this.sources.update(this.session!.reads());
    this.opts.metrics?.sources(this.sources.status());
    this.ready = true;
    this.kick();
    this.schedulePolicy();
    if (this.opts.attestEveryMs) this.every(this.opts.attestEveryMs, () => this.attest());
    this.every(24 * 3600_000, () => this.prune());
    this.prune();
  }

  /** Stops the sources and timers, waits for the evaluation under way, flushes notifications, closes the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.abort.abort(new Error('vigil watch is stopping'));
    await this.sources?.close();
    await this.loop?.stop();
    await this.draining?.catch(() => undefined);
    await this.opts.notifier?.close(5000);
    await this.session?.close();
    try {
      this.store?.close();
    } catch {
      // closing is best effort: every commit is already durable or reported
    }
  }

  /** Applies a batch of changes: called by the event sources, and by tests. */
  onChange(batch: ChangeBatch): void {
    if (this.stopped) return;
    this.pending = mergeBatch(this.pending, batch);
    this.kick();
  }

  /** Starts working through the pending changes, unless a full evaluation (start, a policy switch) is under way. */
  private kick(): void {
    if (this.stopped || !this.ready || this.switching || this.draining || !this.pending) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      this.kick();
    });
  }

  /** Resolves once every change handed in so far is evaluated. */
  async settled(): Promise<void> {
    while (this.draining) await this.draining;
    await this.updating;
  }

  /** Resolves once the changes so far are evaluated and the remediations they started are done. */
  async loopSettled(): Promise<void> {
    do {
      await this.settled();
      await this.loop?.settled();
    } while (this.draining);
  }

  /** The closed loop, when configured (tests, the metrics). */
  remediationLoop(): RemediationLoop | undefined {
    return this.loop;
  }

  // ------------------------------------------------------------ WatchView

  readiness(): { ok: boolean; reason?: string } {
    if (this.startError) return { ok: false, reason: `the first evaluation failed: ${this.startError}` };
    if (!this.ready) return { ok: false, reason: 'the first full evaluation is under way' };
    const src = this.sources?.status();
    if (src && !src.ok) return { ok: false, reason: `event sources: ${src.reason ?? 'not working'}` };
    if (this.storeFailure) return { ok: false, reason: `state store: ${this.storeFailure} (evaluating on, state kept in memory)` };
    const loop = this.loop?.broken();
    if (loop) return { ok: false, reason: `remediation: ${loop}` };
    return { ok: true };
  }

  state(): { rules: Record<string, string>; score: number; evaluated_at: string | null } {
    const rules: Record<string, string> = {};
    for (const [id, o] of this.session?.current() ?? []) rules[id] = o.result;
    return { rules, score: this.session?.score() ?? 0, evaluated_at: this.evaluatedAt?.toISOString() ?? null };
  }

  events(since: number, limit: number): StoredEvent[] {
    if (!this.storeFailure) {
      const got = this.guard(() => this.store?.events(since, limit));
      if (got) return got;
    }
    return this.recent.filter((e) => e.id > since).slice(0, limit);
  }

  subscribe(listener: (e: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  metrics(): Promise<string> {
    if (this.sources) this.opts.metrics?.sources(this.sources.status());
    return this.opts.metrics?.text() ?? Promise.resolve('');
  }

  /** The policy in force now. */
  policy(): PolicyState | undefined {
    return this.policyNow;
  }

  /** Event sources' status (for tests and the metrics). */
  sourceStatus(): SourceStatus | undefined {
    return this.sources?.status();
  }

  // ------------------------------------------------------------ evaluation

  private async openSession(reason: string): Promise<void> {
    const old = this.session;
    this.session = this.opts.open(this.policyNow);
    await old?.close();
    this.scope = this.opts.scopeOf(this.session, this.policyNow);
    const stored = this.guard(() => this.store?.load(this.scope!));
    const began = this.clock().getTime();
    const run = await this.session.evaluate(undefined, this.abort.signal);
    const events: WatchEvent[] = [];
    const time = this.clock().toISOString();
    if (stored) {
      for (const o of run.outcomes.values()) {
        const before = stored.get(o.rule)?.result ?? null;
        if (before !== o.result) events.push(this.drift(o, before, [], time));
      }
    }
    const counts = countResults(run.outcomes.values());
    const score = this.session.score();
    if (reason === 'start') events.push({ type: 'ready', time, rules: run.outcomes.size, score, counts, durationMs: Math.round(run.durationMs) });
    else events.push({ type: 'rescan', time, reason, rules: run.outcomes.size });
    this.finish(run, 'full', events, began);
    this.sweep({ time, reason, durationMs: Math.round(run.durationMs), score, counts });
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.stopped) {
      const batch = this.pending;
      this.pending = undefined;
      try {
        await this.apply(batch);
      } catch (e) {
        if (this.stopped) return;
        this.opts.log.error('evaluation failed; the next change or sweep tries again', { error: e instanceof Error ? e.message : String(e) });
        this.publish([{ type: 'status', time: this.clock().toISOString(), ok: false, reason: `evaluation failed: ${e instanceof Error ? e.message : String(e)}` }]);
      }
    }
  }

  private async apply(batch: ChangeBatch): Promise<void> {
    const session = this.session!;
    if (batch.full !== undefined) {
      const before = session.current();
      const began = this.clock().getTime();
      const run = await session.evaluate(undefined, this.abort.signal);
      const time = this.clock().toISOString();
      const events: WatchEvent[] = [{ type: 'rescan', time, reason: batch.full, rules: run.outcomes.size }];
      for (const o of run.outcomes.values()) {
        const was = before.get(o.rule)?.result ?? null;
        if (was !== o.result) events.push(this.drift(o, was, [], time));
      }
      this.finish(run, 'full', events, began);
      this.sweep({ time, reason: batch.full, durationMs: Math.round(run.durationMs), score: session.score(), counts: countResults(run.outcomes.values()) });
      return;
    }
    const opts = this.sources ? { scheduledWalks: this.sources.scheduledWalks() } : {};
    const affected = session.affected(batch, opts);
    if (affected.size === 0) return;
    const before = session.current();
    const began = this.clock().getTime();
    const run = await session.evaluate(affected.keys(), this.abort.signal, { change: batch, opts });
    const time = this.clock().toISOString();
    const events: WatchEvent[] = [];
    for (const o of run.outcomes.values()) {
      const was = before.get(o.rule)?.result ?? null;
      if (was !== o.result) events.push(this.drift(o, was, [...(affected.get(o.rule) ?? [])].sort().slice(0, MAX_CAUSES), time));
    }
    this.finish(run, 'partial', events, began);
  }

  /** Stores the run's states and events, publishes them, and points the sources at what is read now. */
  private finish(run: SessionRun, kind: 'full' | 'partial', events: WatchEvent[], began: number): void {
    const session = this.session!;
    this.evaluatedAt = this.clock();
    const states: RuleState[] = [...run.outcomes.values()].map((o) => ({ rule: o.rule, result: o.result, severity: o.severity, time: o.time }));
    this.commit(states, events);
    const m = this.opts.metrics;
    if (m) {
      m.evaluation(kind, run.durationMs / 1000);
      m.evaluatedAt(this.evaluatedAt);
      if (kind === 'full') m.fullSweep(this.evaluatedAt);
      const results = new Map<string, string>();
      for (const [id, o] of session.current()) results.set(id, o.result);
      m.setResults(results, session.score());
    }
    // the closed loop acts on the drifts once they are stored and published
    this.loop?.evaluated(run.outcomes.values(), events.filter((e): e is DriftEvent => e.type === 'drift'), began);
    if (this.sources && this.ready) {
      // one update at a time, in order: the last one leaves the watches on the last read sets
      const sources = this.sources;
      const reads = session.reads();
      this.updating = this.updating
        .then(() => sources.update(reads))
        .then(
          () => this.opts.metrics?.sources(sources.status()),
          (e: unknown) => this.opts.log.error('could not update the watches', { error: e instanceof Error ? e.message : String(e) }),
        );
    }
  }

  private drift(o: RuleOutcome, from: string | null, paths: string[], time: string): DriftEvent {
    return { type: 'drift', time, rule: o.rule, from, to: o.result, severity: o.severity, paths };
  }

  // ------------------------------------------------------------ store

  /** Runs a store call; a StoreError switches the daemon to memory (and says so), undefined then. */
  private guard<T>(call: () => T): T | undefined {
    try {
      return call();
    } catch (e) {
      this.storeFailed(e);
      return undefined;
    }
  }

  private storeFailed(e: unknown): void {
    const reason = e instanceof StoreError ? e.message : `unexpected store failure: ${e instanceof Error ? e.message : String(e)}`;
    if (this.storeFailure === undefined) {
      this.storeFailure = reason;
      this.opts.log.error('the state store failed; state and events are kept in memory until it works again', { error: reason });
      this.opts.metrics?.store(false);
      this.every(this.opts.storeRetryMs ?? 30_000, () => this.retryStore());
    }
  }

  /** Commits states and events: to the store, or in memory while it fails. Publishes the events either way. */
  private commit(states: readonly RuleState[], events: readonly WatchEvent[]): void {
    let stored: StoredEvent[] | undefined;
    if (!this.storeFailure) stored = this.guard(() => this.store?.commit(this.scope!, states, events));
    if (!stored) {
      stored = events.map((e) => ({ ...e, id: ++this.lastId }) as StoredEvent);
      this.unsaved.push(...stored);
      if (this.unsaved.length > MEMORY_EVENTS) this.unsaved.splice(0, this.unsaved.length - MEMORY_EVENTS);
    } else if (stored.length > 0) this.lastId = stored[stored.length - 1]!.id;
    this.publishStored(stored);
  }

  /** Stores and publishes events that carry no state (attestations, status). */
  private publish(events: readonly WatchEvent[]): void {
    if (this.scope) this.commit([], events);
  }

  private publishStored(events: readonly StoredEvent[]): void {
    for (const e of events) {
      this.recent.push(e);
      if (e.type === 'drift') this.opts.metrics?.drift(e.to);
      this.opts.emit?.(e);
      for (const l of this.listeners) {
        try {
          l(e);
        } catch (err) {
          this.opts.log.warn('an event subscriber failed', { error: err instanceof Error ? err.message : String(err) });
        }
      }
      if (!this.policyNow?.mute && notifies(e, this.loop?.config.notify)) this.opts.notifier?.send(e);
    }
    if (this.recent.length > MEMORY_EVENTS) this.recent.splice(0, this.recent.length - MEMORY_EVENTS);
  }

  private sweep(summary: SweepSummary): void {
    if (!this.storeFailure) this.guard(() => this.store?.recordSweep(this.scope!, summary));
  }

  /** Writes what was kept in memory to the store once it works again. Returns false to keep retrying. */
  private retryStore(): boolean {
    if (!this.storeFailure || !this.session || !this.scope) return true;
    try {
      if (!this.store) this.store = this.opts.openStore();
      const states: RuleState[] = [...this.session.current().values()].map((o) => ({ rule: o.rule, result: o.result, severity: o.severity, time: o.time }));
      const events = this.unsaved.map(({ id: _id, ...e }) => e as WatchEvent);
      const stored = this.store.commit(this.scope, states, events);
      this.lastId = Math.max(this.lastId, stored.at(-1)?.id ?? 0);
      const drift = stored.findIndex((s, i) => s.id !== this.unsaved[i]!.id);
      if (drift >= 0) this.opts.log.warn('event ids given while the store failed differ from the stored ones', { from: this.unsaved[drift]!.id, stored: stored[drift]!.id });
      this.unsaved = [];
      this.storeFailure = undefined;
      this.opts.metrics?.store(true);
      this.opts.log.info('the state store works again; what was kept in memory is stored');
      return true;
    } catch (e) {
      this.storeFailure = e instanceof Error ? e.message : String(e);
      if (this.store) {
        // a store that failed is opened afresh next time (the disk may have been remounted)
        try {
          this.store.close();
        } catch {
          // already broken
        }
        this.store = undefined;
      }
      return false;
    }
  }

  private prune(): boolean {
    if (this.storeFailure) return false;
    const dropped = this.guard(() => this.store?.prune(this.opts.retention ?? DEFAULT_RETENTION, this.clock()));
    if (dropped) this.opts.log.info('old events dropped by the retention', { dropped });
    return false;
  }

  // ------------------------------------------------------------ timers

  /** Calls `f` every `ms` (monotonic: setTimeout chains) until it returns true or the daemon stops. */
  private every(ms: number, f: () => boolean | void): void {
    const arm = (): void => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (this.stopped) return;
        if (f() !== true) arm();
      }, ms);
      t.unref();
      this.timers.add(t);
    };
    arm();
  }

  private attest(): void {
    if (!this.session || !this.ready) return;
    const current = this.session.current();
    this.publish([{ type: 'attestation', time: this.clock().toISOString(), score: this.session.score(), counts: countResults(current.values()), evaluatedAt: (this.evaluatedAt ?? this.clock()).toISOString() }]);
  }

  private schedulePolicy(): void {
    const policy = this.opts.policy;
    if (!policy) return;
    const next = policy.next(this.clock());
    if (!next) return;
    const ms = Math.max(1000, next.getTime() - this.clock().getTime());
    // long delays are re-armed in steps: setTimeout holds at most ~24.8 days
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        if (this.stopped) return;
        void this.policyChanged().finally(() => this.schedulePolicy());
      },
      Math.min(ms, 2 ** 31 - 1),
    );
    t.unref();
    this.timers.add(t);
  }

  private async policyChanged(): Promise<void> {
    const now = this.opts.policy!.at(this.clock());
    const before = this.policyNow;
    this.policyNow = now;
    const opened = now.windows.filter((w) => !before?.windows.includes(w));
    const closed = before?.windows.filter((w) => !now.windows.includes(w)) ?? [];
    if (opened.length === 0 && closed.length === 0) return;
    this.opts.log.info('policy windows changed', { opened, closed, mute: now.mute, freeze: now.freeze });
    this.loop?.recheck();
    if (now.profile !== before?.profile || now.tailoringFile !== before?.tailoringFile) {
      this.switching = true;
      const reason = `policy: ${[...opened.map((w) => `${w} opened`), ...closed.map((w) => `${w} closed`)].join(', ')}`;
      try {
        await this.settled();
        // changes from now on are evaluated by the new session, which evaluates everything first
        this.pending = undefined;
        await this.openSession(reason);
        await this.sources?.update(this.session!.reads());
      } catch (e) {
        this.opts.log.error('could not switch the profile for the policy window', { error: e instanceof Error ? e.message : String(e) });
      } finally {
        this.switching = false;
        this.kick();
      }
    }
  }
}

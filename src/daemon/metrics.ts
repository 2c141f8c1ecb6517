/**
 * The watch daemon's Prometheus metrics (prom-client), in a registry of its
 * own: nothing here touches prom-client's global registry, so two daemons in
 * one process (the tests) never share a series.
 *
 * Encoding of rule results: `vigil_watch_rule_result{rule,result}` has ONE
 * series per rule, valued 1, whose `result` label is the rule's current
 * result; when the result changes, the old series is removed and the new one
 * added (no 0-valued series for the other results, which would multiply the
 * series by nine). `vigil_watch_rules{result}` counts the rules per result,
 * with a series (possibly 0) for every XCCDF result name.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LoopSnapshot } from './loop.js';
import type { RemediationEvent, ResultName, SourceStatus } from './types.js';

export type EvaluationKind = 'full' | 'partial';

/** Every XCCDF 1.2 result name: `vigil_watch_rules` always has a series for each. */
const RESULT_NAMES: readonly ResultName[] = [
  'pass',
  'fail',
  'error',
  'unknown',
  'notapplicable',
  'notchecked',
  'notselected',
  'informational',
  'fixed',
];

/** Evaluation durations: a one-rule re-check takes about a millisecond, a full CIS sweep tens of seconds. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];

export interface WatchMetricsOptions {
  /**
   * Add a few cheap process metrics (`process_cpu_seconds_total`,
   * `process_resident_memory_bytes`, `process_start_time_seconds`,
   * `nodejs_heap_used_bytes`), computed at scrape time. prom-client's
   * collectDefaultMetrics is not used: its event-loop-lag monitor wakes the
   * process every 10 ms and its GC observer runs on every collection, which
   * an idle daemon must not pay. Default true.
   */
  readonly process?: boolean;
  /** The clock, for the staleness gauge (tests). */
  readonly now?: () => number;
}

export class WatchMetrics {
  readonly registry = new Registry();
  private readonly ruleResult: Gauge<'rule' | 'result'>;
  private readonly rules: Gauge<'result'>;
  private readonly score: Gauge;
  private readonly drifts: Counter<'to'>;
  private readonly evaluations: Counter<'kind'>;
  private readonly duration: Histogram<'kind'>;
  private readonly watches: Gauge;
  private readonly polled: Gauge;
  private readonly sourcesOk: Gauge;
  private readonly dropped: Counter;
  private readonly lastSweep: Gauge;
  private readonly storeOk: Gauge;
  private readonly current = new Map<string, ResultName>();
  private readonly remediations: Counter<'outcome' | 'skip'>;
  private loopSource: (() => LoopSnapshot) | undefined;
  private droppedSeen = 0;
  private lastEvaluation: number;
  private readonly now: () => number;

  constructor(opts: WatchMetricsOptions = {}) {
    const now = opts.now ?? Date.now;
    this.now = now;
    this.lastEvaluation = now();
    const registers = [this.registry];
    this.ruleResult = new Gauge({
      name: 'vigil_watch_rule_result',
      help: "1 for each rule's current result (one series per rule; the result is the label)",
      labelNames: ['rule', 'result'] as const,
      registers,
    });
    this.rules = new Gauge({
      name: 'vigil_watch_rules',
      help: 'Rules per current result',
      labelNames: ['result'] as const,
      registers,
    });
    this.score = new Gauge({ name: 'vigil_watch_score', help: 'XCCDF score of the current results', registers });
    this.drifts = new Counter({
      name: 'vigil_watch_drift_events_total',
      help: 'Drift events (a rule whose result changed), by the new result',
      labelNames: ['to'] as const,
      registers,
    });
    this.evaluations = new Counter({
      name: 'vigil_watch_evaluations_total',
      help: 'Evaluations: full (every rule) or partial (the rules above changed inputs)',
      labelNames: ['kind'] as const,
      registers,
    });
    this.duration = new Histogram({
      name: 'vigil_watch_evaluation_duration_seconds',
      help: 'Wall time of an evaluation',
      labelNames: ['kind'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.watches = new Gauge({ name: 'vigil_watch_watches', help: 'inotify watches in use', registers });
    this.polled = new Gauge({ name: 'vigil_watch_polled_paths', help: 'Inputs watched by polling', registers });
    this.sourcesOk = new Gauge({
      name: 'vigil_watch_sources_ok',
      help: '1 while every input is watched or polled, else 0',
      registers,
    });
    this.dropped = new Counter({
      name: 'vigil_watch_events_dropped_total',
      help: 'Change events lost by the sources (queue overflow, a lost watch); each forces a full sweep',
      registers,
    });
    this.lastSweep = new Gauge({
      name: 'vigil_watch_last_full_sweep_timestamp_seconds',
      help: 'Unix time of the end of the last full evaluation',
      registers,
    });
    const metrics = this;
    new Gauge({
      name: 'vigil_watch_staleness_seconds',
      help: 'Seconds since the last evaluation (since the start, before the first one)',
      registers,
      collect() {
        this.set(Math.max(0, (metrics.now() - metrics.lastEvaluation) / 1000));
      },
    });
    this.storeOk = new Gauge({
      name: 'vigil_watch_store_ok',
      help: '1 while the state store works, 0 while it fails (evaluation goes on in memory)',
      registers,
    });
    this.remediations = new Counter({
      name: 'vigil_watch_remediations_total',
      help: 'Closed-loop decisions: attempts by outcome (applied, rolled-back, refused, failed), and rules not attempted (outcome skipped) by why',
      labelNames: ['outcome', 'skip'] as const,
      registers,
    });
    const up = new Gauge({ name: 'vigil_watch_up', help: '1 while the daemon serves', registers });
    up.set(1);
    this.storeOk.set(1);
    this.sourcesOk.set(1);
    for (const r of RESULT_NAMES) this.rules.set({ result: r }, 0);
    if (opts.process ?? true) this.processMetrics();
  }

  /** The current result of every rule (the complete set: rules absent from it lose their series) and the score. */
  setResults(results: ReadonlyMap<string, ResultName> | Readonly<Record<string, ResultName>>, score: number): void {
    const next: ReadonlyMap<string, ResultName> =
      results instanceof Map ? results : new Map(Object.entries(results as Record<string, ResultName>));
    for (const [rule, result] of this.current) {
      if (next.get(rule) !== result) this.ruleResult.remove({ rule, result });
    }
    const counts = new Map<ResultName, number>(RESULT_NAMES.map((r) => [r, 0]));
    for (const [rule, result] of next) {
      if (this.current.get(rule) !== result) this.ruleResult.set({ rule, result }, 1);
      counts.set(result, (counts.get(result) ?? 0) + 1);
    }
    this.current.clear();
    for (const [rule, result] of next) this.current.set(rule, result);
    this.rules.reset();
    for (const [result, n] of counts) this.rules.set({ result }, n);
    this.score.set(score);
  }

  /** A drift event to result `to`. */
  drift(to: ResultName): void {
    this.drifts.inc({ to });
  }

  /** An evaluation of `kind` that took `seconds`. */
  evaluation(kind: EvaluationKind, seconds: number): void {
    this.evaluations.inc({ kind });
    this.duration.observe({ kind }, seconds);
  }

  /** The event sources' status (`dropped` is the cumulative count since the start). */
  sources(status: SourceStatus): void {
    this.watches.set(status.watches);
    this.polled.set(status.polled);
    this.sourcesOk.set(status.ok ? 1 : 0);
    if (status.dropped > this.droppedSeen) this.dropped.inc(status.dropped - this.droppedSeen);
    this.droppedSeen = Math.max(this.droppedSeen, status.dropped);
  }

  /** A full evaluation ended at `at`. */
  fullSweep(at: Date): void {
    this.lastSweep.set(at.getTime() / 1000);
  }

  /** An evaluation (full or partial) ended at `at`: the staleness counts from here. */
  evaluatedAt(at: Date): void {
    this.lastEvaluation = at.getTime();
  }

  /** A closed-loop decision: an attempt's outcome, or a skip and why. */
  remediation(outcome: RemediationEvent['outcome'], skip?: RemediationEvent['skip']): void {
    this.remediations.inc({ outcome, skip: skip ?? '' });
  }

  /** Where the breaker, flapping and rate-limit gauges are read at scrape time. */
  remediationSource(source: () => LoopSnapshot): void {
    const first = this.loopSource === undefined;
    this.loopSource = source;
    if (!first) return;
    const registers = [this.registry];
    const loop = (): LoopSnapshot => this.loopSource!();
    new Gauge({
      name: 'vigil_watch_remediation_breaker_state',
      help: "Each remediated rule's circuit breaker: 0 closed, 1 half-open, 2 open",
      labelNames: ['rule'] as const,
      registers,
      collect() {
        this.reset();
        for (const r of loop().rules) this.set({ rule: r.rule }, r.breaker === 'closed' ? 0 : r.breaker === 'half-open' ? 1 : 2);
      },
    });
    new Gauge({
      name: 'vigil_watch_remediation_flapping',
      help: '1 for each rule held for flapping (it drifted back to fail too often after being fixed)',
      labelNames: ['rule'] as const,
      registers,
      collect() {
        this.reset();
        for (const r of loop().rules) if (r.flapping) this.set({ rule: r.rule }, 1);
      },
    });
    new Gauge({
      name: 'vigil_watch_remediation_tokens',
      help: "Attempts the closed loop's rate limit allows now (token bucket)",
      registers,
      collect() {
        this.set(loop().tokens);
      },
    });
    new Gauge({
      name: 'vigil_watch_remediation_loop_ok',
      help: '1 while the closed loop works, 0 when it is broken (the series exist only with the loop on)',
      registers,
      collect() {
        this.set(loop().ok ? 1 : 0);
      },
    });
  }

  store(ok: boolean): void {
    this.storeOk.set(ok ? 1 : 0);
  }

  /** The Prometheus text exposition (format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private processMetrics(): void {
    const registers = [this.registry];
    new Counter({
      name: 'process_cpu_seconds_total',
      help: 'User and system CPU time spent, seconds',
      registers,
      collect() {
        const u = process.cpuUsage();
        this.reset();
        this.inc((u.user + u.system) / 1e6);
      },
    });
    new Gauge({
      name: 'process_resident_memory_bytes',
      help: 'Resident memory size, bytes',
      registers,
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
    const start = Math.round(Date.now() / 1000 - process.uptime());
    const startGauge = new Gauge({
      name: 'process_start_time_seconds',
      help: 'Start time of the process since the Unix epoch, seconds',
      registers,
    });
    startGauge.set(start);
    new Gauge({
      name: 'nodejs_heap_used_bytes',
      help: 'V8 heap in use, bytes',
      registers,
      collect() {
        this.set(process.memoryUsage().heapUsed);
      },
    });
  }
}

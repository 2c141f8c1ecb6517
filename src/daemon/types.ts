/**
 * The shared vocabulary of `vigil watch`: what the daemon's parts (event
 * sources, the state store, the HTTP API, notifications, the policy
 * config) exchange. Plain data and small interfaces only; `daemon/watch.ts`
 * wires the concrete parts together.
 */
import type { InputRead, ReadSet } from '../target/reads.js';

/** An XCCDF rule result, as a string (`pass`, `fail`, `error`, …). */
export type ResultName = string;

/** One rule's current state. */
export interface RuleState {
  readonly rule: string;
  readonly result: ResultName;
  readonly severity: string;
  /** ISO 8601, when this result was decided. */
  readonly time: string;
}

/** A rule whose result changed. `from` is null the first time a rule is ever seen. */
export interface DriftEvent {
  readonly type: 'drift';
  readonly time: string;
  readonly rule: string;
  readonly from: ResultName | null;
  readonly to: ResultName;
  readonly severity: string;
  /** The target paths (or inputs, as `kind:key`) whose change led to the re-evaluation; empty after a full sweep. */
  readonly paths: readonly string[];
}

/** The first full evaluation is done (after a start or a restart). */
export interface ReadyEvent {
  readonly type: 'ready';
  readonly time: string;
  readonly rules: number;
  readonly score: number;
  readonly counts: Readonly<Record<ResultName, number>>;
  /** Wall time of the first evaluation, ms. */
  readonly durationMs: number;
}

/** A full re-evaluation: scheduled (`reconcile`, `walks`), forced (`overflow`, `watch-failed`, `policy`), or asked for. */
export interface RescanEvent {
  readonly type: 'rescan';
  readonly time: string;
  readonly reason: string;
  /** For a partial rescan (scheduled walks), how many rules it covered. */
  readonly rules?: number;
}

/** Periodic "still compliant" (or not) statement, for notifications. */
export interface AttestationEvent {
  readonly type: 'attestation';
  readonly time: string;
  readonly score: number;
  readonly counts: Readonly<Record<ResultName, number>>;
  /** ISO 8601 of the last evaluation. */
  readonly evaluatedAt: string;
}

/** The daemon's own health changed (a source failed, the store became read-only, …). */
export interface StatusEvent {
  readonly type: 'status';
  readonly time: string;
  readonly ok: boolean;
  readonly reason: string;
}

/**
 * The closed loop (daemon/loop.ts) about one rule that drifted to fail:
 * an attempt to remediate it and how it ended, or why it was not made.
 */
export interface RemediationEvent {
  readonly type: 'remediation';
  readonly time: string;
  readonly rule: string;
  readonly severity: string;
  /**
   * `applied`: fixed and verified; `rolled-back`: applied, then undone from
   * the checkpoint (verification failed, a rule regressed); `refused`: the
   * rehearsal, a guard or consent stopped it, nothing applied; `failed`: the
   * pipeline broke or timed out; `skipped`: not attempted (see `skip`).
   */
  readonly outcome: 'applied' | 'rolled-back' | 'refused' | 'failed' | 'skipped';
  /** Why it was not attempted, for `skipped`. */
  readonly skip?: 'frozen' | 'window-closed' | 'flapping' | 'breaker-open' | 'rate-limited';
  readonly message: string;
  /** The rule's circuit breaker after this. */
  readonly breaker: 'closed' | 'open' | 'half-open';
  /** Set when this needs a person: the breaker opened, flapping was detected. */
  readonly alert?: boolean;
  /** The journal's checkpoint (`vigil remediate --rollback ID`). */
  readonly checkpoint?: string;
  /** Rules re-checked by the verification. */
  readonly rechecked?: number;
  readonly durationMs?: number;
}

export type WatchEvent = DriftEvent | ReadyEvent | RescanEvent | AttestationEvent | StatusEvent | RemediationEvent;

/** An event with its sequence number (1, 2, …, increasing, never reused within a state directory). */
export type StoredEvent = WatchEvent & { readonly id: number };

/** Counts and score of a full evaluation, kept per sweep in the store. */
export interface SweepSummary {
  readonly time: string;
  readonly reason: string;
  readonly durationMs: number;
  readonly score: number;
  readonly counts: Readonly<Record<ResultName, number>>;
}

/**
 * What a state is about: the same content, profile, tailoring and target.
 * A state stored for another scope is not compared with (a new scope starts
 * with `from: null` drift events only if it was never seen).
 */
export interface WatchScope {
  readonly content: string;
  readonly profile: string;
  readonly tailoring: string;
  readonly target: string;
}

export interface Retention {
  /** Keep at most this many events (oldest dropped first). */
  readonly maxEvents: number;
  /** Drop events and sweeps older than this many days. */
  readonly maxAgeDays: number;
}

/**
 * The daemon's memory across restarts (daemon/store.ts: SQLite). Every
 * method may throw a StoreError (read-only or full disk, corrupt file): the
 * daemon then keeps evaluating in memory and says so on /readyz.
 */
export interface WatchStore {
  /** The stored rule states of this scope, or undefined when the scope was never stored. */
  load(scope: WatchScope): ReadonlyMap<string, RuleState> | undefined;
  /**
   * Atomically: replaces the given rules' states and appends the events;
   * returns the events with their ids, in order. Either all of it is
   * stored or none of it.
   */
  commit(scope: WatchScope, states: readonly RuleState[], events: readonly WatchEvent[]): StoredEvent[];
  /** Events with id > since, oldest first, at most `limit`. */
  events(since: number, limit: number): StoredEvent[];
  /** The highest event id stored (0 when none). */
  lastEventId(): number;
  recordSweep(scope: WatchScope, sweep: SweepSummary): void;
  sweeps(scope: WatchScope, limit: number): SweepSummary[];
  /** Applies the retention; returns how many events were dropped. */
  prune(retention: Retention, now: Date): number;
  close(): void;
}

export class StoreError extends Error {
  constructor(
    message: string,
    /** The underlying error's code (SQLITE_READONLY, SQLITE_FULL, EACCES, …), when known. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** What the event sources report: target paths and inputs that (may) have changed. */
export interface ChangeBatch {
  /** Target paths (as the target names them, e.g. `/etc/ssh/sshd_config`) that changed, were created or removed. */
  readonly paths: readonly string[];
  /** Directories whose entries changed in ways the source cannot name (an event without a file name): everything read in or under them. */
  readonly dirs: readonly string[];
  /** Non-file inputs that changed (kernel keys, units, processes, interfaces), or were polled and must be re-checked. */
  readonly inputs: readonly InputRead[];
  /** Walk starts whose scheduled re-run is due (walks too large to watch or re-run on every change): the rules that walked them are re-evaluated. */
  readonly walks?: readonly string[];
  /** Set when the sources lost track (queue overflow, a watch that could not be placed or was lost): a full re-evaluation is due. */
  readonly full?: string;
}

/** The health of the event sources, for /readyz and /metrics. */
export interface SourceStatus {
  /** False while some input is not watched at all (not even polled). */
  readonly ok: boolean;
  readonly reason?: string;
  /** inotify watches in use. */
  readonly watches: number;
  /** Paths watched by polling instead (a watch limit, /proc and /sys). */
  readonly polled: number;
  /** Events that could not be delivered (overflow, a lost watch), since the start. */
  readonly dropped: number;
}

/**
 * Watches what the rules read. `update` is called after every evaluation
 * with the union of the read sets of all rules; changes are delivered,
 * debounced, through the `onChange` callback given at construction.
 */
export interface EventSources {
  update(reads: ReadSet): Promise<void>;
  /** Starts of the walks on a schedule (too large to watch exactly): changed paths below them do not re-run them; `ChangeBatch.walks` does. */
  scheduledWalks(): ReadonlySet<string>;
  status(): SourceStatus;
  close(): Promise<void>;
}

/** The daemon as the HTTP API sees it (daemon/api.ts). */
export interface WatchView {
  /** ok once the first full evaluation is done and while the sources and the store work. */
  readiness(): { readonly ok: boolean; readonly reason?: string };
  state(): { readonly rules: Readonly<Record<string, ResultName>>; readonly score: number; readonly evaluated_at: string | null };
  /** Events with id > since (from the store, or from memory when the store failed), at most `limit`. */
  events(since: number, limit: number): StoredEvent[];
  /** Calls `listener` with every new event; returns the unsubscribe function. */
  subscribe(listener: (e: StoredEvent) => void): () => void;
  /** Prometheus text exposition of the daemon's metrics. */
  metrics(): Promise<string>;
}

/** Where an event goes besides stdout and the store (daemon/notify.ts: the webhook). Never blocks, never throws. */
export interface Notifier {
  send(event: StoredEvent): void;
  /** Waits (at most `timeoutMs`) for deliveries under way, then stops. */
  close(timeoutMs?: number): Promise<void>;
}

/** Structured logging (daemon/log.ts): text lines or JSON lines on stderr. */
export interface Logger {
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** The policy in force at a moment (daemon/config.ts), from the config's time windows. */
export interface PolicyState {
  /** Names of the windows open now. */
  readonly windows: readonly string[];
  /** The profile to evaluate, when a window switches it. */
  readonly profile?: string;
  /** The tailoring file, when a window switches it. */
  readonly tailoringFile?: string;
  /** Notifications (webhook, attestations) are muted. */
  readonly mute: boolean;
  /** Changes to the target are forbidden (remediation honours it). */
  readonly freeze: boolean;
}

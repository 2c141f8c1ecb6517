/**
 * `vigil fleet scan`: one scan per inventory host, many at a time.
 *
 * - Fan-out: at most `forks` hosts at once (Ansible's --forks, default 10).
 * - Each host gets at most `timeoutMs` per attempt, connection and scan
 *   together: its AbortSignal goes into the connection and the scan, and a
 *   host that ignores it is left behind all the same (its target is closed
 *   when it finally answers).
 * - Retries, with exponential backoff, only when the connection failed in a
 *   way that may pass (unreachable, connection timeout); never after an
 *   authentication or host-key refusal, and never once the scan began.
 * - The breaker, as Ansible's max_fail_percentage: once more than P% of the
 *   selected hosts have failed, no new host is started; those not started
 *   are reported `skipped`.
 * - One host's failure never stops the others: every outcome is data.
 *
 * Targets come through a HostConnector (SSH in the CLI; offline roots and
 * fakes in tests) and finished scans go to a ScanSink (the results store),
 * so this module knows neither SSH nor SQL.
 */
import { chooseScanContent, defaultProfile, DEFAULT_CONTENT_DIR } from '../app/scan.js';
import { evaluateXccdf, prepareChecklist, type PreparedChecklist } from '../app/xccdf-eval.js';
import { jsonReport, type JsonScan } from '../results/json-report.js';
import type { Target } from '../target/target.js';
import type { InventoryHost } from './inventory.js';

/** Opens a target for a host; rejects (promptly, when `signal` aborts) when it cannot. */
export type HostConnector = (host: InventoryHost, signal: AbortSignal) => Promise<Target>;

/** Where finished scans go (the results store). A sink that fails marks the host's outcome, never the scan. */
export interface ScanSink {
  record(host: InventoryHost, scan: JsonScan, meta: { readonly durationMs: number }): Promise<void>;
}

/** Why a host could not be scanned. The first seven are the SSH target's connection codes. */
export type HostFailureKind =
  | 'unreachable'
  | 'auth-failed'
  | 'host-key'
  | 'timeout'
  | 'no-interpreter'
  | 'become-failed'
  | 'protocol'
  /** No content for the host, or content that cannot be used. */
  | 'content'
  /** The scan itself failed. */
  | 'scan-error'
  | 'cancelled';

export interface HostOutcome {
  readonly host: string;
  readonly address: string;
  readonly groups: readonly string[];
  /** scanned: a result exists; failed: the host could not be scanned; skipped: never started (breaker or cancel). */
  readonly status: 'scanned' | 'failed' | 'skipped';
  readonly attempts: number;
  readonly durationMs: number;
  readonly error?: { readonly kind: HostFailureKind; readonly message: string };
  readonly content?: string;
  readonly profile?: string | null;
  /** What to tell the user about the content choice (chooseScanContent's note). */
  readonly note?: string;
  readonly score?: number;
  readonly maximum?: number;
  readonly counts?: JsonScan['counts'];
  /** Rules whose result is fail. */
  readonly failing?: ReadonlyArray<{ readonly id: string; readonly title: string; readonly severity: string }>;
  readonly scan?: JsonScan;
  /** Set when the sink could not record the scan. */
  readonly storeError?: string;
}

export type FleetEvent =
  | { readonly type: 'start'; readonly host: string; readonly attempt: number }
  | { readonly type: 'retry'; readonly host: string; readonly attempt: number; readonly delayMs: number; readonly reason: string }
  | { readonly type: 'scanning'; readonly host: string; readonly total: number }
  | { readonly type: 'progress'; readonly host: string; readonly done: number; readonly total: number }
  | { readonly type: 'done'; readonly outcome: HostOutcome }
  | { readonly type: 'breaker'; readonly failed: number; readonly total: number; readonly percentage: number };

export interface FleetScanOptions {
  readonly hosts: readonly InventoryHost[];
  readonly connect: HostConnector;
  /** Hosts scanned at once. Default 10. */
  readonly forks?: number;
  /** Per host and attempt, connection and scan together. Default: none. */
  readonly timeoutMs?: number;
  /** Further attempts after a connection failure that may pass. Default 0. */
  readonly retries?: number;
  /** First backoff; doubled for each further retry. Default 1000 ms. */
  readonly retryDelayMs?: number;
  /** Stop starting hosts once more than this percentage of them failed. Default: never (100). */
  readonly maxFailPercentage?: number;
  /** Fixed content for every host; default: each host's own, from its os-release. */
  readonly content?: string;
  readonly profile?: string;
  readonly contentDir?: string;
  readonly sink?: ScanSink;
  readonly onEvent?: (e: FleetEvent) => void;
  /** Cancels the whole fleet scan: nothing new starts, running scans are aborted. */
  readonly signal?: AbortSignal;
}

export interface FleetScanResult {
  readonly outcomes: readonly HostOutcome[];
  readonly startTime: string;
  readonly endTime: string;
  readonly forks: number;
  /** With --queue: the workers that answered. */
  readonly workers?: readonly string[];
  /** Set when the breaker stopped the scan. */
  readonly breaker?: { readonly failed: number; readonly total: number; readonly maxFailPercentage: number };
}

const CONNECT_CODES = new Set(['unreachable', 'auth-failed', 'host-key', 'timeout', 'no-interpreter', 'become-failed', 'protocol']);
const NET_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
/** Connection failures that may pass on a later attempt. */
const RETRYABLE = new Set<HostFailureKind>(['unreachable', 'timeout']);

class HostFailure extends Error {
  constructor(
    readonly kind: HostFailureKind,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A connection error as a failure kind: the SSH target's codes as they are, network errors as unreachable. */
function connectFailure(e: unknown): HostFailure {
  if (e instanceof HostFailure) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECT_CODES.has(code)) return new HostFailure(code as HostFailureKind, messageOf(e), RETRYABLE.has(code as HostFailureKind));
  if (typeof code === 'string' && NET_CODES.has(code)) return new HostFailure('unreachable', messageOf(e), true);
  return new HostFailure('protocol', messageOf(e));
}

/** Races `p` against `signal`: the host is given up when the signal fires, whatever `p` does. */
function raced<T>(p: Promise<T>, signal: AbortSignal, onLate?: (v: T) => void): Promise<T> {
  if (signal.aborted) {
    p.then((v) => onLate?.(v), () => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      p.then((v) => onLate?.(v), () => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        if (signal.aborted) onLate?.(v);
        else resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

class TimeoutReason extends Error {}
class CancelReason extends Error {}

export async function fleetScan(opts: FleetScanOptions): Promise<FleetScanResult> {
  const forks = Math.max(1, Math.floor(opts.forks ?? 10));
  const retries = Math.max(0, Math.floor(opts.retries ?? 0));
  const retryDelayMs = opts.retryDelayMs ?? 1000;
  const maxFail = opts.maxFailPercentage ?? 100;
  const contentDir = opts.contentDir ?? DEFAULT_CONTENT_DIR;
  const start = new Date();
  const total = opts.hosts.length;

  // the same content and profile are opened once for every host that uses them
  const prepared = new Map<string, PreparedChecklist>();
  const prepare = (file: string, profile: string | undefined): PreparedChecklist => {
    const key = `${file}\0${profile ?? ''}`;
    let p = prepared.get(key);
    if (!p) {
      p = prepareChecklist(file, profile !== undefined ? { profile } : { chooseProfile: defaultProfile });
      prepared.set(key, p);
    }
    return p;
  };
  // fixed content that cannot be used stops everything before any host is contacted
  if (opts.content !== undefined) prepare(opts.content, opts.profile);

  const outcomes: Array<HostOutcome | undefined> = new Array(total);
  let next = 0;
  let failed = 0;
  let breaker: FleetScanResult['breaker'];

  const scanOnce = async (host: InventoryHost, signal: AbortSignal): Promise<Omit<HostOutcome, 'attempts' | 'durationMs' | 'host' | 'address' | 'groups' | 'status'>> => {
    let target: Target;
    try {
      target = await raced(opts.connect(host, signal), signal, (late) => void late.close().catch(() => undefined));
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      throw connectFailure(e);
    }
    try {
      let file = opts.content;
      let profile = opts.profile;
      let note: string | undefined;
      if (file === undefined) {
        try {
          const chosen = await raced(chooseScanContent(target, contentDir), signal);
          file = chosen.file;
          profile ??= chosen.profile;
          note = chosen.note;
        } catch (e) {
          if (signal.aborted) throw signal.reason;
          throw new HostFailure('content', messageOf(e));
        }
      }
      let checklist: PreparedChecklist;
      try {
        checklist = prepare(file, profile);
      } catch (e) {
        throw new HostFailure('content', messageOf(e));
      }
      let report;
      try {
        let done = 0;
        report = await raced(
          evaluateXccdf(file, {
            target,
            prepared: checklist,
            signal,
            onStart: (info) => opts.onEvent?.({ type: 'scanning', host: host.name, total: info.total }),
            onResult: (r, _rule, reported) => {
              if (!reported || r.result === 'notselected') return;
              done++;
              opts.onEvent?.({ type: 'progress', host: host.name, done, total: checklist.resolved.rules.length });
            },
          }),
          signal,
        );
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        throw new HostFailure('scan-error', messageOf(e));
      }
      const scan = jsonReport(report);
      const main = scan.scores.find((s) => s.system === 'urn:xccdf:scoring:default') ?? scan.scores[0];
      return {
        content: file,
        profile: scan.profile?.id ?? null,
        ...(note !== undefined ? { note } : {}),
        ...(main ? { score: main.score, maximum: main.maximum } : {}),
        counts: scan.counts,
        failing: scan.rules.filter((r) => r.result === 'fail').map((r) => ({ id: r.id, title: r.title, severity: r.severity })),
        scan,
      };
    } finally {
      await target.close().catch(() => undefined);
    }
  };

  const runHost = async (host: InventoryHost): Promise<HostOutcome> => {
    const t0 = Date.now();
    const base = { host: host.name, address: host.connection.address, groups: host.groups };
    let attempt = 0;
    for (;;) {
      attempt++;
      opts.onEvent?.({ type: 'start', host: host.name, attempt });
      const ctl = new AbortController();
      const onCancel = (): void => ctl.abort(new CancelReason('the fleet scan was cancelled'));
      opts.signal?.addEventListener('abort', onCancel, { once: true });
      if (opts.signal?.aborted) onCancel();
      const timer = opts.timeoutMs !== undefined ? setTimeout(() => ctl.abort(new TimeoutReason(`no result within ${opts.timeoutMs! / 1000} s`)), opts.timeoutMs) : undefined;
      try {
        const got = await scanOnce(host, ctl.signal);
        const t1 = Date.now();
        let storeError: string | undefined;
        if (opts.sink && got.scan) {
          try {
            await opts.sink.record(host, got.scan, { durationMs: t1 - t0 });
          } catch (e) {
            storeError = messageOf(e);
          }
        }
        return { ...base, status: 'scanned', attempts: attempt, durationMs: t1 - t0, ...got, ...(storeError !== undefined ? { storeError } : {}) };
      } catch (e) {
        let f: HostFailure;
        if (e instanceof TimeoutReason) f = new HostFailure('timeout', e.message);
        else if (e instanceof CancelReason) f = new HostFailure('cancelled', e.message);
        else f = e instanceof HostFailure ? e : new HostFailure('scan-error', messageOf(e));
        if (f.retryable && attempt <= retries && !opts.signal?.aborted) {
          const delayMs = retryDelayMs * 2 ** (attempt - 1);
          opts.onEvent?.({ type: 'retry', host: host.name, attempt, delayMs, reason: f.message });
          await sleep(delayMs, opts.signal);
          continue;
        }
        return { ...base, status: 'failed', attempts: attempt, durationMs: Date.now() - t0, error: { kind: f.kind, message: f.message } };
      } finally {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onCancel);
      }
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      if (breaker || opts.signal?.aborted) return;
      const i = next++;
      if (i >= total) return;
      const host = opts.hosts[i]!;
      const outcome = await runHost(host);
      outcomes[i] = outcome;
      if (outcome.status === 'failed') failed++;
      opts.onEvent?.({ type: 'done', outcome });
      if (!breaker && total > 0 && (failed / total) * 100 > maxFail) {
        breaker = { failed, total, maxFailPercentage: maxFail };
        opts.onEvent?.({ type: 'breaker', failed, total, percentage: (failed / total) * 100 });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(forks, Math.max(total, 1)) }, worker));

  const result: HostOutcome[] = opts.hosts.map((h, i) => {
    const o = outcomes[i];
    if (o) return o;
    const why = breaker
      ? `not started: more than ${breaker.maxFailPercentage}% of the hosts failed (${breaker.failed} of ${breaker.total})`
      : 'not started: the fleet scan was cancelled';
    const skipped: HostOutcome = { host: h.name, address: h.connection.address, groups: h.groups, status: 'skipped', attempts: 0, durationMs: 0, error: { kind: 'cancelled', message: why } };
    opts.onEvent?.({ type: 'done', outcome: skipped });
    return skipped;
  });
  return { outcomes: result, startTime: start.toISOString(), endTime: new Date().toISOString(), forks, ...(breaker ? { breaker } : {}) };
}

/** The fleet's exit code: 1 when a host could not be scanned (or its scan not stored), else 2 when a rule failed somewhere, else 0. */
export function fleetExitCode(outcomes: readonly HostOutcome[]): number {
  if (outcomes.some((o) => o.status !== 'scanned' || o.storeError !== undefined)) return 1;
  if (outcomes.some((o) => (o.counts?.fail ?? 0) > 0 || (o.counts?.error ?? 0) > 0 || (o.counts?.unknown ?? 0) > 0)) return 2;
  return 0;
}

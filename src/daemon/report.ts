/**
 * `vigil watch --report-to URL`: the watcher's state and drift events sent
 * to a `vigil serve` ingest endpoint (daemon/serve.ts), so that a fleet of
 * watchers feeds one store. It is a sink fed from the daemon's event stream:
 * it never blocks the daemon and never throws into it. Drift waits in a
 * bounded queue (the oldest are dropped beyond `queueLimit`, and counted);
 * the state is only ever the latest one. Failed deliveries are retried with
 * exponential backoff; `status()` says when it is behind (for /readyz).
 */
import type { DriftRecord, HostKey } from '../store/types.js';
import type { WatchStateReport } from '../store/watch-state.js';
import { checkWebhookUrl } from './notify.js';
import type { Logger, StoredEvent } from './types.js';

export interface ReporterOptions {
  /** The serve's base URL (`http://host:port`) or its ingest URL (`…/api/v1/ingest`). */
  readonly url: string;
  readonly token: string;
  readonly host: HostKey;
  /** The watcher's current results (WatchDaemon.state()). */
  readonly state: () => { readonly rules: Readonly<Record<string, string>>; readonly score: number; readonly evaluated_at: string | null };
  /** The content and profile in force. */
  readonly scope: () => { readonly content: string; readonly profile: string | null };
  readonly log: Logger;
  /** Drift events kept while the server is unreachable (default 10 000). */
  readonly queueLimit?: number;
  /** Events are gathered this long before a send (default 500 ms). */
  readonly batchMs?: number;
  /** First and largest retry delay, ms (defaults 1000 and 60 000). */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Per request (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** Behind: something has waited longer than this, ms (default 30 000), or the last attempt failed. */
  readonly behindAfterMs?: number;
}

export interface ReporterStatus {
  readonly pending: number;
  readonly stateDirty: boolean;
  readonly dropped: number;
  readonly sent: number;
  readonly behind: boolean;
  readonly lastError?: string;
}

export interface Reporter {
  /** Takes an event from the daemon; never blocks, never throws. */
  send(event: StoredEvent): void;
  status(): ReporterStatus;
  /** Tries a last delivery (at most `timeoutMs`), then stops. */
  close(timeoutMs?: number): Promise<void>;
}

const MAX_BATCH = 1000;

export function ingestUrl(url: string): URL {
  const u = checkWebhookUrl(url);
  if (!/\/api\/v1\/ingest\/?$/.test(u.pathname)) u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/v1/ingest`;
  return u;
}

export function createReporter(opts: ReporterOptions): Reporter {
  const url = ingestUrl(opts.url);
  const queueLimit = opts.queueLimit ?? 10_000;
  const batchMs = opts.batchMs ?? 500;
  const minBackoff = opts.minBackoffMs ?? 1000;
  const maxBackoff = opts.maxBackoffMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const behindAfter = opts.behindAfterMs ?? 30_000;
  /** Waiting drift, each with its sequence number (events dropped or delivered meanwhile never shift a batch). */
  const queue: Array<{ readonly seq: number; readonly d: DriftRecord }> = [];
  let seq = 0;
  const severities = new Map<string, string>();
  let stateVersion = 0;
  let sentStateVersion = 0;
  let dropped = 0;
  let sent = 0;
  let failures = 0;
  let lastError: string | undefined;
  let waitingSince: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<void> | undefined;
  let closed = false;

  const schedule = (ms: number): void => {
    if (closed || timer || inflight) return;
    timer = setTimeout(() => {
      timer = undefined;
      inflight = flush().finally(() => {
        inflight = undefined;
        if (pendingWork()) schedule(failures > 0 ? backoff() : 0);
      });
    }, ms);
    timer.unref?.();
  };
  const backoff = (): number => Math.min(maxBackoff, minBackoff * 2 ** Math.min(failures - 1, 20));
  const pendingWork = (): boolean => queue.length > 0 || stateVersion !== sentStateVersion;

  async function flush(): Promise<void> {
    if (!pendingWork()) return;
    const batch = queue.slice(0, MAX_BATCH);
    const version = stateVersion;
    let state: WatchStateReport | undefined;
    if (version !== sentStateVersion) {
      try {
        const st = opts.state();
        const sc = opts.scope();
        state = {
          time: st.evaluated_at ?? new Date().toISOString(),
          content: sc.content,
          profile: sc.profile,
          rules: st.rules,
          severities: Object.fromEntries([...severities].filter(([r]) => r in st.rules)),
          score: st.score,
        };
      } catch (err) {
        opts.log.warn('report: the state could not be read', { error: (err as Error).message });
      }
    }
    const lastSeq = batch.length ? batch[batch.length - 1]!.seq : -1;
    const body = JSON.stringify({ host: opts.host, meta: { source: 'watch' }, ...(batch.length ? { drift: batch.map((q) => q.d) } : {}), ...(state ? { state } : {}) });
    let status = 0;
    let error: string | undefined;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${opts.token}` },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      if (!res.ok) error = `HTTP ${res.status}: ${(await res.text().catch(() => '')).slice(0, 200)}`;
      else await res.body?.cancel();
    } catch (err) {
      error = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    }
    if (error === undefined || status === 400 || status === 413) {
      // delivered; or refused for what it is (it would be refused again): drop it, say so, go on
      if (error !== undefined) opts.log.error('report: the server refused a report; it is dropped', { url: url.origin, error });
      let done = 0;
      while (done < queue.length && queue[done]!.seq <= lastSeq) done++;
      queue.splice(0, done);
      if (state) sentStateVersion = version;
      sent += done;
      if (failures > 0 && error === undefined) opts.log.info('report: delivering again', { url: url.origin });
      failures = 0;
      lastError = error;
      waitingSince = pendingWork() ? Date.now() : undefined;
      return;
    }
    failures++;
    if (failures === 1 || failures % 10 === 0) opts.log.warn('report: delivery failed, will retry', { url: url.origin, error, attempts: failures, pending: queue.length });
    lastError = error;
  }

  return {
    send(e: StoredEvent): void {
      if (closed) return;
      try {
        if (e.type === 'drift') {
          severities.set(e.rule, e.severity);
          queue.push({ seq: seq++, d: { time: e.time, rule: e.rule, from: e.from, to: e.to, severity: e.severity, paths: [...e.paths] } });
          if (queue.length > queueLimit) {
            const over = queue.length - queueLimit;
            queue.splice(0, over);
            if (dropped === 0) opts.log.warn('report: the queue is full, the oldest drift events are dropped', { limit: queueLimit });
            dropped += over;
          }
        }
        if (e.type === 'drift' || e.type === 'ready' || e.type === 'rescan' || e.type === 'attestation') stateVersion++;
        waitingSince ??= Date.now();
        schedule(failures > 0 ? backoff() : batchMs);
      } catch (err) {
        opts.log.warn('report: an event could not be queued', { error: (err as Error).message });
      }
    },
    status(): ReporterStatus {
      const waiting = pendingWork();
      const behind = waiting && (failures > 0 || (waitingSince !== undefined && Date.now() - waitingSince > behindAfter));
      return { pending: queue.length, stateDirty: stateVersion !== sentStateVersion, dropped, sent, behind, ...(lastError !== undefined ? { lastError } : {}) };
    },
    async close(ms = 5000): Promise<void> {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      closed = true;
      const last = (async () => {
        await inflight;
        if (pendingWork() && failures === 0) await flush();
      })();
      await Promise.race([last, new Promise((r) => setTimeout(r, ms).unref?.())]);
    },
  };
}

/**
 * `vigil serve`: the HTTP API over a results store (hono). Every /api route
 * needs the bearer token (compared in constant time, daemon/api.ts);
 * /healthz and /readyz are open. The ingest endpoint takes a scan, or a
 * watcher's state and drift events (`vigil watch --report-to`), with a size
 * limit; /api/v1/events streams new drift events (server-sent events) as
 * they are stored, from this server's ingest at once and from other writers
 * of a shared PostgreSQL store within `pollMs`.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { JsonScan } from '../results/json-report.js';
import { checkWatchState, scanFromWatchState, type WatchStateReport } from '../store/watch-state.js';
import { checkDrift, checkScan, StoreError, type DriftRecord, type HostKey, type ResultsStore, type ScanMeta, type StoredDrift } from '../store/index.js';
import { bearerAuth } from './api.js';
import type { Logger } from './types.js';

export interface ServeApiOptions {
  /** The bearer token; required (vigil serve never runs open). */
  readonly token: string;
  /** Largest request body, bytes (default 32 MiB: a full scan with read sets is a few MB). */
  readonly maxBodyBytes?: number;
  /** SSE heartbeat, ms (default 15 000). */
  readonly heartbeatMs?: number;
  /** How often an event stream looks for drift stored by other writers, ms (default 2000). */
  readonly pollMs?: number;
  readonly log?: Logger;
}

/** What POST /api/v1/ingest takes. */
export interface IngestBody {
  readonly host: string | HostKey;
  readonly scan?: JsonScan;
  readonly state?: WatchStateReport;
  readonly drift?: readonly DriftRecord[];
  readonly meta?: { readonly who?: string; readonly source?: ScanMeta['source']; readonly durationMs?: number };
}

export interface ServeApi {
  readonly app: Hono;
  /** Ends the open event streams (before the listener closes). */
  closeStreams(): void;
}

export const DEFAULT_MAX_BODY = 32 * 1024 * 1024;

type Status = 400 | 401 | 404 | 409 | 413 | 500 | 503;
const jsonError = (c: Context, status: Status, error: string) => c.json({ error }, status);

function intParam(raw: string | undefined, what: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new StoreError('bad-input', `"${what}" must be a non-negative integer`);
  return Number(raw);
}

function hostOf(h: unknown): HostKey {
  if (typeof h === 'string') return { name: h };
  const o = h as HostKey;
  if (!o || typeof o !== 'object' || typeof o.name !== 'string') throw new StoreError('bad-input', '"host" must be a name or {name, group?, os?}');
  if (o.group !== undefined && !(Array.isArray(o.group) && o.group.every((g) => typeof g === 'string'))) throw new StoreError('bad-input', '"host.group" must be an array of strings');
  if (o.os !== undefined && typeof o.os !== 'string') throw new StoreError('bad-input', '"host.os" must be a string');
  return { name: o.name, ...(o.group ? { group: o.group } : {}), ...(o.os !== undefined ? { os: o.os } : {}) };
}

export function createServeApi(store: ResultsStore, opts: ServeApiOptions): ServeApi {
  if (!opts.token) throw new Error('vigil serve needs a token');
  const app = new Hono();
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const pollMs = opts.pollMs ?? 2000;
  const wakers = new Set<() => void>();
  const enders = new Set<() => void>();
  let lastStoreError: string | undefined;

  const wakeStreams = (): void => {
    for (const w of [...wakers]) w();
  };

  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    c.res.headers.set('Cache-Control', 'no-store');
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await store.scans('', { limit: 1 });
      lastStoreError = undefined;
      return c.json({ ready: true });
    } catch (err) {
      lastStoreError = (err as Error).message;
      return c.json({ ready: false, reason: lastStoreError }, 503);
    }
  });

  app.use('/api/*', bearerAuth(opts.token));

  app.get('/api/v1/hosts', async (c) => {
    const trend = intParam(c.req.query('trend'), 'trend');
    return c.json({ hosts: await store.hosts(trend !== undefined ? { trend } : {}) });
  });
  app.get('/api/v1/hosts/:host/scans', async (c) => {
    const limit = intParam(c.req.query('limit'), 'limit');
    const before = intParam(c.req.query('before'), 'before');
    return c.json({ scans: await store.scans(c.req.param('host'), { ...(limit !== undefined ? { limit } : {}), ...(before !== undefined ? { before } : {}) }) });
  });
  app.get('/api/v1/hosts/:host/latest', async (c) => {
    const s = await store.latest(c.req.param('host'));
    return s ? c.json(s) : jsonError(c, 404, `no scan of host ${c.req.param('host')}`);
  });
  app.get('/api/v1/hosts/:host/drift', async (c) => {
    const limit = intParam(c.req.query('limit'), 'limit');
    const since = c.req.query('since');
    if (since !== undefined && Number.isNaN(Date.parse(since))) return jsonError(c, 400, '"since" must be an ISO 8601 time');
    return c.json({ drift: await store.drift(c.req.param('host'), { ...(limit !== undefined ? { limit } : {}), ...(since ? { since } : {}) }) });
  });
  app.get('/api/v1/scans/:id', async (c) => {
    const id = intParam(c.req.param('id'), 'id');
    const s = id === undefined ? undefined : await store.scan(id);
    return s ? c.json(s) : jsonError(c, 404, `no scan ${c.req.param('id')}`);
  });
  app.get('/api/v1/rules/:rule', async (c) => c.json(await store.rule(c.req.param('rule'))));
  app.get('/api/v1/diff', async (c) => {
    const a = intParam(c.req.query('a'), 'a');
    const b = intParam(c.req.query('b'), 'b');
    if (a === undefined || b === undefined) return jsonError(c, 400, 'diff needs "a" and "b" (scan ids)');
    return c.json(await store.diff(a, b));
  });

  app.post(
    '/api/v1/ingest',
    bodyLimit({
      maxSize: opts.maxBodyBytes ?? DEFAULT_MAX_BODY,
      onError: (c) => {
        // the rest of the body is not read: the connection cannot be reused
        c.header('Connection', 'close');
        return jsonError(c, 413, `the request body is larger than ${opts.maxBodyBytes ?? DEFAULT_MAX_BODY} bytes`);
      },
    }),
    async (c) => {
      let body: IngestBody;
      try {
        body = (await c.req.json()) as IngestBody;
      } catch {
        return jsonError(c, 400, 'the body must be JSON');
      }
      if (!body || typeof body !== 'object') return jsonError(c, 400, 'the body must be a JSON object');
      const host = hostOf(body.host);
      if (body.scan === undefined && body.state === undefined && body.drift === undefined) {
        return jsonError(c, 400, 'nothing to ingest: give "scan", "state" or "drift"');
      }
      if (body.scan !== undefined && body.state !== undefined) return jsonError(c, 400, 'give "scan" or "state", not both');
      if (body.drift !== undefined && !Array.isArray(body.drift)) return jsonError(c, 400, '"drift" must be an array');
      const meta = body.meta ?? {};
      const source = meta.source ?? (body.state !== undefined ? 'watch' : 'scan');
      if (!['scan', 'fleet', 'watch'].includes(source)) return jsonError(c, 400, '"meta.source" must be scan, fleet or watch');
      // everything is checked before anything is stored: a bad part refuses the whole report
      if (body.state !== undefined) checkWatchState(body.state);
      if (body.scan !== undefined) checkScan(body.scan);
      if (body.drift !== undefined) checkDrift(body.drift);
      let scanId: number | undefined;
      if (body.drift?.length) await store.recordDrift(host.name, body.drift);
      const doc = body.scan ?? (body.state !== undefined ? scanFromWatchState(host.name, body.state) : undefined);
      if (doc !== undefined) {
        scanId = await store.recordScan(host, doc, {
          source,
          ...(typeof meta.who === 'string' ? { who: meta.who } : {}),
          ...(typeof meta.durationMs === 'number' ? { durationMs: meta.durationMs } : {}),
        });
      }
      if (body.drift?.length) wakeStreams();
      return c.json({ ok: true, ...(scanId !== undefined ? { scan: scanId } : {}), drift: body.drift?.length ?? 0 });
    },
  );

  app.get('/api/v1/events', async (c) => {
    const raw = c.req.header('Last-Event-ID') ?? c.req.query('since');
    let after = raw !== undefined && raw.trim() !== '' ? intParam(raw.trim(), 'Last-Event-ID') : undefined;
    after ??= await store.lastDriftId();
    const body = driftStream(store, after, { heartbeatMs, pollMs, log: opts.log }, wakers, enders, c.req.raw.signal);
    return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' } });
  });

  app.notFound((c) => jsonError(c, 404, `no such endpoint: ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    if (err instanceof StoreError) {
      const status: Status = err.code === 'bad-input' ? 400 : err.code === 'not-found' ? 404 : err.code === 'pruned' ? 409 : err.code === 'unavailable' ? 503 : 500;
      if (status >= 500) opts.log?.error('serve: store failed', { path: c.req.path, error: err.message });
      return jsonError(c, status, err.message);
    }
    const message = err instanceof Error ? err.message : String(err);
    opts.log?.error('serve: request failed', { path: c.req.path, error: message });
    return jsonError(c, 500, message);
  });

  return {
    app,
    closeStreams: () => {
      for (const e of [...enders]) e();
    },
  };
}

const sseDrift = (e: StoredDrift): string => `id: ${e.id}\nevent: drift\ndata: ${JSON.stringify(e)}\n\n`;

/** Drift events with an id above `after`, read from the store when woken (an ingest here) or every pollMs (other writers). */
function driftStream(
  store: ResultsStore,
  after: number,
  o: { heartbeatMs: number; pollMs: number; log: Logger | undefined },
  wakers: Set<() => void>,
  enders: Set<() => void>,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let sent = after;
  let closed = false;
  let wake: (() => void) | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let idleSince = Date.now();
  const waker = (): void => wake?.();
  const finish = (): void => {
    if (closed) return;
    closed = true;
    wakers.delete(waker);
    enders.delete(end);
    signal.removeEventListener('abort', finish);
    wake?.();
  };
  function end(): void {
    finish();
    try {
      controller.close();
    } catch {
      // already closed
    }
  }
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        if (signal.aborted) {
          finish();
          c.close();
          return;
        }
        signal.addEventListener('abort', finish);
        wakers.add(waker);
        enders.add(end);
        c.enqueue(enc.encode(`: vigil serve drift events\nretry: 3000\n\n`));
      },
      async pull(c) {
        while (!closed) {
          let page: StoredDrift[];
          try {
            page = await store.driftAfter(sent, 1000);
          } catch (err) {
            const message = (err as Error).message.replace(/[\r\n]+/g, ' ');
            o.log?.warn('serve: event stream could not read the store', { error: message });
            c.enqueue(enc.encode(`: error: ${message}\n\n`));
            page = [];
          }
          if (closed) return;
          if (page.length > 0) {
            sent = page[page.length - 1]!.id;
            c.enqueue(enc.encode(page.map(sseDrift).join('')));
            idleSince = Date.now();
            return;
          }
          if (Date.now() - idleSince >= o.heartbeatMs) {
            idleSince = Date.now();
            c.enqueue(enc.encode(': heartbeat\n\n'));
            return;
          }
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, Math.min(o.pollMs, o.heartbeatMs));
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = undefined;
        }
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: 1 },
  );
}

/**
 * The watch daemon's HTTP API (hono): two open probes, then the metrics, the
 * state, the event log and a server-sent event stream behind a bearer token.
 * It sees the daemon only through WatchView; daemon/listen.ts serves it.
 *
 * Without a token the API is open: daemon/listen.ts allows that only on a
 * loopback address or a unix socket (and logs a warning), and refuses to
 * start on any other address.
 */
import crypto from 'node:crypto';
import { Hono } from 'hono';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger, StoredEvent, WatchView } from './types.js';

export interface ApiOptions {
  /** The bearer token's value; when absent, everything is open (see the module comment). */
  readonly token?: string;
  /** Interval of the SSE heartbeat comment, ms. Default 15 000. */
  readonly heartbeatMs?: number;
  /** Where errors in the view's methods are logged (they answer 500). */
  readonly log?: Logger;
  /**
   * A path prefix this API leaves to an app mounted there, which checks the
   * token itself (the dashboard: its page is open, its API is not).
   */
  readonly delegate?: string;
  /**
   * Live events held per event stream whose client reads slowly; beyond
   * that the stream drops them and replays from the view instead. Default
   * 10 000.
   */
  readonly streamBuffer?: number;
}

/** `limit` of GET /api/v1/events when not given, and its largest value. */
export const EVENTS_DEFAULT_LIMIT = 1000;
export const EVENTS_MAX_LIMIT = 10_000;

/** Events read from the view per page while an SSE stream replays. */
const REPLAY_PAGE = 1000;

const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The open SSE streams of each app, so that listen()'s close() can end them. */
const openStreams = new WeakMap<object, Set<() => void>>();

/** Ends every open event stream of `app` (a clean end of the response, so clients see it and reconnect elsewhere). */
export function closeStreams(app: object): void {
  const streams = openStreams.get(app);
  if (!streams) return;
  for (const end of [...streams]) end();
}

/** How many event streams of `app` are open (tests, and the daemon's own accounting). */
export function openStreamCount(app: object): number {
  return openStreams.get(app)?.size ?? 0;
}

const sha256 = (s: string): Buffer => crypto.createHash('sha256').update(s, 'utf8').digest();

/**
 * Compares a presented token with the expected digest in constant time: both
 * are hashed first, so the comparison is of equal-length digests whatever
 * the lengths of the tokens, and neither length nor content leaks.
 */
export function tokenMatches(given: string, expectedDigest: Buffer): boolean {
  return crypto.timingSafeEqual(sha256(given), expectedDigest);
}

const jsonError = (c: Context, status: 400 | 401 | 404 | 500 | 503, error: string) => c.json({ error }, status);

/**
 * The bearer-token check of every API Vigil serves (vigil watch, vigil
 * serve): the token is hashed once, each request's compared in constant
 * time (tokenMatches); `pass` lets through paths left to another check.
 */
export function bearerAuth(token: string, pass: (path: string) => boolean = () => false): MiddlewareHandler {
  const expected = sha256(token);
  return async (c, next) => {
    if (pass(c.req.path)) return next();
    const m = /^Bearer +(\S+) *$/i.exec(c.req.header('Authorization') ?? '');
    if (m === null || !tokenMatches(m[1]!, expected)) {
      c.header('WWW-Authenticate', 'Bearer');
      return jsonError(c, 401, 'a valid "Authorization: Bearer <token>" header is required');
    }
    return next();
  };
}

/** A non-negative safe integer from a query value, or undefined when it is not one. */
function nonNegativeInt(raw: string): number | undefined {
  if (!/^\d{1,16}$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function createApi(view: WatchView, opts: ApiOptions = {}): Hono {
  const app = new Hono();
  const streams = new Set<() => void>();
  openStreams.set(app, streams);
  const heartbeatMs = opts.heartbeatMs ?? 15_000;

  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    c.res.headers.set('Cache-Control', 'no-store');
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const r = view.readiness();
    return r.ok ? c.json({ ready: true }) : c.json({ ready: false, reason: r.reason ?? 'not ready' }, 503);
  });

  if (opts.token !== undefined) {
    const delegate = opts.delegate;
    app.use('*', bearerAuth(opts.token, delegate === undefined ? undefined : (p) => p === delegate || p.startsWith(`${delegate}/`)));
  }

  app.get('/metrics', async (c) => {
    const text = await view.metrics();
    return c.body(text, 200, { 'Content-Type': METRICS_CONTENT_TYPE });
  });

  app.get('/api/v1/state', (c) => c.json(view.state()));

  app.get('/api/v1/events', (c) => {
    const sinceRaw = c.req.query('since');
    const limitRaw = c.req.query('limit');
    const since = sinceRaw === undefined ? 0 : nonNegativeInt(sinceRaw);
    if (since === undefined) return jsonError(c, 400, '"since" must be a non-negative integer (an event id)');
    const limit = limitRaw === undefined ? EVENTS_DEFAULT_LIMIT : nonNegativeInt(limitRaw);
    if (limit === undefined || limit > EVENTS_MAX_LIMIT) {
      return jsonError(c, 400, `"limit" must be an integer from 0 to ${EVENTS_MAX_LIMIT}`);
    }
    // One more than asked, to tell whether more follow.
    const got = limit === 0 ? [] : view.events(since, limit + 1);
    const events = got.slice(0, limit);
    const next = events.length > 0 ? events[events.length - 1]!.id : since;
    return c.json({ events, next, more: got.length > limit });
  });

  app.get('/api/v1/events/stream', (c) => {
    const header = c.req.header('Last-Event-ID');
    const query = c.req.query('since');
    const raw = header ?? query;
    let lastId: number | undefined;
    if (raw !== undefined && raw.trim() !== '') {
      lastId = nonNegativeInt(raw.trim());
      if (lastId === undefined) return jsonError(c, 400, 'Last-Event-ID (or "since") must be a non-negative integer');
    }
    const body = eventStream(view, lastId, { heartbeatMs, maxBuffered: opts.streamBuffer ?? 10_000, log: opts.log }, streams, c.req.raw.signal);
    return new Response(body, {
      status: 200,
      headers: {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Accel-Buffering': 'no',
      },
    });
  });

  app.notFound((c) => jsonError(c, 404, `no such endpoint: ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    const message = err instanceof Error ? err.message : String(err);
    opts.log?.error('api: request failed', { path: c.req.path, error: message });
    return jsonError(c, 500, message);
  });
  return app;
}

/** One event in the SSE wire format (JSON has no raw newline, so one data line). */
function sseEvent(e: StoredEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/**
 * The body of an event stream. It subscribes first, then (given a last id)
 * replays the view's events after that id page by page, then sends the live
 * events it buffered meanwhile and those that follow; every event sent has a
 * higher id than the one before, so the switch from replay to live neither
 * repeats nor skips an event. A client that reads too slowly for the live
 * events has its buffer dropped and is fed from the view again, from the
 * last id it was sent: memory stays bounded without a gap.
 */
function eventStream(
  view: WatchView,
  lastId: number | undefined,
  opts: { readonly heartbeatMs: number; readonly maxBuffered: number; readonly log: Logger | undefined },
  streams: Set<() => void>,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const { heartbeatMs, maxBuffered, log } = opts;
  const enc = new TextEncoder();
  /** The id of the last event sent; undefined for a client that asked for live events only and has not had one yet. */
  let sent = lastId;
  let replaying = lastId !== undefined;
  const buffer: StoredEvent[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  let unsubscribe: () => void = () => {};
  let controller!: ReadableStreamDefaultController<Uint8Array>;

  const finish = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    streams.delete(end);
    signal.removeEventListener('abort', finish);
    buffer.length = 0;
    wake?.();
  };
  function end(): void {
    finish();
    try {
      controller.close();
    } catch {
      // already closed or cancelled
    }
  }
  const send = (events: readonly StoredEvent[]): boolean => {
    let text = '';
    for (const e of events) {
      if (sent !== undefined && e.id <= sent) continue;
      text += sseEvent(e);
      sent = e.id;
    }
    if (text === '') return false;
    controller.enqueue(enc.encode(text));
    return true;
  };

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
        streams.add(end);
        unsubscribe = view.subscribe((e) => {
          if (closed) return;
          // A live-only client starts at the first event after it subscribed.
          if (sent === undefined) sent = e.id - 1;
          buffer.push(e);
          if (buffer.length > maxBuffered) {
            buffer.length = 0;
            replaying = true;
          }
          wake?.();
        });
        c.enqueue(enc.encode(': vigil watch events\nretry: 3000\n\n'));
      },
      async pull(c) {
        while (!closed) {
          if (replaying && sent !== undefined) {
            let page: StoredEvent[];
            try {
              page = view.events(sent, REPLAY_PAGE);
            } catch (err) {
              const message = err instanceof Error ? err.message : String(err);
              log?.error('api: event replay failed', { error: message });
              c.enqueue(enc.encode(`: error: ${message.replace(/[\r\n]+/g, ' ')}\n\n`));
              end();
              return;
            }
            if (page.length < REPLAY_PAGE) replaying = false;
            if (send(page)) return;
            continue;
          }
          if (send(buffer.splice(0))) return;
          const beat = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), heartbeatMs);
            wake = () => {
              clearTimeout(timer);
              resolve(false);
            };
          });
          wake = undefined;
          if (beat && !closed) {
            c.enqueue(enc.encode(': heartbeat\n\n'));
            return;
          }
        }
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: 1 },
  );
}

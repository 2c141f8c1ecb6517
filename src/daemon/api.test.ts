/**
 * The watch API over a real server on 127.0.0.1 (port 0), with a fake
 * WatchView: probes, auth, events paging and validation, the SSE stream's
 * replay-then-live switch, heartbeats, unsubscription on disconnect, errors.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it, mock } from 'node:test';
import type { Hono } from 'hono';
import { closeStreams, createApi, openStreamCount } from './api.js';
import { listen } from './listen.js';
import type { Listener } from './listen.js';
import { WatchMetrics } from './metrics.js';
import type { StoredEvent, WatchEvent, WatchView } from './types.js';

const TOKEN = 'k3y-0f-the-test-Zq9';

class FakeView implements WatchView {
  ready: { ok: boolean; reason?: string } = { ok: false, reason: 'first evaluation under way' };
  readonly log: StoredEvent[] = [];
  readonly listeners = new Set<(e: StoredEvent) => void>();
  readonly metricsObj = new WatchMetrics({ process: true });
  failState = false;
  /** Called at the start of every events() call (to commit events in the middle of a replay). */
  onEvents: ((since: number) => void) | undefined;
  eventsCalls = 0;

  readiness() {
    return this.ready;
  }
  state() {
    if (this.failState) throw new Error('state store is gone');
    return { rules: { xccdf_t_rule_a: 'pass', xccdf_t_rule_b: 'fail' }, score: 50, evaluated_at: '2026-01-01T00:00:00.000Z' };
  }
  events(since: number, limit: number): StoredEvent[] {
    this.eventsCalls++;
    this.onEvents?.(since);
    return this.log.filter((e) => e.id > since).slice(0, limit);
  }
  subscribe(listener: (e: StoredEvent) => void) {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
  metrics() {
    return this.metricsObj.text();
  }
  /** Stores an event, then tells the subscribers, as the daemon does. */
  commit(e?: WatchEvent): StoredEvent {
    const event = { ...(e ?? drift(this.log.length + 1)), id: this.log.length + 1 } as StoredEvent;
    this.log.push(event);
    for (const l of [...this.listeners]) l(event);
    return event;
  }
}

function drift(n: number): WatchEvent {
  return {
    type: 'drift',
    time: new Date(1_700_000_000_000 + n * 1000).toISOString(),
    rule: `xccdf_t_rule_${n}`,
    from: 'pass',
    to: 'fail',
    severity: 'high',
    paths: ['/etc/x'],
  };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** An SSE client over http.request that parses frames as they arrive. */
function openStream(base: string, headers: Record<string, string>) {
  const frames: SseFrame[] = [];
  let ended = false;
  let raw = '';
  let status = 0;
  const req = http.get(`${base}/api/v1/events/stream`, { headers });
  const ready = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        let i;
        while ((i = raw.indexOf('\n\n')) >= 0) {
          const block = raw.slice(0, i);
          raw = raw.slice(i + 2);
          const f: SseFrame = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) f.comment = (f.comment ?? '') + line.slice(1).trim();
            else {
              const c = line.indexOf(':');
              const k = line.slice(0, c);
              const v = line.slice(c + 1).replace(/^ /, '');
              if (k === 'id' || k === 'event' || k === 'data') f[k] = v;
            }
          }
          frames.push(f);
        }
      });
      res.on('end', () => {
        ended = true;
      });
      res.on('error', () => {
        ended = true;
      });
      resolve(res);
    });
    req.on('error', reject);
  });
  return {
    frames,
    ready,
    get status() {
      return status;
    },
    get ended() {
      return ended;
    },
    events: () => frames.filter((f) => f.id !== undefined),
    ids: () => frames.filter((f) => f.id !== undefined).map((f) => Number(f.id)),
    destroy: () => req.destroy(),
  };
}

describe('watch API over HTTP', () => {
  let view: FakeView;
  let app: Hono;
  let server: Listener;
  let base: string;
  const auth = { Authorization: `Bearer ${TOKEN}` };

  before(async () => {
    view = new FakeView();
    app = createApi(view, { token: TOKEN, heartbeatMs: 60 });
    server = await listen(app, '127.0.0.1:0', { token: TOKEN });
    base = `http://${server.address}`;
  });
  after(async () => {
    await server.close();
  });

  it('reports the real port for port 0', () => {
    assert.match(server.address, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(server.address, '127.0.0.1:0');
  });

  it('answers the probes without a token; readiness goes from 503 with the reason to 200', async () => {
    const h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: 'ok' });
    const r1 = await fetch(`${base}/readyz`);
    assert.equal(r1.status, 503);
    assert.deepEqual(await r1.json(), { ready: false, reason: 'first evaluation under way' });
    view.ready = { ok: true };
    const r2 = await fetch(`${base}/readyz`);
    assert.equal(r2.status, 200);
    assert.deepEqual(await r2.json(), { ready: true });
  });

  it('refuses everything else without the right bearer token, with WWW-Authenticate', async () => {
    for (const path of ['/metrics', '/api/v1/state', '/api/v1/events', '/api/v1/events/stream', '/nowhere']) {
      for (const headers of [{} as Record<string, string>, { Authorization: 'Bearer wrong' }, { Authorization: `Basic ${TOKEN}` }, { Authorization: `Bearer ${TOKEN}x` }]) {
        const r = await fetch(`${base}${path}`, { headers });
        assert.equal(r.status, 401, `${path} ${JSON.stringify(headers)}`);
        assert.equal(r.headers.get('www-authenticate'), 'Bearer');
        assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
        assert.match(((await r.json()) as { error: string }).error, /Bearer/);
      }
    }
    const ok = await fetch(`${base}/api/v1/state`, { headers: { Authorization: `bearer ${TOKEN}` } });
    assert.equal(ok.status, 200, 'the scheme is case-insensitive');
  });

  it('compares tokens in constant time, as equal-length digests', async () => {
    const spy = mock.method(crypto, 'timingSafeEqual');
    try {
      for (const given of ['x', TOKEN, 'y'.repeat(500)]) {
        const before = spy.mock.callCount();
        const r = await fetch(`${base}/api/v1/state`, { headers: { Authorization: `Bearer ${given}` } });
        assert.equal(r.status, given === TOKEN ? 200 : 401);
        assert.equal(spy.mock.callCount(), before + 1);
        const [a, b] = spy.mock.calls[spy.mock.callCount() - 1]!.arguments as [Buffer, Buffer];
        assert.equal(a.length, 32);
        assert.equal(b.length, 32);
      }
    } finally {
      spy.mock.restore();
    }
  });

  it('serves the state as JSON with security headers', async () => {
    const r = await fetch(`${base}/api/v1/state`, { headers: auth });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await r.json(), {
      rules: { xccdf_t_rule_a: 'pass', xccdf_t_rule_b: 'fail' },
      score: 50,
      evaluated_at: '2026-01-01T00:00:00.000Z',
    });
  });

  it('answers 404 in JSON for an unknown path, and 500 in JSON when the view throws, and goes on serving', async () => {
    const nf = await fetch(`${base}/api/v2/nothing`, { headers: auth });
    assert.equal(nf.status, 404);
    assert.equal(nf.headers.get('x-content-type-options'), 'nosniff');
    assert.match(((await nf.json()) as { error: string }).error, /no such endpoint/);
    view.failState = true;
    try {
      const r = await fetch(`${base}/api/v1/state`, { headers: auth });
      assert.equal(r.status, 500);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await r.json(), { error: 'state store is gone' });
    } finally {
      view.failState = false;
    }
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });

  it('serves Prometheus text whose every line is a comment or a sample', async () => {
    view.metricsObj.setResults(new Map([['xccdf_t_rule_a', 'pass'], ['xccdf_t_rule_"b"', 'fail']]), 50);
    view.metricsObj.evaluation('full', 0.2);
    const r = await fetch(`${base}/metrics`, { headers: auth });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/;
    const lines = text.split('\n').filter((l) => l !== '');
    assert.ok(lines.length > 20);
    for (const line of lines) assert.ok(line.startsWith('# HELP ') || line.startsWith('# TYPE ') || sample.test(line), line);
    assert.ok(lines.includes('vigil_watch_rule_result{rule="xccdf_t_rule_a",result="pass"} 1'));
    assert.ok(lines.includes('vigil_watch_rule_result{rule="xccdf_t_rule_\\"b\\"",result="fail"} 1'));
  });

  describe('GET /api/v1/events', () => {
    before(() => {
      while (view.log.length < 1500) view.commit();
    });

    it('pages with since and limit', async () => {
      const r = await fetch(`${base}/api/v1/events?since=0&limit=10`, { headers: auth });
      const body = (await r.json()) as { events: StoredEvent[]; next: number; more: boolean };
      assert.deepEqual(body.events.map((e) => e.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.equal(body.next, 10);
      assert.equal(body.more, true);
      assert.equal(body.events[0]!.type, 'drift');
      const last = (await (await fetch(`${base}/api/v1/events?since=1495&limit=10`, { headers: auth })).json()) as typeof body;
      assert.deepEqual(last.events.map((e) => e.id), [1496, 1497, 1498, 1499, 1500]);
      assert.equal(last.more, false);
      assert.equal(last.next, 1500);
      const none = (await (await fetch(`${base}/api/v1/events?since=1500`, { headers: auth })).json()) as typeof body;
      assert.deepEqual(none, { events: [], next: 1500, more: false });
    });

    it('returns at most 1000 events by default', async () => {
      const body = (await (await fetch(`${base}/api/v1/events`, { headers: auth })).json()) as { events: StoredEvent[]; more: boolean };
      assert.equal(body.events.length, 1000);
      assert.equal(body.events[999]!.id, 1000);
      assert.equal(body.more, true);
    });

    it('refuses a since or limit that is not a non-negative integer, or a limit above 10000', async () => {
      for (const q of ['since=-1', 'since=abc', 'since=1.5', 'since=1e3', 'since=', 'limit=10001', 'limit=-5', 'limit=0x10', 'since=99999999999999999999']) {
        const r = await fetch(`${base}/api/v1/events?${q}`, { headers: auth });
        assert.equal(r.status, 400, q);
        assert.match(((await r.json()) as { error: string }).error, /non-negative integer|from 0 to 10000/, q);
      }
      assert.equal((await fetch(`${base}/api/v1/events?limit=10000`, { headers: auth })).status, 200);
    });
  });

  describe('GET /api/v1/events/stream', () => {
    it('replays after Last-Event-ID, then goes live, with no duplicate and no gap across the switch', async () => {
      const start = view.log.length;
      // An event committed while the stream reads its replay is both in the
      // replay page and in the live buffer: it must be sent once.
      let injected = false;
      view.onEvents = () => {
        if (!injected) {
          injected = true;
          view.commit();
        }
      };
      const s = openStream(base, { ...auth, 'Last-Event-ID': String(start - 3) });
      try {
        await s.ready;
        assert.equal(s.status, 200);
        await until(() => s.ids().length >= 4);
        view.onEvents = undefined;
        for (let i = 0; i < 5; i++) view.commit();
        await until(() => s.ids().length >= 9);
        await new Promise((r) => setTimeout(r, 100));
        const want = Array.from({ length: 9 }, (_, i) => start - 2 + i);
        assert.deepEqual(s.ids(), want);
        const last = s.events().at(-1)!;
        assert.equal(last.event, 'drift');
        assert.equal((JSON.parse(last.data!) as StoredEvent).id, want.at(-1));
      } finally {
        view.onEvents = undefined;
        s.destroy();
      }
    });

    it('replays a long history page by page in order', async () => {
      const s = openStream(base, { ...auth, 'Last-Event-ID': '0' });
      try {
        await until(() => s.ids().length >= view.log.length, 5000);
        assert.deepEqual(s.ids(), view.log.map((e) => e.id));
        assert.ok(view.log.length > 1000, 'more than one replay page');
      } finally {
        s.destroy();
      }
    });

    it('without Last-Event-ID, sends only events after the connection; ?since= works like the header', async () => {
      const live = openStream(base, auth);
      try {
        await live.ready;
        await until(() => live.frames.length >= 1);
        const e = view.commit();
        await until(() => live.ids().length >= 1);
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(live.ids(), [e.id]);
      } finally {
        live.destroy();
      }
      const q = http.get(`${base}/api/v1/events/stream?since=${view.log.length - 2}`, { headers: auth });
      const ids = await new Promise<number[]>((resolve, reject) => {
        q.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            const got = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
            if (got.length >= 2) resolve(got);
          });
        });
        q.on('error', reject);
      });
      q.destroy();
      assert.deepEqual(ids, [view.log.length - 1, view.log.length]);
      const bad = await fetch(`${base}/api/v1/events/stream`, { headers: { ...auth, 'Last-Event-ID': 'x1' } });
      assert.equal(bad.status, 400);
    });

    it('sends a heartbeat comment while idle', async () => {
      const s = openStream(base, auth);
      try {
        await until(() => s.frames.filter((f) => f.comment === 'heartbeat').length >= 2, 2000);
        assert.equal(s.ids().length, 0);
      } finally {
        s.destroy();
      }
    });

    it('unsubscribes when the client disconnects: no listener leaks', async () => {
      await until(() => view.listeners.size === 0 && openStreamCount(app) === 0);
      const streams = Array.from({ length: 5 }, () => openStream(base, { ...auth, 'Last-Event-ID': String(view.log.length) }));
      await Promise.all(streams.map((s) => s.ready));
      await until(() => view.listeners.size === 5);
      assert.equal(openStreamCount(app), 5);
      for (const s of streams) s.destroy();
      await until(() => view.listeners.size === 0 && openStreamCount(app) === 0);
      // Events after the disconnect go nowhere and break nothing.
      view.commit();
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    });

    it('closeStreams ends open streams cleanly and unsubscribes them', async () => {
      const s = openStream(base, auth);
      await s.ready;
      await until(() => view.listeners.size === 1);
      closeStreams(app);
      await until(() => s.ended);
      assert.equal(view.listeners.size, 0);
    });
  });
});

describe('watch API without a token', () => {
  it('serves the API openly (listen() allows that only on loopback or a unix socket)', async () => {
    const view = new FakeView();
    const logs: string[] = [];
    const server = await listen(createApi(view), '127.0.0.1:0', {
      log: { info: () => {}, warn: (m) => logs.push(m), error: () => {} },
    });
    try {
      const r = await fetch(`http://${server.address}/api/v1/state`);
      assert.equal(r.status, 200);
      assert.equal(logs.length, 1);
      assert.match(logs[0]!, /no --token-file/);
    } finally {
      await server.close();
    }
  });
});

describe('listen().close() with an open event stream', () => {
  it('ends the stream and closes promptly', async () => {
    const view = new FakeView();
    const app = createApi(view, { token: TOKEN });
    const server = await listen(app, '127.0.0.1:0', { token: TOKEN });
    const s = openStream(`http://${server.address}`, { Authorization: `Bearer ${TOKEN}` });
    await s.ready;
    await until(() => view.listeners.size === 1);
    const t0 = Date.now();
    await server.close();
    const ms = Date.now() - t0;
    assert.ok(ms < 1000, `close took ${ms} ms`);
    await until(() => s.ended);
    assert.equal(view.listeners.size, 0);
    await assert.rejects(fetch(`http://${server.address}/healthz`));
  });
});

describe('event stream body, read in process', () => {
  /** Reads the stream until `n` events arrived (or it ended); returns their ids and the raw text. */
  async function readEvents(body: ReadableStream<Uint8Array>, n: number): Promise<{ ids: number[]; text: string; done: boolean }> {
    const reader = body.getReader();
    const dec = new TextDecoder();
    let text = '';
    let done = false;
    while ([...text.matchAll(/^id: /gm)].length < n) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        break;
      }
      text += dec.decode(r.value);
    }
    reader.releaseLock();
    return { ids: [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])), text, done };
  }

  it('a client too slow for the live events loses its buffer but no event: it is fed from the view again', { timeout: 5000 }, async () => {
    const view = new FakeView();
    for (let i = 0; i < 3; i++) view.commit();
    const app = createApi(view, { streamBuffer: 5 });
    const res = await app.request('/api/v1/events/stream', { headers: { 'Last-Event-ID': '1' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const body = res.body!;
    assert.deepEqual((await readEvents(body, 2)).ids, [2, 3], 'the replay, after which the stream is live');
    // Not read meanwhile: 40 live events overflow the buffer of 5 several times.
    const eventsCalls = view.eventsCalls;
    for (let i = 0; i < 40; i++) view.commit();
    const got = await readEvents(body, 40);
    assert.deepEqual(got.ids, Array.from({ length: 40 }, (_, i) => i + 4));
    assert.ok(view.eventsCalls > eventsCalls, 'replayed from the view');
    // And live again afterwards.
    view.commit();
    const more = await readEvents(body, 1);
    assert.deepEqual(more.ids, [44]);
    await body.cancel();
    assert.equal(view.listeners.size, 0);
  });

  it('ends the stream with an error comment when the view cannot replay', async () => {
    const view = new FakeView();
    view.commit();
    view.onEvents = () => {
      throw new Error('database disk image is malformed');
    };
    const errors: string[] = [];
    const app = createApi(view, { log: { info: () => {}, warn: () => {}, error: (m, f) => errors.push(`${m} ${String(f?.error)}`) } });
    const res = await app.request('/api/v1/events/stream?since=0');
    const got = await readEvents(res.body!, 1);
    assert.equal(got.done, true);
    assert.deepEqual(got.ids, []);
    assert.match(got.text, /^: error: database disk image is malformed$/m);
    assert.deepEqual(errors, ['api: event replay failed database disk image is malformed']);
    assert.equal(view.listeners.size, 0);
  });
});

/**
 * The webhook against a real HTTP server on 127.0.0.1: signed bodies,
 * retries with backoff on 503 and on a dead port, no retry on 400, order
 * kept, send() never waiting, the bounded queue; and the attestor's ticks.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { Attestor, parseRetryAfter, signBody, verifySignature, webhookNotifier } from './notify.js';
import type { AttestationEvent, Logger, StoredEvent } from './types.js';

interface Received {
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
  readonly at: number;
}

/** A server that answers each request with `answer(n)` (n = 1, 2, … over all requests) and records them. */
async function recorder(answer: (n: number, body: string) => { status: number; headers?: Record<string, string> }): Promise<{
  url: string;
  received: Received[];
  server: Server;
}> {
  const received: Received[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ body, headers: req.headers, at: performance.now() });
      const a = answer(++n, body);
      res.writeHead(a.status, a.headers ?? {});
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/path-token`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A logger that keeps its lines. */
function memoryLog(): Logger & { lines: { level: string; msg: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Readonly<Record<string, unknown>>) => lines.push({ level, msg, fields: { ...fields } });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

function drift(id: number): StoredEvent {
  return { id, type: 'drift', time: '2026-12-05T23:00:00.000Z', rule: `xccdf_t_rule_${id}`, from: 'pass', to: 'fail', severity: 'high', paths: ['/etc/x'] };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const SECRET = 'correct horse battery staple';

describe('signBody and verifySignature', () => {
  it('accepts exactly the body signed with the secret', () => {
    const body = '{"id":1,"type":"ready"}';
    const sig = signBody(body, SECRET);
    assert.match(sig, /^sha256=[0-9a-f]{64}$/);
    assert.equal(verifySignature(body, sig, SECRET), true);
    assert.equal(verifySignature(Buffer.from(body), sig.toUpperCase().replace('SHA256=', 'sha256='), SECRET), true);
    assert.equal(verifySignature(`${body} `, sig, SECRET), false);
    assert.equal(verifySignature(body, sig, 'other'), false);
    for (const bad of [undefined, null, '', 'sha256=', sig.slice(0, -1), `sha1=${sig.slice(7)}`, `${sig}00`]) {
      assert.equal(verifySignature(body, bad, SECRET), false, String(bad));
    }
  });

  it('matches openssl dgst -sha256 -hmac (the recipe in docs/WATCH.md)', () => {
    // printf '%s' 'hello' | openssl dgst -sha256 -hmac key
    assert.equal(signBody('hello', 'key'), 'sha256=9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b');
  });
});

describe('webhookNotifier', () => {
  it('refuses anything but http: and https: URLs, and URLs with credentials', () => {
    const log = memoryLog();
    for (const url of ['file:///etc/passwd', 'ftp://h/x', 'javascript:alert(1)', 'not a url', 'http://u:p@127.0.0.1/']) {
      assert.throws(() => webhookNotifier({ url, log }), /webhook url/, url);
    }
    assert.throws(() => webhookNotifier({ url: 'http://127.0.0.1/', log, maxQueue: 0 }), /maxQueue/);
  });

  it('POSTs each event as JSON with a signature that verifies, an event id and the user agent', async () => {
    const { url, received } = await recorder(() => ({ status: 204 }));
    const log = memoryLog();
    const n = webhookNotifier({ url, secret: SECRET, log });
    n.send(drift(1));
    n.send(drift(2));
    await n.close(5000);
    assert.equal(received.length, 2);
    for (const [i, r] of received.entries()) {
      assert.deepEqual(JSON.parse(r.body), drift(i + 1));
      assert.equal(r.headers['content-type'], 'application/json');
      assert.match(String(r.headers['user-agent']), /^vigil-watch\/\d+\.\d+\.\d+/);
      assert.equal(r.headers['x-vigil-event-id'], String(i + 1));
      assert.equal(verifySignature(r.body, r.headers['x-vigil-signature'] as string, SECRET), true);
    }
    assert.equal(n.delivered(), 2);
    assert.equal(n.failed(), 0);
    assert.equal(n.dropped(), 0);
    // Neither the secret nor the body nor the URL's path is ever logged.
    const logged = JSON.stringify(log.lines);
    assert.ok(!logged.includes(SECRET) && !logged.includes('xccdf_t_rule') && !logged.includes('path-token'));
  });

  it('sends no signature header without a secret', async () => {
    const { url, received } = await recorder(() => ({ status: 200 }));
    const n = webhookNotifier({ url, log: memoryLog() });
    n.send(drift(1));
    await n.close(5000);
    assert.equal(received.length, 1);
    assert.equal(received[0]!.headers['x-vigil-signature'], undefined);
  });

  it('retries a 503 with backoff, then delivers once, in order with the later events', async () => {
    const { url, received } = await recorder((n) => ({ status: n <= 2 ? 503 : 200 }));
    const log = memoryLog();
    const n = webhookNotifier({ url, secret: SECRET, log, initialDelayMs: 40, maxDelayMs: 1000 });
    for (let i = 1; i <= 3; i++) n.send(drift(i));
    await until(() => n.delivered() === 3);
    const ids = received.map((r) => (JSON.parse(r.body) as StoredEvent).id);
    assert.deepEqual(ids, [1, 1, 1, 2, 3]);
    // Backoff with equal jitter: the first wait is in [20, 40] ms, the second in [40, 80] ms.
    const gap1 = received[1]!.at - received[0]!.at;
    const gap2 = received[2]!.at - received[1]!.at;
    assert.ok(gap1 >= 18, `first retry after ${gap1} ms`);
    assert.ok(gap2 >= 38, `second retry after ${gap2} ms`);
    assert.equal(n.failed(), 0);
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.msg.includes('retrying') && l.fields.status === 503));
    await n.close(1000);
  });

  it('honours Retry-After on a 429', async () => {
    const { url, received } = await recorder((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const n = webhookNotifier({ url, log: memoryLog(), initialDelayMs: 10 });
    n.send(drift(1));
    await until(() => n.delivered() === 1);
    assert.ok(received[1]!.at - received[0]!.at >= 990, `retried after ${received[1]!.at - received[0]!.at} ms`);
    await n.close(1000);
  });

  it('does not retry a 400, and goes on with the next event', async () => {
    const { url, received } = await recorder((_n, body) => ({ status: (JSON.parse(body) as StoredEvent).id === 1 ? 400 : 200 }));
    const log = memoryLog();
    const n = webhookNotifier({ url, log, initialDelayMs: 10 });
    n.send(drift(1));
    n.send(drift(2));
    await until(() => n.delivered() === 1 && n.failed() === 1);
    await n.close(1000);
    assert.deepEqual(received.map((r) => (JSON.parse(r.body) as StoredEvent).id), [1, 2]);
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.msg.includes('not retried') && l.fields.status === 400));
  });

  it('against a dead port: send() returns at once, the loop keeps turning, retries then gives up with a warning', async () => {
    const { url, server } = await recorder(() => ({ status: 200 }));
    await new Promise((resolve) => server.close(resolve)); // nothing listens on that port any more
    const log = memoryLog();
    const n = webhookNotifier({ url, log, maxAttempts: 3, initialDelayMs: 20, timeoutMs: 1000 });
    const t0 = performance.now();
    for (let i = 1; i <= 200; i++) n.send(drift(i));
    const sendMs = performance.now() - t0;
    assert.ok(sendMs < 50, `200 sends took ${sendMs} ms`);
    // The evaluation loop keeps going while deliveries fail: count turns of the event loop.
    let turns = 0;
    const spin = setInterval(() => turns++, 1);
    await until(() => n.failed() >= 1);
    clearInterval(spin);
    assert.ok(turns >= 10, `only ${turns} turns of the loop`);
    const giveUp = log.lines.find((l) => l.msg.includes('giving up'));
    assert.ok(giveUp, JSON.stringify(log.lines));
    assert.equal(giveUp.level, 'warn');
    assert.equal(giveUp.fields.attempt, 3);
    assert.equal(giveUp.fields.error, 'ECONNREFUSED');
    const t1 = performance.now();
    await n.close(100);
    assert.ok(performance.now() - t1 < 1000, 'close waits at most about its timeout');
    assert.equal(n.delivered(), 0);
    assert.ok(n.failed() + n.dropped() === 200, `failed ${n.failed()} + dropped ${n.dropped()}`);
    assert.ok(log.lines.some((l) => l.msg.includes('closed with events undelivered')));
  });

  it('times out an attempt that gets no answer, and retries it', async () => {
    let n = 0;
    const server = createServer((req, res) => {
      req.resume();
      if (++n > 1) req.on('end', () => res.writeHead(200).end());
      // The first request is never answered.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const log = memoryLog();
    const notifier = webhookNotifier({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, log, timeoutMs: 150, initialDelayMs: 10 });
    const t0 = performance.now();
    notifier.send(drift(1));
    await until(() => notifier.delivered() === 1);
    assert.ok(performance.now() - t0 >= 140, 'waited for the timeout');
    assert.equal(n, 2);
    assert.ok(log.lines.some((l) => l.msg.includes('retrying') && l.fields.error === 'timeout'), JSON.stringify(log.lines));
    await notifier.close(1000);
  });

  it('close(timeout) waits that long at most, then aborts the delivery under way', async () => {
    const server = createServer((req) => req.resume()); // never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const log = memoryLog();
    const notifier = webhookNotifier({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, log, timeoutMs: 30_000 });
    notifier.send(drift(1));
    notifier.send(drift(2));
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await notifier.close(150);
    const took = performance.now() - t0;
    assert.ok(took >= 140 && took < 2000, `close took ${took} ms`);
    assert.equal(notifier.delivered(), 0);
    assert.equal(notifier.dropped(), 2);
    assert.ok(log.lines.some((l) => l.msg.includes('closed with events undelivered') && l.fields.undelivered === 2), JSON.stringify(log.lines));
    notifier.send(drift(3)); // after close: counted, not sent
    assert.equal(notifier.dropped(), 3);
  });

  it('bounds its queue: the oldest are dropped and counted, one warning per burst', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const received: number[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push((JSON.parse(Buffer.concat(chunks).toString()) as StoredEvent).id);
        void gate.then(() => res.writeHead(200).end());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const log = memoryLog();
    const n = webhookNotifier({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, log, maxQueue: 5 });
    n.send(drift(1)); // taken by the worker at once, held by the server
    await until(() => received.length === 1);
    for (let i = 2; i <= 21; i++) n.send(drift(i));
    assert.equal(n.pending(), 5);
    assert.equal(n.dropped(), 15);
    assert.equal(log.lines.filter((l) => l.msg.includes('queue full')).length, 1);
    release();
    await until(() => n.delivered() === 6);
    assert.deepEqual(received, [1, 17, 18, 19, 20, 21]);
    assert.ok(log.lines.some((l) => l.msg.includes('drained') && l.fields.dropped === 15));
    await n.close(1000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, nothing else', () => {
    const now = Date.parse('2026-12-05T12:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('Sat, 05 Dec 2026 12:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('-1', now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
  });
});

describe('Attestor', () => {
  const attestation = (): AttestationEvent => ({ type: 'attestation', time: new Date().toISOString(), score: 100, counts: { pass: 3 }, evaluatedAt: '2026-12-05T00:00:00.000Z' });

  it('fires every interval on the monotonic clock until stopped, with unref\'d timers', async () => {
    const ticks: number[] = [];
    const a = new Attestor({ everyMs: 40, produce: attestation, emit: () => ticks.push(performance.now()) });
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const t0 = performance.now();
    a.start();
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, before, 'its timer holds no process alive');
    await new Promise((r) => setTimeout(r, 230));
    a.stop();
    const n = ticks.length;
    assert.ok(n >= 3 && n <= 6, `${n} ticks in 230 ms at 40 ms`);
    // On the grid t0 + k × 40 ms: never early.
    ticks.forEach((t, i) => assert.ok(t - t0 >= (i + 1) * 40 - 1, `tick ${i} at ${t - t0} ms`));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(ticks.length, n, 'no tick after stop');
  });

  it('is not moved by a wall-clock step', async () => {
    const ticks: number[] = [];
    const realNow = Date.now;
    Date.now = () => realNow() + 86_400_000 * 3; // the wall clock jumps three days ahead
    try {
      const a = new Attestor({ everyMs: 30, produce: attestation, emit: () => ticks.push(performance.now()) });
      a.start();
      await new Promise((r) => setTimeout(r, 100));
      a.stop();
    } finally {
      Date.now = realNow;
    }
    assert.ok(ticks.length >= 2 && ticks.length <= 4, `${ticks.length} ticks`);
  });

  it('skips ticks missed while held up, and a failing producer does not stop it', async () => {
    let clock = 0;
    const emitted: number[] = [];
    const log = memoryLog();
    let calls = 0;
    const a = new Attestor({
      everyMs: 1000,
      now: () => clock,
      produce: () => {
        calls++;
        if (calls === 1) throw new Error('no state yet');
        return attestation();
      },
      emit: () => emitted.push(clock),
      log,
    });
    a.start(); // grid: 1000, 2000, …, on the injected clock; the real timer waits 1000 ms, so drive tick() by hand
    const tick = (a as unknown as { tick(): void }).tick.bind(a);
    clock = 999;
    tick(); // early: nothing
    clock = 1000;
    tick(); // due: the producer throws, logged
    clock = 5500; // held up for 4.5 periods
    tick(); // one statement, not four
    clock = 5999;
    tick();
    clock = 6000;
    tick();
    a.stop();
    assert.deepEqual(emitted, [5500, 6000]);
    assert.equal(calls, 3);
    assert.ok(log.lines.some((l) => l.level === 'error' && l.msg === 'attestation failed'));
  });
});

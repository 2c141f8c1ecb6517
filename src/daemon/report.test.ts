/**
 * The report sink (vigil watch --report-to) against a real vigil serve on
 * loopback: state and drift delivered; a server that goes away (and a
 * PostgreSQL store stopped under the server) leaves the sink queueing,
 * bounded, behind, and never throwing; once back, everything waiting lands.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openResultsStore, type ResultsStore } from '../store/index.js';
import { postgresSuiteOptions, startPostgres } from '../testing/postgres.js';
import { listen, type Listener } from './listen.js';
import { createReporter, ingestUrl, type Reporter } from './report.js';
import { createServeApi } from './serve.js';
import type { Logger, StoredEvent } from './types.js';

const TOKEN = 'report-test-token-abcdef';
const quiet: Logger & { lines: string[] } = {
  lines: [],
  info(m) {
    this.lines.push(`info ${m}`);
  },
  warn(m, f) {
    this.lines.push(`warn ${m} ${JSON.stringify(f)}`);
  },
  error(m, f) {
    this.lines.push(`error ${m} ${JSON.stringify(f)}`);
  },
};
let nextId = 1;
const drift = (rule: string, to = 'fail'): StoredEvent => ({ id: nextId++, type: 'drift', time: new Date().toISOString(), rule, from: 'pass', to, severity: 'high', paths: ['/etc/x'] });
const waitFor = async (what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

async function serveOn(store: ResultsStore, addr = '127.0.0.1:0'): Promise<Listener> {
  return listen(createServeApi(store, { token: TOKEN }).app, addr, { token: TOKEN });
}

function reporterFor(address: string, rules: Record<string, string>, extra: { queueLimit?: number } = {}): Reporter {
  return createReporter({
    url: `http://${address}`,
    token: TOKEN,
    host: { name: 'watched' },
    state: () => ({ rules, score: 50, evaluated_at: new Date().toISOString() }),
    scope: () => ({ content: '/c/ds.xml', profile: 'p' }),
    log: quiet,
    batchMs: 10,
    minBackoffMs: 20,
    maxBackoffMs: 100,
    timeoutMs: 2000,
    ...extra,
  });
}

describe('vigil watch --report-to sink', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-report-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a base URL or the ingest URL, and refuses credentials in it', () => {
    assert.equal(ingestUrl('http://127.0.0.1:9/').href, 'http://127.0.0.1:9/api/v1/ingest');
    assert.equal(ingestUrl('https://s.example/vigil').href, 'https://s.example/vigil/api/v1/ingest');
    assert.equal(ingestUrl('http://h:1/api/v1/ingest').href, 'http://h:1/api/v1/ingest');
    assert.throws(() => ingestUrl('http://u:p@h:1/'), /credentials/);
    assert.throws(() => ingestUrl('ftp://h/'), /http/);
  });

  it('delivers, queues (bounded) while the server is away, and catches up when it is back', async () => {
    const store = await openResultsStore(join(dir, 'a.db'));
    let server = await serveOn(store);
    const address = server.address;
    const rules = { r1: 'fail', r2: 'pass' };
    const rep = reporterFor(address, rules, { queueLimit: 5 });
    try {
      rep.send({ id: nextId++, type: 'ready', time: new Date().toISOString(), rules: 2, score: 50, counts: {}, durationMs: 1 });
      rep.send(drift('r1'));
      await waitFor('the first report', () => rep.status().sent === 1 && !rep.status().stateDirty);
      const latest = await store.latest('watched');
      assert.equal(latest?.source, 'watch');
      assert.deepEqual(latest?.document?.rules.map((r) => [r.id, r.result, r.severity]), [['r1', 'fail', 'high'], ['r2', 'pass', 'unknown']]);
      assert.equal(rep.status().behind, false);

      await server.close();
      for (let i = 0; i < 8; i++) assert.doesNotThrow(() => rep.send(drift(`away${i}`)));
      await waitFor('behind', () => rep.status().behind);
      const st = rep.status();
      assert.equal(st.pending, 5, `the queue is bounded: ${JSON.stringify(st)}`);
      assert.equal(st.dropped, 3);
      assert.match(st.lastError ?? '', /ECONNREFUSED|fetch failed|connect/i);

      server = await serveOn(store, address);
      await waitFor('caught up', () => rep.status().pending === 0 && !rep.status().behind);
      const rulesAfter = (await store.drift('watched')).map((d) => d.rule).sort();
      assert.deepEqual(rulesAfter, ['away3', 'away4', 'away5', 'away6', 'away7', 'r1'], 'the newest five waited and landed, once');
    } finally {
      await rep.close(1000);
      await server.close();
      await store.close();
    }
  });

  it('a refused report (400) is dropped with an error in the log, not retried forever', async () => {
    const store = await openResultsStore(join(dir, 'b.db'));
    const server = await serveOn(store);
    // a state the server refuses (a result that is not a string)
    const rep = reporterFor(server.address, { r1: 5 as unknown as string });
    try {
      rep.send(drift('r1'));
      await waitFor('settled', () => rep.status().pending === 0 && !rep.status().stateDirty);
      assert.ok(quiet.lines.some((l) => /refused a report.*HTTP 400/.test(l)), quiet.lines.join('\n'));
      assert.equal(rep.status().behind, false);
      assert.match(rep.status().lastError ?? '', /HTTP 400/);
      assert.equal(await store.latest('watched'), undefined, 'nothing of a refused report is stored');
    } finally {
      await rep.close(1000);
      await server.close();
      await store.close();
    }
  });

  describe('with a PostgreSQL store that stops mid-run', postgresSuiteOptions(), () => {
    it('the server answers 503 with the reason, the sink keeps the events, and they land once PostgreSQL is back', async () => {
      const pg = await startPostgres();
      let store: ResultsStore | undefined;
      let server: Listener | undefined;
      let rep: Reporter | undefined;
      try {
        store = await openResultsStore(pg.url);
        server = await serveOn(store);
        rep = reporterFor(server.address, { r1: 'fail' });
        rep.send(drift('before'));
        await waitFor('delivered', () => rep!.status().sent === 1);
        await pg.halt();
        const ready = await fetch(`http://${server.address}/readyz`);
        assert.equal(ready.status, 503);
        assert.match(((await ready.json()) as { reason: string }).reason, /PostgreSQL store .* is unavailable/);
        rep.send(drift('during'));
        await waitFor('behind', () => rep!.status().behind);
        assert.match(rep.status().lastError ?? '', /HTTP 503: .*unavailable/);
        assert.equal(rep.status().pending, 1);
        await pg.restart();
        await waitFor('caught up', () => rep!.status().pending === 0, 20_000);
        assert.deepEqual((await store.drift('watched')).map((d) => d.rule).sort(), ['before', 'during']);
      } finally {
        await rep?.close(500);
        await server?.close();
        await store?.close().catch(() => undefined);
        await pg.stop();
      }
    });
  });
});

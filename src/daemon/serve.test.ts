/**
 * vigil serve's API over real HTTP on loopback, over a SQLite store: the
 * token on every /api route, each query, ingest (a scan, a watcher's state,
 * drift) with its limits, the drift event stream, and a store that fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openResultsStore, type ResultsStore } from '../store/index.js';
import { fakeScan } from '../store/store.case.js';
import { listen, type Listener } from './listen.js';
import { createServeApi, type ServeApi } from './serve.js';

const TOKEN = 'serve-test-token-0123456789';
const T = (day: number): string => new Date(Date.UTC(2026, 10, day)).toISOString();

describe('vigil serve API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-serve-test-'));
  let store: ResultsStore;
  let api: ServeApi;
  let server: Listener;
  let base: string;
  before(async () => {
    store = await openResultsStore(join(dir, 'results.db'), { retention: { fullScansPerHost: 2 } });
    api = createServeApi(store, { token: TOKEN, maxBodyBytes: 200_000, pollMs: 100, heartbeatMs: 1000 });
    server = await listen(api.app, '127.0.0.1:0', { token: TOKEN });
    base = `http://${server.address}`;
  });
  after(async () => {
    api.closeStreams();
    await server.close();
    await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const get = async (path: string, headers: Record<string, string> = auth) => {
    const r = await fetch(base + path, { headers });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> & { error?: string } };
  };
  const post = async (body: unknown, headers: Record<string, string> = auth) => {
    const r = await fetch(`${base}/api/v1/ingest`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> & { error?: string } };
  };

  it('answers /healthz and /readyz without a token, and nothing under /api without the right one', async () => {
    assert.equal((await get('/healthz', {})).status, 200);
    assert.deepEqual((await get('/readyz', {})).body, { ready: true });
    for (const path of ['/api/v1/hosts', '/api/v1/hosts/x/scans', '/api/v1/hosts/x/latest', '/api/v1/scans/1', '/api/v1/rules/r', '/api/v1/diff?a=1&b=2', '/api/v1/hosts/x/drift', '/api/v1/events']) {
      const none = await fetch(base + path);
      assert.equal(none.status, 401, path);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer');
      const wrong = await fetch(base + path, { headers: { Authorization: `Bearer ${TOKEN}x` } });
      assert.equal(wrong.status, 401, path);
      await wrong.body?.cancel();
      await none.body?.cancel();
    }
    assert.equal((await post({ host: 'h', scan: fakeScan({ r: 'pass' }, T(1)) }, {})).status, 401);
    assert.equal((await post({ host: 'h', scan: fakeScan({ r: 'pass' }, T(1)) }, { Authorization: 'Basic abc' })).status, 401);
    assert.deepEqual((await get('/api/v1/hosts')).body, { hosts: [] }, 'a refused ingest stored nothing');
  });

  it('ingests scans and serves hosts, scans, latest, a scan, a rule and a diff', async () => {
    const a = await post({ host: { name: 'web1', group: ['web'], os: 'debian 12' }, scan: fakeScan({ r1: 'pass', r2: 'fail' }, T(1)), meta: { who: 'ci', source: 'fleet' } });
    assert.equal(a.status, 200, a.body.error);
    const b = await post({ host: 'web1', scan: fakeScan({ r1: 'fail', r2: 'fail' }, T(2)) });
    const c = await post({ host: 'db1', scan: fakeScan({ r1: 'pass' }, T(2)) });
    const [ida, idb, idc] = [a.body.scan, b.body.scan, c.body.scan] as number[];
    const hosts = (await get('/api/v1/hosts?trend=5')).body.hosts as Array<{ name: string; group: string[]; latest: { id: number; score: number }; trend: unknown[] }>;
    assert.deepEqual(hosts.map((h) => [h.name, h.latest.id, h.latest.score, h.trend.length]), [['db1', idc, 100, 1], ['web1', idb, 0, 2]]);
    assert.deepEqual(hosts[1]!.group, ['web']);
    const scans = (await get('/api/v1/hosts/web1/scans?limit=1')).body.scans as Array<{ id: number; who: string | null }>;
    assert.deepEqual(scans.map((s) => s.id), [idb]);
    const older = (await get(`/api/v1/hosts/web1/scans?before=${idb}`)).body.scans as Array<{ id: number; who: string; source: string }>;
    assert.deepEqual(older.map((s) => [s.id, s.who, s.source]), [[ida, 'ci', 'fleet']]);
    const latest = (await get('/api/v1/hosts/web1/latest')).body as { id: number; document: { rules: Array<{ id: string; messages: unknown[] }> } };
    assert.equal(latest.id, idb);
    assert.equal(latest.document.rules[0]!.messages.length, 1, 'evidence comes back');
    assert.equal(((await get(`/api/v1/scans/${ida}`)).body as { id: number }).id, ida);
    const rule = (await get('/api/v1/rules/r1')).body as { hosts: Array<{ host: string; result: string }> };
    assert.deepEqual(rule.hosts.map((h) => [h.host, h.result]), [['web1', 'fail'], ['db1', 'pass']]);
    const diff = (await get(`/api/v1/diff?a=${ida}&b=${idb}`)).body as { changed: unknown[] };
    assert.deepEqual(diff.changed, [{ rule: 'r1', from: 'pass', to: 'fail', severity: 'medium' }]);
    // retention 2: a third scan prunes the first, whose diff is then a conflict
    await post({ host: 'web1', scan: fakeScan({ r1: 'pass', r2: 'pass' }, T(3)) });
    const pruned = await get(`/api/v1/diff?a=${ida}&b=${idb}`);
    assert.equal(pruned.status, 409);
    assert.match(pruned.body.error!, /only its summary left/);
  });

  it('gives clear errors for what is not there and for bad requests', async () => {
    assert.equal((await get('/api/v1/hosts/nobody/latest')).status, 404);
    assert.equal((await get('/api/v1/scans/99999')).status, 404);
    assert.equal((await get('/api/v1/scans/abc')).status, 400);
    assert.equal((await get('/api/v1/diff?a=1')).status, 400);
    assert.equal((await get('/api/v1/diff?a=1&b=99999')).status, 404);
    assert.equal((await get('/api/v1/hosts/x/scans?limit=-1')).status, 400);
    assert.equal((await get('/api/v1/hosts/x/drift?since=yesterday')).status, 400);
    assert.equal((await get('/api/v1/nothing')).status, 404);
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post({ host: 'h' })).status, 400);
    assert.equal((await post({ host: 'h', scan: { schema: 'x' } })).status, 400);
    assert.equal((await post({ host: { name: 'h', group: 'web' }, drift: [] })).status, 400);
    assert.equal((await post({ host: 'h', state: { time: 'now' } })).status, 400);
    const big = await post({ host: 'h', scan: fakeScan(Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`rule_${i}`, 'pass'])), T(1)) });
    assert.equal(big.status, 413);
    assert.match(big.body.error!, /larger than 200000 bytes/);
    assert.equal(((await get('/api/v1/hosts')).body.hosts as Array<{ name: string }>).some((h) => h.name === 'h'), false, 'nothing refused was stored');
  });

  it("ingests a watcher's state and drift, and streams new drift events", async () => {
    const ac = new AbortController();
    const res = await fetch(`${base}/api/v1/events`, { headers: auth, signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    const until = async (re: RegExp) => {
      const deadline = Date.now() + 5000;
      while (!re.test(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in ${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += dec.decode(value);
      }
    };
    await until(/vigil serve drift events/);
    const drift = [{ time: T(4), rule: 'r1', from: 'pass', to: 'fail', severity: 'high', paths: ['/etc/ssh/sshd_config'] }];
    const r = await post({ host: 'watched', state: { time: T(4), content: '/c/ds.xml', profile: 'p', rules: { r1: 'fail', r2: 'pass' }, severities: { r1: 'high' }, score: 50 }, drift });
    assert.equal(r.status, 200, r.body.error);
    await until(/event: drift\ndata: .*"host":"watched"/);
    const id = /id: (\d+)\nevent: drift/.exec(text)![1];
    ac.abort();
    const latest = (await get('/api/v1/hosts/watched/latest')).body as { source: string; score: number; counts: Record<string, number>; document: { rules: Array<{ severity: string }> } };
    assert.equal(latest.source, 'watch');
    assert.equal(latest.score, 50);
    assert.equal(latest.counts.fail, 1);
    assert.equal(latest.document.rules[0]!.severity, 'high');
    const stored = (await get('/api/v1/hosts/watched/drift')).body.drift as Array<{ id: number; rule: string; paths: string[] }>;
    assert.deepEqual(stored.map((d) => [String(d.id), d.rule, d.paths]), [[id, 'r1', ['/etc/ssh/sshd_config']]]);
    // a client coming back with Last-Event-ID gets what it missed
    await store.recordDrift('watched', [{ ...drift[0]!, rule: 'r2', time: T(5) }]);
    const again = await fetch(`${base}/api/v1/events`, { headers: { ...auth, 'Last-Event-ID': id! } });
    const rd = again.body!.getReader();
    let t2 = '';
    while (!/"rule":"r2"/.test(t2)) t2 += dec.decode((await rd.read()).value);
    assert.doesNotMatch(t2, /"rule":"r1"/, 'nothing before Last-Event-ID is repeated');
    await rd.cancel();
  });

  it('says not ready, and answers 503, when the store fails', async () => {
    const dead = await openResultsStore(join(dir, 'dead.db'));
    const deadApi = createServeApi(dead, { token: TOKEN });
    await dead.close();
    const r = await deadApi.app.request('/readyz');
    assert.equal(r.status, 503);
    assert.match(((await r.json()) as { reason: string }).reason, /store is closed/);
    const h = await deadApi.app.request('/api/v1/hosts', { headers: auth });
    assert.equal(h.status, 503);
  });
});

/**
 * Distributed fleet scans on a real PostgreSQL: a coordinator queues the
 * hosts (pg-boss), three workers with their own connections take them and
 * record the scans in the shared store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openResultsStore } from '../store/index.js';
import { fakeFleet, writeFleetContent, writeRoot } from '../testing/fleet-hosts.js';
import { postgresForTests, postgresSuiteOptions, type PostgresServer } from '../testing/postgres.js';
import { parseInventory, type InventoryHost } from './inventory.js';
import { queuedFleetScan, runFleetWorker } from './queue.js';
import { topFailingRules } from './report.js';
import { fleetExitCode } from './scan.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-fleet-queue-'));
let pg: PostgresServer | undefined;
after(async () => {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});
const contentDir = join(dir, 'content');
writeFleetContent(contentDir);

function hosts(text: string): InventoryHost[] {
  const inv = parseInventory(text, { file: 'hosts', format: 'ini' });
  return [...inv.hosts.values()];
}

describe('vigil fleet scan --queue with three workers', postgresSuiteOptions(), () => {
  it('splits the hosts among the workers, records every scan in the store, and reports the fleet', async (t) => {
    pg = await postgresForTests(t);
    if (!pg) return;
    const names = Array.from({ length: 12 }, (_, i) => `q${String(i + 1).padStart(2, '0')}`);
    const roots = new Map(names.map((n, i) => [n, writeRoot(join(dir, 'roots', n), { os: i % 2 ? 'debian11' : 'ubuntu2204', secure: i % 4 !== 0, banner: true, hostname: n })]));
    const fleet = hosts(`[lab]\n${names.join('\n')}\nbroken\n`);
    const fake = fakeFleet((h) => (h.name === 'broken' ? { kind: 'refuse', code: 'auth-failed' } : { kind: 'ok', root: roots.get(h.name)!, delayMs: 400 }));
    const stop = new AbortController();
    const stores = await Promise.all([0, 1, 2].map(() => openResultsStore(pg!.url)));
    const workers = stores.map((store, i) =>
      runFleetWorker({
        url: pg!.url,
        name: `w${i + 1}`,
        forks: 1,
        pollMs: 100,
        contentDir,
        connect: fake.connect,
        sink: { record: async (h, scan, meta) => void (await store.recordScan({ name: h.name, group: h.groups }, scan, { source: 'fleet', durationMs: meta.durationMs })) },
        signal: stop.signal,
      }),
    );
    let result;
    try {
      result = await queuedFleetScan({ url: pg.url, hosts: fleet, retries: 0, pollMs: 100 });
    } finally {
      stop.abort();
    }
    const done = await Promise.all(workers);
    assert.equal(done.reduce((a, b) => a + b, 0), 13, 'every job done once');
    assert.deepEqual(result.workers, ['w1', 'w2', 'w3'], `each worker took jobs: ${done.join(', ')}`);
    const by = new Map(result.outcomes.map((o) => [o.host, o]));
    assert.equal(by.get('broken')!.error?.kind, 'auth-failed');
    for (const n of names) assert.equal(by.get(n)!.status, 'scanned', n);
    assert.equal(fleetExitCode(result.outcomes), 1);
    // top failing rules from the workers' answers: /etc/secure lacks on q01, q05, q09
    const top = topFailingRules(result.outcomes);
    assert.deepEqual(top.find((r) => r.id === 'xccdf_t_rule_secure')?.hostNames, ['q01', 'q05', 'q09']);
    const check = await openResultsStore(pg.url);
    try {
      const stored = await check.hosts();
      assert.deepEqual(stored.map((h) => h.name).sort(), names);
    } finally {
      await check.close();
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('the breaker cancels the jobs no worker took yet', async () => {
    if (!pg) return;
    const names = Array.from({ length: 10 }, (_, i) => `b${i + 1}`);
    const fleet = hosts(`${names.join('\n')}\n`);
    const root = writeRoot(join(dir, 'roots', 'b'), { os: 'debian11', secure: true, banner: true });
    const fake = fakeFleet((h) => (['b1', 'b2', 'b3'].includes(h.name) ? { kind: 'refuse', code: 'host-key' } : { kind: 'ok', root, delayMs: 1000 }));
    const stop = new AbortController();
    const worker = runFleetWorker({ url: pg.url, name: 'solo', forks: 1, pollMs: 50, contentDir, connect: fake.connect, sink: { record: async () => undefined }, signal: stop.signal });
    let result;
    try {
      result = await queuedFleetScan({ url: pg.url, hosts: fleet, maxFailPercentage: 20, pollMs: 50 });
    } finally {
      stop.abort();
    }
    await worker;
    assert.deepEqual(result.breaker, { failed: 3, total: 10, maxFailPercentage: 20 });
    assert.deepEqual(result.outcomes.slice(0, 3).map((o) => o.error?.kind), ['host-key', 'host-key', 'host-key']);
    const skipped = result.outcomes.filter((o) => o.status === 'skipped');
    assert.ok(skipped.length >= 4, `${skipped.length} jobs cancelled`);
    for (const o of skipped) assert.equal(fake.attempts.get(o.host), undefined, `${o.host} was never started`);
    assert.equal(fleetExitCode(result.outcomes), 1);
  });

  it('refuses to queue a literal become password', async () => {
    if (!pg) return;
    const fleet = hosts('h1 ansible_become=true ansible_become_password=hunter2\n');
    await assert.rejects(queuedFleetScan({ url: pg.url, hosts: fleet }), /literal become password cannot be put in the job queue/);
  });
});

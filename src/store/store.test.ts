/**
 * The ResultsStore contract (store.case.ts) on SQLite (a file and in memory)
 * and on a real PostgreSQL 15 started for this file (testing/postgres.ts);
 * plus what only one backend shows: migrations, the store's own directory,
 * a server that stops under the store.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { postgresSuiteOptions, startPostgres, type PostgresServer } from '../testing/postgres.js';
import { defaultStorePath, openResultsStore, SCHEMA_VERSION, StoreError } from './index.js';
import { fakeScan, resultsStoreCases } from './store.case.js';
import { openSqlite } from './db.js';
import { migrate } from './schema.js';

const require = createRequire(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'vigil-store-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

resultsStoreCases('SQLite file', (keep) => openResultsStore(join(dir, `s${++n}`, 'results.db'), keep ? { retention: { fullScansPerHost: keep } } : {}));
resultsStoreCases('SQLite in memory', (keep) => openResultsStore(':memory:', keep ? { retention: { fullScansPerHost: keep } } : {}));

describe('SQLite store', () => {
  it('lives in the user data directory by default', () => {
    assert.equal(defaultStorePath({ XDG_DATA_HOME: '/x/data', HOME: '/home/u' }), '/x/data/vigil/results.db');
    assert.equal(defaultStorePath({ HOME: '/home/u' }), '/home/u/.local/share/vigil/results.db');
    assert.equal(defaultStorePath({ XDG_DATA_HOME: 'relative', HOME: '/home/u' }), '/home/u/.local/share/vigil/results.db', 'a relative XDG_DATA_HOME is ignored, as the spec says');
  });

  it('creates its directory private, migrates once, and refuses a newer schema', async () => {
    const path = join(dir, 'mig', 'deep', 'results.db');
    const s = await openResultsStore(path);
    const id = await s.recordScan({ name: 'h' }, fakeScan({ r1: 'pass' }, '2026-11-01T00:00:00Z'), { source: 'scan' });
    await s.close();
    assert.equal(statSync(join(dir, 'mig', 'deep')).mode & 0o777, 0o700);
    const again = await openResultsStore(path);
    assert.equal((await again.scan(id))?.rules, 1, 'reopening keeps the data');
    await again.close();
    const Database = require('better-sqlite3') as new (p: string) => { prepare(s: string): { get(): unknown; run(...a: unknown[]): unknown }; close(): void };
    const raw = new Database(path);
    assert.deepEqual(raw.prepare('SELECT MAX(version) AS v FROM vigil_migrations').get(), { v: SCHEMA_VERSION });
    raw.prepare('INSERT INTO vigil_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(SCHEMA_VERSION + 1, 'from the future', 'now');
    raw.close();
    await assert.rejects(openResultsStore(path), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.equal(e.code, 'schema-newer');
      assert.match(e.message, new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this vigil knows \\(${SCHEMA_VERSION}\\)`));
      return true;
    });
  });

  it('migrates a version 1 store: the hosts get their trend from the scans already there', async () => {
    const path = join(dir, 'v1', 'results.db');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'v1'));
    const db = openSqlite(path);
    assert.equal(await migrate(db, path, 1), 1);
    await db.run(`INSERT INTO hosts (id, name, scan_count, latest_scan, latest_time) VALUES (1, 'old', 2, 2, '2026-01-02T00:00:00.000Z')`);
    for (const [id, day, score] of [[1, 1, 40], [2, 2, 60]] as const) {
      await db.run(
        `INSERT INTO scans (id, host_id, start_time, end_time, recorded_at, benchmark, profile, content_file, score, maximum, counts, rule_count, source)
         VALUES (?, 1, ?, ?, ?, 'b', NULL, '/c', ?, 100, '{}', 0, 'scan')`,
        [id, `2026-01-0${day}T00:00:00.000Z`, `2026-01-0${day}T00:00:00.000Z`, `2026-01-0${day}T00:00:00.000Z`, score],
      );
    }
    await db.close();
    const s = await openResultsStore(path);
    try {
      const [h] = await s.hosts({ trend: 5 });
      assert.deepEqual(h?.trend, [{ time: '2026-01-01T00:00:00.000Z', score: 40 }, { time: '2026-01-02T00:00:00.000Z', score: 60 }]);
      assert.equal(h?.latest?.id, 2);
      await s.recordScan({ name: 'old' }, fakeScan({ r: 'pass' }, '2026-01-03T00:00:00Z'), { source: 'scan' });
      assert.deepEqual((await s.hosts({ trend: 2 }))[0]?.trend?.map((t) => t.score), [60, 100]);
    } finally {
      await s.close();
    }
  });

  it('refuses what is not a store: a bad spec, a directory, a non-SQLite file', async () => {
    await assert.rejects(openResultsStore('mysql://x/y'), /unsupported store/);
    await assert.rejects(openResultsStore(''), /needs a path/);
    await assert.rejects(openResultsStore(dir), (e: unknown) => e instanceof StoreError && e.code === 'open');
    await assert.rejects(openResultsStore(join(dir, 'x.db'), { retention: { fullScansPerHost: 0 } }), /positive integer/);
  });
});

describe('PostgreSQL store', postgresSuiteOptions(), () => {
  let pg: PostgresServer | undefined;
  let skipReason = '';
  before(async () => {
    // installed but it cannot start: every case fails with the reason
    pg = await startPostgres().catch((e: Error) => {
      skipReason = `a PostgreSQL server could not be started: ${e.message}`;
      return undefined;
    });
  });
  after(async () => {
    await pg?.stop();
  });
  let db = 0;
  const fresh = async (keep?: number) => {
    if (!pg) throw new Error(skipReason || 'PostgreSQL is not available');
    // one database per case: the cases expect an empty store
    const name = `case${++db}`;
    const pgmod = require('pg') as { Client: new (o: object) => { connect(): Promise<void>; query(s: string): Promise<unknown>; end(): Promise<void> } };
    const c = new pgmod.Client({ connectionString: pg.url });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    return openResultsStore(pg.url.replace(/\/vigil$/, `/${name}`), keep ? { retention: { fullScansPerHost: keep } } : {});
  };
  resultsStoreCases('PostgreSQL 15', fresh);

  it('refuses a newer schema, and says clearly when the server goes away', async () => {
    if (!pg) throw new Error(skipReason || 'PostgreSQL is not available');
    const s = await fresh();
    await s.recordScan({ name: 'h' }, fakeScan({ r1: 'pass' }, '2026-11-01T00:00:00Z'), { source: 'scan' });
    const spec = pg.url.replace(/\/vigil$/, `/case${db}`);
    await s.close();
    const pgmod = require('pg') as { Client: new (o: object) => { connect(): Promise<void>; query(s: string, p?: unknown[]): Promise<unknown>; end(): Promise<void> } };
    const c = new pgmod.Client({ connectionString: spec });
    await c.connect();
    await c.query('INSERT INTO vigil_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [SCHEMA_VERSION + 1, 'future', 'now']);
    await c.end();
    await assert.rejects(openResultsStore(spec), (e: unknown) => e instanceof StoreError && e.code === 'schema-newer' && !e.message.includes('password'));

    const live = await fresh();
    await live.recordScan({ name: 'h' }, fakeScan({ r1: 'pass' }, '2026-11-01T00:00:00Z'), { source: 'scan' });
    await pg.halt();
    try {
      await assert.rejects(live.recordScan({ name: 'h' }, fakeScan({ r1: 'fail' }, '2026-11-02T00:00:00Z'), { source: 'scan' }), (e: unknown) => {
        assert.ok(e instanceof StoreError, String(e));
        assert.equal(e.code, 'unavailable');
        assert.match(e.message, /PostgreSQL store postgres:\/\/vigil@127\.0\.0\.1:\d+\/case\d+ is unavailable/);
        return true;
      });
      await assert.rejects(live.hosts(), (e: unknown) => e instanceof StoreError && e.code === 'unavailable');
    } finally {
      await pg.restart();
    }
    // the pool reconnects once the server is back; the failed scan was not half-recorded
    const hosts = await live.hosts();
    assert.equal(hosts[0]?.scans, 1);
    await live.close();
  });
});

/**
 * The two SQL engines behind one small async interface. The store's queries
 * are written once, with `?` placeholders; the PostgreSQL adapter numbers
 * them (`$1`, `$2`, …). SQLite is synchronous underneath, so its adapter
 * runs one operation at a time (a transaction holds the lock until it ends).
 */
import { createRequire } from 'node:module';
import { StoreError } from './types.js';

export type Dialect = 'sqlite' | 'pg';
export type Row = Record<string, unknown>;
export type Param = string | number | null | Buffer;

export interface Sql {
  readonly dialect: Dialect;
  all<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T[]>;
  run(sql: string, params?: readonly Param[]): Promise<number>;
  /** Statements without parameters, separated by `;` (DDL). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Sql {
  /** Runs `fn` in one transaction; rolls back when it throws. */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Numbers `?` placeholders for PostgreSQL (the store's SQL has no `?` inside literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

// ---------------------------------------------------------------- SQLite

interface BetterStatement {
  all(...params: unknown[]): Row[];
  run(...params: unknown[]): { changes: number };
}
interface BetterDatabase {
  prepare(sql: string): BetterStatement;
  exec(sql: string): void;
  pragma(s: string): unknown;
  close(): void;
}

const require = createRequire(import.meta.url);

export function openSqlite(path: string): Db {
  let db: BetterDatabase;
  try {
    const Database = require('better-sqlite3') as new (p: string, o?: object) => BetterDatabase;
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new StoreError('open', `cannot open the SQLite store ${path}: ${(err as Error).message}`, { cause: err });
  }
  const cache = new Map<string, BetterStatement>();
  const stmt = (sql: string): BetterStatement => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      if (cache.size > 500) cache.clear();
      cache.set(sql, s);
    }
    return s;
  };
  const inner: Sql = {
    dialect: 'sqlite',
    all: async <T extends Row>(sql: string, params: readonly Param[] = []) => stmt(sql).all(...params) as T[],
    run: async (sql, params = []) => stmt(sql).run(...params).changes,
    exec: async (sql) => db.exec(sql),
  };
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new StoreError('unavailable', 'the store is closed'));
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  };
  return {
    dialect: 'sqlite',
    all: (sql, params) => serial(() => inner.all(sql, params)),
    run: (sql, params) => serial(() => inner.run(sql, params)),
    exec: (sql) => serial(() => inner.exec(sql)),
    tx: (fn) =>
      serial(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const out = await fn(inner);
          db.exec('COMMIT');
          return out;
        } catch (err) {
          db.exec('ROLLBACK');
          throw err;
        }
      }),
    close: async () => {
      await serial(async () => undefined);
      closed = true;
      db.close();
    },
  };
}

// ---------------------------------------------------------------- PostgreSQL

interface PgClient {
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
  release(err?: Error | boolean): void;
  on(ev: 'error', fn: (err: Error) => void): void;
  removeListener(ev: 'error', fn: (err: Error) => void): void;
}
interface PgPool {
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
  connect(): Promise<PgClient>;
  end(): Promise<void>;
  on(ev: 'error', fn: (err: Error) => void): void;
}

/** A connection string with its password masked, for messages. */
export function redactUrl(spec: string): string {
  try {
    const u = new URL(spec);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

function pgError(spec: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as NodeJS.ErrnoException & { code?: string };
  const connection = ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001', '08003'].includes(e.code ?? '');
  const msg = connection || /terminat|Connection|connect/i.test(e.message ?? '')
    ? `the PostgreSQL store ${redactUrl(spec)} is unavailable: ${e.message}`
    : `PostgreSQL store ${redactUrl(spec)}: ${e.message}`;
  return new StoreError(connection ? 'unavailable' : 'open', msg, { cause: err });
}

export function openPostgres(spec: string): Db {
  const pg = require('pg') as { Pool: new (o: object) => PgPool; types: { setTypeParser(oid: number, fn: (v: string) => unknown): void } };
  const pool = new pg.Pool({ connectionString: spec, max: 4, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 10_000 });
  // A server that goes away must not crash the process through an idle client's 'error' event.
  pool.on('error', () => undefined);
  const wrap = (q: (sql: string, params?: readonly unknown[]) => Promise<{ rows: Row[]; rowCount: number | null }>): Sql => ({
    dialect: 'pg',
    all: async <T extends Row>(sql: string, params: readonly Param[] = []) => {
      try {
        return (await q(numberPlaceholders(sql), params)).rows as T[];
      } catch (err) {
        throw pgError(spec, err);
      }
    },
    run: async (sql, params = []) => {
      try {
        return (await q(numberPlaceholders(sql), params)).rowCount ?? 0;
      } catch (err) {
        throw pgError(spec, err);
      }
    },
    exec: async (sql) => {
      try {
        await q(sql);
      } catch (err) {
        throw pgError(spec, err);
      }
    },
  });
  const top = wrap((sql, params) => pool.query(sql, params as unknown[]));
  return {
    ...top,
    tx: async (fn) => {
      let client: PgClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw pgError(spec, err);
      }
      const inner = wrap((sql, params) => client.query(sql, params as unknown[]));
      // a server that goes away mid-transaction makes the checked-out client emit 'error': the query's rejection reports it
      const quiet = (): void => undefined;
      client.on('error', quiet);
      try {
        await inner.exec('BEGIN');
        const out = await fn(inner);
        await inner.exec('COMMIT');
        client.removeListener('error', quiet);
        client.release();
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.removeListener('error', quiet);
        client.release(true);
        throw err instanceof StoreError ? err : pgError(spec, err);
      }
    },
    close: () => pool.end(),
  };
}

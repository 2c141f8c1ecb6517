/**
 * The results store: `openResultsStore(spec)` opens SQLite for a path and
 * PostgreSQL for a `postgres://` URL, applying the schema's migrations.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { openPostgres, openSqlite, redactUrl, type Db } from './db.js';
import { migrate } from './schema.js';
import { SqlResultsStore } from './sql-store.js';
import { StoreError, type StoreOptions } from './types.js';

export * from './types.js';
export { SCHEMA_VERSION } from './schema.js';
export { SqlResultsStore } from './sql-store.js';
export { redactUrl } from './db.js';

export const isPostgresSpec = (spec: string): boolean => /^postgres(ql)?:\/\//i.test(spec);

/** The user's data directory's store: $XDG_DATA_HOME/vigil/results.db, else ~/.local/share/vigil/results.db. */
export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'vigil', 'results.db');
}

/** Opens (creating and migrating when needed) the store named by `spec`: a file path, or postgres://… */
export async function openResultsStore(spec: string, opts: StoreOptions = {}): Promise<SqlResultsStore> {
  if (typeof spec !== 'string' || spec.trim() === '') throw new StoreError('bad-input', 'the store needs a path or a postgres:// URL');
  let db: Db;
  let where: string;
  if (isPostgresSpec(spec)) {
    db = openPostgres(spec);
    where = redactUrl(spec);
  } else {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) throw new StoreError('bad-input', `unsupported store ${spec}: use a file path or postgres://…`);
    if (spec !== ':memory:') {
      try {
        mkdirSync(dirname(spec), { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new StoreError('open', `cannot create the directory of the store ${spec}: ${(err as Error).message}`, { cause: err });
      }
    }
    db = openSqlite(spec);
    where = spec;
  }
  try {
    const store = new SqlResultsStore(db, opts);
    await migrate(db, where);
    return store;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

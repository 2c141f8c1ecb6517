/**
 * The watch daemon's memory across restarts: the current state of every
 * rule per scope, the event history and a summary per full sweep.
 *
 * Two implementations of `WatchStore` (daemon/types.ts) with the same
 * semantics, held together by one case suite (store.case.ts):
 *   - `openWatchStore(dir)`: SQLite (better-sqlite3) in `<dir>/state.sqlite`;
 *   - `memoryStore()`: plain maps and arrays, what the daemon falls back to
 *     when the disk store fails, and what unit tests of the other parts use.
 *
 * Both keep events and sweeps as their JSON text, so that what comes back is
 * what the disk store would give (a field that is `undefined` is dropped,
 * NaN becomes null, the caller's objects are never shared).
 *
 * Guarantees of the disk store (docs/ARCHITECTURE.md, "Watch state store"):
 *   - `commit` is one transaction: all of it is stored or none of it;
 *   - once `commit` has returned, its events survive a SIGKILL of the process
 *     (and, with synchronous=FULL, a power loss);
 *   - event ids increase and are never given twice in a state directory, even
 *     after pruning (AUTOINCREMENT);
 *   - one process at a time: a second `openWatchStore` of the same directory
 *     is refused while the first is open (the lock dies with its process);
 *   - every failure is a `StoreError` naming the file, with the SQLite or
 *     errno code.
 */
import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  StoreError,
  type Retention,
  type RuleState,
  type StoredEvent,
  type SweepSummary,
  type WatchEvent,
  type WatchScope,
  type WatchStore,
} from './types.js';

/** The database file in the state directory. */
export const STATE_FILE = 'state.sqlite';
/** The pid of the process that holds the state directory (informational: the lock is SQLite's). */
export const PID_FILE = 'state.pid';
/** The schema this code writes; a file with a higher version is refused. */
export const SCHEMA_VERSION = 1;

export interface WatchStoreOptions {
  /** Applied once at open (then by the daemon through `prune`). */
  readonly retention?: Retention;
  /** How long open waits for another process's lock before refusing, ms (default 250). */
  readonly lockWaitMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * The schema, one step per version: step i takes version i to i + 1, inside
 * the open's write transaction. Never edit a step once released; add one.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE scopes (
    id INTEGER PRIMARY KEY,
    content TEXT NOT NULL, profile TEXT NOT NULL, tailoring TEXT NOT NULL, target TEXT NOT NULL,
    committed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (content, profile, tailoring, target)
  );
  CREATE TABLE states (
    scope INTEGER NOT NULL REFERENCES scopes (id),
    rule TEXT NOT NULL, result TEXT NOT NULL, severity TEXT NOT NULL, time TEXT NOT NULL,
    PRIMARY KEY (scope, rule)
  ) WITHOUT ROWID;
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope INTEGER NOT NULL REFERENCES scopes (id),
    type TEXT NOT NULL, time TEXT NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL
  );
  CREATE INDEX events_at ON events (at);
  CREATE TABLE sweeps (
    id INTEGER PRIMARY KEY,
    scope INTEGER NOT NULL REFERENCES scopes (id),
    at INTEGER NOT NULL, body TEXT NOT NULL
  );
  CREATE INDEX sweeps_scope ON sweeps (scope, id);
  CREATE INDEX sweeps_at ON sweeps (at);
  `,
];

// ------------------------------------------------------------ shared helpers

/** Milliseconds since the epoch of an ISO time; a time that cannot be read ages from when it is stored. */
function atOf(time: string): number {
  const t = Date.parse(time);
  return Number.isFinite(t) ? t : Date.now();
}

/** The event's JSON without an `id` it may carry (the store gives ids). */
function eventBody(e: WatchEvent): string {
  const { id: _ignored, ...rest } = e as WatchEvent & { id?: unknown };
  return JSON.stringify(rest);
}

function storedEvent(id: number, body: string): StoredEvent {
  return { id, ...(JSON.parse(body) as WatchEvent) };
}

function copyState(s: RuleState): RuleState {
  return { rule: String(s.rule), result: String(s.result), severity: String(s.severity), time: String(s.time) };
}

/** `since` below 0 means 0; a `limit` below 1 gives nothing; Infinity means no limit. */
function window(since: number, limit: number): { since: number; limit: number } {
  if (Number.isNaN(since) || Number.isNaN(limit)) throw new RangeError(`events(${since}, ${limit}): not a number`);
  return { since: Math.max(0, Math.floor(since)), limit: Math.max(0, Math.floor(limit)) };
}

/** The cutoff (ms) before which events and sweeps are dropped, or -Infinity. */
function checkRetention(r: Retention, now: Date): { cutoff: number; maxEvents: number } {
  const okCount = r.maxEvents === Infinity || (Number.isInteger(r.maxEvents) && r.maxEvents >= 0);
  const okAge = r.maxAgeDays === Infinity || (Number.isFinite(r.maxAgeDays) && r.maxAgeDays >= 0);
  if (!okCount || !okAge) throw new RangeError(`retention: maxEvents must be an integer >= 0, maxAgeDays a number >= 0 (got ${r.maxEvents}, ${r.maxAgeDays})`);
  if (Number.isNaN(now.getTime())) throw new RangeError('prune: invalid date');
  return { cutoff: r.maxAgeDays === Infinity ? -Infinity : now.getTime() - r.maxAgeDays * DAY_MS, maxEvents: r.maxEvents };
}

const scopeKey = (s: WatchScope): string => JSON.stringify([s.content, s.profile, s.tailoring, s.target]);

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

function codeOf(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** Wraps anything thrown into a one-line StoreError naming the file. */
function storeError(file: string, what: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const code = codeOf(err);
  const msg = err instanceof Error ? err.message : String(err);
  return new StoreError(`state store ${file}: ${what}: ${oneLine(msg)}${code ? ` (${code})` : ''}`, code);
}

// -------------------------------------------------------------- memory store

interface MemScope {
  committed: boolean;
  readonly states: Map<string, RuleState>;
  /** Oldest first. */
  readonly sweeps: Array<{ id: number; at: number; body: string }>;
}

/** A `WatchStore` in memory, with the disk store's semantics (store.case.ts holds both to it). */
export function memoryStore(): WatchStore {
  const scopes = new Map<string, MemScope>();
  /** Oldest first, ids increasing. */
  let events: Array<{ id: number; at: number; body: string }> = [];
  let lastId = 0;
  let lastSweep = 0;
  let closed = false;
  const where = '(memory)';

  const open = (what: string): void => {
    if (closed) throw new StoreError(`state store ${where}: cannot ${what}: the store is closed`, 'SQLITE_MISUSE');
  };
  const scopeOf = (scope: WatchScope): MemScope => {
    const k = scopeKey(scope);
    let s = scopes.get(k);
    if (!s) scopes.set(k, (s = { committed: false, states: new Map(), sweeps: [] }));
    return s;
  };
  const guard = <T>(what: string, fn: () => T): T => {
    open(what);
    try {
      return fn();
    } catch (err) {
      if (err instanceof RangeError) throw err;
      throw storeError(where, `cannot ${what}`, err);
    }
  };

  return {
    load(scope) {
      return guard('load', () => {
        const s = scopes.get(scopeKey(scope));
        if (!s?.committed) return undefined;
        return new Map([...s.states].map(([k, v]) => [k, copyState(v)]));
      });
    },
    commit(scope, states, evs) {
      return guard('commit', () => {
        // Everything that can fail happens before anything changes.
        const copies = states.map(copyState);
        const rows = evs.map((e, i) => ({ id: lastId + i + 1, at: atOf(e.time), body: eventBody(e) }));
        const s = scopeOf(scope);
        for (const c of copies) s.states.set(c.rule, c);
        s.committed = true;
        events.push(...rows);
        lastId += rows.length;
        return rows.map((r) => storedEvent(r.id, r.body));
      });
    },
    events(since, limit) {
      return guard('read events', () => {
        const w = window(since, limit);
        // ids increase along the array: find the first one after `since`.
        let lo = 0;
        let hi = events.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (events[mid]!.id > w.since) hi = mid;
          else lo = mid + 1;
        }
        const end = Number.isFinite(w.limit) ? lo + w.limit : events.length;
        return events.slice(lo, end).map((r) => storedEvent(r.id, r.body));
      });
    },
    lastEventId() {
      return guard('read the last event id', () => lastId);
    },
    recordSweep(scope, sweep) {
      guard('record a sweep', () => {
        const body = JSON.stringify(sweep);
        scopeOf(scope).sweeps.push({ id: ++lastSweep, at: atOf(sweep.time), body });
      });
    },
    sweeps(scope, limit) {
      return guard('read sweeps', () => {
        const s = scopes.get(scopeKey(scope));
        const n = window(0, limit).limit;
        if (!s || n === 0) return [];
        return s.sweeps.slice(-n).reverse().map((r) => JSON.parse(r.body) as SweepSummary);
      });
    },
    prune(retention, now) {
      const { cutoff, maxEvents } = checkRetention(retention, now);
      return guard('prune', () => {
        const before = events.length;
        const young = events.filter((r) => r.at >= cutoff);
        events = maxEvents >= young.length ? young : young.slice(young.length - maxEvents);
        for (const s of scopes.values()) {
          const kept = s.sweeps.filter((r) => r.at >= cutoff);
          s.sweeps.splice(0, s.sweeps.length, ...kept);
        }
        return before - events.length;
      });
    },
    close() {
      closed = true;
    },
  };
}

// ---------------------------------------------------------------- disk store

/** mkdir -p with mode 0700, reporting the error of the directory that could not be made (a recursive mkdirSync says ENOENT on a read-only file system). */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    const code = codeOf(err);
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw err;
    makeDir(dirname(dir));
    mkdirSync(dir, { mode: 0o700 });
  }
}

/** The pid in the state directory's pid file, when that process is alive. */
function holderPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, PID_FILE), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    statSync(`/proc/${pid}`);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Opens (creating it and `dir`, mode 0700, when missing) the SQLite state
 * store of a state directory, and holds it until `close()` or the end of the
 * process. Throws a StoreError when the directory cannot be created or
 * written, the file is not a database or is corrupt, was written by a newer
 * Vigil, or is held by another process.
 */
export function openWatchStore(dir: string, opts: WatchStoreOptions = {}): WatchStore {
  const file = join(dir, STATE_FILE);
  if (opts.retention) checkRetention(opts.retention, new Date());
  try {
    makeDir(dir);
  } catch (err) {
    throw new StoreError(`state directory ${dir}: cannot create it: ${oneLine((err as Error).message)}`, codeOf(err));
  }
  // SQLite would open a file it cannot write read-only and fail later with a
  // lock or I/O error; WAL needs to create files in the directory anyway.
  for (const [path, what] of [[dir, 'the state directory is not writable'], [file, 'the file is not writable']] as const) {
    try {
      accessSync(path, constants.W_OK);
    } catch (err) {
      if (codeOf(err) === 'ENOENT') continue;
      throw storeError(file, what, err);
    }
  }
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: opts.lockWaitMs ?? 250 });
  } catch (err) {
    throw storeError(file, 'cannot open', err);
  }
  try {
    setUp(db, dir, file);
  } catch (err) {
    try {
      db.close();
    } catch {
      // already failing; the first error is the one to report
    }
    throw err;
  }
  try {
    writeFileSync(join(dir, PID_FILE), `${process.pid}\n`, { mode: 0o600 });
  } catch {
    // informational only: the lock is SQLite's, and dies with the process
  }
  const store = sqliteStore(db, dir, file);
  if (opts.retention) {
    try {
      store.prune(opts.retention, new Date());
    } catch (err) {
      store.close();
      throw err;
    }
  }
  return store;
}

/** Pragmas, the lock, the schema and an integrity check; throws StoreError. */
function setUp(db: Database.Database, dir: string, file: string): void {
  let step = 'cannot open';
  try {
    // EXCLUSIVE before the first access: the connection keeps its file lock
    // until it is closed (the kernel drops it when the process dies, so a
    // SIGKILLed daemon leaves no stale lock), and in WAL mode it keeps the
    // WAL index in its own memory instead of a -shm file.
    db.pragma('locking_mode = EXCLUSIVE');
    step = 'cannot read it';
    db.pragma('journal_mode = WAL');
    // WAL with synchronous=NORMAL already survives a kill of the process
    // once commit() returned: the commit is in the WAL through write(), and
    // the kernel's page cache outlives the process. It does not survive a
    // power loss or a kernel crash: the last commits before the next
    // checkpoint can be lost, and their event ids given again to other
    // events. FULL syncs the WAL at every commit, so an id once published
    // (on stdout, the API or a webhook) is never reused even then. Commits
    // are one per evaluation batch (debounced), so the fsync is cheap enough
    // (bench/watch-store.mjs prints it).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('journal_size_limit = 4194304');
    step = 'cannot migrate it';
    migrate(db, file);
    step = 'integrity check failed';
    const problems = db.pragma('quick_check', { simple: false }) as Array<{ quick_check: string }>;
    if (problems.length !== 1 || problems[0]!.quick_check !== 'ok') {
      const first = problems[0]?.quick_check ?? 'no answer';
      throw new StoreError(`state store ${file}: corrupt (${oneLine(first)}); move it aside to start afresh (SQLITE_CORRUPT)`, 'SQLITE_CORRUPT');
    }
  } catch (err) {
    if (err instanceof StoreError) throw err;
    const code = codeOf(err);
    if (code === 'SQLITE_BUSY' || code?.startsWith('SQLITE_BUSY_')) {
      const pid = holderPid(dir);
      throw new StoreError(`state directory ${dir} is in use by another vigil watch (${pid ? `pid ${pid}` : 'pid unknown'}): ${file} is locked`, code);
    }
    if (code === 'SQLITE_NOTADB') throw new StoreError(`state store ${file}: not an SQLite database; move it aside to start afresh (SQLITE_NOTADB)`, code);
    if (code?.startsWith('SQLITE_CORRUPT')) throw storeError(file, `${step} (move it aside to start afresh)`, err);
    throw storeError(file, step, err);
  }
}

/** Brings the schema to SCHEMA_VERSION in one write transaction (which also takes the lock). */
function migrate(db: Database.Database, file: string): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as Array<{ name: string }>).map((r) => r.name);
    let version = 0;
    if (tables.includes('meta')) {
      const row = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
      version = Number(row?.value);
      if (!Number.isInteger(version) || version < 1) throw new StoreError(`state store ${file}: no valid schema version in its meta table`, 'VIGIL_SCHEMA');
    } else if (tables.length > 0) {
      throw new StoreError(`state store ${file}: an SQLite database but not a vigil watch state store (tables: ${tables.slice(0, 5).join(', ')})`, 'VIGIL_SCHEMA');
    }
    if (version > SCHEMA_VERSION) {
      throw new StoreError(`state store ${file}: written by a newer vigil (schema ${version}; this one knows up to ${SCHEMA_VERSION})`, 'VIGIL_SCHEMA');
    }
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    // A write at every open: it takes the exclusive lock now, not at the first commit.
    db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(String(SCHEMA_VERSION));
    db.exec('COMMIT');
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

function sqliteStore(db: Database.Database, dir: string, file: string): WatchStore {
  const q = {
    scopeId: db.prepare<[string, string, string, string], { id: number; committed: number }>(
      'SELECT id, committed FROM scopes WHERE content = ? AND profile = ? AND tailoring = ? AND target = ?',
    ),
    addScope: db.prepare<[string, string, string, string]>('INSERT INTO scopes (content, profile, tailoring, target) VALUES (?, ?, ?, ?)'),
    markCommitted: db.prepare<[number]>('UPDATE scopes SET committed = 1 WHERE id = ? AND committed = 0'),
    states: db.prepare<[number], RuleState>('SELECT rule, result, severity, time FROM states WHERE scope = ?'),
    upsertState: db.prepare<[number, string, string, string, string]>(
      'INSERT INTO states (scope, rule, result, severity, time) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (scope, rule) DO UPDATE SET result = excluded.result, severity = excluded.severity, time = excluded.time',
    ),
    addEvent: db.prepare<[number, string, string, number, string]>('INSERT INTO events (scope, type, time, at, body) VALUES (?, ?, ?, ?, ?)'),
    events: db.prepare<[number, number], { id: number; body: string }>('SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT ?'),
    lastId: db.prepare<[], { seq: number }>(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`),
    addSweep: db.prepare<[number, number, string]>('INSERT INTO sweeps (scope, at, body) VALUES (?, ?, ?)'),
    sweeps: db.prepare<[number, number], { body: string }>('SELECT body FROM sweeps WHERE scope = ? ORDER BY id DESC LIMIT ?'),
    dropOldEvents: db.prepare<[number]>('DELETE FROM events WHERE at < ?'),
    dropEventsOver: db.prepare<[number]>('DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?)'),
    dropOldSweeps: db.prepare<[number]>('DELETE FROM sweeps WHERE at < ?'),
  };
  /** Scope ids by scopeKey, once known to exist (rows are never deleted). */
  const ids = new Map<string, number>();
  let closed = false;

  const guard = <T>(what: string, fn: () => T): T => {
    if (closed) throw new StoreError(`state store ${file}: cannot ${what}: the store is closed`, 'SQLITE_MISUSE');
    try {
      return fn();
    } catch (err) {
      if (err instanceof RangeError) throw err;
      throw storeError(file, `cannot ${what}`, err);
    }
  };
  const find = (scope: WatchScope): { id: number; committed: number } | undefined =>
    q.scopeId.get(scope.content, scope.profile, scope.tailoring, scope.target);
  /** The scope's id, adding it (inside the caller's transaction). */
  const idOf = (scope: WatchScope): number => {
    const k = scopeKey(scope);
    let id = ids.get(k);
    if (id === undefined) {
      id = find(scope)?.id ?? Number(q.addScope.run(scope.content, scope.profile, scope.tailoring, scope.target).lastInsertRowid);
      ids.set(k, id);
    }
    return id;
  };

  const commit = db.transaction((scope: WatchScope, states: readonly RuleState[], evs: readonly WatchEvent[]): StoredEvent[] => {
    const scopeId = idOf(scope);
    q.markCommitted.run(scopeId);
    for (const s of states) q.upsertState.run(scopeId, String(s.rule), String(s.result), String(s.severity), String(s.time));
    const out: StoredEvent[] = [];
    for (const e of evs) {
      const body = eventBody(e);
      const id = Number(q.addEvent.run(scopeId, String(e.type), String(e.time), atOf(e.time), body).lastInsertRowid);
      out.push(storedEvent(id, body));
    }
    return out;
  });
  const recordSweep = db.transaction((scope: WatchScope, sweep: SweepSummary) => {
    q.addSweep.run(idOf(scope), atOf(sweep.time), JSON.stringify(sweep));
  });
  const prune = db.transaction((cutoff: number, maxEvents: number): number => {
    let dropped = 0;
    if (cutoff > -Infinity) {
      dropped += q.dropOldEvents.run(cutoff).changes;
      q.dropOldSweeps.run(cutoff);
    }
    if (maxEvents !== Infinity) dropped += q.dropEventsOver.run(maxEvents).changes;
    return dropped;
  });

  return {
    load(scope) {
      return guard('load', () => {
        const row = find(scope);
        if (!row?.committed) return undefined;
        return new Map(q.states.all(row.id).map((s) => [s.rule, s]));
      });
    },
    commit(scope, states, evs) {
      return guard('commit', () => {
        try {
          return commit(scope, states, evs);
        } catch (err) {
          // A failed transaction may have added the scope row it then rolled back.
          ids.delete(scopeKey(scope));
          throw err;
        }
      });
    },
    events(since, limit) {
      return guard('read events', () => {
        const w = window(since, limit);
        if (w.limit === 0) return [];
        return q.events.all(w.since, Number.isFinite(w.limit) ? w.limit : -1).map((r) => storedEvent(r.id, r.body));
      });
    },
    lastEventId() {
      return guard('read the last event id', () => q.lastId.get()?.seq ?? 0);
    },
    recordSweep(scope, sweep) {
      guard('record a sweep', () => {
        try {
          recordSweep(scope, sweep);
        } catch (err) {
          ids.delete(scopeKey(scope));
          throw err;
        }
      });
    },
    sweeps(scope, limit) {
      return guard('read sweeps', () => {
        const n = window(0, limit).limit;
        const row = find(scope);
        if (!row || n === 0) return [];
        return q.sweeps.all(row.id, Number.isFinite(n) ? n : -1).map((r) => JSON.parse(r.body) as SweepSummary);
      });
    },
    prune(retention, now) {
      const { cutoff, maxEvents } = checkRetention(retention, now);
      return guard('prune', () => prune(cutoff, maxEvents));
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        db.close();
      } catch (err) {
        throw storeError(file, 'cannot close', err);
      } finally {
        try {
          if (readFileSync(join(dir, PID_FILE), 'utf8').trim() === String(process.pid)) rmSync(join(dir, PID_FILE));
        } catch {
          // gone already, or not ours
        }
      }
    },
  };
}

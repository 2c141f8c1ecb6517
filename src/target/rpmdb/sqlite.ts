/**
 * rpm's sqlite backend (rpm ≥ 4.16): table Packages (hnum INTEGER PRIMARY
 * KEY, blob BLOB), the database in WAL mode. The target's files are never
 * opened by sqlite: rpmdb.sqlite and rpmdb.sqlite-wal are read through the
 * Target into a private temporary directory on the scanning host, and
 * sqlite opens that copy read-write, so that it applies the WAL as rpm
 * would (a read-only open cannot recover a WAL without its -shm), then the
 * copy is deleted. A hot -journal (rollback mode) is copied too. The WAL is read before and after the database: if it
 * changed in between (a checkpoint on a live host), the copy is taken again.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isNotFound, readChunks, type Abortable, type Target } from '../target.js';
import { RPMDB_MAX_BYTES, RpmDbError, type DbBlob } from './database.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const WAL_MAX_BYTES = 512 * 1024 * 1024;
const ATTEMPTS = 3;

export async function readSqliteBlobs(target: Target, path: string, opts: Abortable = {}): Promise<DbBlob[]> {
  const info = await target.stat(path);
  if (info.size > RPMDB_MAX_BYTES) throw new RpmDbError(path, `${path}: ${info.size} bytes, larger than ${RPMDB_MAX_BYTES}: not read`);
  const head = await target.readRange(path, 0, SQLITE_MAGIC.length);
  if (!head.equals(SQLITE_MAGIC)) throw new RpmDbError(path, `${path} is not an sqlite database (no "SQLite format 3" header)`);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rpmdb-'));
  try {
    const copy = join(dir, 'rpmdb.sqlite');
    for (let attempt = 1; ; attempt++) {
      const walBefore = await readSide(target, `${path}-wal`, opts);
      const journal = await readSide(target, `${path}-journal`, opts);
      await copyFile(target, path, copy, opts);
      const walAfter = await readSide(target, `${path}-wal`, opts);
      if (sameBytes(walBefore, walAfter)) {
        if (walAfter) writeFileSync(`${copy}-wal`, walAfter);
        // a hot rollback journal (a writer died mid-transaction without WAL): sqlite rolls the copy back, as rpm's next open would
        if (journal) writeFileSync(`${copy}-journal`, journal);
        break;
      }
      if (attempt === ATTEMPTS) throw new RpmDbError(path, `${path}: the database changed while it was read, ${ATTEMPTS} times`);
    }
    return query(copy, path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined ? b === undefined : b !== undefined && a.equals(b);
}

/** A -wal or -journal beside the database, or undefined when there is none. */
async function readSide(target: Target, path: string, opts: Abortable): Promise<Buffer | undefined> {
  try {
    return await target.readFile(path, { ...opts, maxBytes: WAL_MAX_BYTES });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function copyFile(target: Target, path: string, to: string, opts: Abortable): Promise<void> {
  const fd = openSync(to, 'w', 0o600);
  try {
    let total = 0;
    for await (const chunk of readChunks(target, path, { ...opts, chunkSize: 8 * 1024 * 1024, limit: RPMDB_MAX_BYTES + 1 })) {
      total += chunk.length;
      if (total > RPMDB_MAX_BYTES) throw new RpmDbError(path, `${path}: larger than ${RPMDB_MAX_BYTES} bytes: not read`);
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
}

function query(copy: string, path: string): DbBlob[] {
  let db: Database.Database | undefined;
  try {
    db = new Database(copy, { fileMustExist: true });
    const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'Packages'").get();
    if (table === undefined) throw new RpmDbError(path, `${path} is an sqlite database without rpm's Packages table`);
    const out: DbBlob[] = [];
    for (const row of db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').raw().iterate() as Iterable<[unknown, unknown]>) {
      const [hnum, blob] = row;
      const instance = typeof hnum === 'number' && Number.isSafeInteger(hnum) && hnum > 0 ? hnum : 0;
      out.push({ instance, blob: Buffer.isBuffer(blob) ? blob : Buffer.alloc(0) });
    }
    return out;
  } catch (e) {
    if (e instanceof RpmDbError) throw e;
    const code = (e as { code?: unknown }).code;
    throw new RpmDbError(path, `${path}: sqlite cannot read it${typeof code === 'string' ? ` (${code})` : ''}: ${(e as Error).message}`, { cause: e });
  } finally {
    db?.close();
  }
}

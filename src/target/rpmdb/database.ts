/**
 * Finding and reading a target's rpm database, through the Target only (so
 * offline roots, the local host and SSH hosts alike), never locking or
 * changing it.
 */
import { isNotFound, TargetError, type Abortable, type Target } from '../target.js';
import { RpmHeader, RpmHeaderError } from './header.js';

export type RpmDbFormat = 'sqlite' | 'bdb' | 'ndb';

/** Where a database is: its directory (as rpm's %_dbpath) and its main file there, e.g. /var/lib/rpm and rpmdb.sqlite. */
export interface RpmDatabaseLocation {
  readonly dir: string;
  readonly file: string;
  readonly format: RpmDbFormat;
}

/** A database that cannot be read as a whole: not a database, corrupt, or unreadable on the target. */
export class RpmDbError extends Error {
  override readonly name = 'RpmDbError';
  constructor(
    /** The database file, as the target names it. */
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A header the database holds but that does not parse. */
export interface RpmBadHeader {
  /** The database's number for it (hnum); 0 when even that is unreadable. */
  readonly instance: number;
  readonly error: RpmHeaderError;
}

export interface ReadRpmDbOptions extends Abortable {
  /**
   * Called for each header that does not parse; the others are still
   * returned. Without it, one bad header rejects the whole read with an
   * RpmDbError: a caller that does not look at bad headers must not take a
   * package it could not read for an absent one.
   */
  readonly onBadHeader?: (bad: RpmBadHeader) => void;
}

/** The file of each format in a database directory, in the order rpm's backend detection tries them. */
export const RPMDB_FILES: readonly (readonly [RpmDbFormat, string])[] = [
  ['sqlite', 'rpmdb.sqlite'],
  ['ndb', 'Packages.db'],
  ['bdb', 'Packages'],
];

/** The database directories of rpm's own defaults: upstream's and RHEL's /var/lib/rpm, then Fedora's and SUSE's /usr/lib/sysimage/rpm. */
export const RPMDB_DIRS: readonly string[] = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];

/** The target's rpm macro files that may set %_dbpath and %_db_backend, in the order rpm reads them (the last definition wins). */
const MACRO_FILES = ['/usr/lib/rpm/macros', '/usr/lib/rpm/redhat/macros', '/usr/lib/rpm/suse/macros', '/etc/rpm/macros'];

/**
 * The target's rpm database: the directory its rpm macros name in
 * %_dbpath when they name one plainly (/usr/lib/rpm/macros and
 * /etc/rpm/macros, %{_var} and %{_usr} expanded), then /var/lib/rpm, then
 * /usr/lib/sysimage/rpm; in a directory, the format %_db_backend names,
 * else sqlite, ndb, bdb, as rpm detects them. Undefined when there is none.
 * A failure other than absence (EACCES, EIO) rejects: "no database" must
 * mean that.
 */
export async function findRpmDatabase(target: Target, opts: Abortable = {}): Promise<RpmDatabaseLocation | undefined> {
  const macros = await readMacros(target, opts);
  const dirs = [...new Set([...(macros.dbpath ? [macros.dbpath] : []), ...RPMDB_DIRS])];
  const preferred = RPMDB_FILES.find(([f]) => f === backendFormat(macros.backend));
  const order = preferred ? [preferred, ...RPMDB_FILES.filter((x) => x !== preferred)] : RPMDB_FILES;
  for (const dir of dirs) {
    for (const [format, file] of order) {
      try {
        const info = await target.stat(`${dir}/${file}`);
        if (info.type === 'regular') return { dir, file, format };
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }
  return undefined;
}

function backendFormat(backend: string | undefined): RpmDbFormat | undefined {
  if (backend === 'sqlite') return 'sqlite';
  if (backend === 'ndb') return 'ndb';
  if (backend === 'bdb' || backend === 'bdb_ro') return 'bdb';
  return undefined;
}

async function readMacros(target: Target, opts: Abortable): Promise<{ dbpath?: string; backend?: string }> {
  let dbpath: string | undefined;
  let backend: string | undefined;
  for (const file of MACRO_FILES) {
    let text: string;
    try {
      text = (await target.readFile(file, { ...opts, maxBytes: 4 * 1024 * 1024 })).toString('utf8');
    } catch (e) {
      if (e instanceof TargetError && e.code === 'ECANCELED') throw e;
      continue; // a macro file rpm cannot read either is no setting
    }
    for (const line of text.split('\n')) {
      const m = /^%(_dbpath|_db_backend)\s+(\S+)\s*$/.exec(line);
      if (!m) continue;
      const value = m[2]!.replace(/%\{?_var\}?/g, '/var').replace(/%\{?_usr\}?/g, '/usr').replace(/%\{?_prefix\}?/g, '/usr');
      if (m[1] === '_dbpath') dbpath = value.startsWith('/') && !value.includes('%') ? value.replace(/\/+$/, '') : undefined;
      else backend = value;
    }
  }
  return { ...(dbpath ? { dbpath } : {}), ...(backend ? { backend } : {}) };
}

/**
 * Every installed package's header, in the order rpm -qa lists them
 * (instance number for sqlite, bucket order for bdb, block order for ndb). See ReadRpmDbOptions for a
 * header that does not parse; a database that cannot be read rejects with
 * RpmDbError (an abandoned read, with the TargetError ECANCELED).
 */
export async function readRpmDatabase(target: Target, loc: RpmDatabaseLocation, opts: ReadRpmDbOptions = {}): Promise<RpmHeader[]> {
  const path = `${loc.dir}/${loc.file}`;
  let blobs: DbBlob[];
  try {
    switch (loc.format) {
      case 'sqlite': {
        const { readSqliteBlobs } = await import('./sqlite.js');
        blobs = await readSqliteBlobs(target, path, opts);
        break;
      }
      case 'bdb': {
        const { readBdbBlobs } = await import('./bdb.js');
        blobs = readBdbBlobs(await readWhole(target, path, opts), path);
        break;
      }
      case 'ndb': {
        const { readNdbBlobs } = await import('./ndb.js');
        blobs = readNdbBlobs(await readWhole(target, path, opts), path);
        break;
      }
    }
  } catch (e) {
    if (e instanceof RpmDbError) throw e;
    if (e instanceof TargetError && e.code !== 'ECANCELED') throw new RpmDbError(path, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
  return parseBlobs(blobs, path, opts);
}

/** One stored header: its instance number and its blob. */
export interface DbBlob {
  readonly instance: number;
  readonly blob: Buffer;
}

/** Parses each blob and checks its digests, reporting or rejecting those that do not parse or match. */
export function parseBlobs(blobs: readonly DbBlob[], path: string, opts: ReadRpmDbOptions): RpmHeader[] {
  const out: RpmHeader[] = [];
  for (const { instance, blob } of blobs) {
    try {
      const h = RpmHeader.parse(blob, instance);
      // rpm checks the region's digests of every header it reads from a database, and skips one that does not match
      const mismatch = h.digestMismatch();
      if (mismatch !== undefined) throw new RpmHeaderError(`bad rpm header (header #${instance}): ${mismatch}`);
      out.push(h);
    } catch (e) {
      if (!(e instanceof RpmHeaderError)) throw e;
      if (!opts.onBadHeader) throw new RpmDbError(path, `${path}: ${e.message}`, { cause: e });
      opts.onBadHeader({ instance, error: e });
    }
  }
  return out;
}

/** The largest database file read: rpm databases of the largest hosts stay well under it. */
export const RPMDB_MAX_BYTES = 2 * 1024 * 1024 * 1024 - 1;

async function readWhole(target: Target, path: string, opts: Abortable): Promise<Buffer> {
  return target.readFile(path, { ...opts, maxBytes: RPMDB_MAX_BYTES });
}

/**
 * Reading directories for the filesystem targets: readdir, then lstat of
 * the entries asked for, with synchronous calls, a directory at a time.
 *
 * A walk of / lists some 50k directories and examines half a million
 * entries. Done as one asynchronous call per entry through libuv's thread
 * pool, the bookkeeping of each call (a request, a promise, a callback)
 * costs the main thread several times what the lstat itself costs the
 * kernel. Synchronous calls cost the lstat and one Stats object.
 *
 * They are made on the calling thread. A worker thread making them instead
 * let the main thread evaluate one batch while the next was read, about a
 * tenth off the wall time of a scan that walks a million files or /, but a
 * worker is a second Node environment: about 12 MB of resident memory, a
 * tenth of a scan's peak, on every scan. A compliance scanner runs on the
 * hosts it checks, where its memory matters more than the last tenth of a
 * walk that is already many times faster than oscap's. The walk's bound on the
 * directories it has open (walk.ts) bounds how long a read holds the
 * thread: one directory.
 *
 * Only host paths a target resolved are read (offline, inside the root),
 * and lstat never follows the entry it examines.
 */
import { lstatSync, readdirSync, type Dirent, type Stats } from 'node:fs';
import { decodeName, decodedNames, hasEscapedBytes, hostFsPath } from './host-names.js';
import { nativeListing, nativeWalk } from './native-walk.js';
import { arrayListing, childPath, fileTypeOfMode, TargetError, type DirEntry, type DirListing, type Examine, type FileInfo, type FileType } from './target.js';

const QUIET = { throwIfNoEntry: false } as const;
const TYPED = { withFileTypes: true } as const;

/** lstat of a host path; undefined when it cannot be examined (gone since the listing, say). */
function examined(host: string | Buffer): Stats | undefined {
  try {
    return lstatSync(host, QUIET);
  } catch {
    return undefined;
  }
}

/**
 * Lists the host directory `host` (readdir), which is the target's
 * directory `dir`, and examines (lstat) the entries `examine` asks for.
 * Throws a TargetError (the errno code, `dir`) when the directory cannot be
 * read. An entry that cannot be examined has no `info`; with 'all', its
 * type is then unknown.
 */
export function listHostDirectory(host: string, dir: string, examine: Examine): DirEntry[] {
  const l = hostListing(host, dir, examine);
  const out = new Array<DirEntry>(l.length);
  for (let i = 0; i < out.length; i++) out[i] = l.at(i);
  return out;
}

/**
 * listHostDirectory, each entry examined only when it is asked for
 * (`at`): the directory is read now, an entry's lstat is made, and its
 * objects built, as the walk reaches it, so that a listing holds names, not
 * a FileInfo for each entry, while it waits (oval/probes/walk.ts).
 */
export function hostListing(host: string, dir: string, examine: Examine): DirListing {
  // the native reader when it is built (native-walk.ts): the same entries, one call a directory
  const a = nativeWalk();
  if (a) return nativeListing(a, hostFsPath(host), dir, examine);
  return jsHostListing(host, dir, examine);
}

/** hostListing with node:fs only (readdirSync, lstatSync). */
export function jsHostListing(host: string, dir: string, examine: Examine): DirListing {
  const prefix = host === '/' ? '/' : `${host}/`;
  // A name that is not UTF-8 (host-names.ts) makes the listing be read again as bytes; the host
  // paths built from it (and from a directory whose own path holds such a name) are then bytes too.
  const fsHost = hostFsPath(host);
  let escaped = typeof fsHost !== 'string';
  if (examine === 'all') {
    // every entry is examined, so the names are enough: lstat gives the types
    const names = listed(host, dir, () =>
      decodedNames(readdirSync(fsHost), () => {
        escaped = true;
        return readdirSync(fsHost, BYTES);
      }),
    );
    return new NamesListing(names, prefix, dir, escaped);
  }
  const list = listed(host, dir, () => typedEntries(fsHost, () => (escaped = true)));
  return examine === 'directories' ? new TypedListing(list, prefix, dir, escaped) : arrayListing(list);
}

/** A listing of names, every entry examined when asked for. */
class NamesListing implements DirListing {
  constructor(
    private names: string[],
    private readonly prefix: string,
    private readonly dir: string,
    private readonly escaped: boolean,
  ) {}

  get length(): number {
    return this.names.length;
  }

  at(i: number): DirEntry {
    const name = this.names[i]!;
    const s = examined(this.escaped ? hostFsPath(this.prefix + name) : this.prefix + name);
    return s === undefined ? { name, type: 'unknown' } : { name, type: fileTypeOfMode(s.mode), info: infoOfStats(childPath(this.dir, name), s) };
  }

  release(): void {
    this.names = [];
  }
}

/** A listing with the types readdir gave, its directories (and entries of unknown type) examined when asked for. */
class TypedListing implements DirListing {
  constructor(
    private list: DirEntry[],
    private readonly prefix: string,
    private readonly dir: string,
    private readonly escaped: boolean,
  ) {}

  get length(): number {
    return this.list.length;
  }

  at(i: number): DirEntry {
    const d = this.list[i]!;
    if (d.type !== 'directory' && d.type !== 'unknown') return d;
    const s = examined(this.escaped ? hostFsPath(this.prefix + d.name) : this.prefix + d.name);
    return s === undefined ? d : { name: d.name, type: d.type, info: infoOfStats(childPath(this.dir, d.name), s) };
  }

  release(): void {
    this.list = [];
  }
}

const BYTES = { encoding: 'buffer' } as const;
const TYPED_BYTES = { withFileTypes: true, encoding: 'buffer' } as const;

/** readdir with types, names decoded (host-names.ts); `onEscaped` is called when a name is not UTF-8. */
export function typedEntries(fsHost: string | Buffer, onEscaped: () => void = () => undefined): DirEntry[] {
  const list = readdirSync(fsHost, TYPED);
  const out = new Array<DirEntry>(list.length);
  for (let i = 0; i < list.length; i++) {
    const d = list[i]!;
    if (d.name.includes('\ufffd')) {
      const bytes = readdirSync(fsHost, TYPED_BYTES);
      if (bytes.some((b) => hasEscapedBytes(decodeName(b.name)))) onEscaped();
      return bytes.map((b) => ({ name: decodeName(b.name), type: direntType(b) }));
    }
    out[i] = { name: d.name, type: direntType(d) };
  }
  return out;
}

/** readdir, its failure a TargetError for the target's `dir`. */
function listed<T>(_host: string, dir: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw new TargetError((e as NodeJS.ErrnoException).code ?? 'EIO', dir);
  }
}

/** hostListing, as a promise (DirHandle.listing). */
export function readHostListing(host: string, dir: string, examine: Examine): Promise<DirListing> {
  try {
    return Promise.resolve(hostListing(host, dir, examine));
  } catch (e) {
    return Promise.reject(e as Error);
  }
}

/** listHostDirectory, as a promise (DirHandle.entries). */
export function readHostDirectory(host: string, dir: string, examine: Examine): Promise<DirEntry[]> {
  try {
    return Promise.resolve(listHostDirectory(host, dir, examine));
  } catch (e) {
    return Promise.reject(e as Error);
  }
}

/** A FileInfo from a Stats (node:fs). */
export function infoOfStats(path: string, s: Stats): FileInfo {
  return { path, type: fileTypeOfMode(s.mode), mode: s.mode, uid: s.uid, gid: s.gid, size: s.size, dev: s.dev, ino: s.ino, nlink: s.nlink, atimeMs: s.atimeMs, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ...(s.isCharacterDevice() || s.isBlockDevice() ? { rdev: s.rdev } : {}) };
}

/** The type a directory listing reports for an entry. */
export function direntType(d: Dirent | Dirent<Buffer>): FileType {
  if (d.isFile()) return 'regular';
  if (d.isDirectory()) return 'directory';
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isFIFO()) return 'fifo';
  if (d.isSocket()) return 'socket';
  if (d.isBlockDevice()) return 'block';
  if (d.isCharacterDevice()) return 'character';
  return 'unknown';
}

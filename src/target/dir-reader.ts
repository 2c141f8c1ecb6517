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
import { childPath, fileTypeOfMode, TargetError, type DirEntry, type Examine, type FileInfo, type FileType } from './target.js';

const QUIET = { throwIfNoEntry: false } as const;
const TYPED = { withFileTypes: true } as const;

/** lstat of a host path; undefined when it cannot be examined (gone since the listing, say). */
function examined(host: string): Stats | undefined {
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
  const prefix = host === '/' ? '/' : `${host}/`;
  if (examine === 'all') {
    // every entry is examined, so the names are enough: lstat gives the types
    const names = listed(host, dir, (h) => readdirSync(h));
    const out = new Array<DirEntry>(names.length);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const s = examined(prefix + name);
      out[i] = s === undefined ? { name, type: 'unknown' } : { name, type: fileTypeOfMode(s.mode), info: infoOfStats(childPath(dir, name), s) };
    }
    return out;
  }
  const list = listed(host, dir, (h) => readdirSync(h, TYPED));
  const out = new Array<DirEntry>(list.length);
  for (let i = 0; i < list.length; i++) {
    const d = list[i]!;
    const type = direntType(d);
    const s = examine === 'directories' && (type === 'directory' || type === 'unknown') ? examined(prefix + d.name) : undefined;
    out[i] = s === undefined ? { name: d.name, type } : { name: d.name, type, info: infoOfStats(childPath(dir, d.name), s) };
  }
  return out;
}

/** readdir, its failure a TargetError for the target's `dir`. */
function listed<T>(host: string, dir: string, read: (host: string) => T): T {
  try {
    return read(host);
  } catch (e) {
    throw new TargetError((e as NodeJS.ErrnoException).code ?? 'EIO', dir);
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
  return { path, type: fileTypeOfMode(s.mode), mode: s.mode, uid: s.uid, gid: s.gid, size: s.size, dev: s.dev, ino: s.ino, nlink: s.nlink, atimeMs: s.atimeMs, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
}

/** The type a directory listing reports for an entry. */
export function direntType(d: Dirent): FileType {
  if (d.isFile()) return 'regular';
  if (d.isDirectory()) return 'directory';
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isFIFO()) return 'fifo';
  if (d.isSocket()) return 'socket';
  if (d.isBlockDevice()) return 'block';
  if (d.isCharacterDevice()) return 'character';
  return 'unknown';
}

/**
 * The optional native directory reader (native/walk/walk.c, a node-api
 * addon): a directory listed and its entries examined in one call, with
 * fstatat relative to the open directory, the result one packed Buffer.
 *
 * The pure-JS reader (dir-reader.ts: readdirSync, then lstatSync of each
 * absolute path) pays per entry a Stats object and four Dates, a path
 * resolved from / by the kernel, and the collector for all of it. Here an
 * entry is a record of doubles in a Buffer until the walk reaches it, and
 * its FileInfo is made then, as dir-reader.ts makes it.
 *
 * The addon is built by scripts/build-native.mjs (never by npm install) and
 * may be absent: then, or with VIGIL_NATIVE=0, the reader is dir-reader.ts's,
 * and results are the same (target.case.ts runs against both).
 *
 * Entries come as the pure-JS reader gives them: names sorted bytewise as
 * libuv's scandir sorts them, decoded by host-names.ts (lossless for names
 * that are not UTF-8), the type from the listing for 'none' and
 * 'directories', from the lstat for 'all'; an entry whose fstatat fails is
 * not examined. A name comes from readdir, one component, and fstatat never
 * follows it: offline, nothing outside the directory the target resolved is
 * read.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { decodeName } from './host-names.js';
import { arrayListing, childPath, fileTypeOfMode, TargetError, type DirEntry, type DirListing, type Examine, type FileInfo, type FileType, type PrefetchedListing } from './target.js';

interface Addon {
  listDir(path: string | Buffer, statMode: number): Buffer | string;
  listDirAsync(path: string | Buffer, statMode: number): Promise<Buffer | string>;
}

/** The addon's place, relative to this module in src/target and in dist/target alike. */
export const NATIVE_WALK_PATH = fileURLToPath(new URL('../../native/walk/build/Release/vigil_walk.node', import.meta.url));

let addon: Addon | null | undefined;
let loadFailure: string | undefined;

/** The addon, or undefined when it is not built, cannot be loaded, or VIGIL_NATIVE=0. */
export function nativeWalk(): Addon | undefined {
  if (addon === undefined) {
    addon = null;
    if (process.env.VIGIL_NATIVE === '0') loadFailure = 'VIGIL_NATIVE=0';
    else {
      try {
        const m = createRequire(import.meta.url)(NATIVE_WALK_PATH) as Partial<Addon>;
        if (typeof m.listDir === 'function' && typeof m.listDirAsync === 'function') addon = m as Addon;
        else loadFailure = 'not the expected addon';
      } catch (e) {
        loadFailure = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? 'not built' : (e as Error).message.split('\n')[0];
      }
    }
  }
  return addon ?? undefined;
}

/**
 * Makes the walk use the pure-JS reader ('js'), the addon if it loads
 * ('native'), or what VIGIL_NATIVE says ('default'): for tests that run the
 * same cases against both readers.
 */
export function useDirectoryReader(which: 'native' | 'js' | 'default'): void {
  addon = undefined;
  loadFailure = undefined;
  if (which === 'js') {
    addon = null;
    loadFailure = 'switched off';
  } else if (which === 'native') {
    const saved = process.env.VIGIL_NATIVE;
    delete process.env.VIGIL_NATIVE;
    nativeWalk();
    if (saved !== undefined) process.env.VIGIL_NATIVE = saved;
  }
}

/** Which directory reader the walk uses, for `vigil --version` and debug output. */
export function directoryReader(): string {
  return nativeWalk() ? `native (${NATIVE_WALK_PATH})` : `JavaScript (native reader: ${loadFailure ?? 'not loaded'})`;
}

const STAT_MODE: Record<Examine, number> = { none: 0, directories: 1, all: 2 };
/** Per entry in the addon's Buffer (walk.c W32, W64): uint32s, then (after every entry's) doubles. */
const W32 = 8;
const W64 = 7;
const S_IFMT = 0o170000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

/** d_type (dirent.h) to the listing's FileType, as libuv and Node's Dirent map them. */
function direntTypeOf(t: number): FileType {
  switch (t) {
    case 8:
      return 'regular';
    case 4:
      return 'directory';
    case 10:
      return 'symlink';
    case 1:
      return 'fifo';
    case 12:
      return 'socket';
    case 6:
      return 'block';
    case 2:
      return 'character';
    default:
      return 'unknown';
  }
}

/**
 * The addon's result for the target's directory `dir` as a DirListing;
 * a string is the errno of the directory, thrown as a TargetError as the
 * pure-JS reader throws it.
 */
function listingOf(r: Buffer | string, dir: string, examine: Examine): DirListing {
  if (typeof r === 'string') throw new TargetError(r, dir);
  // the records are read as typed arrays: an unaligned Buffer (a pooled one) is copied
  const b = r.byteOffset % 8 === 0 ? r : Buffer.from(r);
  const n = b.readUInt32LE(0);
  const u = new Uint32Array(b.buffer, b.byteOffset + 8, n * W32);
  const f = new Float64Array(b.buffer, b.byteOffset + 8 + n * W32 * 4, n * W64);
  const listing = new PackedListing(b, u, f, n, dir, examine);
  if (examine !== 'none') return listing;
  const list = new Array<DirEntry>(n);
  for (let i = 0; i < n; i++) list[i] = listing.at(i);
  return arrayListing(list);
}

/** A listing packed by the addon, an entry's objects made when it is asked for. */
class PackedListing implements DirListing {
  constructor(
    private bytes: Buffer,
    private u: Uint32Array,
    private f: Float64Array,
    public length: number,
    private readonly dir: string,
    private readonly examine: Examine,
  ) {}

  at(i: number): DirEntry {
    const u = this.u;
    const o = i * W32;
    const start = u[o + 2]!;
    const end = start + u[o + 3]!;
    let name = this.bytes.toString('utf8', start, end);
    if (name.includes('\ufffd')) name = decodeName(this.bytes.subarray(start, end));
    const listed = direntTypeOf(u[o]!);
    if (u[o + 1] !== 1) {
      if (this.examine === 'all') return { name, type: 'unknown' };
      return { name, type: listed };
    }
    const f = this.f;
    const d = i * W64;
    const mode = u[o + 4]!;
    const type = fileTypeOfMode(mode);
    const fmt = mode & S_IFMT;
    const info: FileInfo = {
      path: childPath(this.dir, name),
      type,
      mode,
      uid: u[o + 5]!,
      gid: u[o + 6]!,
      size: f[d]!,
      dev: f[d + 1]!,
      ino: f[d + 2]!,
      nlink: u[o + 7]!,
      // computed in walk.c as node:fs computes Stats' *Ms from the timespec
      atimeMs: f[d + 4]!,
      mtimeMs: f[d + 5]!,
      ctimeMs: f[d + 6]!,
      ...(fmt === S_IFCHR || fmt === S_IFBLK ? { rdev: f[d + 3]! } : {}),
    };
    // 'all' gives the type the lstat says; 'directories' keeps the listing's (dir-reader.ts)
    return { name, type: this.examine === 'all' ? type : listed, info };
  }

  release(): void {
    this.bytes = EMPTY;
    this.u = new Uint32Array(0);
    this.f = new Float64Array(0);
    this.length = 0;
  }
}

const EMPTY = Buffer.alloc(0);

/** The host directory `fsHost` (the target's `dir`) listed by the addon, synchronously. */
export function nativeListing(a: Addon, fsHost: string | Buffer, dir: string, examine: Examine): DirListing {
  return listingOf(a.listDir(fsHost, STAT_MODE[examine]), dir, examine);
}

/** Listings being read by the addon on libuv's thread pool, at most. */
export const NATIVE_IN_FLIGHT = 8;
/** Listings read ahead and not yet taken or dropped, at most. */
export const NATIVE_WAITING = 256;
let inFlight = 0;
let waiting = 0;

/**
 * Starts reading the host directory `fsHost` (the target's `dir`) on
 * libuv's thread pool (DirHandle.prefetch): undefined unless the addon is
 * loaded and VIGIL_NATIVE_PREFETCH=1 (measured no faster on a 2-core
 * machine, and 3 MB more at peak: docs/ARCHITECTURE.md), or when enough is
 * read ahead already.
 */
export function nativePrefetch(fsHost: string | Buffer, dir: string, examine: Examine): PrefetchedListing | undefined {
  const a = nativeWalk();
  if (!a || process.env.VIGIL_NATIVE_PREFETCH !== '1' || inFlight >= NATIVE_IN_FLIGHT || waiting >= NATIVE_WAITING) return undefined;
  inFlight++;
  waiting++;
  let done = false;
  const settle = (): void => {
    if (!done) {
      done = true;
      waiting--;
    }
  };
  const read = a.listDirAsync(fsHost, STAT_MODE[examine]).finally(() => inFlight--);
  // a listing dropped or never taken must not be an unhandled rejection
  read.catch(() => undefined);
  return {
    examine,
    take: () => {
      settle();
      return read.then((r) => listingOf(r, dir, examine));
    },
    drop: settle,
  };
}

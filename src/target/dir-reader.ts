/**
 * Reading directories for the filesystem targets in a worker thread.
 *
 * A walk of / lists some 50k directories and examines half a million
 * entries. Done as one asynchronous call per entry through libuv's thread
 * pool, the bookkeeping of each call (a request, a promise, a callback, a
 * Stats object) costs the main thread several times what the lstat itself
 * costs the kernel. Here a worker makes the calls synchronously, a directory
 * at a time (readdir, then lstat of the entries asked for), and sends the
 * results back in batches, packed: the names, and the type and lstat
 * fields of each entry in one Float64Array. The main thread meanwhile
 * evaluates what it already has, so a scan uses a second core where there
 * is one.
 *
 * Memory stays flat: a batch is decoded as soon as it arrives, and its
 * buffer goes back to the worker with the next requests, so the same few
 * buffers carry every batch (a fresh one per batch would be memory outside
 * the heap that only a full collection frees).
 *
 * The worker reads host paths it is given and nothing else: an offline
 * root's directories are resolved inside the root on the main thread before
 * they are read here, and lstat never follows the entry it examines.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { childPath, fileTypeOfMode, TargetError, type DirEntry, type Examine, type FileInfo, type FileType } from './target.js';

/**
 * Fields per entry: the listing's type code (TYPE_CODES), then the lstat:
 * mode, uid, gid, size, dev, ino, nlink, atimeMs, mtimeMs, ctimeMs. A NaN
 * mode: not examined (or examining it failed).
 */
const ENTRY_FIELDS = 11;

/** The listing's type codes, as the worker sends them. */
const TYPE_CODES: readonly FileType[] = ['unknown', 'regular', 'directory', 'symlink', 'fifo', 'socket', 'block', 'character'];

const EXAMINE_CODES: Readonly<Record<Examine, number>> = { none: 0, directories: 1, all: 2 };

/**
 * Entries per batch before the worker sends what it has: small enough that
 * the main thread has work early and each read's state (a promise, a frame)
 * lives briefly, large enough that messages are few.
 */
const FLUSH_AT = 512;

/**
 * The worker's young generation, in MB. Everything it allocates dies within
 * a directory, so a small one costs nothing in collection time, where the
 * default would grow to tens of MB of resident memory.
 */
const YOUNG_MB = 2;

// The worker, as plain JavaScript (it runs without the TypeScript loader).
// A message holds requests [id, hostPath, examine] and spare buffers; the
// answer is one or more batches, each sent after FLUSH_AT entries so the
// main thread can start on them.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { readdirSync, lstatSync } = require('node:fs');
const FIELDS = ${ENTRY_FIELDS};
const FLUSH_AT = ${FLUSH_AT};
const spare = [];
const QUIET = { throwIfNoEntry: false };
const TYPED = { withFileTypes: true };
function typeOfMode(m) {
  switch (m & 0o170000) {
    case 0o100000: return 1;
    case 0o040000: return 2;
    case 0o120000: return 3;
    case 0o010000: return 4;
    case 0o140000: return 5;
    case 0o060000: return 6;
    case 0o020000: return 7;
    default: return 0;
  }
}
function typeOf(d) {
  if (d.isFile()) return 1;
  if (d.isDirectory()) return 2;
  if (d.isSymbolicLink()) return 3;
  if (d.isFIFO()) return 4;
  if (d.isSocket()) return 5;
  if (d.isBlockDevice()) return 6;
  if (d.isCharacterDevice()) return 7;
  return 0;
}
let ids, errors, counts, names, fields, used;
function reset() {
  ids = []; errors = []; counts = []; names = [];
  const b = spare.pop();
  fields = b ? new Float64Array(b) : new Float64Array(2 * FLUSH_AT * FIELDS);
  used = 0;
}
function room(n) {
  if ((used + n) * FIELDS <= fields.length) return;
  const bigger = new Float64Array(Math.max(fields.length * 2, (used + n) * FIELDS));
  bigger.set(fields.subarray(0, used * FIELDS));
  fields = bigger;
}
function flush() {
  if (ids.length === 0) return;
  parentPort.postMessage({ ids, errors, counts, names, fields }, [fields.buffer]);
  reset();
}
reset();
parentPort.on('message', (m) => {
  for (const b of m.spare) spare.push(b);
  for (const [id, dir, examine] of m.requests) {
    // examining every entry, the names are enough: lstat gives the types
    const all = examine === 2;
    let list;
    try {
      list = all ? readdirSync(dir) : readdirSync(dir, TYPED);
    } catch (e) {
      ids.push(id); errors.push(String((e && e.code) || 'EIO')); counts.push(0);
      continue;
    }
    room(list.length);
    const prefix = dir === '/' ? '/' : dir + '/';
    for (const d of list) {
      const name = all ? d : d.name;
      const t = all ? 0 : typeOf(d);
      names.push(name);
      const o = used * FIELDS;
      used++;
      let s;
      if (all || (examine === 1 && (t === 2 || t === 0))) {
        try { s = lstatSync(prefix + name, QUIET); } catch { s = undefined; }
      }
      if (s === undefined) { fields[o] = t; fields[o + 1] = NaN; continue; }
      fields[o] = all ? typeOfMode(s.mode) : t;
      fields[o + 1] = s.mode; fields[o + 2] = s.uid; fields[o + 3] = s.gid; fields[o + 4] = s.size; fields[o + 5] = s.dev;
      fields[o + 6] = s.ino; fields[o + 7] = s.nlink; fields[o + 8] = s.atimeMs; fields[o + 9] = s.mtimeMs; fields[o + 10] = s.ctimeMs;
    }
    ids.push(id); errors.push(null); counts.push(list.length);
    if (used >= FLUSH_AT) flush();
  }
  flush();
});
`;

interface Batch {
  readonly ids: readonly number[];
  readonly errors: ReadonlyArray<string | null>;
  readonly counts: readonly number[];
  readonly names: readonly string[];
  readonly fields: Float64Array;
}

/** A read asked for: the host directory, the target path for the entries' paths and errors, what to examine. */
interface Waiting {
  readonly host: string;
  readonly dir: string;
  readonly examine: Examine;
  resolve(list: DirEntry[]): void;
  reject(e: Error): void;
}

/** A directory read by the worker: its entries, with the lstat of those it examined. */
function decode(dir: string, names: readonly string[], f: Float64Array, from: number, n: number): DirEntry[] {
  const out: DirEntry[] = new Array(n);
  for (let i = 0, o = from * ENTRY_FIELDS; i < n; i++, o += ENTRY_FIELDS) {
    const name = names[from + i]!;
    const type = TYPE_CODES[f[o]!] ?? 'unknown';
    const mode = f[o + 1]!;
    if (Number.isNaN(mode)) {
      out[i] = { name, type };
      continue;
    }
    const info: FileInfo = {
      path: childPath(dir, name),
      type: fileTypeOfMode(mode),
      mode,
      uid: f[o + 2]!,
      gid: f[o + 3]!,
      size: f[o + 4]!,
      dev: f[o + 5]!,
      ino: f[o + 6]!,
      nlink: f[o + 7]!,
      atimeMs: f[o + 8]!,
      mtimeMs: f[o + 9]!,
      ctimeMs: f[o + 10]!,
    };
    out[i] = { name, type, info };
  }
  return out;
}

/** Buffers kept for the worker to fill again; more than this are left to the collector. */
const SPARE_BUFFERS = 8;

/** The worker and the reads it owes. */
class DirReader {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private queue: Array<[number, string, number]> = [];
  private spare: ArrayBuffer[] = [];
  private flushing = false;
  /** The worker could not start, or died: reads are made here from then on. */
  private broken = false;

  read(host: string, dir: string, examine: Examine): Promise<DirEntry[]> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { host, dir, examine, resolve, reject });
      this.queue.push([id, host, EXAMINE_CODES[examine]]);
      if (!this.flushing) {
        this.flushing = true;
        // every read asked for in this turn of the event loop goes in one message
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushing = false;
    if (this.queue.length === 0) return;
    const requests = this.queue;
    this.queue = [];
    const w = this.ensure();
    if (!w) {
      this.readHere(requests.map(([id]) => id));
      return;
    }
    w.ref(); // outstanding reads keep the process alive
    const spare = this.spare;
    this.spare = [];
    w.postMessage({ requests, spare }, spare);
  }

  /** The worker, started if need be; undefined when it cannot run (then reads are made here). */
  private ensure(): Worker | undefined {
    if (this.worker || this.broken) return this.worker;
    let w: Worker;
    try {
      // no inherited flags (loaders, profilers): the worker is plain JavaScript
      w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], stdout: false, stderr: false, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB } });
    } catch {
      this.broken = true;
      return undefined;
    }
    w.on('message', (b: Batch) => this.receive(b));
    const lost = (): void => {
      if (this.worker !== w) return;
      // what it owed is read here, and so is everything after: a worker that died once (out of memory, say) is not trusted again
      this.worker = undefined;
      this.broken = true;
      this.spare = [];
      this.readHere([...this.waiting.keys()]);
    };
    w.on('error', lost);
    w.on('exit', lost);
    w.unref();
    this.worker = w;
    return w;
  }

  /** Reads on the main thread, with asynchronous calls, when the worker cannot: the same listings, slower. */
  private readHere(ids: readonly number[]): void {
    for (const id of ids) {
      const p = this.waiting.get(id);
      if (!p) continue;
      this.waiting.delete(id);
      readListing(p.host, p.dir, p.examine).then(p.resolve, p.reject);
    }
  }

  /** Decodes every listing of a batch at once, so that its buffer can go back to the worker. */
  private receive(b: Batch): void {
    let at = 0;
    for (let i = 0; i < b.ids.length; i++) {
      const n = b.counts[i]!;
      const p = this.waiting.get(b.ids[i]!);
      this.waiting.delete(b.ids[i]!);
      const error = b.errors[i];
      if (p) {
        if (error) p.reject(new TargetError(error, p.dir));
        else p.resolve(decode(p.dir, b.names, b.fields, at, n));
      }
      at += n;
    }
    if (this.spare.length < SPARE_BUFFERS) this.spare.push(b.fields.buffer as ArrayBuffer);
    if (this.waiting.size === 0) this.worker?.unref();
  }
}

/** A listing read with asynchronous calls on this thread: what the worker would have sent. */
export async function readListing(host: string, dir: string, examine: Examine): Promise<DirEntry[]> {
  let list: Dirent[];
  try {
    list = await readdir(host, { withFileTypes: true });
  } catch (e) {
    throw new TargetError((e as NodeJS.ErrnoException).code ?? 'EIO', dir);
  }
  const prefix = host === '/' ? '/' : `${host}/`;
  return Promise.all(
    list.map(async (d): Promise<DirEntry> => {
      const type = direntType(d);
      if (examine === 'none' || (examine === 'directories' && type !== 'directory' && type !== 'unknown')) return { name: d.name, type };
      try {
        const s = await lstat(prefix + d.name);
        const info = infoOfStats(childPath(dir, d.name), s);
        return { name: d.name, type: examine === 'all' ? info.type : type, info };
      } catch {
        return { name: d.name, type: examine === 'all' ? 'unknown' : type };
      }
    }),
  );
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

let shared: DirReader | undefined;

/**
 * Lists the host directory `host` (readdir), which is the target's
 * directory `dir`, and examines (lstat) the entries `examine` asks for, in
 * the shared worker. Rejects with a TargetError (the errno code, `dir`)
 * when the directory cannot be read.
 */
export function readHostDirectory(host: string, dir: string, examine: Examine): Promise<DirEntry[]> {
  shared ??= new DirReader();
  return shared.read(host, dir, examine);
}

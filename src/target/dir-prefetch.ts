/**
 * Directory listings read ahead on a second core, for the filesystem targets.
 *
 * A walk of / spends most of its time in the kernel and in what Node makes
 * of each call: readdir, an lstat per entry, and a Stats object with four
 * Dates per lstat (Node 20), which the collector then clears. The traversal
 * (oval/probes/walk.ts) knows which directories it will list next: the
 * children a walker goes into, waiting on its stack. When it makes such a
 * task it asks for the listing ahead (DirHandle.prefetch); a worker thread
 * reads it, the same calls dir-reader.ts makes, and sends it back packed: the
 * names as one string, the numbers in one transferred Float64Array, several
 * listings to a message. The main thread makes an entry only when the walk
 * reaches it (DirListing.at), and meanwhile judges other directories.
 *
 * Bounded: at most PREFETCH_IN_FLIGHT listings wait on the worker and
 * PREFETCH_LIMIT wait, read, for their turn (packed: a few hundred bytes
 * each); the traversal asks for the directories at the top of its stack, the
 * ones it lists next. A directory not asked for, or asked for beyond the
 * bounds, is read on the main thread when its turn comes, as without the
 * worker. A listing the worker cannot give as it is (a name that is not
 * UTF-8, a directory it cannot read) comes back as "read it yourself": the
 * main thread then reads it with dir-reader.ts, so names stay lossless and
 * errors are the same as without the worker. Only host paths a target
 * resolved are given (offline, inside the root; the directory reached by
 * name from its parent, never through a link), so the worker reads nothing
 * the walk would not have read, and lstat never follows an entry.
 *
 * OFF unless VIGIL_WALK_PREFETCH=1 (docs/ARCHITECTURE.md, "The walk against
 * the floor"): on a live CIS L2 scan it took a third off the main thread's
 * time, but on the shared two-core machine it was measured on, with other
 * work on both cores, the walk lost more waiting on the worker than it
 * gained (offline 300k root: 3.3 s against 2.5 s) and the worker added
 * 10-20 MB of peak RSS. The worker starts on the first prefetch and ends
 * after a second idle; it keeps the process alive only while a listing is
 * asked of it. Where it cannot start, nothing is read ahead.
 */
import { Worker } from 'node:worker_threads';
import { hostListing } from './dir-reader.js';
import { hasEscapedBytes } from './host-names.js';
import { childPath, fileTypeOfMode, type DirEntry, type DirListing, type Examine, type FileInfo, type FileType, type PrefetchedListing } from './target.js';

/** Listings asked for and not yet read by the worker, at most: what the walk needs next is asked for as it goes. */
export const PREFETCH_IN_FLIGHT = 64;
/** Listings asked for and not yet taken (or dropped), at most: read ahead and waiting their turn, packed. */
export const PREFETCH_LIMIT = 1024;
/** The worker ends after this long with nothing to do. */
const IDLE_MS = 1000;
/** Numbers per entry in a packed listing: type, has lstat, then the lstat's fields. */
const STRIDE = 13;
const TYPES: readonly FileType[] = ['unknown', 'regular', 'directory', 'symlink', 'fifo', 'socket', 'block', 'character'];
const MODES: readonly Examine[] = ['none', 'directories', 'all'];

/**
 * The worker: for each asked (id, host, mode), the listing as dir-reader.ts
 * makes it, packed. Several listings go in one message: a message is sent
 * when 16 are ready, 2048 entries are, or the queue is empty. A listing it
 * does not give (-1) is read by the main thread.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { readdirSync, lstatSync } = require('node:fs');
const QUIET = { throwIfNoEntry: false };
const TYPED = { withFileTypes: true };
const STRIDE = ${STRIDE};
function typeOfMode(m) {
  switch (m & 0o170000) { case 0o100000: return 1; case 0o040000: return 2; case 0o120000: return 3; case 0o010000: return 4; case 0o140000: return 5; case 0o060000: return 6; case 0o020000: return 7; default: return 0; }
}
function direntCode(d) {
  return d.isFile() ? 1 : d.isDirectory() ? 2 : d.isSymbolicLink() ? 3 : d.isFIFO() ? 4 : d.isSocket() ? 5 : d.isBlockDevice() ? 6 : d.isCharacterDevice() ? 7 : 0;
}
function examined(p) { try { return lstatSync(p, QUIET); } catch { return undefined; } }
let queue = [];
let busy = false;
let ids = [], counts = [], names = [], entries = 0;
let nums = new Float64Array(4096 * STRIDE);
function put(i, t, s) {
  const o = i * STRIDE;
  if (o + STRIDE > nums.length) { const bigger = new Float64Array(nums.length * 2); bigger.set(nums); nums = bigger; }
  nums[o] = t;
  if (s === undefined) { nums[o + 1] = 0; return; }
  nums[o + 1] = 1; nums[o + 2] = s.mode; nums[o + 3] = s.uid; nums[o + 4] = s.gid; nums[o + 5] = s.size; nums[o + 6] = s.dev; nums[o + 7] = s.ino; nums[o + 8] = s.nlink; nums[o + 9] = s.atimeMs; nums[o + 10] = s.mtimeMs; nums[o + 11] = s.ctimeMs; nums[o + 12] = s.rdev;
}
function list(host, mode) {
  const prefix = host === '/' ? '/' : host + '/';
  let out;
  if (mode === 2) {
    const ns = readdirSync(host);
    for (const n of ns) if (n.includes('\\ufffd')) return undefined;
    for (let i = 0; i < ns.length; i++) { const s = examined(prefix + ns[i]); put(entries + i, s === undefined ? 0 : typeOfMode(s.mode), s); }
    out = ns;
  } else {
    const ds = readdirSync(host, TYPED);
    out = new Array(ds.length);
    for (let i = 0; i < ds.length; i++) {
      const d = ds[i];
      if (d.name.includes('\\ufffd')) return undefined;
      const t = direntCode(d);
      put(entries + i, t, mode === 1 && (t === 2 || t === 0) ? examined(prefix + d.name) : undefined);
      out[i] = d.name;
    }
  }
  return out;
}
function flush() {
  if (ids.length === 0) return;
  const packed = nums.slice(0, entries * STRIDE);
  parentPort.postMessage({ ids, counts, names: names.join('/'), nums: packed }, [packed.buffer]);
  ids = []; counts = []; names = []; entries = 0;
}
function drain() {
  busy = false;
  while (queue.length > 0) {
    const [id, host, mode] = queue.shift();
    let ns;
    try { ns = list(host, mode); } catch { ns = undefined; }
    ids.push(id);
    if (ns === undefined) counts.push(-1);
    else { counts.push(ns.length); for (const n of ns) names.push(n); entries += ns.length; }
    if (ids.length >= 16 || entries >= 2048) flush();
  }
  flush();
}
parentPort.on('message', (m) => {
  for (let i = 0; i < m.length; i += 3) queue.push([m[i], m[i + 1], m[i + 2]]);
  if (!busy) { busy = true; setImmediate(drain); }
});
`;

interface Packed {
  readonly names: readonly string[];
  readonly nums: Float64Array;
  readonly from: number;
  readonly count: number;
}

interface Pending {
  readonly host: string;
  readonly examine: Examine;
  resolve(p: Packed | undefined): void;
}


class Prefetcher {
  private worker: Worker | undefined;
  private broken = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private batch: Array<number | string> = [];
  private flushing = false;
  private idle: NodeJS.Timeout | undefined;
  /** Asked for and not yet taken or dropped. */
  outstanding = 0;

  ask(host: string, dir: string, examine: Examine): PrefetchedListing | undefined {
    if (this.broken || this.outstanding >= PREFETCH_LIMIT || this.pending.size >= PREFETCH_IN_FLIGHT || hasEscapedBytes(host)) return undefined;
    const w = this.start();
    if (!w) return undefined;
    const id = this.nextId++;
    this.outstanding++;
    let settled = false;
    const release = (): void => {
      if (settled) return;
      settled = true;
      this.outstanding--;
    };
    // held while it has work: the walk may wait on nothing else, and an unref'd worker would let the process end
    if (this.pending.size === 0) w.ref();
    const packed = new Promise<Packed | undefined>((resolve) => this.pending.set(id, { host, examine, resolve }));
    this.batch.push(id, host, MODES.indexOf(examine));
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.send());
    }
    return {
      examine,
      take: async () => {
        const p = await packed;
        release();
        return p === undefined ? hostListing(host, dir, examine) : new PackedListing(p, dir, examine);
      },
      drop: release,
    };
  }

  private send(): void {
    this.flushing = false;
    const b = this.batch;
    this.batch = [];
    if (b.length === 0) return;
    try {
      this.worker!.postMessage(b);
    } catch {
      this.fail();
    }
  }

  private start(): Worker | undefined {
    if (this.idle) {
      clearTimeout(this.idle);
      this.idle = undefined;
    }
    if (this.worker) return this.worker;
    try {
      const w = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 } });
      w.unref();
      w.on('message', (m: { ids: number[]; counts: number[]; names: string; nums: Float64Array }) => this.received(m));
      w.on('error', () => this.fail());
      w.on('exit', () => {
        if (this.worker === w) this.worker = undefined;
        this.answerAll();
      });
      this.worker = w;
      return w;
    } catch {
      this.broken = true;
      return undefined;
    }
  }

  private received(m: { ids: number[]; counts: number[]; names: string; nums: Float64Array }): void {
    const names = m.names === '' ? [] : m.names.split('/');
    let from = 0;
    for (let i = 0; i < m.ids.length; i++) {
      const p = this.pending.get(m.ids[i]!);
      const count = m.counts[i]!;
      if (p) {
        this.pending.delete(m.ids[i]!);
        p.resolve(count < 0 ? undefined : { names, nums: m.nums, from, count });
      }
      if (count > 0) from += count;
    }
    if (this.pending.size === 0 && this.worker && !this.idle) {
      const w = this.worker;
      w.unref();
      this.idle = setTimeout(() => {
        this.idle = undefined;
        if (this.pending.size === 0 && this.worker === w) {
          this.worker = undefined;
          void w.terminate();
        }
      }, IDLE_MS);
      this.idle.unref();
    }
  }

  /** The worker failed: what it was asked is read on the main thread, and nothing more is asked of it. */
  private fail(): void {
    this.broken = true;
    const w = this.worker;
    this.worker = undefined;
    this.answerAll();
    if (w) void w.terminate();
  }

  private answerAll(): void {
    for (const p of this.pending.values()) p.resolve(undefined);
    this.pending.clear();
  }
}

/** A packed listing, its entries made as listHostDirectory makes them for `dir` and `examine`, each when it is asked for. */
class PackedListing implements DirListing {
  private p: Packed | undefined;

  constructor(
    p: Packed,
    private readonly dir: string,
    private readonly examine: Examine,
  ) {
    this.p = p;
  }

  get length(): number {
    return this.p?.count ?? 0;
  }

  at(i: number): DirEntry {
    const p = this.p!;
    const name = p.names[p.from + i]!;
    const nums = p.nums;
    const o = (p.from + i) * STRIDE;
    const listedType = TYPES[nums[o]!]!;
    if (nums[o + 1] === 0) return { name, type: this.examine === 'all' ? 'unknown' : listedType };
    const mode = nums[o + 2]!;
    const type = fileTypeOfMode(mode);
    const info: FileInfo = {
      path: childPath(this.dir, name),
      type,
      mode,
      uid: nums[o + 3]!,
      gid: nums[o + 4]!,
      size: nums[o + 5]!,
      dev: nums[o + 6]!,
      ino: nums[o + 7]!,
      nlink: nums[o + 8]!,
      atimeMs: nums[o + 9]!,
      mtimeMs: nums[o + 10]!,
      ctimeMs: nums[o + 11]!,
      ...(type === 'block' || type === 'character' ? { rdev: nums[o + 12]! } : {}),
    };
    return { name, type: this.examine === 'all' ? type : listedType, info };
  }

  release(): void {
    this.p = undefined;
  }
}

let shared: Prefetcher | undefined;

/**
 * Asks for the listing of the host directory `host`, which is the target's
 * directory `dir`, examined as `examine`, ahead; undefined when it will not
 * be (off, too many asked, no worker).
 */
export function prefetchHostDirectory(host: string, dir: string, examine: Examine): PrefetchedListing | undefined {
  if (process.env.VIGIL_WALK_PREFETCH !== '1') return undefined;
  shared ??= new Prefetcher();
  return shared.ask(host, dir, examine);
}

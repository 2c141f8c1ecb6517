/**
 * The event sources of `vigil watch` (docs/WATCH.md, "Event sources"): from
 * the union of the rules' read sets, the cheapest source that is exact for
 * each input:
 *
 * - files and directories read: one inotify watch (fs.watch, never
 *   recursive) on the parent directory, or on the nearest existing ancestor
 *   of a missing chain; directories listed: a watch on the directory;
 * - bounded walks: a watch on every directory of the walk when there are at
 *   most `walkWatchLimit`; larger ones on a schedule;
 * - package databases: a watch on their directories;
 * - /proc and /sys (kernel values, mounts, interfaces): polled by content;
 * - processes, units, environment, SELinux: polled (the daemon re-checks);
 * - a verification sweep (lstat of everything watched) because Node's
 *   fs.watch does not surface inotify's queue overflow, and polling where
 *   a watch cannot be placed: never silently blind.
 *
 * Changes are debounced and delivered as ChangeBatches through `onChange`.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { InputKind, InputRead, ReadSet } from '../target/reads.js';
import type { ChangeBatch, EventSources, Logger, SourceStatus } from './types.js';
import { Batcher } from './sources/batcher.js';
import { components, HostMap, lstatOrUndefined, signature, StepCache, targetOf } from './sources/host-paths.js';
import { KernelPoller, kernelHash, type KernelWatch } from './sources/kernel-poll.js';

export interface SourceIntervals {
  /** Polling of /proc and /sys, and of paths whose watch could not be placed. */
  readonly kernelMs: number;
  readonly processesMs: number;
  readonly systemdMs: number;
  /** Walks too large to watch are reported on this schedule. */
  readonly walksMs: number;
  /** A full re-evaluation is asked for on this schedule. */
  readonly reconcileMs: number;
  readonly debounceMs: number;
  readonly maxDebounceMs: number;
  /** The verification sweep of everything watched. */
  readonly verifyMs: number;
}

export const DEFAULT_INTERVALS: SourceIntervals = {
  kernelMs: 5000,
  processesMs: 30000,
  systemdMs: 30000,
  walksMs: 3600000,
  reconcileMs: 86400000,
  debounceMs: 50,
  maxDebounceMs: 500,
  verifyMs: 60000,
};

export interface EventSourceOptions {
  /** An offline root: target path /etc/x is host path <root>/etc/x. Absent: this host. */
  readonly root?: string;
  /** With `root`: /proc and /sys are this host's own, not the root's. */
  readonly hostKernel?: boolean;
  readonly onChange: (batch: ChangeBatch) => void;
  readonly log: Logger;
  readonly intervals?: Partial<SourceIntervals>;
  /** inotify watches to use at most (default 8192, or fs.inotify.max_user_watches when lower). */
  readonly maxWatches?: number;
  /** A walk of at most this many directories gets a watch on each; a larger one is scheduled (default 4096). */
  readonly walkWatchLimit?: number;
  /**
   * A walk listing more than this many entries is scheduled too, however few
   * its directories (default 5000): a watched walk is re-run on every change
   * below it, and re-walking costs per entry.
   */
  readonly walkEntryLimit?: number;
  /** Target path prefixes polled by content as /proc and /sys are, mapped through the root (tests). */
  readonly pollPrefixes?: readonly string[];
  /** Test hooks: an event for a target path for which `suppress` is true is dropped, as an overflowed queue would. */
  readonly testHooks?: { readonly suppress?: (target: string) => boolean };
}

const DEFAULT_MAX_WATCHES = 8192;
const DEFAULT_WALK_WATCH_LIMIT = 4096;
const DEFAULT_WALK_ENTRY_LIMIT = 5000;
/** File times come from a coarse clock (a jiffy or so behind): a change this close before a moment may be after it. */
const CTIME_SLACK_MS = 20;

/** Package database directories, by the `packages` input key. */
const PACKAGE_DIRS: Readonly<Record<string, readonly string[]>> = {
  dpkg: ['/var/lib/dpkg'],
  rpm: ['/var/lib/rpm', '/usr/lib/sysimage/rpm'],
};

/** Inputs reported on a schedule (the daemon re-checks the few rules that read them), and which. */
const SCHEDULED_INPUTS: Readonly<Partial<Record<InputKind, 'processesMs' | 'systemdMs'>>> = {
  processes: 'processesMs',
  environment: 'processesMs',
  systemd: 'systemdMs',
  selinux: 'systemdMs',
};

/** uname's fields, as the kernel shows them. */
const UNAME_KEYS = ['/proc/sys/kernel/hostname', '/proc/sys/kernel/domainname', '/proc/sys/kernel/osrelease', '/proc/sys/kernel/version'];

function readMaxUserWatches(): number | undefined {
  try {
    const n = Number.parseInt(readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8'), 10);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** A directory to watch, as planned from the read set. */
interface Plan {
  readonly host: string;
  readonly target: string;
  readonly comps: readonly string[];
  /** Child names whose events are reported. */
  readonly names: Set<string>;
  /** Child names on the way to missing paths: what to report when one is created. */
  readonly pending: Map<string, Set<string>>;
  /** Every child's event is reported (a listing, a walk, a package database). */
  all: boolean;
  /** Inputs reported with every reported event here. */
  readonly tags: InputRead[];
  /** For a walk's directory: levels still listed below it (-1: no bound), the largest over its walks. */
  walkBelow: number | undefined;
  readonly walks: Set<string>;
  /** Other target paths of this directory: where a walk that follows links reached it through one. */
  readonly aliases: Set<string>;
}

/** The target paths a directory's events are reported under. */
function targetsOf(plan: Plan): string[] {
  return plan.aliases.size === 0 ? [plan.target] : [plan.target, ...plan.aliases];
}

interface DirState {
  plan: Plan;
  watcher: FSWatcher | undefined;
  /** The directory's inode when placed: another one (or none) means the watch is lost. */
  ino: number | undefined;
}

type CheckKind = 'path' | 'listing' | 'self';

/** Something the sweeps compare: a path's lstat, a directory's listing, a watched directory's identity. */
interface Check {
  readonly kind: CheckKind;
  readonly target: string;
  readonly host: string;
  /** The watched directory it belongs to (for polling and tags). */
  dir: string;
  sig: string;
  /** performance.now() when `sig` was taken. */
  at: number;
}

interface WalkPlan {
  /**
   * Directories of the walk (where they are, and the target path the walk
   * reached them by, through links when it follows them), with the levels
   * still listed below each; undefined when over the limit.
   */
  readonly dirs: { readonly comps: readonly string[]; readonly via: readonly string[]; readonly below: number }[] | undefined;
  /** The walk enters /proc or /sys, which are not watched: it is scheduled as well. */
  readonly kernel: boolean;
}

function listingSignature(host: string): string {
  const self = lstatOrUndefined(host);
  if (!self) return '-';
  const h = createHash('sha1');
  h.update(signature(self));
  try {
    for (const name of readdirSync(host).sort()) h.update(`\0${name}\0${signature(lstatOrUndefined(`${host}/${name}`))}`);
  } catch (e) {
    h.update(`E:${(e as NodeJS.ErrnoException).code ?? 'unknown'}`);
  }
  return h.digest('base64');
}

function identity(host: string): string {
  const st = lstatOrUndefined(host);
  return st ? `${st.dev}:${st.ino}:${st.isDirectory() ? 'd' : 'o'}` : '-';
}

function checkSignature(c: { kind: CheckKind; host: string }): string {
  if (c.kind === 'path') return signature(lstatOrUndefined(c.host));
  if (c.kind === 'listing') return listingSignature(c.host);
  return identity(c.host);
}

const inputKey = (i: InputRead): string => `${i.kind}\0${i.key}`;

function childTarget(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function under(dir: string, path: string): boolean {
  return path === dir || dir === '/' || path.startsWith(dir + '/');
}

function sameComps(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameList<T>(a: readonly T[], b: readonly T[], eq: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!eq(a[i]!, b[i]!)) return false;
  return true;
}

function sameReads(a: ReadSet, b: ReadSet): boolean {
  return (
    a === b ||
    (sameList(a.paths, b.paths, (x, y) => x === y) &&
      sameList(a.walks, b.walks, (x, y) => x.start === y.start && x.depth === y.depth && (x.links ?? false) === (y.links ?? false)) &&
      sameList(a.inputs, b.inputs, (x, y) => x.kind === y.kind && x.key === y.key))
  );
}

/** Whether `path` is one of `dirs` or below one. */
function inDirs(dirs: ReadonlySet<string>, path: string): boolean {
  for (let p = path; ; p = p.slice(0, p.lastIndexOf('/')) || '/') {
    if (dirs.has(p)) return true;
    if (p === '/') return false;
  }
}

class Sources implements EventSources {
  private readonly map: HostMap;
  private readonly iv: SourceIntervals;
  private readonly maxWatches: number;
  private readonly walkLimit: number;
  private readonly walkEntryLimit: number;
  private readonly kernelLive: boolean;
  private readonly pollPrefixes: readonly string[][];
  private readonly batcher: Batcher;
  private readonly kernel = new KernelPoller();

  private dirs = new Map<string, DirState>();
  private checks = new Map<string, Check>();
  private walkPlans = new Map<string, WalkPlan>();
  private readonly dirtyWalks = new Set<string>();
  private scheduled: string[] = [];
  private scheduledSet: ReadonlySet<string> = new Set();
  /** Inputs reported on a schedule, by interval. */
  private scheduledInputs: { processesMs: InputRead[]; systemdMs: InputRead[] } = { processesMs: [], systemdMs: [] };
  private interfacesInputs: InputRead[] = [];
  private interfacesHash = '';

  private lastReads: ReadSet | undefined;
  /** Wall clock (ms) of the start of the last update(), or of the construction: see apply(). */
  private changedSince = Date.now();
  private chain: Promise<void> = Promise.resolve();
  private replanTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly selfSuspects = new Set<string>();
  private readonly touchedListings = new Set<string>();
  private closed = false;
  private dropped = 0;
  private limitHit = false;
  private warned = false;
  private lastSummary = '';

  constructor(private readonly opts: EventSourceOptions) {
    this.map = new HostMap(opts.root);
    this.iv = { ...DEFAULT_INTERVALS, ...opts.intervals };
    const max = readMaxUserWatches();
    this.maxWatches = opts.maxWatches ?? Math.min(DEFAULT_MAX_WATCHES, max ?? DEFAULT_MAX_WATCHES);
    this.walkLimit = opts.walkWatchLimit ?? DEFAULT_WALK_WATCH_LIMIT;
    this.walkEntryLimit = opts.walkEntryLimit ?? DEFAULT_WALK_ENTRY_LIMIT;
    this.kernelLive = !this.map.offline || opts.hostKernel === true;
    this.pollPrefixes = (opts.pollPrefixes ?? []).map(components);
    this.batcher = new Batcher(
      { debounceMs: this.iv.debounceMs, maxDebounceMs: this.iv.maxDebounceMs },
      (b) => this.deliver(b),
      () => this.prepare(),
    );
    this.every(this.iv.kernelMs, () => this.fastTick());
    this.every(this.iv.processesMs, () => this.scheduledTick('processesMs'));
    this.every(this.iv.systemdMs, () => this.scheduledTick('systemdMs'));
    this.every(this.iv.walksMs, () => {
      for (const s of this.scheduled) this.batcher.walk(s);
    });
    this.every(this.iv.reconcileMs, () => this.batcher.fullRescan('reconcile'));
    this.every(this.iv.verifyMs, () => this.verify());
  }

  // ---- timers ------------------------------------------------------------

  /** Runs `fn` every `ms` (a setTimeout chain: monotonic, never overlapping, unref'd). */
  private every(ms: number, fn: () => void | Promise<void>): void {
    const arm = (): void => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (this.closed) return;
        Promise.resolve()
          .then(fn)
          .catch((e: unknown) => this.opts.log.error('event source tick failed', { error: e instanceof Error ? e.message : String(e) }))
          .finally(() => {
            if (!this.closed) arm();
          });
      }, ms);
      t.unref();
      this.timers.add(t);
    };
    arm();
  }

  // ---- classification ----------------------------------------------------

  /** Where a kernel-made (polled) target path is on this host, or undefined for an ordinary path. */
  private kernelHost(comps: readonly string[]): string | undefined {
    for (const p of this.pollPrefixes) if (p.length <= comps.length && p.every((c, i) => comps[i] === c)) return this.map.host(comps);
    if (this.kernelLive && (comps[0] === 'proc' || comps[0] === 'sys')) return targetOf(comps);
    return undefined;
  }

  // ---- update ------------------------------------------------------------

  update(reads: ReadSet): Promise<void> {
    const started = Date.now();
    const run = this.chain.then(async () => {
      await this.apply(reads, this.changedSince);
      this.changedSince = started;
    });
    this.chain = run.catch(() => {});
    return run;
  }

  /**
   * Applies a read set. `since` (wall clock, ms): a path watched for the
   * first time whose status changed at or after it is reported, since it
   * may have changed after the evaluation read it and before its watch was
   * in place; undefined for a re-placement (the sweep that follows does it).
   */
  private async apply(reads: ReadSet, since: number | undefined): Promise<void> {
    if (this.closed) return;
    // the same read set again (an evaluation that read nothing new): the watches are as planned
    if (since !== undefined && this.lastReads && this.dirtyWalks.size === 0 && sameReads(this.lastReads, reads)) return;
    this.lastReads = reads;
    const steps = new StepCache(this.map);
    const plans = new Map<string, Plan>();
    const wanted = new Map<string, string>(); // target path → host dir of its plan
    const kernel = new Map<string, KernelWatch>();
    const scheduled = new Set<string>();

    const planFor = (comps: readonly string[]): Plan => {
      const host = this.map.host(comps);
      let p = plans.get(host);
      if (!p) {
        p = { host, target: targetOf(comps), comps, names: new Set(), pending: new Map(), all: false, tags: [], walkBelow: undefined, walks: new Set(), aliases: new Set() };
        plans.set(host, p);
      }
      return p;
    };
    const addTags = (p: Plan, tags: readonly InputRead[]): void => {
      for (const t of tags) if (!p.tags.some((x) => inputKey(x) === inputKey(t))) p.tags.push(t);
    };
    const addKernel = (target: string, host: string, listing: boolean, tags: readonly InputRead[], compare = false): void => {
      const old = kernel.get(target);
      const w: KernelWatch = { target, host, listing: listing || (old?.listing ?? false), tags: [...(old?.tags ?? []), ...tags] };
      kernel.set(target, compare || old?.compare ? { ...w, compare: true } : w);
    };
    /** A missing path (or listing): the nearest existing ancestor reports the creation of the next name down. */
    const addPending = (comps: readonly string[], k: number, target: string, tags: readonly InputRead[]): void => {
      const p = planFor(comps.slice(0, k));
      const name = comps[k]!;
      let s = p.pending.get(name);
      if (!s) p.pending.set(name, (s = new Set()));
      s.add(target);
      addTags(p, tags);
      wanted.set(target, p.host);
    };
    /** Per parent directory: its plan, when it is there to watch (most paths share a parent). */
    const parents = new Map<string, Plan | undefined>();
    const addPath = (path: string): void => {
      const comps = components(path);
      const kh = this.kernelHost(comps);
      const target = targetOf(comps);
      if (kh !== undefined) return addKernel(target, kh, false, []);
      if (comps.length === 0) return void wanted.set('/', this.map.host([]));
      const parent = target.slice(0, target.length - comps[comps.length - 1]!.length - 1);
      let p = parents.get(parent);
      if (!parents.has(parent)) {
        const k = steps.depthOfDirs(comps, comps.length - 1);
        p = k === comps.length - 1 ? planFor(comps.slice(0, k)) : undefined;
        parents.set(parent, p);
      }
      if (!p) return addPending(comps, steps.depthOfDirs(comps, comps.length - 1), target, []);
      p.names.add(comps[comps.length - 1]!);
      wanted.set(target, p.host);
    };
    /** A directory listed: a watch on it (every entry's events), or pending on its nearest ancestor. */
    const addListing = (target: string, tags: readonly InputRead[]): Plan | undefined => {
      const comps = components(target);
      const kh = this.kernelHost(comps);
      if (kh !== undefined) return void addKernel(targetOf(comps), kh, true, tags);
      const k = steps.depthOfDirs(comps, comps.length);
      if (k < comps.length) return void addPending(comps, k, targetOf(comps), tags);
      const p = planFor(comps);
      p.all = true;
      addTags(p, tags);
      return p;
    };

    for (const path of reads.paths) addPath(path);

    for (const i of reads.inputs) {
      if (i.kind === 'packages') {
        const dirs = PACKAGE_DIRS[i.key] ?? [...PACKAGE_DIRS['dpkg']!, ...PACKAGE_DIRS['rpm']!].filter((d) => steps.step(components(d), components(d).length) === 'dir');
        for (const d of dirs) addListing(d, [i]);
      }
    }

    for (const w of reads.walks) {
      const comps = components(w.start);
      const start = targetOf(comps);
      if (w.depth === 0) {
        addListing(start, []);
        continue;
      }
      if (this.kernelHost(comps) !== undefined || (!this.map.offline && comps.length === 0)) {
        scheduled.add(start);
        continue;
      }
      if (steps.depthOfDirs(comps, comps.length) < comps.length) {
        addListing(start, []); // the walk starts once its start exists; its creation is reported
        continue;
      }
      const key = JSON.stringify([start, w.depth, w.links === true]);
      let wp = this.dirtyWalks.has(key) ? undefined : this.walkPlans.get(key);
      if (!wp) wp = this.walkDirs(comps, w.depth, w.links === true);
      this.walkPlans.set(key, wp);
      this.dirtyWalks.delete(key);
      if (!wp.dirs || wp.kernel) scheduled.add(start);
      if (!wp.dirs) continue;
      for (const d of wp.dirs) {
        const p = planFor(d.comps);
        p.all = true;
        p.walks.add(key);
        p.walkBelow = p.walkBelow === undefined ? d.below : p.walkBelow < 0 || d.below < 0 ? -1 : Math.max(p.walkBelow, d.below);
        if (d.via !== d.comps) p.aliases.add(targetOf(d.via));
      }
    }
    const walkKeys = new Set(reads.walks.map((w) => JSON.stringify([targetOf(components(w.start)), w.depth, w.links === true])));
    for (const k of [...this.walkPlans.keys()]) if (!walkKeys.has(k)) this.walkPlans.delete(k);

    const scheduledInputs: { processesMs: InputRead[]; systemdMs: InputRead[] } = { processesMs: [], systemdMs: [] };
    const mounts: InputRead[] = [];
    const interfaces: InputRead[] = [];
    if (this.kernelLive) {
      for (const i of reads.inputs) {
        const every = SCHEDULED_INPUTS[i.kind];
        if (every) scheduledInputs[every].push(i);
        else if (i.kind === 'mounts') mounts.push(i);
        else if (i.kind === 'interfaces') interfaces.push(i);
        else if (i.kind === 'kernel') {
          if (i.key === '*') scheduledInputs.processesMs.push(i);
          else if (i.key === 'uname') for (const p of UNAME_KEYS) addKernel(p, p, false, [i]);
          else {
            const p = `/proc/sys/${i.key.replace(/\./g, '/')}`;
            addKernel(p, p, false, [i]);
          }
        }
      }
      if (mounts.length > 0) addKernel('/proc/self/mountinfo', '/proc/self/mountinfo', false, mounts, true);
    }

    this.place(plans);
    this.rebuildChecks(plans, wanted, since);
    await this.kernel.set(kernel.values());
    this.scheduled = [...scheduled].sort();
    this.scheduledSet = new Set(this.scheduled);
    this.scheduledInputs = scheduledInputs;
    if (interfaces.length > 0 && this.interfacesInputs.length === 0) this.interfacesHash = await this.hashInterfaces();
    this.interfacesInputs = interfaces;
    const st = this.status();
    const summary = `${st.watches}/${st.polled}/${this.scheduled.length}`;
    if (summary !== this.lastSummary) {
      this.lastSummary = summary;
      this.opts.log.info('event sources placed', { watches: st.watches, polled: st.polled, scheduled_walks: this.scheduled.length });
    }
  }

  /**
   * The directories of a walk from `comps`, down to `depth` levels of
   * listing (-1: all), or undefined beyond the limit. With `links`, links
   * to directories are followed (resolved inside the root), each directory
   * counted once.
   */
  private walkDirs(comps: readonly string[], depth: number, links: boolean): WalkPlan {
    let kernel = false;
    const out: { comps: readonly string[]; via: readonly string[]; below: number }[] = [];
    const queue: { comps: readonly string[]; via: readonly string[]; level: number }[] = [{ comps, via: comps, level: 0 }];
    const seen = new Set<string>([this.map.host(comps)]);
    let listed = 0;
    for (let next = 0; next < queue.length; next++) {
      const d = queue[next]!;
      out.push({ comps: d.comps, via: d.via, below: depth < 0 ? -1 : depth - d.level });
      if (out.length > this.walkLimit) return { dirs: undefined, kernel };
      if (depth >= 0 && d.level >= depth) continue;
      let entries;
      try {
        entries = readdirSync(this.map.host(d.comps), { withFileTypes: true });
      } catch {
        continue;
      }
      listed += entries.length;
      if (listed > this.walkEntryLimit) return { dirs: undefined, kernel };
      for (const e of entries) {
        let c: readonly string[] = [...d.comps, e.name];
        const via = d.via === d.comps ? c : [...d.via, e.name];
        if (e.isSymbolicLink() && links) {
          const real = this.map.resolve(c);
          if (!real || !lstatOrUndefined(this.map.host(real))?.isDirectory()) continue;
          c = real;
        } else if (!e.isDirectory()) continue;
        if (this.kernelHost(c) !== undefined) {
          kernel = true;
          continue;
        }
        const host = this.map.host(c);
        if (seen.has(host)) continue;
        seen.add(host);
        queue.push({ comps: c, via: sameComps(c, via) ? c : via, level: d.level + 1 });
      }
    }
    return { dirs: out, kernel };
  }

  /** Places (or keeps) a watch on each planned directory, within the budget; the rest are polled. */
  private place(plans: Map<string, Plan>): void {
    for (const [host, st] of this.dirs) {
      if (!plans.has(host)) {
        st.watcher?.close();
        this.dirs.delete(host);
      }
    }
    let used = 0;
    let limited = false;
    for (const [host, plan] of plans) {
      let st = this.dirs.get(host);
      if (!st) {
        st = { plan, watcher: undefined, ino: lstatOrUndefined(host)?.ino };
        this.dirs.set(host, st);
      }
      st.plan = plan;
      if (used >= this.maxWatches) {
        if (st.watcher) {
          st.watcher.close();
          st.watcher = undefined;
        }
        limited = true;
        continue;
      }
      if (!st.watcher) {
        try {
          st.watcher = this.watchDir(host);
          st.ino = lstatOrUndefined(host)?.ino;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE') limited = true;
          else if (code !== 'ENOENT' && code !== 'ENOTDIR') this.opts.log.warn('cannot watch a directory; polling it', { dir: plan.target, code });
          continue;
        }
      }
      used++;
    }
    this.limitHit = limited;
    if (limited && !this.warned) {
      this.warned = true;
      this.opts.log.warn('inotify watch limit reached; polling the rest', { maxWatches: this.maxWatches, every_ms: this.iv.kernelMs });
    }
  }

  private watchDir(host: string): FSWatcher {
    const w = watch(host, { persistent: true, recursive: false });
    w.on('change', (_type, filename) => this.onEvent(host, w, filename === null ? null : String(filename)));
    w.on('error', () => this.lost(host, w));
    return w;
  }

  private rebuildChecks(plans: Map<string, Plan>, wanted: Map<string, string>, since: number | undefined): void {
    const next = new Map<string, Check>();
    const now = performance.now();
    const fresh: Check[] = [];
    const keep = (key: string, kind: CheckKind, target: string, hostOf: string | (() => string), dir: string): void => {
      const old = this.checks.get(key); // the key names the host path
      if (old) {
        old.dir = dir; // the same object: a verification sweep under way still finds it
        next.set(key, old);
        return;
      }
      const host = typeof hostOf === 'string' ? hostOf : hostOf();
      // a listing first seen while re-placing watches (a directory just created) is compared by the sweep that follows
      const c: Check = { kind, target, host, dir, sig: since === undefined && kind === 'listing' ? '' : checkSignature({ kind, host }), at: now };
      next.set(key, c);
      if (since !== undefined && kind !== 'self') fresh.push(c);
    };
    for (const [target, dir] of wanted) keep(`p:${target}`, 'path', target, () => this.map.host(components(target)), dir);
    for (const [host, plan] of plans) {
      keep(`s:${host}`, 'self', plan.target, host, host);
      if (plan.all) keep(`l:${host}`, 'listing', plan.target, host, host);
    }
    this.checks = next;
    if (since === undefined) return;
    for (const c of fresh) {
      const st = lstatOrUndefined(c.host);
      if (st && st.ctimeMs >= since - CTIME_SLACK_MS) this.report(c);
    }
  }

  // ---- events ------------------------------------------------------------

  private onEvent(host: string, w: FSWatcher, name: string | null): void {
    const st = this.dirs.get(host);
    if (!st || st.watcher !== w || this.closed) return;
    const plan = st.plan;
    if (name === null) {
      if (this.opts.testHooks?.suppress?.(plan.target)) return;
      for (const t of targetsOf(plan)) this.batcher.dir(t);
      for (const t of plan.tags) this.batcher.input(t);
      return;
    }
    const child = childTarget(plan.target, name);
    if (this.opts.testHooks?.suppress?.(child)) return;
    for (const a of plan.aliases) this.batcher.path(childTarget(a, name));
    // the watched directory's own events (a chmod, its removal) come under its own name
    if (plan.comps.length > 0 && name === plan.comps[plan.comps.length - 1]) this.selfSuspects.add(host);
    const pend = plan.pending.get(name);
    if (plan.all || plan.names.has(name) || pend) {
      this.batcher.path(child);
      for (const t of plan.tags) this.batcher.input(t);
    }
    if (plan.all) this.touchedListings.add(host);
    if (pend) {
      for (const t of pend) this.batcher.path(t);
      this.replanSoon();
    }
    if (plan.walkBelow !== undefined && plan.walkBelow !== 0) {
      const childHost = host === '/' ? `/${name}` : `${host}/${name}`;
      if (!this.dirs.has(childHost) && lstatOrUndefined(childHost)?.isDirectory()) {
        for (const k of plan.walks) this.dirtyWalks.add(k);
        this.replanSoon();
      }
    }
  }

  /** A watch is gone (its directory removed or replaced, or the watcher failed): report it and watch an ancestor. */
  private lost(host: string, w?: FSWatcher): void {
    const st = this.dirs.get(host);
    if (!st || (w && st.watcher !== w)) return;
    st.watcher?.close();
    st.watcher = undefined;
    st.ino = undefined;
    for (const t of targetsOf(st.plan)) this.batcher.path(t);
    for (const k of st.plan.walks) this.dirtyWalks.add(k);
    // every walk that contains it recounts (a parent walk's directory went away)
    for (const [, other] of this.dirs) if (other.plan.walkBelow !== undefined && under(other.plan.target, st.plan.target)) for (const k of other.plan.walks) this.dirtyWalks.add(k);
    this.replanSoon();
  }

  /** Before a batch is delivered: watched directories that reported events under their own name are checked. */
  private prepare(): void {
    for (const host of this.selfSuspects) {
      const st = this.dirs.get(host);
      if (!st || !st.watcher) continue;
      const now = lstatOrUndefined(host);
      if (!now || !now.isDirectory() || now.ino !== st.ino) this.lost(host);
      else for (const t of targetsOf(st.plan)) this.batcher.path(t);
    }
    this.selfSuspects.clear();
  }

  /** A batch is going out: what it names is remembered as it is now, then the daemon is told. */
  private deliver(batch: ChangeBatch): void {
    const now = performance.now();
    const refresh = (c: Check): void => {
      c.sig = checkSignature(c);
      c.at = now;
    };
    for (const p of batch.paths) {
      const c = this.checks.get(`p:${p}`);
      if (c) refresh(c);
    }
    if (batch.dirs.length > 0) {
      const dirs = new Set(batch.dirs);
      for (const c of this.checks.values()) if (c.kind !== 'self' && inDirs(dirs, c.target)) refresh(c);
    }
    for (const host of this.touchedListings) {
      const c = this.checks.get(`l:${host}`);
      if (c) refresh(c);
    }
    this.touchedListings.clear();
    try {
      this.opts.onChange(batch);
    } catch (e) {
      this.opts.log.error('onChange failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private replanSoon(): void {
    if (this.replanTimer !== undefined || this.closed) return;
    this.replanTimer = setTimeout(() => {
      this.replanTimer = undefined;
      const reads = this.lastReads;
      if (!reads || this.closed) return;
      const run = this.chain.then(async () => {
        await this.apply(reads, undefined);
        // what happened before the new watches were in place (mkdir -p and a write at once) is found by comparing
        this.sweep((c) => c.kind !== 'listing' || c.sig === '', false);
      });
      this.chain = run.catch((e: unknown) => this.opts.log.error('re-placing watches failed', { error: e instanceof Error ? e.message : String(e) }));
    }, this.iv.debounceMs);
    this.replanTimer.unref();
  }

  // ---- sweeps and polls --------------------------------------------------

  private polled(c: Check): boolean {
    return this.dirs.get(c.dir)?.watcher === undefined;
  }

  private report(c: Check): void {
    const st = this.dirs.get(c.dir);
    if (c.kind === 'self') {
      if (st?.watcher) this.lost(c.dir);
      else {
        this.batcher.path(c.target);
        this.replanSoon();
      }
      return;
    }
    if (c.kind === 'listing') for (const t of st ? targetsOf(st.plan) : [c.target]) this.batcher.dir(t);
    else this.batcher.path(c.target);
    for (const t of st?.plan.tags ?? []) this.batcher.input(t);
    if (!st) return;
    // found by comparing, not by an event: where that changes what is watched, re-place the watches
    const plan = st.plan;
    if (c.kind === 'listing' && plan.walkBelow !== undefined && plan.walkBelow !== 0) {
      for (const k of plan.walks) this.dirtyWalks.add(k);
      this.replanSoon();
    } else if (c.kind === 'path' && plan.pending.size > 0 && under(plan.target, c.target)) {
      const rest = c.target.slice(plan.target === '/' ? 1 : plan.target.length + 1);
      const name = rest.split('/')[0]!;
      if (plan.pending.has(name)) this.replanSoon();
    }
  }

  /**
   * Compares the checks chosen by `which` with what is there now. Without
   * `missed`, a difference is reported at once (polling, re-placing).
   * With it (the verification sweep) a difference is given the time a
   * delivered event takes, then reported and counted as dropped unless an
   * event reported it meanwhile.
   */
  private sweep(which: (c: Check) => boolean, missed: boolean): void {
    const start = performance.now();
    const differ: [Check, string][] = [];
    for (const c of this.checks.values()) {
      if (!which(c)) continue;
      const sig = checkSignature(c);
      if (sig === c.sig) continue;
      if (!missed) {
        c.sig = sig;
        c.at = start;
        this.report(c);
      } else differ.push([c, sig]);
    }
    if (differ.length === 0) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.closed) return;
      for (const [c, sig] of differ) {
        if (this.checks.get(`${c.kind[0]}:${c.kind === 'path' ? c.target : c.host}`) !== c || c.at >= start) continue;
        c.sig = sig;
        c.at = start;
        this.dropped++;
        this.report(c);
      }
    }, this.iv.maxDebounceMs + 50);
    t.unref();
    this.timers.add(t);
  }

  private verify(): void {
    this.sweep((c) => !this.polled(c), true);
  }

  private async fastTick(): Promise<void> {
    this.sweep((c) => this.polled(c), false);
    for (const w of await this.kernel.poll()) {
      this.batcher.path(w.target);
      for (const t of w.tags) this.batcher.input(t);
    }
    if (this.interfacesInputs.length > 0) {
      const h = await this.hashInterfaces();
      if (h !== this.interfacesHash) {
        this.interfacesHash = h;
        for (const i of this.interfacesInputs) this.batcher.input(i);
      }
    }
  }

  private scheduledTick(every: 'processesMs' | 'systemdMs'): void {
    for (const i of this.scheduledInputs[every]) this.batcher.input(i);
    if (every === 'processesMs') {
      for (const w of this.kernel.volatile()) {
        this.batcher.path(w.target);
        for (const t of w.tags) this.batcher.input(t);
      }
    }
  }

  private async hashInterfaces(): Promise<string> {
    return JSON.stringify(networkInterfaces()) + (await kernelHash('/sys/class/net', true));
  }

  // ---- status, close -----------------------------------------------------

  scheduledWalks(): ReadonlySet<string> {
    return this.scheduledSet;
  }

  status(): SourceStatus {
    let watches = 0;
    for (const st of this.dirs.values()) if (st.watcher) watches++;
    let polledPaths = 0;
    for (const c of this.checks.values()) if (c.kind !== 'self' && this.polled(c)) polledPaths++;
    const polled = polledPaths + this.kernel.size;
    return {
      ok: true,
      ...(this.limitHit && polledPaths > 0 ? { reason: `${polledPaths} paths polled: inotify watch limit reached` } : {}),
      watches,
      polled,
      dropped: this.dropped,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain.catch(() => {});
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.replanTimer !== undefined) clearTimeout(this.replanTimer);
    this.batcher.close();
    for (const st of this.dirs.values()) st.watcher?.close();
    this.dirs.clear();
    this.checks.clear();
    this.kernel.clear();
  }
}

/**
 * Event sources for the read sets given to `update()`. Create them before
 * the first evaluation: a path whose status changed after their creation
 * (or, later, after the previous `update()` began) is reported when it is
 * first watched, since the evaluation may have read it before the change.
 * Their watches keep the process alive until `close()`; their timers do
 * not.
 */
export function createEventSources(opts: EventSourceOptions): EventSources {
  return new Sources(opts);
}

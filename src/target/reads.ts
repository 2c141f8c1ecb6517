/**
 * Read sets: what a collected object (and so a rule) read of its target,
 * as plain data, so that a later run can tell which results a change to the
 * target may have changed (`vigil watch`), and a report can say what each
 * rule looked at.
 *
 * - `paths`: every target path read or examined, *whether or not it
 *   existed*: creating a missing one changes what was found.
 * - `walks`: directories listed, each with the walk that listed them: every
 *   entry at or below `start`, down to `depth` levels of listing, may
 *   matter (its existence, its metadata); the walk's filename and path
 *   patterns say which entries it reported, for consumers that want to be
 *   more precise. A walk is recorded as its spec, never entry by entry.
 * - `inputs`: what is not a file: package databases, kernel keys, units,
 *   processes, interfaces, as `{ kind, key }` (`key` `*` for all of a kind).
 *
 * A read set is cheap to union (ReadRecorder.add) and to index by path
 * (`readsPath`, and a map from each path and walk start).
 */
import { childPath, splitPath, type DirHandle, type Examine, type Target } from './target.js';

export interface WalkRead {
  /** The directory the walk started at (as the walk named it). */
  readonly start: string;
  /**
   * How many levels below `start` were listed: 0 for `start`'s own entries
   * only, -1 for no bound. Entries down to `depth + 1` levels below `start`
   * may matter.
   */
  readonly depth: number;
  /** The filename entity the walk reported entries for (`operation value`), when it had one. */
  readonly filename?: string;
  /** The path or filepath pattern the walk matched, when it was a match walk. */
  readonly pattern?: string;
  /** Symbolic links to directories were followed: what they point at was read too. */
  readonly links?: boolean;
}

export type InputKind = 'packages' | 'kernel' | 'systemd' | 'processes' | 'interfaces' | 'environment' | 'selinux' | 'mounts';

export interface InputRead {
  readonly kind: InputKind;
  /** The key within the kind (a package database, a unit, a sysctl name), or `*` for all of it. */
  readonly key: string;
}

/** What a collection read; sorted, without duplicates; JSON as it is. */
export interface ReadSet {
  readonly paths: readonly string[];
  readonly walks: readonly WalkRead[];
  readonly inputs: readonly InputRead[];
}

export const EMPTY_READS: ReadSet = { paths: [], walks: [], inputs: [] };

/** Where reads are recorded while an object is collected. */
export interface ReadLog {
  path(path: string): void;
  walk(walk: WalkRead): void;
  input(kind: InputKind, key: string): void;
}

/** A ReadLog that records nothing: collection without read sets. */
export const NO_READS: ReadLog = { path() {}, walk() {}, input() {} };

function walkKey(w: WalkRead): string {
  return JSON.stringify([w.start, w.depth, w.filename ?? null, w.pattern ?? null, w.links ?? false]);
}

/** Collects reads, and read sets to unite with them; `toData` gives the ReadSet. */
export class ReadRecorder implements ReadLog {
  private readonly paths = new Set<string>();
  private readonly walks = new Map<string, WalkRead>();
  private readonly inputs = new Set<string>();

  path(path: string): void {
    this.paths.add(path);
  }

  walk(walk: WalkRead): void {
    const k = walkKey(walk);
    if (!this.walks.has(k)) this.walks.set(k, walk);
  }

  input(kind: InputKind, key: string): void {
    this.inputs.add(`${kind}\0${key}`);
  }

  /** Unites a read set with what is recorded. */
  add(reads: ReadSet): void {
    for (const p of reads.paths) this.paths.add(p);
    for (const w of reads.walks) this.walk(w);
    for (const i of reads.inputs) this.input(i.kind, i.key);
  }

  get empty(): boolean {
    return this.paths.size === 0 && this.walks.size === 0 && this.inputs.size === 0;
  }

  toData(): ReadSet {
    if (this.empty) return EMPTY_READS;
    const walks = [...this.walks.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, w]) => w);
    const inputs = [...this.inputs]
      .sort()
      .map((s) => {
        const i = s.indexOf('\0');
        return { kind: s.slice(0, i) as InputKind, key: s.slice(i + 1) };
      });
    return { paths: [...this.paths].sort(), walks, inputs };
  }
}

/** The union of read sets. */
export function unionReads(sets: Iterable<ReadSet>): ReadSet {
  const r = new ReadRecorder();
  for (const s of sets) r.add(s);
  return r.toData();
}

/** Levels between `dir` and `path` (1 for a child), or -1 when `path` is not below `dir`. */
function levelsBelow(dir: string, path: string): number {
  const d = splitPath(dir);
  const p = splitPath(path);
  if (p.length <= d.length) return -1;
  for (let i = 0; i < d.length; i++) if (d[i] !== p[i]) return -1;
  return p.length - d.length;
}

/**
 * Whether a change at `path` (its content, metadata, creation or removal)
 * may change what was read: the path was read or examined, or a walk
 * listed the directory it is (or would be) in. A walk that followed links
 * is taken to cover only what lies below its start.
 */
export function readsPath(reads: ReadSet, path: string): boolean {
  if (reads.paths.includes(path)) return true;
  for (const w of reads.walks) {
    if (w.start === path) return true;
    const l = levelsBelow(w.start, path);
    if (l > 0 && (w.depth < 0 || l <= w.depth + 1)) return true;
  }
  return false;
}

/**
 * A view of `target` that records in `log` every path it is asked about
 * (read, examined, listed, resolved), whether the call succeeds or not. A
 * call that follows symbolic links (readFile, stat, readdir, openDir) also
 * records where the path leads, when that is elsewhere: a change there
 * changes what was read. A directory opened through it records its listing
 * as a walk of depth 0, and each entry examined by name as a path.
 * Whatever else the target offers passes through unchanged.
 */
export function recordingTarget(target: Target, log: ReadLog): Target {
  const resolved = new Map<string, Promise<string | undefined>>();
  /** Where `p` leads, when that is elsewhere (recorded, once per path). */
  const realOf = (p: string): Promise<string | undefined> => {
    let r = resolved.get(p);
    if (!r) {
      r = target.realpath(p).then(
        (real) => {
          if (real === p) return undefined;
          log.path(real);
          return real;
        },
        () => undefined,
      );
      resolved.set(p, r);
    }
    return r;
  };
  const following = <T>(p: string, call: Promise<T>): Promise<T> => {
    log.path(p);
    return Promise.all([call, realOf(p)]).then(([v]) => v);
  };
  /** A directory listed: what it leads to is listed too. */
  const listing = <T>(p: string, call: Promise<T>): Promise<[T, string | undefined]> => {
    log.path(p);
    log.walk({ start: p, depth: 0 });
    return Promise.all([call, realOf(p)]).then(([v, real]) => {
      if (real !== undefined) log.walk({ start: real, depth: 0 });
      return [v, real];
    });
  };
  const own: Partial<Target> = {
    readFile: (p) => following(p, target.readFile(p)),
    lstat: (p) => (log.path(p), target.lstat(p)),
    stat: (p) => following(p, target.stat(p)),
    readdir: (p) => listing(p, target.readdir(p)).then(([v]) => v),
    readlink: (p) => (log.path(p), target.readlink(p)),
    realpath: (p) => (log.path(p), target.realpath(p)),
  };
  if (target.openDir) {
    const openDir = target.openDir.bind(target);
    own.openDir = (p) => listing(p, openDir(p)).then(([h, real]) => recordingHandle(h, log, real));
  }
  if (target.exec) {
    const exec = target.exec.bind(target);
    own.exec = (file, args, opts) => (log.path(file), exec(file, args, opts));
  }
  return new Proxy(target, {
    get(t, prop) {
      if (Object.prototype.hasOwnProperty.call(own, prop)) return own[prop as keyof Target];
      const v: unknown = Reflect.get(t, prop, t);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

/** A directory opened through a recording view; `real`: where it is, when it was reached through a link. */
function recordingHandle(h: DirHandle, log: ReadLog, real?: string): DirHandle {
  const at = (name: string): void => {
    log.path(childPath(h.path, name));
    if (real !== undefined) log.path(childPath(real, name));
  };
  const listed = (path: string, realPath: string | undefined): void => {
    log.walk({ start: path, depth: 0 });
    if (realPath !== undefined) log.walk({ start: realPath, depth: 0 });
  };
  const view: DirHandle = {
    path: h.path,
    info: h.info,
    entries: (examine?: Examine) => {
      listed(h.path, real);
      return h.entries(examine);
    },
    lstat: (name) => (at(name), h.lstat(name)),
    stat: (name) => (at(name), h.stat(name)),
    openChild: (name) => {
      at(name);
      return h.openChild(name).then((c) => recordingHandle(c, log, real && childPath(real, name)));
    },
  };
  const sub = h.subdirectory?.bind(h);
  if (sub) (view as { subdirectory?: DirHandle['subdirectory'] }).subdirectory = (name, info) => (at(name), recordingHandle(sub(name, info), log, real && childPath(real, name)));
  // the walk's ways of listing, recorded as entries() is
  const listing = h.listing?.bind(h);
  if (listing) (view as { listing?: DirHandle['listing'] }).listing = (examine) => (listed(h.path, real), listing(examine));
  const prefetch = h.prefetch?.bind(h);
  if (prefetch) {
    (view as { prefetch?: DirHandle['prefetch'] }).prefetch = (name, info, examine) => {
      const ahead = prefetch(name, info, examine);
      return ahead && { examine: ahead.examine, take: () => (listed(childPath(h.path, name), real && childPath(real, name)), ahead.take()), drop: () => ahead.drop() };
    };
  }
  return view;
}

/**
 * Locating files for the file-based objects (file, textfilecontent54,
 * filehash58, xmlfilecontent, yamlfilecontent, symlink, selinux): `filepath`,
 * or `path` + `filename`, with the recursion behaviors (max_depth,
 * recurse_direction, recurse, recurse_file_system), with the semantics of
 * OpenSCAP's oval_fts (src/OVAL/probes/oval_fts.c):
 *
 * - A `path` or `filepath` that is not `equals` is found by a match walk
 *   from the pattern's fixed prefix (extract_fixed_path_prefix), or from `/`
 *   for other operations. It enters every directory and follows every link,
 *   and skips a directory the pattern can neither match nor grow into
 *   (PCRE partial matching: path-prefix.ts).
 * - From each matched directory, a recursion reports the entries whose name
 *   matches `filename` (never a directory), or the directories themselves
 *   for a nil filename, down to max_depth, entering directories and/or
 *   following links as `recurse` says; `up` lists the directory and its
 *   ancestors instead. A `filepath` matches anything but a directory.
 * - `recurse_file_system="local"` does not enter a directory whose device is
 *   not one of the local filesystems in the mount table (all but proc,
 *   sysfs, autofs and the network filesystems, as fsdev.c decides);
 *   `defined` stays on the device the walk started on. An offline root has
 *   no mount table of its own: everything in it is local.
 * - A walk never enters a directory that repeats one of its ancestors.
 * - Only absence is quiet (absence.ts): a path that is not there, or a link
 *   that leads nowhere. A directory that cannot be listed or opened, an
 *   entry that cannot be examined, fails the object (flag error) with the
 *   reason, where oval_fts skips it (FTS_DNR, FTS_NS) and reports fewer
 *   files: a directory the scanner cannot read must not look empty.
 *
 * Walks are shared: the requests registered before a walk starts are served
 * by one traversal (walk.ts), each with its own rules, and every directory is
 * read once. The engine collects the objects that walk together
 * (OvalEngine.prepare, ProbeContext.batch), so a scan walks its filesystem
 * once however many objects recurse through it. A recursion whose filename
 * is a pattern has the listings examine every entry as they are read (it
 * looks at most of them); other walks examine an entry when they match it.
 * A located entry is handed to the probe at once, synchronously when the
 * lstat came with the listing, so memory holds what the probes keep, not
 * what the walk saw.
 */
import type { OvalObject } from '../../model/oval/types.js';
import { NO_READS, recordingTarget, type ReadLog } from '../../target/reads.js';
import { childPath, openDirectory, TargetError, type FileInfo, type Target } from '../../target/target.js';
import { absentAs, followedAs } from './absence.js';
import { serviceKey } from '../services.js';
import type { ProbeContext, ProbeRequest, ResolvedEntity } from '../types.js';
import { compareValues, ovalPattern } from '../compare.js';
import { boundedTest, isFailure, UndecidedMatch, type TestAnswer } from '../regex/bounded.js';
import { entityMatches } from './entity.js';
import { fixedPathPrefix, pathPatternTest, type PrefixVerdict } from './path-prefix.js';
import { DEFAULT_TRAVERSAL_LIMITS, Traversal, type Spawn, type TraversalLimits, type WalkEntry, type WalkNode, type Walker } from './walk.js';

export interface LocatedFile {
  /** Directory part (the item's `path`). */
  readonly path: string;
  /** File name, or undefined for a directory matched with a nil filename. */
  readonly filename?: string;
  /** Full path. */
  readonly filepath: string;
  /** lstat of the located entry. */
  readonly info: FileInfo;
}

/** What a probe does with each located entry; synchronous when it can be, so a walk need not wait on it. */
export type Visit = (f: LocatedFile) => void | Promise<void>;

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Pseudo and network filesystems: not local for recurse_file_system="local" (fsdev.c is_local_fs). */
const NOT_LOCAL_FS = new Set([
  'proc',
  'sysfs',
  'afs',
  'auristorfs',
  'ceph',
  'cifs',
  'smb3',
  'smbfs',
  'sshfs',
  'ncpfs',
  'ncp',
  'nfs',
  'nfs4',
  'gfs',
  'gfs2',
  'glusterfs',
  'gpfs',
  'pvfs2',
  'ocfs2',
  'lustre',
  'davfs',
  'panfs',
]);

/** fsdev.c is_local_fs: autofs entries describe maps, `fuse.X` is X. */
function isLocalFilesystem(type: string): boolean {
  if (type === 'autofs') return false;
  return !NOT_LOCAL_FS.has(type.startsWith('fuse.') ? type.slice('fuse.'.length) : type);
}

/** A mount table field: `\040` and the other octal escapes decoded. */
function mountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

interface Behaviors {
  readonly maxDepth: number;
  readonly direction: 'none' | 'up' | 'down';
  readonly intoDirectories: boolean;
  readonly intoLinks: boolean;
  readonly fileSystem: 'all' | 'local' | 'defined';
}

/** The behaviors with OpenSCAP's defaults, or undefined for a value it refuses (then nothing is collected). */
function behaviorsOf(req: ProbeRequest): Behaviors | undefined {
  const b = req.behaviors;
  const n = Number.parseInt(b['max_depth'] ?? '-1', 10);
  const direction = b['recurse_direction'] ?? 'none';
  if (direction !== 'none' && direction !== 'up' && direction !== 'down') return undefined;
  // as oval_fts.h: "files and directories" is FILES|SYMLINKS, which enters no directory
  const recurse = { 'symlinks and directories': [true, true], 'files and directories': [false, true], symlinks: [false, true], directories: [true, false] }[b['recurse'] ?? 'symlinks and directories'];
  if (!recurse) return undefined;
  const fs = b['recurse_file_system'] ?? 'all';
  if (fs !== 'all' && fs !== 'local' && fs !== 'defined') return undefined;
  return { maxDepth: Number.isNaN(n) ? 0 : n, direction, intoDirectories: recurse[0]!, intoLinks: recurse[1]!, fileSystem: fs };
}

/**
 * True when collecting the object may walk directories (a `path` or
 * `filepath` that is not `equals`, or a recursion down), so that it is worth
 * collecting it together with the other walks. Only the object as written
 * is looked at: var_ref values do not change it.
 */
export function walksFilesystem(object: OvalObject): boolean {
  const entity = (name: string) => object.entities.find((e) => e.name === name);
  const filepath = entity('filepath');
  if (filepath) return filepath.operation !== 'equals';
  const path = entity('path');
  if (!path) return false;
  return path.operation !== 'equals' || object.behaviors['recurse_direction'] === 'down';
}

type DeviceCheck = (info: FileInfo) => boolean;

/** A recursion's rules (oval_fts_read_recurse_path, directions none and down). */
interface RecursionRules {
  readonly b: Behaviors;
  /** The filename entity; undefined for a nil filename: the directories themselves are reported. */
  readonly filename: ResolvedEntity | undefined;
  /** May the recursion list a directory on this device? */
  readonly enters: DeviceCheck;
  /** The recursion goes into a directory through a link, listing `depth` levels there (-1: no bound): for read sets. */
  readonly onLink?: OnLink;
}

type OnLink = (node: WalkNode, depth: number) => void;

/**
 * A test of names or paths against an object entity, compiled once for a
 * walk's many entries: synchronous, except where the regex worker must
 * match (regex/bounded.ts). A match that cannot be decided throws (or
 * rejects) an UndecidedMatch, which fails the walker: its object is an
 * error, never a walk that found nothing.
 */
type NameTest = (candidate: string) => boolean | Promise<boolean>;

function nameTest(r: ResolvedEntity): NameTest {
  const { operation, datatype } = r.entity;
  if (datatype === 'string' && operation === 'pattern match') {
    const re = ovalPattern(r.value);
    // a pattern that cannot be used decides nothing: the object is an error, not a walk that found nothing
    if (re instanceof Error) throw new Error(`cannot use pattern ${JSON.stringify(r.value)}: ${re.message}`);
    // a pattern that matches any line needs no matching (SSG's ".*" and "^.*$" on every file of /)
    if (MATCHES_ANY_LINE.has(r.value)) return (c) => !c.includes('\n') || decided(boundedTest(re, c), r.value, c);
    return (c) => decided(boundedTest(re, c), r.value, c);
  }
  if (datatype === 'string' && operation === 'equals') return (c) => c === r.value;
  return (c) => entityMatchNow(r, c);
}

/** entityMatches, at once unless the regex worker must answer. */
function entityMatchNow(r: ResolvedEntity, c: string): boolean | Promise<boolean> {
  const x = compareValues(r.value, r.entity.datatype, c, r.entity.operation);
  return typeof x === 'string' ? x === 'true' : entityMatches(r, c);
}

/** A match's answer as a boolean, waiting for the worker when it must; an undecided match throws. */
function decided(a: TestAnswer | Promise<TestAnswer>, pattern: string, candidate: string): boolean | Promise<boolean> {
  if (a instanceof Promise) return a.then((x) => decidedNow(x, pattern, candidate));
  return decidedNow(a, pattern, candidate);
}

function decidedNow(a: TestAnswer, pattern: string, candidate: string): boolean {
  if (isFailure(a)) throw new UndecidedMatch(a, pattern, JSON.stringify(candidate));
  return a;
}

/** Patterns that match any string without a newline. */
const MATCHES_ANY_LINE = new Set(['.*', '^.*$', '^.*', '.*$', '']);

/**
 * The LocatedFile of a walk's entry, one object for every walker that
 * reports it: the walkers are asked about an entry one after another, so
 * the last one made is all there is to remember. Probes can then tell an
 * entry they have seen by identity (unix/file.ts shares its item).
 */
class EntryFiles {
  private entry: WalkEntry | undefined;
  private file: LocatedFile | undefined;

  of(node: WalkNode, e: WalkEntry, info: FileInfo): LocatedFile {
    const last = this.file;
    if (this.entry === e && last && last.info === info && last.path === node.path) return last;
    const file: LocatedFile = { path: node.path, filename: e.name, filepath: e.path, info };
    this.entry = e;
    this.file = file;
    return file;
  }
}

/** The recursion from one matched directory. */
class Recursion implements Walker {
  readonly examines: boolean;
  private readonly matches: NameTest | undefined;

  constructor(
    private readonly r: RecursionRules,
    private readonly emit: Visit,
    readonly fail: (e: unknown) => void,
    private readonly files = new EntryFiles(),
  ) {
    // a filename other than one exact name is compared with every entry, and most are examined
    this.examines = r.filename !== undefined && r.filename.entity.operation !== 'equals';
    this.matches = r.filename && nameTest(r.filename);
  }

  /** Reports a directory itself (a nil filename); synchronous when its lstat is known and the probe is. */
  private directory(node: WalkNode): void | Promise<void> {
    const known = node.known;
    if (known) return this.emit({ path: node.path, filepath: node.path, info: known });
    return this.directoryExamined(node);
  }

  private async directoryExamined(node: WalkNode): Promise<void> {
    const info = await node.lstat();
    if (info) await this.emit({ path: node.path, filepath: node.path, info });
  }

  visit(node: WalkNode, level: number): boolean | Promise<boolean> {
    const { b, filename } = this.r;
    if (level === 0) {
      // the matched directory: on a filesystem it may not enter, oscap does not match it at all
      if (!this.r.enters(node.info)) return false;
      if (filename === undefined) {
        const enter = b.direction === 'down' && b.maxDepth !== 0;
        const reported = b.maxDepth === -1 || b.maxDepth >= 0 ? this.directory(node) : undefined;
        return reported ? after(reported, enter) : enter;
      }
      return true;
    }
    // a directory reached through a link is entered because links are followed; a plain one only with "directories"
    const enter = (node.viaLink || b.intoDirectories) && this.r.enters(node.info);
    if (enter && node.viaLink && this.r.onLink) this.r.onLink(node, b.maxDepth === -1 ? -1 : b.maxDepth - level);
    if (filename !== undefined) return enter;
    // below max_depth nothing more is reported
    const deeper = enter && (b.maxDepth === -1 || level < b.maxDepth);
    const reported = this.directory(node);
    return reported ? after(reported, deeper) : deeper;
  }

  entry(node: WalkNode, level: number, e: WalkEntry): boolean | Promise<boolean> {
    const info = e.known;
    if (info === undefined) return this.entryExamined(node, level, e);
    const { b, filename } = this.r;
    const below = b.direction === 'down' && (b.maxDepth === -1 || level + 1 <= b.maxDepth);
    const type = e.type === 'unknown' ? info.type : e.type;
    if (type === 'directory') return below && (filename === undefined || b.intoDirectories);
    const m = info.type !== 'directory' && this.matches?.(e.name);
    // a name the regex worker matches: the rest of this entry waits for it
    if (m instanceof Promise) return this.entryMatched(node, level, e, m);
    const emitted = m ? this.emit(this.files.of(node, e, info)) : undefined;
    const follow = type === 'symlink' && below && b.intoLinks;
    if (emitted) return afterEmit(emitted, follow ? e : undefined);
    return follow ? linksToDirectory(e) : false;
  }

  /** `entry` for an entry the listing did not examine: each lstat on demand. */
  private async entryExamined(node: WalkNode, level: number, e: WalkEntry): Promise<boolean> {
    const { b, filename } = this.r;
    const below = b.direction === 'down' && (b.maxDepth === -1 || level + 1 <= b.maxDepth);
    const type = e.type === 'unknown' ? (await e.lstat())?.type : e.type;
    if (type === undefined) return false;
    if (type === 'directory') return below && (filename === undefined || b.intoDirectories);
    if (await this.matches?.(e.name)) {
      const info = await e.lstat();
      if (info && info.type !== 'directory') await this.emit(this.files.of(node, e, info));
    }
    if (type === 'symlink' && below && b.intoLinks) return linksToDirectory(e);
    return false;
  }

  /** `entry` for an examined entry whose name the regex worker is matching. */
  private async entryMatched(node: WalkNode, level: number, e: WalkEntry, matched: Promise<boolean>): Promise<boolean> {
    const { b } = this.r;
    const info = e.known!;
    if (await matched) await this.emit(this.files.of(node, e, info));
    const below = b.direction === 'down' && (b.maxDepth === -1 || level + 1 <= b.maxDepth);
    const type = e.type === 'unknown' ? info.type : e.type;
    return type === 'symlink' && below && b.intoLinks ? linksToDirectory(e) : false;
  }
}

function ignore(): void {}

// Promise handlers are made in functions of their own, so that the walkers'
// per-entry methods create no closure (and allocate no context) when they
// answer at once.

/** Once `emitted` is done: whether `follow`, a link, leads to a directory (false without one). */
function afterEmit(emitted: Promise<void>, follow: WalkEntry | undefined): Promise<boolean> {
  return emitted.then(() => (follow ? linksToDirectory(follow) : false));
}

/** `value`, once `done` is. */
function after<T>(done: Promise<void>, value: T): Promise<T> {
  return done.then(() => value);
}

function linksToDirectory(e: WalkEntry): Promise<boolean> {
  return e.stat().then((s) => s?.type === 'directory');
}

/** A match walk's rules (oval_fts_read_match_path). */
interface MatchRules {
  /** The path entity (directories are matched) or the filepath entity (anything else is). */
  readonly kind: 'path' | 'filepath';
  readonly entity: ResolvedEntity;
  /** PCRE partial matching of a pattern, to skip what cannot match. */
  readonly prune: ((path: string) => PrefixVerdict | Promise<PrefixVerdict>) | undefined;
  /** May the walk enter (and match) a directory on this device? */
  readonly enters: DeviceCheck;
  /** May a filepath on this device be reported? */
  readonly reports: DeviceCheck;
  /** A directory the path entity matched. */
  readonly matched?: (node: WalkNode, spawn: Spawn) => Promise<void>;
  /** The walk goes into a directory through a link: for read sets. */
  readonly onLink?: OnLink;
}

class MatchWalk implements Walker {
  private readonly matches: NameTest;

  constructor(
    private readonly m: MatchRules,
    private readonly emit: Visit,
    readonly fail: (e: unknown) => void,
  ) {
    this.matches = nameTest(m.entity);
  }

  async visit(node: WalkNode, _level: number, spawn: Spawn): Promise<boolean> {
    if (!this.m.enters(node.info)) return false;
    let compare = true;
    if (this.m.prune) {
      const v = await this.m.prune(node.path);
      if (v === 'none') return false;
      compare = v === 'match';
    }
    if (node.viaLink && this.m.onLink) this.m.onLink(node, -1);
    if (this.m.kind === 'path' && compare && this.m.matched && (await this.matches(node.path))) await this.m.matched(node, spawn);
    return true;
  }

  entry(node: WalkNode, _level: number, e: WalkEntry): boolean | Promise<boolean> {
    const type = e.type === 'unknown' ? e.known?.type : e.type;
    if (type === 'directory') return true;
    // a link (followed) or a filepath candidate waits for what it needs; anything else is decided
    if (type === 'symlink' || type === undefined) return this.entryExamined(node, e);
    if (this.m.kind !== 'filepath') return false;
    const m = this.matches(e.path);
    if (m === true) return this.entryExamined(node, e);
    if (!(m instanceof Promise)) return false;
    // entryExamined asks again, and gets the same answer (or failure) then
    m.catch(ignore);
    return this.entryExamined(node, e);
  }

  private async entryExamined(node: WalkNode, e: WalkEntry): Promise<boolean> {
    const type = e.type === 'unknown' ? (await e.lstat())?.type : e.type;
    if (type === undefined) return false;
    if (type === 'directory') return true;
    // every link is followed: one to a directory is walked, anything else is a candidate
    const followed = type === 'symlink' ? await e.stat() : undefined;
    if (followed?.type === 'directory') return true;
    if (this.m.kind === 'filepath' && (await this.matches(e.path))) {
      const info = await e.lstat();
      if (info && this.m.reports(followed ?? info)) await this.emit({ path: node.path, filename: e.name, filepath: e.path, info });
    }
    return false;
  }
}

/** Walks registered together and served by one traversal. */
interface Ticket {
  readonly walkers: Array<readonly [string, Walker]>;
  run?: Promise<void>;
  error?: unknown;
}

export class FileLocator {
  private devices: Promise<ReadonlySet<number> | undefined> | undefined;
  private readonly files = new EntryFiles();
  private pending: Ticket[] = [];

  constructor(
    private readonly target: Target,
    private readonly limits: TraversalLimits = DEFAULT_TRAVERSAL_LIMITS,
  ) {}

  /**
   * Calls `visit` for every entry the request's path entities and behaviors
   * select, as soon as it is found: concurrently, in no particular order
   * (use `collect` for a stable one). With `ctx.batch`, the walk waits for
   * the other objects collected together and is shared with them.
   */
  async each(req: ProbeRequest, ctx: Pick<ProbeContext, 'batch' | 'reads' | 'signal'> | undefined, visit: Visit): Promise<void> {
    const b = behaviorsOf(req);
    if (!b) return;
    // what this object reads: its own calls through a recording view, the shared walk as its spec
    const log = ctx?.reads ?? NO_READS;
    const t = log === NO_READS ? this.target : recordingTarget(this.target, log);
    const filepath = req.entities.get('filepath');
    if (filepath) return this.byFilepath(t, log, filepath, b, ctx, visit);
    const path = req.entities.get('path');
    if (!path) return;
    const filename = req.entities.get('filename');
    const rules = { b, filename: !filename || filename.entity.nil ? undefined : filename };
    if (path.entity.operation !== 'equals') {
      return this.matchWalk(t, log, path, 'path', b, ctx, visit, rules);
    }
    const dir = await this.directoryAt(t, path.value);
    if (!dir) return;
    const enters = await this.deviceCheck(log, b, dir);
    // the match walk's own check of its start
    if (!enters(dir)) return;
    if (b.direction === 'up') return this.upward(t, path.value, { ...rules, enters }, visit);
    if (b.direction === 'none' && rules.filename === undefined) {
      const info = await absentAs(t.lstat(path.value));
      if (info) await visit({ path: path.value, filepath: path.value, info });
      return;
    }
    if (b.direction === 'none' && rules.filename?.entity.operation === 'equals') {
      // one name: an lstat instead of a listing
      const name = rules.filename.value;
      if (name === '' || name === '.' || name === '..' || name.includes('/')) return;
      const fp = childPath(path.value, name);
      const info = await absentAs(t.lstat(fp));
      if (info && info.type !== 'directory') await visit({ path: path.value, filename: name, filepath: fp, info });
      return;
    }
    log.walk({
      start: path.value,
      depth: b.direction === 'down' ? b.maxDepth : 0,
      ...(rules.filename ? { filename: `${rules.filename.entity.operation} ${rules.filename.value}` } : {}),
      ...(b.direction === 'down' && b.intoLinks ? { links: true } : {}),
    });
    const ticket: Ticket = { walkers: [] };
    const links = this.linkLog(log);
    ticket.walkers.push([path.value, new Recursion({ ...rules, enters, ...(links ? { onLink: links.onLink } : {}) }, visit, (e) => (ticket.error ??= e), this.files)]);
    await this.walk(ticket, ctx);
    await links?.done();
  }

  /**
   * For read sets: where a walk goes through a link to a directory, it
   * lists what the link leads to, so that place is a walk of its own in the
   * object's reads (resolved once the traversal is done with it).
   */
  private linkLog(log: ReadLog): { onLink: OnLink; done: () => Promise<void> } | undefined {
    if (log === NO_READS) return undefined;
    const pending: Array<Promise<void>> = [];
    return {
      onLink: (node, depth) => {
        pending.push(
          this.target.realpath(node.path).then(
            (real) => {
              if (real !== node.path) log.walk({ start: real, depth, links: true });
            },
            () => undefined,
          ),
        );
      },
      done: async () => {
        await Promise.all(pending);
      },
    };
  }

  /** `build` for every located entry; the results in path order, whatever order the walk found them in. */
  async collect<T>(req: ProbeRequest, ctx: Pick<ProbeContext, 'batch' | 'reads' | 'signal'> | undefined, build: (f: LocatedFile) => readonly T[] | Promise<readonly T[]>): Promise<T[]> {
    const found: Array<{ readonly key: string; readonly seq: number; readonly out: readonly T[] }> = [];
    const keep = (key: string, out: readonly T[]): void => {
      if (out.length > 0) found.push({ key, seq: found.length, out });
    };
    const later = (key: string, out: Promise<readonly T[]>): Promise<void> => out.then((o) => keep(key, o));
    await this.each(req, ctx, (f) => {
      // a synchronous build keeps the walk synchronous
      const out = build(f);
      if (out instanceof Promise) return later(f.filepath, out);
      keep(f.filepath, out);
      return undefined;
    });
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.seq - b.seq));
    return found.flatMap((x) => x.out);
  }

  /** Every entry the request selects, in path order. */
  locate(req: ProbeRequest, ctx?: Pick<ProbeContext, 'batch' | 'reads' | 'signal'>): Promise<LocatedFile[]> {
    return this.collect(req, ctx, (f) => [f]);
  }

  /** stat of `path` when it is a directory (links followed), after oscap's lstat that it exists. */
  private async directoryAt(t: Target, path: string): Promise<FileInfo | undefined> {
    const l = await absentAs(t.lstat(path));
    if (!l) return undefined;
    const s = l.type === 'symlink' ? await followedAs(t.stat(path)) : l;
    return s?.type === 'directory' ? s : undefined;
  }

  private async byFilepath(t: Target, log: ReadLog, fp: ResolvedEntity, b: Behaviors, ctx: Pick<ProbeContext, 'batch' | 'reads' | 'signal'> | undefined, visit: Visit): Promise<void> {
    if (fp.entity.operation !== 'equals') return this.matchWalk(t, log, fp, 'filepath', b, ctx, visit);
    const info = await absentAs(t.lstat(fp.value));
    if (!info) return;
    // the walk's start is followed (FTS_COMFOLLOW): a directory, or a link to one, is never a filepath
    const followed = info.type === 'symlink' ? await followedAs(t.stat(fp.value)) : info;
    if (followed?.type === 'directory') return;
    if (!(await this.fileCheck(log, b))(followed ?? info)) return;
    await visit({ path: dirname(fp.value), filename: basename(fp.value), filepath: fp.value, info });
  }

  /** The match walk for a path or filepath that is not `equals`. */
  private async matchWalk(
    t: Target,
    log: ReadLog,
    entity: ResolvedEntity,
    kind: 'path' | 'filepath',
    b: Behaviors,
    ctx: Pick<ProbeContext, 'batch' | 'reads' | 'signal'> | undefined,
    visit: Visit,
    rules?: Omit<RecursionRules, 'enters'>,
  ): Promise<void> {
    let base = '/';
    let prune: ((path: string) => PrefixVerdict | Promise<PrefixVerdict>) | undefined;
    if (entity.entity.operation === 'pattern match') {
      prune = pathPatternTest(entity.value);
      // oscap refuses a pattern that cannot match at "/" (it must start at the root)
      if (prune && (await prune('/')) === 'none') return;
      base = fixedPathPrefix(entity.value);
    }
    const l = await absentAs(t.lstat(base));
    if (!l) return;
    const start = l.type === 'symlink' ? await followedAs(t.stat(base)) : l;
    if (!start) return;
    const enters = await this.deviceCheck(log, b, start);
    const reports = await this.fileCheck(log, b);
    if (start.type !== 'directory') {
      // the start itself is the only candidate
      if (kind === 'filepath' && (await entityMatches(entity, base)) && reports(start)) await visit({ path: dirname(base), filename: basename(base), filepath: base, info: l });
      return;
    }
    // the match walk lists everything below its start that the pattern may reach, and follows every link
    log.walk({ start: base, depth: -1, pattern: `${entity.entity.operation} ${entity.value}`, links: true });
    const ticket: Ticket = { walkers: [] };
    const fail = (e: unknown): void => {
      ticket.error ??= e;
    };
    const links = this.linkLog(log);
    let matched: MatchRules['matched'];
    if (kind === 'path' && rules) {
      const recursion: RecursionRules = { ...rules, enters, ...(links ? { onLink: links.onLink } : {}) };
      matched = async (node, spawn) => {
        if (b.direction === 'up') await this.upward(t, node.path, recursion, visit);
        else if (b.direction === 'none' && rules.filename === undefined) {
          const info = await node.lstat();
          if (info) await visit({ path: node.path, filepath: node.path, info });
        } else spawn(new Recursion(recursion, visit, fail, this.files));
      };
    }
    ticket.walkers.push([base, new MatchWalk({ kind, entity, prune, enters, reports, ...(matched ? { matched } : {}), ...(links ? { onLink: links.onLink } : {}) }, visit, fail)]);
    await this.walk(ticket, ctx);
    await links?.done();
  }

  /** recurse_direction="up": the directory and its ancestors, max_depth of them, each listed on its own. */
  private async upward(t: Target, start: string, r: RecursionRules, visit: Visit): Promise<void> {
    let cur = start;
    for (let depth = 0; r.b.maxDepth === -1 || depth <= r.b.maxDepth; depth++) {
      const dir = await followedAs(openDirectory(t, cur));
      if (dir && r.enters(dir.info)) {
        if (r.filename === undefined) {
          const info = await absentAs(t.lstat(cur));
          if (info) await visit({ path: cur, filepath: cur, info });
        } else {
          for (const e of (await absentAs(dir.entries())) ?? []) {
            if (!(await entityMatches(r.filename, e.name))) continue;
            const info = await absentAs(dir.lstat(e.name));
            if (info && info.type !== 'directory') await visit({ path: cur, filename: e.name, filepath: childPath(cur, e.name), info });
          }
        }
      }
      if (cur === '/') break;
      cur = dirname(cur);
    }
  }

  /**
   * Registers a ticket's walks, waits for the other objects of the batch (if
   * any) to register theirs, then runs one traversal for every walk pending
   * by then, or waits for the one already serving this ticket.
   */
  private async walk(ticket: Ticket, ctx: Pick<ProbeContext, 'batch' | 'reads' | 'signal'> | undefined): Promise<void> {
    this.pending.push(ticket);
    if (ctx?.batch) await ctx.batch.ready();
    if (!ticket.run) {
      const tickets = this.pending;
      this.pending = [];
      const traversal = new Traversal(this.target, this.limits, ctx?.signal);
      for (const t of tickets) for (const [start, walker] of t.walkers) traversal.add(start, walker);
      const run = traversal.run();
      for (const t of tickets) t.run = run;
    }
    await ticket.run;
    if (ticket.error !== undefined) throw ticket.error;
  }

  /** The devices of the local filesystems, or undefined when the target has no mount table (everything is local). */
  private localDevices(): Promise<ReadonlySet<number> | undefined> {
    this.devices ??= (async () => {
      if (!this.target.has('kernel')) return undefined;
      // a mount table that cannot be read (but is there) fails the walks that ask which filesystems are local
      const table = await absentAs(this.target.readFile('/proc/self/mounts'));
      if (!table) return undefined;
      const text = table.toString('utf8');
      const devs = new Set<number>();
      for (const line of text.split('\n')) {
        const [, mnt, type] = line.split(' ');
        if (!mnt || !type || !isLocalFilesystem(type)) continue;
        // a mount point that cannot be examined cannot be entered either (the walk would fail there itself)
        const info = await this.target.stat(mountField(mnt)).catch((e: unknown) => {
          if (e instanceof TargetError) return undefined;
          throw e;
        });
        if (info) devs.add(info.dev);
      }
      return devs;
    })();
    return this.devices;
  }

  /** Which directories a walk may enter: on a local filesystem, on the start's device, or any. */
  private async deviceCheck(log: ReadLog, b: Behaviors, start: FileInfo): Promise<DeviceCheck> {
    if (b.fileSystem === 'defined') return (i) => i.dev === start.dev;
    return this.fileCheck(log, b);
  }

  /** Which filepaths may be reported: with "local", those on a local filesystem. */
  private async fileCheck(log: ReadLog, b: Behaviors): Promise<DeviceCheck> {
    if (b.fileSystem !== 'local') return () => true;
    // the mount table, read once for the scan, decides
    if (this.target.has('kernel')) {
      log.path('/proc/self/mounts');
      log.input('mounts', '*');
    }
    const devs = await this.localDevices();
    return devs ? (i) => devs.has(i.dev) : () => true;
  }
}

/** The scan's file locator, shared by every file-based probe (its walks serve them all). */
export const FILE_LOCATOR = serviceKey('file-locator', (target) => new FileLocator(target));

/** The scan's locator, from the probe's services. */
export function fileLocator(ctx: Pick<ProbeContext, 'services'>): FileLocator {
  return ctx.services.get(FILE_LOCATOR);
}

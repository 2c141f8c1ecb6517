/**
 * One traversal of a target's directories that serves many walks at once.
 *
 * Each walk is a `Walker` with its own rules (where it starts, which
 * directories it enters, what it reports); the traversal reads every
 * directory once, however many walkers are in it, and examines an entry
 * (lstat, stat) at most once. A walker can start at a path given up front
 * (it joins when the traversal reaches that path, or gets a traversal of its
 * own), or be spawned at a directory during the walk (a recursion from a
 * directory a pattern matched).
 *
 * Where the target's listing examines entries as it reads them
 * (DirHandle.entries with `examine`), an entry arrives with its lstat and
 * the walkers decide on it synchronously: a promise per directory, none per
 * entry. Where it can examine each entry as the walk reaches it
 * (DirHandle.listing), a directory waiting for its walkers holds names, not
 * an lstat per entry: a fifth fewer scavenges and half the full
 * collections on a walk of /. Walkers that look at most entries say so
 * (Walker.examines), and the listing examines every entry; otherwise only
 * the directories, and any other entry when a walker asks. Where the
 * target reads ahead (DirHandle.prefetch), the listings of the directories
 * at the top of the stack are asked for before their turn.
 *
 * I/O is bounded: a bounded number of directories are read at once (enough
 * to keep a reader busy), and within one a bounded number of entries wait on
 * calls; directories wait on a stack as their name and lstat, so memory
 * follows the width of the tree, not the number of files.
 */
import { absentAs, failureMessage, followedAs } from './absence.js';
import { childPath, isNotFound, openDirectory, TargetError, arrayListing, type DirListing, type DirEntry, type DirHandle, type Examine, type FileInfo, type FileType, type PrefetchedListing, type Target } from '../../target/target.js';

/** A directory the traversal has reached. */
export interface WalkNode {
  /** The path as reached, through the links followed on the way. */
  readonly path: string;
  readonly parent: WalkNode | undefined;
  /** The directory itself (links followed): device, inode. */
  readonly info: FileInfo;
  /** Reached through a symbolic link (its path names the link). */
  readonly viaLink: boolean;
  /** lstat of the path: the link itself for a directory reached through one. */
  lstat(): Promise<FileInfo | undefined>;
  /** That lstat, when it is known already (the listing examined the directory). */
  readonly known: FileInfo | undefined;
}

/** One entry of a listed directory, examined at most once whichever walkers ask. */
export interface WalkEntry {
  readonly name: string;
  readonly path: string;
  /** As the listing reports it; `unknown` on filesystems that do not say. */
  readonly type: FileType;
  /** The lstat, when it is known already (the listing examined the entry): a walker can decide without waiting. */
  readonly known: FileInfo | undefined;
  /** lstat; undefined when the entry is gone. Rejects when it cannot be examined (no permission, I/O). */
  lstat(): Promise<FileInfo | undefined>;
  /** stat (links followed inside the target); undefined when it leads nowhere: gone, a dangling link, a loop. Rejects on any other failure. */
  stat(): Promise<FileInfo | undefined>;
}

/** Starts another walker at the directory being visited, in the same traversal. */
export type Spawn = (walker: Walker) => void;

/**
 * One walk's rules. The traversal calls `visit` for every directory the
 * walker reaches, its start first (level 0), and, when visit answers true,
 * `entry` for each entry of the directory; an entry for which `entry`
 * answers true is a directory, or a link to one, that the walker goes into.
 * A walker never enters a directory that repeats one of its own ancestors
 * (fts's FTS_DC).
 */
export interface Walker {
  visit(node: WalkNode, level: number, spawn: Spawn): boolean | Promise<boolean>;
  /** Answer synchronously when you can (with `entry.known`): a walk of / calls this half a million times. */
  entry(node: WalkNode, level: number, entry: WalkEntry): boolean | Promise<boolean>;
  /** True when the walker examines most entries of the directories it lists: the listing then examines them all at once. */
  readonly examines?: boolean;
  /** A callback threw: the walker is dropped from the traversal with this error. */
  fail(error: unknown): void;
}

export interface TraversalLimits {
  /** Directories processed at once (being read, or waiting for their entries' calls). */
  readonly directories: number;
  /** Entries of one directory examined at once. */
  readonly entries: number;
}

/**
 * The filesystem targets read a directory synchronously when it is opened
 * (dir-reader.ts), so each directory in process holds its listing until the
 * walkers have judged it: a few at once are enough, more only hold more
 * listings (256 held up to 7 MB more on a synthetic root, and were no
 * faster). A few more than one let entries that wait on a call (a link to
 * follow) overlap with reading.
 */
export const DEFAULT_TRAVERSAL_LIMITS: TraversalLimits = { directories: 16, entries: 32 };

/** Directories at the top of the stack whose listings are asked for ahead. */
const READ_AHEAD = 48;

/** Directories started between two turns of the event loop. */
const YIELD_EVERY = 64;

class Node implements WalkNode {
  private l: Promise<FileInfo | undefined> | undefined;

  constructor(
    readonly path: string,
    readonly parent: Node | undefined,
    readonly depth: number,
    readonly handle: DirHandle,
    readonly viaLink: boolean,
    /** The path's lstat, or what makes it (the entry the directory was listed as; a root's own). */
    private readonly lstatOf: FileInfo | { lstat(): Promise<FileInfo | undefined> },
  ) {}

  get info(): FileInfo {
    return this.handle.info;
  }

  get known(): FileInfo | undefined {
    return 'lstat' in this.lstatOf ? undefined : this.lstatOf;
  }

  lstat(): Promise<FileInfo | undefined> {
    this.l ??= 'lstat' in this.lstatOf ? this.lstatOf.lstat() : Promise.resolve(this.lstatOf);
    return this.l;
  }
}

/**
 * A failed call on the walk, as the error its walkers fail with: the
 * directory, the call and the reason. Only absence (absence.ts) is not a
 * failure: an entry gone since the listing, a link that leads nowhere.
 */
function walkFailure(doing: string, path: string, e: unknown): unknown {
  return e instanceof TargetError ? new TargetError(e.code, path, failureMessage(doing, path, e)) : e;
}

class Entry implements WalkEntry {
  readonly path: string;
  readonly name: string;
  readonly type: FileType;
  readonly known: FileInfo | undefined;
  private l: Promise<FileInfo | undefined> | undefined;
  private s: Promise<FileInfo | undefined> | undefined;
  private d: Promise<DirHandle | undefined> | undefined;

  constructor(
    private readonly parent: Node,
    de: DirEntry,
  ) {
    this.name = de.name;
    this.type = de.type;
    this.known = de.info;
    this.path = de.info?.path ?? childPath(parent.path, de.name);
  }

  /** The entry opened as a directory without waiting, when its lstat is known and says directory; otherwise undefined. */
  dirNow(): DirHandle | undefined {
    const k = this.known;
    if (k?.type !== 'directory' || !this.parent.handle.subdirectory) return undefined;
    try {
      return this.parent.handle.subdirectory(this.name, k);
    } catch (e) {
      if (e instanceof TargetError) return undefined;
      throw e;
    }
  }

  /** The entry opened as a directory, when it is one (or links to one). */
  dir(): Promise<DirHandle | undefined> {
    if (this.d) return this.d;
    const now = this.dirNow();
    if (now) this.d = Promise.resolve(now);
    else if (this.known && this.known.type !== 'directory' && this.known.type !== 'symlink') this.d = Promise.resolve(undefined);
    else this.d = this.type === 'directory' || this.type === 'symlink' || this.type === 'unknown' ? followedAs(this.parent.handle.openChild(this.name)) : Promise.resolve(undefined);
    return this.d;
  }

  lstat(): Promise<FileInfo | undefined> {
    if (this.l) return this.l;
    if (this.known) this.l = Promise.resolve(this.known);
    // A directory's handle holds its lstat: opening it is the one call
    else this.l = this.type === 'directory' ? this.dir().then((h) => h?.info ?? absentAs(this.parent.handle.lstat(this.name))) : absentAs(this.parent.handle.lstat(this.name));
    return this.l;
  }

  stat(): Promise<FileInfo | undefined> {
    if (this.s) return this.s;
    const type = this.known?.type ?? this.type;
    this.s =
      type === 'symlink' || type === 'unknown'
        ? this.dir().then((h) => h?.info ?? followedAs(this.parent.handle.stat(this.name)))
        : type === 'directory'
          ? this.dir().then((h) => h?.info)
          : this.lstat();
    return this.s;
  }
}

const NO_WALKERS: readonly Active[] = [];
const NO_TASKS: readonly Task[] = [];

/**
 * The tasks a listing gave. The listing is emptied: the frames and promises
 * that handled it may have been promoted to the old generation while they
 * waited, and whatever they still point to would outlive its use until a
 * full collection, taking every entry and lstat of the directory with it
 * (the collector's "nepotism": on a walk of / most of the heap's growth).
 * The listing is ours (DirHandle.entries, DirHandle.listing).
 */
function done(list: DirListing, children: ReadonlyArray<Task | undefined>): Task[] {
  list.release();
  const out: Task[] = [];
  for (const c of children) if (c !== undefined) out.push(c);
  return out;
}

interface Active {
  readonly walker: Walker;
  /** Where the walker started: its level is the depth below it, its ancestors for cycles end there. */
  readonly start: Node;
}

/**
 * A directory waiting on the stack for its turn: a root, opened by path
 * then, or a child of a directory walked already. A child the listing
 * showed as a plain directory waits as its name and lstat, and is opened
 * by name when its turn comes, so that a wide directory's children hold
 * little while they wait; one reached otherwise (a link) waits opened.
 */
interface Task {
  readonly path: string;
  readonly walkers: readonly Active[];
  readonly parent: Node | undefined;
  readonly name: string | undefined;
  readonly info: FileInfo | undefined;
  readonly opened: { readonly handle: DirHandle; readonly viaLink: boolean; readonly entry: Entry } | undefined;
  /** Its listing, being read ahead (DirHandle.prefetch), when the target does. */
  ahead: PrefetchedListing | undefined;
  /** Read ahead asked for already (given or not). */
  asked: boolean;
}

/** How a directory is listed for these walkers: every entry examined when one of them examines most. */
function examineFor(walkers: readonly Active[]): Examine {
  return walkers.some((a) => a.walker.examines === true) ? 'all' : 'directories';
}

/** True when `info` is `parent` or one of its ancestors up to `start`: entering it would loop. */
function repeatsAncestor(start: Node, parent: Node, info: FileInfo): boolean {
  for (let n: Node | undefined = parent; n; n = n.parent) {
    if (n.info.ino === info.ino && n.info.dev === info.dev) return true;
    if (n === start) break;
  }
  return false;
}

/** A plain absolute path ("/", "/a/b"): the only kind a traversal can reach by listing directories. */
function plainPath(p: string): boolean {
  return p === '/' || (p.startsWith('/') && !p.endsWith('/') && p.slice(1).split('/').every((c) => c !== '' && c !== '.' && c !== '..'));
}

/** The proper ancestors of a plain path, "/" first. */
function ancestorsOf(p: string): string[] {
  const out: string[] = [];
  for (let i = p.indexOf('/', 1); i > 0; i = p.indexOf('/', i + 1)) out.push(p.slice(0, i));
  return p === '/' ? [] : ['/', ...out];
}

export class Traversal {
  private readonly starts = new Map<string, Walker[]>();
  /** For every proper ancestor of a pending start: how many pending starts lie below it. */
  private readonly below = new Map<string, number>();
  private readonly failed = new Set<Walker>();
  private readonly stack: Task[] = [];
  /** Directories listed, for tests and figures. */
  listed = 0;

  constructor(
    private readonly target: Target,
    private readonly limits: TraversalLimits = DEFAULT_TRAVERSAL_LIMITS,
    /** Stops the walk between directories: run() rejects with its reason. */
    private readonly signal?: AbortSignal,
  ) {}

  /** Starts `walker` at `path` (a directory, links followed) when the traversal runs. */
  add(path: string, walker: Walker): void {
    const list = this.starts.get(path);
    if (list) {
      list.push(walker);
      return;
    }
    this.starts.set(path, [walker]);
    if (plainPath(path)) for (const a of ancestorsOf(path)) this.below.set(a, (this.below.get(a) ?? 0) + 1);
  }

  /**
   * Walks until every walker is done. A start below another one joins when
   * the traversal gets there (going through directories no walker wants, if
   * need be); one it cannot reach that way gets a traversal of its own.
   */
  async run(): Promise<void> {
    while (this.starts.size > 0) {
      const paths = [...this.starts.keys()];
      const roots = paths.filter((p) => !plainPath(p) || !ancestorsOf(p).some((a) => this.starts.has(a)));
      for (let i = roots.length - 1; i >= 0; i--) this.stack.push({ path: roots[i]!, walkers: [], parent: undefined, name: undefined, info: undefined, opened: undefined, ahead: undefined, asked: false });
      try {
        await this.drain();
      } finally {
        // an abort leaves tasks on the stack: their listings read ahead are not wanted
        for (const t of this.stack) t.ahead?.drop();
        this.stack.length = 0;
      }
    }
  }

  private drain(): Promise<void> {
    return new Promise((resolve, reject) => {
      let active = 0;
      let started = 0;
      let resting = false;
      const resume = (): void => {
        resting = false;
        pump();
      };
      const pump = (): void => {
        if (resting) return;
        while (active < this.limits.directories && this.stack.length > 0) {
          if (this.signal?.aborted) {
            // no directory is opened after an abort; those being read finish, and are dropped
            for (const t of this.stack) t.ahead?.drop();
            this.stack.length = 0;
            reject(this.signal.reason);
            return;
          }
          if (++started % YIELD_EVERY === 0) {
            // a directory read synchronously settles at once, so a walk could run on promise callbacks alone and hold
            // off timers, I/O callbacks and the collector's tasks until it ends; it lets them in between directories
            resting = true;
            setImmediate(resume);
            return;
          }
          const task = this.stack.pop()!;
          active++;
          this.process(task).then((children) => {
            // reversed onto the stack, so the first child comes next: depth first, in listing order
            for (let i = children.length - 1; i >= 0; i--) this.stack.push(children[i]!);
            if (children.length > 0) this.readAhead();
            active--;
            pump();
          }, reject);
        }
        if (active === 0 && this.stack.length === 0) resolve();
      };
      pump();
    });
  }

  /**
   * Asks the target to read ahead the listings of the plain directories at
   * the top of the stack (DirHandle.prefetch): the ones the walk lists next,
   * so that what is read ahead is taken soon and holds little memory.
   */
  private readAhead(): void {
    const stack = this.stack;
    for (let i = stack.length - 1, n = 0; i >= 0 && n < READ_AHEAD; i--, n++) {
      const t = stack[i]!;
      if (t.asked) continue;
      t.asked = true;
      const parent = t.parent;
      if (!parent?.handle.prefetch || t.opened || t.walkers.length === 0 || !t.info) continue;
      t.ahead = parent.handle.prefetch(t.name!, t.info, examineFor(t.walkers));
      if (!t.ahead) return; // the target reads no more ahead now
    }
  }

  private take(path: string): Walker[] {
    const list = this.starts.get(path);
    if (!list) return [];
    this.starts.delete(path);
    if (plainPath(path)) {
      for (const a of ancestorsOf(path)) {
        const n = (this.below.get(a) ?? 0) - 1;
        if (n > 0) this.below.set(a, n);
        else this.below.delete(a);
      }
    }
    return list;
  }

  // The walkers' callbacks run half a million times on a walk of /. They are
  // called without a closure per call, and whatever needs one (a promise's
  // handlers) is made in a function of its own: a function that creates a
  // closure allocates its context on every call, taken or not.

  /** Walker.visit: its answer, false once the walker has failed. Synchronous when the walker is. */
  private visitOf(a: Active, node: Node, spawn: Spawn): boolean | Promise<boolean> {
    if (this.failed.has(a.walker)) return false;
    let r: boolean | Promise<boolean>;
    try {
      r = a.walker.visit(node, node.depth - a.start.depth, spawn);
    } catch (e) {
      this.drop(a, e);
      return false;
    }
    return typeof r === 'boolean' ? r : this.guarded(a, r);
  }

  /** A walker's answer to come: false, and the walker dropped, when it fails. */
  private guarded(a: Active, r: Promise<boolean>): Promise<boolean> {
    return r.then(
      (x) => x,
      (e: unknown) => {
        this.drop(a, e);
        return false;
      },
    );
  }

  private drop(a: Active, e: unknown): void {
    if (this.failed.has(a.walker)) return;
    this.failed.add(a.walker);
    a.walker.fail(e);
  }

  /** A start's directory, or undefined when there is none (not there, not a directory, a link that leads nowhere). */
  private async openRoot(path: string): Promise<Node | undefined> {
    const handle = await followedAs(openDirectory(this.target, path));
    return handle && new Node(path, undefined, 0, handle, false, { lstat: () => absentAs(this.target.lstat(path)) });
  }

  /** A child task's directory, opened: by name from its lstat, or as it was opened when listed. */
  private openChild(task: Task): Node | undefined {
    const parent = task.parent;
    if (!parent) return undefined;
    const opened = task.opened;
    if (opened) return new Node(task.path, parent, parent.depth + 1, opened.handle, opened.viaLink, opened.entry);
    const handle = parent.handle.subdirectory!(task.name!, task.info!);
    return new Node(task.path, parent, parent.depth + 1, handle, false, task.info!);
  }

  private async process(task: Task): Promise<readonly Task[]> {
    let node: Node | undefined;
    try {
      node = this.openChild(task) ?? (await this.openRoot(task.path));
    } catch (e) {
      task.ahead?.drop();
      // a start that cannot be opened fails the walkers starting there, not the traversal
      const failure = walkFailure('cannot open directory', task.path, e);
      for (const a of task.walkers) this.drop(a, failure);
      for (const walker of this.take(task.path)) walker.fail(failure);
      return NO_TASKS;
    }
    if (!node) {
      task.ahead?.drop();
      this.take(task.path); // a root that is not a directory: its walkers find nothing
      return NO_TASKS;
    }
    const here: Active[] = [...task.walkers];
    for (const walker of this.take(node.path)) here.push({ walker, start: node });
    const listing: Active[] = [];
    const spawn: Spawn = (walker) => here.push({ walker, start: node });
    for (let i = 0; i < here.length; i++) {
      const a = here[i]!;
      const r = this.visitOf(a, node, spawn);
      if (r === true || (r !== false && (await r))) listing.push(a);
    }
    const transit = this.below.has(node.path);
    const ahead = task.ahead;
    if (listing.length === 0 && !transit) {
      ahead?.drop();
      return NO_TASKS;
    }
    const examine = examineFor(listing);
    let list: DirListing;
    try {
      if (ahead?.examine === examine) list = await ahead.take();
      else {
        ahead?.drop();
        const h = node.handle;
        list = h.listing ? await h.listing(examine) : arrayListing(await h.entries(examine));
      }
    } catch (e) {
      // gone since it was reached: nothing below it
      if (isNotFound(e)) return NO_TASKS;
      // cannot be listed (fts's FTS_DNR, which oscap skips): the walkers that wanted its entries fail, for what they
      // would report is unknown; the others go on
      const failure = walkFailure('cannot list directory', node.path, e);
      for (const a of listing) this.drop(a, failure);
      return NO_TASKS;
    }
    this.listed++;
    return this.examineAll(node, listing, transit, list);
  }

  /** Every entry of a listing: synchronously, until an entry has to wait. */
  private examineAll(node: Node, listing: readonly Active[], transit: boolean, list: DirListing): readonly Task[] | Promise<readonly Task[]> {
    const children: Array<Task | undefined> = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const r = this.examine(node, listing, transit, list.at(i), i, children);
      if (r !== undefined) return this.examineWaiting(node, listing, transit, list, children, i, r);
    }
    return done(list, children);
  }

  /** The rest of examineAll once an entry waits (on a call: a link to follow): a bounded number wait at once. */
  private async examineWaiting(node: Node, listing: readonly Active[], transit: boolean, list: DirListing, children: Array<Task | undefined>, from: number, first: Promise<void>): Promise<Task[]> {
    let waiting = 0;
    let wake: (() => void) | undefined;
    let failure: { error: unknown } | undefined;
    const settle = (): void => {
      waiting--;
      wake?.();
    };
    const track = (r: Promise<void>): void => {
      waiting++;
      r.then(settle, (e: unknown) => {
        failure ??= { error: e };
        settle();
      });
    };
    track(first);
    for (let i = from + 1; i < list.length; i++) {
      while (waiting >= this.limits.entries) await new Promise<void>((res) => (wake = res));
      const r = this.examine(node, listing, transit, list.at(i), i, children);
      if (r !== undefined) track(r);
    }
    while (waiting > 0) await new Promise<void>((res) => (wake = res));
    if (failure) throw failure.error;
    return done(list, children);
  }

  /** One entry: which walkers go into it, and the task for it if any does. Undefined once decided; a promise while it waits. */
  private examine(node: Node, listing: readonly Active[], transit: boolean, de: DirEntry, i: number, children: Array<Task | undefined>): Promise<void> | undefined {
    const entry = new Entry(node, de);
    let wanting: Active[] | undefined;
    for (let k = 0; k < listing.length; k++) {
      const a = listing[k]!;
      const r = this.entryOf(a, node, entry);
      if (r === true) (wanting ??= []).push(a);
      else if (r !== false) return this.examineRest(node, listing, transit, entry, i, children, wanting ?? [], k, r);
    }
    return this.descend(node, transit, entry, i, children, wanting ?? NO_WALKERS);
  }

  /** Walker.entry, as visitOf. */
  private entryOf(a: Active, node: Node, entry: Entry): boolean | Promise<boolean> {
    if (this.failed.has(a.walker)) return false;
    let r: boolean | Promise<boolean>;
    try {
      r = a.walker.entry(node, node.depth - a.start.depth, entry);
    } catch (e) {
      this.drop(a, e);
      return false;
    }
    return typeof r === 'boolean' ? r : this.guarded(a, r);
  }

  /** The rest of `examine` once a walker's answer is a promise: the walkers are still asked in order. */
  private async examineRest(
    node: Node,
    listing: readonly Active[],
    transit: boolean,
    entry: Entry,
    i: number,
    children: Array<Task | undefined>,
    wanting: Active[],
    k: number,
    pending: Promise<boolean>,
  ): Promise<void> {
    if (await pending) wanting.push(listing[k]!);
    for (let j = k + 1; j < listing.length; j++) {
      const a = listing[j]!;
      if (await this.entryOf(a, node, entry)) wanting.push(a);
    }
    await this.descend(node, transit, entry, i, children, wanting);
  }

  private descend(node: Node, transit: boolean, entry: Entry, i: number, children: Array<Task | undefined>, wanting: readonly Active[]): Promise<void> | undefined {
    const through = transit && (this.starts.has(entry.path) || this.below.has(entry.path));
    if (wanting.length === 0 && !through) return undefined;
    const known = entry.known;
    if (known?.type === 'directory' && node.handle.subdirectory) {
      // a plain directory, known from the listing: opened when its turn comes
      this.child(node, entry, i, children, wanting, through, known, undefined);
      return undefined;
    }
    return this.descendOpened(node, entry, i, children, wanting, through);
  }

  /** `descend` for an entry that must be opened first: a link, or one the listing did not examine. */
  private async descendOpened(node: Node, entry: Entry, i: number, children: Array<Task | undefined>, wanting: readonly Active[], through: boolean): Promise<void> {
    let handle: DirHandle | undefined;
    let viaLink = false;
    try {
      handle = await entry.dir();
      if (!handle) return;
      viaLink = entry.type !== 'directory' && (await entry.lstat())?.type !== 'directory';
    } catch (e) {
      // cannot be opened or examined (no permission, I/O): the walkers that would go into it fail
      const failure = walkFailure('cannot open directory', entry.path, e);
      for (const a of wanting) this.drop(a, failure);
      return;
    }
    this.child(node, entry, i, children, wanting, through, handle.info, { handle, viaLink, entry });
  }

  /** The task for a directory some walker goes into; `info`: the directory itself (links followed). */
  private child(node: Node, entry: Entry, i: number, children: Array<Task | undefined>, wanting: readonly Active[], through: boolean, info: FileInfo, opened: Task['opened']): void {
    const carried = wanting.filter((a) => !repeatsAncestor(a.start, node, info));
    if (carried.length === 0 && !through) return;
    children[i] = { path: entry.path, walkers: carried, parent: node, name: entry.name, info: opened ? undefined : info, opened, ahead: undefined, asked: false };
  }
}

/**
 * One traversal of a target's directories that serves many walks at once.
 *
 * Each walk is a `Walker` with its own rules (where it starts, which
 * directories it enters, what it reports); the traversal reads every
 * directory once, however many walkers are in it, and examines an entry
 * (lstat, stat) at most once, and only when a walker asks. A walker can start
 * at a path given up front (it joins when the traversal reaches that path,
 * or gets a traversal of its own), or be spawned at a directory during the
 * walk (a recursion from a directory a pattern matched).
 *
 * I/O is bounded: a few directories are processed at once, and within each
 * a bounded number of entries; directories wait on a stack as handles, so
 * memory follows the width of the tree, not the number of files.
 */
import { childPath, openDirectory, TargetError, type DirEntry, type DirHandle, type FileInfo, type FileType, type Target } from '../../target/target.js';

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
}

/** One entry of a listed directory, examined at most once whichever walkers ask. */
export interface WalkEntry {
  readonly name: string;
  readonly path: string;
  /** As the listing reports it; `unknown` on filesystems that do not say. */
  readonly type: FileType;
  /** lstat; undefined when the entry cannot be examined (gone, no permission). */
  lstat(): Promise<FileInfo | undefined>;
  /** stat (links followed inside the target); undefined when that fails: a dangling link, a loop. */
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
  entry(node: WalkNode, level: number, entry: WalkEntry): boolean | Promise<boolean>;
  /** A callback threw: the walker is dropped from the traversal with this error. */
  fail(error: unknown): void;
}

export interface TraversalLimits {
  /** Directories processed at once. */
  readonly directories: number;
  /** Entries of one directory examined at once. */
  readonly entries: number;
}

export const DEFAULT_TRAVERSAL_LIMITS: TraversalLimits = { directories: 8, entries: 32 };

class Node implements WalkNode {
  private l: Promise<FileInfo | undefined> | undefined;

  constructor(
    readonly path: string,
    readonly parent: Node | undefined,
    readonly depth: number,
    readonly handle: DirHandle,
    readonly viaLink: boolean,
    private readonly lstatOf: () => Promise<FileInfo | undefined>,
  ) {}

  get info(): FileInfo {
    return this.handle.info;
  }

  lstat(): Promise<FileInfo | undefined> {
    this.l ??= this.lstatOf();
    return this.l;
  }
}

/** A failed examination is "cannot be examined", as fts reports FTS_NS or FTS_DNR and goes on. */
function quietly<T>(p: Promise<T>): Promise<T | undefined> {
  return p.catch((e: unknown) => {
    if (e instanceof TargetError) return undefined;
    throw e;
  });
}

class Entry implements WalkEntry {
  readonly path: string;
  private l: Promise<FileInfo | undefined> | undefined;
  private s: Promise<FileInfo | undefined> | undefined;
  private d: Promise<DirHandle | undefined> | undefined;

  constructor(
    private readonly parent: Node,
    readonly name: string,
    readonly type: FileType,
  ) {
    this.path = childPath(parent.path, name);
  }

  /** The entry opened as a directory, when it is one (or links to one). */
  dir(): Promise<DirHandle | undefined> {
    this.d ??= this.type === 'directory' || this.type === 'symlink' || this.type === 'unknown' ? quietly(this.parent.handle.openChild(this.name)) : Promise.resolve(undefined);
    return this.d;
  }

  lstat(): Promise<FileInfo | undefined> {
    // A directory's handle holds its lstat: opening it is the one call
    this.l ??= this.type === 'directory' ? this.dir().then((h) => h?.info ?? quietly(this.parent.handle.lstat(this.name))) : quietly(this.parent.handle.lstat(this.name));
    return this.l;
  }

  stat(): Promise<FileInfo | undefined> {
    this.s ??=
      this.type === 'symlink' || this.type === 'unknown'
        ? this.dir().then((h) => h?.info ?? quietly(this.parent.handle.stat(this.name)))
        : this.type === 'directory'
          ? this.dir().then((h) => h?.info)
          : this.lstat();
    return this.s;
  }
}

interface Active {
  readonly walker: Walker;
  /** Where the walker started: its level is the depth below it, its ancestors for cycles end there. */
  readonly start: Node;
}

interface Task {
  readonly path: string;
  /** Undefined for a root, opened when its turn comes. */
  readonly node?: Node;
  readonly walkers: readonly Active[];
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

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
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
      for (let i = roots.length - 1; i >= 0; i--) this.stack.push({ path: roots[i]!, walkers: [] });
      await this.drain();
    }
  }

  private drain(): Promise<void> {
    return new Promise((resolve, reject) => {
      let active = 0;
      const pump = (): void => {
        while (active < this.limits.directories && this.stack.length > 0) {
          const task = this.stack.pop()!;
          active++;
          this.process(task).then((children) => {
            // reversed onto the stack, so the first child comes next: depth first, in listing order
            for (let i = children.length - 1; i >= 0; i--) this.stack.push(children[i]!);
            active--;
            pump();
          }, reject);
        }
        if (active === 0 && this.stack.length === 0) resolve();
      };
      pump();
    });
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

  private async call(a: Active, fn: () => boolean | Promise<boolean>): Promise<boolean> {
    if (this.failed.has(a.walker)) return false;
    try {
      return await fn();
    } catch (e) {
      this.failed.add(a.walker);
      a.walker.fail(e);
      return false;
    }
  }

  private async openRoot(path: string): Promise<Node | undefined> {
    const handle = await quietly(openDirectory(this.target, path));
    return handle && new Node(path, undefined, 0, handle, false, () => quietly(this.target.lstat(path)));
  }

  private async process(task: Task): Promise<Task[]> {
    const node = task.node ?? (await this.openRoot(task.path));
    if (!node) {
      this.take(task.path); // a root that is not a directory: its walkers find nothing
      return [];
    }
    const here: Active[] = [...task.walkers];
    for (const walker of this.take(node.path)) here.push({ walker, start: node });
    const listing: Active[] = [];
    for (let i = 0; i < here.length; i++) {
      const a = here[i]!;
      const spawn: Spawn = (walker) => here.push({ walker, start: node });
      if (await this.call(a, () => a.walker.visit(node, node.depth - a.start.depth, spawn))) listing.push(a);
    }
    const transit = this.below.has(node.path);
    if (listing.length === 0 && !transit) return [];
    const list: DirEntry[] | undefined = await quietly(node.handle.entries());
    if (!list) return [];
    this.listed++;
    const children: Array<Task | undefined> = new Array(list.length);
    await forEachLimited(list, this.limits.entries, async (de, i) => {
      const entry = new Entry(node, de.name, de.type);
      const wanting: Active[] = [];
      for (const a of listing) {
        if (await this.call(a, () => a.walker.entry(node, node.depth - a.start.depth, entry))) wanting.push(a);
      }
      const through = transit && (this.starts.has(entry.path) || this.below.has(entry.path));
      if (wanting.length === 0 && !through) return;
      const handle = await entry.dir();
      if (!handle) return;
      const carried = wanting.filter((a) => !repeatsAncestor(a.start, node, handle.info));
      if (carried.length === 0 && !through) return;
      const viaLink = de.type !== 'directory' && (await entry.lstat())?.type !== 'directory';
      children[i] = { path: entry.path, node: new Node(entry.path, node, node.depth + 1, handle, viaLink, () => entry.lstat()), walkers: carried };
    });
    return children.filter((c): c is Task => c !== undefined);
  }
}

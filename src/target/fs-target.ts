/**
 * Filesystem-backed targets: the local host, and an offline root directory
 * (the equivalent of oscap's OSCAP_PROBE_ROOT).
 *
 * In an offline root every path is resolved inside the root, component by
 * component, and that includes symlinks: an absolute link target is taken
 * relative to the root, and `..` never climbs above it. The final open uses
 * O_NOFOLLOW on the already-resolved path, so a link swapped in afterwards
 * is refused rather than followed out of the root.
 */
import { execFile } from 'node:child_process';
import { constants, lstat as lstatCallback, stat as statCallback, type Dirent, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve as resolveHostPath } from 'node:path';
import { direntType, infoOfStats as info, readHostDirectory } from './dir-reader.js';
import {
  checkEntryName,
  childPath,
  splitPath,
  TargetError,
  type DirEntry,
  type DirHandle,
  type Examine,
  type ExecResult,
  type FileInfo,
  type Target,
  type TargetCapability,
} from './target.js';

const MAX_SYMLINKS = 40; // as Linux

function toTargetError(e: unknown, path: string): TargetError {
  if (e instanceof TargetError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? 'EIO';
  return new TargetError(code, path);
}

/** Runs a host filesystem call for target path `path`, turning failures into TargetErrors. */
async function guarded<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toTargetError(e, path);
  }
}

/** Reads a whole file through a handle opened with `flags`. */
async function readWhole(hostPath: string, flags: string | number): Promise<Buffer> {
  const fh = await open(hostPath, flags);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

// Walks examine entries one by one when the listing did not: the callback
// API with a promise around it costs markedly less per call than
// node:fs/promises.
const lstatFast = (p: string): Promise<Stats> => new Promise((res, rej) => lstatCallback(p, (e, s) => (e ? rej(e) : res(s))));
const statFast = (p: string): Promise<Stats> => new Promise((res, rej) => statCallback(p, (e, s) => (e ? rej(e) : res(s))));

/**
 * A directory of a filesystem target, opened for a walk: `host` is the
 * host path of the directory itself, already free of symlinks in an
 * offline root, so an entry is examined with one call on `host/name`.
 */
class HostDir implements DirHandle {
  constructor(
    readonly path: string,
    readonly info: FileInfo,
    private readonly host: string,
    /** Opens the target path `path`, following links (inside the root offline). */
    private readonly reopen: (path: string) => Promise<DirHandle>,
    /** stat of the target path `path`, following links (inside the root offline). */
    private readonly follow: (path: string) => Promise<FileInfo>,
  ) {}

  private at(name: string): string {
    checkEntryName(this.path, name);
    return this.host === '/' ? `/${name}` : `${this.host}/${name}`;
  }

  /** Listed, and examined as asked, by the directory reader (dir-reader.ts). */
  entries(examine: Examine = 'none'): Promise<DirEntry[]> {
    return readHostDirectory(this.host, this.path, examine);
  }

  subdirectory(name: string, lstat: FileInfo): DirHandle {
    if (lstat.type !== 'directory') throw new TargetError('ENOTDIR', childPath(this.path, name));
    return new HostDir(childPath(this.path, name), lstat, this.at(name), this.reopen, this.follow);
  }

  async lstat(name: string): Promise<FileInfo> {
    const host = this.at(name);
    const path = childPath(this.path, name);
    return guarded(path, async () => info(path, await lstatFast(host)));
  }

  async stat(name: string): Promise<FileInfo> {
    const host = this.at(name);
    const path = childPath(this.path, name);
    const s = await guarded(path, () => lstatFast(host));
    // Only a link needs resolving; anything else is its own target.
    return s.isSymbolicLink() ? this.follow(path) : info(path, s);
  }

  async openChild(name: string): Promise<DirHandle> {
    const host = this.at(name);
    const path = childPath(this.path, name);
    const s = await guarded(path, () => lstatFast(host));
    if (s.isDirectory()) return new HostDir(path, info(path, s), host, this.reopen, this.follow);
    if (s.isSymbolicLink()) return this.reopen(path);
    throw new TargetError('ENOTDIR', path);
  }
}

function entries(list: Dirent[]): DirEntry[] {
  return list.map((d) => ({ name: d.name, type: direntType(d) }));
}

/** The local host: paths mean what they say. */
class LocalTarget implements Target {
  readonly kind = 'local' as const;
  readonly name = hostname();

  has(_capability: TargetCapability): boolean {
    return true;
  }

  async readFile(path: string): Promise<Buffer> {
    splitPath(path);
    return guarded(path, () => readWhole(path, 'r'));
  }

  async lstat(path: string): Promise<FileInfo> {
    splitPath(path);
    return guarded(path, async () => info(path, await lstat(path)));
  }

  async stat(path: string): Promise<FileInfo> {
    splitPath(path);
    return guarded(path, async () => info(path, await stat(path)));
  }

  async readdir(path: string): Promise<DirEntry[]> {
    splitPath(path);
    return guarded(path, async () => entries(await readdir(path, { withFileTypes: true })));
  }

  async readlink(path: string): Promise<string> {
    splitPath(path);
    return guarded(path, () => readlink(path));
  }

  async realpath(path: string): Promise<string> {
    splitPath(path);
    return guarded(path, () => realpath(path));
  }

  openDir = async (path: string): Promise<DirHandle> => {
    splitPath(path);
    const s = await guarded(path, () => statFast(path));
    if (!s.isDirectory()) throw new TargetError('ENOTDIR', path);
    return new HostDir(path, info(path, s), path, this.openDir, (p) => guarded(p, async () => info(p, await statFast(p))));
  };

  exec(file: string, args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const cannotRun = (e: { code?: unknown; message: string }): void => reject(new TargetError(typeof e.code === 'string' ? e.code : 'EIO', file, `cannot run ${file}: ${e.message}`));
      try {
        execFile(file, [...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
          if (!err) return resolve({ stdout, stderr, code: 0 });
          if (typeof err.code === 'number') return resolve({ stdout, stderr, code: err.code });
          if (typeof err.code === 'string') return cannotRun(err);
          if (err.killed) return reject(new TargetError('ETIMEDOUT', file, `${file} did not finish within ${timeoutMs} ms`));
          reject(new TargetError('EIO', file, `${file} died of ${err.signal ?? 'an unknown cause'}`));
        });
      } catch (e) {
        cannotRun(e as Error & { code?: unknown }); // spawn can also fail synchronously (ELOOP, EINVAL, ...)
      }
    });
  }
}

/** A directory tree standing in for a host's `/`. Nothing outside it is ever read. */
class OfflineRootTarget implements Target {
  readonly kind = 'offline-root' as const;

  constructor(readonly root: string) {}

  get name(): string {
    return this.root;
  }

  has(_capability: TargetCapability): boolean {
    return false;
  }

  private host(components: readonly string[]): string {
    return components.length === 0 ? this.root : `${this.root}/${components.join('/')}`;
  }

  /**
   * Resolves `path` inside the root and returns its components. Every
   * directory component is symlink-free afterwards; the last one is resolved
   * too when `followLast` is set.
   */
  async resolve(path: string, followLast: boolean): Promise<string[]> {
    const pending = splitPath(path).reverse(); // a stack: next component last
    const done: string[] = [];
    let links = 0;
    while (pending.length > 0) {
      const c = pending.pop()!;
      if (c === '..') {
        done.pop(); // `..` at the root stays at the root
        continue;
      }
      const isLast = pending.length === 0;
      if (isLast && !followLast) {
        done.push(c);
        break;
      }
      const here = this.host([...done, c]);
      let s: Stats;
      try {
        s = await lstat(here);
      } catch (e) {
        throw toTargetError(e, path);
      }
      if (!s.isSymbolicLink()) {
        if (!isLast && !s.isDirectory()) throw new TargetError('ENOTDIR', path);
        done.push(c);
        continue;
      }
      if (++links > MAX_SYMLINKS) throw new TargetError('ELOOP', path);
      let target: string;
      try {
        target = await readlink(here);
      } catch (e) {
        throw toTargetError(e, path);
      }
      if (target.startsWith('/')) done.length = 0; // absolute: from the root of the target
      const parts = target.split('/').filter((x) => x !== '' && x !== '.');
      for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i]!);
    }
    return done;
  }

  private targetPath(components: readonly string[]): string {
    return `/${components.join('/')}`;
  }

  async readFile(path: string): Promise<Buffer> {
    const host = this.host(await this.resolve(path, true));
    return guarded(path, () => readWhole(host, constants.O_RDONLY | constants.O_NOFOLLOW));
  }

  async lstat(path: string): Promise<FileInfo> {
    const host = this.host(await this.resolve(path, false));
    return guarded(path, async () => info(path, await lstat(host)));
  }

  async stat(path: string): Promise<FileInfo> {
    // resolve() has followed every link, so lstat of the result is stat
    const host = this.host(await this.resolve(path, true));
    return guarded(path, async () => info(path, await lstat(host)));
  }

  async readdir(path: string): Promise<DirEntry[]> {
    const host = this.host(await this.resolve(path, true));
    return guarded(path, async () => entries(await readdir(host, { withFileTypes: true })));
  }

  async readlink(path: string): Promise<string> {
    const host = this.host(await this.resolve(path, false));
    return guarded(path, () => readlink(host));
  }

  async realpath(path: string): Promise<string> {
    const components = await this.resolve(path, true);
    await guarded(path, () => lstat(this.host(components)));
    return this.targetPath(components);
  }

  /**
   * The path is resolved inside the root once; entries are then examined
   * under the resolved host directory, and a child directory reached by
   * name (not through a link) extends it without resolving anything again.
   * A link is always resolved inside the root, never followed by the host.
   */
  openDir = async (path: string): Promise<DirHandle> => {
    const host = this.host(await this.resolve(path, true));
    // resolve() followed every link, so lstat of the result is stat
    const s = await guarded(path, () => lstatFast(host));
    if (!s.isDirectory()) throw new TargetError('ENOTDIR', path);
    return new HostDir(path, info(path, s), host, this.openDir, (p) => this.stat(p));
  };
}

export function localTarget(): Target {
  return new LocalTarget();
}

/** A target rooted at `dir` on this machine. `dir` must exist. */
export function offlineRootTarget(dir: string): Target {
  return new OfflineRootTarget(resolveHostPath(dir).replace(/\/+$/, '') || '/');
}

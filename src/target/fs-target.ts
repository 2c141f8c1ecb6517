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
import { lstat, open, readdir, readlink, realpath, stat, statfs } from 'node:fs/promises';
import { hostname, machine, networkInterfaces, release, type as osType, userInfo, version } from 'node:os';
import { resolve as resolveHostPath } from 'node:path';
import { prefetchHostDirectory } from './dir-prefetch.js';
import { nativePrefetch } from './native-walk.js';
import { direntType, infoOfStats as info, readHostDirectory, readHostListing } from './dir-reader.js';
import { decodeName, hasEscapedBytes, hostFsPath } from './host-names.js';
import {
  checkEntryName,
  childPath,
  DEFAULT_READ_LIMIT,
  describeFromFiles,
  fileTypeOfMode,
  notRegular,
  tooLarge,
  type ReadOptions,
  splitPath,
  TargetError,
  throwIfAborted,
  type Abortable,
  type DirEntry,
  type DirHandle,
  type DirListing,
  type Examine,
  type ExecOptions,
  type ExecResult,
  type FileInfo,
  type FollowOption,
  type FsStats,
  type InterfaceAddress,
  type PrefetchedListing,
  type ProcessIdentity,
  type Target,
  type TargetCapability,
  type TargetDescription,
} from './target.js';
import { getHostXattr, listHostXattrs } from './xattr.js';

const MAX_SYMLINKS = 40; // as Linux

function toTargetError(e: unknown, path: string): TargetError {
  if (e instanceof TargetError) return e;
  const err = e as NodeJS.ErrnoException | undefined;
  if (err?.name === 'AbortError') return new TargetError('ECANCELED', path, `abandoned: ${path}`);
  return new TargetError(err?.code ?? 'EIO', path);
}

/** Runs a host filesystem call for target path `path`, turning failures into TargetErrors. */
async function guarded<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toTargetError(e, path);
  }
}

/**
 * Reads a whole file through a handle opened with `flags`: a regular file
 * only, unless `opts.special` (the open does not block, so a FIFO is refused
 * at once instead of hanging the scan), and at most `opts.maxBytes`, read in
 * pieces so that a file that keeps growing, or lies about its size as /proc
 * files do, is stopped at the limit.
 */
async function readWhole(hostPath: string, targetPath: string, flags: number, opts: ReadOptions): Promise<Buffer> {
  const limit = opts.maxBytes ?? DEFAULT_READ_LIMIT;
  const fh = await open(hostFsPath(hostPath), opts.special ? flags : flags | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new TargetError('EISDIR', targetPath);
    if (!st.isFile() && !opts.special) throw notRegular(targetPath, fileTypeOfMode(st.mode));
    if (st.size > limit) throw tooLarge(targetPath, limit);
    const parts: Buffer[] = [];
    let total = 0;
    for (let want = Math.min(Math.max(st.size + 1, 16 * 1024), limit + 1); ; want = Math.min(Math.max(total, 64 * 1024), limit + 1 - total)) {
      throwIfAborted(opts.signal, targetPath);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > limit) throw tooLarge(targetPath, limit);
      parts.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  } finally {
    await fh.close();
  }
}

/** Reads at most `length` bytes from `offset` of a regular file, through a handle opened with `flags` (never blocking). */
async function readSome(hostPath: string, targetPath: string, flags: number, offset: number, length: number): Promise<Buffer> {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw new TargetError('EINVAL', targetPath, `bad range: ${offset}+${length}`);
  const fh = await open(hostFsPath(hostPath), flags | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new TargetError('EISDIR', targetPath);
    if (!st.isFile()) throw notRegular(targetPath, fileTypeOfMode(st.mode));
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === length ? buf : buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

async function fsStats(host: string): Promise<FsStats> {
  const s = await statfs(hostFsPath(host));
  return { type: s.type, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree };
}

/** This host's interfaces and addresses, as os.networkInterfaces() lists them. */
function hostInterfaces(): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const [name, list] of Object.entries(networkInterfaces())) {
    for (const a of list ?? []) out.push({ name, address: a.address, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4', ...(a.mac ? { mac: a.mac } : {}) });
  }
  return out;
}

// Walks examine entries one by one when the listing did not: the callback
// API with a promise around it costs markedly less per call than
// node:fs/promises.
const lstatFast = (p: string): Promise<Stats> => new Promise((res, rej) => lstatCallback(hostFsPath(p), (e, s) => (e ? rej(e) : res(s))));
const statFast = (p: string): Promise<Stats> => new Promise((res, rej) => statCallback(hostFsPath(p), (e, s) => (e ? rej(e) : res(s))));

/** lstat, stat, readlink and realpath of a host path that may hold a name that is not UTF-8 (host-names.ts). */
const hostLstat = (p: string): Promise<Stats> => lstat(hostFsPath(p));
const hostStat = (p: string): Promise<Stats> => stat(hostFsPath(p));
const hostReadlink = async (p: string): Promise<string> => decodeName(await readlink(hostFsPath(p), { encoding: 'buffer' }));
const hostRealpath = async (p: string): Promise<string> => decodeName(await realpath(hostFsPath(p), { encoding: 'buffer' }));

/** readdir with types; a listing with a name that is not UTF-8 is read again as bytes and decoded. */
async function hostEntries(p: string): Promise<DirEntry[]> {
  const host = hostFsPath(p);
  const list = await readdir(host, { withFileTypes: true });
  if (!list.some((d) => d.name.includes('\ufffd'))) return entries(list);
  return (await readdir(host, { withFileTypes: true, encoding: 'buffer' })).map((d) => ({ name: decodeName(d.name), type: direntType(d) }));
}

/** The extended attributes calls take a string path: a name that is not UTF-8 cannot be passed, and says so. */
function xattrHostPath(host: string, path: string): string {
  if (hasEscapedBytes(host)) throw new TargetError('EILSEQ', path, `${path}: extended attributes of a name that is not UTF-8 cannot be read`);
  return host;
}

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

  /** entries(), each examined as the walk reaches it (dir-reader.ts). */
  listing(examine: Examine = 'none'): Promise<DirListing> {
    return readHostListing(this.host, this.path, examine);
  }

  subdirectory(name: string, lstat: FileInfo): DirHandle {
    if (lstat.type !== 'directory') throw new TargetError('ENOTDIR', childPath(this.path, name));
    return new HostDir(childPath(this.path, name), lstat, this.at(name), this.reopen, this.follow);
  }

  /**
   * Read ahead the host path subdirectory() would list: on libuv's thread pool by the native reader
   * (native-walk.ts) when it is built, or in a worker (dir-prefetch.ts) with VIGIL_WALK_PREFETCH=1.
   */
  prefetch(name: string, lstat: FileInfo, examine: Examine): PrefetchedListing | undefined {
    if (lstat.type !== 'directory') return undefined;
    const host = this.at(name);
    const dir = childPath(this.path, name);
    return process.env.VIGIL_WALK_PREFETCH === '1' ? prefetchHostDirectory(host, dir, examine) : nativePrefetch(hostFsPath(host), dir, examine);
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

  async describe(opts: Abortable = {}): Promise<TargetDescription> {
    const files = await describeFromFiles(this, opts);
    const node = hostname();
    return {
      hostname: node,
      osRelease: files.osRelease,
      uname: { sysname: osType(), nodename: node, release: release(), version: version(), machine: machine() },
      architecture: machine(),
      interfaces: hostInterfaces(),
    };
  }

  async readFile(path: string, opts: ReadOptions = {}): Promise<Buffer> {
    splitPath(path);
    throwIfAborted(opts.signal, path);
    return guarded(path, () => readWhole(path, path, constants.O_RDONLY, opts));
  }

  async readRange(path: string, offset: number, length: number): Promise<Buffer> {
    splitPath(path);
    return guarded(path, () => readSome(path, path, constants.O_RDONLY, offset, length));
  }

  async statfs(path: string): Promise<FsStats> {
    splitPath(path);
    return guarded(path, () => fsStats(path));
  }

  async self(): Promise<ProcessIdentity> {
    let user: string | undefined;
    try {
      user = userInfo().username;
    } catch {
      user = undefined; // a uid with no passwd entry
    }
    return { pid: process.pid, uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1, ...(user !== undefined ? { user } : {}) };
  }

  async listxattr(path: string, opts: FollowOption = {}): Promise<string[]> {
    return listHostXattrs(xattrHostPath(await this.xattrPath(path, opts), path), path);
  }

  async getxattr(path: string, name: string, opts: FollowOption = {}): Promise<Buffer | undefined> {
    return getHostXattr(xattrHostPath(await this.xattrPath(path, opts), path), path, name);
  }

  /** The host path to give the l*xattr calls: the path itself, or what it points at. */
  private async xattrPath(path: string, opts: FollowOption): Promise<string> {
    splitPath(path);
    return opts.follow ? guarded(path, () => hostRealpath(path)) : path;
  }

  async close(): Promise<void> {
    // nothing is held
  }

  async lstat(path: string): Promise<FileInfo> {
    splitPath(path);
    return guarded(path, async () => info(path, await hostLstat(path)));
  }

  async stat(path: string): Promise<FileInfo> {
    splitPath(path);
    return guarded(path, async () => info(path, await hostStat(path)));
  }

  async readdir(path: string): Promise<DirEntry[]> {
    splitPath(path);
    return guarded(path, () => hostEntries(path));
  }

  async readlink(path: string): Promise<string> {
    splitPath(path);
    return guarded(path, () => hostReadlink(path));
  }

  async realpath(path: string): Promise<string> {
    splitPath(path);
    return guarded(path, () => hostRealpath(path));
  }

  openDir = async (path: string): Promise<DirHandle> => {
    splitPath(path);
    const s = await guarded(path, () => statFast(path));
    if (!s.isDirectory()) throw new TargetError('ENOTDIR', path);
    return new HostDir(path, info(path, s), path, this.openDir, (p) => guarded(p, async () => info(p, await statFast(p))));
  };

  exec(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const cannotRun = (e: { code?: unknown; message: string }): void => reject(new TargetError(typeof e.code === 'string' ? e.code : 'EIO', file, `cannot run ${file}: ${e.message}`));
      if (opts.signal?.aborted) return reject(new TargetError('ECANCELED', file, `abandoned: ${file}`));
      try {
        execFile(file, [...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20, ...(opts.signal ? { signal: opts.signal } : {}) }, (err, stdout, stderr) => {
          if (!err) return resolve({ stdout, stderr, code: 0 });
          if (err.name === 'AbortError' || opts.signal?.aborted) return reject(new TargetError('ECANCELED', file, `abandoned: ${file}`));
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

  /** The root's own /etc/hostname and os-release; no running kernel, so no uname, architecture or interfaces. */
  async describe(opts: Abortable = {}): Promise<TargetDescription> {
    return { ...(await describeFromFiles(this, opts)), interfaces: [] };
  }

  async readRange(path: string, offset: number, length: number): Promise<Buffer> {
    const host = this.host(await this.resolve(path, true));
    return guarded(path, () => readSome(host, path, constants.O_RDONLY | constants.O_NOFOLLOW, offset, length));
  }

  /** The filesystem holding the file the path resolves to inside the root. */
  async statfs(path: string): Promise<FsStats> {
    const host = this.host(await this.resolve(path, true));
    return guarded(path, () => fsStats(host));
  }

  async self(): Promise<ProcessIdentity> {
    throw new TargetError('ENOTSUP', '/proc/self', 'an offline root has no processes');
  }

  async listxattr(path: string, opts: FollowOption = {}): Promise<string[]> {
    return listHostXattrs(xattrHostPath(this.host(await this.resolve(path, opts.follow === true)), path), path);
  }

  async getxattr(path: string, name: string, opts: FollowOption = {}): Promise<Buffer | undefined> {
    return getHostXattr(xattrHostPath(this.host(await this.resolve(path, opts.follow === true)), path), path, name);
  }

  async close(): Promise<void> {
    // nothing is held
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
        s = await hostLstat(here);
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
        target = await hostReadlink(here);
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

  async readFile(path: string, opts: ReadOptions = {}): Promise<Buffer> {
    throwIfAborted(opts.signal, path);
    const host = this.host(await this.resolve(path, true));
    return guarded(path, () => readWhole(host, path, constants.O_RDONLY | constants.O_NOFOLLOW, opts));
  }

  async lstat(path: string): Promise<FileInfo> {
    const host = this.host(await this.resolve(path, false));
    return guarded(path, async () => info(path, await hostLstat(host)));
  }

  async stat(path: string): Promise<FileInfo> {
    // resolve() has followed every link, so lstat of the result is stat
    const host = this.host(await this.resolve(path, true));
    return guarded(path, async () => info(path, await hostLstat(host)));
  }

  async readdir(path: string): Promise<DirEntry[]> {
    const host = this.host(await this.resolve(path, true));
    return guarded(path, () => hostEntries(host));
  }

  async readlink(path: string): Promise<string> {
    const host = this.host(await this.resolve(path, false));
    return guarded(path, () => hostReadlink(host));
  }

  async realpath(path: string): Promise<string> {
    const components = await this.resolve(path, true);
    await guarded(path, () => hostLstat(this.host(components)));
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

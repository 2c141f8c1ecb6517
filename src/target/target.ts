/**
 * The Target: the system a scan looks at. Probes receive one from the engine
 * and never touch the host directly, so the same probe reads the local host,
 * an offline root directory or (later) a host over SSH.
 */

export type FileType = 'regular' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'block' | 'character' | 'unknown';

export interface FileInfo {
  /** The path as the target sees it. */
  readonly path: string;
  readonly type: FileType;
  /** Full st_mode, type bits included. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly dev: number;
  readonly ino: number;
  readonly nlink: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  /** st_rdev of a character or block device, when the target reports it (local and offline roots and the SSH helper do; the SSH shell fallback does not). */
  readonly rdev?: number;
}

export interface DirEntry {
  readonly name: string;
  readonly type: FileType;
  /** The entry's lstat, when the listing examined it (DirHandle.entries); absent otherwise, or when it could not be examined. */
  readonly info?: FileInfo;
}

/**
 * Which entries a listing examines (lstat) as it reads the directory:
 * none, the directories (and entries whose type the listing does not say),
 * or all of them. A walk that looks at every entry asks for all, so that
 * listing and examining are one batch instead of a call per entry.
 */
export type Examine = 'none' | 'directories' | 'all';

/**
 * What a target can answer beyond its filesystem. Probes declare what they
 * need; on a target without it, the engine records "not collected".
 * - `kernel`: live kernel state (sysctl values, uname, interfaces);
 * - `processes`: the process table;
 * - `services`: live service-manager state (systemd);
 * - `exec`: running commands on the target.
 */
export type TargetCapability = 'kernel' | 'processes' | 'services' | 'exec';

/** Options of a long operation: a signal that abandons it (it then rejects with a TargetError, code ECANCELED). */
export interface Abortable {
  readonly signal?: AbortSignal;
}

/** How much of a file `readFile` reads at most, unless asked otherwise: a target's file larger than this is refused (EFBIG), not read into memory. */
export const DEFAULT_READ_LIMIT = 128 * 1024 * 1024;

/** Options of `readFile`. */
export interface ReadOptions extends Abortable {
  /** Refuse (EFBIG) a file longer than this many bytes; default DEFAULT_READ_LIMIT. */
  readonly maxBytes?: number;
  /**
   * Read what is not a regular file too (a FIFO, a device). By default
   * only regular files are read: a FIFO would hang a scan and a character
   * device such as /dev/zero never ends, so both are refused (EINVAL) after
   * a non-blocking open.
   */
  readonly special?: boolean;
}

/** The error for a target file that is not a regular file, named by its type. */
export function notRegular(path: string, type: FileType): TargetError {
  return new TargetError('EINVAL', path, `${path} is a ${type}, not a regular file: not read`);
}

/** The error for a target file longer than a read may take. */
export function tooLarge(path: string, maxBytes: number): TargetError {
  return new TargetError('EFBIG', path, `${path} is larger than ${maxBytes} bytes: not read`);
}

/** The kernel's uname(2) fields. */
export interface Uname {
  readonly sysname: string;
  readonly nodename: string;
  readonly release: string;
  readonly version: string;
  readonly machine: string;
}

/** One address of a network interface. */
export interface InterfaceAddress {
  /** The interface's name (eth0, lo). */
  readonly name: string;
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  /** The interface's hardware address, colon-separated lower-case hex, when it has one. */
  readonly mac?: string;
}

/**
 * What a target says about itself, for results (system_info, target facts)
 * and for probes that report it (uname). A field the target cannot know is
 * absent, never filled in from the scanning host: an offline root knows its
 * own /etc/hostname and os-release, but has no running kernel, so no uname,
 * architecture or interfaces.
 */
export interface TargetDescription {
  /** The host name: the kernel's on a live target, /etc/hostname's first line offline. */
  readonly hostname?: string;
  /** The os-release fields (/etc/os-release, else /usr/lib/os-release), unquoted; empty when there is none. */
  readonly osRelease: Readonly<Record<string, string>>;
  /** Live targets only. */
  readonly uname?: Uname;
  /** The machine architecture (uname's machine, x86_64); live targets only. */
  readonly architecture?: string;
  /** Every address of every interface, in the kernel's order; empty offline. */
  readonly interfaces: readonly InterfaceAddress[];
}

/** statfs(2) of the filesystem holding a path. Sizes in `bsize` blocks. */
export interface FsStats {
  /** The filesystem's magic number (0xef53 ext4, 0x01021994 tmpfs). */
  readonly type: number;
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
}

/** The process through which a live target is read: the scanner itself locally, the remote helper over SSH. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  /** The user name, when the target can tell. */
  readonly user?: string;
}

/** Whether an operation on a path follows a final symlink (inside the target). Default: it does not, as lstat. */
export interface FollowOption {
  readonly follow?: boolean;
}

export interface Target {
  readonly kind: 'local' | 'offline-root' | 'ssh' | 'memory';
  /** For messages and results: the host name or the root directory. */
  readonly name: string;
  has(capability: TargetCapability): boolean;
  /** Describes the system (host name, os-release, uname, interfaces). Read anew on each call: a scan calls it once. */
  describe(opts?: Abortable): Promise<TargetDescription>;
  /**
   * Reads a whole file, following symlinks (inside the target): a regular
   * file only, at most `maxBytes` (ReadOptions), unless asked otherwise.
   */
  readFile(path: string, opts?: ReadOptions): Promise<Buffer>;
  /**
   * Reads at most `length` bytes of a file from byte `offset` (symlinks
   * followed inside the target); fewer at the end of the file, none past
   * it. `readChunks` streams a file with it. A regular file only (EINVAL
   * for a FIFO or a device).
   */
  readRange(path: string, offset: number, length: number): Promise<Buffer>;
  /** statfs of the filesystem holding `path` (symlinks followed inside the target). */
  statfs(path: string): Promise<FsStats>;
  /**
   * The process reading the target (its pid is what OVAL calls "the
   * scanning process"). Rejects with ENOTSUP on a target without processes
   * (an offline root).
   */
  self(): Promise<ProcessIdentity>;
  /**
   * The names of the extended attributes of `path`, in the order the
   * filesystem lists them. Rejects with ENOTSUP where the filesystem holds
   * none, and ENOSYS where the target cannot read attributes at all.
   */
  listxattr(path: string, opts?: FollowOption): Promise<string[]>;
  /** The value of extended attribute `name` of `path`; undefined when the file has no such attribute (ENODATA). */
  getxattr(path: string, name: string, opts?: FollowOption): Promise<Buffer | undefined>;
  /** Releases what the target holds (connections, handles). The target is not used afterwards. Idempotent. */
  close(): Promise<void>;
  /** Information about a path itself (symlinks not followed). */
  lstat(path: string): Promise<FileInfo>;
  /** Information about what a path points at (symlinks followed inside the target). */
  stat(path: string): Promise<FileInfo>;
  readdir(path: string): Promise<DirEntry[]>;
  readlink(path: string): Promise<string>;
  /** The canonical target path of `path`: every symlink resolved inside the target. */
  realpath(path: string): Promise<string>;
  /**
   * The directory `path` points at (symlinks followed inside the target),
   * opened for a walk: its entries are listed and examined by name, without
   * resolving the whole path again for each one. Rejects with ENOTDIR when
   * `path` is not a directory. Optional: `openDirectory` falls back on
   * stat, readdir and lstat by path.
   */
  openDir?(path: string): Promise<DirHandle>;
  /**
   * Runs a program on the target (no shell) and waits for it, for at most
   * `timeoutMs`. Resolves whatever the exit code; rejects with a TargetError
   * when the program cannot be started (ENOENT, EACCES), times out
   * (ETIMEDOUT) or dies of a signal. Absent on targets that cannot run programs.
   */
  exec?(file: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
}

export interface ExecOptions extends Abortable {
  /** Default 30 s. */
  readonly timeoutMs?: number;
}

/** Options of readChunks. */
export interface ChunkOptions extends Abortable {
  /** Bytes per chunk; default 256 KiB. */
  readonly chunkSize?: number;
  /** Stop after this many bytes (default: the whole file). */
  readonly limit?: number;
}

/** Streams a file through `target.readRange`, chunk by chunk, so a large file is never held whole. */
export async function* readChunks(target: Target, path: string, opts: ChunkOptions = {}): AsyncGenerator<Buffer> {
  const size = opts.chunkSize ?? 256 * 1024;
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  let offset = 0;
  while (offset < limit) {
    throwIfAborted(opts.signal, path);
    const chunk = await target.readRange(path, offset, Math.min(size, limit - offset));
    if (chunk.length === 0) return;
    offset += chunk.length;
    yield chunk;
  }
}

/** Rejects an operation on `path` whose signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, path: string): void {
  if (signal?.aborted) throw new TargetError('ECANCELED', path, `abandoned: ${path}`);
}

/**
 * os-release's fields (KEY=value lines, values unquoted and unescaped as a
 * shell would), as os-release(5) describes.
 */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!.trim();
    if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) v = v.slice(1, -1);
    out[m[1]!] = v.replace(/\\(.)/g, '$1');
  }
  return out;
}

/**
 * What any target knows of itself from its files: /etc/hostname's first
 * line and the os-release fields (/etc/os-release, else
 * /usr/lib/os-release). Only absence (ENOENT, ENOTDIR) leaves a field out;
 * any other failure rejects.
 */
export async function describeFromFiles(target: Target, opts: Abortable = {}): Promise<{ hostname?: string; osRelease: Record<string, string> }> {
  let hostname: string | undefined;
  try {
    hostname = (await target.readFile('/etc/hostname', opts)).toString('utf8').split('\n')[0]?.trim() || undefined;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  let osRelease: Record<string, string> = {};
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      osRelease = parseOsRelease((await target.readFile(p, opts)).toString('utf8'));
      break;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  return { ...(hostname !== undefined ? { hostname } : {}), osRelease };
}

/** A directory opened for a walk (Target.openDir). */
export interface DirHandle {
  /** The directory's path, as the walk reached it (through links, if it did). */
  readonly path: string;
  /** What the path points at: the directory itself (symlinks followed). */
  readonly info: FileInfo;
  /**
   * The entries, with their types as the listing reports them (`unknown` on
   * some filesystems) and, as far as `examine` asks and the target can,
   * their lstat. A target may examine fewer entries than asked (none).
   * The array is the caller's, to keep or change.
   */
  entries(examine?: Examine): Promise<DirEntry[]>;
  /** lstat of the entry `name`. */
  lstat(name: string): Promise<FileInfo>;
  /** stat of the entry `name`: a symlink is followed, inside the target. */
  stat(name: string): Promise<FileInfo>;
  /** The entry `name` opened as a directory (a symlink followed inside the target); ENOTDIR when it is not one. */
  openChild(name: string): Promise<DirHandle>;
  /**
   * The entry `name`, whose lstat `info` the listing gave and says is a
   * directory, opened without another call. Optional; absent, a walk uses
   * openChild.
   */
  subdirectory?(name: string, info: FileInfo): DirHandle;
  /**
   * Starts reading, ahead, the listing of the entry `name`, whose lstat
   * `info` says is a directory, as `subdirectory(name, info).entries(examine)`
   * would give it. Optional; undefined when the target does not read ahead
   * (now).
   */
  prefetch?(name: string, info: FileInfo, examine: Examine): PrefetchedListing | undefined;
  /**
   * The entries as `entries(examine)` gives them, each examined only when
   * it is asked for (DirListing.at): a walk that judges entries one by one
   * then holds a name for each, not its lstat, while the directory waits.
   * (The native reader, native-walk.ts, examines them as it reads the
   * directory and holds their lstat packed in one Buffer, not as objects.)
   * Optional.
   */
  listing?(examine: Examine): Promise<DirListing>;
}

/** A directory's entries, each examined (as the listing was asked) when first asked for. */
export interface DirListing {
  readonly length: number;
  /** Entry `i`: ask once for each. */
  at(i: number): DirEntry;
  /** Done with it: the names it holds may go. */
  release(): void;
}

/** A DirListing of entries already examined. */
export function arrayListing(list: DirEntry[]): DirListing {
  return {
    get length() {
      return list.length;
    },
    at: (i) => list[i]!,
    release: () => void (list.length = 0),
  };
}

/** A listing read ahead (DirHandle.prefetch): taken once, or dropped. */
export interface PrefetchedListing {
  readonly examine: Examine;
  /** The entries, or the listing's failure, as DirHandle.entries gives them. */
  take(): Promise<DirListing>;
  /** Not wanted after all. */
  drop(): void;
}

/** `dir/name`, with no doubled slash when `dir` ends in one (the root). */
export function childPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** Refuses a "name" that is not one directory entry (a path, `.` or `..`). */
export function checkEntryName(dir: string, name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/')) throw new TargetError('EINVAL', childPath(dir, name), `not an entry name: ${JSON.stringify(name)}`);
}

/** `target.openDir(path)`, or the same built on stat, readdir and lstat by path for a target without it. */
export function openDirectory(target: Target, path: string): Promise<DirHandle> {
  return target.openDir ? target.openDir(path) : pathDirHandle(target, path);
}

async function pathDirHandle(target: Target, path: string): Promise<DirHandle> {
  const info = await target.stat(path);
  if (info.type !== 'directory') throw new TargetError('ENOTDIR', path);
  const at = (name: string): string => {
    checkEntryName(path, name);
    return childPath(path, name);
  };
  return {
    path,
    info,
    entries: () => target.readdir(path),
    lstat: (name) => target.lstat(at(name)),
    stat: (name) => target.stat(at(name)),
    openChild: (name) => pathDirHandle(target, at(name)),
  };
}

/** What a program run on the target printed, and its exit code. */
export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** A failed target operation, with the errno-style code (ENOENT, EACCES, ELOOP, ...). */
export class TargetError extends Error {
  override readonly name = 'TargetError';
  constructor(
    readonly code: string,
    readonly path: string,
    message?: string,
  ) {
    super(message ?? `${code}: ${path}`);
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof TargetError && (e.code === 'ENOENT' || e.code === 'ENOTDIR');
}

const S_IFMT = 0o170000;

export function fileTypeOfMode(mode: number): FileType {
  switch (mode & S_IFMT) {
    case 0o100000:
      return 'regular';
    case 0o040000:
      return 'directory';
    case 0o120000:
      return 'symlink';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    case 0o060000:
      return 'block';
    case 0o020000:
      return 'character';
    default:
      return 'unknown';
  }
}

/** Normalises a target path: absolute, no `.`/empty components, `..` kept for the resolver. */
export function splitPath(path: string): string[] {
  if (!path.startsWith('/')) throw new TargetError('EINVAL', path, `not an absolute path: ${path}`);
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * A target that passes every call to `target`, except those `over`
 * replaces: the base of wrappers that count, record or inject faults.
 */
export function wrapTarget(target: Target, over: Partial<Target> = {}): Target {
  return {
    kind: target.kind,
    name: target.name,
    has: (c) => target.has(c),
    describe: (o) => target.describe(o),
    readFile: (p, o) => target.readFile(p, o),
    readRange: (p, off, len) => target.readRange(p, off, len),
    statfs: (p) => target.statfs(p),
    self: () => target.self(),
    listxattr: (p, o) => target.listxattr(p, o),
    getxattr: (p, n, o) => target.getxattr(p, n, o),
    close: () => target.close(),
    lstat: (p) => target.lstat(p),
    stat: (p) => target.stat(p),
    readdir: (p) => target.readdir(p),
    readlink: (p) => target.readlink(p),
    realpath: (p) => target.realpath(p),
    ...(target.openDir ? { openDir: (p: string) => target.openDir!(p) } : {}),
    ...(target.exec ? { exec: (f: string, a: readonly string[], o?: ExecOptions) => target.exec!(f, a, o) } : {}),
    ...over,
  };
}

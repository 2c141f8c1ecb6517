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

export interface Target {
  readonly kind: 'local' | 'offline-root' | 'ssh' | 'memory';
  /** For messages and results: the host name or the root directory. */
  readonly name: string;
  has(capability: TargetCapability): boolean;
  /** Reads a whole file, following symlinks (inside the target). */
  readFile(path: string): Promise<Buffer>;
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
  exec?(file: string, args: readonly string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;
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

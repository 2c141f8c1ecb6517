/**
 * The Target over a Transport (the Python helper or the shell fallback):
 * every call is one request; concurrent calls share round trips. Paths are
 * the remote host's own (a live host: `/` is its root).
 */
import { createHash } from 'node:crypto';
import {
  checkEntryName,
  childPath,
  DEFAULT_READ_LIMIT,
  describeFromFiles,
  fileTypeOfMode,
  splitPath,
  TargetError,
  throwIfAborted,
  type Abortable,
  type DirEntry,
  type DirHandle,
  type Examine,
  type ExecOptions,
  type ExecResult,
  type FileInfo,
  type FileType,
  type FollowOption,
  type FsStats,
  type InterfaceAddress,
  type ProcessIdentity,
  type ReadOptions,
  type Target,
  type TargetCapability,
  type TargetDescription,
} from '../target.js';
import type { SshStats, Transport } from './protocol.js';

/** mode uid gid size dev ino nlink atime mtime ctime, then st_rdev for a device (the Python helper's; the shell fallback has none). */
type RawStat = [number, number, number, number, number, number, number, number, number, number, number?];

export function infoOf(path: string, s: RawStat): FileInfo {
  const [mode, uid, gid, size, dev, ino, nlink, atimeMs, mtimeMs, ctimeMs, rdev] = s;
  const type = fileTypeOfMode(mode);
  return { path, type, mode, uid, gid, size, dev, ino, nlink, atimeMs, mtimeMs, ctimeMs, ...(rdev !== undefined && (type === 'character' || type === 'block') ? { rdev } : {}) };
}

const TYPE_OF: Readonly<Record<string, FileType>> = { f: 'regular', d: 'directory', l: 'symlink', p: 'fifo', s: 'socket', b: 'block', c: 'character' };

type RawEntry = [string, string, RawStat | null | undefined];

function entriesOf(dir: string, raw: readonly RawEntry[]): DirEntry[] {
  return raw.map(([name, t, s]) => {
    const info = s ? infoOf(childPath(dir, name), s) : undefined;
    return { name, type: info ? info.type : (TYPE_OF[t] ?? 'unknown'), ...(info ? { info } : {}) };
  });
}

export interface SshTargetParts {
  readonly name: string;
  readonly transport: Transport;
  /** What the transport can do: the shell fallback has no attributes and no self. */
  readonly capabilities: readonly TargetCapability[];
  readonly onClose: () => Promise<void>;
  /** Read the listings below a directory a recursive walk reached (ReadAhead); default on where the transport has `tree`. */
  readonly readAhead?: boolean;
}

/** Directories listed per read-ahead request. */
const READ_AHEAD_DIRS = 256;
/** Listings kept for a walk at most; the oldest go first. */
const READ_AHEAD_KEPT = 4096;

const parentOf = (p: string): string => (p.lastIndexOf('/') <= 0 ? '/' : p.slice(0, p.lastIndexOf('/')));

/**
 * Read-ahead for recursive walks. The OVAL traversal lists a directory at a
 * time (16 at once), each a round trip; a round trip is cheap on an idle
 * network and host, but on a loaded host every one waits for three
 * processes (sshd, the helper, sshd again) to be scheduled. When a walk
 * asks for the examined listing of a directory whose parent and
 * grandparent it listed the same way, it is recursing: one `tree` request
 * then brings the listings of up to 256 directories from the parent down,
 * breadth first (the directory, its siblings and what lies below them:
 * where a depth-first walk goes next), and the walk takes them from here
 * as it gets there, each listing once. A listing is a snapshot taken a moment earlier
 * than the walk would have taken it, as a walk is never atomic anyway.
 * Unused listings are dropped oldest first; when most of what was read
 * ahead goes unused (walks that stop at a shallow depth), reading ahead
 * stops for the connection.
 */
class ReadAhead {
  private readonly listedAll = new Set<string>();
  private readonly kept = new Map<string, RawEntry[]>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly fromParent = new Set<string>();
  private used = 0;
  private wasted = 0;

  constructor(private readonly fetch: (path: string) => Promise<Array<[string, RawEntry[]]>>) {}

  /** Records a directory the walk listed with every entry examined. */
  listed(path: string): void {
    if (this.listedAll.size > 100_000) this.listedAll.clear();
    this.listedAll.add(path);
  }

  private get useful(): boolean {
    return this.wasted <= 2 * this.used + 1024;
  }

  /** The listing of `path`, read ahead (or now, with what lies below it), or undefined: ask for it alone. */
  async take(path: string): Promise<RawEntry[] | undefined> {
    const hit = this.kept.get(path);
    if (hit) return this.use(path, hit);
    for (const [root, p] of this.inFlight) {
      if (path.startsWith(root === '/' ? '/' : `${root}/`)) {
        await p.catch(() => undefined);
        const now = this.kept.get(path);
        if (now) return this.use(path, now);
      }
    }
    const parent = parentOf(path);
    if (path === '/' || !this.useful || !this.listedAll.has(parent) || parent === '/' || !this.listedAll.has(parentOf(parent))) return undefined;
    // From the parent, once: the directories the walk goes to next are this one's siblings and what lies below
    // them. A parent too wide for one request has its later children read ahead from themselves.
    const root = this.fromParent.has(parent) ? path : parent;
    if (this.fromParent.size > 100_000) this.fromParent.clear();
    this.fromParent.add(parent);
    const p = this.fetch(root);
    this.inFlight.set(root, p);
    let got: Array<[string, RawEntry[]]>;
    try {
      got = await p;
    } catch {
      return undefined; // the walk's own request gives the error, if there is one
    } finally {
      this.inFlight.delete(root);
    }
    if (root === path) {
      for (const [dir, list] of got.slice(1)) this.keep(dir, list);
      return this.use(path, got[0]![1]);
    }
    for (const [dir, list] of got.slice(1)) this.keep(dir, list);
    const now = this.kept.get(path);
    if (now) return this.use(path, now);
    this.wasted += got.length;
    return undefined;
  }

  private use(path: string, list: RawEntry[]): RawEntry[] {
    this.kept.delete(path);
    this.used++;
    this.listed(path);
    return list;
  }

  private keep(dir: string, list: RawEntry[]): void {
    this.kept.set(dir, list);
    while (this.kept.size > READ_AHEAD_KEPT) {
      this.kept.delete(this.kept.keys().next().value!);
      this.wasted++;
    }
  }
}

export class SshTarget implements Target, RemoteStateAccess {
  readonly kind = 'ssh' as const;
  readonly name: string;
  private readonly t: Transport;
  private closed: Promise<void> | undefined;

  constructor(private readonly parts: SshTargetParts) {
    this.name = parts.name;
    this.t = parts.transport;
  }

  stats = (): SshStats => this.t.stats();

  has(capability: TargetCapability): boolean {
    return this.parts.capabilities.includes(capability);
  }

  private call(op: string, path: string, args: Record<string, unknown> = {}, signal?: AbortSignal) {
    splitPath(path);
    return this.t.call(op, { p: path, ...args }, path, signal);
  }

  async describe(opts: Abortable = {}): Promise<TargetDescription> {
    throwIfAborted(opts.signal, '/');
    const [files, live] = await Promise.all([describeFromFiles(this, opts), this.t.call('describe', {}, '/', opts.signal)]);
    const d = live.r as { uname: [string, string, string, string, string]; ifs: Array<[string, string, 'IPv4' | 'IPv6', string | null]> };
    const [sysname, nodename, release, version, machine] = d.uname;
    const interfaces: InterfaceAddress[] = d.ifs.map(([name, address, family, mac]) => ({ name, address, family, ...(mac ? { mac } : {}) }));
    return { hostname: nodename, osRelease: files.osRelease, uname: { sysname, nodename, release, version, machine }, architecture: machine, interfaces };
  }

  async readFile(path: string, opts: ReadOptions = {}): Promise<Buffer> {
    throwIfAborted(opts.signal, path);
    const r = await this.call('read', path, { max: opts.maxBytes ?? DEFAULT_READ_LIMIT, special: opts.special === true }, opts.signal);
    return r.payload;
  }

  async readRange(path: string, offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw new TargetError('EINVAL', path, `bad range: ${offset}+${length}`);
    if (length === 0) {
      await this.stat(path);
      return Buffer.alloc(0);
    }
    return (await this.call('range', path, { off: offset, n: length })).payload;
  }

  async statfs(path: string): Promise<FsStats> {
    const [type, bsize, blocks, bfree, bavail, files, ffree] = (await this.call('statfs', path)).r as number[];
    return { type: type!, bsize: bsize!, blocks: blocks!, bfree: bfree!, bavail: bavail!, files: files!, ffree: ffree! };
  }

  async self(): Promise<ProcessIdentity> {
    if (!this.has('processes')) throw new TargetError('ENOTSUP', '/proc/self', 'this SSH transport cannot name its process');
    const s = (await this.t.call('self', {}, '/proc/self')).r as { pid: number; uid: number; gid: number; user: string | null };
    return { pid: s.pid, uid: s.uid, gid: s.gid, ...(s.user !== null ? { user: s.user } : {}) };
  }

  async listxattr(path: string, opts: FollowOption = {}): Promise<string[]> {
    return (await this.call('listxattr', path, { f: opts.follow === true })).r as string[];
  }

  async getxattr(path: string, name: string, opts: FollowOption = {}): Promise<Buffer | undefined> {
    const r = await this.call('getxattr', path, { n: name, f: opts.follow === true });
    return r.r === null ? undefined : r.payload;
  }

  close(): Promise<void> {
    return (this.closed ??= (async () => {
      this.t.close();
      await this.parts.onClose();
    })());
  }

  async lstat(path: string): Promise<FileInfo> {
    return infoOf(path, (await this.call('lstat', path)).r as RawStat);
  }

  async stat(path: string): Promise<FileInfo> {
    return infoOf(path, (await this.call('stat', path)).r as RawStat);
  }

  async readdir(path: string): Promise<DirEntry[]> {
    return entriesOf(path, (await this.call('readdir', path, { x: 'none' })).r as RawEntry[]).map(({ name, type }) => ({ name, type }));
  }

  /** The directory's entries, examined as asked, in one request (or none: read ahead, see ReadAhead). */
  async entries(path: string, examine: Examine): Promise<DirEntry[]> {
    if (examine !== 'none' && this.parts.readAhead !== false) {
      const raw = await this.ahead.take(path);
      if (raw) return entriesOf(path, raw);
    }
    const raw = (await this.call('readdir', path, { x: examine })).r as RawEntry[];
    if (examine === 'all') this.ahead.listed(path);
    return entriesOf(path, raw);
  }

  private readonly ahead = new ReadAhead((path) => this.call('tree', path, { max: READ_AHEAD_DIRS }).then((r) => r.r as Array<[string, RawEntry[]]>));

  async readlink(path: string): Promise<string> {
    return (await this.call('readlink', path)).r as string;
  }

  async realpath(path: string): Promise<string> {
    return (await this.call('realpath', path)).r as string;
  }

  openDir = async (path: string): Promise<DirHandle> => {
    const info = await this.stat(path);
    if (info.type !== 'directory') throw new TargetError('ENOTDIR', path);
    return new SshDir(this, path, info);
  };

  async capture(path: string): Promise<{ state: RemotePathState; content?: Buffer }> {
    const r = await this.call('capture', path);
    const st = r.r as RemotePathState;
    if (st.type !== 'file') return { state: st };
    return { state: { ...st, sha256: createHash('sha256').update(r.payload).digest('hex') }, content: r.payload };
  }

  async restore(path: string, state: RemotePathState, opts: { content?: Buffer; tempPrefix: string; metaOnly?: boolean }): Promise<void> {
    if (state.type === 'file' && !opts.metaOnly && opts.content === undefined) throw new TargetError('EINVAL', path, `no content to restore ${path} with`);
    await this.call('restore', path, { s: state, tmp: opts.tempPrefix, ...(opts.metaOnly ? { m: true } : {}), ...(opts.content !== undefined && !opts.metaOnly ? { c: opts.content.toString('base64') } : {}) });
  }

  async removeTemps(dir: string, tempPrefix: string): Promise<number> {
    return (await this.call('cleantemps', dir, { tmp: tempPrefix })).r as number;
  }

  async exec(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (!this.has('exec')) throw new TargetError('ENOSYS', file, 'this SSH transport cannot run programs');
    throwIfAborted(opts.signal, file);
    const r = await this.t.call('exec', { f: file, a: [...args], t: opts.timeoutMs ?? 30_000 }, file, opts.signal);
    const x = r.r as { out: string; err: string; code: number };
    return { stdout: x.out, stderr: x.err, code: x.code };
  }
}

/**
 * One path's exact state, as remediation journals it, locally
 * (apply/fs-state.ts `PathState` is this type) and over SSH; `absent` when
 * nothing was there.
 */
export type RemotePathState =
  | { readonly type: 'absent' }
  | {
      readonly type: 'file' | 'dir' | 'symlink';
      readonly mode: number;
      readonly uid: number;
      readonly gid: number;
      /** Modification time in nanoseconds since the epoch, as a decimal string (JSON has no bigint). */
      readonly mtimeNs: string;
      /** Name → base64 value; overlayfs's own `trusted.overlay.*` attributes are never part of it. */
      readonly xattrs: Readonly<Record<string, string>>;
      /** file: the SHA-256 of its content. */
      readonly sha256?: string;
      readonly size?: number;
      /** symlink: its target. */
      readonly target?: string;
    };

/**
 * The write path of remediation over SSH (helper requests capture,
 * restore, cleantemps; the Python helper only: the shell fallback has none).
 */
export interface RemoteStateAccess {
  /** The path's exact state (nanosecond mtime, xattrs) and a file's content. */
  capture(path: string): Promise<{ state: RemotePathState; content?: Buffer }>;
  /**
   * Puts `path` into `state`: a file or link written under a temporary
   * name starting with `tempPrefix`, given owner, mode, xattrs and mtime,
   * fsynced and renamed into place; a directory made or kept and given its
   * metadata; absent removes it (and what is below it). `metaOnly`: only
   * the metadata of what is there.
   */
  restore(path: string, state: RemotePathState, opts: { content?: Buffer; tempPrefix: string; metaOnly?: boolean }): Promise<void>;
  /** Removes the entries of `dir` whose names start with `tempPrefix`; how many. */
  removeTemps(dir: string, tempPrefix: string): Promise<number>;
}

class SshDir implements DirHandle {
  constructor(
    private readonly target: SshTarget,
    readonly path: string,
    readonly info: FileInfo,
  ) {}

  private at(name: string): string {
    checkEntryName(this.path, name);
    return childPath(this.path, name);
  }

  entries(examine: Examine = 'none'): Promise<DirEntry[]> {
    return this.target.entries(this.path, examine);
  }

  lstat(name: string): Promise<FileInfo> {
    return this.target.lstat(this.at(name));
  }

  stat(name: string): Promise<FileInfo> {
    return this.target.stat(this.at(name));
  }

  openChild(name: string): Promise<DirHandle> {
    return this.target.openDir(this.at(name));
  }

  subdirectory(name: string, info: FileInfo): DirHandle {
    if (info.type !== 'directory') throw new TargetError('ENOTDIR', childPath(this.path, name));
    return new SshDir(this.target, childPath(this.path, name), info);
  }
}

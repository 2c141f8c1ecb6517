/**
 * The predicted view of a host: its Target (over SSH) with the files a
 * rehearsal predicts laid over it — new content, mode, owner, added files,
 * removed paths — so that the same engine can scan what the host would look
 * like after the fixes, as the overlay rehearsal of a local root does. Only
 * the paths given differ; everything else (other files, directories, /proc,
 * programs run with exec) is read from the host as it is. Nothing is
 * written anywhere; `close()` leaves the host's target open.
 */
import { posix } from 'node:path';
import { childPath, DEFAULT_READ_LIMIT, openDirectory, TargetError, type DirEntry, type DirHandle, type Examine, type FileInfo, type FollowOption, type ReadOptions, type Target, type TargetCapability } from '../target/target.js';

/** One path as predicted: content (absent: unchanged), permission bits, owner, group, or removed. */
export interface PredictedState {
  readonly content?: Buffer;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly removed?: boolean;
  /** Not on the host now: added by the fixes (a regular file). */
  readonly added?: boolean;
}

export function predictedTarget(base: Target, predicted: ReadonlyMap<string, PredictedState>): Target {
  return new PredictedTarget(base, new Map([...predicted].map(([p, s]) => [posix.normalize(p), s])));
}

class PredictedTarget implements Target {
  readonly kind: Target['kind'];
  readonly name: string;
  readonly exec?: Target['exec'];

  constructor(
    private readonly base: Target,
    private readonly over: ReadonlyMap<string, PredictedState>,
  ) {
    this.kind = base.kind;
    this.name = base.name;
    if (base.exec) this.exec = base.exec.bind(base);
  }

  private at(path: string): PredictedState | undefined {
    return this.over.get(posix.normalize(path));
  }

  private gone(path: string): never {
    throw new TargetError('ENOENT', path, `no such file (removed by the predicted fixes): ${path}`);
  }

  has(c: TargetCapability): boolean {
    return this.base.has(c);
  }

  describe: Target['describe'] = (o) => this.base.describe(o);
  statfs: Target['statfs'] = (p) => this.base.statfs(p);
  self: Target['self'] = () => this.base.self();
  readlink: Target['readlink'] = (p) => (this.at(p)?.removed ? this.gone(p) : this.base.readlink(p));

  async close(): Promise<void> {
    // the host's target belongs to the caller
  }

  async readFile(path: string, opts: ReadOptions = {}): Promise<Buffer> {
    const o = this.at(path);
    if (o?.removed) this.gone(path);
    if (o?.content === undefined) return this.base.readFile(path, opts);
    if (o.content.length > (opts.maxBytes ?? DEFAULT_READ_LIMIT)) throw new TargetError('EFBIG', path, `${path} is larger than ${opts.maxBytes ?? DEFAULT_READ_LIMIT} bytes: not read`);
    return Buffer.from(o.content);
  }

  async readRange(path: string, offset: number, length: number): Promise<Buffer> {
    const o = this.at(path);
    if (o?.removed) this.gone(path);
    if (o?.content === undefined) return this.base.readRange(path, offset, length);
    return Buffer.from(o.content.subarray(offset, offset + length));
  }

  private patch(info: FileInfo, o: PredictedState | undefined): FileInfo {
    if (!o) return info;
    return {
      ...info,
      ...(o.mode !== undefined ? { mode: (info.mode & ~0o7777) | o.mode } : {}),
      ...(o.uid !== undefined ? { uid: o.uid } : {}),
      ...(o.gid !== undefined ? { gid: o.gid } : {}),
      ...(o.content !== undefined ? { size: o.content.length } : {}),
    };
  }

  private synth(path: string, o: PredictedState): FileInfo {
    const now = Date.now();
    return { path, type: 'regular', mode: 0o100000 | (o.mode ?? 0o644), uid: o.uid ?? 0, gid: o.gid ?? 0, size: o.content?.length ?? 0, dev: 0, ino: 0, nlink: 1, atimeMs: now, mtimeMs: now, ctimeMs: now };
  }

  async lstat(path: string): Promise<FileInfo> {
    const o = this.at(path);
    if (o?.removed) this.gone(path);
    if (o?.added) return this.synth(path, o);
    return this.patch(await this.base.lstat(path), o);
  }

  async stat(path: string): Promise<FileInfo> {
    const o = this.at(path);
    if (o?.removed) this.gone(path);
    if (o?.added) return this.synth(path, o);
    return this.patch(await this.base.stat(path), o);
  }

  async realpath(path: string): Promise<string> {
    const o = this.at(path);
    if (o?.removed) this.gone(path);
    if (o?.added) return posix.normalize(path);
    return this.base.realpath(path);
  }

  listxattr = async (path: string, opts?: FollowOption): Promise<string[]> => {
    const o = this.at(path);
    if (o?.removed) this.gone(path);
    return o?.added ? [] : this.base.listxattr(path, opts);
  };

  getxattr = async (path: string, name: string, opts?: FollowOption): Promise<Buffer | undefined> => {
    const o = this.at(path);
    if (o?.removed) this.gone(path);
    return o?.added ? undefined : this.base.getxattr(path, name, opts);
  };

  /** A listing with the predicted removals left out, the predicted files' information laid over, and the added files in. */
  private entriesOf(dir: string, list: DirEntry[]): DirEntry[] {
    const out: DirEntry[] = [];
    const seen = new Set<string>();
    for (const e of list) {
      const p = childPath(dir, e.name);
      const o = this.at(p);
      seen.add(e.name);
      if (o?.removed) continue;
      out.push(e.info && o ? { ...e, info: this.patch(e.info, o) } : e);
    }
    const norm = posix.normalize(dir);
    for (const [p, o] of this.over) {
      if (!o.added || posix.dirname(p) !== norm || seen.has(posix.basename(p))) continue;
      out.push({ name: posix.basename(p), type: 'regular', info: this.synth(p, o) });
    }
    return out;
  }

  async readdir(path: string): Promise<DirEntry[]> {
    return this.entriesOf(path, await this.base.readdir(path)).map(({ name, type }) => ({ name, type }));
  }

  openDir = async (path: string): Promise<DirHandle> => this.wrap(await openDirectory(this.base, path));

  private wrap(h: DirHandle): DirHandle {
    const child = (name: string): string => childPath(h.path, name);
    return {
      path: h.path,
      info: h.info,
      entries: async (examine?: Examine) => this.entriesOf(h.path, await h.entries(examine)),
      lstat: (name) => this.lstat(child(name)),
      stat: (name) => this.stat(child(name)),
      openChild: (name) => this.openDir(child(name)),
      ...(h.subdirectory ? { subdirectory: (name: string, info: FileInfo) => this.wrap(h.subdirectory!(name, info)) } : {}),
    };
  }
}

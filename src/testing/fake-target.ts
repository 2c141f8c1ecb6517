/**
 * An in-memory Target for probe tests: canned /proc, /sys and /dev files,
 * symlinks and device nodes, with the capabilities a test chooses. Paths are
 * absolute; directories are implied by the files under them.
 */
import { splitPath, TargetError, type DirEntry, type FileInfo, type FileType, type Target, type TargetCapability } from '../target/target.js';

/** A file's content, or a special entry. */
export type FakeEntry =
  | string
  | Buffer
  | { readonly symlink: string }
  | { readonly device: 'character' | 'block' }
  | { readonly dir: true }
  /** Reading (or listing) the path fails with this errno code; it still exists for stat. */
  | { readonly error: string; readonly type?: FileType };

export interface FakeTargetOptions {
  readonly capabilities?: readonly TargetCapability[];
  readonly kind?: Target['kind'];
  readonly name?: string;
  /**
   * Device numbers by path: everything at or below a listed path reports
   * that device (the longest listed path wins), as a mount point would;
   * anything else is on device 1. Canned /proc/self/mounts text says which
   * filesystem each device is.
   */
  readonly devices?: Readonly<Record<string, number>>;
}

const MODE_OF: Record<FileType, number> = {
  regular: 0o100644,
  directory: 0o040755,
  symlink: 0o120777,
  fifo: 0o010644,
  socket: 0o140755,
  block: 0o060660,
  character: 0o020620,
  unknown: 0,
};

export class FakeTarget implements Target {
  readonly kind: Target['kind'];
  readonly name: string;
  private readonly entries = new Map<string, FakeEntry>();
  private readonly dirs = new Set<string>(['/']);
  private readonly caps: ReadonlySet<TargetCapability>;
  private readonly devices: ReadonlyArray<readonly [string, number]>;
  /** One inode number per real path, so that a walk can tell directories apart. */
  private readonly inodes = new Map<string, number>();
  /** Every path read, listed or stat'ed, for tests that check what was touched. */
  readonly touched: string[] = [];

  constructor(files: Readonly<Record<string, FakeEntry>>, opts: FakeTargetOptions = {}) {
    this.kind = opts.kind ?? 'memory';
    this.name = opts.name ?? 'fake';
    this.caps = new Set(opts.capabilities ?? ['kernel', 'processes']);
    this.devices = Object.entries(opts.devices ?? {})
      .map(([p, d]) => [`/${splitPath(p).join('/')}`, d] as const)
      .sort((a, b) => b[0].length - a[0].length);
    for (const [path, entry] of Object.entries(files)) this.add(path, entry);
  }

  add(path: string, entry: FakeEntry): void {
    const norm = `/${splitPath(path).join('/')}`;
    if (typeof entry === 'object' && !Buffer.isBuffer(entry) && 'dir' in entry) this.dirs.add(norm);
    else this.entries.set(norm, entry);
    const parts = splitPath(norm);
    for (let i = 0; i < parts.length; i++) this.dirs.add(`/${parts.slice(0, i).join('/')}`);
  }

  has(capability: TargetCapability): boolean {
    return this.caps.has(capability);
  }

  private typeOf(path: string): FileType | undefined {
    const e = this.entries.get(path);
    if (e === undefined) return this.dirs.has(path) ? 'directory' : undefined;
    if (typeof e === 'string' || Buffer.isBuffer(e)) return 'regular';
    if ('symlink' in e) return 'symlink';
    if ('device' in e) return e.device;
    if ('error' in e) return e.type ?? 'regular';
    return 'directory';
  }

  /** Resolves every symlink in `path` (the last one too when `followLast`). */
  private resolve(path: string, followLast: boolean): string {
    const pending = splitPath(path).reverse();
    const done: string[] = [];
    let links = 0;
    while (pending.length > 0) {
      const c = pending.pop()!;
      if (c === '..') {
        done.pop();
        continue;
      }
      const here = `/${[...done, c].join('/')}`;
      const isLast = pending.length === 0;
      const e = this.entries.get(here);
      if (e !== undefined && typeof e === 'object' && !Buffer.isBuffer(e) && 'symlink' in e && (!isLast || followLast)) {
        if (++links > 40) throw new TargetError('ELOOP', path);
        if (e.symlink.startsWith('/')) done.length = 0;
        const parts = e.symlink.split('/').filter((x) => x !== '' && x !== '.');
        for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i]!);
        continue;
      }
      if (this.typeOf(here) === undefined) throw new TargetError('ENOENT', path);
      if (!isLast && this.typeOf(here) !== 'directory') throw new TargetError('ENOTDIR', path);
      done.push(c);
    }
    return `/${done.join('/')}`;
  }

  private info(path: string, real: string): FileInfo {
    const type = this.typeOf(real)!;
    const e = this.entries.get(real);
    const size = typeof e === 'string' ? Buffer.byteLength(e) : Buffer.isBuffer(e) ? e.length : 0;
    const dev = this.devices.find(([p]) => p === '/' || real === p || real.startsWith(`${p}/`))?.[1] ?? 1;
    let ino = this.inodes.get(real);
    if (ino === undefined) {
      ino = this.inodes.size + 2;
      this.inodes.set(real, ino);
    }
    return { path, type, mode: MODE_OF[type], uid: 0, gid: 0, size, dev, ino, nlink: 1, atimeMs: 0, mtimeMs: 0, ctimeMs: 0 };
  }

  async readFile(path: string): Promise<Buffer> {
    this.touched.push(path);
    const real = this.resolve(path, true);
    const e = this.entries.get(real);
    if (e === undefined) throw new TargetError(this.dirs.has(real) ? 'EISDIR' : 'ENOENT', path);
    if (typeof e === 'string') return Buffer.from(e, 'latin1');
    if (Buffer.isBuffer(e)) return e;
    if ('error' in e) throw new TargetError(e.error, path);
    throw new TargetError('EINVAL', path);
  }

  async lstat(path: string): Promise<FileInfo> {
    this.touched.push(path);
    const parent = splitPath(path);
    const last = parent.pop();
    const dir = this.resolve(`/${parent.join('/')}`, true);
    const real = last === undefined ? '/' : dir === '/' ? `/${last}` : `${dir}/${last}`;
    if (this.typeOf(real) === undefined) throw new TargetError('ENOENT', path);
    return this.info(path, real);
  }

  async stat(path: string): Promise<FileInfo> {
    this.touched.push(path);
    return this.info(path, this.resolve(path, true));
  }

  async readdir(path: string): Promise<DirEntry[]> {
    this.touched.push(path);
    const real = this.resolve(path, true);
    const e = this.entries.get(real);
    if (e !== undefined && typeof e === 'object' && !Buffer.isBuffer(e) && 'error' in e) throw new TargetError(e.error, path);
    if (!this.dirs.has(real)) throw new TargetError(this.typeOf(real) ? 'ENOTDIR' : 'ENOENT', path);
    const prefix = real === '/' ? '/' : `${real}/`;
    const names = new Set<string>();
    for (const p of [...this.entries.keys(), ...this.dirs]) {
      if (p.startsWith(prefix) && p.length > prefix.length) names.add(p.slice(prefix.length).split('/')[0]!);
    }
    return [...names].map((name) => ({ name, type: this.typeOf(prefix + name) ?? 'unknown' }));
  }

  async readlink(path: string): Promise<string> {
    this.touched.push(path);
    const e = this.entries.get(this.resolveParent(path));
    if (e !== undefined && typeof e === 'object' && !Buffer.isBuffer(e) && 'symlink' in e) return e.symlink;
    throw new TargetError(e === undefined && !this.dirs.has(this.resolveParent(path)) ? 'ENOENT' : 'EINVAL', path);
  }

  async realpath(path: string): Promise<string> {
    this.touched.push(path);
    return this.resolve(path, true);
  }

  private resolveParent(path: string): string {
    const parts = splitPath(path);
    const last = parts.pop();
    if (last === undefined) return '/';
    const dir = this.resolve(`/${parts.join('/')}`, true);
    return dir === '/' ? `/${last}` : `${dir}/${last}`;
  }
}

export function fakeTarget(files: Readonly<Record<string, FakeEntry>>, opts: FakeTargetOptions = {}): FakeTarget {
  return new FakeTarget(files, opts);
}

/**
 * An in-memory Target for testing rules: a test declares files (with mode,
 * owner and group), directories, symbolic links, installed packages, kernel
 * parameters and systemd units, and the real engine reads them as it reads
 * a host.
 *
 * What each building block's probe gets from it:
 * - files, directories, links: the Target's file operations (paths are
 *   absolute; links resolve inside the mock, absolute targets from its own
 *   root; parent directories are implied, mode 0755, owned by root);
 * - packages: a /var/lib/dpkg/status written from the declared packages,
 *   which linux:dpkginfo_object reads (so a mock with packages is a "dpkg
 *   system");
 * - kernel parameters: files under /proc/sys, which unix:sysctl_object reads
 *   on a target with the `kernel` capability (given when `sysctl` is declared);
 * - systemd units: the busctl calls linux:systemdunitproperty_object makes
 *   (ListUnits, GetAll), answered by `exec` from the declared units, on a
 *   target with the `services` capability (given when `units` is declared);
 * - extended attributes (ACLs, SELinux labels), declared per file;
 * - what the system says of itself (`describe`): /etc/hostname and
 *   os-release from the files, uname and interfaces as declared; the
 *   process reading it (`self`), on a target with `processes`.
 *
 * It is also the in-memory target of Vigil's own tests (probe tests, the
 * Target case suite): device nodes, entries that fail with a chosen errno,
 * devices per subtree (mount points), a chosen kind and capabilities.
 */
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MANAGER_PATH, SYSTEMD_DEST } from './systemd-bus.js';
import {
  DEFAULT_READ_LIMIT,
  describeFromFiles,
  notRegular,
  tooLarge,
  type ReadOptions,
  splitPath,
  TargetError,
  throwIfAborted,
  type Abortable,
  type DirEntry,
  type ExecResult,
  type FileInfo,
  type FileType,
  type FollowOption,
  type FsStats,
  type InterfaceAddress,
  type ProcessIdentity,
  type Target,
  type TargetCapability,
  type TargetDescription,
  type Uname,
} from './target.js';

/** Metadata any entry may declare. */
interface MockMeta {
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Extended attributes by name (`system.posix_acl_access`, `security.selinux`). */
  readonly xattrs?: Readonly<Record<string, string | Buffer>>;
}
/** A file: its text, or its text with metadata. */
export type MockFile = string | Buffer | (MockMeta & { readonly content?: string | Buffer });
/** A directory (possibly empty) with its metadata. */
export interface MockDirectory extends MockMeta {
  readonly dir: true;
}
export interface MockSymlink {
  readonly symlink: string;
}
/** A device node. */
export interface MockDevice extends MockMeta {
  readonly device: 'character' | 'block';
}
/** An entry that exists for stat and lstat, but whose reading (or listing) fails with `error` (an errno code, EACCES say). */
export interface MockFailing extends MockMeta {
  readonly error: string;
  /** Default regular. */
  readonly type?: FileType;
}
export type MockEntry = MockFile | MockDirectory | MockSymlink | MockDevice | MockFailing;

export interface MockPackage {
  readonly name: string;
  /** Default 1.0-1. */
  readonly version?: string;
  /** Default amd64. */
  readonly arch?: string;
}

export interface MockTargetSpec {
  /** By absolute path. */
  readonly files?: Readonly<Record<string, MockEntry>>;
  /** Installed packages: names, or name → version. */
  readonly packages?: ReadonlyArray<string | MockPackage> | Readonly<Record<string, string>>;
  /** Kernel parameters of the running kernel, by dotted name. */
  readonly sysctl?: Readonly<Record<string, string | number>>;
  /** Loaded systemd units and their properties (LoadState, ActiveState, SubState, UnitFileState, ...). */
  readonly units?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly name?: string;
  /** Default memory. A test may stand in for another kind (offline-root). */
  readonly kind?: Target['kind'];
  /** Exactly these capabilities; by default `kernel` when `sysctl` is declared and `services` when `units` is. */
  readonly capabilities?: readonly TargetCapability[];
  /**
   * Device numbers by path: everything at or below a listed path reports
   * that device (the longest listed path wins), as a mount point would;
   * anything else is on device 1.
   */
  readonly devices?: Readonly<Record<string, number>>;
  /** statfs answers by mount point (the longest at or above a path wins); elsewhere a 4 KiB-block filesystem with nothing in it. */
  readonly filesystems?: Readonly<Record<string, Partial<FsStats>>>;
  /** The running kernel's uname (also the architecture); absent, describe() has none. */
  readonly uname?: Uname;
  /** The interfaces' addresses describe() lists. */
  readonly interfaces?: readonly InterfaceAddress[];
  /** The process reading the target (self()), when it has `processes`. Default pid 1, root. */
  readonly process?: ProcessIdentity;
}

interface Node {
  readonly type: 'regular' | 'directory' | 'symlink' | 'character' | 'block';
  readonly content: Buffer;
  readonly link: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly ino: number;
  readonly xattrs: ReadonlyMap<string, Buffer>;
  /** Reading or listing fails with this errno code. */
  readonly error?: string;
}

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const TYPE_BITS: Record<Node['type'], number> = { regular: S_IFREG, directory: S_IFDIR, symlink: S_IFLNK, character: 0o020000, block: 0o060000 };
const DEFAULT_MODE: Record<Node['type'], number> = { regular: 0o644, directory: 0o755, symlink: 0o777, character: 0o620, block: 0o660 };
const EMPTY_FS: FsStats = { type: 0x01021994, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0 };
const DEFAULT_UNIT: Readonly<Record<string, string>> = { LoadState: 'loaded', ActiveState: 'active', SubState: 'running', UnitFileState: 'enabled' };

function norm(path: string): string {
  return `/${splitPath(path).join('/')}`;
}

const parentOf = (p: string): string => (p.lastIndexOf('/') <= 0 ? '/' : p.slice(0, p.lastIndexOf('/')));

/** Sets the declared extended attributes on host path `p`. */
function writeXattrs(p: string, xattrs: MockMeta['xattrs']): void {
  if (!xattrs) return;
  const { setAttributeSync } = createRequire(import.meta.url)('@napi-rs/xattr') as { setAttributeSync(path: string, name: string, value: Uint8Array | string): void };
  for (const [name, v] of Object.entries(xattrs)) setAttributeSync(p, name, v);
}

/** A dpkg status database listing `packages`. */
export function dpkgStatus(packages: readonly MockPackage[]): string {
  return packages
    .map((p) => `Package: ${p.name}\nStatus: install ok installed\nPriority: optional\nArchitecture: ${p.arch ?? 'amd64'}\nVersion: ${p.version ?? '1.0-1'}\nDescription: ${p.name}\n`)
    .join('\n');
}

function packageList(spec: MockTargetSpec['packages']): MockPackage[] {
  if (!spec) return [];
  if (Array.isArray(spec)) return (spec as ReadonlyArray<string | MockPackage>).map((p) => (typeof p === 'string' ? { name: p } : p));
  return Object.entries(spec as Record<string, string>).map(([name, version]) => ({ name, version }));
}

/** systemd's object path for a unit name. */
function unitPath(name: string): string {
  return `/org/freedesktop/systemd1/unit/${name.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;
}

/** A string as busctl prints it: quoted, C-escaped. */
function quoted(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

/** The longest listed path at or above `path`, and its value. */
function longestPrefix<T>(list: ReadonlyArray<readonly [string, T]>, path: string): T | undefined {
  let best: readonly [string, T] | undefined;
  for (const e of list) {
    const p = e[0];
    if ((p === '/' || path === p || path.startsWith(`${p}/`)) && (!best || p.length > best[0].length)) best = e;
  }
  return best?.[1];
}

export class MockTarget implements Target {
  readonly kind: Target['kind'];
  readonly name: string;
  private readonly nodes = new Map<string, Node>();
  private readonly caps = new Set<TargetCapability>();
  private readonly units: ReadonlyMap<string, Readonly<Record<string, string>>>;
  private readonly devices: ReadonlyArray<readonly [string, number]>;
  private readonly filesystems: ReadonlyArray<readonly [string, Partial<FsStats>]>;
  private nextIno = 2;

  constructor(private readonly spec: MockTargetSpec = {}) {
    this.name = spec.name ?? 'mock';
    this.kind = spec.kind ?? 'memory';
    this.devices = Object.entries(spec.devices ?? {}).map(([p, d]) => [norm(p), d] as const);
    this.filesystems = Object.entries(spec.filesystems ?? {}).map(([p, f]) => [norm(p), f] as const);
    this.dir('/', { dir: true });
    for (const [path, entry] of Object.entries(spec.files ?? {})) this.add(path, entry);
    const packages = packageList(spec.packages);
    if (packages.length > 0 || spec.packages !== undefined) {
      if (this.nodes.has('/var/lib/dpkg/status')) throw new Error('declare packages or /var/lib/dpkg/status, not both');
      this.add('/var/lib/dpkg/status', dpkgStatus(packages));
    }
    if (spec.sysctl) {
      this.caps.add('kernel');
      for (const [name, v] of Object.entries(spec.sysctl)) this.add(`/proc/sys/${name.replace(/\./g, '/')}`, { content: `${v}\n`, mode: 0o644 });
    }
    this.units = new Map(Object.entries(spec.units ?? {}).map(([u, props]) => [u, { ...DEFAULT_UNIT, ...props }]));
    if (spec.units) this.caps.add('services');
    if (spec.capabilities) {
      this.caps.clear();
      for (const c of spec.capabilities) this.caps.add(c);
    }
  }

  private node(type: Node['type'], opts: MockMeta & { content?: Buffer; link?: string; error?: string }): Node {
    const perm = (opts.mode ?? DEFAULT_MODE[type]) & 0o7777;
    const xattrs = new Map(Object.entries(opts.xattrs ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
    return {
      type,
      content: opts.content ?? Buffer.alloc(0),
      link: opts.link ?? '',
      mode: TYPE_BITS[type] | perm,
      uid: opts.uid ?? 0,
      gid: opts.gid ?? 0,
      ino: this.nextIno++,
      xattrs,
      ...(opts.error !== undefined ? { error: opts.error } : {}),
    };
  }

  private dir(path: string, d: MockDirectory): void {
    this.nodes.set(path, this.node('directory', d));
  }

  /** Adds (or replaces) an entry; missing parent directories are created. */
  add(path: string, entry: MockEntry): void {
    const p = norm(path);
    for (let q = parentOf(p); ; q = parentOf(q)) {
      const existing = this.nodes.get(q);
      if (existing && existing.type !== 'directory') throw new Error(`${q} is not a directory, so ${p} cannot be added`);
      if (!existing) this.dir(q, { dir: true });
      if (q === '/') break;
    }
    if (typeof entry === 'string' || Buffer.isBuffer(entry)) {
      this.nodes.set(p, this.node('regular', { content: Buffer.from(entry) }));
    } else if ('dir' in entry) {
      this.dir(p, entry);
    } else if ('symlink' in entry) {
      this.nodes.set(p, this.node('symlink', { link: entry.symlink }));
    } else if ('device' in entry) {
      this.nodes.set(p, this.node(entry.device, entry));
    } else if ('error' in entry) {
      const type = entry.type === 'directory' || entry.type === 'character' || entry.type === 'block' || entry.type === 'symlink' ? entry.type : 'regular';
      this.nodes.set(p, this.node(type, entry));
    } else {
      this.nodes.set(p, this.node('regular', { ...entry, content: Buffer.from(entry.content ?? '') }));
    }
  }

  has(capability: TargetCapability): boolean {
    return this.caps.has(capability);
  }

  /** Resolves links in `path` (the last component too when `followLast`); returns the real path. */
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
      const n = this.nodes.get(here);
      if (!n) throw new TargetError('ENOENT', path);
      const last = pending.length === 0;
      if (n.type === 'symlink' && (!last || followLast)) {
        if (++links > 40) throw new TargetError('ELOOP', path);
        if (n.link.startsWith('/')) done.length = 0;
        const parts = n.link.split('/').filter((x) => x !== '' && x !== '.');
        for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i]!);
        continue;
      }
      if (!last && n.type !== 'directory') throw new TargetError('ENOTDIR', path);
      done.push(c);
    }
    return `/${done.join('/')}`;
  }

  private info(path: string, real: string): FileInfo {
    const n = this.nodes.get(real)!;
    const size = n.type === 'symlink' ? Buffer.byteLength(n.link) : n.content.length;
    const dev = longestPrefix(this.devices, real) ?? 1;
    return { path, type: n.type as FileType, mode: n.mode, uid: n.uid, gid: n.gid, size, dev, ino: n.ino, nlink: 1, atimeMs: 0, mtimeMs: 0, ctimeMs: 0 };
  }

  /** The content of the file `path` points at. */
  private content(path: string, opts: ReadOptions = {}): Buffer {
    const n = this.nodes.get(this.resolve(path, true))!;
    if (n.error !== undefined) throw new TargetError(n.error, path);
    if (n.type === 'directory') throw new TargetError('EISDIR', path);
    if (n.type !== 'regular' && !opts.special) throw notRegular(path, n.type);
    const limit = opts.maxBytes ?? DEFAULT_READ_LIMIT;
    if (n.content.length > limit) throw tooLarge(path, limit);
    return n.content;
  }

  async describe(opts: Abortable = {}): Promise<TargetDescription> {
    const files = await describeFromFiles(this, opts);
    const uname = this.spec.uname;
    // a running kernel's host name wins over /etc/hostname, as on a live host
    return {
      ...files,
      ...(uname ? { hostname: uname.nodename, uname, architecture: uname.machine } : {}),
      interfaces: [...(this.spec.interfaces ?? [])],
    };
  }

  async readFile(path: string, opts: ReadOptions = {}): Promise<Buffer> {
    throwIfAborted(opts.signal, path);
    return this.content(path, opts);
  }

  async readRange(path: string, offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw new TargetError('EINVAL', path, `bad range: ${offset}+${length}`);
    return Buffer.from(this.content(path).subarray(offset, offset + length));
  }

  async statfs(path: string): Promise<FsStats> {
    const real = this.resolve(path, true);
    const failing = this.nodes.get(real)?.error;
    if (failing !== undefined) throw new TargetError(failing, path);
    return { ...EMPTY_FS, ...longestPrefix(this.filesystems, real) };
  }

  async self(): Promise<ProcessIdentity> {
    if (!this.caps.has('processes')) throw new TargetError('ENOTSUP', '/proc/self', 'this target has no processes');
    return this.spec.process ?? { pid: 1, uid: 0, gid: 0, user: 'root' };
  }

  async listxattr(path: string, opts: FollowOption = {}): Promise<string[]> {
    return [...this.nodes.get(this.resolve(path, opts.follow === true))!.xattrs.keys()];
  }

  async getxattr(path: string, name: string, opts: FollowOption = {}): Promise<Buffer | undefined> {
    return this.nodes.get(this.resolve(path, opts.follow === true))!.xattrs.get(name);
  }

  async close(): Promise<void> {
    // nothing is held
  }

  async lstat(path: string): Promise<FileInfo> {
    return this.info(path, this.resolve(path, false));
  }

  async stat(path: string): Promise<FileInfo> {
    return this.info(path, this.resolve(path, true));
  }

  async readdir(path: string): Promise<DirEntry[]> {
    const real = this.resolve(path, true);
    const dir = this.nodes.get(real)!;
    if (dir.error !== undefined) throw new TargetError(dir.error, path);
    if (dir.type !== 'directory') throw new TargetError('ENOTDIR', path);
    const prefix = real === '/' ? '/' : `${real}/`;
    const out: DirEntry[] = [];
    for (const [p, n] of this.nodes) {
      if (p.length > prefix.length && p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) out.push({ name: p.slice(prefix.length), type: n.type as FileType });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async readlink(path: string): Promise<string> {
    const n = this.nodes.get(this.resolve(path, false))!;
    if (n.type !== 'symlink') throw new TargetError('EINVAL', path);
    return n.link;
  }

  async realpath(path: string): Promise<string> {
    return this.resolve(path, true);
  }

  /** Runs busctl against the declared units; no other program exists on a mock. */
  async exec(file: string, args: readonly string[], opts: Abortable = {}): Promise<ExecResult> {
    throwIfAborted(opts.signal, file);
    if (file !== 'busctl' || !this.caps.has('services')) throw new TargetError('ENOENT', file, `${file}: not found on the mock target`);
    const [dashdash, verb, dest, objPath, iface, method] = args;
    if (dashdash !== '--' || verb !== 'call' || dest !== SYSTEMD_DEST) return { code: 1, stdout: '', stderr: `Call failed: not supported by the mock: ${args.join(' ')}\n` };
    if (objPath === MANAGER_PATH && method === 'ListUnits') {
      const rows = [...this.units].map(([name, p]) => [quoted(name), quoted(p['Description'] ?? name), quoted(p['LoadState']!), quoted(p['ActiveState']!), quoted(p['SubState']!), '""', quoted(unitPath(name)), '0', '""', '"/"'].join(' '));
      return { code: 0, stdout: `a(ssssssouso) ${rows.length}${rows.map((r) => ` ${r}`).join('')}\n`, stderr: '' };
    }
    if (iface === 'org.freedesktop.DBus.Properties' && method === 'GetAll') {
      const unit = [...this.units].find(([name]) => unitPath(name) === objPath);
      if (!unit) return { code: 1, stdout: '', stderr: `Call failed: Unknown object '${objPath}'.\n` };
      const props = Object.entries({ Id: unit[0], ...unit[1] });
      return { code: 0, stdout: `a{sv} ${props.length}${props.map(([k, v]) => ` ${quoted(k)} s ${quoted(v)}`).join('')}\n`, stderr: '' };
    }
    return { code: 1, stdout: '', stderr: `Call failed: not supported by the mock: ${method ?? ''}\n` };
  }
}

/** A mock target holding what `spec` declares. */
export function mockTarget(spec: MockTargetSpec = {}): MockTarget {
  return new MockTarget(spec);
}

/**
 * Writes what `spec` declares as a directory tree under `dir` (files with
 * their modes, links, the dpkg database; owners too when run as root), so
 * that tools which scan offline roots (`vigil scan --root`, oscap with
 * OSCAP_PROBE_ROOT) can read the same system. Kernel parameters and units
 * are live state and are not written. Extended attributes are written
 * (trusted.* and security.* need root); device nodes and failing entries
 * are refused, as a plain directory tree cannot hold them.
 */
export function writeMockRoot(dir: string, spec: MockTargetSpec): void {
  const canChown = process.getuid?.() === 0;
  const files: Array<[string, MockEntry]> = Object.entries(spec.files ?? {});
  const packages = packageList(spec.packages);
  if (packages.length > 0 || spec.packages !== undefined) files.push(['/var/lib/dpkg/status', dpkgStatus(packages)]);
  files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const modes: Array<[string, number, number, number]> = [];
  mkdirSync(dir, { recursive: true });
  for (const [path, e] of files) {
    const p = join(dir, norm(path));
    mkdirSync(dirname(p), { recursive: true });
    if (typeof e === 'string' || Buffer.isBuffer(e)) {
      writeFileSync(p, e);
      modes.push([p, 0o644, 0, 0]);
    } else if ('symlink' in e) {
      symlinkSync(e.symlink, p);
    } else if ('device' in e || 'error' in e) {
      throw new Error(`${path}: a mock root on disk cannot hold a device node or a failing entry`);
    } else if ('dir' in e) {
      mkdirSync(p, { recursive: true });
      modes.push([p, e.mode ?? 0o755, e.uid ?? 0, e.gid ?? 0]);
      writeXattrs(p, e.xattrs);
    } else {
      writeFileSync(p, e.content ?? '');
      modes.push([p, e.mode ?? 0o644, e.uid ?? 0, e.gid ?? 0]);
      writeXattrs(p, e.xattrs);
    }
  }
  // Deepest first, so that a mode taking a permission away never stops the rest.
  for (const [p, mode, uid, gid] of modes.reverse()) {
    if (canChown) chownSync(p, uid, gid);
    chmodSync(p, mode);
  }
}

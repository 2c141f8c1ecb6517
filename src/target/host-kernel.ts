/**
 * A root whose kernel is the scanning host's: a chroot, or the root of a
 * running container seen from the host (as oscap-podman scans one). Its
 * files are the root's, confined to it as offline; its live kernel state
 * (`/proc`, `/sys`: sysctl values, uname, mounts, interfaces) is this
 * host's, because that is the kernel it runs on. Asked for explicitly
 * (`--host-kernel`): an image on disk has no kernel, and lending it the
 * scanner's would describe the wrong machine.
 */
import type { Abortable, ReadOptions, DirEntry, DirHandle, ExecOptions, ExecResult, FileInfo, FollowOption, FsStats, ProcessIdentity, Target, TargetCapability, TargetDescription } from './target.js';
import { splitPath, TargetError } from './target.js';

/** The top-level directories whose contents the kernel makes: read from the host. */
const KERNEL_TREES: ReadonlySet<string> = new Set(['proc', 'sys']);

/** `path` with `.` and `..` resolved as text (`..` stops at /): where it points before any link. */
function lexical(path: string): string[] {
  const out: string[] = [];
  for (const c of splitPath(path)) {
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out;
}

/** True when `path`, with `..` resolved as text, lies in a tree the kernel makes (/proc, /sys). */
export function isKernelPath(path: string): boolean {
  const first = lexical(path)[0];
  return first !== undefined && KERNEL_TREES.has(first);
}

class HostKernelTarget implements Target {
  readonly kind: Target['kind'];
  readonly name: string;

  constructor(
    private readonly root: Target,
    private readonly host: Target,
  ) {
    this.kind = root.kind;
    this.name = root.name;
  }

  /**
   * Runs `op` on the host for a kernel path, else on the root. On the host,
   * a path that follows links must end inside /proc or /sys: a link such as
   * /proc/1/root leads to this host's own files, which are not the root's.
   */
  private async on<T>(path: string, follows: boolean, op: (t: Target, p: string) => Promise<T>): Promise<T> {
    if (!isKernelPath(path)) return op(this.root, path);
    const p = `/${lexical(path).join('/')}`;
    if (follows) {
      const real = await this.host.realpath(p);
      if (!isKernelPath(real)) throw new TargetError('EACCES', path, `${path} leads to ${real}, outside this host's /proc and /sys`);
    }
    return op(this.host, p);
  }

  has(capability: TargetCapability): boolean {
    return capability === 'kernel' || this.root.has(capability);
  }

  /** The root's host name and os-release, with this host's kernel: its uname and architecture (interfaces too: a chroot shares this host's network). */
  async describe(opts?: Abortable): Promise<TargetDescription> {
    const [root, host] = await Promise.all([this.root.describe(opts), this.host.describe(opts)]);
    return {
      ...root,
      ...(host.uname ? { uname: host.uname } : {}),
      ...(host.architecture !== undefined ? { architecture: host.architecture } : {}),
      interfaces: host.interfaces,
    };
  }

  readFile(path: string, opts?: ReadOptions): Promise<Buffer> {
    return this.on(path, true, (t, p) => t.readFile(p, opts));
  }

  readRange(path: string, offset: number, length: number): Promise<Buffer> {
    return this.on(path, true, (t, p) => t.readRange(p, offset, length));
  }

  statfs(path: string): Promise<FsStats> {
    return this.on(path, true, (t, p) => t.statfs(p));
  }

  /** The root's: a chroot's processes are not this process. */
  self(): Promise<ProcessIdentity> {
    return this.root.self();
  }

  listxattr(path: string, opts?: FollowOption): Promise<string[]> {
    return this.on(path, opts?.follow === true, (t, p) => t.listxattr(p, opts));
  }

  getxattr(path: string, name: string, opts?: FollowOption): Promise<Buffer | undefined> {
    return this.on(path, opts?.follow === true, (t, p) => t.getxattr(p, name, opts));
  }

  async close(): Promise<void> {
    await Promise.all([this.root.close(), this.host.close()]);
  }

  lstat(path: string): Promise<FileInfo> {
    return this.on(path, false, (t, p) => t.lstat(p));
  }

  stat(path: string): Promise<FileInfo> {
    return this.on(path, true, (t, p) => t.stat(p));
  }

  readdir(path: string): Promise<DirEntry[]> {
    return this.on(path, true, (t, p) => t.readdir(p));
  }

  readlink(path: string): Promise<string> {
    return this.on(path, false, (t, p) => t.readlink(p));
  }

  realpath(path: string): Promise<string> {
    return this.on(path, true, (t, p) => t.realpath(p));
  }

  onDir(path: string, rootDir: (p: string) => Promise<DirHandle>, hostDir: (p: string) => Promise<DirHandle>): Promise<DirHandle> {
    return this.on(path, true, (t, p) => (t === this.host ? hostDir(p) : rootDir(p)));
  }

  openDir?: (path: string) => Promise<DirHandle>;
  exec?: (file: string, args: readonly string[], opts?: ExecOptions) => Promise<ExecResult>;
}

/**
 * `root` with this host's kernel: paths under /proc and /sys are read on
 * `host`, everything else inside `root`, and the target has the `kernel`
 * capability. Other capabilities are the root's (none offline): the host's
 * process table and service manager are not the root's. A walk that
 * reaches proc or sys from a directory above them lists the root's own
 * directory (for a chroot, whatever is mounted there).
 */
export function hostKernelTarget(root: Target, host: Target): Target {
  const t = new HostKernelTarget(root, host);
  const [rootDir, hostDir] = [root.openDir?.bind(root), host.openDir?.bind(host)];
  // Without openDir on both, walks fall back on path calls, which are routed the same way.
  if (rootDir && hostDir) t.openDir = (path) => t.onDir(path, rootDir, hostDir);
  if (root.exec) t.exec = root.exec.bind(root);
  return t;
}

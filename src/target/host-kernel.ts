/**
 * A root whose kernel is the scanning host's: a chroot, or the root of a
 * running container seen from the host (as oscap-podman scans one). Its
 * files are the root's, confined to it as offline; its live kernel state
 * (`/proc`, `/sys`: sysctl values, uname, mounts, interfaces) is this
 * host's, because that is the kernel it runs on. Asked for explicitly
 * (`--host-kernel`): an image on disk has no kernel, and lending it the
 * scanner's would describe the wrong machine.
 */
import type { DirHandle, ExecResult, FileInfo, DirEntry, Target, TargetCapability } from './target.js';
import { splitPath } from './target.js';

/** The top-level directories whose contents the kernel makes: read from the host. */
const KERNEL_TREES: ReadonlySet<string> = new Set(['proc', 'sys']);

/** True when `path` lies in a tree the kernel makes (its first component, as written, is proc or sys). */
export function isKernelPath(path: string): boolean {
  const first = splitPath(path)[0];
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

  private pick(path: string): Target {
    return isKernelPath(path) ? this.host : this.root;
  }

  has(capability: TargetCapability): boolean {
    return capability === 'kernel' || this.root.has(capability);
  }

  readFile(path: string): Promise<Buffer> {
    return this.pick(path).readFile(path);
  }

  lstat(path: string): Promise<FileInfo> {
    return this.pick(path).lstat(path);
  }

  stat(path: string): Promise<FileInfo> {
    return this.pick(path).stat(path);
  }

  readdir(path: string): Promise<DirEntry[]> {
    return this.pick(path).readdir(path);
  }

  readlink(path: string): Promise<string> {
    return this.pick(path).readlink(path);
  }

  realpath(path: string): Promise<string> {
    return this.pick(path).realpath(path);
  }

  openDir?: (path: string) => Promise<DirHandle>;
  exec?: (file: string, args: readonly string[], opts?: { timeoutMs?: number }) => Promise<ExecResult>;
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
  if (rootDir && hostDir) t.openDir = (path) => (isKernelPath(path) ? hostDir(path) : rootDir(path));
  if (root.exec) t.exec = root.exec.bind(root);
  return t;
}

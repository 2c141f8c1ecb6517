/**
 * A Target that fails where a test says: it wraps any Target and makes the
 * chosen operations on the chosen paths (exact, or everything under a
 * prefix) reject with a chosen errno (EACCES, EIO, ETIMEDOUT, ELOOP...),
 * including the calls made through a directory handle (`openDir`,
 * `DirHandle.entries`, `lstat`, `stat`, `openChild`). Everything else goes
 * to the wrapped target unchanged.
 *
 * A listing that examines its entries leaves out the lstat of an entry whose
 * lstat is failed, as a real listing does for an entry it cannot examine, so
 * that the walk asks, and fails.
 */
import { childPath, openDirectory, TargetError, wrapTarget, type DirEntry, type DirHandle, type Examine, type ExecOptions, type ExecResult, type FileInfo, type Target } from '../target/target.js';

/**
 * The operations a fault can fail. `readFile` is whole and ranged reads;
 * `list` is readdir and DirHandle.entries; `open` is openDir and
 * openChild; `xattr` is listxattr and getxattr; `describe` is Target.describe
 * (on path `/`).
 */
export type FaultOp = 'readFile' | 'lstat' | 'stat' | 'list' | 'readlink' | 'realpath' | 'open' | 'exec' | 'statfs' | 'xattr' | 'describe';

export const FAULT_OPS: readonly FaultOp[] = ['readFile', 'lstat', 'stat', 'list', 'readlink', 'realpath', 'open', 'exec', 'statfs', 'xattr', 'describe'];

export interface Fault {
  /** A target path. */
  readonly path: string;
  /** Fail everything under `path` too. */
  readonly prefix?: boolean;
  /** The operations to fail; all of them when absent. */
  readonly ops?: readonly FaultOp[];
  /** The errno-style code, e.g. 'EACCES'. */
  readonly code: string;
}

/** A failed call, as the test may want to see it. */
export interface FaultHit {
  readonly op: FaultOp;
  readonly path: string;
  readonly code: string;
}

export interface FaultTarget extends Target {
  /** Every call the faults failed, in order. */
  readonly hits: readonly FaultHit[];
}

function covers(f: Fault, op: FaultOp, path: string): boolean {
  if (f.ops && !f.ops.includes(op)) return false;
  if (path === f.path) return true;
  if (!f.prefix) return false;
  return f.path === '/' ? path.startsWith('/') : path.startsWith(`${f.path}/`);
}

/** `inner`, failing the calls `faults` cover. */
export function faultTarget(inner: Target, faults: readonly Fault[]): FaultTarget {
  const hits: FaultHit[] = [];
  const check = (op: FaultOp, path: string): void => {
    const f = faults.find((x) => covers(x, op, path));
    if (!f) return;
    hits.push({ op, path, code: f.code });
    throw new TargetError(f.code, path, `${f.code}: ${path} (injected)`);
  };
  const fails = (op: FaultOp, path: string): boolean => faults.some((x) => covers(x, op, path));
  const guard = async <T>(op: FaultOp, path: string, call: () => Promise<T>): Promise<T> => {
    check(op, path);
    return call();
  };

  const wrapDir = (h: DirHandle): DirHandle => {
    const at = (name: string): string => childPath(h.path, name);
    const handle: DirHandle = {
      path: h.path,
      info: h.info,
      entries: async (examine?: Examine): Promise<DirEntry[]> => {
        check('list', h.path);
        const list = await h.entries(examine);
        // an entry whose lstat fails is listed unexamined, as a real listing leaves it
        return list.map((e) => (e.info && fails('lstat', at(e.name)) ? { name: e.name, type: e.type } : e));
      },
      lstat: (name: string): Promise<FileInfo> => guard('lstat', at(name), () => h.lstat(name)),
      stat: (name: string): Promise<FileInfo> => guard('stat', at(name), () => h.stat(name)),
      openChild: async (name: string): Promise<DirHandle> => {
        check('open', at(name));
        return wrapDir(await h.openChild(name));
      },
    };
    const sub = h.subdirectory;
    if (sub) handle.subdirectory = (name: string, info: FileInfo): DirHandle => wrapDir(sub.call(h, name, info));
    return handle;
  };

  const target: FaultTarget = {
    ...wrapTarget(inner, {
      describe: (o) => guard('describe', '/', () => inner.describe(o)),
      readFile: (p, o) => guard('readFile', p, () => inner.readFile(p, o)),
      readRange: (p, off, len) => guard('readFile', p, () => inner.readRange(p, off, len)),
      statfs: (p) => guard('statfs', p, () => inner.statfs(p)),
      listxattr: (p, o) => guard('xattr', p, () => inner.listxattr(p, o)),
      getxattr: (p, n, o) => guard('xattr', p, () => inner.getxattr(p, n, o)),
      lstat: (p) => guard('lstat', p, () => inner.lstat(p)),
      stat: (p) => guard('stat', p, () => inner.stat(p)),
      readdir: (p) => guard('list', p, () => inner.readdir(p)),
      readlink: (p) => guard('readlink', p, () => inner.readlink(p)),
      realpath: (p) => guard('realpath', p, () => inner.realpath(p)),
      openDir: async (p) => {
        check('open', p);
        return wrapDir(await openDirectory(inner, p));
      },
      ...(inner.exec
        ? {
            exec: (file: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult> => guard('exec', file, () => inner.exec!(file, args, opts)),
          }
        : {}),
    }),
    hits,
  };
  return target;
}

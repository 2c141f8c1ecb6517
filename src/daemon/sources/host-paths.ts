/**
 * Target paths as host paths, for the event sources: `/etc/x` of an offline
 * root `R` is `R/etc/x`, joined as text (`.` and `..` resolved lexically,
 * `..` stopping at the root), never through a link: what is watched is the
 * directory named, confined to the root.
 */
import { lstatSync, readlinkSync, statSync, type Stats } from 'node:fs';

/** The components of `path` with `.` and `..` resolved as text (`..` stops at /). */
export function components(path: string): string[] {
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out;
}

export function targetOf(comps: readonly string[]): string {
  return '/' + comps.join('/');
}

/** Maps target paths to host paths under `root` (or this host's own when absent). */
export class HostMap {
  /** `root` without a trailing slash; '' for this host. */
  readonly root: string;

  constructor(root?: string) {
    this.root = root === undefined ? '' : components(root).length === 0 ? '' : targetOf(components(root));
  }

  get offline(): boolean {
    return this.root !== '';
  }

  host(comps: readonly string[]): string {
    if (comps.length === 0) return this.root === '' ? '/' : this.root;
    return this.root + '/' + comps.join('/');
  }

  /**
   * Where the target path `comps` leads with its symbolic links resolved
   * inside the root, as the offline target resolves them (an absolute link
   * starts again at the root; `..` stops there), or undefined when it leads
   * nowhere (a missing component, more than 40 links).
   */
  resolve(comps: readonly string[]): string[] | undefined {
    const todo = [...comps];
    const out: string[] = [];
    let hops = 0;
    while (todo.length > 0) {
      const c = todo.shift()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        out.pop();
        continue;
      }
      out.push(c);
      let st: Stats;
      try {
        st = lstatSync(this.host(out));
      } catch {
        return undefined;
      }
      if (!st.isSymbolicLink()) continue;
      if (++hops > 40) return undefined;
      let link: string;
      try {
        link = readlinkSync(this.host(out), 'utf8');
      } catch {
        return undefined;
      }
      out.pop();
      if (link.startsWith('/')) out.length = 0;
      todo.unshift(...link.split('/'));
    }
    return out;
  }
}

/**
 * An lstat signature: what a change to a path changes (or `-` when it is
 * absent). A directory's size, times and link count change with its
 * entries, which its parent's watch does not report (its own watch does,
 * when it is listed): they are left out, so that a directory's signature
 * changes with what the parent reports of it (mode, owner, identity).
 */
export function signature(st: Stats | undefined): string {
  if (!st) return '-';
  if (st.isDirectory()) return `d:${st.ino}:${st.mode}:${st.uid}:${st.gid}`;
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.mode}:${st.uid}:${st.gid}:${st.nlink}`;
}

export function lstatOrUndefined(host: string): Stats | undefined {
  try {
    return lstatSync(host);
  } catch {
    return undefined;
  }
}

/** What a directory on a path to a watch is: a directory to descend, something else, or nothing. */
export type Step = 'dir' | 'other' | 'missing';

/**
 * Per-update cache of what each prefix of a path is. Under an offline root
 * a symbolic link is never descended (`other`): its own parent is watched,
 * and the target paths it leads to are in the read set in their own right.
 * On this host a link to a directory is a directory (inotify follows it).
 */
export class StepCache {
  private readonly steps = new Map<string, Step>();

  constructor(private readonly map: HostMap) {}

  step(comps: readonly string[], n: number): Step {
    const host = this.map.host(comps.slice(0, n));
    let s = this.steps.get(host);
    if (s === undefined) {
      let st: Stats | undefined;
      try {
        st = this.map.offline ? lstatSync(host) : statSync(host);
      } catch {
        st = undefined;
      }
      s = !st ? 'missing' : st.isDirectory() ? 'dir' : 'other';
      this.steps.set(host, s);
    }
    return s;
  }

  /** How many leading components of `comps` (at most `limit`) are directories that can be watched. */
  depthOfDirs(comps: readonly string[], limit: number): number {
    let k = 0;
    while (k < limit && this.step(comps, k + 1) === 'dir') k++;
    return k;
  }
}

/**
 * Locating files for the file-based objects (file, textfilecontent54,
 * filehash58, xmlfilecontent, yamlfilecontent, symlink): `filepath`, or
 * `path` + `filename`, with the recursion behaviors (max_depth,
 * recurse_direction, recurse, recurse_file_system), as OVAL 5.11 defines
 * them and OpenSCAP's oval_fts implements them.
 */
import { isNotFound, type DirEntry, type FileInfo, type Target } from '../../target/target.js';
import type { ProbeRequest, ResolvedEntity } from '../types.js';
import { entityMatches } from './entity.js';

export interface LocatedFile {
  /** Directory part (the item's `path`). */
  readonly path: string;
  /** File name, or undefined for a directory matched with a nil filename. */
  readonly filename?: string;
  /** Full path. */
  readonly filepath: string;
  /** lstat of the located entry. */
  readonly info: FileInfo;
}

const REGEX_META = new Set(['.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '\\', '$', '^']);

/**
 * The literal directory a pattern is anchored in: `^/etc/apt/apt.conf.d/.*$` →
 * `/etc/apt/apt.conf.d`. Walking starts there instead of at `/`.
 */
export function patternBaseDir(pattern: string): string {
  if (!pattern.startsWith('^')) return '/';
  let lit = '';
  for (let i = 1; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next !== undefined && /[./\-_ ]/.test(next)) {
        lit += next;
        i++;
        continue;
      }
      break;
    }
    if (REGEX_META.has(ch)) {
      // a quantifier applies to the previous literal character, which is then not certain
      if (ch === '*' || ch === '?' || ch === '{') lit = lit.slice(0, -1);
      break;
    }
    lit += ch;
  }
  if (!lit.startsWith('/')) return '/';
  const slash = lit.lastIndexOf('/');
  return slash <= 0 ? '/' : lit.slice(0, slash);
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Filesystem types never descended into with recurse_file_system="local". */
const NON_LOCAL_FS = new Set(['proc', 'sysfs', 'devtmpfs', 'devpts', 'cgroup', 'cgroup2', 'securityfs', 'debugfs', 'tracefs', 'pstore', 'bpf', 'mqueue', 'hugetlbfs', 'fusectl', 'configfs', 'binfmt_misc', 'autofs', 'nfs', 'nfs4', 'cifs', 'smb3', 'sshfs', 'fuse.sshfs', 'ceph', 'glusterfs', 'afs', '9p']);

interface Behaviors {
  readonly maxDepth: number;
  readonly direction: 'none' | 'up' | 'down';
  readonly followSymlinks: boolean;
  readonly intoDirectories: boolean;
  readonly fileSystem: 'all' | 'local' | 'defined';
}

function behaviorsOf(req: ProbeRequest): Behaviors {
  const b = req.behaviors;
  const recurse = b['recurse'] ?? 'symlinks and directories';
  const dir = b['recurse_direction'] ?? 'none';
  return {
    maxDepth: b['max_depth'] === undefined ? -1 : Number.parseInt(b['max_depth'], 10),
    direction: dir === 'up' || dir === 'down' ? dir : 'none',
    followSymlinks: recurse.includes('symlinks'),
    intoDirectories: recurse.includes('directories'),
    fileSystem: b['recurse_file_system'] === 'local' ? 'local' : b['recurse_file_system'] === 'defined' ? 'defined' : 'all',
  };
}

/** Mount points to prune for recurse_file_system="local" (live targets only). */
async function nonLocalMounts(target: Target): Promise<Set<string>> {
  const out = new Set<string>();
  if (!target.has('kernel')) return out;
  try {
    const text = (await target.readFile('/proc/self/mounts')).toString('utf8');
    for (const line of text.split('\n')) {
      const [, mnt, type] = line.split(' ');
      if (mnt && type && NON_LOCAL_FS.has(type)) out.add(mnt.replace(/\\040/g, ' '));
    }
  } catch {
    // no mount table: nothing to prune
  }
  return out;
}

export class FileLocator {
  private mounts: Promise<Set<string>> | undefined;

  constructor(private readonly target: Target) {}

  private pruned(): Promise<Set<string>> {
    this.mounts ??= nonLocalMounts(this.target);
    return this.mounts;
  }

  /** Every entry the object's path entities and behaviors select. */
  async locate(req: ProbeRequest): Promise<LocatedFile[]> {
    const b = behaviorsOf(req);
    const filepath = req.entities.get('filepath');
    if (filepath) return this.byFilepath(filepath, b);
    const path = req.entities.get('path');
    if (!path) return [];
    const filename = req.entities.get('filename');
    const dirs = await this.directories(path, b);
    const out: LocatedFile[] = [];
    for (const dir of dirs) {
      if (!filename || filename.entity.nil) {
        const info = await this.lstatOrUndefined(dir);
        if (info) out.push({ path: dir, filepath: dir, info });
        continue;
      }
      if (filename.entity.operation === 'equals') {
        const fp = join(dir, filename.value);
        const info = await this.lstatOrUndefined(fp);
        if (info) out.push({ path: dir, filename: filename.value, filepath: fp, info });
        continue;
      }
      for (const e of await this.readdirOrEmpty(dir)) {
        if (!entityMatches(filename, e.name)) continue;
        const fp = join(dir, e.name);
        const info = await this.lstatOrUndefined(fp);
        if (info) out.push({ path: dir, filename: e.name, filepath: fp, info });
      }
    }
    return out;
  }

  private async byFilepath(fp: ResolvedEntity, b: Behaviors): Promise<LocatedFile[]> {
    if (fp.entity.operation === 'equals') {
      const info = await this.lstatOrUndefined(fp.value);
      return info ? [{ path: dirname(fp.value), filename: basename(fp.value), filepath: fp.value, info }] : [];
    }
    const base = fp.entity.operation === 'pattern match' ? patternBaseDir(fp.value) : '/';
    const out: LocatedFile[] = [];
    await this.walk(base, -1, b, async (dir, entries) => {
      for (const e of entries) {
        const full = join(dir, e.name);
        if (!entityMatches(fp, full)) continue;
        const info = await this.lstatOrUndefined(full);
        if (info) out.push({ path: dir, filename: e.name, filepath: full, info });
      }
    });
    return out;
  }

  /** The directories `path` selects, expanded by recurse_direction. */
  private async directories(path: ResolvedEntity, b: Behaviors): Promise<string[]> {
    let roots: string[];
    if (path.entity.operation === 'equals') {
      roots = (await this.isDirectory(path.value)) ? [path.value] : [];
    } else {
      roots = [];
      const base = path.entity.operation === 'pattern match' ? patternBaseDir(path.value) : '/';
      if (entityMatches(path, base) && (await this.isDirectory(base))) roots.push(base);
      await this.walk(base, -1, b, async (dir, entries) => {
        for (const e of entries) {
          if (e.type !== 'directory') continue;
          const full = join(dir, e.name);
          if (entityMatches(path, full)) roots.push(full);
        }
      });
    }
    if (b.direction === 'none' || b.maxDepth === 0) return roots;
    const out = new Set<string>(roots);
    for (const r of roots) {
      if (b.direction === 'down') {
        // `visit` sees a directory's entries, so walking to depth max_depth - 1 reaches max_depth levels.
        await this.walk(r, b.maxDepth < 0 ? -1 : b.maxDepth - 1, b, async (dir, entries) => {
          for (const e of entries) {
            const full = join(dir, e.name);
            if (e.type === 'directory' || (e.type === 'symlink' && b.followSymlinks && (await this.isDirectory(full)))) out.add(full);
          }
        });
      } else {
        let cur = r;
        for (let depth = 0; cur !== '/' && (b.maxDepth < 0 || depth < b.maxDepth); depth++) {
          cur = dirname(cur);
          out.add(cur);
        }
      }
    }
    return [...out];
  }

  /**
   * Visits `start` and the directories below it, depth-first, calling `visit`
   * with each directory's entries. `maxDepth` -1 is unlimited; 1 visits `start`
   * and its direct subdirectories.
   */
  async walk(start: string, maxDepth: number, b: Behaviors, visit: (dir: string, entries: readonly DirEntry[]) => Promise<void>): Promise<void> {
    const pruned = b.fileSystem === 'local' ? await this.pruned() : new Set<string>();
    const seen = new Set<string>();
    const rec = async (dir: string, depth: number): Promise<void> => {
      const info = await this.statOrUndefined(dir);
      if (!info) return;
      const key = `${info.dev}:${info.ino}`;
      if (seen.has(key)) return; // a symlink loop
      seen.add(key);
      const entries = await this.readdirOrEmpty(dir);
      await visit(dir, entries);
      if (maxDepth >= 0 && depth >= maxDepth) return;
      for (const e of entries) {
        const full = join(dir, e.name);
        if (pruned.has(full)) continue;
        if (e.type === 'directory' && b.intoDirectories) await rec(full, depth + 1);
        else if (e.type === 'symlink' && b.followSymlinks && (await this.isDirectory(full))) await rec(full, depth + 1);
      }
    };
    await rec(start, 0);
  }

  private async isDirectory(p: string): Promise<boolean> {
    return (await this.statOrUndefined(p))?.type === 'directory';
  }

  private async statOrUndefined(p: string): Promise<FileInfo | undefined> {
    try {
      return await this.target.stat(p);
    } catch (e) {
      if (isNotFound(e) || (e as { code?: string }).code === 'ELOOP' || (e as { code?: string }).code === 'EACCES') return undefined;
      throw e;
    }
  }

  private async lstatOrUndefined(p: string): Promise<FileInfo | undefined> {
    try {
      return await this.target.lstat(p);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private async readdirOrEmpty(p: string): Promise<DirEntry[]> {
    try {
      return await this.target.readdir(p);
    } catch (e) {
      if (isNotFound(e) || (e as { code?: string }).code === 'EACCES' || (e as { code?: string }).code === 'ELOOP') return [];
      throw e;
    }
  }
}

/** The per-evaluation locator shared by every file-based probe. */
export function fileLocator(shared: Map<string, unknown>, target: Target): FileLocator {
  let l = shared.get('file-locator') as FileLocator | undefined;
  if (!l) {
    l = new FileLocator(target);
    shared.set('file-locator', l);
  }
  return l;
}

/**
 * What OpenSCAP's oval_fts reports for a located file, for the probes that
 * read file content (filehash58, xmlfilecontent, yamlfilecontent). oval_fts
 * walks with FTS_PHYSICAL | FTS_COMFOLLOW:
 * - a `filepath` is followed: a link to a directory is a directory (never
 *   reported), a dangling link is FTS_SLNONE;
 * - with `path` + `filename`, entries are seen as they are (lstat): a
 *   directory is never reported, a symlink is FTS_SL whatever it points at.
 */
import type { FileInfo, Target } from '../../target/target.js';
import { isDeadLink } from './absence.js';
import type { LocatedFile } from './files.js';

/** fts_info, reduced to what the probes tell apart. */
export type FtsKind = 'file' | 'symlink' | 'dangling' | 'other';

/** The kind oval_fts gives `f`, or undefined when oval_fts would not report it (a directory). */
export async function ftsKind(target: Target, f: LocatedFile, byFilepath: boolean): Promise<FtsKind | undefined> {
  if (!byFilepath) {
    if (f.info.type === 'directory') return undefined;
    if (f.info.type === 'symlink') return 'symlink';
    return f.info.type === 'regular' ? 'file' : 'other';
  }
  let info: FileInfo;
  try {
    info = f.info.type === 'symlink' ? await target.stat(f.filepath) : f.info;
  } catch (e) {
    if (isDeadLink(e)) return 'dangling';
    throw e;
  }
  if (info.type === 'directory') return undefined;
  return info.type === 'regular' ? 'file' : 'other';
}

/** `path` and `filename` joined as OpenSCAP's probes join them (no doubled slash). */
export function joinPath(path: string, filename: string): string {
  return path.endsWith('/') ? `${path}${filename}` : `${path}/${filename}`;
}

const ERRNO: Readonly<Record<string, readonly [number, string]>> = {
  EPERM: [1, 'Operation not permitted'],
  ENOENT: [2, 'No such file or directory'],
  EIO: [5, 'Input/output error'],
  ENXIO: [6, 'No such device or address'],
  EACCES: [13, 'Permission denied'],
  EBUSY: [16, 'Device or resource busy'],
  ENOTDIR: [20, 'Not a directory'],
  EISDIR: [21, 'Is a directory'],
  EMFILE: [24, 'Too many open files'],
  ENAMETOOLONG: [36, 'File name too long'],
  ELOOP: [40, 'Too many levels of symbolic links'],
};

/** errno number and glibc strerror text for a Node/Target error code. */
export function errnoOf(e: unknown): { errno: number; text: string } {
  const code = (e as { code?: unknown } | undefined)?.code;
  const hit = typeof code === 'string' ? ERRNO[code] : undefined;
  if (hit) return { errno: hit[0], text: hit[1] };
  return { errno: 5, text: typeof code === 'string' ? code : 'Input/output error' };
}

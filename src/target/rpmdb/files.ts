/**
 * A package's file list from its header, as rpm's rpmfiles builds it:
 * paths from DIRNAMES[DIRINDEXES[i]] + BASENAMES[i] (OLDFILENAMES in very
 * old headers), and every per-file array beside them.
 */
import { RpmHeader, RpmHeaderError, RPMTAG } from './header.js';

/** RPMFILE_* bits of FILEFLAGS. */
export const RPMFILE = {
  CONFIG: 1 << 0,
  DOC: 1 << 1,
  ICON: 1 << 2,
  MISSINGOK: 1 << 3,
  NOREPLACE: 1 << 4,
  SPECFILE: 1 << 5,
  GHOST: 1 << 6,
  LICENSE: 1 << 7,
  README: 1 << 8,
  PUBKEY: 1 << 11,
  ARTIFACT: 1 << 12,
} as const;

/** RPMVERIFY_* bits of FILEVERIFYFLAGS: what `rpm -V` checks of a file. */
export const RPMVERIFY = {
  FILEDIGEST: 1 << 0,
  FILESIZE: 1 << 1,
  LINKTO: 1 << 2,
  USER: 1 << 3,
  GROUP: 1 << 4,
  MTIME: 1 << 5,
  MODE: 1 << 6,
  RDEV: 1 << 7,
  CAPS: 1 << 8,
} as const;

/** RPMFILE_STATE_* values of FILESTATES (installed headers). */
export const RPMFILE_STATE = {
  NORMAL: 0,
  REPLACED: 1,
  NOTINSTALLED: 2,
  NETSHARED: 3,
  WRONGCOLOR: 4,
} as const;

/** PGPHASHALGO_* numbers of FILEDIGESTALGO, by name. */
export const PGPHASHALGO: Readonly<Record<number, string>> = {
  1: 'md5',
  2: 'sha1',
  3: 'ripemd160',
  5: 'md2',
  6: 'tiger192',
  7: 'haval-5-160',
  8: 'sha256',
  9: 'sha384',
  10: 'sha512',
  11: 'sha224',
};

export interface RpmFile {
  /** dirname + basename, as rpm -ql prints it. */
  readonly path: string;
  readonly size: number;
  /** st_mode as packaged, type bits included. */
  readonly mode: number;
  readonly rdev: number;
  /** Seconds since the epoch. */
  readonly mtime: number;
  /** Lower-case hex; empty for what has no digest (directories, links, ghosts). */
  readonly digest: string;
  /** The header's FILEDIGESTALGO (PGPHASHALGO number); 1, MD5, when the header has none, as rpm assumes. */
  readonly digestAlgo: number;
  /** Symlink target; empty when not a link. */
  readonly linkto: string;
  /** RPMFILE_* bits. */
  readonly flags: number;
  readonly user: string;
  readonly group: string;
  /** RPMVERIFY_* bits; undefined when the header has no FILEVERIFYFLAGS. */
  readonly verifyFlags: number | undefined;
  /** The capabilities in cap_to_text form; empty for none, undefined when the header has no FILECAPS. */
  readonly caps: string | undefined;
  /** RPMFILE_STATE_*; undefined when the header has no FILESTATES (a package file, not installed). */
  readonly state: number | undefined;
  /** FILELANGS entry; empty for none. */
  readonly lang: string;
}

/** Every file of the package, in header order. Throws RpmHeaderError when the per-file arrays disagree in length or a directory index is out of range. */
export function rpmFileList(h: RpmHeader): RpmFile[] {
  const paths = filePaths(h);
  const n = paths.length;
  const name = h.string(RPMTAG.NAME) ?? '?';
  const perFile = <T>(tag: number, values: T[] | undefined, what: string): T[] | undefined => {
    if (values !== undefined && values.length !== n) throw new RpmHeaderError(`rpm header of ${name}: ${what} (tag ${tag}) has ${values.length} values for ${n} files`);
    return values;
  };
  const nums = (tag: number, what: string): number[] | undefined => perFile(tag, h.numbers(tag), what);
  const strs = (tag: number, what: string): string[] | undefined => perFile(tag, h.strings(tag), what);
  const sizes = nums(RPMTAG.LONGFILESIZES, 'LONGFILESIZES') ?? nums(RPMTAG.FILESIZES, 'FILESIZES');
  const modes = nums(RPMTAG.FILEMODES, 'FILEMODES');
  const rdevs = nums(RPMTAG.FILERDEVS, 'FILERDEVS');
  const mtimes = nums(RPMTAG.FILEMTIMES, 'FILEMTIMES');
  const digests = strs(RPMTAG.FILEDIGESTS, 'FILEDIGESTS');
  const links = strs(RPMTAG.FILELINKTOS, 'FILELINKTOS');
  const flags = nums(RPMTAG.FILEFLAGS, 'FILEFLAGS');
  const users = strs(RPMTAG.FILEUSERNAME, 'FILEUSERNAME');
  const groups = strs(RPMTAG.FILEGROUPNAME, 'FILEGROUPNAME');
  const vflags = nums(RPMTAG.FILEVERIFYFLAGS, 'FILEVERIFYFLAGS');
  const caps = strs(RPMTAG.FILECAPS, 'FILECAPS');
  const states = nums(RPMTAG.FILESTATES, 'FILESTATES');
  const langs = strs(RPMTAG.FILELANGS, 'FILELANGS');
  const algo = h.number(RPMTAG.FILEDIGESTALGO) ?? 1;
  const out: RpmFile[] = new Array<RpmFile>(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      path: paths[i]!,
      size: sizes?.[i] ?? 0,
      mode: modes?.[i] ?? 0,
      rdev: rdevs?.[i] ?? 0,
      mtime: mtimes?.[i] ?? 0,
      digest: digests?.[i] ?? '',
      digestAlgo: algo,
      linkto: links?.[i] ?? '',
      flags: flags?.[i] ?? 0,
      user: users?.[i] ?? '',
      group: groups?.[i] ?? '',
      verifyFlags: vflags?.[i],
      caps: caps?.[i],
      state: states?.[i],
      lang: langs?.[i] ?? '',
    };
  }
  return out;
}

/** The file paths alone: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or OLDFILENAMES; empty for a package without files. */
export function filePaths(h: RpmHeader): string[] {
  const base = h.strings(RPMTAG.BASENAMES);
  if (base === undefined) return h.strings(RPMTAG.OLDFILENAMES) ?? [];
  const name = h.string(RPMTAG.NAME) ?? '?';
  const dirs = h.strings(RPMTAG.DIRNAMES);
  const idx = h.numbers(RPMTAG.DIRINDEXES);
  if (dirs === undefined || idx === undefined) throw new RpmHeaderError(`rpm header of ${name}: BASENAMES without DIRNAMES or DIRINDEXES`);
  if (idx.length !== base.length) throw new RpmHeaderError(`rpm header of ${name}: ${idx.length} DIRINDEXES for ${base.length} BASENAMES`);
  const out: string[] = new Array<string>(base.length);
  for (let i = 0; i < base.length; i++) {
    const d = dirs[idx[i]!];
    if (d === undefined) throw new RpmHeaderError(`rpm header of ${name}: file ${i} names directory ${idx[i]} of ${dirs.length}`);
    out[i] = d + base[i]!;
  }
  return out;
}

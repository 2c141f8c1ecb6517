/**
 * linux:rpmverifyfile_object: `rpm -V` per file of the installed packages,
 * from the target's own rpm database, as OpenSCAP 1.3.7 reports it.
 *
 * Selection: packages whose name, epoch ("(none)" when the header has
 * none), version, release and arch satisfy the object's entities, then
 * their files whose path satisfies `filepath` (equals, not equal or pattern
 * match; OpenSCAP supports no other operation, and neither does this
 * probe: the object is an error). noconfigfiles and noghostfiles leave out
 * %config and %ghost files.
 *
 * Verification follows rpm's rpmfiVerify for each file: what the file's
 * FILEVERIFYFLAGS (%verify) and state allow, less what the behaviors omit
 * (nolinkto, nomd5, nofiledigest, nosize, nouser, nogroup, nomtime, nomode,
 * nordev, nocaps); a link has no mode, a non-link no link target; a
 * non-regular file no digest, size, mtime or capabilities; a %ghost no
 * digest, size, mtime or link target (its mode compares permissions only);
 * a file that cannot be examined (missing) or read has every check "not
 * performed", as has an omitted check; otherwise "fail" or "pass". Owners
 * compare by name or id through the target's /etc/passwd and /etc/group.
 * The files are examined and read through the target (lstat, readlink, the
 * content for the digest, the security.capability attribute).
 *
 * Items: name, epoch, version, release, arch, filepath, extended_name,
 * size_differs, mode_differs, md5_differs, device_differs, link_mismatch,
 * ownership_differs, group_differs, mtime_differs, capabilities_differ,
 * then the booleans configuration_file, documentation_file, ghost_file,
 * license_file, readme_file. filedigest_differs (OVAL 5.11.1) is left out,
 * as OpenSCAP does for the 5.11 documents SSG ships.
 *
 * Device numbers compare as rpm does (the low 16 bits of st_rdev against
 * FILERDEVS) where the target reports st_rdev (local host, offline root,
 * SSH helper; the SSH shell fallback: the device's type only). File capabilities compare as present
 * or absent (both absent: pass; one of them: fail; both: compared by their
 * raw values against an empty set only).
 */
import { createHash } from 'node:crypto';
import { RPMFILE, RPMFILE_STATE, RPMVERIFY, PGPHASHALGO, type RpmFile } from '../../../target/rpmdb/index.js';
import { readChunks, type FileInfo, type Target } from '../../../target/target.js';
import type { ItemData, Probe, ProbeContext, ProbeResult, ResolvedEntity } from '../../types.js';
import { entityMatches, field } from '../entity.js';
import { RPM_ACCOUNTS, rpmDatabase, type Accounts, type RpmDatabaseView, type RpmPackage } from './rpm-packages.js';

/** rpm's RPMVERIFY_*FAIL bits: the file could not be examined, its link or its content not read. */
const LSTATFAIL = 0x80000000;
const READLINKFAIL = 0x40000000;
const READFAIL = 0x20000000;
const FAILURES = LSTATFAIL | READLINKFAIL | READFAIL;
const ALL = 0xffffffff;

/** Behaviors that omit a check, by attribute. */
const OMIT: Readonly<Record<string, number>> = {
  nolinkto: RPMVERIFY.LINKTO,
  nomd5: RPMVERIFY.FILEDIGEST,
  nofiledigest: RPMVERIFY.FILEDIGEST,
  nosize: RPMVERIFY.FILESIZE,
  nouser: RPMVERIFY.USER,
  nogroup: RPMVERIFY.GROUP,
  nomtime: RPMVERIFY.MTIME,
  nomode: RPMVERIFY.MODE,
  nordev: RPMVERIFY.RDEV,
  nocaps: RPMVERIFY.CAPS,
};

const S_IFMT = 0o170000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFDIR = 0o040000;
const isChr = (m: number): boolean => (m & S_IFMT) === S_IFCHR;
const isBlk = (m: number): boolean => (m & S_IFMT) === S_IFBLK;

const NODE_HASH: Readonly<Record<string, string>> = { md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', sha224: 'sha224', ripemd160: 'ripemd160' };

/** Files up to this size are read in one call; larger ones are streamed. */
const WHOLE_READ = 1024 * 1024;

async function digestOf(target: Target, path: string, algo: string, size: number, signal?: AbortSignal): Promise<{ hex: string; size: number }> {
  const h = createHash(algo);
  let n = 0;
  if (size <= WHOLE_READ) {
    const b = await target.readFile(path, { maxBytes: WHOLE_READ * 2 });
    h.update(b);
    n = b.length;
  } else {
    for await (const chunk of readChunks(target, path, signal ? { signal } : {})) {
      h.update(chunk);
      n += chunk.length;
    }
  }
  return { hex: h.digest('hex'), size: n };
}

const uidOf = (a: Accounts, name: string): number | undefined => (name === 'root' ? 0 : a.userId.get(name));
const gidOf = (a: Accounts, name: string): number | undefined => (name === 'root' ? 0 : a.groupId.get(name));

/** rpm's rpmfiVerify: the RPMVERIFY bits of what differs, with the *FAIL bits when the file could not be examined or read. */
export async function verifyFile(target: Target, f: RpmFile, accounts: Accounts, omit: number, signal?: AbortSignal): Promise<number> {
  let flags = f.verifyFlags ?? ALL;
  switch (f.state) {
    case RPMFILE_STATE.NETSHARED:
    case RPMFILE_STATE.NOTINSTALLED:
      return 0;
    case RPMFILE_STATE.REPLACED:
      flags = LSTATFAIL;
      break;
    case RPMFILE_STATE.WRONGCOLOR:
      flags &= ~(RPMVERIFY.FILEDIGEST | RPMVERIFY.FILESIZE | RPMVERIFY.MTIME | RPMVERIFY.RDEV);
      break;
    default:
      break;
  }
  let sb: FileInfo;
  try {
    sb = await target.lstat(f.path);
  } catch {
    return LSTATFAIL;
  }
  // a directory packaged, a link to a directory found: follow it when the link is root's or the packaged owner's
  if ((f.mode & S_IFMT) === S_IFDIR && sb.type === 'symlink') {
    try {
      const d = await target.stat(f.path);
      if (d.type === 'directory' && (sb.uid === 0 || uidOf(accounts, f.user) === sb.uid)) sb = d;
    } catch {
      // a dangling link stays the link
    }
  }
  if (sb.type === 'symlink') flags &= ~RPMVERIFY.MODE;
  else flags &= ~RPMVERIFY.LINKTO;
  if (sb.type !== 'regular') flags &= ~(RPMVERIFY.FILEDIGEST | RPMVERIFY.FILESIZE | RPMVERIFY.MTIME | RPMVERIFY.CAPS);
  if (f.flags & RPMFILE.GHOST) flags &= ~(RPMVERIFY.FILEDIGEST | RPMVERIFY.FILESIZE | RPMVERIFY.MTIME | RPMVERIFY.LINKTO);
  flags &= ~(omit | FAILURES);
  let vfy = 0;
  let size = sb.size;
  if (flags & RPMVERIFY.FILEDIGEST) {
    const algo = NODE_HASH[PGPHASHALGO[f.digestAlgo] ?? ''];
    if (f.digest === '' || algo === undefined) vfy |= RPMVERIFY.FILEDIGEST;
    else {
      try {
        const d = await digestOf(target, f.path, algo, sb.size, signal);
        size = d.size;
        if (d.hex !== f.digest.toLowerCase()) vfy |= RPMVERIFY.FILEDIGEST;
      } catch {
        vfy |= READFAIL | RPMVERIFY.FILEDIGEST;
      }
    }
  }
  if (flags & RPMVERIFY.LINKTO) {
    try {
      if ((await target.readlink(f.path)) !== f.linkto) vfy |= RPMVERIFY.LINKTO;
    } catch {
      vfy |= READLINKFAIL | RPMVERIFY.LINKTO;
    }
  }
  if (flags & RPMVERIFY.FILESIZE && size !== f.size) vfy |= RPMVERIFY.FILESIZE;
  if (flags & RPMVERIFY.MODE) {
    let meta = f.mode;
    let mode = sb.mode;
    if (f.flags & RPMFILE.GHOST) {
      meta &= ~S_IFMT;
      mode &= ~S_IFMT;
    }
    if ((meta & 0xffff) !== (mode & 0xffff)) vfy |= RPMVERIFY.MODE;
  }
  if (flags & RPMVERIFY.RDEV) {
    if (isChr(f.mode) !== isChr(sb.mode) || isBlk(f.mode) !== isBlk(sb.mode)) vfy |= RPMVERIFY.RDEV;
    // both devices: rpm compares the low 16 bits of st_rdev with the packaged FILERDEVS (a target that does not report st_rdev: the type only)
    else if ((isChr(f.mode) || isBlk(f.mode)) && sb.rdev !== undefined && (sb.rdev & 0xffff) !== (f.rdev & 0xffff)) vfy |= RPMVERIFY.RDEV;
  }
  if (flags & RPMVERIFY.CAPS) {
    const want = (f.caps ?? '') !== '';
    let have = false;
    try {
      have = (await target.getxattr(f.path, 'security.capability', { follow: false })) !== undefined;
    } catch {
      have = false;
    }
    if (want !== have) vfy |= RPMVERIFY.CAPS;
  }
  if (flags & RPMVERIFY.MTIME && Math.floor(sb.mtimeMs / 1000) !== f.mtime) vfy |= RPMVERIFY.MTIME;
  if (flags & RPMVERIFY.USER) {
    const nameMatch = accounts.userName.get(sb.uid) === f.user;
    const idMatch = uidOf(accounts, f.user) === sb.uid;
    if (!nameMatch && !idMatch) vfy |= RPMVERIFY.USER;
  }
  if (flags & RPMVERIFY.GROUP) {
    const nameMatch = accounts.groupName.get(sb.gid) === f.group;
    const idMatch = gidOf(accounts, f.group) === sb.gid;
    if (!nameMatch && !idMatch) vfy |= RPMVERIFY.GROUP;
  }
  return vfy;
}

/** An item's check result: not performed when omitted or when the file could not be examined or read (rpm's *FAIL bits), else fail or pass. */
export function outcome(vflags: number, omit: number, bit: number): string {
  if (omit & bit || vflags & FAILURES) return 'not performed';
  return vflags & bit ? 'fail' : 'pass';
}

/** The verification outcomes and file flags of an item, as rpmverifyfile_item and rpmverify_item both end. */
export function verifyEntities(f: RpmFile, vflags: number, omit: number): ItemData['entities'] {
  const o = (bit: number): string => outcome(vflags, omit, bit);
  const b = (bit: number): string => ((f.flags & bit) !== 0 ? 'true' : 'false');
  return [
    field('size_differs', o(RPMVERIFY.FILESIZE)),
    field('mode_differs', o(RPMVERIFY.MODE)),
    field('md5_differs', o(RPMVERIFY.FILEDIGEST)),
    field('device_differs', o(RPMVERIFY.RDEV)),
    field('link_mismatch', o(RPMVERIFY.LINKTO)),
    field('ownership_differs', o(RPMVERIFY.USER)),
    field('group_differs', o(RPMVERIFY.GROUP)),
    field('mtime_differs', o(RPMVERIFY.MTIME)),
    field('capabilities_differ', o(RPMVERIFY.CAPS)),
    field('configuration_file', b(RPMFILE.CONFIG), 'boolean'),
    field('documentation_file', b(RPMFILE.DOC), 'boolean'),
    field('ghost_file', b(RPMFILE.GHOST), 'boolean'),
    field('license_file', b(RPMFILE.LICENSE), 'boolean'),
    field('readme_file', b(RPMFILE.README), 'boolean'),
  ];
}

function item(p: RpmPackage, f: RpmFile, vflags: number, omit: number): ItemData {
  return {
    family: 'linux',
    type: 'rpmverifyfile_item',
    status: 'exists',
    entities: [
      field('name', p.name),
      field('epoch', p.epoch),
      field('version', p.version),
      field('release', p.release),
      field('arch', p.arch),
      field('filepath', f.path),
      field('extended_name', p.extendedName),
      ...verifyEntities(f, vflags, omit),
    ],
  };
}

async function packageMatches(req: Map<string, ResolvedEntity>, p: RpmPackage): Promise<boolean> {
  for (const [name, value] of [
    ['name', p.name],
    ['epoch', p.epoch],
    ['version', p.version],
    ['release', p.release],
    ['arch', p.arch],
  ] as const) {
    const e = req.get(name);
    if (e && !(await entityMatches(e, value))) return false;
  }
  return true;
}

/** How many files are examined at once. */
const PARALLEL = 16;

async function collectFiles(req: Parameters<Probe['collect']>[0], ctx: ProbeContext): Promise<ProbeResult> {
  const filepath = req.entities.get('filepath');
  if (!filepath) return { flag: 'error', items: [], messages: ['rpmverifyfile_object needs filepath'] };
  const op = filepath.entity.operation;
  if (op !== 'equals' && op !== 'not equal' && op !== 'pattern match') {
    return { flag: 'error', items: [], messages: [`rpmverifyfile_object: the operation "${op}" on filepath is not supported (equals, not equal, pattern match)`] };
  }
  const db = await rpmDatabase(ctx);
  if (db === undefined) return { items: [] };
  if (db instanceof Error) return { flag: 'error', items: [], messages: [`cannot read the rpm database: ${db.message}`] };
  const accounts = await ctx.services.get(RPM_ACCOUNTS).get();
  if (accounts instanceof Error) return { flag: 'error', items: [], messages: [`cannot read the target's users and groups: ${accounts.message}`] };
  ctx.reads.path('/etc/passwd');
  ctx.reads.path('/etc/group');

  let omit = 0;
  for (const [attr, bit] of Object.entries(OMIT)) if (req.behaviors[attr] === 'true') omit |= bit;
  const skipConfig = req.behaviors['noconfigfiles'] === 'true';
  const skipGhost = req.behaviors['noghostfiles'] === 'true';
  const entities = new Map(req.entities);

  const chosen: Array<{ pkg: RpmPackage; file: RpmFile }> = [];
  try {
    const pkgOk = new Map<RpmPackage, boolean>();
    const wanted = async (p: RpmPackage): Promise<boolean> => {
      let ok = pkgOk.get(p);
      if (ok === undefined) pkgOk.set(p, (ok = await packageMatches(entities, p)));
      return ok;
    };
    const consider = (file: RpmFile): boolean => !((skipConfig && file.flags & RPMFILE.CONFIG) || (skipGhost && file.flags & RPMFILE.GHOST));
    if (op === 'equals') {
      for (const at of db.byPath().get(filepath.value) ?? []) if (consider(at.file) && (await wanted(at.pkg))) chosen.push(at);
    } else {
      for (const pkg of db.packages) {
        if (!(await wanted(pkg))) continue;
        for (const file of pkg.files()) if (consider(file) && (await entityMatches(filepath, file.path))) chosen.push({ pkg, file });
      }
    }
  } catch (e) {
    return { flag: 'error', items: [], messages: [e instanceof Error ? e.message : String(e)] };
  }

  return verifyChosen(ctx, db, chosen, accounts, omit, item);
}

/**
 * Verifies the chosen files, PARALLEL at a time, and keeps the items the
 * object's filters keep (in the order chosen); an unreadable header in the
 * database makes the object an error with what was read. Shared by
 * rpmverifyfile and rpmverify, which differ in how they choose and in
 * their items.
 */
export async function verifyChosen(
  ctx: ProbeContext,
  db: RpmDatabaseView,
  chosen: ReadonlyArray<{ pkg: RpmPackage; file: RpmFile }>,
  accounts: Accounts,
  omit: number,
  toItem: (p: RpmPackage, f: RpmFile, vflags: number, omit: number) => ItemData,
): Promise<ProbeResult> {
  const items: Array<ItemData | undefined> = new Array(chosen.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chosen.length) {
      const i = next++;
      const { pkg, file } = chosen[i]!;
      ctx.reads.path(file.path);
      const it = toItem(pkg, file, await verifyFile(ctx.target, file, accounts, omit, ctx.signal), omit);
      const keep = ctx.keep(it);
      items[i] = (keep instanceof Promise ? await keep : keep) ? it : undefined;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, chosen.length) }, worker));
  const out = items.filter((x): x is ItemData => x !== undefined);
  if (db.bad.length > 0) {
    return { flag: 'error', items: out, messages: [`the rpm database ${db.location.dir}/${db.location.file} has ${db.bad.length} unreadable header(s): ${db.bad.slice(0, 3).join('; ')}`] };
  }
  return { items: out };
}

export const rpmverifyfileProbe: Probe = {
  family: 'linux',
  objectType: 'rpmverifyfile_object',
  needs: [],
  description: "rpm -V per packaged file, against the target's rpm database; offline, the root's own database and files",
  collect: collectFiles,
};

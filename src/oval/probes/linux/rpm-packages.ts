/**
 * The target's rpm database as the rpm probes see it, read once per scan
 * (a probe service): every installed package's identity as rpm's
 * `headerFormat` prints it (a missing EPOCH or ARCH is "(none)", as in
 * OpenSCAP's items), the signature key id OpenSCAP reports, the file list
 * (parsed lazily, per package), and an index from path to the packages'
 * files for `filepath` lookups. The target's /etc/passwd and /etc/group
 * map owners the way rpm does inside the root (`root` is always id 0).
 */
import { findRpmDatabase, readRpmDatabase, rpmFileList, RPMTAG, type RpmDatabaseLocation, type RpmFile, type RpmHeader } from '../../../target/rpmdb/index.js';
import { isNotFound, type Target } from '../../../target/target.js';
import { serviceKey } from '../../services.js';
import type { ProbeContext } from '../../types.js';

export interface RpmPackage {
  readonly name: string;
  /** "(none)" when the header has no EPOCH, as `%{EPOCH}` prints it. */
  readonly epoch: string;
  readonly version: string;
  readonly release: string;
  /** "(none)" when the header has no ARCH (gpg-pubkey). */
  readonly arch: string;
  /** name-epoch:version-release.arch, epoch 0 for none. */
  readonly extendedName: string;
  /** epoch:version-release, epoch 0 for none. */
  readonly evr: string;
  readonly header: RpmHeader;
  /** The package's files, parsed on first use; throws RpmHeaderError for a header whose file arrays are inconsistent. */
  files(): readonly RpmFile[];
}

export interface RpmDatabaseView {
  readonly location: RpmDatabaseLocation;
  readonly packages: readonly RpmPackage[];
  /** Headers that did not parse: the database is incomplete (objects that need every package are errors). */
  readonly bad: readonly string[];
  /** Path → the packages' files with that path (built on first use). */
  byPath(): ReadonlyMap<string, ReadonlyArray<{ readonly pkg: RpmPackage; readonly file: RpmFile }>>;
}

const NONE = '(none)';

function fmt(h: RpmHeader, tag: number): string {
  const s = h.string(tag);
  if (s !== undefined) return s;
  const n = h.numbers(tag);
  return n !== undefined && n.length > 0 ? String(n[0]) : NONE;
}

function toPackage(h: RpmHeader): RpmPackage {
  const name = fmt(h, RPMTAG.NAME);
  const epoch = fmt(h, RPMTAG.EPOCH);
  const version = fmt(h, RPMTAG.VERSION);
  const release = fmt(h, RPMTAG.RELEASE);
  const arch = fmt(h, RPMTAG.ARCH);
  const e0 = epoch === NONE ? '0' : epoch;
  let files: RpmFile[] | undefined;
  return {
    name,
    epoch,
    version,
    release,
    arch,
    extendedName: `${name}-${e0}:${version}-${release}.${arch}`,
    evr: `${e0}:${version}-${release}`,
    header: h,
    files: () => (files ??= rpmFileList(h)),
  };
}

async function load(target: Target): Promise<RpmDatabaseView | Error | undefined> {
  let location: RpmDatabaseLocation | undefined;
  try {
    location = await findRpmDatabase(target);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
  if (location === undefined) return undefined;
  const bad: string[] = [];
  let headers: RpmHeader[];
  try {
    headers = await readRpmDatabase(target, location, { onBadHeader: (b) => bad.push(`header ${b.instance}: ${b.error.message}`) });
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
  const packages = headers.map(toPackage);
  let index: Map<string, Array<{ pkg: RpmPackage; file: RpmFile }>> | undefined;
  return {
    location,
    packages,
    bad,
    byPath() {
      if (index) return index;
      const m = new Map<string, Array<{ pkg: RpmPackage; file: RpmFile }>>();
      for (const pkg of packages) {
        for (const file of pkg.files()) {
          const at = m.get(file.path);
          if (at) at.push({ pkg, file });
          else m.set(file.path, [{ pkg, file }]);
        }
      }
      index = m;
      return m;
    },
  };
}

/** The target's rpm database, read once per scan; undefined when the target has none. */
export const RPM_DATABASE = serviceKey('rpm-database', (target) => {
  let db: Promise<RpmDatabaseView | Error | undefined> | undefined;
  return { get: () => (db ??= load(target)) };
});

/** The rpm database for a probe, recording the read in the object's read set. */
export async function rpmDatabase(ctx: ProbeContext): Promise<RpmDatabaseView | Error | undefined> {
  ctx.reads.input('packages', 'rpm');
  const db = await ctx.services.get(RPM_DATABASE).get();
  if (db && !(db instanceof Error)) ctx.reads.path(`${db.location.dir}/${db.location.file}`);
  else for (const d of ['/var/lib/rpm', '/usr/lib/sysimage/rpm']) ctx.reads.path(d);
  return db;
}

// ---------------------------------------------------------------- owners

export interface Accounts {
  readonly userName: ReadonlyMap<number, string>;
  readonly userId: ReadonlyMap<string, number>;
  readonly groupName: ReadonlyMap<number, string>;
  readonly groupId: ReadonlyMap<string, number>;
}

async function table(target: Target, path: string): Promise<Array<[string, number]>> {
  let text: string;
  try {
    text = (await target.readFile(path)).toString('utf8');
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
  const out: Array<[string, number]> = [];
  for (const line of text.split('\n')) {
    const cols = line.split(':');
    if (cols.length < 3 || cols[0] === '' || line.startsWith('#') || !/^\d+$/.test(cols[2]!)) continue;
    out.push([cols[0]!, Number(cols[2])]);
  }
  return out;
}

async function loadAccounts(target: Target): Promise<Accounts> {
  const [users, groups] = await Promise.all([table(target, '/etc/passwd'), table(target, '/etc/group')]);
  // as getpwnam / getpwuid: the first entry wins
  const byId = (rows: Array<[string, number]>): Map<number, string> => {
    const m = new Map<number, string>();
    for (const [n, id] of rows) if (!m.has(id)) m.set(id, n);
    return m;
  };
  const byName = (rows: Array<[string, number]>): Map<string, number> => {
    const m = new Map<string, number>();
    for (const [n, id] of rows) if (!m.has(n)) m.set(n, id);
    return m;
  };
  return { userName: byId(users), userId: byName(users), groupName: byId(groups), groupId: byName(groups) };
}

/** The target's users and groups, read once per scan (rpm maps file owners through them). */
export const RPM_ACCOUNTS = serviceKey('rpm-accounts', (target) => {
  let a: Promise<Accounts | Error> | undefined;
  return { get: () => (a ??= loadAccounts(target).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))) };
});

// ---------------------------------------------------------------- signatures

const hex = (b: Buffer): string => b.toString('hex');

/**
 * The issuer key id (16 lower-case hex digits) of an OpenPGP signature
 * packet, as rpm's `pgpsig` format prints it after "Key ID"; undefined when
 * the packet is not a signature rpm can read.
 */
export function signatureKeyId(pkt: Buffer | undefined): string | undefined {
  if (pkt === undefined || pkt.length < 2) return undefined;
  const tagByte = pkt[0]!;
  if ((tagByte & 0x80) === 0) return undefined;
  let tag: number;
  let off: number;
  let len: number;
  if (tagByte & 0x40) {
    tag = tagByte & 0x3f;
    const l0 = pkt[1]!;
    if (l0 < 192) [len, off] = [l0, 2];
    else if (l0 < 224) {
      if (pkt.length < 3) return undefined;
      [len, off] = [((l0 - 192) << 8) + pkt[2]! + 192, 3];
    } else if (l0 === 255) {
      if (pkt.length < 6) return undefined;
      [len, off] = [pkt.readUInt32BE(2), 6];
    } else return undefined;
  } else {
    tag = (tagByte >> 2) & 0x0f;
    const lt = tagByte & 3;
    if (lt === 0) [len, off] = [pkt[1]!, 2];
    else if (lt === 1) {
      if (pkt.length < 3) return undefined;
      [len, off] = [pkt.readUInt16BE(1), 3];
    } else if (lt === 2) {
      if (pkt.length < 5) return undefined;
      [len, off] = [pkt.readUInt32BE(1), 5];
    } else [len, off] = [pkt.length - 1, 1];
  }
  if (tag !== 2 || off + len > pkt.length) return undefined;
  const body = pkt.subarray(off, off + len);
  const version = body[0];
  if (version === 3) return body.length >= 15 ? hex(body.subarray(7, 15)) : undefined;
  if (version !== 4) return undefined;
  if (body.length < 6) return undefined;
  const hashedLen = body.readUInt16BE(4);
  const hashed = body.subarray(6, 6 + hashedLen);
  if (6 + hashedLen + 2 > body.length) return undefined;
  const unhashedLen = body.readUInt16BE(6 + hashedLen);
  const unhashed = body.subarray(8 + hashedLen, 8 + hashedLen + unhashedLen);
  return issuer(hashed) ?? issuer(unhashed);
}

function issuer(area: Buffer): string | undefined {
  let i = 0;
  let fromFingerprint: string | undefined;
  while (i < area.length) {
    const l0 = area[i]!;
    let len: number;
    if (l0 < 192) [len, i] = [l0, i + 1];
    else if (l0 < 255) {
      if (i + 1 >= area.length) return undefined;
      [len, i] = [((l0 - 192) << 8) + area[i + 1]! + 192, i + 2];
    } else {
      if (i + 5 > area.length) return undefined;
      [len, i] = [area.readUInt32BE(i + 1), i + 5];
    }
    if (len === 0 || i + len > area.length) return undefined;
    const type = area[i]! & 0x7f;
    const data = area.subarray(i + 1, i + len);
    if (type === 16 && data.length === 8) return hex(data);
    if (type === 33 && data.length >= 21) fromFingerprint ??= hex(data.subarray(data.length - 8));
    i += len;
  }
  return fromFingerprint;
}

/**
 * What OpenSCAP reports as signature_keyid: the key id of the header+payload
 * signature (SIGGPG, else SIGPGP; rpm's `%|SIGGPG?{...}:{...}|`), or "0" when
 * there is none. A header-only signature (RSAHEADER, what rpmsign adds by
 * default since rpm 4.16) is not looked at, as in OpenSCAP.
 */
export function packageKeyId(h: RpmHeader): string {
  const sig = h.has(RPMTAG.SIGGPG) ? h.binary(RPMTAG.SIGGPG) : h.binary(RPMTAG.SIGPGP);
  return signatureKeyId(sig) ?? '0';
}

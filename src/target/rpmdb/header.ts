/**
 * rpm's header blob (rpm's docs/manual/format_header.md), as an rpm
 * database stores it: no magic, then
 *
 *     il (int32 BE)  dl (int32 BE)  il × {tag, type, offset, count} (int32 BE each)  dl bytes of data
 *
 * An installed header starts with a region entry (HEADERIMMUTABLE, 63, or
 * HEADERIMAGE/HEADERSIGNATURES for old ones) whose trailer, at the end of
 * the region's data, says how many entries the region holds; the entries
 * after them are "dribbles" that rpm added at install time (INSTALLTIME,
 * FILESTATES, ...), and a dribble replaces a region entry of the same tag.
 *
 * `RpmHeader.parse` checks everything before it keeps the blob: counts,
 * offsets, alignment, that every value lies inside the data and every
 * string ends inside it, so a hostile blob throws RpmHeaderError and no
 * later read leaves the buffer. Values are decoded when asked for.
 */
import { createHash } from 'node:crypto';

/** A header blob that is not one: truncated, wrong counts or offsets, too large, values outside its data. */
export class RpmHeaderError extends Error {
  override readonly name = 'RpmHeaderError';
}

/** rpm's tag numbers (rpmtag.h) that Vigil reads. */
export const RPMTAG = {
  HEADERIMAGE: 61,
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  HEADERREGIONS: 64,
  HEADERI18NTABLE: 100,
  SIGSIZE: 257,
  SIGPGP: 259,
  SIGMD5: 261,
  SIGGPG: 262,
  PUBKEYS: 266,
  DSAHEADER: 267,
  RSAHEADER: 268,
  SHA1HEADER: 269,
  LONGSIGSIZE: 270,
  SHA256HEADER: 273,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  DESCRIPTION: 1005,
  BUILDTIME: 1006,
  BUILDHOST: 1007,
  INSTALLTIME: 1008,
  SIZE: 1009,
  DISTRIBUTION: 1010,
  VENDOR: 1011,
  LICENSE: 1014,
  PACKAGER: 1015,
  GROUP: 1016,
  URL: 1020,
  OS: 1021,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  FILESIZES: 1028,
  FILESTATES: 1029,
  FILEMODES: 1030,
  FILERDEVS: 1033,
  FILEMTIMES: 1034,
  FILEDIGESTS: 1035,
  FILELINKTOS: 1036,
  FILEFLAGS: 1037,
  FILEUSERNAME: 1039,
  FILEGROUPNAME: 1040,
  SOURCERPM: 1044,
  FILEVERIFYFLAGS: 1045,
  ARCHIVESIZE: 1046,
  PROVIDENAME: 1047,
  REQUIREFLAGS: 1048,
  REQUIRENAME: 1049,
  REQUIREVERSION: 1050,
  CONFLICTFLAGS: 1053,
  CONFLICTNAME: 1054,
  CONFLICTVERSION: 1055,
  RPMVERSION: 1064,
  VERIFYSCRIPT: 1079,
  OBSOLETENAME: 1090,
  VERIFYSCRIPTPROG: 1091,
  FILEDEVICES: 1095,
  FILEINODES: 1096,
  FILELANGS: 1097,
  PREFIXES: 1098,
  INSTPREFIXES: 1099,
  SOURCEPACKAGE: 1106,
  PROVIDEFLAGS: 1112,
  PROVIDEVERSION: 1113,
  OBSOLETEFLAGS: 1114,
  OBSOLETEVERSION: 1115,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  PAYLOADFORMAT: 1124,
  PAYLOADCOMPRESSOR: 1125,
  INSTALLCOLOR: 1127,
  INSTALLTID: 1128,
  REMOVETID: 1129,
  FILECOLORS: 1140,
  SOURCEPKGID: 1146,
  LONGFILESIZES: 5008,
  LONGSIZE: 5009,
  FILECAPS: 5010,
  FILEDIGESTALGO: 5011,
  BUGURL: 5012,
  MODULARITYLABEL: 5096,
  PAYLOADDIGEST: 5092,
  PAYLOADDIGESTALGO: 5093,
} as const;

/** rpm's value types (rpm_tagtype_t). */
export const RPM_TYPE = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

/**
 * The types rpm's tag table gives the tags above (and a few more that
 * installed headers carry): rpm refuses a header whose entry for a known
 * tag has another type (string types may stand for each other). A tag not
 * listed here is accepted with any type; rpm knows more tags, see
 * docs/CONFORMANCE.md.
 */
const S = RPM_TYPE.STRING;
const SA = RPM_TYPE.STRING_ARRAY;
const I18N = RPM_TYPE.I18NSTRING;
const I = RPM_TYPE.INT32;
const X = RPM_TYPE.BIN;
const TAG_TYPES: ReadonlyMap<number, number> = new Map([
  [100, SA], [257, I], [259, X], [261, X], [262, X], [266, SA], [267, X], [268, X], [269, S], [270, RPM_TYPE.INT64], [271, RPM_TYPE.INT64], [273, S],
  [1000, S], [1001, S], [1002, S], [1003, I], [1004, I18N], [1005, I18N], [1006, I], [1007, S], [1008, I], [1009, I], [1010, S], [1011, S],
  [1012, X], [1013, X], [1014, S], [1015, S], [1016, I18N], [1018, SA], [1019, SA], [1020, S], [1021, S], [1022, S],
  [1023, S], [1024, S], [1025, S], [1026, S], [1027, SA], [1028, I], [1029, RPM_TYPE.CHAR], [1030, RPM_TYPE.INT16], [1033, RPM_TYPE.INT16],
  [1034, I], [1035, SA], [1036, SA], [1037, I], [1039, SA], [1040, SA], [1043, X], [1044, S], [1045, I], [1046, I], [1047, SA],
  [1048, I], [1049, SA], [1050, SA], [1051, I], [1052, I], [1053, I], [1054, SA], [1055, SA], [1059, SA], [1060, SA], [1061, SA], [1062, SA],
  [1064, S], [1065, SA], [1066, SA], [1067, SA], [1068, I], [1069, I], [1079, S], [1080, I], [1081, SA], [1082, SA],
  [1085, SA], [1086, SA], [1087, SA], [1088, SA], [1089, SA], [1090, SA], [1091, SA], [1092, SA], [1094, S], [1095, I], [1096, I], [1097, SA],
  [1098, SA], [1099, SA], [1106, I], [1112, I], [1113, SA], [1114, I], [1115, SA], [1116, I], [1117, SA], [1118, SA],
  [1122, S], [1123, S], [1124, S], [1125, S], [1126, S], [1127, I], [1128, I], [1129, I], [1131, S], [1132, S],
  [1140, I], [1141, I], [1142, SA], [1143, I], [1144, I], [1145, I], [1146, X], [1151, S], [1152, S], [1153, SA], [1154, SA], [1155, S],
  [5008, RPM_TYPE.INT64], [5009, RPM_TYPE.INT64], [5010, SA], [5011, I], [5012, S], [5020, I], [5021, I], [5022, I], [5023, I], [5024, I], [5025, I],
  [5026, I], [5027, I], [5034, S], [5046, SA], [5047, SA], [5048, I], [5049, SA], [5050, SA], [5051, I], [5052, SA], [5053, SA], [5054, I],
  [5055, SA], [5056, SA], [5057, I], [5062, S], [5092, SA], [5093, I], [5096, S],
]);

/** rpm's limits (header_internal.h): at most this many entries and data bytes in one header. */
export const HEADER_TAGS_MAX = 0xffff;
export const HEADER_DATA_MAX = 0x0fffffff;

const ENTRY = 16;
const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);
const REGION_TAGS: ReadonlySet<number> = new Set([RPMTAG.HEADERIMAGE, RPMTAG.HEADERSIGNATURES, RPMTAG.HEADERIMMUTABLE]);
const ALIGN = [1, 1, 1, 2, 4, 8, 1, 1, 1, 1];
const SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 1, 1];

interface Entry {
  readonly type: number;
  /** Absolute offset of the value in the blob. */
  readonly at: number;
  readonly count: number;
  /** Bytes the value takes. */
  readonly length: number;
}

export class RpmHeader {
  private readonly entries: ReadonlyMap<number, Entry>;

  private constructor(
    /** The blob as given to parse (kept, not copied). */
    readonly blob: Buffer,
    entries: Map<number, Entry>,
    /** The database's number for this header (rpm's "header instance", hnum), when it came from a database. */
    readonly instance: number | undefined,
    /** The immutable region's entry count and data length (the whole header when it has no region). */
    private readonly region: { readonly ril: number; readonly rdl: number; readonly present: boolean },
  ) {
    this.entries = entries;
  }

  /**
   * Checks the digests rpm keeps of the immutable region (SHA256HEADER,
   * SHA1HEADER: hex of the header magic, ril, rdl, the region's entries and
   * data), as rpm does before it uses a header it reads from a database.
   * Returns the first that does not match, or undefined when all that the
   * header holds match (or it holds none, or has no region).
   */
  digestMismatch(): string | undefined {
    if (!this.region.present) return undefined;
    const { ril, rdl } = this.region;
    const il = this.blob.readUInt32BE(0);
    const ildl = Buffer.alloc(8);
    ildl.writeUInt32BE(ril, 0);
    ildl.writeUInt32BE(rdl, 4);
    const dataStart = 8 + il * ENTRY;
    const parts = [HEADER_MAGIC, ildl, this.blob.subarray(8, 8 + ril * ENTRY), this.blob.subarray(dataStart, dataStart + rdl)];
    for (const [tag, algo] of [[RPMTAG.SHA256HEADER, 'sha256'], [RPMTAG.SHA1HEADER, 'sha1']] as const) {
      const want = this.string(tag);
      if (want === undefined) continue;
      const h = createHash(algo);
      for (const part of parts) h.update(part);
      const got = h.digest('hex');
      if (got !== want.toLowerCase()) return `${algo} of the header is ${got}, the header says ${want}`;
    }
    return undefined;
  }

  /**
   * Parses and checks a header blob (no magic). Throws RpmHeaderError on
   * anything that is not a well-formed header: every read afterwards stays
   * inside the blob. A blob longer than its header is refused too (rpm
   * does the same for a database entry).
   */
  static parse(blob: Buffer, instance?: number): RpmHeader {
    const at = instance === undefined ? '' : ` (header #${instance})`;
    const fail = (why: string): never => {
      throw new RpmHeaderError(`bad rpm header${at}: ${why}`);
    };
    if (blob.length < 8) fail(`${blob.length} bytes, shorter than the 8-byte preamble`);
    const il = blob.readUInt32BE(0);
    const dl = blob.readUInt32BE(4);
    if (il < 1 || il > HEADER_TAGS_MAX) fail(`entry count ${il} out of range 1..${HEADER_TAGS_MAX}`);
    if (dl > HEADER_DATA_MAX) fail(`data length ${dl} exceeds ${HEADER_DATA_MAX}`);
    const dataStart = 8 + il * ENTRY;
    const total = dataStart + dl;
    if (total !== blob.length) fail(`${il} entries and ${dl} data bytes make ${total} bytes, the blob has ${blob.length}`);

    const readEntry = (i: number): { tag: number; type: number; offset: number; count: number } => {
      const p = 8 + i * ENTRY;
      return { tag: blob.readUInt32BE(p), type: blob.readUInt32BE(p + 4), offset: blob.readInt32BE(p + 8), count: blob.readUInt32BE(p + 12) };
    };

    // the region: how many entries (ril) and data bytes (rdl) it holds
    let ril = il;
    let rdl = dl;
    const first = readEntry(0);
    const hasRegion = REGION_TAGS.has(first.tag);
    if (hasRegion) {
      if (first.type !== RPM_TYPE.BIN || first.count !== ENTRY) fail(`region tag ${first.tag} is not a ${ENTRY}-byte binary value`);
      if (first.offset < 0 || first.offset + ENTRY > dl) fail(`region trailer offset ${first.offset} outside ${dl} data bytes`);
      const t = dataStart + first.offset;
      const trailerTag = blob.readUInt32BE(t);
      const trailerType = blob.readUInt32BE(t + 4);
      const trailerOffset = blob.readInt32BE(t + 8);
      const trailerCount = blob.readUInt32BE(t + 12);
      if (trailerTag !== first.tag && !(first.tag === RPMTAG.HEADERIMAGE && trailerTag === RPMTAG.HEADERSIGNATURES)) fail(`region trailer tag ${trailerTag} does not match region tag ${first.tag}`);
      if (trailerType !== RPM_TYPE.BIN || trailerCount !== ENTRY) fail('region trailer is not a 16-byte binary value');
      if (trailerOffset >= 0 || -trailerOffset % ENTRY !== 0) fail(`region trailer offset ${trailerOffset} is not a negative multiple of ${ENTRY}`);
      ril = -trailerOffset / ENTRY;
      if (ril < 1 || ril > il) fail(`region claims ${ril} entries of ${il}`);
      rdl = first.offset + ENTRY;
    }

    // rpm's hdrblobVerifyInfo, then the accounting of its hdrblobImport: entries' data in
    // ascending order without overlap, each inside the data, and all of it, packed in index
    // order with each number aligned, filling the data exactly (with the region trailer)
    const typecheck = hasRegion && (first.tag === RPMTAG.HEADERIMMUTABLE || first.tag === RPMTAG.HEADERIMAGE);
    const entries = new Map<number, Entry>();
    const lengths: number[] = new Array<number>(il).fill(0);
    const offsets: number[] = new Array<number>(il).fill(0);
    const types: number[] = new Array<number>(il).fill(0);
    let prevEnd = 0;
    for (let i = hasRegion ? 1 : 0; i < il; i++) {
      const e = readEntry(i);
      const where = `entry ${i} (tag ${e.tag})`;
      if (e.offset < prevEnd) fail(`${where}: its data at ${e.offset} overlaps the previous entry's, which ends at ${prevEnd}`);
      if (e.tag < RPMTAG.HEADERI18NTABLE || e.tag > 0x7fffffff) fail(`${where}: tag out of range (a region tag away from the first entry, or negative)`);
      if (e.type > RPM_TYPE.I18NSTRING) fail(`${where}: unknown type ${e.type}`);
      if (e.type === RPM_TYPE.NULL) fail(`${where}: type NULL`);
      if (e.offset % ALIGN[e.type]! !== 0) fail(`${where}: offset ${e.offset} not aligned for type ${e.type}`);
      // like rpm, only a main header is type-checked: a package's signature header (region 62) numbers its tags apart
      const known = typecheck ? TAG_TYPES.get(e.tag) : undefined;
      if (known !== undefined && known !== e.type && !(isStringType(known) && isStringType(e.type))) fail(`${where}: type ${e.type}, where rpm's tag table says ${known}`);
      if (e.offset < 0 || e.offset >= dl) fail(`${where}: offset ${e.offset} outside ${dl} data bytes`);
      if (e.count < 1 || e.count > dl) fail(`${where}: count ${e.count} out of range`);
      if (e.type === RPM_TYPE.STRING && e.count !== 1) fail(`${where}: a STRING with count ${e.count}`);
      const start = dataStart + e.offset;
      const end = dataStart + dl;
      let length: number;
      if (isStringType(e.type)) {
        let p = start;
        for (let n = 0; n < e.count; n++) {
          const z = blob.indexOf(0, p);
          if (z < 0 || z >= end) fail(`${where}: string ${n} does not end inside the data`);
          p = z + 1;
        }
        length = p - start;
      } else {
        length = e.count * SIZE[e.type]!;
        if (length > end - start) fail(`${where}: ${e.count} values of ${SIZE[e.type]} bytes run past the data`);
      }
      prevEnd = e.offset + length;
      if (hasRegion && prevEnd > rdl - ENTRY && e.offset < rdl) fail(`${where}: its data overlaps the region trailer`);
      lengths[i] = length;
      offsets[i] = e.offset;
      types[i] = e.type;
      // a dribble (after the region) replaces a region entry of the same tag (and BASENAMES replaces OLDFILENAMES)
      if (!entries.has(e.tag) || i >= ril) {
        entries.set(e.tag, { type: e.type, at: start, count: e.count, length });
        if (i >= ril && e.tag === RPMTAG.BASENAMES) entries.delete(RPMTAG.OLDFILENAMES);
      }
    }
    let packed = 0;
    const group = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        const size = SIZE[types[i]!]!;
        if (size > 1) packed += (size - (packed % size)) % size;
        // rpm reads a database header "fast": a string's length runs to the next entry of its group
        packed += isStringType(types[i]!) && i + 1 < to ? offsets[i + 1]! - offsets[i]! : lengths[i]!;
      }
    };
    if (hasRegion) {
      group(1, ril);
      group(ril, il);
      packed += ENTRY;
    } else group(0, il);
    if (packed !== dl) fail(`its entries account for ${packed} data bytes, not ${dl}`);
    return new RpmHeader(blob, entries, instance, { ril, rdl, present: hasRegion });
  }

  /** The tags the header holds (region and dribbles), in no particular order. */
  tags(): number[] {
    return [...this.entries.keys()];
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** The value's type (RPM_TYPE), or undefined when the header lacks the tag. */
  typeOf(tag: number): number | undefined {
    return this.entries.get(tag)?.type;
  }

  /** A STRING, the first (untranslated) I18NSTRING, or the first of a STRING_ARRAY; undefined when absent or not a string. */
  string(tag: number): string | undefined {
    const e = this.entries.get(tag);
    if (!e || !isStringType(e.type)) return undefined;
    return this.blob.toString('utf8', e.at, this.blob.indexOf(0, e.at));
  }

  /** Every string of a STRING_ARRAY or I18NSTRING (a STRING as one); undefined when absent or not a string. */
  strings(tag: number): string[] | undefined {
    const e = this.entries.get(tag);
    if (!e || !isStringType(e.type)) return undefined;
    // parse checked that the value holds exactly `count` NUL-terminated strings: one decode and a split
    return this.blob.toString('utf8', e.at, e.at + e.length - 1).split('\0');
  }

  /**
   * The values of a CHAR, INT8, INT16, INT32 or INT64 entry, unsigned as
   * rpm keeps them. An INT64 beyond Number.MAX_SAFE_INTEGER throws
   * RpmHeaderError rather than lose precision. Undefined when absent or not
   * a number.
   */
  numbers(tag: number): number[] | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    const b = this.blob;
    const out: number[] = new Array<number>(e.count);
    switch (e.type) {
      case RPM_TYPE.CHAR:
      case RPM_TYPE.INT8:
        for (let n = 0; n < e.count; n++) out[n] = b[e.at + n]!;
        return out;
      case RPM_TYPE.INT16:
        for (let n = 0; n < e.count; n++) out[n] = b.readUInt16BE(e.at + 2 * n);
        return out;
      case RPM_TYPE.INT32:
        for (let n = 0; n < e.count; n++) out[n] = b.readUInt32BE(e.at + 4 * n);
        return out;
      case RPM_TYPE.INT64:
        for (let n = 0; n < e.count; n++) {
          const v = b.readBigUInt64BE(e.at + 8 * n);
          if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RpmHeaderError(`rpm header tag ${tag}: 64-bit value ${v} is too large`);
          out[n] = Number(v);
        }
        return out;
      default:
        return undefined;
    }
  }

  /** The first number of a numeric entry. */
  number(tag: number): number | undefined {
    return this.numbers(tag)?.[0];
  }

  /** The bytes of a BIN entry (a copy); undefined when absent or not binary. */
  binary(tag: number): Buffer | undefined {
    const e = this.entries.get(tag);
    if (!e || e.type !== RPM_TYPE.BIN) return undefined;
    return Buffer.from(this.blob.subarray(e.at, e.at + e.length));
  }
}

function isStringType(type: number): boolean {
  return type === RPM_TYPE.STRING || type === RPM_TYPE.STRING_ARRAY || type === RPM_TYPE.I18NSTRING;
}

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
  CONFLICTNAME: 1054,
  RPMVERSION: 1064,
  OBSOLETENAME: 1090,
  FILEDEVICES: 1095,
  FILEINODES: 1096,
  FILELANGS: 1097,
  PREFIXES: 1098,
  INSTPREFIXES: 1099,
  SOURCEPACKAGE: 1106,
  PROVIDEFLAGS: 1112,
  PROVIDEVERSION: 1113,
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

/** rpm's limits (header_internal.h): at most this many entries and data bytes in one header. */
export const HEADER_TAGS_MAX = 0xffff;
export const HEADER_DATA_MAX = 0x0fffffff;

const ENTRY = 16;
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
  ) {
    this.entries = entries;
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

    const entries = new Map<number, Entry>();
    for (let i = hasRegion ? 1 : 0; i < il; i++) {
      const e = readEntry(i);
      const where = `entry ${i} (tag ${e.tag})`;
      if (e.type > RPM_TYPE.I18NSTRING) fail(`${where}: unknown type ${e.type}`);
      if (e.type === RPM_TYPE.NULL) fail(`${where}: type NULL`);
      if (REGION_TAGS.has(e.tag) || e.tag === RPMTAG.HEADERREGIONS) fail(`${where}: a region tag away from the first entry`);
      // region entries keep to the region's data; dribbles may use all of it
      const limit = i < ril ? rdl : dl;
      if (e.offset < 0 || e.offset >= limit) fail(`${where}: offset ${e.offset} outside ${limit} data bytes`);
      if (e.offset % ALIGN[e.type]! !== 0) fail(`${where}: offset ${e.offset} not aligned for type ${e.type}`);
      if (e.count < 1 || e.count > dl) fail(`${where}: count ${e.count} out of range`);
      if (e.type === RPM_TYPE.STRING && e.count !== 1) fail(`${where}: a STRING with count ${e.count}`);
      const start = dataStart + e.offset;
      const end = dataStart + limit;
      let length: number;
      if (e.type === RPM_TYPE.STRING || e.type === RPM_TYPE.STRING_ARRAY || e.type === RPM_TYPE.I18NSTRING) {
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
      // a dribble (after the region) replaces a region entry of the same tag; within one part, the first wins
      if (!entries.has(e.tag) || i >= ril) entries.set(e.tag, { type: e.type, at: start, count: e.count, length });
    }
    return new RpmHeader(blob, entries, instance);
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

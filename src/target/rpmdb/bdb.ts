/**
 * rpm's Berkeley DB backend, read-only (RHEL 7 and 8: /var/lib/rpm/Packages),
 * written from the on-disk format as rpm's own bdb_ro reader walks it:
 *
 * - page 0 is the hash metadata: magic 0x061561 at byte 12 (byte-swapped
 *   when the file comes from a host of the other endianness), version at
 *   16, page size at 20, last page at 32, max_bucket at 72, spares[32]
 *   (the page of each bucket is bucket + spares[bit length of bucket]) at 96;
 * - every page starts with a 26-byte header: pgno at 8, next page at 16,
 *   entry count at 20, free-space offset (an overflow page's byte count) at
 *   22, page type at 25;
 * - a hash page (type 2 or 13) holds `entries` 2-byte offsets, key and
 *   value alternating, each item running up to the previous one (the first
 *   to the end of the page); an item is H_KEYDATA (1: its bytes follow) or
 *   H_OFFPAGE (3: 3 unused bytes, first overflow page, total length);
 * - an overflow page (type 7) holds its byte count of data after the
 *   header and names the next page.
 *
 * The key is the header instance (4 bytes, the host's byte order); key 0
 * holds rpm's next free instance, not a header. Every page number, offset
 * and length is checked, and every walk counts its pages: a loop in a page
 * chain or an overflow chain is an error, never a hang.
 */
import { RpmDbError, type DbBlob } from './database.js';
import { HEADER_DATA_MAX } from './header.js';

const HASH_MAGIC = 0x00061561;
const BTREE_MAGIC = 0x00053162;
const PAGE_HEADER = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;

/** Every key/value pair of the hash database as instance and header blob, in bucket order (as rpm's bdb_ro iterates). */
export function readBdbBlobs(file: Buffer, path: string): DbBlob[] {
  const fail = (why: string): never => {
    throw new RpmDbError(path, `${path}: not a readable Berkeley DB hash database: ${why}`);
  };
  if (file.length < 512) fail(`${file.length} bytes, shorter than a metadata page`);
  const magicLE = file.readUInt32LE(12);
  const magicBE = file.readUInt32BE(12);
  let le: boolean;
  if (magicLE === HASH_MAGIC) le = true;
  else if (magicBE === HASH_MAGIC) le = false;
  else if (magicLE === BTREE_MAGIC || magicBE === BTREE_MAGIC) return fail('a btree database, not rpm\'s Packages hash');
  else return fail('no Berkeley DB hash magic');
  const u32 = (at: number): number => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const u16 = (at: number): number => (le ? file.readUInt16LE(at) : file.readUInt16BE(at));

  const version = u32(16);
  if (version < 8 || version > 10) fail(`unsupported hash version ${version}`);
  const pagesize = u32(20);
  if (pagesize < 512 || pagesize > 65536 || (pagesize & (pagesize - 1)) !== 0) fail(`page size ${pagesize}`);
  if (file[24] !== 0) fail('encrypted');
  // DBMETA_CHKSUM: the pages carry checksums, which move every item; rpm's defaults never ask for them, and its bdb_ro cannot read such a file either
  if ((file[26]! & 0x01) !== 0) fail("its pages carry checksums (DB_CHKSUM), which rpm's bdb_ro cannot read either");
  const lastpage = u32(32);
  const pages = Math.floor(file.length / pagesize);
  if (lastpage >= pages) fail(`last page ${lastpage} beyond the file's ${pages} pages`);
  const maxbucket = u32(72);
  const spares: number[] = [];
  for (let i = 0; i < 32; i++) spares.push(u32(96 + 4 * i));
  if (maxbucket > lastpage) fail(`${maxbucket + 1} buckets in ${lastpage + 1} pages`);

  /** The offset of page `pgno`, checked: in the file, and saying it is that page. */
  const page = (pgno: number, what: string): number => {
    if (pgno < 1 || pgno > lastpage) fail(`${what}: page ${pgno} outside 1..${lastpage}`);
    const at = pgno * pagesize;
    if (u32(at + 8) !== pgno) fail(`${what}: page ${pgno} says it is page ${u32(at + 8)}`);
    return at;
  };
  // one budget for every page visit: a well-formed file visits each page at most once per chain
  let budget = (lastpage + 1) * 2;
  const step = (what: string): void => {
    if (--budget < 0) fail(`${what}: page chains visit more pages than the file holds (a loop)`);
  };

  const overflow = (first: number, length: number, what: string): Buffer => {
    if (length === 0 || length > HEADER_DATA_MAX + 8 + 16 * 0xffff) fail(`${what}: overflow item of ${length} bytes`);
    if (length > (lastpage + 1) * pagesize) fail(`${what}: overflow item of ${length} bytes in a file of ${file.length}`);
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    let pgno = first;
    const seen = new Set<number>();
    while (done < length) {
      step(what);
      if (seen.has(pgno)) fail(`${what}: overflow chain loops at page ${pgno}`);
      seen.add(pgno);
      const at = page(pgno, what);
      if (file[at + 25] !== P_OVERFLOW) fail(`${what}: page ${pgno} in an overflow chain has type ${file[at + 25]}`);
      const n = u16(at + 22);
      if (n + PAGE_HEADER > pagesize || n > length - done) fail(`${what}: overflow page ${pgno} holds ${n} bytes`);
      if (n === 0) fail(`${what}: empty overflow page ${pgno}`);
      file.copy(out, done, at + PAGE_HEADER, at + PAGE_HEADER + n);
      done += n;
      pgno = u32(at + 16);
    }
    return out;
  };

  const item = (at: number, off: number, len: number, what: string): Buffer => {
    if (len <= 0 || off + len > pagesize) fail(`${what}: item at ${off} of ${len} bytes`);
    const type = file[at + off];
    if (type === H_KEYDATA) return file.subarray(at + off + 1, at + off + len);
    if (type === H_OFFPAGE) {
      if (len !== 12) fail(`${what}: off-page item of ${len} bytes`);
      return overflow(u32(at + off + 4), u32(at + off + 8), what);
    }
    return fail(`${what}: item type ${type}`);
  };

  const out: DbBlob[] = [];
  for (let bucket = 0; bucket <= maxbucket; bucket++) {
    let bits = 0;
    for (let b = bucket; b; b >>>= 1) bits++;
    let pgno = bucket + spares[bits]!;
    const seen = new Set<number>();
    while (pgno !== 0) {
      const what = `bucket ${bucket}, page ${pgno}`;
      step(what);
      if (seen.has(pgno)) fail(`${what}: bucket's page chain loops`);
      seen.add(pgno);
      const at = page(pgno, what);
      const type = file[at + 25];
      if (type !== P_HASH && type !== P_HASH_UNSORTED && type !== P_HASHMETA) fail(`${what}: page type ${type} in a bucket`);
      const entries = u16(at + 20);
      if (entries % 2 !== 0 || PAGE_HEADER + 2 * entries > pagesize) fail(`${what}: ${entries} entries`);
      for (let i = 0; i < entries; i += 2) {
        const koff = u16(at + PAGE_HEADER + 2 * i);
        const voff = u16(at + PAGE_HEADER + 2 * i + 2);
        const kend = i === 0 ? pagesize : u16(at + PAGE_HEADER + 2 * i - 2);
        if (koff < PAGE_HEADER + 2 * entries || voff < PAGE_HEADER + 2 * entries || koff >= pagesize || voff >= koff || kend > pagesize) fail(`${what}: entry ${i / 2} has offsets ${koff}, ${voff}`);
        const key = item(at, koff, kend - koff, `${what}, entry ${i / 2}`);
        if (key.length !== 4) fail(`${what}, entry ${i / 2}: a ${key.length}-byte key, not a header number`);
        const instance = le ? key.readUInt32LE(0) : key.readUInt32BE(0);
        if (instance === 0) continue; // rpm's next-instance counter
        const value = item(at, voff, koff - voff, `${what}, header #${instance}`);
        out.push({ instance, blob: value.buffer === file.buffer ? Buffer.from(value) : value });
      }
      pgno = u32(at + 16);
    }
  }
  return out;
}

/**
 * rpm's ndb backend (SUSE: /usr/lib/sysimage/rpm/Packages.db), read-only,
 * written from the format rpm's lib/backend/ndb/rpmpkg.c keeps (all
 * integers little-endian):
 *
 * - a 32-byte file header: magic "RpmP", version 0, generation, the number
 *   of 4096-byte slot pages, the next package index;
 * - the slot pages: 16-byte slots ("Slot", package index, block offset,
 *   block count; offset 0 is a free slot), the first two slots of page 0
 *   being the file header;
 * - each header blob at block offset × 16: "BlbS", package index,
 *   timestamp, length, the blob, zero padding to a 16-byte block, then
 *   adler32, length and "BlbE".
 *
 * As rpm does, the blobs come in block-offset order; every slot and blob is
 * checked against the file's size and against itself, as rpm checks them.
 * rpm does not check the adler32 when it reads a blob, so neither does this.
 */
import { RpmDbError, type DbBlob } from './database.js';

const MAGIC = 0x506d7052; // "RpmP"
const SLOT_MAGIC = 0x746f6c53; // "Slot"
const HEAD_MAGIC = 0x53626c42; // "BlbS"
const TAIL_MAGIC = 0x45626c42; // "BlbE"
const PAGE = 4096;
const SLOT = 16;
const BLK = 16;
const HEAD = 16;
const TAIL = 12;

export function readNdbBlobs(file: Buffer, path: string): DbBlob[] {
  const fail = (why: string): never => {
    throw new RpmDbError(path, `${path}: not a readable rpm ndb database: ${why}`);
  };
  if (file.length < 32) fail(`${file.length} bytes, shorter than its header`);
  if (file.readUInt32LE(0) !== MAGIC) fail('no "RpmP" magic');
  const version = file.readUInt32LE(4);
  if (version !== 0) fail(`version ${version}, not 0`);
  const slotnpages = file.readUInt32LE(12);
  if (file.length % BLK !== 0) fail(`${file.length} bytes, not a whole number of ${BLK}-byte blocks`);
  const fileblks = file.length / BLK;
  if (slotnpages < 1 || slotnpages * PAGE > file.length) fail(`${slotnpages} slot pages in a file of ${file.length} bytes`);
  const minblkoff = slotnpages * (PAGE / BLK);

  const slots: { pkgidx: number; blkoff: number; blkcnt: number }[] = [];
  const seen = new Set<number>();
  for (let at = 32; at < slotnpages * PAGE; at += SLOT) {
    if (file.readUInt32LE(at) !== SLOT_MAGIC) fail(`slot at byte ${at} has no "Slot" magic`);
    const blkoff = file.readUInt32LE(at + 8);
    if (blkoff === 0) continue;
    const pkgidx = file.readUInt32LE(at + 4);
    const blkcnt = file.readUInt32LE(at + 12);
    if (blkoff + blkcnt > fileblks) fail(`slot of package ${pkgidx} runs past the end of the file (truncated)`);
    if (pkgidx === 0 || blkcnt === 0 || blkoff < minblkoff) fail(`bad slot at byte ${at}`);
    if (seen.has(pkgidx)) fail(`two slots for package ${pkgidx}`);
    seen.add(pkgidx);
    slots.push({ pkgidx, blkoff, blkcnt });
  }
  slots.sort((a, b) => a.blkoff - b.blkoff);
  let end = minblkoff;
  const out: DbBlob[] = [];
  for (const { pkgidx, blkoff, blkcnt } of slots) {
    if (blkoff < end) fail(`the blobs of package ${pkgidx} and the one before overlap`);
    end = blkoff + blkcnt;
    const at = blkoff * BLK;
    const what = `package ${pkgidx}`;
    if (blkcnt * BLK < HEAD + TAIL) fail(`${what}: ${blkcnt} blocks, too few for a blob`);
    if (file.readUInt32LE(at) !== HEAD_MAGIC || file.readUInt32LE(at + 4) !== pkgidx) fail(`${what}: no blob header`);
    const len = file.readUInt32LE(at + 12);
    if (blkcnt !== Math.ceil((HEAD + len + TAIL) / BLK)) fail(`${what}: a ${len}-byte blob in ${blkcnt} blocks`);
    const tail = at + blkcnt * BLK - TAIL;
    if (file.readUInt32LE(tail + 4) !== len || file.readUInt32LE(tail + 8) !== TAIL_MAGIC) fail(`${what}: no blob trailer`);
    out.push({ instance: pkgidx, blob: Buffer.from(file.subarray(at + HEAD, at + HEAD + len)) });
  }
  return out;
}

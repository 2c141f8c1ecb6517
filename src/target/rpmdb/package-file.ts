/**
 * An .rpm package file (rpm's docs/manual/format_v4.md): a 96-byte lead, the
 * signature header (magic, blob, padded to 8 bytes), the main header
 * (magic, blob), then the payload. The headers parse as RpmHeader.
 */
import { RpmHeader, RpmHeaderError } from './header.js';

/** Tags of a package file's signature header (rpm's RPMSIGTAG_*): the old ones have their own numbers, newer ones share the main header's. */
export const RPMSIGTAG = {
  SIZE: 1000,
  PGP: 1002,
  MD5: 1004,
  GPG: 1005,
  PAYLOADSIZE: 1007,
  RESERVEDSPACE: 1008,
  DSA: 267,
  RSA: 268,
  SHA1: 269,
  LONGSIZE: 270,
  LONGARCHIVESIZE: 271,
  SHA256: 273,
} as const;

const LEAD = 96;
const LEAD_MAGIC = 0xedabeedb;
const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01]);

export interface RpmPackageFile {
  readonly signature: RpmHeader;
  readonly header: RpmHeader;
  /** Where the payload starts in the file. */
  readonly payloadOffset: number;
}

/** Parses a package file's two headers; throws RpmHeaderError on anything else. */
export function parsePackageFile(file: Buffer): RpmPackageFile {
  if (file.length < LEAD || file.readUInt32BE(0) !== LEAD_MAGIC) throw new RpmHeaderError('not an rpm package: no lead');
  const sig = headerAt(file, LEAD, 'signature');
  const mainAt = sig.end + ((8 - (sig.end % 8)) % 8);
  const main = headerAt(file, mainAt, 'main');
  return { signature: sig.header, header: main.header, payloadOffset: main.end };
}

function headerAt(file: Buffer, at: number, what: string): { header: RpmHeader; end: number } {
  if (at + 16 > file.length || !file.subarray(at, at + 4).equals(HEADER_MAGIC)) throw new RpmHeaderError(`rpm package: no ${what} header at byte ${at}`);
  const il = file.readUInt32BE(at + 8);
  const dl = file.readUInt32BE(at + 12);
  const end = at + 16 + il * 16 + dl;
  if (end > file.length) throw new RpmHeaderError(`rpm package: the ${what} header runs past the end of the file`);
  return { header: RpmHeader.parse(file.subarray(at + 8, end)), end };
}

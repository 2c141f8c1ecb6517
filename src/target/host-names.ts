/**
 * File names that are not UTF-8, for the filesystem targets.
 *
 * Linux names are bytes. Node decodes the names it lists as UTF-8 and
 * replaces every byte it cannot decode with U+FFFD, so a file named
 * `b"evil\xff"` was listed as `evil\uFFFD`, which names no file: the next
 * lstat failed with ENOENT and the file dropped out of every walk, a
 * world-writable or setuid file hidden by its name.
 *
 * Names are decoded instead as Python's "surrogateescape" does: valid UTF-8
 * as the characters it encodes, and each byte of an invalid sequence as the
 * lone surrogate U+DC00 + byte (0x80 to 0xFF; bytes below 0x80 are always
 * valid). The target path is then a string that maps back to the exact
 * bytes (`hostFsPath`), which every host call uses. A lone surrogate cannot
 * be written in UTF-8, so the result writers show such a byte as U+FFFD
 * (model/xml/escape.ts), and JSON as its `\udcXX` escape.
 */

/** A lone low surrogate in U+DC80..U+DCFF: an escaped byte (a surrogate pair's low half has a high half before it). */
const ESCAPED = /(?<![\ud800-\udbff])[\udc80-\udcff]/;
const ANY_LOW = /[\udc80-\udcff]/;

/** Whether a target path holds escaped bytes (a name that is not UTF-8). */
export function hasEscapedBytes(s: string): boolean {
  // the cheap test first: a low surrogate of this range is rare in any name
  return ANY_LOW.test(s) && ESCAPED.test(s);
}

/** The host path to give node:fs for a target path: the string itself, or its exact bytes when it holds escaped bytes. */
export function hostFsPath(s: string): string | Buffer {
  return hasEscapedBytes(s) ? encodeName(s) : s;
}

/** The bytes a decoded name (or path) stands for: UTF-8, each escaped byte as itself. */
export function encodeName(s: string): Buffer {
  const parts: Buffer[] = [];
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && isHigh(s.charCodeAt(i - 1)))) {
      if (run < i) parts.push(Buffer.from(s.slice(run, i), 'utf8'));
      parts.push(Buffer.of(c - 0xdc00));
      run = i + 1;
    }
  }
  if (run < s.length) parts.push(Buffer.from(s.slice(run), 'utf8'));
  return Buffer.concat(parts);
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/** Decodes a name's bytes: UTF-8 where valid, each byte of an invalid sequence as U+DC00 + byte. */
export function decodeName(b: Buffer): string {
  const plain = b.toString('utf8');
  if (!plain.includes('\ufffd')) return plain;
  let out = '';
  let run = 0;
  let i = 0;
  while (i < b.length) {
    const n = validSequence(b, i);
    if (n > 0) {
      i += n;
      continue;
    }
    if (run < i) out += b.toString('utf8', run, i);
    out += String.fromCharCode(0xdc00 + b[i]!);
    i++;
    run = i;
  }
  if (run < b.length) out += b.toString('utf8', run, b.length);
  return out;
}

/** The length of the valid UTF-8 sequence at b[i], or 0 (overlong forms, surrogates and code points over U+10FFFF are invalid). */
function validSequence(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number): boolean => i + k < b.length && (b[i + k]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const c1 = b[i + 1]!;
    if (c === 0xe0 && c1 < 0xa0) return 0; // overlong
    if (c === 0xed && c1 >= 0xa0) return 0; // a surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const c1 = b[i + 1]!;
    if (c === 0xf0 && c1 < 0x90) return 0; // overlong
    if (c === 0xf4 && c1 >= 0x90) return 0; // over U+10FFFF
    return 4;
  }
  return 0;
}

/** Names as node lists them, decoded: Node's UTF-8 names are kept unless one was not UTF-8 (it holds U+FFFD), and then the listing is read again as bytes. */
export function decodedNames(names: string[], again: () => Buffer[]): string[] {
  for (const n of names) if (n.includes('\ufffd')) return again().map(decodeName);
  return names;
}

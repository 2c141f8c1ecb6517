/**
 * Size limits the XML readers share with libxml2 (and so with oscap), and
 * the check of a whole document's bytes for the outline (./outline.ts),
 * which skips most of a document without parsing it.
 */
import { ContentError, type SourceLocation } from '../errors.js';

/**
 * The longest text node, CDATA section, comment or attribute value, in
 * bytes of UTF-8: libxml2's limit without XML_PARSE_HUGE, which oscap 1.3.7
 * keeps. Measured with `oscap info`: a text node of 10,000,000 bytes is
 * read and one of 10,000,001 refused ("xmlSAX2Characters: huge text node"),
 * 5,000,000 two-byte characters read and 5,000,001 refused (bytes, not
 * characters), entity references count with the text around them, and
 * CDATA sections and comments have the same boundary. (libxml2's boundary
 * for an attribute value depends on where the value starts in its input
 * buffer, a little under 10,000,000; Vigil uses the same figure for all.)
 */
export const MAX_XML_TEXT = 10_000_000;

/** Whether `s` is longer than MAX_XML_TEXT bytes of UTF-8, counting no more than it must. */
export function overTextLimit(s: string): boolean {
  // Each UTF-16 unit is 1 to 3 bytes (a surrogate pair is 4 for 2), so the length bounds the byte count.
  if (s.length > MAX_XML_TEXT) return true;
  if (s.length * 3 <= MAX_XML_TEXT) return false;
  return Buffer.byteLength(s, 'utf8') > MAX_XML_TEXT;
}

export function textTooLong(what: string, at: SourceLocation): ContentError {
  return new ContentError('xml-text-too-long', `${what} is longer than ${MAX_XML_TEXT.toLocaleString('en')} bytes: refused, as libxml2 (and oscap) refuse it without XML_PARSE_HUGE`, at);
}

const LT = 0x3c;
const BLOCK = MAX_XML_TEXT >> 1;

/**
 * Refuses a document holding a text node or attribute value over the limit,
 * wherever it is, without parsing: such a node is a run of more than
 * MAX_XML_TEXT bytes without `<`, and so holds a whole aligned block of
 * MAX_XML_TEXT / 2 bytes without one. Each block is searched for a `<`
 * (found at once in ordinary content); only around a block without one is
 * the markup read: the tag before it (its attribute values) and the text
 * after that tag, with entity references counted as what they stand for.
 * A comment, CDATA section or processing instruction starting before such
 * a block is measured to its end.
 */
export function checkTextRuns(bytes: Buffer, locate: (offset: number) => SourceLocation): void {
  let checkedTo = 0;
  for (let b = 0; b + BLOCK <= bytes.length; b += BLOCK) {
    if (b + BLOCK <= checkedTo) continue;
    const lt = bytes.indexOf(LT, b);
    if (lt >= 0 && lt < b + BLOCK) continue;
    const p = bytes.lastIndexOf(LT, b);
    let q = bytes.indexOf(LT, b + BLOCK);
    if (q < 0) q = bytes.length;
    checkedTo = q;
    if (p < 0) {
      if (q > MAX_XML_TEXT) throw textTooLong('text before the document element', locate(0));
      continue;
    }
    const ends = (open: string, close: string, what: string): boolean => {
      if (bytes.toString('latin1', p, p + open.length) !== open) return false;
      let end = bytes.indexOf(close, p + open.length, 'latin1');
      if (end < 0) end = bytes.length;
      if (end - p - open.length > MAX_XML_TEXT) throw textTooLong(what, locate(p));
      checkedTo = Math.max(checkedTo, end);
      return true;
    };
    if (ends('<!--', '-->', 'a comment') || ends('<![CDATA[', ']]>', 'a CDATA section') || ends('<?', '?>', 'a processing instruction')) continue;
    // A tag: its end is the first `>` outside quotes; attribute values cannot hold `<`.
    let i = p + 1;
    let quote = 0;
    let valueStart = 0;
    for (; i < q; i++) {
      const c = bytes[i]!;
      if (quote) {
        if (c === quote) {
          if (i - valueStart > MAX_XML_TEXT && decodedLength(bytes, valueStart, i) > MAX_XML_TEXT) throw textTooLong('an attribute value', locate(valueStart));
          quote = 0;
        }
      } else if (c === 0x22 || c === 0x27) {
        quote = c;
        valueStart = i + 1;
      } else if (c === 0x3e) break;
    }
    if (quote && i - valueStart > MAX_XML_TEXT && decodedLength(bytes, valueStart, i) > MAX_XML_TEXT) throw textTooLong('an attribute value', locate(valueStart));
    const textStart = i + 1;
    if (q - textStart > MAX_XML_TEXT && decodedLength(bytes, textStart, q) > MAX_XML_TEXT) throw textTooLong('a text node', locate(textStart));
  }
}

const ENTITY = /^&(?:#x([0-9a-fA-F]+)|#([0-9]+)|[A-Za-z]+);/;

/** The UTF-8 length of bytes[from, to) once entity and character references are replaced (no copy of the text is made). */
function decodedLength(bytes: Buffer, from: number, to: number): number {
  let n = to - from;
  for (let k = bytes.indexOf(0x26, from); k >= 0 && k < to; k = bytes.indexOf(0x26, k + 1)) {
    const m = ENTITY.exec(bytes.toString('latin1', k, Math.min(k + 12, to)));
    if (!m) continue;
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? Number(m[2]) : 0x3f;
    n -= m[0].length - (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
  }
  return n;
}

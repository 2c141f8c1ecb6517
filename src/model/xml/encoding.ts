/**
 * The encodings the XML readers accept: UTF-8 (with or without a byte order
 * mark) and UTF-16, little- or big-endian, told by its byte order mark or,
 * without one, by the `<?` of the XML declaration (XML 1.0 appendix F, as
 * libxml2 and so oscap detect it). Readers decode UTF-16 to text (or, for the
 * outline, which works on UTF-8 bytes, re-encode it as UTF-8) before parsing,
 * so nothing after this point knows the document was UTF-16; the XML
 * declaration's `encoding` is not consulted. Malformed UTF-16 (a lone
 * surrogate, an odd byte at the end) is refused, as libxml2 refuses it.
 */
import { ContentError } from '../errors.js';

export type XmlEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** The encoding of a document from its first bytes (at least 4 when the document has them). */
export function sniffXmlEncoding(head: Uint8Array): XmlEncoding {
  const [a, b, c, d] = head;
  if (a === 0xff && b === 0xfe) return 'utf-16le';
  if (a === 0xfe && b === 0xff) return 'utf-16be';
  if (a === 0x3c && b === 0x00 && c === 0x3f && d === 0x00) return 'utf-16le';
  if (a === 0x00 && b === 0x3c && c === 0x00 && d === 0x3f) return 'utf-16be';
  return 'utf-8';
}

/** A streaming decoder for the document's encoding; its errors are ContentErrors naming `file`. */
export function xmlDecoder(encoding: XmlEncoding, file: string): { write(bytes: Uint8Array): string; end(): string } {
  const fatal = encoding !== 'utf-8'; // UTF-8 keeps its existing reading; malformed UTF-16 is refused
  const decoder = new TextDecoder(encoding, { fatal });
  const fail = (e: unknown): never => {
    throw new ContentError('xml-malformed', `malformed XML: ${file} is not valid ${encoding.toUpperCase()}`, { file, line: 1, col: 1 }, { cause: e });
  };
  return {
    write: (bytes) => {
      try {
        return decoder.decode(bytes, { stream: true });
      } catch (e) {
        return fail(e);
      }
    },
    end: () => {
      try {
        return decoder.decode();
      } catch (e) {
        return fail(e);
      }
    },
  };
}

/** The document as UTF-8 bytes (the same buffer when it is UTF-8 already). */
export function xmlBytesAsUtf8(bytes: Buffer, file: string): Buffer {
  const encoding = sniffXmlEncoding(bytes);
  if (encoding === 'utf-8') return bytes;
  const d = xmlDecoder(encoding, file);
  return Buffer.from(d.write(bytes) + d.end(), 'utf8');
}

/**
 * Streaming XML reading on top of saxes. A document is walked by a stack of
 * frame handlers: each decides, for every child element, whether to descend
 * into it with another handler, capture it whole as a small XmlElement tree,
 * or skip it. Only captured subtrees are ever materialised.
 *
 * Hostile input: a DOCTYPE is refused outright, so no entity can be declared
 * (billion laughs) and none can point outside the file (XXE). SCAP content
 * never needs one.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { SaxesParser } from './saxes.js';
import { ContentError, type SourceLocation } from '../errors.js';
import type { XmlElement } from './element.js';
import { sniffXmlEncoding, xmlDecoder } from './encoding.js';
import { MAX_XML_TEXT, overTextLimit, textTooLong } from './limits.js';

export { MAX_XML_TEXT } from './limits.js';

export interface OpenTag {
  readonly ns: string;
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly line: number;
  readonly col: number;
}

export const CAPTURE = Symbol('capture');
export const SKIP = Symbol('skip');
export type ChildDecision = FrameHandler | typeof CAPTURE | typeof SKIP;

export interface FrameHandler {
  /** Called for each child element as it opens. */
  child(tag: OpenTag): ChildDecision;
  /** Receives the subtrees this handler chose to capture. */
  captured?(el: XmlElement): void;
  /** Text directly inside the frame's element. */
  text?(text: string): void;
  /** The frame's element has closed. */
  close?(): void;
}

interface MutableElement {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: Array<MutableElement | string>;
  line: number;
  col: number;
}

type Frame =
  | { kind: 'handler'; handler: FrameHandler }
  | { kind: 'capture'; el: MutableElement; owner: FrameHandler | null }
  | { kind: 'skip' };

const CHUNK = 1 << 18; // 256 KiB: larger chunks cost more in retained slices and GC

export interface XmlSource {
  /** A path to read in chunks, or literal text (tests). */
  readonly path?: string;
  readonly text?: string;
  /** The name used in error locations. */
  readonly name: string;
}

/**
 * How many levels elements may nest, the document element being level 1:
 * libxml2's limit without XML_PARSE_HUGE (256 open elements before the
 * next), which oscap 1.3.7 keeps; measured, both accept 257 levels and
 * refuse 258. Deeper input is refused with its position, so nothing that
 * walks the model recurses as deep as the input asks.
 */
export const MAX_XML_DEPTH = 257;

/**
 * Streams a document through `root`. `root.child` is called once, for the
 * document element. Throws ContentError with file:line:col on malformed XML.
 */
export function streamXml(source: XmlSource, root: FrameHandler): void {
  // Namespaces and positions are tracked here rather than by saxes: it is
  // markedly faster, and positions are only computed per start tag.
  const parser = new SaxesParser({ xmlns: false, position: false });
  const internals = parser as unknown as { i: number; chunk: string; text: string };
  const stack: Frame[] = [{ kind: 'handler', handler: root }];
  const scopes: Array<Record<string, string>> = [PREDEFINED_SCOPE];
  let failure: ContentError | undefined;
  const own = ownStrings();

  // Line/column: newlines counted up to the parser's index in the current chunk.
  let scanned = 0; // index in the current chunk counted so far
  let line = 1;
  let lineStart = 0; // index in the chunk where the current line starts (may be negative)
  let chunkSeen = '';
  // Chunks are told apart by number, not by text: two chunks can be the same text.
  let chunkNo = 0;
  let seenNo = 0;
  let col = 0;
  /**
   * Advances `line`/`col` to the parser's current index or, with `atTagStart`,
   * to the `<` that opened the tag just reported (a start tag holds no other `<`).
   */
  const advance = (atTagStart = false): void => {
    const chunk = internals.chunk;
    if (chunkNo !== seenNo || chunk !== chunkSeen) {
      // a new chunk: finish counting the previous one
      if (chunkSeen) {
        for (let k = chunkSeen.indexOf('\n', scanned); k >= 0; k = chunkSeen.indexOf('\n', k + 1)) {
          line++;
          lineStart = k + 1;
        }
        lineStart -= chunkSeen.length;
      }
      chunkSeen = chunk;
      seenNo = chunkNo;
      scanned = 0;
    }
    let i = Math.min(internals.i, chunk.length);
    if (atTagStart) {
      const lt = chunk.lastIndexOf('<', i - 1);
      if (lt >= scanned) i = lt;
    }
    for (let k = chunk.indexOf('\n', scanned); k >= 0 && k < i; k = chunk.indexOf('\n', k + 1)) {
      line++;
      lineStart = k + 1;
    }
    scanned = i;
    col = i - lineStart + (atTagStart ? 1 : 0);
  };
  const position = (): SourceLocation => {
    advance();
    return { file: source.name, line, col };
  };

  // Longer text is refused as it streams (checked after every chunk), not after saxes has gathered all of it.
  const tooLong = (what: string): ContentError => textTooLong(what, position());
  /** The text saxes is gathering (a text node, CDATA section, comment or attribute value), checked as the input streams. */
  const checkPending = (): void => {
    // Count this chunk's lines now: a chunk with no start tag in it is otherwise never counted.
    advance();
    // Only the length here (no UTF-8 count of a growing string per chunk); the exact count is made when the node ends.
    if (failure === undefined && internals.text.length > MAX_XML_TEXT) failure = tooLong('a text node, CDATA section, comment or attribute value');
  };

  parser.on('error', (err) => {
    if (failure === undefined) {
      const msg = err.message.replace(/^(?:[^:]*:)?\d+:\d+: /, '');
      failure = new ContentError('xml-malformed', `malformed XML: ${msg}`, position());
    }
  });
  parser.on('doctype', () => {
    failure ??= new ContentError(
      'xml-doctype',
      'DOCTYPE declarations are refused (entity expansion and external entities are never processed)',
      position(),
    );
  });
  parser.on('opentag', (tag) => {
    if (failure) return;
    if (stack.length > MAX_XML_DEPTH) {
      failure = new ContentError('xml-too-deep', `elements nest more than ${MAX_XML_DEPTH} levels deep: refused, as libxml2 (and oscap) refuse it`, position());
      return;
    }
    const top = stack[stack.length - 1]!;
    const rawAttrs = tag.attributes as Record<string, string>;
    for (const k in rawAttrs) {
      if (overTextLimit(rawAttrs[k]!)) {
        failure = tooLong(`the value of attribute ${k}`);
        return;
      }
    }
    let scope = scopes[scopes.length - 1]!;
    if (top.kind === 'skip') {
      // namespace declarations still matter for nothing below a skipped element
      stack.push(top);
      scopes.push(scope);
      return;
    }
    let declared = false;
    for (const k in rawAttrs) {
      if (k === 'xmlns' || k.startsWith('xmlns:')) {
        if (!declared) {
          scope = { ...scope };
          declared = true;
        }
        scope[k === 'xmlns' ? '' : k.slice(6)] = own(rawAttrs[k]!);
      }
    }
    scopes.push(scope);
    advance(true);
    const qname = tag.name;
    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    const ns = scope[prefix];
    if (ns === undefined) {
      failure = new ContentError('xml-malformed', `malformed XML: unbound namespace prefix "${prefix}"`, position());
      return;
    }
    const local = own(colon < 0 ? qname : qname.slice(colon + 1));
    let attrs: Record<string, string> = NO_ATTRS;
    for (const k in rawAttrs) {
      if (attrs === NO_ATTRS) attrs = {};
      const c = k.indexOf(':');
      if (c < 0) {
        if (k !== 'xmlns') attrs[k] = own(rawAttrs[k]!);
        continue;
      }
      const p = k.slice(0, c);
      if (p === 'xmlns') continue;
      const uri = scope[p];
      if (uri === undefined || p === '') {
        failure = new ContentError('xml-malformed', `malformed XML: unbound namespace prefix "${p}"`, position());
        return;
      }
      attrs[`{${uri}}${k.slice(c + 1)}`] = own(rawAttrs[k]!);
    }
    if (top.kind === 'capture') {
      const el: MutableElement = { ns, name: local, attrs, children: [], line, col };
      top.el.children.push(el);
      stack.push({ kind: 'capture', el, owner: null });
      return;
    }
    let decision: ChildDecision;
    try {
      decision = top.handler.child({ ns, name: local, attrs, line, col });
    } catch (e) {
      failure = asContentError(e, position());
      return;
    }
    if (decision === SKIP) stack.push({ kind: 'skip' });
    else if (decision === CAPTURE) {
      stack.push({ kind: 'capture', el: { ns, name: local, attrs, children: [], line, col }, owner: top.handler });
    } else stack.push({ kind: 'handler', handler: decision });
  });
  const onText = (text: string): void => {
    if (failure) return;
    if (overTextLimit(text)) {
      failure = tooLong('a text node or CDATA section');
      return;
    }
    // text in a skipped element is dropped as it is, uncopied
    const top = stack[stack.length - 1]!;
    if (top.kind === 'capture') {
      const kids = top.el.children;
      const last = kids[kids.length - 1];
      if (typeof last === 'string') kids[kids.length - 1] = last + own(text);
      else kids.push(own(text));
    } else if (top.kind === 'handler' && top.handler.text) top.handler.text(own(text));
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('comment', (text) => {
    if (failure === undefined && overTextLimit(text)) failure = tooLong('a comment');
  });
  parser.on('closetag', () => {
    if (failure) return;
    scopes.pop();
    const frame = stack.pop()!;
    try {
      if (frame.kind === 'capture' && frame.owner?.captured) frame.owner.captured(frame.el as XmlElement);
      else if (frame.kind === 'handler') frame.handler.close?.();
    } catch (e) {
      failure = asContentError(e, position());
    }
  });

  if (source.text !== undefined) {
    // In pieces, as a file is read, so that an over-long node is refused before saxes has gathered all of it.
    const text = source.text;
    for (let at = 0; at < text.length && !failure; at += CHUNK) {
      chunkNo++;
      parser.write(text.slice(at, at + CHUNK));
      checkPending();
    }
  } else {
    const path = source.path!;
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new ContentError('io', `cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, undefined, { cause: e });
    }
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      let decoder: { write(b: Uint8Array): string; end(): string } | undefined;
      for (;;) {
        let n: number;
        try {
          n = readSync(fd, buf, 0, CHUNK, null);
        } catch (e) {
          throw new ContentError('io', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, undefined, { cause: e });
        }
        if (n === 0) break;
        // the first read holds the byte order mark or the declaration's first bytes (./encoding.ts)
        decoder ??= xmlDecoder(sniffXmlEncoding(buf.subarray(0, n)), source.name);
        chunkNo++;
        parser.write(decoder.write(buf.subarray(0, n)));
        checkPending();
        if (failure) throw failure;
      }
      chunkNo++;
      if (decoder) parser.write(decoder.end());
    } finally {
      closeSync(fd);
    }
  }
  if (failure) throw failure;
  parser.close();
  if (failure) throw failure;
  if (stack.length !== 0 && stack.length !== 1) {
    throw new ContentError('xml-malformed', 'malformed XML: document ended inside an element', position());
  }
}

/**
 * Strings that do not hold on to the chunk they were cut from. saxes hands
 * out names, attribute values and text as slices of the chunk being parsed,
 * and V8 keeps a slice's whole parent alive: a model holding a few ids from
 * each chunk would otherwise hold the whole document's text. Strings
 * shorter than V8's shortest slice (13) are copies already; the others are
 * copied once, and the short ones (ids, names, indentation) are shared by
 * every element that repeats them.
 */
function ownStrings(): (s: string) => string {
  const seen = new Map<string, string>();
  return (s) => {
    if (s.length < 13) return s;
    if (s.length > 256) return (' ' + s).slice(1);
    let c = seen.get(s);
    if (c === undefined) {
      c = (' ' + s).slice(1);
      seen.set(c, c);
    }
    return c;
  };
}

/** Shared by every element without attributes; never written to. */
const NO_ATTRS: Record<string, string> = Object.freeze({}) as Record<string, string>;

const PREDEFINED_SCOPE: Record<string, string> = { '': '', xml: 'http://www.w3.org/XML/1998/namespace' };

function asContentError(e: unknown, loc: SourceLocation): ContentError {
  if (e instanceof ContentError) return e.location ? e : new ContentError(e.code, e.message, loc, { cause: e });
  throw e;
}

/** A handler that captures the document element and hands it over. */
export function captureRoot(onRoot: (el: XmlElement) => void): FrameHandler {
  return { child: () => CAPTURE, captured: onRoot };
}

/**
 * A structural outline of an XML document: where the elements of interest
 * start and end, with their attributes and the namespaces in scope. Text is
 * never looked at.
 *
 * This lets a reader pick the few elements it needs out of a large document
 * (the rules a profile selects, one TestResult) and hand only those to the
 * full parser (./stream.ts), instead of parsing everything.
 *
 * - **Outlined elements.** The root and every element `descend` accepts
 *   have their child elements recorded as nodes.
 * - **Other elements are skipped whole.** Their end is found by searching
 *   for their end tag. An end tag can only be markup: `<` never appears
 *   unescaped in text or attribute values. So the first `</name>` is the
 *   end, unless a comment, CDATA section or processing instruction (which
 *   may hold anything) or an element of the same name comes first; then
 *   the element is walked tag by tag. Markup inside a skipped element is
 *   not checked: it is never parsed either.
 * - **Offsets.** The outline works on the bytes, so offsets are byte
 *   offsets; the characters it looks for are all ASCII, and text is
 *   decoded as UTF-8.
 *
 * Hostile input is refused as the full parser refuses it: a DOCTYPE is an
 * error, so no entity can be declared or fetched.
 */
import { ContentError, type SourceLocation } from '../errors.js';
import { checkTextRuns } from './limits.js';

export interface OutlineNode {
  /** The name as written, with its prefix. */
  readonly qname: string;
  /** The namespace URI ('' when none) and local name. */
  readonly ns: string;
  readonly name: string;
  /** Attributes by name as written (prefixes kept), entity-decoded. */
  readonly attrs: Readonly<Record<string, string>>;
  /** Prefix → namespace URI in scope at this element ('' is the default namespace). */
  readonly scope: Readonly<Record<string, string>>;
  /** Offset of the start tag's `<`. */
  readonly start: number;
  /** Offset just after the start tag. */
  readonly openEnd: number;
  /** Offset of the end tag's `<`; equal to openEnd for an empty element. */
  readonly closeStart: number;
  /** Offset just after the element. */
  readonly end: number;
  /** The child elements, when the outline descended into this one. */
  readonly children?: readonly OutlineNode[];
}

export interface Outline {
  /** The file name used in error locations. */
  readonly name: string;
  readonly bytes: Buffer;
  readonly root: OutlineNode;
  /** The text from `from` to `to` (byte offsets), decoded as UTF-8. */
  slice(from: number, to: number): string;
  /** The line (1-based) an offset is on, and the offset where that line starts. */
  lineOf(offset: number): { line: number; lineStart: number };
  /** The line and column of an offset, for error messages. */
  locate(offset: number): SourceLocation;
  /**
   * The child elements of a node: those outlined already, or else outlined
   * now (`into` decides, for each, whether its own children are too).
   */
  children(node: OutlineNode, into?: DescendFn): readonly OutlineNode[];
}

/** Decides, as an element opens, whether its children are outlined too. `depth` is 0 for the elements a scan starts with. */
export type DescendFn = (node: OutlineNode, depth: number) => boolean;

/** A node; its attributes are parsed when first asked for (most nodes are only skipped over). */
class MutableNode implements OutlineNode {
  children?: MutableNode[];
  closeStart: number;
  end: number;
  private parsed: Record<string, string> | undefined;

  constructor(
    readonly qname: string,
    readonly ns: string,
    readonly name: string,
    readonly scope: Readonly<Record<string, string>>,
    readonly start: number,
    readonly openEnd: number,
    private readonly attributes: () => Record<string, string>,
    parsed?: Record<string, string>,
  ) {
    this.closeStart = openEnd;
    this.end = openEnd;
    this.parsed = parsed;
  }

  get attrs(): Readonly<Record<string, string>> {
    this.parsed ??= this.attributes();
    return this.parsed;
  }
}

/**
 * Where the next `<!` and `<?` are (the end of the bytes when none), from the last
 * place looked, so that the text is searched for them once.
 */
interface Hazards {
  from: number;
  bang: number;
  question: number;
}

const PREDEFINED_SCOPE: Readonly<Record<string, string>> = { '': '', xml: 'http://www.w3.org/XML/1998/namespace' };

/** Outlines the document in `bytes`. The root's children are always outlined; below them, `descend` decides. */
export function outlineXml(bytes: Buffer, name: string, descend: DescendFn): Outline {
  let newlines: Int32Array | undefined;
  const lineOf = (offset: number): { line: number; lineStart: number } => {
    newlines ??= lineBreakOffsets(bytes);
    // the number of line breaks before the offset
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return { line: lo + 1, lineStart: lo === 0 ? 0 : newlines[lo - 1]! + 1 };
  };
  const locate = (offset: number): SourceLocation => {
    const { line, lineStart } = lineOf(offset);
    return { file: name, line, col: bytes.toString('utf8', lineStart, offset).length + 1 };
  };
  const top: MutableNode[] = [];
  const hazards: Hazards = { from: -1, bang: -1, question: -1 };
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  // What the outline skips is never parsed, so its text sizes are checked here (./limits.ts).
  checkTextRuns(bytes, locate);
  new Scanner(bytes, locate, hazards).scan(bom ? 3 : 0, bytes.length, top, PREDEFINED_SCOPE, (node, depth) => depth === 0 || descend(node, depth));
  const root = top[0];
  if (!root) throw new ContentError('xml-malformed', 'document has no root element', { file: name, line: 1, col: 1 });
  if (top.length > 1) throw new ContentError('xml-malformed', 'malformed XML: content after the document element', locate(top[1]!.start));
  return {
    name,
    bytes,
    root,
    slice: (from, to) => bytes.toString('utf8', from, to),
    lineOf,
    locate,
    children: (node, into) => {
      if (node.children) return node.children;
      const kids: MutableNode[] = [];
      if (node.closeStart > node.openEnd) new Scanner(bytes, locate, hazards).scan(node.openEnd, node.closeStart, kids, node.scope, into ?? (() => false));
      return kids;
    },
  };
}

/** An outlined element that is open, and where its child nodes go. */
interface Open {
  readonly node: MutableNode | undefined;
  readonly kids: MutableNode[];
  readonly scope: Readonly<Record<string, string>>;
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

class Scanner {
  constructor(
    private readonly b: Buffer,
    private readonly locate: (offset: number) => SourceLocation,
    private readonly hazards: Hazards,
  ) {}

  private fail(at: number, what: string): ContentError {
    return new ContentError('xml-malformed', `malformed XML: ${what}`, this.locate(at));
  }

  private text(from: number, to: number): string {
    return this.b.toString('latin1', from, to);
  }

  /** Outlines the content from `from` to `to` into `kids`. */
  scan(from: number, to: number, kids: MutableNode[], scope: Readonly<Record<string, string>>, descend: DescendFn): void {
    const b = this.b;
    const open: Open[] = [];
    let current: Open = { node: undefined, kids, scope };
    let pos = from;
    for (;;) {
      const lt = b.indexOf(LT, pos);
      if (lt < 0 || lt >= to) break;
      const c = b[lt + 1];
      if (c === BANG || c === QUESTION) {
        pos = this.skipMarkup(lt);
        continue;
      }
      if (c === SLASH) {
        const node = current.node;
        const gt = this.endTag(lt, node?.qname);
        node!.closeStart = lt;
        node!.end = gt + 1;
        current = open.pop()!;
        pos = gt + 1;
        continue;
      }
      const gt = this.startTagEnd(lt, to);
      let nameEnd = lt + 1;
      while (nameEnd < gt && !isNameEnd(b[nameEnd]!)) nameEnd++;
      const empty = b[gt - 1] === SLASH;
      const node = this.node(lt, nameEnd, gt, empty, current.scope);
      current.kids.push(node);
      pos = gt + 1;
      if (empty) continue;
      if (descend(node, open.length)) {
        node.children = [];
        open.push(current);
        current = { node, kids: node.children, scope: node.scope };
      } else {
        const end = this.skipElement(node, to);
        node.closeStart = end.closeStart;
        node.end = end.end;
        pos = end.end;
      }
    }
    if (current.node) throw this.fail(Math.min(to, b.length), `document ended inside <${current.node.qname}>`);
  }

  /** The offset of the `>` ending the end tag at `lt`, which must close `open`. */
  private endTag(lt: number, open: string | undefined): number {
    const gt = this.b.indexOf(GT, lt);
    if (gt < 0) throw this.fail(lt, 'unterminated end tag');
    const name = this.text(lt + 2, gt).trimEnd();
    if (open === undefined) throw this.fail(lt, `end tag </${name.trim()}> without a start tag`);
    if (name !== open) throw this.fail(lt, `end tag </${name.trim()}> does not match <${open}>`);
    return gt;
  }

  /** The offset of the `>` ending the start tag at `lt`, minding quoted attribute values. */
  private startTagEnd(lt: number, to: number): number {
    const b = this.b;
    let gt = lt + 1;
    for (;;) {
      const ch = b[gt];
      if (ch === GT) return gt;
      if (ch === DQUOTE || ch === SQUOTE) {
        const q = b.indexOf(ch, gt + 1);
        if (q < 0) throw this.fail(lt, 'unterminated attribute value');
        gt = q;
      } else if (gt >= to) throw this.fail(lt, 'unterminated start tag');
      gt++;
    }
  }

  private node(lt: number, nameEnd: number, gt: number, empty: boolean, parentScope: Readonly<Record<string, string>>): MutableNode {
    if (nameEnd === lt + 1) throw this.fail(lt, 'a start tag without a name');
    const qname = this.text(lt + 1, nameEnd);
    const attrText = this.text(nameEnd, empty ? gt - 1 : gt);
    const attributes = (): Record<string, string> => parseAttributes(attrText, (what) => this.fail(lt, what));
    // Namespace declarations change the scope, so a tag with one has its attributes parsed now.
    let attrs: Record<string, string> | undefined;
    let scope = parentScope;
    if (attrText.includes('xmlns')) {
      attrs = attributes();
      for (const k in attrs) {
        if (k === 'xmlns' || k.startsWith('xmlns:')) {
          if (scope === parentScope) scope = { ...scope };
          (scope as Record<string, string>)[k === 'xmlns' ? '' : k.slice(6)] = attrs[k]!;
        }
      }
    }
    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    const ns = scope[prefix];
    if (ns === undefined) throw this.fail(lt, `unbound namespace prefix "${prefix}"`);
    return new MutableNode(qname, ns, colon < 0 ? qname : qname.slice(colon + 1), scope, lt, gt + 1, attributes, attrs);
  }

  /** Where an element that is not outlined ends: found by its end tag (see the module comment), or else tag by tag. */
  private skipElement(node: MutableNode, to: number): { closeStart: number; end: number } {
    const b = this.b;
    const closing = `</${node.qname}`;
    let from = node.openEnd;
    for (;;) {
      const close = b.indexOf(closing, from, encodingOf(closing));
      if (close < 0 || close >= to) break;
      let k = close + closing.length;
      while (isSpace(b[k]!)) k++;
      if (b[k] !== GT) {
        from = close + 1; // a longer name with the same beginning
        continue;
      }
      // A comment, CDATA section or processing instruction inside, or an element of the same name (searched within the element only).
      const h = this.hazards;
      if (node.openEnd < h.from || node.openEnd > h.bang || node.openEnd > h.question) {
        h.from = node.openEnd;
        h.bang = indexOrEnd(b, '<!', h.from);
        h.question = indexOrEnd(b, '<?', h.from);
      }
      // searched backwards from the end tag, the element's own start tag is the first `<name` found unless one is nested
      if (h.bang < close || h.question < close || b.lastIndexOf(`<${node.qname}`, close, encodingOf(node.qname)) !== node.start) break;
      return { closeStart: close, end: k + 1 };
    }
    return this.walkElement(node, to);
  }

  /** Where an element ends, found by walking its tags and matching each end tag. */
  private walkElement(node: MutableNode, to: number): { closeStart: number; end: number } {
    const b = this.b;
    const names: string[] = [node.qname];
    let pos = node.openEnd;
    for (;;) {
      const lt = b.indexOf(LT, pos);
      if (lt < 0 || lt >= to) throw this.fail(Math.min(to, b.length), `document ended inside <${names[names.length - 1]}>`);
      const c = b[lt + 1];
      if (c === BANG || c === QUESTION) {
        pos = this.skipMarkup(lt);
        continue;
      }
      if (c === SLASH) {
        const gt = this.endTag(lt, names.pop());
        if (names.length === 0) return { closeStart: lt, end: gt + 1 };
        pos = gt + 1;
        continue;
      }
      const gt = this.startTagEnd(lt, to);
      if (b[gt - 1] !== SLASH) {
        let nameEnd = lt + 1;
        while (nameEnd < gt && !isNameEnd(b[nameEnd]!)) nameEnd++;
        names.push(this.text(lt + 1, nameEnd));
      }
      pos = gt + 1;
    }
  }

  /** A comment, CDATA section or processing instruction at `lt`: where it ends. A DOCTYPE is refused. */
  private skipMarkup(lt: number): number {
    const b = this.b;
    const past = (terminator: string, from: number, what: string): number => {
      const k = b.indexOf(terminator, from);
      if (k < 0) throw this.fail(lt, `unterminated ${what}`);
      return k + terminator.length;
    };
    const starts = (prefix: string): boolean => this.text(lt, lt + prefix.length) === prefix;
    if (b[lt + 1] === QUESTION) return past('?>', lt + 2, 'processing instruction');
    if (starts('<!--')) return past('-->', lt + 4, 'comment');
    if (starts('<![CDATA[')) return past(']]>', lt + 9, 'CDATA section');
    if (starts('<!DOCTYPE')) {
      throw new ContentError('xml-doctype', 'DOCTYPE declarations are refused (entity expansion and external entities are never processed)', this.locate(lt));
    }
    throw this.fail(lt, 'unexpected "<!"');
  }
}

/** The offset of every line break, in order (searched in latin1 text a megabyte at a time: a string search is cheaper than a Buffer one per line). */
function lineBreakOffsets(b: Buffer): Int32Array {
  let out = new Int32Array(4096);
  let n = 0;
  const CHUNK = 1 << 20;
  for (let base = 0; base < b.length; base += CHUNK) {
    const text = b.toString('latin1', base, Math.min(b.length, base + CHUNK));
    for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) {
      if (n === out.length) {
        const grown = new Int32Array(n * 2);
        grown.set(out);
        out = grown;
      }
      out[n++] = base + k;
    }
  }
  return out.subarray(0, n);
}

function indexOrEnd(b: Buffer, what: string, from: number): number {
  const k = b.indexOf(what, from);
  return k < 0 ? b.length : k;
}

/**
 * How to search the bytes for a string read from them as latin1: as UTF-8
 * when it is ASCII (the same bytes, and Buffer searches UTF-8 strings
 * without copying them), else as latin1 (byte for byte).
 */
function encodingOf(s: string): BufferEncoding {
  return /^[\x00-\x7f]*$/.test(s) ? 'utf8' : 'latin1';
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Whitespace, `/` or `>`: the end of a tag name. */
function isNameEnd(c: number): boolean {
  return isSpace(c) || c === 0x2f || c === 0x3e;
}

function parseAttributes(s: string, fail: (what: string) => ContentError): Record<string, string> {
  const attrs: Record<string, string> = {};
  const to = s.length;
  let at = 0;
  for (;;) {
    while (at < to && isSpace(s.charCodeAt(at))) at++;
    if (at >= to) return attrs;
    const nameStart = at;
    while (at < to && !isSpace(s.charCodeAt(at)) && s.charCodeAt(at) !== 0x3d /* = */) at++;
    const name = s.slice(nameStart, at);
    while (at < to && isSpace(s.charCodeAt(at))) at++;
    if (name === '' || s.charCodeAt(at) !== 0x3d) throw fail('a malformed attribute');
    at++;
    while (at < to && isSpace(s.charCodeAt(at))) at++;
    const quote = s.charCodeAt(at);
    if (quote !== 0x22 && quote !== 0x27) throw fail('an attribute value without quotes');
    const close = s.indexOf(quote === 0x22 ? '"' : "'", at + 1);
    if (close < 0) throw fail('an unterminated attribute value');
    attrs[name] = decodeAttribute(s.slice(at + 1, close), fail);
    at = close + 1;
  }
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeAttribute(raw: string, fail: (what: string) => ContentError): string {
  // The outline reads latin1; a value with non-ASCII bytes is re-read as UTF-8.
  const v = decodeEntities(/[\u0080-\u00ff]/.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw, fail);
  // Attribute-value normalization: each whitespace character becomes a space.
  return /[\t\n\r]/.test(v) ? v.replace(/[\t\n\r]/g, ' ') : v;
}

function decodeEntities(v: string, fail: (what: string) => ContentError): string {
  if (!v.includes('&')) return v;
  return v.replace(/&([^;]*);?/g, (all, ref: string) => {
    if (!all.endsWith(';')) throw fail('an unterminated entity reference');
    const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : ref.startsWith('#') ? parseInt(ref.slice(1), 10) : undefined;
    if (code !== undefined) {
      if (!Number.isInteger(code) || code < 1 || code > 0x10ffff) throw fail(`a bad character reference "&${ref};"`);
      return String.fromCodePoint(code);
    }
    const e = ENTITIES[ref];
    if (e === undefined) throw fail(`undeclared entity "&${ref};"`);
    return e;
  });
}

/**
 * The text content of an element, as XML defines it: character data with
 * entities decoded and CDATA sections unwrapped, the text of child
 * elements included, comments and processing instructions left out.
 */
export function textContent(outline: Outline, node: OutlineNode): string {
  const raw = outline.slice(node.openEnd, node.closeStart);
  if (!raw.includes('<')) return decodeEntities(raw, (what) => new ContentError('xml-malformed', `malformed XML: ${what}`, outline.locate(node.start)));
  let out = '';
  let pos = 0;
  const fail = (what: string): ContentError => new ContentError('xml-malformed', `malformed XML: ${what}`, outline.locate(node.start));
  for (;;) {
    const lt = raw.indexOf('<', pos);
    out += decodeEntities(raw.slice(pos, lt < 0 ? raw.length : lt), fail);
    if (lt < 0) return out;
    if (raw.startsWith('<![CDATA[', lt)) {
      const end = raw.indexOf(']]>', lt);
      out += raw.slice(lt + 9, end);
      pos = end + 3;
    } else if (raw.startsWith('<!--', lt)) pos = raw.indexOf('-->', lt) + 3;
    else if (raw.startsWith('<?', lt)) pos = raw.indexOf('?>', lt) + 2;
    else {
      // a tag of a child element (its text comes next): it ends at the first `>` outside quotes
      let gt = lt + 1;
      for (let c = raw.charCodeAt(gt); c !== 0x3e; c = raw.charCodeAt(++gt)) {
        if (c === 0x22 || c === 0x27) gt = raw.indexOf(c === 0x22 ? '"' : "'", gt + 1);
        if (gt < 0 || gt >= raw.length) throw fail('an unterminated tag');
      }
      pos = gt + 1;
    }
  }
}

/**
 * The start tag of `node` as text that stands on its own: the namespace
 * declarations it inherits are written onto it.
 */
export function standaloneStartTag(outline: Outline, node: OutlineNode): string {
  const tag = outline.slice(node.start, node.openEnd);
  let decls = '';
  for (const [prefix, uri] of Object.entries(node.scope)) {
    if (prefix === 'xml') continue;
    const attr = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
    if (node.attrs[attr] !== undefined) continue;
    if (prefix === '' && uri === '') continue;
    decls += ` ${attr}="${uri.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"`;
  }
  return `<${node.qname}${decls}${tag.slice(node.qname.length + 1)}`;
}

/** The qualified end tag for an outlined element that is not empty. */
export function endTag(node: OutlineNode): string {
  return `</${node.qname}>`;
}

/**
 * independent:xmlfilecontent_object: an XPath 1.0 expression evaluated over
 * XML files, as OpenSCAP 1.3.7's xmlfilecontent_probe.c evaluates it.
 *
 * - Namespaces are ignored, as OpenSCAP's strip_ns() XSLT does: elements and
 *   attributes keep only their local names, xmlns declarations disappear,
 *   comments and processing instructions are dropped and the text around
 *   them (CDATA included) becomes one text node. `//a` then finds `<x:a>`.
 * - One item per file whose XPath result is not an empty node-set:
 *   filepath, path, filename, xpath, and `value_of`s: a boolean prints
 *   true/false (datatype boolean); a number is truncated to a C int32
 *   (datatype int: `1 div 3` gives 0); a string as is; for a node-set, one
 *   value_of per attribute or text node, in document order, and none for
 *   element (or other) nodes, so `//a` gives an item with no value_of.
 *   Numbers inside XPath print as libxml2 prints them (`string(1 div 3)` is
 *   0.333333333333333) and strings read as numbers as libxml2 reads them.
 * - A file that cannot be read or parsed: object flag error, message
 *   `Can't parse '<path>'.`; an XPath that does not compile or evaluate:
 *   flag error, `xmlXPathEvalExpression() error`.
 * - Hostile input: a DOCTYPE is refused (OpenSCAP would accept it), so no
 *   entity is ever declared, expanded or fetched; the file counts as
 *   unparseable. Parsing is strict XML 1.0 (saxes), as libxml2 is.
 * - With `filepath` the behaviors are ignored, as in OpenSCAP.
 * Works the same offline.
 *
 * Uses xpath 0.0.34 over @xmldom/xmldom 0.9.12, loaded when the probe first
 * reads XML (a scan without XML objects does not pay the 50 ms they take to
 * load); loading them sets xpath's number formatting and string-to-number
 * conversion to libxml2's (they are process-wide prototypes of the xpath
 * package).
 */
import { createRequire } from 'node:module';
import type { Document as XmlDocument, DOMImplementation, Element as XmlElement, Node as XmlNode } from '@xmldom/xmldom';
import { MAX_XML_TEXT, overTextLimit } from '../../../model/xml/limits.js';
import { SaxesParser } from '../../../model/xml/saxes.js';
import { MAX_XML_DEPTH } from '../../../model/xml/stream.js';
import { isNotFound, TargetError } from '../../../target/target.js';
import type { ItemData, Probe, ProbeRequest, ProbeResult } from '../../types.js';
import { formatXPathNumber, parseXPathNumber } from '../cformat.js';
import { failureMessage } from '../absence.js';
import { field } from '../entity.js';
import { ftsKind, joinPath } from '../file-kind.js';
import { fileLocator, walksFilesystem } from '../files.js';

// ------------------------------------------------------------------ xpath

/** The parts of the xpath package used here (its own typings pull in lib.dom). */
interface XObject {
  stringValue(): string;
  numberValue(): number;
  booleanValue(): boolean;
}
interface XNodeSetObject extends XObject {
  toArray(): XmlNode[];
  toString(): string;
}
interface XClass<T> {
  new (...args: unknown[]): T;
  prototype: T;
}
interface XPathModule {
  parse(expression: string): { evaluate(options: { node: unknown }): XObject };
  XNodeSet: XClass<XNodeSetObject> & { prototype: { number(): XObject; numberValue(): number } };
  XString: XClass<XObject>;
  XNumber: XClass<XObject & { num: number }> & { prototype: { parse(s: string): number; toString(): string } };
  XBoolean: XClass<XObject>;
}

interface XmlLibraries {
  readonly xpath: XPathModule;
  readonly DOMImplementation: typeof DOMImplementation;
}

let libraries: XmlLibraries | undefined;

/** xpath and xmldom, loaded on first use, with xpath's conversions made libxml2's. */
function xmlLibraries(): XmlLibraries {
  if (libraries) return libraries;
  const require = createRequire(import.meta.url);
  const xpath = require('xpath') as XPathModule;
  // libxml2's number <-> string conversions (xmlXPathFormatNumber, xmlXPathStringEvalNumber).
  xpath.XNumber.prototype.toString = function (this: { num: number }): string {
    return formatXPathNumber(this.num);
  };
  xpath.XNumber.prototype.parse = parseXPathNumber;
  xpath.XNodeSet.prototype.number = function (this: XNodeSetObject): XObject {
    return new xpath.XNumber(this.toString());
  };
  xpath.XNodeSet.prototype.numberValue = function (this: XNodeSetObject): number {
    return parseXPathNumber(this.toString());
  };
  const { DOMImplementation: dom } = require('@xmldom/xmldom') as { DOMImplementation: typeof DOMImplementation };
  libraries = { xpath, DOMImplementation: dom };
  return libraries;
}

/** C's (int32_t) conversion of a double on x86-64: truncation, 0x80000000 when out of range. */
function toInt32(d: number): string {
  if (Number.isNaN(d) || d >= 2147483648 || d <= -2147483649) return '-2147483648';
  return String(Math.trunc(d) || 0);
}

// ------------------------------------------------------------- parsing

class DoctypeRefused extends Error {}

/** A document over libxml2's limits without XML_PARSE_HUGE (which oscap's xmlfilecontent probe keeps): it cannot be parsed. */
class OverLimit extends Error {}

/** The encoding libxml2 would read `buf` in: a BOM, else the XML declaration's, else UTF-8. */
function decodeXml(buf: Buffer): string {
  let label = 'utf-8';
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) label = 'utf-16le';
  else if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) label = 'utf-16be';
  else {
    const head = buf.subarray(0, 256).toString('latin1');
    const m = /^(?:\uFEFF|\xEF\xBB\xBF)?<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(head);
    if (m) label = m[1]!;
  }
  // throws on an unknown label or a malformed byte sequence
  return new TextDecoder(label, { fatal: true }).decode(buf);
}

/**
 * Parses `text` strictly and builds the document OpenSCAP's strip_ns()
 * produces. Throws on malformed XML; throws DoctypeRefused on a DOCTYPE.
 */
function parseStripped(text: string): XmlDocument {
  const doc = new (xmlLibraries().DOMImplementation)().createDocument(null, '', null);
  const stack: Array<XmlDocument | XmlElement> = [doc];
  let pending = '';
  const flush = (): void => {
    if (pending !== '' && stack.length > 1) stack[stack.length - 1]!.appendChild(doc.createTextNode(pending));
    pending = '';
  };
  const parser = new SaxesParser({ xmlns: true, position: false });
  parser.on('error', (err) => {
    throw err;
  });
  parser.on('doctype', () => {
    throw new DoctypeRefused('DOCTYPE refused');
  });
  parser.on('opentag', (tag) => {
    flush();
    if (stack.length > MAX_XML_DEPTH) throw new OverLimit(`elements nested deeper than ${MAX_XML_DEPTH} levels`);
    const el = doc.createElement(tag.local);
    for (const a of Object.values(tag.attributes)) {
      if (overTextLimit(a.value)) throw new OverLimit(`an attribute value longer than ${MAX_XML_TEXT.toLocaleString('en')} bytes`);
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      el.setAttribute(a.local, a.value);
    }
    stack[stack.length - 1]!.appendChild(el);
    stack.push(el);
  });
  const onText = (t: string): void => {
    // libxml2 measures each text node and CDATA section as it reads it, before strip_ns() joins them
    if (overTextLimit(t)) throw new OverLimit(`a text node longer than ${MAX_XML_TEXT.toLocaleString('en')} bytes`);
    if (stack.length > 1) pending += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    flush();
    stack.pop();
  });
  parser.write(text).close();
  if (!doc.documentElement) throw new Error('no root element');
  return doc;
}

// ---------------------------------------------------------------- values

const ATTRIBUTE_NODE = 2;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

type Evaluated = { ok: true; values: Array<{ value: string; datatype: 'string' | 'int' | 'boolean' }> } | { ok: true; values: undefined } | { ok: false };

/** The value_of entities for `expression` over `doc`; values undefined when OpenSCAP makes no item. */
function evaluate(expression: string, doc: XmlDocument): Evaluated {
  const { xpath } = xmlLibraries();
  let res: XObject;
  try {
    res = xpath.parse(expression).evaluate({ node: doc });
  } catch {
    return { ok: false };
  }
  const type = (res as { constructor?: unknown }).constructor;
  if (type === xpath.XBoolean) return { ok: true, values: [{ value: res.booleanValue() ? 'true' : 'false', datatype: 'boolean' }] };
  if (type === xpath.XNumber) return { ok: true, values: [{ value: toInt32(res.numberValue()), datatype: 'int' }] };
  if (type === xpath.XString) return { ok: true, values: [{ value: res.stringValue(), datatype: 'string' }] };
  if (type === xpath.XNodeSet) {
    const nodes = (res as XNodeSetObject).toArray();
    if (nodes.length === 0) return { ok: true, values: undefined };
    const values = [];
    for (const n of nodes) {
      if (n.nodeType === ATTRIBUTE_NODE || n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) {
        values.push({ value: n.nodeValue ?? '', datatype: 'string' as const });
      }
    }
    return { ok: true, values };
  }
  return { ok: false };
}

// ----------------------------------------------------------------- probe

export const xmlfilecontentProbe: Probe = {
  family: 'independent',
  objectType: 'xmlfilecontent_object',
  needs: [],
  description: 'reads XML files (filepath, or path+filename with recursion behaviors) and evaluates an XPath 1.0 expression, namespaces ignored; behaves the same offline',
  sharesWork: walksFilesystem,
  async collect(request: ProbeRequest, ctx): Promise<ProbeResult> {
    const xpathEnt = request.entities.get('xpath');
    const byFilepath = request.entities.has('filepath');
    if (!xpathEnt || (!byFilepath && !(request.entities.has('path') && request.entities.has('filename')))) {
      return { flag: 'error', items: [], messages: ['xmlfilecontent_object needs xpath, and filepath or path and filename'] };
    }
    // behaviors do not apply to filepath
    const req: ProbeRequest = byFilepath ? { ...request, behaviors: {} } : request;
    const expression = xpathEnt.value;
    const items: ItemData[] = [];
    const messages: string[] = [];
    let failed = false;
    for (const f of await fileLocator(ctx).locate(req, ctx)) {
      if (f.filename === undefined) continue;
      const kind = await ftsKind(ctx.target, f, byFilepath);
      if (kind === undefined) continue;
      const wholePath = joinPath(f.path, f.filename);
      let doc: XmlDocument;
      try {
        const info = await ctx.target.stat(f.filepath);
        // xmlParseFile would block on a fifo and read a device forever: neither is XML content
        if (info.type === 'fifo' || info.type === 'character' || info.type === 'block') continue;
        doc = parseStripped(decodeXml(await ctx.target.readFile(f.filepath)));
      } catch (e) {
        messages.push(`Can't parse '${wholePath}'.`);
        // what oscap says for a dangling link or a directory; anything else (EACCES, EIO) also says why
        if (e instanceof TargetError && !isNotFound(e) && e.code !== 'EISDIR') messages.push(failureMessage('cannot read', f.filepath, e));
        if (e instanceof DoctypeRefused) messages.push(`'${wholePath}' has a DOCTYPE, which Vigil refuses: entities are never declared, expanded or fetched.`);
        if (e instanceof OverLimit) messages.push(`'${wholePath}' has ${e.message}: refused, as libxml2 (and oscap) refuse it without XML_PARSE_HUGE.`);
        failed = true;
        continue;
      }
      const r = evaluate(expression, doc);
      if (!r.ok) {
        messages.push('xmlXPathEvalExpression() error');
        failed = true;
        continue;
      }
      if (r.values === undefined) continue;
      items.push({
        family: 'independent',
        type: 'xmlfilecontent_item',
        status: 'exists',
        entities: [
          field('filepath', wholePath),
          field('path', f.path),
          field('filename', f.filename),
          field('xpath', expression),
          ...r.values.map((v) => field('value_of', v.value, v.datatype)),
        ],
      });
    }
    return { ...(failed ? { flag: 'error' as const } : {}), items, messages };
  },
};

/**
 * Copies content from the source document into results, streamed: the
 * evaluated XCCDF Benchmark (out of a data stream component, or a standalone
 * file) for XCCDF results, and the whole source data stream for ARF's report
 * request. Nothing is held in memory beyond a chunk.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { sniffXmlEncoding, xmlDecoder } from '../model/xml/encoding.js';
import { SaxesParser } from '../model/xml/saxes.js';
import type { XmlSink } from './oval-results.js';
import { esc } from './xml-writer.js';

const CHUNK = 1 << 20;

function* chunks(file: string): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    let decoder: ReturnType<typeof xmlDecoder> | undefined;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      // a UTF-16 source (read before, so known good) is copied as text, and written out as UTF-8
      decoder ??= xmlDecoder(sniffXmlEncoding(buf.subarray(0, n)), file);
      yield decoder.write(buf.subarray(0, n));
    }
    const rest = decoder?.end() ?? '';
    if (rest) yield rest;
  } finally {
    closeSync(fd);
  }
}

/** The document's root element and everything in it, without the XML declaration. */
export function copyDocumentElement(file: string, out: XmlSink): void {
  let head = true;
  for (const c of chunks(file)) {
    if (head) {
      head = false;
      out.write(c.replace(/^\uFEFF?\s*<\?xml[^?]*\?>\s*/, ''));
    } else out.write(c);
  }
}

export interface ElementInfo {
  /** The local name, without prefix. */
  readonly local: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface CopyOptions {
  /** Which element to copy: the first whose path of ancestors and own tag satisfies this. */
  readonly match: (element: ElementInfo, ancestors: readonly ElementInfo[]) => boolean;
  /** Called just before the copied element's end tag, to add children (a TestResult). */
  readonly beforeEnd?: (out: XmlSink, prefix: string) => void;
}

const localName = (q: string): string => q.slice(q.indexOf(':') + 1);
const escAttr = (s: string): string => esc(s).replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');

/**
 * Streams one element of `file` into `out`, re-serialised. Namespace
 * declarations in scope from its ancestors are repeated on it, so it stands
 * on its own. Returns false when no element matched.
 */
export function copyElement(file: string, out: XmlSink, opts: CopyOptions): boolean {
  const parser = new SaxesParser({ xmlns: false, position: false });
  const ancestors: ElementInfo[] = [];
  const scopes: Array<Record<string, string>> = [];
  let copying = 0; // depth inside the copied element, 0 when not copying
  let done = false;
  let prefix = '';
  let pendingOpen = false;
  let failure: Error | undefined;
  const closeStart = (): void => {
    if (pendingOpen) {
      out.write('>');
      pendingOpen = false;
    }
  };
  parser.on('error', (e) => {
    failure ??= e;
  });
  parser.on('opentag', (tag) => {
    if (done) return;
    const attrs = tag.attributes as Record<string, string>;
    const decl: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrs)) if (k === 'xmlns' || k.startsWith('xmlns:')) decl[k] = v;
    scopes.push(decl);
    if (copying === 0) {
      const info = { local: localName(tag.name), attributes: attrs };
      if (!opts.match(info, ancestors)) {
        ancestors.push(info);
        return;
      }
      prefix = tag.name.includes(':') ? tag.name.slice(0, tag.name.indexOf(':')) : '';
      const inScope: Record<string, string> = {};
      for (const s of scopes) Object.assign(inScope, s);
      let s = `<${tag.name}`;
      for (const [k, v] of Object.entries(inScope)) if (!(k in attrs)) s += ` ${k}="${escAttr(v)}"`;
      for (const [k, v] of Object.entries(attrs)) s += ` ${k}="${escAttr(v)}"`;
      out.write(s);
      copying = 1;
      pendingOpen = !tag.isSelfClosing;
      if (tag.isSelfClosing) {
        out.write('>');
        opts.beforeEnd?.(out, prefix);
        out.write(`</${tag.name}>`);
        copying = 0;
        done = true;
      }
      ancestors.push({ local: localName(tag.name), attributes: {} });
      return;
    }
    closeStart();
    let s = `<${tag.name}`;
    for (const [k, v] of Object.entries(attrs)) s += ` ${k}="${escAttr(v)}"`;
    if (tag.isSelfClosing) out.write(`${s}/>`);
    else {
      out.write(s);
      pendingOpen = true;
    }
    copying++;
    ancestors.push({ local: localName(tag.name), attributes: {} });
  });
  parser.on('closetag', (tag) => {
    scopes.pop();
    ancestors.pop();
    if (done || copying === 0) return;
    copying--;
    if (tag.isSelfClosing) return; // already written as <x/>
    if (copying === 0) {
      closeStart();
      opts.beforeEnd?.(out, prefix);
      out.write(`</${tag.name}>`);
      done = true;
      return;
    }
    if (pendingOpen) {
      out.write('/>');
      pendingOpen = false;
    } else out.write(`</${tag.name}>`);
  });
  const text = (t: string): void => {
    if (done || copying === 0) return;
    closeStart();
    out.write(esc(t));
  };
  parser.on('text', text);
  parser.on('cdata', text);
  parser.on('comment', (c) => {
    if (done || copying === 0) return;
    closeStart();
    out.write(`<!--${c}-->`);
  });
  for (const c of chunks(file)) {
    parser.write(c);
    if (failure) throw failure;
    if (done) break;
  }
  if (!done) parser.close();
  if (failure) throw failure;
  return done;
}

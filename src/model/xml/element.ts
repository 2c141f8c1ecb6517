/**
 * A small element tree, built only for bounded subtrees (one OVAL test, one
 * XCCDF rule); whole documents are streamed, never held as trees.
 */
import { ContentError, type SourceLocation } from '../errors.js';
import { esc, escAttr } from './escape.js';

export interface XmlElement {
  /** Namespace URI ('' when none). */
  readonly ns: string;
  /** Local name. */
  readonly name: string;
  /** Unqualified attributes by local name; namespaced ones as `{uri}local`. */
  readonly attrs: Readonly<Record<string, string>>;
  /** Mixed content, in document order. */
  readonly children: ReadonlyArray<XmlElement | string>;
  readonly line: number;
  readonly col: number;
}

export const XLINK_NS = 'http://www.w3.org/1999/xlink';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XHTML_NS = 'http://www.w3.org/1999/xhtml';

export function nsAttr(ns: string, local: string): string {
  return `{${ns}}${local}`;
}

export function elements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (typeof c !== 'string') out.push(c);
  return out;
}

/** Child elements with the given local name (and namespace, when given). */
export function childrenNamed(el: XmlElement, name: string, ns?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (typeof c !== 'string' && c.name === name && (ns === undefined || c.ns === ns)) out.push(c);
  }
  return out;
}

export function childNamed(el: XmlElement, name: string, ns?: string): XmlElement | undefined {
  for (const c of el.children) {
    if (typeof c !== 'string' && c.name === name && (ns === undefined || c.ns === ns)) return c;
  }
  return undefined;
}

/** All descendant text, concatenated. */
export function textOf(el: XmlElement): string {
  let s = '';
  for (const c of el.children) s += typeof c === 'string' ? c : textOf(c);
  return s;
}

/** Trimmed text of the first child with that name, if any. */
export function childText(el: XmlElement, name: string, ns?: string): string | undefined {
  const c = childNamed(el, name, ns);
  return c === undefined ? undefined : textOf(c).trim();
}

/**
 * The inner markup of an element as a string. Prefixes are dropped: XHTML
 * content comes out as plain HTML (`<p>`, `<code>`), and XCCDF `<sub>` as `<sub idref=...>`.
 */
export function innerMarkup(el: XmlElement): string {
  let s = '';
  for (const c of el.children) s += typeof c === 'string' ? esc(c) : outerMarkup(c);
  return s;
}

export function outerMarkup(el: XmlElement): string {
  let s = `<${el.name}`;
  for (const [k, v] of Object.entries(el.attrs)) {
    if (k.startsWith('{')) continue;
    s += ` ${k}="${escAttr(v)}"`;
  }
  if (el.children.length === 0) return `${s}/>`;
  return `${s}>${innerMarkup(el)}</${el.name}>`;
}

/** The location of an element, for errors and for the model. */
export function locationOf(el: XmlElement, file: string): SourceLocation {
  return { file, line: el.line, col: el.col };
}

export function requireAttr(el: XmlElement, attr: string, file: string): string {
  const v = el.attrs[attr];
  if (v === undefined) {
    throw new ContentError('missing-attribute', `<${el.name}> lacks the required attribute "${attr}"`, locationOf(el, file));
  }
  return v;
}

/** xsd:boolean: "true"/"1" and "false"/"0". */
export function boolAttr(el: XmlElement, attr: string, dflt: boolean): boolean {
  const v = el.attrs[attr];
  if (v === undefined) return dflt;
  return v === 'true' || v === '1';
}

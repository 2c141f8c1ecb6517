/**
 * A checklist: one XCCDF benchmark together with the documents its
 * check-content-refs and CPE checks point at, whatever the packaging
 * (a data stream's catalog, or files beside a standalone benchmark).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CpeDictionary } from './cpe/types.js';
import type { ComponentRef, ContentDocument, DataStream, DataStreamCollection, SourceDocument } from './datastream/types.js';
import { ContentError, type SourceLocation, type Warning } from './errors.js';
import { readDocumentFile, type ReadOptions } from './load.js';
import type { Benchmark, Check, ComplexCheck, Rule, Group } from './xccdf/types.js';

export type CheckTarget =
  | { readonly kind: 'document'; readonly document: ContentDocument; readonly componentId?: string; readonly path?: string }
  | { readonly kind: 'remote'; readonly url: string };

export interface DictionaryBinding {
  readonly dictionary: CpeDictionary;
  /** The dictionary's check hrefs → the documents they resolve to. */
  readonly checks: ReadonlyMap<string, CheckTarget>;
}

export interface ChecklistOrigin {
  readonly file: string;
  readonly streamId?: string;
  /** The component-ref id of the checklist in its stream. */
  readonly checklistId?: string;
  readonly componentId?: string;
}

export interface Checklist {
  readonly benchmark: Benchmark;
  readonly origin: ChecklistOrigin;
  /** Every href used by a check-content-ref → its target; absent hrefs are unresolvable. */
  readonly checks: ReadonlyMap<string, CheckTarget>;
  readonly dictionaries: readonly DictionaryBinding[];
}

/** A document as opened from disk, with any warnings raised while linking it. */
export interface LoadedContent {
  readonly file: string;
  readonly document: SourceDocument;
  readonly warnings: readonly Warning[];
}

export function openContent(path: string, options: ReadOptions = {}): LoadedContent {
  const document = readDocumentFile(path, options);
  const warnings: Warning[] = [];
  if (document.kind === 'data-stream-collection') checkCollection(document, warnings);
  return { file: path, document, warnings };
}

const isRemote = (href: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(href);

/** Every component-ref must reach a component; remote ones are reported and skipped, never fetched. */
function checkCollection(c: DataStreamCollection, warnings: Warning[]): void {
  for (const s of c.streams) {
    for (const ref of [...s.dictionaries, ...s.checklists, ...s.checks]) {
      if (isRemote(ref.href)) {
        warnings.push({
          code: 'remote-component',
          message: `component-ref ${ref.id} points at the remote ${ref.href}; it is skipped (Vigil never fetches remote content)`,
          location: ref.location,
        });
        continue;
      }
      componentOf(c, ref);
    }
  }
}

function componentOf(c: DataStreamCollection, ref: ComponentRef) {
  const id = ref.href.startsWith('#') ? ref.href.slice(1) : ref.href;
  const comp = c.components.get(id);
  if (!comp) {
    throw new ContentError('missing-component', `component-ref ${ref.id} points at ${ref.href}, but the collection has no such component`, ref.location);
  }
  return comp;
}

/** The checklists a document offers: (stream, component-ref) pairs, or the benchmark itself. */
export function checklistIds(loaded: LoadedContent): Array<{ streamId?: string; checklistId?: string }> {
  const d = loaded.document;
  if (d.kind === 'benchmark') return [{}];
  if (d.kind !== 'data-stream-collection') return [];
  return d.streams.flatMap((s) => s.checklists.map((r) => ({ streamId: s.id, checklistId: r.id })));
}

export interface ChecklistSelector {
  readonly streamId?: string;
  readonly checklistId?: string;
}

/** Opens the selected checklist (the first one by default) and resolves its references. */
export function openChecklist(loaded: LoadedContent, sel: ChecklistSelector = {}): Checklist {
  const d = loaded.document;
  if (d.kind === 'benchmark') return standaloneChecklist(loaded.file, d);
  if (d.kind !== 'data-stream-collection') {
    throw new ContentError('wrong-root', `${loaded.file} holds ${describeKind(d.kind)}, not a checklist (an XCCDF benchmark or a source data stream)`);
  }
  const stream = sel.streamId === undefined ? d.streams.find((s) => s.checklists.length > 0) : d.streams.find((s) => s.id === sel.streamId);
  if (!stream) {
    throw new ContentError(
      'unknown-stream',
      sel.streamId === undefined ? `${loaded.file} has no data stream with a checklist` : `no data stream "${sel.streamId}" in ${loaded.file}`,
    );
  }
  const cref = sel.checklistId === undefined ? stream.checklists[0] : stream.checklists.find((r) => r.id === sel.checklistId);
  if (!cref) throw new ContentError('unknown-checklist', `no checklist "${sel.checklistId ?? ''}" in stream ${stream.id}`);
  const comp = componentOf(d, cref);
  if (comp.content?.kind !== 'benchmark') {
    throw new ContentError('wrong-root', `checklist ${cref.id} points at a <${comp.rootName}> component, not an XCCDF Benchmark`, cref.location);
  }
  const benchmark = comp.content;
  const checks = new Map<string, CheckTarget>();
  for (const href of checkHrefs(benchmark).keys()) {
    const t = resolveInStream(d, stream, cref, href);
    if (t) checks.set(href, t);
  }
  const dictionaries: DictionaryBinding[] = [];
  for (const dref of stream.dictionaries) {
    if (isRemote(dref.href)) continue;
    const dc = componentOf(d, dref);
    if (dc.content?.kind !== 'cpe-dictionary') continue;
    const dchecks = new Map<string, CheckTarget>();
    for (const item of dc.content.items) {
      for (const ch of item.checks) {
        if (dchecks.has(ch.href)) continue;
        const t = resolveInStream(d, stream, dref, ch.href);
        if (t) dchecks.set(ch.href, t);
      }
    }
    dictionaries.push({ dictionary: dc.content, checks: dchecks });
  }
  return {
    benchmark,
    origin: { file: loaded.file, streamId: stream.id, checklistId: cref.id, componentId: comp.id },
    checks,
    dictionaries,
  };
}

/** Resolves an href through the referring component-ref's catalog, then by component-ref id. */
function resolveInStream(c: DataStreamCollection, stream: DataStream, from: ComponentRef, href: string): CheckTarget | undefined {
  const viaCatalog = from.catalog.get(href);
  const target = viaCatalog ?? href;
  if (isRemote(target)) return { kind: 'remote', url: target };
  if (!target.startsWith('#')) return undefined;
  const refId = target.slice(1);
  const all = [...stream.checks, ...stream.dictionaries, ...stream.checklists];
  const ref = all.find((r) => r.id === refId);
  if (ref) {
    if (isRemote(ref.href)) return { kind: 'remote', url: ref.href };
    const comp = componentOf(c, ref);
    return comp.content ? { kind: 'document', document: comp.content, componentId: comp.id } : undefined;
  }
  const comp = c.components.get(refId);
  return comp?.content ? { kind: 'document', document: comp.content, componentId: comp.id } : undefined;
}

function standaloneChecklist(file: string, benchmark: Benchmark): Checklist {
  const dir = dirname(file);
  const checks = new Map<string, CheckTarget>();
  for (const [href, { location: loc }] of checkHrefs(benchmark)) {
    if (isRemote(href)) {
      checks.set(href, { kind: 'remote', url: href });
      continue;
    }
    const path = resolve(dir, href);
    if (!existsSync(path)) {
      throw new ContentError('missing-component', `check file ${href} referenced by the benchmark does not exist (looked for ${path})`, loc);
    }
    checks.set(href, { kind: 'document', document: readDocumentFile(path) as ContentDocument, path });
  }
  return { benchmark, origin: { file }, checks, dictionaries: [] };
}

export interface CheckHref {
  readonly system: string;
  /** Where the href is first used. */
  readonly location: SourceLocation;
}

/** Distinct check-content-ref hrefs in document order, with the system and place of first use. */
export function checkHrefs(benchmark: Benchmark): Map<string, CheckHref> {
  const out = new Map<string, CheckHref>();
  const visitCheck = (c: Check | ComplexCheck): void => {
    if (c.kind === 'complex-check') c.children.forEach(visitCheck);
    else for (const r of c.contentRefs) if (!out.has(r.href)) out.set(r.href, { system: c.system, location: c.location });
  };
  forEachRule(benchmark, (r) => {
    r.checks.forEach(visitCheck);
    if (r.complexCheck) visitCheck(r.complexCheck);
  });
  return out;
}

/** Visits every rule in benchmark order, depth first. */
export function forEachRule(b: Benchmark | Group, fn: (r: Rule, parents: readonly Group[]) => void): void {
  const walk = (items: ReadonlyArray<Group | Rule>, parents: Group[]): void => {
    for (const it of items) {
      if (it.kind === 'rule') fn(it, parents);
      else walk(it.children, [...parents, it]);
    }
  };
  walk(b.children, b.kind === 'group' ? [b] : []);
}

export function describeKind(kind: SourceDocument['kind']): string {
  switch (kind) {
    case 'data-stream-collection':
      return 'a source data stream';
    case 'benchmark':
      return 'an XCCDF benchmark';
    case 'tailoring':
      return 'an XCCDF tailoring';
    case 'oval-definitions':
      return 'OVAL definitions';
    case 'cpe-dictionary':
      return 'a CPE dictionary';
    case 'ocil':
      return 'an OCIL document';
    case 'oval-variables':
      return 'OVAL variables';
  }
}

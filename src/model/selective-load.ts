/**
 * Loads only the parts of a content file that a use case needs. Generating
 * remediation from a 10 MB data stream needs one profile, the rules it
 * selects and the fixes in them, not the OVAL, OCIL and CPE components,
 * the hundreds of rules the profile leaves out, or their descriptions.
 *
 * Two steps:
 * 1. `skimContent` outlines the file (./xml/outline.ts). What decides which
 *    rules matter is read on demand: each profile's id, extends and selects
 *    (from the outline), Tailoring components, and TestResults (of a results
 *    file or an ARF report, ./xccdf/test-result.ts).
 * 2. `load(options)` hands the full parser (./load.ts) a pruned copy of the
 *    document: elements exactly as written, minus what the options leave
 *    out, the TestResults and the content of non-XCCDF components. Every
 *    location in the model and in error messages is then mapped back to
 *    the original file's line and column.
 *
 * Markup inside what is left out is not checked (the outline finds where
 * an element ends without parsing it), but nothing from it is used either.
 *
 * Inputs: a source data stream, an XCCDF Benchmark (with or without
 * TestResults appended), or an ARF report collection, whose report request
 * holds the data stream and whose reports hold the TestResult.
 */
import { readFileSync } from 'node:fs';
import type { LoadedContent } from './checklist.js';
import { DS_NS, type SourceDocument } from './datastream/types.js';
import { ContentError, type SourceLocation } from './errors.js';
import { readDocument } from './load.js';
import { xmlBytesAsUtf8 } from './xml/encoding.js';
import { isXccdfNs } from './xccdf/parse.js';
import { readTestResult, type XccdfTestResult } from './xccdf/test-result.js';
import type { Tailoring } from './xccdf/types.js';
import { outlineXml, standaloneStartTag, type Outline, type OutlineNode } from './xml/outline.js';

export const ARF_NS = 'http://scap.nist.gov/schema/asset-reporting-format/1.1';

/** What a choice sees of an element before it is parsed. */
export type ElementStub = Pick<OutlineNode, 'ns' | 'name' | 'attrs'>;

/** What `LoadOptions.rule` sees of a rule: the attributes that can decide its selection. */
export interface RuleStub {
  readonly id: string;
  readonly clusterId?: string;
  /** The rule's own `selected` attribute (true when absent). */
  readonly selected: boolean;
}

/** What selection needs of a profile, read from the outline without parsing it. */
export interface ProfileStub {
  readonly id: string;
  readonly extends?: string;
  /** Its selects, in order. */
  readonly selects: ReadonlyArray<{ readonly idref: string; readonly selected: boolean }>;
}

export interface LoadOptions {
  /** The rules to parse; all when absent. */
  readonly rule?: (rule: RuleStub) => boolean;
  /** The children of a parsed rule to parse; all when absent. */
  readonly ruleChild?: (child: ElementStub) => boolean;
  /** The children of a group, other than groups, rules and values, to parse; all when absent. */
  readonly groupChild?: (child: ElementStub) => boolean;
  /** The profiles to parse; all when absent. */
  readonly profile?: (id: string) => boolean;
  /** Parse only the Values that a parsed rule names (in an `idref` or `value-id`). */
  readonly referencedValuesOnly?: boolean;
}

export interface SkimmedContent {
  readonly file: string;
  readonly kind: 'data-stream-collection' | 'benchmark' | 'arf';
  /** The ids of the profiles of every benchmark in the file, in document order. */
  readonly profileIds: readonly string[];
  /** A benchmark profile's id, extends and selects (the first with that id). */
  profileStub(id: string): ProfileStub | undefined;
  /** Tailoring components of the data stream (an ARF keeps the tailoring of its evaluation there). */
  tailorings(): readonly Tailoring[];
  /** The TestResults of a results file, or of an ARF's reports, in document order. */
  testResults(): readonly XccdfTestResult[];
  /** The content with only what `options` asks for, ready for openChecklist. */
  load(options?: LoadOptions): LoadedContent;
}

const ARF_CONTAINERS = new Set(['report-requests', 'report-request', 'content', 'reports', 'report']);

function descendInto(node: OutlineNode): boolean {
  if (isXccdfNs(node.ns)) return node.name === 'Benchmark' || node.name === 'Group';
  if (node.ns === DS_NS) return node.name === 'data-stream-collection' || node.name === 'component' || node.name === 'extended-component';
  if (node.ns === ARF_NS) return ARF_CONTAINERS.has(node.name);
  return false;
}

const isXccdf = (n: OutlineNode, name: string): boolean => n.name === name && isXccdfNs(n.ns);
const isDs = (n: OutlineNode, name: string): boolean => n.name === name && n.ns === DS_NS;
const isComponent = (n: OutlineNode): boolean => isDs(n, 'component') || isDs(n, 'extended-component');

/** Opens `path` and outlines it. Nothing is parsed yet. */
export function skimContent(path: string): SkimmedContent {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ContentError('io', `cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, undefined, { cause: e });
  }
  const outline = outlineXml(xmlBytesAsUtf8(bytes, path), path, descendInto);
  const root = outline.root;
  let kind: SkimmedContent['kind'];
  let top: OutlineNode; // the data stream collection or benchmark that load() rebuilds
  let resultNodes: OutlineNode[] = [];
  if (isDs(root, 'data-stream-collection')) {
    kind = 'data-stream-collection';
    top = root;
  } else if (isXccdf(root, 'Benchmark')) {
    kind = 'benchmark';
    top = root;
    resultNodes = (root.children ?? []).filter((c) => isXccdf(c, 'TestResult'));
  } else if (root.ns === ARF_NS && root.name === 'asset-report-collection') {
    kind = 'arf';
    const found = childrenOf(root, 'report-requests')
      .flatMap((r) => childrenOf(r, 'report-request'))
      .flatMap((r) => childrenOf(r, 'content'))
      .flatMap((c) => c.children ?? [])
      .find((n) => isDs(n, 'data-stream-collection') || isXccdf(n, 'Benchmark'));
    if (!found) {
      throw new ContentError('wrong-root', `${path} is an ARF report collection whose report requests hold no data stream or benchmark`, outline.locate(root.start));
    }
    top = found;
    resultNodes = childrenOf(root, 'reports')
      .flatMap((r) => childrenOf(r, 'report'))
      .flatMap((r) => childrenOf(r, 'content'))
      .flatMap((c) => (c.children ?? []).filter((x) => isXccdf(x, 'TestResult')));
  } else if (isXccdf(root, 'Tailoring')) {
    throw new ContentError(
      'wrong-root',
      `${path} is an XCCDF tailoring; give the benchmark or data stream it tailors, and the tailoring with --tailoring-file`,
      outline.locate(root.start),
    );
  } else {
    throw new ContentError(
      'wrong-root',
      `${path} holds <${root.name}>${root.ns ? ` in namespace ${root.ns}` : ''}; expected a source data stream, an XCCDF benchmark or results file, or an ARF report`,
      outline.locate(root.start),
    );
  }

  const benchmarks = isXccdf(top, 'Benchmark') ? [top] : (top.children ?? []).filter(isComponent).flatMap((c) => (c.children ?? []).filter((x) => isXccdf(x, 'Benchmark')));
  const profileNodes = benchmarks.flatMap((b) => (b.children ?? []).filter((c) => isXccdf(c, 'Profile')));
  const stubs = new Map<string, ProfileStub | undefined>();
  let tailorings: Tailoring[] | undefined;
  let testResults: XccdfTestResult[] | undefined;
  return {
    file: path,
    kind,
    profileIds: profileNodes.map((n) => n.attrs['id'] ?? ''),
    profileStub(id) {
      if (!stubs.has(id)) {
        const node = profileNodes.find((n) => n.attrs['id'] === id);
        stubs.set(id, node ? profileStub(outline, node) : undefined);
      }
      return stubs.get(id);
    },
    tailorings() {
      tailorings ??= isDs(top, 'data-stream-collection') ? tailoringComponents(outline, top) : [];
      return tailorings;
    },
    testResults() {
      testResults ??= resultNodes.map((n) => readTestResult(outline, n));
      return testResults;
    },
    load: (options = {}) => ({ file: path, document: parsePruned(outline, top, options), warnings: [] }),
  };
}

function childrenOf(n: OutlineNode, name: string): OutlineNode[] {
  return (n.children ?? []).filter((c) => c.ns === ARF_NS && c.name === name);
}

function tailoringComponents(outline: Outline, top: OutlineNode): Tailoring[] {
  const out: Tailoring[] = [];
  for (const comp of (top.children ?? []).filter(isComponent)) {
    for (const t of (comp.children ?? []).filter((x) => isXccdf(x, 'Tailoring'))) {
      const w = new PrunedWriter(outline);
      writeStandalone(w, outline, t);
      const doc = w.parse((text) => readDocument({ text, name: outline.name }));
      if (doc.kind === 'tailoring') out.push(doc);
    }
  }
  return out;
}

function profileStub(outline: Outline, node: OutlineNode): ProfileStub {
  const selects = outline
    .children(node)
    .filter((c) => isXccdf(c, 'select'))
    .map((c) => ({ idref: c.attrs['idref'] ?? '', selected: c.attrs['selected'] === 'true' || c.attrs['selected'] === '1' }));
  const base = node.attrs['extends'];
  return { id: node.attrs['id'] ?? '', ...(base !== undefined ? { extends: base } : {}), selects };
}

/** Writes an element as it is, its start tag declaring the namespaces it inherits. */
function writeStandalone(w: PrunedWriter, outline: Outline, node: OutlineNode): void {
  w.write(node.start, standaloneStartTag(outline, node));
  w.keep(node.openEnd, node.end);
}

function parsePruned(outline: Outline, top: OutlineNode, options: LoadOptions): SourceDocument {
  const w = new PrunedWriter(outline);
  const standalone = top !== outline.root;
  if (isXccdf(top, 'Benchmark')) writeBenchmark(w, outline, top, options, standalone);
  else {
    w.write(top.start, standalone ? standaloneStartTag(outline, top) : outline.slice(top.start, top.openEnd));
    for (const c of top.children ?? []) {
      if (isComponent(c)) {
        const inner = c.children ?? [];
        const benchmark = inner.find((x) => isXccdf(x, 'Benchmark'));
        if (benchmark) {
          w.keep(c.start, c.openEnd);
          writeBenchmark(w, outline, benchmark, options, false);
          w.keep(c.closeStart, c.end);
        } else if (inner.some((x) => isXccdf(x, 'Tailoring')) || c.closeStart === c.openEnd) {
          w.keep(c.start, c.end);
        } else {
          // Not needed here (OVAL, OCIL, CPE): an empty component keeps every reference to it valid.
          w.keep(c.start, c.openEnd);
          w.keep(c.closeStart, c.end);
        }
      } else if (isDs(c, 'data-stream')) w.keep(c.start, c.end);
    }
    w.keep(top.closeStart, top.end);
  }
  return w.parse((text) => readDocument({ text, name: outline.name }));
}

const REFERENCE_ATTRIBUTE = /\b(?:idref|value-id)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function writeBenchmark(w: PrunedWriter, outline: Outline, b: OutlineNode, options: LoadOptions, standalone: boolean): void {
  // First the rules and their parts, so that the Values they name are known before any Value is written.
  const ruleParts = new Map<OutlineNode, ReadonlyArray<readonly [number, number]>>();
  const named = new Set<string>();
  const chooseRules = (container: OutlineNode): void => {
    for (const c of container.children ?? []) {
      if (isXccdf(c, 'Group')) chooseRules(c);
      else if (isXccdf(c, 'Rule') && (!options.rule || options.rule(ruleStub(c)))) {
        const parts = options.ruleChild ? ruleRanges(outline, c, options.ruleChild) : [[c.start, c.end] as const];
        ruleParts.set(c, parts);
        if (options.referencedValuesOnly) {
          for (const [from, to] of parts) for (const m of outline.slice(from, to).matchAll(REFERENCE_ATTRIBUTE)) named.add(m[1] ?? m[2] ?? '');
        }
      }
    }
  };
  chooseRules(b);

  w.write(b.start, standalone ? standaloneStartTag(outline, b) : outline.slice(b.start, b.openEnd));
  const walk = (container: OutlineNode, isGroup: boolean): void => {
    for (const c of container.children ?? []) {
      if (isXccdf(c, 'Group')) {
        w.keep(c.start, c.openEnd);
        walk(c, true);
        w.keep(c.closeStart, c.end);
      } else if (isXccdf(c, 'Rule')) {
        for (const [from, to] of ruleParts.get(c) ?? []) w.keep(from, to);
      } else if (isXccdf(c, 'Value')) {
        if (!options.referencedValuesOnly || named.has(c.attrs['id'] ?? '')) w.keep(c.start, c.end);
      } else if (isXccdf(c, 'Profile')) {
        if (!options.profile || options.profile(c.attrs['id'] ?? '')) w.keep(c.start, c.end);
      } else if (isXccdf(c, 'TestResult')) {
        // results are read with testResults(), never as part of the benchmark
      } else if (!isGroup || !options.groupChild || options.groupChild(c)) w.keep(c.start, c.end);
    }
  };
  walk(b, false);
  w.keep(b.closeStart, b.end);
}

function ruleStub(c: OutlineNode): RuleStub {
  const clusterId = c.attrs['cluster-id'];
  const sel = c.attrs['selected'];
  return { id: c.attrs['id'] ?? '', ...(clusterId !== undefined ? { clusterId } : {}), selected: sel === undefined || sel === 'true' || sel === '1' };
}

/** The ranges of a rule to keep: its start tag, the children `keep` accepts, its end tag. */
function ruleRanges(outline: Outline, rule: OutlineNode, keep: (child: ElementStub) => boolean): Array<readonly [number, number]> {
  if (rule.closeStart === rule.openEnd) return [[rule.start, rule.end]];
  const out: Array<readonly [number, number]> = [[rule.start, rule.openEnd]];
  for (const c of outline.children(rule)) if (keep(c)) out.push([c.start, c.end]);
  out.push([rule.closeStart, rule.end]);
  return out;
}

/** Where a piece of the pruned copy starts, and where it came from in the original. */
interface Segment {
  readonly line: number;
  readonly col: number;
  /** Its offset in the original bytes. */
  readonly from: number;
}

/**
 * Builds a pruned copy of a document from ranges of the original, in
 * document order, and maps positions in the copy back to the original:
 * within a kept range the text is the original's, so a line of the copy
 * is a line of the original, shifted.
 */
class PrunedWriter {
  private readonly parts: string[] = [];
  private readonly segments: Segment[] = [];
  private line = 1;
  private col = 1;

  constructor(private readonly outline: Outline) {}

  keep(from: number, to: number): void {
    if (to > from) this.place(from, this.outline.slice(from, to));
  }

  /** Writes `text` in place of the original text that starts at `from` (a start tag written out with its namespaces). */
  write(from: number, text: string): void {
    this.place(from, text);
  }

  /** Parses the copy; the locations in the result, or in the ContentError thrown, are the original's. */
  parse<T>(parser: (text: string) => T): T {
    let result: T;
    try {
      result = parser(this.parts.join(''));
    } catch (e) {
      if (e instanceof ContentError && e.location) throw new ContentError(e.code, e.message, this.map(e.location), { cause: e });
      throw e;
    }
    remapLocations(result, (loc) => this.map(loc));
    return result;
  }

  private place(from: number, text: string): void {
    this.segments.push({ line: this.line, col: this.col, from });
    this.parts.push(text);
    let nl = text.indexOf('\n');
    if (nl < 0) {
      this.col += text.length;
      return;
    }
    let last = nl;
    for (; nl >= 0; nl = text.indexOf('\n', nl + 1)) {
      this.line++;
      last = nl;
    }
    this.col = text.length - last;
  }

  private origins: Array<SourceLocation | undefined> = [];

  /** The original line and column where segment `k` starts. */
  private origin(k: number): SourceLocation {
    let o = this.origins[k];
    if (!o) {
      const from = this.segments[k]!.from;
      const { line, lineStart } = this.outline.lineOf(from);
      const bytes = this.outline.bytes;
      let ascii = true;
      for (let i = lineStart; i < from && ascii; i++) ascii = bytes[i]! < 0x80;
      o = { file: this.outline.name, line, col: (ascii ? from - lineStart : bytes.toString('utf8', lineStart, from).length) + 1 };
      this.origins[k] = o;
    }
    return o;
  }

  private map(loc: SourceLocation): SourceLocation {
    // the last segment that starts at or before the location
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      const seg = this.segments[mid]!;
      if (seg.line < loc.line || (seg.line === loc.line && seg.col <= loc.col)) lo = mid;
      else hi = mid - 1;
    }
    const seg = this.segments[lo];
    if (!seg) return loc;
    const o = this.origin(lo);
    return loc.line === seg.line
      ? { file: o.file, line: o.line, col: o.col + (loc.col - seg.col) }
      : { file: o.file, line: o.line + (loc.line - seg.line), col: loc.col };
  }
}

/**
 * Rewrites, in place, every `location` in a freshly parsed model (a tree:
 * the parser shares no object between two places).
 */
function remapLocations(root: unknown, map: (loc: SourceLocation) => SourceLocation): void {
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object') visit(x);
      return;
    }
    if (v instanceof Map) {
      for (const x of v.values()) visit(x);
      return;
    }
    if (v instanceof Set) return;
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = o[k];
      if (x === null || typeof x !== 'object') continue;
      if (k === 'location') {
        const m = map(x as SourceLocation);
        Object.assign(x, { line: m.line, col: m.col });
      } else visit(x);
    }
  };
  visit(root);
}

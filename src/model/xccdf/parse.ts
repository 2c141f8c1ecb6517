/**
 * Streams XCCDF 1.2 (and 1.1) benchmarks and tailorings into the model.
 * Benchmarks and groups are walked as frames; each rule, value, profile
 * and metadata element is captured as a small subtree and converted.
 */
import { CPE_LANG_NS, type Platform } from '../cpe/types.js';
import { parsePlatform } from '../cpe/parse.js';
import { ContentError } from '../errors.js';
import {
  XML_NS,
  boolAttr,
  elements,
  innerMarkup,
  locationOf,
  nsAttr,
  requireAttr,
  textOf,
  type XmlElement,
} from '../xml/element.js';
import { CAPTURE, SKIP, type FrameHandler, type OpenTag } from '../xml/stream.js';
import { optional } from '../util.js';
import {
  XCCDF11_NS,
  XCCDF12_NS,
  type Benchmark,
  type Check,
  type ComplexCheck,
  type Fix,
  type FixPart,
  type FixStrategy,
  type Group,
  type Level,
  type Profile,
  type Reference,
  type Role,
  type Rule,
  type Severity,
  type Tailoring,
  type Value,
  type ValueInstance,
  type ValueOperator,
  type ValueType,
} from './types.js';

export function isXccdfNs(ns: string): boolean {
  return ns === XCCDF12_NS || ns === XCCDF11_NS;
}

const SEVERITIES = new Set<string>(['unknown', 'info', 'low', 'medium', 'high']);
const ROLES = new Set<string>(['full', 'unscored', 'unchecked']);
const LEVELS = new Set<string>(['unknown', 'low', 'medium', 'high']);
const STRATEGIES = new Set<string>(['unknown', 'configure', 'combination', 'disable', 'enable', 'patch', 'policy', 'restrict', 'update']);
const VALUE_TYPES = new Set<string>(['string', 'number', 'boolean']);
const VALUE_OPERATORS = new Set<string>([
  'equals', 'not equal', 'greater than', 'less than', 'greater than or equal', 'less than or equal', 'pattern match',
]);

/** Metadata shared by benchmarks and groups, gathered from captured children. */
interface ItemMeta {
  title: string;
  description: string;
  rationale: string;
  version: string;
  status?: { status: string; date?: string };
  platforms: string[];
  references: Reference[];
  warnings: string[];
  requires: string[][];
  conflicts: string[];
  models: string[];
}

const META_ELEMENTS = new Set(['title', 'description', 'rationale', 'version', 'status', 'platform', 'reference', 'warning', 'requires', 'conflicts', 'model']);

function emptyMeta(): ItemMeta {
  return { title: '', description: '', rationale: '', version: '', platforms: [], references: [], warnings: [], requires: [], conflicts: [], models: [] };
}

/**
 * The children of rules, groups and values that only reports and
 * remediation use; a reader for evaluation leaves them out.
 */
export const REPORT_ONLY_CHILDREN: ReadonlySet<string> = new Set(['description', 'rationale', 'warning', 'reference', 'fixtext', 'fix']);

export interface BenchmarkReadOptions {
  /** Children of rules, groups, values and the benchmark (XCCDF names) to leave out; their fields are empty. */
  readonly omit?: ReadonlySet<string>;
}

class XccdfParser {
  constructor(
    readonly file: string,
    readonly ns: string,
    readonly omit: ReadonlySet<string> | undefined,
  ) {}

  /** Whether `tag`, a child of a rule, group, value or the benchmark, is left out. */
  omits(tag: OpenTag): boolean {
    return this.omit !== undefined && tag.ns === this.ns && this.omit.has(tag.name);
  }

  loc(el: XmlElement) {
    return locationOf(el, this.file);
  }

  /** Applies one captured metadata child to `meta`. The first title/description wins (one per language is typical). */
  meta(meta: ItemMeta, el: XmlElement): void {
    switch (el.name) {
      case 'title':
        if (!meta.title) meta.title = textOf(el).trim();
        break;
      case 'description':
        if (!meta.description) meta.description = innerMarkup(el).trim();
        break;
      case 'rationale':
        if (!meta.rationale) meta.rationale = innerMarkup(el).trim();
        break;
      case 'version':
        meta.version = textOf(el).trim();
        break;
      case 'status':
        if (!meta.status) meta.status = { status: textOf(el).trim(), ...optional('date', el.attrs['date']) };
        break;
      case 'platform':
        meta.platforms.push(requireAttr(el, 'idref', this.file));
        break;
      case 'reference':
        meta.references.push(this.reference(el));
        break;
      case 'warning':
        meta.warnings.push(innerMarkup(el).trim());
        break;
      case 'requires':
        meta.requires.push(requireAttr(el, 'idref', this.file).split(/\s+/).filter(Boolean));
        break;
      case 'conflicts':
        meta.conflicts.push(requireAttr(el, 'idref', this.file));
        break;
      case 'model':
        meta.models.push(requireAttr(el, 'system', this.file));
        break;
    }
  }

  reference(el: XmlElement): Reference {
    const dcTitle = elements(el).find((c) => c.name === 'title' && c.ns === 'http://purl.org/dc/elements/1.1/');
    return { href: el.attrs['href'] ?? '', text: (dcTitle ? textOf(dcTitle) : textOf(el)).trim() };
  }

  itemBase(el: XmlElement, meta: ItemMeta) {
    return {
      id: requireAttr(el, 'id', this.file),
      title: meta.title,
      description: meta.description,
      selected: boolAttr(el, 'selected', true),
      hidden: boolAttr(el, 'hidden', false),
      abstract: boolAttr(el, 'abstract', false),
      ...optional('clusterId', el.attrs['cluster-id']),
      weight: this.number(el, 'weight', 1),
      platforms: meta.platforms,
      references: meta.references,
      warnings: meta.warnings,
      location: this.loc(el),
    };
  }

  rule(el: XmlElement): Rule {
    const meta = emptyMeta();
    const checks: Check[] = [];
    let complexCheck: ComplexCheck | undefined;
    const fixes: Fix[] = [];
    const fixtexts: Array<{ fixref?: string; text: string }> = [];
    const idents: Array<{ system: string; value: string }> = [];
    for (const c of elements(el)) {
      if (c.ns !== this.ns) continue;
      if (META_ELEMENTS.has(c.name)) this.meta(meta, c);
      else if (c.name === 'ident') idents.push({ system: c.attrs['system'] ?? '', value: textOf(c).trim() });
      else if (c.name === 'check') checks.push(this.check(c));
      else if (c.name === 'complex-check') complexCheck = this.complexCheck(c);
      else if (c.name === 'fix') fixes.push(this.fix(c));
      else if (c.name === 'fixtext') fixtexts.push({ ...optional('fixref', c.attrs['fixref']), text: innerMarkup(c).trim() });
    }
    return {
      kind: 'rule',
      ...this.itemBase(el, meta),
      severity: this.enumAttr(el, 'severity', 'unknown', SEVERITIES) as Severity,
      role: this.enumAttr(el, 'role', 'full', ROLES) as Role,
      rationale: meta.rationale,
      idents,
      checks,
      ...(complexCheck ? { complexCheck } : {}),
      fixes,
      fixtexts,
      requires: meta.requires,
      conflicts: meta.conflicts,
    };
  }

  check(el: XmlElement): Check {
    const exports: Array<{ valueId: string; exportName: string }> = [];
    const contentRefs: Array<{ href: string; name?: string }> = [];
    const imports: string[] = [];
    let content: string | undefined;
    for (const c of elements(el)) {
      if (c.ns !== this.ns) continue;
      if (c.name === 'check-export') {
        exports.push({ valueId: requireAttr(c, 'value-id', this.file), exportName: requireAttr(c, 'export-name', this.file) });
      } else if (c.name === 'check-content-ref') {
        contentRefs.push({ href: requireAttr(c, 'href', this.file), ...optional('name', c.attrs['name']) });
      } else if (c.name === 'check-import') imports.push(requireAttr(c, 'import-name', this.file));
      else if (c.name === 'check-content') content = innerMarkup(c);
    }
    return {
      kind: 'check',
      system: requireAttr(el, 'system', this.file),
      ...optional('id', el.attrs['id']),
      selector: el.attrs['selector'] ?? '',
      multiCheck: boolAttr(el, 'multi-check', false),
      negate: boolAttr(el, 'negate', false),
      exports,
      contentRefs,
      ...optional('content', content),
      imports,
      location: this.loc(el),
    };
  }

  complexCheck(el: XmlElement): ComplexCheck {
    const op = (el.attrs['operator'] ?? 'AND').toUpperCase();
    if (op !== 'AND' && op !== 'OR') {
      throw new ContentError('invalid-value', `complex-check operator "${op}" is not AND or OR`, this.loc(el));
    }
    const children: Array<Check | ComplexCheck> = [];
    for (const c of elements(el)) {
      if (c.ns !== this.ns) continue;
      if (c.name === 'check') children.push(this.check(c));
      else if (c.name === 'complex-check') children.push(this.complexCheck(c));
    }
    return { kind: 'complex-check', operator: op, negate: boolAttr(el, 'negate', false), children };
  }

  fix(el: XmlElement): Fix {
    const content: FixPart[] = [];
    const push = (s: string): void => {
      const last = content[content.length - 1];
      if (typeof last === 'string') content[content.length - 1] = last + s;
      else content.push(s);
    };
    const walk = (node: XmlElement): void => {
      for (const c of node.children) {
        if (typeof c === 'string') push(c);
        else if (c.name === 'sub' && c.ns === this.ns) {
          const use = c.attrs['use'] ?? 'value';
          if (use !== 'value' && use !== 'title' && use !== 'legacy') {
            throw new ContentError('invalid-value', `sub use="${use}" is not value, title or legacy`, this.loc(c));
          }
          content.push({ sub: requireAttr(c, 'idref', this.file), use });
        } else walk(c);
      }
    };
    walk(el);
    return {
      ...optional('id', el.attrs['id']),
      system: el.attrs['system'] ?? '',
      ...optional('platform', el.attrs['platform']),
      strategy: this.enumAttr(el, 'strategy', 'unknown', STRATEGIES) as FixStrategy,
      complexity: this.enumAttr(el, 'complexity', 'unknown', LEVELS) as Level,
      disruption: this.enumAttr(el, 'disruption', 'unknown', LEVELS) as Level,
      reboot: boolAttr(el, 'reboot', false),
      content,
    };
  }

  value(el: XmlElement): Value {
    const meta = emptyMeta();
    const instances: ValueInstance[] = [];
    const defaults: ValueInstance[] = [];
    const lowerBounds: ValueInstance[] = [];
    const upperBounds: ValueInstance[] = [];
    const choices: Array<{ selector: string; mustMatch: boolean; choices: string[] }> = [];
    for (const c of elements(el)) {
      if (c.ns !== this.ns) continue;
      const inst = (): ValueInstance => ({ selector: c.attrs['selector'] ?? '', value: textOf(c) });
      if (c.name === 'value') instances.push(inst());
      else if (c.name === 'default') defaults.push(inst());
      else if (c.name === 'lower-bound') lowerBounds.push(inst());
      else if (c.name === 'upper-bound') upperBounds.push(inst());
      else if (c.name === 'choices') {
        choices.push({
          selector: c.attrs['selector'] ?? '',
          mustMatch: boolAttr(c, 'mustMatch', false),
          choices: elements(c).filter((x) => x.name === 'choice').map((x) => textOf(x)),
        });
      } else if (META_ELEMENTS.has(c.name)) this.meta(meta, c);
    }
    return {
      kind: 'value',
      id: requireAttr(el, 'id', this.file),
      title: meta.title,
      description: meta.description,
      type: this.enumAttr(el, 'type', 'string', VALUE_TYPES) as ValueType,
      operator: this.enumAttr(el, 'operator', 'equals', VALUE_OPERATORS) as ValueOperator,
      interactive: boolAttr(el, 'interactive', false),
      instances,
      defaults,
      lowerBounds,
      upperBounds,
      choices,
      location: this.loc(el),
    };
  }

  profile(el: XmlElement): Profile {
    const meta = emptyMeta();
    const selects: Array<Profile['selects'][number]> = [];
    const refineValues: Array<Profile['refineValues'][number]> = [];
    const refineRules: Array<Profile['refineRules'][number]> = [];
    const setValues: Array<Profile['setValues'][number]> = [];
    for (const c of elements(el)) {
      if (c.ns !== this.ns) continue;
      const idref = (): string => requireAttr(c, 'idref', this.file);
      switch (c.name) {
        case 'select':
          selects.push({ idref: idref(), selected: boolAttr(c, 'selected', true), location: this.loc(c) });
          break;
        case 'refine-value':
          refineValues.push({
            idref: idref(),
            ...optional('selector', c.attrs['selector']),
            ...optional('operator', c.attrs['operator'] as ValueOperator | undefined),
            location: this.loc(c),
          });
          break;
        case 'refine-rule':
          refineRules.push({
            idref: idref(),
            ...optional('selector', c.attrs['selector']),
            ...optional('severity', c.attrs['severity'] === undefined ? undefined : (this.enumAttr(c, 'severity', 'unknown', SEVERITIES) as Severity)),
            ...optional('weight', c.attrs['weight'] === undefined ? undefined : this.number(c, 'weight', 1)),
            ...optional('role', c.attrs['role'] === undefined ? undefined : (this.enumAttr(c, 'role', 'full', ROLES) as Role)),
            location: this.loc(c),
          });
          break;
        case 'set-value':
          setValues.push({ idref: idref(), value: textOf(c), location: this.loc(c) });
          break;
        default:
          if (META_ELEMENTS.has(c.name)) this.meta(meta, c);
      }
    }
    return {
      id: requireAttr(el, 'id', this.file),
      title: meta.title,
      description: meta.description,
      ...optional('extends', el.attrs['extends']),
      abstract: boolAttr(el, 'abstract', false),
      platforms: meta.platforms,
      selects,
      refineValues,
      refineRules,
      setValues,
      location: this.loc(el),
    };
  }

  enumAttr(el: XmlElement, attr: string, dflt: string, allowed: ReadonlySet<string>): string {
    const v = el.attrs[attr] ?? dflt;
    if (!allowed.has(v)) {
      throw new ContentError('invalid-value', `${attr}="${v}" on <${el.name}> is not one of: ${[...allowed].join(', ')}`, this.loc(el));
    }
    return v;
  }

  number(el: XmlElement, attr: string, dflt: number): number {
    const raw = el.attrs[attr];
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new ContentError('invalid-value', `${attr}="${raw}" is not a number`, this.loc(el));
    return n;
  }
}

/** A frame for a Group (or, with `isBenchmark`, the Benchmark itself). */
class ItemFrame implements FrameHandler {
  readonly meta = emptyMeta();
  readonly values: Value[] = [];
  readonly children: Array<Group | Rule> = [];
  readonly profiles: Profile[] = [];
  readonly platformSpec: Platform[] = [];

  constructor(
    private readonly p: XccdfParser,
    private readonly tag: OpenTag,
    private readonly onClose: (frame: ItemFrame) => void,
  ) {}

  child(tag: OpenTag) {
    if (tag.ns === CPE_LANG_NS && tag.name === 'platform-specification') {
      return {
        child: (t: OpenTag) => (t.ns === CPE_LANG_NS && t.name === 'platform' ? CAPTURE : SKIP),
        captured: (el: XmlElement) => {
          const platform = parsePlatform(el, this.p.file);
          // a repeated id replaces the earlier platform
          const at = this.platformSpec.findIndex((p) => p.id === platform.id);
          if (at >= 0) this.platformSpec[at] = platform;
          else this.platformSpec.push(platform);
        },
      } satisfies FrameHandler;
    }
    if (tag.ns !== this.p.ns || this.p.omits(tag)) return SKIP;
    if (tag.name === 'Group') {
      return new ItemFrame(this.p, tag, (f) => this.children.push(f.group()));
    }
    if ((tag.name === 'Rule' || tag.name === 'Value') && this.p.omit) return pruned(this.p, tag, (el) => this.captured(el));
    if (tag.name === 'Rule' || tag.name === 'Value' || tag.name === 'Profile' || META_ELEMENTS.has(tag.name)) return CAPTURE;
    return SKIP;
  }

  captured(el: XmlElement): void {
    if (el.name === 'Rule') this.children.push(this.p.rule(el));
    else if (el.name === 'Value') this.values.push(this.p.value(el));
    else if (el.name === 'Profile') this.profiles.push(this.p.profile(el));
    else this.p.meta(this.meta, el);
  }

  close(): void {
    this.onClose(this);
  }

  private element(): XmlElement {
    return { ns: this.tag.ns, name: this.tag.name, attrs: this.tag.attrs, children: [], line: this.tag.line, col: this.tag.col };
  }

  group(): Group {
    const el = this.element();
    return {
      kind: 'group',
      ...this.p.itemBase(el, this.meta),
      rationale: this.meta.rationale,
      values: this.values,
      children: this.children,
      requires: this.meta.requires,
      conflicts: this.meta.conflicts,
    };
  }

  benchmark(): Benchmark {
    const el = this.element();
    return {
      kind: 'benchmark',
      id: requireAttr(el, 'id', this.p.file),
      title: this.meta.title,
      description: this.meta.description,
      version: this.meta.version,
      ...optional('status', this.meta.status),
      resolved: boolAttr(el, 'resolved', false),
      ...optional('style', el.attrs['style']),
      ...optional('lang', el.attrs[nsAttr(XML_NS, 'lang')]),
      xccdfVersion: this.p.ns === XCCDF12_NS ? '1.2' : '1.1',
      platforms: this.meta.platforms,
      platformSpecification: this.platformSpec,
      scoringModels: this.meta.models,
      profiles: this.profiles,
      values: this.values,
      children: this.children,
      references: this.meta.references,
      location: this.p.loc(el),
    };
  }
}

/**
 * Captures the element opened by `tag` as CAPTURE would, without the
 * children the parser omits (they are never materialised), and hands it to
 * `done` when it closes. Text directly inside it is dropped: rules and
 * values have element-only content.
 */
function pruned(p: XccdfParser, tag: OpenTag, done: (el: XmlElement) => void): FrameHandler {
  const children: XmlElement[] = [];
  return {
    child: (t) => (p.omits(t) ? SKIP : CAPTURE),
    captured: (el) => children.push(el),
    close: () => done({ ns: tag.ns, name: tag.name, attrs: tag.attrs, children, line: tag.line, col: tag.col }),
  };
}

/** A handler for the children of a Benchmark element opened by `tag`. */
export function benchmarkHandler(file: string, tag: OpenTag, done: (b: Benchmark) => void, options: BenchmarkReadOptions = {}): FrameHandler {
  const p = new XccdfParser(file, tag.ns, options.omit);
  return new ItemFrame(p, tag, (f) => done(f.benchmark()));
}

/** A handler for the children of a Tailoring element opened by `tag`. */
export function tailoringHandler(file: string, tag: OpenTag, done: (t: Tailoring) => void): FrameHandler {
  const p = new XccdfParser(file, tag.ns, undefined);
  const profiles: Profile[] = [];
  let version = '';
  let benchmarkHref: string | undefined;
  let benchmarkId: string | undefined;
  return {
    child: (t) => (t.ns === tag.ns && ['Profile', 'benchmark', 'version'].includes(t.name) ? CAPTURE : SKIP),
    captured: (el) => {
      if (el.name === 'Profile') profiles.push(p.profile(el));
      else if (el.name === 'version') version = textOf(el).trim();
      else {
        benchmarkHref = el.attrs['href'];
        benchmarkId = el.attrs['id'];
      }
    },
    close: () =>
      done({
        kind: 'tailoring',
        id: tag.attrs['id'] ?? '',
        version,
        ...optional('benchmarkHref', benchmarkHref),
        ...optional('benchmarkId', benchmarkId),
        profiles,
        location: { file, line: tag.line, col: tag.col },
      }),
  };
}


/**
 * The HTML report: one self-contained file (inline CSS and script, nothing
 * fetched) for people who read scan results. The summary and the rule list
 * are plain HTML; each rule's details (text, OVAL evidence, remediation) come
 * from compact JSON embedded once and are built in the browser only when the
 * rule is opened, so a report over a large benchmark opens at once.
 *
 * Bounded output: per test, at most `maxItems` collected items are embedded
 * (those that failed first) with a count of the rest, and item values longer
 * than `maxValueLength` are cut. Tests, objects and states are embedded once
 * per OVAL document however many rules share them. The file is written in
 * chunks as it is produced.
 *
 * Safety: every string from the content or the target is escaped; rule
 * markup goes through the whitelist sanitizer of ./markup.ts; the embedded
 * JSON has every `<` escaped, so it cannot end its script element.
 */
import { createHash } from 'node:crypto';
import type { Criteria, Criterion, ExtendDefinition, OvalEntity, OvalSet } from '../model/oval/types.js';
import type { Fix, Severity } from '../model/xccdf/types.js';
import type { CriteriaResult } from '../oval/engine.js';
import type { OvalResult } from '../oval/result.js';
import type { ItemEntity, OvalItem } from '../oval/types.js';
import { countResults, OCIL_SYSTEM, OVAL_SYSTEM, type CheckedBy, type OvalEvidence, type RuleResult, type ScanReport, type XccdfResult } from '../xccdf/result-types.js';
import { EvidenceIndex } from './evidence-index.js';
import { REPORT_JS } from './html-client.js';
import { REPORT_CSS } from './html-style.js';
import { escHtml as esc, markupToText, sanitizeMarkup, type SubResolver } from './markup.js';
import {
  durationSeconds,
  fixSegments,
  fixSystemLabel,
  indexRules,
  RESULT_LABEL,
  RESULT_ORDER,
  scoringLabel,
  SEVERITY_ORDER,
  shortId,
  subResolver,
  type RuleEntry,
  skippedChecks,
  skippedText,
} from './report-common.js';
import { saveFile, type XmlFileWriter } from './xml-writer.js';
import { notApplicableReasons, platformLabel, ruleEvidence } from './rule-evidence.js';

export interface HtmlReportOptions {
  /** Collected items embedded per test; the rest are counted. Default 100. */
  readonly maxItems?: number;
  /** Characters embedded per item value. Default 1000. */
  readonly maxValueLength?: number;
  /** The generation time shown in the report. Default: now. */
  readonly now?: Date;
}

// ---------------------------------------------------------------- embedded data (short keys keep it small)

/** An object or state entity: name, operation, value, datatype, var_ref ('' if none), check note ('' if default). */
type EntData = [string, string, string, string, string, string];

type CritData =
  | { k: 'c'; op: string; ng: boolean; r: OvalResult | null; cm: string; ch: CritData[] }
  | { k: 't'; id: string; ng: boolean; r: OvalResult | null; cm: string }
  | { k: 'd'; id: string; ng: boolean; r: OvalResult | null; cm: string };

interface DefData {
  t: string;
  r: OvalResult | null;
  c: CritData | null;
}

interface TestData {
  ty: string;
  c: string;
  r: OvalResult | null;
  ce: string;
  ck: string;
  so: string;
  o: string | null;
  s: string[];
  /** Items the test looked at; null when it was not evaluated. */
  n: number | null;
  /** Per-item result counts. */
  rc: Record<string, number>;
  cols: string[];
  /** Entity names that the states compare. */
  cmp: string[];
  /** [item id, result, status ('' when it exists), ...values by cols]. */
  rows: Array<Array<string | number | null>>;
  more: number;
}

interface ObjData {
  ty: string;
  c: string;
  f: string | null;
  e: EntData[];
  b: Record<string, string>;
  fl: Array<[string, string]>;
  set: string | null;
  m: string[];
  bi: Array<[string, string]>;
}

interface StateData {
  ty: string;
  c: string;
  op: string;
  e: EntData[];
}

interface VarData {
  k: string;
  c: string;
  v: string[];
}

interface CheckData {
  y: string;
  /** The check system as readers know it (OVAL, OCIL, SCE), or its URI. */
  yl: string;
  h: string | null;
  n: string | null;
  ng: boolean;
  /** Index of the OVAL document in `oval`, or -1 without evidence. */
  x: number;
  /** [value id, export name, value in force]. */
  ex: Array<[string, string, string]>;
  cx?: { op: string; ch: CheckData[] };
}

interface FixData {
  l: string;
  u: string;
  st: string;
  cx: string;
  di: string;
  rb: boolean;
  c: Array<string | [string, string]>;
}

interface RuleData {
  rid: string;
  /** Extra search text (references, description). */
  q: string;
  d: string;
  ra: string;
  w: string[];
  id: Array<[string, string]>;
  /** [source label, link or null, texts]. */
  rf: Array<[string, string | null, string[]]>;
  ms: Array<[string, string]>;
  ck: CheckData | null;
  fx: FixData[];
  ft: string[];
  wt: number;
  ro: string;
  tm: string;
  /** Plain evidence rows: [file, setting, found (null: not found), expected, ok (1, 0, null)]. */
  ev: Array<[string | null, string, string | null, string, 0 | 1 | null]>;
  /** Evidence rows left out. */
  evm: number;
  /** Why the rule did not apply ('' when it did). */
  na: string;
}

/** The only script the page may run: a CSP hash, so injected inline scripts and handlers would be refused. */
const SCRIPT_HASH = `sha256-${createHash('sha256').update(REPORT_JS).digest('base64')}`;

const ITEM_RANK: Readonly<Record<string, number>> = { false: 0, error: 1, unknown: 2 };

/** Embeds JSON in a script element: no `<` survives, so neither `</script>` nor `<!--` can appear. */
function embed(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function entData(e: OvalEntity, state: boolean): EntData {
  const notes: string[] = [];
  if (e.varRef !== undefined && e.varCheck !== 'all') notes.push(`var_check ${e.varCheck}`);
  if (state && e.entityCheck !== 'all') notes.push(`entity_check ${e.entityCheck}`);
  if (state && e.checkExistence !== 'at_least_one_exists') notes.push(e.checkExistence);
  if (e.nil) notes.push('nil');
  const value = e.fields ? e.fields.map((f) => `${f.name} ${f.operation} ${f.varRef ?? f.value}`).join('; ') : e.value;
  return [e.name, e.operation, value, e.datatype, e.varRef ?? '', notes.join(', ')];
}

function describeSet(s: OvalSet): string {
  const parts = [...s.objectRefs, ...s.sets.map((x) => `(${describeSet(x)})`)];
  const filters = s.filters.map((f) => ` ${f.action} ${f.stateRef}`).join('');
  return `${s.operator} of ${parts.join(', ')}${filters ? `, filtered:${filters}` : ''}`;
}

/** The evidence of one OVAL document, gathered for the rules that use it. */
class DocTables {
  readonly defs = new Map<string, DefData>();
  readonly tests = new Map<string, TestData>();
  readonly objs = new Map<string, ObjData>();
  readonly states = new Map<string, StateData>();
  readonly vars = new Map<string, VarData>();
  private readonly doc: EvidenceIndex;

  constructor(
    readonly index: number,
    private readonly ev: OvalEvidence,
    private readonly limits: { maxItems: number; maxValue: number },
  ) {
    this.doc = new EvidenceIndex(ev);
  }

  addDefinition(id: string): void {
    if (this.defs.has(id)) return;
    const meta = this.doc.definitions.get(id);
    const data: DefData = { t: meta?.title ?? '', r: null, c: null };
    this.defs.set(id, data);
    const res = this.doc.definitionResults.get(id);
    data.r = res?.result ?? null;
    if (res?.criteria) data.c = this.fromResult(res.criteria, meta?.criteria);
    else if (meta?.criteria) data.c = this.fromSource(meta.criteria);
  }

  /** The evaluated tree, with the comments of the source tree where the shapes agree. */
  private fromResult(c: CriteriaResult, src: Criteria | Criterion | ExtendDefinition | undefined): CritData {
    const cm = src?.comment ?? '';
    if (c.kind === 'criteria') {
      const kids = src?.kind === 'criteria' && src.children.length === c.children.length ? src.children : undefined;
      const ch: CritData[] = [];
      for (let i = 0; i < c.children.length; i++) ch.push(this.fromResult(c.children[i]!, kids?.[i]));
      return { k: 'c', op: c.operator, ng: c.negate, r: c.result, cm, ch };
    }
    if (c.kind === 'criterion') {
      this.addTest(c.testRef);
      return { k: 't', id: c.testRef, ng: c.negate, r: c.result, cm };
    }
    this.addDefinition(c.definitionRef);
    return { k: 'd', id: c.definitionRef, ng: c.negate, r: c.result, cm };
  }

  /** A definition that was not evaluated: its structure, without results. */
  private fromSource(c: Criteria | Criterion | ExtendDefinition): CritData {
    if (c.kind === 'criteria') {
      const ch: CritData[] = [];
      for (const k of c.children) ch.push(this.fromSource(k));
      return { k: 'c', op: c.operator, ng: c.negate, r: null, cm: c.comment, ch };
    }
    if (c.kind === 'criterion') {
      this.addTest(c.testRef);
      return { k: 't', id: c.testRef, ng: c.negate, r: null, cm: c.comment };
    }
    this.addDefinition(c.definitionRef);
    return { k: 'd', id: c.definitionRef, ng: c.negate, r: null, cm: c.comment };
  }

  private addTest(id: string): void {
    if (this.tests.has(id)) return;
    const meta = this.doc.tests.get(id);
    const res = this.doc.testResults.get(id);
    const objectRef = res?.objectId ?? meta?.objectRef;
    const stateRefs = meta?.stateRefs ?? [];
    const data: TestData = {
      ty: meta ? `${meta.family}:${meta.type}` : '',
      c: meta?.comment ?? '',
      r: res?.result ?? null,
      ce: meta?.checkExistence ?? '',
      ck: meta?.check ?? '',
      so: meta?.stateOperator ?? '',
      o: objectRef ?? null,
      s: [...stateRefs],
      n: res ? res.items.length : null,
      rc: {},
      cols: [],
      cmp: [],
      rows: [],
      more: 0,
    };
    this.tests.set(id, data);
    if (objectRef !== undefined) this.addObject(objectRef);
    const compared = new Set<string>();
    for (const s of stateRefs) {
      this.addState(s);
      for (const e of this.doc.states.get(s)?.entities ?? []) compared.add(e.name);
    }
    data.cmp = [...compared];
    if (!res) return;
    for (const ir of res.items) data.rc[ir.result] = (data.rc[ir.result] ?? 0) + 1;
    // Items that decided a failure come first; the order is otherwise kept.
    const shown = res.items
      .map((r, i) => ({ ir: { item: this.doc.item(r.item), result: r.result }, i, rank: ITEM_RANK[r.result] ?? 3 }))
      .sort((a, b) => a.rank - b.rank || a.i - b.i)
      .slice(0, this.limits.maxItems);
    const cols: string[] = [];
    const colIndex = new Map<string, number>();
    for (const { ir } of shown) {
      for (const e of ir.item.entities) {
        if (!colIndex.has(e.name)) {
          colIndex.set(e.name, cols.length);
          cols.push(e.name);
        }
      }
    }
    // The first entity (what the item is: a path, a name) leads, then those the states compare.
    const ordered = cols.length ? [cols[0]!, ...cols.slice(1).filter((c) => compared.has(c)), ...cols.slice(1).filter((c) => !compared.has(c))] : [];
    ordered.forEach((c, i) => colIndex.set(c, i));
    data.cols = ordered;
    data.rows = shown.map(({ ir }) => this.itemRow(ir.item, ir.result, colIndex, cols.length));
    data.more = res.items.length - shown.length;
  }

  private itemRow(item: OvalItem, result: string, colIndex: ReadonlyMap<string, number>, width: number): Array<string | number | null> {
    const cells: Array<string | null> = new Array<string | null>(width).fill(null);
    for (const e of item.entities) {
      const i = colIndex.get(e.name)!;
      const v = this.cell(e);
      cells[i] = cells[i] === null ? v : `${cells[i]}\n${v}`;
    }
    const status = item.status === 'exists' ? '' : item.status;
    return [item.id, result, status, ...cells];
  }

  private cell(e: ItemEntity): string {
    if (e.status !== 'exists') return `(${e.status})`;
    const v = e.fields ? e.fields.map((f) => `${f.name}=${f.value}`).join(', ') : e.value;
    const max = this.limits.maxValue;
    return v.length > max ? `${v.slice(0, max)}… (${v.length - max} more characters)` : v;
  }

  private addObject(id: string): void {
    if (this.objs.has(id)) return;
    const meta = this.doc.objects.get(id);
    const data: ObjData = {
      ty: meta ? `${meta.family}:${meta.type}` : '',
      c: meta?.comment ?? '',
      f: null,
      e: (meta?.entities ?? []).map((e) => entData(e, false)),
      b: { ...(meta?.behaviors ?? {}) },
      fl: (meta?.filters ?? []).map((f) => [f.action, f.stateRef]),
      set: meta?.set ? describeSet(meta.set) : null,
      m: [],
      bi: [],
    };
    this.objs.set(id, data);
    for (const e of meta?.entities ?? []) if (e.varRef !== undefined) this.addVar(e.varRef);
    for (const f of meta?.filters ?? []) this.addState(f.stateRef);
    const col = this.doc.collected.get(id);
    if (col) {
      data.f = col.flag;
      data.m = [...col.messages];
      data.bi = col.bindings.map((b) => [b.variableId, b.value]);
    }
  }

  private addState(id: string): void {
    if (this.states.has(id)) return;
    const meta = this.doc.states.get(id);
    this.states.set(id, {
      ty: meta ? `${meta.family}:${meta.type}` : '',
      c: meta?.comment ?? '',
      op: meta?.operator ?? 'AND',
      e: (meta?.entities ?? []).map((e) => entData(e, true)),
    });
    for (const e of meta?.entities ?? []) if (e.varRef !== undefined) this.addVar(e.varRef);
  }

  private addVar(id: string): void {
    if (this.vars.has(id)) return;
    const v = this.doc.variables.get(id);
    this.vars.set(id, { k: v?.kind ?? '', c: v?.comment ?? '', v: v?.kind === 'constant' ? [...v.values] : [] });
  }

  write(w: XmlFileWriter): void {
    const table = (m: ReadonlyMap<string, unknown>): void => {
      w.write('{');
      let first = true;
      for (const [k, v] of m) {
        w.write(`${first ? '' : ','}${embed(k)}:${embed(v)}`);
        first = false;
      }
      w.write('}');
    };
    w.write(`{"h":${embed(this.ev.href)},"d":`);
    table(this.defs);
    w.write(',"t":');
    table(this.tests);
    w.write(',"o":');
    table(this.objs);
    w.write(',"s":');
    table(this.states);
    w.write(',"v":');
    table(this.vars);
    w.write('}');
  }
}

// ---------------------------------------------------------------- rule data

/** Reader names for the reference sources SSG cites, tried in order against the href. */
const REF_SOURCES: ReadonlyArray<readonly [RegExp, string]> = [
  [/cisecurity\.org\/controls/i, 'CIS Controls'],
  [/cisecurity\.org/i, 'CIS Benchmark'],
  [/800-53/i, 'NIST SP 800-53'],
  [/800-171/i, 'NIST SP 800-171'],
  [/CSWP\.04162018|cyberframework|cybersecurity-framework/i, 'NIST CSF'],
  [/pcisecuritystandards/i, 'PCI DSS'],
  [/cyber\.mil\/stigs\/cci/i, 'DISA CCI'],
  [/cyber\.mil\/stigs\/srg/i, 'DISA SRG'],
  [/cyber\.mil|disa\.mil/i, 'DISA STIG'],
  [/ssi\.gouv\.fr/i, 'ANSSI'],
  [/isaca\.org|cobit/i, 'COBIT'],
  [/iso\.org\/standard\/54534/i, 'ISO/IEC 27001'],
  [/iso\.org/i, 'ISO'],
  [/62443-3-3/i, 'ISA/IEC 62443-3-3'],
  [/62443-2-1/i, 'ISA/IEC 62443-2-1'],
  [/isa\.org|62443/i, 'ISA/IEC 62443'],
  [/CFR-2007-title45|hipaa/i, 'HIPAA'],
  [/niap-ccevs/i, 'NIAP OSPP'],
  [/nerc\.com/i, 'NERC CIP'],
  [/cjis/i, 'CJIS'],
  [/cyber\.gov\.au/i, 'ACSC ISM'],
  [/bsi\.bund\.de/i, 'BSI'],
];

function refSource(href: string): string {
  if (href === '') return 'Other';
  const known = REF_SOURCES.find(([re]) => re.test(href));
  if (known) return known[1];
  try {
    const u = new URL(href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? `${u.host}${u.pathname === '/' ? '' : u.pathname}` : href;
  } catch {
    return href;
  }
}

function fixData(f: Fix, resolve: SubResolver): FixData {
  return {
    l: fixSystemLabel(f.system),
    u: f.system,
    st: f.strategy,
    cx: f.complexity,
    di: f.disruption,
    rb: f.reboot,
    c: fixSegments(f.content, resolve).map((s) => (typeof s === 'string' ? s : [s.sub, s.text])),
  };
}

const CHECK_SYSTEMS: Readonly<Record<string, string>> = {
  [OVAL_SYSTEM]: 'OVAL',
  [OCIL_SYSTEM]: 'OCIL',
  'http://open-scap.org/page/SCE': 'SCE',
};

// ---------------------------------------------------------------- page parts

const SEV_BARS: Readonly<Record<Severity, number>> = { high: 3, medium: 2, low: 1, info: 0, unknown: 0 };
const SEV_LABEL: Readonly<Record<Severity, string>> = { high: 'High', medium: 'Medium', low: 'Low', info: 'Info', unknown: 'Unknown' };

function sevBadge(s: Severity): string {
  const n = SEV_BARS[s];
  return `<span class="sev s-${s}" title="Severity"><span class="bars"><i${n >= 1 ? ' class="on"' : ''}></i><i${n >= 2 ? ' class="on"' : ''}></i><i${n >= 3 ? ' class="on"' : ''}></i></span>${SEV_LABEL[s]}</span>`;
}

function fmtTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : iso;
}

function fmtDuration(s: number | undefined): string {
  if (s === undefined) return '';
  if (s < 60) return `${s < 10 ? s.toFixed(1).replace(/\.0$/, '') : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function fmtNum(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(n >= 10 ? 1 : 2).replace(/0+$/, '').replace(/\.$/, '');
}

const LOGO =
  '<svg width="20" height="22" viewBox="0 0 20 22" aria-hidden="true"><path d="M10 1 2 4v6.2c0 5 3.4 9.4 8 10.8 4.6-1.4 8-5.8 8-10.8V4z" fill="#3b82f6"/><path d="m6.2 11.2 2.7 2.7 5-5.4" stroke="#fff" stroke-width="2" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>';
const SEARCH_ICON =
  '<svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true"><circle cx="7" cy="7" r="5" stroke="currentColor" stroke-width="1.8" fill="none"/><path d="m11 11 3.5 3.5" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/></svg>';

function scoreCard(report: ScanReport, counts: Record<XccdfResult, number>): string {
  const tr = report.testResult;
  const main = tr.scores[0];
  const checked = counts.pass + counts.fixed + counts.fail + counts.error + counts.unknown;
  const passRate = checked ? ((counts.pass + counts.fixed) / checked) * 100 : 0;
  const pct = main ? (main.maximum > 0 ? (main.score / main.maximum) * 100 : 0) : passRate;
  if (checked === 0) {
    const ring = `<div class="score-ring"><svg viewBox="0 0 116 116" aria-hidden="true"><circle cx="58" cy="58" r="52" fill="none" stroke="var(--soft)" stroke-width="10"/></svg><div class="num"><b>\u2014</b><span>no score</span></div></div>`;
    return `<div class="card"><h2>Score</h2><div class="score">${ring}<div><div class="passrate">No rule was checked, so there is no score.</div></div></div></div>`;
  }
  const colour = pct >= 90 ? 'var(--pass)' : pct >= 70 ? 'var(--notchecked)' : 'var(--fail)';
  const c = 2 * Math.PI * 52;
  const dash = (Math.max(0, Math.min(100, pct)) / 100) * c;
  const ring = `<div class="score-ring"><svg viewBox="0 0 116 116" aria-hidden="true"><circle cx="58" cy="58" r="52" fill="none" stroke="var(--soft)" stroke-width="10"/><circle cx="58" cy="58" r="52" fill="none" stroke="${colour}" stroke-width="10" stroke-linecap="round" stroke-dasharray="${dash.toFixed(2)} ${c.toFixed(2)}"/></svg><div class="num"><b>${fmtNum(pct)}%</b><span>${main ? esc(scoringLabel(main.system)) : 'pass rate'}</span></div></div>`;
  const list = tr.scores
    .map((s) => `<li><span class="k">${esc(scoringLabel(s.system))}</span><span class="v">${fmtNum(s.score)} / ${fmtNum(s.maximum)}</span></li>`)
    .join('');
  const rate = checked ? `<div class="passrate">${counts.pass + counts.fixed} of ${checked} checked rules passed (${fmtNum(passRate)}%)</div>` : '';
  return `<div class="card"><h2>Score</h2><div class="score">${ring}<div>${list ? `<ul class="score-list">${list}</ul>` : ''}${rate}</div></div></div>`;
}

function resultsCard(counts: Record<XccdfResult, number>): string {
  const shown = RESULT_ORDER.filter((r) => r !== 'notselected' && counts[r] > 0);
  const total = shown.reduce((n, r) => n + counts[r], 0);
  const c = 2 * Math.PI * 50;
  let offset = 0;
  let arcs = '';
  for (const r of shown) {
    const len = (counts[r] / total) * c;
    const gap = shown.length > 1 ? Math.min(2, len / 3) : 0;
    arcs += `<circle class="r-${r}" cx="66" cy="66" r="50" fill="none" stroke="var(--c)" stroke-width="16" stroke-dasharray="${(len - gap).toFixed(2)} ${(c - len + gap).toFixed(2)}" stroke-dashoffset="${(-offset).toFixed(2)}"><title>${RESULT_LABEL[r]}: ${counts[r]}</title></circle>`;
    offset += len;
  }
  const donut = `<div class="donut"><svg viewBox="0 0 132 132" role="img" aria-label="Results chart"><circle cx="66" cy="66" r="50" fill="none" stroke="var(--soft)" stroke-width="16"/>${arcs}</svg><div class="num"><b>${total}</b><span>evaluated</span></div></div>`;
  const legend = RESULT_ORDER.filter((r) => counts[r] > 0 || ['pass', 'fail', 'error'].includes(r))
    .map(
      (r) =>
        `<li><button type="button" class="r-${r}" data-only="${r}" title="Show only ${RESULT_LABEL[r].toLowerCase()} rules"><span class="sw"></span><span${counts[r] ? '' : ' class="zero"'}>${RESULT_LABEL[r]}</span><span class="n${counts[r] ? '' : ' zero'}">${counts[r]}</span></button></li>`,
    )
    .join('');
  return `<div class="card"><h2>Results</h2><div class="results">${donut}<ul class="legend">${legend}</ul></div></div>`;
}

function severityCard(results: readonly RuleResult[]): string {
  const groups: Array<[string, string, number]> = [
    ['High', 'high', 0],
    ['Medium', 'medium', 0],
    ['Low', 'low', 0],
    ['Info / unknown', 'unknown', 0],
  ];
  let undecided = 0;
  for (const r of results) {
    if (r.result === 'error' || r.result === 'unknown') undecided++;
    if (r.result !== 'fail') continue;
    const g = r.severity === 'high' ? 0 : r.severity === 'medium' ? 1 : r.severity === 'low' ? 2 : 3;
    groups[g]![2]++;
  }
  const max = Math.max(1, ...groups.map((g) => g[2]));
  const bars = groups
    .map(([label, s, n]) => `<span>${label}</span><span class="bar s-${s}"><i style="width:${((n / max) * 100).toFixed(1)}%"></i></span><span class="n">${n}</span>`)
    .join('');
  const note = undecided ? `<div class="sevnote">${undecided} more rule${undecided === 1 ? '' : 's'} could not be decided (error or unknown).</div>` : '';
  return `<div class="card"><h2>Failed rules by severity</h2><div class="sevbars">${bars}</div>${note}</div>`;
}

function dl(rows: ReadonlyArray<readonly [string, string]>): string {
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function infoCards(report: ScanReport): string {
  const tr = report.testResult;
  const t = tr.target;
  const targetRows: Array<[string, string]> = [['Host', `<b>${esc(t.name)}</b>`]];
  const os = targetOs(report);
  if (os) targetRows.push(['System', esc(os)]);
  if (t.addresses.length) targetRows.push(['Addresses', esc(t.addresses.join(', '))]);
  if (tr.identity) {
    targetRows.push(['Scanned as', `${esc(tr.identity.name)}${tr.identity.privileged ? ' (privileged)' : ' (unprivileged)'}${tr.identity.authenticated ? '' : ', not authenticated'}`]);
  }
  if (tr.platforms.length) targetRows.push(['Platforms', tr.platforms.map((p) => `<code>${esc(p)}</code>`).join('<br>')]);
  const facts = t.facts.length
    ? `<details class="more"><summary>All target facts (${t.facts.length})</summary>${dl(t.facts.map((f) => [f.name.replace(/^urn:xccdf:fact:/, ''), esc(f.value)] as const))}</details>`
    : '';
  const dur = fmtDuration(durationSeconds(tr.startTime, tr.endTime));
  const scanRows: Array<[string, string]> = [
    ['Benchmark', `${esc(tr.benchmark.title || tr.benchmark.id)}${tr.benchmark.version ? ` <span class="idc">v${esc(tr.benchmark.version)}</span>` : ''}`],
    ['Profile', tr.profile ? `<code>${esc(tr.profile.id)}</code>` : 'none (the benchmark\u2019s default selection)'],
    ...(report.benchmark.platforms.length
      ? ([['Benchmark platform', `${report.benchmark.platforms.map((p) => esc(platformLabel(report, p))).join('<br>')} ${benchmarkApplies(report) ? '<span class="okmark">(matches this target)</span>' : '<span class="nomark">(not this target)</span>'}`]] as Array<[string, string]>)
      : []),
    ['Content', `<code>${esc(report.contentFile)}</code>`],
    ['Started', esc(fmtTime(tr.startTime))],
    ['Finished', `${esc(fmtTime(tr.endTime))}${dur ? ` (${dur})` : ''}`],
    ['Scanner', `<code>${esc(tr.testSystem)}</code>`],
    ['Result id', `<code>${esc(tr.id)}</code>`],
  ];
  return `<section class="cards two"><div class="card"><h2>Target</h2>${dl(targetRows)}${facts}</div><div class="card"><h2>Scan</h2>${dl(scanRows)}</div></section>`;
}

/** Whether the benchmark's own platforms (if it names any) include one the target matched. */
function benchmarkApplies(report: ScanReport): boolean {
  const bp = report.benchmark.platforms;
  if (bp.length === 0) return true;
  const applied = new Set(report.testResult.platforms.flatMap((p) => [p, p.replace(/^#/, '')]));
  return bp.some((p) => applied.has(p) || applied.has(p.replace(/^#/, '')));
}

/** The target's operating system as its os-release names it, when known. */
function targetOs(report: ScanReport): string {
  const { osName, osVersion } = report.system;
  return [osName, osVersion].filter((x) => x && x !== 'Unknown').join(' ');
}

function verdict(report: ScanReport, counts: Record<XccdfResult, number>): string {
  const undecided = counts.error + counts.unknown;
  const checked = counts.pass + counts.fixed + counts.fail + undecided;
  if (checked === 0) {
    const tr = report.testResult;
    const evaluated = tr.ruleResults.filter((r) => r.result !== 'notselected').length;
    const platforms = report.benchmark.platforms.map((p) => platformLabel(report, p));
    const os = targetOs(report);
    const who = `${esc(tr.target.name)}${os ? ` (${esc(os)})` : ''}`;
    const why =
      evaluated === 0
        ? 'The profile selects no rule that was evaluated.'
        : counts.notapplicable === evaluated
          ? `All ${evaluated} rules are not applicable: the content does not apply to this target.${platforms.length ? ` The benchmark is for <b>${platforms.map(esc).join('</b> or <b>')}</b>; the target is <b>${who}</b>.` : ` The target is <b>${who}</b>.`}`
          : `None of the ${evaluated} rules could be checked automatically (not applicable, not checked or informational).`;
    return `<div class="verdict r-notapplicable empty-state"><span class="dot"></span>Nothing was checked</div><p class="emptywhy">${why} This scan is no evidence of compliance: use content for this system (<code>vigil scan</code> picks it from <code>/etc/os-release</code>).</p>`;
  }
  if (counts.fail > 0) {
    return `<div class="verdict r-fail"><span class="dot"></span>${counts.fail} rule${counts.fail === 1 ? '' : 's'} failed${undecided ? ` · ${undecided} could not be decided` : ''}</div>`;
  }
  if (undecided > 0) return `<div class="verdict r-error"><span class="dot"></span>No rule failed · ${undecided} could not be decided</div>`;
  return `<div class="verdict r-pass"><span class="dot"></span>Every checked rule passed</div>`;
}

function toolbar(counts: Record<XccdfResult, number>, severities: ReadonlySet<Severity>): string {
  const res = RESULT_ORDER.filter((r) => counts[r] > 0)
    .map((r) => {
      const on = r !== 'notselected';
      return `<button type="button" class="chip r-${r}" data-fr="${r}" data-default="${on}" aria-pressed="${on}"><span class="sw"></span>${RESULT_LABEL[r]}<span class="n">${counts[r]}</span></button>`;
    })
    .join('');
  const sev = SEVERITY_ORDER.filter((s) => severities.has(s))
    .map((s) => `<button type="button" class="chip s-${s}" data-fs="${s}" aria-pressed="true"><span class="sw"></span>${SEV_LABEL[s]}</button>`)
    .join('');
  return `<nav class="toolbar" id="toolbar" aria-label="Filters"><div class="wrap">
<div class="fgroup" role="group" aria-label="Result"><span class="lbl">Result</span>${res}</div>
<div class="fgroup" role="group" aria-label="Severity"><span class="lbl">Severity</span>${sev}</div>
<div class="search">${SEARCH_ICON}<input id="q" type="search" placeholder="Search title, id, CCE, reference…  ( / )" aria-label="Search rules" autocomplete="off"></div>
<div class="tools"><span class="shown" id="shown"></span><label>Sort <select id="sort"><option value="res" selected>Result (failures first)</option><option value="sev">Severity</option><option value="doc">Benchmark order</option></select></label>
<button type="button" class="btn" id="expand">Expand all</button><button type="button" class="btn" id="collapse">Collapse</button><button type="button" class="btn" id="reset">Reset</button></div>
</div></nav>`;
}

function ruleRow(i: number, r: RuleResult, e: RuleEntry | undefined): string {
  const title = e?.rule.title || r.ruleId;
  const idents = (r.idents.length ? r.idents : (e?.rule.idents ?? [])).map((x) => `<span class="ident">${esc(x.value)}</span>`).join('');
  // Deep group paths (SSG nests four levels) show their last two steps; the whole path is the tooltip.
  const path = (e?.groups ?? []).map((g) => g.title || g.id);
  const shownPath = path.length > 2 ? ['…', ...path.slice(-2)] : path;
  const groups = path.length ? `<span class="grp" title="${esc(path.join(' › '))}">${esc(shownPath.join(' › '))}</span>` : '';
  const hidden = r.result === 'notselected' ? ' hidden' : '';
  const body =
    r.result === 'notselected'
      ? '<p class="note">The profile does not select this rule, so it was not evaluated.</p>'
      : '<p class="placeholder">Rule details need JavaScript.</p>';
  return `<details class="rule" id="r-${i}" data-i="${i}" data-r="${r.result}" data-s="${r.severity}" data-id="${esc(r.ruleId)}"${hidden}><summary><span class="res r-${r.result}">${RESULT_LABEL[r.result]}</span>${sevBadge(r.severity)}<span class="rt"><span class="title">${esc(title)}</span><span class="meta"><code>${esc(shortId(r.ruleId))}</code>${idents}${groups}</span></span></summary><div class="rule-body">${body}</div></details>\n`;
}

// ---------------------------------------------------------------- the writer

export async function writeHtmlReport(path: string, report: ScanReport, opts: HtmlReportOptions = {}): Promise<void> {
  const limits = { maxItems: opts.maxItems ?? 100, maxValue: opts.maxValueLength ?? 1000 };
  const tr = report.testResult;
  const rules = indexRules(report.benchmark);
  const resolve = subResolver(report);
  const values = new Map(tr.setValues.map((v) => [v.idref, v.value]));
  const skipped = skippedChecks(report);
  const evidenceRows = ruleEvidence(report, { maxRows: 20, maxValue: limits.maxValue });
  const naReasons = notApplicableReasons(report);
  const counts = countResults(tr.ruleResults);
  const severities = new Set(tr.ruleResults.map((r) => r.severity));

  const docs = new Map<string, DocTables>();
  const evidence = new Map(report.oval.map((ev) => [ev.href, ev]));
  const tablesFor = (href: string): DocTables | undefined => {
    let t = docs.get(href);
    if (!t) {
      const ev = evidence.get(href);
      if (!ev) return undefined;
      t = new DocTables(docs.size, ev, limits);
      docs.set(href, t);
    }
    return t;
  };
  const checkData = (c: CheckedBy): CheckData => {
    const base = {
      y: c.system,
      yl: CHECK_SYSTEMS[c.system] ?? c.system,
      h: c.href ?? null,
      n: c.name ?? null,
      ng: c.negate,
      ex: c.exports.map((x): [string, string, string] => [x.valueId, x.exportName, values.get(x.valueId) ?? '']),
    };
    if (c.complex) {
      const ch: CheckData[] = [];
      for (const k of c.complex.children) ch.push(checkData(k));
      return { ...base, x: -1, cx: { op: c.complex.operator, ch } };
    }
    const t = c.system === OVAL_SYSTEM && c.href !== undefined ? tablesFor(c.href) : undefined;
    if (t && c.name !== undefined) t.addDefinition(c.name);
    return { ...base, x: t ? t.index : -1 };
  };

  saveFile(path, (w) => {
    const title = `${tr.benchmark.title || tr.benchmark.id}${tr.profile ? ` — ${tr.profile.title || tr.profile.id}` : ''} — ${tr.target.name}`;
    const now = (opts.now ?? new Date()).toISOString();
    w.write(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="vigil"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src '${SCRIPT_HASH}'; img-src data:">
<title>${esc(title)}</title><style>${REPORT_CSS}</style></head>
<body>
<header class="topbar"><div class="wrap"><span class="brand">${LOGO}Vigil</span><span>Compliance scan report</span><span class="gen">Generated ${esc(fmtTime(now))}</span></div></header>
<main>
<div class="wrap">
<section class="hero"><div class="eyebrow">Scan of <b>${esc(tr.target.name)}</b> · ${esc(fmtTime(tr.startTime))}</div><h1>${esc(tr.benchmark.title || tr.benchmark.id)}</h1>
<div class="subtitle">${tr.profile ? `Profile <b>${esc(tr.profile.title || tr.profile.id)}</b>` : 'Default selection (no profile)'}</div>${verdict(report, counts)}</section>
<section class="cards">${scoreCard(report, counts)}${resultsCard(counts)}${severityCard(tr.ruleResults)}</section>
${infoCards(report)}${skippedNote(skipped.size)}
</div>
${toolbar(counts, severities)}
<div class="wrap"><noscript><p class="note">Filters and rule details need JavaScript; the rule list below works without it.</p></noscript>
<div class="list" id="rules">
`);
    // What needs attention first: by result (fail, error, unknown, ..., pass, not applicable), then severity, then benchmark order.
    const order = tr.ruleResults.map((_, i) => i);
    const rank = (i: number): [number, number] => [RESULT_ORDER.indexOf(tr.ruleResults[i]!.result), SEVERITY_ORDER.indexOf(tr.ruleResults[i]!.severity)];
    order.sort((a, b) => {
      const [ra, sa] = rank(a);
      const [rb, sb] = rank(b);
      return ra - rb || sa - sb || a - b;
    });
    for (const i of order) w.write(ruleRow(i, tr.ruleResults[i]!, rules.get(tr.ruleResults[i]!.ruleId)));
    w.write('<p class="empty" id="empty" hidden>No rules match the filters.</p></div></div></main>\n');

    // The details, one rule at a time; OVAL tables fill up as the rules name their definitions.
    w.write('<script type="application/json" id="vigil-data">{"rules":[');
    for (let i = 0; i < tr.ruleResults.length; i++) {
      const r = tr.ruleResults[i]!;
      let data: RuleData | null = null;
      if (r.result !== 'notselected') {
        const rule = rules.get(r.ruleId)?.rule;
        const refGroups = new Map<string, [string, string | null, string[]]>();
        for (const ref of rule?.references ?? []) {
          const label = refSource(ref.href);
          let g = refGroups.get(label);
          if (!g) {
            g = [label, null, []];
            refGroups.set(label, g);
          }
          if (g[1] === null && /^https?:\/\//i.test(ref.href)) g[1] = ref.href;
          g[2].push(ref.text || ref.href);
        }
        const description = rule?.description ?? '';
        data = {
          rid: r.ruleId,
          q: [...(rule?.references ?? []).map((x) => x.text), markupToText(description, resolve)].join(' '),
          d: sanitizeMarkup(description, resolve),
          ra: sanitizeMarkup(rule?.rationale ?? '', resolve),
          w: (rule?.warnings ?? []).map((m) => sanitizeMarkup(m, resolve)),
          id: (r.idents.length ? r.idents : (rule?.idents ?? [])).map((x) => [x.system, x.value]),
          rf: [...refGroups.values()],
          ms: [...r.messages.map((m): [string, string] => [m.severity, m.text]), ...(skipped.get(i) ?? []).map((s): [string, string] => ['info', skippedText(s)])],
          ck: r.check ? checkData(r.check) : null,
          fx: (rule?.fixes ?? []).map((f) => fixData(f, resolve)),
          ft: (rule?.fixtexts ?? []).map((f) => sanitizeMarkup(f.text, resolve)),
          wt: r.weight,
          ro: r.role,
          tm: fmtTime(r.time),
          ev: (evidenceRows.get(i)?.rows ?? []).map((x) => [x.file, x.setting, x.found, x.expected, x.ok === null ? null : x.ok ? 1 : 0]),
          evm: evidenceRows.get(i)?.more ?? 0,
          na: naReasons.get(i) ?? '',
        };
      }
      w.write(`${i ? ',\n' : ''}${embed(data)}`);
    }
    w.write('],\n"oval":[');
    let first = true;
    for (const t of docs.values()) {
      if (!first) w.write(',\n');
      first = false;
      t.write(w);
    }
    w.write(`],\n"resultOrder":${embed(RESULT_ORDER)},"severityOrder":${embed(SEVERITY_ORDER)}}</script>\n`);
    w.write(`<script>${REPORT_JS}</script>\n</body></html>\n`);
  });
}

/** Says that some checks could not run on this target, when any could not. */
function skippedNote(rules: number): string {
  if (rules === 0) return '';
  return `<p class="note">${rules} ${rules === 1 ? 'rule includes' : 'rules include'} checks that could not run on this target (an offline root has no live kernel, processes or service manager); each rule's details name them. For a chroot or a running container, <code>--host-kernel</code> reads this host's kernel.</p>`;
}

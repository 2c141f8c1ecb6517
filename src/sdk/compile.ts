/**
 * The compiler: an SDK Benchmark → a SCAP 1.3 source data stream with four
 * components: the XCCDF 1.2 benchmark, its OVAL 5.11 checks, a CPE
 * dictionary of its platforms and the OVAL that decides them.
 *
 * Ids (all derived from the benchmark's namespace and the short names):
 * - XCCDF: `xccdf_<ns>_benchmark_<id>`, `xccdf_<ns>_rule_<id>`,
 *   `xccdf_<ns>_group_<id>`, `xccdf_<ns>_value_<id>`, `xccdf_<ns>_profile_<id>`;
 * - OVAL: `oval:<ns>.<rule>:def:1` and the rule's tests, objects, states and
 *   variables in the same namespace; platforms use `<ns>.platform.<id>`;
 * - CPE: the platform's name, `cpe:/a:<ns>:<id>` unless given, referred to
 *   from the benchmark's CPE applicability language as `#<id>`;
 * - data stream: `scap_<ns>_collection_from_xccdf_<stem>-xccdf.xml`,
 *   `scap_<ns>_datastream_…`, `scap_<ns>_comp_<file>`, `scap_<ns>_cref_<file>`.
 * Timestamps are the benchmark's date, so a build is reproducible.
 */
import { parse as parseYaml } from 'yaml';
import { ContentError } from '../model/errors.js';
import { attrs, esc } from '../model/xml/escape.js';
import { forEachItem } from './author.js';
import { OvalDocument, type ValueExport } from './compile-oval.js';
import type { Benchmark, Check, FixScript, Group, Platform, Profile, Rule, Value } from './model.js';

export const XCCDF_NS = 'http://checklists.nist.gov/xccdf/1.2';
const XHTML_NS = 'http://www.w3.org/1999/xhtml';
const CPE_DICT_NS = 'http://cpe.mitre.org/dictionary/2.0';
const CPE_LANG_NS = 'http://cpe.mitre.org/language/2.0';
const DC_NS = 'http://purl.org/dc/elements/1.1/';
const DS_NS = 'http://scap.nist.gov/schema/scap/source/1.2';
const XLINK_NS = 'http://www.w3.org/1999/xlink';
const CAT_NS = 'urn:oasis:names:tc:entity:xmlns:xml:catalog';
const OVAL_SYSTEM = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';
const FIX_SYSTEM = { ansible: 'urn:xccdf:fix:script:ansible', bash: 'urn:xccdf:fix:script:sh' } as const;

/** The ids of a compiled benchmark, for callers that evaluate or remediate it. */
export interface CompiledIds {
  readonly benchmark: string;
  readonly dataStream: string;
  rule(id: string): string;
  group(id: string): string;
  value(id: string): string;
  profile(id: string): string;
  /** The OVAL definition of a rule's check. */
  definition(ruleId: string): string;
}

export function idsOf(b: Pick<Benchmark, 'namespace' | 'id' | 'stem'>): CompiledIds {
  const ns = b.namespace;
  return {
    benchmark: `xccdf_${ns}_benchmark_${b.id}`,
    dataStream: `scap_${ns}_datastream_from_xccdf_${b.stem}-xccdf.xml`,
    rule: (id) => `xccdf_${ns}_rule_${id}`,
    group: (id) => `xccdf_${ns}_group_${id}`,
    value: (id) => `xccdf_${ns}_value_${id}`,
    profile: (id) => `xccdf_${ns}_profile_${id}`,
    definition: (ruleId) => `oval:${ns}.${ruleId}:def:1`,
  };
}

export interface CompiledContent {
  /** The source data stream, a complete XML document. */
  readonly dataStream: string;
  /** The components, each a complete XML document as a standalone file would hold it. */
  readonly xccdf: string;
  readonly oval: string;
  readonly cpeDictionary: string;
  readonly cpeOval: string;
  readonly ids: CompiledIds;
  /** The component file names (the hrefs the benchmark and dictionary use). */
  readonly files: { readonly xccdf: string; readonly oval: string; readonly cpeDictionary: string; readonly cpeOval: string };
}

const I = (n: number): string => '  '.repeat(n);

/** Plain text as XCCDF markup: escaped, with `code` spans as <html:code>. */
function markup(text: string): string {
  return text
    .split(/(`[^`\n]+`)/)
    .map((part) => (part.length > 2 && part.startsWith('`') && part.endsWith('`') ? `<html:code>${esc(part.slice(1, -1))}</html:code>` : esc(part)))
    .join('');
}

function timestampOf(b: Benchmark): string {
  return `${b.date}T00:00:00`;
}

// ------------------------------------------------------------- collection

interface Collected {
  readonly values: Map<string, Value>;
  readonly platforms: Map<string, Platform>;
  readonly rules: Rule[];
}

function collect(b: Benchmark): Collected {
  const values = new Map<string, Value>();
  const platforms = new Map<string, Platform>();
  const rules: Rule[] = [];
  const addValue = (v: Value, where: string): void => {
    const prior = values.get(v.id);
    if (prior && prior !== v && JSON.stringify(prior) !== JSON.stringify(v)) throw new ContentError('invalid-value', `${where}: two different values share the id ${v.id}`);
    if (!prior) values.set(v.id, v);
  };
  const addPlatform = (p: Platform, where: string): void => {
    const prior = platforms.get(p.id);
    if (prior && prior !== p) throw new ContentError('invalid-value', `${where}: two different platforms share the id ${p.id}`);
    if (!prior) platforms.set(p.id, p);
    checkValues(p.check, () => {
      throw new ContentError('invalid-value', `platform ${p.id}: a platform check cannot compare against an XCCDF value`);
    });
  };
  b.platforms.forEach((p) => addPlatform(p, `benchmark ${b.id}`));
  forEachItem(b.children, (item) => {
    item.platforms.forEach((p) => addPlatform(p, `${item.kind} ${item.id}`));
    if (item.kind !== 'rule') return;
    rules.push(item);
    if (item.check) checkValues(item.check, (v) => addValue(v, `rule ${item.id}`));
    for (const s of [item.remediation?.ansible, item.remediation?.bash]) for (const p of s?.parts ?? []) if (typeof p !== 'string') addValue(p, `rule ${item.id}`);
  });
  for (const p of b.profiles) for (const pv of p.values) addValue(pv.value, `profile ${p.id}`);
  return { values, platforms, rules };
}

function checkValues(c: Check, fn: (v: Value) => void): void {
  switch (c.kind) {
    case 'all':
    case 'any':
    case 'none':
      c.checks.forEach((k) => checkValues(k, fn));
      return;
    case 'setting':
    case 'sysctl':
    case 'unit':
      if (typeof c.compare.expected !== 'string') fn(c.compare.expected);
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------- XCCDF

function fixText(script: FixScript, ids: CompiledIds, ruleId: string): string {
  const used: Value[] = [];
  for (const p of script.parts) if (typeof p !== 'string' && !used.includes(p)) used.push(p);
  const sub = (v: Value): string => `<sub idref="${ids.value(v.id)}" use="legacy"/>`;
  const body = script.parts.map((p) => (typeof p === 'string' ? esc(p) : script.system === 'ansible' ? `{{ ${p.id} }}` : `\${${p.id}}`)).join('');
  let head = '';
  if (script.system === 'ansible') {
    for (const v of used) head += `- name: XCCDF Value ${v.id} # promote to variable\n  set_fact:\n    ${v.id}: !!str ${sub(v)}\n  tags:\n    - always\n\n`;
    checkAnsible(script, ruleId);
  } else {
    for (const v of used) head += `${v.id}='${sub(v)}'\n`;
    if (used.length) head += '\n';
  }
  const text = head + body;
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** An Ansible fix must be a YAML list of tasks, each a mapping with a name. */
function checkAnsible(script: FixScript, ruleId: string): void {
  const text = script.parts.map((p) => (typeof p === 'string' ? p : '{{ value }}')).join('');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ContentError('invalid-value', `rule ${ruleId}: the Ansible fix is not YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(doc) || doc.length === 0) throw new ContentError('invalid-value', `rule ${ruleId}: the Ansible fix must be a list of tasks`);
  for (const t of doc) {
    if (typeof t !== 'object' || t === null || Array.isArray(t) || typeof (t as Record<string, unknown>)['name'] !== 'string') {
      throw new ContentError('invalid-value', `rule ${ruleId}: every task of the Ansible fix must be a mapping with a name`);
    }
  }
}

function ruleXml(r: Rule, ids: CompiledIds, exportsOf: ReadonlyMap<string, readonly ValueExport[]>, ovalHref: string, depth: number): string {
  const d = depth + 1;
  let x = `${I(depth)}<Rule${attrs({ id: ids.rule(r.id), selected: r.selected ? 'true' : 'false', severity: r.severity, role: 'full', weight: '1.000000' })}>\n`;
  x += `${I(d)}<title>${esc(r.title)}</title>\n`;
  x += `${I(d)}<description>${markup(r.description || r.title)}</description>\n`;
  for (const ref of r.references) x += `${I(d)}<reference${attrs({ href: ref.href })}>${esc(ref.text)}</reference>\n`;
  if (r.rationale) x += `${I(d)}<rationale>${markup(r.rationale)}</rationale>\n`;
  for (const p of r.platforms) x += `${I(d)}<platform idref="#${p.id}"/>\n`;
  for (const id of r.idents) x += `${I(d)}<ident${attrs({ system: id.system })}>${esc(id.value)}</ident>\n`;
  const rem = r.remediation;
  if (rem) {
    for (const script of [rem.ansible, rem.bash]) {
      if (!script) continue;
      x += `${I(d)}<fix${attrs({ id: r.id, system: FIX_SYSTEM[script.system], complexity: rem.complexity, disruption: rem.disruption, reboot: String(rem.reboot), strategy: rem.strategy })}>${fixText(script, ids, r.id)}</fix>\n`;
    }
  }
  if (r.check) {
    x += `${I(d)}<check system="${OVAL_SYSTEM}">\n`;
    for (const e of exportsOf.get(r.id) ?? []) x += `${I(d + 1)}<check-export${attrs({ 'export-name': e.variableId, 'value-id': ids.value(e.value.id) })}/>\n`;
    x += `${I(d + 1)}<check-content-ref${attrs({ href: ovalHref, name: ids.definition(r.id) })}/>\n`;
    x += `${I(d)}</check>\n`;
  }
  return `${x}${I(depth)}</Rule>\n`;
}

function groupXml(g: Group, ids: CompiledIds, exportsOf: ReadonlyMap<string, readonly ValueExport[]>, ovalHref: string, depth: number): string {
  const d = depth + 1;
  let x = `${I(depth)}<Group${attrs({ id: ids.group(g.id), selected: 'true' })}>\n${I(d)}<title>${esc(g.title)}</title>\n`;
  x += `${I(d)}<description>${markup(g.description || g.title)}</description>\n`;
  for (const p of g.platforms) x += `${I(d)}<platform idref="#${p.id}"/>\n`;
  for (const c of g.children) x += c.kind === 'group' ? groupXml(c, ids, exportsOf, ovalHref, d) : ruleXml(c, ids, exportsOf, ovalHref, d);
  return `${x}${I(depth)}</Group>\n`;
}

function valueXml(v: Value, ids: CompiledIds): string {
  let x = `${I(1)}<Value${attrs({ id: ids.value(v.id), type: v.type, operator: v.operator ?? 'equals', interactive: 'false' })}>\n`;
  x += `${I(2)}<title>${esc(v.title)}</title>\n`;
  x += `${I(2)}<description>${markup(v.description || v.title)}</description>\n`;
  x += `${I(2)}<value>${esc(v.default)}</value>\n`;
  for (const [sel, val] of Object.entries(v.options)) x += `${I(2)}<value selector="${esc(sel)}">${esc(val)}</value>\n`;
  return `${x}${I(1)}</Value>\n`;
}

function profileXml(p: Profile, rules: readonly Rule[], ids: CompiledIds): string {
  const chosen = new Set<Rule>();
  const expand = (items: ReadonlyArray<Rule | Group>, into: (r: Rule) => void): void => {
    for (const item of items) {
      if (item.kind === 'rule') into(item);
      else forEachItem(item.children, (c) => c.kind === 'rule' && into(c));
    }
  };
  expand(p.select, (r) => chosen.add(r));
  expand(p.unselect, (r) => chosen.delete(r));
  let x = `${I(1)}<Profile id="${ids.profile(p.id)}">\n${I(2)}<title>${esc(p.title)}</title>\n`;
  x += `${I(2)}<description>${markup(p.description || p.title)}</description>\n`;
  // Every rule is listed, so a profile means exactly what it selects whatever the rules' defaults.
  for (const r of rules) x += `${I(2)}<select idref="${ids.rule(r.id)}" selected="${chosen.has(r)}"/>\n`;
  for (const pv of p.values) {
    x += pv.selector !== undefined ? `${I(2)}<refine-value idref="${ids.value(pv.value.id)}" selector="${esc(pv.selector)}"/>\n` : `${I(2)}<set-value idref="${ids.value(pv.value.id)}">${esc(pv.literal ?? '')}</set-value>\n`;
  }
  return `${x}${I(1)}</Profile>\n`;
}

// ------------------------------------------------------------------ CPE

function cpeNameOf(p: Platform, ns: string): string {
  return p.cpe ?? `cpe:/a:${ns}:${p.id}`;
}

// ---------------------------------------------------------------- compile

/** Compiles a benchmark; throws ContentError for content the SDK cannot express. */
export function compile(b: Benchmark): CompiledContent {
  if (b.kind !== 'benchmark') throw new ContentError('invalid-value', 'compile() needs a benchmark made with benchmark()');
  const ids = idsOf(b);
  const ns = b.namespace;
  const ts = timestampOf(b);
  const files = { xccdf: `${b.stem}-xccdf.xml`, oval: `${b.stem}-oval.xml`, cpeDictionary: `${b.stem}-cpe-dictionary.xml`, cpeOval: `${b.stem}-cpe-oval.xml` };
  const { values, platforms, rules } = collect(b);
  const usedBelow = new Set<string>();
  forEachItem(b.children, (item) => item.platforms.forEach((p) => usedBelow.add(p.id)));

  // OVAL checks: one definition per rule with a check.
  const oval = new OvalDocument();
  const exportsOf = new Map<string, readonly ValueExport[]>();
  for (const r of rules) {
    if (!r.check) continue;
    const scope = oval.scope(`${ns}.${r.id}`);
    scope.definition(r.check, { class: 'compliance', title: r.title, description: r.check.description });
    exportsOf.set(r.id, scope.exports);
  }

  // Platforms: a CPE item each, decided by an inventory definition.
  const cpeOval = new OvalDocument();
  const cpeNames = new Map<string, string>();
  let dict = `<cpe-list xmlns="${CPE_DICT_NS}">\n`;
  for (const p of platforms.values()) {
    const name = cpeNameOf(p, ns);
    if ([...cpeNames.values()].includes(name)) throw new ContentError('invalid-value', `platforms share the CPE name ${name}`);
    cpeNames.set(p.id, name);
    const def = cpeOval.scope(`${ns}.platform.${p.id}`).definition(p.check, { class: 'inventory', title: p.title, description: p.check.description });
    dict += `${I(1)}<cpe-item name="${esc(name)}">\n${I(2)}<title xml:lang="en-US">${esc(p.title)}</title>\n${I(2)}<check system="${OVAL_SYSTEM}" href="${files.cpeOval}">${def}</check>\n${I(1)}</cpe-item>\n`;
  }
  dict += '</cpe-list>\n';

  // XCCDF.
  let x = `<Benchmark xmlns="${XCCDF_NS}" xmlns:html="${XHTML_NS}" xmlns:cpe-lang="${CPE_LANG_NS}" xmlns:dc="${DC_NS}"${attrs({ id: ids.benchmark, resolved: '1', 'xml:lang': 'en-US', style: 'SCAP_1.3' })}>\n`;
  x += `${I(1)}<status date="${b.date}">${b.status}</status>\n`;
  x += `${I(1)}<title>${esc(b.title)}</title>\n`;
  x += `${I(1)}<description>${markup(b.description || b.title)}</description>\n`;
  // Groups and rules name their platforms through the applicability language (`#id`); the
  // benchmark names its own by CPE name, as SSG does (oscap's XCCDF schematron rejects `#id` there).
  const specified = [...platforms.values()].filter((p) => usedBelow.has(p.id));
  if (specified.length) {
    x += `${I(1)}<cpe-lang:platform-specification>\n`;
    for (const p of specified) {
      x += `${I(2)}<cpe-lang:platform id="${p.id}">\n${I(3)}<cpe-lang:title xml:lang="en-US">${esc(p.title)}</cpe-lang:title>\n${I(3)}<cpe-lang:logical-test operator="AND" negate="false">\n${I(4)}<cpe-lang:fact-ref name="${esc(cpeNames.get(p.id)!)}"/>\n${I(3)}</cpe-lang:logical-test>\n${I(2)}</cpe-lang:platform>\n`;
    }
    x += `${I(1)}</cpe-lang:platform-specification>\n`;
  }
  for (const p of b.platforms) x += `${I(1)}<platform idref="${esc(cpeNames.get(p.id)!)}"/>\n`;
  x += `${I(1)}<version time="${ts}">${esc(b.version)}</version>\n`;
  x += `${I(1)}<metadata>\n${I(2)}<dc:publisher>${esc(b.publisher)}</dc:publisher>\n${I(2)}<dc:creator>${esc(b.publisher)}</dc:creator>\n${I(2)}<dc:contributor>${esc(b.publisher)}</dc:contributor>\n${I(2)}<dc:source>${esc(b.source)}</dc:source>\n${I(1)}</metadata>\n`;
  x += `${I(1)}<model system="urn:xccdf:scoring:default"/>\n`;
  for (const p of b.profiles) x += profileXml(p, rules, ids);
  for (const v of values.values()) x += valueXml(v, ids);
  for (const c of b.children) x += c.kind === 'group' ? groupXml(c, ids, exportsOf, files.oval, 1) : ruleXml(c, ids, exportsOf, files.oval, 1);
  x += '</Benchmark>\n';

  const ovalXml = oval.toXml(ts);
  const cpeOvalXml = cpeOval.toXml(ts);
  const comp = (file: string): string => `scap_${ns}_comp_${file}`;
  const cref = (file: string): string => `scap_${ns}_cref_${file}`;
  const component = (file: string, body: string): string => `  <ds:component id="${comp(file)}" timestamp="${ts}">\n${body}  </ds:component>\n`;
  const hasCpe = platforms.size > 0;
  let ds = `<?xml version="1.0" encoding="UTF-8"?>\n`;
  ds += `<ds:data-stream-collection xmlns:ds="${DS_NS}" xmlns:xlink="${XLINK_NS}" xmlns:cat="${CAT_NS}" id="scap_${ns}_collection_from_xccdf_${files.xccdf}" schematron-version="1.3">\n`;
  ds += `  <ds:data-stream id="${ids.dataStream}" scap-version="1.3" use-case="OTHER" timestamp="${ts}">\n`;
  if (hasCpe) {
    ds += `    <ds:dictionaries>\n      <ds:component-ref id="${cref(files.cpeDictionary)}" xlink:href="#${comp(files.cpeDictionary)}">\n        <cat:catalog>\n          <cat:uri name="${files.cpeOval}" uri="#${cref(files.cpeOval)}"/>\n        </cat:catalog>\n      </ds:component-ref>\n    </ds:dictionaries>\n`;
  }
  ds += `    <ds:checklists>\n      <ds:component-ref id="${cref(files.xccdf)}" xlink:href="#${comp(files.xccdf)}">\n        <cat:catalog>\n          <cat:uri name="${files.oval}" uri="#${cref(files.oval)}"/>\n        </cat:catalog>\n      </ds:component-ref>\n    </ds:checklists>\n`;
  ds += `    <ds:checks>\n      <ds:component-ref id="${cref(files.oval)}" xlink:href="#${comp(files.oval)}"/>\n`;
  if (hasCpe) ds += `      <ds:component-ref id="${cref(files.cpeOval)}" xlink:href="#${comp(files.cpeOval)}"/>\n`;
  ds += `    </ds:checks>\n  </ds:data-stream>\n`;
  if (hasCpe) ds += component(files.cpeDictionary, indent(dict, 2));
  ds += component(files.xccdf, indent(x, 2));
  ds += component(files.oval, indent(ovalXml, 2));
  if (hasCpe) ds += component(files.cpeOval, indent(cpeOvalXml, 2));
  ds += '</ds:data-stream-collection>\n';

  const decl = '<?xml version="1.0" encoding="UTF-8"?>\n';
  return { dataStream: ds, xccdf: decl + x, oval: decl + ovalXml, cpeDictionary: decl + dict, cpeOval: decl + cpeOvalXml, ids, files };
}

/** Indents every line that starts an element (text inside fixes and descriptions is left as written). */
function indent(xml: string, depth: number): string {
  const pad = I(depth);
  let out = '';
  let inText = false;
  for (const line of xml.split('\n')) {
    if (line === '') {
      out += '\n';
      continue;
    }
    out += (inText ? '' : pad) + line + '\n';
    inText = textOpen(line, inText);
  }
  return out.replace(/\n+$/, '\n');
}

/** Whether a line leaves a <fix>, <description> or <rationale> text open. */
function textOpen(line: string, wasOpen: boolean): boolean {
  let open = wasOpen;
  for (const m of line.matchAll(/<(\/?)(fix|description|rationale)\b[^>]*?(\/?)>/g)) {
    if (m[3] === '/') continue;
    open = m[1] !== '/';
  }
  return open;
}

/**
 * Evidence in a sysadmin's terms, shared by the HTML, JSON, JUnit and SARIF
 * writers: for each rule result, what its OVAL tests looked at as rows of
 * (file, setting, value found, value expected), and, for a rule that did not
 * apply, why. It reads only the ScanReport (plain data); the regex-level
 * detail stays in the HTML report's OVAL tables.
 */
import type { OvalEntity, OvalObject, OvalTest } from '../model/oval/types.js';
import type { Group, Rule } from '../model/xccdf/types.js';
import type { CriteriaResult } from '../oval/engine.js';
import type { ItemEntity, OvalItem } from '../oval/types.js';
import { OVAL_SYSTEM, type CheckedBy, type RuleResult, type ScanReport } from '../xccdf/result-types.js';
import { EvidenceIndex } from './evidence-index.js';
import { indexRules, skippedChecks } from './report-common.js';

/** One thing a rule's check looked at. */
export interface EvidenceRow {
  /** The target path read (absolute in the target's own tree), or null when the check reads no file (a package, a kernel key). */
  readonly file: string | null;
  /** What was looked for: the setting a pattern matches, a package or key name, the file attributes compared. */
  readonly setting: string;
  /** The value found; `null` when nothing matched (the file or the line is absent). */
  readonly found: string | null;
  /** What the check wants: the state's values, or `present` / `absent`. */
  readonly expected: string;
  /** Whether this row satisfied the check: true, false, or null when undecided. */
  readonly ok: boolean | null;
  /** The OVAL test's comment, for the curious. */
  readonly test: string;
}

export interface RuleEvidenceOptions {
  /** Rows kept per rule; the rest are counted in `more`. Default 10. */
  readonly maxRows?: number;
  /** Characters kept per value. Default 200. */
  readonly maxValue?: number;
}

export interface RuleEvidence {
  readonly rows: readonly EvidenceRow[];
  /** Rows left out beyond maxRows. */
  readonly more: number;
}

const OP_SYMBOL: Readonly<Record<string, string>> = {
  equals: '',
  'not equal': '≠ ',
  'case insensitive equals': '',
  'case insensitive not equal': '≠ ',
  'greater than': '> ',
  'less than': '< ',
  'greater than or equal': '≥ ',
  'less than or equal': '≤ ',
  'pattern match': 'matches ',
  'bitwise and': 'bits ',
  'bitwise or': 'bits ',
  'subset of': '⊆ ',
  'superset of': '⊇ ',
};

/** Entity names that say nothing to a reader (the value matched in a line). */
const ANONYMOUS = new Set(['subexpression', 'value', 'text']);

/** Entities that say where an object looks rather than what it looks for. */
const WHERE = new Set(['filepath', 'path', 'filename', 'instance', 'pattern', 'behaviors']);

/**
 * The setting a text pattern looks for: the first word of the regular
 * expression once its escapes and character classes are taken out
 * (`^[\s]*PermitRootLogin[\s]+(.+)$` → `PermitRootLogin`); the pattern itself
 * when it has no word.
 */
export function settingOfPattern(pattern: string): string {
  const plain = pattern
    .replace(/\\([./-])/g, '$1')
    .replace(/\\./g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\(\?[a-zA-Z-]*\)/g, ' ')
    .replace(/\(\?[:=!<]/g, ' ');
  const m = /[A-Za-z_][\w.-]*[\w]/.exec(plain);
  return m ? m[0] : pattern;
}

const clipTo = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}…` : s);

function entityValue(e: ItemEntity): string {
  if (e.status !== 'exists') return `(${e.status})`;
  return e.fields ? e.fields.map((f) => `${f.name}=${f.value}`).join(', ') : e.value;
}

function itemFile(item: OvalItem): string | null {
  const get = (n: string): string | undefined => item.entities.find((e) => e.name === n && e.status === 'exists')?.value;
  const fp = get('filepath');
  if (fp) return fp;
  const path = get('path');
  const name = get('filename');
  if (path && name) return `${path.replace(/\/+$/, '')}/${name}`;
  return path ?? null;
}

function objectFile(o: OvalObject | undefined): string | null {
  if (!o) return null;
  const get = (n: string): OvalEntity | undefined => o.entities.find((e) => e.name === n);
  const fp = get('filepath');
  if (fp && fp.varRef === undefined) return fp.value;
  const path = get('path');
  const name = get('filename');
  if (path && path.varRef === undefined) {
    if (name && name.varRef === undefined && !name.nil && name.value !== '') return `${path.value.replace(/\/+$/, '')}/${name.value}`;
    return path.value;
  }
  return null;
}

/** Resolves the values of a check against the scan: check-exports first, then constant variables. */
type VarResolver = (varRef: string) => string | undefined;

function settingOf(o: OvalObject | undefined, compared: readonly string[]): string {
  if (!o) return compared.join(', ');
  const pattern = o.entities.find((e) => e.name === 'pattern');
  if (pattern && o.type.startsWith('textfilecontent')) return settingOfPattern(pattern.value);
  const what = o.entities.filter((e) => !WHERE.has(e.name) && e.value !== '').map((e) => e.value);
  if (what.length) return what.join(' ');
  if (compared.length) return compared.join(', ');
  return o.comment || o.type.replace(/_object$/, '');
}

function expectedOf(test: OvalTest | undefined, states: ReadonlyArray<readonly OvalEntity[]>, resolve: VarResolver): string {
  const parts: string[] = [];
  for (const ents of states) {
    for (const e of ents) {
      const v = e.varRef !== undefined ? (resolve(e.varRef) ?? `(${e.varRef})`) : e.value;
      const one = `${OP_SYMBOL[e.operation] ?? `${e.operation} `}${v}`;
      parts.push((ents.length > 1 || states.length > 1) && !ANONYMOUS.has(e.name) ? `${e.name} ${one}` : one);
    }
  }
  const existence = test?.checkExistence === 'none_exist' ? 'absent' : test?.checkExistence === 'any_exist' ? '' : 'present';
  if (parts.length) return test?.checkExistence === 'none_exist' ? `absent, or not ${parts.join(', ')}` : parts.join(', ');
  return existence || 'anything';
}

/**
 * Evidence rows for every rule result that has OVAL evidence, by index in
 * the TestResult. Rules without rows (OCIL, not evaluated) are absent.
 */
export function ruleEvidence(report: ScanReport, opts: RuleEvidenceOptions = {}): Map<number, RuleEvidence> {
  const maxRows = opts.maxRows ?? 10;
  const maxValue = opts.maxValue ?? 200;
  const indexes = new Map<string, EvidenceIndex>();
  const indexOf = (href: string): EvidenceIndex | undefined => {
    let ix = indexes.get(href);
    if (!ix) {
      const ev = report.oval.find((e) => e.href === href);
      if (!ev) return undefined;
      ix = new EvidenceIndex(ev);
      indexes.set(href, ix);
    }
    return ix;
  };
  const values = new Map(report.testResult.setValues.map((v) => [v.idref, v.value]));
  const out = new Map<number, RuleEvidence>();

  report.testResult.ruleResults.forEach((r, i) => {
    if (!r.check || r.result === 'notselected') return;
    const rows: EvidenceRow[] = [];
    let more = 0;
    const push = (row: EvidenceRow): void => {
      if (rows.length < maxRows) rows.push(row);
      else more++;
    };
    const fromCheck = (c: CheckedBy): void => {
      if (c.complex) for (const k of c.complex.children) fromCheck(k);
      if (c.system !== OVAL_SYSTEM || c.href === undefined || c.name === undefined) return;
      const ix = indexOf(c.href);
      if (!ix) return;
      const exported = new Map(c.exports.map((x) => [x.exportName, values.get(x.valueId)] as const));
      const resolve: VarResolver = (id) => {
        if (exported.has(id)) return exported.get(id);
        const v = ix.variables.get(id);
        return v?.kind === 'constant' && v.values.length ? v.values.join(' | ') : undefined;
      };
      const seenDefs = new Set<string>();
      const seenTests = new Set<string>();
      const fromTest = (testId: string): void => {
        if (seenTests.has(testId)) return;
        seenTests.add(testId);
        const te = ix.testResults.get(testId);
        if (!te || te.result === 'not evaluated') return;
        const test = ix.tests.get(testId);
        const obj = te.objectId !== undefined ? ix.objects.get(te.objectId) : undefined;
        const states = (test?.stateRefs ?? []).map((s) => ix.states.get(s)?.entities ?? []);
        const compared = [...new Set(states.flat().map((e) => e.name))];
        const setting = settingOf(obj, compared);
        const expected = expectedOf(test, states, resolve);
        const comment = test?.comment ?? testId;
        if (te.items.length === 0) {
          const col = te.objectId !== undefined ? ix.collected.get(te.objectId) : undefined;
          const why = col && col.flag !== 'does not exist' && col.flag !== 'complete' ? `(${col.flag})` : null;
          push({ file: objectFile(obj), setting, found: why, expected, ok: te.result === 'true' ? true : te.result === 'false' ? false : null, test: comment });
          return;
        }
        for (const { item: id, result } of te.items) {
          const item = ix.item(id);
          let found: string;
          if (compared.length) {
            const vals = compared.map((n) => {
              const es = item.entities.filter((e) => e.name === n);
              const v = es.length ? es.map(entityValue).join(' | ') : '(none)';
              return compared.length > 1 && !ANONYMOUS.has(n) ? `${n} ${v}` : v;
            });
            found = vals.join(', ');
          } else {
            const text = item.entities.find((e) => e.name === 'text' && e.status === 'exists')?.value;
            found = item.status !== 'exists' ? `(${item.status})` : (text ?? 'present');
          }
          const ok = compared.length
            ? result === 'true'
              ? true
              : result === 'false'
                ? false
                : te.result === 'true'
                  ? true
                  : te.result === 'false'
                    ? false
                    : null
            : te.result === 'true'
              ? true
              : te.result === 'false'
                ? false
                : null;
          push({ file: itemFile(item) ?? objectFile(obj), setting, found: clipTo(found, maxValue), expected: clipTo(expected, maxValue), ok, test: comment });
        }
      };
      const walk = (cr: CriteriaResult): void => {
        if (cr.kind === 'criteria') cr.children.forEach(walk);
        else if (cr.kind === 'extend_definition') fromDefinition(cr.definitionRef);
        else fromTest(cr.testRef);
      };
      const fromDefinition = (id: string): void => {
        if (seenDefs.has(id)) return;
        seenDefs.add(id);
        const cr = ix.definitionResults.get(id)?.criteria;
        if (cr) walk(cr);
      };
      fromDefinition(c.name);
    };
    fromCheck(r.check);
    if (rows.length) out.set(i, { rows, more });
  });
  return out;
}

/** Rows that show the problem: those that did not satisfy the check, else all. */
export function failingRows(e: RuleEvidence | undefined): readonly EvidenceRow[] {
  if (!e) return [];
  const bad = e.rows.filter((r) => r.ok === false);
  return bad.length ? bad : e.rows;
}

/** One line for an evidence row: `/etc/ssh/sshd_config: PermitRootLogin is yes, expected no`. */
export function evidenceLine(row: EvidenceRow): string {
  const where = row.file ? `${row.file}: ` : '';
  const found = row.found === null ? 'not found' : `is ${row.found}`;
  return `${where}${row.setting} ${found}, expected ${row.expected}`;
}

/** The platforms of a rule, its own and its groups' (ids as written: CPE names or `#platform` refs). */
function platformsOf(rule: Rule | undefined, groups: readonly Group[]): string[] {
  return [...groups.flatMap((g) => g.platforms), ...(rule?.platforms ?? [])];
}

/** A reader's name for a platform: its title in the benchmark's platform specification, or the id/CPE itself. */
export function platformLabel(report: ScanReport, id: string): string {
  const bare = id.replace(/^#/, '');
  const p = report.benchmark.platformSpecification.find((x) => x.id === bare || x.id === id);
  return p?.title || bare;
}

/**
 * Why a rule result is `notapplicable`, in a sentence: the platforms it
 * applies to that the target does not match, checks the target cannot run,
 * or the check itself saying so. Undefined for other results.
 */
export function notApplicableReasons(report: ScanReport): Map<number, string> {
  const tr = report.testResult;
  const rules = indexRules(report.benchmark);
  const skipped = skippedChecks(report);
  const applied = new Set(tr.platforms.flatMap((p) => [p, p.replace(/^#/, '')]));
  const benchmarkPlatforms = report.benchmark.platforms;
  const benchmarkApplies = benchmarkPlatforms.length === 0 || benchmarkPlatforms.some((p) => applied.has(p) || applied.has(p.replace(/^#/, '')));
  const out = new Map<number, string>();
  tr.ruleResults.forEach((r: RuleResult, i) => {
    if (r.result !== 'notapplicable') return;
    if (!benchmarkApplies) {
      out.set(i, `The benchmark applies to ${benchmarkPlatforms.map((p) => platformLabel(report, p)).join(' or ')}, which this target is not.`);
      return;
    }
    const e = rules.get(r.ruleId);
    const missing = platformsOf(e?.rule, e?.groups ?? []).filter((p) => !applied.has(p) && !applied.has(p.replace(/^#/, '')));
    if (missing.length) {
      out.set(i, `The rule applies only to ${missing.map((p) => platformLabel(report, p)).join(', ')}, which this target does not match.`);
      return;
    }
    const s = skipped.get(i);
    if (s?.length) {
      out.set(i, `Its checks need what this target does not offer: ${[...new Set(s.flatMap((x) => x.needs))].join(', ')}.`);
      return;
    }
    out.set(i, 'Its check found nothing on this target that it applies to (the OVAL result was not applicable).');
  });
  return out;
}

/**
 * What the JSON, JUnit, SARIF and HTML writers share: rules by id with their
 * enclosing groups, `<sub>` resolution against the values in force, fix
 * content, and the names and orders used to present results and severities.
 */
import type { Benchmark, Fix, FixPart, Group, Rule, Severity } from '../model/xccdf/types.js';
import type { CriteriaResult } from '../oval/engine.js';
import type { CheckedBy, ScanReport, XccdfResult } from '../xccdf/result-types.js';
import { esc } from '../model/xml/escape.js';
import { EvidenceIndex } from './evidence-index.js';
import type { SubResolver } from './markup.js';

export interface RuleEntry {
  readonly rule: Rule;
  /** Enclosing groups, outermost first. */
  readonly groups: readonly Group[];
}

/** Every rule of the benchmark by id, with its groups. */
export function indexRules(b: Benchmark): Map<string, RuleEntry> {
  const out = new Map<string, RuleEntry>();
  const walk = (items: ReadonlyArray<Group | Rule>, groups: readonly Group[]): void => {
    for (const it of items) {
      if (it.kind === 'rule') out.set(it.id, { rule: it, groups });
      else walk(it.children, [...groups, it]);
    }
  };
  walk(b.children, []);
  return out;
}

/**
 * `<sub idref use>` against a scan: a Value's text in force (use="value" or
 * "legacy"), otherwise the title of the value, group or rule it names.
 */
export function subResolver(report: ScanReport): SubResolver {
  const values = new Map(report.testResult.setValues.map((v) => [v.idref, v.value]));
  let titles: Map<string, string> | undefined;
  const titleOf = (id: string): string | undefined => {
    if (!titles) {
      titles = new Map();
      const t = titles;
      const walk = (items: ReadonlyArray<Group | Rule>): void => {
        for (const it of items) {
          t.set(it.id, it.title);
          if (it.kind === 'group') {
            for (const v of it.values) t.set(v.id, v.title);
            walk(it.children);
          }
        }
      };
      for (const v of report.benchmark.values) t.set(v.id, v.title);
      walk(report.benchmark.children);
    }
    return titles.get(id);
  };
  return (idref, use) => (use !== 'title' && values.has(idref) ? values.get(idref) : titleOf(idref));
}

/** Fix content as text and resolved substitutions, in order. */
export type FixSegment = string | { readonly sub: string; readonly text: string };

export function fixSegments(content: readonly FixPart[], resolve: SubResolver): FixSegment[] {
  return content.map((p) => (typeof p === 'string' ? p : { sub: p.sub, text: resolve(p.sub, p.use) ?? `[${p.sub}]` }));
}

export function fixText(fix: Fix, resolve: SubResolver): string {
  return fixSegments(fix.content, resolve)
    .map((s) => (typeof s === 'string' ? s : s.text))
    .join('');
}

const FIX_SYSTEMS: ReadonlyArray<readonly [string, string]> = [
  ['urn:xccdf:fix:script:sh', 'Shell script'],
  ['urn:xccdf:fix:script:ansible', 'Ansible'],
  ['urn:xccdf:fix:script:puppet', 'Puppet'],
  ['urn:xccdf:fix:script:kubernetes', 'Kubernetes'],
  ['urn:xccdf:fix:script:powershell', 'PowerShell'],
  ['urn:xccdf:fix:script:perl', 'Perl'],
  ['urn:xccdf:fix:script:python', 'Python'],
  ['urn:redhat:anaconda:pre', 'Anaconda'],
  ['urn:redhat:osbuild:blueprint', 'OSBuild blueprint'],
  ['urn:xccdf:fix:commands', 'Commands'],
  ['urn:xccdf:fix:urls', 'URLs'],
];

/** A reader's name for a fix system URN; the URN itself when unknown. */
export function fixSystemLabel(system: string): string {
  return FIX_SYSTEMS.find(([urn]) => urn === system)?.[1] ?? system;
}

/** The part of an XCCDF id after `_rule_` (`xccdf_org.ssgproject.content_rule_x` → `x`). */
export function shortId(id: string, kind = 'rule'): string {
  const at = id.indexOf(`_${kind}_`);
  return at >= 0 && id.startsWith('xccdf_') ? id.slice(at + kind.length + 2) : id;
}

/** Severities from the most to the least severe. */
export const SEVERITY_ORDER: readonly Severity[] = ['high', 'medium', 'low', 'info', 'unknown'];

/** Results in the order a reader wants them: what needs attention first. */
export const RESULT_ORDER: readonly XccdfResult[] = [
  'fail',
  'error',
  'unknown',
  'notchecked',
  'informational',
  'fixed',
  'pass',
  'notapplicable',
  'notselected',
];

export const RESULT_LABEL: Readonly<Record<XccdfResult, string>> = {
  pass: 'Pass',
  fail: 'Fail',
  error: 'Error',
  unknown: 'Unknown',
  notapplicable: 'Not applicable',
  notchecked: 'Not checked',
  notselected: 'Not selected',
  informational: 'Informational',
  fixed: 'Fixed',
};

/** A score's scoring model without the URN prefix (`urn:xccdf:scoring:default` → `default`). */
export function scoringLabel(system: string): string {
  return system.replace(/^urn:xccdf:scoring:/, '');
}

/** Whole seconds between two ISO times; undefined when either is missing or invalid. */
export function durationSeconds(start: string, end: string): number | undefined {
  const a = Date.parse(start);
  const b = Date.parse(end);
  return Number.isFinite(a) && Number.isFinite(b) && b >= a ? (b - a) / 1000 : undefined;
}

/** Text for XML 1.0 content and attributes: escaped, with the characters XML cannot carry encoded (model/xml/escape.ts). */
export function xmlText(s: string): string {
  return esc(s);
}

/** A check a rule depends on that was not run on this target: the object, its type, and what the target lacks. */
export interface SkippedCheck {
  readonly objectId: string;
  /** `family:type`, e.g. `unix:sysctl_object`. */
  readonly type: string;
  readonly needs: readonly string[];
  readonly flag: string;
}

/**
 * For each rule result (by index in the TestResult), the objects of its
 * checks that were not collected because the target lacks what their probe
 * needs (an offline root has no live kernel, processes or service
 * manager): what the reports show as skipped. Rules without any are absent.
 */
export function skippedChecks(report: ScanReport): Map<number, SkippedCheck[]> {
  const indexes = new Map(report.oval.map((ev) => [ev.href, new EvidenceIndex(ev)] as const));
  const out = new Map<number, SkippedCheck[]>();
  const fromDefinition = (ix: EvidenceIndex, id: string, found: Map<string, SkippedCheck>, seen: Set<string>): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const criteria = ix.definitionResults.get(id)?.criteria;
    const walk = (c: CriteriaResult): void => {
      if (c.kind === 'criteria') c.children.forEach(walk);
      else if (c.kind === 'extend_definition') fromDefinition(ix, c.definitionRef, found, seen);
      else {
        const objectId = ix.testResults.get(c.testRef)?.objectId;
        const o = objectId !== undefined ? ix.collected.get(objectId) : undefined;
        if (!o?.unavailable || found.has(o.objectId)) return;
        const model = ix.objects.get(o.objectId);
        found.set(o.objectId, { objectId: o.objectId, type: model ? `${model.family}:${model.type}` : 'unknown', needs: [...o.unavailable], flag: o.flag });
      }
    };
    if (criteria) walk(criteria);
  };
  const fromCheck = (c: CheckedBy, found: Map<string, SkippedCheck>): void => {
    if (c.complex) for (const k of c.complex.children) fromCheck(k, found);
    const ix = c.href !== undefined ? indexes.get(c.href) : undefined;
    if (ix && c.name !== undefined) fromDefinition(ix, c.name, found, new Set());
  };
  report.testResult.ruleResults.forEach((r, i) => {
    if (!r.check) return;
    const found = new Map<string, SkippedCheck>();
    fromCheck(r.check, found);
    if (found.size > 0) out.set(i, [...found.values()]);
  });
  return out;
}

/** One line for a skipped check, as the reports say it. */
export function skippedText(s: SkippedCheck): string {
  return `Not checked on this target: ${s.type} ${s.objectId} needs ${s.needs.join(', ')} (${s.flag})`;
}

/**
 * From the rules to remediate to the fixes to write: one fix per rule for
 * the fix system (./choose-fix.ts), filtered (./filter.ts), with every
 * `<sub>` resolved to its value. What each output format does with them is
 * up to its generator.
 */
import { ContentError } from '../model/errors.js';
import type { Fix, Rule, Severity } from '../model/xccdf/types.js';
import { chooseFix } from './choose-fix.js';
import { compileFilter, type FixFilter } from './filter.js';

/** Fix text with each `<sub>` replaced by what it stands for; generators quote it as their language needs. */
export type ResolvedPart = string | { readonly sub: string; readonly value: string };

export interface PlannedRule {
  readonly rule: Rule;
  readonly severity: Severity;
  /** Absent when the rule has no fix for the system. */
  readonly fix?: Fix;
  readonly parts?: readonly ResolvedPart[];
}

/** A Value as a `<sub>` sees it: the text in force and its title. */
export interface SubstitutionValue {
  readonly text: string;
  readonly title: string;
}

export interface PlanInput {
  readonly system: string;
  /** The rules to remediate, in output order; selection is already decided. */
  readonly rules: readonly Rule[];
  /** The rule's severity in force (after any refine-rule). */
  readonly severity: (rule: Rule) => Severity;
  readonly value: (valueId: string) => SubstitutionValue | undefined;
  readonly filter: FixFilter;
  /** Keep rules with no fix (a bash script announces them); otherwise they are left out. */
  readonly keepRulesWithoutFix: boolean;
}

export function planRemediation(input: PlanInput): PlannedRule[] {
  const filter = compileFilter(input.filter);
  const out: PlannedRule[] = [];
  for (const rule of input.rules) {
    const severity = input.severity(rule);
    if (!filter.acceptsRule(rule, severity)) continue;
    const fix = chooseFix(rule.fixes, input.system, (f) => filter.acceptsFix(f));
    if (!fix) {
      if (input.keepRulesWithoutFix && !filter.filtersFixes) out.push({ rule, severity });
      continue;
    }
    out.push({ rule, severity, fix, parts: resolveSubs(rule, fix, input.value) });
  }
  return out;
}

function resolveSubs(rule: Rule, fix: Fix, value: PlanInput['value']): ResolvedPart[] {
  return fix.content.map((p) => {
    if (typeof p === 'string') return p;
    const v = value(p.sub);
    if (!v) {
      throw new ContentError(
        'dangling-ref',
        `rule ${rule.id}: its ${fix.system} fix has <sub idref="${p.sub}">, but the benchmark has no Value "${p.sub}"; the fix cannot be written without it`,
        rule.location,
      );
    }
    return { sub: p.sub, value: p.use === 'title' ? v.title : v.text };
  });
}

/** The resolved text with each value as written, unquoted (as oscap writes it). */
export function rawText(parts: readonly ResolvedPart[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : p.value)).join('');
}

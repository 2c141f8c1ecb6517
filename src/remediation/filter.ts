/**
 * Filters applied while remediation is generated, so that the output holds
 * only what passes. oscap has none of them.
 *
 * - Rule filters: severity (after the profile's refine-rule), `--rule` and
 *   `--skip-rule` globs on the rule id (full, or the part after `_rule_`),
 *   and `--reference` globs on the rule's idents, references and tags
 *   (./references.ts). A reference pattern also matches the parts of what it
 *   names: NIST-800-53-CM-6 matches NIST-800-53-CM-6(a).
 * - Fix filters: strategy, complexity, disruption and `--no-reboot` choose
 *   among a rule's fixes; a rule with no fix that passes is left out.
 *
 * Values given to one filter are alternatives; different filters must all
 * pass.
 */
import { ContentError } from '../model/errors.js';
import type { Fix, FixStrategy, Level, Rule, Severity } from '../model/xccdf/types.js';
import { globToRegExp } from './glob.js';
import { ruleReferenceNames } from './references.js';

export interface FixFilter {
  readonly severities?: readonly Severity[];
  readonly strategies?: readonly FixStrategy[];
  readonly complexities?: readonly Level[];
  readonly disruptions?: readonly Level[];
  readonly noReboot?: boolean;
  readonly references?: readonly string[];
  readonly rules?: readonly string[];
  readonly skipRules?: readonly string[];
}

export const SEVERITIES: readonly Severity[] = ['unknown', 'info', 'low', 'medium', 'high'];
export const STRATEGIES: readonly FixStrategy[] = ['unknown', 'configure', 'combination', 'disable', 'enable', 'patch', 'policy', 'restrict', 'update'];
export const LEVELS: readonly Level[] = ['unknown', 'low', 'medium', 'high'];

/** The filter options as typed: each a list of comma-separated words or patterns. */
export interface FilterArguments {
  readonly severity?: readonly string[];
  readonly strategy?: readonly string[];
  readonly complexity?: readonly string[];
  readonly disruption?: readonly string[];
  readonly noReboot?: boolean;
  readonly reference?: readonly string[];
  readonly rule?: readonly string[];
  readonly skipRule?: readonly string[];
}

function words<T extends string>(option: string, raw: readonly string[] | undefined, allowed: readonly T[]): T[] | undefined {
  if (!raw || raw.length === 0) return undefined;
  const out: T[] = [];
  for (const w of raw.flatMap((r) => r.split(',')).map((s) => s.trim().toLowerCase())) {
    if (!w) continue;
    if (!(allowed as readonly string[]).includes(w)) {
      throw new ContentError('invalid-value', `--${option} "${w}" is not one of: ${allowed.join(', ')}`);
    }
    if (!out.includes(w as T)) out.push(w as T);
  }
  return out.length ? out : undefined;
}

function patterns(raw: readonly string[] | undefined): string[] | undefined {
  const out = (raw ?? []).flatMap((r) => r.split(',')).map((s) => s.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

/** Checks and normalizes the filter options; an unknown word is a ContentError naming the choices. */
export function parseFilter(args: FilterArguments): FixFilter {
  const f = {
    severities: words('severity', args.severity, SEVERITIES),
    strategies: words('strategy', args.strategy, STRATEGIES),
    complexities: words('complexity', args.complexity, LEVELS),
    disruptions: words('disruption', args.disruption, LEVELS),
    noReboot: args.noReboot === true ? true : undefined,
    references: patterns(args.reference),
    rules: patterns(args.rule),
    skipRules: patterns(args.skipRule),
  };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as FixFilter;
}

export function isEmptyFilter(f: FixFilter): boolean {
  return Object.keys(f).length === 0;
}

/** The filter as the command-line options that give it, for output headers. */
export function describeFilter(f: FixFilter): string {
  const parts: string[] = [];
  if (f.severities) parts.push(`--severity ${f.severities.join(',')}`);
  if (f.strategies) parts.push(`--strategy ${f.strategies.join(',')}`);
  if (f.complexities) parts.push(`--complexity ${f.complexities.join(',')}`);
  if (f.disruptions) parts.push(`--disruption ${f.disruptions.join(',')}`);
  if (f.noReboot) parts.push('--no-reboot');
  for (const r of f.references ?? []) parts.push(`--reference ${r}`);
  for (const r of f.rules ?? []) parts.push(`--rule ${r}`);
  for (const r of f.skipRules ?? []) parts.push(`--skip-rule ${r}`);
  return parts.join(' ');
}

export interface CompiledFilter {
  /** Whether the rule passes the rule filters, given its severity in force. */
  acceptsRule(rule: Rule, severity: Severity): boolean;
  /** Whether a fix passes the fix filters. */
  acceptsFix(fix: Fix): boolean;
  /** Whether any fix filter is set (then a rule without an accepted fix is left out). */
  readonly filtersFixes: boolean;
}

/** The short form of a rule id: what follows `_rule_`. */
export function shortRuleId(id: string): string {
  const k = id.indexOf('_rule_');
  return k < 0 ? id : id.slice(k + 6);
}

export function compileFilter(f: FixFilter): CompiledFilter {
  const ruleRes = (f.rules ?? []).map(globToRegExp);
  const skipRes = (f.skipRules ?? []).map(globToRegExp);
  const refRes = (f.references ?? []).flatMap((p) => [globToRegExp(p), globToRegExp(`${p}(*)`)]);
  const idMatches = (res: readonly RegExp[], id: string): boolean => res.some((re) => re.test(id) || re.test(shortRuleId(id)));
  return {
    acceptsRule(rule, severity) {
      if (f.severities && !f.severities.includes(severity)) return false;
      if (ruleRes.length && !idMatches(ruleRes, rule.id)) return false;
      if (skipRes.length && idMatches(skipRes, rule.id)) return false;
      if (refRes.length && !ruleReferenceNames(rule).some((n) => refRes.some((re) => re.test(n)))) return false;
      return true;
    },
    acceptsFix(fix) {
      if (f.strategies && !f.strategies.includes(fix.strategy)) return false;
      if (f.complexities && !f.complexities.includes(fix.complexity)) return false;
      if (f.disruptions && !f.disruptions.includes(fix.disruption)) return false;
      if (f.noReboot && fix.reboot) return false;
      return true;
    },
    filtersFixes: Boolean(f.strategies || f.complexities || f.disruptions || f.noReboot),
  };
}

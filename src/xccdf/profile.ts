/**
 * Profile resolution (XCCDF 1.2 §6.2.7, as OpenSCAP applies it):
 * - the `extends` chain is applied base first, and later selects win;
 * - a select may name a rule, a group or a cluster-id;
 * - a rule takes part only when it and every enclosing group are selected;
 * - refine-value picks a value instance by selector, set-value overrides it;
 * - a tailoring's profiles are resolved on top of the benchmark's.
 */
import { ContentError } from '../model/errors.js';
import { indexBenchmark, type BenchmarkIndex } from '../model/xccdf/index.js';
import type { Item, Profile, Role, Rule, Severity, Tailoring, Value, ValueOperator } from '../model/xccdf/types.js';

export interface RuleRefinement {
  readonly severity?: Severity;
  readonly weight?: number;
  readonly role?: Role;
  readonly selector?: string;
}

export interface ResolvedValue {
  readonly value: Value;
  /** The instance selector in force ('' for the default instance). */
  readonly selector: string;
  readonly operator: ValueOperator;
  readonly text: string;
  /** How the text was chosen. */
  readonly source: 'default' | 'refine-value' | 'set-value';
  /** A refine-value asked for a selector the value does not have (the default text is given). */
  readonly missingSelector?: string;
}

export interface ResolvedProfile {
  /** Undefined for the benchmark's default selection (no profile). */
  readonly profile?: Profile;
  /** Profiles applied, base first. */
  readonly chain: readonly Profile[];
  readonly index: BenchmarkIndex;
  /** Selected rules in benchmark order. */
  readonly rules: readonly Rule[];
  isSelected(ruleId: string): boolean;
  readonly values: ReadonlyMap<string, ResolvedValue>;
  readonly refinements: ReadonlyMap<string, RuleRefinement>;
  /** Notes about selectors that fell back to the default instance. */
  readonly notes: readonly string[];
}

/** Looks up a profile by id in the tailoring first, then in the benchmark. */
function profileMap(index: BenchmarkIndex, tailoring?: Tailoring): Map<string, Profile> {
  const m = new Map(index.profiles);
  for (const p of tailoring?.profiles ?? []) m.set(p.id, p);
  return m;
}

function chainOf(id: string, profiles: ReadonlyMap<string, Profile>, index: BenchmarkIndex): Profile[] {
  const chain: Profile[] = [];
  const seen = new Set<Profile>();
  let next: Profile | undefined = profiles.get(id);
  if (!next) throw new ContentError('unknown-profile', `no profile "${id}"`);
  while (next) {
    if (seen.has(next)) throw new ContentError('invalid-value', `profile ${next.id} extends itself`, next.location);
    seen.add(next);
    chain.unshift(next);
    const base: string | undefined = next.extends;
    if (base === undefined) break;
    // A tailoring profile may extend the benchmark profile of the same id.
    const found: Profile | undefined = base === next.id ? index.profiles.get(base) : profiles.get(base);
    if (!found) throw new ContentError('dangling-ref', `profile ${next.id} extends the unknown profile ${base}`, next.location);
    next = found;
  }
  return chain;
}

export interface ResolveOptions {
  readonly tailoring?: Tailoring;
}

/** Resolves `profileId` (or the default selection when undefined) against a benchmark. */
export function resolveProfile(
  benchmarkOrIndex: BenchmarkIndex | Parameters<typeof indexBenchmark>[0],
  profileId: string | undefined,
  opts: ResolveOptions = {},
): ResolvedProfile {
  const index = 'ruleOrder' in benchmarkOrIndex ? benchmarkOrIndex : indexBenchmark(benchmarkOrIndex);
  const profiles = profileMap(index, opts.tailoring);
  if (profileId !== undefined && !profiles.has(profileId)) {
    const known = [...profiles.keys()];
    throw new ContentError(
      'unknown-profile',
      `no profile "${profileId}" in ${index.benchmark.id}${known.length ? `; known profiles: ${known.join(', ')}` : ''}`,
    );
  }
  const chain = profileId === undefined ? [] : chainOf(profileId, profiles, index);

  // Selection state per item id, starting from the items' own attribute.
  const selected = new Map<string, boolean>();
  const itemsById = (id: string): Item[] => {
    const r = index.rules.get(id) ?? index.groups.get(id);
    return r ? [r] : [...(index.clusters.get(id) ?? [])];
  };
  const refinements = new Map<string, RuleRefinement>();
  const selectors = new Map<string, { selector: string; operator?: ValueOperator }>();
  const setValues = new Map<string, string>();
  for (const p of chain) {
    for (const s of p.selects) for (const it of itemsById(s.idref)) selected.set(it.id, s.selected);
    for (const r of p.refineRules) {
      for (const it of itemsById(r.idref)) {
        const prev = refinements.get(it.id) ?? {};
        refinements.set(it.id, {
          ...prev,
          ...(r.severity !== undefined ? { severity: r.severity } : {}),
          ...(r.weight !== undefined ? { weight: r.weight } : {}),
          ...(r.role !== undefined ? { role: r.role } : {}),
          ...(r.selector !== undefined ? { selector: r.selector } : {}),
        });
      }
    }
    for (const rv of p.refineValues) {
      const prev = selectors.get(rv.idref);
      selectors.set(rv.idref, {
        selector: rv.selector ?? prev?.selector ?? '',
        ...(rv.operator !== undefined ? { operator: rv.operator } : prev?.operator !== undefined ? { operator: prev.operator } : {}),
      });
    }
    for (const sv of p.setValues) setValues.set(sv.idref, sv.value);
  }
  const isOn = (it: Item): boolean => selected.get(it.id) ?? it.selected;

  const rules: Rule[] = [];
  const ruleIds = new Set<string>();
  const walk = (items: ReadonlyArray<Item>): void => {
    for (const it of items) {
      if (!isOn(it)) continue; // a deselected group hides everything inside it
      if (it.kind === 'rule') {
        rules.push(it);
        ruleIds.add(it.id);
      } else walk(it.children);
    }
  };
  walk(index.benchmark.children);

  const notes: string[] = [];
  const values = new Map<string, ResolvedValue>();
  for (const v of index.values.values()) {
    const sel = selectors.get(v.id);
    const operator = sel?.operator ?? v.operator;
    const set = setValues.get(v.id);
    if (set !== undefined) {
      values.set(v.id, { value: v, selector: sel?.selector ?? '', operator, text: set, source: 'set-value' });
      continue;
    }
    const dflt = v.instances.find((i) => i.selector === '') ?? v.instances[0];
    if (sel && sel.selector !== '') {
      const inst = v.instances.find((i) => i.selector === sel.selector);
      if (inst) {
        values.set(v.id, { value: v, selector: sel.selector, operator, text: inst.value, source: 'refine-value' });
        continue;
      }
      notes.push(`value ${v.id} has no instance with selector "${sel.selector}"; rules that export it are unknown`);
      values.set(v.id, { value: v, selector: dflt?.selector ?? '', operator, text: dflt?.value ?? '', source: 'default', missingSelector: sel.selector });
      continue;
    }
    values.set(v.id, { value: v, selector: dflt?.selector ?? '', operator, text: dflt?.value ?? '', source: 'default' });
  }

  const profile = chain[chain.length - 1];
  return {
    ...(profile ? { profile } : {}),
    chain,
    index,
    rules,
    isSelected: (id) => ruleIds.has(id),
    values,
    refinements,
    notes,
  };
}

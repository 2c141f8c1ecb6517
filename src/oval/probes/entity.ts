/** Helpers probes share for matching object entities against candidates. */
import { compareValuesLater, ovalPattern } from '../compare.js';
import { boundedTest, isFailure, UndecidedMatch } from '../regex/bounded.js';
import type { OvalDatatype } from '../../model/oval/types.js';
import type { ItemEntity, ProbeRequest, ResolvedEntity } from '../types.js';

/**
 * True when `candidate` satisfies the object entity (its operation and
 * datatype). A promise, because a pattern that could backtrack badly is
 * matched in the regex worker (regex/bounded.ts); any other answers at once.
 * A pattern match that cannot be decided (out of time, the worker failed)
 * rejects with an UndecidedMatch: its object is an error, never "no match".
 */
export async function entityMatches(r: ResolvedEntity, candidate: string): Promise<boolean> {
  if (r.entity.operation === 'pattern match' && r.entity.datatype === 'string') {
    const re = ovalPattern(r.value);
    if (re instanceof Error) throw new Error(`cannot use pattern ${JSON.stringify(r.value)}: ${re.message}`);
    const a = await boundedTest(re, candidate);
    if (isFailure(a)) throw new UndecidedMatch(a, r.value, JSON.stringify(candidate));
    return a;
  }
  return (await compareValuesLater(r.value, r.entity.datatype, candidate, r.entity.operation)) === 'true';
}

/** The candidates whose name (`nameOf`) satisfies the object entity, in order. */
export async function matching<T>(r: ResolvedEntity, candidates: Iterable<T>, nameOf: (c: T) => string): Promise<T[]> {
  const out: T[] = [];
  for (const c of candidates) if (await entityMatches(r, nameOf(c))) out.push(c);
  return out;
}

/** The entity named `name`, if the object has it. */
export function entityOf(req: ProbeRequest, name: string): ResolvedEntity | undefined {
  return req.entities.get(name);
}

/** The literal value when the entity selects exactly one value by equality. */
export function exactValue(r: ResolvedEntity | undefined): string | undefined {
  return r && r.entity.operation === 'equals' ? r.value : undefined;
}

export function field(name: string, value: string | number | boolean | bigint, datatype: OvalDatatype = 'string'): ItemEntity {
  return { name, value: String(value), datatype, status: 'exists' };
}

export function missingField(name: string, datatype: OvalDatatype = 'string'): ItemEntity {
  return { name, value: '', datatype, status: 'does not exist' };
}

/** A behavior attribute as a boolean, with its OVAL default. */
export function behaviorFlag(req: ProbeRequest, name: string, dflt: boolean): boolean {
  const v = req.behaviors[name];
  return v === undefined ? dflt : v === 'true' || v === '1';
}

/**
 * Values and flags as the variable evaluator computes them: each value has
 * its own datatype (arithmetic depends on it), and flags aggregate with
 * OpenSCAP's _AGG_FLAG (src/OVAL/oval_component.c), whose identity is
 * SYSCHAR_FLAG_UNKNOWN ('unknown').
 */
import type { OvalDatatype } from '../../model/oval/types.js';
import type { CollectionFlag } from '../result.js';

/** A collection flag, or OpenSCAP's SYSCHAR_FLAG_UNKNOWN (nothing computed). */
export type Flag = CollectionFlag | 'unknown';

/** One value with its own datatype (oval_value). */
export interface Val {
  readonly text: string;
  readonly datatype: OvalDatatype;
}

export function str(text: string): Val {
  return { text, datatype: 'string' };
}

/** strcmp order over UTF-8 bytes. */
export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Index order of oval_syschar_collection_flag_t. */
const FLAG_ORDER: readonly Flag[] = ['unknown', 'error', 'complete', 'incomplete', 'does not exist', 'not collected', 'not applicable'];

/** _flag_agg_map, indexed [f2][f1] as the _AGG_FLAG(f1, f2) macro does. */
const AGG_MAP: readonly (readonly Flag[])[] = [
  ['unknown', 'error', 'complete', 'incomplete', 'does not exist', 'not collected', 'not applicable'],
  ['error', 'error', 'error', 'error', 'error', 'error', 'error'],
  ['complete', 'error', 'complete', 'incomplete', 'does not exist', 'not collected', 'not applicable'],
  ['incomplete', 'error', 'incomplete', 'incomplete', 'does not exist', 'not collected', 'not applicable'],
  ['does not exist', 'error', 'does not exist', 'does not exist', 'does not exist', 'not collected', 'not applicable'],
  ['not collected', 'error', 'not collected', 'not collected', 'not collected', 'not collected', 'not applicable'],
  ['not applicable', 'error', 'not applicable', 'not applicable', 'not applicable', 'not applicable', 'not applicable'],
];

export function aggFlag(f1: Flag, f2: Flag): Flag {
  return AGG_MAP[FLAG_ORDER.indexOf(f2)]![FLAG_ORDER.indexOf(f1)]!;
}

/** _HAS_VALUES */
export function hasValues(f: Flag): boolean {
  return f === 'complete' || f === 'incomplete';
}


/**
 * Collected-object flags: combining them across set operations and deriving
 * them from item statuses, as OpenSCAP's probe_cobj_combine_flags and
 * probe_cobj_compute_flag do (src/OVAL/probes/probe-api.c).
 */
import type { SetOperator } from '../model/oval/types.js';
import type { CollectionFlag, ItemStatus } from './result.js';

type F = CollectionFlag;
type Row = Partial<Record<F, F>>;

const UNION: Record<F, Row> = {
  error: {},
  complete: { error: 'error', complete: 'complete', 'does not exist': 'complete', 'not applicable': 'complete', incomplete: 'incomplete', 'not collected': 'incomplete' },
  incomplete: { complete: 'incomplete', incomplete: 'incomplete', 'does not exist': 'incomplete', 'not collected': 'incomplete', 'not applicable': 'incomplete' },
  'does not exist': { complete: 'complete', incomplete: 'incomplete', 'not collected': 'incomplete', 'not applicable': 'does not exist', 'does not exist': 'does not exist' },
  'not collected': { complete: 'incomplete', incomplete: 'incomplete', 'does not exist': 'incomplete', 'not applicable': 'not collected', 'not collected': 'not collected' },
  'not applicable': { complete: 'complete', incomplete: 'incomplete', 'not applicable': 'not applicable', 'does not exist': 'does not exist', 'not collected': 'not collected' },
};

const INTERSECTION: Record<F, Row> = {
  error: {},
  complete: { 'does not exist': 'does not exist', complete: 'complete', 'not applicable': 'complete', incomplete: 'incomplete', 'not collected': 'not collected' },
  incomplete: { 'does not exist': 'does not exist', 'not applicable': 'not applicable', 'not collected': 'incomplete', complete: 'incomplete', incomplete: 'incomplete' },
  'does not exist': { error: 'does not exist', complete: 'does not exist', incomplete: 'does not exist', 'does not exist': 'does not exist', 'not collected': 'does not exist', 'not applicable': 'does not exist' },
  'not collected': { 'does not exist': 'does not exist', complete: 'not collected', incomplete: 'not collected', 'not applicable': 'not collected', 'not collected': 'not collected' },
  'not applicable': { 'does not exist': 'does not exist', complete: 'complete', incomplete: 'incomplete', 'not applicable': 'not applicable', 'not collected': 'not collected' },
};

const COMPLEMENT: Record<F, Row> = {
  error: {},
  complete: { complete: 'complete', 'does not exist': 'complete' },
  incomplete: { 'does not exist': 'incomplete', complete: 'incomplete' },
  'does not exist': { error: 'does not exist', complete: 'does not exist', incomplete: 'does not exist', 'does not exist': 'does not exist', 'not collected': 'does not exist' },
  'not collected': { complete: 'not collected', incomplete: 'not collected', 'does not exist': 'not collected', 'not collected': 'not collected' },
  'not applicable': {},
};

const TABLES: Record<SetOperator, Record<F, Row>> = { UNION, INTERSECTION, COMPLEMENT };

/** The flag of `a OP b`; anything the tables do not name is an error. */
export function combineFlags(a: F, b: F, op: SetOperator): F {
  return TABLES[op][a][b] ?? 'error';
}

/** The flag a probe's items imply when the probe did not set one. */
export function flagOfItems(statuses: Iterable<ItemStatus>): F {
  let error = 0;
  let exists = 0;
  let notCollected = 0;
  for (const s of statuses) {
    if (s === 'error') error++;
    else if (s === 'exists') exists++;
    else if (s === 'not collected') notCollected++;
  }
  if (error > 0) return 'error';
  if (notCollected > 0) return 'incomplete';
  if (exists > 0) return 'complete';
  return 'does not exist';
}

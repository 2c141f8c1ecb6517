/**
 * OVAL result values and the tables that combine them (OVAL 5.11 §
 * Operator/Check/Existence enumerations), exactly as OpenSCAP applies them
 * (src/OVAL/results/oval_resultTest.c, oval_status_counter.c).
 */
import type { CheckEnum, ExistenceEnum, OvalOperator } from '../model/oval/types.js';

export type OvalResult = 'true' | 'false' | 'error' | 'unknown' | 'not evaluated' | 'not applicable';

/** Collected item status (system characteristics). */
export type ItemStatus = 'exists' | 'does not exist' | 'error' | 'not collected';

/** The collected-object flag (system characteristics). */
export type CollectionFlag = 'complete' | 'incomplete' | 'does not exist' | 'error' | 'not collected' | 'not applicable';

export class ResultCounts {
  t = 0;
  f = 0;
  e = 0;
  u = 0;
  ne = 0;
  na = 0;

  add(r: OvalResult): this {
    switch (r) {
      case 'true':
        this.t++;
        break;
      case 'false':
        this.f++;
        break;
      case 'error':
        this.e++;
        break;
      case 'unknown':
        this.u++;
        break;
      case 'not evaluated':
        this.ne++;
        break;
      case 'not applicable':
        this.na++;
        break;
    }
    return this;
  }

  static of(results: Iterable<OvalResult>): ResultCounts {
    const c = new ResultCounts();
    for (const r of results) c.add(r);
    return c;
  }

  private empty(): boolean {
    return this.t + this.f + this.e + this.u + this.ne + this.na === 0;
  }

  private onlyNotApplicable(): boolean {
    return this.na > 0 && this.ne === 0 && this.f === 0 && this.e === 0 && this.u === 0 && this.t === 0;
  }

  /** Combines results with a logical operator (criteria, state_operator, state.operator). */
  byOperator(op: OvalOperator): OvalResult {
    if (this.empty()) return 'unknown';
    if (this.onlyNotApplicable()) return 'not applicable';
    const { t, f, e, u, ne } = this;
    switch (op) {
      case 'AND':
        if (t > 0 && f === 0 && e === 0 && u === 0 && ne === 0) return 'true';
        if (f > 0) return 'false';
        if (e > 0) return 'error';
        if (u > 0) return 'unknown';
        if (ne > 0) return 'not evaluated';
        return 'error';
      case 'OR':
        if (t > 0) return 'true';
        if (f > 0 && e === 0 && u === 0 && ne === 0) return 'false';
        if (e > 0) return 'error';
        if (u > 0) return 'unknown';
        if (ne > 0) return 'not evaluated';
        return 'error';
      case 'ONE':
        if (t === 1 && e === 0 && u === 0 && ne === 0) return 'true';
        if (t >= 2) return 'false';
        if (t === 0 && e === 0 && u === 0 && ne === 0) return 'false';
        if (e > 0) return 'error';
        if (u > 0) return 'unknown';
        if (ne > 0) return 'not evaluated';
        return 'error';
      case 'XOR':
        if (e === 0 && u === 0 && ne === 0) return t % 2 === 1 ? 'true' : 'false';
        if (e > 0) return 'error';
        if (u > 0) return 'unknown';
        return 'not evaluated';
    }
  }

  /** Combines results with a check (test check, entity_check, var_check). */
  byCheck(check: CheckEnum): OvalResult {
    if (this.empty()) return 'unknown';
    if (this.onlyNotApplicable()) return 'not applicable';
    const { t, f, e, u, ne } = this;
    switch (check) {
      case 'all':
        return this.byOperator('AND');
      case 'at least one':
        if (t > 0) return 'true';
        if (f > 0 && u === 0 && e === 0 && ne === 0) return 'false';
        if (e > 0) return 'error';
        if (f === 0 && u > 0) return 'unknown';
        if (f === 0 && u === 0 && ne > 0) return 'not evaluated';
        return 'error';
      case 'none exist': // deprecated; OpenSCAP treats it as none satisfy
      case 'none satisfy':
        if (t > 0) return 'false';
        if (e > 0) return 'error';
        if (u > 0) return 'unknown';
        if (ne > 0) return 'not evaluated';
        if (f > 0) return 'true';
        return 'error';
      case 'only one':
        if (t === 1 && e === 0 && u === 0 && ne === 0) return 'true';
        if (t > 1) return 'false';
        if (e > 0) return 'error';
        if (u > 0) return 'unknown';
        if (ne > 0) return 'not evaluated';
        if (f > 0) return 'false';
        return 'error';
    }
  }
}

const RESULTS: readonly OvalResult[] = ['true', 'false', 'error', 'unknown', 'not evaluated', 'not applicable'];
const CHECKS: readonly CheckEnum[] = ['all', 'at least one', 'none exist', 'none satisfy', 'only one'];
const OF_ONE = new Map(CHECKS.map((c) => [c, new Map(RESULTS.map((r) => [r, new ResultCounts().add(r).byCheck(c)]))]));

/** `byCheck` of a single result, without counting: what a state entity gives when the item has one entity of its name. */
export function checkOfOne(r: OvalResult, check: CheckEnum): OvalResult {
  return OF_ONE.get(check)!.get(r)!;
}

const OPERATORS: readonly OvalOperator[] = ['AND', 'OR', 'ONE', 'XOR'];
const OP_OF_ONE = new Map(OPERATORS.map((o) => [o, new Map(RESULTS.map((r) => [r, new ResultCounts().add(r).byOperator(o)]))]));

/** `byOperator` of a single result, without counting: a state of one entity. */
export function operatorOfOne(r: OvalResult, op: OvalOperator): OvalResult {
  return OP_OF_ONE.get(op)!.get(r)!;
}

/** check_existence of a test over the collected items, given a complete collection. */
export function existenceResult(existence: ExistenceEnum, exists: number, errors: number): OvalResult {
  switch (existence) {
    case 'all_exist':
      if (exists >= 1 && errors === 0) return 'true';
      if (exists === 0 && errors === 0) return 'false';
      return 'error';
    case 'any_exist':
      if (errors === 0) return 'true';
      if (exists >= 1) return 'true';
      return 'error';
    case 'at_least_one_exists':
      if (exists >= 1) return 'true';
      if (errors === 0) return 'false';
      return 'error';
    case 'none_exist':
      if (exists === 0 && errors === 0) return 'true';
      if (exists >= 1 && errors === 0) return 'false';
      return 'error';
    case 'only_one_exists':
      if (exists === 1 && errors === 0) return 'true';
      if (exists >= 2) return 'false';
      if (exists === 0 && errors === 0) return 'false';
      return 'error';
  }
}

/** check_existence of a state entity over the statuses of an item's entities. */
export function entityExistenceResult(existence: ExistenceEnum, c: { exists: number; dne: number; error: number; nc: number }): OvalResult {
  const { exists, dne, error, nc } = c;
  switch (existence) {
    case 'all_exist':
      if (exists >= 1 && dne === 0 && error === 0 && nc === 0) return 'true';
      if (exists === 0 && dne === 0 && error === 0 && nc === 0) return 'false';
      if (dne >= 1) return 'false';
      if (error >= 1) return 'error';
      return 'unknown';
    case 'any_exist':
      if (error === 0) return 'true';
      if (exists >= 1) return 'true';
      return 'error';
    case 'at_least_one_exists':
      if (exists >= 1) return 'true';
      if (error >= 1) return 'error';
      return 'unknown';
    case 'none_exist':
      if (exists === 0 && error === 0 && nc === 0) return 'true';
      if (exists >= 1) return 'false';
      if (error >= 1) return 'error';
      return 'unknown';
    case 'only_one_exists':
      if (exists === 1 && error === 0 && nc === 0) return 'true';
      if (exists >= 2) return 'false';
      if (exists === 0 && error === 0 && nc === 1) return 'false';
      if (error >= 1 || nc >= 1) return 'error';
      return 'unknown';
  }
}

export function negate(r: OvalResult): OvalResult {
  return r === 'true' ? 'false' : r === 'false' ? 'true' : r;
}

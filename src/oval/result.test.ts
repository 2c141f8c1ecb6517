import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combineFlags, flagOfItems } from './flags.js';
import { checkOfOne, entityExistenceResult, existenceResult, negate, operatorOfOne, ResultCounts, type OvalResult } from './result.js';

const T: OvalResult = 'true';
const F: OvalResult = 'false';
const E: OvalResult = 'error';
const U: OvalResult = 'unknown';
const NE: OvalResult = 'not evaluated';
const NA: OvalResult = 'not applicable';

describe('operators (criteria, state_operator)', () => {
  const cases: Array<{ op: 'AND' | 'OR' | 'ONE' | 'XOR'; in: OvalResult[]; want: OvalResult }> = [
    { op: 'AND', in: [T, T], want: T },
    { op: 'AND', in: [T, F, E], want: F },
    { op: 'AND', in: [T, E, U], want: E },
    { op: 'AND', in: [T, U, NE], want: U },
    { op: 'AND', in: [T, NE], want: NE },
    { op: 'AND', in: [T, NA], want: T },
    { op: 'AND', in: [NA, NA], want: NA },
    { op: 'AND', in: [], want: U },
    { op: 'OR', in: [F, T, E], want: T },
    { op: 'OR', in: [F, F], want: F },
    { op: 'OR', in: [F, E, U], want: E },
    { op: 'OR', in: [F, U], want: U },
    { op: 'OR', in: [F, NA], want: F },
    { op: 'ONE', in: [T, F, F], want: T },
    { op: 'ONE', in: [T, T], want: F },
    { op: 'ONE', in: [F, F], want: F },
    { op: 'ONE', in: [T, E], want: E },
    { op: 'ONE', in: [F, U], want: U },
    { op: 'XOR', in: [T, T, T], want: T },
    { op: 'XOR', in: [T, T], want: F },
    { op: 'XOR', in: [T, E], want: E },
    { op: 'XOR', in: [F, F], want: F },
  ];
  for (const c of cases) it(`${c.op}(${c.in.join(', ')}) = ${c.want}`, () => assert.equal(ResultCounts.of(c.in).byOperator(c.op), c.want));
});

describe('checks (test check, entity_check, var_check)', () => {
  const cases: Array<{ check: 'all' | 'at least one' | 'none satisfy' | 'none exist' | 'only one'; in: OvalResult[]; want: OvalResult }> = [
    { check: 'all', in: [T, T], want: T },
    { check: 'all', in: [T, F], want: F },
    { check: 'at least one', in: [F, T], want: T },
    { check: 'at least one', in: [F, F], want: F },
    { check: 'at least one', in: [F, U], want: E },
    { check: 'at least one', in: [U], want: U },
    { check: 'none satisfy', in: [F, F], want: T },
    { check: 'none satisfy', in: [F, T], want: F },
    { check: 'none satisfy', in: [F, E], want: E },
    { check: 'none exist', in: [F], want: T },
    { check: 'only one', in: [T, F], want: T },
    { check: 'only one', in: [T, T], want: F },
    { check: 'only one', in: [F, F], want: F },
    { check: 'only one', in: [T, U], want: U },
    { check: 'all', in: [], want: U },
    { check: 'all', in: [NA], want: NA },
  ];
  for (const c of cases) it(`${c.check}(${c.in.join(', ')}) = ${c.want}`, () => assert.equal(ResultCounts.of(c.in).byCheck(c.check), c.want));
});

describe('check_existence of a test over collected items', () => {
  const cases = [
    { e: 'all_exist', exists: 2, errors: 0, want: T },
    { e: 'all_exist', exists: 0, errors: 0, want: F },
    { e: 'all_exist', exists: 1, errors: 1, want: E },
    { e: 'any_exist', exists: 0, errors: 0, want: T },
    { e: 'any_exist', exists: 1, errors: 1, want: T },
    { e: 'any_exist', exists: 0, errors: 1, want: E },
    { e: 'at_least_one_exists', exists: 1, errors: 3, want: T },
    { e: 'at_least_one_exists', exists: 0, errors: 0, want: F },
    { e: 'at_least_one_exists', exists: 0, errors: 1, want: E },
    { e: 'none_exist', exists: 0, errors: 0, want: T },
    { e: 'none_exist', exists: 1, errors: 0, want: F },
    { e: 'none_exist', exists: 1, errors: 1, want: E },
    { e: 'only_one_exists', exists: 1, errors: 0, want: T },
    { e: 'only_one_exists', exists: 2, errors: 1, want: F },
    { e: 'only_one_exists', exists: 0, errors: 0, want: F },
    { e: 'only_one_exists', exists: 1, errors: 1, want: E },
  ] as const;
  for (const c of cases) it(`${c.e} with ${c.exists} existing and ${c.errors} errors = ${c.want}`, () => assert.equal(existenceResult(c.e, c.exists, c.errors), c.want));
});

describe('check_existence of a state entity over item entity statuses', () => {
  const cases = [
    { e: 'at_least_one_exists', c: { exists: 1, dne: 0, error: 0, nc: 0 }, want: T },
    { e: 'at_least_one_exists', c: { exists: 0, dne: 1, error: 0, nc: 0 }, want: U },
    { e: 'at_least_one_exists', c: { exists: 0, dne: 0, error: 1, nc: 0 }, want: E },
    { e: 'all_exist', c: { exists: 2, dne: 1, error: 0, nc: 0 }, want: F },
    { e: 'none_exist', c: { exists: 0, dne: 3, error: 0, nc: 0 }, want: T },
    { e: 'only_one_exists', c: { exists: 0, dne: 0, error: 0, nc: 1 }, want: F },
    { e: 'only_one_exists', c: { exists: 1, dne: 0, error: 0, nc: 2 }, want: E },
  ] as const;
  for (const c of cases) it(`${c.e} ${JSON.stringify(c.c)} = ${c.want}`, () => assert.equal(entityExistenceResult(c.e, c.c), c.want));
});

describe('negate', () => {
  for (const [a, b] of [[T, F], [F, T], [E, E], [U, U], [NE, NE], [NA, NA]] as const) it(`${a} → ${b}`, () => assert.equal(negate(a), b));
});

describe('collected-object flags', () => {
  const cases = [
    { a: 'complete', b: 'does not exist', op: 'UNION', want: 'complete' },
    { a: 'does not exist', b: 'does not exist', op: 'UNION', want: 'does not exist' },
    { a: 'complete', b: 'not collected', op: 'UNION', want: 'incomplete' },
    { a: 'complete', b: 'error', op: 'UNION', want: 'error' },
    { a: 'complete', b: 'does not exist', op: 'INTERSECTION', want: 'does not exist' },
    { a: 'does not exist', b: 'error', op: 'INTERSECTION', want: 'does not exist' },
    { a: 'complete', b: 'complete', op: 'COMPLEMENT', want: 'complete' },
    { a: 'complete', b: 'incomplete', op: 'COMPLEMENT', want: 'error' },
    { a: 'not applicable', b: 'complete', op: 'COMPLEMENT', want: 'error' },
  ] as const;
  for (const c of cases) it(`${c.a} ${c.op} ${c.b} = ${c.want}`, () => assert.equal(combineFlags(c.a, c.b, c.op), c.want));

  const items = [
    { in: ['exists', 'does not exist'], want: 'complete' },
    { in: ['exists', 'not collected'], want: 'incomplete' },
    { in: ['exists', 'error'], want: 'error' },
    { in: ['does not exist'], want: 'does not exist' },
    { in: [], want: 'does not exist' },
  ] as const;
  for (const c of items) it(`items [${c.in.join(', ')}] → ${c.want}`, () => assert.equal(flagOfItems(c.in), c.want));
});

describe('checkOfOne: a check over a single result, without counting', () => {
  const results: OvalResult[] = ['true', 'false', 'error', 'unknown', 'not evaluated', 'not applicable'];
  const checks = ['all', 'at least one', 'none exist', 'none satisfy', 'only one'] as const;
  for (const c of checks) {
    it(`${c}: as counting one result`, () => {
      for (const r of results) assert.equal(checkOfOne(r, c), new ResultCounts().add(r).byCheck(c), r);
    });
  }
});

describe('operatorOfOne: an operator over a single result, without counting', () => {
  const results: OvalResult[] = ['true', 'false', 'error', 'unknown', 'not evaluated', 'not applicable'];
  for (const op of ['AND', 'OR', 'ONE', 'XOR'] as const) {
    it(`${op}: as counting one result`, () => {
      for (const r of results) assert.equal(operatorOfOne(r, op), new ResultCounts().add(r).byOperator(op), r);
    });
  }
});

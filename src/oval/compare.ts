/**
 * Comparing one collected value with one state (or variable) value, per
 * datatype and operation: OpenSCAP's oval_str_cmp_str
 * (src/OVAL/results/oval_cmp*.c) is the reference for every edge.
 */
import type { OvalDatatype, OvalOperation } from '../model/oval/types.js';
import { compareDebianEvr, compareRpmEvr, compareVersion } from './evr/compare.js';
import { Lru } from './lru.js';
import { boundedTest, MAX_MATCH_WAITS } from './regex/bounded.js';
import { compilePcre } from './regex/pcre.js';
import type { OvalResult } from './result.js';
import { parseDouble, parseInt64, plainInt } from './c-numbers.js';

/** Re-exported for the engine's fast path over plain decimals. */
export { plainInt } from './c-numbers.js';

const tf = (b: boolean): OvalResult => (b ? 'true' : 'false');

/** A boolean as OVAL writes it. */
const truthy = (v: string): boolean => v === 'true' || v === '1';

function ordered(cmp: number, op: OvalOperation): OvalResult {
  switch (op) {
    case 'equals':
      return tf(cmp === 0);
    case 'not equal':
      return tf(cmp !== 0);
    case 'greater than':
      return tf(cmp > 0);
    case 'greater than or equal':
      return tf(cmp >= 0);
    case 'less than':
      return tf(cmp < 0);
    case 'less than or equal':
      return tf(cmp <= 0);
    default:
      return 'error';
  }
}

function cmpFloat(a: number, b: number): number {
  if (a === b) return 0;
  const r = a > b ? 1 : -1;
  const rel = Math.abs(a) > Math.abs(b) ? Math.abs((a - b) / a) : Math.abs((a - b) / b);
  return rel <= 0.000000001 ? 0 : r;
}

/** Compiled patterns: a scan uses a few hundred; the bound keeps a long-running scanner from holding every pattern it ever saw. */
const patternCache = new Lru<string, RegExp | Error>(2048);

/** How many compiled patterns are kept at most. */
export const PATTERNS_KEPT = patternCache.capacity;

/** The number of compiled patterns kept now. */
export function patternsKept(): number {
  return patternCache.size;
}

/** A compiled OVAL (PCRE) pattern, cached; an Error when it cannot be compiled. */
export function ovalPattern(pattern: string): RegExp | Error {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    try {
      re = compilePcre(pattern);
    } catch (e) {
      re = e instanceof Error ? e : new Error(String(e));
    }
    patternCache.set(pattern, re);
  }
  return re;
}

/**
 * A comparison waiting for a pattern match in the regex worker
 * (regex/bounded.ts): once `wait` settles, the same comparison answers at
 * once. Only a pattern that could backtrack catastrophically ever waits.
 */
export interface PendingMatch {
  readonly wait: Promise<unknown>;
}

/** A comparison's result, or the match it waits for. */
export type Comparison = OvalResult | PendingMatch;

function stringCompare(state: string, sys: string, op: OvalOperation): Comparison {
  switch (op) {
    case 'equals':
      return tf(state === sys);
    case 'not equal':
      return tf(state !== sys);
    case 'case insensitive equals':
      return tf(state.toLowerCase() === sys.toLowerCase());
    case 'case insensitive not equal':
      return tf(state.toLowerCase() !== sys.toLowerCase());
    case 'pattern match': {
      const re = ovalPattern(state);
      if (re instanceof Error) return 'error';
      const r = boundedTest(re, sys);
      if (r instanceof Promise) return { wait: r };
      return typeof r === 'string' ? 'error' : tf(r);
    }
    default:
      return 'error';
  }
}

interface IpAddress {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

function parseIpv4(s: string): IpAddress | undefined {
  const [addr, mask, ...rest] = s.split('/');
  if (rest.length > 0 || addr === undefined) return undefined;
  const parts = addr.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  let prefix = 32;
  if (mask !== undefined) {
    if (/^\d{1,2}$/.test(mask) && Number(mask) <= 32) prefix = Number(mask);
    else {
      const m = parseIpv4(mask);
      if (!m) return undefined;
      let bits = 0;
      for (const b of m.bytes) bits += b.toString(2).replace(/0/g, '').length;
      prefix = bits;
    }
  }
  return { bytes: Uint8Array.from(parts.map(Number)), prefix };
}

function parseIpv6(s: string): IpAddress | undefined {
  const [addr, len, ...rest] = s.split('/');
  if (rest.length > 0 || addr === undefined) return undefined;
  let prefix = 128;
  if (len !== undefined) {
    if (!/^\d{1,3}$/.test(len) || Number(len) > 128) return undefined;
    prefix = Number(len);
  }
  let head = addr;
  let tail4: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4) {
    const p = parseIpv4(v4[1]!);
    if (!p) return undefined;
    tail4 = [(p.bytes[0]! << 8) | p.bytes[1]!, (p.bytes[2]! << 8) | p.bytes[3]!];
    head = addr.slice(0, -v4[1]!.length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const a = groups(halves[0]!);
  const b = halves.length === 2 ? groups(halves[1]!) : [];
  if (!a || !b) return undefined;
  const total = a.length + b.length + tail4.length;
  let words: number[];
  if (halves.length === 2) {
    if (total > 7) return undefined;
    words = [...a, ...new Array<number>(8 - total).fill(0), ...b, ...tail4];
  } else {
    if (total !== 8) return undefined;
    words = [...a, ...tail4];
  }
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return { bytes, prefix };
}

function masked(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = out[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

function ipCompare(v6: boolean, stateText: string, sysText: string, op: OvalOperation): OvalResult {
  const parse = v6 ? parseIpv6 : parseIpv4;
  const s = parse(stateText);
  const y = parse(sysText);
  if (!s || !y) return 'error';
  switch (op) {
    case 'equals':
      return tf(cmpBytes(s.bytes, y.bytes) === 0 && s.prefix === y.prefix);
    case 'not equal':
      return tf(cmpBytes(s.bytes, y.bytes) !== 0 || s.prefix !== y.prefix);
    case 'subset of':
      if (s.prefix > y.prefix) return 'false';
      return tf(cmpBytes(masked(s.bytes, s.prefix), masked(y.bytes, s.prefix)) === 0);
    case 'superset of':
      if (s.prefix < y.prefix) return 'false';
      return tf(cmpBytes(masked(s.bytes, y.prefix), masked(y.bytes, y.prefix)) === 0);
    case 'greater than':
    case 'greater than or equal':
    case 'less than':
    case 'less than or equal': {
      if (s.prefix !== y.prefix) return 'error';
      // system compared with state
      return ordered(cmpBytes(masked(y.bytes, y.prefix), masked(s.bytes, s.prefix)), op);
    }
    default:
      return 'error';
  }
}

/**
 * Compares a system value with a state value. `datatype` is the state's;
 * the result is true when the system value satisfies `operation`. A
 * pattern that must be matched in the regex worker gives a PendingMatch:
 * compare again once it settles (or use compareValuesLater).
 */
export function compareValues(stateValue: string, datatype: OvalDatatype, sysValue: string, operation: OvalOperation): Comparison {
  switch (datatype) {
    case 'string':
      return stringCompare(stateValue, sysValue, operation);
    case 'int': {
      if (operation !== 'bitwise and' && operation !== 'bitwise or') {
        // plain decimals of up to 15 digits (uids, modes, sizes) compare exactly as numbers
        const a = plainInt(stateValue);
        const b = a === undefined ? undefined : plainInt(sysValue);
        if (b !== undefined) return ordered(b === a ? 0 : b > a! ? 1 : -1, operation);
      }
      const s = parseInt64(stateValue);
      const y = parseInt64(sysValue);
      if (s === undefined || y === undefined) return 'error';
      if (operation === 'bitwise and') return tf((y & s) === s);
      if (operation === 'bitwise or') return tf((y | s) === s);
      return ordered(y === s ? 0 : y > s ? 1 : -1, operation);
    }
    case 'float': {
      const s = parseDouble(stateValue);
      const y = parseDouble(sysValue);
      if (s === undefined || y === undefined) return 'error';
      return ordered(cmpFloat(y, s), operation);
    }
    case 'boolean': {
      if (operation === 'equals') return tf(truthy(stateValue) === truthy(sysValue));
      if (operation === 'not equal') return tf(truthy(stateValue) !== truthy(sysValue));
      return 'error';
    }
    case 'binary':
      if (operation === 'equals') return tf(stateValue.toLowerCase() === sysValue.toLowerCase());
      if (operation === 'not equal') return tf(stateValue.toLowerCase() !== sysValue.toLowerCase());
      return 'error';
    case 'evr_string':
      return evrOrdered(compareRpmEvr, sysValue, stateValue, operation);
    case 'debian_evr_string':
      return evrOrdered(compareDebianEvr, sysValue, stateValue, operation);
    case 'version':
      return evrOrdered(compareVersion, sysValue, stateValue, operation);
    case 'ipv4_address':
      return ipCompare(false, stateValue, sysValue, operation);
    case 'ipv6_address':
      return ipCompare(true, stateValue, sysValue, operation);
    case 'fileset_revision':
    case 'ios_version':
      return 'not evaluated';
    case 'record':
      return 'error';
  }
}

/** compareValues, waiting for the regex worker when it must. */
export function compareValuesLater(stateValue: string, datatype: OvalDatatype, sysValue: string, operation: OvalOperation): Promise<OvalResult> {
  return settled(() => compareValues(stateValue, datatype, sysValue, operation));
}

/**
 * A comparison run again after each wait until it answers, at most
 * MAX_MATCH_WAITS times: then 'error' (the answers it waited for were
 * pushed out of the cache before it could use them).
 */
export async function settled(attempt: () => Comparison): Promise<OvalResult> {
  for (let waits = 0; waits < MAX_MATCH_WAITS; waits++) {
    const r = attempt();
    if (typeof r === 'string') return r;
    await r.wait;
  }
  return 'error';
}

// (a comparison function and its arguments, not a closure: a closure in
// compareValues would make every call of it allocate a context)
function evrOrdered(cmp: (sys: string, state: string) => number, sys: string, state: string, op: OvalOperation): OvalResult {
  let c: number;
  try {
    c = cmp(sys, state);
  } catch {
    return 'error';
  }
  return ordered(c, op);
}

/**
 * An upper bound on what a backtracking matcher (V8's irregexp) can spend
 * on a regular expression, as a function of the input's length n, read
 * from the JavaScript source it runs (whatever made it: the PCRE
 * translator, the path-prefix builder). bounded.ts matches an input on the
 * main thread only when the bound for its length is within a small budget,
 * and sends every other match to the regex worker, which has a deadline.
 *
 * The bound is sound by construction, not by recognising bad shapes:
 *
 * - A search tries at most n+1 starts (1 when the pattern is anchored by a
 *   leading `^` without the `m` flag, or sticky).
 * - From one start, the backtracking tree has at most C leaves, C the
 *   product of the choices along the pattern: an alternation adds its
 *   branches' choices; a repeat whose body can match in one way only (no
 *   alternation, no repeat inside) has at most min(max-min+1, n+2) counts
 *   to try; a repeat of at most 16 of a body with B choices has at most
 *   (max-min+1)·B^max; any other repeat (a repeat or an alternation under
 *   an unbounded or long repeat: `(a+)+`, `((a+))+`, `(a|a)+`, `(?:x?){40}`)
 *   has no polynomial bound and is never matched on the main thread.
 * - A path of that tree is at most D steps long (its span): an item is a
 *   step, a repeat of at most m spans m times its body, an unbounded
 *   repeat n+1 times (each iteration consumes, or the loop ends).
 * - A lookaround is atomic in JavaScript (no choices outside it); each time
 *   it is tried it costs its own body's tree (choices · span), which is
 *   added to every node of the outer tree.
 * - A backreference compares text: no choice, at most n+1 steps.
 *
 * cost(n) <= starts · C · D · (1 + lookarounds), a polynomial coef·(n+1)^deg
 * once the sums are bounded by their highest degree. Anything the reader
 * does not know (a `v`-mode class, an unknown group) has no bound.
 */

/** coef·(n+1)^deg; deg Infinity: no polynomial bound. */
export interface Poly {
  readonly deg: number;
  readonly coef: number;
}

const ONE: Poly = { deg: 0, coef: 1 };
const UNBOUNDED: Poly = { deg: Infinity, coef: Infinity };
const mul = (a: Poly, b: Poly): Poly => ({ deg: a.deg + b.deg, coef: a.coef * b.coef });
const add = (a: Poly, b: Poly): Poly => ({ deg: Math.max(a.deg, b.deg), coef: a.coef + b.coef });
const pow = (a: Poly, k: number): Poly => (k === 0 ? ONE : { deg: a.deg * k, coef: a.coef ** k });
const isOne = (p: Poly): boolean => p.deg === 0 && p.coef === 1;

/** A repeat of at most this many gets the product bound; a longer one needs a body with one way to match. */
const SMALL_REPEAT = 16;

/** What a part of the pattern contributes: its choices, its longest path, the cost of the lookarounds in it. */
interface Part {
  readonly choices: Poly;
  readonly span: Poly;
  readonly looks: Poly;
  /** The characters it matches, when it is one character (a literal, a class, an escape). */
  readonly set?: Ranges;
}

const NOTHING: Poly = { deg: 0, coef: 0 };
/** One step per input character and one more. */
const LINEAR: Poly = { deg: 1, coef: 1 };
const PLAIN: Part = { choices: ONE, span: ONE, looks: NOTHING };
const BACKREF: Part = { choices: ONE, span: LINEAR, looks: NOTHING };

/** Sorted, disjoint code point ranges. */
type Ranges = ReadonlyArray<readonly [number, number]>;
const MAX_CP = 0x10ffff;
const ANY: Ranges = [[0, MAX_CP]];

function normalize(rs: Array<[number, number]>): Ranges {
  rs.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of rs) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function complement(rs: Ranges): Ranges {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of rs) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

function disjoint(a: Ranges, b: Ranges): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [alo, ahi] = a[i]!;
    const [blo, bhi] = b[j]!;
    if (ahi < blo) i++;
    else if (bhi < alo) j++;
    else return false;
  }
  return true;
}

const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const SPACE: Ranges = normalize([[0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff]]);
const CONTROL: Readonly<Record<string, number>> = { n: 0x0a, t: 0x09, r: 0x0d, v: 0x0b, f: 0x0c, '0': 0 };

class Unknown extends Error {}

class Reader {
  private i = 0;
  private depth = 0;
  private topLevelBar = false;

  constructor(
    private readonly s: string,
    private readonly vMode: boolean,
    /** Case-insensitive: a character's set is not what it says, and no sets are compared. */
    private readonly caseless: boolean,
    /** `.` matches line terminators too. */
    private readonly dotAll: boolean,
    /** Code points (u, v); otherwise code units. */
    private readonly unicode: boolean,
  ) {}

  /** The character at i, as the pattern's mode reads it. */
  private charAt(i: number): number {
    return this.unicode ? this.s.codePointAt(i)! : this.s.charCodeAt(i);
  }

  /** The whole source, and whether its first item is `^` in the only branch. */
  read(): { part: Part; startsWithCaret: boolean } {
    const startsWithCaret = this.s.startsWith('^');
    const part = this.alternation();
    if (this.i !== this.s.length) throw new Unknown(`unexpected ${this.s[this.i]}`);
    return { part, startsWithCaret: startsWithCaret && !this.topLevelBar };
  }

  private alternation(): Part {
    let part = this.sequence();
    while (this.s[this.i] === '|') {
      if (this.depth === 0) this.topLevelBar = true;
      this.i++;
      const b = this.sequence();
      part = { choices: add(part.choices, b.choices), span: add(part.span, b.span), looks: add(part.looks, b.looks) };
    }
    return part;
  }

  private sequence(): Part {
    const items: Array<{ atom: Part; q: Quantifier | undefined }> = [];
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') {
      const atom = this.atom();
      items.push({ atom, q: this.quantifier() });
    }
    let choices = ONE;
    let span = NOTHING;
    let looks = NOTHING;
    items.forEach(({ atom, q }, k) => {
      const next = items[k + 1];
      // a repeat of one character followed by a character it cannot match (`[ \t]*P`): of its counts, only
      // the one that stops where that character is can go on; every other fails at once, a step within its span
      const stops = q !== undefined && atom.set !== undefined && next?.atom.set !== undefined && (next.q === undefined || next.q.min >= 1) && !this.caseless && disjoint(atom.set, next.atom.set);
      const p = q ? repeated(atom, q, stops) : atom;
      choices = mul(choices, p.choices);
      span = add(span, p.span);
      looks = add(looks, p.looks);
    });
    const part = { choices, span: add(span, ONE), looks };
    return items.length === 1 && items[0]!.q === undefined && items[0]!.atom.set ? { ...part, set: items[0]!.atom.set } : part;
  }

  private atom(): Part {
    const s = this.s;
    const c = s[this.i]!;
    if (c === '\\') {
      const e = this.escape(false);
      // an assertion (\b, \B) is no character: no set
      return e === 'backref' ? BACKREF : e === 'assert' ? PLAIN : { ...PLAIN, set: e };
    }
    if (c === '[') return { ...PLAIN, set: this.charClass() };
    if (c === '(') return this.group();
    if (c === '*' || c === '+' || c === '?') throw new Unknown('nothing to repeat');
    if (c === ')' || c === '|') throw new Unknown(`unexpected ${c}`);
    const cp = this.charAt(this.i);
    this.i += cp > 0xffff ? 2 : 1;
    if (c === '^' || c === '$') return PLAIN;
    if (c === '.') return { ...PLAIN, set: this.dotAll ? ANY : complement([[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]]) };
    return { ...PLAIN, set: [[cp, cp]] };
  }

  /** Skips an escape: the characters it matches, 'backref', or 'assert' (\b, \B outside a class). */
  private escape(inClass: boolean): Ranges | 'backref' | 'assert' {
    const s = this.s;
    this.i++; // the backslash
    const c = s[this.i];
    if (c === undefined) throw new Unknown('trailing backslash');
    const rest = s.slice(this.i);
    const m = /^(?:[1-9]\d*|k<[^>]*>|u\{([0-9A-Fa-f]+)\}|u([0-9A-Fa-f]{4})|x([0-9A-Fa-f]{2})|c([A-Za-z])|[pP]\{[^}]*\})/.exec(rest);
    if (m) {
      this.i += m[0].length;
      const first = m[0][0]!;
      if (first === 'k' || (first >= '1' && first <= '9')) {
        if (inClass) throw new Unknown('a backreference in a class');
        return 'backref';
      }
      const hex = m[1] ?? m[2] ?? m[3];
      if (hex !== undefined) {
        const cp = Number.parseInt(hex, 16);
        return [[cp, cp]];
      }
      if (m[4] !== undefined) {
        const cp = m[4].toUpperCase().charCodeAt(0) % 32;
        return [[cp, cp]];
      }
      return ANY; // a property: any character, to be safe
    }
    this.i++;
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 'b':
        return inClass ? [[8, 8]] : 'assert';
      case 'B':
        if (inClass) throw new Unknown('\\B in a class');
        return 'assert';
    }
    const control = CONTROL[c];
    if (control !== undefined) return [[control, control]];
    const cp = this.charAt(this.i - 1);
    if (this.unicode && cp > 0xffff) this.i++;
    return [[cp, cp]];
  }

  /** Skips a class: the characters it matches. */
  private charClass(): Ranges {
    if (this.vMode) throw new Unknown('v-mode class');
    const s = this.s;
    this.i++; // [
    let negated = false;
    if (s[this.i] === '^') {
      negated = true;
      this.i++;
    }
    const rs: Array<[number, number]> = [];
    // one member: a character (its code point) or a set (an escape like \d)
    const member = (): number | Ranges => {
      if (s[this.i] === '\\') {
        const e = this.escape(true) as Ranges;
        return e.length === 1 && e[0]![0] === e[0]![1] ? e[0]![0] : e;
      }
      const cp = this.charAt(this.i);
      this.i += cp > 0xffff ? 2 : 1;
      return cp;
    };
    while (this.i < s.length && s[this.i] !== ']') {
      const a = member();
      if (s[this.i] === '-' && s[this.i + 1] !== ']' && this.i + 1 < s.length) {
        this.i++;
        const b = member();
        if (typeof a === 'number' && typeof b === 'number') {
          rs.push([Math.min(a, b), Math.max(a, b)]);
          continue;
        }
        rs.push([0x2d, 0x2d]);
        for (const x of [a, b]) if (typeof x === 'number') rs.push([x, x]);
        else rs.push(...x.map(([lo, hi]): [number, number] => [lo, hi]));
        continue;
      }
      if (typeof a === 'number') rs.push([a, a]);
      else rs.push(...a.map(([lo, hi]): [number, number] => [lo, hi]));
    }
    if (s[this.i] !== ']') throw new Unknown('unterminated class');
    this.i++;
    const set = normalize(rs);
    return negated ? complement(set) : set;
  }

  private group(): Part {
    const s = this.s;
    const rest = s.slice(this.i, this.i + 4);
    let look = false;
    if (rest.startsWith('(?:')) this.i += 3;
    else if (rest.startsWith('(?=') || rest.startsWith('(?!')) {
      this.i += 3;
      look = true;
    } else if (rest.startsWith('(?<=') || rest.startsWith('(?<!')) {
      this.i += 4;
      look = true;
    } else if (rest.startsWith('(?<')) {
      const end = s.indexOf('>', this.i);
      if (end < 0) throw new Unknown('unterminated group name');
      this.i = end + 1;
    } else if (rest.startsWith('(?')) {
      // a modifier group may change case sensitivity: no sets from it
      const m = /^\(\?[imsx]*(?:-[imsx]+)?:/.exec(s.slice(this.i));
      if (!m) throw new Unknown('unknown group');
      this.i += m[0].length;
      this.depth++;
      const body = this.alternation();
      this.depth--;
      if (s[this.i] !== ')') throw new Unknown('unterminated group');
      this.i++;
      return { choices: body.choices, span: body.span, looks: body.looks };
    } else this.i += 1;
    this.depth++;
    const body = this.alternation();
    this.depth--;
    if (s[this.i] !== ')') throw new Unknown('unterminated group');
    this.i++;
    if (!look) return body;
    // atomic: no choices outside, one step; each try costs the body's tree
    return { choices: ONE, span: ONE, looks: mul(mul(body.choices, body.span), add(ONE, body.looks)) };
  }

  private quantifier(): Quantifier | undefined {
    const s = this.s;
    const c = s[this.i];
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.i));
      if (!m) return undefined; // a literal brace
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.i += m[0].length - 1;
    } else return undefined;
    this.i++;
    if (s[this.i] === '?') this.i++; // lazy: the same tree, another order
    if (max < min) throw new Unknown('numbers out of order');
    return { min, max };
  }
}

interface Quantifier {
  readonly min: number;
  readonly max: number;
}

/** A repeated part; `stops`: only one count can go on (the next item matches no character the body does). */
function repeated(atom: Part, { min, max }: Quantifier, stops: boolean): Part {
  const counts = max - min + 1;
  let choices: Poly;
  if (isOne(atom.choices)) choices = stops ? ONE : counts <= SMALL_REPEAT ? { deg: 0, coef: counts } : { deg: 1, coef: 2 };
  else if (max <= SMALL_REPEAT) choices = mul({ deg: 0, coef: counts }, pow(atom.choices, max));
  else choices = UNBOUNDED;
  // iterations past the minimum either consume or end the loop: at most n+1 of them
  const iterations: Poly = max === Infinity ? add({ deg: 0, coef: min }, LINEAR) : { deg: 0, coef: max };
  return { choices, span: add(mul(iterations, atom.span), ONE), looks: atom.looks };
}

/**
 * The bound on the steps of one search of `source` with `flags` over an
 * input of length n, as coef·(n+1)^deg (deg Infinity: none).
 */
export function costOf(source: string, flags: string): Poly {
  let read: ReturnType<Reader['read']>;
  const reader = new Reader(source, flags.includes('v'), flags.includes('i'), flags.includes('s'), flags.includes('u') || flags.includes('v'));
  try {
    read = reader.read();
  } catch (e) {
    if (e instanceof Unknown) return UNBOUNDED;
    throw e;
  }
  const anchored = flags.includes('y') || (read.startsWithCaret && !flags.includes('m'));
  const starts = anchored ? ONE : LINEAR;
  const { choices, span, looks } = read.part;
  const total = mul(mul(mul(starts, choices), span), add(ONE, looks));
  return Number.isFinite(total.deg) && Number.isFinite(total.coef) ? total : UNBOUNDED;
}

/** The bound's value for an input of length n. */
export function costAt(p: Poly, n: number): number {
  return p.coef * (n + 1) ** p.deg;
}

/**
 * The longest input whose bound is within `budget` steps: -1 when none is
 * (no polynomial bound), Infinity when every input is.
 */
export function longestWithin(p: Poly, budget: number): number {
  if (!Number.isFinite(p.deg) || !Number.isFinite(p.coef) || p.coef > budget) return -1;
  if (p.deg === 0 || p.coef === 0) return Infinity;
  let n = Math.floor((budget / p.coef) ** (1 / p.deg)) - 1;
  // floating point: step to the exact boundary
  while (n >= 0 && costAt(p, n) > budget) n--;
  while (costAt(p, n + 1) <= budget) n++;
  return n;
}

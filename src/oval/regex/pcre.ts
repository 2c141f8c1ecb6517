/**
 * PCRE → JavaScript regular expressions.
 *
 * OVAL's "pattern match" operation means PCRE: OpenSCAP 1.3.7 compiles every
 * pattern with libpcre 8.x in UTF-8 mode (no UCP), adding MULTILINE, DOTALL
 * and CASELESS when a textfilecontent54 object's behaviors ask for them.
 * V8's legacy (non-`u`) regular expressions differ from that in ways that
 * either fail to compile (`(?i)` in mid pattern) or, worse, compile to
 * something else (`\A`, `[[:space:]]`, `[^]`, `$` before `\r`). So a pattern
 * is parsed here with PCRE's syntax and rules into a small tree, and the
 * tree is written back out as a JavaScript source that means the same thing.
 *
 * What the output looks like:
 * - flags are `''` (or `'i'`, see below) and never `m` or `s`: multiline,
 *   dotall and case-insensitivity are resolved per construct, so a pattern
 *   may switch them on and off in mid pattern as PCRE allows. Use the
 *   returned flags; `g`, `y` or `d` may be added, `m`, `s`, `u`, `v` may not;
 * - `^` and `$` follow PCRE: only `\n` ends a line (never `\r`), `$` also
 *   matches before a final newline, and a multiline `^` does not match after
 *   a newline that ends the subject;
 * - `.` and negated classes: one UTF-16 code unit per character (see below);
 * - caseless spans are spelled out as classes (`[Cc][Oo]...`), with
 *   Unicode's caseless sets (`k` also matches U+212A KELVIN SIGN, as in
 *   PCRE). The `i` flag is used only when the whole pattern is caseless and
 *   has a back reference, which cannot be spelled out;
 * - `\s` is ASCII whitespace `[\t-\r ]`, `\w` and `\d` are ASCII, `\h`, `\v`,
 *   `\R` and the POSIX classes are expanded as in PCRE's default tables;
 * - `X?` over an X that can match empty becomes `(?:X|)`: JavaScript would
 *   refuse X's empty match there and backtrack into X, PCRE takes it.
 *
 * Rejected with a PcreError: what PCRE rejects (kind `invalid`), and the
 * PCRE constructs that have no faithful JavaScript equivalent (kind
 * `unsupported`): atomic groups, possessive quantifiers, recursion and
 * subroutine calls, conditionals, branch reset, backtracking verbs, callouts,
 * `\K`, `\G`, `\X`, `\C`, `\p`/`\P`, the `J`, `U` and `X` options,
 * quantified lookarounds, astral characters inside classes, and patterns
 * whose JavaScript form would behave differently:
 * - a back reference to a group that may be unset where it is used (PCRE
 *   fails, JavaScript matches empty), or caseless in a partly caseless
 *   pattern;
 * - a capturing group in a repeat that may skip it in an iteration
 *   (JavaScript resets it, PCRE keeps an earlier value), and a repeat
 *   (other than `?`) of something that can match empty, unless with no
 *   capture and empty as its last choice (JavaScript refuses an empty
 *   iteration and backtracks into it, PCRE takes it and stops);
 * - a repeat PCRE 8 wrongly makes possessive (`\S+\h`, `.+\R`: see
 *   WRONGLY_POSSESSIVE).
 *
 * Known difference kept: JavaScript without `u` sees UTF-16 code units, so a
 * character outside the BMP (an emoji) counts as two for `.`, negated
 * classes and repeat counts, where PCRE counts one.
 */

// ---------------------------------------------------------------- public API

export interface PcreOptions {
  /** PCRE_CASELESS: the initial state of `(?i)`. */
  readonly caseInsensitive?: boolean;
  /** PCRE_DOTALL: the initial state of `(?s)`. */
  readonly dotAll?: boolean;
  /** PCRE_MULTILINE: the initial state of `(?m)`. */
  readonly multiline?: boolean;
  /** PCRE_EXTENDED: the initial state of `(?x)`. */
  readonly extended?: boolean;
}

export interface PcreTranslation {
  /** The JavaScript pattern source (legacy syntax, no `u`/`v` flag). */
  readonly source: string;
  /** `''` or `'i'`; never `m`, `s`, `u` or `v`. */
  readonly flags: string;
  /** How many capturing groups there are; numbered as in PCRE. */
  readonly groupCount: number;
}

/**
 * `invalid`: PCRE itself refuses the pattern (OpenSCAP reports an error).
 * `unsupported`: valid PCRE this translator does not carry over.
 */
export type PcreErrorKind = 'invalid' | 'unsupported';

export class PcreError extends Error {
  override readonly name = 'PcreError';
  readonly kind: PcreErrorKind;
  /** What is wrong, without the pattern and offset. */
  readonly reason: string;
  readonly pattern: string;
  /** 0-based index into `pattern` (UTF-16 code units). */
  readonly offset: number;

  constructor(kind: PcreErrorKind, reason: string, pattern: string, offset: number) {
    super(`${kind === 'invalid' ? 'invalid PCRE' : 'unsupported PCRE construct'}: ${reason} at offset ${offset} of ${JSON.stringify(pattern)}`);
    this.kind = kind;
    this.reason = reason;
    this.pattern = pattern;
    this.offset = offset;
  }
}

/** Translates a PCRE pattern into a JavaScript source and flags. Throws PcreError. */
export function translatePcre(pattern: string, opts: PcreOptions = {}): PcreTranslation {
  const tree = parsePcre(pattern, opts);
  return emitTree(tree);
}

/**
 * True when every match of the pattern starts where the search starts: it
 * begins with a `.*` (or `.*?`) that matches newlines too, and nothing in it
 * refers back. PCRE anchors such a pattern implicitly. A match found further
 * on would be found at the search's start too, `.*` taking the difference,
 * so a sticky search (flag `y`) finds the same matches, and gives up at once
 * where an unanchored one tries every later position in vain: quadratic on
 * a file with no match (SSG's `.*(?:^|\n)\s*(SYS_UID_MAX...)` on login.defs).
 */
export function anchoredByDotStar(tree: PcreTree): boolean {
  const first = tree.root.type === 'seq' ? tree.root.items[0] : tree.root;
  if (first?.type !== 'repeat' || first.min !== 0 || first.max !== Infinity || first.body.type !== 'set') return false;
  const r = first.body.ranges;
  if (r.length !== 1 || r[0]![0] !== 0 || r[0]![1] !== MAX_UNIT) return false;
  const refersBack = (node: PcreNode): boolean => {
    if (node.type === 'backref') return true;
    const kids = node.type === 'seq' ? node.items : node.type === 'alt' ? node.branches : 'body' in node ? [node.body] : [];
    return kids.some(refersBack);
  };
  return !refersBack(tree.root);
}

/** translatePcre, then `new RegExp`. `extraFlags` may add `g`, `y` or `d`. */
export function compilePcre(pattern: string, opts: PcreOptions = {}, extraFlags = ''): RegExp {
  if (/[^gyd]/.test(extraFlags)) throw new TypeError(`compilePcre: only g, y and d may be added, not ${JSON.stringify(extraFlags)}`);
  const t = translatePcre(pattern, opts);
  return new RegExp(t.source, t.flags + extraFlags);
}

// ---------------------------------------------------------------- the tree

/** Sorted, disjoint, non-adjacent inclusive ranges of UTF-16 code units. */
export type CharRanges = ReadonlyArray<readonly [number, number]>;

export type AssertKind =
  | 'start' // \A, ^ without multiline
  | 'line-start' // ^ with multiline
  | 'end' // \z
  | 'end-or-final-newline' // \Z, $ without multiline
  | 'line-end' // $ with multiline
  | 'word-boundary'
  | 'not-word-boundary';

export type PcreNode =
  /** One character: `cp` as written, `cps` all it matches (its case variants when caseless). */
  | { readonly type: 'char'; readonly cp: number; readonly cps: readonly number[] }
  /** A set of code units: classes, `.`, `\d` and friends. `escape`: written as `.`, `\N` or that escape letter. */
  | { readonly type: 'set'; readonly ranges: CharRanges; readonly escape?: string }
  /** `\R`: `\r\n` or one vertical space, atomically. */
  | { readonly type: 'linebreak' }
  | { readonly type: 'assert'; readonly kind: AssertKind }
  | { readonly type: 'look'; readonly behind: boolean; readonly negate: boolean; readonly body: PcreNode }
  | { readonly type: 'group'; readonly capture?: number; readonly name?: string; readonly body: PcreNode }
  | { readonly type: 'backref'; readonly group: number; readonly caseless: boolean }
  | { readonly type: 'repeat'; readonly min: number; readonly max: number; readonly lazy: boolean; readonly body: PcreNode }
  | { readonly type: 'seq'; readonly items: readonly PcreNode[] }
  | { readonly type: 'alt'; readonly branches: readonly PcreNode[] };

export interface PcreTree {
  readonly pattern: string;
  readonly root: PcreNode;
  readonly groupCount: number;
  /** Every case-relevant item (letters, classes with letters, back references) is caseless. */
  readonly allCaseless: boolean;
  /** Some back reference is caseless. */
  readonly caselessBackref: boolean;
}

// ---------------------------------------------------------------- character sets

const MAX_UNIT = 0xffff;

function normalize(input: Iterable<readonly [number, number]>): Array<[number, number]> {
  const rs = [...input].map(([a, b]) => [a, b] as [number, number]).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of rs) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function complement(rs: CharRanges): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [a, b] of rs) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_UNIT) out.push([next, MAX_UNIT]);
  return out;
}

function contains(rs: CharRanges, c: number): boolean {
  let lo = 0;
  let hi = rs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = rs[mid]!;
    if (c < r[0]) hi = mid - 1;
    else if (c > r[1]) lo = mid + 1;
    else return true;
  }
  return false;
}

function sameRanges(a: CharRanges, b: CharRanges): boolean {
  return a.length === b.length && a.every((r, i) => r[0] === b[i]![0] && r[1] === b[i]![1]);
}

const R = (...pairs: Array<number | string | readonly [number | string, number | string]>): Array<[number, number]> =>
  normalize(
    pairs.map((p) => {
      const cp = (x: number | string) => (typeof x === 'number' ? x : x.codePointAt(0)!);
      return Array.isArray(p) ? [cp(p[0]), cp(p[1])] : [cp(p as number | string), cp(p as number | string)];
    }),
  );

const DIGIT = R(['0', '9']);
const WORD = R(['0', '9'], ['A', 'Z'], '_', ['a', 'z']);
/** PCRE 8.34+: \s is Perl's space, which includes VT. */
const SPACE = R([0x09, 0x0d], 0x20);
const HSPACE = R(0x09, 0x20, 0xa0, 0x1680, 0x180e, [0x2000, 0x200a], 0x202f, 0x205f, 0x3000);
const VSPACE = R([0x0a, 0x0d], 0x85, [0x2028, 0x2029]);
const NEWLINE = R(0x0a);
const ANY = R([0, MAX_UNIT]);

/** PCRE's POSIX classes with its default ("C" locale) tables; nothing above 127 is in them. */
const POSIX: Readonly<Record<string, Array<[number, number]>>> = {
  alpha: R(['A', 'Z'], ['a', 'z']),
  lower: R(['a', 'z']),
  upper: R(['A', 'Z']),
  alnum: R(['0', '9'], ['A', 'Z'], ['a', 'z']),
  ascii: R([0, 0x7f]),
  blank: R(0x09, 0x20),
  cntrl: R([0, 0x1f], 0x7f),
  digit: DIGIT,
  graph: R([0x21, 0x7e]),
  print: R([0x20, 0x7e]),
  punct: R([0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]),
  space: SPACE,
  word: WORD,
  xdigit: R(['0', '9'], ['A', 'F'], ['a', 'f']),
};

// Caseless sets: characters linked by simple (one-to-one) upper/lower case
// mappings, which gives Unicode's caseless sets (k K U+212A, s S U+017F,
// σ ς Σ ...). U+0130 and U+0131 (Turkish dotted/dotless i) map to ASCII only
// in one direction and PCRE does not link them with i/I.
let caseSets: Map<number, readonly number[]> | undefined;
/** The keys of caseSets, sorted. */
let casedUnits: readonly number[] = [];

function caseSetTable(): Map<number, readonly number[]> {
  if (caseSets) return caseSets;
  const parent = new Int32Array(MAX_UNIT + 1).map((_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (let c = 0; c <= MAX_UNIT; c++) {
    if ((c >= 0xd800 && c <= 0xdfff) || c === 0x130 || c === 0x131) continue;
    const s = String.fromCharCode(c);
    for (const t of [s.toLowerCase(), s.toUpperCase()]) {
      if (t.length !== 1) continue;
      const d = t.charCodeAt(0);
      if (d === c || d === 0x130 || d === 0x131) continue;
      parent[find(c)] = find(d);
    }
  }
  // groups are made only for the few thousand cased units, not for every unit
  const root = new Int32Array(MAX_UNIT + 1);
  const size = new Int32Array(MAX_UNIT + 1);
  for (let c = 0; c <= MAX_UNIT; c++) size[(root[c] = find(c))]++;
  const groups = new Map<number, number[]>();
  caseSets = new Map();
  for (let c = 0; c <= MAX_UNIT; c++) {
    const r = root[c]!;
    if (size[r]! < 2) continue;
    let g = groups.get(r);
    if (!g) groups.set(r, (g = []));
    g.push(c);
    caseSets.set(c, g);
  }
  casedUnits = [...caseSets.keys()].sort((a, b) => a - b);
  return caseSets;
}

/** The code points a character matches caselessly (itself first). */
function caseVariants(cp: number): readonly number[] {
  if (cp > MAX_UNIT) {
    const s = String.fromCodePoint(cp);
    const v = new Set([cp]);
    for (const t of [s.toLowerCase(), s.toUpperCase()]) if ([...t].length === 1) v.add(t.codePointAt(0)!);
    return [...v];
  }
  const set = caseSetTable().get(cp);
  return set ? [cp, ...set.filter((c) => c !== cp)] : [cp];
}

let canonGroups: ReadonlyArray<readonly number[]> | undefined;

/**
 * Whether a set is unchanged by JavaScript's legacy `i` flag: it holds all
 * or none of each group of code units that Canonicalize (toUpperCase, never
 * from non-ASCII to ASCII) maps to the same unit.
 */
function canonClosed(rs: CharRanges): boolean {
  if (!canonGroups) {
    const byCanon = new Map<number, number[]>();
    for (let c = 0; c <= MAX_UNIT; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const u = String.fromCharCode(c).toUpperCase();
      const cu = u.length === 1 ? u.charCodeAt(0) : c;
      const canon = c >= 128 && cu < 128 ? c : cu;
      let g = byCanon.get(canon);
      if (!g) byCanon.set(canon, (g = []));
      g.push(c);
    }
    canonGroups = [...byCanon.values()].filter((g) => g.length > 1);
  }
  return canonGroups.every((g) => {
    const n = g.filter((c) => contains(rs, c)).length;
    return n === 0 || n === g.length;
  });
}

/** Adds every case variant of every member. */
function caseClose(rs: Array<[number, number]>): Array<[number, number]> {
  const table = caseSetTable();
  const extra: Array<[number, number]> = [];
  for (const [a, b] of rs) {
    // the first cased unit >= a
    let lo = 0;
    let hi = casedUnits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (casedUnits[mid]! < a) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < casedUnits.length && casedUnits[k]! <= b; k++) {
      for (const d of table.get(casedUnits[k]!)!) if (!contains(rs, d)) extra.push([d, d]);
    }
  }
  return extra.length ? normalize([...rs, ...extra]) : rs;
}

// ---------------------------------------------------------------- the parser

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
}

type Quant = { min: number; max: number; end: number };

const MAX_REPEAT = 65535;

/** Parses a pattern with PCRE 8.x syntax (UTF-8 mode, no UCP). Throws PcreError. */
export function parsePcre(pattern: string, opts: PcreOptions = {}): PcreTree {
  return new Parser(pattern).parse({
    i: opts.caseInsensitive ?? false,
    m: opts.multiline ?? false,
    s: opts.dotAll ?? false,
    x: opts.extended ?? false,
  });
}

class Parser {
  private readonly p: string;
  private pos = 0;
  private groupCount = 0;
  private readonly names = new Map<string, number>();
  /** Named references, resolved at the end (they may point forwards). */
  private readonly pendingNames: Array<{ name: string; offset: number; node: { group: number } }> = [];
  private caseSensitiveItems = 0;
  private caselessItems = 0;
  private caselessBackref = false;
  /** Classes outside caseless spans: the i flag must leave them alone. */
  private readonly sensitiveSets: CharRanges[] = [];
  /** Back references, checked once the group count is known. */
  private readonly refs: object[] = [];
  /** Where each item starts, for error offsets. */
  private readonly offsets = new Map<object, number>();

  constructor(pattern: string) {
    this.p = pattern;
  }

  parse(flags: Flags): PcreTree {
    for (let i = 0; i < this.p.length; i++) {
      const c = this.p.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < this.p.length && (this.p.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
      else if (c >= 0xd800 && c <= 0xdfff) throw this.invalid('lone surrogate (not valid UTF-8)', i);
    }
    const root = this.alternation({ ...flags });
    if (this.pos < this.p.length) throw this.invalid('unmatched parentheses', this.pos);
    for (const ref of this.pendingNames) {
      const n = this.names.get(ref.name);
      if (n === undefined) throw this.invalid(`reference to non-existent subpattern "${ref.name}"`, ref.offset);
      ref.node.group = n;
    }
    for (const node of this.refs) {
      const g = (node as { group: number }).group;
      if (g > this.groupCount) throw this.invalid('reference to non-existent subpattern', this.offsets.get(node));
    }
    const tree: PcreTree = {
      pattern: this.p,
      root,
      groupCount: this.groupCount,
      allCaseless: this.caselessItems > 0 && this.caseSensitiveItems === 0 && (!this.caselessBackref || this.sensitiveSets.every(canonClosed)),
      caselessBackref: this.caselessBackref,
    };
    checkTree(tree, this.offsets);
    return tree;
  }

  // ---- errors

  private invalid(reason: string, offset = this.pos): PcreError {
    return new PcreError('invalid', reason, this.p, offset);
  }
  private unsupported(reason: string, offset = this.pos): PcreError {
    return new PcreError('unsupported', reason, this.p, offset);
  }

  // ---- lexing helpers

  private peek(k = 0): string {
    return this.p[this.pos + k] ?? '';
  }
  private atEnd(): boolean {
    return this.pos >= this.p.length;
  }
  /** The code point at pos, and advances over it. */
  private nextCp(): number {
    const cp = this.p.codePointAt(this.pos)!;
    this.pos += cp > MAX_UNIT ? 2 : 1;
    return cp;
  }

  /**
   * Skips what PCRE ignores between items: (?#...) comments, a stray \E, an
   * empty \Q\E, and in (?x) mode white space and # comments. Between a
   * quantifier and its ? or + only the (?x) ones (`extendedOnly`).
   */
  private skipIgnorable(f: Flags, extendedOnly = false): void {
    for (;;) {
      if (!extendedOnly && this.p.startsWith('(?#', this.pos)) {
        const end = this.p.indexOf(')', this.pos + 3);
        if (end < 0) throw this.invalid('missing ) after comment', this.pos);
        this.pos = end + 1;
      } else if (!extendedOnly && this.p.startsWith('\\E', this.pos)) {
        this.pos += 2;
      } else if (!extendedOnly && this.p.startsWith('\\Q\\E', this.pos)) {
        this.pos += 4;
      } else if (f.x && /[ \t\n\v\f\r]/.test(this.peek())) {
        this.pos++;
      } else if (f.x && this.peek() === '#') {
        const end = this.p.indexOf('\n', this.pos);
        this.pos = end < 0 ? this.p.length : end + 1;
      } else return;
    }
  }

  /** A `{n}`, `{n,}` or `{n,m}` quantifier at pos, without consuming it. Anything else is a literal `{`. */
  private braceQuantifier(): Quant | undefined {
    const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.p.slice(this.pos, this.pos + 32));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) throw this.invalid('number too big in {} quantifier');
    if (max < min) throw this.invalid('numbers out of order in {} quantifier');
    return { min, max, end: this.pos + m[0].length };
  }

  private quantifierAt(): Quant | undefined {
    const c = this.peek();
    if (c === '*') return { min: 0, max: Infinity, end: this.pos + 1 };
    if (c === '+') return { min: 1, max: Infinity, end: this.pos + 1 };
    if (c === '?') return { min: 0, max: 1, end: this.pos + 1 };
    if (c === '{') return this.braceQuantifier();
    return undefined;
  }

  // ---- structure

  /** Branches up to `)` or the end. Option settings in one branch carry into the following ones, as in PCRE. */
  private alternation(f: Flags): PcreNode {
    const branches: PcreNode[] = [this.sequence(f)];
    while (this.peek() === '|') {
      this.pos++;
      branches.push(this.sequence(f));
    }
    return branches.length === 1 ? branches[0]! : { type: 'alt', branches };
  }

  private sequence(f: Flags): PcreNode {
    const items: PcreNode[] = [];
    for (;;) {
      this.skipIgnorable(f);
      if (this.atEnd() || this.peek() === '|' || this.peek() === ')') break;
      const start = this.pos;
      const atoms = this.atom(f);
      for (const a of atoms) if (!this.offsets.has(a)) this.offsets.set(a, start);
      this.skipIgnorable(f);
      const q = this.quantifierAt();
      if (q) {
        const last = atoms.pop();
        if (!last) throw this.invalid('nothing to repeat', this.pos);
        if (last.type === 'assert') throw this.invalid('nothing to repeat', this.pos);
        if (last.type === 'look') throw this.unsupported('quantified assertion', this.pos);
        this.pos = q.end;
        // PCRE: in (?x) mode, white space and comments may come before the ? or + of a quantifier
        if (f.x) this.skipIgnorable(f, true);
        let lazy = false;
        if (this.peek() === '?') {
          lazy = true;
          this.pos++;
        } else if (this.peek() === '+') {
          throw this.unsupported('possessive quantifier', this.pos);
        }
        const rep: PcreNode = { type: 'repeat', min: q.min, max: q.max, lazy, body: last };
        this.offsets.set(rep, this.offsets.get(last) ?? start);
        atoms.push(rep);
      }
      items.push(...atoms);
    }
    return items.length === 1 ? items[0]! : { type: 'seq', items };
  }

  /** One item; an empty list for option settings. */
  private atom(f: Flags): PcreNode[] {
    const c = this.peek();
    switch (c) {
      case '(':
        return this.paren(f);
      case '[':
        return [this.charClass(f)];
      case '.':
        this.pos++;
        return [f.s ? { type: 'set', ranges: ANY } : { type: 'set', ranges: complement(NEWLINE), escape: '.' }];
      case '^':
        this.pos++;
        return [{ type: 'assert', kind: f.m ? 'line-start' : 'start' }];
      case '$':
        this.pos++;
        return [{ type: 'assert', kind: f.m ? 'line-end' : 'end-or-final-newline' }];
      case '\\':
        return this.escape(f);
      case '*':
      case '+':
      case '?':
        throw this.invalid('nothing to repeat');
      case '{':
        if (this.braceQuantifier()) throw this.invalid('nothing to repeat');
        break;
    }
    return [this.literal(this.nextCp(), f)];
  }

  private literal(cp: number, f: Flags): PcreNode {
    const variants = caseVariants(cp);
    if (variants.length > 1) {
      if (f.i) this.caselessItems++;
      else this.caseSensitiveItems++;
    }
    if (f.i && cp > MAX_UNIT && variants.length > 1) throw this.unsupported('caseless character outside the BMP');
    return { type: 'char', cp, cps: f.i ? variants : [cp] };
  }

  private paren(f: Flags): PcreNode[] {
    const open = this.pos;
    if (this.p.startsWith('(*', open)) throw this.unsupported('backtracking control verb or start-of-pattern option', open);
    if (this.peek(1) !== '?') {
      this.pos++;
      const n = ++this.groupCount;
      return [this.groupBody(f, open, (body) => ({ type: 'group', capture: n, body }))];
    }
    this.pos += 2;
    const c = this.peek();
    const rest = this.p.slice(this.pos);
    if (c === ':') {
      this.pos++;
      return [this.groupBody(f, open, (body) => ({ type: 'group', body }))];
    }
    if (c === '=' || c === '!') {
      this.pos++;
      return [this.groupBody(f, open, (body) => ({ type: 'look', behind: false, negate: c === '!', body }))];
    }
    if (rest.startsWith('<=') || rest.startsWith('<!')) {
      this.pos += 2;
      const negate = rest[1] === '!';
      const look = this.groupBody(f, open, (body) => ({ type: 'look', behind: true, negate, body }));
      // PCRE: every top-level branch of a lookbehind has a fixed length (and every group in it)
      const body = (look as { body: PcreNode }).body;
      for (const b of body.type === 'alt' ? body.branches : [body]) {
        if (fixedLength(b) !== undefined) continue;
        // PCRE 8 wrongly accepts a counted \R (\R{2}) in a lookbehind
        if (someNode(b, (n) => n.type === 'linebreak')) throw this.unsupported('\\R in a lookbehind', open);
        throw this.invalid('lookbehind assertion is not fixed length', open);
      }
      return [look];
    }
    const named = /^(?:<|'|P<)/.exec(rest);
    if (named) {
      this.pos += named[0].length;
      const close = named[0] === "'" ? "'" : '>';
      const name = this.groupName(close);
      if (this.names.has(name)) throw this.invalid(`two named subpatterns have the same name "${name}"`, open);
      const n = ++this.groupCount;
      this.names.set(name, n);
      return [this.groupBody(f, open, (body) => ({ type: 'group', capture: n, name, body }))];
    }
    if (rest.startsWith('P=')) {
      this.pos += 2;
      const name = this.groupName(')');
      return [this.namedRef(name, f, open)];
    }
    if (rest.startsWith('P>') || c === '&' || c === 'R' || /^[+-]?\d/.test(rest)) throw this.unsupported('recursion or subroutine call', open);
    if (c === '>') throw this.unsupported('atomic group', open);
    if (c === '|') throw this.unsupported('branch reset group', open);
    if (c === '(') throw this.unsupported('conditional group', open);
    if (c === 'C') throw this.unsupported('callout', open);
    // option letters: (?imsx-imsx) or (?imsx-imsx:...)
    const m = /^([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
    if (!m) throw this.invalid('unrecognized character after (? or (?-', this.pos);
    const on = m[1] ?? '';
    const off = m[2] ?? '';
    const g: Flags = { ...f };
    for (const [letters, value] of [
      [on, true],
      [off, false],
    ] as const) {
      for (const l of letters) {
        if (l === 'i' || l === 'm' || l === 's' || l === 'x') g[l] = value;
        else if (l === 'J' || l === 'U' || l === 'X') throw this.unsupported(`option (?${l})`, open);
        else throw this.invalid('unrecognized character after (? or (?-', open);
      }
    }
    this.pos += m[0].length;
    if (m[3] === ')') {
      Object.assign(f, g); // lasts to the end of the enclosing group
      return [];
    }
    return [this.groupBodyFlags(g, open, (body) => ({ type: 'group', body }))];
  }

  private groupName(close: string): string {
    const m = /^[A-Za-z0-9_]+/.exec(this.p.slice(this.pos));
    if (!m || this.p[this.pos + m[0].length] !== close) throw this.invalid('syntax error in subpattern name (missing terminator?)');
    if (/^\d/.test(m[0])) throw this.invalid('group name must start with a non-digit');
    if (m[0].length > 32) throw this.invalid('name is too long');
    this.pos += m[0].length + 1;
    return m[0];
  }

  private groupBody(f: Flags, open: number, make: (body: PcreNode) => PcreNode): PcreNode {
    return this.groupBodyFlags({ ...f }, open, make);
  }

  /** Parses up to the matching `)`; option settings inside stay inside. */
  private groupBodyFlags(g: Flags, open: number, make: (body: PcreNode) => PcreNode): PcreNode {
    const body = this.alternation(g);
    if (this.peek() !== ')') throw this.invalid('missing )', open);
    this.pos++;
    return make(body);
  }

  private backref(group: number, f: Flags, offset: number): PcreNode {
    const node = { type: 'backref' as const, group, caseless: f.i };
    if (f.i) {
      this.caselessItems++;
      this.caselessBackref = true;
    } else this.caseSensitiveItems++;
    this.refs.push(node);
    this.offsets.set(node, offset);
    return node;
  }

  private namedRef(name: string, f: Flags, offset: number): PcreNode {
    const node = this.backref(0, f, offset) as { group: number };
    this.pendingNames.push({ name, offset, node });
    return node as PcreNode;
  }

  // ---- escapes

  /** Escapes valid both in and out of classes that stand for one character, or undefined. */
  private charEscape(c: string, inClass: boolean): number | undefined {
    switch (c) {
      case 'a':
        return 0x07;
      case 'e':
        return 0x1b;
      case 'f':
        return 0x0c;
      case 'n':
        return 0x0a;
      case 'r':
        return 0x0d;
      case 't':
        return 0x09;
      case 'b':
        return inClass ? 0x08 : undefined;
      case '0':
        return this.octal(0);
      case 'o': {
        const m = /^\{([0-7]+)\}/.exec(this.p.slice(this.pos));
        if (!m) throw this.invalid('missing opening brace after \\o or non-octal character in \\o{}');
        this.pos += m[0].length;
        return this.codePoint(parseInt(m[1]!, 8));
      }
      case 'x': {
        const brace = /^\{([0-9a-fA-F]+)\}/.exec(this.p.slice(this.pos));
        if (brace) {
          this.pos += brace[0].length;
          return this.codePoint(parseInt(brace[1]!, 16));
        }
        if (this.peek() === '{') throw this.invalid('non-hex character in \\x{} (closing brace missing?)');
        const m = /^[0-9a-fA-F]{0,2}/.exec(this.p.slice(this.pos))!;
        this.pos += m[0].length;
        return m[0] ? parseInt(m[0], 16) : 0;
      }
      case 'c': {
        const d = this.peek();
        if (d === '') throw this.invalid('\\c at end of pattern');
        if (d.charCodeAt(0) > 127) throw this.invalid('\\c must be followed by an ASCII character');
        this.pos++;
        return d.toUpperCase().charCodeAt(0) ^ 0x40;
      }
    }
    return undefined;
  }

  /** Up to two more octal digits after one already read (value `first`). */
  private octal(first: number): number {
    let v = first;
    for (let k = 0; k < 2 && /[0-7]/.test(this.peek()); k++) v = v * 8 + Number(this.p[this.pos++]);
    return this.codePoint(v);
  }

  private codePoint(v: number): number {
    if (v > 0x10ffff) throw this.invalid('character value in \\x{} or \\o{} is too large');
    if (v >= 0xd800 && v <= 0xdfff) throw this.invalid('disallowed Unicode code point (>= 0xd800 && <= 0xdfff)');
    return v;
  }

  /** Class escapes (\d \s \w \h \v and their negations). */
  private static classEscape(c: string): CharRanges | undefined {
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 'h':
        return HSPACE;
      case 'H':
        return complement(HSPACE);
      case 'v':
        return VSPACE;
      case 'V':
        return complement(VSPACE);
    }
    return undefined;
  }

  /** A backslash sequence outside a class; pos is at the backslash. */
  private escape(f: Flags): PcreNode[] {
    const at = this.pos;
    this.pos++;
    if (this.atEnd()) throw this.invalid('\\ at end of pattern', at);
    const c = this.p[this.pos]!;
    this.pos++;
    const set = Parser.classEscape(c);
    if (set) return [{ type: 'set', ranges: set, escape: c }];
    switch (c) {
      case 'N':
        if (this.peek() === '{' && !this.braceQuantifier()) throw this.invalid('PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u', at);
        return [{ type: 'set', ranges: complement(NEWLINE), escape: '.' }];
      case 'R':
        return [{ type: 'linebreak' }];
      case 'A':
        return [{ type: 'assert', kind: 'start' }];
      case 'z':
        return [{ type: 'assert', kind: 'end' }];
      case 'Z':
        return [{ type: 'assert', kind: 'end-or-final-newline' }];
      case 'b':
        return [{ type: 'assert', kind: 'word-boundary' }];
      case 'B':
        return [{ type: 'assert', kind: 'not-word-boundary' }];
      case 'G':
        throw this.unsupported('\\G', at);
      case 'K':
        throw this.unsupported('\\K', at);
      case 'X':
        throw this.unsupported('\\X (extended grapheme cluster)', at);
      case 'C':
        throw this.unsupported('\\C (one code unit)', at);
      case 'p':
      case 'P':
        throw this.unsupported('Unicode property \\p / \\P', at);
      case 'L':
      case 'l':
      case 'U':
      case 'u':
        throw this.invalid('PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u', at);
      case 'Q': {
        const end = this.p.indexOf('\\E', this.pos);
        const text = this.p.slice(this.pos, end < 0 ? this.p.length : end);
        this.pos = end < 0 ? this.p.length : end + 2;
        return [...text].map((ch) => this.literal(ch.codePointAt(0)!, f));
      }
      case 'g':
        return [this.gReference(f, at)];
      case 'k': {
        const m = /^(?:<([^>]*)>|'([^']*)'|\{([^}]*)\})/.exec(this.p.slice(this.pos));
        if (!m) throw this.invalid('\\k is not followed by a braced, angle-bracketed, or quoted name', at);
        const name = m[1] ?? m[2] ?? m[3] ?? '';
        if (!/^[A-Za-z_]\w{0,31}$/.test(name)) throw this.invalid('syntax error in subpattern name (missing terminator?)', at);
        this.pos += m[0].length;
        return [this.namedRef(name, f, at)];
      }
    }
    if (c >= '1' && c <= '9') {
      // PCRE: a decimal number below 8, or not above the number of groups opened so far, is a back reference
      const m = /^\d*/.exec(this.p.slice(this.pos))!;
      const n = Number(c + m[0]);
      if (n < 8 || n <= this.groupCount) {
        this.pos += m[0].length;
        return [this.backref(n, f, at)];
      }
      if (c >= '8') return [this.literal(c.charCodeAt(0), f)];
      return [this.literal(this.octal(Number(c)), f)];
    }
    const single = this.charEscape(c, false);
    if (single !== undefined) return [this.literal(single, f)];
    // any other character, letters included, stands for itself (PCRE without PCRE_EXTRA)
    this.pos--;
    return [this.literal(this.nextCp(), f)];
  }

  private gReference(f: Flags, at: number): PcreNode {
    const rest = this.p.slice(this.pos);
    if (rest.startsWith('<') || rest.startsWith("'")) throw this.unsupported('subroutine call \\g<...>', at);
    const m = /^(?:\{(-?\d+)\}|(-?\d+)|\{([A-Za-z_]\w*)\})/.exec(rest);
    if (!m) throw this.invalid('a numbered reference must not be zero', at);
    this.pos += m[0].length;
    if (m[3] !== undefined) return this.namedRef(m[3], f, at);
    let n = Number(m[1] ?? m[2]);
    if (n === 0) throw this.invalid('a numbered reference must not be zero', at);
    if (n < 0) {
      n = this.groupCount + 1 + n;
      if (n <= 0) throw this.invalid('reference to non-existent subpattern', at);
    }
    return this.backref(n, f, at);
  }

  // ---- classes

  private charClass(f: Flags): PcreNode {
    const open = this.pos;
    if (this.posixSyntaxAt(open) >= 0) throw this.invalid('POSIX named classes are supported only within a class', open);
    this.pos++;
    let negate = false;
    // PCRE skips \E and \Q\E before and after a leading ^; a ] after them is still the first character
    for (;;) {
      if (this.p.startsWith('\\E', this.pos)) this.pos += 2;
      else if (this.p.startsWith('\\Q\\E', this.pos)) this.pos += 4;
      else if (!negate && this.peek() === '^') {
        negate = true;
        this.pos++;
      } else break;
    }
    const literals: Array<[number, number]> = [];
    const sets: Array<readonly [number, number]> = [];
    let first = true;
    let quoted = false;
    /** The previous item if it was a single character that can start a range. */
    let prev: number | undefined;
    for (;;) {
      if (this.atEnd()) throw this.invalid('missing terminating ] for character class', open);
      if (quoted) {
        if (this.p.startsWith('\\E', this.pos)) {
          quoted = false;
          this.pos += 2;
          continue;
        }
        const cp = this.nextCp();
        literals.push([cp, cp]);
        prev = cp;
        first = false;
        continue;
      }
      const c = this.peek();
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      const itemStart = this.pos;
      if (c === '[' && this.posixSyntaxAt(this.pos) >= 0) {
        sets.push(...this.posixClass(f));
        prev = undefined; // so a hyphen after it is literal, as in PCRE
        continue;
      }
      if (c === '-' && prev !== undefined && this.peek(1) !== ']' && this.peek(1) !== '') {
        // a range prev-hi
        this.pos++;
        const hiStart = this.pos;
        let hi: number;
        if (this.peek() === '[' && this.posixSyntaxAt(this.pos) >= 0) throw this.invalid('invalid range in character class', hiStart);
        if (this.peek() === '\\') {
          const e = this.classEscapeItem();
          if (e === 'quote' && !this.atEnd() && !this.p.startsWith('\\E', this.pos)) {
            // a-\Qz...: the range ends at the first quoted character
            quoted = true;
            hi = this.nextCp();
          } else if (e === 'quote' || e === 'ignore') throw this.unsupported('\\E right after a range hyphen', hiStart);
          else if (typeof e !== 'number') throw this.invalid('invalid range in character class', hiStart);
          else hi = e;
        } else hi = this.nextCp();
        const lo = literals.pop()![0];
        if (hi < lo) throw this.invalid('range out of order in character class', hiStart);
        if (hi > MAX_UNIT) throw this.unsupported('character outside the BMP in a class', hiStart);
        literals.push([lo, hi]);
        prev = undefined;
        continue;
      }
      let cp: number;
      if (c === '\\') {
        const e = this.classEscapeItem();
        if (e === 'quote') {
          quoted = true;
          continue;
        }
        if (e === 'ignore') continue;
        if (typeof e !== 'number') {
          sets.push(...e);
          prev = undefined;
          continue;
        }
        cp = e;
      } else cp = this.nextCp();
      if (cp > MAX_UNIT) throw this.unsupported('character outside the BMP in a class', itemStart);
      literals.push([cp, cp]);
      prev = cp;
    }
    // a range such as \x{d000}-\x{e000} holds no surrogates in PCRE; in JavaScript they would match half an emoji
    let lits = normalize(literals).flatMap(([a, b]): Array<[number, number]> =>
      b < 0xd800 || a > 0xdfff ? [[a, b]] : ([[a, 0xd7ff], [0xe000, b]] as Array<[number, number]>).filter(([x, y]) => x <= y),
    );
    const closed = caseClose(lits);
    if (closed !== lits) {
      // case matters here (a class already closed under case, like [Aa], reads the same either way)
      if (f.i) this.caselessItems++;
      else this.caseSensitiveItems++;
    }
    if (f.i) lits = closed;
    let ranges = normalize([...lits, ...sets]);
    if (negate) ranges = complement(ranges);
    if (!f.i) this.sensitiveSets.push(ranges);
    return { type: 'set', ranges };
  }

  /** A backslash item inside a class: one character, a set, or \Q / \E. */
  private classEscapeItem(): number | CharRanges | 'quote' | 'ignore' {
    const at = this.pos;
    this.pos++;
    if (this.atEnd()) throw this.invalid('\\ at end of pattern', at);
    const c = this.p[this.pos]!;
    this.pos++;
    const set = Parser.classEscape(c);
    if (set) return set;
    if (c === 'Q') return 'quote';
    if (c === 'E') return 'ignore';
    if (c === 'N') throw this.invalid('\\N is not supported in a class', at);
    if (c === 'p' || c === 'P') throw this.unsupported('Unicode property \\p / \\P', at);
    if (c === 'L' || c === 'l' || c === 'U' || c === 'u') throw this.invalid('PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u', at);
    if (c >= '1' && c <= '9') return c >= '8' ? c.charCodeAt(0) : this.octal(Number(c));
    const single = this.charEscape(c, true);
    if (single !== undefined) return single;
    this.pos--;
    return this.nextCp();
  }

  /**
   * PCRE's check_posix_syntax: `[:` ... `:]` (or `.` / `=`) with no `]` in
   * between. Returns the index of the closing `:` (or `.`, `=`), else -1.
   */
  private posixSyntaxAt(at: number): number {
    const term = this.p[at + 1];
    if (term !== ':' && term !== '.' && term !== '=') return -1;
    for (let k = at + 2; k < this.p.length; k++) {
      const ch = this.p[k];
      if (ch === '\\' && (this.p[k + 1] === ']' || this.p[k + 1] === '\\')) k++;
      else if ((ch === '[' && this.p[k + 1] === term) || ch === ']') return -1;
      else if (ch === term && this.p[k + 1] === ']') return k;
    }
    return -1;
  }

  private posixClass(f: Flags): CharRanges {
    const at = this.pos;
    const term = this.p[at + 1]!;
    if (term !== ':') throw this.invalid('POSIX collating elements are not supported', at);
    const end = this.posixSyntaxAt(at);
    let name = this.p.slice(at + 2, end);
    this.pos = end + 2;
    const negate = name.startsWith('^');
    if (negate) name = name.slice(1);
    // PCRE: when caseless, [:upper:] and [:lower:] become [:alpha:]
    if (f.i && (name === 'upper' || name === 'lower')) name = 'alpha';
    const set = Object.hasOwn(POSIX, name) ? POSIX[name] : undefined;
    if (!set) throw this.invalid('unknown POSIX class name', at);
    return negate ? complement(set) : set;
  }
}

// ---------------------------------------------------------------- semantic checks

/**
 * Rejects what would behave differently in JavaScript: back references to
 * groups that may be unset, captures inside repeats that JavaScript resets,
 * lookbehinds PCRE would refuse (not fixed length), caseless back references
 * in a partly caseless pattern.
 */
function checkTree(tree: PcreTree, offsets: ReadonlyMap<object, number>): void {
  const fail = (reason: string, node: object) => new PcreError('unsupported', reason, tree.pattern, offsets.get(node) ?? 0);
  const caselessRef = (node: PcreNode): PcreNode | undefined => {
    if (node.type === 'backref') return node.caseless ? node : undefined;
    const kids = node.type === 'seq' ? node.items : node.type === 'alt' ? node.branches : 'body' in node ? [node.body] : [];
    for (const k of kids) {
      const r = caselessRef(k);
      if (r) return r;
    }
    return undefined;
  };
  if (tree.caselessBackref && !tree.allCaseless) {
    throw fail('caseless back reference in a pattern that is only partly caseless', caselessRef(tree.root) ?? tree.root);
  }

  /** Groups certainly set after `node`, given those set before it. Throws on a back reference that may be unset. */
  const walk = (node: PcreNode, set: ReadonlySet<number>): ReadonlySet<number> => {
    switch (node.type) {
      case 'char':
      case 'set':
      case 'linebreak':
      case 'assert':
        return set;
      case 'backref':
        if (!set.has(node.group)) throw fail(`back reference to group ${node.group}, which may be unset there (PCRE fails, JavaScript matches empty)`, node);
        return set;
      case 'seq': {
        let s = set;
        for (const item of node.items) s = walk(item, s);
        return s;
      }
      case 'alt': {
        const outs = node.branches.map((b) => walk(b, set));
        return new Set([...outs[0]!].filter((g) => outs.every((o) => o.has(g))));
      }
      case 'group': {
        const s = walk(node.body, set);
        return node.capture === undefined ? s : new Set([...s, node.capture]);
      }
      case 'look': {
        const s = walk(node.body, set);
        return node.negate ? set : s;
      }
      case 'repeat': {
        const once = walk(node.body, set);
        if (node.max > 1) {
          const captures = capturesIn(node.body);
          const unsetInIteration = captures.filter((g) => !once.has(g));
          if (unsetInIteration.length) {
            throw fail(`group ${unsetInIteration[0]} inside a repeat may be skipped in an iteration (JavaScript resets it, PCRE keeps an earlier value)`, node);
          }
          if (canMatchEmpty(node.body)) {
            // JavaScript refuses an iteration beyond the minimum that matches
            // empty and backtracks into it; PCRE takes it and stops looping.
            // The two only agree when the empty match is the body's last choice.
            if (captures.length) throw fail(`group ${captures[0]} inside a repeated group that can match empty (JavaScript and PCRE set it differently)`, node);
            if (!emptyLast(node.body)) throw fail('repeated group that can match empty before it matches text', node);
          }
        }
        return node.min === 0 ? set : once;
      }
    }
  };
  walk(tree.root, new Set());
  checkPossessive(tree.root, [], fail);
}

/**
 * PCRE 8 makes a repeated single item possessive when it cannot match what
 * follows ("auto-possessification"). Its table for the escapes is wrong for
 * UTF-8 without UCP: \S also holds U+0085, U+00A0, U+2028 ..., which are \h
 * or \v, and . holds \r, which is \R. So PCRE fails where Perl (and
 * JavaScript) backtrack. These pairs (measured against libpcre 8.39) are
 * rejected: [repeated item, following item].
 */
const WRONGLY_POSSESSIVE: ReadonlyArray<readonly [string, string]> = [
  ['S', 'h'],
  ['S', 'v'],
  ['S', 'R'],
  ['h', 'S'],
  ['v', 'S'],
  ['.', 'R'],
  ['R', 's'],
  ['R', '.'],
];

/** The escape a single-item node was written as (`R` for \R), if any. */
function escapeOf(node: PcreNode): string | undefined {
  return node.type === 'linebreak' ? 'R' : node.type === 'set' ? node.escape : undefined;
}

/** The items that can match first in `node` (through groups and optional items). */
function firstItems(node: PcreNode): PcreNode[] {
  switch (node.type) {
    case 'char':
    case 'set':
    case 'linebreak':
    case 'backref':
      return [node];
    case 'assert':
    case 'look':
      return [];
    case 'group':
    case 'repeat':
      return firstItems(node.body);
    case 'alt':
      return node.branches.flatMap(firstItems);
    case 'seq': {
      const out: PcreNode[] = [];
      for (const item of node.items) {
        out.push(...firstItems(item));
        if (!canMatchEmpty(item)) break;
      }
      return out;
    }
  }
}

/** Throws on a repeat PCRE would make possessive by mistake (see WRONGLY_POSSESSIVE). */
function checkPossessive(node: PcreNode, follow: readonly PcreNode[], fail: (reason: string, node: object) => PcreError): void {
  switch (node.type) {
    case 'seq': {
      let next = follow;
      for (let k = node.items.length - 1; k >= 0; k--) {
        const item = node.items[k]!;
        checkPossessive(item, next, fail);
        next = canMatchEmpty(item) ? [...firstItems(item), ...next] : firstItems(item);
      }
      return;
    }
    case 'alt':
      for (const b of node.branches) checkPossessive(b, follow, fail);
      return;
    case 'group':
      checkPossessive(node.body, follow, fail);
      return;
    case 'look':
      checkPossessive(node.body, [], fail);
      return;
    case 'repeat': {
      const x = escapeOf(node.body);
      if (x !== undefined && node.min !== node.max) {
        for (const y of follow) {
          const e = escapeOf(y);
          if (WRONGLY_POSSESSIVE.some(([a, b]) => a === x && b === e)) {
            const show = (c: string) => (c === '.' ? '.' : `\\${c}`);
            throw fail(`${show(x)} repeated before ${show(e!)} (PCRE 8 wrongly makes the repeat possessive)`, node);
          }
        }
      }
      checkPossessive(node.body, node.max > 1 ? [...firstItems(node.body), ...follow] : follow, fail);
      return;
    }
    default:
      return;
  }
}

function someNode(node: PcreNode, test: (n: PcreNode) => boolean): boolean {
  if (test(node)) return true;
  switch (node.type) {
    case 'group':
    case 'look':
    case 'repeat':
      return someNode(node.body, test);
    case 'seq':
      return node.items.some((i) => someNode(i, test));
    case 'alt':
      return node.branches.some((b) => someNode(b, test));
    default:
      return false;
  }
}

function capturesIn(node: PcreNode): number[] {
  switch (node.type) {
    case 'group':
      return [...(node.capture === undefined ? [] : [node.capture]), ...capturesIn(node.body)];
    case 'look':
    case 'repeat':
      return capturesIn(node.body);
    case 'seq':
      return node.items.flatMap(capturesIn);
    case 'alt':
      return node.branches.flatMap(capturesIn);
    default:
      return [];
  }
}

function canMatchEmpty(node: PcreNode): boolean {
  switch (node.type) {
    case 'char':
    case 'set':
    case 'linebreak':
      return false;
    case 'assert':
    case 'look':
    case 'backref':
      return true;
    case 'group':
      return canMatchEmpty(node.body);
    case 'repeat':
      return node.min === 0 || canMatchEmpty(node.body);
    case 'seq':
      return node.items.every(canMatchEmpty);
    case 'alt':
      return node.branches.some(canMatchEmpty);
  }
}

/**
 * Whether an empty match, if the node has one, is its last choice when
 * backtracking (conservatively false when unsure).
 */
function emptyLast(node: PcreNode): boolean {
  if (!canMatchEmpty(node)) return true;
  switch (node.type) {
    case 'assert':
    case 'look':
    case 'backref':
      return true; // a single outcome
    case 'group':
      return emptyLast(node.body);
    case 'seq':
      return node.items.every(emptyLast);
    case 'alt': {
      const last = node.branches.length - 1;
      return node.branches.every((b, k) => (k < last ? !canMatchEmpty(b) : emptyLast(b)));
    }
    case 'repeat':
      // greedy over a body that cannot match empty: zero iterations come last
      return !node.lazy && !canMatchEmpty(node.body);
    default:
      return true;
  }
}

/** PCRE: a lookbehind's branches have fixed lengths; undefined when not fixed. */
function fixedLength(node: PcreNode): number | undefined {
  switch (node.type) {
    case 'char':
    case 'set':
      return 1;
    case 'linebreak':
    case 'backref':
      return undefined;
    case 'assert':
    case 'look':
      return 0;
    case 'group':
      return fixedLength(node.body);
    case 'repeat': {
      const n = fixedLength(node.body);
      return n === undefined || node.min !== node.max ? undefined : n * node.min;
    }
    case 'seq': {
      let total = 0;
      for (const item of node.items) {
        const n = fixedLength(item);
        if (n === undefined) return undefined;
        total += n;
      }
      return total;
    }
    case 'alt': {
      const ns = node.branches.map(fixedLength);
      return ns.every((n) => n !== undefined && n === ns[0]) ? ns[0] : undefined;
    }
  }
}

// ---------------------------------------------------------------- emitting JavaScript

interface Out {
  readonly src: string;
  /** A single atom a quantifier may follow directly. */
  readonly atom: boolean;
}

/** Writes a tree as a JavaScript (legacy syntax) source. */
export function emitTree(tree: PcreTree): PcreTranslation {
  return { source: emit(tree.root).src, flags: tree.caselessBackref ? 'i' : '', groupCount: tree.groupCount };
}

const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');

function unitEscape(c: number): string | undefined {
  switch (c) {
    case 0x09:
      return '\\t';
    case 0x0a:
      return '\\n';
    case 0x0b:
      return '\\v';
    case 0x0c:
      return '\\f';
    case 0x0d:
      return '\\r';
  }
  if (c < 0x20 || (c >= 0x7f && c <= 0xff)) return `\\x${hex(c, 2)}`;
  if (c > 0xff) return `\\u${hex(c, 4)}`;
  return undefined;
}

/** One code unit outside a class. */
function unitOut(c: number): string {
  const e = unitEscape(c);
  if (e) return e;
  const ch = String.fromCharCode(c);
  return '\\^$.*+?()[]{}|/'.includes(ch) ? `\\${ch}` : ch;
}

/** One code unit inside a class. */
function unitIn(c: number): string {
  const e = unitEscape(c);
  if (e) return e;
  const ch = String.fromCharCode(c);
  return '\\]^-['.includes(ch) ? `\\${ch}` : ch;
}

function classBody(rs: CharRanges): string {
  let s = '';
  for (const [a, b] of rs) {
    if (a === b) s += unitIn(a);
    else if (b === a + 1) s += unitIn(a) + unitIn(b);
    else s += `${unitIn(a)}-${unitIn(b)}`;
  }
  return s;
}

const NAMED_SETS: ReadonlyArray<readonly [CharRanges, string]> = [
  [DIGIT, '\\d'],
  [complement(DIGIT), '\\D'],
  [WORD, '\\w'],
  [complement(WORD), '\\W'],
  [ANY, '[\\s\\S]'],
];

function setOut(rs: CharRanges): string {
  for (const [set, src] of NAMED_SETS) if (sameRanges(rs, set)) return src;
  if (rs.length === 1 && rs[0]![0] === rs[0]![1]) return unitOut(rs[0]![0]);
  const pos = `[${classBody(rs)}]`;
  const neg = `[^${classBody(complement(rs))}]`;
  return neg.length < pos.length ? neg : pos;
}

function cpOut(cp: number): Out {
  if (cp <= MAX_UNIT) return { src: unitOut(cp), atom: true };
  const s = String.fromCodePoint(cp);
  return { src: unitOut(s.charCodeAt(0)) + unitOut(s.charCodeAt(1)), atom: false };
}

const ASSERTS: Readonly<Record<AssertKind, string>> = {
  start: '^',
  'line-start': '(?:^|(?<=\\n)(?=[\\s\\S]))',
  end: '$',
  'end-or-final-newline': '(?=\\n?$)',
  'line-end': '(?=\\n|$)',
  'word-boundary': '\\b',
  'not-word-boundary': '\\B',
};

function emit(node: PcreNode): Out {
  switch (node.type) {
    case 'char':
      if (node.cps.length === 1) return cpOut(node.cp);
      return { src: setOut(normalize(node.cps.map((c) => [c, c] as [number, number]))), atom: true };
    case 'set':
      return { src: setOut(node.ranges), atom: true };
    case 'linebreak':
      return { src: '(?:\\r\\n|\\r(?!\\n)|[\\n\\v\\f\\x85\\u2028\\u2029])', atom: true };
    case 'assert':
      return { src: ASSERTS[node.kind], atom: false };
    case 'look':
      return { src: `(?${node.behind ? '<' : ''}${node.negate ? '!' : '='}${emit(node.body).src})`, atom: false };
    case 'group': {
      const open = node.capture === undefined ? '(?:' : node.name !== undefined ? `(?<${node.name}>` : '(';
      return { src: `${open}${emit(node.body).src})`, atom: true };
    }
    case 'backref':
      return { src: `(?:\\${node.group})`, atom: true };
    case 'repeat': {
      const body = emit(node.body);
      const { min, max } = node;
      if (min === 0 && max === 1 && canMatchEmpty(node.body)) {
        // JavaScript would refuse the body's empty match here and backtrack
        // into it; PCRE takes it in order. An alternation keeps PCRE's order.
        return { src: node.lazy ? `(?:|${body.src})` : `(?:${body.src}|)`, atom: true };
      }
      const b = body.atom ? body.src : `(?:${body.src})`;
      const q =
        min === 0 && max === Infinity
          ? '*'
          : min === 1 && max === Infinity
            ? '+'
            : min === 0 && max === 1
              ? '?'
              : max === Infinity
                ? `{${min},}`
                : min === max
                  ? `{${min}}`
                  : `{${min},${max}}`;
      return { src: b + q + (node.lazy ? '?' : ''), atom: false };
    }
    case 'seq': {
      const parts = node.items.map(emit);
      if (parts.length === 1) return parts[0]!;
      return { src: parts.map((p) => p.src).join(''), atom: false };
    }
    case 'alt':
      return { src: node.branches.map((b) => emit(b).src).join('|'), atom: false };
  }
}

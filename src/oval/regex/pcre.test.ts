import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, test, type TestContext } from 'node:test';
import { readDocumentFile } from '../../model/load.js';
import type { Component, OvalDefinitions, OvalEntity } from '../../model/oval/types.js';
import { boundedMatchAll } from './bounded.js';
import { anchoredByDotStar, compilePcre, emitTree, parsePcre, PcreError, translatePcre, type CharRanges, type PcreErrorKind, type PcreNode, type PcreOptions } from './pcre.js';
import { oracleMissing } from '../../testing/oracle.js';
import { prng } from '../../testing/prng.js';

// ---------------------------------------------------------------- helpers

/** [subject, whether it matches] */
type Case = readonly [string, boolean];

function matches(pattern: string, subject: string, opts: PcreOptions = {}): boolean {
  return compilePcre(pattern, opts).test(subject);
}

function checkCases(pattern: string, opts: PcreOptions, cases: readonly Case[]): void {
  for (const [subject, want] of cases) {
    assert.equal(matches(pattern, subject, opts), want, `${JSON.stringify(pattern)} ${JSON.stringify(opts)} on ${JSON.stringify(subject)}`);
  }
}

function errorOf(pattern: string, opts: PcreOptions = {}): PcreError {
  try {
    translatePcre(pattern, opts);
  } catch (e) {
    if (e instanceof PcreError) return e;
    throw e;
  }
  assert.fail(`${JSON.stringify(pattern)} was translated`);
}

const M = { multiline: true } as const;

// ---------------------------------------------------------------- unit tables

describe('inline option groups', () => {
  const table: ReadonlyArray<readonly [string, PcreOptions, readonly Case[]]> = [
    // SSG's sshd idiom: only the keyword is caseless
    ['^[ \\t]*(?i)Compression(?-i)[ \\t]+no', M, [['Compression no', true], ['  COMPRESSION no', true], ['compression NO', false]]],
    ['(?i:ab)c', {}, [['ABc', true], ['aBc', true], ['ABC', false]]],
    // a setting inside a group ends with the group
    ['((?i)ad)x', {}, [['ADx', true], ['aDx', true], ['ADX', false]]],
    // ... and carries into the following branches of that group (PCRE and Perl)
    ['^(a(?i)b|c)$', {}, [['ab', true], ['aB', true], ['C', true], ['Ab', false]]],
    ['(?i)yes', {}, [['YES', true], ['yEs', true], ['no', false]]],
    ['a(?-i)b', { caseInsensitive: true }, [['Ab', true], ['AB', false]]],
    ['(?s)a.b', {}, [['a\nb', true]]],
    ['(?-s:a.b)', { dotAll: true }, [['a\nb', false], ['a b', true]]],
    ['(?m)^b', {}, [['a\nb', true]]],
    ['(?-m)^b', M, [['a\nb', false]]],
    ['(?x) a  b # comment\n c', {}, [['abc', true], ['a b c', false]]],
    ['(?x)a\\ b[ ]c', {}, [['a b c', true]]],
    // (?x): white space may also stand between a quantifier and its ? (lazy)
    ['(?x)^(a{1,2} ?)', {}, [['aa', true]]],
  ];
  for (const [pattern, opts, cases] of table) it(`${pattern} ${JSON.stringify(opts)}`, () => checkCases(pattern, opts, cases));
});

describe('caseless matching', () => {
  const table: ReadonlyArray<readonly [string, readonly Case[]]> = [
    ['(?i)[a-c]', [['B', true], ['d', false]]],
    ['(?i)[^a]', [['A', false], ['b', true]]],
    // Unicode caseless sets, as PCRE in UTF-8 mode: k K U+212A, s S U+017F
    ['(?i)k', [['\u212a', true]]],
    ['(?i)[^k]', [['\u212a', false]]],
    // PCRE turns a caseless [:upper:] / [:lower:] into [:alpha:]
    ['(?i)^[[:upper:]]$', [['a', true], ['1', false]]],
    ['(?i)^[[:^lower:]]$', [['A', false], ['1', true]]],
    // escapes and other POSIX classes are not case-folded
    ['(?i)^[\\W]$', [['A', false]]],
    // Turkish dotted/dotless i are not caseless partners of i/I in PCRE
    ['(?i)i', [['\u0131', false], ['\u0130', false], ['I', true]]],
  ];
  for (const [pattern, cases] of table) it(pattern, () => checkCases(pattern, {}, cases));

  it('spells out caseless spans and leaves the flags empty', () => {
    const t = translatePcre('^(?i)permitrootlogin(?-i) yes');
    assert.equal(t.flags, '');
    assert.ok(!t.source.includes('(?i'), t.source);
    assert.ok(t.source.includes('[Pp][Ee][Rr]'), t.source);
  });

  it('uses the i flag only for a back reference in a wholly caseless pattern', () => {
    assert.equal(translatePcre('(?i)(a)\\1').flags, 'i');
    checkCases('(?i)^(a)\\1$', {}, [['aA', true], ['ab', false]]);
    assert.equal(errorOf('(a)(?i)\\1').kind, 'unsupported');
    // with the i flag, a case-sensitive [A-Z] elsewhere would change meaning
    assert.equal(errorOf('(?i)(a)\\1(?-i)[[:upper:]]').kind, 'unsupported');
    assert.equal(translatePcre('(?i)(a)\\1(?-i)[\\w.]').flags, 'i');
  });

  it('gives the first match of a lazy caseless span as PCRE does', () => {
    assert.deepEqual(compilePcre('(?i)a+?(?-i)(b)').exec('xAAb')?.[0], 'AAb');
  });
});

describe('anchors and line ends: only \\n ends a line', () => {
  const table: ReadonlyArray<readonly [string, PcreOptions, readonly Case[]]> = [
    ['\\Aa', M, [['a\nb', true], ['b\na', false]]],
    ['a\\z', M, [['a', true], ['a\n', false]]],
    ['a\\Z', M, [['a\n', true], ['a', true], ['a\n\n', false]]],
    // $ without multiline: end, or before a final newline
    ['a$', {}, [['a', true], ['a\n', true], ['a\nb', false], ['a\n\n', false], ['a\r', false]]],
    // $ with multiline: before any \n, never before \r
    ['a$', M, [['a\nb', true], ['a\r\nb', false], ['a\r', false]]],
    ['^b', M, [['a\nb', true], ['a\rb', false]]],
    ['^b', {}, [['a\nb', false], ['b', true]]],
    // a multiline ^ does not match after a newline that ends the subject
    ['^$', M, [['a\n', false], ['a\n\nb', true], ['', true], ['\n', true]]],
    ['^', M, [['a\n', true]]],
    ['^x?$', M, [['a\n', false]]],
    // . matches \r and not \n (unless dotAll)
    ['^a.b$', M, [['a\rb', true], ['a\nb', false]]],
    ['^a.b$', { dotAll: true }, [['a\nb', true]]],
    ['^a\\Nb$', { dotAll: true }, [['a\nb', false]]],
    ['^PermitRootLogin yes$', M, [['PermitRootLogin yes\r', false], ['PermitRootLogin yes\n', true]]],
    ['^PermitRootLogin yes.*$', M, [['  x\nPermitRootLogin yes\r\n', true]]],
  ];
  for (const [pattern, opts, cases] of table) it(`${JSON.stringify(pattern)} ${JSON.stringify(opts)}`, () => checkCases(pattern, opts, cases));
});

describe('POSIX classes inside brackets', () => {
  /** [class name, members, non-members] */
  const table: ReadonlyArray<readonly [string, string, string]> = [
    ['blank', ' \t', '\n\r\va'],
    ['space', ' \t\n\r\v\f', 'a\u00a0'],
    ['alpha', 'azAZ', '0_ \u00e9'],
    ['digit', '09', 'a '],
    ['alnum', 'a0Z', '_-'],
    ['upper', 'AZ', 'a1'],
    ['lower', 'az', 'A1'],
    ['punct', '!/:@[`{~-', 'a0 \u00a1'],
    ['print', ' a~', '\t\u007f'],
    ['graph', 'a~!', ' \t'],
    ['xdigit', '09afAF', 'gG'],
    ['cntrl', '\u0000\t\u001f\u007f', ' a'],
    ['word', 'a0_', '-'],
    ['ascii', '\u0000a\u007f', '\u0080\u00e9'],
  ];
  for (const [name, yes, no] of table) {
    it(`[[:${name}:]] and [[:^${name}:]]`, () => {
      for (const c of yes) {
        assert.ok(matches(`^[[:${name}:]]$`, c), `${name} should match ${JSON.stringify(c)}`);
        assert.ok(!matches(`^[[:^${name}:]]$`, c), `^${name} should not match ${JSON.stringify(c)}`);
      }
      for (const c of no) {
        assert.ok(!matches(`^[[:${name}:]]$`, c), `${name} should not match ${JSON.stringify(c)}`);
        assert.ok(matches(`^[[:^${name}:]]$`, c), `^${name} should match ${JSON.stringify(c)}`);
      }
    });
  }
  it('combines with other items and negation', () => {
    checkCases('^[^[:space:]#]+$', {}, [['abc', true], ['a b', false], ['a#', false]]);
    checkCases('^[[:digit:][:upper:]_]+$', {}, [['A1_', true], ['a', false]]);
  });
  it('[:...] that is not POSIX syntax is a plain class', () => {
    checkCases('^[:\\.]', {}, [[':x', true], ['.x', true], ['x', false]]);
  });
});

describe('brackets: PCRE rules that JavaScript reads differently', () => {
  const table: ReadonlyArray<readonly [string, readonly Case[]]> = [
    ['^[]a]$', [[']', true], ['a', true], ['b', false]]],
    ['^[^]a]$', [[']', false], ['a', false], ['b', true]]],
    ['^\\[domain/[^]]*]$', [['[domain/x]', true], ['[domain/]x]', false]]],
    ['^[\\w,-@]+$', [['aes-128,x@y', true], ['a b', false], ['a;b', true]]],
    ['^[\\d-z]$', [['-', true], ['5', true], ['a', false]]],
    ['^[a-]$', [['-', true]]],
    ['^[\\b]$', [['\b', true], ['b', false]]],
    ['^[\\8]$', [['8', true]]],
    ['^[\\101]$', [['A', true]]],
    // \E and \Q\E before or after a leading ^ are skipped; ] is still first
    ['^[\\Q\\E^]]$', [[']', false], ['a', true]]],
    ['^[\\Qa-z\\E]$', [['-', true], ['c', false]]],
    ['^[a-\\Qz\\E]$', [['c', true]]],
  ];
  for (const [pattern, cases] of table) it(JSON.stringify(pattern), () => checkCases(pattern, {}, cases));
});

describe('escapes', () => {
  it('identity escapes of punctuation stay literal', () => {
    for (const c of ' "/-:\'=!><@#%&,;~`') assert.ok(matches(`^a\\${c}b$`, `a${c}b`), JSON.stringify(c));
  });
  it('letters without a meaning in PCRE stand for themselves', () => {
    checkCases('^\\y\\i\\m$', {}, [['yim', true]]);
  });
  const table: ReadonlyArray<readonly [string, readonly Case[]]> = [
    // \s is ASCII white space (PCRE without UCP), VT included
    ['^\\s$', [['\v', true], ['\u00a0', false], ['\u2028', false]]],
    ['^\\S$', [['\u00a0', true]]],
    ['^\\w$', [['\u00e9', false], ['_', true]]],
    ['^\\h$', [['\u00a0', true], ['\t', true], ['\n', false]]],
    ['^\\v$', [['\n', true], ['\u2028', true], [' ', false]]],
    ['^\\R$', [['\r\n', true], ['\r', true], ['\n', true], ['\n\r', false]]],
    // \R is atomic: it never gives back the \n of \r\n
    ['^a\\R?\\nb$', [['a\r\n\nb', true], ['a\n\nb', true], ['a\r\nb', false]]],
    ['^\\x41\\x{42}\\103\\o{104}\\cE\\e$', [['ABCD\u0005\u001b', true]]],
    ['^\\x$', [['\u0000', true]]],
    ['^a\\Q.*\\E+$', [['a.**', true], ['a.*', true], ['ab', false]]],
    ['^\\Qa|b', [['a|b', true], ['b', false]]],
    ['^@@{DBDIR}/x{,2}$', [['@@{DBDIR}/x{,2}', true]]],
    ['^x{2}$', [['xx', true], ['x{2}', false]]],
    ['^(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10$', [['abcdefghijj', true]]],
    ['^(a)\\10$', [['a\b', true]]],
    ['^((?:"|\')?)yes\\1$', [['"yes"', true], ['yes', true], ['"yes', false]]],
    ['^(?<q>["\'])x\\k<q>$', [["'x'", true], ['"x\'', false]]],
    ['^(?P<q>a)(?P=q)\\g{1}\\g{-1}\\k{q}$', [['aaaaa', true]]],
    ['\\bfoo\\b', [['a foo.', true], ['afoo', false]]],
    ['(?<=ab|c)d', [['abd', true], ['cd', true], ['bd', false]]],
    ['^a(?#comment)+$', [['aaa', true]]],
  ];
  for (const [pattern, cases] of table) it(JSON.stringify(pattern), () => checkCases(pattern, {}, cases));
});

describe('repeats whose body can match empty', () => {
  // JavaScript refuses an optional iteration that matches empty and backtracks
  // into it; PCRE takes it. `X?` is written as `(?:X|)` to keep PCRE's order.
  const table: ReadonlyArray<readonly [string, string, string | undefined]> = [
    ['^a(?:\\n*?b*?)?', 'a\nb', 'a'],
    ['^a(?:|#.*)?', 'a#x', 'a'],
    ['^a(x*)?', 'ab', 'a'],
  ];
  for (const [pattern, subject, want] of table) {
    it(JSON.stringify(pattern), () => assert.equal(compilePcre(pattern).exec(subject)?.[0], want));
  }
  it('keeps the empty capture PCRE sets', () => {
    assert.equal(compilePcre('^(x*)?').exec('ab')?.[1], '');
  });
});

describe('errors', () => {
  /** [pattern, kind, offset] */
  const table: ReadonlyArray<readonly [string, PcreErrorKind, number]> = [
    ['a++', 'unsupported', 2],
    ['a{2}+', 'unsupported', 4],
    ['x(?>a)', 'unsupported', 1],
    ['(?R)', 'unsupported', 0],
    ['(a)(?1)', 'unsupported', 3],
    ['(?(1)a|b)', 'unsupported', 0],
    ['ab\\K', 'unsupported', 2],
    ['\\G', 'unsupported', 0],
    ['\\p{L}', 'unsupported', 0],
    ['(?|a)', 'unsupported', 0],
    ['(*CR)a', 'unsupported', 0],
    ['(?U)a', 'unsupported', 0],
    ['(?=a)*', 'unsupported', 5],
    ['(a)|\\1', 'unsupported', 4],
    ['\\1(a)', 'unsupported', 0],
    ['(?:(a)|b)+', 'unsupported', 0],
    ['(a?)*', 'unsupported', 0],
    ['(?:b*?)+c', 'unsupported', 0],
    // PCRE 8 wrongly makes these repeats possessive (U+0085 is both \S and \v)
    ['a\\S+\\v', 'unsupported', 1],
    ['\\S*(?:\\h)', 'unsupported', 0],
    ['.+\\R', 'unsupported', 0],
    ['\\R+\\s', 'unsupported', 0],
    ['[z-a]', 'invalid', 3],
    ['a**', 'invalid', 2],
    ['*a', 'invalid', 0],
    ['(ab', 'invalid', 0],
    ['ab)', 'invalid', 2],
    ['[ab', 'invalid', 0],
    ['[]', 'invalid', 0],
    ['[^]', 'invalid', 0],
    ['[[:foo:]]', 'invalid', 1],
    ['[:alpha:]', 'invalid', 0],
    ['[a-\\d]', 'invalid', 3],
    ['(a)\\7', 'invalid', 3],
    ['\\k<n>', 'invalid', 0],
    ['a{3,2}', 'invalid', 1],
    ['a{65536}', 'invalid', 1],
    ['^*', 'invalid', 1],
    ['a\\b+', 'invalid', 3],
    ['(?<=a+)b', 'invalid', 0],
    ['\\u0041', 'invalid', 0],
    ['x\\', 'invalid', 1],
  ];
  for (const [pattern, kind, offset] of table) {
    it(JSON.stringify(pattern), () => {
      const e = errorOf(pattern);
      assert.equal(e.kind, kind, e.message);
      assert.equal(e.offset, offset, e.message);
      assert.equal(e.pattern, pattern);
      assert.ok(e instanceof Error && e.name === 'PcreError');
    });
  }
});

describe('compilePcre', () => {
  it('uses legacy syntax, never m, s, u or v, and may add g, y or d', () => {
    const re = compilePcre('^a$', { multiline: true, dotAll: true }, 'g');
    assert.equal(re.flags, 'g');
    assert.throws(() => compilePcre('a', {}, 'm'), TypeError);
  });
  it('numbers groups as PCRE does', () => {
    assert.equal(translatePcre('(a)(?:b)(?<n>c)(?=(d))').groupCount, 3);
    assert.deepEqual([...(compilePcre('(a)(?:b)(c)').exec('abc') ?? [])], ['abc', 'a', 'c']);
  });
});

describe('anchoredByDotStar: a leading .* that matches newlines anchors the search (as PCRE)', () => {
  const cases: ReadonlyArray<{ pattern: string; dotAll: boolean; want: boolean }> = [
    { pattern: '.*(?:^|\\n)\\s*(SYS_UID_MAX[\\s]+[\\d]+)\\s*(?:$|\\n)', dotAll: true, want: true },
    { pattern: '.*?foo', dotAll: true, want: true },
    { pattern: '.*foo', dotAll: false, want: false },
    { pattern: '(.*)foo', dotAll: true, want: false },
    { pattern: '.*(x)\\1', dotAll: true, want: false },
    { pattern: '.*a|b', dotAll: true, want: false },
    { pattern: '.+foo', dotAll: true, want: false },
    { pattern: 'a.*', dotAll: true, want: false },
  ];
  for (const c of cases) {
    it(`${c.pattern}${c.dotAll ? ' (singleline)' : ''}: ${c.want}`, () => assert.equal(anchoredByDotStar(parsePcre(c.pattern, { dotAll: c.dotAll, multiline: true })), c.want));
  }

  // a sticky search finds what an unanchored one finds, every match of it
  const texts = ['', 'foo', 'a\nSYS_UID_MAX 999\n#SYS_UID_MAX 5\n  SYS_UID_MAX\t7\nb', 'foo bar foo\nfoo', '#SYS_UID_MAX 1\n'.repeat(50)];
  for (const c of cases.filter((x) => x.want)) {
    it(`${c.pattern}: the same matches sticky or not`, async () => {
      const t = emitTree(parsePcre(c.pattern, { dotAll: true, multiline: true }));
      for (const text of texts) assert.deepEqual(await boundedMatchAll(new RegExp(t.source, `${t.flags}y`), text), await boundedMatchAll(new RegExp(t.source, t.flags), text), JSON.stringify(text));
    });
  }
});

// ---------------------------------------------------------------- conformance with perl on the SSG patterns

const CONTENT = process.env['VIGIL_SSG_CONTENT'] ?? '/usr/share/xml/scap/ssg/content';

const unavailable = (t: TestContext, what: string): void => void oracleMissing(t, what);

/** Every distinct pattern of the SSG OVAL files: literal ones, and those resolved statically from var_refs. */
function ssgPatterns(files: readonly string[]): { literal: Set<string>; fromVariables: Set<string>; unresolvedRefs: number } {
  const literal = new Set<string>();
  const fromVariables = new Set<string>();
  let unresolvedRefs = 0;
  for (const file of files) {
    const doc = readDocumentFile(file);
    if (doc.kind !== 'oval-definitions') continue;
    const defs: OvalDefinitions = doc;
    const valuesOf = (id: string, depth: number): string[] | undefined => {
      const v = defs.variables.get(id);
      if (!v || depth > 8) return undefined;
      if (v.kind === 'constant') return [...v.values];
      if (v.kind === 'local') return componentValues(v.component, depth + 1);
      return undefined;
    };
    const componentValues = (c: Component, depth: number): string[] | undefined => {
      if (c.fn === 'literal') return [c.value];
      if (c.fn === 'variable') return valuesOf(c.varRef, depth);
      if (c.fn === 'concat') {
        let out: string[] = [''];
        for (const arg of c.args) {
          const vs = componentValues(arg, depth);
          if (!vs) return undefined;
          out = out.flatMap((a) => vs.map((b) => a + b)).slice(0, 64);
        }
        return out;
      }
      return undefined;
    };
    const entities = (es: readonly OvalEntity[]): void => {
      for (const e of es) {
        if (e.fields) entities(e.fields);
        if (e.operation !== 'pattern match') continue;
        if (e.varRef === undefined) literal.add(e.value);
        else {
          const vs = valuesOf(e.varRef, 0);
          if (vs) for (const v of vs) fromVariables.add(v);
          else unresolvedRefs++;
        }
      }
    };
    const captures = (c: Component): void => {
      if (c.fn === 'regex_capture') literal.add(c.pattern);
      if ('arg' in c) captures(c.arg);
      if ('args' in c) c.args.forEach(captures);
    };
    for (const o of defs.objects.values()) entities(o.entities);
    for (const s of defs.states.values()) entities(s.entities);
    for (const v of defs.variables.values()) if (v.kind === 'local') captures(v.component);
  }
  for (const p of literal) fromVariables.delete(p);
  return { literal, fromVariables, unresolvedRefs };
}


function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const PREFERRED = [' ', 'a', 'x', '1', '0', '\t', '_', '-', '/', '.', ':', '=', '#', ',', '"', 'A', 'Z', '\n', '*'];

function inRanges(rs: CharRanges, c: number): boolean {
  return rs.some(([a, b]) => c >= a && c <= b);
}

/** A member of a set: a typical character when there is one, else some member that is not a surrogate. */
function pick(rs: CharRanges, rnd: (() => number) | undefined): string {
  const nice = PREFERRED.filter((c) => inRanges(rs, c.charCodeAt(0)));
  if (nice.length && (!rnd || rnd() < 0.8)) return nice[rnd ? Math.floor(rnd() * nice.length) : 0]!;
  const ok = rs.map(([a, b]) => [a, Math.min(b, a + 200)] as const).filter(([a]) => a < 0xd800 || a > 0xdfff);
  if (!ok.length) return '';
  const [a, b] = ok[rnd ? Math.floor(rnd() * ok.length) : 0]!;
  return String.fromCharCode(rnd ? a + Math.floor(rnd() * (b - a + 1)) : a);
}

/** A string the pattern is likely to match: `rnd` undefined gives the minimal choices. */
function sample(node: PcreNode, rnd: (() => number) | undefined, groups: Map<number, string>, atLeastOnce: boolean): string {
  switch (node.type) {
    case 'char': {
      const cp = rnd ? node.cps[Math.floor(rnd() * node.cps.length)]! : node.cp;
      return String.fromCodePoint(cp);
    }
    case 'set':
      return pick(node.ranges, rnd);
    case 'linebreak':
      return rnd && rnd() < 0.5 ? '\r\n' : '\n';
    case 'assert':
      return '';
    case 'look':
      // a positive lookahead is satisfied by what follows: write its text here
      return !node.behind && !node.negate ? sample(node.body, rnd, groups, atLeastOnce) : '';
    case 'group': {
      const s = sample(node.body, rnd, groups, atLeastOnce);
      if (node.capture !== undefined) groups.set(node.capture, s);
      return s;
    }
    case 'backref':
      return groups.get(node.group) ?? '';
    case 'repeat': {
      let n = rnd ? node.min + Math.floor(rnd() * 3) : atLeastOnce ? Math.max(node.min, 1) : node.min;
      n = Math.min(n, node.max, Math.max(node.min, 3), 40);
      let s = '';
      for (let k = 0; k < n; k++) s += sample(node.body, rnd, groups, atLeastOnce);
      return s;
    }
    case 'seq':
      return node.items.map((i) => sample(i, rnd, groups, atLeastOnce)).join('');
    case 'alt': {
      const b = rnd ? node.branches[Math.floor(rnd() * node.branches.length)]! : node.branches[0]!;
      return sample(b, rnd, groups, atLeastOnce);
    }
  }
}

/** Repeats inside repeats (star height 2): V8 may backtrack exponentially on these, so their probes stay short. */
function nestedRepeat(node: PcreNode, inside = false): boolean {
  switch (node.type) {
    case 'repeat':
      if (inside && node.max > 1) return true;
      return nestedRepeat(node.body, inside || node.max > 1);
    case 'group':
    case 'look':
      return nestedRepeat(node.body, inside);
    case 'seq':
      return node.items.some((i) => nestedRepeat(i, inside));
    case 'alt':
      return node.branches.some((b) => nestedRepeat(b, inside));
    default:
      return false;
  }
}

const FIXED_PROBES = [
  '',
  '\n',
  '\r',
  '\r\n',
  ' ',
  '\t',
  'Compression no',
  '  PermitRootLogin yes\r',
  'PermitRootLogin no\n',
  '\tClientAliveInterval 300',
  '# comment line',
  'key = value # trailing',
  'auth required pam_faillock.so deny=3',
  '-w /etc/passwd -p wa -k identity',
  'root:x:0:0:root:/root:/bin/bash',
  'kernel.randomize_va_space = 2',
  'Ciphers aes256-ctr,aes192-ctr',
  '/etc/ssh/sshd_config',
  'a\nb\n',
  'x\r\ny\r\n',
  'caf\u00e9 \u00a0nbsp',
  'K k \u212a',
];

function probesFor(pattern: string, root: PcreNode): string[] {
  const rnd = prng(hash(pattern));
  const bases = new Set<string>();
  bases.add(sample(root, undefined, new Map(), false));
  bases.add(sample(root, undefined, new Map(), true));
  for (let k = 0; k < 6; k++) bases.add(sample(root, rnd, new Map(), false));
  const out = new Set<string>(FIXED_PROBES);
  for (const s of bases) {
    for (const v of [
      s,
      `${s}\n`,
      `${s}\r`,
      `${s}\r\n`,
      `  ${s}`,
      `\t${s}`,
      `#${s}`,
      s.toUpperCase(),
      s.toLowerCase(),
      s.slice(0, -1),
      s.slice(1),
      s.replace(' ', '\t'),
      `x\n${s}\ny`,
      `${s}\n${s}`,
      s.replace(/\n/g, '\r\n'),
      `${s} # trailing`,
    ]) {
      out.add(v);
    }
  }
  const cap = nestedRepeat(root) ? 22 : 400;
  return [...out].filter((s) => s.length <= cap && !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')));
}

/** One perl process: reads {p, f, s: [...]} JSON lines, answers {r: [[matched, $&, $1], ...]} or {e: error}. */
const PERL = String.raw`
use strict; no warnings; use feature 'unicode_strings'; use JSON::PP;
my $j = JSON::PP->new->utf8->canonical->allow_nonref;
$| = 1;
while (my $line = <STDIN>) {
  my $q = $j->decode($line);
  my ($p, $f) = ($q->{p}, $q->{f});
  my $pre = "(?a$f)";
  my $re = eval { qr/$pre$p/ };
  if (!defined $re) { my $e = $@; $e =~ s/\s+$//; print $j->encode({ e => $e }), "\n"; next; }
  my @r;
  for my $s (@{ $q->{s} }) {
    if ($s =~ $re) { push @r, [1, $&, $1]; } else { push @r, [0, undef, undef]; }
  }
  print $j->encode({ r => \@r }), "\n";
}
`;

type Outcome = readonly [0 | 1, string | null, string | null];

/** PCRE options as perl modifiers. */
const MODES: ReadonlyArray<readonly [string, PcreOptions]> = [
  ['', {}],
  ['m', { multiline: true }],
  ['is', { caseInsensitive: true, dotAll: true }],
];

test('SSG OVAL patterns: the translation agrees with perl', { timeout: 600_000 }, (t) => {
  const perl = spawnSync('perl', ['-MJSON::PP', '-e', '1'], { encoding: 'utf8' });
  if (perl.error || perl.status !== 0) return unavailable(t, 'perl with JSON::PP is not available');
  if (!existsSync(CONTENT) || !statSync(CONTENT).isDirectory()) return unavailable(t, `no SSG content in ${CONTENT}`);
  const files = readdirSync(CONTENT)
    .filter((f) => /^ssg-.*-oval\.xml$/.test(f))
    .sort()
    .map((f) => join(CONTENT, f));
  if (files.length === 0) return unavailable(t, `no ssg-*-oval.xml in ${CONTENT}`);

  const { literal, fromVariables, unresolvedRefs } = ssgPatterns(files);
  const all = [...literal, ...fromVariables];
  t.diagnostic(
    `${files.length} files: ${literal.size} distinct literal patterns, ${fromVariables.size} more from constant/local variables (${unresolvedRefs} var_refs not statically resolvable)`,
  );

  interface Job {
    readonly pattern: string;
    readonly mode: string;
    readonly re: RegExp;
    readonly subjects: readonly string[];
  }
  const jobs: Job[] = [];
  const rejected: string[] = [];
  let translated = 0;
  for (const pattern of all) {
    let subjects: string[] | undefined;
    let ok = true;
    for (const [mode, opts] of MODES) {
      let re: RegExp;
      try {
        re = compilePcre(pattern, opts);
      } catch (e) {
        if (!(e instanceof PcreError)) throw new Error(`${JSON.stringify(pattern)} [${mode}]: ${String(e)}`);
        rejected.push(`[${mode}] ${e.message}`);
        ok = false;
        continue;
      }
      subjects ??= probesFor(pattern, parsePcre(pattern, opts).root);
      jobs.push({ pattern, mode, re, subjects });
    }
    if (ok) translated++;
  }

  const input = jobs.map((j) => JSON.stringify({ p: j.pattern, f: j.mode, s: j.subjects })).join('\n') + '\n';
  const run = spawnSync('perl', ['-e', PERL], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(run.status, 0, `perl failed: ${run.stderr}`);
  const answers = run.stdout.split('\n');

  const disagreements: string[] = [];
  const perlErrors: string[] = [];
  let comparisons = 0;
  jobs.forEach((job, i) => {
    const answer = JSON.parse(answers[i] ?? 'null') as { r?: Outcome[]; e?: string } | null;
    assert.ok(answer, `no perl answer for ${JSON.stringify(job.pattern)}`);
    if (answer.e !== undefined) {
      perlErrors.push(`${JSON.stringify(job.pattern)} [${job.mode}]: ${answer.e}`);
      return;
    }
    job.subjects.forEach((s, k) => {
      comparisons++;
      const m = job.re.exec(s);
      const mine: Outcome = m ? [1, m[0], m[1] ?? null] : [0, null, null];
      const theirs = answer.r![k]!;
      if (mine[0] !== theirs[0] || mine[1] !== theirs[1] || mine[2] !== theirs[2]) {
        disagreements.push(
          `${JSON.stringify(job.pattern)} [${job.mode}] on ${JSON.stringify(s)}: vigil ${JSON.stringify(mine)}, perl ${JSON.stringify(theirs)} (js /${job.re.source}/${job.re.flags})`,
        );
      }
    });
  });

  t.diagnostic(`${all.length} patterns: ${translated} translated in every mode, ${all.length - translated} rejected in some mode`);
  for (const r of rejected) t.diagnostic(`rejected ${r}`);
  t.diagnostic(`${jobs.length} pattern × mode runs, ${comparisons} comparisons with perl, ${disagreements.length} disagreements`);
  assert.deepEqual(perlErrors, [], 'perl could not compile patterns the translator accepted');
  assert.deepEqual(disagreements.slice(0, 20), [], `${disagreements.length} disagreements with perl`);
});

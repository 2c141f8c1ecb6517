import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePcre, PcreError } from './pcre.js';
import {
  boundedFirst,
  boundedMatchAll,
  boundedTest,
  DEFAULT_REGEX_TIMEOUT_MS,
  MAX_CAPTURED_CHARS,
  MAX_MATCHES,
  mayBacktrackBadly,
  regexAnswersKept,
  regexWorker,
  RegexWorker,
  REGEX_ANSWERS_KEPT,
  syncLimit,
  SYNC_BUDGET,
} from './bounded.js';
import { costAt, costOf } from './cost.js';
import { catastrophicFamily, HOSTILE_SUBJECT } from '../../testing/catastrophic-patterns.js';

/** `(a+)+$` on a long run of a's that ends in what it cannot match: V8 backtracks for ever. */
const CATASTROPHIC = compilePcre('(a+)+$');
const EVIL = HOSTILE_SUBJECT;

/**
 * Patterns with a polynomial bound, each with an input built to make V8
 * backtrack as much as it can: run at the longest length the bound lets run
 * at once, they must finish quickly.
 */
const POLYNOMIAL: ReadonlyArray<{ p: string; input: (n: number) => string }> = [
  { p: 'a*a*a*b', input: (n) => 'a'.repeat(n) },
  { p: '.*.*.*x', input: (n) => 'y'.repeat(n) },
  { p: '^(?:a|b)(?:a|ab)(?:b|bb)[ab]*c$', input: (n) => 'ab'.repeat(n >> 1) },
  { p: '(?=.*a.*b).*c', input: (n) => 'ba'.repeat(n >> 1) },
  { p: '\\s*\\s*\\s*$x', input: (n) => ' '.repeat(n) },
  { p: '(\\w+)\\s\\1\\s\\1z', input: (n) => 'w w '.repeat(n >> 2) },
  { p: '^(?:\\d{1,3}\\.){3}\\d{1,3}!$', input: (n) => '1.'.repeat(n >> 1) },
];

/** Runs `f` over `xs` with at most `width` at a time. */
async function pool<T, R>(xs: readonly T[], width: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(xs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < xs.length) {
        const i = next++;
        out[i] = await f(xs[i]!);
      }
    }),
  );
  return out;
}

describe('bounded regular-expression matching', () => {
  const shapes = [
    { p: '^Ciphers[ \\t]+([\\w,-@]+)+$', risky: true },
    { p: '^(?:a+)+b$', risky: true },
    { p: '^(?:x+y?)+$', risky: true },
    { p: '((a+))+$', risky: true },
    { p: '(?:(a+))+$', risky: true },
    { p: '(a|a)+$', risky: true },
    { p: '(?:x?){20}y', risky: true },
    { p: '^[ \\t]*PermitRootLogin[ \\t]+no[ \\t]*$', risky: false },
    { p: '^(\\w+)\\s+(\\d+)$', risky: false },
    { p: '^(\\d{1,3}\\.){3}\\d{1,3}$', risky: false },
  ];
  for (const s of shapes) it(`${s.p} ${s.risky ? 'is never' : 'can be'} matched on the main thread`, () => assert.equal(mayBacktrackBadly(compilePcre(s.p)), s.risky));

  it('a match runs on the main thread only within its budget: long inputs go to the worker', async () => {
    const re = compilePcre('^[ \\t]*PermitRootLogin[ \\t]+no[ \\t]*$');
    const n = syncLimit(re);
    assert.ok(n >= 40 && n < 100_000, `limit ${n}`);
    assert.ok(costAt(costOf(re.source, re.flags), n) <= SYNC_BUDGET);
    assert.ok(costAt(costOf(re.source, re.flags), n + 1) > SYNC_BUDGET);
    assert.equal(boundedTest(re, 'PermitRootLogin no'), true);
    const long = `${' '.repeat(n)}PermitRootLogin no`;
    const later = boundedTest(re, long);
    assert.ok(later instanceof Promise);
    assert.equal(await later, true);
  });

  it('a safe pattern on a short input answers synchronously', () => {
    const re = compilePcre('^[ \\t]*PermitRootLogin[ \\t]+no[ \\t]*$');
    assert.equal(boundedTest(re, 'PermitRootLogin no'), true);
    assert.equal(boundedTest(re, 'PermitRootLogin yes'), false);
    assert.deepEqual(boundedMatchAll(compilePcre('^\\w+$', { multiline: true }), 'x\nab\n'), [['x'], ['ab']]);
    assert.deepEqual(boundedFirst(compilePcre('(\\d+)-(\\d+)'), 'v 10-20'), ['10-20', '10', '20']);
  });

  it('every pattern of the catastrophic family is refused by the translator or sent to the worker, and answers "timeout" within 2 s', async (t) => {
    // the translator refuses what it cannot give PCRE's meaning (a group a repeat may skip): an error at once
    const family = catastrophicFamily().filter((p) => {
      try {
        compilePcre(p);
        return true;
      } catch (e) {
        assert.ok(e instanceof PcreError, `${p}: ${String(e)}`);
        return false;
      }
    });
    assert.ok(family.length >= 16, `${family.length} patterns`);
    for (const p of family) assert.equal(syncLimit(compilePcre(p)), -1, `${p} is never matched on the main thread`);
    // each on a worker of its own, a few at a time, with the deadline the engine uses
    const results = await pool(family, 6, async (p) => {
      const t0 = Date.now();
      const answer = await new RegexWorker().run(compilePcre(p), EVIL, 'test', DEFAULT_REGEX_TIMEOUT_MS);
      return { p, answer, ms: Date.now() - t0 };
    });
    const slowest = Math.max(...results.map((r) => r.ms));
    t.diagnostic(`${family.length} catastrophic patterns (of ${catastrophicFamily().length} built): slowest answer after ${slowest} ms`);
    for (const r of results) {
      assert.equal(r.answer, 'timeout', r.p);
      assert.ok(r.ms < 2000, `${r.p}: ${r.ms} ms`);
    }
  });

  it('a pattern with a polynomial bound, at the longest input it may run on at once, finishes quickly on its worst input', (t) => {
    for (const { p, input } of POLYNOMIAL) {
      const re = compilePcre(p);
      const n = syncLimit(re);
      assert.ok(n >= 0, `${p} has a bound`);
      const s = input(Math.min(n, 1 << 20));
      const t0 = performance.now();
      boundedTest(re, s);
      boundedMatchAll(re, s);
      const ms = performance.now() - t0;
      t.diagnostic(`${p}: ${s.length} characters at once in ${ms.toFixed(1)} ms`);
      assert.ok(ms < 250, `${p} took ${ms} ms on ${s.length} characters`);
    }
  });

  it('the event loop keeps turning while a catastrophic pattern is matched, and the deadline answers "timeout"', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const t0 = Date.now();
      const answer = boundedTest(CATASTROPHIC, EVIL, 400);
      assert.ok(answer instanceof Promise, 'a risky pattern answers later');
      assert.equal(await answer, 'timeout');
      const took = Date.now() - t0;
      assert.ok(took >= 390 && took < 3000, `the deadline decides (${took} ms)`);
      // a blocked main thread would have let no timer run until the end
      assert.ok(ticks >= 10, `timers ran during the match (${ticks})`);
    } finally {
      clearInterval(timer);
    }
  });

  it('a hung worker is replaced: the next risky match answers, and well within its deadline', async () => {
    const w = regexWorker();
    const started = w.started;
    assert.equal(await boundedMatchAll(CATASTROPHIC, `b${EVIL}`, { timeoutMs: 200 }), 'timeout');
    const t0 = Date.now();
    const re = compilePcre('^Ciphers[ \\t]+([\\w,-@]+)+$', { multiline: true });
    assert.equal(await boundedTest(re, 'Ciphers aes256-ctr,aes128-ctr', 2000), true);
    assert.ok(Date.now() - t0 < 1500);
    assert.equal(w.started, started + 2, 'a worker for the hung match, and a new one after it was terminated');
  });

  it('regex_capture\'s first match is bounded too', async () => {
    assert.equal(await boundedFirst(CATASTROPHIC, EVIL, 200), 'timeout');
    assert.deepEqual(await boundedFirst(compilePcre('^((?:\\w+,?)+)$'), 'x,y'), ['x,y', 'x,y']);
  });

  it('caps the matches and the captured text, on both sides, with "too-many"', async () => {
    const dot = compilePcre('(.)');
    const big = 'x'.repeat(MAX_MATCHES + 1);
    assert.equal(await boundedMatchAll(dot, big), 'too-many');
    assert.equal(await boundedMatchAll(dot, 'abc', { maxMatches: 2 }), 'too-many');
    assert.equal(boundedMatchAll(compilePcre('^\\w+$'), 'abcdef', { maxChars: 5 }), 'too-many');
    assert.deepEqual(boundedMatchAll(compilePcre('^\\w+$'), 'abcde', { maxChars: 5 }), [['abcde']]);
    // a 2 MB file matched with (.) stops at the cap instead of growing by the gigabyte
    const before = process.memoryUsage().rss;
    assert.equal(await boundedMatchAll(dot, 'y'.repeat(2 * 1024 * 1024)), 'too-many');
    assert.ok(process.memoryUsage().rss - before < 512 * 1024 * 1024);
    assert.ok(MAX_CAPTURED_CHARS >= 1 << 20);
  });

  it('a risky test answered once is answered at once the next time', async () => {
    const re = compilePcre('^(?:x+y?)+$');
    const first = boundedTest(re, 'xxyxy');
    assert.ok(first instanceof Promise);
    assert.equal(await first, true);
    assert.equal(boundedTest(re, 'xxyxy'), true);
  });

  it('keeps a bounded number of risky answers', async () => {
    const re = compilePcre('^(?:q+r?)+$');
    const n = REGEX_ANSWERS_KEPT + 50;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => boundedTest(re, `q${'r'.repeat(i % 2)}${i}`)));
    assert.equal(answers.length, n);
    assert.ok(answers.every((a) => a === false));
    assert.equal(regexAnswersKept(), REGEX_ANSWERS_KEPT);
  });

  it('returns every match with its groups, unmatched groups as null', async () => {
    const re = compilePcre('^(\\w+)(?:=(\\d+))?$', { multiline: true });
    assert.deepEqual(boundedMatchAll(re, 'a=1\nb\n'), [
      ['a=1', 'a', '1'],
      ['b', 'b', null],
    ]);
    const risky = compilePcre('^((?:\\w+,?)+)$', { multiline: true });
    assert.deepEqual(await boundedMatchAll(risky, 'x,y\nz'), [
      ['x,y', 'x,y'],
      ['z', 'z'],
    ]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePcre } from './pcre.js';
import { boundedMatchAll, boundedTest, mayBacktrackBadly, regexAnswersKept, regexWorker, REGEX_ANSWERS_KEPT } from './bounded.js';

/** `(a+)+$` on a long run of a's that ends in what it cannot match: V8 backtracks for ever. */
const CATASTROPHIC = compilePcre('(a+)+$');
const EVIL = `${'a'.repeat(40)}!`;

describe('bounded regular-expression matching', () => {
  const shapes = [
    { p: '^Ciphers[ \\t]+([\\w,-@]+)+$', risky: true },
    { p: '^(?:a+)+b$', risky: true },
    { p: '^(?:x+y?)+$', risky: true },
    { p: '^[ \\t]*PermitRootLogin[ \\t]+no[ \\t]*$', risky: false },
    { p: '^(\\w+)\\s+(\\d+)$', risky: false },
  ];
  for (const s of shapes) it(`${s.p} ${s.risky ? 'is' : 'is not'} routed through the worker`, () => assert.equal(mayBacktrackBadly(compilePcre(s.p)), s.risky));

  it('a safe pattern answers synchronously', () => {
    const re = compilePcre('^[ \\t]*PermitRootLogin[ \\t]+no[ \\t]*$', { multiline: true });
    assert.equal(boundedTest(re, 'PermitRootLogin no'), true);
    assert.equal(boundedTest(re, 'PermitRootLogin yes'), false);
    assert.deepEqual(boundedMatchAll(re, 'x\nPermitRootLogin no\n'), [['PermitRootLogin no']]);
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

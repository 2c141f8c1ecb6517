import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costAt, costOf, longestWithin } from './cost.js';

describe('the cost bound of a JavaScript pattern', () => {
  const degrees: ReadonlyArray<readonly [string, string, number]> = [
    // [source, flags, degree of the bound in n]
    ['^abc', '', 0],
    ['abc', '', 1], // n+1 starts
    ['^[ \\t]*P', '', 1], // the repeat stops where P is: one count goes on
    ['^a*\\ba', '', 2], // \b is no character: every count may go on
    ['^[^\\n]*\\n', '', 1],
    ['^.*\\n', '', 1],
    ['^.*\\n', 's', 2], // with s, . matches the newline
    ['^a*a', '', 2],
    ['^a*a*a*b', '', 3], // the last repeat stops where b is
    ['^(?:(?!x).)*y', '', 2], // a lookaround is atomic: no choices outside it
    ['^(\\d{1,3}\\.){3}\\d{1,3}$', '', 0], // bounded repeats only
    ['^(a+)+$', '', Infinity],
    ['((a+))+$', '', Infinity],
    ['(?:(a+))+$', '', Infinity],
    ['(a|a)+$', '', Infinity],
    ['(?:x?){40}y', '', Infinity],
    ['(?:a|b){2,}', '', Infinity],
    ['[', '', Infinity], // what the reader does not know has no bound
    ['(?<x', '', Infinity],
    ['[a]', 'v', Infinity],
  ];
  for (const [source, flags, deg] of degrees) it(`/${source}/${flags}: degree ${deg}`, () => assert.equal(costOf(source, flags).deg, deg));

  it('longestWithin is the exact boundary of the budget', () => {
    for (const [source, flags] of degrees) {
      const p = costOf(source, flags);
      const n = longestWithin(p, 1e7);
      if (!Number.isFinite(p.deg)) assert.equal(n, -1);
      else if (p.deg === 0) assert.equal(n, Infinity);
      else {
        assert.ok(costAt(p, n) <= 1e7, source);
        assert.ok(costAt(p, n + 1) > 1e7, source);
      }
    }
  });

  it('a surrogate pair without the u flag is two characters, each repeated on its own', () => {
    // without u, /😀*😀/ repeats the low surrogate only, and the high surrogate after it is another character
    assert.equal(costOf('^\ud83d\ude00*\ud83d\ude00', '').deg, 1);
    // with u, the whole emoji is repeated and followed by itself: every count may go on
    assert.equal(costOf('^\ud83d\ude00*\ud83d\ude00', 'u').deg, 2);
  });
});

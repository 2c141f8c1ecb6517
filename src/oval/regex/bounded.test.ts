import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePcre } from './pcre.js';
import { boundedMatchAll, boundedTest, mayBacktrackBadly } from './bounded.js';

describe('bounded regular-expression matching', () => {
  const shapes = [
    { p: '^Ciphers[ \\t]+([\\w,-@]+)+$', risky: true },
    { p: '^(?:a+)+b$', risky: true },
    { p: '^(?:x+y?)+$', risky: true },
    { p: '^[ \\t]*PermitRootLogin[ \\t]+no[ \\t]*$', risky: false },
    { p: '^(\\w+)\\s+(\\d+)$', risky: false },
  ];
  for (const s of shapes) it(`${s.p} ${s.risky ? 'is' : 'is not'} routed through the worker`, () => assert.equal(mayBacktrackBadly(compilePcre(s.p)), s.risky));

  it('a catastrophic pattern times out instead of hanging, and the next match still works', () => {
    const re = compilePcre('^Ciphers[ \\t]+([\\w,-@]+)+$', { multiline: true });
    const evil = `Ciphers ${'a'.repeat(40)}!`;
    const t0 = Date.now();
    assert.equal(boundedTest(re, evil, 300), 'timeout');
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(boundedTest(re, 'Ciphers aes256-ctr,aes128-ctr', 2000), true);
  });

  it('returns every match with its groups, unmatched groups as null', () => {
    const re = compilePcre('^(\\w+)(?:=(\\d+))?$', { multiline: true });
    assert.deepEqual(boundedMatchAll(re, 'a=1\nb\n'), [
      ['a=1', 'a', '1'],
      ['b', 'b', null],
    ]);
    const risky = compilePcre('^((?:\\w+,?)+)$', { multiline: true });
    assert.deepEqual(boundedMatchAll(risky, 'x,y\nz'), [
      ['x,y', 'x,y'],
      ['z', 'z'],
    ]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lru } from './lru.js';

describe('Lru', () => {
  it('holds at most its capacity, forgetting the least recently used first', () => {
    const c = new Lru<string, number>(3);
    for (const [i, k] of ['a', 'b', 'c'].entries()) c.set(k, i);
    assert.equal(c.get('a'), 0); // a is now the most recently used
    c.set('d', 3);
    assert.equal(c.size, 3);
    assert.equal(c.has('b'), false);
    assert.deepEqual([...c.keys()], ['c', 'a', 'd']);
    for (let i = 0; i < 1000; i++) c.set(`k${i}`, i);
    assert.equal(c.size, 3);
    assert.deepEqual([...c.keys()], ['k997', 'k998', 'k999']);
  });

  it('replacing a value keeps one entry and makes it the most recent', () => {
    const c = new Lru<string, number>(2);
    c.set('a', 1).set('b', 2).set('a', 3);
    assert.deepEqual([...c.keys()], ['b', 'a']);
    assert.equal(c.get('a'), 3);
  });

  it('refuses a capacity below one', () => {
    assert.throws(() => new Lru(0), RangeError);
  });
});

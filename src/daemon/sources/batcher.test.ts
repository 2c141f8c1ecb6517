import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeBatch } from '../types.js';
import { Batcher } from './batcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('batcher', () => {
  it('delivers one deduplicated, sorted batch once events stop', async () => {
    const got: ChangeBatch[] = [];
    const b = new Batcher({ debounceMs: 30, maxDebounceMs: 1000 }, (x) => got.push(x));
    b.path('/etc/b');
    b.path('/etc/a');
    b.path('/etc/b');
    b.dir('/etc/d');
    b.input({ kind: 'packages', key: 'dpkg' });
    b.input({ kind: 'kernel', key: 'a' });
    b.input({ kind: 'packages', key: 'dpkg' });
    await sleep(15);
    assert.equal(got.length, 0);
    b.fullRescan('reconcile');
    b.fullRescan('other');
    await sleep(80);
    assert.deepEqual(got, [{ paths: ['/etc/a', '/etc/b'], dirs: ['/etc/d'], inputs: [{ kind: 'kernel', key: 'a' }, { kind: 'packages', key: 'dpkg' }], full: 'reconcile' }]);
    b.close();
  });

  it('delivers at most maxDebounceMs after the first of a steady trickle', async () => {
    const got: { at: number; n: number }[] = [];
    const t0 = Date.now();
    const b = new Batcher({ debounceMs: 40, maxDebounceMs: 120 }, (x) => got.push({ at: Date.now() - t0, n: x.paths.length }));
    for (let i = 0; i < 50; i++) {
      b.path(`/f${i}`);
      await sleep(10);
    }
    await sleep(100);
    b.close();
    assert.equal(got.reduce((s, g) => s + g.n, 0), 50);
    assert.ok(got.length >= 3 && got.length <= 15, `${got.length} batches`);
    assert.ok(got[0]!.at < 250, `first batch after ${got[0]!.at} ms`);
  });

  it('delivers nothing after close', async () => {
    const got: ChangeBatch[] = [];
    const b = new Batcher({ debounceMs: 10, maxDebounceMs: 20 }, (x) => got.push(x));
    b.path('/x');
    b.close();
    b.path('/y');
    await sleep(50);
    assert.deepEqual(got, []);
  });
});

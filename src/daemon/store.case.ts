/**
 * The WatchStore contract, as one suite of cases that every store runs (the
 * SQLite store and the in-memory one, store.test.ts), so that the daemon's
 * fallback behaves as the disk store does.
 *
 * `open` gives a fresh, empty store; the suite closes it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreError, type DriftEvent, type RuleState, type SweepSummary, type WatchEvent, type WatchScope, type WatchStore } from './types.js';

export const SCOPE: WatchScope = { content: '/c/ds.xml', profile: 'xccdf_p_cis', tailoring: '', target: '/' };
export const OTHER: WatchScope = { ...SCOPE, target: '/srv/root' };

export const state = (rule: string, result: string, time = '2026-01-01T00:00:00.000Z'): RuleState => ({ rule, result, severity: 'high', time });

export const drift = (rule: string, to: string, time = '2026-01-01T00:00:00.000Z'): DriftEvent => ({
  type: 'drift',
  time,
  rule,
  from: null,
  to,
  severity: 'high',
  paths: ['/etc/ssh/sshd_config'],
});

export const sweep = (time: string, reason = 'reconcile'): SweepSummary => ({ time, reason, durationMs: 12.5, score: 87.5, counts: { pass: 7, fail: 1 } });

function storeErrorWith(code: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof StoreError, `expected a StoreError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  };
}

export function storeCases(name: string, open: () => WatchStore): void {
  const withStore = (fn: (s: WatchStore) => void) => () => {
    const s = open();
    try {
      fn(s);
    } finally {
      s.close();
    }
  };

  describe(`WatchStore contract: ${name}`, () => {
    it(
      'a scope is unknown until its first commit; then load gives its states',
      withStore((s) => {
        assert.equal(s.load(SCOPE), undefined);
        s.recordSweep(SCOPE, sweep('2026-01-01T00:00:00.000Z'));
        assert.equal(s.load(SCOPE), undefined, 'a sweep alone does not make the states known');
        s.commit(SCOPE, [], []);
        assert.deepEqual(s.load(SCOPE), new Map());
        s.commit(SCOPE, [state('r1', 'pass'), state('r2', 'fail')], []);
        assert.deepEqual(s.load(SCOPE), new Map([['r1', state('r1', 'pass')], ['r2', state('r2', 'fail')]]));
        assert.equal(s.load(OTHER), undefined);
      }),
    );

    it(
      'commit replaces the given rules only, the last of duplicates winning, per scope',
      withStore((s) => {
        s.commit(SCOPE, [state('a', 'pass'), state('b', 'pass')], []);
        s.commit(OTHER, [state('a', 'error')], []);
        s.commit(SCOPE, [state('b', 'fail'), state('c', 'pass'), state('c', 'notapplicable', '2026-01-02T00:00:00.000Z')], []);
        assert.deepEqual(
          s.load(SCOPE),
          new Map([['a', state('a', 'pass')], ['b', state('b', 'fail')], ['c', state('c', 'notapplicable', '2026-01-02T00:00:00.000Z')]]),
        );
        assert.deepEqual(s.load(OTHER), new Map([['a', state('a', 'error')]]));
        for (const field of ['content', 'profile', 'tailoring', 'target'] as const) {
          assert.equal(s.load({ ...SCOPE, [field]: `${SCOPE[field]}x` }), undefined, field);
        }
      }),
    );

    it(
      'commit gives ids 1, 2, … in order and returns the events with them',
      withStore((s) => {
        assert.equal(s.lastEventId(), 0);
        const ready: WatchEvent = { type: 'ready', time: '2026-01-01T00:00:01.000Z', rules: 2, score: 50, counts: { pass: 1, fail: 1 }, durationMs: 3 };
        const out1 = s.commit(SCOPE, [state('a', 'pass')], [drift('a', 'pass'), ready]);
        assert.deepEqual(out1, [{ id: 1, ...drift('a', 'pass') }, { id: 2, ...ready }]);
        const out2 = s.commit(OTHER, [], [{ type: 'status', time: '2026-01-01T00:00:02.000Z', ok: false, reason: 'x' }]);
        assert.deepEqual(out2.map((e) => e.id), [3]);
        assert.deepEqual(s.commit(SCOPE, [], []), []);
        assert.equal(s.lastEventId(), 3);
        assert.deepEqual(s.events(0, 10), [...out1, ...out2]);
      }),
    );

    it(
      'an id the caller passes in is not kept: the store numbers events',
      withStore((s) => {
        const [e] = s.commit(SCOPE, [], [{ ...drift('a', 'fail'), id: 99 } as WatchEvent]);
        assert.equal(e!.id, 1);
        assert.deepEqual(s.events(0, 1), [{ id: 1, ...drift('a', 'fail') }]);
      }),
    );

    it(
      'events(since, limit): oldest first, after since, at most limit',
      withStore((s) => {
        s.commit(SCOPE, [], ['a', 'b', 'c', 'd', 'e'].map((r) => drift(r, 'fail')));
        const ids = (since: number, limit: number) => s.events(since, limit).map((e) => e.id);
        assert.deepEqual(ids(0, 100), [1, 2, 3, 4, 5]);
        assert.deepEqual(ids(2, 100), [3, 4, 5]);
        assert.deepEqual(ids(2, 2), [3, 4]);
        assert.deepEqual(ids(5, 10), []);
        assert.deepEqual(ids(0, 0), []);
        assert.deepEqual(ids(-7, 1), [1]);
        assert.deepEqual(ids(3, Infinity), [4, 5]);
        assert.deepEqual(ids(1.5, 2.9), [2, 3]);
        assert.deepEqual(s.events(3, 1)[0], { id: 4, ...drift('d', 'fail') });
      }),
    );

    it(
      'all or nothing: an event that cannot be stored halfway through leaves states, events and ids as they were',
      withStore((s) => {
        s.commit(SCOPE, [state('a', 'pass')], [drift('a', 'pass')]);
        const bad = { ...drift('b', 'fail'), paths: [10n] } as unknown as WatchEvent;
        assert.throws(() => s.commit(SCOPE, [state('a', 'fail'), state('b', 'fail')], [drift('a', 'fail'), bad]), (e: unknown) => {
          assert.ok(e instanceof StoreError);
          assert.match(e.message, /BigInt/);
          return true;
        });
        assert.deepEqual(s.load(SCOPE), new Map([['a', state('a', 'pass')]]));
        assert.equal(s.lastEventId(), 1);
        assert.deepEqual(s.events(0, 10).map((e) => e.id), [1]);
        assert.throws(() => s.commit(OTHER, [state('x', 'pass')], [bad]), StoreError);
        assert.equal(s.load(OTHER), undefined, 'a new scope is not left half-made');
        assert.deepEqual(s.commit(SCOPE, [], [drift('c', 'pass')]).map((e) => e.id), [2], 'no id was used up');
      }),
    );

    it(
      'what comes back is a copy, as JSON would give it',
      withStore((s) => {
        const input = drift('a', 'fail');
        const st = { ...state('a', 'fail'), extra: 1 } as RuleState;
        const [out] = s.commit(SCOPE, [st], [input, { type: 'rescan', time: '2026-01-01T00:00:00.000Z', reason: 'overflow', rules: undefined }]);
        (input.paths as string[]).push('/mutated');
        (out as { rule: string }).rule = 'mutated';
        assert.deepEqual(s.events(0, 1), [{ id: 1, ...drift('a', 'fail') }]);
        assert.deepEqual(Object.keys(s.events(1, 1)[0]!), ['id', 'type', 'time', 'reason'], 'undefined fields are dropped');
        assert.deepEqual([...s.load(SCOPE)!.values()], [state('a', 'fail')], 'only the RuleState fields are kept');
        (s.load(SCOPE)!.get('a') as { result: string }).result = 'mutated';
        assert.equal(s.load(SCOPE)!.get('a')!.result, 'fail');
      }),
    );

    it(
      'sweeps: newest first, per scope, at most limit',
      withStore((s) => {
        assert.deepEqual(s.sweeps(SCOPE, 10), []);
        s.recordSweep(SCOPE, sweep('2026-01-01T00:00:00.000Z', 'start'));
        s.recordSweep(OTHER, sweep('2026-01-01T01:00:00.000Z', 'other'));
        s.recordSweep(SCOPE, sweep('2026-01-02T00:00:00.000Z', 'reconcile'));
        s.recordSweep(SCOPE, sweep('2026-01-01T12:00:00.000Z', 'overflow'));
        assert.deepEqual(s.sweeps(SCOPE, 10).map((w) => w.reason), ['overflow', 'reconcile', 'start'], 'in the order recorded, not by time');
        assert.deepEqual(s.sweeps(SCOPE, 2), [sweep('2026-01-01T12:00:00.000Z', 'overflow'), sweep('2026-01-02T00:00:00.000Z', 'reconcile')]);
        assert.deepEqual(s.sweeps(SCOPE, 0), []);
        assert.deepEqual(s.sweeps(OTHER, Infinity), [sweep('2026-01-01T01:00:00.000Z', 'other')]);
        assert.equal(s.load(SCOPE), undefined);
      }),
    );

    it(
      'prune by count drops the oldest events; by age events and sweeps; ids are never given again',
      withStore((s) => {
        const day = (d: number) => new Date(Date.UTC(2026, 0, d)).toISOString();
        s.commit(SCOPE, [state('a', 'pass')], [1, 2, 3, 4, 5, 6].map((d) => drift(`r${d}`, 'pass', day(d))));
        for (const d of [1, 3, 5]) s.recordSweep(SCOPE, sweep(day(d)));
        const now = new Date(Date.UTC(2026, 0, 7));
        assert.equal(s.prune({ maxEvents: Infinity, maxAgeDays: Infinity }, now), 0);
        assert.equal(s.prune({ maxEvents: 5, maxAgeDays: Infinity }, now), 1);
        assert.deepEqual(s.events(0, 10).map((e) => e.id), [2, 3, 4, 5, 6]);
        // 7 Jan minus 3 days is 4 Jan: older is dropped, exactly 3 days old is kept.
        assert.equal(s.prune({ maxEvents: 100, maxAgeDays: 3 }, now), 2);
        assert.deepEqual(s.events(0, 10).map((e) => e.id), [4, 5, 6]);
        assert.deepEqual(s.events(2, 2).map((e) => e.id), [4, 5], 'since in the pruned part');
        assert.deepEqual(s.sweeps(SCOPE, 10).map((w) => w.time), [day(5)]);
        assert.equal(s.prune({ maxEvents: 1, maxAgeDays: 2.5 }, now), 2, 'both bounds at once: 4 Jan by age, 5 Jan by count');
        assert.deepEqual(s.events(0, 10).map((e) => e.id), [6]);
        assert.equal(s.prune({ maxEvents: 0, maxAgeDays: 30 }, now), 1);
        assert.deepEqual(s.events(0, 10), []);
        assert.equal(s.lastEventId(), 6, 'the last id given, even when pruned');
        assert.deepEqual(s.commit(SCOPE, [], [drift('z', 'fail', day(8))]).map((e) => e.id), [7]);
        assert.deepEqual(s.load(SCOPE), new Map([['a', state('a', 'pass')]]), 'states are not pruned');
      }),
    );

    it(
      'prune refuses a retention that means nothing',
      withStore((s) => {
        const now = new Date();
        assert.throws(() => s.prune({ maxEvents: -1, maxAgeDays: 1 }, now), RangeError);
        assert.throws(() => s.prune({ maxEvents: 1.5, maxAgeDays: 1 }, now), RangeError);
        assert.throws(() => s.prune({ maxEvents: 1, maxAgeDays: Number.NaN }, now), RangeError);
        assert.throws(() => s.prune({ maxEvents: 1, maxAgeDays: 1 }, new Date('nope')), RangeError);
      }),
    );

    it('after close every method throws a StoreError, and close again is harmless', () => {
      const s = open();
      s.commit(SCOPE, [state('a', 'pass')], [drift('a', 'pass')]);
      s.close();
      s.close();
      const closed = storeErrorWith('SQLITE_MISUSE');
      assert.throws(() => s.load(SCOPE), closed);
      assert.throws(() => s.commit(SCOPE, [], []), closed);
      assert.throws(() => s.events(0, 1), closed);
      assert.throws(() => s.lastEventId(), closed);
      assert.throws(() => s.recordSweep(SCOPE, sweep('2026-01-01T00:00:00.000Z')), closed);
      assert.throws(() => s.sweeps(SCOPE, 1), closed);
      assert.throws(() => s.prune({ maxEvents: 1, maxAgeDays: 1 }, new Date()), closed);
    });
  });
}

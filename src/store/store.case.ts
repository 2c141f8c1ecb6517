/**
 * The ResultsStore contract, one suite run against every backend
 * (store.test.ts: SQLite on a file, SQLite in memory, a real PostgreSQL).
 *
 * `open(retention)` gives a fresh, empty store; the suite closes it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonRule, JsonScan } from '../results/json-report.js';
import { StoreError, type ResultsStore } from './types.js';

const COUNT_KEYS = ['pass', 'fail', 'error', 'unknown', 'notapplicable', 'notchecked', 'notselected', 'informational', 'fixed'] as const;

/** A `vigil.scan/v1` document with the given rule results (rule id → result), as the JSON writer makes it. */
export function fakeScan(results: Readonly<Record<string, string>>, startTime: string, opts: { profile?: string; host?: string } = {}): JsonScan {
  const counts = Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as Record<string, number>;
  const rules: JsonRule[] = Object.entries(results).map(([id, result]) => {
    counts[result] = (counts[result] ?? 0) + 1;
    return {
      id,
      title: `Title of ${id}`,
      result: result as JsonRule['result'],
      severity: id.includes('high') ? 'high' : 'medium',
      weight: 1,
      role: 'full',
      time: startTime,
      groups: ['Services', 'SSH'],
      idents: [{ system: 'https://ncp.nist.gov/cce', value: 'CCE-1234-5' }],
      references: [],
      messages: result === 'fail' ? [{ severity: 'info', text: `/etc/ssh/sshd_config: ${id} is not set` }] : [],
      check: { system: 'http://oval.mitre.org/XMLSchema/oval-definitions-5', href: 'oval.xml', name: `oval:x:def:${id.length}`, negate: false },
      reads: { paths: ['/etc/ssh/sshd_config'], walks: [], inputs: [] },
    } as JsonRule;
  });
  const checked = rules.filter((r) => r.result === 'pass' || r.result === 'fail').length;
  const passed = rules.filter((r) => r.result === 'pass').length;
  const end = new Date(Date.parse(startTime) + 1500).toISOString();
  return {
    schema: 'vigil.scan/v1',
    testResultId: 'xccdf_org.vigil_testresult_x',
    benchmark: { id: 'xccdf_org.ssgproject.content_benchmark_DEBIAN-12', title: 'Debian 12', version: '0.1.65', href: '#scap_org.open-scap_comp_ssg-debian12-xccdf.xml' },
    profile: opts.profile === undefined ? { id: 'xccdf_org.ssgproject.content_profile_standard', title: 'Standard' } : { id: opts.profile, title: opts.profile },
    contentFile: '/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml',
    target: { name: opts.host ?? 'web1', addresses: ['127.0.0.1'], facts: [], platforms: [] },
    identity: { name: 'root', authenticated: true, privileged: true },
    testSystem: 'cpe:/a:vigil:vigil:0.1.0',
    startTime,
    endTime: end,
    durationSeconds: 1.5,
    scores: [{ system: 'urn:xccdf:scoring:default', score: checked ? (100 * passed) / checked : 0, maximum: 100 }],
    counts: counts as JsonScan['counts'],
    values: [{ id: 'xccdf_v_x', value: '4' }],
    rules,
  };
}

const T = (day: number, hour = 0): string => new Date(Date.UTC(2026, 10, day, hour)).toISOString();

function storeError(code: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof StoreError, `expected a StoreError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  };
}

export function resultsStoreCases(name: string, open: (fullScansPerHost?: number) => Promise<ResultsStore>): void {
  const withStore = (fn: (s: ResultsStore) => Promise<void>, keep?: number) => async () => {
    const s = await open(keep);
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };

  describe(`ResultsStore contract: ${name}`, () => {
    it(
      'an empty store knows nothing',
      withStore(async (s) => {
        assert.deepEqual(await s.hosts(), []);
        assert.deepEqual(await s.scans('web1'), []);
        assert.equal(await s.latest('web1'), undefined);
        assert.equal(await s.scan(1), undefined);
        assert.deepEqual(await s.rule('r1'), { rule: 'r1', severity: null, counts: {}, hosts: [] });
        assert.deepEqual(await s.drift('web1'), []);
        await assert.rejects(s.diff(1, 2), storeError('not-found'));
      }),
    );

    it(
      'a recorded scan comes back whole: summary, document, host',
      withStore(async (s) => {
        const doc = fakeScan({ r_high_1: 'pass', r2: 'fail', r3: 'notselected', r4: 'notapplicable' }, '2026-11-02T10:00:00+02:00');
        const id = await s.recordScan({ name: 'web1', group: ['web', 'prod'], os: 'debian 12' }, doc, { source: 'scan', who: 'alice', durationMs: 1700 });
        const got = await s.scan(id);
        assert.ok(got);
        assert.deepEqual(got.document, doc, 'the document is kept as given');
        assert.equal(got.host, 'web1');
        assert.equal(got.startTime, '2026-11-02T08:00:00.000Z', 'times are kept in UTC');
        assert.equal(got.profile, 'xccdf_org.ssgproject.content_profile_standard');
        assert.equal(got.benchmark, doc.benchmark.id);
        assert.equal(got.score, 50);
        assert.equal(got.maximum, 100);
        assert.equal(got.rules, 3, 'notselected rules are not rule results');
        assert.deepEqual(got.counts, doc.counts);
        assert.equal(got.who, 'alice');
        assert.equal(got.source, 'scan');
        assert.equal(got.durationMs, 1700);
        assert.equal(got.full, true);
        assert.deepEqual((await s.latest('web1'))?.id, id);
        const [h] = await s.hosts();
        assert.equal(h?.name, 'web1');
        assert.deepEqual(h?.group, ['web', 'prod']);
        assert.equal(h?.os, 'debian 12');
        assert.equal(h?.scans, 1);
        assert.equal(h?.latest?.id, id);
        assert.equal(h?.lastDrift, null);
        // a later scan without group/os keeps what the host had
        await s.recordScan({ name: 'web1' }, fakeScan({ r2: 'pass' }, T(3)), { source: 'fleet' });
        const [h2] = await s.hosts();
        assert.deepEqual(h2?.group, ['web', 'prod']);
        assert.equal(h2?.os, 'debian 12');
        assert.equal(h2?.scans, 2);
        assert.equal(h2?.latest?.source, 'fleet');
      }),
    );

    it(
      'the latest scan is the newest by start time, even when an older one arrives later',
      withStore(async (s) => {
        const a = await s.recordScan({ name: 'h' }, fakeScan({ r1: 'pass' }, T(5)), { source: 'scan' });
        const b = await s.recordScan({ name: 'h' }, fakeScan({ r1: 'fail' }, T(3)), { source: 'scan' });
        assert.equal((await s.latest('h'))?.id, a);
        const rule = await s.rule('r1');
        assert.deepEqual(rule.hosts.map((x) => [x.host, x.result, x.scanId]), [['h', 'pass', a]], 'a late old scan does not change the current state');
        const list = await s.scans('h');
        assert.deepEqual(list.map((x) => x.id), [a, b], 'newest first');
        const [h] = await s.hosts({ trend: 10 });
        assert.deepEqual(h?.trend, [{ time: T(3), score: 0 }, { time: T(5), score: 100 }], 'the trend is in time order');
      }),
    );

    it(
      'scans page with limit and before',
      withStore(async (s) => {
        const ids: number[] = [];
        for (let d = 1; d <= 7; d++) ids.push(await s.recordScan({ name: 'h' }, fakeScan({ r1: 'pass' }, T(d)), { source: 'scan' }));
        const first = await s.scans('h', { limit: 3 });
        assert.deepEqual(first.map((x) => x.id), [ids[6], ids[5], ids[4]]);
        const next = await s.scans('h', { limit: 3, before: first[2]!.id });
        assert.deepEqual(next.map((x) => x.id), [ids[3], ids[2], ids[1]]);
        assert.deepEqual(await s.scans('other'), []);
      }),
    );

    it(
      'a rule across the fleet: failing hosts first, and since when',
      withStore(async (s) => {
        await s.recordScan({ name: 'a' }, fakeScan({ r1: 'fail', r2: 'pass' }, T(1)), { source: 'fleet' });
        await s.recordScan({ name: 'a' }, fakeScan({ r1: 'fail', r2: 'fail' }, T(2)), { source: 'fleet' });
        const a3 = await s.recordScan({ name: 'a' }, fakeScan({ r1: 'fail', r2: 'pass' }, T(3)), { source: 'fleet' });
        await s.recordScan({ name: 'b' }, fakeScan({ r1: 'pass' }, T(1)), { source: 'fleet' });
        const b2 = await s.recordScan({ name: 'b' }, fakeScan({ r1: 'fail' }, T(2)), { source: 'fleet' });
        const c1 = await s.recordScan({ name: 'c' }, fakeScan({ r1: 'pass' }, T(2)), { source: 'fleet' });
        const r1 = await s.rule('r1');
        assert.equal(r1.severity, 'medium');
        assert.deepEqual(r1.counts, { fail: 2, pass: 1 });
        assert.deepEqual(r1.hosts, [
          { host: 'a', result: 'fail', since: T(1), scanId: a3 },
          { host: 'b', result: 'fail', since: T(2), scanId: b2 },
          { host: 'c', result: 'pass', since: T(2), scanId: c1 },
        ]);
        const r2 = await s.rule('r2');
        assert.deepEqual(r2.hosts, [{ host: 'a', result: 'pass', since: T(3), scanId: a3 }], 'a change of result restarts since');
      }),
    );

    it(
      'the difference between two scans, of one host or of two',
      withStore(async (s) => {
        const a = await s.recordScan({ name: 'a' }, fakeScan({ r1: 'pass', r2: 'fail', r3: 'pass', gone: 'pass' }, T(1)), { source: 'scan' });
        const b = await s.recordScan({ name: 'a' }, fakeScan({ r1: 'fail', r2: 'pass', r3: 'pass', fresh: 'error' }, T(2)), { source: 'scan' });
        const c = await s.recordScan({ name: 'other' }, fakeScan({ r1: 'pass', r2: 'fail', r3: 'pass', gone: 'pass' }, T(1)), { source: 'scan' });
        const d = await s.diff(a, b);
        assert.equal(d.a.id, a);
        assert.equal(d.b.id, b);
        assert.deepEqual(d.changed, [
          { rule: 'r1', from: 'pass', to: 'fail', severity: 'medium' },
          { rule: 'r2', from: 'fail', to: 'pass', severity: 'medium' },
        ]);
        assert.deepEqual(d.onlyA, ['gone']);
        assert.deepEqual(d.onlyB, ['fresh']);
        const same = await s.diff(a, c);
        assert.deepEqual([same.changed, same.onlyA, same.onlyB], [[], [], []]);
        await assert.rejects(s.diff(a, 9999), storeError('not-found'));
      }),
    );

    it(
      'retention keeps the last N full scans per host, and the summaries of the older ones',
      withStore(async (s) => {
        const ids: number[] = [];
        for (let d = 1; d <= 5; d++) ids.push(await s.recordScan({ name: 'h' }, fakeScan({ r1: d % 2 ? 'pass' : 'fail', r2: 'pass' }, T(d)), { source: 'watch' }));
        const other = await s.recordScan({ name: 'o' }, fakeScan({ r1: 'pass' }, T(1)), { source: 'watch' });
        const list = await s.scans('h');
        assert.equal(list.length, 5, 'every summary stays');
        assert.deepEqual(list.map((x) => x.full), [true, true, true, false, false]);
        assert.deepEqual(list.map((x) => x.score), [100, 50, 100, 50, 100], 'scores stay for the trend');
        const old = await s.scan(ids[0]!);
        assert.equal(old?.document, null, 'a pruned scan has no document');
        assert.equal(old?.full, false);
        assert.ok((await s.scan(ids[2]!))?.document);
        await assert.rejects(s.diff(ids[0]!, ids[4]!), storeError('pruned'));
        assert.equal((await s.diff(ids[3]!, ids[4]!)).changed.length, 1);
        assert.ok((await s.scan(other))?.document, "another host's scans are not touched");
        assert.equal((await s.hosts()).find((h) => h.name === 'h')?.scans, 5);
        const trend = (await s.hosts({ trend: 4 })).find((h) => h.name === 'h')?.trend;
        assert.deepEqual(trend, [T(2), T(3), T(4), T(5)].map((time, i) => ({ time, score: [50, 100, 50, 100][i] })));
      }, 3),
    );

    it(
      'drift events: per host, newest first, since, limit, and the feed after an id',
      withStore(async (s) => {
        const ev = (rule: string, time: string, to = 'fail') => ({ time, rule, from: 'pass', to, severity: 'high', paths: ['/etc/ssh/sshd_config'] });
        await s.recordDrift('web1', [ev('r1', T(1)), ev('r2', T(2))]);
        await s.recordDrift('web2', [ev('r1', T(3), 'pass')]);
        await s.recordDrift('web1', []);
        const d = await s.drift('web1');
        assert.deepEqual(d.map((x) => [x.rule, x.time, x.host]), [['r2', T(2), 'web1'], ['r1', T(1), 'web1']]);
        assert.deepEqual(d[0]?.paths, ['/etc/ssh/sshd_config']);
        assert.equal(d[0]?.from, 'pass');
        assert.deepEqual((await s.drift('web1', { since: T(2) })).map((x) => x.rule), ['r2']);
        assert.deepEqual((await s.drift('web1', { limit: 1 })).map((x) => x.rule), ['r2']);
        const all = await s.driftAfter(0);
        assert.deepEqual(all.map((x) => [x.host, x.rule]), [['web1', 'r1'], ['web1', 'r2'], ['web2', 'r1']]);
        assert.ok(all[0]!.id < all[1]!.id && all[1]!.id < all[2]!.id);
        assert.deepEqual((await s.driftAfter(all[1]!.id)).map((x) => x.host), ['web2']);
        const hosts = await s.hosts();
        assert.deepEqual(hosts.map((h) => [h.name, h.lastDrift, h.latest]), [['web1', T(2), null], ['web2', T(3), null]]);
        // a report sent again (its answer lost) is stored once; a different event at the same time is not lost
        await s.recordDrift('web1', [ev('r2', T(2)), ev('r3', T(2)), ev('r3', T(2))]);
        assert.deepEqual((await s.drift('web1')).map((x) => x.rule).sort(), ['r1', 'r2', 'r3']);
      }),
    );

    it(
      'bad input is refused with a clear error and records nothing',
      withStore(async (s) => {
        await assert.rejects(s.recordScan({ name: 'h' }, { schema: 'nope' } as unknown as JsonScan, { source: 'scan' }), storeError('bad-input'));
        await assert.rejects(s.recordScan({ name: '' }, fakeScan({ r1: 'pass' }, T(1)), { source: 'scan' }), storeError('bad-input'));
        await assert.rejects(s.recordDrift('h', [{ rule: 'r1' } as never]), storeError('bad-input'));
        assert.deepEqual(await s.hosts(), []);
      }),
    );

    it(
      'concurrent records all land (the store serialises or transacts them)',
      withStore(async (s) => {
        const ids = await Promise.all(
          Array.from({ length: 12 }, (_, i) => s.recordScan({ name: `h${i % 4}` }, fakeScan({ r1: i % 3 ? 'pass' : 'fail', r2: 'pass' }, T(1 + i)), { source: 'fleet' })),
        );
        assert.equal(new Set(ids).size, 12);
        const hosts = await s.hosts();
        assert.deepEqual(hosts.map((h) => [h.name, h.scans]), [['h0', 3], ['h1', 3], ['h2', 3], ['h3', 3]]);
        assert.equal((await s.rule('r2')).hosts.length, 4);
      }),
    );
  });
}

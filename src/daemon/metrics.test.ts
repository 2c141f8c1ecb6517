/**
 * WatchMetrics: the series it exposes, their encoding, and that it keeps to
 * a registry of its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { register as globalRegistry } from 'prom-client';
import { WatchMetrics } from './metrics.js';

/** The sample lines of a text exposition, as `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

const names = (text: string) => new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`));

describe('WatchMetrics', () => {
  it('exposes every vigil_watch_ series with its type', async () => {
    const m = new WatchMetrics({ process: false });
    const types = names(await m.text());
    for (const t of [
      'vigil_watch_rule_result gauge',
      'vigil_watch_rules gauge',
      'vigil_watch_score gauge',
      'vigil_watch_drift_events_total counter',
      'vigil_watch_evaluations_total counter',
      'vigil_watch_evaluation_duration_seconds histogram',
      'vigil_watch_watches gauge',
      'vigil_watch_polled_paths gauge',
      'vigil_watch_sources_ok gauge',
      'vigil_watch_events_dropped_total counter',
      'vigil_watch_last_full_sweep_timestamp_seconds gauge',
      'vigil_watch_staleness_seconds gauge',
      'vigil_watch_store_ok gauge',
      'vigil_watch_up gauge',
    ]) {
      assert.ok(types.has(t), t);
    }
    assert.ok(![...types].some((t) => t.startsWith('process_')), 'no process metrics when process: false');
    const s = samples(await m.text());
    assert.equal(s.get('vigil_watch_up'), 1);
    assert.equal(s.get('vigil_watch_store_ok'), 1);
  });

  it('keeps one series per rule, valued 1, labelled with its current result; counts rules per result', async () => {
    const m = new WatchMetrics({ process: false });
    m.setResults(new Map([['r1', 'pass'], ['r2', 'fail'], ['r3', 'pass']]), 66.67);
    let s = samples(await m.text());
    assert.equal(s.get('vigil_watch_rule_result{rule="r1",result="pass"}'), 1);
    assert.equal(s.get('vigil_watch_rule_result{rule="r2",result="fail"}'), 1);
    assert.equal(s.get('vigil_watch_rules{result="pass"}'), 2);
    assert.equal(s.get('vigil_watch_rules{result="fail"}'), 1);
    assert.equal(s.get('vigil_watch_rules{result="error"}'), 0, 'every result name has a series');
    assert.equal(s.get('vigil_watch_score'), 66.67);

    // r2 fixed, r3 gone, r4 new (a record works as well as a map).
    m.setResults({ r1: 'pass', r2: 'pass', r4: 'error' }, 80);
    s = samples(await m.text());
    const ruleSeries = [...s.keys()].filter((k) => k.startsWith('vigil_watch_rule_result{')).sort();
    assert.deepEqual(ruleSeries, [
      'vigil_watch_rule_result{rule="r1",result="pass"}',
      'vigil_watch_rule_result{rule="r2",result="pass"}',
      'vigil_watch_rule_result{rule="r4",result="error"}',
    ]);
    assert.equal(s.get('vigil_watch_rules{result="pass"}'), 2);
    assert.equal(s.get('vigil_watch_rules{result="fail"}'), 0);
    assert.equal(s.get('vigil_watch_rules{result="error"}'), 1);
    assert.equal(s.get('vigil_watch_score'), 80);
  });

  it('counts drift events by new result, evaluations by kind, and their durations in the histogram', async () => {
    const m = new WatchMetrics({ process: false });
    m.drift('fail');
    m.drift('fail');
    m.drift('pass');
    m.evaluation('full', 12.5);
    m.evaluation('partial', 0.003);
    m.evaluation('partial', 0.0008);
    const s = samples(await m.text());
    assert.equal(s.get('vigil_watch_drift_events_total{to="fail"}'), 2);
    assert.equal(s.get('vigil_watch_drift_events_total{to="pass"}'), 1);
    assert.equal(s.get('vigil_watch_evaluations_total{kind="full"}'), 1);
    assert.equal(s.get('vigil_watch_evaluations_total{kind="partial"}'), 2);
    assert.equal(s.get('vigil_watch_evaluation_duration_seconds_bucket{le="0.001",kind="partial"}'), 1);
    assert.equal(s.get('vigil_watch_evaluation_duration_seconds_bucket{le="0.005",kind="partial"}'), 2);
    assert.equal(s.get('vigil_watch_evaluation_duration_seconds_bucket{le="10",kind="full"}'), 0);
    assert.equal(s.get('vigil_watch_evaluation_duration_seconds_bucket{le="20",kind="full"}'), 1);
    assert.equal(s.get('vigil_watch_evaluation_duration_seconds_bucket{le="60",kind="full"}'), 1);
    assert.equal(s.get('vigil_watch_evaluation_duration_seconds_count{kind="full"}'), 1);
    assert.equal(s.get('vigil_watch_evaluation_duration_seconds_sum{kind="full"}'), 12.5);
  });

  it('reports the sources: watches, polled paths, ok, and dropped events as a counter of the cumulative count', async () => {
    const m = new WatchMetrics({ process: false });
    m.sources({ ok: true, watches: 120, polled: 7, dropped: 0 });
    m.sources({ ok: false, reason: 'ENOSPC', watches: 118, polled: 9, dropped: 3 });
    m.sources({ ok: false, watches: 118, polled: 9, dropped: 3 });
    m.sources({ ok: true, watches: 118, polled: 9, dropped: 5 });
    const s = samples(await m.text());
    assert.equal(s.get('vigil_watch_watches'), 118);
    assert.equal(s.get('vigil_watch_polled_paths'), 9);
    assert.equal(s.get('vigil_watch_sources_ok'), 1);
    assert.equal(s.get('vigil_watch_events_dropped_total'), 5);
  });

  it('computes the staleness at scrape time from the last evaluation; records the last full sweep and the store', async () => {
    let now = 1_000_000;
    const m = new WatchMetrics({ process: false, now: () => now });
    now += 4000;
    assert.equal(samples(await m.text()).get('vigil_watch_staleness_seconds'), 4, 'since the start before any evaluation');
    m.evaluatedAt(new Date(now));
    now += 1500;
    assert.equal(samples(await m.text()).get('vigil_watch_staleness_seconds'), 1.5);
    now += 1000;
    assert.equal(samples(await m.text()).get('vigil_watch_staleness_seconds'), 2.5);
    m.fullSweep(new Date('2026-03-01T12:00:00Z'));
    m.store(false);
    const s = samples(await m.text());
    assert.equal(s.get('vigil_watch_last_full_sweep_timestamp_seconds'), Date.parse('2026-03-01T12:00:00Z') / 1000);
    assert.equal(s.get('vigil_watch_store_ok'), 0);
  });

  it('adds cheap process metrics by default, and nothing to the global registry', async () => {
    const before = await globalRegistry.metrics();
    const a = new WatchMetrics();
    const b = new WatchMetrics();
    a.drift('fail');
    const s = samples(await a.text());
    assert.ok((s.get('process_resident_memory_bytes') ?? 0) > 1e6);
    assert.ok((s.get('process_cpu_seconds_total') ?? 0) > 0);
    assert.ok((s.get('process_start_time_seconds') ?? 0) > 1.6e9);
    assert.ok((s.get('nodejs_heap_used_bytes') ?? 0) > 0);
    assert.equal(samples(await b.text()).get('vigil_watch_drift_events_total{to="fail"}'), undefined, 'registries are separate');
    assert.equal(await globalRegistry.metrics(), before);
    assert.doesNotMatch(before, /vigil_watch_/);
  });
});

/**
 * A watcher's state as a stored scan: `vigil watch --report-to` sends its
 * current rule results (not a whole `vigil.scan/v1` document: a watcher
 * keeps results, not titles and evidence), and the store keeps them as a
 * scan with source `watch`, so a watched host has a latest scan, a trend and
 * a standing per rule like a scanned one.
 */
import type { JsonRule, JsonScan } from '../results/json-report.js';
import { StoreError } from './types.js';

/** What a watcher reports: its results at `time`. */
export interface WatchStateReport {
  readonly time: string;
  readonly content: string;
  readonly profile: string | null;
  /** Rule id → result. */
  readonly rules: Readonly<Record<string, string>>;
  /** Rule id → severity, where the watcher knows it (from its drift events). */
  readonly severities?: Readonly<Record<string, string>>;
  readonly score: number;
}

const COUNT_KEYS = ['pass', 'fail', 'error', 'unknown', 'notapplicable', 'notchecked', 'notselected', 'informational', 'fixed'] as const;

export function checkWatchState(s: unknown): asserts s is WatchStateReport {
  const o = s as WatchStateReport;
  const ok =
    o &&
    typeof o === 'object' &&
    typeof o.time === 'string' &&
    !Number.isNaN(Date.parse(o.time)) &&
    typeof o.content === 'string' &&
    (o.profile === null || typeof o.profile === 'string') &&
    o.rules &&
    typeof o.rules === 'object' &&
    Object.values(o.rules).every((v) => typeof v === 'string') &&
    typeof o.score === 'number';
  if (!ok) throw new StoreError('bad-input', 'a watch state needs time (ISO 8601), content, profile (or null), rules ({rule: result}) and score');
}

/** The state as a `vigil.scan/v1` document (titles are the rule ids; no messages or read sets). */
export function scanFromWatchState(host: string, s: WatchStateReport): JsonScan {
  checkWatchState(s);
  const counts = Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as Record<string, number>;
  const rules = Object.entries(s.rules).map(([id, result]): JsonRule => {
    counts[result] = (counts[result] ?? 0) + 1;
    return {
      id,
      title: id,
      result: result as JsonRule['result'],
      severity: (s.severities?.[id] ?? 'unknown') as JsonRule['severity'],
      weight: 1,
      role: 'full',
      time: s.time,
      groups: [],
      idents: [],
      references: [],
      messages: [],
      check: null,
    };
  });
  return {
    schema: 'vigil.scan/v1',
    testResultId: 'xccdf_org.vigil_testresult_watch',
    benchmark: { id: s.content, title: s.content, version: '', href: s.content },
    profile: s.profile === null ? null : { id: s.profile, title: s.profile },
    contentFile: s.content,
    target: { name: host, addresses: [], facts: [], platforms: [] },
    identity: null,
    testSystem: 'vigil watch',
    startTime: s.time,
    endTime: s.time,
    durationSeconds: null,
    scores: [{ system: 'urn:xccdf:scoring:default', score: s.score, maximum: 100 }],
    counts: counts as JsonScan['counts'],
    values: [],
    rules,
  };
}

/**
 * The results store over SQL: one implementation for SQLite and PostgreSQL
 * (store/db.ts hides the engines, store/schema.ts holds the tables).
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { JsonScan } from '../results/json-report.js';
import type { Db, Param, Row, Sql } from './db.js';
import { TREND_KEEP } from './schema.js';
import {
  DEFAULT_FULL_SCANS_PER_HOST,
  StoreError,
  type DriftListOptions,
  type DriftRecord,
  type HostKey,
  type HostSummary,
  type ResultsStore,
  type RuleAcrossFleet,
  type ScanDiff,
  type ScanListOptions,
  type ScanMeta,
  type ScanSummary,
  type StoreOptions,
  type StoredDrift,
  type StoredScan,
} from './types.js';

/** Result names as small integers in rule_results and rule_state (0 for a name this code does not know). */
export const RESULT_CODES: Readonly<Record<string, number>> = {
  pass: 1,
  fail: 2,
  error: 3,
  unknown: 4,
  notapplicable: 5,
  notchecked: 6,
  notselected: 7,
  informational: 8,
  fixed: 9,
};
const RESULT_NAMES: readonly string[] = ['other', ...Object.keys(RESULT_CODES)];
const resultName = (code: unknown): string => RESULT_NAMES[Number(code)] ?? 'other';
/** Failing first in a rule across the fleet. */
const RESULT_ORDER: Readonly<Record<string, number>> = { fail: 0, error: 1, unknown: 2 };

const CHUNK = 400;
const MAX_SCAN_LIMIT = 1000;
const MAX_DRIFT_LIMIT = 10_000;

/** ISO 8601 in UTC, so that times sort as text in both engines; an unreadable time is kept as given. */
export function normTime(t: string): string {
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? t : new Date(ms).toISOString();
}

const SUMMARY_COLS = `s.id, h.name AS host, s.start_time, s.end_time, s.recorded_at, s.benchmark, s.profile, s.content_file,
  s.score, s.maximum, s.counts, s.rule_count, s.who, s.source, s.duration_ms, s.full_results`;

function summaryOf(r: Row): ScanSummary {
  return {
    id: Number(r.id),
    host: String(r.host),
    startTime: String(r.start_time),
    endTime: String(r.end_time),
    recordedAt: String(r.recorded_at),
    benchmark: String(r.benchmark),
    profile: r.profile == null ? null : String(r.profile),
    contentFile: String(r.content_file),
    score: r.score == null ? null : Number(r.score),
    maximum: r.maximum == null ? null : Number(r.maximum),
    counts: JSON.parse(String(r.counts)) as Record<string, number>,
    rules: Number(r.rule_count),
    who: r.who == null ? null : String(r.who),
    source: String(r.source) as ScanMeta['source'],
    durationMs: r.duration_ms == null ? null : Number(r.duration_ms),
    full: Number(r.full_results) === 1,
  };
}

function driftOf(r: Row): StoredDrift {
  return {
    id: Number(r.id),
    host: String(r.host),
    time: String(r.time),
    rule: String(r.rule),
    from: r.from_result == null ? null : String(r.from_result),
    to: String(r.to_result),
    severity: String(r.severity),
    paths: JSON.parse(String(r.paths)) as string[],
  };
}

function checkScan(scan: JsonScan): void {
  const ok =
    scan &&
    typeof scan === 'object' &&
    scan.schema === 'vigil.scan/v1' &&
    Array.isArray(scan.rules) &&
    typeof scan.startTime === 'string' &&
    typeof scan.endTime === 'string' &&
    scan.benchmark &&
    typeof scan.benchmark.id === 'string' &&
    scan.counts &&
    typeof scan.counts === 'object' &&
    scan.rules.every((r) => r && typeof r.id === 'string' && typeof r.result === 'string');
  if (!ok) throw new StoreError('bad-input', 'not a vigil.scan/v1 document (schema, benchmark, startTime, endTime, counts and rules[].id/result are required)');
}

function checkHostName(name: string): void {
  if (typeof name !== 'string' || name === '' || name.length > 255 || /[\u0000-\u001f]/.test(name)) {
    throw new StoreError('bad-input', `bad host name ${JSON.stringify(name)}: 1-255 characters, no control characters`);
  }
}

const clampLimit = (v: number | undefined, dflt: number, max: number): number =>
  v === undefined || !Number.isFinite(v) || v <= 0 ? dflt : Math.min(Math.floor(v), max);

export class SqlResultsStore implements ResultsStore {
  private readonly ruleIds = new Map<string, number>();
  private readonly keep: number;

  constructor(
    private readonly db: Db,
    opts: StoreOptions = {},
  ) {
    const n = opts.retention?.fullScansPerHost ?? DEFAULT_FULL_SCANS_PER_HOST;
    if (!Number.isInteger(n) || n < 1) throw new StoreError('bad-input', `retention: fullScansPerHost must be a positive integer (got ${n})`);
    this.keep = n;
  }

  get dialect(): Db['dialect'] {
    return this.db.dialect;
  }

  private async hostId(sql: Sql, host: HostKey | string): Promise<number> {
    const key: HostKey = typeof host === 'string' ? { name: host } : host;
    checkHostName(key.name);
    const groups = key.group ? JSON.stringify([...key.group]) : null;
    const os = key.os ?? null;
    const rows = await sql.all<{ id: number }>(
      `INSERT INTO hosts (name, groups, os) VALUES (?, COALESCE(?, '[]'), ?)
       ON CONFLICT (name) DO UPDATE SET groups = COALESCE(?, hosts.groups), os = COALESCE(?, hosts.os)
       RETURNING id`,
      [key.name, groups, os, groups, os],
    );
    return Number(rows[0]!.id);
  }

  /** Rule ids for rule names, interning new ones. */
  private async internRules(sql: Sql, rules: ReadonlyArray<{ id: string; severity: string }>): Promise<number[]> {
    const missing = [...new Map(rules.filter((r) => !this.ruleIds.has(r.id)).map((r) => [r.id, r])).values()];
    for (let i = 0; i < missing.length; i += CHUNK) {
      const part = missing.slice(i, i + CHUNK);
      await sql.run(
        `INSERT INTO rules (rule, severity) VALUES ${part.map(() => '(?, ?)').join(', ')} ON CONFLICT (rule) DO NOTHING`,
        part.flatMap((r) => [r.id, r.severity ?? null]),
      );
      const got = await sql.all<{ id: number; rule: string }>(`SELECT id, rule FROM rules WHERE rule IN (${part.map(() => '?').join(', ')})`, part.map((r) => r.id));
      for (const g of got) this.ruleIds.set(String(g.rule), Number(g.id));
    }
    return rules.map((r) => this.ruleIds.get(r.id)!);
  }

  async recordScan(host: HostKey, scan: JsonScan, meta: ScanMeta): Promise<number> {
    checkScan(scan);
    const evaluated = scan.rules.filter((r) => r.result !== 'notselected');
    // brotli at quality 4: half the size of gzip -6 on scan documents, in two thirds of its time
    const data = brotliCompressSync(JSON.stringify(scan), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } });
    const start = normTime(scan.startTime);
    const score = scan.scores?.[0];
    return this.db.tx(async (sql) => {
      const hid = await this.hostId(sql, host);
      const rows = await sql.all<{ id: number }>(
        `INSERT INTO scans (host_id, start_time, end_time, recorded_at, benchmark, profile, content_file, score, maximum, counts, rule_count, who, source, duration_ms, full_results)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`,
        [
          hid,
          start,
          normTime(scan.endTime),
          new Date().toISOString(),
          scan.benchmark.id,
          scan.profile?.id ?? null,
          String(scan.contentFile ?? ''),
          score ? Number(score.score) : null,
          score ? Number(score.maximum) : null,
          JSON.stringify(scan.counts),
          evaluated.length,
          meta.who ?? null,
          meta.source,
          meta.durationMs ?? (scan.durationSeconds != null ? Math.round(scan.durationSeconds * 1000) : null),
        ],
      );
      const scanId = Number(rows[0]!.id);
      await sql.run('INSERT INTO evidence (scan_id, codec, data) VALUES (?, ?, ?)', [scanId, 'br', data]);
      const ids = await this.internRules(sql, evaluated.map((r) => ({ id: r.id, severity: r.severity })));
      // one row per rule (a rule listed twice keeps its last result)
      const byRule = new Map<number, number>();
      evaluated.forEach((r, i) => byRule.set(ids[i]!, RESULT_CODES[r.result] ?? 0));
      const entries = [...byRule];
      for (let i = 0; i < entries.length; i += CHUNK) {
        const part = entries.slice(i, i + CHUNK);
        await sql.run(`INSERT INTO rule_results (scan_id, rule_id, result) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}`, part.flatMap(([r, c]) => [scanId, r, c]));
      }
      // the host's latest scan, its rule state (only when this scan is the newest: an old scan ingested late changes neither)
      const cur = await sql.all<{ latest_time: string | null; trend: string }>('SELECT latest_time, trend FROM hosts WHERE id = ?', [hid]);
      const isLatest = cur[0]?.latest_time == null || String(cur[0].latest_time) <= start;
      // the recent scores, in time order (a late old scan takes its place), the newest TREND_KEEP
      const trend = JSON.parse(String(cur[0]?.trend ?? '[]')) as Array<{ time: string; score: number | null }>;
      const at = trend.findIndex((t) => t.time > start);
      trend.splice(at < 0 ? trend.length : at, 0, { time: start, score: score ? Number(score.score) : null });
      if (trend.length > TREND_KEEP) trend.splice(0, trend.length - TREND_KEEP);
      await sql.run(
        `UPDATE hosts SET scan_count = scan_count + 1, trend = ?${isLatest ? ', latest_scan = ?, latest_time = ?' : ''} WHERE id = ?`,
        isLatest ? [JSON.stringify(trend), scanId, start, hid] : [JSON.stringify(trend), hid],
      );
      if (isLatest) {
        for (let i = 0; i < entries.length; i += CHUNK) {
          const part = entries.slice(i, i + CHUNK);
          await sql.run(
            `INSERT INTO rule_state (rule_id, host_id, result, since, scan_id) VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')}
             ON CONFLICT (rule_id, host_id) DO UPDATE SET
               since = CASE WHEN rule_state.result = excluded.result THEN rule_state.since ELSE excluded.since END,
               result = excluded.result, scan_id = excluded.scan_id`,
            part.flatMap(([r, c]) => [r, hid, c, start, scanId]),
          );
        }
      }
      await this.prune(sql, hid);
      return scanId;
    });
  }

  /** Drops rule results and evidence of the host's full scans beyond the newest `keep`; their summaries stay. */
  private async prune(sql: Sql, hid: number): Promise<void> {
    const old = await sql.all<{ id: number }>(
      `SELECT id FROM scans WHERE host_id = ? AND full_results = 1 ORDER BY start_time DESC, id DESC ${sql.dialect === 'pg' ? 'LIMIT ALL' : 'LIMIT -1'} OFFSET ?`,
      [hid, this.keep],
    );
    if (old.length === 0) return;
    // a rule state still pointing at a pruned scan keeps its result and since: it only names the scan
    for (let i = 0; i < old.length; i += CHUNK) {
      const ids: Param[] = old.slice(i, i + CHUNK).map((r) => Number(r.id));
      const inList = ids.map(() => '?').join(', ');
      await sql.run(`DELETE FROM rule_results WHERE scan_id IN (${inList})`, ids);
      await sql.run(`DELETE FROM evidence WHERE scan_id IN (${inList})`, ids);
      await sql.run(`UPDATE scans SET full_results = 0 WHERE id IN (${inList})`, ids);
    }
  }

  async recordDrift(host: string, events: readonly DriftRecord[]): Promise<void> {
    if (events.length === 0) return;
    for (const e of events) {
      if (!e || typeof e.rule !== 'string' || typeof e.to !== 'string' || typeof e.time !== 'string' || !Array.isArray(e.paths)) {
        throw new StoreError('bad-input', 'a drift event needs time, rule, to (strings) and paths (an array)');
      }
    }
    await this.db.tx(async (sql) => {
      const hid = await this.hostId(sql, host);
      // a report sent again (its answer was lost) is stored once: an event equal to a stored one of the host is skipped
      const times = events.map((e) => normTime(e.time)).sort();
      const have = await sql.all<{ time: string; rule: string; from_result: string | null; to_result: string }>(
        'SELECT time, rule, from_result, to_result FROM drift WHERE host_id = ? AND time >= ? AND time <= ?',
        [hid, times[0]!, times[times.length - 1]!],
      );
      const key = (t: string, rule: string, from: string | null, to: string): string => JSON.stringify([t, rule, from, to]);
      const seen = new Set(have.map((h) => key(String(h.time), String(h.rule), h.from_result == null ? null : String(h.from_result), String(h.to_result))));
      const fresh = events.filter((e) => {
        const k = key(normTime(e.time), e.rule, e.from ?? null, e.to);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      let last = '';
      for (let i = 0; i < fresh.length; i += CHUNK) {
        const part = fresh.slice(i, i + CHUNK);
        await sql.run(
          `INSERT INTO drift (host_id, time, rule, from_result, to_result, severity, paths) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          part.flatMap((e) => {
            const t = normTime(e.time);
            if (t > last) last = t;
            return [hid, t, e.rule, e.from ?? null, e.to, String(e.severity ?? 'unknown'), JSON.stringify(e.paths.map(String))];
          }),
        );
      }
      if (last !== '') await sql.run('UPDATE hosts SET last_drift = ? WHERE id = ? AND (last_drift IS NULL OR last_drift < ?)', [last, hid, last]);
    });
  }

  async hosts(opts: { readonly trend?: number } = {}): Promise<HostSummary[]> {
    const rows = await this.db.all(
      `SELECT h.name AS host_name, h.groups, h.os, h.scan_count, h.last_drift, h.trend, ${SUMMARY_COLS}
       FROM hosts h LEFT JOIN scans s ON s.id = h.latest_scan ORDER BY h.name`,
    );
    const trend = clampLimit(opts.trend, 0, TREND_KEEP);
    return rows.map((r) => ({
      name: String(r.host_name),
      group: JSON.parse(String(r.groups)) as string[],
      os: r.os == null ? null : String(r.os),
      scans: Number(r.scan_count),
      latest: r.id == null ? null : summaryOf({ ...r, host: r.host_name }),
      lastDrift: r.last_drift == null ? null : String(r.last_drift),
      ...(trend > 0 ? { trend: (JSON.parse(String(r.trend)) as Array<{ time: string; score: number | null }>).slice(-trend) } : {}),
    }));
  }

  async scans(host: string, opts: ScanListOptions = {}): Promise<ScanSummary[]> {
    const limit = clampLimit(opts.limit, 100, MAX_SCAN_LIMIT);
    const before = opts.before !== undefined && Number.isFinite(opts.before) ? Math.floor(opts.before) : null;
    const rows = await this.db.all(
      `SELECT ${SUMMARY_COLS} FROM scans s JOIN hosts h ON h.id = s.host_id
       WHERE h.name = ? ${before !== null ? 'AND s.id < ?' : ''} ORDER BY s.start_time DESC, s.id DESC LIMIT ?`,
      before !== null ? [host, before, limit] : [host, limit],
    );
    return rows.map(summaryOf);
  }

  private async storedScan(where: string, params: Param[]): Promise<StoredScan | undefined> {
    const rows = await this.db.all(
      `SELECT ${SUMMARY_COLS}, e.codec, e.data FROM scans s JOIN hosts h ON h.id = s.host_id LEFT JOIN evidence e ON e.scan_id = s.id WHERE ${where}`,
      params,
    );
    const r = rows[0];
    if (!r) return undefined;
    let document: JsonScan | null = null;
    if (r.data != null) {
      const raw = r.data as Buffer;
      const text = r.codec === 'br' ? brotliDecompressSync(raw) : r.codec === 'gzip' ? gunzipSync(raw) : undefined;
      if (text === undefined) throw new StoreError('open', `scan ${String(r.id)}: unknown evidence codec ${String(r.codec)}`);
      document = JSON.parse(text.toString('utf8')) as JsonScan;
    }
    return { ...summaryOf(r), document };
  }

  scan(id: number): Promise<StoredScan | undefined> {
    if (!Number.isSafeInteger(id)) return Promise.resolve(undefined);
    return this.storedScan('s.id = ?', [id]);
  }

  latest(host: string): Promise<StoredScan | undefined> {
    return this.storedScan('s.id = (SELECT latest_scan FROM hosts WHERE name = ?)', [host]);
  }

  async rule(ruleId: string): Promise<RuleAcrossFleet> {
    const rows = await this.db.all<{ name: string; result: number; since: string; scan_id: number; severity: string | null }>(
      `SELECT h.name, st.result, st.since, st.scan_id, r.severity
       FROM rules r JOIN rule_state st ON st.rule_id = r.id JOIN hosts h ON h.id = st.host_id
       WHERE r.rule = ?`,
      [ruleId],
    );
    const counts: Record<string, number> = {};
    const hosts = rows.map((r) => {
      const result = resultName(r.result);
      counts[result] = (counts[result] ?? 0) + 1;
      return { host: String(r.name), result, since: String(r.since), scanId: Number(r.scan_id) };
    });
    hosts.sort((x, y) => (RESULT_ORDER[x.result] ?? 9) - (RESULT_ORDER[y.result] ?? 9) || x.since.localeCompare(y.since) || x.host.localeCompare(y.host));
    let severity = rows[0]?.severity ?? null;
    if (rows.length === 0) {
      const r = await this.db.all<{ severity: string | null }>('SELECT severity FROM rules WHERE rule = ?', [ruleId]);
      severity = r[0]?.severity ?? null;
    }
    return { rule: ruleId, severity: severity == null ? null : String(severity), counts, hosts };
  }

  async diff(a: number, b: number): Promise<ScanDiff> {
    const sums = new Map<number, ScanSummary>();
    const ids = [a, b].filter((x) => Number.isSafeInteger(x));
    if (ids.length === 2) {
      const rows = await this.db.all(`SELECT ${SUMMARY_COLS} FROM scans s JOIN hosts h ON h.id = s.host_id WHERE s.id IN (?, ?)`, [a, b]);
      for (const r of rows) sums.set(Number(r.id), summaryOf(r));
    }
    for (const x of [a, b]) if (!sums.has(x)) throw new StoreError('not-found', `no scan ${x} in the store`);
    for (const x of [a, b]) {
      const s = sums.get(x)!;
      if (!s.full) throw new StoreError('pruned', `scan ${x} of ${s.host} has only its summary left (retention keeps the last full scans per host)`);
    }
    const rows = await this.db.all<{ scan_id: number; rule: string; result: number; severity: string | null }>(
      `SELECT rr.scan_id, r.rule, rr.result, r.severity FROM rule_results rr JOIN rules r ON r.id = rr.rule_id WHERE rr.scan_id IN (?, ?)`,
      [a, b],
    );
    const ra = new Map<string, { result: string; severity: string }>();
    const rb = new Map<string, { result: string; severity: string }>();
    for (const r of rows) {
      const v = { result: resultName(r.result), severity: String(r.severity ?? 'unknown') };
      if (Number(r.scan_id) === a) ra.set(String(r.rule), v);
      if (Number(r.scan_id) === b) rb.set(String(r.rule), v);
    }
    const changed: Array<{ rule: string; from: string; to: string; severity: string }> = [];
    const onlyA: string[] = [];
    const onlyB: string[] = [];
    for (const [rule, x] of ra) {
      const y = rb.get(rule);
      if (!y) onlyA.push(rule);
      else if (x.result !== y.result) changed.push({ rule, from: x.result, to: y.result, severity: y.severity });
    }
    for (const rule of rb.keys()) if (!ra.has(rule)) onlyB.push(rule);
    changed.sort((x, y) => x.rule.localeCompare(y.rule));
    onlyA.sort();
    onlyB.sort();
    return { a: sums.get(a)!, b: sums.get(b)!, changed, onlyA, onlyB };
  }

  async drift(host: string, opts: DriftListOptions = {}): Promise<StoredDrift[]> {
    const limit = clampLimit(opts.limit, 1000, MAX_DRIFT_LIMIT);
    const since = opts.since ? normTime(opts.since) : null;
    const rows = await this.db.all(
      `SELECT d.*, h.name AS host FROM drift d JOIN hosts h ON h.id = d.host_id
       WHERE h.name = ? ${since ? 'AND d.time >= ?' : ''} ORDER BY d.time DESC, d.id DESC LIMIT ?`,
      since ? [host, since, limit] : [host, limit],
    );
    return rows.map(driftOf);
  }

  async driftAfter(afterId: number, limit = 1000): Promise<StoredDrift[]> {
    const rows = await this.db.all(
      `SELECT d.*, h.name AS host FROM drift d JOIN hosts h ON h.id = d.host_id WHERE d.id > ? ORDER BY d.id LIMIT ?`,
      [Math.max(0, Math.floor(afterId) || 0), clampLimit(limit, 1000, MAX_DRIFT_LIMIT)],
    );
    return rows.map(driftOf);
  }

  /** The highest drift id so far (0 when none): where a new SSE stream starts. */
  async lastDriftId(): Promise<number> {
    const r = await this.db.all<{ m: number | null }>('SELECT MAX(id) AS m FROM drift');
    return Number(r[0]?.m ?? 0);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

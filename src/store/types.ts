/**
 * The results store's vocabulary: plain data and one interface. Every scan
 * (single host, fleet, and `vigil watch`'s states and drift) is recorded
 * through `ResultsStore`; the SQLite and PostgreSQL adapters share one
 * schema (store/schema.ts) and one query layer (store/sql-store.ts).
 */
import type { JsonScan } from '../results/json-report.js';

/** A host as the store knows it: its name is its key. */
export interface HostKey {
  readonly name: string;
  /** Inventory groups, when the scan came from a fleet inventory. */
  readonly group?: readonly string[];
  /** A short OS label (`debian 12`, `ubuntu 22.04`). */
  readonly os?: string;
}

/** Who made a scan and how. */
export interface ScanMeta {
  readonly who?: string;
  readonly source: 'scan' | 'fleet' | 'watch';
  /** Wall time of the whole scan, ms (the document's own start/end times stay as they are). */
  readonly durationMs?: number;
}

/** A rule whose result changed on a host (vigil watch's drift event, as stored). */
export interface DriftRecord {
  readonly time: string;
  readonly rule: string;
  readonly from: string | null;
  readonly to: string;
  readonly severity: string;
  readonly paths: readonly string[];
}

/** A stored drift event with its host and its id (increasing, store-wide). */
export interface StoredDrift extends DriftRecord {
  readonly id: number;
  readonly host: string;
}

/** Result counts: every XCCDF result name, 0 when none. */
export type ResultCounts = Readonly<Record<string, number>>;

/** One scan, without its rule results: what is kept forever (retention keeps summaries). */
export interface ScanSummary {
  readonly id: number;
  readonly host: string;
  /** ISO 8601: the scan's start and end (from the document). */
  readonly startTime: string;
  readonly endTime: string;
  /** When the store recorded it (ISO 8601). */
  readonly recordedAt: string;
  readonly benchmark: string;
  /** The profile's id, or null for the benchmark's default selection. */
  readonly profile: string | null;
  readonly contentFile: string;
  /** The first score system's score and maximum (XCCDF default model), null when the scan had none. */
  readonly score: number | null;
  readonly maximum: number | null;
  readonly counts: ResultCounts;
  readonly rules: number;
  readonly who: string | null;
  readonly source: ScanMeta['source'];
  readonly durationMs: number | null;
  /** False once retention dropped its rule results and evidence (the summary stays). */
  readonly full: boolean;
}

/** A scan with everything: the `vigil.scan/v1` document (rule results, messages, read sets), or null when pruned. */
export interface StoredScan extends ScanSummary {
  readonly document: JsonScan | null;
}

/** A host with its latest scan's summary. */
export interface HostSummary {
  readonly name: string;
  readonly group: readonly string[];
  readonly os: string | null;
  /** How many scans the store has for it (summaries included). */
  readonly scans: number;
  /** The latest scan (by start time), or null for a host only seen through drift. */
  readonly latest: ScanSummary | null;
  /** ISO 8601 of the last drift event, or null. */
  readonly lastDrift: string | null;
  /** Scores of the last `trend` scans, oldest first (only when `hosts({ trend })` asked for them). */
  readonly trend?: ReadonlyArray<{ readonly time: string; readonly score: number | null }>;
}

/** One host's standing on one rule, from its latest scan that evaluated the rule. */
export interface RuleOnHost {
  readonly host: string;
  readonly result: string;
  /** ISO 8601: the start of the first scan of the current unbroken run of this result. */
  readonly since: string;
  readonly scanId: number;
}

/** A rule across the fleet: every host that evaluated it, failing ones first. */
export interface RuleAcrossFleet {
  readonly rule: string;
  readonly severity: string | null;
  readonly counts: ResultCounts;
  readonly hosts: readonly RuleOnHost[];
}

/** What differs between two scans (of one host, or of two). */
export interface ScanDiff {
  readonly a: ScanSummary;
  readonly b: ScanSummary;
  /** Rules in both whose result differs. */
  readonly changed: ReadonlyArray<{ readonly rule: string; readonly from: string; readonly to: string; readonly severity: string }>;
  /** Rules evaluated in only one of them. */
  readonly onlyA: readonly string[];
  readonly onlyB: readonly string[];
}

export interface ScanListOptions {
  /** At most this many, newest first (default 100, at most 1000). */
  readonly limit?: number;
  /** Only scans with an id below this one (paging). */
  readonly before?: number;
}

export interface DriftListOptions {
  /** ISO 8601: only events at or after this time. */
  readonly since?: string;
  /** At most this many, newest first (default 1000, at most 10,000). */
  readonly limit?: number;
}

export interface ResultsStore {
  /** Records a scan; returns its id. Applies retention to the host's older scans. */
  recordScan(host: HostKey, scan: JsonScan, meta: ScanMeta): Promise<number>;
  recordDrift(host: string, events: readonly DriftRecord[]): Promise<void>;
  hosts(opts?: { readonly trend?: number }): Promise<HostSummary[]>;
  scans(host: string, opts?: ScanListOptions): Promise<ScanSummary[]>;
  scan(id: number): Promise<StoredScan | undefined>;
  latest(host: string): Promise<StoredScan | undefined>;
  rule(ruleId: string): Promise<RuleAcrossFleet>;
  /** Throws StoreError (`not-found`, `pruned`) when a scan is missing or has no rule results left. */
  diff(a: number, b: number): Promise<ScanDiff>;
  drift(host: string, opts?: DriftListOptions): Promise<StoredDrift[]>;
  /** Drift events with an id above `afterId`, oldest first (the SSE stream's feed). */
  driftAfter(afterId: number, limit?: number): Promise<StoredDrift[]>;
  /** The highest drift id so far (0 when none): where a live-only event stream starts. */
  lastDriftId(): Promise<number>;
  close(): Promise<void>;
}

export interface StoreOptions {
  readonly retention?: { readonly fullScansPerHost: number };
}

/** Default retention: the last 30 full scans per host (older ones keep their summary). */
export const DEFAULT_FULL_SCANS_PER_HOST = 30;

export type StoreErrorCode = 'open' | 'schema-newer' | 'migration' | 'unavailable' | 'not-found' | 'pruned' | 'bad-input';

/** A store failure with a reason a user can act on. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

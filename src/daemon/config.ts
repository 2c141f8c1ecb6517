/**
 * The watch daemon's config file (`vigil watch --config FILE`), and the
 * policy over time it defines.
 *
 * ```yaml
 * timezone: Europe/Berlin      # IANA zone of the windows' cron expressions (default UTC)
 * intervals: { kernel: 5s, processes: 30s, systemd: 30s, walks: 1h, reconcile: 24h, debounce: 50ms }
 * retention: { events: 100000, days: 90 }
 * webhook: { url: https://…, secret_file: /etc/vigil/webhook.secret, timeout: 10s, max_attempts: 8 }
 * attest: { every: 24h }
 * windows:
 *   - name: read-only-fridays
 *     cron: "0 0 * * 5"        # when the window opens (croner 11 syntax, in `timezone`)
 *     duration: 24h            # how long it stays open
 *     freeze: true             # remediation forbidden
 *     mute: false              # webhook and attestations muted
 *     profile: …               # the profile in force while open
 *     tailoring_file: …        # the tailoring in force while open
 * remediate:                   # the closed loop (daemon/loop.ts); off without this section
 *   rules: [sshd_disable_root_login, "accounts_password_*"]   # ids, short names, globs
 *   severities: [high]         # every rule of these severities
 *   fix_type: bash             # or ansible
 *   rate: { limit: 6, per: 1h, burst: 3 }
 *   breaker: { failures: 3, cooldown: 1h }
 *   flapping: { count: 3, within: 1h, hold: 24h }
 *   only_in: [maintenance]     # windows of this file; any time when absent
 *   timeout: 10m               # one attempt
 *   operator: admin            # the user the guards keep able to log in (default root)
 *   consent: false             # high-disruption and reboot fixes
 *   notify: problems           # all, problems or none
 * ```
 *
 * Every key is optional except a window's name, cron and duration. An
 * unknown key is an error naming it and its line; a value of the wrong type
 * or out of range is an error naming its key. Durations are one integer and
 * one unit: `500ms`, `5s`, `10m`, `1h`, `1d`. Relative paths are resolved
 * against the config file's directory. Anchors and aliases are read, but at
 * most 100 alias expansions (a "billion laughs" document is refused).
 *
 * Policy: a window is open at an instant when its most recent start (the
 * last cron match at or before it, in `timezone`) is less than `duration`
 * ago. Of the open windows, mute and freeze are OR-ed, and for the profile
 * and the tailoring the last one in the file that sets it wins. Durations
 * are elapsed time: a 24h window that spans a DST change lasts 24 real hours.
 * A start that does not exist (02:30 on the day clocks go forward) opens the
 * window at the first instant after the gap; one that happens twice (when
 * they go back) opens it once, at the first.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Cron } from 'croner';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { SEVERITIES } from '../remediation/filter.js';
import { DEFAULT_REMEDIATION, type NotifyLevel, type RemediationConfig } from './loop-policy.js';
import { checkWebhookUrl } from './notify.js';
import type { PolicyState, Retention } from './types.js';

export interface WatchIntervals {
  /** Polling of the kernel values rules read (`/proc/sys`). */
  readonly kernelMs: number;
  /** Polling of processes and interfaces. */
  readonly processesMs: number;
  /** Polling of systemd units where there is no bus. */
  readonly systemdMs: number;
  /** Whole-filesystem walks (world-writable, unowned files). */
  readonly walksMs: number;
  /** The full reconcile sweep. */
  readonly reconcileMs: number;
  /** How long a burst of changes is gathered before re-evaluation. */
  readonly debounceMs: number;
}

export interface WebhookConfig {
  readonly url: string;
  /** A file holding the HMAC secret (readSecretFile). */
  readonly secretFile?: string;
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
}

export interface PolicyWindow {
  readonly name: string;
  /** A croner 11 pattern (5 or 6 fields, or a nickname such as @daily). */
  readonly cron: string;
  readonly durationMs: number;
  readonly freeze: boolean;
  readonly mute: boolean;
  readonly profile?: string;
  readonly tailoringFile?: string;
}

export interface WatchConfig {
  /** The file it was read from, when read from one. */
  readonly file?: string;
  /** IANA time zone of the windows. */
  readonly timezone: string;
  readonly intervals: WatchIntervals;
  readonly retention: Retention;
  readonly webhook?: WebhookConfig;
  /** Periodic attestations; none when absent. */
  readonly attest?: { readonly everyMs: number };
  readonly windows: readonly PolicyWindow[];
  /** The closed loop; off when absent. */
  readonly remediate?: RemediationConfig;
}

export const DEFAULT_INTERVALS: WatchIntervals = {
  kernelMs: 5_000,
  processesMs: 30_000,
  systemdMs: 30_000,
  walksMs: 3_600_000,
  reconcileMs: 86_400_000,
  debounceMs: 50,
};

export const DEFAULT_RETENTION: Retention = { maxEvents: 100_000, maxAgeDays: 90 };

/** The config in force without a config file. */
export const DEFAULT_WATCH_CONFIG: WatchConfig = {
  timezone: 'UTC',
  intervals: DEFAULT_INTERVALS,
  retention: DEFAULT_RETENTION,
  windows: [],
};

/** A config that cannot be used, with where and which key. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly key?: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${message}`);
    this.name = 'ConfigError';
  }
}

const MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** The longest a Node timer can wait (24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Bounds of each duration, ms. */
const BOUNDS = {
  kernel: [100, MS.d],
  processes: [100, MS.d],
  systemd: [100, MS.d],
  walks: [MS.m, MAX_TIMER_MS],
  reconcile: [MS.m, MAX_TIMER_MS],
  debounce: [1, MS.m],
  duration: [MS.s, 366 * MS.d],
  every: [MS.s, MAX_TIMER_MS],
  timeout: [100, 5 * MS.m],
  per: [MS.s, 366 * MS.d],
  cooldown: [MS.s, 366 * MS.d],
  within: [MS.s, 366 * MS.d],
  hold: [MS.s, 366 * MS.d],
  attempt: [MS.s, MS.d],
} as const;

/** `500ms`, `5s`, `10m`, `1h`, `1d` → ms; undefined when it is not of that form. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,12})(ms|s|m|h|d)$/.exec(text);
  return m ? Number(m[1]) * MS[m[2] as keyof typeof MS] : undefined;
}

function showDuration(ms: number): string {
  for (const [unit, f] of [['d', MS.d], ['h', MS.h], ['m', MS.m], ['s', MS.s]] as const) {
    if (ms >= f && ms % f === 0) return `${ms / f}${unit}`;
  }
  return ms >= MS.d ? `${(ms / MS.d).toFixed(1)}d` : `${ms}ms`;
}

/** The most a config file may hold. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export function loadWatchConfig(file: string): WatchConfig {
  return parseWatchConfig(readBounded(file, MAX_CONFIG_BYTES, 'config', false), file);
}

export function parseWatchConfig(text: string, file: string): WatchConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const line = (offset: number | undefined): number | undefined => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const first = doc.errors[0];
  if (first) throw new ConfigError(`not valid YAML: ${first.message.split('\n')[0]}`, file, line(first.pos[0]));
  try {
    // Expands every alias once, with the cap: a document built to explode is refused here.
    doc.toJS({ maxAliasCount: 100, mapAsMap: true });
  } catch (e) {
    throw new ConfigError(`refused: ${(e as Error).message}`, file);
  }
  return new Reader(doc, file, line).config();
}

type Line = (offset: number | undefined) => number | undefined;

/** Reads the document's nodes against the schema, keeping the lines for the errors. */
class Reader {
  private readonly base: string;

  constructor(
    private readonly doc: Document,
    private readonly file: string,
    private readonly line: Line,
  ) {
    this.base = dirname(resolve(file));
  }

  config(): WatchConfig {
    const root = this.node(this.doc.contents);
    if (root === null || (isScalar(root) && root.value === null)) return { ...DEFAULT_WATCH_CONFIG, file: this.file };
    const top = this.map(root, '', ['timezone', 'intervals', 'retention', 'webhook', 'attest', 'windows', 'remediate']);
    const timezone = top.has('timezone') ? this.timezone(top.get('timezone')!, 'timezone') : 'UTC';
    const intervals = top.has('intervals') ? this.intervals(top.get('intervals')!) : DEFAULT_INTERVALS;
    const retention = top.has('retention') ? this.retention(top.get('retention')!) : DEFAULT_RETENTION;
    const webhook = top.has('webhook') ? this.webhook(top.get('webhook')!) : undefined;
    let attest: WatchConfig['attest'];
    if (top.has('attest')) {
      const a = this.map(top.get('attest')!, 'attest', ['every']);
      attest = { everyMs: this.required(a, 'attest', 'every', top.get('attest')!, (n, k) => this.duration(n, k, BOUNDS.every)) };
    }
    const windows = top.has('windows') ? this.windows(top.get('windows')!, timezone) : [];
    const remediate = top.has('remediate') ? this.remediate(top.get('remediate')!, windows) : undefined;
    return {
      file: this.file,
      timezone,
      intervals,
      retention,
      ...(webhook ? { webhook } : {}),
      ...(attest ? { attest } : {}),
      windows,
      ...(remediate ? { remediate } : {}),
    };
  }

  private remediate(n: YamlNode, windows: readonly PolicyWindow[]): RemediationConfig {
    const k = 'remediate';
    const m = this.map(n, k, ['rules', 'severities', 'fix_type', 'rate', 'breaker', 'flapping', 'only_in', 'timeout', 'operator', 'consent', 'notify']);
    const D = DEFAULT_REMEDIATION;
    const rules = m.has('rules') ? this.strings(m.get('rules')!, `${k}.rules`) : [];
    const severities = m.has('severities') ? this.strings(m.get('severities')!, `${k}.severities`) : [];
    severities.forEach((sv, i) => {
      if (!(SEVERITIES as readonly string[]).includes(sv)) this.fail(m.get('severities')!, `${k}.severities[${i}]`, `must be one of ${SEVERITIES.join(', ')}, not ${JSON.stringify(sv)}`);
    });
    if (rules.length === 0 && severities.length === 0) this.fail(n, k, 'needs rules or severities: without them nothing is remediated (leave the section out to turn the loop off)');
    const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
      if (!m.has(key)) return fallback;
      const v = this.string(m.get(key)!, `${k}.${key}`);
      if (!(allowed as readonly string[]).includes(v)) this.fail(m.get(key)!, `${k}.${key}`, `must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`);
      return v as T;
    };
    let rate = D.rate;
    if (m.has('rate')) {
      const r = this.map(m.get('rate')!, `${k}.rate`, ['limit', 'per', 'burst']);
      rate = {
        limit: r.has('limit') ? this.integer(r.get('limit')!, `${k}.rate.limit`, 1, 1_000_000) : D.rate.limit,
        perMs: r.has('per') ? this.duration(r.get('per')!, `${k}.rate.per`, BOUNDS.per) : D.rate.perMs,
        burst: r.has('burst') ? this.integer(r.get('burst')!, `${k}.rate.burst`, 1, 1000) : D.rate.burst,
      };
    }
    let breaker = D.breaker;
    if (m.has('breaker')) {
      const b = this.map(m.get('breaker')!, `${k}.breaker`, ['failures', 'cooldown']);
      breaker = {
        failures: b.has('failures') ? this.integer(b.get('failures')!, `${k}.breaker.failures`, 1, 1000) : D.breaker.failures,
        cooldownMs: b.has('cooldown') ? this.duration(b.get('cooldown')!, `${k}.breaker.cooldown`, BOUNDS.cooldown) : D.breaker.cooldownMs,
      };
    }
    let flapping = D.flapping;
    if (m.has('flapping')) {
      const f = this.map(m.get('flapping')!, `${k}.flapping`, ['count', 'within', 'hold']);
      flapping = {
        count: f.has('count') ? this.integer(f.get('count')!, `${k}.flapping.count`, 1, 1000) : D.flapping.count,
        withinMs: f.has('within') ? this.duration(f.get('within')!, `${k}.flapping.within`, BOUNDS.within) : D.flapping.withinMs,
        holdMs: f.has('hold') ? this.duration(f.get('hold')!, `${k}.flapping.hold`, BOUNDS.hold) : D.flapping.holdMs,
      };
    }
    const onlyIn = m.has('only_in') ? this.strings(m.get('only_in')!, `${k}.only_in`) : [];
    onlyIn.forEach((w, i) => {
      if (!windows.some((x) => x.name === w)) this.fail(m.get('only_in')!, `${k}.only_in[${i}]`, `names no window of this file: ${w} (windows: ${windows.map((x) => x.name).join(', ') || 'none'})`);
    });
    const operator = m.has('operator') ? this.string(m.get('operator')!, `${k}.operator`) : D.operator;
    if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/.test(operator)) this.fail(m.get('operator')!, `${k}.operator`, `is not a user name: ${JSON.stringify(operator)}`);
    return {
      rules,
      severities,
      fixType: oneOf('fix_type', ['bash', 'ansible'] as const, D.fixType),
      rate,
      breaker,
      flapping,
      onlyIn,
      timeoutMs: m.has('timeout') ? this.duration(m.get('timeout')!, `${k}.timeout`, BOUNDS.attempt) : D.timeoutMs,
      operator,
      consent: m.has('consent') ? this.boolean(m.get('consent')!, `${k}.consent`) : D.consent,
      notify: oneOf<NotifyLevel>('notify', ['all', 'problems', 'none'], D.notify),
    };
  }

  /** A list of non-empty strings (a single string is a list of one). */
  private strings(n: YamlNode, key: string): string[] {
    const seq = this.node(n);
    if (isScalar(seq)) return [this.string(n, key)];
    if (!isSeq(seq)) this.fail(n, key, 'must be a list of strings');
    return seq.items.map((item, i) => this.string(item as YamlNode, `${key}[${i}]`));
  }

  private intervals(n: YamlNode): WatchIntervals {
    const keys = ['kernel', 'processes', 'systemd', 'walks', 'reconcile', 'debounce'] as const;
    const m = this.map(n, 'intervals', keys);
    const get = (k: (typeof keys)[number], fallback: number): number => (m.has(k) ? this.duration(m.get(k)!, `intervals.${k}`, BOUNDS[k]) : fallback);
    return {
      kernelMs: get('kernel', DEFAULT_INTERVALS.kernelMs),
      processesMs: get('processes', DEFAULT_INTERVALS.processesMs),
      systemdMs: get('systemd', DEFAULT_INTERVALS.systemdMs),
      walksMs: get('walks', DEFAULT_INTERVALS.walksMs),
      reconcileMs: get('reconcile', DEFAULT_INTERVALS.reconcileMs),
      debounceMs: get('debounce', DEFAULT_INTERVALS.debounceMs),
    };
  }

  private retention(n: YamlNode): Retention {
    const m = this.map(n, 'retention', ['events', 'days']);
    return {
      maxEvents: m.has('events') ? this.integer(m.get('events')!, 'retention.events', 1, 1e9) : DEFAULT_RETENTION.maxEvents,
      maxAgeDays: m.has('days') ? this.integer(m.get('days')!, 'retention.days', 1, 36_500) : DEFAULT_RETENTION.maxAgeDays,
    };
  }

  private webhook(n: YamlNode): WebhookConfig {
    const m = this.map(n, 'webhook', ['url', 'secret_file', 'timeout', 'max_attempts']);
    const url = this.required(m, 'webhook', 'url', n, (v, k) => {
      const s = this.string(v, k);
      try {
        checkWebhookUrl(s);
      } catch (e) {
        this.fail(v, k, (e as Error).message);
      }
      return s;
    });
    return {
      url,
      ...(m.has('secret_file') ? { secretFile: this.path(m.get('secret_file')!, 'webhook.secret_file') } : {}),
      ...(m.has('timeout') ? { timeoutMs: this.duration(m.get('timeout')!, 'webhook.timeout', BOUNDS.timeout) } : {}),
      ...(m.has('max_attempts') ? { maxAttempts: this.integer(m.get('max_attempts')!, 'webhook.max_attempts', 1, 100) } : {}),
    };
  }

  private windows(n: YamlNode, timezone: string): PolicyWindow[] {
    const seq = this.node(n);
    if (!isSeq(seq)) this.fail(n, 'windows', 'must be a list of windows');
    const names = new Set<string>();
    return seq.items.map((item, i) => {
      const key = `windows[${i}]`;
      const node = item as YamlNode;
      const m = this.map(node, key, ['name', 'cron', 'duration', 'freeze', 'mute', 'profile', 'tailoring_file']);
      const name = this.required(m, key, 'name', node, (v, k) => {
        const s = this.string(v, k);
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s)) this.fail(v, k, 'must be 1 to 64 letters, digits, dots, dashes or underscores');
        if (names.has(s)) this.fail(v, k, `names a window already named: ${s}`);
        names.add(s);
        return s;
      });
      const cron = this.required(m, key, 'cron', node, (v, k) => {
        const s = this.string(v, k);
        if (s.includes(':')) this.fail(v, k, 'must be a cron pattern (one-off dates are not supported)');
        let cron: Cron;
        try {
          cron = new Cron(s, { timezone, paused: true });
        } catch (e) {
          this.fail(v, k, `is not a valid cron pattern: ${(e as Error).message}`);
        }
        const now = new Date();
        if (cron.nextRun(now) === null && cron.previousRuns(1, now).length === 0) this.fail(v, k, `never matches a date: ${s}`);
        return s;
      });
      const durationMs = this.required(m, key, 'duration', node, (v, k) => this.duration(v, k, BOUNDS.duration));
      const w: PolicyWindow = {
        name,
        cron,
        durationMs,
        freeze: m.has('freeze') ? this.boolean(m.get('freeze')!, `${key}.freeze`) : false,
        mute: m.has('mute') ? this.boolean(m.get('mute')!, `${key}.mute`) : false,
        ...(m.has('profile') ? { profile: this.string(m.get('profile')!, `${key}.profile`) } : {}),
        ...(m.has('tailoring_file') ? { tailoringFile: this.path(m.get('tailoring_file')!, `${key}.tailoring_file`) } : {}),
      };
      return w;
    });
  }

  // ---- typed values

  private timezone(n: YamlNode, key: string): string {
    const s = this.string(n, key);
    if (!validTimezone(s)) this.fail(n, key, `is not an IANA time zone: ${s}`);
    return s;
  }

  private duration(n: YamlNode, key: string, [min, max]: readonly [number, number]): number {
    const v = this.scalar(n, key, 'a duration such as 500ms, 5s, 10m, 1h or 1d');
    if (typeof v === 'number') this.fail(n, key, `needs a unit: ${v} what? (ms, s, m, h or d, e.g. ${v}s)`);
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined) this.fail(n, key, `must be a duration such as 500ms, 5s, 10m, 1h or 1d, not ${JSON.stringify(v)}`);
    if (ms === 0) this.fail(n, key, 'must not be zero');
    if (ms < min || ms > max) this.fail(n, key, `must be between ${showDuration(min)} and ${showDuration(max)}, not ${v}`);
    return ms;
  }

  private integer(n: YamlNode, key: string, min: number, max: number): number {
    const v = this.scalar(n, key, 'a whole number');
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(n, key, `must be a whole number, not ${JSON.stringify(v)}`);
    if (v < min || v > max) this.fail(n, key, `must be between ${min} and ${max}, not ${v}`);
    return v;
  }

  private boolean(n: YamlNode, key: string): boolean {
    const v = this.scalar(n, key, 'true or false');
    if (typeof v !== 'boolean') this.fail(n, key, `must be true or false, not ${JSON.stringify(v)}`);
    return v;
  }

  private string(n: YamlNode, key: string): string {
    const v = this.scalar(n, key, 'a string');
    if (typeof v !== 'string' || v.trim() === '') this.fail(n, key, `must be a non-empty string, not ${JSON.stringify(v)}`);
    return v;
  }

  private path(n: YamlNode, key: string): string {
    const s = this.string(n, key);
    if (s.includes('\0')) this.fail(n, key, 'must not contain a NUL');
    return resolve(this.base, s);
  }

  // ---- structure

  private node(n: unknown): YamlNode | null {
    if (n === null || n === undefined) return null;
    if (isAlias(n)) return (n.resolve(this.doc) as YamlNode | undefined) ?? null;
    return n as YamlNode;
  }

  private scalar(n: YamlNode, key: string, what: string): unknown {
    const v = this.node(n);
    if (!isScalar(v)) this.fail(n, key, `must be ${what}, not a ${isMap(v) ? 'mapping' : isSeq(v) ? 'list' : 'nothing'}`);
    return v.value;
  }

  /** The mapping's values by key; an unknown key is an error naming it and its line. */
  private map(n: YamlNode, key: string, allowed: readonly string[]): Map<string, YamlNode> {
    const m = this.node(n);
    if (!isMap(m)) this.fail(n, key || 'the config', 'must be a mapping (key: value)');
    const out = new Map<string, YamlNode>();
    for (const pair of m.items) {
      const k = this.node(pair.key);
      const name = isScalar(k) ? String(k.value) : undefined;
      const where = key ? `${key}.${name ?? '?'}` : (name ?? '?');
      if (name === undefined || !allowed.includes(name)) {
        this.fail(pair.key as YamlNode, where, `unknown key ${JSON.stringify(name ?? '?')}${key ? ` in ${key}` : ''} (known: ${allowed.join(', ')})`, true);
      }
      // `key:` with nothing after it is a null scalar; it is kept so that its type is checked.
      out.set(name, (pair.value as YamlNode | null) ?? (pair.key as YamlNode));
    }
    return out;
  }

  private required<T>(m: Map<string, YamlNode>, key: string, name: string, at: YamlNode, read: (n: YamlNode, key: string) => T): T {
    const n = m.get(name);
    if (n === undefined) this.fail(at, `${key}.${name}`, `${key || 'the config'} needs ${name}`, true);
    return read(n, `${key}.${name}`);
  }

  /** Throws a ConfigError at the node's line: `<key> <message>`, or the message alone when `bare`. */
  private fail(n: YamlNode | null | undefined, key: string, message: string, bare = false): never {
    const offset = n && 'range' in n && Array.isArray(n.range) ? (n.range[0] as number) : undefined;
    throw new ConfigError(bare ? message : `${key} ${message}`, this.file, this.line(offset), key);
  }
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// ---- policy over time

const schedules = new WeakMap<PolicyWindow, { tz: string; cron: Cron }>();

function schedule(w: PolicyWindow, tz: string): Cron {
  const s = schedules.get(w);
  if (s && s.tz === tz) return s.cron;
  const cron = new Cron(w.cron, { timezone: tz, paused: true });
  schedules.set(w, { tz, cron });
  return cron;
}

/** The window's most recent start at or before `at` (cron runs fall on whole seconds). */
function lastStart(w: PolicyWindow, tz: string, at: number): number | undefined {
  const ref = new Date(Math.floor(at / 1000) * 1000 + 1000);
  const [prev] = schedule(w, tz).previousRuns(1, ref);
  return prev ? prev.getTime() : undefined;
}

function isOpen(w: PolicyWindow, tz: string, at: number): { open: boolean; start?: number } {
  const start = lastStart(w, tz, at);
  return start !== undefined && at - start < w.durationMs ? { open: true, start } : { open: false };
}

/** The policy in force at `date`. */
export function policyAt(config: WatchConfig, date: Date): PolicyState {
  const at = date.getTime();
  const windows: string[] = [];
  let mute = false;
  let freeze = false;
  let profile: string | undefined;
  let tailoringFile: string | undefined;
  for (const w of config.windows) {
    if (!isOpen(w, config.timezone, at).open) continue;
    windows.push(w.name);
    mute ||= w.mute;
    freeze ||= w.freeze;
    if (w.profile !== undefined) profile = w.profile;
    if (w.tailoringFile !== undefined) tailoringFile = w.tailoringFile;
  }
  return {
    windows,
    ...(profile !== undefined ? { profile } : {}),
    ...(tailoringFile !== undefined ? { tailoringFile } : {}),
    mute,
    freeze,
  };
}

export function samePolicy(a: PolicyState, b: PolicyState): boolean {
  return (
    a.mute === b.mute &&
    a.freeze === b.freeze &&
    a.profile === b.profile &&
    a.tailoringFile === b.tailoringFile &&
    a.windows.length === b.windows.length &&
    a.windows.every((w, i) => w === b.windows[i])
  );
}

/**
 * The first instant after `date` at which the policy differs from the one
 * at `date` (a window opens or closes), or undefined when it never changes.
 * A window that re-opens while still open changes nothing and is passed
 * over. After 1000 such instants in a row the last one is returned, for the
 * caller to ask again then. The result may be further away than a timer can
 * wait (24.8 days): wait in steps.
 */
export function nextPolicyChange(config: WatchConfig, date: Date): Date | undefined {
  if (config.windows.length === 0) return undefined;
  const now = policyAt(config, date);
  let at = date.getTime();
  for (let step = 0; step < 1000; step++) {
    let next = Infinity;
    for (const w of config.windows) {
      const opening = schedule(w, config.timezone).nextRun(new Date(at));
      if (opening) next = Math.min(next, opening.getTime());
      const o = isOpen(w, config.timezone, at);
      if (o.open) next = Math.min(next, o.start! + w.durationMs);
    }
    if (next === Infinity) return undefined;
    if (!samePolicy(now, policyAt(config, new Date(next))) || step === 999) return new Date(next);
    at = next;
  }
  return undefined;
}

// ---- secrets

/** The most a secret file may hold. */
const MAX_SECRET_BYTES = 64 * 1024;

/**
 * Reads a secret (the webhook's HMAC key; a token) from a file: a regular
 * file, not readable or writable by group or others (chmod 600), not empty,
 * at most 64 KiB; surrounding white space (the final newline) is dropped.
 */
export function readSecretFile(path: string): string {
  const secret = readBounded(path, MAX_SECRET_BYTES, 'secret file', true).trim();
  if (secret === '') throw new ConfigError('the secret file is empty', path);
  return secret;
}

/**
 * A regular file's text, at most `max` bytes, opened without blocking (a
 * FIFO or a device is refused at once, not waited on); with `secret`, a
 * file open to group or others is refused.
 */
function readBounded(path: string, max: number, what: string, secret: boolean): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new ConfigError(`cannot open the ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ConfigError(`the ${what} is not a regular file`, path);
    if (secret && (st.mode & 0o077) !== 0) {
      throw new ConfigError(`the ${what} is open to group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 it`, path);
    }
    const tooLarge = `the ${what} is larger than ${max} bytes`;
    if (st.size > max) throw new ConfigError(tooLarge, path);
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += r;
    if (n > max) throw new ConfigError(tooLarge, path);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

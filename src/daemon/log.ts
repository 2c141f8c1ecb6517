/**
 * The daemon's structured log (`--log-format text|json`), on stderr.
 *
 * - json: one object a line, `{"time":"…Z","level":"info","msg":"…",…fields}`;
 * - text: `2026-12-05T23:45:00.000Z info msg key=value key2="a b"`.
 *
 * Fields named like a secret (token, secret, password, authorization, …),
 * at any depth, are written as "[redacted]". In text mode every control
 * character (and the bidirectional overrides) is removed from what is
 * printed, so a file name or a server's answer cannot forge a log line or
 * drive the terminal; in JSON mode they are escaped. Logging never throws.
 */
import type { Logger } from './types.js';

export type LogFormat = 'text' | 'json';
type Level = 'info' | 'warn' | 'error';

/** Where lines go: process.stderr, or anything with a `write(string)`. */
export interface LogStream {
  write(chunk: string): unknown;
}

export interface LoggerOptions {
  /** The clock for the `time` field (tests). */
  readonly now?: () => Date;
}

const SECRET_KEY = /token|secret|passw(or)?d|authori[sz]ation|api[-_]?key|cookie|credential|private[-_]?key/i;
const REDACTED = '[redacted]';
/** The keys every line has; a field of that name is written with a leading underscore. */
const RESERVED = new Set(['time', 'level', 'msg']);
/** C0 and C1 controls, DEL, and the bidi embeddings, overrides and isolates. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw but a terminal or a line-based reader may act on. */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** True when a field of this name is redacted. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** The text with every control character removed. */
export function stripControl(text: string): string {
  return text.replace(CONTROL, '');
}

export function createLogger(format: LogFormat, stream: LogStream = process.stderr, options: LoggerOptions = {}): Logger {
  const now = options.now ?? (() => new Date());
  const line = format === 'json' ? jsonLine : textLine;
  const log = (level: Level, msg: string, fields?: Readonly<Record<string, unknown>>): void => {
    try {
      stream.write(line(now().toISOString(), level, msg, fields ?? {}));
    } catch {
      // A log line that cannot be written (a closed stderr, a value that
      // cannot be shown) must not take the daemon down.
    }
  };
  return {
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
  };
}

function jsonLine(time: string, level: Level, msg: string, fields: Readonly<Record<string, unknown>>): string {
  const out: Record<string, unknown> = { time, level, msg };
  for (const [k, v] of Object.entries(fields)) out[RESERVED.has(k) ? `_${k}` : k] = v;
  const text = JSON.stringify(out, replacer());
  return `${text.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

function textLine(time: string, level: Level, msg: string, fields: Readonly<Record<string, unknown>>): string {
  let text = `${time} ${level} ${stripControl(msg)}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const key = stripControl(k).replace(/[\s=]/g, '_') || '_';
    text += ` ${key}=${textValue(isSecretKey(k) ? REDACTED : v)}`;
  }
  return `${text}\n`;
}

function textValue(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === null) s = String(v);
  else if (v instanceof Error) s = errorText(v);
  else if (v instanceof Date) s = Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  else s = JSON.stringify(v, replacer()) ?? String(v);
  s = stripControl(s);
  return s === '' || /[\s="\\]/.test(s) ? JSON.stringify(s) : s;
}

function errorText(e: Error): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? `${e.message} (${code})` : e.message;
}

/** A JSON.stringify replacer: redacts secret-named keys, shows errors and bigints, cuts cycles. */
function replacer(): (this: unknown, key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return function (key, value) {
    if (key !== '' && isSecretKey(key) && value !== undefined) return REDACTED;
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) {
      const code = (value as { code?: unknown }).code;
      return typeof code === 'string' ? { message: value.message, code } : { message: value.message };
    }
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[circular]';
      seen.add(value);
    }
    return value;
  };
}

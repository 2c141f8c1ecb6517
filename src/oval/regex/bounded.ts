/**
 * Matching of content-supplied patterns, bounded in time and memory, never
 * blocking the main thread. V8 backtracks without limit where PCRE stops
 * at its match limit, so every match is bounded by one of two means:
 *
 * - cost.ts bounds, by construction, what V8 can spend on a pattern for an
 *   input of length n. A match whose bound is within SYNC_BUDGET steps (a
 *   few milliseconds at most) runs at once, synchronously: a walk's filters
 *   judge hundreds of thousands of short names this way, without a promise
 *   each.
 * - Every other match (a repeat or an alternation under a repeat, a long
 *   input: the content of a file) runs in a worker thread, one at a time,
 *   each with a deadline; a match that runs out of time has its worker
 *   terminated (a new one takes the next match) and answers `'timeout'`.
 *   The worker's heap is capped; a worker that dies answers `'error'`. A
 *   pattern that timed out TIMEOUTS_BEFORE_GIVING_UP times answers
 *   `'timeout'` at once on inputs as long, so a walk over many hostile
 *   names does not wait for each.
 *
 * Every match, wherever it runs, collects at most MAX_MATCHES matches and
 * MAX_CAPTURED_CHARS characters of captured text; past either it answers
 * `'too-many'`. Callers turn every failure into an error of their item,
 * object or variable (an undecided match is never "no match"); a filter
 * whose state cannot be decided filters nothing out, as oscap.
 *
 * Comparisons are synchronous where they can be (compare.ts, engine.ts): a
 * test whose answer the worker gave recently is answered at once from a
 * bounded cache, so a comparison that had to wait simply runs again. A
 * comparison that needs more worker answers at once than the cache holds
 * would wait for ever: callers give up after MAX_MATCH_WAITS rounds and
 * answer error.
 */
import { Worker } from 'node:worker_threads';
import { Lru } from '../lru.js';
import { costOf, longestWithin } from './cost.js';

/** A match's deadline in the worker, before the time its input's length adds (deadlineFor); oscap's PCRE match limit answers in about 0.4 s. */
export const DEFAULT_REGEX_TIMEOUT_MS = 500;

/** After this many timeouts, a pattern's next matches in the worker, on inputs at least as long as the shortest that timed out, answer `'timeout'` at once (a walk over many hostile names). */
export const TIMEOUTS_BEFORE_GIVING_UP = 3;

/** How long a new worker may take to start before its match fails as an error (not a timeout: the pattern is not to blame). */
const WORKER_START_MS = 30_000;

/** The deadline for an input of `length` characters: 0.5 s, and 1 ms more per 50,000 characters (a linear pass over 128 MiB takes a few hundred ms). */
export function deadlineFor(length: number): number {
  return DEFAULT_REGEX_TIMEOUT_MS + Math.ceil(length / 50_000);
}

/** How many times one comparison waits for the worker before it answers error (each wait brings one answer into the cache). */
export const MAX_MATCH_WAITS = 64;

/** The bound (cost.ts steps) under which a match runs synchronously. */
export const SYNC_BUDGET = 10_000_000;

/** At most this many matches of one pattern in one input (textfilecontent54's instances). */
export const MAX_MATCHES = 100_000;

/** At most this many characters of captured text (whole matches and groups) from one input. */
export const MAX_CAPTURED_CHARS = 32 * 1024 * 1024;

/** The worker's heap (MiB): a match that needs more kills its worker, and answers error. */
export const WORKER_HEAP_MB = 1024;

/** Why a match has no answer: out of time, too many matches or too much captured text, or the worker failed. */
export type MatchFailure = 'timeout' | 'too-many' | 'error';
export type TestAnswer = boolean | MatchFailure;
/** A match as its capture array, groups that took no part as null. */
export type Captures = Array<string | null>;
/** Every match. */
export type MatchesAnswer = Captures[] | MatchFailure;
/** The first match, or null. */
export type FirstAnswer = Captures | null | MatchFailure;

export function isFailure(a: unknown): a is MatchFailure {
  return a === 'timeout' || a === 'too-many' || a === 'error';
}

/** What a failure means, for an item's or object's message. */
export function failureText(f: MatchFailure, pattern: string, subject: string, timeoutMs = DEFAULT_REGEX_TIMEOUT_MS): string {
  const p = JSON.stringify(pattern);
  switch (f) {
    case 'timeout':
      return `matching pattern ${p} against ${subject} was given up after ${timeoutMs} ms (catastrophic backtracking)`;
    case 'too-many':
      return `matching pattern ${p} against ${subject} found more than ${MAX_MATCHES} matches or ${MAX_CAPTURED_CHARS} characters of captured text`;
    case 'error':
      return `matching pattern ${p} against ${subject} failed in the regex worker`;
  }
}

/**
 * A match that could not be decided, thrown where a boolean was expected
 * (a walk's name test, an object entity): its object is an error.
 */
export class UndecidedMatch extends Error {
  constructor(
    readonly failure: MatchFailure,
    readonly pattern: string,
    subject: string,
  ) {
    super(failureText(failure, pattern, subject));
    this.name = 'UndecidedMatch';
  }
}

const limits = new WeakMap<RegExp, number>();

/** The longest input `re` is matched against on the main thread (-1: none; Infinity: any). */
export function syncLimit(re: RegExp): number {
  let n = limits.get(re);
  if (n === undefined) {
    n = longestWithin(costOf(re.source, re.flags), SYNC_BUDGET);
    limits.set(re, n);
  }
  return n;
}

/** True when no input, however short, is matched against `re` on the main thread. */
export function mayBacktrackBadly(re: RegExp): boolean {
  return syncLimit(re) < 0;
}

/** Whether `input` is matched against `re` at once. */
function atOnce(re: RegExp, input: string): boolean {
  return input.length <= syncLimit(re);
}

type Kind = 'test' | 'all' | 'first';

interface Request {
  readonly id: number;
  readonly source: string;
  readonly flags: string;
  readonly input: string;
  readonly kind: Kind;
  readonly maxMatches: number;
  readonly maxChars: number;
}

/**
 * The matching itself, the same on both sides: this function's source is
 * the worker's (it must use nothing from outside it).
 */
function runMatch(req: Omit<Request, 'id'>): { ok: true; value: unknown } | { ok: false; failure: MatchFailure } {
  const { source, flags, input, kind, maxMatches, maxChars } = req;
  try {
    if (kind === 'test') {
      const re = new RegExp(source, flags.replace('g', ''));
      return { ok: true, value: re.test(input) };
    }
    const nullish = (m: RegExpExecArray): Array<string | null> => Array.from(m, (x) => (x === undefined ? null : x));
    if (kind === 'first') {
      const re = new RegExp(source, flags.replace('g', ''));
      const m = re.exec(input);
      return { ok: true, value: m ? nullish(m) : null };
    }
    const re = new RegExp(source, flags.includes('g') ? flags : `${flags}g`);
    const out: Array<Array<string | null>> = [];
    let chars = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(input)) !== null) {
      for (const g of m) if (g !== undefined) chars += g.length;
      if (out.length >= maxMatches || chars > maxChars) return { ok: false, failure: 'too-many' };
      out.push(nullish(m));
      if (m[0] === '') re.lastIndex++;
      if (re.lastIndex > input.length) break;
    }
    return { ok: true, value: out };
  } catch {
    // V8's backtracking stack overflowed, or the pattern does not compile
    return { ok: false, failure: 'error' };
  }
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const __name = (f) => f; // what a transpiler that keeps names wraps functions in
const runMatch = ${runMatch.toString()};
parentPort.on('message', (req) => parentPort.postMessage({ id: req.id, ...runMatch(req) }));
`;

interface Job extends Request {
  readonly timeoutMs: number;
  readonly done: (answer: unknown) => void;
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly failure?: MatchFailure;
}

/**
 * One worker thread, one match at a time, in order. The worker holds the
 * process open only while it has a match to do.
 */
export class RegexWorker {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private running: { readonly job: Job; timer: NodeJS.Timeout | undefined } | undefined;
  /** Whether the current worker has started running. */
  private online = false;
  private nextId = 1;
  /** Workers started so far (one more after each timeout). */
  started = 0;
  /** Timeouts per pattern (flags/source), and the shortest input that timed out: a pattern that ran out of time often is given up at once on inputs as long. */
  private readonly timeouts = new Lru<string, { count: number; shortest: number }>(256);

  private givenUp(job: Job): boolean {
    const t = this.timeouts.get(`${job.flags}/${job.source}`);
    return t !== undefined && t.count >= TIMEOUTS_BEFORE_GIVING_UP && job.input.length >= t.shortest;
  }

  run(re: RegExp, input: string, kind: Kind, timeoutMs: number, maxMatches = MAX_MATCHES, maxChars = MAX_CAPTURED_CHARS): Promise<unknown> {
    return new Promise((done) => {
      this.queue.push({ id: this.nextId++, source: re.source, flags: re.flags, input, kind, maxMatches, maxChars, timeoutMs, done });
      if (!this.running) this.next();
    });
  }

  private ensure(): Worker {
    if (!this.worker) {
      const w = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
      this.started++;
      this.online = false;
      // a match's deadline counts from the moment its worker runs: a worker's start (a new
      // Node environment) can take longer than a deadline on a loaded machine
      w.once('online', () => {
        if (w !== this.worker) return;
        this.online = true;
        this.armDeadline(w);
      });
      w.on('message', (m: Reply) => this.reply(w, m));
      // a worker that dies (out of memory, say) fails its match; the next match gets a new one
      w.on('error', () => this.fail(w, 'error'));
      w.on('exit', () => this.fail(w, 'error'));
      this.worker = w;
    }
    return this.worker;
  }

  private next(): void {
    let job: Job | undefined;
    while ((job = this.queue.shift()) && this.givenUp(job)) job.done('timeout');
    if (!job) {
      this.worker?.unref();
      return;
    }
    const w = this.ensure();
    w.ref();
    this.running = { job, timer: undefined };
    if (this.online) this.armDeadline(w);
    else this.running.timer = setTimeout(() => this.fail(w, 'error'), WORKER_START_MS);
    const { id, source, flags, input, kind, maxMatches, maxChars } = job;
    const req: Request = { id, source, flags, input, kind, maxMatches, maxChars };
    w.postMessage(req);
  }

  /** Starts the running match's deadline (replacing the bound on its worker's start). */
  private armDeadline(w: Worker): void {
    const r = this.running;
    if (!r) return;
    clearTimeout(r.timer);
    r.timer = setTimeout(() => this.fail(w, 'timeout'), r.job.timeoutMs);
  }

  private reply(w: Worker, m: Reply): void {
    const r = this.running;
    if (w !== this.worker || !r || r.job.id !== m.id) return;
    clearTimeout(r.timer);
    this.running = undefined;
    r.job.done(m.ok ? m.value : (m.failure ?? 'error'));
    this.next();
  }

  /** The running match fails: its worker is terminated and forgotten, and the next match starts on a new one. */
  private fail(w: Worker, why: MatchFailure): void {
    if (w !== this.worker) return;
    this.worker = undefined;
    w.removeAllListeners();
    void w.terminate();
    const r = this.running;
    this.running = undefined;
    if (r) {
      clearTimeout(r.timer);
      if (why === 'timeout') {
        const key = `${r.job.flags}/${r.job.source}`;
        const t = this.timeouts.get(key);
        this.timeouts.set(key, { count: (t?.count ?? 0) + 1, shortest: Math.min(t?.shortest ?? Infinity, r.job.input.length) });
      }
      r.job.done(why);
    }
    this.next();
  }
}

let shared: RegexWorker | undefined;

/** The process's regex worker (made on first use). */
export function regexWorker(): RegexWorker {
  return (shared ??= new RegexWorker());
}

const ids = new WeakMap<RegExp, number>();
let lastId = 0;
const idOf = (re: RegExp): number => {
  let id = ids.get(re);
  if (id === undefined) ids.set(re, (id = ++lastId));
  return id;
};

/** Inputs up to this length are keys of the answer cache; a longer one is kept in `long` (a handful), by reference. */
const KEYED_INPUT = 4096;

/** Answers of the worker's tests, so that a comparison that waited for one finds it when it runs again. */
const answers = new Lru<string, TestAnswer>(1024);
/** The same for long inputs, compared by identity first: a key would copy the input. */
const long: Array<{ readonly re: RegExp; readonly input: string; readonly answer: TestAnswer }> = [];
const LONG_KEPT = 8;
/** Tests under way, so that the same one is asked once. */
const asked = new Map<string, Promise<TestAnswer>>();

function remembered(re: RegExp, input: string, key: string | undefined): TestAnswer | undefined {
  if (key !== undefined) return answers.get(key);
  return long.find((x) => x.re === re && x.input === input)?.answer;
}

function remember(re: RegExp, input: string, key: string | undefined, answer: TestAnswer): void {
  if (key !== undefined) answers.set(key, answer);
  else {
    long.push({ re, input, answer });
    if (long.length > LONG_KEPT) long.shift();
  }
}

/**
 * `re.test(input)`: at once when the bound allows, or when the worker
 * answered the same test recently; otherwise a promise of the worker's
 * answer (`'timeout'` past the deadline).
 */
export function boundedTest(re: RegExp, input: string, timeoutMs = deadlineFor(input.length)): TestAnswer | Promise<TestAnswer> {
  if (atOnce(re, input)) {
    re.lastIndex = 0;
    try {
      return re.test(input);
    } catch {
      return 'error';
    }
  }
  const key = input.length <= KEYED_INPUT ? `${idOf(re)}\0${input}` : undefined;
  const known = remembered(re, input, key);
  if (known !== undefined) return known;
  let p = key !== undefined ? asked.get(key) : undefined;
  if (!p) {
    p = regexWorker()
      .run(re, input, 'test', timeoutMs)
      .then((a) => {
        const answer = a as TestAnswer;
        remember(re, input, key, answer);
        if (key !== undefined) asked.delete(key);
        return answer;
      });
    if (key !== undefined) asked.set(key, p);
  }
  return p;
}

export interface MatchLimits {
  readonly timeoutMs?: number;
  readonly maxMatches?: number;
  readonly maxChars?: number;
}

/** Every match (at most `maxMatches`, `maxChars` of captured text): at once when the bound allows, otherwise a promise of the worker's answer. */
export function boundedMatchAll(re: RegExp, input: string, lim: MatchLimits = {}): MatchesAnswer | Promise<MatchesAnswer> {
  const maxMatches = lim.maxMatches ?? MAX_MATCHES;
  const maxChars = lim.maxChars ?? MAX_CAPTURED_CHARS;
  if (!atOnce(re, input)) return regexWorker().run(re, input, 'all', lim.timeoutMs ?? deadlineFor(input.length), maxMatches, maxChars) as Promise<MatchesAnswer>;
  const r = runMatch({ source: re.source, flags: re.flags, input, kind: 'all', maxMatches, maxChars });
  return r.ok ? (r.value as Captures[]) : r.failure;
}

/** The first match (`re.exec`), or null: at once when the bound allows, otherwise a promise of the worker's answer. */
export function boundedFirst(re: RegExp, input: string, timeoutMs = deadlineFor(input.length)): FirstAnswer | Promise<FirstAnswer> {
  const req = { source: re.source, flags: re.flags, input, kind: 'first' as const, maxMatches: MAX_MATCHES, maxChars: MAX_CAPTURED_CHARS };
  if (!atOnce(re, input)) return regexWorker().run(re, input, 'first', timeoutMs) as Promise<FirstAnswer>;
  const r = runMatch(req);
  return r.ok ? (r.value as Captures | null) : r.failure;
}

/** Forgets every worker answer kept (for tests: a comparison whose answers are pushed out before it can use them). */
export function forgetRegexAnswers(): void {
  answers.clear();
  long.length = 0;
}

/** How many worker answers are kept (for tests of the bound). */
export const REGEX_ANSWERS_KEPT = answers.capacity;

/** The number of worker answers kept now. */
export function regexAnswersKept(): number {
  return answers.size;
}

/**
 * Regular-expression matching that never blocks the main thread. V8
 * backtracks exponentially on patterns like `([\w,-@]+)+` (PCRE gives up
 * with a match limit error instead), so:
 *
 * - a pattern without nested repeats (nearly all of them, and every one a
 *   walk's filters judge on each of hundreds of thousands of entries) is
 *   matched at once, synchronously, at full speed;
 * - a pattern that could backtrack catastrophically is matched in a worker
 *   thread, and the answer is a promise. The worker takes one match at a
 *   time, each with a deadline; a match that runs out of time has its worker
 *   terminated (a new one takes the next match) and answers `'timeout'`,
 *   which callers turn into an OVAL error.
 *
 * Comparisons are synchronous where they can be (compare.ts, engine.ts): a
 * test whose answer the worker gave recently is answered at once from a
 * bounded cache, so a comparison that had to wait simply runs again. A
 * comparison that needs more risky answers at once than the cache holds
 * (over a thousand distinct risky patterns for one item; SSG's content has
 * a few dozen in all) would wait for ever: callers give up after
 * MAX_MATCH_WAITS rounds and answer error.
 */
import { Worker } from 'node:worker_threads';
import { Lru } from '../lru.js';

export const DEFAULT_REGEX_TIMEOUT_MS = 2000;

/** How many times one comparison waits for the worker before it answers error (each wait brings one answer into the cache). */
export const MAX_MATCH_WAITS = 64;

/** Why a match has no answer: out of time, or the worker failed. */
export type MatchFailure = 'timeout' | 'error';
export type TestAnswer = boolean | MatchFailure;
/** Every match as its capture array, groups that took no part as null. */
export type MatchesAnswer = Array<Array<string | null>> | MatchFailure;

/** Nested unbounded repeats, the shape of every catastrophic pattern: a repeated group that itself repeats. */
const NESTED_REPEAT = /\((?:[^()\\[]|\\.|\[(?:[^\]\\]|\\.)*\])*[+*](?:[^()\\[]|\\.|\[(?:[^\]\\]|\\.)*\])*\)(?:[+*]|\{\d+,\})/;

const backtracks = new WeakMap<RegExp, boolean>();

export function mayBacktrackBadly(re: RegExp): boolean {
  let b = backtracks.get(re);
  if (b === undefined) {
    b = NESTED_REPEAT.test(re.source);
    backtracks.set(re, b);
  }
  return b;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, source, flags, input, all }) => {
  let result;
  try {
    const re = new RegExp(source, all ? (flags.includes('g') ? flags : flags + 'g') : flags.replace('g', ''));
    if (!all) result = { id, ok: true, value: re.test(input) };
    else {
      const out = [];
      let m;
      while ((m = re.exec(input)) !== null) {
        out.push(Array.from(m, (x) => (x === undefined ? null : x)));
        if (m[0] === '') re.lastIndex++;
        if (re.lastIndex > input.length) break;
      }
      result = { id, ok: true, value: out };
    }
  } catch (e) {
    result = { id, ok: false, error: String((e && e.message) || e) };
  }
  parentPort.postMessage(result);
});
`;

interface Job {
  readonly id: number;
  readonly source: string;
  readonly flags: string;
  readonly input: string;
  readonly all: boolean;
  readonly timeoutMs: number;
  readonly done: (answer: unknown) => void;
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
}

/**
 * One worker thread, one match at a time, in order. The worker holds the
 * process open only while it has a match to do.
 */
export class RegexWorker {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private running: { readonly job: Job; readonly timer: NodeJS.Timeout } | undefined;
  private nextId = 1;
  /** Workers started so far (one more after each timeout). */
  started = 0;

  run(re: RegExp, input: string, all: boolean, timeoutMs: number): Promise<unknown> {
    return new Promise((done) => {
      this.queue.push({ id: this.nextId++, source: re.source, flags: re.flags, input, all, timeoutMs, done });
      if (!this.running) this.next();
    });
  }

  private ensure(): Worker {
    if (!this.worker) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      this.started++;
      w.on('message', (m: Reply) => this.reply(w, m));
      // a worker that dies (out of memory, say) fails its match; the next match gets a new one
      w.on('error', () => this.fail(w, 'error'));
      w.on('exit', () => this.fail(w, 'error'));
      this.worker = w;
    }
    return this.worker;
  }

  private next(): void {
    const job = this.queue.shift();
    if (!job) {
      this.worker?.unref();
      return;
    }
    const w = this.ensure();
    w.ref();
    const timer = setTimeout(() => this.fail(w, 'timeout'), job.timeoutMs);
    this.running = { job, timer };
    const { id, source, flags, input, all } = job;
    w.postMessage({ id, source, flags, input, all });
  }

  private reply(w: Worker, m: Reply): void {
    const r = this.running;
    if (w !== this.worker || !r || r.job.id !== m.id) return;
    clearTimeout(r.timer);
    this.running = undefined;
    r.job.done(m.ok ? m.value : 'error');
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

/** Answers of risky tests, so that a comparison that waited for one finds it when it runs again. */
const answers = new Lru<string, TestAnswer>(1024);
/** Risky tests under way, so that the same one is asked once. */
const asked = new Map<string, Promise<TestAnswer>>();

/**
 * `re.test(input)`: at once for a safe pattern, or when the worker answered
 * the same test recently; otherwise a promise of the worker's answer,
 * `'timeout'` past the deadline.
 */
export function boundedTest(re: RegExp, input: string, timeoutMs = DEFAULT_REGEX_TIMEOUT_MS): TestAnswer | Promise<TestAnswer> {
  if (!mayBacktrackBadly(re)) {
    re.lastIndex = 0;
    return re.test(input);
  }
  const key = `${re.flags}/${re.source}\0${input}`;
  const known = answers.get(key);
  if (known !== undefined) return known;
  let p = asked.get(key);
  if (!p) {
    p = regexWorker()
      .run(re, input, false, timeoutMs)
      .then((a) => {
        const answer = a as TestAnswer;
        answers.set(key, answer);
        asked.delete(key);
        return answer;
      });
    asked.set(key, p);
  }
  return p;
}

/** Every match: at once for a safe pattern, otherwise a promise of the worker's answer. */
export function boundedMatchAll(re: RegExp, input: string, timeoutMs = DEFAULT_REGEX_TIMEOUT_MS): MatchesAnswer | Promise<MatchesAnswer> {
  if (mayBacktrackBadly(re)) return regexWorker().run(re, input, true, timeoutMs) as Promise<MatchesAnswer>;
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  const out: Array<Array<string | null>> = [];
  let m: RegExpExecArray | null;
  while ((m = g.exec(input)) !== null) {
    out.push(Array.from(m, (x) => (x === undefined ? null : x)));
    if (m[0] === '') g.lastIndex++;
    if (g.lastIndex > input.length) break;
  }
  return out;
}

/** How many risky answers are kept (for tests of the bound). */
export const REGEX_ANSWERS_KEPT = answers.capacity;

/** The number of risky answers kept now. */
export function regexAnswersKept(): number {
  return answers.size;
}

/**
 * Regular-expression matching with a time bound. V8 backtracks
 * exponentially on patterns like `([\w,-@]+)+` (PCRE gives up with a match
 * limit error instead), so a pattern that could backtrack catastrophically
 * runs in a worker thread: the caller blocks on Atomics.wait for at most the
 * time limit, then takes the answer synchronously with receiveMessageOnPort.
 * A match that runs out of time kills the worker and reports "timeout", which
 * the caller turns into an OVAL error. Patterns without nested repeats run
 * directly, at full speed.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

export const DEFAULT_REGEX_TIMEOUT_MS = 2000;

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
const { parentPort, workerData } = require('node:worker_threads');
const signal = new Int32Array(workerData.signal);
parentPort.on('message', ({ port, source, flags, input, all }) => {
  let result;
  try {
    const re = new RegExp(source, all ? (flags.includes('g') ? flags : flags + 'g') : flags.replace('g', ''));
    if (!all) result = { ok: true, value: re.test(input) };
    else {
      const out = [];
      let m;
      while ((m = re.exec(input)) !== null) {
        out.push(Array.from(m, (x) => (x === undefined ? null : x)));
        if (m[0] === '') re.lastIndex++;
        if (re.lastIndex > input.length) break;
      }
      result = { ok: true, value: out };
    }
  } catch (e) {
    result = { ok: false, error: String(e && e.message || e) };
  }
  port.postMessage(result);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
`;

class RegexWorker {
  private worker: Worker | undefined;
  private signal = new Int32Array(new SharedArrayBuffer(4));

  private ensure(): Worker {
    if (!this.worker) {
      this.signal = new Int32Array(new SharedArrayBuffer(4));
      this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { signal: this.signal.buffer } });
      this.worker.unref();
    }
    return this.worker;
  }

  run<T>(re: RegExp, input: string, all: boolean, timeoutMs: number): { value: T } | 'timeout' {
    const w = this.ensure();
    const { port1, port2 } = new MessageChannel();
    Atomics.store(this.signal, 0, 0);
    w.postMessage({ port: port2, source: re.source, flags: re.flags, input, all }, [port2 as MessagePort]);
    const waited = Atomics.wait(this.signal, 0, 0, timeoutMs);
    if (waited === 'timed-out') {
      void w.terminate();
      this.worker = undefined;
      port1.close();
      return 'timeout';
    }
    const msg = receiveMessageOnPort(port1)?.message as { ok: boolean; value?: T; error?: string } | undefined;
    port1.close();
    if (!msg) return 'timeout';
    if (!msg.ok) throw new Error(msg.error);
    return { value: msg.value as T };
  }
}

let shared: RegexWorker | undefined;

/** `re.test(input)`, bounded in time when the pattern could backtrack badly. */
export function boundedTest(re: RegExp, input: string, timeoutMs = DEFAULT_REGEX_TIMEOUT_MS): boolean | 'timeout' {
  if (!mayBacktrackBadly(re)) {
    re.lastIndex = 0;
    return re.test(input);
  }
  shared ??= new RegexWorker();
  const r = shared.run<boolean>(re, input, false, timeoutMs);
  return r === 'timeout' ? r : r.value;
}

/** Every match (as capture arrays, undefined groups as null), bounded in time when needed. */
export function boundedMatchAll(re: RegExp, input: string, timeoutMs = DEFAULT_REGEX_TIMEOUT_MS): Array<Array<string | null>> | 'timeout' {
  if (!mayBacktrackBadly(re)) {
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
  shared ??= new RegexWorker();
  const r = shared.run<Array<Array<string | null>>>(re, input, true, timeoutMs);
  return r === 'timeout' ? r : r.value;
}

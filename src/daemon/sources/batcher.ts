/**
 * Debouncing of change reports: events are collected until `debounceMs`
 * pass without one, or `maxDebounceMs` after the first, then delivered as
 * one deduplicated ChangeBatch. One timer, re-armed only when it fires, so a
 * storm of events costs a Set insertion each.
 */
import { performance } from 'node:perf_hooks';
import type { InputRead } from '../../target/reads.js';
import type { ChangeBatch } from '../types.js';

export interface BatchTiming {
  readonly debounceMs: number;
  readonly maxDebounceMs: number;
}

export class Batcher {
  private paths = new Set<string>();
  private dirs = new Set<string>();
  private inputs = new Map<string, InputRead>();
  private walks = new Set<string>();
  private full: string | undefined;
  private first = 0;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly timing: BatchTiming,
    private readonly deliver: (batch: ChangeBatch) => void,
    /** Called before a batch is taken, to add what is found only then (a watched directory gone). */
    private readonly prepare: () => void = () => {},
  ) {}

  get pending(): boolean {
    return this.timer !== undefined;
  }

  path(p: string): void {
    this.paths.add(p);
    this.touch();
  }

  dir(d: string): void {
    this.dirs.add(d);
    this.touch();
  }

  input(i: InputRead): void {
    this.inputs.set(`${i.kind}\0${i.key}`, i);
    this.touch();
  }

  /** A scheduled walk is due again. */
  walk(start: string): void {
    this.walks.add(start);
    this.touch();
  }

  fullRescan(reason: string): void {
    this.full ??= reason;
    this.touch();
  }

  private touch(): void {
    if (this.closed) return;
    const now = performance.now();
    this.last = now;
    if (this.timer === undefined) {
      this.first = now;
      this.arm(this.timing.debounceMs);
    }
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.fire(), Math.max(0, ms));
    this.timer.unref();
  }

  private fire(): void {
    const now = performance.now();
    const quietAt = this.last + this.timing.debounceMs;
    const latest = this.first + this.timing.maxDebounceMs;
    if (now < quietAt && now < latest) {
      this.arm(Math.min(quietAt, latest) - now);
      return;
    }
    this.timer = undefined;
    this.flush();
  }

  /** Delivers what is collected now (nothing when empty). */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.prepare();
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.paths.size === 0 && this.dirs.size === 0 && this.inputs.size === 0 && this.walks.size === 0 && this.full === undefined) return;
    const batch: ChangeBatch = {
      paths: [...this.paths].sort(),
      dirs: [...this.dirs].sort(),
      inputs: [...this.inputs.values()].sort((a, b) => (a.kind === b.kind ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.kind < b.kind ? -1 : 1)),
      ...(this.walks.size > 0 ? { walks: [...this.walks].sort() } : {}),
      ...(this.full !== undefined ? { full: this.full } : {}),
    };
    this.walks = new Set();
    this.paths = new Set();
    this.dirs = new Set();
    this.inputs = new Map();
    this.full = undefined;
    this.deliver(batch);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

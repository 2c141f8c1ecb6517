/**
 * Which read sets a change touches, fast: the index `vigil watch` keeps over
 * the read set of every rule, to re-evaluate only the rules whose inputs
 * changed. A change is a list of target paths (changed, created or removed),
 * directories whose entries changed in ways the event did not name, and
 * non-file inputs.
 *
 * A changed path `p` touches a read set when
 * - `p` was read or examined, or a path below `p` was (a directory removed
 *   or renamed takes everything below it along);
 * - a walk started at `p` or below it;
 * - a walk above `p` reached `p`'s level (readsPath's rule: entries down to
 *   `depth + 1` levels below the start).
 * A changed directory touches everything read in or under it. An input
 * touches the read sets with an input of the same kind and key, where `*`
 * on either side matches every key.
 */
import { splitPath } from './target.js';
import type { InputKind, InputRead, ReadSet } from './reads.js';

export interface ReadChange {
  readonly paths: readonly string[];
  readonly dirs?: readonly string[];
  readonly inputs?: readonly InputRead[];
  /** Walk starts whose walks are due again (a schedule): every read set with a walk from there. */
  readonly walks?: readonly string[];
}

export interface AffectedOptions {
  /**
   * Walks from these starts are not matched by changed paths and
   * directories: they are re-run on a schedule instead (`ReadChange.walks`),
   * because watching or re-walking them on every change would cost too much.
   */
  readonly scheduledWalks?: ReadonlySet<string>;
}

const norm = (p: string): string => (p.length > 1 && p.endsWith('/') ? p.replace(/\/+$/, '') : p);

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first index in sorted `list` whose value is ≥ `v`. */
function lowerBound(list: readonly string[], v: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class ReadIndex<K> {
  /** Exact path → keys that read it. */
  private readonly byPath = new Map<string, Set<K>>();
  /** Walk start → keys, with the depth each walked. */
  private readonly byWalk = new Map<string, Array<{ key: K; depth: number }>>();
  /** Input kind → key within the kind → keys. */
  private readonly byInput = new Map<InputKind, Map<string, Set<K>>>();
  /** Every path and walk start, sorted, for "below this directory" lookups. */
  private sorted: string[] | undefined;
  private readonly sets = new Map<K, ReadSet>();

  constructor(entries: Iterable<readonly [K, ReadSet]> = []) {
    for (const [k, r] of entries) this.set(k, r);
  }

  get size(): number {
    return this.sets.size;
  }

  /** The read set recorded for `key`. */
  get(key: K): ReadSet | undefined {
    return this.sets.get(key);
  }

  keys(): IterableIterator<K> {
    return this.sets.keys();
  }

  /** Records (or replaces) the read set of `key`. */
  set(key: K, reads: ReadSet): void {
    if (this.sets.has(key)) this.delete(key);
    this.sets.set(key, reads);
    for (const p of reads.paths) this.bucket(this.byPath, norm(p)).add(key);
    for (const w of reads.walks) {
      const s = norm(w.start);
      let l = this.byWalk.get(s);
      if (!l) this.byWalk.set(s, (l = []));
      l.push({ key, depth: w.depth });
    }
    for (const i of reads.inputs) {
      let m = this.byInput.get(i.kind);
      if (!m) this.byInput.set(i.kind, (m = new Map()));
      this.bucket(m, i.key).add(key);
    }
    this.sorted = undefined;
  }

  delete(key: K): void {
    const reads = this.sets.get(key);
    if (!reads) return;
    this.sets.delete(key);
    for (const p of reads.paths) this.drop(this.byPath, norm(p), key);
    for (const w of reads.walks) {
      const s = norm(w.start);
      const l = this.byWalk.get(s)?.filter((e) => e.key !== key);
      if (l && l.length > 0) this.byWalk.set(s, l);
      else this.byWalk.delete(s);
    }
    for (const i of reads.inputs) {
      const m = this.byInput.get(i.kind);
      if (m) this.drop(m, i.key, key);
    }
    this.sorted = undefined;
  }

  /**
   * The keys a change touches, each with what touched it: the changed
   * paths (and directories) as given, inputs as `kind:key`.
   */
  affected(change: ReadChange, opts: AffectedOptions = {}): Map<K, Set<string>> {
    const scheduled = opts.scheduledWalks;
    const out = new Map<K, Set<string>>();
    const hit = (k: K, cause: string): void => {
      let s = out.get(k);
      if (!s) out.set(k, (s = new Set()));
      s.add(cause);
    };
    for (const raw of [...change.paths, ...(change.dirs ?? [])]) {
      if (!raw.startsWith('/')) continue;
      const p = norm(raw);
      for (const k of this.byPath.get(p) ?? []) hit(k, p);
      if (!scheduled?.has(p)) for (const e of this.byWalk.get(p) ?? []) hit(e.key, p);
      // what was read below p (p removed or renamed, or a directory event without a name)
      for (const q of this.below(p)) {
        for (const k of this.byPath.get(q) ?? []) hit(k, p);
        if (!scheduled?.has(q)) for (const e of this.byWalk.get(q) ?? []) hit(e.key, p);
      }
      // walks above p that reached its level
      const parts = splitPath(p);
      for (let n = parts.length - 1; n >= 0; n--) {
        const start = n === 0 ? '/' : `/${parts.slice(0, n).join('/')}`;
        const levels = parts.length - n;
        if (scheduled?.has(start)) continue;
        for (const e of this.byWalk.get(start) ?? []) if (e.depth < 0 || levels <= e.depth + 1) hit(e.key, p);
      }
    }
    for (const raw of change.walks ?? []) {
      const start = norm(raw);
      for (const e of this.byWalk.get(start) ?? []) hit(e.key, `walk:${start}`);
    }
    for (const i of change.inputs ?? []) {
      const m = this.byInput.get(i.kind);
      if (!m) continue;
      const cause = `${i.kind}:${i.key}`;
      if (i.key === '*') {
        for (const set of m.values()) for (const k of set) hit(k, cause);
      } else {
        for (const k of m.get(i.key) ?? []) hit(k, cause);
        for (const k of m.get('*') ?? []) hit(k, cause);
      }
    }
    return out;
  }

  /** The recorded paths and walk starts strictly below directory `dir`. */
  private below(dir: string): string[] {
    if (!this.sorted) this.sorted = [...new Set([...this.byPath.keys(), ...this.byWalk.keys()])].sort(compare);
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const out: string[] = [];
    for (let i = lowerBound(this.sorted, prefix); i < this.sorted.length; i++) {
      const q = this.sorted[i]!;
      if (!q.startsWith(prefix)) break;
      if (q !== dir) out.push(q);
    }
    return out;
  }

  private bucket<T>(m: Map<string, Set<T>>, k: string): Set<T> {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    return s;
  }

  private drop<T>(m: Map<string, Set<T>>, k: string, v: T): void {
    const s = m.get(k);
    if (!s) return;
    s.delete(v);
    if (s.size === 0) m.delete(k);
  }
}

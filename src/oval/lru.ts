/**
 * A bounded cache that forgets the least recently used entry first. The
 * engine's process-wide caches (compiled patterns, regex answers, owner
 * entities) are LRUs, so that a scanner that runs for days holds at most
 * `capacity` entries of each, whatever it has scanned.
 *
 * A Map keeps insertion order: a hit is moved to the end by deleting and
 * re-inserting it, and the first key is the least recently used.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`an LRU needs a capacity of at least 1, not ${capacity}`);
  }

  get size(): number {
    return this.map.size;
  }

  /** The value, marked as the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Stores the value as the most recently used, forgetting the least recently used entry beyond the capacity. */
  set(key: K, value: V): this {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
    return this;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  /** The keys, least recently used first. */
  keys(): IterableIterator<K> {
    return this.map.keys();
  }
}

/** Lookup tables over a benchmark: items, values, profiles and clusters by id. */
import type { Benchmark, Group, Item, Profile, Rule, Value } from './types.js';

export interface BenchmarkIndex {
  readonly benchmark: Benchmark;
  readonly rules: ReadonlyMap<string, Rule>;
  readonly groups: ReadonlyMap<string, Group>;
  readonly values: ReadonlyMap<string, Value>;
  readonly profiles: ReadonlyMap<string, Profile>;
  /** cluster-id → the items that carry it. */
  readonly clusters: ReadonlyMap<string, readonly Item[]>;
  /** Each item's parent group (absent for top-level items). */
  readonly parents: ReadonlyMap<string, Group>;
  /** Rules in benchmark order. */
  readonly ruleOrder: readonly Rule[];
}

const cache = new WeakMap<Benchmark, BenchmarkIndex>();

export function indexBenchmark(benchmark: Benchmark): BenchmarkIndex {
  const hit = cache.get(benchmark);
  if (hit) return hit;
  const rules = new Map<string, Rule>();
  const groups = new Map<string, Group>();
  const values = new Map<string, Value>();
  const clusters = new Map<string, Item[]>();
  const parents = new Map<string, Group>();
  const ruleOrder: Rule[] = [];
  for (const v of benchmark.values) values.set(v.id, v);
  const walk = (items: ReadonlyArray<Item>, parent: Group | undefined): void => {
    for (const it of items) {
      if (parent) parents.set(it.id, parent);
      if (it.clusterId !== undefined) {
        const list = clusters.get(it.clusterId) ?? [];
        list.push(it);
        clusters.set(it.clusterId, list);
      }
      if (it.kind === 'rule') {
        rules.set(it.id, it);
        ruleOrder.push(it);
      } else {
        groups.set(it.id, it);
        for (const v of it.values) values.set(v.id, v);
        walk(it.children, it);
      }
    }
  };
  walk(benchmark.children, undefined);
  const index: BenchmarkIndex = {
    benchmark,
    rules,
    groups,
    values,
    profiles: new Map(benchmark.profiles.map((p) => [p.id, p])),
    clusters,
    parents,
    ruleOrder,
  };
  cache.set(benchmark, index);
  return index;
}

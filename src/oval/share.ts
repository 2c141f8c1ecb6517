/**
 * What the OVAL sessions of one scan share. An XCCDF scan evaluates several
 * OVAL documents against one target, each in its own engine: the CPE
 * dictionary's checks, the benchmark's checks, and a second session of the
 * same document when check-exports bind its external variables differently.
 * Sharing one `CollectionShare` among those engines means:
 *
 * - probe services (the file locator and its walks, file contents, the
 *   package database) are built once per scan, not once per document;
 * - an object is collected once per scan when its collection depends on
 *   nothing but the target: the same family, type, entities, behaviors and
 *   filter states (whatever their ids) give the same items, so a second
 *   engine that meets an object of the same shape takes the first one's
 *   items and numbers them in its own system characteristics.
 *
 * An object that uses a variable, in an entity or through a filter's state,
 * is collected by each engine itself: its values may come from that
 * session's external variables.
 */
import type { OvalDefinitions, OvalEntity, OvalObject } from '../model/oval/types.js';
import type { CollectionFlag } from './result.js';
import type { ReadSet } from '../target/reads.js';
import type { ServiceScope } from './services.js';
import type { ItemData } from './types.js';

/** An object's items after its filters, before an engine numbers them. */
export interface SharedCollection {
  readonly flag: CollectionFlag;
  readonly items: readonly ItemData[];
  readonly messages: readonly string[];
  /** What collecting it read, when the engine records reads. */
  readonly reads?: ReadSet;
}

export class CollectionShare {
  private readonly objects = new Map<string, Promise<SharedCollection>>();
  /** The collections that completed, by key: what `retain` may keep. */
  private readonly settled = new Map<string, SharedCollection>();

  /** `services`: ProbeContext.services for every engine of the scan; the share's owner opens and closes them. */
  constructor(readonly services: ServiceScope) {}

  /** Forgets every shared collection and drops the services, so that the next evaluation sees the target as it is now. */
  async reset(): Promise<void> {
    this.objects.clear();
    this.settled.clear();
    await this.services.reset();
  }

  /**
   * For another evaluation of the same target after a known change: keeps
   * the completed collections that recorded their reads and that `stale`
   * does not name (their reads were not touched), forgets every other
   * collection, and drops the services' caches, so that whatever is
   * collected again sees the target as it is now. Returns how many were
   * kept.
   */
  async retain(stale: (collections: ReadonlyMap<string, ReadSet>) => ReadonlySet<string>): Promise<number> {
    const withReads = new Map<string, ReadSet>();
    for (const [k, c] of this.settled) if (c.reads) withReads.set(k, c.reads);
    const drop = stale(withReads);
    for (const k of [...this.objects.keys()]) {
      if (!withReads.has(k) || drop.has(k)) {
        this.objects.delete(k);
        this.settled.delete(k);
      }
    }
    await this.services.reset();
    return this.objects.size;
  }

  /** Whether an object of this shape was collected (or is being collected) already. */
  has(key: string): boolean {
    return this.objects.has(key);
  }

  /** The collection of the object with this shape: the first caller's `collect`, shared with every later caller. */
  once(key: string, collect: () => Promise<SharedCollection>): Promise<SharedCollection> {
    let p = this.objects.get(key);
    if (!p) {
      p = collect();
      this.objects.set(key, p);
      p.then(
        (c) => {
          if (this.objects.get(key) === p) this.settled.set(key, c);
        },
        () => undefined,
      );
    }
    return p;
  }
}

/**
 * The shape of a simple object, as a key for CollectionShare: everything
 * its collection depends on, without ids, comments or versions. Undefined
 * when the collection depends on more than the target: a set, a variable
 * in an entity, a variable_object (whose items are a variable's values), or
 * a filter whose state is missing or uses a variable.
 */
export function collectionKey(object: OvalObject, doc: OvalDefinitions): string | undefined {
  if (object.set) return undefined;
  // a variable_object's items are its variable's values: they depend on the session, not the target
  if (object.type === 'variable_object') return undefined;
  if (usesVariable(object.entities)) return undefined;
  const filters: unknown[] = [];
  for (const f of object.filters) {
    const state = doc.states.get(f.stateRef);
    if (!state || usesVariable(state.entities)) return undefined;
    filters.push([f.action, state.family, state.type, state.operator, state.entities.map(entityShape)]);
  }
  const behaviors = Object.keys(object.behaviors)
    .sort()
    .map((k) => [k, object.behaviors[k]]);
  return JSON.stringify([object.family, object.type, object.entities.map(entityShape), behaviors, filters]);
}

function usesVariable(entities: readonly OvalEntity[]): boolean {
  return entities.some((e) => e.varRef !== undefined || (e.fields !== undefined && usesVariable(e.fields)));
}

function entityShape(e: OvalEntity): unknown {
  return [e.name, e.value, e.datatype, e.operation, e.mask, e.nil, e.varCheck, e.entityCheck, e.checkExistence, e.fields?.map(entityShape) ?? null];
}

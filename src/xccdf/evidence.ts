/**
 * The OVAL evidence of a scan as plain data (result-types.ts), built once
 * when the evaluation ends from what the OVAL sessions of one document hold.
 * Items keep the ids their engine gave them; an item of a later session
 * whose id an earlier session's item already has gets a new id, so that one
 * document's evidence names each item by one id.
 */
import type { OvalDefinitions } from '../model/oval/types.js';
import { referencedElements } from '../model/oval/references.js';
import type { DefinitionResult, TestResult } from '../oval/engine.js';
import type { CollectedObject, OvalItem } from '../oval/types.js';
import type { ObjectEvidence, OvalEvidence, OvalSourceData, TestEvidence } from './result-types.js';

/** What one OVAL session (engine) evaluated and collected. */
export interface SessionResults {
  readonly definitions: readonly DefinitionResult[];
  readonly tests: readonly TestResult[];
  readonly objects: readonly CollectedObject[];
}

/**
 * One document's evidence from its sessions, in order: a definition, test
 * or object evaluated by several sessions is the first session's.
 */
export function buildOvalEvidence(href: string, doc: OvalDefinitions, sessions: readonly SessionResults[]): OvalEvidence {
  const items = new ItemTable();
  const definitions = new Map<string, DefinitionResult>();
  const tests = new Map<string, TestEvidence>();
  const objects = new Map<string, ObjectEvidence>();
  for (const s of sessions) {
    for (const d of s.definitions) if (!definitions.has(d.definitionId)) definitions.set(d.definitionId, d);
    for (const t of s.tests) {
      if (tests.has(t.testId)) continue;
      tests.set(t.testId, {
        testId: t.testId,
        result: t.result,
        ...(t.objectId !== undefined ? { objectId: t.objectId } : {}),
        items: t.items.map((ir) => ({ item: items.id(ir.item), result: ir.result })),
      });
    }
    for (const o of s.objects) {
      if (objects.has(o.objectId)) continue;
      objects.set(o.objectId, { objectId: o.objectId, flag: o.flag, messages: o.messages, bindings: o.bindings, items: o.items.map((i) => items.id(i)), ...(o.unavailable ? { unavailable: o.unavailable } : {}) });
    }
  }
  return {
    href,
    source: sourceClosure(doc, [...definitions.keys()], [...tests.keys()], [...objects.keys()]),
    definitions: [...definitions.values()],
    tests: [...tests.values()],
    objects: [...objects.values()],
    items: items.all(),
  };
}

class ItemTable {
  private readonly byItem = new Map<OvalItem, number>();
  private readonly byId = new Map<number, OvalItem>();
  private max = 0;

  id(item: OvalItem): number {
    const known = this.byItem.get(item);
    if (known !== undefined) return known;
    const id = this.byId.has(item.id) ? this.max + 1 : item.id;
    if (id > this.max) this.max = id;
    const kept = id === item.id ? item : { ...item, id };
    this.byItem.set(item, id);
    this.byId.set(id, kept);
    return id;
  }

  all(): OvalItem[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }
}

/** The document's elements that the given ones refer to, transitively, in document order. */
function sourceClosure(doc: OvalDefinitions, definitionIds: readonly string[], testIds: readonly string[], objectIds: readonly string[]): OvalSourceData {
  const { definitions: defs, tests, objects, states, variables } = referencedElements(doc, { definitions: definitionIds, tests: testIds, objects: objectIds });
  const pick = <T>(m: ReadonlyMap<string, T>, ids: ReadonlySet<string>): T[] => [...m].filter(([id]) => ids.has(id)).map(([, v]) => v);
  return {
    definitions: pick(doc.definitions, defs),
    tests: pick(doc.tests, tests),
    objects: pick(doc.objects, objects),
    states: pick(doc.states, states),
    variables: pick(doc.variables, variables),
  };
}

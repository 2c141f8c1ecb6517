/**
 * Lookups over one OVAL evidence (xccdf/result-types.ts), which is plain
 * data with lists only: the writers build these maps when they need them.
 */
import type { OvalDefinition, OvalObject, OvalState, OvalTest, OvalVariable } from '../model/oval/types.js';
import type { DefinitionResult } from '../oval/engine.js';
import type { OvalItem } from '../oval/types.js';
import type { ObjectEvidence, OvalEvidence, TestEvidence } from '../xccdf/result-types.js';

export class EvidenceIndex {
  readonly definitions: ReadonlyMap<string, OvalDefinition>;
  readonly tests: ReadonlyMap<string, OvalTest>;
  readonly objects: ReadonlyMap<string, OvalObject>;
  readonly states: ReadonlyMap<string, OvalState>;
  readonly variables: ReadonlyMap<string, OvalVariable>;
  readonly definitionResults: ReadonlyMap<string, DefinitionResult>;
  readonly testResults: ReadonlyMap<string, TestEvidence>;
  readonly collected: ReadonlyMap<string, ObjectEvidence>;
  readonly items: ReadonlyMap<number, OvalItem>;

  constructor(readonly evidence: OvalEvidence) {
    const byId = <T extends { readonly id: string }>(xs: readonly T[]): Map<string, T> => new Map(xs.map((x) => [x.id, x]));
    this.definitions = byId(evidence.source.definitions);
    this.tests = byId(evidence.source.tests);
    this.objects = byId(evidence.source.objects);
    this.states = byId(evidence.source.states);
    this.variables = byId(evidence.source.variables);
    this.definitionResults = new Map(evidence.definitions.map((d) => [d.definitionId, d]));
    this.testResults = new Map(evidence.tests.map((t) => [t.testId, t]));
    this.collected = new Map(evidence.objects.map((o) => [o.objectId, o]));
    this.items = new Map(evidence.items.map((i) => [i.id, i]));
  }

  item(id: number): OvalItem {
    const i = this.items.get(id);
    if (!i) throw new Error(`OVAL evidence of ${this.evidence.href} names item ${id} but does not hold it`);
    return i;
  }
}

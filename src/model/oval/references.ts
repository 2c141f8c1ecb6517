/**
 * What elements of an OVAL document refer to, transitively: a definition's
 * criteria (tests, extended definitions), a test's object and states, an
 * object's entity variables, filters and set members (a variable_object's
 * variable too, named in its text), a state's entity variables, and a local
 * variable's components (objects and variables). The one walk of the
 * reference graph for whoever needs a closure: the read set of a
 * definition, the document elements that evidence carries, the object
 * types a definition can touch.
 */
import type { Component, Criteria, OvalDefinitions, OvalEntity, OvalSet } from './types.js';

/** Ids of the elements reached, each set in the order first reached. */
export interface OvalReferences {
  readonly definitions: Set<string>;
  readonly tests: Set<string>;
  readonly objects: Set<string>;
  readonly states: Set<string>;
  readonly variables: Set<string>;
}

/** The elements `from` names and everything they refer to, transitively (ids that the document lacks are kept, and lead nowhere). */
export function referencedElements(
  doc: OvalDefinitions,
  from: { readonly definitions?: Iterable<string>; readonly tests?: Iterable<string>; readonly objects?: Iterable<string> },
): OvalReferences {
  const out: OvalReferences = { definitions: new Set(), tests: new Set(), objects: new Set(), states: new Set(), variables: new Set() };
  const entities = (es: readonly OvalEntity[]): void => {
    for (const e of es) {
      if (e.varRef !== undefined) variable(e.varRef);
      if (e.fields) entities(e.fields);
    }
  };
  const component = (c: Component): void => {
    if (c.fn === 'object') object(c.objectRef);
    else if (c.fn === 'variable') variable(c.varRef);
    else if ('args' in c) c.args.forEach(component);
    else if ('arg' in c) component(c.arg);
  };
  function variable(id: string): void {
    if (out.variables.has(id)) return;
    out.variables.add(id);
    const v = doc.variables.get(id);
    if (v?.kind === 'local') component(v.component);
  }
  const state = (id: string): void => {
    if (out.states.has(id)) return;
    out.states.add(id);
    entities(doc.states.get(id)?.entities ?? []);
  };
  const set = (s: OvalSet): void => {
    s.objectRefs.forEach(object);
    s.sets.forEach(set);
    for (const f of s.filters) state(f.stateRef);
  };
  function object(id: string): void {
    if (out.objects.has(id)) return;
    out.objects.add(id);
    const o = doc.objects.get(id);
    if (!o) return;
    entities(o.entities);
    // variable_object names its variable in an entity's text
    if (o.type === 'variable_object') for (const e of o.entities) if (e.name === 'var_ref') variable(e.value.trim());
    for (const f of o.filters) state(f.stateRef);
    if (o.set) set(o.set);
  }
  const test = (id: string): void => {
    if (out.tests.has(id)) return;
    out.tests.add(id);
    const t = doc.tests.get(id);
    if (!t) return;
    if (t.objectRef !== undefined) object(t.objectRef);
    t.stateRefs.forEach(state);
  };
  const criteria = (c: Criteria): void => {
    for (const k of c.children) {
      if (k.kind === 'criteria') criteria(k);
      else if (k.kind === 'criterion') test(k.testRef);
      else definition(k.definitionRef);
    }
  };
  function definition(id: string): void {
    if (out.definitions.has(id)) return;
    out.definitions.add(id);
    const c = doc.definitions.get(id)?.criteria;
    if (c) criteria(c);
  }
  for (const id of from.definitions ?? []) definition(id);
  for (const id of from.tests ?? []) test(id);
  for (const id of from.objects ?? []) object(id);
  return out;
}

/**
 * Reference integrity: every idref in a checklist must land. A dangling
 * reference is a ContentError at the referring element.
 */
import type { Checklist } from './checklist.js';
import { ContentError, type SourceLocation } from './errors.js';
import type { Component, Criteria, OvalDefinitions, OvalEntity, OvalSet } from './oval/types.js';
import { indexBenchmark } from './xccdf/index.js';
import type { Check, ComplexCheck, Profile, Tailoring } from './xccdf/types.js';

export const OVAL_SYSTEM = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';
export const OCIL_SYSTEM = 'http://scap.nist.gov/schema/ocil/2';

function dangling(what: string, loc: SourceLocation | undefined): never {
  throw new ContentError('dangling-ref', what, loc);
}

export function validateChecklist(cl: Checklist): void {
  const idx = indexBenchmark(cl.benchmark);
  for (const p of cl.benchmark.profiles) validateProfile(p, idx, idx.profiles);
  const visit = (c: Check | ComplexCheck, ruleId: string): void => {
    if (c.kind === 'complex-check') {
      for (const k of c.children) visit(k, ruleId);
      return;
    }
    for (const e of c.exports) {
      if (!idx.values.has(e.valueId)) dangling(`rule ${ruleId} exports the unknown value ${e.valueId}`, c.location);
    }
    for (const ref of c.contentRefs) {
      const target = cl.checks.get(ref.href);
      if (!target) {
        throw new ContentError('missing-component', `rule ${ruleId} checks against ${ref.href}, which the content does not contain`, c.location);
      }
      if (target.kind !== 'document' || ref.name === undefined) continue;
      const doc = target.document;
      if (c.system === OVAL_SYSTEM && doc.kind === 'oval-definitions' && !doc.definitions.has(ref.name)) {
        dangling(`rule ${ruleId} refers to OVAL definition ${ref.name}, which ${ref.href} does not define`, c.location);
      }
      if (c.system === OCIL_SYSTEM && doc.kind === 'ocil' && !doc.questionnaires.has(ref.name)) {
        dangling(`rule ${ruleId} refers to OCIL questionnaire ${ref.name}, which ${ref.href} does not define`, c.location);
      }
    }
  };
  for (const r of idx.ruleOrder) {
    for (const c of r.checks) visit(c, r.id);
    if (r.complexCheck) visit(r.complexCheck, r.id);
  }
  const seen = new Set<OvalDefinitions>();
  const all = [...cl.checks.values(), ...cl.dictionaries.flatMap((d) => [...d.checks.values()])];
  for (const t of all) {
    if (t.kind === 'document' && t.document.kind === 'oval-definitions' && !seen.has(t.document)) {
      seen.add(t.document);
      validateOval(t.document);
    }
  }
  for (const d of cl.dictionaries) {
    for (const item of d.dictionary.items) {
      for (const ch of item.checks) {
        const t = d.checks.get(ch.href);
        if (t?.kind === 'document' && t.document.kind === 'oval-definitions' && !t.document.definitions.has(ch.id)) {
          dangling(`CPE ${item.name} refers to OVAL definition ${ch.id}, which ${ch.href} does not define`, item.location);
        }
      }
    }
  }
}

/** Validates a tailoring's profiles against the checklist it tailors. */
export function validateTailoring(t: Tailoring, cl: Checklist): void {
  const idx = indexBenchmark(cl.benchmark);
  const profiles = new Map([...idx.profiles, ...t.profiles.map((p) => [p.id, p] as const)]);
  for (const p of t.profiles) validateProfile(p, idx, profiles);
}

function validateProfile(p: Profile, idx: ReturnType<typeof indexBenchmark>, profiles: ReadonlyMap<string, Profile>): void {
  if (p.extends !== undefined && !profiles.has(p.extends)) dangling(`profile ${p.id} extends the unknown profile ${p.extends}`, p.location);
  for (const s of p.selects) {
    if (!idx.rules.has(s.idref) && !idx.groups.has(s.idref) && !idx.clusters.has(s.idref)) {
      dangling(`profile ${p.id} selects ${s.idref}, which is not a rule, group or cluster of the benchmark`, s.location);
    }
  }
  for (const r of [...p.refineValues, ...p.setValues]) {
    if (!idx.values.has(r.idref)) dangling(`profile ${p.id} refines the unknown value ${r.idref}`, r.location);
  }
  for (const r of p.refineRules) {
    if (!idx.rules.has(r.idref) && !idx.groups.has(r.idref) && !idx.clusters.has(r.idref)) {
      dangling(`profile ${p.id} refines ${r.idref}, which is not a rule, group or cluster of the benchmark`, r.location);
    }
  }
}

/** Every reference inside an OVAL document must resolve within it. */
export function validateOval(doc: OvalDefinitions): void {
  const need = (map: ReadonlyMap<string, unknown>, id: string, what: string, loc: SourceLocation): void => {
    if (!map.has(id)) dangling(`${what} ${id} is not defined`, loc);
  };
  for (const d of doc.definitions.values()) {
    const walk = (c: Criteria): void => {
      for (const k of c.children) {
        if (k.kind === 'criteria') walk(k);
        else if (k.kind === 'criterion') need(doc.tests, k.testRef, `definition ${d.id} uses test`, d.location);
        else need(doc.definitions, k.definitionRef, `definition ${d.id} extends definition`, d.location);
      }
    };
    if (d.criteria) walk(d.criteria);
  }
  for (const t of doc.tests.values()) {
    if (t.objectRef !== undefined) need(doc.objects, t.objectRef, `test ${t.id} uses object`, t.location);
    for (const s of t.stateRefs) need(doc.states, s, `test ${t.id} uses state`, t.location);
  }
  const entities = (list: readonly OvalEntity[], owner: string, loc: SourceLocation): void => {
    for (const e of list) {
      if (e.varRef !== undefined) need(doc.variables, e.varRef, `${owner} uses variable`, loc);
      if (e.fields) entities(e.fields, owner, loc);
    }
  };
  const set = (s: OvalSet, owner: string, loc: SourceLocation): void => {
    for (const o of s.objectRefs) need(doc.objects, o, `${owner} uses object`, loc);
    for (const f of s.filters) need(doc.states, f.stateRef, `${owner} filters by state`, loc);
    for (const k of s.sets) set(k, owner, loc);
  };
  for (const o of doc.objects.values()) {
    entities(o.entities, `object ${o.id}`, o.location);
    for (const f of o.filters) need(doc.states, f.stateRef, `object ${o.id} filters by state`, o.location);
    if (o.set) set(o.set, `object ${o.id}`, o.location);
  }
  for (const s of doc.states.values()) entities(s.entities, `state ${s.id}`, s.location);
  const component = (c: Component, owner: string, loc: SourceLocation): void => {
    if (c.fn === 'object') need(doc.objects, c.objectRef, `${owner} uses object`, loc);
    else if (c.fn === 'variable') need(doc.variables, c.varRef, `${owner} uses variable`, loc);
    else if ('args' in c) for (const a of c.args) component(a, owner, loc);
    else if ('arg' in c) component(c.arg, owner, loc);
  };
  for (const v of doc.variables.values()) if (v.kind === 'local') component(v.component, `variable ${v.id}`, v.location);
}

/**
 * The OVAL engine: collects each object once, evaluates tests, criteria and
 * definitions with OVAL 5.11 semantics as OpenSCAP 1.3 applies them
 * (src/OVAL/results/oval_resultTest.c is the reference). The engine sees
 * probes and the target through interfaces only; the app layer wires them.
 */
import type { Component, Criteria, OvalDefinitions, OvalEntity, OvalFilter, OvalObject, OvalSet, OvalState, OvalTest } from '../model/oval/types.js';
import { referencedElements } from '../model/oval/references.js';
import type { Target } from '../target/target.js';
import { compareValues, plainInt, type PendingMatch } from './compare.js';
import { MAX_MATCH_WAITS } from './regex/bounded.js';
import { combineFlags, flagOfItems } from './flags.js';
import { NO_READS, ReadRecorder, recordingTarget, unionReads, type ReadSet } from '../target/reads.js';
import { ServiceScope } from './services.js';
import { collectionKey, type CollectionShare, type SharedCollection } from './share.js';
import { checkOfOne, entityExistenceResult, existenceResult, negate, operatorOfOne, ResultCounts, type CollectionFlag, type OvalResult } from './result.js';
import type {
  CollectedObject,
  CollectionBatch,
  EntityStatusCounts,
  ExternalVariableSource,
  ItemData,
  ItemEntity,
  OvalItem,
  Probe,
  ProbeContext,
  ResolvedEntity,
  VariableBinding,
  VariableValue,
} from './types.js';
import { VariableEvaluator } from './variables.js';

export interface EngineOptions {
  readonly target: Target;
  /** Probes by `family/object_type`, e.g. `independent/textfilecontent54_object`. */
  readonly probes: ReadonlyMap<string, Probe>;
  readonly external?: ExternalVariableSource;
  /**
   * Shared with the other engines of the same scan: probe services, and
   * the objects whose collection depends on the target alone (share.ts).
   */
  readonly share?: CollectionShare;
  /** Stops collection: the evaluation rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Record what each object reads (its read set: paths, walks, other
   * inputs), for `definitionReads`. Off by default: collection then goes
   * straight to the target.
   */
  readonly reads?: boolean;
}

export interface ItemResult {
  readonly item: OvalItem;
  readonly result: OvalResult;
}

export interface TestResult {
  readonly testId: string;
  readonly result: OvalResult;
  readonly objectId?: string;
  readonly items: readonly ItemResult[];
}

export type CriteriaResult =
  | { readonly kind: 'criteria'; readonly operator: string; readonly negate: boolean; readonly result: OvalResult; readonly children: readonly CriteriaResult[] }
  | { readonly kind: 'criterion'; readonly testRef: string; readonly negate: boolean; readonly result: OvalResult }
  | { readonly kind: 'extend_definition'; readonly definitionRef: string; readonly negate: boolean; readonly result: OvalResult };

export interface DefinitionResult {
  readonly definitionId: string;
  readonly result: OvalResult;
  readonly criteria?: CriteriaResult;
}

const NO_VARIABLES: ExternalVariableSource = { get: () => undefined };

/** A variable's values by value: how many of each (`ints`: plain ints, keyed by number). */
interface Tally {
  readonly ints: boolean;
  readonly counts: ReadonlyMap<string | number, number>;
  readonly total: number;
}

/** A comparison that cannot go on before the variable `needs` is evaluated, or before a pattern match in the regex worker. */
type Needs = { readonly needs: string } | PendingMatch;

export function probeKey(family: string, objectType: string): string {
  return `${family}/${objectType}`;
}

export class OvalEngine {
  private readonly objects = new Map<string, Promise<CollectedObject>>();
  /** Each simple object's read set, once collected (EngineOptions.reads). */
  private readonly objectReads = new Map<string, ReadSet>();
  private readonly tests = new Map<string, Promise<TestResult>>();
  private readonly definitions = new Map<string, Promise<DefinitionResult>>();
  private readonly itemIds = new Map<string, OvalItem>();
  /** Variable values evaluated so far, for comparing without waiting. */
  private readonly evaluated = new Map<string, VariableValue>();
  /** Variable values counted by value (tallyOf); null where equality is not a lookup. */
  private readonly tallies = new Map<string, Tally | null>();
  private ctx: ProbeContext;
  private vars: VariableEvaluator;
  /** The engine's own services, when it shares none with a scan (EngineOptions.share). */
  private readonly own: ServiceScope | undefined;

  constructor(
    readonly doc: OvalDefinitions,
    private readonly opts: EngineOptions,
  ) {
    this.own = opts.share ? undefined : new ServiceScope(opts.target);
    this.vars = new VariableEvaluator(doc, opts.external ?? NO_VARIABLES, { collect: (id) => this.collect(id) });
    this.ctx = { target: opts.target, services: opts.share?.services ?? this.own!, variables: this.vars, keep: () => true, reads: NO_READS, ...(opts.signal ? { signal: opts.signal } : {}) };
  }

  get variables(): VariableEvaluator {
    return this.vars;
  }

  /**
   * Forgets everything evaluated and collected so far (objects, items and
   * their ids, tests, definitions, variable values) and the engine's own
   * services, so that the next evaluation sees the target as it is now. A
   * shared scan's services and collections are its owner's to reset
   * (CollectionShare.reset). Call it between evaluations, not during one.
   */
  async reset(): Promise<void> {
    this.objects.clear();
    this.objectReads.clear();
    this.tests.clear();
    this.definitions.clear();
    this.itemIds.clear();
    this.evaluated.clear();
    this.tallies.clear();
    this.vars = new VariableEvaluator(this.doc, this.opts.external ?? NO_VARIABLES, { collect: (id) => this.collect(id) });
    this.ctx = { ...this.ctx, variables: this.vars };
    await this.own?.reset();
  }

  /** Releases the engine's own services (a shared scan's are its owner's). */
  async close(): Promise<void> {
    await this.own?.close();
  }

  /** Every collected object so far (the system characteristics). */
  async collectedObjects(): Promise<CollectedObject[]> {
    return Promise.all(this.objects.values());
  }

  /** Every test evaluated so far. */
  async testResults(): Promise<TestResult[]> {
    return Promise.all(this.tests.values());
  }

  // ---------------------------------------------------------------- objects

  /** Collects an object once per engine, however many tests and variables use it. */
  collect(objectId: string): Promise<CollectedObject> {
    let p = this.objects.get(objectId);
    if (!p) {
      p = this.collectUncached(objectId);
      this.objects.set(objectId, p);
    }
    return p;
  }

  /**
   * Starts collecting, as one batch, the objects that the given definitions
   * (all by default) reach through their tests and whose probe may share
   * work with others (Probe.sharesWork): the file objects that walk
   * directories then share one traversal. An object whose collection needs
   * another candidate first (through a variable in an entity or a filter)
   * stays out, so that no member waits on its own batch. Resolves once the
   * batch is collected. evaluateAll calls this first; a caller that
   * evaluates definitions one at a time should too, with all of them.
   */
  async prepare(definitionIds?: readonly string[]): Promise<void> {
    const candidates = new Set<string>();
    const shapes = new Set<string>();
    for (const id of this.testObjects(definitionIds ?? [...this.doc.definitions.keys()])) {
      const o = this.doc.objects.get(id);
      if (!o || o.set || this.objects.has(id)) continue;
      // collected already in the scan, or by an earlier candidate of the same shape: nothing to walk for
      const key = this.opts.share ? collectionKey(o, this.doc) : undefined;
      if (key !== undefined && (this.opts.share!.has(key) || shapes.has(key))) continue;
      if (key !== undefined) shapes.add(key);
      const probe = this.opts.probes.get(probeKey(o.family, o.type));
      if (!probe?.sharesWork?.(o) || probe.needs.some((c) => !this.opts.target.has(c))) continue;
      candidates.add(id);
    }
    const needs = new Map<string, Set<string>>();
    const members = [...candidates].filter((id) => ![...this.objectsNeededBy(id, needs)].some((d) => candidates.has(d)));
    if (members.length < 2) return;
    const batch = new Batch(members);
    const collections: Array<Promise<CollectedObject>> = [];
    for (const id of members) {
      const p = this.collectUncached(id, batch.member(id));
      this.objects.set(id, p);
      // a member that finishes without registering work no longer holds the others
      batch.settled(id, p);
      collections.push(p);
    }
    await Promise.all(collections);
  }

  /** The objects the definitions' tests collect, set members included. */
  private testObjects(definitionIds: readonly string[]): Set<string> {
    const out = new Set<string>();
    const seen = new Set<string>();
    const object = (id: string): void => {
      if (out.has(id)) return;
      out.add(id);
      const o = this.doc.objects.get(id);
      if (o?.set) set(o.set);
    };
    const set = (s: OvalSet): void => {
      s.objectRefs.forEach(object);
      s.sets.forEach(set);
    };
    const criteria = (c: Criteria): void => {
      for (const k of c.children) {
        if (k.kind === 'criteria') criteria(k);
        else if (k.kind === 'extend_definition') definition(k.definitionRef);
        else {
          const t = this.doc.tests.get(k.testRef);
          if (t?.objectRef === undefined) continue;
          const o = this.doc.objects.get(t.objectRef);
          // evaluateTest does not collect an object of another type than its test
          if (o && (o.family !== t.family || o.type.replace(/_object$/, '') !== t.type.replace(/_test$/, ''))) continue;
          object(t.objectRef);
        }
      }
    };
    const definition = (id: string): void => {
      if (seen.has(id)) return;
      seen.add(id);
      const d = this.doc.definitions.get(id);
      if (d?.criteria) criteria(d.criteria);
    };
    definitionIds.forEach(definition);
    return out;
  }

  /**
   * What the definition's result depends on (with EngineOptions.reads): the
   * union of the read sets of every object it may have collected, through
   * its tests, their states' variables, extended definitions, sets and the
   * variables of entities and filters. Empty for objects not collected
   * (yet): call it once the definition is evaluated.
   */
  definitionReads(definitionId: string): ReadSet {
    const { objects } = referencedElements(this.doc, { definitions: [definitionId] });
    const sets: ReadSet[] = [];
    for (const id of objects) {
      const r = this.objectReads.get(id);
      if (r) sets.push(r);
    }
    return unionReads(sets);
  }

  /** Every object whose items collecting `objectId` may need: through variables of its entities and filters, and set members. */
  private objectsNeededBy(objectId: string, memo: Map<string, Set<string>>): Set<string> {
    const done = memo.get(objectId);
    if (done) return done;
    const out = new Set<string>();
    memo.set(objectId, out); // a cycle ends here
    const seenVars = new Set<string>();
    const object = (id: string): void => {
      if (out.has(id)) return;
      out.add(id);
      for (const d of this.objectsNeededBy(id, memo)) out.add(d);
    };
    const component = (c: Component): void => {
      if (c.fn === 'object') object(c.objectRef);
      else if (c.fn === 'variable') variable(c.varRef);
      else if ('args' in c) c.args.forEach(component);
      else if ('arg' in c) component(c.arg);
    };
    const variable = (id: string): void => {
      if (seenVars.has(id)) return;
      seenVars.add(id);
      const v = this.doc.variables.get(id);
      if (v?.kind === 'local') component(v.component);
    };
    const entities = (list: readonly OvalEntity[]): void => {
      for (const e of list) {
        if (e.varRef !== undefined) variable(e.varRef);
        if (e.fields) entities(e.fields);
      }
    };
    const filters = (list: readonly OvalFilter[]): void => {
      for (const f of list) entities(this.doc.states.get(f.stateRef)?.entities ?? []);
    };
    const set = (s: OvalSet): void => {
      s.objectRefs.forEach(object);
      s.sets.forEach(set);
      filters(s.filters);
    };
    const o = this.doc.objects.get(objectId);
    if (o) {
      entities(o.entities);
      // variable_object names its variable in an entity's text
      if (o.type === 'variable_object') for (const e of o.entities) if (e.name === 'var_ref') variable(e.value.trim());
      filters(o.filters);
      if (o.set) set(o.set);
    }
    return out;
  }

  private async collectUncached(objectId: string, batch?: BatchMember): Promise<CollectedObject> {
    this.opts.signal?.throwIfAborted();
    const object = this.doc.objects.get(objectId);
    if (!object) return { objectId, flag: 'error', items: [], messages: [`object ${objectId} is not defined`], bindings: [] };
    if (object.set) {
      const r = await this.collectSet(object.set);
      return { objectId, flag: r.flag, items: r.items, messages: r.messages, bindings: [] };
    }
    const r = await this.collectSimple(object, batch);
    return { objectId, ...r };
  }

  private async collectSet(set: OvalSet): Promise<{ flag: CollectionFlag; items: OvalItem[]; messages: string[] }> {
    const operands: Array<{ flag: CollectionFlag; items: OvalItem[]; messages: string[] }> = [];
    for (const ref of set.objectRefs) {
      const c = await this.collect(ref);
      operands.push({ flag: c.flag, items: [...c.items], messages: [...c.messages] });
    }
    for (const sub of set.sets) operands.push(await this.collectSet(sub));
    const filtered = [];
    for (const o of operands) filtered.push(await this.applyFilters(o, set.filters));
    if (filtered.length === 0) return { flag: 'error', items: [], messages: ['empty set'] };
    let acc = filtered[0]!;
    for (let i = 1; i < filtered.length; i++) acc = combineSets(acc, filtered[i]!, set.operator);
    if (filtered.length === 1 && set.operator === 'COMPLEMENT') acc = { ...acc, flag: 'error', messages: [...acc.messages, 'COMPLEMENT needs two operands'] };
    return acc;
  }

  private async collectSimple(object: OvalObject, batch?: BatchMember): Promise<Omit<CollectedObject, 'objectId'>> {
    const probe = this.opts.probes.get(probeKey(object.family, object.type));
    if (!probe) {
      return { flag: 'not collected', items: [], messages: [`Vigil has no probe for ${object.family} ${object.type}`], bindings: [] };
    }
    const missing = probe.needs.filter((c) => !this.opts.target.has(c));
    if (missing.length > 0) {
      return {
        flag: probe.unavailable ?? 'not collected',
        items: [],
        messages: [`${object.type} needs ${missing.join(', ')}, which the ${this.opts.target.kind} target cannot provide`],
        bindings: [],
        unavailable: missing,
      };
    }
    const messages: string[] = [];
    // Resolve var_refs; every combination of values is collected and the items united.
    const perEntity: Array<{ entity: OvalEntity; values: readonly string[] }> = [];
    const bindings: VariableBinding[] = [];
    // An object takes the flag of the variables it is built from (variableFlag): only values known to be all
    // of them let its own collection decide.
    let fromVariables: CollectionFlag = 'complete';
    for (const e of object.entities) {
      if (e.varRef === undefined) {
        perEntity.push({ entity: e, values: [e.value] });
        continue;
      }
      const v = await this.variables.value(e.varRef);
      if ((v.flag !== 'complete' && v.flag !== 'incomplete') || v.values.length === 0) {
        const why =
          v.flag === 'complete' || v.flag === 'incomplete' || v.flag === 'does not exist'
            ? `Referenced variable has no values (${e.varRef}).`
            : `There was a problem processing referenced variable (${e.varRef}).`;
        return { flag: variableFlag(v.flag), items: [], messages: [why, ...v.messages], bindings: [] };
      }
      if (v.flag === 'incomplete') {
        fromVariables = 'incomplete';
        messages.push(`Referenced variable ${e.varRef} has only some of its values (incomplete).`, ...v.messages);
      }
      for (const value of v.values) bindings.push({ variableId: e.varRef, value });
      perEntity.push({ entity: e, values: v.values });
    }
    let flag: CollectionFlag | undefined;
    const items = new Map<number, OvalItem>();
    // Items a probe already asked about and kept (ProbeContext.keep), so no item is judged twice.
    const kept = new WeakSet<ItemData>();
    // Only the first request joins the batch: the others come after its shared work.
    let joining = batch;
    // an object that depends on the target alone is collected once per scan (share.ts)
    const key = this.opts.share ? collectionKey(object, this.doc) : undefined;
    const reads = this.opts.reads ? new ReadRecorder() : undefined;
    for (const combo of combinations(perEntity)) {
      const entities = new Map<string, ResolvedEntity>();
      for (const r of combo) entities.set(r.entity.name, r);
      // this request's reads, apart: a collection shared by shape carries its own to every engine
      const log = reads && new ReadRecorder();
      const collect = async (): Promise<SharedCollection> => {
        let got: { flag: CollectionFlag; items: readonly ItemData[]; messages: string[] };
        try {
          let ctx: ProbeContext = object.filters.length === 0 ? this.ctx : { ...this.ctx, keep: this.keeper(object.filters, kept) };
          if (joining) ctx = { ...ctx, batch: joining.batch };
          if (log) ctx = { ...ctx, target: recordingTarget(this.opts.target, log), reads: log };
          const res = await probe.collect({ object, entities, behaviors: object.behaviors }, ctx);
          got = { flag: res.flag ?? flagOfItems(res.items.map((i) => i.status)), items: res.items, messages: [...(res.messages ?? [])] };
        } catch (e) {
          // an aborted scan stops; it does not make the object an error
          this.opts.signal?.throwIfAborted();
          got = { flag: 'error', items: [], messages: [`${object.type} probe failed: ${e instanceof Error ? e.message : String(e)}`] };
        }
        // Filter before numbering, so that items no filter keeps are never kept.
        const filtered = await this.applyFilters(got, object.filters, kept);
        return log ? { ...filtered, reads: log.toData() } : filtered;
      };
      // an object of the same shape collected elsewhere: this member has no work for the batch
      if (key !== undefined && joining && this.opts.share!.has(key)) joining.arrived();
      const f = key !== undefined ? await this.opts.share!.once(key, collect) : await collect();
      if (joining) {
        // done with the batch, whether the probe shared work or not; then the items are
        // numbered in document order, as if the members had been collected one by one
        joining.arrived();
        await joining.numbered();
      }
      joining = undefined;
      flag = flag === undefined ? f.flag : combineFlags(flag, f.flag, 'UNION');
      for (const data of f.items) {
        const i = this.intern(data);
        items.set(i.id, i);
      }
      messages.push(...f.messages);
      if (reads && f.reads) reads.add(f.reads);
    }
    if (reads) this.objectReads.set(object.id, reads.toData());
    const all = [...items.values()];
    let final = flag ?? 'does not exist';
    if (final === 'complete' && all.length === 0) final = 'does not exist';
    // built from some of the values only: what was found is not all there is
    if (fromVariables === 'incomplete' && (final === 'complete' || final === 'does not exist')) final = 'incomplete';
    return { flag: final, items: all, messages, bindings };
  }

  /** Numbers an item; identical items get the same id, as in system characteristics. The item kept is plain data. */
  private intern(data: ItemData): OvalItem {
    const key = JSON.stringify([data.family, data.type, data.status, data.entities]);
    let item = this.itemIds.get(key);
    if (!item) {
      const id = this.itemIds.size + 1;
      if (data.named) {
        // an item that builds its entities on demand is kept as the data it stands for
        const { family, type, status, entities, messages } = data;
        item = { family, type, status, entities, ...(messages !== undefined ? { messages } : {}), id };
      } else item = { ...data, id };
      this.itemIds.set(key, item);
    }
    return item;
  }

  private async applyFilters<I extends ItemData>(
    c: { flag: CollectionFlag; items: readonly I[]; messages: string[] },
    filters: readonly OvalFilter[],
    kept?: WeakSet<ItemData>,
  ): Promise<{ flag: CollectionFlag; items: I[]; messages: string[] }> {
    if (filters.length === 0) return { ...c, items: [...c.items] };
    const passed: I[] = [];
    for (const item of c.items) {
      if (item.status === 'does not exist') continue;
      if (item.status === 'not collected') return { flag: 'error', items: [], messages: [...c.messages, `Supplied item has an invalid status: not collected.`] };
      if (kept?.has(item) || (await this.passesFilters(item, filters))) passed.push(item);
    }
    const flag = c.flag === 'complete' && passed.length === 0 ? 'does not exist' : c.flag;
    return { flag, items: passed, messages: c.messages };
  }

  /** False when an exclude filter's state matches the item, or an include filter's does not. */
  private async passesFilters(item: ItemData, filters: readonly OvalFilter[]): Promise<boolean> {
    for (let waits = 0; ; ) {
      const r = this.passesFiltersNow(item, filters);
      if (typeof r === 'boolean') return r;
      if ('wait' in r && ++waits > MAX_MATCH_WAITS) throw new Error(`a filter needs more pattern answers at once than the regex worker's cache keeps`);
      await this.satisfy(r);
    }
  }

  /** `passesFilters` without waiting: the answer, or the variable it needs evaluated first. */
  private passesFiltersNow(item: ItemData, filters: readonly OvalFilter[]): boolean | Needs {
    for (const f of filters) {
      const state = this.doc.states.get(f.stateRef);
      if (!state) continue;
      const r = this.matchStateNow(item, state);
      if (typeof r !== 'string') return r;
      // a state that cannot be decided (a pattern out of time) filters nothing out, as oscap:
      // the item stays, and is judged again (and found an error) by the test's state
      if (r === 'error') continue;
      const matches = r === 'true';
      if ((f.action === 'exclude' && matches) || (f.action === 'include' && !matches)) return false;
    }
    return true;
  }

  /**
   * The object's filters as ProbeContext.keep: synchronous once the
   * variables they use are evaluated. The items kept are remembered, so that
   * applyFilters does not judge them again; the others the probe drops.
   */
  private keeper(filters: readonly OvalFilter[], kept: WeakSet<ItemData>): (item: ItemData) => boolean | Promise<boolean> {
    return (item) => {
      const r = this.passesFiltersNow(item, filters);
      if (r === true) kept.add(item);
      return typeof r === 'boolean' ? r : this.keepLater(item, filters, kept);
    };
  }

  /** `keeper` once a variable is to be evaluated; apart, so that the synchronous case makes no closure. */
  private async keepLater(item: ItemData, filters: readonly OvalFilter[], kept: WeakSet<ItemData>): Promise<boolean> {
    const v = await this.passesFilters(item, filters);
    if (v) kept.add(item);
    return v;
  }

  // ------------------------------------------------------------------ states

  /** What a comparison waits for: a variable's evaluation, or a pattern match in the regex worker. */
  private async satisfy(n: Needs): Promise<void> {
    if ('wait' in n) await n.wait;
    else await this.evaluateVariable(n.needs);
  }

  /** Evaluates a variable for the comparisons that run without waiting (matchStateNow). */
  private async evaluateVariable(id: string): Promise<void> {
    this.evaluated.set(id, await this.variables.value(id));
  }

  /** eval_item: one item against one state. */
  async itemMatchesState(item: ItemData, state: OvalState): Promise<OvalResult> {
    for (let waits = 0; ; ) {
      const r = this.matchStateNow(item, state);
      if (typeof r === 'string') return r;
      if ('wait' in r && ++waits > MAX_MATCH_WAITS) return 'error'; // see MAX_MATCH_WAITS
      await this.satisfy(r);
    }
  }

  /**
   * eval_item without waiting: the result, or the first variable the
   * comparison needs that is not evaluated yet. A variable is evaluated
   * only when a comparison reaches it, so nothing is collected that the
   * comparison would not ask for.
   */
  private matchStateNow(item: ItemData, state: OvalState): OvalResult | Needs {
    // the statuses of the item's entities, for each state entity's check_existence
    const counts = item.named && item.statuses ? item.statuses : statusCounts(item.entities);
    // a state of one entity (the usual filter) needs no counting
    const perEntity = state.entities.length === 1 ? undefined : new ResultCounts();
    for (const se of state.entities) {
      const existence = entityExistenceResult(se.checkExistence, counts);
      const list = item.named ? item.named(se.name) : item.entities;
      let r: OvalResult | Needs;
      if (list.length === 1 && list[0]!.name === se.name) {
        // the usual case, one entity of the name: its result, checked, without counting
        r = this.compareEntityNow(list[0]!, se);
        if (typeof r !== 'string') return r;
        r = checkOfOne(r, se.entityCheck);
      } else {
        const entResults = new ResultCounts();
        for (const ie of list) {
          if (ie.name !== se.name) continue;
          const c = this.compareEntityNow(ie, se);
          if (typeof c !== 'string') return c;
          entResults.add(c);
        }
        r = entResults.byCheck(se.entityCheck);
      }
      if (!perEntity) return operatorOfOne(existence === 'true' ? r : existence, state.operator);
      perEntity.add(existence === 'true' ? r : existence);
    }
    return (perEntity ?? new ResultCounts()).byOperator(state.operator);
  }

  private compareEntityNow(ie: ItemEntity, se: OvalEntity): OvalResult | Needs {
    if (ie.status === 'does not exist') return 'false';
    if (se.varRef !== undefined) return this.compareWithVariableNow(ie.value, se.varRef, se);
    if (se.datatype === 'record') {
      if (se.operation !== 'equals') return 'error';
      return this.compareRecordNow(ie, se);
    }
    return compareValues(se.value, se.datatype, ie.value, se.operation);
  }

  private compareWithVariableNow(sys: string, varRef: string, se: OvalEntity): OvalResult | Needs {
    const v = this.evaluated.get(varRef);
    if (!v) return { needs: varRef };
    if (v.flag !== 'complete' && v.flag !== 'incomplete') return 'error';
    if (se.operation === 'equals' || se.operation === 'not equal') {
      // one lookup instead of a comparison per value (SSG compares every file's owner with every user id)
      const tally = this.tallyOf(varRef, v);
      const key = tally?.ints ? plainInt(sys) : sys;
      if (tally && key !== undefined) {
        const equal = tally.counts.get(key) ?? 0;
        const c = new ResultCounts();
        c.t = se.operation === 'equals' ? equal : tally.total - equal;
        c.f = tally.total - c.t;
        return c.byCheck(se.varCheck);
      }
    }
    const c = new ResultCounts();
    for (const value of v.values) {
      const r = compareValues(value, v.datatype, sys, se.operation);
      if (typeof r !== 'string') return r;
      c.add(r);
    }
    return c.byCheck(se.varCheck);
  }

  /** A variable's values counted by value, when equality is a lookup for its datatype: strings, and ints written plainly. */
  private tallyOf(varRef: string, v: VariableValue): Tally | undefined {
    let t = this.tallies.get(varRef);
    if (t === undefined) {
      t = null;
      if (v.datatype === 'string' || v.datatype === 'int') {
        const ints = v.datatype === 'int';
        const counts = new Map<string | number, number>();
        let plain = true;
        for (const value of v.values) {
          const key = ints ? plainInt(value) : value;
          if (key === undefined) plain = false;
          else counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        if (plain) t = { ints, counts, total: v.values.length };
      }
      this.tallies.set(varRef, t);
    }
    return t ?? undefined;
  }

  private compareRecordNow(ie: ItemEntity, se: OvalEntity): OvalResult | Needs {
    const record = new ResultCounts();
    for (const sf of se.fields ?? []) {
      const matches = (ie.fields ?? []).filter((f) => f.name === sf.name);
      if (matches.length === 0) {
        record.add('error');
        continue;
      }
      const fr = new ResultCounts();
      for (const f of matches) {
        const r = sf.varRef !== undefined ? this.compareWithVariableNow(f.value, sf.varRef, sf) : compareValues(sf.value, sf.datatype, f.value, sf.operation);
        if (typeof r !== 'string') return r;
        fr.add(r);
      }
      record.add(fr.byCheck(sf.entityCheck));
    }
    return record.byOperator('AND');
  }

  // ------------------------------------------------------------------- tests

  evaluateTest(testId: string): Promise<TestResult> {
    let p = this.tests.get(testId);
    if (!p) {
      p = this.evaluateTestUncached(testId);
      this.tests.set(testId, p);
    }
    return p;
  }

  private async evaluateTestUncached(testId: string): Promise<TestResult> {
    const test = this.doc.tests.get(testId);
    if (!test) return { testId, result: 'error', items: [] };
    if (test.objectRef === undefined) return { testId, result: 'unknown', items: [] };
    const object = this.doc.objects.get(test.objectRef);
    if (object && (object.family !== test.family || object.type.replace(/_object$/, '') !== test.type.replace(/_test$/, ''))) {
      return { testId, result: 'error', objectId: test.objectRef, items: [] };
    }
    const collected = await this.collect(test.objectRef);
    const base = { testId, objectId: test.objectRef };
    const items = collected.items;
    const exists = items.filter((i) => i.status === 'exists').length;
    const errors = items.filter((i) => i.status === 'error').length;
    const hasState = test.stateRefs.length > 0;
    const existence = test.checkExistence;
    const notEvaluated = (): ItemResult[] => items.map((item) => ({ item, result: 'not evaluated' as const }));
    switch (collected.flag) {
      case 'error':
        return { ...base, result: existence === 'any_exist' && !hasState ? 'true' : 'error', items: notEvaluated() };
      case 'not collected':
        return { ...base, result: existence === 'any_exist' && !hasState ? 'true' : 'unknown', items: notEvaluated() };
      case 'not applicable':
        return { ...base, result: existence === 'any_exist' && !hasState ? 'true' : 'not applicable', items: notEvaluated() };
      case 'does not exist':
        return { ...base, result: existence === 'none_exist' || existence === 'any_exist' ? 'true' : 'false', items: notEvaluated() };
      case 'complete': {
        const r = existenceResult(existence, exists, errors);
        if (r === 'true' && hasState) {
          const { result, itemResults } = await this.checkStates(test, items);
          return { ...base, result, items: itemResults };
        }
        return { ...base, result: r, items: notEvaluated() };
      }
      case 'incomplete': {
        let r: OvalResult;
        if (existence === 'any_exist') r = 'true';
        else if (existence === 'at_least_one_exists' && exists > 0) r = 'true';
        else if (existence === 'none_exist' && exists > 0) r = 'false';
        else if (existence === 'only_one_exists' && exists > 1) r = 'false';
        else r = 'unknown';
        if (r === 'true' && hasState) {
          const { result, itemResults } = await this.checkStates(test, items);
          r = result === 'true' ? (test.check === 'at least one' ? 'true' : 'unknown') : result === 'false' ? 'false' : 'unknown';
          return { ...base, result: r, items: itemResults };
        }
        return { ...base, result: r, items: notEvaluated() };
      }
    }
  }

  /** eval_check_state: every item against the test's states. */
  private async checkStates(test: OvalTest, items: readonly OvalItem[]): Promise<{ result: OvalResult; itemResults: ItemResult[] }> {
    const all = new ResultCounts();
    const itemResults: ItemResult[] = [];
    for (const item of items) {
      let r: OvalResult;
      if (item.status === 'error' || item.status === 'not collected') r = 'error';
      else if (item.status === 'does not exist') r = 'false';
      else {
        const per = new ResultCounts();
        for (const ref of test.stateRefs) {
          const state = this.doc.states.get(ref);
          per.add(state ? await this.itemMatchesState(item, state) : 'error');
        }
        r = per.byOperator(test.stateOperator);
      }
      all.add(r);
      itemResults.push({ item, result: r });
    }
    return { result: all.byCheck(test.check), itemResults };
  }

  // ------------------------------------------------------------- definitions

  evaluateDefinition(id: string): Promise<DefinitionResult> {
    let p = this.definitions.get(id);
    if (!p) {
      p = this.evaluateDefinitionUncached(id);
      this.definitions.set(id, p);
    }
    return p;
  }

  private async evaluateDefinitionUncached(id: string): Promise<DefinitionResult> {
    const def = this.doc.definitions.get(id);
    if (!def) return { definitionId: id, result: 'error' };
    if (!def.criteria) return { definitionId: id, result: 'not evaluated' };
    const criteria = await this.evaluateCriteria(def.criteria);
    return { definitionId: id, result: criteria.result, criteria };
  }

  private async evaluateCriteria(c: Criteria): Promise<CriteriaResult> {
    const children: CriteriaResult[] = [];
    for (const k of c.children) {
      if (k.kind === 'criteria') children.push(await this.evaluateCriteria(k));
      else if (k.kind === 'criterion') {
        const t = await this.evaluateTest(k.testRef);
        children.push({ kind: 'criterion', testRef: k.testRef, negate: k.negate, result: k.negate ? negate(t.result) : t.result });
      } else {
        const d = await this.evaluateDefinition(k.definitionRef);
        children.push({ kind: 'extend_definition', definitionRef: k.definitionRef, negate: k.negate, result: k.negate ? negate(d.result) : d.result });
      }
    }
    const combined = ResultCounts.of(children.map((x) => x.result)).byOperator(c.operator);
    return { kind: 'criteria', operator: c.operator, negate: c.negate, result: c.negate ? negate(combined) : combined, children };
  }

  /** Evaluates every definition (or the given ones). */
  async evaluateAll(ids?: readonly string[]): Promise<DefinitionResult[]> {
    // The walks first, together; then the definitions in order, which find those objects collected.
    await this.prepare(ids);
    const out: DefinitionResult[] = [];
    for (const id of ids ?? [...this.doc.definitions.keys()]) out.push(await this.evaluateDefinition(id));
    return out;
  }
}

/** One object's place in a batch. */
interface BatchMember {
  readonly batch: CollectionBatch;
  /** The member's share of the work is registered or will never be: the others need not wait for it. */
  arrived(): void;
  /** Waits until the members before it have numbered their items. */
  numbered(): Promise<void>;
}

/** Objects collected together (ProbeContext.batch): the shared work starts once every member has registered its share or finished. */
class Batch {
  private readonly waiting: Set<string>;
  private readonly done = new Map<string, Promise<void>>();
  private open!: () => void;
  readonly gate = new Promise<void>((resolve) => {
    this.open = resolve;
  });

  constructor(private readonly ids: readonly string[]) {
    this.waiting = new Set(ids);
  }

  private arrive(id: string): void {
    if (this.waiting.delete(id) && this.waiting.size === 0) this.open();
  }

  /** The member's collection: when it settles, the member has arrived (whether it registered work or not). */
  settled(id: string, collection: Promise<unknown>): void {
    const done = collection.then(
      () => this.arrive(id),
      () => this.arrive(id),
    );
    this.done.set(id, done);
  }

  member(id: string): BatchMember {
    const before = this.ids[this.ids.indexOf(id) - 1];
    return {
      batch: {
        ready: () => {
          this.arrive(id);
          return this.gate;
        },
      },
      arrived: () => this.arrive(id),
      numbered: async () => {
        if (before !== undefined) await this.done.get(before);
      },
    };
  }
}

function statusCounts(entities: readonly ItemEntity[]): EntityStatusCounts {
  let exists = 0;
  let dne = 0;
  let error = 0;
  let nc = 0;
  for (const ie of entities) {
    if (ie.status === 'exists') exists++;
    else if (ie.status === 'does not exist') dne++;
    else if (ie.status === 'error') error++;
    else nc++;
  }
  return { exists, dne, error, nc };
}

/**
 * The flag of an object whose var_ref variable has no values, by the
 * variable's flag (OVAL 5.11's rules for variables and objects): a variable
 * that has no values because nothing exists to give them makes the object
 * `does not exist`; one that could not be computed passes on why (error,
 * not collected, not applicable), so that a test over the object is error
 * or unknown, never true for want of evidence. OpenSCAP 1.3.7 says
 * `does not exist` whatever the reason (oval_varref_to_sexp), which lets a
 * `none_exist` test pass on an object it never collected.
 */
export function variableFlag(flag: CollectionFlag): CollectionFlag {
  return flag === 'complete' || flag === 'incomplete' ? 'does not exist' : flag;
}

function* combinations(list: ReadonlyArray<{ entity: OvalEntity; values: readonly string[] }>, i = 0, acc: ResolvedEntity[] = []): Generator<ResolvedEntity[]> {
  if (i === list.length) {
    yield acc;
    return;
  }
  const { entity, values } = list[i]!;
  for (const value of values) yield* combinations(list, i + 1, [...acc, { entity, value }]);
}

function combineSets(
  a: { flag: CollectionFlag; items: OvalItem[]; messages: string[] },
  b: { flag: CollectionFlag; items: OvalItem[]; messages: string[] },
  op: OvalSet['operator'],
): { flag: CollectionFlag; items: OvalItem[]; messages: string[] } {
  const bIds = new Set(b.items.map((i) => i.id));
  let items: OvalItem[];
  if (op === 'UNION') {
    const seen = new Set(a.items.map((i) => i.id));
    items = [...a.items, ...b.items.filter((i) => !seen.has(i.id))];
  } else if (op === 'INTERSECTION') items = a.items.filter((i) => bIds.has(i.id));
  else items = a.items.filter((i) => !bIds.has(i.id));
  let flag = combineFlags(a.flag, b.flag, op);
  if (flag === 'complete' && items.length === 0) flag = 'does not exist';
  return { flag, items, messages: [...a.messages, ...b.messages] };
}

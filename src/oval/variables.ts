/**
 * OVAL variable evaluation: constant, external and local variables with
 * every component and function, exactly as OpenSCAP 1.3.7 computes them
 * (src/OVAL/oval_component.c, src/OVAL/oval_variable.c,
 * src/OVAL/oval_glob_to_regex.c are the reference for every edge; the
 * function names quoted below are theirs).
 *
 * Internally every component yields a collection flag and a list of values,
 * each with its own datatype (arithmetic depends on it). The flag includes
 * OpenSCAP's SYSCHAR_FLAG_UNKNOWN ('unknown'), the identity of its flag
 * aggregation; a variable whose final flag is 'unknown' is reported as an
 * error.
 *
 * Variable level, as oval_variable.c:
 * - constant: complete, values typed by the variable;
 * - external: 'not collected' when nothing was supplied (the flag of a
 *   never-bound variable), 'does not exist' when a value matches neither a
 *   possible_value (text equality) nor a possible_restriction, else complete
 *   (even with no values);
 * - local: the component's flag; complete or incomplete without values is
 *   an error (_dump_variable_values); values take the variable's datatype.
 *
 * Deliberate departures, all for robustness: a concat whose product exceeds
 * MAX_PRODUCT values is an error; reference cycles (which crash OpenSCAP)
 * are errors; a pattern compilePcre cannot translate is an error.
 */
import type { Component, OvalDatatype, OvalDefinitions, OvalEntity, OvalSet, OvalVariable } from '../model/oval/types.js';
import { compareValuesLater } from './compare.js';
import { compilePcre } from './regex/pcre.js';
import { ResultCounts, type CollectionFlag } from './result.js';
import type { CollectedObject, ExternalVariableSource, VariableValue } from './types.js';

/** Collects an object on behalf of an object_component (the engine, in production). */
export interface ObjectCollector {
  collect(objectId: string): Promise<CollectedObject>;
}

export interface VariableEvaluatorOptions {
  /** The current time in seconds since the epoch (time_difference with one component). */
  readonly now?: () => number;
}

/** A collection flag, or OpenSCAP's SYSCHAR_FLAG_UNKNOWN (nothing computed). */
type Flag = CollectionFlag | 'unknown';

/** One value with its own datatype (oval_value). */
interface Val {
  readonly text: string;
  readonly datatype: OvalDatatype;
}

interface Evaluated {
  flag: Flag;
  values: Val[];
}

interface Computed {
  readonly flag: Flag;
  readonly values: readonly Val[];
  readonly messages: readonly string[];
}

// ------------------------------------------------------------ flag algebra

/** Index order of oval_syschar_collection_flag_t. */
const FLAG_ORDER: readonly Flag[] = ['unknown', 'error', 'complete', 'incomplete', 'does not exist', 'not collected', 'not applicable'];

/** _flag_agg_map, indexed [f2][f1] as the _AGG_FLAG(f1, f2) macro does. */
const AGG_MAP: readonly (readonly Flag[])[] = [
  ['unknown', 'error', 'complete', 'incomplete', 'does not exist', 'not collected', 'not applicable'],
  ['error', 'error', 'error', 'error', 'error', 'error', 'error'],
  ['complete', 'error', 'complete', 'incomplete', 'does not exist', 'not collected', 'not applicable'],
  ['incomplete', 'error', 'incomplete', 'incomplete', 'does not exist', 'not collected', 'not applicable'],
  ['does not exist', 'error', 'does not exist', 'does not exist', 'does not exist', 'not collected', 'not applicable'],
  ['not collected', 'error', 'not collected', 'not collected', 'not collected', 'not collected', 'not applicable'],
  ['not applicable', 'error', 'not applicable', 'not applicable', 'not applicable', 'not applicable', 'not applicable'],
];

function aggFlag(f1: Flag, f2: Flag): Flag {
  return AGG_MAP[FLAG_ORDER.indexOf(f2)]![FLAG_ORDER.indexOf(f1)]!;
}

/** _HAS_VALUES */
function hasValues(f: Flag): boolean {
  return f === 'complete' || f === 'incomplete';
}

// ---------------------------------------------------------- the evaluator

/** Refuses a concat whose cartesian product would exceed this many values. */
const MAX_PRODUCT = 1_000_000;

export class VariableEvaluator {
  private readonly memo = new Map<string, Promise<Computed>>();
  private cyclic: ReadonlySet<string> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly doc: OvalDefinitions,
    private readonly external: ExternalVariableSource,
    private readonly objects: ObjectCollector,
    options: VariableEvaluatorOptions = {},
  ) {
    this.now = options.now ?? ((): number => Math.floor(Date.now() / 1000));
  }

  /** Memoized per id. Never throws for content problems: returns flag 'error' with messages. */
  async value(variableId: string): Promise<VariableValue> {
    const c = await this.computed(variableId);
    const v = this.doc.variables.get(variableId);
    const datatype: OvalDatatype = v?.datatype ?? 'string';
    const flag: CollectionFlag = c.flag === 'unknown' ? 'error' : c.flag;
    const messages = c.flag === 'unknown' ? [...c.messages, `variable ${variableId} was not computed (its component yields nothing)`] : [...c.messages];
    return { datatype, values: hasValues(c.flag) ? c.values.map((x) => x.text) : [], flag, messages };
  }

  private computed(id: string): Promise<Computed> {
    let p = this.memo.get(id);
    if (!p) {
      p = this.compute(id).catch((e: unknown) => ({
        flag: 'error' as const,
        values: [],
        messages: [`internal error evaluating variable ${id}: ${e instanceof Error ? e.message : String(e)}`],
      }));
      this.memo.set(id, p);
    }
    return p;
  }

  private async compute(id: string): Promise<Computed> {
    const v = this.doc.variables.get(id);
    if (!v) return { flag: 'error', values: [], messages: [`variable ${id} is not defined`] };
    switch (v.kind) {
      case 'constant':
        // oval_variable_add_value: the flag becomes complete with the first value.
        return {
          flag: v.values.length > 0 ? 'complete' : 'not collected',
          values: v.values.map((text) => ({ text, datatype: v.datatype })),
          messages: v.values.length > 0 ? [] : [`constant variable ${id} has no values`],
        };
      case 'external':
        return this.externalValue(v);
      case 'local': {
        if (this.cycles().has(`v:${id}`)) {
          return { flag: 'error', values: [], messages: [`variable ${id} refers to itself (circular reference)`] };
        }
        const messages: string[] = [];
        const r = await this.component(v.component, messages);
        // oval_probe_query_variable → _dump_variable_values: a local variable
        // with values takes its own datatype (oval_value_cast); complete or
        // incomplete without values is an error.
        if (hasValues(r.flag) && r.values.length === 0) {
          return { flag: 'error', values: [], messages: [...messages, `local variable ${id} has no values`] };
        }
        return { flag: r.flag, values: r.values.map((x) => ({ text: x.text, datatype: v.datatype })), messages };
      }
    }
  }

  /** oval_variable_bind_ext_var and oval_variable_validate_ext_var. */
  private async externalValue(v: Extract<OvalVariable, { kind: 'external' }>): Promise<Computed> {
    const supplied = this.external.get(v.id);
    if (supplied === undefined) {
      // Never bound: the flag oval_variable_new gives an external variable.
      return { flag: 'not collected', values: [], messages: [`no value was supplied for external variable ${v.id}`] };
    }
    if (v.possibleValues.length > 0 || v.possibleRestrictions.length > 0) {
      for (const text of supplied) {
        let allowed = v.possibleValues.some((pv) => pv.value === text);
        for (const pr of v.possibleRestrictions) {
          if (allowed) break;
          const counts = new ResultCounts();
          for (const r of pr.restrictions) counts.add(await compareValuesLater(r.value, v.datatype, text, r.operation));
          allowed = counts.byOperator(pr.operator) === 'true';
        }
        if (!allowed) {
          return {
            flag: 'does not exist',
            values: [],
            messages: [`value "${text}" of external variable ${v.id} is not allowed by its possible_value and possible_restriction elements`],
          };
        }
      }
    }
    return { flag: 'complete', values: supplied.map((text) => ({ text, datatype: v.datatype })), messages: [] };
  }

  // ------------------------------------------------------------ components

  private async component(c: Component, msgs: string[]): Promise<Evaluated> {
    switch (c.fn) {
      case 'literal':
        return { flag: 'complete', values: [{ text: c.value, datatype: c.datatype }] };
      case 'object':
        return this.objectComponent(c, msgs);
      case 'variable': {
        // _oval_component_evaluate_VARREF: the referenced variable's flag, and its values when it has any.
        if (!this.doc.variables.has(c.varRef)) {
          msgs.push(`variable_component refers to an undefined variable ${c.varRef}`);
          return { flag: 'error', values: [] };
        }
        const r = await this.computed(c.varRef);
        if (!hasValues(r.flag)) msgs.push(...r.messages);
        return { flag: r.flag, values: hasValues(r.flag) ? [...r.values] : [] };
      }
      case 'begin':
      case 'end': {
        const sub = await this.component(c.arg, msgs);
        const ch = c.character;
        const values = sub.values.map((x): Val => {
          if (c.fn === 'begin') return str(x.text.startsWith(ch) ? x.text : ch + x.text);
          return str(x.text.endsWith(ch) ? x.text : x.text + ch);
        });
        return { flag: sub.flag, values };
      }
      case 'concat':
        return this.concat(c.args, msgs);
      case 'count': {
        const { flag, cols } = await this.aggregated(c.args, msgs);
        let n = 0;
        if (c.args.length > 0 && hasValues(flag)) for (const col of cols) n += col.length;
        // The count is added whatever the flag (a "0" behind a flag without values).
        return { flag, values: [{ text: String(n | 0), datatype: 'int' }] };
      }
      case 'unique': {
        const { flag, cols } = await this.aggregated(c.args, msgs);
        const seen = new Set<string>();
        if (c.args.length > 0 && hasValues(flag)) for (const col of cols) for (const x of col) seen.add(x.text);
        // oval_string_map is a red-black tree keyed by strcmp: the values come out sorted by bytes.
        const values = [...seen].sort(byteCompare).map(str);
        return { flag, values };
      }
      case 'escape_regex': {
        const sub = await this.component(c.arg, msgs);
        return { flag: sub.flag, values: sub.values.map((x) => str(escapeRegex(x.text))) };
      }
      case 'split': {
        const sub = await this.component(c.arg, msgs);
        const values: Val[] = [];
        for (const x of sub.values) {
          if (c.delimiter.length > 0) for (const part of x.text.split(c.delimiter)) values.push(str(part));
          else for (const ch of x.text) values.push(str(ch));
        }
        return { flag: sub.flag, values };
      }
      case 'substring':
        return this.substring(c, msgs);
      case 'time_difference':
        return this.timeDifference(c, msgs);
      case 'regex_capture':
        return this.regexCapture(c, msgs);
      case 'glob_to_regex': {
        const sub = await this.component(c.arg, msgs);
        let flag = sub.flag;
        const values: Val[] = [];
        for (const x of sub.values) {
          const re = globToRegex(x.text, c.globNoescape);
          if (re === undefined) {
            msgs.push(`Can't convert glob '${x.text}' to regular expression. Expecting ']' at the end of glob.`);
            flag = 'error';
            break;
          }
          values.push(str(re));
        }
        return { flag, values };
      }
      case 'arithmetic':
        return this.arithmetic(c, msgs);
    }
  }

  /** _oval_component_evaluate_OBJECTREF */
  private async objectComponent(c: Extract<Component, { fn: 'object' }>, msgs: string[]): Promise<Evaluated> {
    const objectId = c.objectRef;
    if (!this.doc.objects.has(objectId)) {
      msgs.push(`object_component refers to an undefined object ${objectId}`);
      return { flag: 'error', values: [] };
    }
    if (this.cycles().has(`o:${objectId}`)) {
      msgs.push(`object ${objectId} depends on itself through variables (circular reference)`);
      return { flag: 'error', values: [] };
    }
    let co: CollectedObject;
    try {
      co = await this.objects.collect(objectId);
    } catch (e) {
      msgs.push(`collecting object ${objectId} failed: ${e instanceof Error ? e.message : String(e)}`);
      return { flag: 'error', values: [] };
    }
    const values: Val[] = [];
    // Every item of the collected object is read, whatever its status, as OpenSCAP does.
    for (const item of co.items) {
      let entityMatched = false;
      for (const ent of item.entities) {
        if (ent.name !== c.itemField) continue;
        entityMatched = true;
        if (ent.datatype === 'record' && c.recordField === undefined) {
          msgs.push(`Unexpected record data type in ${item.type} (id: ${item.id}) specified by object '${objectId}'.`);
          return { flag: 'error', values };
        }
        if (ent.datatype !== 'record' && c.recordField !== undefined) {
          msgs.push(
            `Expected record data type, but found ${ent.datatype} data type in ${c.itemField} entity in ${item.type} (id: ${item.id}) specified by object '${objectId}'.`,
          );
          return { flag: 'error', values };
        }
        if (ent.datatype === 'record') {
          let fieldMatched = false;
          for (const f of ent.fields ?? []) {
            if (f.name !== c.recordField) continue;
            fieldMatched = true;
            values.push({ text: f.value, datatype: f.datatype });
          }
          if (!fieldMatched) {
            msgs.push(`Record field '${c.recordField}' has not been found in ${item.type} (id: ${item.id}) specified by object '${objectId}'.`);
            return { flag: 'error', values };
          }
        } else {
          values.push({ text: ent.value, datatype: ent.datatype });
        }
      }
      if (!entityMatched) {
        msgs.push(`Entity '${c.itemField}' has not been found in ${item.type} (id: ${item.id}) specified by object '${objectId}'.`);
        return { flag: 'error', values };
      }
    }
    if (co.flag !== 'complete') msgs.push(...co.messages);
    return { flag: co.flag, values };
  }

  /** Evaluates every component, aggregating the flags with _AGG_FLAG (concat, count, unique). */
  private async aggregated(args: readonly Component[], msgs: string[]): Promise<{ flag: Flag; cols: Val[][] }> {
    let flag: Flag = 'unknown';
    const cols: Val[][] = [];
    for (const a of args) {
      const r = await this.component(a, msgs);
      flag = aggFlag(flag, r.flag);
      cols.push(r.values);
    }
    return { flag, cols };
  }

  /** _oval_component_evaluate_CONCAT: the cartesian product, the first component varying fastest. */
  private async concat(args: readonly Component[], msgs: string[]): Promise<Evaluated> {
    const { flag, cols } = await this.aggregated(args, msgs);
    if (args.length === 0 || !hasValues(flag)) return { flag, values: [] };
    // Components without values take no part (and if none has any, one empty string results).
    const parts = cols.filter((c) => c.length > 0);
    let total = 1;
    for (const p of parts) total *= p.length;
    if (total > MAX_PRODUCT) {
      msgs.push(`concat would produce ${total} values; Vigil refuses more than ${MAX_PRODUCT}`);
      return { flag: 'error', values: [] };
    }
    const idx = parts.map(() => 0);
    const values: Val[] = [];
    for (let pass = 0; pass < total; pass++) {
      values.push(str(parts.map((p, i) => p[idx[i]!]!.text).join('')));
      for (let i = 0; i < parts.length; i++) {
        idx[i]!++;
        if (idx[i]! < parts[i]!.length) break;
        idx[i] = 0;
      }
    }
    return { flag, values };
  }

  /** _oval_component_evaluate_SUBSTRING: byte offsets; a start at or past the end is an error. */
  private async substring(c: Extract<Component, { fn: 'substring' }>, msgs: string[]): Promise<Evaluated> {
    const beg = c.start < 1 ? 0 : c.start - 1;
    const sub = await this.component(c.arg, msgs);
    let flag = sub.flag;
    const values: Val[] = [];
    for (const x of sub.values) {
      const bytes = Buffer.from(x.text, 'utf8');
      const sublen = c.length < 0 || c.length > bytes.length ? bytes.length : c.length;
      if (beg < bytes.length) {
        values.push(str(bytes.subarray(beg, beg + sublen).toString('utf8')));
      } else {
        msgs.push(`substring_start ${c.start} is beyond the end of "${x.text}"`);
        flag = 'error';
      }
    }
    return { flag, values };
  }

  /** _oval_component_evaluate_TIMEDIF */
  private async timeDifference(c: Extract<Component, { fn: 'time_difference' }>, msgs: string[]): Promise<Evaluated> {
    let flag: Flag = 'unknown';
    const cols: Val[][] = [];
    // Only the flag of the last component evaluated is kept.
    for (const a of c.args.slice(0, 2)) {
      const r = await this.component(a, msgs);
      flag = r.flag;
      cols.push(r.values);
    }
    if (c.args.length > 2) {
      msgs.push(`time_difference takes one or two components, not ${c.args.length}`);
      return { flag: 'error', values: [] };
    }
    if (cols.length === 0) {
      msgs.push('time_difference has no component');
      return { flag: 'error', values: [] };
    }
    let fmt1 = c.format1;
    const fmt2 = c.format2;
    if (cols.length === 1) {
      // The current time comes first, as seconds since the epoch; the component takes format_2.
      cols.unshift([{ text: String(Math.floor(this.now())), datatype: 'int' }]);
      fmt1 = 'seconds_since_epoch';
    }
    const values: Val[] = [];
    for (const v1 of cols[0]!) {
      for (const v2 of cols[1]!) {
        const d = BigInt.asUintN(64, parseDateTime(v1.text, fmt1, msgs) - parseDateTime(v2.text, fmt2, msgs));
        // snprintf into char[16]: at most 15 digits survive.
        values.push({ text: d.toString().slice(0, 15), datatype: 'int' });
      }
    }
    return { flag, values };
  }

  /** _oval_component_evaluate_REGEX_CAPTURE */
  private async regexCapture(c: Extract<Component, { fn: 'regex_capture' }>, msgs: string[]): Promise<Evaluated> {
    let re: RegExp;
    try {
      re = compileRegex(c.pattern);
    } catch (e) {
      // The pattern is compiled before the component is evaluated.
      msgs.push(`regex_capture pattern ${JSON.stringify(c.pattern)} cannot be used: ${e instanceof Error ? e.message : String(e)}`);
      return { flag: 'error', values: [] };
    }
    const sub = await this.component(c.arg, msgs);
    let flag = sub.flag;
    const values: Val[] = [];
    for (const x of sub.values) {
      values.push(str(firstCapture(re, x.text)));
      // Every processed value sets the flag to complete, whatever the component's flag was.
      flag = 'complete';
    }
    return { flag, values };
  }

  /** _oval_component_evaluate_ARITHMETIC and _oval_component_evaluate_ARITHMETIC_rec */
  private async arithmetic(c: Extract<Component, { fn: 'arithmetic' }>, msgs: string[]): Promise<Evaluated> {
    let flag: Flag = 'unknown';
    const cols: Val[][] = [];
    for (const a of c.args) {
      const r = await this.component(a, msgs);
      flag = r.flag; // "todo: combine flags": the last component's flag is kept
      cols.push(r.values);
    }
    if (cols.length === 0) {
      msgs.push('arithmetic has no component');
      return { flag: 'error', values: [] };
    }
    // The components are kept in a list built by prepending: the last one is iterated outermost.
    const list = cols.reverse();
    const op = c.operation;
    const out: Val[] = [];
    const rec = (level: number, val: number, datatype: OvalDatatype): Flag => {
      if (level === list.length) {
        out.push({ text: formatArithmetic(val, datatype), datatype });
        return 'complete';
      }
      for (const ov of list[level]!) {
        const n = numericValue(ov, msgs);
        if (n === undefined) return 'error';
        const nv = op === 'add' ? n + val : n * val;
        rec(level + 1, nv, datatype === 'float' ? 'float' : ov.datatype);
      }
      return 'complete';
    };
    for (const ov of list[0]!) {
      const n = numericValue(ov, msgs);
      if (n === undefined) {
        flag = 'error';
        break;
      }
      flag = rec(1, n, ov.datatype);
    }
    return { flag, values: out };
  }

  // ------------------------------------------------------------- cycles

  /**
   * Nodes (`v:`, `o:`, `s:` + id) that lie on a cycle of references:
   * variable → variable/object, object → variable (var_ref), state (filter),
   * object (set), state → variable. Evaluating one would wait on itself.
   */
  private cycles(): ReadonlySet<string> {
    if (this.cyclic) return this.cyclic;
    const edges = new Map<string, string[]>();
    const entityRefs = (ents: readonly OvalEntity[], out: string[]): void => {
      for (const e of ents) {
        if (e.varRef !== undefined) out.push(`v:${e.varRef}`);
        if (e.fields) entityRefs(e.fields, out);
      }
    };
    const setRefs = (s: OvalSet, out: string[]): void => {
      for (const o of s.objectRefs) out.push(`o:${o}`);
      for (const f of s.filters) out.push(`s:${f.stateRef}`);
      for (const sub of s.sets) setRefs(sub, out);
    };
    const componentRefs = (c: Component, out: string[]): void => {
      if (c.fn === 'variable') out.push(`v:${c.varRef}`);
      else if (c.fn === 'object') out.push(`o:${c.objectRef}`);
      else if ('arg' in c) componentRefs(c.arg, out);
      else if ('args' in c) for (const a of c.args) componentRefs(a, out);
    };
    for (const v of this.doc.variables.values()) {
      const out: string[] = [];
      if (v.kind === 'local') componentRefs(v.component, out);
      edges.set(`v:${v.id}`, out);
    }
    for (const o of this.doc.objects.values()) {
      const out: string[] = [];
      entityRefs(o.entities, out);
      for (const f of o.filters) out.push(`s:${f.stateRef}`);
      if (o.set) setRefs(o.set, out);
      edges.set(`o:${o.id}`, out);
    }
    for (const s of this.doc.states.values()) {
      const out: string[] = [];
      entityRefs(s.entities, out);
      edges.set(`s:${s.id}`, out);
    }
    this.cyclic = nodesOnCycles(edges);
    return this.cyclic;
  }
}

// ---------------------------------------------------------------- helpers

function str(text: string): Val {
  return { text, datatype: 'string' };
}

/** strcmp order over UTF-8 bytes. */
function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Tarjan's strongly connected components; the nodes of every non-trivial one (or with a self-loop). */
function nodesOnCycles(edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result = new Set<string>();
  let counter = 0;
  // Iterative, so that long chains of references cannot overflow the call stack.
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const succ = edges.get(top.node) ?? [];
      if (top.next < succ.length) {
        const w = succ[top.next++]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== top.node);
        if (scc.length > 1 || (edges.get(top.node) ?? []).includes(top.node)) for (const n of scc) result.add(n);
      }
    }
  }
  return result;
}

/** _isEscape: the characters escape_regex prefixes with a backslash. */
const REGEX_SPECIALS = new Set('^$\\.[](){}*+?|');

export function escapeRegex(s: string): string {
  let out = '';
  for (const ch of s) out += REGEX_SPECIALS.has(ch) ? `\\${ch}` : ch;
  return out;
}

/**
 * oval_glob_to_regex, ported state for state (including its quirks: a `[`
 * right after a `/` opens a class without writing the `[`). Undefined when
 * a class is not closed.
 */
export function globToRegex(glob: string, noescape: boolean): string | undefined {
  type State = 'START' | 'NORMAL' | 'LEFT_BRACKET' | 'CLASS' | 'ESCAPE' | 'SLASH';
  const SPECIAL = '.|^(){}+$';
  let re = '^';
  let state: State = 'START';
  for (let i = 0; ; i++) {
    const c = i < glob.length ? glob[i]! : '\0';
    const end = c === '\0';
    switch (state) {
      case 'START':
      case 'SLASH':
        if (end) return `${re}$`;
        if (c === '/' && state === 'START') {
          re += c;
          state = 'SLASH';
        } else if (c === '?') {
          re += '[^./]';
          state = 'NORMAL';
        } else if (c === '*') {
          re += '(?=[^.])[^/]*';
          state = 'NORMAL';
        } else if (SPECIAL.includes(c)) {
          re += `\\${c}`;
          state = 'NORMAL';
        } else if (c === '[') {
          if (state === 'START') re += '[';
          state = 'LEFT_BRACKET';
        } else if (c === '\\') {
          if (noescape) {
            re += '\\\\';
            state = 'NORMAL';
          } else {
            state = 'ESCAPE';
          }
        } else {
          // In SLASH state a second '/' is an ordinary character.
          re += c;
          state = 'NORMAL';
        }
        break;
      case 'NORMAL':
        if (end) return `${re}$`;
        if (c === '/') {
          re += c;
          state = 'SLASH';
        } else if (c === '?') {
          re += '[^/]';
        } else if (c === '*') {
          re += '[^/]*';
        } else if (SPECIAL.includes(c)) {
          re += `\\${c}`;
        } else if (c === '[') {
          re += '[';
          state = 'LEFT_BRACKET';
        } else if (c === '\\') {
          if (noescape) re += '\\\\';
          else state = 'ESCAPE';
        } else {
          re += c;
        }
        break;
      case 'LEFT_BRACKET':
        if (c === '!') re += '^';
        else if (end) return undefined;
        else re += c;
        state = 'CLASS';
        break;
      case 'CLASS':
        if (c === '\\') {
          if (noescape) re += '\\';
        } else if (c === ']') {
          state = 'NORMAL';
        } else if (end) {
          return undefined;
        }
        re += c;
        break;
      case 'ESCAPE':
        if (c === '?' || c === '*' || c === '[' || c === ']') {
          re += `\\${c}`;
        } else if (end) {
          return `${re}\\\\$`;
        } else {
          re += `\\\\${c}`;
        }
        state = 'NORMAL';
        break;
    }
  }
}

/** The one place a regular expression is compiled (PCRE semantics via compilePcre). */
function compileRegex(pattern: string): RegExp {
  return compilePcre(pattern);
}

/**
 * Group 1 of the first match, or '' (no match, no group 1, group 1 unset,
 * or a match setting a group past the 19 that OpenSCAP's ovector can hold).
 */
function firstCapture(re: RegExp, text: string): string {
  re.lastIndex = 0;
  const m = re.exec(text);
  if (!m) return '';
  let highest = 0;
  for (let i = m.length - 1; i > 0; i--) {
    if (m[i] !== undefined) {
      highest = i;
      break;
    }
  }
  if (highest + 1 > 20) return ''; // pcre_exec returns 0: the ovector was too small
  if (highest < 1) return '';
  return m[1] ?? '';
}

// ----------------------------------------------------------- arithmetic

const C_SPACE = /^[\t\n\v\f\r ]*/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function clampInt64(v: bigint): bigint {
  return v < INT64_MIN ? INT64_MIN : v > INT64_MAX ? INT64_MAX : v;
}

/** strtoll(s, &end, 10) (atol alike): the longest decimal prefix, clamped. */
function cStrtoll(s: string): bigint {
  const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(s);
  return m ? clampInt64(BigInt(m[1]!)) : 0n;
}

/** strtod(s, NULL): the value of the longest prefix, and whether errno would be ERANGE. */
function cStrtod(s: string): { value: number; erange: boolean } {
  const rest = s.slice(C_SPACE.exec(s)![0].length);
  const m = /^([+-]?)(?:(inf(?:inity)?)|(nan)(?:\([0-9a-z_]*\))?|0x((?:[0-9a-f]+(?:\.[0-9a-f]*)?|\.[0-9a-f]+)(?:p[+-]?\d+)?)|((?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?))/i.exec(rest);
  if (!m) return { value: 0, erange: false };
  const sign = m[1] === '-' ? -1 : 1;
  if (m[2] !== undefined) return { value: sign * Infinity, erange: false };
  if (m[3] !== undefined) return { value: NaN, erange: false };
  let value: number;
  let nonzero: boolean;
  if (m[4] !== undefined) {
    const [mant, exp] = m[4].toLowerCase().split('p') as [string, string | undefined];
    const [ip, fp = ''] = mant.split('.') as [string, string | undefined];
    const digits = `${ip}${fp}` || '0';
    nonzero = /[1-9a-f]/.test(digits);
    const e = (exp === undefined ? 0 : Number.parseInt(exp, 10)) - 4 * fp.length;
    value = Number(BigInt(`0x${digits}`)) * 2 ** e;
  } else {
    value = Number(m[5]!);
    nonzero = /[1-9]/.test(m[5]!.split(/e/i)[0]!);
  }
  const erange = !Number.isFinite(value) || (nonzero && Math.abs(value) < 2.2250738585072014e-308);
  return { value: sign * value, erange };
}

/** A value as a number the way the arithmetic reads it, or undefined (an error). */
function numericValue(ov: Val, msgs: string[]): number | undefined {
  switch (ov.datatype) {
    case 'string': {
      const r = cStrtod(ov.text);
      if (r.erange) {
        msgs.push(`Unexpected content: ${ov.text}.`);
        return undefined;
      }
      return r.value;
    }
    case 'int':
      return Number(cStrtoll(ov.text));
    case 'float':
      return Math.fround(cStrtod(ov.text).value); // strtof
    default:
      msgs.push(`Unexpected value type: ${ov.datatype}.`);
      return undefined;
  }
}

/** snprintf "%ld" of (long) val, or "%f"; other datatypes leave OpenSCAP's buffer unwritten (observed empty). */
function formatArithmetic(val: number, datatype: OvalDatatype): string {
  if (datatype === 'int') {
    if (!Number.isFinite(val) || val >= 2 ** 63 || val < -(2 ** 63)) return INT64_MIN.toString(); // cvttsd2si
    return BigInt(Math.trunc(val)).toString();
  }
  if (datatype === 'float') return formatFixed6(val);
  return '';
}

/** printf("%f"): six decimals, the exact binary value rounded half to even. */
export function formatFixed6(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  if (a >= 1e21) return `${neg ? '-' : ''}${BigInt(a).toString()}.000000`;
  // toFixed(100) is exact for every double of magnitude >= 5e-7 (at most 73 fraction digits);
  // smaller ones round to zero either way.
  const [ip, fp] = a.toFixed(100).split('.') as [string, string];
  let n = BigInt(ip + fp.slice(0, 6));
  const d7 = fp.charCodeAt(6) - 48;
  const tail = /[1-9]/.test(fp.slice(7));
  if (d7 > 5 || (d7 === 5 && (tail || n % 2n === 1n))) n += 1n;
  const s = n.toString().padStart(7, '0');
  return `${neg ? '-' : ''}${s.slice(0, -6)}.${s.slice(-6)}`;
}

// --------------------------------------------------------- date and time

interface Tm {
  year: number; // tm_year: years since 1900
  mon: number; // tm_mon: 0-11
  mday: number;
  hour: number;
  min: number;
  sec: number;
}

const YMD = ['%Y%m%d', '%Y/%m/%d', '%Y-%m-%d', '%Y%m%dT%H%M%S', '%Y/%m/%d%n%T', '%Y-%m-%d%n%T'];
const MDY = ['%m/%d/%Y', '%m-%d-%Y', '%b,%n%d%n%Y', '%m/%d/%Y%n%T', '%m-%d-%Y%n%T', '%b,%n%d%n%Y%n%T'];
const DMY = ['%d/%m/%Y', '%d-%m-%Y', '%d/%m/%Y%n%T', '%d-%m-%Y%n%T'];

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

const isCSpace = (ch: string | undefined): boolean => ch !== undefined && ' \t\n\v\f\r'.includes(ch);

/**
 * glibc strptime for the directives OpenSCAP's formats use (%Y %m %d %H %M
 * %S %T %n %b, C locale). Returns the index where parsing stopped, or -1.
 */
function strptime(s: string, fmt: string, tm: Tm, start = 0): number {
  let rp = start;
  const number = (from: number, to: number, n: number): number | undefined => {
    while (isCSpace(s[rp])) rp++;
    const digit = (): boolean => rp < s.length && s[rp]! >= '0' && s[rp]! <= '9';
    if (!digit()) return undefined;
    let val = 0;
    do {
      val = val * 10 + (s.charCodeAt(rp++) - 48);
    } while (--n > 0 && val * 10 <= to && digit());
    return val < from || val > to ? undefined : val;
  };
  for (let f = 0; f < fmt.length; ) {
    const fc = fmt[f]!;
    if (isCSpace(fc)) {
      while (isCSpace(s[rp])) rp++;
      f++;
      continue;
    }
    if (fc !== '%') {
      if (s[rp] !== fc) return -1;
      rp++;
      f++;
      continue;
    }
    const d = fmt[f + 1];
    f += 2;
    let v: number | undefined;
    switch (d) {
      case 'Y':
        if ((v = number(0, 9999, 4)) === undefined) return -1;
        tm.year = v - 1900;
        break;
      case 'm':
        if ((v = number(1, 12, 2)) === undefined) return -1;
        tm.mon = v - 1;
        break;
      case 'd':
        if ((v = number(1, 31, 2)) === undefined) return -1;
        tm.mday = v;
        break;
      case 'H':
        if ((v = number(0, 23, 2)) === undefined) return -1;
        tm.hour = v;
        break;
      case 'M':
        if ((v = number(0, 59, 2)) === undefined) return -1;
        tm.min = v;
        break;
      case 'S':
        if ((v = number(0, 61, 2)) === undefined) return -1;
        tm.sec = v;
        break;
      case 'T':
        rp = strptime(s, '%H:%M:%S', tm, rp);
        if (rp < 0) return -1;
        break;
      case 'n':
        while (isCSpace(s[rp])) rp++;
        break;
      case 'b': {
        // The longest of the full and abbreviated month names that matches, case-insensitively.
        let best = -1;
        let bestLen = 0;
        const lower = s.slice(rp).toLowerCase();
        MONTHS.forEach((name, i) => {
          for (const cand of [name, name.slice(0, 3)]) {
            if (lower.startsWith(cand) && cand.length > bestLen) {
              best = i;
              bestLen = cand.length;
            }
          }
        });
        if (best < 0) return -1;
        tm.mon = best;
        rp += bestLen;
        break;
      }
      default:
        return -1;
    }
  }
  return rp;
}

/** Whether local daylight saving time is in effect at `t` (seconds), as localtime's tm_isdst. */
function isDst(t: number): boolean {
  const d = new Date(t * 1000);
  if (Number.isNaN(d.getTime())) return false;
  const y = d.getFullYear();
  const jan = new Date(2000, 0, 1);
  jan.setFullYear(y, 0, 1);
  const jul = new Date(2000, 6, 1);
  jul.setFullYear(y, 6, 1);
  const std = Math.max(jan.getTimezoneOffset(), jul.getTimezoneOffset());
  return std !== Math.min(jan.getTimezoneOffset(), jul.getTimezoneOffset()) && d.getTimezoneOffset() < std;
}

/** _comp_sec: mktime over local time, less an hour when DST is in effect. */
function compSec(year: number, month: number, day: number, hour: number, minute: number, second: number): bigint {
  const d = new Date(2000, 0, 1, 0, 0, 0, 0);
  d.setFullYear(year, month - 1, day);
  d.setHours(hour, minute, second, 0);
  const ms = d.getTime();
  if (Number.isNaN(ms)) return -1n; // mktime's failure value
  let t = Math.floor(ms / 1000);
  if (isDst(t)) t -= 3600;
  return BigInt(t);
}

/**
 * _parse_fmt: seconds for a date-time string in one of OVAL's formats, 0
 * when it cannot be read. _parse_datetime hands strptime's tm_year and
 * tm_mon to _comp_sec, which offsets them again: a date D-M-Y is taken as
 * D-(M-1)-(Y-1900). That is OpenSCAP's behaviour and is kept.
 */
function parseDateTime(text: string, format: string, msgs: string[]): bigint {
  const table = format === 'year_month_day' ? YMD : format === 'month_day_year' ? MDY : format === 'day_month_year' ? DMY : undefined;
  if (table) {
    for (const fmt of table) {
      const tm: Tm = { year: 0, mon: 0, mday: 0, hour: 0, min: 0, sec: 0 };
      const end = strptime(text, fmt, tm);
      if (end === text.length) return compSec(tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec);
    }
    msgs.push(`Unable to interpret "${text}" as a datetime string`);
    return 0n;
  }
  switch (format) {
    case 'seconds_since_epoch': {
      const t = cStrtoll(text);
      return Math.abs(Number(t)) < 8.64e12 && isDst(Number(t)) ? t - 3600n : t;
    }
    case 'cim_datetime':
      return parseCim(text, msgs);
    case 'win_filetime':
      return 0n; // not implemented in OpenSCAP ("todo")
    default:
      msgs.push(`unknown time_difference format ${format}`);
      return 0n;
  }
}

/** _parse_fmt_cim */
function parseCim(dt: string, msgs: string[]): bigint {
  let m: RegExpExecArray | null;
  let f: number[] | undefined;
  if ((m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.\d{6}[+-]\d{3}$/.exec(dt))) {
    f = m.slice(1, 7).map(Number);
  } else if ((m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}):\d{3}$/.exec(dt))) {
    f = m.slice(1, 7).map(Number);
  } else if ((m = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2}):\d{3}$/.exec(dt))) {
    const [mo, d, y, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    f = [y, mo, d, h, mi, s];
  }
  if (!f) {
    msgs.push(`Unable to interpret "${dt}" as a cim_datetime string`);
    return 0n;
  }
  const [y, mo, d, h, mi, s] = f as [number, number, number, number, number, number];
  return compSec(y, mo, d, h, mi, s);
}

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
import { ResultCounts, type CollectionFlag } from './result.js';
import type { CollectedObject, ExternalVariableSource, VariableValue } from './types.js';
import { formatArithmetic, numericValue } from './variables/arithmetic.js';
import { compileRegex, firstCapture } from './variables/capture.js';
import { failureText } from './regex/bounded.js';
import { nodesOnCycles } from './variables/cycles.js';
import { parseDateTime } from './variables/datetime.js';
import { escapeRegex, globToRegex } from './variables/glob.js';
import { aggFlag, byteCompare, hasValues, str, type Flag, type Val } from './variables/values.js';

/** Collects an object on behalf of an object_component (the engine, in production). */
export interface ObjectCollector {
  collect(objectId: string): Promise<CollectedObject>;
}

export interface VariableEvaluatorOptions {
  /** The current time in seconds since the epoch (time_difference with one component). */
  readonly now?: () => number;
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
      const captured = await firstCapture(re, x.text);
      if (typeof captured !== 'string') {
        // an undecided match is an error of the variable, never a value
        msgs.push(`regex_capture: ${failureText(captured.failure, c.pattern, JSON.stringify(x.text.length > 80 ? `${x.text.slice(0, 80)}…` : x.text))}`);
        return { flag: 'error', values: [] };
      }
      values.push(str(captured));
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

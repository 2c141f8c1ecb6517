/**
 * What the OVAL engine produces and passes around: collected items and
 * objects (the system characteristics), variable values, and the probe
 * contract. Collection outcomes are data, never exceptions.
 */
import type { OvalDatatype, OvalEntity, OvalObject } from '../model/oval/types.js';
import type { ReadLog } from '../target/reads.js';
import type { Target, TargetCapability } from '../target/target.js';
import type { CollectionFlag, ItemStatus } from './result.js';
import type { ProbeServices } from './services.js';

/** One entity of a collected item (a field of the system characteristics). */
export interface ItemEntity {
  readonly name: string;
  readonly value: string;
  readonly datatype: OvalDatatype;
  readonly status: ItemStatus;
  /** Fields of a record-typed entity. */
  readonly fields?: readonly ItemEntity[];
}

/** How many of an item's entities have each status (for a state entity's check_existence). */
export interface EntityStatusCounts {
  readonly exists: number;
  readonly dne: number;
  readonly error: number;
  readonly nc: number;
}

/** A collected item, before the engine numbers it. */
export interface ItemData {
  readonly family: string;
  /** Item element name, e.g. `textfilecontent_item`. */
  readonly type: string;
  readonly status: ItemStatus;
  readonly entities: readonly ItemEntity[];
  readonly messages?: readonly string[];
  /**
   * Optional, for items made by the hundred thousand and nearly all dropped
   * by filters at once (a file walk of /): the entities named `name`, as
   * `entities` has them, without building the others. Filters and states
   * are then judged through `named` and `statuses`, and `entities` is
   * built only for an item that is kept.
   */
  named?(name: string): readonly ItemEntity[];
  /** With `named`: the counts of `entities`' statuses. */
  readonly statuses?: EntityStatusCounts;
}

/** A collected item with its engine-wide id (equal items share one id). */
export interface OvalItem extends ItemData {
  readonly id: number;
}

export interface VariableBinding {
  readonly variableId: string;
  readonly value: string;
}

/** The collected object: its flag, its items and the variable values it used. */
export interface CollectedObject {
  readonly objectId: string;
  readonly flag: CollectionFlag;
  readonly items: readonly OvalItem[];
  readonly messages: readonly string[];
  readonly bindings: readonly VariableBinding[];
  /**
   * Set when the probe did not run because the target lacks what it needs
   * (an offline root has no live kernel, process table or service manager):
   * those capabilities. Reports say which checks were skipped, and why.
   */
  readonly unavailable?: readonly TargetCapability[];
}

/** The values of a variable, with how complete they are. */
export interface VariableValue {
  readonly datatype: OvalDatatype;
  readonly values: readonly string[];
  /** complete, or why the values are missing (error, does not exist, not collected, ...). */
  readonly flag: CollectionFlag;
  readonly messages: readonly string[];
}

/**
 * An object entity with its var_ref resolved to one value. An entity whose
 * variable has several values makes the engine ask the probe once per value
 * (per combination, across entities) and unite the items, as OpenSCAP does.
 */
export interface ResolvedEntity {
  readonly entity: OvalEntity;
  readonly value: string;
}

/** What a probe is asked to collect. */
export interface ProbeRequest {
  readonly object: OvalObject;
  /** Object entities by name, var_refs resolved. */
  readonly entities: ReadonlyMap<string, ResolvedEntity>;
  readonly behaviors: Readonly<Record<string, string>>;
}

/** What a probe returns. The flag defaults to complete, or does not exist when there are no items. */
export interface ProbeResult {
  readonly flag?: CollectionFlag;
  readonly items: readonly ItemData[];
  readonly messages?: readonly string[];
}

/** Everything a probe may use: the target it is handed, and shared services. */
export interface ProbeContext {
  readonly target: Target;
  /** Variable values, for objects that name a variable in their content (variable_object). */
  readonly variables: { value(id: string): Promise<VariableValue> };
  /**
   * The scan's probe services (file walks, file contents, parsed package
   * databases), typed by their keys (services.ts): per engine, or per scan
   * when the engines share a CollectionShare (share.ts).
   */
  readonly services: ProbeServices;
  /**
   * Where the object's reads are recorded (its read set), when the engine
   * records them (EngineOptions.reads). Calls through `target` are recorded
   * already; a probe records here what it learns without asking the target
   * itself: a walk registered with a shared traversal, a file whose content
   * a shared cache holds, the package database, units, processes.
   */
  readonly reads: ReadLog;
  /**
   * The object's filters, for probes that produce many items (file walks):
   * an item for which this answers false would be filtered out anyway, so
   * the probe may drop it at once instead of keeping it. The answer is
   * synchronous unless a variable the filters compare with is not
   * evaluated yet.
   */
  keep(item: ItemData): boolean | Promise<boolean>;
  /** Aborts the scan: a probe doing long work (a walk) stops with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Set when the engine collects this object together with others
   * (OvalEngine.prepare), so that work they have in common is done once:
   * one filesystem walk for every object that recurses through it.
   */
  readonly batch?: CollectionBatch;
}

/**
 * Objects collected together. A probe registers its share of the common
 * work (a walk) in a shared service, then awaits `ready()`: it resolves once
 * every object of the batch has registered its own or finished, so that the
 * work starts once, for all of them. A probe must not await anything else
 * that needs other objects between registering and `ready()`.
 */
export interface CollectionBatch {
  ready(): Promise<void>;
}

export interface Probe {
  readonly family: string;
  /** Object element name, e.g. `textfilecontent54_object`. */
  readonly objectType: string;
  /** Capabilities the probe needs; on a target without them the probe does not run (see `unavailable`). */
  readonly needs: readonly TargetCapability[];
  /**
   * The flag of its objects on a target that lacks `needs`:
   * - `not applicable`: the object type does not apply to such a target.
   *   OpenSCAP answers this for the probes it does not run offline (sysctl,
   *   uname, interface), and a test of such an object is then ignored by an
   *   AND, so the configured state in the rest of a rule decides;
   * - `not collected` (the default): no attempt was made, and the test is
   *   unknown (OpenSCAP's answer for systemd offline).
   */
  readonly unavailable?: 'not applicable' | 'not collected';
  /** One line for the docs: what the probe reads, and what it does offline. */
  readonly description: string;
  collect(request: ProbeRequest, ctx: ProbeContext): Promise<ProbeResult>;
  /**
   * True when collecting this object may share work with other objects
   * collected at the same time (a file object that walks directories): the
   * engine then collects it in a batch with them (ProbeContext.batch).
   */
  sharesWork?(object: OvalObject): boolean;
}

/** Where external variable values come from (XCCDF exports, a variables file). */
export interface ExternalVariableSource {
  /** The values for `id`, or undefined when none were supplied. */
  get(id: string): readonly string[] | undefined;
}

/**
 * The OVAL 5.11 definitions model. Tests, objects and states are kept
 * generically (family + element type + entities) so that every one of
 * OVAL's ~100 object types loads; the probes give them meaning.
 */
import type { SourceLocation } from '../errors.js';

export const OVAL_DEFS_NS = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';
export const OVAL_COMMON_NS = 'http://oval.mitre.org/XMLSchema/oval-common-5';

export type OvalDatatype =
  | 'binary'
  | 'boolean'
  | 'evr_string'
  | 'debian_evr_string'
  | 'fileset_revision'
  | 'float'
  | 'ios_version'
  | 'int'
  | 'ipv4_address'
  | 'ipv6_address'
  | 'record'
  | 'string'
  | 'version';

export type OvalOperation =
  | 'equals'
  | 'not equal'
  | 'case insensitive equals'
  | 'case insensitive not equal'
  | 'greater than'
  | 'less than'
  | 'greater than or equal'
  | 'less than or equal'
  | 'bitwise and'
  | 'bitwise or'
  | 'pattern match'
  | 'subset of'
  | 'superset of';

/** CheckEnumeration, used by check, var_check and entity_check. */
export type CheckEnum = 'all' | 'at least one' | 'none exist' | 'none satisfy' | 'only one';
export type ExistenceEnum = 'all_exist' | 'any_exist' | 'at_least_one_exists' | 'none_exist' | 'only_one_exists';
export type OvalOperator = 'AND' | 'OR' | 'ONE' | 'XOR';
export type SetOperator = 'UNION' | 'INTERSECTION' | 'COMPLEMENT';
export type DefinitionClass = 'compliance' | 'inventory' | 'miscellaneous' | 'patch' | 'vulnerability';

/** An object or state entity (and a record's field). */
export interface OvalEntity {
  readonly name: string;
  /** Text content; '' for an empty or nil entity. */
  readonly value: string;
  readonly datatype: OvalDatatype;
  readonly operation: OvalOperation;
  readonly mask: boolean;
  readonly nil: boolean;
  readonly varRef?: string;
  readonly varCheck: CheckEnum;
  readonly entityCheck: CheckEnum;
  /** State entities: how many matching item entities must exist (default at_least_one_exists). */
  readonly checkExistence: ExistenceEnum;
  /** Fields of a record-typed entity. */
  readonly fields?: readonly OvalEntity[];
}

export interface OvalFilter {
  readonly action: 'include' | 'exclude';
  readonly stateRef: string;
}

export interface OvalSet {
  readonly operator: SetOperator;
  readonly objectRefs: readonly string[];
  readonly sets: readonly OvalSet[];
  readonly filters: readonly OvalFilter[];
}

interface Element {
  readonly id: string;
  readonly version: number;
  readonly comment: string;
  readonly deprecated: boolean;
  /** The family from the namespace: 'independent', 'unix', 'linux', ... */
  readonly family: string;
  /** The element's local name, e.g. 'textfilecontent54_object'. */
  readonly type: string;
  readonly location: SourceLocation;
}

export interface OvalTest extends Element {
  readonly checkExistence: ExistenceEnum;
  readonly check: CheckEnum;
  readonly stateOperator: OvalOperator;
  /** Absent only for unknown_test. */
  readonly objectRef?: string;
  readonly stateRefs: readonly string[];
}

export interface OvalObject extends Element {
  /** Attributes of the `behaviors` element, as written. */
  readonly behaviors: Readonly<Record<string, string>>;
  readonly entities: readonly OvalEntity[];
  readonly set?: OvalSet;
  readonly filters: readonly OvalFilter[];
}

export interface OvalState extends Element {
  readonly operator: OvalOperator;
  readonly entities: readonly OvalEntity[];
}

export type Component =
  | { readonly fn: 'literal'; readonly value: string; readonly datatype: OvalDatatype }
  | { readonly fn: 'object'; readonly objectRef: string; readonly itemField: string; readonly recordField?: string }
  | { readonly fn: 'variable'; readonly varRef: string }
  | { readonly fn: 'arithmetic'; readonly operation: 'add' | 'multiply'; readonly args: readonly Component[] }
  | { readonly fn: 'begin' | 'end'; readonly character: string; readonly arg: Component }
  | { readonly fn: 'concat' | 'count' | 'unique'; readonly args: readonly Component[] }
  | { readonly fn: 'escape_regex'; readonly arg: Component }
  | { readonly fn: 'split'; readonly delimiter: string; readonly arg: Component }
  | { readonly fn: 'substring'; readonly start: number; readonly length: number; readonly arg: Component }
  | { readonly fn: 'time_difference'; readonly format1: string; readonly format2: string; readonly args: readonly Component[] }
  | { readonly fn: 'regex_capture'; readonly pattern: string; readonly arg: Component }
  | { readonly fn: 'glob_to_regex'; readonly globNoescape: boolean; readonly arg: Component };

export type FunctionName = Exclude<Component['fn'], 'literal' | 'object' | 'variable'>;

interface VariableBase {
  readonly id: string;
  readonly version: number;
  readonly comment: string;
  readonly deprecated: boolean;
  readonly datatype: OvalDatatype;
  readonly location: SourceLocation;
}

export interface ConstantVariable extends VariableBase {
  readonly kind: 'constant';
  readonly values: readonly string[];
}

export interface ExternalVariable extends VariableBase {
  readonly kind: 'external';
  readonly possibleValues: ReadonlyArray<{ readonly hint: string; readonly value: string }>;
  readonly possibleRestrictions: ReadonlyArray<{
    readonly hint: string;
    readonly operator: 'AND' | 'OR' | 'ONE' | 'XOR';
    readonly restrictions: ReadonlyArray<{ readonly operation: OvalOperation; readonly value: string }>;
  }>;
}

export interface LocalVariable extends VariableBase {
  readonly kind: 'local';
  readonly component: Component;
}

export type OvalVariable = ConstantVariable | ExternalVariable | LocalVariable;

export interface Criterion {
  readonly kind: 'criterion';
  readonly testRef: string;
  readonly negate: boolean;
  readonly applicabilityCheck?: boolean;
  readonly comment: string;
}

export interface ExtendDefinition {
  readonly kind: 'extend_definition';
  readonly definitionRef: string;
  readonly negate: boolean;
  readonly applicabilityCheck?: boolean;
  readonly comment: string;
}

export interface Criteria {
  readonly kind: 'criteria';
  readonly operator: OvalOperator;
  readonly negate: boolean;
  readonly applicabilityCheck?: boolean;
  readonly comment: string;
  readonly children: ReadonlyArray<Criteria | Criterion | ExtendDefinition>;
}

export interface OvalReference {
  readonly source: string;
  readonly refId: string;
  readonly refUrl?: string;
}

export interface AffectedPlatforms {
  readonly family: string;
  readonly platforms: readonly string[];
  readonly products: readonly string[];
}

export interface OvalDefinition {
  readonly id: string;
  readonly version: number;
  readonly class: DefinitionClass;
  readonly deprecated: boolean;
  readonly title: string;
  readonly description: string;
  readonly references: readonly OvalReference[];
  readonly affected: readonly AffectedPlatforms[];
  readonly criteria?: Criteria;
  readonly location: SourceLocation;
}

export interface OvalGenerator {
  readonly productName?: string;
  readonly productVersion?: string;
  readonly schemaVersion: string;
  readonly timestamp?: string;
}

export interface OvalDefinitions {
  readonly kind: 'oval-definitions';
  readonly generator: OvalGenerator;
  readonly definitions: ReadonlyMap<string, OvalDefinition>;
  readonly tests: ReadonlyMap<string, OvalTest>;
  readonly objects: ReadonlyMap<string, OvalObject>;
  readonly states: ReadonlyMap<string, OvalState>;
  readonly variables: ReadonlyMap<string, OvalVariable>;
}

/**
 * The XCCDF 1.2 model: benchmarks, groups, rules, values, profiles,
 * tailorings. Plain immutable data; built by ./parse.ts.
 */
import type { SourceLocation } from '../errors.js';
import type { PlatformSpecification } from '../cpe/types.js';

export const XCCDF12_NS = 'http://checklists.nist.gov/xccdf/1.2';
export const XCCDF11_NS = 'http://checklists.nist.gov/xccdf/1.1';

/** XHTML-bearing text kept as markup (prefixes dropped, `<sub idref>` kept). */
export type Markup = string;

export type Severity = 'unknown' | 'info' | 'low' | 'medium' | 'high';

/** An XCCDF rule result. */
export type XccdfResult =
  | 'pass'
  | 'fail'
  | 'error'
  | 'unknown'
  | 'notapplicable'
  | 'notchecked'
  | 'notselected'
  | 'informational'
  | 'fixed';

/** Every result type, in the order XCCDF lists them. */
export const XCCDF_RESULTS: readonly XccdfResult[] = ['pass', 'fail', 'error', 'unknown', 'notapplicable', 'notchecked', 'notselected', 'informational', 'fixed'];
export type Role = 'full' | 'unscored' | 'unchecked';
export type ValueType = 'string' | 'number' | 'boolean';
export type ValueOperator =
  | 'equals'
  | 'not equal'
  | 'greater than'
  | 'less than'
  | 'greater than or equal'
  | 'less than or equal'
  | 'pattern match';
export type Level = 'unknown' | 'low' | 'medium' | 'high';
export type FixStrategy = 'unknown' | 'configure' | 'combination' | 'disable' | 'enable' | 'patch' | 'policy' | 'restrict' | 'update';

export interface Ident {
  readonly system: string;
  readonly value: string;
}

export interface Reference {
  readonly href: string;
  /** The reference text (e.g. `5.2.6`), or its dc:title when structured. */
  readonly text: string;
}

export interface CheckExport {
  readonly valueId: string;
  readonly exportName: string;
}

export interface CheckContentRef {
  readonly href: string;
  /** Absent: the check evaluates every definition of the referenced file. */
  readonly name?: string;
}

export interface Check {
  readonly kind: 'check';
  readonly system: string;
  readonly id?: string;
  readonly selector: string;
  readonly multiCheck: boolean;
  readonly negate: boolean;
  readonly exports: readonly CheckExport[];
  readonly contentRefs: readonly CheckContentRef[];
  /** Inline `check-content`, as markup. */
  readonly content?: string;
  readonly imports: readonly string[];
  readonly location: SourceLocation;
}

export interface ComplexCheck {
  readonly kind: 'complex-check';
  readonly operator: 'AND' | 'OR';
  readonly negate: boolean;
  readonly children: ReadonlyArray<Check | ComplexCheck>;
}

/** Fix content: literal text and `<sub>` references, in document order. */
export type FixPart = string | { readonly sub: string; readonly use: 'value' | 'title' | 'legacy' };

export interface Fix {
  readonly id?: string;
  readonly system: string;
  readonly platform?: string;
  readonly strategy: FixStrategy;
  readonly complexity: Level;
  readonly disruption: Level;
  readonly reboot: boolean;
  readonly content: readonly FixPart[];
}

export interface Fixtext {
  readonly fixref?: string;
  readonly text: Markup;
}

interface ItemBase {
  readonly id: string;
  readonly title: string;
  readonly description: Markup;
  readonly selected: boolean;
  readonly hidden: boolean;
  readonly abstract: boolean;
  readonly clusterId?: string;
  readonly weight: number;
  /** Platform idrefs (a CPE name, or `#id` of a platform-specification entry). */
  readonly platforms: readonly string[];
  readonly references: readonly Reference[];
  readonly warnings: readonly Markup[];
  readonly location: SourceLocation;
}

export interface Rule extends ItemBase {
  readonly kind: 'rule';
  readonly severity: Severity;
  readonly role: Role;
  readonly rationale: Markup;
  readonly idents: readonly Ident[];
  readonly checks: readonly Check[];
  readonly complexCheck?: ComplexCheck;
  readonly fixes: readonly Fix[];
  readonly fixtexts: readonly Fixtext[];
  /** Each entry is satisfied when any of its ids is selected; all entries must be. */
  readonly requires: ReadonlyArray<readonly string[]>;
  readonly conflicts: readonly string[];
}

export interface Group extends ItemBase {
  readonly kind: 'group';
  readonly rationale: Markup;
  readonly values: readonly Value[];
  readonly children: ReadonlyArray<Group | Rule>;
  readonly requires: ReadonlyArray<readonly string[]>;
  readonly conflicts: readonly string[];
}

export interface ValueInstance {
  /** '' is the default instance. */
  readonly selector: string;
  readonly value: string;
}

export interface Value {
  readonly kind: 'value';
  readonly id: string;
  readonly title: string;
  readonly description: Markup;
  readonly type: ValueType;
  readonly operator: ValueOperator;
  readonly interactive: boolean;
  readonly instances: readonly ValueInstance[];
  readonly defaults: readonly ValueInstance[];
  readonly lowerBounds: readonly ValueInstance[];
  readonly upperBounds: readonly ValueInstance[];
  readonly choices: ReadonlyArray<{ readonly selector: string; readonly mustMatch: boolean; readonly choices: readonly string[] }>;
  readonly location: SourceLocation;
}

export interface Select {
  readonly idref: string;
  readonly selected: boolean;
  readonly location: SourceLocation;
}

export interface RefineValue {
  readonly idref: string;
  readonly selector?: string;
  readonly operator?: ValueOperator;
  readonly location: SourceLocation;
}

export interface RefineRule {
  readonly idref: string;
  readonly selector?: string;
  readonly severity?: Severity;
  readonly weight?: number;
  readonly role?: Role;
  readonly location: SourceLocation;
}

export interface SetValue {
  readonly idref: string;
  readonly value: string;
  readonly location: SourceLocation;
}

export interface Profile {
  readonly id: string;
  readonly title: string;
  readonly description: Markup;
  readonly extends?: string;
  readonly abstract: boolean;
  readonly platforms: readonly string[];
  /** All profile modifiers in document order; later ones win. */
  readonly selects: readonly Select[];
  readonly refineValues: readonly RefineValue[];
  readonly refineRules: readonly RefineRule[];
  readonly setValues: readonly SetValue[];
  readonly location: SourceLocation;
}

export interface Benchmark {
  readonly kind: 'benchmark';
  readonly id: string;
  readonly title: string;
  readonly description: Markup;
  readonly version: string;
  readonly status?: { readonly status: string; readonly date?: string };
  readonly resolved: boolean;
  readonly style?: string;
  readonly lang?: string;
  readonly xccdfVersion: '1.1' | '1.2';
  readonly platforms: readonly string[];
  readonly platformSpecification: PlatformSpecification;
  readonly scoringModels: readonly string[];
  readonly profiles: readonly Profile[];
  readonly values: readonly Value[];
  readonly children: ReadonlyArray<Group | Rule>;
  readonly references: readonly Reference[];
  readonly location: SourceLocation;
}

export interface Tailoring {
  readonly kind: 'tailoring';
  readonly id: string;
  readonly version: string;
  /** The benchmark's href, as written (may be a path or a data stream reference). */
  readonly benchmarkHref?: string;
  readonly benchmarkId?: string;
  readonly profiles: readonly Profile[];
  readonly location: SourceLocation;
}

export type Item = Group | Rule;

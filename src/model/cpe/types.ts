/** CPE 2.3 dictionaries and the CPE applicability language. */
import type { SourceLocation } from '../errors.js';

export const CPE_DICT_NS = 'http://cpe.mitre.org/dictionary/2.0';
export const CPE_LANG_NS = 'http://cpe.mitre.org/language/2.0';

export interface CpeCheck {
  readonly system: string;
  readonly href: string;
  /** The check's id in the referenced file (an OVAL definition id). */
  readonly id: string;
}

export interface CpeItem {
  readonly name: string;
  readonly title: string;
  readonly deprecated: boolean;
  readonly checks: readonly CpeCheck[];
  readonly location: SourceLocation;
}

export interface CpeDictionary {
  readonly kind: 'cpe-dictionary';
  readonly items: readonly CpeItem[];
}

export interface FactRef {
  readonly kind: 'fact-ref';
  readonly name: string;
}

export interface CheckFactRef {
  readonly kind: 'check-fact-ref';
  readonly system: string;
  readonly href: string;
  readonly idRef: string;
}

export interface LogicalTest {
  readonly kind: 'logical-test';
  readonly operator: 'AND' | 'OR';
  readonly negate: boolean;
  readonly children: ReadonlyArray<LogicalTest | FactRef | CheckFactRef>;
}

export interface Platform {
  readonly id: string;
  readonly title?: string;
  readonly test: LogicalTest;
  readonly location: SourceLocation;
}

/** cpe-lang:platform-specification: its platforms in document order, each id once (a list, so that models stay plain data). */
export type PlatformSpecification = readonly Platform[];

/** The platform with this id (`#` optional, as in OpenSCAP). */
export function findPlatform(spec: PlatformSpecification, id: string): Platform | undefined {
  const bare = id.startsWith('#') ? id.slice(1) : id;
  return spec.find((p) => p.id === bare);
}

/**
 * What an XCCDF evaluation produces: one TestResult (rule results, values,
 * scores, target facts) as plain data. Writers in results/ turn it into
 * XCCDF, ARF, JSON, JUnit, SARIF and HTML; the remediation layer reads it
 * back for results-based fixes.
 */
import type { ReadSet } from '../target/reads.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { XCCDF_RESULTS, type Benchmark, type CheckExport, type Role, type Severity, type XccdfResult } from '../model/xccdf/types.js';
import type { DefinitionResult, TestResult as OvalTestResult } from '../oval/engine.js';
import type { CollectedObject } from '../oval/types.js';

export { XCCDF_RESULTS, type XccdfResult } from '../model/xccdf/types.js';

export const OVAL_SYSTEM = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';
export const OCIL_SYSTEM = 'http://scap.nist.gov/schema/ocil/2';

export interface RuleMessage {
  readonly severity: 'info' | 'warning' | 'error';
  readonly text: string;
}

/** The check that decided a rule result, as written in the rule-result. */
export interface CheckedBy {
  readonly system: string;
  readonly negate: boolean;
  readonly exports: readonly CheckExport[];
  /** The content reference that was used: its href, and the definition (for OVAL). */
  readonly href?: string;
  readonly name?: string;
  /** For a complex-check: its operator and children. */
  readonly complex?: { readonly operator: 'AND' | 'OR'; readonly children: readonly CheckedBy[] };
}

export interface RuleResult {
  readonly ruleId: string;
  readonly result: XccdfResult;
  readonly role: Role;
  readonly severity: Severity;
  readonly weight: number;
  /** ISO 8601, when the rule was evaluated. */
  readonly time: string;
  readonly check?: CheckedBy;
  readonly messages: readonly RuleMessage[];
  /** Idents of the rule (CCE and others), repeated for readers of the results alone. */
  readonly idents: ReadonlyArray<{ readonly system: string; readonly value: string }>;
  /**
   * What the result depends on (EvaluationOptions.reads): the union of the
   * read sets of the objects its check and its platforms' CPE checks
   * collected. Plain data.
   */
  readonly reads?: ReadSet;
}

export interface Score {
  readonly system: string;
  readonly score: number;
  readonly maximum: number;
}

export interface TargetFact {
  readonly name: string;
  readonly type: 'string' | 'number' | 'boolean';
  readonly value: string;
}

export interface TestResultData {
  /** xccdf_<reverse-dns>_testresult_<profile or default>. */
  readonly id: string;
  readonly benchmark: { readonly id: string; readonly href: string; readonly version: string; readonly title: string };
  readonly profile?: { readonly id: string; readonly title: string };
  readonly startTime: string;
  readonly endTime: string;
  readonly testSystem: string;
  readonly target: {
    readonly name: string;
    readonly addresses: readonly string[];
    readonly facts: readonly TargetFact[];
  };
  readonly identity?: { readonly name: string; readonly authenticated: boolean; readonly privileged: boolean };
  /** The platforms (CPE names or `#platform` ids) that applied to the target. */
  readonly platforms: readonly string[];
  /** Every value of the benchmark with the text in force, in benchmark order. */
  readonly setValues: ReadonlyArray<{ readonly idref: string; readonly value: string }>;
  /** Rule results in benchmark order; multi-check rules have several. */
  readonly ruleResults: readonly RuleResult[];
  readonly scores: readonly Score[];
}

/** Counts of results, for summaries. */
export function countResults(rs: readonly RuleResult[]): Record<XccdfResult, number> {
  const out = Object.fromEntries(XCCDF_RESULTS.map((r) => [r, 0])) as Record<XccdfResult, number>;
  for (const r of rs) out[r.result]++;
  return out;
}

/** The OVAL side of a scan, per OVAL document: enough to show the evidence behind each rule. */
export interface OvalEvidence {
  /** The check-content-ref href that names this document. */
  readonly href: string;
  readonly doc: OvalDefinitions;
  /** The definition's result with its criteria tree, when it was evaluated. */
  definition(id: string): Promise<DefinitionResult | undefined>;
  /** A test's result and its items with their per-item results. */
  test(id: string): Promise<OvalTestResult | undefined>;
  /** A collected object: flag, items and messages. */
  object(id: string): Promise<CollectedObject | undefined>;
  /** Every evaluated definition, test and collected object (for OVAL results and system characteristics). */
  definitions(): Promise<readonly DefinitionResult[]>;
  tests(): Promise<readonly OvalTestResult[]>;
  objects(): Promise<readonly CollectedObject[]>;
}

/** Everything a report writer may use. */
export interface ScanReport {
  readonly testResult: TestResultData;
  readonly benchmark: Benchmark;
  /** The content file that was evaluated. */
  readonly contentFile: string;
  /** OVAL evidence by check-content-ref href. */
  readonly oval: ReadonlyMap<string, OvalEvidence>;
}

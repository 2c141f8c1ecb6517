/**
 * What an XCCDF evaluation produces: one TestResult (rule results, values,
 * scores, target facts) as plain data. Writers in results/ turn it into
 * XCCDF, ARF, JSON, JUnit, SARIF and HTML; the remediation layer reads it
 * back for results-based fixes.
 */
import type { OvalDefinition, OvalObject, OvalState, OvalTest, OvalVariable } from '../model/oval/types.js';
import type { ReadSet } from '../target/reads.js';
import type { TargetCapability } from '../target/target.js';
import { XCCDF_RESULTS, type Benchmark, type CheckExport, type Role, type Severity, type XccdfResult } from '../model/xccdf/types.js';
import type { DefinitionResult } from '../oval/engine.js';
import type { CollectionFlag, OvalResult } from '../oval/result.js';
import type { OvalItem, VariableBinding } from '../oval/types.js';

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

/** The version of the ScanReport shape; a change of meaning or a removal makes the next one. */
export const SCAN_REPORT_VERSION = 'vigil.report/1';

/** A test's result and what it said of each item it looked at (by item id). */
export interface TestEvidence {
  readonly testId: string;
  readonly result: OvalResult;
  readonly objectId?: string;
  readonly items: ReadonlyArray<{ readonly item: number; readonly result: OvalResult }>;
}

/** A collected object: its flag, messages, the variable values it used, and its items (by id). */
export interface ObjectEvidence {
  readonly objectId: string;
  readonly flag: CollectionFlag;
  readonly messages: readonly string[];
  readonly bindings: readonly VariableBinding[];
  readonly items: readonly number[];
  /** Set when the probe did not run because the target lacks these capabilities (an offline root has no live kernel). */
  readonly unavailable?: readonly TargetCapability[];
}

/**
 * What the OVAL document says of the elements the evidence refers to: the
 * evaluated definitions, tests and collected objects, and everything they
 * refer to in turn (extended definitions, states, filters, sets,
 * variables and what those read).
 */
export interface OvalSourceData {
  readonly definitions: readonly OvalDefinition[];
  readonly tests: readonly OvalTest[];
  readonly objects: readonly OvalObject[];
  readonly states: readonly OvalState[];
  readonly variables: readonly OvalVariable[];
}

/**
 * The OVAL side of a scan, per OVAL document, as plain data built once when
 * the evaluation ends: enough for OVAL results with system characteristics
 * and to show the evidence behind each rule.
 */
export interface OvalEvidence {
  /** The check-content-ref href that names this document. */
  readonly href: string;
  readonly source: OvalSourceData;
  /** Every evaluated definition with its criteria tree, in the order they were evaluated. */
  readonly definitions: readonly DefinitionResult[];
  readonly tests: readonly TestEvidence[];
  readonly objects: readonly ObjectEvidence[];
  /** Every item that an object or a test names, once, by id. */
  readonly items: readonly OvalItem[];
}

/**
 * What the scan learnt of the target, as plain data (OVAL's system_info and
 * the ARF asset). The app fills it; writers never ask the scanning host.
 */
export interface TargetSystem {
  /** The target's kind (`local`, `offline`, ...) and name. */
  readonly kind: string;
  readonly name: string;
  readonly osName: string;
  readonly osVersion: string;
  readonly architecture: string;
  readonly primaryHostName: string;
  readonly interfaces: ReadonlyArray<{ readonly name: string; readonly ip: string; readonly mac: string }>;
  /** The host name of the ARF asset, when the target has one. */
  readonly hostname?: string;
}

/** The content that was evaluated, for the writers that copy from it (XCCDF results, ARF). */
export interface ReportSource {
  readonly file: string;
  /** The data stream component holding the Benchmark; absent for a standalone benchmark. */
  readonly componentId?: string;
  readonly xccdfVersion: '1.1' | '1.2';
}

/**
 * Everything a report writer may use: plain data (no Map, no function, no
 * class), so that `JSON.parse(JSON.stringify(report))` is the same report to
 * every writer.
 */
export interface ScanReport {
  readonly version: typeof SCAN_REPORT_VERSION;
  readonly testResult: TestResultData;
  readonly benchmark: Benchmark;
  /** The content file that was evaluated. */
  readonly contentFile: string;
  readonly source: ReportSource;
  /** The scanner's version, for the results' generator elements. */
  readonly productVersion: string;
  readonly system: TargetSystem;
  /** OVAL evidence of the rules' checks, one per document (check-content-ref href). */
  readonly oval: readonly OvalEvidence[];
  /** OVAL evidence of the CPE applicability checks (ARF carries it). */
  readonly platformOval: readonly OvalEvidence[];
}

/** Only the ScanReport of a report that carries more (the app's, with live objects), to store or send. */
export function scanReportData(r: ScanReport): ScanReport {
  return {
    version: r.version,
    testResult: r.testResult,
    benchmark: r.benchmark,
    contentFile: r.contentFile,
    source: r.source,
    productVersion: r.productVersion,
    system: r.system,
    oval: r.oval,
    platformOval: r.platformOval,
  };
}

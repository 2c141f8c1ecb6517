/**
 * The scan as JSON, shape `vigil.scan/v1`: a stable document for scripts and
 * dashboards. Fields are only ever added within v1; a change of meaning or a
 * removal makes v2.
 *
 * ```
 * {
 *   "schema": "vigil.scan/v1",
 *   "testResultId": "xccdf_..._testresult_...",
 *   "benchmark": { "id", "title", "version", "href" },
 *   "profile": { "id", "title" } | null,          // null: the benchmark's default selection
 *   "contentFile": "/path/to/content.xml",
 *   "target": { "name", "addresses": [], "facts": [{ "name", "type", "value" }], "platforms": [] },
 *   "identity": { "name", "authenticated", "privileged" } | null,
 *   "testSystem": "cpe:/a:...",
 *   "startTime", "endTime": ISO 8601, "durationSeconds": number | null,
 *   "scores": [{ "system", "score", "maximum" }],   // score rounded to 2 decimals, as oscap's report shows it
 *   "counts": { "pass", "fail", "error", "unknown", "notapplicable", "notchecked",
 *               "notselected", "informational", "fixed" },   // every key, 0 when none
 *   "values": [{ "id", "value" }],                  // every XCCDF value in force
 *   "rules": [{                                     // every rule result, benchmark order
 *     "id", "title", "result", "severity", "weight", "role", "time",
 *     "groups": [group titles, outermost first],
 *     "idents": [{ "system", "value" }],
 *     "references": [{ "href", "text" }],
 *     "messages": [{ "severity", "text" }],
 *     "check": { "system", "href", "name", "negate" } | null,
 *     "skipped": [{ "object", "type", "needs", "flag" }], // only when some of its checks could not run on this
 *                                                  //   target (an offline root has no live kernel): what was skipped
 *     "evidence": [{ "file", "setting", "found", "expected", "ok", "test" }],  // what the check looked at
 *                                                  //   (rule-evidence.ts); only for OVAL-checked rules; "found": null
 *                                                  //   when nothing matched; at most 10, "evidenceMore" counts the rest
 *     "notApplicableReason": "...",                 // only for notapplicable results: why
 *     "reads": {                                    // only with `vigil scan --reads`: what the result depends on
 *       "paths": [target paths read or examined, missing ones included],
 *       "walks": [{ "start", "depth", "filename"?, "pattern"?, "links"? }],   // directories listed
 *       "inputs": [{ "kind", "key" }]               // packages, kernel, systemd, processes, ...
 *     }
 *   }]
 * }
 * ```
 */
import { saveFileContent } from './atomic-file.js';
import type { Role, Severity } from '../model/xccdf/types.js';
import type { ReadSet } from '../target/reads.js';
import { countResults, type CheckedBy, type RuleMessage, type ScanReport, type XccdfResult } from '../xccdf/result-types.js';
import { applicability, type Applicability } from './applicability.js';
import { durationSeconds, indexRules, skippedChecks } from './report-common.js';
import { notApplicableReasons, ruleEvidence, type EvidenceRow } from './rule-evidence.js';

/** A score as people read it: two decimals (the XCCDF score is a float; `34.16666793823242` becomes `34.17`). */
export function roundScore(n: number): number {
  return Math.round(n * 100) / 100;
}

export const JSON_SCHEMA = 'vigil.scan/v1';

export interface JsonRule {
  readonly id: string;
  readonly title: string;
  readonly result: XccdfResult;
  readonly severity: Severity;
  readonly weight: number;
  readonly role: Role;
  readonly time: string;
  readonly groups: readonly string[];
  readonly idents: ReadonlyArray<{ readonly system: string; readonly value: string }>;
  readonly references: ReadonlyArray<{ readonly href: string; readonly text: string }>;
  readonly messages: readonly RuleMessage[];
  readonly check: { readonly system: string; readonly href: string | null; readonly name: string | null; readonly negate: boolean } | null;
  /** Present when the scan recorded read sets (target/reads.ts). */
  readonly reads?: ReadSet;
  /** What the rule's OVAL check looked at, in a sysadmin's terms (rule-evidence.ts). */
  readonly evidence?: readonly EvidenceRow[];
  /** Evidence rows left out beyond the first ten. */
  readonly evidenceMore?: number;
  /** For a `notapplicable` result: why the rule did not apply. */
  readonly notApplicableReason?: string;
  /** Present when some of the rule's checks could not run on this target (report-common.ts, skippedChecks). */
  readonly skipped?: ReadonlyArray<{ readonly object: string; readonly type: string; readonly needs: readonly string[]; readonly flag: string }>;
}

export interface JsonScan {
  readonly schema: typeof JSON_SCHEMA;
  readonly testResultId: string;
  readonly benchmark: { readonly id: string; readonly title: string; readonly version: string; readonly href: string };
  readonly profile: { readonly id: string; readonly title: string } | null;
  readonly contentFile: string;
  readonly target: {
    readonly name: string;
    readonly addresses: readonly string[];
    readonly facts: ReadonlyArray<{ readonly name: string; readonly type: string; readonly value: string }>;
    readonly platforms: readonly string[];
  };
  readonly identity: { readonly name: string; readonly authenticated: boolean; readonly privileged: boolean } | null;
  readonly testSystem: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly durationSeconds: number | null;
  readonly scores: ReadonlyArray<{ readonly system: string; readonly score: number; readonly maximum: number }>;
  readonly counts: Readonly<Record<XccdfResult, number>>;
  readonly values: ReadonlyArray<{ readonly id: string; readonly value: string }>;
  readonly rules: readonly JsonRule[];
  /** Whether the content applied to the target at all (results/applicability.ts): false means nothing was checked. */
  readonly applicability?: Applicability;
}

function checkOf(c: CheckedBy | undefined): JsonRule['check'] {
  if (!c) return null;
  return { system: c.system, href: c.href ?? null, name: c.name ?? null, negate: c.negate };
}

/** The scan in the `vigil.scan/v1` shape. */
export function jsonReport(report: ScanReport): JsonScan {
  const tr = report.testResult;
  const rules = indexRules(report.benchmark);
  const skipped = skippedChecks(report);
  const evidence = ruleEvidence(report);
  const naReasons = notApplicableReasons(report);
  return {
    schema: JSON_SCHEMA,
    testResultId: tr.id,
    benchmark: { id: tr.benchmark.id, title: tr.benchmark.title, version: tr.benchmark.version, href: tr.benchmark.href },
    profile: tr.profile ? { id: tr.profile.id, title: tr.profile.title } : null,
    contentFile: report.contentFile,
    target: {
      name: tr.target.name,
      addresses: [...tr.target.addresses],
      facts: tr.target.facts.map((f) => ({ name: f.name, type: f.type, value: f.value })),
      platforms: [...tr.platforms],
    },
    identity: tr.identity ? { ...tr.identity } : null,
    testSystem: tr.testSystem,
    startTime: tr.startTime,
    endTime: tr.endTime,
    durationSeconds: durationSeconds(tr.startTime, tr.endTime) ?? null,
    scores: tr.scores.map((s) => ({ system: s.system, score: roundScore(s.score), maximum: s.maximum })),
    counts: countResults(tr.ruleResults),
    values: tr.setValues.map((v) => ({ id: v.idref, value: v.value })),
    rules: tr.ruleResults.map((r, i): JsonRule => {
      const e = rules.get(r.ruleId);
      const s = skipped.get(i);
      const ev = evidence.get(i);
      const na = naReasons.get(i);
      return {
        id: r.ruleId,
        title: e?.rule.title ?? r.ruleId,
        result: r.result,
        severity: r.severity,
        weight: r.weight,
        role: r.role,
        time: r.time,
        groups: e ? e.groups.map((g) => g.title) : [],
        idents: (r.idents.length ? r.idents : (e?.rule.idents ?? [])).map((i) => ({ system: i.system, value: i.value })),
        references: (e?.rule.references ?? []).map((x) => ({ href: x.href, text: x.text })),
        messages: r.messages.map((m) => ({ severity: m.severity, text: m.text })),
        check: checkOf(r.check),
        ...(ev ? { evidence: ev.rows, ...(ev.more ? { evidenceMore: ev.more } : {}) } : {}),
        ...(na ? { notApplicableReason: na } : {}),
        ...(r.reads ? { reads: r.reads } : {}),
        ...(s ? { skipped: s.map((x) => ({ object: x.objectId, type: x.type, needs: [...x.needs], flag: x.flag })) } : {}),
      };
    }),
    applicability: applicability(report),
  };
}

/** Writes the `vigil.scan/v1` document, indented, with a final newline. */
export async function writeJsonReport(path: string, report: ScanReport): Promise<void> {
  saveFileContent(path, `${JSON.stringify(jsonReport(report), null, 2)}\n`);
}

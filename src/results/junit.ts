/**
 * The scan as JUnit XML, for CI systems (Jenkins, GitLab, GitHub test
 * reporters): one testsuite for the benchmark and profile, one testcase per
 * rule result. The testcase's classname is the rule's group path by short
 * ids, dotted (`services.ssh`; `benchmark` for a top-level rule), which
 * Jenkins shows as package and class and GitLab as the suite; its name is
 * the rule's short id (`sshd_disable_root_login`). A failure's message says
 * what was found (`/etc/ssh/sshd_config: PermitRootLogin is yes, expected
 * no`), and its text lists every evidence row, the rule's full id, idents,
 * check and references (rule-evidence.ts).
 *
 * | XCCDF result                                              | testcase  |
 * |-----------------------------------------------------------|-----------|
 * | pass, fixed                                               | passed    |
 * | fail                                                      | `<failure>` |
 * | error, unknown                                            | `<error>`   |
 * | notapplicable, notchecked, notselected, informational     | `<skipped>` |
 */
import { saveFileContent } from './atomic-file.js';
import type { RuleResult, ScanReport, XccdfResult } from '../xccdf/result-types.js';
import { durationSeconds, indexRules, RESULT_LABEL, type RuleEntry, shortId, xmlText } from './report-common.js';
import { evidenceLine, failingRows, notApplicableReasons, ruleEvidence, type RuleEvidence } from './rule-evidence.js';
import { escAttr } from '../model/xml/escape.js';

export type JunitOutcome = 'passed' | 'failure' | 'error' | 'skipped';

export const JUNIT_OUTCOME: Readonly<Record<XccdfResult, JunitOutcome>> = {
  pass: 'passed',
  fixed: 'passed',
  fail: 'failure',
  error: 'error',
  unknown: 'error',
  notapplicable: 'skipped',
  notchecked: 'skipped',
  notselected: 'skipped',
  informational: 'skipped',
};

export interface JunitOptions {
  /** Leave rules that the profile does not select out of the suite (they are skipped testcases otherwise). */
  readonly omitNotSelected?: boolean;
}

/** An attribute value: escaped, line ends kept as character references. */
const attr = escAttr;

/** Jenkins' schema wants `YYYY-MM-DDThh:mm:ss` without a zone. */
function timestamp(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 19) : '1970-01-01T00:00:00';
}

function describe(r: RuleResult, e: RuleEntry | undefined, ev: RuleEvidence | undefined): string {
  const lines: string[] = [e?.rule.title ?? r.ruleId, `Rule: ${r.ruleId}`, `Result: ${r.result}`, `Severity: ${r.severity}`];
  if (ev) {
    lines.push('Evidence:');
    for (const row of ev.rows) lines.push(`  ${row.ok === false ? '✗' : row.ok ? '✓' : '?'} ${evidenceLine(row)}`);
    if (ev.more) lines.push(`  … and ${ev.more} more`);
  }
  const idents = r.idents.length ? r.idents : (e?.rule.idents ?? []);
  if (idents.length) lines.push(`Identifiers: ${idents.map((i) => i.value).join(', ')}`);
  if (r.check) {
    const where = [r.check.name, r.check.href].filter((x) => x !== undefined).join(' in ');
    lines.push(`Check: ${r.check.system}${where ? ` (${where})` : ''}${r.check.negate ? ', negated' : ''}`);
  }
  if (e && e.groups.length) lines.push(`Group: ${e.groups.map((g) => g.title).join(' / ')}`);
  for (const m of r.messages) lines.push(`${m.severity}: ${m.text}`);
  const refs = e?.rule.references ?? [];
  if (refs.length) lines.push(`References: ${refs.map((x) => x.text || x.href).join(', ')}`);
  return lines.join('\n');
}

/** The JUnit document as a string. */
export function junitXml(report: ScanReport, opts: JunitOptions = {}): string {
  const tr = report.testResult;
  const rules = indexRules(report.benchmark);
  const results = opts.omitNotSelected ? tr.ruleResults.filter((r) => r.result !== 'notselected') : tr.ruleResults;
  const seen = new Map<string, number>();
  for (const r of results) seen.set(r.ruleId, (seen.get(r.ruleId) ?? 0) + 1);
  const counts = { failure: 0, error: 0, skipped: 0 };
  const evidence = ruleEvidence(report);
  const naReasons = notApplicableReasons(report);
  const index = new Map(tr.ruleResults.map((r, i) => [r, i]));
  const cases: string[] = [];
  for (const r of results) {
    const e = rules.get(r.ruleId);
    const outcome = JUNIT_OUTCOME[r.result];
    if (outcome !== 'passed') counts[outcome]++;
    const i = index.get(r)!;
    const ev = evidence.get(i);
    const classname = e?.groups.length ? e.groups.map((g) => shortId(g.id, 'group')).join('.') : 'benchmark';
    // A multi-check rule has one result per checked definition: name each.
    const short = shortId(r.ruleId);
    const name = (seen.get(r.ruleId) ?? 0) > 1 && r.check?.name ? `${short} [${r.check.name}]` : short;
    const head = `    <testcase name="${attr(name)}" classname="${attr(classname)}" time="0"`;
    const title = e?.rule.title ?? r.ruleId;
    if (outcome === 'passed') cases.push(`${head}/>`);
    else if (outcome === 'skipped') {
      const why = naReasons.get(i) ?? r.messages[0]?.text;
      cases.push(`${head}>\n      <skipped message="${attr(`${RESULT_LABEL[r.result]}: ${title}${why ? ` (${why})` : ''}`)}"/>\n    </testcase>`);
    } else {
      const msg = r.messages.find((m) => m.severity === 'error')?.text;
      const rows = outcome === 'failure' ? failingRows(ev) : [];
      const found = rows.length ? `: ${evidenceLine(rows[0]!)}${rows.length > 1 || ev?.more ? ` (and ${rows.length - 1 + (ev?.more ?? 0)} more)` : ''}` : '';
      const message = `${title} (${r.severity})${found}${msg ? `: ${msg}` : ''}`;
      cases.push(`${head}>\n      <${outcome} message="${attr(message)}" type="${r.result}">${xmlText(describe(r, e, ev))}</${outcome}>\n    </testcase>`);
    }
  }
  const time = (durationSeconds(tr.startTime, tr.endTime) ?? 0).toFixed(3);
  const suiteName = tr.profile ? `${tr.benchmark.title || tr.benchmark.id} / ${tr.profile.title || tr.profile.id}` : tr.benchmark.title || tr.benchmark.id;
  const totals = `tests="${results.length}" failures="${counts.failure}" errors="${counts.error}" skipped="${counts.skipped}" time="${time}"`;
  const props: Array<[string, string]> = [
    ['benchmark.id', tr.benchmark.id],
    ['benchmark.version', tr.benchmark.version],
    ...(tr.profile ? ([['profile.id', tr.profile.id]] as Array<[string, string]>) : []),
    ['target', tr.target.name],
    ['content', report.contentFile],
    ['testresult.id', tr.id],
    ...tr.scores.map((s): [string, string] => [`score.${s.system.replace(/^urn:xccdf:scoring:/, '')}`, `${s.score}/${s.maximum}`]),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // The Jenkins schema has no `skipped` on testsuites; readers sum the suites'.
    `<testsuites name="vigil" tests="${results.length}" failures="${counts.failure}" errors="${counts.error}" time="${time}">`,
    `  <testsuite name="${attr(suiteName)}" id="0" package="${attr(tr.benchmark.id)}" hostname="${attr(tr.target.name || 'localhost')}" timestamp="${timestamp(tr.startTime)}" ${totals}>`,
    '    <properties>',
    ...props.map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>`),
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export async function writeJunitReport(path: string, report: ScanReport, opts: JunitOptions = {}): Promise<void> {
  saveFileContent(path, junitXml(report, opts));
}

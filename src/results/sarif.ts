/**
 * The scan as SARIF 2.1.0, for code-scanning dashboards. One run; the
 * driver lists every evaluated rule (id, name, descriptions, help URI, tags
 * with the severity and idents, GitHub's `security-severity`); results are
 * written for rules that failed, errored or came out unknown, each with a
 * level from the rule's severity.
 *
 * Locations point at what the rule read on the target, not at the content:
 * each file of the rule's failing evidence (rule-evidence.ts) becomes a
 * location relative to the scanned root (`etc/ssh/sshd_config`, base id
 * `TARGETROOT`, which `originalUriBaseIds` maps to the root: `file:///` for
 * this host, the directory for an offline root), so a repository that keeps
 * a root's files (an image build, a config repo) sees the alert on the
 * file. A rule whose check reads no file (a package, a kernel key) keeps a
 * location at the rule in the content, as before. The message carries the
 * value found and the value expected.
 */
import { createHash } from 'node:crypto';
import { saveFileContent } from './atomic-file.js';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Rule, Severity } from '../model/xccdf/types.js';
import type { RuleResult, ScanReport, XccdfResult } from '../xccdf/result-types.js';
import { markupToText } from './markup.js';
import { fixText, indexRules, RESULT_LABEL, scoringLabel, shortId, subResolver } from './report-common.js';
import { evidenceLine, failingRows, ruleEvidence } from './rule-evidence.js';

/** The base id of locations on the target, relative to the scanned root. */
export const TARGET_ROOT = 'TARGETROOT';
/** Locations per result at most (the rest are in the message's count). */
const MAX_LOCATIONS = 10;

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const SARIF_VERSION = '2.1.0';

export type SarifLevel = 'error' | 'warning' | 'note';

/** The severity of a rule as a SARIF level. */
export const SARIF_LEVEL: Readonly<Record<Severity, SarifLevel>> = {
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
  unknown: 'note',
};

/** GitHub code scanning ranks alerts by this CVSS-like number (7+ high, 4+ medium, else low). */
const SECURITY_SEVERITY: Readonly<Partial<Record<Severity, string>>> = { high: '8.0', medium: '5.5', low: '3.0' };

/** The XCCDF results that become SARIF results. */
export const SARIF_REPORTED: ReadonlySet<XccdfResult> = new Set(['fail', 'error', 'unknown']);

interface Message {
  readonly text: string;
}

export interface SarifRule {
  readonly id: string;
  readonly name: string;
  readonly shortDescription: Message;
  readonly fullDescription: Message;
  readonly help?: Message & { readonly markdown?: string };
  readonly helpUri?: string;
  readonly defaultConfiguration: { readonly level: SarifLevel };
  readonly properties: { readonly tags: readonly string[]; readonly 'security-severity'?: string; readonly severity: Severity };
}

export interface SarifResult {
  readonly ruleId: string;
  readonly ruleIndex: number;
  readonly level: SarifLevel;
  readonly message: Message;
  readonly locations: ReadonlyArray<{
    readonly physicalLocation: {
      readonly artifactLocation: { readonly uri: string; readonly uriBaseId?: string };
      readonly region?: { readonly startLine: number; readonly startColumn?: number };
    };
    readonly message?: Message;
    readonly logicalLocations?: ReadonlyArray<{ readonly name: string; readonly fullyQualifiedName: string; readonly kind: string }>;
  }>;
  readonly partialFingerprints: Readonly<Record<string, string>>;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface SarifLog {
  readonly $schema: string;
  readonly version: typeof SARIF_VERSION;
  readonly runs: ReadonlyArray<{
    readonly tool: { readonly driver: { readonly name: string; readonly version?: string; readonly informationUri?: string; readonly rules: readonly SarifRule[] } };
    readonly automationDetails: { readonly id: string };
    readonly originalUriBaseIds: Readonly<Record<string, { readonly uri?: string; readonly description: Message }>>;
    readonly invocations: ReadonlyArray<Readonly<Record<string, unknown>>>;
    readonly results: readonly SarifResult[];
    readonly properties: Readonly<Record<string, unknown>>;
  }>;
}

/** Text fields are kept readable in dashboards. */
const MAX_TEXT = 4000;
const clip = (s: string): string => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);

function artifactUri(file: string): string {
  if (isAbsolute(file)) return pathToFileURL(file).href;
  return file.split(/[\\/]/).map(encodeURIComponent).join('/');
}

function helpOf(rule: Rule | undefined, description: string, rationale: string, resolveFix: (f: Rule['fixes'][number]) => string): SarifRule['help'] {
  const sh = rule?.fixes.find((f) => f.system === 'urn:xccdf:fix:script:sh');
  const fix = sh ? resolveFix(sh).trim() : '';
  if (!description && !rationale && !fix) return undefined;
  const text = [description, rationale && `Rationale: ${rationale}`, fix && `Remediation (shell):\n${fix}`].filter(Boolean).join('\n\n');
  const markdown = [description, rationale && `**Rationale:** ${rationale}`, fix && `**Remediation (shell):**\n\n\`\`\`sh\n${fix}\n\`\`\``].filter(Boolean).join('\n\n');
  return { text: clip(text), markdown: clip(markdown) };
}

function descriptor(rule: Rule | undefined, r: RuleResult, text: (m: string) => string, resolveFix: (f: Rule['fixes'][number]) => string): SarifRule {
  const title = rule?.title || r.ruleId;
  const helpUri = rule?.references.find((x) => /^https?:\/\//i.test(x.href))?.href;
  const idents = r.idents.length ? r.idents : (rule?.idents ?? []);
  const description = rule ? text(rule.description) : '';
  const rationale = rule ? text(rule.rationale) : '';
  const secSev = SECURITY_SEVERITY[r.severity];
  return {
    id: r.ruleId,
    name: shortId(r.ruleId),
    shortDescription: { text: clip(title) },
    fullDescription: { text: clip(description || title) },
    ...((h) => (h ? { help: h } : {}))(helpOf(rule, description, rationale, resolveFix)),
    ...(helpUri ? { helpUri } : {}),
    defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
    properties: {
      tags: ['security', 'compliance', `severity:${r.severity}`, ...idents.map((i) => i.value)],
      ...(secSev ? { 'security-severity': secSev } : {}),
      severity: r.severity,
    },
  };
}

/** Where TARGETROOT points: this host's `/`, an offline root's directory, or (a remote host) only a description. */
function targetRoot(report: ScanReport): { uri?: string; description: Message } {
  const sys = report.system;
  if (sys.kind === 'local') return { uri: 'file:///', description: { text: `The root of ${sys.name}` } };
  if (sys.kind === 'offline-root' && isAbsolute(sys.name)) {
    const href = pathToFileURL(sys.name).href;
    return { uri: href.endsWith('/') ? href : `${href}/`, description: { text: `The scanned root ${sys.name}` } };
  }
  return { description: { text: `The root of ${sys.name || report.testResult.target.name}` } };
}

/** The scan as a SARIF log. */
export function sarifLog(report: ScanReport): SarifLog {
  const tr = report.testResult;
  const rules = indexRules(report.benchmark);
  const resolve = subResolver(report);
  const text = (m: string): string => markupToText(m, resolve);
  const descriptors: SarifRule[] = [];
  const indexOf = new Map<string, number>();
  for (const r of tr.ruleResults) {
    if (r.result === 'notselected' || indexOf.has(r.ruleId)) continue;
    indexOf.set(r.ruleId, descriptors.length);
    descriptors.push(descriptor(rules.get(r.ruleId)?.rule, r, text, (f) => fixText(f, resolve)));
  }
  const evidence = ruleEvidence(report, { maxRows: 50 });
  const results: SarifResult[] = [];
  for (const [index, r] of tr.ruleResults.entries()) {
    if (!SARIF_REPORTED.has(r.result)) continue;
    const rule = rules.get(r.ruleId)?.rule;
    const title = rule?.title || r.ruleId;
    const lead = r.result === 'fail' ? `${title}: the rule failed on ${tr.target.name}.` : `${title}: the check could not decide (${RESULT_LABEL[r.result].toLowerCase()}) on ${tr.target.name}.`;
    const notes = r.messages.map((m) => `${m.severity}: ${m.text}`);
    const ev = evidence.get(index);
    const rows = failingRows(ev);
    const found = rows.map(evidenceLine);
    const left = rows.length > MAX_LOCATIONS ? rows.length - MAX_LOCATIONS + (ev?.more ?? 0) : (ev?.more ?? 0);
    const evidenceText = found.length ? [...found.slice(0, MAX_LOCATIONS), ...(left ? [`… and ${left} more`] : [])] : [];
    const files = [...new Set(rows.map((x) => x.file).filter((f): f is string => f !== null && f.startsWith('/') && !/[*?^$|()[\]\\]/.test(f)))];
    const loc = rule?.location;
    const onTarget = files.slice(0, MAX_LOCATIONS).map((f) => {
      const row = rows.find((x) => x.file === f)!;
      return {
        physicalLocation: { artifactLocation: { uri: artifactUri(f.replace(/^\/+/, '')), uriBaseId: TARGET_ROOT } },
        message: { text: clip(evidenceLine({ ...row, file: null })) },
        logicalLocations: [{ name: shortId(r.ruleId), fullyQualifiedName: `${tr.target.name}/${r.ruleId}`, kind: 'resource' }],
      };
    });
    results.push({
      ruleId: r.ruleId,
      ruleIndex: indexOf.get(r.ruleId)!,
      level: SARIF_LEVEL[r.severity],
      message: { text: clip([lead, ...evidenceText, ...notes].join('\n')) },
      locations: onTarget.length ? onTarget : [
        {
          physicalLocation: {
            artifactLocation: { uri: artifactUri(loc?.file || report.contentFile) },
            ...(loc && loc.line > 0 ? { region: { startLine: loc.line, ...(loc.col > 0 ? { startColumn: loc.col } : {}) } } : {}),
          },
          logicalLocations: [{ name: shortId(r.ruleId), fullyQualifiedName: `${tr.target.name}/${r.ruleId}`, kind: 'resource' }],
        },
      ],
      partialFingerprints: { 'vigilRule/v1': createHash('sha256').update(`${tr.target.name}\n${r.ruleId}\n${r.check?.name ?? ''}`).digest('hex') },
      properties: {
        xccdfResult: r.result,
        severity: r.severity,
        target: tr.target.name,
        idents: r.idents.map((i) => i.value),
        ...(r.check ? { check: { system: r.check.system, href: r.check.href ?? null, name: r.check.name ?? null } } : {}),
      },
    });
  }
  const version = /^cpe:\/a:[^:]*:vigil:([^:]+)/.exec(tr.testSystem)?.[1];
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: { driver: { name: 'Vigil', ...(version ? { version } : {}), rules: descriptors } },
        automationDetails: { id: `vigil/${shortId(tr.profile?.id ?? 'default', 'profile')}/${tr.target.name}` },
        originalUriBaseIds: { [TARGET_ROOT]: targetRoot(report) },
        invocations: [{ executionSuccessful: true, startTimeUtc: tr.startTime, endTimeUtc: tr.endTime, machine: tr.target.name }],
        results,
        properties: {
          benchmark: { id: tr.benchmark.id, title: tr.benchmark.title, version: tr.benchmark.version },
          profile: tr.profile ? { id: tr.profile.id, title: tr.profile.title } : null,
          target: tr.target.name,
          scores: Object.fromEntries(tr.scores.map((s) => [scoringLabel(s.system), { score: s.score, maximum: s.maximum }])),
        },
      },
    ],
  };
}

export async function writeSarifReport(path: string, report: ScanReport): Promise<void> {
  saveFileContent(path, `${JSON.stringify(sarifLog(report), null, 2)}\n`);
}

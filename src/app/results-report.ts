/**
 * `vigil xccdf generate report`: the HTML report of a results file written
 * earlier (`vigil scan --results`, `oscap xccdf eval --results`, or an ARF
 * report), as `oscap xccdf generate report` does. A results file holds the
 * benchmark and its TestResult but no OVAL evidence, so the report shows
 * each rule's result, prose, references and fixes, without the evidence
 * tables a live scan's report has.
 */
import { basename } from 'node:path';
import { openChecklist } from '../model/checklist.js';
import { ContentError } from '../model/errors.js';
import { skimContent } from '../model/selective-load.js';
import { indexBenchmark } from '../model/xccdf/index.js';
import { selectTestResult } from '../model/xccdf/test-result.js';
import type { Benchmark } from '../model/xccdf/types.js';
import { resolveProfile } from '../xccdf/profile.js';
import { SCAN_REPORT_VERSION, type RuleResult, type ScanReport } from '../xccdf/result-types.js';
import { score, SCORING_DEFAULT } from '../xccdf/scoring.js';
import { packageVersion } from './package-version.js';
import { prepareChecklist } from './xccdf-eval.js';

/** The ScanReport of the TestResult `resultId` ('' for the only one) in a results file or ARF report. */
export function reportFromResults(file: string, resultId = ''): ScanReport {
  const skim = skimContent(file);
  const results = skim.testResults();
  if (results.length === 0) throw new ContentError('wrong-root', `${file} holds no TestResult: give a results file (vigil scan --results, oscap xccdf eval --results) or an ARF report`);
  const tr = selectTestResult(results, resultId, file);
  const loaded = skim.load();
  const benchmark: Benchmark = loaded.document.kind === 'benchmark' ? loaded.document : openChecklist(loaded).benchmark;
  const index = indexBenchmark(benchmark);
  const profileId = tr.profileId !== undefined && index.profiles.has(tr.profileId) ? tr.profileId : undefined;
  const resolved = resolveProfile(index, profileId);
  const time = tr.endTime ?? tr.startTime ?? '';
  const ruleResults: RuleResult[] = tr.ruleResults.map((r) => {
    const rule = index.rules.get(r.ruleId);
    const ref = resolved.refinements.get(r.ruleId);
    return {
      ruleId: r.ruleId,
      result: r.result,
      role: ref?.role ?? rule?.role ?? 'full',
      severity: ref?.severity ?? rule?.severity ?? 'unknown',
      weight: ref?.weight ?? rule?.weight ?? 1,
      time,
      messages: [],
      idents: (rule?.idents ?? []).map((i) => ({ system: i.system, value: i.value })),
    };
  });
  const models = benchmark.scoringModels.length > 0 ? benchmark.scoringModels : [SCORING_DEFAULT];
  const profile = profileId !== undefined ? index.profiles.get(profileId) : undefined;
  return {
    version: SCAN_REPORT_VERSION,
    testResult: {
      id: tr.id,
      benchmark: { id: benchmark.id, href: tr.benchmarkHref ?? file, version: benchmark.version, title: benchmark.title },
      ...(profile ? { profile: { id: profile.id, title: profile.title } } : tr.profileId !== undefined ? { profile: { id: tr.profileId, title: tr.profileId } } : {}),
      startTime: tr.startTime ?? time,
      endTime: time,
      testSystem: tr.testSystem ?? '',
      target: { name: basename(file), addresses: [], facts: [] },
      // the platforms that applied are not in the TestResult's outline: the benchmark's own are taken as applying when any rule was checked
      platforms: ruleResults.some((r) => r.result !== 'notapplicable' && r.result !== 'notselected') ? [...benchmark.platforms] : [],
      setValues: [...tr.setValues].map(([idref, value]) => ({ idref, value })),
      ruleResults,
      scores: models.flatMap((m) => score(benchmark, ruleResults, m) ?? []),
    },
    benchmark,
    contentFile: file,
    source: { file, xccdfVersion: benchmark.xccdfVersion },
    productVersion: packageVersion(),
    system: { kind: 'results', name: basename(file), osName: 'Unknown', osVersion: 'Unknown', architecture: 'Unknown', primaryHostName: 'Unknown', interfaces: [] },
    oval: [],
    platformOval: [],
  };
}

/**
 * `vigil xccdf generate guide`: the profile as a document to read before
 * any scan, as `oscap xccdf generate guide` writes: every rule the profile
 * selects, with its description, references and fixes, and the Values it
 * sets. It is the HTML report's layout with every selected rule
 * `notchecked` (nothing was evaluated) and the others `notselected`.
 */
export function guideReport(file: string, opts: { readonly profile?: string; readonly tailoringFile?: string }): ScanReport {
  const { checklist, resolved } = prepareChecklist(file, opts);
  const benchmark = checklist.benchmark;
  const now = new Date().toISOString().replace(/\.\d+Z$/, '+00:00');
  const ruleResults: RuleResult[] = [...resolved.index.rules.values()].map((rule) => {
    const ref = resolved.refinements.get(rule.id);
    return {
      ruleId: rule.id,
      result: resolved.isSelected(rule.id) ? 'notchecked' : 'notselected',
      role: ref?.role ?? rule.role,
      severity: ref?.severity ?? rule.severity,
      weight: ref?.weight ?? rule.weight,
      time: now,
      messages: [],
      idents: rule.idents.map((i) => ({ system: i.system, value: i.value })),
    };
  });
  return {
    version: SCAN_REPORT_VERSION,
    testResult: {
      id: `xccdf_org.open-scap_testresult_${resolved.profile?.id ?? 'default-profile'}`,
      benchmark: { id: benchmark.id, href: file, version: benchmark.version, title: benchmark.title },
      ...(resolved.profile ? { profile: { id: resolved.profile.id, title: resolved.profile.title } } : {}),
      startTime: now,
      endTime: now,
      testSystem: `cpe:/a:vigil:vigil:${packageVersion()}`,
      target: { name: 'guide', addresses: [], facts: [] },
      platforms: [...benchmark.platforms],
      setValues: [...resolved.values.values()].map((v) => ({ idref: v.value.id, value: v.text })),
      ruleResults,
      scores: [],
    },
    benchmark,
    contentFile: file,
    source: { file, ...(checklist.origin.componentId !== undefined ? { componentId: checklist.origin.componentId } : {}), xccdfVersion: benchmark.xccdfVersion },
    productVersion: packageVersion(),
    system: { kind: 'guide', name: 'guide', osName: 'Unknown', osVersion: 'Unknown', architecture: 'Unknown', primaryHostName: 'Unknown', interfaces: [] },
    oval: [],
    platformOval: [],
  };
}

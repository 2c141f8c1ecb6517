/**
 * `vigil xccdf eval` and `vigil scan`: evaluates a checklist's profile
 * against a target and writes the requested outputs. This is where the
 * concrete pieces meet: the target, the probe table, the OVAL engine as the
 * OVAL checking system, and the result writers.
 */
import { openChecklist, openContent, type CheckTarget, type Checklist } from '../model/checklist.js';
import { ContentError } from '../model/errors.js';
import { readDocumentFile } from '../model/load.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { validateChecklist, validateTailoring } from '../model/validate.js';
import type { Rule, Tailoring } from '../model/xccdf/types.js';
import { OvalEngine } from '../oval/engine.js';
import { probeTable } from '../oval/probes/registry.js';
import type { Target, TargetDescription } from '../target/target.js';
import { Applicability } from '../xccdf/applicability.js';
import { evaluateBenchmark, xccdfTime } from '../xccdf/evaluate.js';
import { OvalCheckEngine } from '../xccdf/oval-check-engine.js';
import { resolveProfile, type ResolvedProfile } from '../xccdf/profile.js';
import { SCAN_REPORT_VERSION, type RuleResult, type ScanReport, type TargetFact, type TestResultData } from '../xccdf/result-types.js';
import { score, SCORING_DEFAULT } from '../xccdf/scoring.js';
import { targetFor, vigilVersion } from './oval-eval.js';
import { targetSystem } from './target-system.js';
import { withScanServices, type ScanServices } from './scan-services.js';
import { ALL_PROFILE, matchProfileId, resolveRuleNames, unknownProfile } from './profile-id.js';
import { indexBenchmark } from '../model/xccdf/index.js';
import type { Profile } from '../model/xccdf/types.js';
import { checkOutputs, writeOutputs, type OutputFailure, type OutputRequest } from './outputs.js';

export interface XccdfEvalOptions {
  readonly profile?: string;
  /** Picks the profile once the checklist is open, when `profile` is not given. */
  readonly chooseProfile?: (checklist: Checklist) => string | undefined;
  readonly tailoringFile?: string;
  /** A tailoring component of the data stream, by component or component-ref id. */
  readonly tailoringId?: string;
  readonly datastreamId?: string;
  readonly xccdfId?: string;
  /** Rules to evaluate: ids, short forms (after `_rule_`) or globs over either. */
  readonly rules?: readonly string[];
  readonly skipRules?: readonly string[];
  /**
   * A --rule or --skip-rule that matches no rule is an error suggesting the
   * nearest (`vigil scan`); otherwise it is reported in `unknownRules` and
   * the scan goes on, as oscap does.
   */
  readonly strictRules?: boolean;
  /** An offline root directory; the local host when absent. */
  readonly root?: string;
  /** The root runs on this host's kernel (a chroot, a running container). */
  readonly hostKernel?: boolean;
  /** A ready target (tests, SSH); wins over `root`. */
  readonly target?: Target;
  readonly resultsFile?: string;
  readonly arfFile?: string;
  /** Write one OVAL results file per OVAL document, named `<href>.result.xml`, into this directory. */
  readonly ovalResultsDir?: string;
  /** Further outputs (the HTML report, machine formats), written after the three above. */
  readonly outputs?: readonly OutputRequest[];
  /**
   * Told of each output that could not be saved, after all were tried; the
   * scan then returns normally. Without it the first such failure is thrown
   * (an OutputError), once every output was tried.
   */
  readonly onOutputFailure?: (failure: OutputFailure) => void;
  readonly onResult?: (result: RuleResult, rule: Rule, reported: boolean) => void;
  /**
   * Load only what evaluation needs (ReadOptions.evaluationOnly): the
   * report's benchmark then lacks the rules' prose and fixes. For callers
   * that write no report from it.
   */
  readonly evaluationOnly?: boolean;
  /** Cancels the scan: collection stops promptly and evaluateXccdf rejects with the signal's reason (an AbortError by default). */
  readonly signal?: AbortSignal;
  /** Record what each rule read of the target (RuleResult.reads). */
  readonly reads?: boolean;
  /** The content already opened and its profile resolved (prepareChecklist), shared by scans of many hosts with the same content; `file` must be its file. */
  readonly prepared?: PreparedChecklist;
  /** Called once the rules to evaluate are known. */
  readonly onStart?: (info: { readonly total: number; readonly benchmarkTitle: string; readonly profileTitle?: string }) => void;
}

export interface XccdfEvalReport extends ScanReport {
  readonly checklist: Checklist;
  readonly resolved: ResolvedProfile;
  readonly target: Target;
  /** What the target said of itself, once for the scan (Target.describe); `system` is its plain-data form for the writers. */
  readonly description: TargetDescription;
  /** Rules named by --rule that the benchmark lacks. */
  readonly unknownRules: readonly string[];
  readonly notes: readonly string[];
}

/** Finds a profile by its id, or by a unique suffix after `_profile_` (as `--profile cis_level2_server`). */
export function findProfileId(cl: Checklist, wanted: string, tailoring?: Tailoring): string {
  const ids = [...cl.benchmark.profiles.map((p) => p.id), ...(tailoring?.profiles.map((p) => p.id) ?? [])];
  if (wanted === ALL_PROFILE) return ALL_PROFILE;
  const found = matchProfileId(ids, wanted);
  if (found !== undefined) return found;
  throw unknownProfile(wanted, ids, cl.benchmark.id);
}

/**
 * oscap's virtual profile `(all)`: every rule and group selected, Values at
 * their defaults (as ComplianceAsCode's test tooling evaluates content).
 */
function allProfile(cl: Checklist): Profile {
  const index = indexBenchmark(cl.benchmark);
  const location = { file: '(all)', line: 0, col: 0 };
  return {
    id: ALL_PROFILE,
    title: '(all)',
    description: '',
    abstract: false,
    platforms: [],
    selects: [...index.groups.keys(), ...index.rules.keys()].map((idref) => ({ idref, selected: true, location })),
    refineValues: [],
    refineRules: [],
    setValues: [],
    location,
  };
}

/**
 * The rule ids `--rule` / `--skip-rule` name: short forms and globs expanded
 * (resolveRuleNames); a name that matches nothing is an error when `strict`,
 * else kept as given (the evaluation reports it as unknown).
 */
export function ruleIdsOf(cl: Checklist, names: readonly string[] | undefined, option: string, strict: boolean): string[] | undefined {
  if (names === undefined) return undefined;
  const ids = [...indexBenchmark(cl.benchmark).rules.keys()];
  if (strict) return resolveRuleNames(ids, names, option);
  return names.flatMap((n) => {
    try {
      return resolveRuleNames(ids, [n], option);
    } catch {
      return [n];
    }
  });
}

function loadTailoring(file: string | undefined, id: string | undefined, loaded: ReturnType<typeof openContent>): Tailoring | undefined {
  if (file !== undefined) {
    const d = readDocumentFile(file);
    if (d.kind !== 'tailoring') throw new ContentError('wrong-root', `--tailoring-file ${file} is not an XCCDF tailoring document`);
    return d;
  }
  if (id === undefined) return undefined;
  const d = loaded.document;
  if (d.kind !== 'data-stream-collection') throw new ContentError('wrong-root', '--tailoring-id needs a source data stream');
  const refId = d.streams.flatMap((s) => [...s.checklists, ...s.checks]).find((r) => r.id === id)?.href.replace(/^#/, '');
  const comp = d.components.get(refId ?? id);
  if (comp?.content?.kind !== 'tailoring') throw new ContentError('unknown-checklist', `no tailoring component "${id}" in ${loaded.file}`);
  return comp.content;
}

function ovalOf(t: CheckTarget | undefined): OvalDefinitions | undefined {
  return t?.kind === 'document' && t.document.kind === 'oval-definitions' ? t.document : undefined;
}

interface HostFacts {
  readonly name: string;
  readonly addresses: Array<{ ip: string; mac?: string }>;
  readonly facts: TargetFact[];
  readonly identity?: TestResultData['identity'];
  readonly hostname?: string;
}

/**
 * The TestResult's target, facts and identity, as OpenSCAP writes them,
 * from the target's own description: live, its host name, every address
 * and MAC, and the identity of the process reading it (Target.self);
 * offline (oscap with OSCAP_PROBE_ROOT), the root's /etc/hostname and
 * nothing else: no addresses, no identity.
 */
async function hostFacts(target: Target, system: TargetDescription): Promise<HostFacts> {
  const facts: TargetFact[] = [
    { name: 'urn:xccdf:fact:scanner:name', type: 'string', value: 'Vigil' },
    { name: 'urn:xccdf:fact:scanner:version', type: 'string', value: vigilVersion() },
  ];
  const name = system.hostname;
  if (name) facts.push({ name: 'urn:xccdf:fact:asset:identifier:host_name', type: 'string', value: name });
  const addresses: Array<{ ip: string; mac?: string }> = [];
  for (const a of system.interfaces) {
    addresses.push({ ip: a.address, ...(a.mac ? { mac: a.mac } : {}) });
    facts.push({ name: `urn:xccdf:fact:asset:identifier:${a.family === 'IPv6' ? 'ipv6' : 'ipv4'}`, type: 'string', value: a.address });
    if (a.mac) facts.push({ name: 'urn:xccdf:fact:asset:identifier:mac', type: 'string', value: a.mac.toUpperCase() });
  }
  let identity: TestResultData['identity'] | undefined;
  if (target.has('processes')) {
    const me = await target.self();
    identity = { name: me.user ?? String(me.uid), authenticated: true, privileged: me.uid === 0 };
  }
  return { name: name ?? 'unknown', addresses, facts, ...(identity ? { identity } : {}), ...(name ? { hostname: name } : {}) };
}

/** Content opened and a profile resolved for evaluation: what every evaluation of the same checklist and profile shares. */
export interface PreparedChecklist {
  readonly loaded: ReturnType<typeof openContent>;
  readonly checklist: Checklist;
  readonly resolved: ResolvedProfile;
  readonly tailoring?: Tailoring;
}

/** The outputs a scan was asked for, in the order they are written. */
export function outputRequests(opts: XccdfEvalOptions): OutputRequest[] {
  return [
    ...(opts.resultsFile !== undefined ? [{ kind: 'xccdf-results', path: opts.resultsFile, option: '--results' } as const] : []),
    ...(opts.arfFile !== undefined ? [{ kind: 'arf', path: opts.arfFile, option: '--results-arf' } as const] : []),
    ...(opts.ovalResultsDir !== undefined ? [{ kind: 'oval-results', path: opts.ovalResultsDir, option: '--oval-results' } as const] : []),
    ...(opts.outputs ?? []),
  ];
}

/** Opens the content, validates it and resolves the profile (with the tailoring), as `xccdf eval` does before it evaluates. */
export function prepareChecklist(file: string, opts: XccdfEvalOptions = {}): PreparedChecklist {
  const loaded = openContent(file, { evaluationOnly: opts.evaluationOnly === true });
  if (opts.arfFile !== undefined && loaded.document.kind !== 'data-stream-collection') {
    throw new ContentError('wrong-root', '--results-arf needs a source data stream as input, as with oscap');
  }
  const checklist = openChecklist(loaded, {
    ...(opts.datastreamId !== undefined ? { streamId: opts.datastreamId } : {}),
    ...(opts.xccdfId !== undefined ? { checklistId: opts.xccdfId } : {}),
  });
  validateChecklist(checklist);
  const tailoring = loadTailoring(opts.tailoringFile, opts.tailoringId, loaded);
  if (tailoring) validateTailoring(tailoring, checklist);
  const wanted = opts.profile ?? opts.chooseProfile?.(checklist);
  const profileId = wanted !== undefined ? findProfileId(checklist, wanted, tailoring) : undefined;
  const virtual = profileId === ALL_PROFILE ? allProfile(checklist) : undefined;
  const resolveWith: Tailoring | undefined = virtual
    ? { kind: 'tailoring', id: ALL_PROFILE, version: '1', profiles: [...(tailoring?.profiles ?? []), virtual], location: virtual.location }
    : tailoring;
  const resolved = resolveProfile(checklist.benchmark, profileId, resolveWith ? { tailoring: resolveWith } : {});
  return { loaded, checklist, resolved, ...(tailoring ? { tailoring } : {}) };
}

export async function evaluateXccdf(file: string, opts: XccdfEvalOptions = {}): Promise<XccdfEvalReport> {
  // every output is checked before anything is read, so a bad path costs no scan
  const outputs = outputRequests(opts);
  checkOutputs(outputs);
  const { checklist, resolved } = opts.prepared ?? prepareChecklist(file, opts);
  const rules = ruleIdsOf(checklist, opts.rules, '--rule', opts.strictRules === true);
  const skipRules = ruleIdsOf(checklist, opts.skipRules, '--skip-rule', opts.strictRules === true);
  const named = { ...opts, ...(rules ? { rules } : {}), ...(skipRules ? { skipRules } : {}) };
  const target = opts.target ?? targetFor(opts);
  const report = await withScanServices(target, (services) => evaluateOn(file, named, { checklist, resolved, target, services }));
  const failures = await writeOutputs(report, outputs);
  if (opts.onOutputFailure) for (const f of failures) opts.onOutputFailure(f);
  else if (failures[0] !== undefined) throw failures[0].error;
  return report;
}

interface ScanSetup {
  readonly checklist: Checklist;
  readonly resolved: ResolvedProfile;
  readonly target: Target;
  readonly services: ScanServices;
}

/** The checking systems of one evaluation over a checklist: the OVAL engine for the rules' checks and for the CPE platforms, and the applicability it decides. */
export interface CheckEngines {
  readonly checks: OvalCheckEngine;
  readonly cpeOval: OvalCheckEngine;
  readonly applicability: Applicability;
}

/** Builds the check engines of one evaluation; every OVAL session shares `share` (its probe services and target-only objects). */
export function checkEngines(checklist: Checklist, target: Target, share: ScanServices['share'], opts: { readonly reads?: boolean; readonly signal?: AbortSignal } = {}): CheckEngines {
  const probes = probeTable();
  const factory = (doc: OvalDefinitions, external: { get(id: string): readonly string[] | undefined }) => new OvalEngine(doc, { target, probes, external, share, ...(opts.reads ? { reads: true } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  const checks = new OvalCheckEngine((href) => ovalOf(checklist.checks.get(href)), factory);
  const cpeOval = new OvalCheckEngine((href) => {
    for (const d of checklist.dictionaries) {
      const doc = ovalOf(d.checks.get(href));
      if (doc) return doc;
    }
    return ovalOf(checklist.checks.get(href));
  }, factory);
  const applicability = new Applicability(
    { platformSpecification: checklist.benchmark.platformSpecification, dictionaries: checklist.dictionaries.map((d) => d.dictionary) },
    cpeOval,
  );
  return { checks, cpeOval, applicability };
}

async function evaluateOn(file: string, opts: XccdfEvalOptions, { checklist, resolved, target, services }: ScanSetup): Promise<XccdfEvalReport> {
  // every OVAL session of the scan (CPE checks, rule checks, rebound sessions) shares probe services and target-only objects
  const { checks, cpeOval, applicability } = checkEngines(checklist, target, services.share, opts);

  const start = new Date();
  opts.onStart?.({
    total: opts.rules ? opts.rules.length : resolved.rules.length,
    benchmarkTitle: checklist.benchmark.title,
    ...(resolved.profile ? { profileTitle: resolved.profile.title } : {}),
  });
  const evaluation = await evaluateBenchmark(checklist.benchmark, {
    profile: resolved,
    engines: [checks],
    applicability,
    ...(opts.reads ? { reads: true } : {}),
    ...(opts.rules ? { rules: new Set(opts.rules) } : {}),
    ...(opts.skipRules ? { skipRules: new Set(opts.skipRules) } : {}),
    ...(opts.onResult ? { onResult: opts.onResult } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  // The benchmark's own platforms are listed as OpenSCAP does, even when no rule asked.
  await applicability.applies(checklist.benchmark.platforms);
  const end = new Date();

  const system = await target.describe();
  const host = await hostFacts(target, system);
  const models = checklist.benchmark.scoringModels.length > 0 ? checklist.benchmark.scoringModels : [SCORING_DEFAULT];
  const profileSuffix = resolved.profile?.id ?? 'default-profile';
  const testResult: TestResultData = {
    id: `xccdf_org.open-scap_testresult_${profileSuffix}`,
    benchmark: { id: checklist.benchmark.id, href: file, version: checklist.benchmark.version, title: checklist.benchmark.title },
    ...(resolved.profile ? { profile: { id: resolved.profile.id, title: resolved.profile.title } } : {}),
    startTime: xccdfTime(start),
    endTime: xccdfTime(end),
    testSystem: `cpe:/a:vigil:vigil:${vigilVersion()}`,
    target: { name: host.name, addresses: host.addresses.map((a) => a.ip), facts: host.facts },
    ...(host.identity ? { identity: host.identity } : {}),
    platforms: applicability.applicable,
    setValues: [...resolved.values.values()].map((v) => ({ idref: v.value.id, value: v.text })),
    ruleResults: evaluation.ruleResults,
    scores: models.flatMap((m) => score(checklist.benchmark, evaluation.ruleResults, m) ?? []),
  };

  // The report is data from here on: the OVAL sessions are read once and dropped.
  const report: ScanReport = {
    version: SCAN_REPORT_VERSION,
    testResult,
    benchmark: checklist.benchmark,
    contentFile: file,
    source: {
      file,
      ...(checklist.origin.componentId !== undefined ? { componentId: checklist.origin.componentId } : {}),
      xccdfVersion: checklist.benchmark.xccdfVersion,
    },
    productVersion: vigilVersion(),
    system: targetSystem(target, system),
    oval: await checks.evidence(),
    platformOval: await cpeOval.evidence(),
  };
  return {
    ...report,
    checklist,
    resolved,
    target,
    description: system,
    unknownRules: evaluation.unknownRules,
    notes: resolved.notes,
  };
}

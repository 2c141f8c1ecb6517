/**
 * `vigil xccdf generate fix`: a playbook or script that remediates either
 * every rule a profile selects (profile-based, from a data stream or
 * benchmark) or the rules that failed in a TestResult (results-based, from
 * a results file or an ARF report), as `oscap xccdf generate fix` does,
 * with optional filters.
 */
import type { ProfileStub, RuleStub } from '../model/selective-load.js';
import { selectTestResult, type XccdfTestResult } from '../model/xccdf/test-result.js';
import type { Rule } from '../model/xccdf/types.js';
import { describeFilter, parseFilter, type FilterArguments, type FixFilter } from '../remediation/filter.js';
import { ANSIBLE_SYSTEM } from '../remediation/fix-systems.js';
import { fixTypeNamed, type FixType } from '../remediation/fix-types.js';
import type { OutputHeader } from '../remediation/header.js';
import { planRemediation, type PlannedRule, type SubstitutionValue } from '../remediation/plan.js';
import { indexBenchmark } from '../model/xccdf/index.js';
import { resolveProfile, type ResolvedProfile } from '../xccdf/profile.js';
import { packageVersion } from './package-version.js';
import { maybeSelected, openRemediationSource, type RemediationSource } from './remediation-input.js';

export interface GenerateFixOptions {
  /** `ansible` or `bash`. */
  readonly fixType: string;
  /** A profile id, or the end of one. Absent: the benchmark's default selection. */
  readonly profile?: string;
  readonly tailoringFile?: string;
  /** Results-based: the TestResult (its id, or the end of it; '' for the only one). */
  readonly resultId?: string;
  readonly filter?: FilterArguments;
  /** Only these rules (besides the filter): `vigil remediate` passes the rules a fresh scan found failing. */
  readonly onlyRules?: ReadonlySet<string>;
}

export interface GeneratedFix {
  readonly text: string;
  readonly origin: 'profile' | 'results';
  readonly fixType: string;
  /** The rules in the output, in order. */
  readonly rules: readonly PlannedRule[];
  /** Things the user should know, also written into the header where they concern the output. */
  readonly notes: readonly string[];
}

export function generateFix(input: string, opts: GenerateFixOptions): GeneratedFix {
  const type = fixTypeNamed(opts.fixType);
  const filter = parseFilter(opts.filter ?? {});
  const source = openRemediationSource(input, opts.tailoringFile !== undefined ? { tailoringFile: opts.tailoringFile } : {});
  // A results file without --result-id or --profile means its failures (oscap would fix the whole default selection): the only TestResult, or an error naming them.
  const implied = opts.resultId === undefined && opts.profile === undefined && source.skim.testResults().length > 0 ? '' : undefined;
  const resultId = opts.resultId ?? implied;
  const chosen = resultId !== undefined ? resultsJob(source, input, resultId) : profileJob(source, opts.profile);
  const job: Job = implied === undefined ? chosen : { ...chosen, notes: [`${input} holds scan results: fixing the ${chosen.failed?.length ?? 0} rules that failed in it (--profile fixes a whole profile instead)`, ...chosen.notes] };

  const benchmark = source.loadBenchmark({
    rule: job.keep,
    ruleChild: neededRuleParts(type, filter),
    groupChild: () => false,
    profile: (id) => job.profileIds.has(id),
    referencedValuesOnly: true,
  });
  const index = indexBenchmark(benchmark);
  const resolved = job.profileId !== undefined ? resolveProfile(index, job.profileId, source.tailoring ? { tailoring: source.tailoring } : {}) : undefined;
  const notes: string[] = [...job.notes];

  let rules: Rule[];
  if (job.failed) {
    rules = [];
    for (const id of job.failed) {
      const rule = index.rules.get(id);
      if (!rule) notes.push(`rule ${id} failed, but the benchmark has no such rule; it is left out`);
      else if (resolved && !resolved.isSelected(id)) notes.push(`rule ${id} failed, but profile ${job.profileId} does not select it; it is left out`);
      else rules.push(rule);
    }
  } else {
    rules = [...(resolved ?? resolveProfile(index, undefined)).rules];
  }
  if (opts.onlyRules) rules = rules.filter((r) => opts.onlyRules!.has(r.id));
  const value = valueLookup(index, resolved, job.testResult);
  const plan = planRemediation({
    system: type.system,
    rules,
    severity: (r) => resolved?.refinements.get(r.id)?.severity ?? r.severity,
    value,
    filter,
    keepRulesWithoutFix: type.keepsRulesWithoutFix,
  });
  for (const n of resolved?.notes ?? []) notes.push(n);
  let empty: string | undefined;
  if (job.failed && job.failed.length === 0) empty = `TestResult ${job.testResult!.id} has no failed rules: there is nothing to remediate.`;
  else if (plan.length === 0) empty = `No rule${job.failed ? ' that failed' : ''} has a ${type.name} fix that passes${describeFilter(filter) ? ' the filter' : ''}: there is nothing to remediate.`;
  if (empty) notes.push(empty);

  const profile = resolved?.profile ?? (job.testResult?.profileId !== undefined ? { id: job.testResult.profileId, title: '', description: '' } : undefined);
  const header: OutputHeader = {
    origin: job.failed ? 'results' : 'profile',
    ...(profile ? { profile: { id: profile.id, title: profile.title, description: profile.description } } : {}),
    benchmark: { id: benchmark.id, title: benchmark.title, version: benchmark.version, xccdfVersion: benchmark.xccdfVersion },
    ...(job.testResult
      ? {
          testResult: {
            id: job.testResult.id,
            ...(job.testResult.startTime !== undefined ? { startTime: job.testResult.startTime } : {}),
            ...(job.testResult.endTime !== undefined ? { endTime: job.testResult.endTime } : {}),
          },
        }
      : {}),
    generator: `Vigil ${packageVersion()}`,
    command: commandLine(input, type, opts, filter, job),
    filter: describeFilter(filter),
    ruleCount: plan.length,
    notes: empty ? [empty] : [],
  };
  return { text: type.render(plan, header), origin: header.origin, fixType: type.name, rules: plan, notes };
}

interface Job {
  /** The profile whose selection, refinements and values apply, if any. */
  readonly profileId?: string;
  readonly profileIds: ReadonlySet<string>;
  readonly keep: (rule: RuleStub) => boolean;
  /** Results-based: the failed rules in TestResult order, each once. */
  readonly failed?: readonly string[];
  readonly testResult?: XccdfTestResult;
  readonly notes: readonly string[];
}

function profileJob(source: RemediationSource, wanted: string | undefined): Job {
  if (wanted === undefined) return { profileIds: new Set(), keep: (r) => r.selected, notes: [] };
  const profileId = source.matchProfile(wanted);
  const chain = source.chain(profileId);
  return { profileId, profileIds: new Set(chain.map((p) => p.id)), keep: maybeSelected(chain), notes: [] };
}

function resultsJob(source: RemediationSource, input: string, resultId: string): Job {
  const testResult = selectTestResult(source.skim.testResults(), resultId, input);
  const failed = [...new Set(testResult.ruleResults.filter((r) => r.result === 'fail').map((r) => r.ruleId))];
  const wanted = new Set(failed);
  const notes: string[] = [];
  let profileId = testResult.profileId;
  let chain: ProfileStub[] = [];
  if (profileId !== undefined) {
    if (source.hasProfile(profileId)) chain = source.chain(profileId);
    else {
      // oscap stops here ("Could not find Profile"); the TestResult's own set-values are enough to write the fixes.
      notes.push(`profile ${profileId} of TestResult ${testResult.id} is not in ${input}${source.tailoring ? ' or the tailoring' : ''}; the values come from the TestResult`);
      profileId = undefined;
    }
  }
  return {
    ...(profileId !== undefined ? { profileId } : {}),
    profileIds: new Set(chain.map((p) => p.id)),
    keep: (r) => wanted.has(r.id),
    failed,
    testResult,
    notes,
  };
}

/** Only the parts of a rule that generation reads: its title, idents, the fixes it may use, and references when a filter looks at them. */
function neededRuleParts(type: FixType, filter: FixFilter): (child: { name: string; attrs: Readonly<Record<string, string>> }) => boolean {
  const byReference = filter.references !== undefined;
  return (c) => {
    if (c.name === 'fix') return c.attrs['system'] === type.system || (byReference && c.attrs['system'] === ANSIBLE_SYSTEM);
    return c.name === 'title' || c.name === 'ident' || (byReference && c.name === 'reference');
  };
}

/** Values for `<sub>`: results-based, the TestResult's set-values first (what was evaluated); then the profile's. */
function valueLookup(index: ReturnType<typeof indexBenchmark>, resolved: ResolvedProfile | undefined, testResult: XccdfTestResult | undefined): (id: string) => SubstitutionValue | undefined {
  const defaults = resolved ? undefined : resolveProfile(index, undefined);
  return (id) => {
    const v = index.values.get(id);
    if (!v) return undefined;
    const text = testResult?.setValues.get(id) ?? (resolved ?? defaults)!.values.get(id)?.text ?? '';
    return { text, title: v.title };
  };
}

function commandLine(input: string, type: FixType, opts: GenerateFixOptions, filter: FixFilter, job: Job): string {
  const parts = ['vigil xccdf generate fix', `--fix-type ${type.name}`];
  if (opts.resultId !== undefined) parts.push(`--result-id ${shellWord(job.testResult?.id ?? opts.resultId)}`);
  else if (job.profileId !== undefined) parts.push(`--profile ${shellWord(job.profileId)}`);
  if (opts.tailoringFile !== undefined) parts.push(`--tailoring-file ${shellWord(opts.tailoringFile)}`);
  const f = describeFilter(filter);
  if (f) parts.push(f);
  parts.push(shellWord(input));
  return parts.join(' ');
}

function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

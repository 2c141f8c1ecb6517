/**
 * Opening content for remediation: the input file (data stream, benchmark,
 * results file or ARF), an optional tailoring, and profile lookup as oscap
 * does it (a full id, else the one id that ends with what was given,
 * tailoring profiles first). Only what the use case asks for is parsed
 * (model/selective-load.ts).
 */
import { openChecklist } from '../model/checklist.js';
import { ContentError } from '../model/errors.js';
import { matchProfileId, unknownProfile } from './profile-id.js';
import { readDocumentFile } from '../model/load.js';
import { skimContent, type LoadOptions, type ProfileStub, type SkimmedContent } from '../model/selective-load.js';
import type { Benchmark, Tailoring } from '../model/xccdf/types.js';

export interface RemediationSource {
  readonly skim: SkimmedContent;
  /** The tailoring given with --tailoring-file, or else the one the data stream carries. */
  readonly tailoring?: Tailoring;
  /** Every profile id: the tailoring's, then the benchmark's. */
  profileIds(): string[];
  /** The profile id `wanted` names (see the module comment); a ContentError when none or several. */
  matchProfile(wanted: string): string;
  /** Whether a profile with exactly this id exists. */
  hasProfile(id: string): boolean;
  /** The profile and those it extends, base first: enough to tell which rules they may select. */
  chain(id: string): ProfileStub[];
  /** The checklist's benchmark, parsed as `options` asks. */
  loadBenchmark(options: LoadOptions): Benchmark;
}

export function openRemediationSource(input: string, opts: { tailoringFile?: string } = {}): RemediationSource {
  const skim = skimContent(input);
  let tailoring: Tailoring | undefined;
  if (opts.tailoringFile !== undefined) {
    const doc = readDocumentFile(opts.tailoringFile);
    if (doc.kind !== 'tailoring') throw new ContentError('wrong-root', `${opts.tailoringFile} is not an XCCDF tailoring (--tailoring-file)`);
    tailoring = doc;
  } else tailoring = skim.tailorings()[0];
  const tailored = new Map((tailoring?.profiles ?? []).map((p) => [p.id, p]));
  const benchmarkIds: readonly string[] = skim.profileIds;
  const profileIds = (): string[] => [...new Set([...tailored.keys(), ...benchmarkIds])];
  const hasProfile = (id: string): boolean => tailored.has(id) || benchmarkIds.includes(id);
  const benchmarkProfile = (id: string): ProfileStub | undefined => skim.profileStub(id);
  return {
    skim,
    ...(tailoring ? { tailoring } : {}),
    profileIds,
    hasProfile,
    matchProfile(wanted) {
      if (hasProfile(wanted)) return wanted;
      for (const ids of [[...tailored.keys()], benchmarkIds]) {
        const matches = [...new Set(ids.filter((id) => id.endsWith(wanted)))];
        if (matches.length === 1) return matches[0]!;
        if (matches.length > 1) throw new ContentError('unknown-profile', `--profile "${wanted}" matches several profiles: ${matches.join(', ')}`);
      }
      // then the short form in any case, as --profile takes it everywhere (profile-id.ts)
      const folded = matchProfileId(profileIds(), wanted);
      if (folded !== undefined) return folded;
      throw unknownProfile(wanted, profileIds(), input);
    },
    chain(id) {
      const chain: ProfileStub[] = [];
      const seen = new Set<ProfileStub>();
      let next: ProfileStub | undefined = tailored.get(id) ?? benchmarkProfile(id);
      if (!next) throw new ContentError('unknown-profile', `no profile "${id}" in ${input}`);
      while (next) {
        if (seen.has(next)) throw new ContentError('invalid-value', `profile ${next.id} extends itself`);
        seen.add(next);
        chain.unshift(next);
        const base: string | undefined = next.extends;
        if (base === undefined) break;
        // A tailoring profile may extend the benchmark profile of the same id.
        const found: ProfileStub | undefined = base === next.id ? benchmarkProfile(base) : (tailored.get(base) ?? benchmarkProfile(base));
        if (!found) throw new ContentError('dangling-ref', `profile ${next.id} extends the unknown profile ${base}`);
        next = found;
      }
      return chain;
    },
    loadBenchmark(options) {
      const loaded = skim.load(options);
      return loaded.document.kind === 'benchmark' ? loaded.document : openChecklist(loaded).benchmark;
    },
  };
}

/**
 * A superset of the rules a profile chain can select: those selected by
 * default, and those a select names (by id or cluster-id). Everything else
 * is certainly unselected, so it need not be parsed.
 */
export function maybeSelected(chain: readonly ProfileStub[]): (rule: { id: string; clusterId?: string; selected: boolean }) => boolean {
  const named = new Set<string>();
  for (const p of chain) for (const s of p.selects) if (s.selected) named.add(s.idref);
  return (r) => r.selected || named.has(r.id) || (r.clusterId !== undefined && named.has(r.clusterId));
}

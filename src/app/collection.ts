/**
 * `vigil collection build`: an Ansible collection with one role per
 * profile, built from the same plan as `generate fix --fix-type ansible`
 * (remediation/collection/content.ts has the layout).
 */
import { statSync } from 'node:fs';
import { saveFileContent } from '../results/atomic-file.js';
import { join } from 'node:path';
import { ContentError } from '../model/errors.js';
import { indexBenchmark } from '../model/xccdf/index.js';
import { ansiblePlay } from '../remediation/ansible.js';
import { collectionArchive, playTaskTags, roleName, type RoleSpec } from '../remediation/collection/content.js';
import { NAME_PATTERN, VERSION_PATTERN, type CollectionInfo } from '../remediation/collection/galaxy.js';
import { describeFilter, parseFilter, type FilterArguments } from '../remediation/filter.js';
import { ANSIBLE_SYSTEM } from '../remediation/fix-systems.js';
import { planRemediation } from '../remediation/plan.js';
import { resolveProfile } from '../xccdf/profile.js';
import { packageVersion } from './package-version.js';
import { maybeSelected, openRemediationSource } from './remediation-input.js';

export interface BuildCollectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  /** Profiles to make roles of (ids or their ends); every profile when empty. */
  readonly profiles: readonly string[];
  readonly tailoringFile?: string;
  readonly outputDir: string;
  readonly filter?: FilterArguments;
  readonly authors?: readonly string[];
  readonly license?: readonly string[];
}

export interface BuiltCollection {
  /** The path of the .tar.gz written. */
  readonly archive: string;
  readonly roles: ReadonlyArray<{ readonly fqcn: string; readonly profileId: string; readonly ruleCount: number; readonly taskCount: number }>;
  readonly notes: readonly string[];
}

export function buildCollection(input: string, opts: BuildCollectionOptions): BuiltCollection {
  for (const [what, v] of [
    ['--namespace', opts.namespace],
    ['--name', opts.name],
  ] as const) {
    if (!NAME_PATTERN.test(v)) throw new ContentError('invalid-value', `${what} "${v}" is not a valid collection name: lowercase letters, digits and underscores, not starting with an underscore`);
  }
  if (!VERSION_PATTERN.test(opts.version)) throw new ContentError('invalid-value', `--version "${opts.version}" is not a semantic version such as 1.0.0`);
  const filter = parseFilter(opts.filter ?? {});
  const source = openRemediationSource(input, opts.tailoringFile !== undefined ? { tailoringFile: opts.tailoringFile } : {});
  const profileIds = opts.profiles.length ? [...new Set(opts.profiles.map((p) => source.matchProfile(p)))] : source.profileIds();
  if (profileIds.length === 0) throw new ContentError('unknown-profile', `${input} has no profiles to make roles of`);

  const chains = profileIds.map((id) => source.chain(id));
  const selectors = chains.map(maybeSelected);
  const inChains = new Set(chains.flat().map((p) => p.id));
  const benchmark = source.loadBenchmark({
    rule: (r) => selectors.some((s) => s(r)),
    ruleChild: (c) => c.name !== 'description' && c.name !== 'rationale' && c.name !== 'check' && c.name !== 'complex-check' && (c.name !== 'fix' || c.attrs['system'] === ANSIBLE_SYSTEM),
    profile: (id) => inChains.has(id),
    referencedValuesOnly: true,
  });
  const index = indexBenchmark(benchmark);
  const notes: string[] = [];
  const usedNames = new Set<string>();
  const roles: RoleSpec[] = profileIds.map((profileId) => {
    const resolved = resolveProfile(index, profileId, source.tailoring ? { tailoring: source.tailoring } : {});
    notes.push(...resolved.notes.map((n) => `profile ${profileId}: ${n}`));
    const plan = planRemediation({
      system: ANSIBLE_SYSTEM,
      rules: resolved.rules,
      severity: (r) => resolved.refinements.get(r.id)?.severity ?? r.severity,
      value: (id) => {
        const v = index.values.get(id);
        return v ? { text: resolved.values.get(id)?.text ?? '', title: v.title } : undefined;
      },
      filter,
      keepRulesWithoutFix: false,
    });
    let role = roleName(profileId);
    for (let k = 2; usedNames.has(role); k++) role = `${roleName(profileId)}_${k}`;
    usedNames.add(role);
    if (plan.length === 0) notes.push(`profile ${profileId}: no rule has an Ansible fix${describeFilter(filter) ? ' that passes the filter' : ''}; role ${role} is empty`);
    return {
      role,
      profileId,
      profileTitle: resolved.profile?.title ?? '',
      profileDescription: resolved.profile?.description ?? '',
      plan,
      play: ansiblePlay(plan),
    };
  });

  const info: CollectionInfo = {
    namespace: opts.namespace,
    name: opts.name,
    version: opts.version,
    authors: opts.authors ?? [`Vigil, from ${benchmark.id}`],
    description: `Remediation roles for ${benchmark.title || benchmark.id}, one per profile`,
    license: opts.license ?? ['BSD-3-Clause'],
    tags: ['security', 'compliance', 'scap'],
  };
  const archive = collectionArchive(
    { info, benchmark: { id: benchmark.id, title: benchmark.title, version: benchmark.version }, roles, generator: `Vigil ${packageVersion()}`, filter: describeFilter(filter) },
    statSync(input).mtime,
  );
  const path = join(opts.outputDir, archive.fileName);
  saveFileContent(path, archive.data);
  return {
    archive: path,
    roles: roles.map((r) => ({ fqcn: `${opts.namespace}.${opts.name}.${r.role}`, profileId: r.profileId, ruleCount: r.plan.length, taskCount: playTaskTags(r.play).length })),
    notes,
  };
}

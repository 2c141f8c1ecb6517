/**
 * Vigil's rules-as-code SDK: write benchmarks, rules, values, profiles and
 * platforms in TypeScript, test them against mock targets (./testing.ts),
 * and compile them to a SCAP 1.3 source data stream (`vigil build`).
 */
export { ansible, bash, benchmark, forEachItem, group, platform, profile, ref, rule, value } from './author.js';
export type { BenchmarkSpec, GroupSpec, PlatformSpec, ProfileSpec, RemediationSpec, RuleSpec, ValueSpec } from './author.js';
export {
  all,
  any,
  bitsAtMost,
  described,
  endsWith,
  escapeRegex,
  fileAbsent,
  fileExists,
  fileMetadata,
  inDir,
  lineMatches,
  noFiles,
  noLineMatches,
  none,
  packageInstalled,
  packageRemoved,
  setting,
  sysctl,
  unitActive,
  unitEnabled,
  unitMasked,
  unitProperty,
} from './checks.js';
export type { Expect, FilesInput, MetadataOptions, MetadataSpec, SettingOptions, SysctlOptions, TextOptions } from './checks.js';
export { compile, idsOf } from './compile.js';
export type { CompiledContent, CompiledIds } from './compile.js';
export { SYSCTL_FILES } from './model.js';
export type * from './model.js';

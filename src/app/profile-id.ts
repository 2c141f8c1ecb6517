/**
 * How a profile is named on the command line: its full id, or the part after
 * `_profile_` when that names one profile (`--profile cis_level2_server`).
 * Shared by `xccdf eval`, `scan` and `info`, so they accept the same names.
 */
import { ContentError } from '../model/errors.js';

/** `wanted` among `ids`: itself, or the one id ending in `_<wanted>`; undefined when none; an error when several. */
export function matchProfileId(ids: readonly string[], wanted: string): string | undefined {
  if (ids.includes(wanted)) return wanted;
  const hits = [...new Set(ids.filter((id) => id.endsWith(`_${wanted}`)))];
  if (hits.length > 1) throw new ContentError('unknown-profile', `--profile ${wanted} is ambiguous: ${hits.join(', ')}`);
  return hits[0];
}

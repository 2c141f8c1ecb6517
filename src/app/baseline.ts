/**
 * The Vigil Linux baseline that ships with Vigil: a source data stream
 * compiled from src/baseline/ (`npm run build:baseline`) and kept in
 * content/. Its path is resolved from this module, so it is found from the
 * sources (src/app/) and from the build (dist/app/) alike.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BASELINE_FILE = 'vigil-linux-baseline-ds.xml';
/** The profile that selects every rule with the default values. */
export const BASELINE_PROFILE = 'xccdf_dev.vigil_profile_baseline';
/** The same rules with stricter values. */
export const BASELINE_STRICT_PROFILE = 'xccdf_dev.vigil_profile_strict';

/** The shipped baseline data stream. */
export function baselineDataStreamPath(): string {
  return fileURLToPath(new URL(`../../content/${BASELINE_FILE}`, import.meta.url));
}

/** Whether the shipped baseline is present (a package built without content/ lacks it). */
export function hasBaseline(): boolean {
  return existsSync(baselineDataStreamPath());
}

/**
 * Which of a rule's fixes to use for a fix system, following OpenSCAP's
 * heuristic (xccdf_policy_remediate.c, _find_fix_for_template):
 * 1. only fixes of that system;
 * 2. if any of them needs no reboot, drop those that need one;
 * 3. if any has a low or medium disruption, keep only the least disruptive;
 * 4. the first that remains.
 *
 * In step 3 oscap 1.3.7 keeps the disruption of the *last* low-or-medium
 * fix it sees, so `[low, medium]` picks the medium one, against its own
 * comment ("choose fixes with the least disruption"). Vigil picks the low
 * one. SSG rules carry at most one fix per system, so their output is the
 * same either way.
 */
import type { Fix } from '../model/xccdf/types.js';

export function chooseFix(fixes: readonly Fix[], system: string, accept: (fix: Fix) => boolean = () => true): Fix | undefined {
  let candidates = fixes.filter((f) => f.system === system && accept(f));
  if (candidates.some((f) => !f.reboot)) candidates = candidates.filter((f) => !f.reboot);
  const least = candidates.some((f) => f.disruption === 'low') ? 'low' : candidates.some((f) => f.disruption === 'medium') ? 'medium' : undefined;
  if (least) candidates = candidates.filter((f) => f.disruption === least);
  return candidates[0];
}

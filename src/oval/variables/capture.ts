/** The regex_capture function's matching (_oval_component_evaluate_REGEX_CAPTURE). */
import { boundedFirst, isFailure, type FirstAnswer, type MatchFailure } from '../regex/bounded.js';
import { compilePcre } from '../regex/pcre.js';

/** The one place a regular expression is compiled (PCRE semantics via compilePcre). */
export function compileRegex(pattern: string): RegExp {
  return compilePcre(pattern);
}

/**
 * Group 1 of the first match, or '' (no match, no group 1, group 1 unset,
 * or a match setting a group past the 19 that OpenSCAP's ovector can hold);
 * the match is bounded (regex/bounded.ts): a failure when it could not be
 * decided, a promise when the regex worker matches.
 */
export function firstCapture(re: RegExp, text: string): Captured | Promise<Captured> {
  const m = boundedFirst(re, text);
  return m instanceof Promise ? m.then(groupOne) : groupOne(m);
}

/** Group 1, or why the match failed. */
export type Captured = string | { readonly failure: MatchFailure };

function groupOne(m: FirstAnswer): Captured {
  if (isFailure(m)) return { failure: m };
  if (!m) return '';
  let highest = 0;
  for (let i = m.length - 1; i > 0; i--) {
    if (m[i] !== null && m[i] !== undefined) {
      highest = i;
      break;
    }
  }
  if (highest + 1 > 20) return ''; // pcre_exec returns 0: the ovector was too small
  if (highest < 1) return '';
  return m[1] ?? '';
}

/**
 * Catastrophic patterns, built by construction (issue 13): a quantified
 * core (a repeat, a repeat of a repeat, overlapping alternatives), wrapped
 * in quantified groups 1 to 3 deep (capturing, not, doubly grouped, an
 * alternation with a branch that overlaps), then anchored or not, or inside
 * a lookaround. Every one backtracks exponentially, in V8 as in PCRE, on
 * HOSTILE_SUBJECT.
 */

/** A run of a's that ends in what no pattern of the family can match. */
export const HOSTILE_SUBJECT = `${'a'.repeat(40)}!`;

export function catastrophicFamily(): string[] {
  const cores = ['a+', '(?:a|aa)', 'a*a', '\\w+'];
  const wraps: Array<(p: string) => string> = [(p) => `(${p})+`, (p) => `(?:${p})+`, (p) => `((${p}))+`, (p) => `(?:(${p}))*`, (p) => `(?:${p}|a)+`, (p) => `(${p}|${p}){1,}`];
  // the negative lookahead is followed by `a`: V8 skips every start where a required literal is missing
  const outer: Array<(p: string) => string> = [(p) => `${p}$`, (p) => `^${p}$`, (p) => `^(?=${p}$)`, (p) => `(?!${p}$)a`, (p) => `${p}\\z`];
  const out: string[] = [];
  let k = 0;
  for (const core of cores) {
    for (let w = 0; w < wraps.length; w++) {
      // depth 1 to 3: the wrap, then the next ones in turn
      const depth = 1 + (k % 3);
      let p = core;
      for (let d = 0; d < depth; d++) p = wraps[(w + d) % wraps.length]!(p);
      out.push(outer[k % outer.length]!(p));
      k++;
    }
  }
  return out;
}

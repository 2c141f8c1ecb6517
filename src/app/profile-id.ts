/**
 * How profiles and rules are named on the command line: the full id, or the
 * short form after `_profile_` / `_rule_` (`--profile cis_level2_server`,
 * `--rule sshd_disable_root_login`), in any case. Shared by `xccdf eval`,
 * `scan`, `info` and `fix`, so they accept the same names; a name that
 * matches nothing is an error that suggests the nearest ones.
 */
import { ContentError } from '../model/errors.js';
import { globToRegExp, isGlob } from '../remediation/glob.js';

/** oscap's virtual profile: every rule selected, Values at their defaults. */
export const ALL_PROFILE = '(all)';

/** What follows `_profile_` or `_rule_` in an id; the id itself when it has neither. */
export function shortId(id: string): string {
  const m = /_(?:profile|rule)_(.+)$/.exec(id);
  return m ? m[1]! : id;
}

/** `wanted` among `ids`: itself, or the one id ending in `_<wanted>`, case-sensitively first, then in any case; undefined when none; an error when several. */
export function matchProfileId(ids: readonly string[], wanted: string): string | undefined {
  if (ids.includes(wanted)) return wanted;
  const lower = wanted.toLowerCase();
  for (const fold of [false, true]) {
    const f = (s: string): string => (fold ? s.toLowerCase() : s);
    const w = fold ? lower : wanted;
    const exact = [...new Set(ids.filter((id) => f(id) === w))];
    if (exact.length === 1) return exact[0];
    const hits = [...new Set(ids.filter((id) => f(id).endsWith(`_${w}`)))];
    if (hits.length > 1) throw new ContentError('unknown-profile', `--profile ${wanted} is ambiguous: ${hits.join(', ')}`);
    if (hits.length === 1) return hits[0];
  }
  return undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The short forms of `ids` nearest to `wanted` (case-insensitive), at most
 * `n`, by edit distance: those containing it or contained in it, and those
 * within half the longer name's length.
 */
export function nearestNames(wanted: string, ids: readonly string[], n = 3): string[] {
  const w = shortId(wanted).toLowerCase();
  const scored = [...new Set(ids.map(shortId))].map((s) => {
    const l = s.toLowerCase();
    const d = editDistance(w, l);
    return { s, d, ok: l.includes(w) || w.includes(l) || d <= Math.max(2, Math.floor(Math.max(w.length, l.length) / 2)) };
  });
  return scored
    .filter((x) => x.ok)
    .sort((a, b) => a.d - b.d || a.s.length - b.s.length || a.s.localeCompare(b.s))
    .slice(0, n)
    .map((x) => x.s);
}

/** "did you mean a, b?" or "" when nothing is near. */
export function didYouMean(wanted: string, ids: readonly string[]): string {
  const near = nearestNames(wanted, ids);
  return near.length > 0 ? `did you mean ${near.join(', ')}?` : '';
}

/**
 * The error for a profile that is not there: a short list whole, else the
 * nearest names and how to list them all (never a dump of every id).
 */
export function unknownProfile(wanted: string, ids: readonly string[], where?: string): ContentError {
  const at = where !== undefined ? ` in ${where}` : '';
  if (ids.length === 0) return new ContentError('unknown-profile', `no profile "${wanted}"${at}: it has no profiles (leave out --profile, or use --profile '${ALL_PROFILE}')`);
  if (ids.length <= 5) return new ContentError('unknown-profile', `no profile "${wanted}"${at}; known profiles: ${ids.join(', ')}`);
  const hint = didYouMean(wanted, ids);
  return new ContentError('unknown-profile', `no profile "${wanted}"${at}${hint ? `; ${hint}` : ''} (${ids.length} profiles: \`vigil info --profiles FILE\` lists them)`);
}

/**
 * The rule ids that `--rule` names mean: each an id, a short form (the part
 * after `_rule_`) in any case, or a glob over either. A name that matches no
 * rule is an error naming the nearest ones.
 */
export function resolveRuleNames(ruleIds: readonly string[], wanted: readonly string[], option = '--rule'): string[] {
  const out: string[] = [];
  for (const w of wanted) {
    let hits: string[];
    if (ruleIds.includes(w)) hits = [w];
    else if (isGlob(w)) {
      const re = globToRegExp(w);
      hits = ruleIds.filter((id) => re.test(id) || re.test(shortId(id)));
    } else {
      const l = w.toLowerCase();
      hits = ruleIds.filter((id) => id.toLowerCase() === l || shortId(id).toLowerCase() === l);
    }
    if (hits.length === 0) {
      const hint = didYouMean(w, ruleIds);
      throw new ContentError('invalid-value', `${option} ${w} matches no rule of the benchmark${hint ? `; ${hint}` : ''}`);
    }
    for (const h of hits) if (!out.includes(h)) out.push(h);
  }
  return out;
}

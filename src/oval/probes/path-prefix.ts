/**
 * The partial-match test with which OpenSCAP's oval_fts prunes a walk for a
 * `path` or `filepath` pattern: the pattern, anchored with `^`, is tried on
 * each directory's path with PCRE_PARTIAL. A directory the pattern can
 * neither match nor extend is skipped with everything below it; one that is
 * only a prefix of a possible match is entered but not compared.
 *
 * JavaScript has no partial matching, so the test is built from the parsed
 * pattern: a second expression whose language holds every prefix of the
 * pattern's. It errs only towards "partial" (lookarounds, back references
 * and assertions other than `^` are widened), which walks more and never
 * loses a match.
 */
import { boundedTest, isFailure, UndecidedMatch, type TestAnswer } from '../regex/bounded.js';
import { emitTree, parsePcre, type PcreNode, type PcreTree } from '../regex/pcre.js';

/** `match`: the pattern matches from the start; `partial`: the path could still grow into a match; `none`: neither. */
export type PrefixVerdict = 'match' | 'partial' | 'none';

/** Past this size, the prefix expression is not worth it and nothing is pruned. */
const MAX_SOURCE = 20_000;

const EMPTY: PcreNode = { type: 'seq', items: [] };
const ANY_STAR: PcreNode = { type: 'repeat', min: 0, max: Infinity, lazy: false, body: { type: 'set', ranges: [[0, 0xffff]] } };

const group = (body: PcreNode): PcreNode => ({ type: 'group', body });
const alt = (branches: readonly PcreNode[]): PcreNode => (branches.length === 1 ? branches[0]! : group({ type: 'alt', branches }));
const optional = (body: PcreNode): PcreNode => ({ type: 'repeat', min: 0, max: 1, lazy: false, body });

/** The node as it is, but with no capture (numbers would shift) and no back reference (widened). */
function whole(n: PcreNode): PcreNode {
  switch (n.type) {
    case 'group':
      return group(whole(n.body));
    case 'backref':
      return ANY_STAR;
    case 'look':
    case 'repeat':
      return { ...n, body: whole(n.body) };
    case 'seq':
      return { type: 'seq', items: n.items.map(whole) };
    case 'alt':
      return group({ type: 'alt', branches: n.branches.map(whole) });
    default:
      return n;
  }
}

/** A node matching every prefix of what `n` matches (and possibly more). */
function prefixOf(n: PcreNode): PcreNode {
  switch (n.type) {
    case 'char':
    case 'set':
      return optional(n);
    case 'linebreak': // \r\n or one character: widened to one of anything
      return optional({ type: 'set', ranges: [[0, 0xffff]] });
    case 'assert':
      return n.kind === 'start' ? n : EMPTY;
    case 'look':
      return EMPTY;
    case 'group':
      return group(prefixOf(n.body));
    case 'backref':
      return ANY_STAR;
    case 'repeat':
      if (n.max === 0) return EMPTY;
      return { type: 'seq', items: [{ type: 'repeat', min: 0, max: n.max === Infinity ? Infinity : n.max - 1, lazy: false, body: whole(n.body) }, prefixOf(n.body)] };
    case 'seq': {
      if (n.items.length === 0) return EMPTY;
      const branches: PcreNode[] = [];
      for (let k = 0; k < n.items.length; k++) branches.push({ type: 'seq', items: [...n.items.slice(0, k).map(whole), prefixOf(n.items[k]!)] });
      return alt(branches);
    }
    case 'alt':
      return alt(n.branches.map(prefixOf));
  }
}

/**
 * The partial-match verdict for a path pattern, or undefined when the
 * pattern cannot be read (then nothing is pruned).
 */
export function pathPatternTest(pattern: string): ((path: string) => PrefixVerdict | Promise<PrefixVerdict>) | undefined {
  const anchored = pattern.startsWith('^') ? pattern : `^${pattern}`;
  let tree: PcreTree;
  try {
    tree = parsePcre(anchored);
  } catch {
    return undefined;
  }
  const full = emitTree(tree);
  const prefix = emitTree({ ...tree, root: prefixOf(tree.root), caselessBackref: false });
  if (prefix.source.length > MAX_SOURCE) return undefined;
  let fullRe: RegExp;
  let prefixRe: RegExp;
  try {
    fullRe = new RegExp(full.source, full.flags);
    prefixRe = new RegExp(`(?:${prefix.source})$`, prefix.flags);
  } catch {
    return undefined;
  }
  const verdict = (f: TestAnswer, p: TestAnswer | Promise<TestAnswer>, path: string): PrefixVerdict | Promise<PrefixVerdict> => {
    // whether the path matches must be decided: the object is an error otherwise
    if (isFailure(f)) throw new UndecidedMatch(f, pattern, JSON.stringify(path));
    if (f === true) return 'match';
    if (p instanceof Promise) return p.then((q) => verdict(false, q, path));
    return p === false ? 'none' : 'partial'; // the prefix only prunes: out of time, keep walking
  };
  // synchronous, unless the regex worker must match
  return (path) => {
    const f = boundedTest(fullRe, path);
    if (f instanceof Promise) return f.then((g) => verdict(g, g === false ? boundedTest(prefixRe, path) : false, path));
    return verdict(f, f === false ? boundedTest(prefixRe, path) : false, path);
  };
}

/**
 * OpenSCAP's extract_fixed_path_prefix: where a pattern walk starts. The
 * pattern's text up to its first unescaped `^*?$.([` (after a leading `^`),
 * cut back to the last `/` before it and unescaped, when that is an absolute
 * path; `/` otherwise. Other metacharacters (`+`, `{`, `|`) do not stop it,
 * exactly as in oscap.
 */
export function fixedPathPrefix(pattern: string): string {
  const path = pattern.startsWith('^') ? pattern.slice(1) : pattern;
  let s = path.length;
  let escaped = false;
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (ch === '\\') escaped = !escaped;
    else if ('^*?$.(['.includes(ch)) {
      if (!escaped) {
        s = i;
        break;
      }
      escaped = false;
    }
  }
  if (s < path.length) for (s--; s > 1 && path[s] !== '/'; s--);
  if (s > 1) {
    const lit = unescape(path.slice(0, s));
    if (lit !== undefined && lit.startsWith('/')) return lit;
  }
  return '/';
}

/** oscap's __string_unescape: every backslash takes the next character literally; a trailing one fails. */
function unescape(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') {
      if (i + 1 >= s.length) return undefined;
      out += s[i + 1];
      i++;
    } else out += s[i];
  }
  return out;
}

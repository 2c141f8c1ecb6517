/**
 * The escape_regex and glob_to_regex functions, as OpenSCAP 1.3.7 computes
 * them (src/OVAL/oval_component.c, src/OVAL/oval_glob_to_regex.c).
 */

/** _isEscape: the characters escape_regex prefixes with a backslash. */
const REGEX_SPECIALS = new Set('^$\\.[](){}*+?|');

export function escapeRegex(s: string): string {
  let out = '';
  for (const ch of s) out += REGEX_SPECIALS.has(ch) ? `\\${ch}` : ch;
  return out;
}

/**
 * oval_glob_to_regex, ported state for state (including its quirks: a `[`
 * right after a `/` opens a class without writing the `[`). Undefined when
 * a class is not closed.
 */
export function globToRegex(glob: string, noescape: boolean): string | undefined {
  type State = 'START' | 'NORMAL' | 'LEFT_BRACKET' | 'CLASS' | 'ESCAPE' | 'SLASH';
  const SPECIAL = '.|^(){}+$';
  let re = '^';
  let state: State = 'START';
  for (let i = 0; ; i++) {
    const c = i < glob.length ? glob[i]! : '\0';
    const end = c === '\0';
    switch (state) {
      case 'START':
      case 'SLASH':
        if (end) return `${re}$`;
        if (c === '/' && state === 'START') {
          re += c;
          state = 'SLASH';
        } else if (c === '?') {
          re += '[^./]';
          state = 'NORMAL';
        } else if (c === '*') {
          re += '(?=[^.])[^/]*';
          state = 'NORMAL';
        } else if (SPECIAL.includes(c)) {
          re += `\\${c}`;
          state = 'NORMAL';
        } else if (c === '[') {
          if (state === 'START') re += '[';
          state = 'LEFT_BRACKET';
        } else if (c === '\\') {
          if (noescape) {
            re += '\\\\';
            state = 'NORMAL';
          } else {
            state = 'ESCAPE';
          }
        } else {
          // In SLASH state a second '/' is an ordinary character.
          re += c;
          state = 'NORMAL';
        }
        break;
      case 'NORMAL':
        if (end) return `${re}$`;
        if (c === '/') {
          re += c;
          state = 'SLASH';
        } else if (c === '?') {
          re += '[^/]';
        } else if (c === '*') {
          re += '[^/]*';
        } else if (SPECIAL.includes(c)) {
          re += `\\${c}`;
        } else if (c === '[') {
          re += '[';
          state = 'LEFT_BRACKET';
        } else if (c === '\\') {
          if (noescape) re += '\\\\';
          else state = 'ESCAPE';
        } else {
          re += c;
        }
        break;
      case 'LEFT_BRACKET':
        if (c === '!') re += '^';
        else if (end) return undefined;
        else re += c;
        state = 'CLASS';
        break;
      case 'CLASS':
        if (c === '\\') {
          if (noescape) re += '\\';
        } else if (c === ']') {
          state = 'NORMAL';
        } else if (end) {
          return undefined;
        }
        re += c;
        break;
      case 'ESCAPE':
        if (c === '?' || c === '*' || c === '[' || c === ']') {
          re += `\\${c}`;
        } else if (end) {
          return `${re}\\\\$`;
        } else {
          re += `\\\\${c}`;
        }
        state = 'NORMAL';
        break;
    }
  }
}

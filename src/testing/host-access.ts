/**
 * Finds host access in TypeScript source: imports of node:os, node:fs (and
 * node:fs/promises), node:child_process (bare `os`, `fs`, `child_process`
 * too, static, dynamic or required), and uses of the global `process`.
 * Comments are blanked first (line numbers kept), so prose that mentions
 * "the scanning process." is not a use; strings are kept, as module names
 * are strings.
 */

export interface HostAccess {
  /** 1-based. */
  readonly line: number;
  readonly what: string;
}

/** `text` with every comment replaced by spaces (newlines kept). */
export function blankComments(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && text[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (c === '/' && next === '*') {
      out += '  ';
      i += 2;
      while (i < n && !(text[i] === '*' && text[i + 1] === '/')) {
        out += text[i] === '\n' ? '\n' : ' ';
        i++;
      }
      if (i < n) {
        out += '  ';
        i += 2;
      }
    } else if (c === "'" || c === '"' || c === '`') {
      out += c;
      i++;
      while (i < n && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < n) {
          out += text[i]! + text[i + 1]!;
          i += 2;
          continue;
        }
        if (c !== '`' && text[i] === '\n') break; // an unterminated quote ends at the line
        out += text[i];
        i++;
      }
      if (i < n) {
        out += text[i];
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const MODULE = String.raw`(?:node:)?(?:os|fs|fs\/promises|child_process)`;
const IMPORTS = [
  new RegExp(String.raw`\bfrom\s*['"](${MODULE})['"]`, 'g'),
  new RegExp(String.raw`\bimport\s*['"](${MODULE})['"]`, 'g'),
  new RegExp(String.raw`\bimport\s*\(\s*['"](${MODULE})['"]\s*\)`, 'g'),
  new RegExp(String.raw`\brequire\s*\(\s*['"](${MODULE})['"]\s*\)`, 'g'),
];
const PROCESS = /(?<![\w$.])process\s*(?:\.|\?\.|\[)/g;

export function findHostAccess(text: string): HostAccess[] {
  const code = blankComments(text);
  const lineAt = (index: number): number => code.slice(0, index).split('\n').length;
  const out: HostAccess[] = [];
  for (const re of IMPORTS) {
    for (const m of code.matchAll(re)) out.push({ line: lineAt(m.index), what: `imports ${m[1]}` });
  }
  for (const m of code.matchAll(PROCESS)) out.push({ line: lineAt(m.index), what: `uses process: ${m[0].trim()}` });
  return out.sort((a, b) => a.line - b.line);
}

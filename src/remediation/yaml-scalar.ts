/**
 * A string as a YAML scalar that reads back as exactly that string: plain
 * when plain is safe, double-quoted otherwise. oscap writes values plain
 * whatever they hold, so `it's #1` comes back as `it's` (the rest is a
 * comment) and a value starting with `[` or `*` does not load at all.
 */
export function yamlScalar(value: string): string {
  return isPlainSafe(value) ? value : doubleQuoted(value);
}

function isPlainSafe(v: string): boolean {
  if (v === '' || v !== v.trim()) return false;
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(v)) return false;
  if (/^[,[\]{}#&*!|>'"%@`]/.test(v)) return false;
  if (/^[-?:](\s|$)/.test(v)) return false;
  if (v.includes(': ') || v.includes(' #') || v.endsWith(':')) return false;
  // A document marker on its own would end the document.
  if (v === '---' || v === '...') return false;
  return true;
}

function doubleQuoted(v: string): string {
  let out = '"';
  for (const ch of v) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c === 0xfeff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/**
 * XML escaping for text and attribute values, shared by everything that
 * writes XML: the result writers, the SDK's compiler and the model's own
 * markup helpers. It lives in the model so that no writer borrows it from
 * another layer.
 */

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Text or an attribute value with `& < > "` escaped. */
export function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ESC[c] ?? c);
}

/** ` name="value"` for every defined attribute, values escaped. */
export function attrs(a: Readonly<Record<string, string | number | boolean | undefined>>): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out += ` ${k}="${esc(String(v))}"`;
  return out;
}

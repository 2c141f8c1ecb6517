/**
 * XML escaping for text and attribute values, shared by everything that
 * writes XML: the result writers, the SDK's compiler and the model's own
 * markup helpers. It lives in the model so that no writer borrows it from
 * another layer.
 *
 * XML 1.0 cannot carry some characters at all, not even as character
 * references, and a target supplies them freely (a file named `f\x01x`).
 * They are written as characters that can be read back and told apart:
 *
 * - C0 controls other than tab, line feed and carriage return (U+0000 to
 *   U+001F) as their Unicode Control Pictures, U+2400 + the code (`\x01`
 *   becomes `␁`, `\x1b` `␛`);
 * - lone surrogates (a string Node holds but no UTF-8 can encode) and the
 *   non-characters U+FFFE and U+FFFF as U+FFFD, the replacement character;
 * - a carriage return as `&#13;`, so that a reader does not turn it into a
 *   line feed (as oscap writes it).
 *
 * oscap drops the controls instead (`f\x01x` becomes `fx`, so 29 distinct
 * names read the same). DEL and the C1 controls are legal XML and are kept.
 */

const ESC: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;', '\t': '&#9;', '\n': '&#10;' };

const TEXT = /[&<>"\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** In an attribute a reader turns tab and line feed into spaces, so they are references too. */
const ATTR = /[&<>"\t\n\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function replacement(c: string): string {
  const e = ESC[c];
  if (e !== undefined) return e;
  const code = c.charCodeAt(0);
  return code < 0x20 ? String.fromCharCode(0x2400 + code) : '\ufffd';
}

/** Text with `& < > "` escaped and the characters XML cannot carry encoded (see above). */
export function esc(s: string): string {
  return s.replace(TEXT, replacement);
}

/** An attribute value: as `esc`, with tab and line feed kept as references. */
export function escAttr(s: string): string {
  return s.replace(ATTR, replacement);
}

/** ` name="value"` for every defined attribute, values escaped. */
export function attrs(a: Readonly<Record<string, string | number | boolean | undefined>>): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out += ` ${k}="${escAttr(String(v))}"`;
  return out;
}

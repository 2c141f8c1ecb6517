/**
 * XCCDF text (descriptions, rationales, warnings, fixtexts) arrives as XHTML
 * markup written by the content. Reports show it either as safe HTML (a small
 * whitelist of tags, `a` only with an http(s)/mailto href, everything else
 * dropped, script-like elements with their content) or as plain text. Both
 * replace XCCDF `<sub idref>` with the value in force.
 */

/** Resolves an XCCDF `<sub idref use>` to its text; undefined leaves a visible `[idref]`. */
export type SubResolver = (idref: string, use: string) => string | undefined;

const ALLOWED = new Set([
  'p', 'br', 'hr', 'code', 'pre', 'tt', 'kbd', 'samp', 'var', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'i', 'b', 'u', 'em',
  'strong', 'sup', 'small', 'blockquote', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption',
]);
const VOID = new Set(['br', 'hr']);
/** Elements dropped together with everything inside them. */
const DROP_CONTENT = new Set([
  'script', 'style', 'iframe', 'object', 'embed', 'applet', 'svg', 'math', 'template', 'noscript', 'noembed', 'noframes',
  'frameset', 'frame', 'textarea', 'title', 'xmp', 'head', 'select', 'option', 'plaintext', 'link', 'meta', 'base',
]);
/** Elements that end a line in plain text. */
const BLOCK = new Set(['p', 'br', 'pre', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'table', 'tr', 'blockquote', 'hr', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

const HTML_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESC[c] ?? c);
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes XML character references and the predefined entities; anything else stays as written. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
    }
    return NAMED[e] ?? m;
  });
}

type Token =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'open'; readonly name: string; readonly attrs: Readonly<Record<string, string>>; readonly selfClosing: boolean }
  | { readonly kind: 'close'; readonly name: string };

const TAG = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(\/?)>/y;
const ATTR = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;

/** Splits markup into text and tags; anything that does not parse as a tag is text. */
function* tokens(markup: string): Generator<Token> {
  let i = 0;
  const n = markup.length;
  while (i < n) {
    const lt = markup.indexOf('<', i);
    if (lt < 0) {
      yield { kind: 'text', text: decodeEntities(markup.slice(i)) };
      return;
    }
    if (lt > i) yield { kind: 'text', text: decodeEntities(markup.slice(i, lt)) };
    if (markup.startsWith('<!--', lt)) {
      const end = markup.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (markup.startsWith('<![CDATA[', lt)) {
      const end = markup.indexOf(']]>', lt + 9);
      yield { kind: 'text', text: markup.slice(lt + 9, end < 0 ? n : end) };
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (markup.startsWith('<?', lt) || markup.startsWith('<!', lt)) {
      const end = markup.indexOf('>', lt);
      i = end < 0 ? n : end + 1;
      continue;
    }
    TAG.lastIndex = lt;
    const m = TAG.exec(markup);
    if (!m) {
      yield { kind: 'text', text: '<' };
      i = lt + 1;
      continue;
    }
    const raw = m[2]!.toLowerCase();
    const name = raw.includes(':') ? raw.slice(raw.lastIndexOf(':') + 1) : raw;
    if (m[1]) yield { kind: 'close', name };
    else {
      const attrs: Record<string, string> = {};
      for (const a of (m[3] ?? '').matchAll(ATTR)) {
        const k = a[1]!.toLowerCase();
        const local = k.includes(':') ? k.slice(k.lastIndexOf(':') + 1) : k;
        attrs[local] = decodeEntities(a[2] ?? a[3] ?? a[4] ?? '');
      }
      yield { kind: 'open', name, attrs, selfClosing: m[4] === '/' };
    }
    i = lt + m[0].length;
  }
}

/** The tokens outside script-like elements, which are dropped with everything inside them. */
function* kept(markup: string): Generator<Token> {
  let drop: string[] = [];
  for (const t of tokens(markup)) {
    if (drop.length > 0) {
      if (t.kind === 'open' && !t.selfClosing && DROP_CONTENT.has(t.name)) drop.push(t.name);
      else if (t.kind === 'close') {
        const at = drop.lastIndexOf(t.name);
        if (at >= 0) drop = drop.slice(0, at);
      }
    } else if (t.kind === 'open' && DROP_CONTENT.has(t.name)) {
      if (!t.selfClosing) drop.push(t.name);
    } else yield t;
  }
}

/** An href a report may link to: http(s), mailto, or a fragment. */
export function safeHref(href: string): string | undefined {
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
  const h = href.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (/^(https?:|mailto:)/i.test(h) && h.length > h.indexOf(':') + 1) return href.trim();
  if (h.startsWith('#')) return h;
  return undefined;
}

function subText(attrs: Readonly<Record<string, string>>, resolve: SubResolver | undefined): string {
  const idref = attrs['idref'] ?? '';
  return resolve?.(idref, attrs['use'] ?? 'legacy') ?? `[${idref}]`;
}

/**
 * Markup as safe HTML: whitelisted tags only (with only `href` on `a`, and
 * colspan/rowspan on cells), balanced, text re-escaped. XCCDF `<sub>` becomes
 * `<span class="sub">value</span>`.
 */
export function sanitizeMarkup(markup: string, resolve?: SubResolver): string {
  let out = '';
  const open: string[] = [];
  for (const t of kept(markup)) {
    if (t.kind === 'text') {
      out += escHtml(t.text);
    } else if (t.kind === 'open') {
      if (t.name === 'sub' && t.attrs['idref'] !== undefined) {
        out += `<span class="sub" title="${escHtml(t.attrs['idref']!)}">${escHtml(subText(t.attrs, resolve))}</span>`;
      } else if (ALLOWED.has(t.name)) {
        let a = '';
        if (t.name === 'a') {
          const href = safeHref(t.attrs['href'] ?? '');
          if (href !== undefined) a = ` href="${escHtml(href)}" rel="noopener noreferrer" target="_blank"`;
        } else if (t.name === 'td' || t.name === 'th') {
          for (const k of ['colspan', 'rowspan']) if (/^\d{1,3}$/.test(t.attrs[k] ?? '')) a += ` ${k}="${t.attrs[k]}"`;
        }
        if (VOID.has(t.name)) out += `<${t.name}${a}>`;
        else if (t.selfClosing) out += `<${t.name}${a}></${t.name}>`;
        else {
          out += `<${t.name}${a}>`;
          open.push(t.name);
        }
      }
    } else if (ALLOWED.has(t.name) && !VOID.has(t.name)) {
      const at = open.lastIndexOf(t.name);
      if (at >= 0) {
        while (open.length > at) out += `</${open.pop()!}>`;
      }
    }
  }
  while (open.length > 0) out += `</${open.pop()!}>`;
  return out;
}

/** Markup as plain text: tags dropped, block elements end lines (no blank ones), soft line breaks joined (kept inside pre). */
export function markupToText(markup: string, resolve?: SubResolver): string {
  let out = '';
  let pre = 0;
  for (const t of kept(markup)) {
    // Inside pre, line ends and spaces are shielded from the whitespace folding below.
    if (t.kind === 'text') out += pre > 0 ? t.text.replace(/\n/g, '\ue000').replace(/[ \t]/g, '\ue001') : t.text.replace(/\s+/g, ' ');
    else if (t.kind === 'open') {
      if (t.name === 'sub' && t.attrs['idref'] !== undefined) out += subText(t.attrs, resolve);
      else {
        if (t.name === 'li') out += '\n- ';
        else if (BLOCK.has(t.name)) out += '\n';
        if (t.name === 'pre' && !t.selfClosing) pre++;
      }
    } else {
      if (t.name === 'pre' && pre > 0) pre--;
      if (BLOCK.has(t.name)) out += '\n';
    }
  }
  return out
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim().replace(/\ue000/g, '\n').replace(/\ue001/g, ' '))
    .filter((line) => line !== '')
    .join('\n')
    .trim();
}

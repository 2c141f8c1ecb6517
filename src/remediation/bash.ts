/**
 * Bash output (fix system urn:xccdf:fix:script:sh), laid out as oscap lays
 * it out: one block per rule, numbered "k / N", each announcing itself on
 * stderr; a rule without a fix gets a block that says so.
 *
 * Every `<sub>` value is inert: it is quoted for the place it lands in
 * (./shell-lexer.ts says where): escaped for single quotes, double quotes,
 * `$'…'` or an unquoted here-document, single-quoted when unquoted (unless
 * it is a plain word), and written as it is in a comment or a quoted
 * here-document. Then the lexer reads the quoted value and must end where
 * it started; a value that cannot be made inert there (a NUL byte, a newline
 * in a comment, a line that would end its here-document, anything but a
 * plain word inside `${…}`, `$((…))`, backticks or after `$` or `\`) is
 * refused with the rule and the Value named. oscap inserts values raw: a
 * value of `$(id)` between double quotes runs `id`.
 */
import { ContentError } from '../model/errors.js';
import type { PlannedRule, ResolvedPart } from './plan.js';
import { ShellLexer, type ShellContextKind } from './shell-lexer.js';

const RULE = '#'.repeat(79);

export function renderBashScript(plan: readonly PlannedRule[], header: string): string {
  let out = `#!/usr/bin/env bash\n${header}\n`;
  const total = plan.length;
  plan.forEach((p, k) => {
    const id = p.rule.id;
    out += `${RULE}\n# BEGIN fix (${k + 1} / ${total}) for '${id}'\n${RULE}\n`;
    out += `(>&2 echo "Remediating rule ${k + 1}/${total}: '${id}'")\n`;
    out += p.parts ? bashText(p.parts, p) : `(>&2 echo "FIX FOR THIS RULE '${id}' IS MISSING!")\n`;
    out += `\n# END fix for '${id}'\n\n`;
  });
  return out;
}

/** A word bash reads as itself anywhere a word may stand: no quoting needed. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** The value as it must be written where `where` is; undefined when no writing of it is inert there. */
export function quoteFor(where: ShellContextKind, value: string): string | undefined {
  switch (where) {
    case 'plain':
      return PLAIN_WORD.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
    case 'single':
      return value.replace(/'/g, "'\\''");
    case 'double':
      return value.replace(/[\\"$`]/g, '\\$&');
    case 'ansi-c':
      return value.replace(/[\\']/g, '\\$&');
    case 'heredoc':
      return value.replace(/[\\$`]/g, '\\$&');
    case 'heredoc-quoted':
    case 'comment':
      return value;
    case 'expansion':
      return PLAIN_WORD.test(value) ? value : undefined;
  }
}

const PLACE: Readonly<Record<ShellContextKind, string>> = {
  plain: 'unquoted text',
  single: 'single quotes',
  double: 'double quotes',
  'ansi-c': "$'…' quotes",
  comment: 'a comment',
  heredoc: 'a here-document',
  'heredoc-quoted': 'a here-document with a quoted delimiter',
  expansion: 'an expansion (${…}, $((…)), backticks, or after $ or \\)',
};

/** The fix text with each value quoted for where it lands; `of` names the rule in a refusal. */
export function bashText(parts: readonly ResolvedPart[], of?: Pick<PlannedRule, 'rule'>): string {
  const lexer = new ShellLexer();
  let out = '';
  const refuse = (p: Exclude<ResolvedPart, string>, why: string): ContentError =>
      new ContentError(
        'unsafe-value',
        `${of ? `rule ${of.rule.id}: ` : ''}the value of <sub idref="${p.sub}"> (${JSON.stringify(p.value.length > 80 ? `${p.value.slice(0, 80)}…` : p.value)}) ${why}; the bash fix is not written`,
        of?.rule.location,
      );
  const check = (): void => {
    const k = lexer.valueEndedHeredoc;
    if (k !== undefined) throw refuse(parts[k] as Exclude<ResolvedPart, string>, 'would end the here-document it lands in');
  };
  parts.forEach((p, k) => {
    if (typeof p === 'string') {
      lexer.feed(p);
      check();
      out += p;
      return;
    }
    const where = lexer.context();
    if (p.value.includes('\u0000')) throw refuse(p, 'holds a NUL byte, which no bash string can hold');
    const quoted = quoteFor(where, p.value);
    if (quoted === undefined) throw refuse(p, `lands in ${PLACE[where]}, where only a plain word (${PLAIN_WORD.source}) is inert`);
    const before = lexer.state();
    lexer.feedValue(quoted, k);
    check();
    if (lexer.state() !== before) throw refuse(p, `would end ${PLACE[where]} it lands in`);
    out += quoted;
  });
  lexer.end();
  check();
  return out;
}

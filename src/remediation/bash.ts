/**
 * Bash output (fix system urn:xccdf:fix:script:sh), laid out as oscap lays
 * it out: one block per rule, numbered "k / N", each announcing itself on
 * stderr; a rule without a fix gets a block that says so.
 *
 * A value substituted between single quotes (`var='<sub/>'`, as SSG writes
 * them) or double quotes is escaped for that quoting, so that it reaches
 * the script as itself; oscap inserts it raw, and a value with a quote in
 * it breaks the script.
 */
import type { PlannedRule, ResolvedPart } from './plan.js';

const RULE = '#'.repeat(79);

export function renderBashScript(plan: readonly PlannedRule[], header: string): string {
  let out = `#!/usr/bin/env bash\n${header}\n`;
  const total = plan.length;
  plan.forEach((p, k) => {
    const id = p.rule.id;
    out += `${RULE}\n# BEGIN fix (${k + 1} / ${total}) for '${id}'\n${RULE}\n`;
    out += `(>&2 echo "Remediating rule ${k + 1}/${total}: '${id}'")\n`;
    out += p.parts ? bashText(p.parts) : `(>&2 echo "FIX FOR THIS RULE '${id}' IS MISSING!")\n`;
    out += `\n# END fix for '${id}'\n\n`;
  });
  return out;
}

/** The fix text, each value quoted for the quotes around it. */
export function bashText(parts: readonly ResolvedPart[]): string {
  let out = '';
  parts.forEach((p, i) => {
    if (typeof p === 'string') {
      out += p;
      return;
    }
    const before = parts[i - 1];
    const after = parts[i + 1];
    const q = typeof before === 'string' && typeof after === 'string' && after.startsWith(before.slice(-1)) ? before.slice(-1) : '';
    if (q === "'") out += p.value.replace(/'/g, "'\\''");
    else if (q === '"') out += p.value.replace(/[\\"$`]/g, '\\$&');
    else out += p.value;
  });
  return out;
}

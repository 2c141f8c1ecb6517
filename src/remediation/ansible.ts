/**
 * Ansible output (fix system urn:xccdf:fix:script:ansible).
 *
 * SSG writes each Value a fix needs as a task that promotes it to a
 * variable. As oscap does (_parse_ansible_fix), those tasks are lifted out
 * of the fixes into the play's `vars` (each distinct line once, in order of
 * first use), and the rest of each fix is kept as tasks, in rule order.
 * A value written plain would not always read back as itself, so one
 * that needs it is double-quoted; and it would be a Jinja template to
 * Ansible, so `{{ lookup('pipe', 'id') }}` would run on the controller. Every
 * content-supplied value is therefore tagged `!unsafe` (in place of oscap's
 * `!!str`: still a string, never templated; a task's `{{ var }}` gives the
 * value as it is). A `<sub>` anywhere else in a fix (SSG never writes one
 * there) lands in YAML and Jinja text that nothing here can quote, so it is
 * written as it is only when it is a plain word, and refused otherwise.
 */
import { ContentError } from '../model/errors.js';
import type { PlannedRule } from './plan.js';
import { yamlScalar } from './yaml-scalar.js';

export interface AnsiblePlay {
  /** `name: value` lines, in order of first use. */
  readonly vars: readonly string[];
  /** The tasks of each fix, as YAML text at column 0, in rule order. */
  readonly taskParts: readonly string[];
}

const MARK = '\u0000';
/** A value that reads as itself as a plain YAML scalar in any block context and holds no Jinja: written raw where it is not a variable. */
const INERT_WORD = /^[A-Za-z0-9_@%+=,./][A-Za-z0-9_@%+=,./ -]*$/;
/** oscap's pattern, with `.` spelled `[^\n]` (PCRE's dot stops only at \n). */
const PROMOTED = /- name: XCCDF Value [^ ]+ # promote to variable\n  set_fact:\n    ([^:]+): ([^\n]+)\n  tags:\n    - always\n/g;

/** Splits the planned fixes into play variables and tasks. */
export function ansiblePlay(plan: readonly PlannedRule[]): AnsiblePlay {
  const vars: string[] = [];
  const seen = new Set<string>();
  const taskParts: string[] = [];
  for (const p of plan) {
    if (!p.parts) continue;
    // Values stand as marks while the fix is split, so that a value can never change how it splits.
    const values: { readonly sub: string; readonly value: string }[] = [];
    const text = p.parts.map((x) => (typeof x === 'string' ? x : `${MARK}${values.push(x) - 1}${MARK}`)).join('');
    const fill = (s: string): string =>
      s.replace(/\u0000(\d+)\u0000/g, (_, i: string) => {
        const v = values[Number(i)]!;
        if (INERT_WORD.test(v.value) && !v.value.endsWith(' ')) return v.value;
        throw new ContentError(
          'unsafe-value',
          `rule ${p.rule.id}: the value of <sub idref="${v.sub}"> (${JSON.stringify(v.value.length > 80 ? `${v.value.slice(0, 80)}…` : v.value)}) lands in the text of an Ansible task, where only a plain word (${INERT_WORD.source}) is inert; the playbook is not written`,
          p.rule.location,
        );
      });
    let at = 0;
    for (const m of text.matchAll(PROMOTED)) {
      const only = /^!!str \u0000(\d+)\u0000$/.exec(m[2]!);
      const line = `${fill(m[1]!)}: ${only ? `!unsafe ${yamlScalar(values[Number(only[1])]!.value)}` : fill(m[2]!)}`;
      if (!seen.has(line)) {
        seen.add(line);
        vars.push(line);
      }
      taskParts.push(fill(text.slice(at, m.index)));
      at = m.index + m[0].length;
    }
    if (at < text.length) taskParts.push(fill(text.slice(at)));
  }
  return { vars, taskParts };
}

/** Lines with trailing whitespace removed and each non-empty one indented; oscap's layout of a task part. */
export function indentPart(part: string, indent: string): string {
  return (
    part
      .split('\n')
      .map((l) => l.replace(/[ \t\n\v\f\r]+$/, ''))
      .map((l) => (l ? indent + l : l))
      .join('\n') + '\n'
  );
}

/** The play: one play on all hosts, its variables and its tasks. `header` is a block of `#` comments. */
export function renderPlaybook(play: AnsiblePlay, header: string): string {
  let out = `---\n${header}\n- hosts: all\n`;
  out += play.vars.length ? `  vars:\n${play.vars.map((v) => `    ${v}\n`).join('')}` : '  vars: {}\n';
  const tasks = play.taskParts.map((t) => indentPart(t, '    ') + '\n').join('');
  out += tasks.trim() ? `  tasks:\n${tasks}` : '  tasks: []\n';
  return out;
}

/**
 * Ansible output (fix system urn:xccdf:fix:script:ansible).
 *
 * SSG writes each Value a fix needs as a task that promotes it to a
 * variable. As oscap does (_parse_ansible_fix), those tasks are lifted out
 * of the fixes into the play's `vars` (each distinct line once, in order of
 * first use), and the rest of each fix is kept as tasks, in rule order.
 * Variables keep oscap's typing (`!!str`), but a value that would not read
 * back as itself when written plain is double-quoted.
 */
import type { PlannedRule } from './plan.js';
import { yamlScalar } from './yaml-scalar.js';

export interface AnsiblePlay {
  /** `name: value` lines, in order of first use. */
  readonly vars: readonly string[];
  /** The tasks of each fix, as YAML text at column 0, in rule order. */
  readonly taskParts: readonly string[];
}

const MARK = '\u0000';
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
    const values: string[] = [];
    const text = p.parts.map((x) => (typeof x === 'string' ? x : `${MARK}${values.push(x.value) - 1}${MARK}`)).join('');
    const fill = (s: string): string => s.replace(/\u0000(\d+)\u0000/g, (_, i: string) => values[Number(i)]!);
    let at = 0;
    for (const m of text.matchAll(PROMOTED)) {
      const only = /^!!str \u0000(\d+)\u0000$/.exec(m[2]!);
      const line = `${fill(m[1]!)}: ${only ? `!!str ${yamlScalar(values[Number(only[1])]!)}` : fill(m[2]!)}`;
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

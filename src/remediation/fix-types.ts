/**
 * The output formats of `generate fix`, one entry per `--fix-type`: the fix
 * system it takes fixes from and how it writes them. The only place a fix
 * type is named.
 */
import { ContentError } from '../model/errors.js';
import { ansiblePlay, renderPlaybook } from './ansible.js';
import { renderBashScript } from './bash.js';
import { ANSIBLE_SYSTEM, BASH_SYSTEM } from './fix-systems.js';
import { renderHeader, type OutputHeader } from './header.js';
import type { PlannedRule } from './plan.js';

export interface FixType {
  readonly name: string;
  /** xccdf:fix/@system of the fixes it uses. */
  readonly system: string;
  /** What the output is called in its header. */
  readonly what: string;
  /** Whether rules without a fix stay in the output (announced as missing). */
  readonly keepsRulesWithoutFix: boolean;
  render(plan: readonly PlannedRule[], header: OutputHeader): string;
}

const ANSIBLE: FixType = {
  name: 'ansible',
  system: ANSIBLE_SYSTEM,
  what: 'Ansible Playbook',
  keepsRulesWithoutFix: false,
  render: (plan, header) =>
    renderPlaybook(
      ansiblePlay(plan),
      renderHeader(header, 'Ansible Playbook', ['ansible-playbook -i "localhost," -c local playbook.yml', 'ansible-playbook -i "192.168.1.155," playbook.yml', 'ansible-playbook -i inventory.ini playbook.yml']),
    ),
};

const BASH: FixType = {
  name: 'bash',
  system: BASH_SYSTEM,
  what: 'Bash Remediation Script',
  keepsRulesWithoutFix: true,
  render: (plan, header) => renderBashScript(plan, renderHeader(header, 'Bash Remediation Script', ['sudo ./remediation-script.sh'])),
};

export const FIX_TYPES: ReadonlyMap<string, FixType> = new Map([ANSIBLE, BASH].map((t) => [t.name, t]));

export function fixTypeNamed(name: string): FixType {
  const t = FIX_TYPES.get(name);
  if (!t) throw new ContentError('invalid-value', `unknown fix type "${name}"; choose one of: ${[...FIX_TYPES.keys()].join(', ')}`);
  return t;
}

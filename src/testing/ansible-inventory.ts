/**
 * Ansible itself as the oracle for inventories: `ansible-inventory --list`
 * for groups and merged host variables, and Ansible's InventoryManager (in
 * Debian's python3, through ansible-inventory-oracle.py) for `--limit`
 * patterns, many patterns in one process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./ansible-inventory-oracle.py', import.meta.url));

/** Why Ansible cannot serve as the oracle here, or undefined when it can. */
export function ansibleMissing(): string | undefined {
  if (spawnSync('ansible-inventory', ['--version'], { stdio: 'ignore' }).status !== 0) return 'ansible-inventory is not installed';
  if (!existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import ansible'], { stdio: 'ignore' }).status !== 0) return `${PYTHON} cannot import ansible`;
  return undefined;
}

/** `ansible-inventory -i INV --list`, run from `cwd` (a directory without group_vars, so that only the inventory's own are read). */
export function ansibleInventoryList(inv: string, cwd: string): any {
  return JSON.parse(execFileSync('ansible-inventory', ['-i', inv, '--list'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ANSIBLE_NOCOLOR: '1' } }));
}

/** Each pattern's hosts as `ansible all -i INV --limit PATTERN --list-hosts` selects them, or its error. */
export function ansibleLimit(inv: string, patterns: readonly string[], cwd: string): Array<string[] | { error: string }> {
  const out = execFileSync(PYTHON, [SCRIPT, inv], { cwd, input: JSON.stringify(patterns), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
  return JSON.parse(out);
}

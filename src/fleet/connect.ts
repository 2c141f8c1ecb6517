/**
 * The connector `vigil fleet scan` uses: each inventory host's target from
 * its connection variables, as Ansible's `ansible_connection` picks the
 * connection plugin:
 *
 * - `ssh` (the default): the SSH target (target/ssh), with ansible_host,
 *   ansible_port, ansible_user, ansible_ssh_private_key_file and become;
 * - `chroot`: an offline root at ansible_host (a directory on this machine:
 *   an image, a container's root file system), as Ansible's chroot plugin;
 * - `local`: this machine.
 *
 * A become password from the inventory never reaches argv or a log: an
 * `{{ lookup('env', 'NAME') }}` password is handed on as that variable's
 * name; a literal one is put in an environment variable of this process
 * only (VIGIL_FLEET_BECOME_n) and handed on by name.
 */
import { existsSync, statSync } from 'node:fs';
import { localTarget, offlineRootTarget } from '../target/fs-target.js';
import { connectSsh, SshConnectError } from '../target/ssh/index.js';
import type { Target } from '../target/target.js';
import type { InventoryHost } from './inventory.js';
import type { HostConnector } from './scan.js';

export interface SshConnectorOptions {
  readonly knownHostsFile?: string;
  readonly acceptNewHostKeys?: boolean;
  readonly sshConfigFile?: string | null;
  readonly connectTimeoutMs?: number;
  /** Key files offered to every host that names none. */
  readonly identityFiles?: readonly string[];
  /** The SSH agent's socket; default $SSH_AUTH_SOCK; null: no agent. */
  readonly agentSocket?: string | null;
  /** Where literal become passwords are placed for the SSH target to read by name (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

let secretCount = 0;

export function inventoryConnector(opts: SshConnectorOptions = {}): HostConnector {
  const env = opts.env ?? process.env;
  const secretNames = new Map<string, string>();
  return async (host: InventoryHost, signal: AbortSignal): Promise<Target> => {
    const c = host.connection;
    const kind = String(host.vars['ansible_connection'] ?? 'ssh').replace(/^ansible\.builtin\.|^community\.general\./, '');
    if (kind === 'local') return localTarget();
    if (kind === 'chroot') {
      if (!existsSync(c.address) || !statSync(c.address).isDirectory()) throw new SshConnectError('unreachable', `${host.name}: chroot ${c.address} is not a directory`);
      return offlineRootTarget(c.address);
    }
    if (kind !== 'ssh' && kind !== 'paramiko' && kind !== 'smart') throw new SshConnectError('protocol', `${host.name}: ansible_connection ${kind} is not supported (ssh, chroot or local)`);
    let become: { method: 'sudo'; passwordEnv?: string } | undefined;
    if (c.become) {
      if (c.become.method !== 'sudo') throw new SshConnectError('become-failed', `${host.name}: become method ${c.become.method} is not supported; Vigil becomes root with sudo`);
      let passwordEnv = c.become.passwordEnv;
      if (passwordEnv === undefined && c.become.password !== undefined) {
        const value = c.become.password.reveal();
        passwordEnv = secretNames.get(value);
        if (passwordEnv === undefined) {
          passwordEnv = `VIGIL_FLEET_BECOME_${++secretCount}`;
          env[passwordEnv] = value;
          secretNames.set(value, passwordEnv);
        }
      }
      become = { method: 'sudo', ...(passwordEnv !== undefined ? { passwordEnv } : {}) };
    }
    const identityFiles = c.privateKeyFile !== undefined ? [c.privateKeyFile] : opts.identityFiles;
    return connectSsh({
      host: c.address,
      ...(c.port !== undefined ? { port: c.port } : {}),
      ...(c.user !== undefined ? { user: c.user } : {}),
      ...(identityFiles !== undefined ? { identityFiles } : {}),
      ...(opts.knownHostsFile !== undefined ? { knownHostsFile: opts.knownHostsFile } : {}),
      ...(opts.acceptNewHostKeys ? { acceptNewHostKeys: true } : {}),
      ...(opts.sshConfigFile !== undefined ? { sshConfigFile: opts.sshConfigFile } : {}),
      ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
      ...(opts.agentSocket !== undefined ? { agentSocket: opts.agentSocket } : {}),
      ...(become ? { become } : {}),
      signal,
    });
  };
}

/**
 * `vigil remediate --host [user@]host[:port]`: remediation over SSH
 * (apply/ssh-remediate.ts). The connection is resolved as `vigil scan
 * --host` resolves it (ssh config, keys, known_hosts, sudo); ansible-playbook
 * gets the same, and the journal records it for --rollback and --recover.
 * Host keys are always verified (no accept-new here: a remediation never
 * trusts a host on first use).
 */
import type { Command } from 'commander';
import { ContentError } from '../model/errors.js';
import type { SshRemediateReport } from '../apply/ssh-remediate.js';
import type { RemoteJournalTarget } from '../apply/journal.js';
import type { SshTargetHandle } from '../target/ssh/index.js';

export interface RemediateSshFlags {
  inventory?: string;
  identity?: string[];
  knownHosts?: string;
  sshConfig?: string;
  become?: boolean;
  becomePasswordEnv?: string;
  connectTimeout?: string;
}

export function addRemediateSshOptions(cmd: Command): Command {
  return cmd
    .option('-i, --inventory <source>', 'with --host NAME: take NAME\'s address, port, user, key and become from this Ansible inventory (as vigil fleet scan)')
    .option('--identity <file>', 'with --host H: a private key file to offer (repeatable; default: the ssh config\'s, else ~/.ssh/id_*)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--known-hosts <file>', 'with --host H: the known_hosts file (default ~/.ssh/known_hosts); the host key is always verified')
    .option('--ssh-config <file>', 'with --host H: the ssh config to read (default ~/.ssh/config; "none" reads none)')
    .option('--become', 'with --host H: read and change the host as root through sudo')
    .option('--become-password-env <var>', 'with --become: the environment variable holding the sudo password (never on the command line)')
    .option('--connect-timeout <seconds>', 'with --host H: give up connecting after this long (default 15)');
}

/** The environment variable a literal become password of an inventory is put in (this process only); --rollback needs it set again. */
export const INVENTORY_BECOME_ENV = 'VIGIL_REMEDIATE_BECOME_PW';

/** `-i INVENTORY --host NAME`: the host's connection variables as flags (explicit flags win). */
async function fromInventory(source: string, name: string, o: RemediateSshFlags): Promise<{ spec: string; flags: RemediateSshFlags }> {
  const { loadInventory } = await import('../fleet/inventory.js');
  const inv = await loadInventory(source);
  const h = inv.hosts.get(name);
  if (!h) throw new ContentError('invalid-value', `--host ${name}: no such host in ${source}`);
  const kind = String(h.vars['ansible_connection'] ?? 'ssh').replace(/^ansible\.builtin\./, '');
  if (kind !== 'ssh' && kind !== 'paramiko' && kind !== 'smart') throw new ContentError('invalid-value', `--host ${name}: ansible_connection ${kind}; vigil remediate --host goes over SSH (for a chroot, use --root)`);
  const c = h.connection;
  const address = c.address.includes(':') ? `[${c.address}]` : c.address;
  const spec = `${c.user !== undefined ? `${c.user}@` : ''}${address}${c.port !== undefined ? `:${c.port}` : ''}`;
  let become = o.become;
  let becomePasswordEnv = o.becomePasswordEnv;
  if (c.become && !o.become) {
    if (c.become.method !== 'sudo') throw new ContentError('invalid-value', `--host ${name}: become method ${c.become.method}; Vigil becomes root with sudo`);
    become = true;
    if (c.become.passwordEnv !== undefined) becomePasswordEnv = c.become.passwordEnv;
    else if (c.become.password !== undefined) {
      process.env[INVENTORY_BECOME_ENV] = c.become.password.reveal();
      becomePasswordEnv = INVENTORY_BECOME_ENV;
    }
  }
  return {
    spec,
    flags: {
      ...o,
      ...((o.identity?.length ?? 0) === 0 && c.privateKeyFile !== undefined ? { identity: [c.privateKeyFile] } : {}),
      ...(become ? { become } : {}),
      ...(becomePasswordEnv !== undefined ? { becomePasswordEnv } : {}),
    },
  };
}

/** Connects to the host `spec` names (an inventory's host with `-i`); the connection as the journal records it. */
export async function connectForRemediation(given: string, flags: RemediateSshFlags): Promise<{ target: SshTargetHandle; connection: RemoteJournalTarget }> {
  const { spec, flags: o } = flags.inventory !== undefined ? await fromInventory(flags.inventory, given, flags) : { spec: given, flags };
  if (o.becomePasswordEnv !== undefined && !o.become) throw new ContentError('invalid-value', '--become-password-env needs --become');
  let timeoutMs: number | undefined;
  if (o.connectTimeout !== undefined) {
    const s = Number(o.connectTimeout);
    if (!Number.isFinite(s) || s <= 0) throw new ContentError('invalid-value', `--connect-timeout ${o.connectTimeout}: a number of seconds`);
    timeoutMs = s * 1000;
  }
  const { connectSsh, parseHostSpec, resolveSshSettings, SshConnectError } = await import('../target/ssh/index.js');
  let parsed: ReturnType<typeof parseHostSpec>;
  try {
    parsed = parseHostSpec(spec);
  } catch (e) {
    throw new ContentError('invalid-value', `--host: ${(e as Error).message}`);
  }
  const opts = {
    ...parsed,
    ...((o.identity?.length ?? 0) > 0 ? { identityFiles: o.identity! } : {}),
    ...(o.knownHosts !== undefined ? { knownHostsFile: o.knownHosts } : {}),
    ...(o.sshConfig !== undefined ? { sshConfigFile: o.sshConfig === 'none' ? null : o.sshConfig } : {}),
    ...(o.become ? { become: { method: 'sudo' as const, ...(o.becomePasswordEnv !== undefined ? { passwordEnv: o.becomePasswordEnv } : {}) } } : {}),
    ...(timeoutMs !== undefined ? { connectTimeoutMs: timeoutMs } : {}),
  };
  const r = resolveSshSettings(opts);
  if (r.proxyJump) throw new ContentError('invalid-value', `${spec}: the ssh config names a ProxyJump (${r.proxyJump}); vigil remediate does not go through jump hosts yet`);
  const connection: RemoteJournalTarget = {
    kind: 'ssh',
    host: r.host,
    port: r.port,
    user: r.user,
    identityFiles: r.identityFiles,
    knownHostsFile: r.knownHostsFile,
    sshConfigFile: null,
    ...(opts.become ? { become: opts.become } : {}),
  };
  try {
    const target = await connectSsh({ ...opts, host: r.host, port: r.port, user: r.user, identityFiles: r.identityFiles, knownHostsFile: r.knownHostsFile, sshConfigFile: null });
    return { target, connection };
  } catch (e) {
    if (e instanceof SshConnectError) throw new ContentError('io', `cannot reach ${spec} over SSH (${e.code}): ${e.message}`);
    throw e;
  }
}

/** The lines only remediation over SSH has, after the common report. */
export function renderSshExtras(r: SshRemediateReport): string {
  const out: string[] = [];
  if (r.unpredictable?.length) out.push(`Unpredictable (they read a path whose outcome the check run did not show): ${r.unpredictable.join(', ')}`);
  if (r.predictedAffected) out.push(`Rules the predicted change touches (re-checked after the apply): ${r.predictedAffected.length}`);
  for (const t of r.notRehearsed) out.push(`NOT REHEARSED (${t.status}): ${t.task}${t.at ? ` [${t.at}]` : ''}${t.message ? `: ${t.message}` : ''}`);
  if (r.unpredicted?.length) out.push(`Changed by the playbook but not predicted (not in the checkpoint): ${r.unpredicted.join(', ')}${r.unpredictedRules?.length ? `; rules reading them: ${r.unpredictedRules.length}` : ''}`);
  if (r.mispredicted?.length) out.push(`Content after the apply differs from the prediction: ${r.mispredicted.join(', ')}`);
  return out.length ? out.join('\n') + '\n' : '';
}

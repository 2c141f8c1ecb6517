/**
 * `--host [user@]host[:port]` and its companions, shared by `vigil scan`,
 * `xccdf eval` and `oval eval`: the SSH target in place of this host or an
 * offline root. The caller closes the target when its scan is done.
 */
import type { Command } from 'commander';
import { ContentError } from '../model/errors.js';
import type { SshTargetHandle } from '../target/ssh/index.js';

export interface SshFlags {
  host?: string;
  identity?: string[];
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  become?: boolean;
  becomePasswordEnv?: string;
  sshConfig?: string;
  connectTimeout?: string;
  sshStats?: boolean;
}

export function addSshOptions(cmd: Command): Command {
  return cmd
    .option('--host <[user@]host[:port]>', 'scan this host over SSH (a name from ~/.ssh/config or an address); nothing is installed or written there')
    .option('--identity <file>', 'with --host: a private key file to offer (repeatable; default: the ssh config\'s, else ~/.ssh/id_*; ssh-agent keys first)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--known-hosts <file>', 'with --host: the known_hosts file (default ~/.ssh/known_hosts)')
    .option('--accept-new-host-keys', 'with --host: record the key of a host not yet in known_hosts (a changed key is always refused)')
    .option('--ssh-config <file>', 'with --host: the ssh config to read (default ~/.ssh/config; "none" reads none)')
    .option('--become', 'with --host: read the host as root through sudo (sudo -n, or sudo -S with --become-password-env)')
    .option('--become-password-env <var>', 'with --become: the environment variable holding the sudo password')
    .option('--connect-timeout <seconds>', 'with --host: give up connecting after this long (default 15)')
    .option('--ssh-stats', 'with --host: print on stderr, at the end, how many requests and round trips the scan took and the bytes moved');
}

const open = new Map<SshTargetHandle, boolean>();

/**
 * Closes the SSH targets the command opened (run() calls it when the
 * command is done, whatever happened), printing their counts on `err`
 * where --ssh-stats asked.
 */
export async function closeSshTargets(err?: (s: string) => void): Promise<void> {
  const all = [...open];
  open.clear();
  for (const [t, print] of all) {
    if (!print || !err) continue;
    const s = t.stats();
    err(`vigil: ${t.name} over SSH: ${s.requests} requests in ${s.roundTrips} round trips, ${(s.bytesIn / 1e6).toFixed(1)} MB in, ${(s.bytesOut / 1e6).toFixed(1)} MB out\n`);
  }
  await Promise.all(all.map(([t]) => t.close()));
}

/** The SSH target `--host` asks for, connected; undefined without `--host`. */
export async function sshTargetFrom(o: SshFlags, other: { root?: string | undefined; hostKernel?: boolean | undefined }): Promise<SshTargetHandle | undefined> {
  const companions = [o.knownHosts && '--known-hosts', o.acceptNewHostKeys && '--accept-new-host-keys', o.become && '--become', o.becomePasswordEnv && '--become-password-env', (o.identity?.length ?? 0) > 0 && '--identity', o.sshConfig && '--ssh-config', o.connectTimeout && '--connect-timeout', o.sshStats && '--ssh-stats'].filter(Boolean);
  if (o.host === undefined) {
    if (companions.length > 0) throw new ContentError('invalid-value', `${companions[0]} needs --host`);
    return undefined;
  }
  if (other.root !== undefined) throw new ContentError('invalid-value', '--host and --root (or OSCAP_PROBE_ROOT) name different targets; give one of them');
  if (other.hostKernel) throw new ContentError('invalid-value', '--host-kernel goes with --root, not --host: a host over SSH has its own kernel');
  if (o.becomePasswordEnv !== undefined && !o.become) throw new ContentError('invalid-value', '--become-password-env needs --become');
  let timeoutMs: number | undefined;
  if (o.connectTimeout !== undefined) {
    const s = Number(o.connectTimeout);
    if (!Number.isFinite(s) || s <= 0) throw new ContentError('invalid-value', `--connect-timeout ${o.connectTimeout}: a number of seconds`);
    timeoutMs = s * 1000;
  }
  const { connectSsh, parseHostSpec, SshConnectError } = await import('../target/ssh/index.js');
  let spec: ReturnType<typeof parseHostSpec>;
  try {
    spec = parseHostSpec(o.host);
  } catch (e) {
    throw new ContentError('invalid-value', `--host: ${(e as Error).message}`);
  }
  try {
    const t = await connectSsh({
      ...spec,
      ...((o.identity?.length ?? 0) > 0 ? { identityFiles: o.identity! } : {}),
      ...(o.knownHosts !== undefined ? { knownHostsFile: o.knownHosts } : {}),
      ...(o.acceptNewHostKeys ? { acceptNewHostKeys: true } : {}),
      ...(o.sshConfig !== undefined ? { sshConfigFile: o.sshConfig === 'none' ? null : o.sshConfig } : {}),
      ...(o.become ? { become: { method: 'sudo' as const, ...(o.becomePasswordEnv !== undefined ? { passwordEnv: o.becomePasswordEnv } : {}) } } : {}),
      ...(timeoutMs !== undefined ? { connectTimeoutMs: timeoutMs } : {}),
    });
    open.set(t, o.sshStats === true);
    return t;
  } catch (e) {
    if (e instanceof SshConnectError) throw new ContentError('io', `cannot scan ${o.host} over SSH (${e.code}): ${e.message}`);
    throw e;
  }
}

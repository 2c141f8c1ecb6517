/**
 * Test hosts: real sshd servers on this machine, each in its own network
 * namespace (a veth pair to the root namespace, 10.213.F.0/24 split in /30s
 * with F chosen free per fleet), mount namespace (a tmpfs-backed overlay on
 * /etc that gives it its own identity, users and settings; a tmpfs on /run)
 * and UTS namespace (its own host name). Needs root, `ip`, `unshare`,
 * Debian's openssh-server (and `sudo` for the become hosts).
 *
 * Variants: a normal host (root logs in with the fleet's key), one that
 * refuses the key, an unreachable one (the address answers, nothing
 * listens), one that hangs after the handshake (ForceCommand sleep), one
 * without python3 (bind-mounted away), one whose user `vgt` needs a sudo
 * password (optionally with requiretty), one where `vgt` has sudo without
 * password.
 *
 * `stopAll()` kills every process in the namespaces, deletes them (their
 * veths go with them) and removes the temp dir; a process exit hook does the
 * same if a test forgets, and so does a SIGTERM, SIGINT or SIGHUP before
 * the process dies of it.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type HostVariant = 'normal' | 'refuses-key' | 'unreachable' | 'hangs' | 'no-python' | 'sudo-password' | 'sudo-nopasswd';

export type HostIdentity = 'ubuntu2204' | 'debian11' | 'debian12';

export interface TestHostSpec {
  readonly variant?: HostVariant;
  readonly identity?: HostIdentity;
  /** Default vgs-<index>. */
  readonly hostname?: string;
  /** Extra files laid over /etc (paths under /etc, their text). */
  readonly etc?: Readonly<Record<string, string>>;
  /** Extra sshd_config lines. */
  readonly sshd?: readonly string[];
  /** For the sudo hosts: `Defaults requiretty` for vgt. */
  readonly requiretty?: boolean;
}

export interface TestHost {
  readonly index: number;
  readonly variant: HostVariant;
  readonly hostname: string;
  readonly address: string;
  readonly port: number;
  /** The user to log in as: root, or vgt on the sudo hosts. */
  readonly user: string;
  readonly netns: string;
  /** sshd's pid (in the host's mount and UTS namespaces), when one runs. */
  readonly pid?: number;
  /** The command line that runs `argv` inside the host's namespaces (nsenter), in this process's working directory, for local comparisons. */
  inside(argv: readonly string[]): string[];
}

export interface TestFleet {
  readonly hosts: readonly TestHost[];
  /** The private key every host but refuses-key accepts (for root, and vgt on the sudo hosts). */
  readonly clientKey: string;
  /** A known_hosts file naming every host's key. */
  readonly knownHosts: string;
  /** vgt's password on the sudo-password hosts. */
  readonly sudoPassword: string;
  readonly dir: string;
  /** The pids of every process the fleet started (sshd), for argv checks. */
  pids(): number[];
  stopAll(): Promise<void>;
}

const OS_RELEASE: Readonly<Record<HostIdentity, string>> = {
  ubuntu2204:
    'PRETTY_NAME="Ubuntu 22.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nHOME_URL="https://www.ubuntu.com/"\nUBUNTU_CODENAME=jammy\n',
  debian11: 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nNAME="Debian GNU/Linux"\nVERSION_ID="11"\nVERSION="11 (bullseye)"\nVERSION_CODENAME=bullseye\nID=debian\nHOME_URL="https://www.debian.org/"\n',
  debian12: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n',
};

const run = (file: string, args: readonly string[]): Promise<string> =>
  new Promise((res, rej) => execFile(file, [...args], { encoding: 'utf8' }, (e, out, err) => (e ? rej(new Error(`${file} ${args.join(' ')}: ${err || e.message}`)) : res(out))));

/** `ip -batch -` with `lines` on its stdin (after `pre`, such as `-n NS`): one process for many changes. */
const ipBatch = (pre: readonly string[], lines: readonly string[]): Promise<void> =>
  new Promise((res, rej) => {
    const c = spawn('ip', [...pre, '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', rej);
    c.on('close', (code) => (code === 0 ? res() : rej(new Error(`ip ${pre.join(' ')} -batch: ${err.trim()}`))));
    c.stdin!.end(lines.join('\n') + '\n');
  });

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A /24 of 10.213.0.0/16 no interface of this machine uses, claimed with a
 * lock directory (mkdir is atomic) so that fleets started at once by test
 * files running in parallel never share one; the caller removes the lock.
 */
function claimSubnet(): { subnet: number; lock: string } {
  const used = execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' });
  for (let tries = 0; tries < 128; tries++) {
    const subnet = randomBytes(1)[0]!;
    if (used.includes(` 10.213.${subnet}.`)) continue;
    const lock = join(tmpdir(), `vgs-net-10.213.${subnet}`);
    try {
      mkdirSync(lock);
      return { subnet, lock };
    } catch {
      // taken
    }
  }
  throw new Error('no free 10.213.x.0/24 for test hosts');
}

const live = new Set<TestFleet>();
let hooked = false;

function waitForPort(address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((res, rej) => {
    const attempt = (): void => {
      const s = connect({ host: address, port });
      s.once('connect', () => {
        s.destroy();
        res();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) rej(new Error(`sshd on ${address}:${port} did not start`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

/** Starts the hosts (in parallel); call `stopAll()` when done, also on failure. */
export async function startTestHosts(specs: readonly TestHostSpec[]): Promise<TestFleet> {
  if (specs.length > 63) throw new Error('at most 63 test hosts per fleet');
  const { subnet, lock } = claimSubnet();
  const dir = mkdtempSync(join(tmpdir(), 'vgs-hosts-'));
  chmodSync(dir, 0o755);
  const tag = subnet.toString(16).padStart(2, '0'); // unique among live fleets, as the subnet is
  const sudoPassword = `pw-${randomBytes(6).toString('hex')}`;
  const children: ChildProcess[] = [];
  const namespaces: string[] = [];
  let stopped = false;

  const stopSync = (): void => {
    if (stopped) return;
    stopped = true;
    for (const ns of namespaces) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
        for (const p of pids) {
          try {
            process.kill(Number(p), 'SIGKILL');
          } catch {
            // already gone
          }
        }
      } catch {
        // no such namespace
      }
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  };

  try {
    const keygen = (file: string): Promise<string> => run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vigil-test', '-f', file]);
    const clientKey = join(dir, 'client_key');
    const otherKey = join(dir, 'other_key');
    await Promise.all([keygen(clientKey), keygen(otherKey)]);
    const hash = (await run('openssl', ['passwd', '-6', '-salt', randomBytes(6).toString('hex'), sudoPassword])).trim();
    const basePasswd = readFileSync('/etc/passwd', 'utf8');
    const baseShadow = readFileSync('/etc/shadow', 'utf8');
    const baseGroup = readFileSync('/etc/group', 'utf8');
    const nopy = join(dir, 'nopy');
    writeFileSync(nopy, '', { mode: 0o000 });
    chmodSync(nopy, 0o000);

    // every namespace and veth pair in one ip process; each namespace's own side in one more
    const net = (i: number) => ({ ns: `vgs${tag}-${i}`, outer: `vgs${tag}h${i}`, inner: `vgs${tag}p${i}`, a: `10.213.${subnet}.${4 * i + 1}`, b: `10.213.${subnet}.${4 * i + 2}` });
    const nets = specs.map((_, i) => net(i));
    namespaces.push(...nets.map((n) => n.ns));
    const networks = ipBatch(
      [],
      nets.flatMap((n) => [`netns add ${n.ns}`, `link add ${n.outer} type veth peer name ${n.inner} netns ${n.ns}`, `addr add ${n.a}/30 dev ${n.outer}`, `link set ${n.outer} up`]),
    );
    networks.catch(() => undefined);
    const hosts = await Promise.all(
      specs.map(async (spec, i): Promise<{ host: TestHost; keyLine: string }> => {
        const variant = spec.variant ?? 'normal';
        const hostname = spec.hostname ?? `vgs-${i}`;
        const { ns, inner, b } = net(i);
        const hdir = join(dir, `h${i}`);
        const etc = join(hdir, 'etc');
        mkdirSync(join(etc, 'sudoers.d'), { recursive: true });
        mkdirSync(join(hdir, 'ovl'));
        mkdirSync(join(hdir, 'home'));
        chownSync(join(hdir, 'home'), 4242, 4242); // vgt's own home, as on a real host (ansible keeps its temporary files there)
        mkdirSync(join(hdir, 'root'), { mode: 0o700 });
        await keygen(join(hdir, 'host_key'));
        const keyLine = `${b} ${readFileSync(join(hdir, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ')}`;
        const sudo = variant === 'sudo-password' || variant === 'sudo-nopasswd';
        writeFileSync(join(etc, 'hostname'), `${hostname}\n`);
        const identity = spec.identity ?? 'debian12';
        writeFileSync(join(etc, 'os-release'), OS_RELEASE[identity]);
        if (identity === 'ubuntu2204') writeFileSync(join(etc, 'lsb-release'), 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.3 LTS"\n');
        else writeFileSync(join(etc, 'debian_version'), identity === 'debian11' ? '11.8\n' : '12.4\n');
        writeFileSync(join(etc, 'passwd'), `${basePasswd.replace(/^root:x:0:0:([^:]*):[^:]*:/m, `root:x:0:0:$1:${join(hdir, 'root')}:`)}vgt:x:4242:4242:Vigil test:${join(hdir, 'home')}:/bin/sh\n`);
        writeFileSync(join(etc, 'shadow'), `${baseShadow.replace(/^root:[^:]*:/m, 'root:*:')}vgt:${hash}:20000:0:99999:7:::\n`, { mode: 0o640 });
        writeFileSync(join(etc, 'group'), `${baseGroup}vgt:x:4242:\n`);
        if (sudo) {
          const rule = variant === 'sudo-password' ? 'vgt ALL=(ALL:ALL) ALL' : 'vgt ALL=(ALL:ALL) NOPASSWD: ALL';
          writeFileSync(join(etc, 'sudoers.d', 'vgt'), `${rule}\n${spec.requiretty ? 'Defaults:vgt requiretty\n' : ''}`, { mode: 0o440 });
        }
        for (const [p, text] of Object.entries(spec.etc ?? {})) {
          if (!p.startsWith('/etc/')) throw new Error(`test host files go under /etc: ${p}`);
          mkdirSync(join(etc, p.slice(5), '..'), { recursive: true });
          writeFileSync(join(etc, p.slice(5)), text);
        }
        writeFileSync(join(hdir, 'authorized_keys'), readFileSync(`${variant === 'refuses-key' ? otherKey : clientKey}.pub`));
        writeFileSync(
          join(hdir, 'sshd_config'),
          [
            `ListenAddress ${b}`,
            'Port 22',
            `HostKey ${join(hdir, 'host_key')}`,
            'PidFile none',
            `AuthorizedKeysFile ${join(hdir, 'authorized_keys')}`,
            'StrictModes no',
            'PermitRootLogin prohibit-password',
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            'UsePAM no',
            'LogLevel ERROR',
            'MaxSessions 64',
            'MaxStartups 100',
            ...(variant === 'hangs' ? ['ForceCommand sleep 3600'] : []),
            ...(spec.sshd ?? []),
            '',
          ].join('\n'),
        );
        await networks;
        await ipBatch(['-n', ns], [`addr add ${b}/30 dev ${inner}`, `link set ${inner} up`, 'link set lo up']);
        let pid: number | undefined;
        if (variant !== 'unreachable') {
          const ovl = join(hdir, 'ovl');
          const script = [
            'set -e',
            `mount -t tmpfs vgs-etc ${q(ovl)}`,
            `mkdir ${q(`${ovl}/upper`)} ${q(`${ovl}/work`)}`,
            `cp -a ${q(`${etc}/.`)} ${q(`${ovl}/upper/`)}`,
            `mount -t overlay vgs-etc -o lowerdir=/etc,upperdir=${ovl}/upper,workdir=${ovl}/work /etc`,
            'mount -t tmpfs -o mode=755 vgs-run /run',
            'mkdir -p /run/sshd && chmod 755 /run/sshd',
            `hostname ${q(hostname)}`,
            ...(variant === 'no-python' ? [`for f in /usr/bin/python3*; do [ -L "$f" ] || mount --bind ${q(nopy)} "$f"; done`] : []),
            `exec /usr/sbin/sshd -D -e -f ${q(join(hdir, 'sshd_config'))}`,
          ].join('\n');
          const child = spawn('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
          children.push(child);
          let err = '';
          child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
          child.unref();
          (child.stderr as unknown as { unref?: () => void }).unref?.();
          const exited = new Promise<never>((_, rej) => child.once('exit', (c) => rej(new Error(`sshd of test host ${i} exited (${c}): ${err.trim()}`))));
          exited.catch(() => undefined);
          await Promise.race([waitForPort(b, 22, 10_000), exited]);
          pid = child.pid;
        }
        const host: TestHost = {
          index: i,
          variant,
          hostname,
          address: b,
          port: 22,
          user: sudo ? 'vgt' : 'root',
          netns: ns,
          ...(pid !== undefined ? { pid } : {}),
          inside: (argv) => (pid === undefined ? ['ip', 'netns', 'exec', ns, ...argv] : ['nsenter', '-t', String(pid), '-m', '-u', '-n', `--wd=${process.cwd()}`, '--', ...argv]),
        };
        return { host, keyLine };
      }),
    );
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, hosts.map((h) => `${h.keyLine}\n`).join(''));
    const fleet: TestFleet = {
      hosts: hosts.map((h) => h.host),
      clientKey,
      knownHosts,
      sudoPassword,
      dir,
      pids: () => children.map((c) => c.pid!).filter((p) => p !== undefined),
      stopAll: async () => {
        live.delete(fleet);
        stopSync();
      },
    };
    live.add(fleet);
    if (!hooked) {
      hooked = true;
      const stopLive = (): void => {
        for (const f of live) void f.stopAll(); // synchronous underneath
      };
      process.once('exit', stopLive);
      // killed (a test runner's timeout, ^C): clean up, then die of the same signal
      for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
        const onSignal = (): void => {
          stopLive();
          process.removeListener(sig, onSignal);
          process.kill(process.pid, sig);
        };
        process.on(sig, onSignal);
      }
    }
    return fleet;
  } catch (e) {
    stopSync();
    throw e;
  }
}

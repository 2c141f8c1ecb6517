/**
 * Two systems for testing the baseline, described once and used both as
 * mock targets (baseline.test.ts) and as synthetic roots on disk that Vigil
 * and oscap scan side by side (src/conformance/baseline.test.ts):
 *
 * - `freshRoot`: a Debian 12 server as installed, with OpenSSH, cron and
 *   systemd-coredump and their shipped configuration, plus a few common
 *   mistakes (a world-writable share without the sticky bit, a readable
 *   host key, telnetd installed, a conflicting sysctl drop-in);
 * - `hardenedRoot`: the same server after the baseline's strict profile;
 * - `minimalRoot`: a system with an SSH server and nothing else, no package
 *   database, no account files (defaults and missing files).
 *
 * Links are relative, as a distribution ships them (oscap resolves an
 * absolute link target against the host, not the root).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeMockRoot, type MockEntry, type MockTargetSpec } from '../target/memory-target.js';
import { run } from '../testing/oracle.js';

const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n';

const ACCOUNTS = {
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\nadmin:x:1000:1000:Admin:/home/admin:/bin/bash\n',
  '/etc/group': 'root:x:0:\nshadow:x:42:\nsudo:x:27:admin\nadmin:x:1000:\n',
  '/etc/gshadow': 'root:*::\nshadow:*::\nsudo:*::admin\nadmin:!::\n',
};

/** systemd's /usr/lib/sysctl.d/50-default.conf (252), with its "-key" exclusions and globs. */
const SYSTEMD_SYSCTL =
  'kernel.sysrq = 0x01b6\nkernel.core_uses_pid = 1\nnet.ipv4.conf.default.rp_filter = 2\nnet.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter\nnet.ipv4.conf.default.accept_source_route = 0\nnet.ipv4.conf.*.accept_source_route = 0\n-net.ipv4.conf.all.accept_source_route\nnet.ipv4.ping_group_range = 0 2147483647\nfs.protected_regular = 1\nfs.protected_fifos = 1\n';

const common: Record<string, MockEntry> = {
  '/usr/lib/os-release': OS_RELEASE,
  '/etc/os-release': { symlink: '../usr/lib/os-release' },
  '/etc/hostname': 'server\n',
  '/usr/sbin/sshd': { content: '\x7fELF', mode: 0o755 },
  '/usr/sbin/cron': { content: '\x7fELF', mode: 0o755 },
  '/usr/lib/systemd/systemd-coredump': { content: '\x7fELF', mode: 0o755 },
  '/usr/lib/sysctl.d/50-default.conf': SYSTEMD_SYSCTL,
  '/usr/lib/sysctl.d/99-protect-links.conf': 'fs.protected_fifos = 1\nfs.protected_hardlinks = 1\nfs.protected_regular = 2\nfs.protected_symlinks = 1\n',
  '/etc/ssh/ssh_host_ed25519_key.pub': { content: 'ssh-ed25519 AAAA root@server\n', mode: 0o644 },
  '/etc/ssh/ssh_host_rsa_key.pub': { content: 'ssh-rsa AAAA root@server\n', mode: 0o644 },
  '/tmp': { dir: true, mode: 0o1777 },
  '/var/tmp': { dir: true, mode: 0o1777 },
  '/home/admin': { dir: true, mode: 0o750, uid: 1000, gid: 1000 },
};

const DEBIAN_SSHD_CONFIG =
  '\n# This is the sshd server system-wide configuration file.\n\nInclude /etc/ssh/sshd_config.d/*.conf\n\n#LoginGraceTime 2m\n#PermitRootLogin prohibit-password\n#StrictModes yes\n#MaxAuthTries 6\n#MaxSessions 10\n\nKbdInteractiveAuthentication no\nUsePAM yes\n\n#AllowTcpForwarding yes\nX11Forwarding yes\nPrintMotd no\n#ClientAliveInterval 0\n#ClientAliveCountMax 3\n\n# no default banner path\n#Banner none\n\nAcceptEnv LANG LC_*\nSubsystem\tsftp\t/usr/lib/openssh/sftp-server\n';

const DEBIAN_LOGIN_DEFS =
  'MAIL_DIR        /var/mail\nFAILLOG_ENAB\t\tyes\n#\n# Password aging controls:\n#\n#\tPASS_MAX_DAYS\tMaximum number of days a password may be used.\nPASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nPASS_WARN_AGE\t7\nUID_MIN\t\t\t 1000\nUMASK\t\t022\nENCRYPT_METHOD SHA512\n';

export const freshRoot: MockTargetSpec = {
  files: {
    ...common,
    ...ACCOUNTS,
    '/etc/passwd-': ACCOUNTS['/etc/passwd'],
    '/etc/group-': { content: ACCOUNTS['/etc/group'], mode: 0o664 },
    '/etc/shadow': { content: 'root:$y$j9T$salt$hash:19800:0:99999:7:::\ndaemon:*:19800:0:99999:7:::\nsshd:!:19800::::::\nadmin::19800:0:99999:7:::\n', mode: 0o640, gid: 42 },
    '/etc/shadow-': { content: 'root:$y$j9T$salt$hash:19800:0:99999:7:::\n', mode: 0o644, gid: 42 },
    '/etc/gshadow': { content: ACCOUNTS['/etc/gshadow'], mode: 0o640, gid: 42 },
    '/etc/gshadow-': { content: ACCOUNTS['/etc/gshadow'], mode: 0o640, gid: 42 },
    '/etc/login.defs': DEBIAN_LOGIN_DEFS,
    '/etc/ssh/sshd_config': DEBIAN_SSHD_CONFIG,
    '/etc/ssh/sshd_config.d': { dir: true },
    '/etc/ssh/ssh_host_ed25519_key': { content: 'PRIVATE\n', mode: 0o600 },
    '/etc/ssh/ssh_host_rsa_key': { content: 'PRIVATE\n', mode: 0o644 },
    '/etc/security/limits.conf': '#<domain>      <type>  <item>         <value>\n#*               soft    core            0\n#@student        hard    nproc           20\n',
    '/etc/systemd/coredump.conf': '[Coredump]\n#Storage=external\n#Compress=yes\n#ProcessSizeMax=2G\n',
    '/etc/sysctl.conf': '#net.ipv4.ip_forward=1\n#net.ipv4.conf.all.accept_redirects = 0\n',
    '/etc/sysctl.d/30-router.conf': 'net.ipv4.ip_forward = 1\nnet.ipv6.conf.all.accept_ra = 2\n',
    '/etc/crontab': { content: 'SHELL=/bin/sh\n17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n', mode: 0o644 },
    '/etc/cron.d': { dir: true, mode: 0o755 },
    '/etc/cron.d/e2scrub_all': '30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n',
    '/etc/cron.hourly': { dir: true, mode: 0o755 },
    '/etc/cron.daily': { dir: true, mode: 0o755 },
    '/etc/cron.daily/dpkg': { content: '#!/bin/sh\n', mode: 0o755 },
    '/etc/cron.weekly': { dir: true, mode: 0o755 },
    '/etc/cron.monthly': { dir: true, mode: 0o755 },
    '/srv/share': { dir: true, mode: 0o777 },
  },
  packages: {
    'openssh-server': '1:9.2p1-2+deb12u3',
    cron: '3.0pl1-162',
    'systemd-coredump': '252.30-1~deb12u2',
    login: '1:4.13+dfsg1-1+b1',
    telnetd: '0.17+2.4-2',
  },
};

export const hardenedRoot: MockTargetSpec = {
  files: {
    ...common,
    '/etc/passwd': { content: ACCOUNTS['/etc/passwd'], mode: 0o644 },
    '/etc/passwd-': { content: ACCOUNTS['/etc/passwd'], mode: 0o600 },
    '/etc/group': ACCOUNTS['/etc/group'],
    '/etc/group-': { content: ACCOUNTS['/etc/group'], mode: 0o644 },
    '/etc/shadow': { content: 'root:$y$j9T$salt$hash:19800:7:90:14:::\ndaemon:*:19800:7:90:14:::\nsshd:!:19800::::::\nadmin:$y$j9T$salt$hash:19800:7:90:14:::\n', mode: 0o640, gid: 42 },
    '/etc/shadow-': { content: 'root:$y$j9T$salt$hash:19800:7:90:14:::\n', mode: 0o600 },
    '/etc/gshadow': { content: ACCOUNTS['/etc/gshadow'], mode: 0o640, gid: 42 },
    '/etc/gshadow-': { content: ACCOUNTS['/etc/gshadow'], mode: 0o600 },
    '/etc/login.defs': DEBIAN_LOGIN_DEFS.replace('PASS_MAX_DAYS\t99999', 'PASS_MAX_DAYS\t90').replace('PASS_MIN_DAYS\t0', 'PASS_MIN_DAYS\t7').replace('PASS_WARN_AGE\t7', 'PASS_WARN_AGE\t14').replace('UMASK\t\t022', 'UMASK\t\t027'),
    '/etc/ssh/sshd_config': {
      content:
        'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\nMaxAuthTries 3\nLoginGraceTime 60\nClientAliveInterval 180\nClientAliveCountMax 3\nAllowTcpForwarding no\nX11Forwarding no\nBanner /etc/issue.net\nLogLevel VERBOSE\nUsePAM yes\nSubsystem\tsftp\t/usr/lib/openssh/sftp-server\n\nMatch User backup\n\tPermitTTY no\n',
      mode: 0o600,
    },
    '/etc/ssh/sshd_config.d/50-hardening.conf': 'permitemptypasswords no\nIgnoreRhosts yes\nHostbasedAuthentication no\nPermitUserEnvironment no\n',
    '/etc/ssh/ssh_host_ed25519_key': { content: 'PRIVATE\n', mode: 0o600 },
    '/etc/ssh/ssh_host_rsa_key': { content: 'PRIVATE\n', mode: 0o600 },
    '/etc/issue.net': 'Authorized uses only. All activity may be monitored and reported.\n',
    '/etc/security/limits.conf': '#*               soft    core            0\n',
    '/etc/security/limits.d/50-coredump.conf': '*\thard\tcore\t0\n',
    '/etc/systemd/coredump.conf': '[Coredump]\nStorage=none\n#Compress=yes\nProcessSizeMax=0\n',
    '/etc/sysctl.conf': '#net.ipv4.ip_forward=1\n',
    '/etc/sysctl.d/99-hardening.conf':
      'kernel.randomize_va_space = 2\nkernel.kptr_restrict = 1\nfs.suid_dumpable = 0\nnet.ipv4.ip_forward = 0\nnet.ipv4.conf.all.send_redirects = 0\nnet.ipv4.conf.default.send_redirects = 0\nnet.ipv4.conf.all.accept_redirects = 0\nnet.ipv4.conf.default.accept_redirects = 0\nnet.ipv4.conf.all.secure_redirects = 0\nnet.ipv4.conf.all.accept_source_route = 0\nnet.ipv4.conf.all.log_martians = 1\nnet.ipv4.conf.all.rp_filter = 1\nnet.ipv4.icmp_echo_ignore_broadcasts = 1\nnet.ipv4.tcp_syncookies = 1\nnet.ipv6.conf.all.accept_ra = 0\nnet.ipv6.conf.all.accept_redirects = 0\n',
    '/etc/crontab': { content: 'SHELL=/bin/sh\n17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n', mode: 0o600 },
    '/etc/cron.d': { dir: true, mode: 0o700 },
    '/etc/cron.d/e2scrub_all': '30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n',
    '/etc/cron.hourly': { dir: true, mode: 0o700 },
    '/etc/cron.daily': { dir: true, mode: 0o700 },
    '/etc/cron.daily/dpkg': { content: '#!/bin/sh\n', mode: 0o755 },
    '/etc/cron.weekly': { dir: true, mode: 0o700 },
    '/etc/cron.monthly': { dir: true, mode: 0o700 },
    '/srv/share': { dir: true, mode: 0o1777 },
  },
  packages: {
    'openssh-server': '1:9.2p1-2+deb12u3',
    cron: '3.0pl1-162',
    'systemd-coredump': '252.30-1~deb12u2',
    login: '1:4.13+dfsg1-1+b1',
  },
};

export const minimalRoot: MockTargetSpec = {
  files: { '/etc/os-release': 'ID=example\n', '/usr/sbin/sshd': { content: '\x7fELF', mode: 0o755 } },
};

/**
 * Writes the root under `dir`, with what oscap 1.3.7 needs to read its dpkg
 * database: apt's directories and dpkg's tables (the caller builds apt's
 * binary cache in it, see shared/ORACLE.md).
 */
export function writeRoot(dir: string, root: MockTargetSpec): void {
  writeMockRoot(dir, root);
  for (const d of ['var/cache/apt', 'var/lib/apt/lists/partial', 'etc/apt', 'usr/share/dpkg']) mkdirSync(join(dir, d), { recursive: true });
  for (const t of ['cputable', 'tupletable', 'ostable']) copyFileSync(`/usr/share/dpkg/${t}`, join(dir, 'usr/share/dpkg', t));
}

/**
 * writeRoot, then apt's binary cache built inside the root when it has a
 * dpkg database; returns the environment oscap must run with to scan it.
 */
export async function oscapRoot(dir: string, root: MockTargetSpec, work: string): Promise<NodeJS.ProcessEnv> {
  writeRoot(dir, root);
  const env: NodeJS.ProcessEnv = { ...process.env, OSCAP_PROBE_ROOT: dir };
  if (root.packages === undefined) return env;
  const aptConf = join(work, 'apt.conf');
  mkdirSync(join(work, 'aptparts'), { recursive: true });
  writeFileSync(aptConf, `Dir::Etc::parts "${join(work, 'aptparts')}";\nDir::Cache::pkgcache "pkgcache.bin";\nDir::Cache::srcpkgcache "srcpkgcache.bin";\n`);
  const gen = await run('apt-cache', ['-o', `RootDir=${dir}`, 'gencaches'], { env: { ...process.env, APT_CONFIG: aptConf }, timeoutMs: 120_000 });
  if (gen.code !== 0) throw new Error(`apt-cache gencaches failed: ${gen.stderr}`);
  return { ...env, APT_CONFIG: aptConf };
}

export { evalResults as oscapResults } from '../testing/oracle.js';

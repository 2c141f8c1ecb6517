/**
 * Synthetic target roots for comparing Vigil with oscap on the SSG content
 * (../shared/ORACLE.md): a default root that fails most hardening checks
 * and a hardened one that passes many, for Ubuntu 22.04 and Debian 11, with
 * a dpkg status database and, for oscap, apt's binary cache built inside the
 * root. Also: which object types each definition touches, so comparisons
 * can leave out what the two tools collect differently on purpose.
 */
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Checklist, CheckTarget } from '../model/checklist.js';
import { findPlatform, type LogicalTest } from '../model/cpe/types.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { referencedElements } from '../model/oval/references.js';
import type { BenchmarkIndex } from '../model/xccdf/index.js';
import type { Check, ComplexCheck, Rule } from '../model/xccdf/types.js';
import { PROBES } from '../oval/probes/registry.js';
import { run } from './oracle.js';

/**
 * What a tool does with an object type on an offline root: reads the root,
 * or flags the object without collecting it (not applicable, not
 * collected), or something else that depends on the scanning host.
 */
export type OfflineBehaviour = 'root' | 'not applicable' | 'not collected' | 'host';

/**
 * oscap 1.3.7 under OSCAP_PROBE_ROOT, as measured (docs/CONFORMANCE.md,
 * "Offline behaviour"); every other object type reads the root.
 * - sysctl, uname, interface and shadow do not run offline: not applicable;
 * - the systemd probes cannot reach a bus from inside the root: not collected;
 * - environmentvariable58 reads `<root>/proc/<oscap's own pid>/environ`.
 */
export const OSCAP_OFFLINE: ReadonlyMap<string, OfflineBehaviour> = new Map<string, OfflineBehaviour>([
  ['unix/sysctl_object', 'not applicable'],
  ['unix/uname_object', 'not applicable'],
  ['unix/interface_object', 'not applicable'],
  ['unix/shadow_object', 'not applicable'],
  ['linux/systemdunitproperty_object', 'not collected'],
  ['linux/systemdunitdependency_object', 'not collected'],
  ['independent/environmentvariable58_object', 'host'],
]);

/** Vigil on an offline root, from its probe table: a probe that needs nothing reads the root; the others give their `unavailable` flag. */
export const VIGIL_OFFLINE: ReadonlyMap<string, OfflineBehaviour> = new Map(
  PROBES.map((p) => [`${p.family}/${p.objectType}`, p.needs.length === 0 ? 'root' : (p.unavailable ?? 'not collected')] as const),
);

/** Whether both tools treat this object type the same way on an offline root. */
export function sameOffline(type: string): boolean {
  const vigil = VIGIL_OFFLINE.get(type);
  return vigil !== undefined && vigil === (OSCAP_OFFLINE.get(type) ?? 'root');
}

export type Files = Record<string, string>;

/** Files shared by both distributions; `hardened` flips most settings. */
export function commonFiles(hardened: boolean): Files {
  const yes = (b: boolean): string => (b ? 'yes' : 'no');
  return {
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nbob:x:1000:1000:Bob:/home/bob:/bin/bash\n' + (hardened ? '' : 'toor:x:0:0::/root:/bin/sh\n'),
    '/etc/group': 'root:x:0:\nshadow:x:42:\nsudo:x:27:bob\nbob:x:1000:\n',
    '/etc/shadow': `root:${hardened ? '$6$salt$hash' : '$1$salt$hash'}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nbob:$6$x$y:19000:${hardened ? 1 : 0}:${hardened ? 90 : 99999}:7:::\n`,
    '/etc/gshadow': 'root:*::\nshadow:*::\n',
    '/etc/ssh/sshd_config': hardened
      ? 'PermitRootLogin no\nPermitEmptyPasswords no\nX11Forwarding no\nMaxAuthTries 4\nIgnoreRhosts yes\nHostbasedAuthentication no\nPermitUserEnvironment no\nClientAliveInterval 300\nClientAliveCountMax 0\nLoginGraceTime 60\nLogLevel VERBOSE\nBanner /etc/issue.net\nUsePAM yes\nAllowTcpForwarding no\nMaxStartups 10:30:60\nMaxSessions 10\nCiphers aes256-ctr,aes192-ctr,aes128-ctr\nMACs hmac-sha2-512,hmac-sha2-256\n'
      : `PermitRootLogin yes\nX11Forwarding ${yes(true)}\nMaxAuthTries 10\n#PermitEmptyPasswords no\n`,
    '/etc/login.defs': hardened ? 'PASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 7\nUMASK 027\nENCRYPT_METHOD SHA512\n' : 'PASS_MAX_DAYS 99999\nPASS_MIN_DAYS 0\nUMASK 022\n',
    '/etc/issue': hardened ? 'Authorized uses only. All activity may be monitored and reported.\n' : 'Ubuntu \\n \\l\n',
    '/etc/issue.net': hardened ? 'Authorized uses only. All activity may be monitored and reported.\n' : 'Ubuntu\n',
    '/etc/motd': '',
    '/etc/sysctl.conf': hardened
      ? 'net.ipv4.ip_forward = 0\nnet.ipv4.conf.all.send_redirects = 0\nnet.ipv4.conf.default.send_redirects = 0\nnet.ipv4.conf.all.accept_redirects = 0\nnet.ipv4.tcp_syncookies = 1\nkernel.randomize_va_space = 2\nfs.suid_dumpable = 0\nnet.ipv6.conf.all.accept_ra = 0\n'
      : 'net.ipv4.ip_forward = 1\n',
    '/etc/security/limits.conf': hardened ? '* hard core 0\n' : '',
    '/etc/security/pwquality.conf': hardened ? 'minlen = 14\ndcredit = -1\nucredit = -1\nlcredit = -1\nocredit = -1\nminclass = 4\nretry = 3\n' : 'minlen = 8\n',
    '/etc/pam.d/common-password': hardened
      ? 'password requisite pam_pwquality.so retry=3\npassword [success=1 default=ignore] pam_unix.so obscure use_authtok try_first_pass yescrypt sha512 remember=5\n'
      : 'password [success=1 default=ignore] pam_unix.so obscure\n',
    '/etc/pam.d/common-auth': hardened ? 'auth required pam_faillock.so preauth\nauth [success=1 default=ignore] pam_unix.so nullok\n' : 'auth [success=1 default=ignore] pam_unix.so nullok\n',
    '/etc/pam.d/su': hardened ? 'auth required pam_wheel.so use_uid group=sugroup\n' : '# auth required pam_wheel.so\n',
    '/etc/modprobe.d/cis.conf': hardened ? 'install cramfs /bin/false\nblacklist cramfs\ninstall freevxfs /bin/false\ninstall usb-storage /bin/false\ninstall dccp /bin/false\ninstall sctp /bin/false\n' : '',
    '/etc/audit/auditd.conf': hardened ? 'max_log_file = 8\nmax_log_file_action = keep_logs\nspace_left_action = email\naction_mail_acct = root\nadmin_space_left_action = halt\n' : 'max_log_file = 8\n',
    '/etc/audit/rules.d/audit.rules': hardened ? '-w /etc/passwd -p wa -k audit_rules_usergroup_modification\n-w /etc/group -p wa -k audit_rules_usergroup_modification\n-e 2\n' : '',
    '/etc/default/grub': hardened ? 'GRUB_CMDLINE_LINUX="audit=1 audit_backlog_limit=8192 apparmor=1 security=apparmor"\n' : 'GRUB_CMDLINE_LINUX=""\n',
    '/boot/grub/grub.cfg': 'set timeout=5\n',
    '/etc/fstab': hardened ? 'tmpfs /dev/shm tmpfs defaults,nodev,nosuid,noexec 0 0\n/dev/sda2 /tmp ext4 defaults,nodev,nosuid,noexec 0 0\n' : '/dev/sda1 / ext4 defaults 0 1\n',
    '/etc/crontab': '17 * * * * root cd / && run-parts --report /etc/cron.hourly\n',
    '/etc/cron.allow': hardened ? 'root\n' : '',
    '/etc/sudoers': hardened ? 'Defaults use_pty\nDefaults logfile="/var/log/sudo.log"\nroot ALL=(ALL:ALL) ALL\n' : 'root ALL=(ALL:ALL) ALL\n',
    '/etc/rsyslog.conf': hardened ? '$FileCreateMode 0640\n*.* @@loghost.example.com\n' : '',
    '/etc/systemd/journald.conf': hardened ? '[Journal]\nStorage=persistent\nCompress=yes\nForwardToSyslog=yes\n' : '[Journal]\n',
    '/etc/apt/apt.conf.d/99custom': hardened ? '' : 'APT::Get::AllowUnauthenticated "true";\n',
    '/etc/profile.d/tmout.sh': hardened ? 'TMOUT=900\nreadonly TMOUT\nexport TMOUT\n' : '',
    '/etc/bash.bashrc': hardened ? 'umask 027\n' : 'umask 022\n',
    '/etc/hosts.allow': '',
    '/etc/hosts.deny': '',
    '/root/.bashrc': '',
    '/home/bob/.bashrc': '',
  };
}

/** Packages per variant: name → version. */
export function packages(hardened: boolean): Record<string, string> {
  const base: Record<string, string> = { 'openssh-server': '1:8.9p1-3', login: '1:4.8.1-2ubuntu2', passwd: '1:4.8.1-2ubuntu2', sudo: '1.9.9-1ubuntu2', rsyslog: '8.2112.0-2ubuntu2', cron: '3.0pl1-137ubuntu3', libpam0g: '1.4.0-11ubuntu2' };
  return hardened
    ? { ...base, auditd: '1:3.0.7-1build1', aide: '0.17.4-1', apparmor: '3.0.4-2ubuntu2', 'libpam-pwquality': '1.4.4-1build2', chrony: '4.2-2ubuntu2', ufw: '0.36.1-4build1' }
    : { ...base, telnetd: '0.17-44build1', rsh_server: '0.17-22', 'xserver-xorg': '1:7.7+23ubuntu2', avahi_daemon: '0.8-5ubuntu5', nis: '4.4', talk: '0.17-17' };
}

/** Writes the synthetic root's files (without apt's cache, which only oscap needs). */
export function writeSsgRoot(root: string, platform: Files, hardened: boolean): void {
  const files = { ...commonFiles(hardened), ...platform };
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  chmodSync(join(root, '/etc/shadow'), hardened ? 0o640 : 0o644);
  chmodSync(join(root, '/etc/passwd'), hardened ? 0o644 : 0o666);
  chmodSync(join(root, '/boot/grub/grub.cfg'), hardened ? 0o400 : 0o644);
  chmodSync(join(root, '/etc/crontab'), hardened ? 0o600 : 0o644);
  mkdirSync(join(root, 'tmp'), { recursive: true });
  chmodSync(join(root, 'tmp'), hardened ? 0o1777 : 0o777);
  mkdirSync(join(root, 'var/log'), { recursive: true });
  writeFileSync(join(root, 'var/log/syslog'), '');
  chmodSync(join(root, 'var/log/syslog'), hardened ? 0o640 : 0o666);
  const status = Object.entries(packages(hardened))
    .map(([pkg, v]) => `Package: ${pkg.replace(/_/g, '-')}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${v}\n`)
    .join('\n');
  mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true });
  writeFileSync(join(root, 'var/lib/dpkg/status'), status);
  // oscap 1.3.7 reads packages from apt's binary cache, built inside the root (ORACLE.md).
  for (const d of ['var/cache/apt', 'var/lib/apt/lists/partial', 'etc/apt', 'usr/share/dpkg']) mkdirSync(join(root, d), { recursive: true });
  for (const t of ['cputable', 'tupletable', 'ostable']) copyFileSync(`/usr/share/dpkg/${t}`, join(root, 'usr/share/dpkg', t));
}


/**
 * Builds a synthetic root in `root` and the apt configuration oscap needs
 * to read its packages; returns the environment to run oscap with.
 */
export async function buildSsgRoot(root: string, platform: Files, hardened: boolean, work: string): Promise<NodeJS.ProcessEnv> {
  writeSsgRoot(root, platform, hardened);
  const aptConf = join(work, 'apt.conf');
  mkdirSync(join(work, 'aptparts'), { recursive: true });
  writeFileSync(aptConf, `Dir::Etc::parts "${join(work, 'aptparts')}";\nDir::Cache::pkgcache "pkgcache.bin";\nDir::Cache::srcpkgcache "srcpkgcache.bin";\n`);
  const gen = await run('apt-cache', ['-o', `RootDir=${root}`, 'gencaches'], { env: { ...process.env, APT_CONFIG: aptConf }, timeoutMs: 120_000 });
  if (gen.code !== 0) throw new Error(`apt-cache gencaches failed: ${gen.stderr}`);
  return { ...process.env, OSCAP_PROBE_ROOT: root, APT_CONFIG: aptConf };
}

/** The object types a definition's evaluation can touch, through criteria, tests, sets, filters and variables; with `ids`, the objects too. */
export function objectTypes(doc: OvalDefinitions, defId: string, ids?: Set<string>): Set<string> {
  const types = new Set<string>();
  for (const id of referencedElements(doc, { definitions: [defId] }).objects) {
    ids?.add(id);
    const o = doc.objects.get(id);
    if (o) types.add(`${o.family}/${o.type}`);
  }
  return types;
}



const ovalOf = (t: CheckTarget | undefined): OvalDefinitions | undefined =>
  t?.kind === 'document' && t.document.kind === 'oval-definitions' ? t.document : undefined;

/** Every object type a rule's checks and platforms (with its groups' and the benchmark's) can touch. */
export function ruleObjectTypes(checklist: Checklist, index: BenchmarkIndex, rule: Rule): Set<string> {
  const types = new Set<string>();
  const addDef = (doc: OvalDefinitions | undefined, id: string): void => {
    if (!doc) return;
    for (const t of objectTypes(doc, id)) types.add(t);
  };
  const visit = (c: Check | ComplexCheck): void => {
    if (c.kind === 'complex-check') return c.children.forEach(visit);
    for (const r of c.contentRefs) {
      const doc = ovalOf(checklist.checks.get(r.href));
      if (r.name !== undefined) addDef(doc, r.name);
      else for (const id of doc?.definitions.keys() ?? []) addDef(doc, id);
    }
  };
  rule.checks.forEach(visit);
  if (rule.complexCheck) visit(rule.complexCheck);
  const cpe = (name: string): void => {
    for (const d of checklist.dictionaries) {
      for (const item of d.dictionary.items) {
        if (item.name !== name) continue;
        for (const ch of item.checks) addDef(ovalOf(d.checks.get(ch.href)), ch.id);
      }
    }
  };
  const logical = (t: LogicalTest): void => {
    for (const c of t.children) {
      if (c.kind === 'logical-test') logical(c);
      else if (c.kind === 'fact-ref') cpe(c.name);
    }
  };
  const platforms = [...checklist.benchmark.platforms, ...rule.platforms];
  for (let g = index.parents.get(rule.id); g; g = index.parents.get(g.id)) platforms.push(...g.platforms);
  for (const p of platforms) {
    const spec = findPlatform(checklist.benchmark.platformSpecification, p);
    if (spec) logical(spec.test);
    else cpe(p);
  }
  return types;
}

/**
 * Whether a rule that touches these object types can be compared offline:
 * both tools treat every one of them the same way on a root (both read the
 * root, or both give the same flag without collecting).
 */
export function comparableOffline(types: Iterable<string>): boolean {
  for (const x of types) if (!sameOffline(x)) return false;
  return true;
}

/** The distributions, with their OVAL and data stream files and the file that makes their platform apply. */
export const SSG_TARGETS: ReadonlyArray<{ readonly content: string; readonly ds: string; readonly platform: Files }> = [
  { content: 'ssg-ubuntu2204-oval.xml', ds: 'ssg-ubuntu2204-ds.xml', platform: { '/etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n' } },
  { content: 'ssg-debian11-oval.xml', ds: 'ssg-debian11-ds.xml', platform: { '/etc/debian_version': '11.7\n' } },
];


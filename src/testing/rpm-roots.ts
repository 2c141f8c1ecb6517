/**
 * Synthetic rpm-based roots (RHEL 8 and 9 look-alikes) for comparing Vigil's
 * rpm probes and the RHEL content with oscap (../shared/ORACLE.md section 5).
 *
 * Real packages are built with Debian's rpmbuild from generated spec files
 * (the files are staged by this module, the spec copies them and lists them
 * with their attributes: %config, %doc, %license, %ghost, %dir, %attr,
 * %verify), cached per process run in one temp directory keyed by the
 * spec's content, and installed with `rpm --root R --dbpath /var/lib/rpm
 * -i --nodeps --noscripts` into the root's own sqlite database.
 *
 * oscap reads such a root when its `%_dbpath` is /var/lib/rpm (Debian's
 * default, `~/.rpmdb`, is expanded through a shell its probe cannot start)
 * and the root holds rpm's /usr/lib/rpm/rpmrc (the probe reads it after
 * entering the root): `oscapOnRpmRoot` gives both, the macro through an
 * overlay on /etc in a private mount namespace, so the host is unchanged.
 */
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { commonFiles, type Files } from './ssg-roots.js';
import { bdbWriterAvailable, writeBdbPackages } from './rpm-build.js';
import { run, type Run } from './oracle.js';

export type RpmFileAttr = 'config' | 'config-noreplace' | 'config-missingok' | 'doc' | 'license' | 'readme' | 'ghost';

export interface RpmFileSpec {
  /** Absolute path in the package. */
  readonly path: string;
  readonly kind?: 'file' | 'dir' | 'symlink' | 'chr' | 'blk';
  /** For a device (chr, blk): major and minor, each at most 255 (rpmbuild's %dev limit). */
  readonly rdev?: readonly [number, number];
  readonly content?: string;
  /** For a symlink: its target. */
  readonly target?: string;
  readonly mode?: number;
  readonly user?: string;
  readonly group?: string;
  readonly attr?: RpmFileAttr;
  /** A %verify(...) list, e.g. 'not md5 size mtime'. */
  readonly verify?: string;
}

export interface RpmPackageSpec {
  readonly name: string;
  readonly epoch?: number;
  readonly version: string;
  readonly release: string;
  /** x86_64 (default) or noarch. */
  readonly arch?: 'x86_64' | 'noarch';
  readonly files: readonly RpmFileSpec[];
  readonly provides?: readonly string[];
  /** Requires:, Conflicts:, Obsoletes: lines (rich dependencies in parentheses allowed). */
  readonly requires?: readonly string[];
  readonly conflicts?: readonly string[];
  readonly obsoletes?: readonly string[];
  /** A %verifyscript body (run by `rpm -V`, and by oscap's rpmverifypackage on a live host). */
  readonly verifyscript?: string;
  /**
   * Signed with this run's throwaway gpg key (signingKey): 'v3' adds the
   * header+payload signature (SIGPGP, `rpmsign --rpmv3`, what RHEL's
   * packages carry), 'header' only the header signature (RSAHEADER,
   * rpmsign's default). Left unsigned when gpg is missing.
   */
  readonly sign?: 'v3' | 'header';
}

let cacheDir: string | undefined;
/** The per-run package cache, removed when the process exits (kept with VIGIL_KEEP_ORACLE_DIR=1). */
function cache(): string {
  if (cacheDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rpmcache-'));
    cacheDir = dir;
    process.on('exit', () => {
      if (process.env['VIGIL_KEEP_ORACLE_DIR'] !== '1') rmSync(dir, { recursive: true, force: true });
    });
  }
  return cacheDir;
}

const modeOf = (f: RpmFileSpec): string => (f.mode ?? (f.kind === 'dir' ? 0o755 : 0o644)).toString(8).padStart(4, '0');

function filesSection(p: RpmPackageSpec): string[] {
  const lines: string[] = [];
  for (const f of p.files) {
    const attrs: string[] = [];
    if (f.attr === 'config') attrs.push('%config');
    if (f.attr === 'config-noreplace') attrs.push('%config(noreplace)');
    if (f.attr === 'config-missingok') attrs.push('%config(missingok)');
    if (f.attr === 'doc') attrs.push('%doc');
    if (f.attr === 'license') attrs.push('%license');
    if (f.attr === 'readme') attrs.push('%readme');
    if (f.attr === 'ghost') attrs.push('%ghost');
    if (f.kind === 'dir') attrs.push('%dir');
    if (f.kind === 'chr' || f.kind === 'blk') attrs.push(`%dev(${f.kind === 'chr' ? 'c' : 'b'}, ${f.rdev?.[0] ?? 1}, ${f.rdev?.[1] ?? 3})`);
    if (f.verify) attrs.push(`%verify(${f.verify})`);
    attrs.push(f.kind === 'symlink' ? `%attr(-,${f.user ?? 'root'},${f.group ?? 'root'})` : `%attr(${modeOf(f)},${f.user ?? 'root'},${f.group ?? 'root'})`);
    lines.push(`${attrs.join(' ')} ${f.path}`);
  }
  return lines;
}

function specText(p: RpmPackageSpec, stage: string): string {
  const lines = [
    `Name: ${p.name}`,
    ...(p.epoch !== undefined ? [`Epoch: ${p.epoch}`] : []),
    `Version: ${p.version}`,
    `Release: ${p.release}`,
    `Summary: ${p.name} (synthetic test package)`,
    'License: MIT',
    `BuildArch: ${p.arch ?? 'x86_64'}`,
    ...(p.provides ?? []).map((x) => `Provides: ${x}`),
    ...(p.requires ?? []).map((x) => `Requires: ${x}`),
    ...(p.conflicts ?? []).map((x) => `Conflicts: ${x}`),
    ...(p.obsoletes ?? []).map((x) => `Obsoletes: ${x}`),
    '%description',
    `${p.name}, built for Vigil's tests.`,
    ...(p.verifyscript !== undefined ? ['%verifyscript', p.verifyscript] : []),
    '%install',
    `cp -a ${stage}/. %{buildroot}/`,
    '%files',
    ...filesSection(p),
  ];
  return lines.join('\n') + '\n';
}

function stageFiles(p: RpmPackageSpec, stage: string): void {
  mkdirSync(stage, { recursive: true });
  // A fixed mtime per package, so rebuilt packages are identical.
  const when = new Date(Date.UTC(2024, 0, 1 + (p.name.length % 28), 12, 0, 0));
  for (const f of p.files) {
    if (f.attr === 'ghost' || f.kind === 'chr' || f.kind === 'blk') continue;
    const at = join(stage, f.path);
    if (f.kind === 'dir') {
      mkdirSync(at, { recursive: true });
      continue;
    }
    mkdirSync(dirname(at), { recursive: true });
    if (f.kind === 'symlink') symlinkSync(f.target ?? 'missing', at);
    else {
      writeFileSync(at, f.content ?? `${f.path} of ${p.name}\n`);
      utimesSync(at, when, when);
    }
  }
}

let key: Promise<{ home: string; asc: string; keyid: string } | undefined> | undefined;
/** This run's throwaway signing key (gpg, RSA 2048), or undefined without gpg. */
export function signingKey(): Promise<{ home: string; asc: string; keyid: string } | undefined> {
  key ??= (async () => {
    const home = join(cache(), 'gnupg');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: home };
    const uid = 'Vigil test packages <rpm-test@example.invalid>';
    const gen = await run('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', uid, 'rsa2048', 'sign', '1d'], { env, timeoutMs: 120_000 }).catch(() => undefined);
    if (!gen || gen.code !== 0) return undefined;
    const exp = await run('gpg', ['--batch', '--armor', '--export', uid], { env, timeoutMs: 60_000 });
    const asc = join(cache(), 'key.asc');
    writeFileSync(asc, exp.stdout);
    const list = await run('gpg', ['--batch', '--with-colons', '--list-keys', uid], { env, timeoutMs: 60_000 });
    const keyid = /^pub:[^:]*:[^:]*:[^:]*:([0-9A-F]{16}):/m.exec(list.stdout)?.[1]?.toLowerCase();
    process.on('exit', () => void run('gpgconf', ['--kill', 'all'], { env, timeoutMs: 5_000 }).catch(() => undefined));
    return keyid ? { home, asc, keyid } : undefined;
  })();
  return key;
}

async function signPackage(file: string, how: 'v3' | 'header'): Promise<void> {
  const k = await signingKey();
  if (!k) return;
  const r = await run(
    'rpmsign',
    [
      '--define',
      '__gpg /usr/bin/gpg',
      '--define',
      '_gpg_name Vigil test packages',
      '--define',
      '_gpg_sign_cmd_extra_args --batch --pinentry-mode loopback --passphrase=',
      ...(how === 'v3' ? ['--rpmv3'] : []),
      '--addsign',
      file,
    ],
    { env: { ...process.env, GNUPGHOME: k.home }, timeoutMs: 120_000 },
  );
  if (r.code !== 0) throw new Error(`rpmsign ${file}: ${r.stderr.slice(-800)}`);
}

const building = new Map<string, Promise<string>>();

/** Builds one package (or takes it from this run's cache); resolves to the .rpm file. */
export function buildPackage(p: RpmPackageSpec): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify(p)).digest('hex').slice(0, 20);
  let done = building.get(key);
  if (!done) {
    done = (async () => {
      const out = join(cache(), 'rpms', `${key}.rpm`);
      if (existsSync(out)) return out;
      const work = join(cache(), 'build', key);
      const stage = join(work, 'stage');
      rmSync(work, { recursive: true, force: true });
      stageFiles(p, stage);
      writeFileSync(join(work, 'pkg.spec'), specText(p, stage));
      const r = await run(
        'rpmbuild',
        ['-bb', '--define', `_topdir ${join(work, 'top')}`, '--define', 'debug_package %{nil}', '--define', '__os_install_post %{nil}', '--define', '_build_id_links none', join(work, 'pkg.spec')],
        { timeoutMs: 120_000 },
      );
      if (r.code !== 0) throw new Error(`rpmbuild ${p.name} failed: ${r.stderr.slice(-1500)}`);
      const arch = p.arch ?? 'x86_64';
      const built = join(work, 'top', 'RPMS', arch, `${p.name}-${p.version}-${p.release}.${arch}.rpm`);
      if (p.sign) await signPackage(built, p.sign);
      mkdirSync(dirname(out), { recursive: true });
      copyFileSync(built, out);
      rmSync(work, { recursive: true, force: true });
      return out;
    })();
    building.set(key, done);
  }
  return done;
}

/** Builds packages, two at a time (the machine is shared). */
export async function buildPackages(specs: readonly RpmPackageSpec[]): Promise<string[]> {
  const out: string[] = new Array(specs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < specs.length) {
      const i = next++;
      out[i] = await buildPackage(specs[i]!);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** Installs packages into `root`'s own database (/var/lib/rpm, sqlite); `justdb` records them without laying down files. */
export async function installPackages(root: string, rpms: readonly string[], opts: { justdb?: boolean } = {}): Promise<void> {
  mkdirSync(join(root, 'var/lib/rpm'), { recursive: true });
  const base = ['--root', root, '--dbpath', '/var/lib/rpm'];
  const init = await run('rpm', [...base, '--initdb'], { timeoutMs: 60_000 });
  if (init.code !== 0) throw new Error(`rpm --initdb: ${init.stderr}`);
  const r = await run('rpm', [...base, '-i', '--nodeps', '--noscripts', '--notriggers', '--ignorearch', '--ignoreos', ...(opts.justdb ? ['--justdb'] : []), ...rpms], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`rpm -i into ${root} failed: ${r.stderr.slice(-2000)}`);
}

/** `rpm --root R --dbpath /var/lib/rpm <args>`: Debian's rpm as an oracle for a root's database. */
export function rpmOnRoot(root: string, args: readonly string[]): Promise<Run> {
  return run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...args], { timeoutMs: 120_000 });
}

// ---------------------------------------------------------------- RHEL look-alikes

export type RhelMajor = 8 | 9;
export type RootVariant = 'default' | 'hardened';

const el = (major: RhelMajor): string => `el${major}`;

/** Users and groups the packages' files belong to (written before installing, so rpm and the probes map names to ids). */
const PASSWD_EXTRA = 'chrony:x:992:987::/var/lib/chrony:/sbin/nologin\ntss:x:59:59::/dev/null:/sbin/nologin\nsshd:x:74:74::/usr/share/empty.sshd:/sbin/nologin\n';
const GROUP_EXTRA = 'chrony:x:987:\ntss:x:59:\nsshd:x:74:\nssh_keys:x:998:\nwheel:x:10:\n';

/** The packages of a RHEL-like root: realistic names, epochs, versions, arches and file lists. */
export function rhelPackages(major: RhelMajor, variant: RootVariant): RpmPackageSpec[] {
  const r = (rel: string): string => `${rel}.${el(major)}`;
  const v9 = major === 9;
  const pkgs: RpmPackageSpec[] = [
    {
      name: 'redhat-release',
      version: v9 ? '9.2' : '8.8',
      release: v9 ? '0.13.el9' : '0.10.el8',
      files: [
        { path: '/etc/redhat-release', content: `Red Hat Enterprise Linux release ${v9 ? '9.2 (Plow)' : '8.8 (Ootpa)'}\n` },
        { path: '/etc/system-release', kind: 'symlink', target: 'redhat-release' },
        { path: '/etc/os-release', kind: 'symlink', target: '../usr/lib/os-release' },
        { path: '/usr/lib/os-release', content: osRelease(major) },
        { path: '/etc/pki/rpm-gpg/RPM-GPG-KEY-redhat-release', content: 'key\n' },
      ],
    },
    {
      name: 'openssh-server',
      version: v9 ? '8.7p1' : '8.0p1',
      release: r(v9 ? '34' : '19'),
      files: [
        { path: '/etc/ssh', kind: 'dir', mode: 0o755 },
        { path: '/etc/ssh/sshd_config', mode: 0o600, attr: 'config-noreplace', content: 'PermitRootLogin yes\n' },
        { path: '/usr/sbin/sshd', mode: 0o755, content: '#!/bin/sh\n# sshd\n' },
        { path: '/usr/libexec/openssh/sshd-keygen', mode: 0o755 },
        { path: '/usr/share/doc/openssh-server/README', attr: 'doc' },
        { path: '/usr/share/licenses/openssh-server/LICENCE', attr: 'license' },
        { path: '/var/empty/sshd', kind: 'dir', mode: 0o711 },
      ],
    },
    {
      name: 'openssh',
      version: v9 ? '8.7p1' : '8.0p1',
      release: r(v9 ? '34' : '19'),
      sign: 'header',
      files: [
        { path: '/usr/bin/ssh-keygen', mode: 0o755 },
        { path: '/usr/libexec/openssh/ssh-keysign', mode: 0o2555, group: 'ssh_keys' },
      ],
    },
    {
      name: 'sudo',
      version: v9 ? '1.9.5p2' : '1.8.29',
      release: r('9'),
      sign: 'v3',
      files: [
        { path: '/usr/bin/sudo', mode: 0o4111 },
        { path: '/etc/sudoers', mode: 0o440, attr: 'config-noreplace', content: 'root ALL=(ALL) ALL\n' },
        { path: '/etc/sudoers.d', kind: 'dir', mode: 0o750 },
        { path: '/var/log/sudo.log', attr: 'ghost', mode: 0o600 },
      ],
    },
    {
      name: 'shadow-utils',
      epoch: 2,
      version: v9 ? '4.9' : '4.6',
      release: r('6'),
      files: [
        { path: '/usr/bin/passwd', mode: 0o4755 },
        { path: '/usr/bin/chage', mode: 0o4755 },
        { path: '/etc/login.defs', attr: 'config-noreplace', content: 'PASS_MAX_DAYS 99999\n' },
        { path: '/etc/default/useradd', mode: 0o600, attr: 'config-noreplace' },
      ],
    },
    {
      name: 'audit',
      version: v9 ? '3.0.7' : '3.0.7',
      release: r('103'),
      files: [
        { path: '/usr/sbin/auditd', mode: 0o755 },
        { path: '/usr/sbin/auditctl', mode: 0o755 },
        { path: '/etc/audit', kind: 'dir', mode: 0o750 },
        { path: '/etc/audit/auditd.conf', mode: 0o640, attr: 'config-noreplace', content: 'max_log_file = 8\n' },
        { path: '/etc/audit/rules.d', kind: 'dir', mode: 0o750 },
        { path: '/var/log/audit', kind: 'dir', mode: 0o700 },
      ],
    },
    { name: 'audit-libs', version: '3.0.7', release: r('103'), files: [{ path: '/usr/lib64/libaudit.so.1.0.0', mode: 0o755 }, { path: '/usr/lib64/libaudit.so.1', kind: 'symlink', target: 'libaudit.so.1.0.0' }] },
    {
      name: 'chrony',
      version: v9 ? '4.3' : '4.2',
      release: r('1'),
      files: [
        { path: '/usr/sbin/chronyd', mode: 0o755 },
        { path: '/etc/chrony.conf', attr: 'config-noreplace', content: 'pool 2.rhel.pool.ntp.org iburst\n' },
        { path: '/etc/chrony.keys', mode: 0o640, group: 'chrony', attr: 'config-noreplace', verify: 'not md5 size mtime' },
        { path: '/var/lib/chrony', kind: 'dir', mode: 0o750, user: 'chrony', group: 'chrony' },
        { path: '/var/lib/chrony/drift', attr: 'ghost', user: 'chrony', group: 'chrony' },
      ],
    },
    { name: 'libselinux', version: v9 ? '3.5' : '2.9', release: r('1'), files: [{ path: '/usr/lib64/libselinux.so.1', mode: 0o755 }] },
    { name: 'libselinux-utils', version: v9 ? '3.5' : '2.9', release: r('1'), files: [{ path: '/usr/sbin/getenforce', mode: 0o755 }] },
    { name: 'policycoreutils', version: v9 ? '3.5' : '2.9', release: r('1'), files: [{ path: '/usr/sbin/restorecon', mode: 0o755 }, { path: '/etc/selinux/semanage.conf', attr: 'config-noreplace' }] },
    { name: 'firewalld', version: v9 ? '1.2.1' : '0.9.11', release: r('1'), arch: 'noarch', files: [{ path: '/usr/sbin/firewalld', mode: 0o755 }, { path: '/etc/firewalld/firewalld.conf', attr: 'config-noreplace', content: 'DefaultZone=public\n' }] },
    { name: 'pam', version: v9 ? '1.5.1' : '1.3.1', release: r('14'), files: [{ path: '/etc/pam.d/system-auth', attr: 'config-noreplace', content: 'auth required pam_env.so\n' }, { path: '/usr/sbin/unix_chkpwd', mode: 0o4755 }, { path: '/usr/sbin/pam_timestamp_check', mode: 0o4755 }] },
    { name: 'crypto-policies', version: '20221215', release: r('1.git9a18988'), arch: 'noarch', files: [{ path: '/etc/crypto-policies/config', attr: 'config-noreplace', content: 'DEFAULT\n' }] },
    { name: 'rsyslog', version: '8.2102.0', release: r('113'), files: [{ path: '/usr/sbin/rsyslogd', mode: 0o755 }, { path: '/etc/rsyslog.conf', attr: 'config-noreplace', content: '*.info /var/log/messages\n' }] },
    { name: 'tar', epoch: 2, version: '1.34', release: r('6'), files: [{ path: '/usr/bin/tar', mode: 0o755 }] },
    { name: 'bind-utils', epoch: 32, version: '9.16.23', release: r('11'), files: [{ path: '/usr/bin/dig', mode: 0o755 }] },
    { name: 'glibc', version: v9 ? '2.34' : '2.28', release: r('60'), files: [{ path: '/usr/lib64/libc.so.6', mode: 0o755 }, { path: '/etc/ld.so.conf', attr: 'config-noreplace' }] },
    { name: 'dnf', version: '4.14.0', release: r('5'), arch: 'noarch', files: [{ path: '/usr/bin/dnf', kind: 'symlink', target: 'dnf-3' }, { path: '/usr/bin/dnf-3', mode: 0o755 }, { path: '/etc/dnf/dnf.conf', attr: 'config-noreplace', content: '[main]\ngpgcheck=1\n' }] },
    { name: 'kernel-core', version: v9 ? '5.14.0' : '4.18.0', release: r('284.11.1'), files: [{ path: '/lib/modules/5.14.0/vmlinuz', mode: 0o755 }] },
    { name: 'systemd', version: v9 ? '252' : '239', release: r('14'), files: [{ path: '/usr/lib/systemd/systemd', mode: 0o755 }, { path: '/etc/systemd/journald.conf', attr: 'config-noreplace', content: '[Journal]\n' }, { path: '/usr/bin/systemctl', mode: 0o755 }] },
    { name: 'cronie', version: '1.5.7', release: r('8'), files: [{ path: '/usr/bin/crontab', mode: 0o4755 }, { path: '/etc/crontab', mode: 0o644, attr: 'config-noreplace' }] },
    { name: 'tmux', version: '3.2a', release: r('4'), files: [{ path: '/usr/bin/tmux', mode: 0o755 }] },
    { name: 'tpm2-tss', version: '3.2.2', release: r('2'), files: [{ path: '/usr/lib64/libtss2-esys.so.0', mode: 0o755, user: 'tss', group: 'tss' }] },
    { name: 'util-linux', version: '2.37.4', release: r('11'), files: [{ path: '/usr/bin/mount', mode: 0o4755 }, { path: '/usr/bin/su', mode: 0o4755 }, { path: '/usr/bin/write', mode: 0o2755, group: 'tty' }] },
  ];
  if (variant === 'hardened') {
    pkgs.push(
      { name: 'aide', version: v9 ? '0.16' : '0.16', release: r('100'), files: [{ path: '/usr/sbin/aide', mode: 0o755 }, { path: '/etc/aide.conf', mode: 0o600, attr: 'config-noreplace' }] },
      { name: 'usbguard', version: '1.0.0', release: r('10'), files: [{ path: '/usr/sbin/usbguard-daemon', mode: 0o755 }] },
      { name: 'fapolicyd', version: '1.1.3', release: r('104'), files: [{ path: '/usr/sbin/fapolicyd', mode: 0o755 }] },
      { name: 'libpwquality', version: '1.4.4', release: r('8'), files: [{ path: '/etc/security/pwquality.conf', attr: 'config-noreplace', content: 'minlen = 15\n' }] },
      { name: 'dnf-automatic', version: '4.14.0', release: r('5'), arch: 'noarch', files: [{ path: '/etc/dnf/automatic.conf', attr: 'config-noreplace', content: '[commands]\napply_updates = yes\n' }] },
      { name: 'opensc', version: '0.23.0', release: r('1'), files: [{ path: '/usr/bin/opensc-tool', mode: 0o755 }] },
      { name: 'rng-tools', version: '6.15', release: r('3'), files: [{ path: '/usr/sbin/rngd', mode: 0o755 }] },
      { name: 'gnutls', version: '3.7.6', release: r('21'), files: [{ path: '/usr/lib64/libgnutls.so.30', mode: 0o755 }] },
    );
  } else {
    pkgs.push(
      { name: 'telnet-server', epoch: 1, version: '0.17', release: r('85'), files: [{ path: '/usr/sbin/in.telnetd', mode: 0o755 }] },
      { name: 'rsh-server', version: '0.17', release: r('80'), files: [{ path: '/usr/sbin/in.rshd', mode: 0o755 }] },
      { name: 'tftp-server', version: '5.2', release: r('37'), files: [{ path: '/usr/sbin/in.tftpd', mode: 0o755 }] },
      { name: 'vsftpd', version: '3.0.3', release: r('49'), files: [{ path: '/usr/sbin/vsftpd', mode: 0o755 }, { path: '/etc/vsftpd/vsftpd.conf', mode: 0o600, attr: 'config-noreplace' }] },
      { name: 'xorg-x11-server-common', version: '1.20.11', release: r('17'), files: [{ path: '/usr/lib/xorg/protocol.txt' }] },
      { name: 'ypbind', epoch: 3, version: '2.5', release: r('2'), files: [{ path: '/usr/sbin/ypbind', mode: 0o755 }] },
      { name: 'abrt', version: '2.14.6', release: r('7'), files: [{ path: '/usr/sbin/abrtd', mode: 0o755 }] },
    );
  }
  return pkgs;
}

export function osRelease(major: RhelMajor): string {
  return major === 9
    ? 'NAME="Red Hat Enterprise Linux"\nVERSION="9.2 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.2"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="Red Hat Enterprise Linux 9.2 (Plow)"\nCPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"\n'
    : 'NAME="Red Hat Enterprise Linux"\nVERSION="8.8 (Ootpa)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="8.8"\nPLATFORM_ID="platform:el8"\nPRETTY_NAME="Red Hat Enterprise Linux 8.8 (Ootpa)"\nCPE_NAME="cpe:/o:redhat:enterprise_linux:8::baseos"\n';
}

/** RHEL-flavoured configuration files the SSG rules read, over the shared ones; files of packages are overwritten here (as an administrator would). */
function rhelFiles(hardened: boolean): Files {
  const files = { ...commonFiles(hardened) };
  delete files['/etc/pam.d/common-password'];
  delete files['/etc/pam.d/common-auth'];
  delete files['/etc/apt/apt.conf.d/99custom'];
  delete files['/etc/bash.bashrc'];
  files['/etc/passwd'] += PASSWD_EXTRA;
  files['/etc/group'] += GROUP_EXTRA.replace('wheel:x:10:', 'wheel:x:10:bob') + 'tty:x:5:\n';
  files['/etc/bashrc'] = hardened ? 'umask 027\n' : 'umask 022\n';
  files['/etc/pam.d/password-auth'] = hardened ? 'auth required pam_faillock.so preauth silent deny=3\npassword requisite pam_pwquality.so retry=3\npassword sufficient pam_unix.so sha512 shadow remember=5 use_authtok\n' : 'password sufficient pam_unix.so md5 shadow\n';
  files['/etc/pam.d/system-auth'] = files['/etc/pam.d/password-auth'];
  files['/etc/selinux/config'] = hardened ? 'SELINUX=enforcing\nSELINUXTYPE=targeted\n' : 'SELINUX=permissive\nSELINUXTYPE=targeted\n';
  files['/etc/dnf/dnf.conf'] = hardened ? '[main]\ngpgcheck=1\nlocalpkg_gpgcheck=1\nclean_requirements_on_remove=True\n' : '[main]\ngpgcheck=0\n';
  files['/etc/crypto-policies/config'] = hardened ? 'FIPS\n' : 'LEGACY\n';
  files['/etc/chrony.conf'] = hardened ? 'server 0.rhel.pool.ntp.org iburst maxpoll 10\nOPTIONS="-u chrony"\n' : 'pool 2.rhel.pool.ntp.org iburst\n';
  files['/etc/default/grub'] = hardened ? 'GRUB_CMDLINE_LINUX="audit=1 audit_backlog_limit=8192 slub_debug=P page_poison=1 vsyscall=none pti=on"\n' : 'GRUB_CMDLINE_LINUX="rhgb quiet"\n';
  files['/boot/grub2/grub.cfg'] = 'set timeout=5\n';
  files['/etc/sysconfig/sshd'] = hardened ? '' : 'CRYPTO_POLICY=\n';
  return files;
}

/** Other rpm distributions, for detection and agreement figures: their release package replaces redhat-release. */
export type OtherDistro = 'fedora' | 'sle15';

export function distroRelease(d: OtherDistro): { readonly pkg: RpmPackageSpec; readonly osRelease: string } {
  if (d === 'fedora') {
    const osRelease = 'NAME="Fedora Linux"\nVERSION="39 (Server Edition)"\nID=fedora\nVERSION_ID=39\nPLATFORM_ID="platform:f39"\nPRETTY_NAME="Fedora Linux 39 (Server Edition)"\nCPE_NAME="cpe:/o:fedoraproject:fedora:39"\n';
    return {
      osRelease,
      pkg: {
        name: 'fedora-release-server',
        version: '39',
        release: '36',
        arch: 'noarch',
        files: [
          { path: '/etc/fedora-release', content: 'Fedora release 39 (Thirty Nine)\n' },
          { path: '/etc/system-release', kind: 'symlink', target: 'fedora-release' },
          { path: '/etc/system-release-cpe', content: 'cpe:/o:fedoraproject:fedora:39\n' },
          { path: '/etc/os-release', kind: 'symlink', target: '../usr/lib/os-release' },
          { path: '/usr/lib/os-release', content: osRelease },
        ],
      },
    };
  }
  const osRelease = 'NAME="SLES"\nVERSION="15-SP5"\nVERSION_ID="15.5"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"\nID="sles"\nID_LIKE="suse"\nCPE_NAME="cpe:/o:suse:sles:15:sp5"\n';
  return {
    osRelease,
    pkg: {
      name: 'sles-release',
      version: '15.5',
      release: '150500.46.1',
      files: [
        { path: '/etc/SUSE-brand', content: 'SLE\nVERSION = 15\n' },
        { path: '/etc/os-release', kind: 'symlink', target: '../usr/lib/os-release' },
        { path: '/usr/lib/os-release', content: osRelease },
      ],
    },
  };
}

export interface RpmRoot {
  readonly root: string;
  readonly packages: readonly RpmPackageSpec[];
}

/**
 * Builds a RHEL-like root: the packages installed into its sqlite database
 * (files laid down, owners mapped through the root's /etc/passwd and
 * /etc/group), the configuration files over them, and rpm's rpmrc for
 * oscap. `tampered` then changes files behind the database's back (see
 * `tamperRoot`).
 */
export async function buildRhelRoot(
  root: string,
  major: RhelMajor,
  variant: RootVariant,
  opts: { tampered?: boolean; extra?: readonly RpmPackageSpec[]; distro?: OtherDistro } = {},
): Promise<RpmRoot> {
  let packages = [...rhelPackages(major, variant), ...(opts.extra ?? [])];
  if (opts.distro) {
    const rel = distroRelease(opts.distro).pkg;
    packages = packages.map((p) => (p.name === 'redhat-release' ? rel : p));
  }
  mkdirSync(join(root, 'etc'), { recursive: true });
  const files = rhelFiles(variant === 'hardened');
  // owners first: rpm maps the packages' user and group names through the root's files
  writeFileSync(join(root, 'etc/passwd'), files['/etc/passwd']!);
  writeFileSync(join(root, 'etc/group'), files['/etc/group']!);
  const own = packages.slice(0, packages.length - (opts.extra?.length ?? 0));
  // one rpmbuild per package, two at a time: a single spec with hundreds of subpackages is far slower (500 x 200 files: 22 min)
  const extra = opts.extra?.length ? await buildPackages(opts.extra) : [];
  await installPackages(root, [...(await buildPackages(own)), ...extra]);
  // the signing key in the database, as rpm --import leaves it (a gpg-pubkey package)
  const k = packages.some((p) => p.sign) ? await signingKey() : undefined;
  if (k) {
    const imp = await rpmOnRoot(root, ['--import', k.asc]);
    if (imp.code !== 0) throw new Error(`rpm --import: ${imp.stderr}`);
  }
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  chmodSync(join(root, 'etc/shadow'), variant === 'hardened' ? 0o000 : 0o644);
  chmodSync(join(root, 'etc/passwd'), variant === 'hardened' ? 0o644 : 0o666);
  mkdirSync(join(root, 'tmp'), { recursive: true });
  chmodSync(join(root, 'tmp'), variant === 'hardened' ? 0o1777 : 0o777);
  // oscap's rpm probes read rpm's rpmrc inside the root (a real RHEL root has it from the rpm package)
  mkdirSync(join(root, 'usr/lib/rpm'), { recursive: true });
  copyFileSync('/usr/lib/rpm/rpmrc', join(root, 'usr/lib/rpm/rpmrc'));
  if (opts.tampered) tamperRoot(root);
  return { root, packages };
}

/** What tamperRoot changed, by path. */
export const TAMPERED: Readonly<Record<string, string>> = {
  '/usr/sbin/sshd': 'content (digest and size)',
  '/usr/bin/tmux': 'mode 0755 -> 0775',
  '/usr/sbin/chronyd': 'owner root -> chrony',
  '/usr/bin/dig': 'group root -> wheel',
  '/usr/sbin/rsyslogd': 'missing',
  '/usr/bin/tar': 'mtime',
  '/usr/lib64/libaudit.so.1': 'link target',
  '/usr/sbin/auditctl': 'same size, other content',
  '/dev/vigil-null': 'device 1,3 -> 1,5 (when the root has DEVICE_PACKAGES)',
  '/dev/vigil-loop': 'block device -> regular file (when the root has DEVICE_PACKAGES)',
};

/**
 * Packages holding device files (%dev), one each: rpmbuild gives its
 * virtual files one inode, and rpm 4.18 then fails to install two of them
 * from one package as a hard-link set.
 */
export const DEVICE_PACKAGES: readonly RpmPackageSpec[] = [
  { name: 'vigil-null-device', version: '1.0', release: '1.el9', arch: 'noarch', files: [{ path: '/dev/vigil-null', kind: 'chr', rdev: [1, 3], mode: 0o666 }] },
  { name: 'vigil-loop-device', version: '1.0', release: '1.el9', arch: 'noarch', files: [{ path: '/dev/vigil-loop', kind: 'blk', rdev: [7, 200], mode: 0o660 }] },
];

/** Changes packaged files behind the database's back: a digest, a mode, an owner, a group, a missing file, an mtime, a link. */
export function tamperRoot(root: string): void {
  const p = (x: string): string => join(root, x);
  writeFileSync(p('/usr/sbin/sshd'), '#!/bin/sh\n# sshd, replaced\n');
  chmodSync(p('/usr/bin/tmux'), 0o775);
  chownSync(p('/usr/sbin/chronyd'), 992, 0);
  chownSync(p('/usr/bin/dig'), 0, 10);
  rmSync(p('/usr/sbin/rsyslogd'));
  const t = new Date(Date.UTC(2025, 5, 1));
  utimesSync(p('/usr/bin/tar'), t, t);
  rmSync(p('/usr/lib64/libaudit.so.1'));
  symlinkSync('libaudit.so.1.0.9', p('/usr/lib64/libaudit.so.1'));
  const a = readFileSync(p('/usr/sbin/auditctl'));
  a[0] = a[0]! ^ 1;
  const st = existsSync(p('/usr/sbin/auditctl'));
  if (st) writeFileSync(p('/usr/sbin/auditctl'), a);
  // devices (DEVICE_PACKAGES): another minor number; a regular file in place of a block device
  if (existsSync(p('/dev/vigil-null'))) {
    rmSync(p('/dev/vigil-null'));
    execFileSync('mknod', ['-m', '0666', p('/dev/vigil-null'), 'c', '1', '5']);
  }
  if (existsSync(p('/dev/vigil-loop'))) {
    rmSync(p('/dev/vigil-loop'));
    writeFileSync(p('/dev/vigil-loop'), '');
    chmodSync(p('/dev/vigil-loop'), 0o660);
  }
}

/**
 * Turns a root's sqlite database into a Berkeley DB one (RHEL 7 and 8's
 * /var/lib/rpm/Packages), with the same header blobs under the same
 * instance numbers, and removes the sqlite files. oscap then reads it with
 * `%_db_backend bdb_ro` (oscapOnRpmRoot's backend option).
 */
export function convertRootToBdb(root: string): number {
  const dir = join(root, 'var/lib/rpm');
  const db = new Database(join(dir, 'rpmdb.sqlite'), { readonly: true });
  const blobs = (db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as Array<{ hnum: number; blob: Buffer }>).map((r) => ({ instance: r.hnum, blob: r.blob }));
  // rpm's index databases (Name, Basenames, Providename, Requirename, Conflictname...) exactly as rpm filled the sqlite ones:
  // rpm looks names, paths and dependencies up in them (a real RHEL 8 database has them all)
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('Packages', 'sqlite_sequence') AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>).map((r) => r.name);
  const indexes: Record<string, Array<[string, Array<[number, number]>]>> = {};
  for (const table of tables) {
    const m = new Map<string, Array<[number, number]>>();
    for (const r of db.prepare(`SELECT key, hnum, idx FROM '${table}' ORDER BY rowid`).all() as Array<{ key: string | Buffer; hnum: number; idx: number }>) {
      const key = (Buffer.isBuffer(r.key) ? r.key : Buffer.from(r.key, 'utf8')).toString('hex');
      const at = m.get(key) ?? [];
      at.push([r.hnum, r.idx]);
      m.set(key, at);
    }
    indexes[table] = [...m];
  }
  db.close();
  writeBdbPackages(join(dir, 'Packages'), blobs);
  const req = { dir, indexes };
  execFileSync('/usr/bin/python3', ['-c', BDB_INDEX_WRITER], { input: JSON.stringify(req), stdio: ['pipe', 'ignore', 'pipe'] });
  for (const f of ['rpmdb.sqlite', 'rpmdb.sqlite-wal', 'rpmdb.sqlite-shm']) rmSync(join(dir, f), { force: true });
  return blobs.length;
}

/**
 * Takes a root's sqlite rpm database out of WAL mode (checkpointed, then
 * journal_mode=DELETE; no -wal or -shm left), for tests that run several
 * oscap processes on one root at once. Seen once in 35 profiles: oscap's
 * rpminfo reported no packages at all (package_sudo_installed fail, every
 * sshd rule pass). Likely: an rpm opening a WAL database nobody has open
 * rebuilds the -shm index under an exclusive lock, a second rpm doing the
 * same fails to open the database, and oscap's probe takes that for an
 * empty one. Databases in rollback-journal mode have no such step. Vigil
 * reads both modes.
 */
export function settleRpmDatabase(root: string): void {
  const file = join(root, 'var/lib/rpm/rpmdb.sqlite');
  if (!existsSync(file)) return;
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/** rpm's index databases (Berkeley DB hash: key (hex here) → (instance, tag index) pairs, native byte order), through python3-bsddb3. */
const BDB_INDEX_WRITER = `
import sys, json, struct, os
from bsddb3 import db
req = json.load(sys.stdin)
for name, entries in req['indexes'].items():
    d = db.DB()
    d.set_pagesize(4096)
    d.set_lorder(1234)
    d.open(os.path.join(req['dir'], name), dbtype=db.DB_HASH, flags=db.DB_CREATE)
    for key, items in entries:
        d.put(bytes.fromhex(key), b''.join(struct.pack('<II', h, i) for h, i in items))
    d.close()
`;

export { bdbWriterAvailable };

// ---------------------------------------------------------------- oscap on an rpm root

/**
 * `OSCAP_PROBE_ROOT=<root> oscap <args>` in a private mount namespace whose
 * /etc has an overlay with `%_dbpath /var/lib/rpm` in /etc/rpm/macros (the
 * host's /etc is unchanged). `work` holds the overlay's directories.
 */
export async function oscapOnRpmRoot(
  args: readonly string[],
  root: string,
  work: string,
  opts: { note?: (s: string) => void; env?: NodeJS.ProcessEnv; backend?: 'sqlite' | 'bdb_ro' } = {},
): Promise<Run> {
  const up = join(work, 'etc-up');
  const wk = join(work, 'etc-wk');
  mkdirSync(join(up, 'rpm'), { recursive: true });
  mkdirSync(wk, { recursive: true });
  writeFileSync(join(up, 'rpm', 'macros'), `%_dbpath /var/lib/rpm\n${opts.backend === 'bdb_ro' ? '%_db_backend bdb_ro\n' : ''}`);
  const script = `mount -t overlay overlay -o "lowerdir=/etc,upperdir=${up},workdir=${wk}" /etc && exec "$@"`;
  for (let attempt = 1; ; attempt++) {
    const r = await run('unshare', ['-m', 'sh', '-c', script, 'sh', 'env', `OSCAP_PROBE_ROOT=${root}`, 'oscap', ...args], {
      env: opts.env ?? process.env,
      timeoutMs: Number(process.env['VIGIL_ORACLE_TIMEOUT_MS'] ?? 120_000),
    });
    if (!r.timedOut || attempt >= 3) return r;
    opts.note?.(`oscap ${args.join(' ')} timed out (attempt ${attempt}); retried`);
  }
}

/** Whether this machine can run oscap on rpm roots: rpmbuild, rpm, unshare and overlayfs as root. */
export async function rpmOracleMissing(): Promise<string | undefined> {
  for (const [cmd, arg] of [['rpmbuild', '--version'], ['rpm', '--version'], ['unshare', '--version']] as const) {
    const r = await run(cmd, [arg], { timeoutMs: 30_000 }).catch(() => undefined);
    if (!r || r.code !== 0) return `the ${cmd} command`;
  }
  if (!existsSync('/usr/lib/rpm/rpmrc')) return '/usr/lib/rpm/rpmrc (Debian package rpm)';
  if (process.getuid?.() !== 0) return 'root (oscap runs in a private mount namespace with an overlay on /etc)';
  return undefined;
}

/**
 * oscap run as on a live host (no OSCAP_PROBE_ROOT) whose rpm database is
 * `dbdir` (a synthetic root's): `%_dbpath` names it in an overlay on /etc
 * in a private mount namespace. Only for what reads the database alone
 * (rpmverifypackage's dependency check): any other probe would look at
 * this host. %verifyscript scriptlets of the database's packages run on
 * this host, as `rpm -V` would run them: the tests' own are `exit N`.
 */
export async function oscapOnRpmDatabase(args: readonly string[], dbdir: string, work: string, opts: { backend?: 'sqlite' | 'bdb_ro' } = {}): Promise<Run> {
  const up = join(work, 'live-etc-up');
  const wk = join(work, 'live-etc-wk');
  mkdirSync(join(up, 'rpm'), { recursive: true });
  mkdirSync(wk, { recursive: true });
  writeFileSync(join(up, 'rpm', 'macros'), `%_dbpath ${dbdir}\n${opts.backend === 'bdb_ro' ? '%_db_backend bdb_ro\n' : ''}`);
  const script = `mount -t overlay overlay -o "lowerdir=/etc,upperdir=${up},workdir=${wk}" /etc && exec "$@"`;
  const env = { ...process.env };
  delete env['OSCAP_PROBE_ROOT'];
  return run('unshare', ['-m', 'sh', '-c', script, 'sh', 'oscap', ...args], { env, timeoutMs: Number(process.env['VIGIL_ORACLE_TIMEOUT_MS'] ?? 120_000) });
}

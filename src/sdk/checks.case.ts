/**
 * Cases for every building block: a check, targets on which it must pass
 * and targets on which it must fail. app/rule-testing.test.ts evaluates them against
 * mock targets; src/conformance/sdk-blocks.test.ts writes the offline ones
 * to disk and has oscap evaluate them too.
 */
import { value } from './author.js';
import {
  all,
  any,
  endsWith,
  fileAbsent,
  fileExists,
  fileMetadata,
  inDir,
  lineMatches,
  noFiles,
  noLineMatches,
  none,
  packageInstalled,
  packageRemoved,
  setting,
  sysctl,
  unitActive,
  unitEnabled,
  unitProperty,
} from './checks.js';
import type { MockTargetSpec } from './mock-target.js';
import type { Check } from './model.js';
import type { EvaluateOptions } from './testing.js';

export interface BlockCase {
  readonly name: string;
  readonly target: MockTargetSpec;
  readonly expect: 'pass' | 'fail' | 'unknown';
  readonly values?: EvaluateOptions['values'];
}

export interface BlockTable {
  /** The building block (as exported by the SDK) and what the table is about. */
  readonly block: string;
  readonly title: string;
  readonly check: Check;
  readonly cases: readonly BlockCase[];
}

const SSHD = ['/etc/ssh/sshd_config', inDir('/etc/ssh/sshd_config.d', endsWith('.conf'))];
const defs = (v: string): MockTargetSpec => ({ files: { '/etc/login.defs': `PASS_MAX_DAYS\t${v}\n` } });
const sysctlConf = (text: string): Record<string, string> => ({ '/etc/sysctl.d/99-test.conf': text });
const maxTries = value({ id: 'max_tries', title: 'Max tries', default: 4, options: { strict: 3 } });
const fileA = fileExists('/a');
const fileB = fileExists('/b');

export const BLOCK_TABLES: readonly BlockTable[] = [
  {
    block: 'lineMatches',
    title: 'a line pattern is present',
    check: lineMatches('/etc/issue', '^Authorized uses only'),
    cases: [
      { name: 'passes when a line matches', target: { files: { '/etc/issue': 'Debian\nAuthorized uses only.\n' } }, expect: 'pass' },
      { name: 'fails when no line matches', target: { files: { '/etc/issue': 'Debian GNU/Linux 12\n' } }, expect: 'fail' },
      { name: 'fails when the file is missing', target: { files: {} }, expect: 'fail' },
    ],
  },
  {
    block: 'lineMatches',
    title: 'over a directory of files',
    check: lineMatches(inDir('/etc/security/limits.d', endsWith('.conf')), /^\*\s+hard\s+core\s+0$/),
    cases: [
      { name: 'passes when any matching file has the line', target: { files: { '/etc/security/limits.d/a.conf': '# none\n', '/etc/security/limits.d/b.conf': '*  hard  core  0\n' } }, expect: 'pass' },
      { name: 'ignores files whose names do not match', target: { files: { '/etc/security/limits.d/b.conf.disabled': '*  hard  core  0\n' } }, expect: 'fail' },
    ],
  },
  {
    block: 'lineMatches',
    title: 'a case-insensitive RegExp',
    check: lineMatches('/etc/motd', /^warning/i),
    cases: [{ name: 'matches whatever the case', target: { files: { '/etc/motd': 'WARNING: monitored\n' } }, expect: 'pass' }],
  },
  {
    block: 'noLineMatches',
    title: 'a line pattern is absent',
    check: noLineMatches(['/etc/passwd', '/etc/group'], '^\\+'),
    cases: [
      { name: 'passes when no line matches', target: { files: { '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n', '/etc/group': 'root:x:0:\n' } }, expect: 'pass' },
      { name: 'fails when a line of any file matches', target: { files: { '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n', '/etc/group': '+::::\n' } }, expect: 'fail' },
      { name: 'passes when the files are missing', target: { files: {} }, expect: 'pass' },
    ],
  },
  {
    block: 'setting',
    title: 'space-separated, key case ignored, every occurrence, across a drop-in directory',
    check: setting(SSHD, 'PermitRootLogin', { equalsIgnoringCase: 'no' }, { ignoreKeyCase: true }),
    cases: [
      { name: 'passes when set as required', target: { files: { '/etc/ssh/sshd_config': 'PermitRootLogin no\n' } }, expect: 'pass' },
      { name: 'passes whatever the case of key and value', target: { files: { '/etc/ssh/sshd_config': 'permitrootlogin No  # comment\n' } }, expect: 'pass' },
      { name: 'fails when set otherwise', target: { files: { '/etc/ssh/sshd_config': 'PermitRootLogin yes\n' } }, expect: 'fail' },
      { name: 'fails when only commented out', target: { files: { '/etc/ssh/sshd_config': '#PermitRootLogin no\n' } }, expect: 'fail' },
      { name: 'fails when a drop-in contradicts it', target: { files: { '/etc/ssh/sshd_config': 'PermitRootLogin no\n', '/etc/ssh/sshd_config.d/10-x.conf': 'PermitRootLogin yes\n' } }, expect: 'fail' },
      { name: 'passes when set in a drop-in only', target: { files: { '/etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\n', '/etc/ssh/sshd_config.d/10-x.conf': 'PermitRootLogin no\n' } }, expect: 'pass' },
      { name: 'does not take a longer key for the key', target: { files: { '/etc/ssh/sshd_config': 'PermitRootLoginExtra no\n' } }, expect: 'fail' },
    ],
  },
  {
    block: 'setting',
    title: 'a default that complies (whenMissing: pass)',
    check: setting(SSHD, 'X11Forwarding', { equalsIgnoringCase: 'no' }, { ignoreKeyCase: true, whenMissing: 'pass' }),
    cases: [
      { name: 'passes when unset', target: { files: { '/etc/ssh/sshd_config': '#X11Forwarding yes\n' } }, expect: 'pass' },
      { name: 'fails when set otherwise', target: { files: { '/etc/ssh/sshd_config': 'X11Forwarding yes\n' } }, expect: 'fail' },
    ],
  },
  {
    block: 'setting',
    title: 'the first occurrence only',
    check: setting('/etc/ssh/sshd_config', 'MaxAuthTries', { atMost: 4 }, { occurrences: 'first' }),
    cases: [
      { name: 'passes when the first occurrence complies', target: { files: { '/etc/ssh/sshd_config': 'MaxAuthTries 3\nMaxAuthTries 10\n' } }, expect: 'pass' },
      { name: 'fails when the first occurrence does not', target: { files: { '/etc/ssh/sshd_config': 'MaxAuthTries 10\nMaxAuthTries 3\n' } }, expect: 'fail' },
    ],
  },
  {
    block: 'setting',
    title: 'every occurrence (the default)',
    check: setting('/etc/ssh/sshd_config', 'MaxAuthTries', { atMost: 4 }),
    cases: [{ name: 'fails when a later occurrence does not comply', target: { files: { '/etc/ssh/sshd_config': 'MaxAuthTries 3\nMaxAuthTries 10\n' } }, expect: 'fail' }],
  },
  {
    block: 'setting',
    title: 'key = value, numbers, key case kept',
    check: setting('/etc/systemd/coredump.conf', 'ProcessSizeMax', { equals: 0 }, { separator: 'equals' }),
    cases: [
      { name: 'passes with blanks around "="', target: { files: { '/etc/systemd/coredump.conf': '[Coredump]\nProcessSizeMax = 0\n' } }, expect: 'pass' },
      { name: 'passes without blanks', target: { files: { '/etc/systemd/coredump.conf': '[Coredump]\nProcessSizeMax=0\n' } }, expect: 'pass' },
      { name: 'fails on another number', target: { files: { '/etc/systemd/coredump.conf': 'ProcessSizeMax=2\n' } }, expect: 'fail' },
      { name: 'does not match the key in another case', target: { files: { '/etc/systemd/coredump.conf': 'processsizemax=0\n' } }, expect: 'fail' },
    ],
  },
  {
    block: 'setting',
    title: 'atLeast',
    check: setting('/etc/login.defs', 'PASS_MAX_DAYS', { atLeast: 7 }),
    cases: [
      { name: 'passes at the bound', target: defs('7'), expect: 'pass' },
      { name: 'fails below it', target: defs('6'), expect: 'fail' },
    ],
  },
  {
    block: 'setting',
    title: 'notEquals',
    check: setting('/etc/login.defs', 'PASS_MAX_DAYS', { notEquals: 99999 }),
    cases: [
      { name: 'passes on another value', target: defs('90'), expect: 'pass' },
      { name: 'fails on the value', target: defs('99999'), expect: 'fail' },
    ],
  },
  {
    block: 'setting',
    title: 'greaterThan and lessThan together',
    check: all(setting('/etc/login.defs', 'PASS_MAX_DAYS', { greaterThan: 0 }), setting('/etc/login.defs', 'PASS_MAX_DAYS', { lessThan: 366 })),
    cases: [
      { name: 'passes inside the range', target: defs('365'), expect: 'pass' },
      { name: 'fails at the open bound', target: defs('366'), expect: 'fail' },
    ],
  },
  {
    block: 'setting',
    title: 'matches',
    check: setting('/etc/login.defs', 'ENCRYPT_METHOD', { matches: '^(SHA512|YESCRYPT)$' }),
    cases: [
      { name: 'passes on a matching value', target: { files: { '/etc/login.defs': 'ENCRYPT_METHOD YESCRYPT\n' } }, expect: 'pass' },
      { name: 'fails on another', target: { files: { '/etc/login.defs': 'ENCRYPT_METHOD MD5\n' } }, expect: 'fail' },
    ],
  },
  {
    block: 'setting',
    title: 'wired to an XCCDF value',
    check: setting('/etc/ssh/sshd_config', 'MaxAuthTries', { atMost: maxTries }),
    cases: [
      { name: 'passes with the default value', target: { files: { '/etc/ssh/sshd_config': 'MaxAuthTries 4\n' } }, expect: 'pass' },
      { name: 'fails with the option a profile selects', target: { files: { '/etc/ssh/sshd_config': 'MaxAuthTries 4\n' } }, expect: 'fail', values: [[maxTries, 'strict']] },
      { name: 'follows a literal a profile sets', target: { files: { '/etc/ssh/sshd_config': 'MaxAuthTries 5\n' } }, expect: 'pass', values: [[maxTries, { literal: 5 }]] },
    ],
  },
  {
    block: 'fileExists',
    title: 'one of the files exists',
    check: fileExists(['/usr/sbin/cron', '/usr/sbin/crond']),
    cases: [
      { name: 'passes when one of the files exists', target: { files: { '/usr/sbin/crond': 'x' } }, expect: 'pass' },
      { name: 'passes for a symbolic link, even a dangling one', target: { files: { '/usr/sbin/cron': { symlink: 'cron.real' } } }, expect: 'pass' },
      { name: 'fails when none exists', target: { files: {} }, expect: 'fail' },
    ],
  },
  {
    block: 'fileAbsent',
    title: 'a file does not exist',
    check: fileAbsent('/etc/hosts.equiv'),
    cases: [
      { name: 'passes when the file is missing', target: { files: {} }, expect: 'pass' },
      { name: 'fails when it exists', target: { files: { '/etc/hosts.equiv': '+\n' } }, expect: 'fail' },
    ],
  },
  {
    block: 'fileMetadata',
    title: 'one file, alternative groups',
    check: fileMetadata('/etc/shadow', { uid: 0, gid: [0, 42], mode: 0o640 }),
    cases: [
      { name: 'passes when owner, group and mode comply', target: { files: { '/etc/shadow': { content: '', mode: 0o640, gid: 42 } } }, expect: 'pass' },
      { name: 'passes with a stricter mode and the other group', target: { files: { '/etc/shadow': { content: '', mode: 0o000 } } }, expect: 'pass' },
      { name: 'fails when others may read', target: { files: { '/etc/shadow': { content: '', mode: 0o644 } } }, expect: 'fail' },
      { name: 'fails on a setuid bit', target: { files: { '/etc/shadow': { content: '', mode: 0o4640 } } }, expect: 'fail' },
      { name: 'fails on another owner', target: { files: { '/etc/shadow': { content: '', mode: 0o640, uid: 1000 } } }, expect: 'fail' },
      { name: 'fails on a group not allowed', target: { files: { '/etc/shadow': { content: '', mode: 0o640, gid: 1000 } } }, expect: 'fail' },
      { name: 'passes when the file is missing', target: { files: {} }, expect: 'pass' },
      { name: 'skips a symbolic link', target: { files: { '/etc/shadow': { symlink: 'shadow.real' }, '/etc/shadow.real': { content: '', mode: 0o666 } } }, expect: 'pass' },
    ],
  },
  {
    block: 'fileMetadata',
    title: 'whenMissing: fail',
    check: fileMetadata('/etc/crontab', { uid: 0, mode: 0o600 }, { whenMissing: 'fail' }),
    cases: [
      { name: 'fails when the file is missing', target: { files: {} }, expect: 'fail' },
      { name: 'passes when it exists and complies', target: { files: { '/etc/crontab': { content: '', mode: 0o600 } } }, expect: 'pass' },
    ],
  },
  {
    block: 'fileMetadata',
    title: 'a directory itself',
    check: fileMetadata(inDir('/etc/cron.d', null), { uid: 0, gid: 0, mode: 0o700 }),
    cases: [
      { name: 'passes on a 0700 directory', target: { files: { '/etc/cron.d': { dir: true, mode: 0o700 } } }, expect: 'pass' },
      { name: 'fails on a 0755 directory', target: { files: { '/etc/cron.d': { dir: true, mode: 0o755 } } }, expect: 'fail' },
      { name: 'does not look at the files inside', target: { files: { '/etc/cron.d': { dir: true, mode: 0o700 }, '/etc/cron.d/job': { content: '', mode: 0o777 } } }, expect: 'pass' },
    ],
  },
  {
    block: 'fileMetadata',
    title: 'a tree, recursively',
    check: fileMetadata(inDir('/etc/app', '^.*$', { recursive: 'all' }), { mode: 0o644 }),
    cases: [
      { name: 'passes when every file complies', target: { files: { '/etc/app/a.conf': '', '/etc/app/sub/b.conf': '' } }, expect: 'pass' },
      { name: 'fails on a deep file out of line', target: { files: { '/etc/app/a.conf': '', '/etc/app/sub/deeper/b.conf': { content: '', mode: 0o664 } } }, expect: 'fail' },
    ],
  },
  {
    block: 'noFiles',
    title: 'no world-writable directory without the sticky bit',
    check: noFiles(inDir('/', null, { recursive: 'local' }), { bits: { owrite: true, sticky: false } }),
    cases: [
      { name: 'passes when every world-writable directory is sticky', target: { files: { '/tmp': { dir: true, mode: 0o1777 }, '/var/tmp': { dir: true, mode: 0o1777 } } }, expect: 'pass' },
      { name: 'fails on a deep world-writable directory without it', target: { files: { '/tmp': { dir: true, mode: 0o1777 }, '/srv/a/b/share': { dir: true, mode: 0o777 } } }, expect: 'fail' },
      { name: 'ignores world-writable files', target: { files: { '/srv/file': { content: '', mode: 0o666 } } }, expect: 'pass' },
    ],
  },
  {
    block: 'packageInstalled',
    title: 'a package is installed',
    check: packageInstalled('openssh-server'),
    cases: [
      { name: 'passes when dpkg lists it', target: { packages: { 'openssh-server': '1:9.2p1-2' } }, expect: 'pass' },
      { name: 'fails when dpkg does not', target: { packages: ['cron'] }, expect: 'fail' },
      { name: 'fails on a system without a package database', target: { files: {} }, expect: 'fail' },
    ],
  },
  {
    block: 'packageRemoved',
    title: 'a package is not installed',
    check: packageRemoved('telnetd'),
    cases: [
      { name: 'passes when dpkg does not list it', target: { packages: ['cron'] }, expect: 'pass' },
      { name: 'fails when dpkg lists it', target: { packages: ['telnetd', 'cron'] }, expect: 'fail' },
      { name: 'passes on a system without a package database', target: { files: {} }, expect: 'pass' },
    ],
  },
  {
    block: 'packageRemoved',
    title: 'through dpkg only',
    check: packageRemoved('telnetd', { manager: 'dpkg' }),
    cases: [
      { name: 'fails when dpkg lists it', target: { packages: ['telnetd'] }, expect: 'fail' },
      { name: 'passes when it does not', target: { packages: [] }, expect: 'pass' },
    ],
  },
  {
    block: 'sysctl',
    title: 'configured and in force',
    check: sysctl('net.ipv4.ip_forward', 0),
    cases: [
      { name: 'passes when configured and running with the value', target: { files: sysctlConf('net.ipv4.ip_forward = 0\n'), sysctl: { 'net.ipv4.ip_forward': 0 } }, expect: 'pass' },
      { name: 'fails when the running kernel has another value', target: { files: sysctlConf('net.ipv4.ip_forward = 0\n'), sysctl: { 'net.ipv4.ip_forward': 1 } }, expect: 'fail' },
      { name: 'fails when not configured, whatever the running value', target: { sysctl: { 'net.ipv4.ip_forward': 0 } }, expect: 'fail' },
      {
        name: 'fails when another file configures another value',
        target: { files: { ...sysctlConf('net.ipv4.ip_forward = 0\n'), '/usr/lib/sysctl.d/50-x.conf': 'net.ipv4.ip_forward=1\n' }, sysctl: { 'net.ipv4.ip_forward': 0 } },
        expect: 'fail',
      },
      { name: 'reads /etc/sysctl.conf and "-" prefixed settings', target: { files: { '/etc/sysctl.conf': '-net.ipv4.ip_forward=0\n' } }, expect: 'pass' },
      { name: 'passes on the configuration alone where no running kernel is offered (offline)', target: { files: sysctlConf('net.ipv4.ip_forward = 0\n') }, expect: 'pass' },
      { name: 'does not read other keys with the name as prefix', target: { files: sysctlConf('net.ipv4.ip_forward_update_priority = 0\n') }, expect: 'fail' },
    ],
  },
  {
    block: 'sysctl',
    title: 'the running kernel only',
    check: sysctl('kernel.randomize_va_space', 2, { persistent: false }),
    cases: [
      { name: 'passes on the running value', target: { sysctl: { 'kernel.randomize_va_space': 2 } }, expect: 'pass' },
      { name: 'fails on another running value', target: { sysctl: { 'kernel.randomize_va_space': 1 } }, expect: 'fail' },
    ],
  },
  {
    block: 'unitActive',
    title: 'a systemd unit is active',
    check: unitActive('cron.service'),
    cases: [
      { name: 'passes when the unit is active', target: { units: { 'cron.service': { ActiveState: 'active' } } }, expect: 'pass' },
      { name: 'fails when it is inactive', target: { units: { 'cron.service': { ActiveState: 'inactive', SubState: 'dead' } } }, expect: 'fail' },
      { name: 'fails when it is not loaded', target: { units: { 'ssh.service': {} } }, expect: 'fail' },
      { name: 'is unknown on a target without a service manager', target: { files: {} }, expect: 'unknown' },
    ],
  },
  {
    block: 'unitProperty',
    title: 'unit properties (unitEnabled with LoadState)',
    check: all(unitEnabled('ssh.service'), unitProperty('ssh.service', 'LoadState', 'loaded')),
    cases: [
      { name: 'passes when enabled and loaded', target: { units: { 'ssh.service': { UnitFileState: 'enabled' } } }, expect: 'pass' },
      { name: 'fails when disabled', target: { units: { 'ssh.service': { UnitFileState: 'disabled' } } }, expect: 'fail' },
    ],
  },
  {
    block: 'all',
    title: 'every check passes',
    check: all(fileA, fileB),
    cases: [
      { name: 'passes when every check passes', target: { files: { '/a': '', '/b': '' } }, expect: 'pass' },
      { name: 'fails when one fails', target: { files: { '/a': '' } }, expect: 'fail' },
    ],
  },
  {
    block: 'any',
    title: 'one check passes',
    check: any(fileA, fileB),
    cases: [
      { name: 'passes when one passes', target: { files: { '/a': '' } }, expect: 'pass' },
      { name: 'fails when none passes', target: { files: {} }, expect: 'fail' },
    ],
  },
  {
    block: 'none',
    title: 'no check passes',
    check: none(fileA, fileB),
    cases: [
      { name: 'passes when no check passes', target: { files: {} }, expect: 'pass' },
      { name: 'fails when one passes', target: { files: { '/a': '' } }, expect: 'fail' },
    ],
  },
  {
    block: 'all',
    title: 'nested combinations',
    check: all(any(fileA, fileB), none(fileExists('/c'))),
    cases: [
      { name: 'passes when the tree holds', target: { files: { '/a': '' } }, expect: 'pass' },
      { name: 'fails when a nested part does not', target: { files: { '/a': '', '/c': '' } }, expect: 'fail' },
    ],
  },
];

/** Whether a case's target is files and packages only, so that an offline root can hold it. */
export function offlineCase(c: BlockCase): boolean {
  return c.target.sysctl === undefined && c.target.units === undefined;
}

/**
 * SSH daemon hardening. sshd reads /etc/ssh/sshd_config and, through its
 * Include, /etc/ssh/sshd_config.d/*.conf; it takes the first value it meets
 * for a keyword. The checks read both places and require every setting of a
 * keyword to comply, so no file can undo another. A keyword left unset
 * passes only where OpenSSH's own default is compliant.
 */
import { all, described, endsWith, fileMetadata, group, inDir, ref, rule, setting, type Expect, type Reference, type Rule, type Severity, type Value } from '../sdk/index.js';
import { configFix, permissionsFix } from './fixes.js';
import { sshServer } from './platforms.js';
import { sshdIdleTimeout, sshdMaxAuthTries } from './values.js';

const SSHD_CONFIG = '/etc/ssh/sshd_config';
const SSHD_FILES = [SSHD_CONFIG, inDir('/etc/ssh/sshd_config.d', endsWith('.conf'))];

const refs = (cis: readonly string[], nist: readonly string[]): Reference[] => [...cis.map(ref.cisUbuntu2204), ...nist.map(ref.nist80053)];

interface SshdSetting {
  readonly id: string;
  readonly title: string;
  readonly key: string;
  readonly expect: Expect;
  /** What the fix writes. */
  readonly fixValue: string | number | Value;
  /** OpenSSH's default complies, so an unset keyword passes. */
  readonly defaultComplies: boolean;
  readonly severity?: Severity;
  readonly description: string;
  readonly rationale: string;
  readonly cis?: readonly string[];
  readonly nist?: readonly string[];
}

function sshdSetting(s: SshdSetting): Rule {
  return rule({
    id: s.id,
    title: s.title,
    description: s.description,
    rationale: s.rationale,
    severity: s.severity ?? 'medium',
    check: setting(SSHD_FILES, s.key, s.expect, { ignoreKeyCase: true, whenMissing: s.defaultComplies ? 'pass' : 'fail' }),
    fix: configFix({
      file: SSHD_CONFIG,
      dropIns: '/etc/ssh/sshd_config.d',
      key: s.key,
      separator: 'space',
      value: s.fixValue,
      ignoreKeyCase: true,
      before: '(?i)^\\s*Match\\s',
      validate: '/usr/sbin/sshd -t -f %s',
      mode: '0600',
    }),
    references: refs(s.cis ?? [], s.nist ?? []),
  });
}

const no = { equalsIgnoringCase: 'no' } as const;
const yes = { equalsIgnoringCase: 'yes' } as const;

export const sshRules: Rule[] = [
  sshdSetting({
    id: 'sshd_disable_root_login',
    title: 'Disable SSH root login',
    key: 'PermitRootLogin',
    expect: no,
    fixValue: 'no',
    defaultComplies: false,
    description: 'Set `PermitRootLogin no` in `/etc/ssh/sshd_config`, so that root cannot log in over SSH with any method.',
    rationale: 'Logging in as an unprivileged user first, then escalating, leaves an audit trail of who acted as root and denies attackers a well-known account name to guess against.',
    cis: ['5.2.9'],
    nist: ['AC-6(2)', 'AC-17(a)', 'IA-2', 'IA-2(5)', 'CM-7(a)', 'CM-7(b)', 'CM-6(a)'],
  }),
  sshdSetting({
    id: 'sshd_disable_empty_passwords',
    title: 'Disallow SSH login with empty passwords',
    key: 'PermitEmptyPasswords',
    expect: no,
    fixValue: 'no',
    defaultComplies: true,
    severity: 'high',
    description: 'sshd must not accept accounts whose password is empty: `PermitEmptyPasswords` must be `no` (the default) wherever it is set.',
    rationale: 'An account without a password is open to anyone who can reach the SSH port.',
    cis: ['5.2.10'],
    nist: ['AC-17(a)', 'CM-7(a)', 'CM-7(b)', 'CM-6(a)'],
  }),
  sshdSetting({
    id: 'sshd_disable_x11_forwarding',
    title: 'Disable SSH X11 forwarding',
    key: 'X11Forwarding',
    expect: no,
    fixValue: 'no',
    defaultComplies: true,
    description: '`X11Forwarding` must be `no` (OpenSSH\'s default; several distributions turn it on in their shipped `sshd_config`).',
    rationale: 'X11 forwarding exposes the client\'s display to the server side; a compromised server can then read keystrokes and screen contents of the connecting user.',
    cis: ['5.2.5'],
    nist: ['CM-6(b)'],
  }),
  sshdSetting({
    id: 'sshd_set_max_auth_tries',
    title: 'Limit SSH authentication attempts',
    key: 'MaxAuthTries',
    expect: { atMost: sshdMaxAuthTries },
    fixValue: sshdMaxAuthTries,
    defaultComplies: false,
    description: '`MaxAuthTries` must be set, and no higher than the value of `sshd_max_auth_tries` (4 by default; OpenSSH allows 6).',
    rationale: 'Few attempts per connection slow down password guessing and make it visible in the logs.',
    cis: ['5.2.6'],
  }),
  sshdSetting({
    id: 'sshd_disable_rhosts',
    title: 'Ignore .rhosts files in SSH',
    key: 'IgnoreRhosts',
    expect: yes,
    fixValue: 'yes',
    defaultComplies: true,
    description: '`IgnoreRhosts` must be `yes` (the default) wherever it is set, so that `.rhosts` and `.shosts` files grant nothing.',
    rationale: 'Host-based trust files let any user extend access to their account to other hosts without authentication.',
    cis: ['5.2.7'],
    nist: ['AC-17(a)', 'CM-7(a)', 'CM-7(b)', 'CM-6(a)'],
  }),
  sshdSetting({
    id: 'sshd_disable_host_based_auth',
    title: 'Disable SSH host-based authentication',
    key: 'HostbasedAuthentication',
    expect: no,
    fixValue: 'no',
    defaultComplies: true,
    description: '`HostbasedAuthentication` must be `no` (the default) wherever it is set.',
    rationale: 'Host-based authentication trusts the client host rather than the user; one compromised host then opens every account that trusts it.',
    cis: ['5.2.8'],
    nist: ['AC-3', 'AC-17(a)', 'CM-7(a)', 'CM-7(b)', 'CM-6(a)'],
  }),
  sshdSetting({
    id: 'sshd_do_not_permit_user_env',
    title: 'Do not let SSH users set environment options',
    key: 'PermitUserEnvironment',
    expect: no,
    fixValue: 'no',
    defaultComplies: true,
    description: '`PermitUserEnvironment` must be `no` (the default) wherever it is set.',
    rationale: 'User-supplied environment variables such as `LD_PRELOAD` can be used to bypass restrictions placed on an account, such as a forced command.',
    cis: ['5.2.11'],
    nist: ['AC-17(a)', 'CM-7(a)', 'CM-7(b)', 'CM-6(a)'],
  }),
  sshdSetting({
    id: 'sshd_set_loglevel',
    title: 'Log SSH activity at INFO or VERBOSE',
    key: 'LogLevel',
    expect: { matches: /^(INFO|VERBOSE)$/i },
    fixValue: 'VERBOSE',
    defaultComplies: true,
    description: '`LogLevel` must be `INFO` (the default) or `VERBOSE` wherever it is set.',
    rationale: 'Lower levels drop the login records that incident response depends on; `VERBOSE` also records the key fingerprint used for each login.',
    cis: ['5.2.4'],
    nist: ['AC-17(a)', 'CM-6(a)'],
  }),
  sshdSetting({
    id: 'sshd_set_login_grace_time',
    title: 'Limit the SSH login grace time to a minute',
    key: 'LoginGraceTime',
    expect: { matches: '^(?:(?:[1-9]|[1-5][0-9]|60)s?|1m)$' },
    fixValue: 60,
    defaultComplies: false,
    description: '`LoginGraceTime` must be set to between 1 and 60 seconds (OpenSSH allows 120).',
    rationale: 'A short grace time limits how many unauthenticated connections an attacker can hold open, and so the room for denial of service and slow brute force.',
  }),
  rule({
    id: 'sshd_set_idle_timeout',
    title: 'Set an SSH idle timeout',
    description:
      '`ClientAliveInterval` must be set, between 1 and the value of `sshd_idle_timeout` seconds (300 by default). With `ClientAliveCountMax` (see `sshd_set_keepalive`) this ends sessions whose client has gone away.',
    rationale: 'Sessions left open on unattended or vanished clients can be taken over; an interval of 0 (OpenSSH\'s default) never checks.',
    check: described(
      all(
        setting(SSHD_FILES, 'ClientAliveInterval', { atLeast: 1 }, { ignoreKeyCase: true }),
        setting(SSHD_FILES, 'ClientAliveInterval', { atMost: sshdIdleTimeout }, { ignoreKeyCase: true }),
      ),
      'ClientAliveInterval is set between 1 and the value of sshd_idle_timeout',
    ),
    fix: configFix({
      file: SSHD_CONFIG,
      dropIns: '/etc/ssh/sshd_config.d',
      key: 'ClientAliveInterval',
      separator: 'space',
      value: sshdIdleTimeout,
      ignoreKeyCase: true,
      before: '(?i)^\\s*Match\\s',
      validate: '/usr/sbin/sshd -t -f %s',
      mode: '0600',
    }),
    references: refs(['5.2.15'], ['CM-6(a)', 'AC-17(a)', 'AC-2(5)', 'AC-12', 'SC-10']),
  }),
  sshdSetting({
    id: 'sshd_set_keepalive',
    title: 'Limit unanswered SSH keepalives',
    key: 'ClientAliveCountMax',
    expect: { atMost: 3 },
    fixValue: 3,
    defaultComplies: true,
    description: '`ClientAliveCountMax` must be at most 3 (the default) wherever it is set.',
    rationale: 'Together with `ClientAliveInterval` this bounds how long a dead or abandoned session stays open.',
    cis: ['5.2.15'],
    nist: ['AC-2(5)', 'AC-12', 'AC-17(a)', 'SC-10', 'CM-6(a)'],
  }),
  sshdSetting({
    id: 'sshd_enable_warning_banner',
    title: 'Show a warning banner before SSH login',
    key: 'Banner',
    expect: { matches: '^/' },
    fixValue: '/etc/issue.net',
    defaultComplies: false,
    description: '`Banner` must name a file (such as `/etc/issue.net`) whose text sshd shows before authentication.',
    rationale: 'A banner stating that use is monitored and restricted to authorized users supports legal action against intruders in many jurisdictions.',
    cis: ['5.2.18'],
    nist: ['AC-8(a)', 'AC-8(c)', 'AC-17(a)', 'CM-6(a)'],
  }),
  sshdSetting({
    id: 'sshd_disable_tcp_forwarding',
    title: 'Disable SSH TCP forwarding',
    key: 'AllowTcpForwarding',
    expect: no,
    fixValue: 'no',
    defaultComplies: false,
    description: '`AllowTcpForwarding` must be set to `no` (OpenSSH allows forwarding by default).',
    rationale: 'Port forwarding turns an SSH account into a tunnel past network controls; servers that do not need it should not offer it.',
    cis: ['5.2.20'],
  }),
];

const sshKeyFiles = [
  rule({
    id: 'file_permissions_sshd_config',
    title: 'Restrict access to sshd_config',
    description: '`/etc/ssh/sshd_config` must be owned by root, group root, with mode 0600 or stricter.',
    rationale: 'The daemon\'s configuration can reveal which users and methods are allowed; only root needs to read it, and only root may change it.',
    check: fileMetadata(SSHD_CONFIG, { uid: 0, gid: 0, mode: 0o600 }),
    fix: permissionsFix({ dir: SSHD_CONFIG, uid: 0, gids: [0], mode: 0o600 }),
    references: refs(['5.2.1'], ['AC-17(a)', 'CM-6(a)', 'AC-6(1)']),
  }),
  rule({
    id: 'file_permissions_sshd_private_key',
    title: 'Protect the SSH host private keys',
    description: 'The host private keys `/etc/ssh/ssh_host_*_key` must be owned by root with mode 0640 or stricter.',
    rationale: 'Whoever reads a host private key can impersonate the server and intercept its sessions.',
    severity: 'high',
    check: fileMetadata(inDir('/etc/ssh', '^ssh_host_.*_key$'), { uid: 0, mode: 0o640 }),
    fix: permissionsFix({ dir: '/etc/ssh', glob: 'ssh_host_*_key', uid: 0, mode: 0o640 }),
    references: refs(['5.2.2'], ['AC-17(a)', 'CM-6(a)', 'AC-6(1)']),
  }),
  rule({
    id: 'file_permissions_sshd_pub_key',
    title: 'Protect the SSH host public keys from change',
    description: 'The host public keys `/etc/ssh/*.pub` must be owned by root with mode 0644 or stricter.',
    rationale: 'Public keys may be read by anyone, but a writable one lets a local user replace the server\'s advertised identity.',
    check: fileMetadata(inDir('/etc/ssh', '^.*\\.pub$'), { uid: 0, mode: 0o644 }),
    fix: permissionsFix({ dir: '/etc/ssh', glob: '*.pub', uid: 0, mode: 0o644 }),
    references: refs(['5.2.3'], ['AC-17(a)', 'CM-6(a)', 'AC-6(1)']),
  }),
];

export const sshGroup = group({
  id: 'ssh_server',
  title: 'SSH server',
  description: 'Settings of the OpenSSH daemon and the protection of its keys. The group applies where `/usr/sbin/sshd` is installed.',
  platforms: [sshServer],
  children: [...sshRules, ...sshKeyFiles],
});

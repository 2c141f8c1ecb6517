/**
 * Accounts: the account databases' ownership and modes, password aging and
 * hashing in /etc/login.defs, and entries that open accounts to anyone.
 */
import { ansible, bash, fileMetadata, group, noLineMatches, ref, rule, setting, type Reference, type Rule } from '../sdk/index.js';
import { configFix, permissionsFix } from './fixes.js';
import { passMaxDays, passMinDays, passWarnAge } from './values.js';

const refs = (cis: readonly string[], nist: readonly string[]): Reference[] => [...cis.map(ref.cisUbuntu2204), ...nist.map(ref.nist80053)];

/** gid 42 is the `shadow` group on Debian and its derivatives; elsewhere the files belong to root. */
const SHADOW_GIDS = [0, 42];

function accountFile(id: string, title: string, paths: readonly string[], mode: number, gids: readonly number[], cis: readonly string[], nist: readonly string[], rationale: string): Rule {
  const octal = mode.toString(8).padStart(4, '0');
  return rule({
    id,
    title,
    description: `${paths.map((p) => `\`${p}\``).join(' and ')} must be owned by root, group ${gids.length > 1 ? 'root or shadow' : 'root'}, with mode ${octal} or stricter.`,
    rationale,
    check: fileMetadata(paths, { uid: 0, gid: gids, mode }),
    fix: permissionsFix(paths.map((p) => ({ dir: p, uid: 0, gids, mode }))),
    references: refs(cis, nist),
  });
}

const accountFiles: Rule[] = [
  accountFile('file_permissions_etc_passwd', 'Protect /etc/passwd', ['/etc/passwd'], 0o644, [0], ['6.1.2'], ['CM-6(a)', 'AC-6(1)'], 'Every user reads the account list, but only root may change it: a writable /etc/passwd lets anyone create a root account.'),
  accountFile('file_permissions_etc_group', 'Protect /etc/group', ['/etc/group'], 0o644, [0], ['6.1.5'], ['CM-6(a)', 'AC-6(1)'], 'A writable group database lets any user add themselves to privileged groups such as sudo.'),
  accountFile('file_permissions_etc_shadow', 'Protect /etc/shadow', ['/etc/shadow'], 0o640, SHADOW_GIDS, ['6.1.4'], ['CM-6(a)', 'AC-6(1)'], 'The shadow file holds password hashes; anyone who reads it can attack them offline.'),
  accountFile('file_permissions_etc_gshadow', 'Protect /etc/gshadow', ['/etc/gshadow'], 0o640, SHADOW_GIDS, ['6.1.9'], ['CM-6(a)', 'AC-6(1)'], 'The group shadow file holds group password hashes and administrator lists.'),
  accountFile('file_permissions_backup_etc_passwd', 'Protect the backup copies of /etc/passwd and /etc/group', ['/etc/passwd-', '/etc/group-'], 0o644, [0], ['6.1.6'], ['AC-6(1)'], 'The backups that account tools leave behind hold the same data as the originals and deserve the same protection.'),
  accountFile('file_permissions_backup_etc_shadow', 'Protect the backup copies of /etc/shadow and /etc/gshadow', ['/etc/shadow-', '/etc/gshadow-'], 0o640, SHADOW_GIDS, ['6.1.7'], ['AC-6(1)'], 'The backups of the shadow files hold password hashes, possibly older and weaker ones.'),
];

const LOGIN_DEFS = '/etc/login.defs';

function loginDefs(id: string, title: string, key: string, expect: Parameters<typeof setting>[2], fixValue: Parameters<typeof configFix>[0]['value'], description: string, rationale: string, cis: readonly string[], nist: readonly string[]): Rule {
  return rule({
    id,
    title,
    description,
    rationale,
    check: setting(LOGIN_DEFS, key, expect),
    fix: configFix({ file: LOGIN_DEFS, key, separator: 'space', value: fixValue, strategy: 'restrict' }),
    references: refs(cis, nist),
  });
}

const passwordPolicy: Rule[] = [
  loginDefs(
    'accounts_maximum_age_login_defs',
    'Set the maximum password age',
    'PASS_MAX_DAYS',
    { atMost: passMaxDays },
    passMaxDays,
    '`PASS_MAX_DAYS` in `/etc/login.defs` must be set, and at most the value of `login_defs_pass_max_days` (365 by default). It applies to accounts created from then on.',
    'Passwords that never expire give a stolen or guessed password unlimited use.',
    ['5.4.1.1'],
    ['IA-5(f)', 'IA-5(1)(d)', 'CM-6(a)'],
  ),
  loginDefs(
    'accounts_minimum_age_login_defs',
    'Set the minimum password age',
    'PASS_MIN_DAYS',
    { atLeast: passMinDays },
    passMinDays,
    '`PASS_MIN_DAYS` in `/etc/login.defs` must be at least the value of `login_defs_pass_min_days` (1 by default).',
    'Without a minimum age users can cycle through passwords at once to get back to a favourite, defeating password history.',
    ['5.4.1.2'],
    ['IA-5(f)', 'IA-5(1)(d)', 'CM-6(a)'],
  ),
  loginDefs(
    'accounts_password_warn_age_login_defs',
    'Warn users before their password expires',
    'PASS_WARN_AGE',
    { atLeast: passWarnAge },
    passWarnAge,
    '`PASS_WARN_AGE` in `/etc/login.defs` must be at least the value of `login_defs_pass_warn_age` (7 by default).',
    'Warned users choose a new password in time instead of being locked out or picking one in a hurry.',
    ['5.4.1.3'],
    ['IA-5(f)', 'IA-5(1)(d)', 'CM-6(a)'],
  ),
  loginDefs(
    'accounts_umask_etc_login_defs',
    'Set a restrictive default umask in login.defs',
    'UMASK',
    { matches: '^0?[0-7][2367]7$' },
    '027',
    '`UMASK` in `/etc/login.defs` must be 027 or more restrictive: no write for the group, nothing for others.',
    'The default umask decides who can read and change the files users create; a permissive one leaks data between accounts.',
    ['5.4.4'],
    ['AC-6(1)', 'CM-6(a)'],
  ),
  loginDefs(
    'accounts_password_hashing_login_defs',
    'Hash new passwords with SHA-512 or yescrypt',
    'ENCRYPT_METHOD',
    { matches: '^(?:SHA512|YESCRYPT)$' },
    'SHA512',
    '`ENCRYPT_METHOD` in `/etc/login.defs` must be `SHA512` or `YESCRYPT`.',
    'Older methods (DES, MD5) are fast to brute-force; salted, iterated SHA-512 and yescrypt are not.',
    [],
    ['IA-5(c)', 'IA-5(1)(c)', 'CM-6(a)'],
  ),
];

const accountEntries: Rule[] = [
  rule({
    id: 'no_empty_passwords_etc_shadow',
    title: 'No account has an empty password',
    description: 'No entry of `/etc/shadow` may have an empty password field. The fix locks such accounts (`passwd -l`).',
    rationale: 'An empty password lets anyone log in to the account wherever password authentication is accepted.',
    severity: 'high',
    check: noLineMatches('/etc/shadow', '^[^:]+::', { description: 'no entry of /etc/shadow has an empty password field' }),
    fix: {
      strategy: 'restrict',
      complexity: 'low',
      disruption: 'medium',
      ansible: ansible`- name: List the accounts with an empty password
  ansible.builtin.command:
    cmd: 'awk -F: ''$2 == "" { print $1 }'' /etc/shadow'
  register: vigil_empty_passwords
  changed_when: false
- name: Lock the accounts with an empty password
  ansible.builtin.command: passwd -l {{ item }}
  loop: '{{ vigil_empty_passwords.stdout_lines }}'
`,
      bash: bash`awk -F: '$2 == "" { print $1 }' /etc/shadow | while read -r user; do
  passwd -l "$user"
done
`,
    },
    references: refs([], ['CM-6(b)']),
  }),
  rule({
    id: 'no_legacy_plus_entries',
    title: 'No legacy NIS "+" entries in the account files',
    description: 'No line of `/etc/passwd`, `/etc/shadow` or `/etc/group` may start with `+`.',
    rationale: 'The `+` entries of old NIS setups import accounts from a directory service; on systems without NIS they may become accounts without a password.',
    check: noLineMatches(['/etc/passwd', '/etc/shadow', '/etc/group'], '^\\+', { description: 'no line of the account files starts with +' }),
    fix: {
      strategy: 'restrict',
      complexity: 'low',
      disruption: 'low',
      ansible: ansible`${['/etc/passwd', '/etc/shadow', '/etc/group']
        .map(
          (f) => `- name: Remove the legacy + entries from ${f}
  ansible.builtin.lineinfile:
    path: ${f}
    regexp: '^\\+'
    state: absent
`,
        )
        .join('')}`,
      bash: bash`for f in /etc/passwd /etc/shadow /etc/group; do
  if [ -f "$f" ]; then sed -i '/^+/d' "$f"; fi
done
`,
    },
    references: refs([], []),
  }),
];

export const accountsGroup = group({
  id: 'accounts',
  title: 'Accounts and passwords',
  description: 'The account databases, password aging and hashing, and account entries that need no password.',
  children: [
    group({ id: 'account_files', title: 'Account files', description: 'Ownership and modes of the account databases and their backups.', children: accountFiles }),
    group({ id: 'password_policy', title: 'Password policy in login.defs', description: 'Defaults that shadow\'s tools apply to new passwords and accounts.', children: passwordPolicy }),
    group({ id: 'account_entries', title: 'Account entries', description: 'Entries that open an account to anyone.', children: accountEntries }),
  ],
});

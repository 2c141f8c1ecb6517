/** File system permissions: world-writable directories, and cron's configuration. */
import { ansible, bash, fileMetadata, group, inDir, noFiles, ref, rule, type Reference, type Rule } from '../sdk/index.js';
import { permissionsFix } from './fixes.js';
import { cronDaemon } from './platforms.js';

const refs = (cis: readonly string[], nist: readonly string[]): Reference[] => [...cis.map(ref.cisUbuntu2204), ...nist.map(ref.nist80053)];

const worldWritable = rule({
  id: 'dir_perms_world_writable_sticky_bits',
  title: 'Set the sticky bit on world-writable directories',
  description: 'Every world-writable directory on a local file system must have the sticky bit set, as `/tmp` has.',
  rationale: 'Without the sticky bit anyone can delete or rename other users\' files in a world-writable directory, and replace them with their own.',
  check: noFiles(inDir('/', null, { recursive: 'local' }), { bits: { owrite: true, sticky: false } }, { description: 'no local directory is world-writable without the sticky bit' }),
  fix: {
    strategy: 'restrict',
    complexity: 'low',
    disruption: 'low',
    ansible: ansible`- name: List the local file systems
  ansible.builtin.command: df --local --output=target
  register: vigil_local_filesystems
  changed_when: false
- name: Find world-writable directories without the sticky bit
  ansible.builtin.command: find {{ item }} -xdev -type d -perm -0002 ! -perm -1000 -print
  loop: '{{ vigil_local_filesystems.stdout_lines[1:] }}'
  register: vigil_world_writable
  changed_when: false
- name: Set the sticky bit on them
  ansible.builtin.file:
    path: '{{ item }}'
    mode: a+t
  loop: "{{ vigil_world_writable.results | map(attribute='stdout_lines') | flatten }}"
`,
    bash: bash`df --local --output=target | tail -n +2 | while read -r fs; do
  find "$fs" -xdev -type d -perm -0002 ! -perm -1000 -exec chmod a+t {} +
done
`,
  },
  references: refs(['1.1.22'], ['CM-6(a)', 'AC-6(1)']),
});

function cronPath(id: string, path: string, what: string, directory: boolean, mode: number, cis: string): Rule {
  const octal = mode.toString(8).padStart(4, '0');
  return rule({
    id,
    title: `Restrict access to ${path}`,
    description: `${what} \`${path}\` must be owned by root, group root, with mode ${octal} or stricter.`,
    rationale: 'Cron runs these jobs as root: whoever can change them runs code as root, and whoever can read them learns what runs when.',
    check: fileMetadata(directory ? inDir(path, null) : path, { uid: 0, gid: 0, mode }),
    fix: permissionsFix({ dir: path, uid: 0, gids: [0], mode }),
    references: refs([cis], ['CM-6(a)', 'AC-6(1)']),
  });
}

const cronRules: Rule[] = [
  cronPath('file_permissions_crontab', '/etc/crontab', 'The system crontab', false, 0o600, '5.1.2'),
  cronPath('file_permissions_cron_hourly', '/etc/cron.hourly', 'The directory of hourly jobs', true, 0o700, '5.1.3'),
  cronPath('file_permissions_cron_daily', '/etc/cron.daily', 'The directory of daily jobs', true, 0o700, '5.1.4'),
  cronPath('file_permissions_cron_weekly', '/etc/cron.weekly', 'The directory of weekly jobs', true, 0o700, '5.1.5'),
  cronPath('file_permissions_cron_monthly', '/etc/cron.monthly', 'The directory of monthly jobs', true, 0o700, '5.1.6'),
  cronPath('file_permissions_cron_d', '/etc/cron.d', 'The directory of package crontabs', true, 0o700, '5.1.7'),
];

export const filesystemGroup = group({
  id: 'filesystem',
  title: 'File system permissions',
  description: 'Permissions that keep users from tampering with each other\'s files.',
  children: [worldWritable],
});

export const cronGroup = group({
  id: 'cron',
  title: 'Cron',
  description: 'Ownership and modes of cron\'s configuration. The group applies where a cron daemon is installed.',
  platforms: [cronDaemon],
  children: cronRules,
});

/**
 * Kernel parameters and core dumps. Each kernel parameter must be set in
 * sysctl's configuration (so it survives a reboot) and, where the target
 * offers a running kernel, be in force now.
 */
import { ansible, bash, endsWith, group, inDir, lineMatches, ref, rule, setting, sysctl, type Reference, type Rule } from '../sdk/index.js';
import { configFix, sysctlFix } from './fixes.js';
import { systemdCoredump } from './platforms.js';

const refs = (cis: readonly string[], nist: readonly string[]): Reference[] => [...cis.map(ref.cisUbuntu2204), ...nist.map(ref.nist80053)];

export interface SysctlRule {
  readonly name: string;
  readonly value: number;
  readonly title: string;
  readonly description: string;
  readonly rationale: string;
  readonly cis?: readonly string[];
  readonly nist?: readonly string[];
  readonly severity?: 'low' | 'medium' | 'high';
}

/** A rule that a kernel parameter is configured, and in force, with one value. */
export function sysctlRule(s: SysctlRule): Rule {
  return rule({
    id: `sysctl_${s.name.replace(/\./g, '_')}`,
    title: s.title,
    description: `${s.description} The setting \`${s.name} = ${s.value}\` must be in sysctl's configuration (\`/etc/sysctl.conf\`, \`/etc/sysctl.d\`, \`/run/sysctl.d\`, \`/usr/local/lib/sysctl.d\` or \`/usr/lib/sysctl.d\`), every setting of it there must agree, and the running kernel must use it.`,
    rationale: s.rationale,
    severity: s.severity ?? 'medium',
    check: sysctl(s.name, s.value),
    fix: sysctlFix(s.name, s.value),
    references: refs(s.cis ?? [], s.nist ?? []),
  });
}

const kernelRules: Rule[] = [
  sysctlRule({
    name: 'kernel.randomize_va_space',
    value: 2,
    title: 'Randomize the address space layout',
    description: 'Full address space layout randomization places the stack, heap, shared libraries and VDSO at random addresses.',
    rationale: 'Memory corruption exploits that need known addresses become much harder to write.',
    cis: ['1.6.2'],
    nist: ['SC-30', 'SC-30(2)', 'CM-6(a)'],
  }),
  sysctlRule({
    name: 'kernel.kptr_restrict',
    value: 1,
    title: 'Hide kernel addresses from unprivileged users',
    description: 'Kernel pointers printed through /proc and other interfaces are hidden from users without CAP_SYSLOG.',
    rationale: 'Kernel addresses help an attacker defeat kernel address randomization.',
    nist: ['SC-30', 'SC-30(2)', 'SC-30(5)', 'CM-6(a)'],
  }),
  sysctlRule({
    name: 'fs.protected_symlinks',
    value: 1,
    title: 'Protect symbolic links in sticky directories',
    description: 'Symbolic links in world-writable sticky directories (such as /tmp) are followed only by their owner or the directory owner.',
    rationale: 'This closes the classic /tmp symlink race used to make privileged programs overwrite files.',
    nist: ['CM-6(a)', 'AC-6(1)'],
  }),
  sysctlRule({
    name: 'fs.protected_hardlinks',
    value: 1,
    title: 'Protect hard links',
    description: 'Users may create hard links only to files they own or can read and write.',
    rationale: 'Hard links to setuid programs or other users\' files enable privilege escalation and denial of service.',
    nist: ['CM-6(a)', 'AC-6(1)'],
  }),
];

const COREDUMP_FILES = ['/etc/systemd/coredump.conf', inDir('/etc/systemd/coredump.conf.d', endsWith('.conf'))];

const coreDumpRules: Rule[] = [
  rule({
    id: 'disable_users_coredumps',
    title: 'Forbid core dumps through resource limits',
    description: 'A hard limit of 0 on core dump size for everyone, `* hard core 0`, must be set in `/etc/security/limits.conf` or a file of `/etc/security/limits.d`.',
    rationale: 'Core dumps hold the memory of the crashed process: passwords, keys and other secrets, written where they may be read later.',
    check: lineMatches(['/etc/security/limits.conf', inDir('/etc/security/limits.d', endsWith('.conf'))], '^\\s*\\*\\s+hard\\s+core\\s+0\\s*$', {
      description: 'a line of the limits files sets "* hard core 0"',
    }),
    fix: {
      strategy: 'restrict',
      complexity: 'low',
      disruption: 'low',
      ansible: ansible`- name: Forbid core dumps in /etc/security/limits.conf
  ansible.builtin.lineinfile:
    path: /etc/security/limits.conf
    regexp: '^\\s*\\*\\s+hard\\s+core\\s'
    line: '*               hard    core            0'
    create: true
    mode: '0644'
`,
      bash: bash`mkdir -p /etc/security
touch /etc/security/limits.conf
sed -i '/^\\s*\\*\\s\\+hard\\s\\+core\\s/d' /etc/security/limits.conf
echo '*               hard    core            0' >> /etc/security/limits.conf
`,
    },
    references: refs(['1.6.4'], ['CM-6', 'SC-7(10)']),
  }),
  sysctlRule({
    name: 'fs.suid_dumpable',
    value: 0,
    title: 'Forbid core dumps of setuid programs',
    description: 'Programs that changed their privileges (setuid, setgid, capabilities) never dump core.',
    rationale: 'A privileged program\'s core dump may hold data its caller must not see, such as the contents of /etc/shadow.',
    cis: ['1.6.4'],
    nist: ['SI-11(a)', 'SI-11(b)'],
  }),
  rule({
    id: 'coredump_disable_storage',
    title: 'Do not store core dumps (systemd-coredump)',
    description: '`Storage=none` must be set in `/etc/systemd/coredump.conf` (or its drop-ins), and nowhere contradicted, so that systemd-coredump logs crashes without keeping the dump.',
    rationale: 'Stored core dumps hold the memory of crashed processes, secrets included.',
    platforms: [systemdCoredump],
    check: setting(COREDUMP_FILES, 'Storage', 'none', { separator: 'equals' }),
    fix: configFix({ file: '/etc/systemd/coredump.conf', dropIns: '/etc/systemd/coredump.conf.d', key: 'Storage', separator: 'equals', value: 'none', after: '^\\[Coredump\\]' }),
    references: refs([], ['CM-6']),
  }),
  rule({
    id: 'coredump_disable_backtraces',
    title: 'Do not process core dumps (systemd-coredump)',
    description: '`ProcessSizeMax=0` must be set in `/etc/systemd/coredump.conf` (or its drop-ins), and nowhere contradicted, so that systemd-coredump does not process dumps at all.',
    rationale: 'Processing a dump into a backtrace copies parts of the crashed process\'s memory into the journal.',
    platforms: [systemdCoredump],
    check: setting(COREDUMP_FILES, 'ProcessSizeMax', '0', { separator: 'equals' }),
    fix: configFix({ file: '/etc/systemd/coredump.conf', dropIns: '/etc/systemd/coredump.conf.d', key: 'ProcessSizeMax', separator: 'equals', value: '0', after: '^\\[Coredump\\]' }),
    references: refs([], ['CM-6']),
  }),
];

export const kernelGroup = group({
  id: 'kernel',
  title: 'Kernel hardening',
  description: 'Kernel parameters that harden memory and file system behaviour.',
  children: kernelRules,
});

export const coreDumpGroup = group({
  id: 'core_dumps',
  title: 'Core dumps',
  description: 'Core dumps copy a process\'s memory to disk; these rules keep them from being written or kept.',
  children: coreDumpRules,
});

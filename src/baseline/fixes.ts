/**
 * Remediation builders for the baseline: the same few shapes of fix (a
 * setting in a configuration file with drop-ins, a kernel parameter, file
 * ownership and mode, packages to remove), each written once for Ansible
 * and once for bash so that every rule carries both.
 *
 * Every fix makes the rule's check pass: a setting is removed from every
 * file the check reads and written once where it takes effect; a mode is
 * narrowed (never widened) with symbolic chmod.
 */
import { ansible, bash, escapeRegex, type RemediationSpec, type Strategy, type Value } from '../sdk/index.js';

type Setting = string | number | Value;

// --------------------------------------------------------------- settings

export interface ConfigFix {
  /** The file that takes the setting. */
  readonly file: string;
  /** A directory of `*.conf` drop-ins the setting is removed from. */
  readonly dropIns?: string;
  readonly key: string;
  /** `space`: `Key value`; `equals`: `Key=value`. */
  readonly separator: 'space' | 'equals';
  readonly value: Setting;
  readonly ignoreKeyCase?: boolean;
  /** A Python/PCRE regex of the line the setting goes before (first match), else at the end. */
  readonly before?: string;
  /** A regex of the line the setting goes after (a section header), else at the end. */
  readonly after?: string;
  /** A command validating the edited file (`%s` is the file), for Ansible. */
  readonly validate?: string;
  readonly mode?: string;
  readonly strategy?: Strategy;
}

/** A setting written once in `file`, removed from every other place the check reads. */
export function configFix(c: ConfigFix): RemediationSpec {
  const key = escapeRegex(c.key);
  const sep = c.separator === 'space' ? ' ' : '=';
  const re = c.separator === 'space' ? `^\\s*${key}\\s` : `^\\s*${key}\\s*=`;
  const ansibleRe = `${c.ignoreKeyCase ? '(?i)' : ''}${re}`;
  const sedFlag = c.ignoreKeyCase ? 'I' : '';
  const where = c.before ? `    insertbefore: '${c.before}'\n    firstmatch: true\n` : c.after ? `    insertafter: '${c.after}'\n    firstmatch: true\n` : '';
  const dropInTasks = c.dropIns
    ? ansible`- name: Find the drop-in files of ${c.file} for ${c.key}
  ansible.builtin.find:
    paths: ${c.dropIns}
    patterns: '*.conf'
  register: vigil_drop_ins
- name: Remove ${c.key} from the drop-in files of ${c.file}
  ansible.builtin.lineinfile:
    path: '{{ item.path }}'
    regexp: '${ansibleRe}'
    state: absent
  loop: '{{ vigil_drop_ins.files }}'
`.parts.join('')
    : '';
  const bashDropIns = c.dropIns
    ? `for f in ${c.dropIns}/*.conf; do
  if [ -f "$f" ]; then sed -i '/${re}/${sedFlag}d' "$f"; fi
done
`
    : '';
  // awk places the line: before the first line matching `before`, after the first matching `after`, else at the end.
  const awkPlace = c.before
    ? `!done && ${c.ignoreKeyCase ? 'tolower($0)' : '$0'} ~ /${awkRegex(c.before, c.ignoreKeyCase === true)}/ { print line; done = 1 } { print } END { if (!done) print line }`
    : c.after
      ? `{ print } !done && $0 ~ /${awkRegex(c.after, false)}/ { print line; done = 1 } END { if (!done) print line }`
      : `{ print } END { print line }`;
  return {
    strategy: c.strategy ?? 'restrict',
    complexity: 'low',
    disruption: 'low',
    reboot: false,
    ansible: ansible`${dropInTasks}- name: Remove ${c.key} from ${c.file}
  ansible.builtin.lineinfile:
    path: ${c.file}
    regexp: '${ansibleRe}'
    state: absent
- name: Set ${c.key} in ${c.file}
  ansible.builtin.lineinfile:
    path: ${c.file}
    line: '${c.key}${sep}${c.value}'
${where}    create: true
    mode: '${c.mode ?? '0644'}'
${c.validate ? `    validate: ${c.validate}\n` : ''}`,
    bash: bash`${bashDropIns}if [ -f ${c.file} ]; then
  sed -i '/${re}/${sedFlag}d' ${c.file}
else
  mkdir -p "$(dirname ${c.file})"
  touch ${c.file}
  chmod ${c.mode ?? '0644'} ${c.file}
fi
if awk -v line="${c.key}${sep}${c.value}" '${awkPlace}' ${c.file} > ${c.file}.vigil-new; then
  cat ${c.file}.vigil-new > ${c.file}
fi
rm -f ${c.file}.vigil-new
`,
  };
}

/** A regex for awk's dynamic-regex-free /.../ form: the `(?i)` prefix dropped (the line is lower-cased instead). */
function awkRegex(re: string, lower: boolean): string {
  const r = re.replace(/^\(\?i\)/, '').replace(/\\s/g, '[ \\t]').replace(/\//g, '\\/');
  return lower ? r.toLowerCase() : r;
}

// ------------------------------------------------------------------ sysctl

const SYSCTL_DROP_IN_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d'];
export const SYSCTL_FILE = '/etc/sysctl.d/99-vigil-baseline.conf';

/** A kernel parameter: other settings commented out, ours in SYSCTL_FILE, and applied to the running kernel where allowed. */
export function sysctlFix(name: string, value: Setting): RemediationSpec {
  const re = `^\\s*-?${escapeRegex(name)}\\s*=`;
  // GNU sed's basic regular expressions spell "optional" \?.
  const sedKey = `\\s*-\\?${escapeRegex(name)}\\s*=`;
  return {
    strategy: 'disable',
    complexity: 'low',
    disruption: 'medium',
    reboot: false,
    ansible: ansible`- name: Find the sysctl configuration files for ${name}
  ansible.builtin.find:
    paths:
${SYSCTL_DROP_IN_DIRS.map((d) => `      - ${d}\n`).join('')}    patterns: '*.conf'
  register: vigil_sysctl_files
- name: Find /etc/sysctl.conf for ${name}
  ansible.builtin.find:
    paths: /etc
    patterns: sysctl.conf
  register: vigil_sysctl_conf
- name: Comment out other settings of ${name}
  ansible.builtin.replace:
    path: '{{ item }}'
    regexp: '(${re}.*)$'
    replace: '# \\1'
  loop: "{{ (vigil_sysctl_files.files + vigil_sysctl_conf.files) | map(attribute='path') | reject('equalto', '${SYSCTL_FILE}') | list }}"
- name: Set ${name} in ${SYSCTL_FILE}
  ansible.builtin.lineinfile:
    path: ${SYSCTL_FILE}
    regexp: '${re}'
    line: '${name} = ${value}'
    create: true
    mode: '0644'
- name: Set ${name} in the running kernel, where the kernel allows it
  ansible.builtin.command: sysctl -q -w ${name}=${value}
  register: vigil_sysctl_runtime
  changed_when: vigil_sysctl_runtime.rc == 0
  failed_when: false
`,
    bash: bash`for f in /etc/sysctl.conf ${SYSCTL_DROP_IN_DIRS.map((d) => `${d}/*.conf`).join(' ')}; do
  if [ -f "$f" ] && [ "$f" != ${SYSCTL_FILE} ]; then
    sed -i 's/^\\(${sedKey}.*\\)$/# \\1/' "$f"
  fi
done
mkdir -p /etc/sysctl.d
touch ${SYSCTL_FILE}
sed -i '/^${sedKey}/d' ${SYSCTL_FILE}
echo "${name} = ${value}" >> ${SYSCTL_FILE}
sysctl -q -w ${name}=${value} || true
`,
  };
}

// ------------------------------------------------------- file permissions

/** Symbolic chmod that clears every bit outside `max`, e.g. 0o644 → `u-xs,g-wxs,o-wxt`. */
export function narrowingMode(max: number): string {
  const classes: Array<[string, number, string, number]> = [
    ['u', 6, 's', 0o4000],
    ['g', 3, 's', 0o2000],
    ['o', 0, 't', 0o1000],
  ];
  const out: string[] = [];
  for (const [who, shift, special, bit] of classes) {
    let drop = '';
    if (!(max & (0o4 << shift))) drop += 'r';
    if (!(max & (0o2 << shift))) drop += 'w';
    if (!(max & (0o1 << shift))) drop += 'x';
    if (!(max & bit)) drop += special;
    if (drop) out.push(`${who}-${drop}`);
  }
  return out.join(',');
}

export interface PermissionsFix {
  /** A directory and a shell glob of names in it (`*` allowed), or one path. */
  readonly dir: string;
  readonly glob?: string;
  readonly uid?: number;
  /** Allowed groups: a file in none of them gets the first. */
  readonly gids?: readonly number[];
  readonly mode?: number;
  /** The files are directories. */
  readonly directory?: boolean;
}

/** Owner, group and mode narrowed on existing files (links left alone); several specs are fixed one after the other. */
export function permissionsFix(specs: PermissionsFix | readonly PermissionsFix[]): RemediationSpec {
  const list: readonly PermissionsFix[] = Array.isArray(specs) ? specs : [specs as PermissionsFix];
  const parts = list.map(permissionsText);
  return {
    strategy: 'configure',
    complexity: 'low',
    disruption: 'low',
    reboot: false,
    ansible: ansible`${parts.map((x) => x.ansible).join('')}`,
    bash: bash`${parts.map((x) => x.bash).join('')}`,
  };
}

function permissionsText(p: PermissionsFix): { ansible: string; bash: string } {
  const path = p.glob === undefined ? p.dir : `${p.dir}/${p.glob}`;
  const reg = `vigil_${path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').toLowerCase()}`;
  const mode = p.mode !== undefined ? narrowingMode(p.mode) : '';
  const gids = p.gids ?? [];
  const fileArgs = (target: string): string =>
    `    path: ${target}\n${p.uid !== undefined ? `    owner: '${p.uid}'\n` : ''}${mode ? `    mode: ${mode}\n` : ''}`;
  const gidList = `[${gids.join(', ')}]`;
  const ansibleText =
    p.glob === undefined
      ? `- name: Stat ${path}
  ansible.builtin.stat:
    path: ${path}
  register: ${reg}
- name: Set the owner and mode of ${path}
  ansible.builtin.file:
${fileArgs(path)}  when: ${reg}.stat.exists and not ${reg}.stat.islnk
${
  gids.length
    ? `- name: Set the group of ${path}
  ansible.builtin.file:
    path: ${path}
    group: '${gids[0]}'
  when: ${reg}.stat.exists and not ${reg}.stat.islnk and ${reg}.stat.gid not in ${gidList}
`
    : ''
}`
      : `- name: Find ${path}
  ansible.builtin.find:
    paths: ${p.dir}
    patterns: '${p.glob}'
    file_type: ${p.directory ? 'directory' : 'file'}
  register: ${reg}
- name: Set the owner and mode of ${path}
  ansible.builtin.file:
${fileArgs("'{{ item.path }}'")}  loop: '{{ ${reg}.files }}'
${
  gids.length
    ? `- name: Set the group of ${path}
  ansible.builtin.file:
    path: '{{ item.path }}'
    group: '${gids[0]}'
  loop: '{{ ${reg}.files }}'
  when: item.gid not in ${gidList}
`
    : ''
}`;
  const groupLine = gids.length ? `    case " ${gids.join(' ')} " in *" $(stat -c %g "$f") "*) ;; *) chgrp ${gids[0]} "$f" ;; esac\n` : '';
  const bashText = `for f in ${path}; do
  if [ -e "$f" ] && [ ! -L "$f" ]; then
${p.uid !== undefined ? `    chown ${p.uid} "$f"\n` : ''}${groupLine}${mode ? `    chmod ${mode} "$f"\n` : ''}  fi
done
`;
  return { ansible: ansibleText, bash: bashText };
}

// ---------------------------------------------------------------- packages

/** Removes a package known by different names on dpkg and rpm systems. */
export function packageRemovalFix(names: readonly string[]): RemediationSpec {
  return {
    strategy: 'disable',
    complexity: 'low',
    disruption: 'low',
    reboot: false,
    ansible: ansible`- name: Remove ${names.join(', ')}
  ansible.builtin.package:
    name:
${names.map((n) => `      - ${n}\n`).join('')}    state: absent
`,
    bash: bash`for p in ${names.join(' ')}; do
  if command -v dpkg-query >/dev/null 2>&1 && dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q '^install'; then
    DEBIAN_FRONTEND=noninteractive apt-get remove -y "$p"
  elif command -v rpm >/dev/null 2>&1 && rpm -q --quiet "$p"; then
    if command -v dnf >/dev/null 2>&1; then dnf remove -y "$p"; else yum remove -y "$p"; fi
  fi
done
`,
  };
}

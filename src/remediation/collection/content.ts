/**
 * The files of an Ansible collection with one role per profile:
 *
 *   galaxy.yml, README.md, meta/runtime.yml
 *   roles/<role>/tasks/main.yml      the profile's tasks, in benchmark order
 *   roles/<role>/defaults/main.yml   the profile's values (role defaults:
 *                                    inventory, play and extra vars override them)
 *   roles/<role>/meta/main.yml
 *   playbooks/<role>.yml             runs the role on all hosts
 *   docs/<role>.md                   the role's rules
 *   docs/tags.md                     what each tag means
 *
 * plus MANIFEST.json and FILES.json, as ansible-galaxy builds them, in
 * NAMESPACE-NAME-VERSION.tar.gz.
 */
import type { AnsiblePlay } from '../ansible.js';
import { indentPart } from '../ansible.js';
import { shortRuleId } from '../filter.js';
import { plainText } from '../header.js';
import type { PlannedRule } from '../plan.js';
import { filesJson, galaxyYml, manifestJson, type CollectionInfo } from './galaxy.js';
import { tagMeaning, taskTags } from './tags.js';
import { tarGz, type TarEntry } from './tar.js';

export interface RoleSpec {
  readonly role: string;
  readonly profileId: string;
  readonly profileTitle: string;
  readonly profileDescription: string;
  readonly plan: readonly PlannedRule[];
  readonly play: AnsiblePlay;
}

export interface CollectionSpec {
  readonly info: CollectionInfo;
  readonly benchmark: { readonly id: string; readonly title: string; readonly version: string };
  readonly roles: readonly RoleSpec[];
  /** How the collection was made ("Vigil 0.1.0"), and the filter used ('' for none). */
  readonly generator: string;
  readonly filter: string;
}

export interface CollectionArchive {
  readonly fileName: string;
  readonly data: Buffer;
  /** Every entry of the archive, in order. */
  readonly entries: readonly TarEntry[];
}

/** A role name from a profile id: the part after `_profile_`, lowercased, in [a-z0-9_]. */
export function roleName(profileId: string): string {
  const k = profileId.indexOf('_profile_');
  let name = (k < 0 ? profileId : profileId.slice(k + 9)).toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  if (!/^[a-z]/.test(name)) name = `profile_${name}`;
  return name;
}

const tagsOfPlay = new WeakMap<AnsiblePlay, string[][]>();

/** The tags of each task of a play, in order. */
export function playTaskTags(play: AnsiblePlay): string[][] {
  let tags = tagsOfPlay.get(play);
  if (!tags) {
    tags = taskTags(tasksFile(play));
    tagsOfPlay.set(play, tags);
  }
  return tags;
}

export function tasksFile(play: AnsiblePlay): string {
  const body = play.taskParts
    .map((t) => indentPart(t, '').replace(/\n+$/, '\n'))
    .filter((t) => t.trim())
    .join('\n');
  return body ? `---\n${body}` : '--- []\n';
}

export function defaultsFile(play: AnsiblePlay): string {
  return play.vars.length ? `---\n${play.vars.map((v) => `${v}\n`).join('')}` : '--- {}\n';
}

function roleMeta(spec: CollectionSpec, r: RoleSpec): string {
  return [
    '---',
    'galaxy_info:',
    `  author: ${JSON.stringify(spec.info.authors.join(', '))}`,
    `  description: ${JSON.stringify(`Remediation for ${r.profileTitle || r.profileId}`)}`,
    `  license: ${JSON.stringify(spec.info.license.join(' AND '))}`,
    "  min_ansible_version: '2.9'",
    'dependencies: []',
    '',
  ].join('\n');
}

function playbook(spec: CollectionSpec, r: RoleSpec): string {
  return [
    '---',
    `- name: ${JSON.stringify(`Remediate ${r.profileTitle || r.profileId}`)}`,
    '  hosts: all',
    '  roles:',
    `    - role: ${spec.info.namespace}.${spec.info.name}.${r.role}`,
    '',
  ].join('\n');
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function roleDoc(spec: CollectionSpec, r: RoleSpec): string {
  const lines = [
    `# Role \`${spec.info.namespace}.${spec.info.name}.${r.role}\``,
    '',
    `${r.profileTitle || r.profileId} (profile \`${r.profileId}\` of ${spec.benchmark.title || spec.benchmark.id}, version ${spec.benchmark.version}).`,
    '',
  ];
  const description = plainText(r.profileDescription);
  if (description) lines.push(...description.split('\n').map((l) => `> ${l}`), '');
  lines.push(`${r.plan.length} rules, in the order the role applies them. Run one with \`--tags <rule>\`, or leave it out with \`--skip-tags <rule>\`.`, '');
  lines.push('| # | rule (tag) | title | severity | strategy | disruption | reboot |', '|---|---|---|---|---|---|---|');
  r.plan.forEach((p, k) => {
    const f = p.fix;
    lines.push(
      `| ${k + 1} | \`${shortRuleId(p.rule.id)}\` | ${mdCell(p.rule.title)} | ${p.severity} | ${f?.strategy ?? ''} | ${f?.disruption ?? ''} | ${f ? (f.reboot ? 'yes' : 'no') : ''} |`,
    );
  });
  lines.push('', '## Variables', '', 'Role defaults (`defaults/main.yml`); set them in the inventory, the play or with `-e` to override:', '');
  if (r.play.vars.length === 0) lines.push('(none)');
  else lines.push('```yaml', ...r.play.vars, '```');
  return lines.join('\n') + '\n';
}

function tagsDoc(spec: CollectionSpec): string {
  const titles = new Map<string, string>();
  const roles = new Map<string, Set<string>>();
  for (const r of spec.roles) {
    for (const p of r.plan) titles.set(shortRuleId(p.rule.id), p.rule.title);
    for (const tags of playTaskTags(r.play)) {
      for (const t of tags) {
        const set = roles.get(t) ?? new Set<string>();
        set.add(r.role);
        roles.set(t, set);
      }
    }
  }
  const lines = [
    '# Tags',
    '',
    'Every task carries tags. Choose what runs with `ansible-playbook --tags` and `--skip-tags`,',
    'e.g. `--tags high_severity` or `--skip-tags reboot_required`.',
    '',
    '| tag | meaning | roles |',
    '|---|---|---|',
  ];
  for (const t of [...roles.keys()].sort()) lines.push(`| \`${t}\` | ${mdCell(tagMeaning(t, (id) => titles.get(id)))} | ${[...roles.get(t)!].sort().join(', ')} |`);
  return lines.join('\n') + '\n';
}

function readme(spec: CollectionSpec): string {
  const fq = `${spec.info.namespace}.${spec.info.name}`;
  const lines = [
    `# ${fq}`,
    '',
    `${spec.info.description}`,
    '',
    `Generated by ${spec.generator} from ${spec.benchmark.title || spec.benchmark.id} (\`${spec.benchmark.id}\`, version ${spec.benchmark.version})${spec.filter ? `, with the filter \`${spec.filter}\`` : ''}.`,
    'Each role applies the fixes of one profile, rule by rule in benchmark order, without checking the system first.',
    '',
    '## Roles',
    '',
    '| role | profile | rules | tasks |',
    '|---|---|---|---|',
    ...spec.roles.map((r) => `| [\`${fq}.${r.role}\`](docs/${r.role}.md) | ${mdCell(r.profileTitle || r.profileId)} | ${r.plan.length} | ${playTaskTags(r.play).length} |`),
    '',
    '## Install and run',
    '',
    '```sh',
    `ansible-galaxy collection install ${spec.info.namespace}-${spec.info.name}-${spec.info.version}.tar.gz`,
    spec.roles[0] ? `ansible-playbook -i inventory.ini ${fq}.${spec.roles[0].role}   # playbooks/${spec.roles[0].role}.yml` : '',
    '```',
    '',
    'or use a role in your own playbook:',
    '',
    '```yaml',
    '- hosts: all',
    '  roles:',
    `    - role: ${fq}.${spec.roles[0]?.role ?? 'ROLE'}`,
    '```',
    '',
    '## Variables',
    '',
    "Each role's `defaults/main.yml` holds the values its profile sets (the XCCDF Values its fixes use).",
    'Defaults have the lowest precedence: set a variable in the inventory, `group_vars`, the play or with `-e` to change it.',
    '',
    '## Tags',
    '',
    'Every task is tagged with its rule, severity, strategy, complexity, disruption, reboot need and references; see [docs/tags.md](docs/tags.md).',
    '',
  ];
  return lines.join('\n');
}

/** Every file and directory of the collection except MANIFEST.json and FILES.json, parents before children. */
export function collectionTree(spec: CollectionSpec): TarEntry[] {
  const files = new Map<string, string>();
  files.set('README.md', readme(spec));
  files.set('galaxy.yml', galaxyYml(spec.info));
  files.set('meta/runtime.yml', "---\nrequires_ansible: '>=2.9.10'\n");
  files.set('docs/tags.md', tagsDoc(spec));
  for (const r of spec.roles) {
    files.set(`roles/${r.role}/tasks/main.yml`, tasksFile(r.play));
    files.set(`roles/${r.role}/defaults/main.yml`, defaultsFile(r.play));
    files.set(`roles/${r.role}/meta/main.yml`, roleMeta(spec, r));
    files.set(`playbooks/${r.role}.yml`, playbook(spec, r));
    files.set(`docs/${r.role}.md`, roleDoc(spec, r));
  }
  const entries: TarEntry[] = [];
  const dirs = new Set<string>();
  for (const path of [...files.keys()].sort()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ path: d });
      }
    }
    entries.push({ path, data: Buffer.from(files.get(path)!, 'utf8') });
  }
  return entries;
}

export function collectionArchive(spec: CollectionSpec, mtime: Date): CollectionArchive {
  const tree = collectionTree(spec);
  const files = filesJson(tree);
  const manifest = manifestJson(spec.info, files);
  const entries: TarEntry[] = [
    { path: 'MANIFEST.json', data: Buffer.from(manifest, 'utf8') },
    { path: 'FILES.json', data: Buffer.from(files, 'utf8') },
    ...tree,
  ];
  return { fileName: `${spec.info.namespace}-${spec.info.name}-${spec.info.version}.tar.gz`, data: tarGz(entries, mtime), entries };
}

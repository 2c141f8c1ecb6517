/**
 * Remediation against `oscap xccdf generate fix` on the SSG content:
 *
 * - profile-based: for every profile of each data stream, the Ansible play
 *   (its vars, and its tasks: set, order, names, modules, tags and every
 *   other key) and the bash script (its blocks, numbering and text) are the
 *   same as oscap's; only the header comments differ;
 * - results-based: from the results file and the ARF of one `oscap xccdf
 *   eval` per data stream on a synthetic root, the output is oscap's
 *   `--result-id ''` output;
 * - every playbook Vigil wrote passes `ansible-playbook --syntax-check`;
 * - a collection built from a data stream installs with ansible-galaxy and
 *   its roles pass the syntax check.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { parseAnsibleYaml } from '../testing/ansible-yaml.js';
import { buildCollection } from '../app/collection.js';
import { generateFix } from '../app/generate-fix.js';
import { skimContent } from '../model/selective-load.js';
import { CONTENT, oracleMissing, oscap, prerequisites, run } from '../testing/oracle.js';
import { buildSsgRoot, SSG_TARGETS } from '../testing/ssg-roots.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-rem-conf-'));
after(() => rmSync(base, { recursive: true, force: true }));

/** Every playbook Vigil wrote, for one syntax check at the end. */
const written: string[] = [];

type Task = Record<string, unknown>;

const TASK_KEYWORDS = new Set(['name', 'tags', 'when', 'register', 'with_items', 'loop', 'loop_control', 'changed_when', 'failed_when', 'ignore_errors', 'become', 'vars', 'notify', 'args', 'environment', 'no_log', 'check_mode', 'until', 'retries', 'delay', 'block', 'rescue', 'always', 'with_fileglob', 'with_dict', 'with_together', 'with_subelements', 'with_nested', 'with_first_found', 'listen', 'delegate_to', 'run_once', 'diff', 'any_errors_fatal']);

/** A task as the comparison reports it: its name, its module and its tags. */
function summary(t: Task): string {
  const module = Object.keys(t).find((k) => !TASK_KEYWORDS.has(k)) ?? '(block)';
  return JSON.stringify({ name: t['name'], module, tags: t['tags'] });
}

function play(text: string): { vars: Record<string, unknown>; tasks: Task[] } {
  const doc = parseAnsibleYaml(text) as Array<{ hosts: string; vars: Record<string, unknown> | null; tasks: Task[] | null }>;
  assert.equal(doc.length, 1, 'one play');
  assert.equal(doc[0]!.hosts, 'all');
  return { vars: doc[0]!.vars ?? {}, tasks: doc[0]!.tasks ?? [] };
}

/** The fix blocks of a bash script: everything from the first BEGIN line on. */
function bashBlocks(text: string): string[] {
  const at = text.indexOf('###############################################################################\n# BEGIN fix');
  return at < 0 ? [] : text.slice(at).split(/(?=#{79}\n# BEGIN fix)/);
}

function compareAnsible(ours: string, theirs: string): string {
  const a = play(ours);
  const b = play(theirs);
  assert.deepEqual(a.vars, b.vars, 'play vars');
  assert.deepEqual(a.tasks.map(summary), b.tasks.map(summary), 'task names, modules and tags, in order');
  assert.deepEqual(a.tasks, b.tasks, 'every task, key for key');
  return `${a.tasks.length}/${b.tasks.length} tasks, ${Object.keys(a.vars).length} vars`;
}

function compareBash(ours: string, theirs: string): string {
  const a = bashBlocks(ours);
  const b = bashBlocks(theirs);
  const heads = (bs: string[]): string[] => bs.map((x) => /# BEGIN fix \(([^)]*)\) for '([^']*)'/.exec(x)?.slice(1).join(' ') ?? x.slice(0, 80));
  assert.deepEqual(heads(a), heads(b), 'blocks: numbering and rule ids, in order');
  assert.deepEqual(a, b, 'block text');
  return `${a.length}/${b.length} bash blocks`;
}

async function compare(t: TestContext, input: string, label: string, args: { profile?: string; resultId?: string; tailoringFile?: string }): Promise<void> {
  const oscapArgs = [...(args.resultId !== undefined ? ['--result-id', args.resultId] : ['--profile', args.profile!]), ...(args.tailoringFile ? ['--tailoring-file', args.tailoringFile] : [])];
  const found: string[] = [];
  for (const fixType of ['ansible', 'bash'] as const) {
    const o = await oscap(['xccdf', 'generate', 'fix', '--fix-type', fixType, ...oscapArgs, input]);
    assert.equal(o.code, 0, `oscap failed: ${o.stderr}`);
    const ours = generateFix(input, { fixType, ...args });
    if (fixType === 'ansible') {
      const file = join(base, `${label.replace(/[^\w.-]+/g, '_')}.yml`);
      writeFileSync(file, ours.text);
      written.push(file);
      found.push(compareAnsible(ours.text, o.stdout));
    } else found.push(compareBash(ours.text, o.stdout));
  }
  t.diagnostic(`${label}: ${found.join(', ')}`);
}

for (const target of SSG_TARGETS) {
  test(`profile-based fixes agree with oscap for every profile of ${target.ds}`, { timeout: 600_000 }, async (t) => {
    if (!(await prerequisites(t, { oscap: true, files: [target.ds] }))) return;
    const ds = join(CONTENT, target.ds);
    const profiles = skimContent(ds).profileIds;
    assert.ok(profiles.length > 0);
    for (const profile of profiles) await compare(t, ds, `${target.ds} ${profile}`, { profile });
  });

  test(`results-based fixes agree with oscap from the results and ARF of ${target.ds}`, { timeout: 600_000 }, async (t) => {
    if (!(await prerequisites(t, { oscap: true, files: [target.ds] }))) return;
    const ds = join(CONTENT, target.ds);
    const profile = skimContent(ds).profileIds.find((p) => /cis_level2_server|anssi_np_nt28_high/.test(p)) ?? skimContent(ds).profileIds[0]!;
    const name = target.ds.replace('.xml', '');
    const root = join(base, `${name}-root`);
    const env = await buildSsgRoot(root, target.platform, false, join(base, `${name}-work`));
    const results = join(base, `${name}-results.xml`);
    const arf = join(base, `${name}-arf.xml`);
    const e = await oscap(['xccdf', 'eval', '--profile', profile, '--results', results, '--results-arf', arf, ds], { env, note: (s) => t.diagnostic(s) });
    assert.ok(e.code === 0 || e.code === 2, `oscap xccdf eval failed (exit ${e.code}): ${e.stderr.slice(0, 500)}`);
    const failed = skimContent(results).testResults()[0]!.ruleResults.filter((r) => r.result === 'fail').length;
    assert.ok(failed > 0, 'the synthetic root fails some rules');
    t.diagnostic(`${profile} on a default root: ${failed} failed rules`);
    await compare(t, results, `${name} results`, { resultId: '' });
    await compare(t, arf, `${name} ARF`, { resultId: '' });
  });
}

test('profile-based fixes agree with oscap through a tailoring file (extends, deselect, refine-value, set-value)', { timeout: 600_000 }, async (t) => {
  if (!(await prerequisites(t, { oscap: true, files: ['ssg-ubuntu2204-ds.xml'] }))) return;
  const ssg = 'xccdf_org.ssgproject.content_';
  const tailoring = join(base, 'tailoring.xml');
  writeFileSync(
    tailoring,
    `<?xml version="1.0" encoding="UTF-8"?>
<xccdf:Tailoring xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.vigil_tailoring_conformance">
  <xccdf:version time="2024-01-01T00:00:00">1</xccdf:version>
  <xccdf:Profile id="xccdf_org.vigil_profile_tailored" extends="${ssg}profile_cis_level1_server">
    <xccdf:title>Tailored CIS Level 1 Server</xccdf:title>
    <xccdf:select idref="${ssg}rule_package_aide_installed" selected="false"/>
    <xccdf:select idref="${ssg}rule_sshd_disable_root_login" selected="false"/>
    <xccdf:refine-value idref="${ssg}value_var_accounts_user_umask" selector="077"/>
    <xccdf:set-value idref="${ssg}value_var_sudo_logfile">/var/log/sudo-tailored.log</xccdf:set-value>
  </xccdf:Profile>
</xccdf:Tailoring>
`,
  );
  const ds = join(CONTENT, 'ssg-ubuntu2204-ds.xml');
  await compare(t, ds, 'ssg-ubuntu2204-ds.xml tailored', { profile: 'xccdf_org.vigil_profile_tailored', tailoringFile: tailoring });
  const ours = play(generateFix(ds, { fixType: 'ansible', profile: 'xccdf_org.vigil_profile_tailored', tailoringFile: tailoring }).text);
  assert.equal(ours.vars['var_accounts_user_umask'], '077');
  assert.equal(ours.vars['var_sudo_logfile'], '/var/log/sudo-tailored.log');
});

test('a hostile set-value: oscap writes it raw into the playbook and the script, Vigil writes it inert', { timeout: 600_000 }, async (t) => {
  if (!(await prerequisites(t, { oscap: true, files: ['ssg-ubuntu2204-ds.xml'] }))) return;
  const ssg = 'xccdf_org.ssgproject.content_';
  const hostile = "/var/log/x{{ lookup('pipe', 'touch pwned') }}'$(touch pwned)'";
  const tailoring = join(base, 'hostile-tailoring.xml');
  writeFileSync(
    tailoring,
    `<?xml version="1.0" encoding="UTF-8"?>
<xccdf:Tailoring xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.vigil_tailoring_hostile">
  <xccdf:version time="2024-01-01T00:00:00">1</xccdf:version>
  <xccdf:Profile id="xccdf_org.vigil_profile_hostile" extends="${ssg}profile_cis_level1_server">
    <xccdf:title>Hostile</xccdf:title>
    <xccdf:set-value idref="${ssg}value_var_sudo_logfile">${hostile.replace(/'/g, '&apos;')}</xccdf:set-value>
  </xccdf:Profile>
</xccdf:Tailoring>
`,
  );
  const ds = join(CONTENT, 'ssg-ubuntu2204-ds.xml');
  const args = ['--profile', 'xccdf_org.vigil_profile_hostile', '--tailoring-file', tailoring, ds];
  const line = (text: string, re: RegExp): string => text.split('\n').find((l) => re.test(l)) ?? '';
  const theirs = await oscap(['xccdf', 'generate', 'fix', '--fix-type', 'ansible', ...args]);
  assert.equal(line(theirs.stdout, /^    var_sudo_logfile:/), `    var_sudo_logfile: !!str ${hostile}`, 'oscap writes the value raw, for Jinja to evaluate');
  const theirBash = await oscap(['xccdf', 'generate', 'fix', '--fix-type', 'bash', ...args]);
  assert.equal(line(theirBash.stdout, /^var_sudo_logfile=/), `var_sudo_logfile='${hostile}'`, "oscap writes it raw between single quotes, so its quote ends them");
  const opts = { profile: 'xccdf_org.vigil_profile_hostile', tailoringFile: tailoring };
  const ours = generateFix(ds, { fixType: 'ansible', ...opts }).text;
  assert.match(line(ours, /^    var_sudo_logfile:/), /^    var_sudo_logfile: !unsafe /);
  assert.equal(play(ours).vars['var_sudo_logfile'], hostile);
  const ourBash = line(generateFix(ds, { fixType: 'bash', ...opts }).text, /^var_sudo_logfile=/);
  const cwd = mkdtempSync(join(base, 'hostile-'));
  const r = await run('bash', ['-c', `${ourBash}; printf %s "$var_sudo_logfile"`], { cwd, timeoutMs: 10_000 });
  assert.equal(r.stdout, hostile);
  assert.equal(existsSync(join(cwd, 'pwned')), false);
});

test('every playbook Vigil wrote passes ansible-playbook --syntax-check', { timeout: 600_000 }, async (t) => {
  if (written.length === 0) {
    oracleMissing(t, 'no playbooks were written (oscap or the SSG content is missing)');
    return;
  }
  const r = await run('ansible-playbook', ['--syntax-check', '-i', 'localhost,', '-c', 'local', ...written], { timeoutMs: 600_000, env: { ...process.env, ANSIBLE_LOCAL_TEMP: join(base, 'ansible-tmp') } }).catch(() => undefined);
  if (!r) {
    oracleMissing(t, 'ansible-playbook (Debian package ansible-core)');
    return;
  }
  assert.equal(r.code, 0, r.stdout + r.stderr);
  t.diagnostic(`${written.length} playbooks checked`);
});

test('a collection of the Ubuntu 22.04 profiles installs, and its roles pass the syntax check', { timeout: 600_000 }, async (t) => {
  if (!(await prerequisites(t, { files: ['ssg-ubuntu2204-ds.xml'] }))) return;
  const built = buildCollection(join(CONTENT, 'ssg-ubuntu2204-ds.xml'), { namespace: 'vigil', name: 'ssg_ubuntu2204', version: '0.1.65', profiles: [], outputDir: base });
  const dir = join(base, 'collections');
  const install = await run('ansible-galaxy', ['collection', 'install', built.archive, '-p', dir], { timeoutMs: 300_000 }).catch(() => undefined);
  if (!install) {
    oracleMissing(t, 'ansible-galaxy (Debian package ansible-core)');
    return;
  }
  assert.equal(install.code, 0, install.stdout + install.stderr);
  const playbook = join(base, 'all-roles.yml');
  writeFileSync(playbook, `- hosts: all\n  roles:\n${built.roles.map((r) => `    - role: ${r.fqcn}\n`).join('')}`);
  const env = { ...process.env, ANSIBLE_COLLECTIONS_PATH: dir, ANSIBLE_LOCAL_TEMP: join(base, 'ansible-tmp') };
  const check = await run('ansible-playbook', ['--syntax-check', '-i', 'localhost,', '-c', 'local', playbook], { env, timeoutMs: 300_000 });
  assert.equal(check.code, 0, check.stdout + check.stderr);
  t.diagnostic(built.roles.map((r) => `${r.fqcn}: ${r.ruleCount} rules, ${r.taskCount} tasks`).join('; '));
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { parseAnsibleYaml } from '../../testing/ansible-yaml.js';
import { readDocument } from '../../model/load.js';
import { indexBenchmark } from '../../model/xccdf/index.js';
import type { Benchmark } from '../../model/xccdf/types.js';
import { RULE, remediationBenchmark } from '../../testing/remediation-content.js';
import { ansiblePlay } from '../ansible.js';
import { ANSIBLE_SYSTEM } from '../fix-systems.js';
import { planRemediation } from '../plan.js';
import { collectionArchive, collectionTree, defaultsFile, roleName, tasksFile, type CollectionSpec } from './content.js';
import { sha256 } from './galaxy.js';
import { tagMeaning } from './tags.js';

const benchmark = readDocument({ text: remediationBenchmark(), name: 'b.xml' }) as Benchmark;
const index = indexBenchmark(benchmark);
const plan = planRemediation({
  system: ANSIBLE_SYSTEM,
  rules: ['a', 'b', 'c', 'd'].map((s) => index.rules.get(RULE(s))!),
  severity: (r) => r.severity,
  value: (id) => ({ text: 'v', title: index.values.get(id)?.title ?? '' }),
  filter: {},
  keepRulesWithoutFix: false,
});
const spec: CollectionSpec = {
  info: { namespace: 'ns', name: 'col', version: '1.2.3', authors: ['Tester'], description: 'Test roles', license: ['BSD-3-Clause'], tags: ['security'] },
  benchmark: { id: benchmark.id, title: benchmark.title, version: benchmark.version },
  roles: [{ role: 'p', profileId: 'xccdf_org.test_profile_p', profileTitle: 'Profile P', profileDescription: 'Every <b>thing</b>', plan, play: ansiblePlay(plan) }],
  generator: 'Vigil test',
  filter: '',
};

/** The files of a tar archive: name → content (directories have none). */
function untar(gz: Buffer): Map<string, Buffer | undefined> {
  const tar = gunzipSync(gz);
  const out = new Map<string, Buffer | undefined>();
  for (let at = 0; at + 512 <= tar.length; ) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const str = (from: number, len: number): string => h.toString('utf8', from, from + len).replace(/\0.*$/s, '');
    const name = [str(345, 155), str(0, 100)].filter(Boolean).join('/');
    const size = parseInt(str(124, 12), 8);
    out.set(name.replace(/\/$/, ''), str(156, 1) === '5' ? undefined : tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe('the collection layout', () => {
  it('names roles after profiles', () => {
    assert.equal(roleName('xccdf_org.ssgproject.content_profile_cis_level1_server'), 'cis_level1_server');
    assert.equal(roleName('xccdf_x_profile_Anssi-BP28.high'), 'anssi_bp28_high');
    assert.equal(roleName('xccdf_x_profile_1st'), 'profile_1st');
  });

  it('has the files a role, a playbook and the docs need, parents before children', () => {
    const paths = collectionTree(spec).map((e) => e.path);
    for (const p of ['README.md', 'galaxy.yml', 'meta/runtime.yml', 'roles/p/tasks/main.yml', 'roles/p/defaults/main.yml', 'roles/p/meta/main.yml', 'playbooks/p.yml', 'docs/p.md', 'docs/tags.md']) {
      assert.ok(paths.includes(p), p);
    }
    for (const p of paths) {
      const parent = p.split('/').slice(0, -1).join('/');
      if (parent) assert.ok(paths.indexOf(parent) < paths.indexOf(p), `${parent} before ${p}`);
    }
  });

  it('puts the tasks in the role and the values in its defaults', () => {
    const tasks = parse(tasksFile(spec.roles[0]!.play));
    assert.deepEqual(
      tasks.map((t: { name: string }) => t.name),
      ['Set A', 'Disable B', 'Set D'],
    );
    assert.deepEqual(parseAnsibleYaml(defaultsFile(spec.roles[0]!.play)), { var_text: 'v', var_quote: 'v' });
    assert.equal(tasksFile(ansiblePlay([])), '--- []\n');
    assert.deepEqual(parse(defaultsFile(ansiblePlay([]))), {});
  });

  it('runs the role by its fully qualified name from the playbook', () => {
    const files = new Map(collectionTree(spec).map((e) => [e.path, e.data?.toString('utf8')]));
    assert.deepEqual(parse(files.get('playbooks/p.yml')!), [{ name: 'Remediate Profile P', hosts: 'all', roles: [{ role: 'ns.col.p' }] }]);
    const galaxy = parse(files.get('galaxy.yml')!);
    assert.deepEqual([galaxy.namespace, galaxy.name, galaxy.version, galaxy.readme], ['ns', 'col', '1.2.3', 'README.md']);
    assert.match(files.get('docs/tags.md')!, /\| `NIST-800-53-CM-6\(a\)` \| rules that implement NIST SP 800-53 control CM-6\(a\) \| p \|/);
    assert.match(files.get('docs/p.md')!, /\| 1 \| `a` \| Rule A \| high \| configure \| low \| no \|/);
  });

  it('is archived with MANIFEST.json and FILES.json as ansible-galaxy writes them', () => {
    const archive = collectionArchive(spec, new Date(0));
    assert.equal(archive.fileName, 'ns-col-1.2.3.tar.gz');
    const files = untar(archive.data);
    const manifest = JSON.parse(files.get('MANIFEST.json')!.toString('utf8'));
    const filesJsonText = files.get('FILES.json')!.toString('utf8');
    assert.equal(manifest.file_manifest_file.chksum_sha256, sha256(filesJsonText));
    assert.equal(manifest.collection_info.namespace, 'ns');
    assert.equal(manifest.format, 1);
    const listed = JSON.parse(filesJsonText).files as Array<{ name: string; ftype: string; chksum_sha256: string | null }>;
    assert.equal(listed[0]!.name, '.');
    const inArchive = [...files.keys()].filter((n) => n !== 'MANIFEST.json' && n !== 'FILES.json');
    assert.deepEqual(
      listed.slice(1).map((f) => f.name),
      inArchive,
    );
    for (const f of listed.slice(1)) {
      const data = files.get(f.name);
      if (f.ftype === 'dir') assert.equal(data, undefined, f.name);
      else assert.equal(f.chksum_sha256, sha256(data!), f.name);
    }
  });
});

describe('tag meanings', () => {
  const title = (id: string): string | undefined => (id === 'sshd_x' ? 'Set SSH X' : undefined);
  const cases: ReadonlyArray<[string, RegExp]> = [
    ['sshd_x', /rule sshd_x: Set SSH X/],
    ['high_severity', /rules of high severity/],
    ['low_disruption', /fixes of low disruption/],
    ['configure_strategy', /strategy is "configure"/],
    ['reboot_required', /after a reboot/],
    ['no_reboot_needed', /need no reboot/],
    ['PCI-DSS-Req-1.2', /PCI DSS requirement Req-1.2/],
    ['NIST-800-171-3.1.1', /NIST SP 800-171 requirement 3.1.1/],
    ['CCE-80000-1', /Common Configuration Enumeration/],
    ['whatever', /given by the content/],
  ];
  for (const [tag, meaning] of cases) it(tag, () => assert.match(tagMeaning(tag, title), meaning));
});

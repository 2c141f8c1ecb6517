import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ContentError } from '../model/errors.js';
import { PROFILE, remediationDataStream, writeTemp } from '../testing/remediation-content.js';
import { oracleMissing, run } from '../testing/oracle.js';
import { buildCollection } from './collection.js';

const files = writeTemp({ 'ds.xml': remediationDataStream() });
after(() => rmSync(files.dir, { recursive: true, force: true }));

describe('collection build', () => {
  it('makes one role per profile, in NAMESPACE-NAME-VERSION.tar.gz', () => {
    const r = buildCollection(files['ds.xml']!, { namespace: 'test_ns', name: 'ssg', version: '1.0.0', profiles: [], outputDir: files.dir });
    assert.equal(r.archive, join(files.dir, 'test_ns-ssg-1.0.0.tar.gz'));
    assert.ok(existsSync(r.archive));
    assert.deepEqual(
      r.roles.map((x) => [x.fqcn, x.ruleCount, x.taskCount]),
      [
        ['test_ns.ssg.p', 3, 3],
        ['test_ns.ssg.q', 2, 2],
      ],
    );
  });

  it('takes the profiles asked for, by the end of their ids, and a filter', () => {
    const r = buildCollection(files['ds.xml']!, { namespace: 'n', name: 'c', version: '0.1.0', profiles: ['profile_q'], outputDir: files.dir, filter: { severity: ['high'] } });
    assert.deepEqual(
      r.roles.map((x) => [x.fqcn, x.profileId, x.ruleCount]),
      [['n.c.q', PROFILE('q'), 1]],
    );
  });

  const bad = [
    { opts: { namespace: 'Bad-NS', name: 'c', version: '1.0.0' }, message: /--namespace "Bad-NS" is not a valid collection name/ },
    { opts: { namespace: 'n', name: '_c', version: '1.0.0' }, message: /--name "_c"/ },
    { opts: { namespace: 'n', name: 'c', version: '1.0' }, message: /--version "1.0" is not a semantic version/ },
  ];
  for (const b of bad) {
    it(`refuses ${JSON.stringify(b.opts)}`, () => {
      assert.throws(
        () => buildCollection(files['ds.xml']!, { ...b.opts, profiles: [], outputDir: files.dir }),
        (e: unknown) => e instanceof ContentError && e.code === 'invalid-value' && b.message.test(e.message),
      );
    });
  }

  it('installs with ansible-galaxy, and a playbook using its roles by name passes the syntax check', async (t) => {
    const r = buildCollection(files['ds.xml']!, { namespace: 'test_ns', name: 'ssg', version: '1.0.0', profiles: [], outputDir: files.dir });
    const dir = join(files.dir, 'collections');
    const install = await run('ansible-galaxy', ['collection', 'install', r.archive, '-p', dir], { timeoutMs: 120_000 }).catch(() => undefined);
    if (!install) {
      oracleMissing(t, 'ansible-galaxy (Debian package ansible-core)');
      return;
    }
    assert.equal(install.code, 0, install.stdout + install.stderr);
    const root = join(dir, 'ansible_collections/test_ns/ssg');
    const manifest = JSON.parse(readFileSync(join(root, 'MANIFEST.json'), 'utf8'));
    assert.equal(manifest.collection_info.version, '1.0.0');
    assert.deepEqual(parse(readFileSync(join(root, 'roles/q/defaults/main.yml'), 'utf8'), { version: '1.1' }), { var_text: 'other text', var_quote: "it's #1: yes" });
    const playbook = join(files.dir, 'use.yml');
    writeFileSync(playbook, '- hosts: all\n  roles:\n    - role: test_ns.ssg.p\n    - role: test_ns.ssg.q\n');
    const env = { ...process.env, ANSIBLE_COLLECTIONS_PATH: dir, ANSIBLE_LOCAL_TEMP: join(files.dir, 'tmp') };
    const check = await run('ansible-playbook', ['--syntax-check', '-i', 'localhost,', '-c', 'local', playbook, join(root, 'playbooks/p.yml')], { env, timeoutMs: 120_000 });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.equal(execFileSync('tar', ['-tzf', r.archive], { encoding: 'utf8' }).split('\n')[0], 'MANIFEST.json');
  });
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PROFILE, RULE, remediationDataStream, resultsFileXml, testResultXml, writeTemp } from '../testing/remediation-content.js';
import { run } from './main.js';

const files = writeTemp({
  'ds.xml': remediationDataStream(),
  'results.xml': resultsFileXml(testResultXml(PROFILE('p'), { [RULE('a')]: 'pass' })),
});
after(() => rmSync(files.dir, { recursive: true, force: true }));

async function vigil(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('vigil xccdf generate fix', () => {
  it('writes the playbook to stdout, or to --output', async () => {
    const r = await vigil('xccdf', 'generate', 'fix', '--fix-type', 'ansible', '--profile', PROFILE('p'), files['ds.xml']!);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^---\n/);
    assert.match(r.out, /- name: Set A/);
    const output = join(files.dir, 'fix.sh');
    const w = await vigil('xccdf', 'generate', 'fix', '--profile', 'profile_p', '--output', output, '--severity', 'high', '--no-reboot', files['ds.xml']!);
    assert.equal(w.code, 0, w.err);
    assert.equal(w.out, '');
    const script = readFileSync(output, 'utf8');
    assert.match(script, /^#!\/usr\/bin\/env bash\n/, 'bash is the default fix type, as in oscap');
    assert.match(script, /# Filter: {2}--severity high --no-reboot\n/);
    assert.match(script, /BEGIN fix \(1 \/ 1\) for 'xccdf_org.test_rule_a'/);
  });

  it('says when the results hold nothing to remediate, and still succeeds', async () => {
    const r = await vigil('xccdf', 'generate', 'fix', '--fix-type', 'ansible', '--result-id', '', files['results.xml']!);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /vigil: note: .*has no failed rules: there is nothing to remediate/);
    assert.match(r.out, /tasks: \[\]/);
  });

  const errors = [
    { args: ['--fix-type', 'chef', '--profile', PROFILE('p')], message: /unknown fix type "chef"/ },
    { args: ['--profile', 'nope'], message: /no profile "nope"/ },
    { args: ['--result-id', 'nope'], message: /holds no TestResult/ },
    { args: ['--severity', 'urgent'], message: /--severity "urgent" is not one of/ },
  ];
  for (const e of errors) {
    it(`exits 1 with a clear error: ${e.args.join(' ')}`, async () => {
      const r = await vigil('xccdf', 'generate', 'fix', ...e.args, files['ds.xml']!);
      assert.equal(r.code, 1);
      assert.match(r.err, /^vigil: error: /);
      assert.match(r.err, e.message);
      assert.doesNotMatch(r.err, /internal error|at .*\.ts:\d+/);
    });
  }
});

describe('vigil collection build', () => {
  it('writes the archive and lists its roles', async () => {
    const r = await vigil('collection', 'build', '--namespace', 'ns', '--name', 'col', '--version', '2.0.0', '--profile', 'profile_p', '--output-dir', files.dir, files['ds.xml']!);
    assert.equal(r.code, 0, r.err);
    const archive = join(files.dir, 'ns-col-2.0.0.tar.gz');
    assert.ok(existsSync(archive));
    assert.match(r.out, new RegExp(`^${archive}\n  role ns.col.p: 3 rules, 3 tasks`));
  });

  it('exits 1 on a bad version', async () => {
    const r = await vigil('collection', 'build', '--namespace', 'ns', '--name', 'col', '--version', 'v2', '--output-dir', files.dir, files['ds.xml']!);
    assert.equal(r.code, 1);
    assert.match(r.err, /not a semantic version/);
  });
});

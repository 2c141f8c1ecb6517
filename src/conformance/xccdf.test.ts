/**
 * `vigil xccdf eval` against `oscap xccdf eval` on synthetic roots, rule by
 * rule, for the profiles the conformance suite covers: Ubuntu 22.04
 * (cis_level1_server, cis_level2_server, standard) and Debian 11
 * (anssi_np_nt28_high, standard), each on a default and a hardened root.
 *
 * Both tools must report the same rules. A rule is compared when every
 * object its checks and platforms can touch is collected from the root by
 * both tools; the others are counted, not compared, because the tools
 * differ there on purpose (docs/CONFORMANCE.md: live-only probes, shadow).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { CONTENT, evalResults, oscap, prerequisites } from '../testing/oracle.js';
import { buildSsgRoot, comparableOffline, ruleObjectTypes, SSG_TARGETS } from '../testing/ssg-roots.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-xccdf-conf-'));
after(() => rmSync(base, { recursive: true, force: true }));

const PROFILES: Record<string, readonly string[]> = {
  'ssg-ubuntu2204-ds.xml': ['cis_level1_server', 'cis_level2_server', 'standard'],
  'ssg-debian11-ds.xml': ['anssi_np_nt28_high', 'standard'],
};


for (const target of SSG_TARGETS) {
  for (const hardened of [false, true]) {
    const name = `${target.ds}-${hardened ? 'hardened' : 'default'}`;
    let env: NodeJS.ProcessEnv | undefined;
    const root = join(base, name);
    for (const profile of PROFILES[target.ds] ?? []) {
      test(`rule results agree with oscap: ${target.ds} ${profile} on a ${hardened ? 'hardened' : 'default'} root`, { timeout: 600_000 }, async (t) => {
        if (!(await prerequisites(t, { oscap: true, files: [target.ds] }))) return;
        env ??= await buildSsgRoot(root, target.platform, hardened, join(base, `${name}-work`));
        const file = join(CONTENT, target.ds);
        const o = await oscap(['xccdf', 'eval', '--profile', profile, file], { env, note: (s) => t.diagnostic(s) });
        const theirs = evalResults(o.stdout);
        assert.ok(theirs.size > 0, `oscap printed no results (exit ${o.code}): ${o.stderr.slice(0, 500)}`);
        const report = await evaluateXccdf(file, { profile, root });
        const ours = new Map(report.testResult.ruleResults.filter((r) => r.result !== 'notselected').map((r) => [r.ruleId, r.result as string]));
        assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), 'both tools evaluate the same rules');

        const differences: string[] = [];
        const tally = new Map<string, number>();
        let excluded = 0;
        for (const [id, theirResult] of theirs) {
          const rule = report.resolved.index.rules.get(id)!;
          if (!comparableOffline(ruleObjectTypes(report.checklist, report.resolved.index, rule))) {
            excluded++;
            continue;
          }
          tally.set(theirResult, (tally.get(theirResult) ?? 0) + 1);
          if (ours.get(id) !== theirResult) differences.push(`${id}: oscap ${theirResult}, vigil ${ours.get(id)}`);
        }
        const compared = [...tally.values()].reduce((a, b) => a + b, 0);
        t.diagnostic(`compared ${compared} of ${theirs.size} rules (${[...tally].map(([r, n]) => `${n} ${r}`).join(', ')}); ${excluded} touch objects the tools collect differently offline`);
        assert.deepEqual(differences, [], `${differences.length} rules differ:\n  ${differences.join('\n  ')}`);
        assert.ok((tally.get('pass') ?? 0) + (tally.get('fail') ?? 0) >= 20, 'the root should decide many rules');
        const exit = o.code;
        const ourExit = [...ours.values()].some((r) => r === 'fail' || r === 'error' || r === 'unknown') ? 2 : 0;
        assert.equal(ourExit, exit, 'the exit code follows oscap');
      });
    }
  }
}

test('a tailoring file selects, deselects and refines values as in oscap', { timeout: 600_000 }, async (t) => {
  const target = SSG_TARGETS.find((x) => x.ds === 'ssg-ubuntu2204-ds.xml')!;
  if (!(await prerequisites(t, { oscap: true, files: [target.ds] }))) return;
  const root = join(base, 'tailoring-root');
  const env = await buildSsgRoot(root, target.platform, true, join(base, 'tailoring-work'));
  const P = 'xccdf_org.ssgproject.content_';
  const tailoring = join(base, 'tailoring.xml');
  writeFileSync(
    tailoring,
    `<?xml version="1.0" encoding="UTF-8"?>
<xccdf:Tailoring xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.example_tailoring_t">
  <xccdf:benchmark href="${join(CONTENT, target.ds)}"/>
  <xccdf:version time="2024-01-01T00:00:00">1</xccdf:version>
  <xccdf:Profile id="xccdf_org.example_profile_tailored" extends="${P}profile_cis_level1_server">
    <xccdf:title>Tailored CIS</xccdf:title>
    <xccdf:select idref="${P}rule_sshd_disable_root_login" selected="false"/>
    <xccdf:select idref="${P}rule_accounts_maximum_age_login_defs" selected="true"/>
    <xccdf:refine-value idref="${P}value_var_accounts_maximum_age_login_defs" selector="60"/>
  </xccdf:Profile>
</xccdf:Tailoring>
`,
  );
  const file = join(CONTENT, target.ds);
  const o = await oscap(['xccdf', 'eval', '--tailoring-file', tailoring, '--profile', 'xccdf_org.example_profile_tailored', file], { env, note: (s) => t.diagnostic(s) });
  const theirs = evalResults(o.stdout);
  assert.ok(theirs.size > 0, o.stderr.slice(0, 500));
  const report = await evaluateXccdf(file, { tailoringFile: tailoring, profile: 'xccdf_org.example_profile_tailored', root });
  const ours = new Map(report.testResult.ruleResults.filter((r) => r.result !== 'notselected').map((r) => [r.ruleId, r.result as string]));
  assert.ok(!ours.has(`${P}rule_sshd_disable_root_login`) && !theirs.has(`${P}rule_sshd_disable_root_login`));
  assert.equal(report.testResult.setValues.find((v) => v.idref === `${P}value_var_accounts_maximum_age_login_defs`)?.value, '60');
  // The hardened root has PASS_MAX_DAYS 90: within CIS's 365, not within the tailored 60.
  assert.equal(theirs.get(`${P}rule_accounts_maximum_age_login_defs`), 'fail');
  assert.equal(ours.get(`${P}rule_accounts_maximum_age_login_defs`), 'fail');
  assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort());
});

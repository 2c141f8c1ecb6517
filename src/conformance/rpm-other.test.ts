/**
 * Fedora and SUSE Linux Enterprise 15 content on synthetic roots of their
 * own (the RHEL root's packages with fedora-release-server or sles-release
 * and that distribution's os-release): `vigil scan`'s detection picks the
 * data stream, the content loads and applies, and a scan agrees with oscap
 * rule for rule on what both can judge from the root. The agreement is
 * printed; the differences (none when last measured) are listed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { detectContent } from '../app/scan.js';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { offlineRootTarget } from '../target/fs-target.js';
import { CONTENT, evalResults, oracleMissing, prerequisites } from '../testing/oracle.js';
import { buildRhelRoot, oscapOnRpmRoot, rpmOracleMissing, type OtherDistro } from '../testing/rpm-roots.js';
import { comparableOffline, ruleObjectTypes } from '../testing/ssg-roots.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-rpm-other-'));
after(() => {
  if (process.env['VIGIL_KEEP_ORACLE_DIR'] !== '1') rmSync(base, { recursive: true, force: true });
});

const P = 'xccdf_org.ssgproject.content_profile_';

async function agreement(t: TestContext, distro: OtherDistro, ds: string, profile: string): Promise<void> {
  if (!(await prerequisites(t, { oscap: true, files: [ds] }))) return;
  const missing = await rpmOracleMissing();
  if (missing) return void oracleMissing(t, missing);
  const work = join(base, distro);
  const root = join(work, 'root');
  await buildRhelRoot(root, 9, 'default', { distro });
  const detected = await detectContent(offlineRootTarget(root), CONTENT);
  assert.equal(detected.file, join(CONTENT, ds), `vigil scan picks ${ds}`);
  const file = join(CONTENT, ds);
  const o = await oscapOnRpmRoot(['xccdf', 'eval', '--profile', P + profile, file], root, work, { note: (s) => t.diagnostic(s) });
  const theirs = evalResults(o.stdout);
  assert.ok(theirs.size > 0, `oscap printed no results (exit ${o.code}): ${o.stderr.slice(0, 500)}`);
  const report = await evaluateXccdf(file, { profile: P + profile, root });
  const ours = new Map(report.testResult.ruleResults.filter((r) => r.result !== 'notselected').map((r) => [r.ruleId, r.result as string]));
  assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), 'both tools evaluate the same rules');
  let compared = 0;
  let excluded = 0;
  const differences: string[] = [];
  const tally = new Map<string, number>();
  for (const [id, theirResult] of theirs) {
    const rule = report.resolved.index.rules.get(id);
    if (!rule || !comparableOffline(ruleObjectTypes(report.checklist, report.resolved.index, rule))) {
      excluded++;
      continue;
    }
    compared++;
    tally.set(theirResult, (tally.get(theirResult) ?? 0) + 1);
    if (ours.get(id) !== theirResult) differences.push(`${id}: oscap ${theirResult}, vigil ${ours.get(id)}`);
  }
  t.diagnostic(
    `${ds} ${profile}: ${compared - differences.length}/${compared} rules identical to oscap (${[...tally].map(([r, n]) => `${n} ${r}`).join(', ')}); ${excluded} not comparable offline`,
  );
  for (const d of differences) t.diagnostic(`differs: ${d}`);
  assert.ok((tally.get('pass') ?? 0) + (tally.get('fail') ?? 0) >= 20, 'the content applies to the root and decides rules');
}

test('Fedora content: detected, loaded, scanned; agreement with oscap printed', { timeout: 300_000 }, (t) => agreement(t, 'fedora', 'ssg-fedora-ds.xml', 'ospp'));
test('SUSE Linux Enterprise 15 content: detected, loaded, scanned; agreement with oscap printed', { timeout: 300_000 }, (t) => agreement(t, 'sle15', 'ssg-sle15-ds.xml', 'cis_server_l1'));

/**
 * `vigil xccdf eval` against `oscap xccdf eval` on synthetic RHEL roots
 * (src/testing/rpm-roots.ts: real packages in the root's own sqlite rpm
 * database), rule by rule, for every profile of the RHEL 9 and RHEL 8 data
 * streams: RHEL 9 on its default root (sqlite database, as RHEL 9 has),
 * RHEL 8 on its hardened root with a Berkeley DB database (as RHEL 8 has).
 *
 * As in xccdf.test.ts, both tools must report the same rules, and a rule
 * is compared when every object its checks and platforms can touch is
 * collected from the root by both tools (rpminfo and rpmverifyfile now
 * are). oscap runs once per root and profile (without its schema
 * validation), two runs at a time; Vigil reads the data stream once per
 * root and resolves each profile on it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { evaluateXccdf, prepareChecklist, type PreparedChecklist } from '../app/xccdf-eval.js';
import { resolveProfile } from '../xccdf/profile.js';
import { describeContent } from '../app/info.js';
import { CONTENT, evalResults, prerequisites, oracleMissing } from '../testing/oracle.js';
import { bdbWriterAvailable, buildRhelRoot, convertRootToBdb, oscapOnRpmRoot, rpmOracleMissing, settleRpmDatabase, type RhelMajor, type RootVariant } from '../testing/rpm-roots.js';
import { comparableOffline, ruleObjectTypes } from '../testing/ssg-roots.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-rpm-xccdf-'));
after(() => {
  if (process.env['VIGIL_KEEP_ORACLE_DIR'] !== '1') rmSync(base, { recursive: true, force: true });
});

interface ProfileOutcome {
  readonly profile: string;
  readonly compared: number;
  readonly tally: ReadonlyMap<string, number>;
  readonly excluded: number;
  readonly differences: readonly string[];
  readonly sameRules: boolean;
  readonly exitAgrees: boolean;
  /** Wall time of the oscap run and of Vigil's evaluation, ms. */
  readonly oscapMs: number;
  readonly vigilMs: number;
}

async function compareProfile(ds: string, profile: string, content: PreparedChecklist, root: string, work: string, t: TestContext, bdb: boolean): Promise<ProfileOutcome> {
  const file = join(CONTENT, ds);
  const t0 = performance.now();
  // --skip-valid: the data stream is SSG's own, schema-valid; oscap's schema validation is a third of its run here
  const o = await oscapOnRpmRoot(['xccdf', 'eval', '--skip-valid', '--profile', profile, file], root, work, { note: (s) => t.diagnostic(s), ...(bdb ? { backend: 'bdb_ro' as const } : {}) });
  const theirs = evalResults(o.stdout);
  assert.ok(theirs.size > 0, `oscap printed no results for ${profile} (exit ${o.code}): ${o.stderr.slice(0, 500)}`);
  const t1 = performance.now();
  // the data stream is read once per test (reading it is 90% of Vigil's time per profile); each profile is resolved on it
  const prepared: PreparedChecklist = { ...content, resolved: resolveProfile(content.checklist.benchmark, profile) };
  const report = await evaluateXccdf(file, { profile, root, prepared });
  const t2 = performance.now();
  const ours = new Map(report.testResult.ruleResults.filter((r) => r.result !== 'notselected').map((r) => [r.ruleId, r.result as string]));
  const differences: string[] = [];
  const tally = new Map<string, number>();
  let excluded = 0;
  for (const [id, theirResult] of theirs) {
    const rule = report.resolved.index.rules.get(id);
    if (!rule || !comparableOffline(ruleObjectTypes(report.checklist, report.resolved.index, rule))) {
      excluded++;
      continue;
    }
    tally.set(theirResult, (tally.get(theirResult) ?? 0) + 1);
    if (ours.get(id) !== theirResult) differences.push(`${id}: oscap ${theirResult}, vigil ${ours.get(id)}`);
  }
  const ourExit = [...ours.values()].some((r) => r === 'fail' || r === 'error' || r === 'unknown') ? 2 : 0;
  return {
    profile,
    compared: [...tally.values()].reduce((a, b) => a + b, 0),
    tally,
    excluded,
    differences,
    sameRules: JSON.stringify([...ours.keys()].sort()) === JSON.stringify([...theirs.keys()].sort()),
    exitAgrees: ourExit === o.code,
    oscapMs: t1 - t0,
    vigilMs: t2 - t1,
  };
}

async function everyProfile(t: TestContext, ds: string, major: RhelMajor, variant: RootVariant, bdb: boolean): Promise<void> {
  if (!(await prerequisites(t, { oscap: true, files: [ds] }))) return;
  const missing = (await rpmOracleMissing()) ?? (bdb && !bdbWriterAvailable() ? 'python3-bsddb3 (to write a Berkeley DB rpm database)' : undefined);
  if (missing) return void oracleMissing(t, missing);
  const work = join(base, `${ds}-${variant}`);
  const root = join(work, 'root');
  const b0 = performance.now();
  await buildRhelRoot(root, major, variant);
  if (bdb) convertRootToBdb(root);
  // two oscap processes at a time: no WAL for them to recover at once (settleRpmDatabase)
  else settleRpmDatabase(root);
  const buildMs = performance.now() - b0;
  const info = await describeContent(join(CONTENT, ds));
  assert.equal(info.documentType, 'Source Data Stream');
  if (info.documentType !== 'Source Data Stream') return;
  const profiles = [...new Set(info.streams.flatMap((s) => s.checklists.flatMap((c) => c.profiles.map((p) => p.id))))];
  assert.ok(profiles.length >= 10, `${ds} has its profiles`);
  const content = prepareChecklist(join(CONTENT, ds));
  const outcomes: ProfileOutcome[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < profiles.length) outcomes.push(await compareProfile(ds, profiles[next++]!, content, root, work, t, bdb));
  };
  await Promise.all([worker(), worker()]);
  let compared = 0;
  let decided = 0;
  const all: string[] = [];
  for (const o of outcomes.sort((a, b) => a.profile.localeCompare(b.profile))) {
    compared += o.compared;
    decided += (o.tally.get('pass') ?? 0) + (o.tally.get('fail') ?? 0);
    t.diagnostic(
      `${o.profile.replace('xccdf_org.ssgproject.content_profile_', '')}: ${o.compared - o.differences.length}/${o.compared} rules identical ` +
        `(${[...o.tally].map(([r, n]) => `${n} ${r}`).join(', ')}); ${o.excluded} touch objects the tools collect differently offline`,
    );
    if (!o.sameRules) all.push(`${o.profile}: the tools evaluate different rules`);
    if (!o.exitAgrees) all.push(`${o.profile}: the exit code differs from oscap's`);
    all.push(...o.differences.map((d) => `${o.profile}: ${d}`));
  }
  t.diagnostic(`${ds} on the ${variant} root (${bdb ? 'Berkeley DB' : 'sqlite'} database): ${profiles.length} profiles, ${compared} rule results compared, ${all.length} differences`);
  const sum = (f: (o: ProfileOutcome) => number): string => (outcomes.reduce((a, o) => a + f(o), 0) / 1000).toFixed(1);
  t.diagnostic(`time: root ${(buildMs / 1000).toFixed(1)} s; oscap ${sum((o) => o.oscapMs)} s, Vigil ${sum((o) => o.vigilMs)} s over ${profiles.length} profiles (two at a time)`);
  assert.deepEqual(all, [], `${all.length} differences:\n  ${all.join('\n  ')}`);
  assert.ok(decided >= 200, 'the root decides many rules');
}

test('every RHEL 9 profile agrees with oscap rule for rule on a RHEL 9 root', { timeout: 900_000 }, (t) => everyProfile(t, 'ssg-rhel9-ds.xml', 9, 'default', false));
test('every RHEL 8 profile agrees with oscap rule for rule on a hardened RHEL 8 root with a Berkeley DB database', { timeout: 900_000 }, (t) =>
  everyProfile(t, 'ssg-rhel8-ds.xml', 8, 'hardened', true),
);

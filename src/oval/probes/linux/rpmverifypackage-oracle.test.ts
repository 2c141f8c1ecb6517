/**
 * rpmverifypackage items against oscap 1.3.7's, on a synthetic RHEL 9 root
 * whose extra packages exercise rpm's dependency check: requires met and
 * unmet (by name, version range, epoch, file path, rpmlib, rich if/else),
 * conflicts both ways, a rich conflict, %verifyscript scriptlets.
 *
 * oscap judges dependencies only on a live host (offline, it skips rpm's
 * verification and reports true: docs/CONFORMANCE.md, "rpmverifypackage"),
 * so its items come from a live run whose %_dbpath is the root's database
 * (sqlite, then Berkeley DB); Vigil reads the same database from the root.
 * Every entity is compared, except verification_script_successful where
 * Vigil reports it not collected (it does not run package scriptlets):
 * there oscap's value is only required to exist. The offline run is
 * checked too: oscap says true for every package there.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { findOscap, oracleMissing } from '../../../testing/oracle.js';
import { caseDocument, type ProbeCase } from '../../../testing/probe-oracle.js';
import { readRootResults, vigilRootOutcome, type RootOutcome } from '../../../testing/root-oracle.js';
import { bdbWriterAvailable, buildRhelRoot, convertRootToBdb, oscapOnRpmDatabase, oscapOnRpmRoot, rpmOracleMissing, type RpmPackageSpec } from '../../../testing/rpm-roots.js';
import { rpmverifypackageProbe } from './rpmverifypackage.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-rpmvp-oracle-'));
after(() => {
  if (process.env['VIGIL_KEEP_ORACLE_DIR'] !== '1') rmSync(base, { recursive: true, force: true });
});

const pkg = (name: string, o: Partial<RpmPackageSpec>): RpmPackageSpec => ({ name, version: '1.0', release: '1.el9', arch: 'noarch', files: [{ path: `/usr/share/${name}/README` }], ...o });

/** Packages whose dependencies rpm -V judges one way or the other (with the RHEL 9 root's own). */
const DEPENDENCY_PACKAGES: readonly RpmPackageSpec[] = [
  pkg('dep-ok', { requires: ['sudo', 'shadow-utils >= 2:4.0', '/usr/bin/tar', '(tar or nothere)', 'tar = 2:1.34', 'bind-utils > 32:9', 'chrony <= 4.3-1.el9'] }),
  pkg('dep-missing', { requires: ['nothere'] }),
  pkg('dep-version', { requires: ['tar >= 2:1.99'] }),
  pkg('dep-noepoch', { requires: ['tar = 1.34'] }),
  pkg('dep-norelease', { requires: ['tmux = 3.2a', 'pam < 1.5.1'] }),
  pkg('dep-file', { requires: ['/usr/bin/nothere'] }),
  pkg('dep-own-file', { requires: ['/usr/share/dep-own-file/README'], epoch: 3 }),
  pkg('dep-provided', { requires: ['virtual-thing >= 2'] }),
  pkg('provider', { provides: ['virtual-thing = 2.5'] }),
  pkg('dep-rich-if', { requires: ['(nothere if tar)'] }),
  pkg('dep-rich-else', { requires: ['(nothere if nothere2 else tar)'] }),
  pkg('dep-rich-else-bad', { requires: ['(tar if nothere2 else nothere)'] }),
  pkg('dep-rich-and', { requires: ['(tar and (sudo or nothere) and audit >= 3)'] }),
  pkg('conflicting', { conflicts: ['tmux'] }),
  pkg('conflict-range', { conflicts: ['sudo < 1.0', 'glibc > 9'] }),
  pkg('conflict-unless', { conflicts: ['(tmux unless sudo)'] }),
  pkg('victim', {}),
  pkg('hater', { conflicts: ['victim'] }),
  pkg('script-ok', { verifyscript: 'exit 0' }),
  pkg('script-fail', { verifyscript: 'exit 1' }),
];

const ANY = (entity: string): string => `<linux:${entity} operation="pattern match">.*</linux:${entity}>`;
const EVERY = ['name', 'epoch', 'version', 'release', 'arch'].map(ANY).join('');

/** An object: every entity is required (schema), each a pattern matching anything unless given. */
const obj = (o: { behaviors?: string; name?: string; epoch?: string; version?: string; release?: string; arch?: string } = {}): string =>
  (o.behaviors ? `<linux:behaviors ${o.behaviors}/>` : '') + (['name', 'epoch', 'version', 'release', 'arch'] as const).map((e) => o[e] ?? ANY(e)).join('');

/** Objects without behaviors: oscap's probe runs rpm's two checks for every package (see BEHAVIOR_CASES). */
const CASES: ProbeCase[] = [
  { name: 'every package', family: 'linux', type: 'rpmverifypackage', object: EVERY },
  { name: 'nodigest and nosignature change nothing', family: 'linux', type: 'rpmverifypackage', object: obj({ behaviors: 'nodigest="true" nosignature="true"' }) },
  { name: 'one package by name', family: 'linux', type: 'rpmverifypackage', object: obj({ name: '<linux:name>dep-missing</linux:name>' }) },
  { name: 'packages without an epoch', family: 'linux', type: 'rpmverifypackage', object: obj({ name: '<linux:name operation="pattern match">^dep-</linux:name>', epoch: '<linux:epoch>(none)</linux:epoch>' }) },
  { name: 'an epoch, equals', family: 'linux', type: 'rpmverifypackage', object: obj({ epoch: '<linux:epoch>2</linux:epoch>' }) },
  { name: 'a version pattern and arch', family: 'linux', type: 'rpmverifypackage', object: obj({ version: '<linux:version operation="pattern match">^1\\.</linux:version>', arch: '<linux:arch>noarch</linux:arch>' }) },
  { name: 'name not equal, arch not equal (the gpg-pubkey too)', family: 'linux', type: 'rpmverifypackage', object: obj({ name: '<linux:name operation="not equal">tar</linux:name>', arch: '<linux:arch operation="not equal">x86_64</linux:arch>' }) },
  {
    name: 'state: the dependency check passes',
    family: 'linux',
    type: 'rpmverifypackage',
    object: obj({ name: '<linux:name operation="pattern match">^(dep|conflict)</linux:name>' }),
    state: '<linux:dependency_check_passed datatype="boolean">true</linux:dependency_check_passed>',
  },
  { name: 'an absent package', family: 'linux', type: 'rpmverifypackage', object: obj({ name: '<linux:name>nothere</linux:name>' }), existence: 'none_exist' },
];

/**
 * Objects with nodeps or noscripts, in a document of their own: oscap
 * 1.3.7's probe then runs one rpm check per package, and librpm's verify
 * options (a global that the probe never resets) leave every second one
 * doing nothing and reporting success (docs/CONFORMANCE.md,
 * "rpmverifypackage"). The items are compared with the value of the
 * remaining check masked: the same packages, the same entities.
 */
const BEHAVIOR_CASES: ProbeCase[] = [
  { name: 'every package, nodeps', family: 'linux', type: 'rpmverifypackage', object: obj({ behaviors: 'nodeps="true"' }) },
  { name: 'every package, noscripts', family: 'linux', type: 'rpmverifypackage', object: obj({ behaviors: 'noscripts="true"' }) },
  { name: 'every package, both', family: 'linux', type: 'rpmverifypackage', object: obj({ behaviors: 'nodeps="true" noscripts="true"' }) },
];

/** Items without the entities Vigil leaves not collected (value ''), as sorted strings. */
function comparable(o: RootOutcome, n: number, dropFor: ReadonlySet<string>, mask = false): string[] {
  const masked = (e: string): string => (mask && /^\["(dependency_check_passed|verification_script_successful)"/.test(e) ? e.replace(/"(true|false)"\]$/, '"?"]') : e);
  return (o.objects.get(`oval:vigil:obj:${n}`)?.items ?? [])
    .map((i) => {
      const name = i.entities.find((e) => e.startsWith('["name"'));
      const drop = name !== undefined && dropFor.has(name);
      return JSON.stringify({ status: i.status, entities: i.entities.filter((e) => !(drop && e.startsWith('["verification_script_successful"'))).map(masked) });
    })
    .sort();
}

const valueOf = (o: RootOutcome, n: number, pkgName: string, entity: string): string | undefined => {
  const it = o.objects.get(`oval:vigil:obj:${n}`)?.items.find((i) => i.entities.includes(JSON.stringify(['name', 'string', pkgName])));
  const e = it?.entities.find((x) => x.startsWith(`["${entity}"`));
  return e === undefined ? undefined : (JSON.parse(e) as string[])[2];
};

async function compare(t: TestContext, bdb: boolean): Promise<void> {
  if ((await findOscap()) === undefined) return void oracleMissing(t, 'the oscap command');
  const missing = (await rpmOracleMissing()) ?? (bdb && !bdbWriterAvailable() ? 'python3-bsddb3 (to write a Berkeley DB rpm database)' : undefined);
  if (missing) return void oracleMissing(t, missing);
  const work = join(base, bdb ? 'bdb' : 'sqlite');
  const root = join(work, 'root');
  await buildRhelRoot(root, 9, 'default', { extra: DEPENDENCY_PACKAGES });
  if (bdb) convertRootToBdb(root);
  const xml = caseDocument(CASES);
  const xmlB = caseDocument(BEHAVIOR_CASES);
  writeFileSync(join(work, 'defs.xml'), xml);
  writeFileSync(join(work, 'defs-b.xml'), xmlB);
  const backend = bdb ? { backend: 'bdb_ro' as const } : {};
  const dbdir = join(root, 'var/lib/rpm');
  // one oscap at a time: two rpm processes opening one WAL database at once can fail (docs/CONFORMANCE.md, CI time)
  const live = await oscapOnRpmDatabase(['oval', 'eval', '--results', join(work, 'live.xml'), join(work, 'defs.xml')], dbdir, join(work, 'a'), backend);
  const liveB = await oscapOnRpmDatabase(['oval', 'eval', '--results', join(work, 'live-b.xml'), join(work, 'defs-b.xml')], dbdir, join(work, 'b'), backend);
  const offline = await oscapOnRpmRoot(['oval', 'eval', '--results', join(work, 'offline.xml'), join(work, 'defs.xml')], root, work, backend);
  let theirs: RootOutcome;
  let theirsB: RootOutcome;
  let theirsOffline: RootOutcome;
  try {
    theirs = readRootResults(readFileSync(join(work, 'live.xml'), 'utf8'));
    theirsB = readRootResults(readFileSync(join(work, 'live-b.xml'), 'utf8'));
    theirsOffline = readRootResults(readFileSync(join(work, 'offline.xml'), 'utf8'));
  } catch {
    assert.fail(`oscap wrote no results (exit ${live.code}, ${liveB.code}, ${offline.code}): ${live.stderr.slice(-1000)} ${offline.stderr.slice(-1000)}`);
  }
  const ours = await vigilRootOutcome(xml, root, [rpmverifypackageProbe]);
  const oursB = await vigilRootOutcome(xmlB, root, [rpmverifypackageProbe]);

  // the packages whose %verifyscript Vigil does not run: not collected, and oscap's value exists
  const unrun = new Set<string>();
  for (const it of ours.objects.get('oval:vigil:obj:1')?.items ?? []) {
    if (it.entities.includes(JSON.stringify(['verification_script_successful', 'boolean', '']))) unrun.add(it.entities.find((e) => e.startsWith('["name"'))!);
  }
  assert.equal(unrun.size, 2, 'the two packages with a %verifyscript');
  for (const name of unrun) assert.match(valueOf(theirs, 1, (JSON.parse(name) as string[])[2]!, 'verification_script_successful') ?? '', /^(true|false)$/);

  const differ: string[] = [];
  let items = 0;
  CASES.forEach((c, i) => {
    const n = i + 1;
    items += theirs.objects.get(`oval:vigil:obj:${n}`)?.items.length ?? 0;
    const a = comparable(ours, n, unrun);
    const b = comparable(theirs, n, unrun);
    const flagOk = ours.objects.get(`oval:vigil:obj:${n}`)?.flag === theirs.objects.get(`oval:vigil:obj:${n}`)?.flag;
    if (!flagOk || JSON.stringify(a) !== JSON.stringify(b)) differ.push(`${c.name}: ${flagOk ? '' : 'flag, '}items\n  oscap: ${b.filter((x) => !a.includes(x)).join('\n  ')}\n  vigil: ${a.filter((x) => !b.includes(x)).join('\n  ')}`);
    // the definition result, unless the state reads an entity Vigil left not collected
    if (!(c.state && c.state.includes('verification_script')) && ours.definitions.get(`oval:vigil:def:${n}`) !== theirs.definitions.get(`oval:vigil:def:${n}`)) {
      differ.push(`${c.name}: definition oscap ${theirs.definitions.get(`oval:vigil:def:${n}`)}, vigil ${ours.definitions.get(`oval:vigil:def:${n}`)}`);
    }
  });
  BEHAVIOR_CASES.forEach((c, i) => {
    const n = i + 1;
    items += theirsB.objects.get(`oval:vigil:obj:${n}`)?.items.length ?? 0;
    const a = comparable(oursB, n, unrun, true);
    const b = comparable(theirsB, n, unrun, true);
    if (JSON.stringify(a) !== JSON.stringify(b) || oursB.objects.get(`oval:vigil:obj:${n}`)?.flag !== theirsB.objects.get(`oval:vigil:obj:${n}`)?.flag) {
      differ.push(`${c.name}: items\n  oscap: ${b.filter((x) => !a.includes(x)).join('\n  ')}\n  vigil: ${a.filter((x) => !b.includes(x)).join('\n  ')}`);
    }
  });
  const failing = (o: RootOutcome): string[] =>
    (o.objects.get('oval:vigil:obj:1')?.items ?? [])
      .filter((i) => i.entities.includes(JSON.stringify(['dependency_check_passed', 'boolean', 'false'])))
      .map((i) => (JSON.parse(i.entities[0]!) as string[])[2]!)
      .sort();
  const fails = failing(ours);
  t.diagnostic(`${bdb ? "Berkeley DB" : "sqlite"}: ${CASES.length + BEHAVIOR_CASES.length - differ.length}/${CASES.length + BEHAVIOR_CASES.length} objects agree with live oscap's (${items} items); dependency check fails for ${fails.length} of ${ours.objects.get("oval:vigil:obj:1")?.items.length} packages: ${fails.join(", ")}`);
  for (const d of differ) t.diagnostic(d);
  assert.deepEqual(differ, []);
  // the check decides both ways, as rpm -V does
  for (const p of ['dep-missing', 'dep-version', 'dep-noepoch', 'dep-norelease', 'dep-file', 'dep-rich-if', 'dep-rich-else-bad', 'conflicting', 'tmux', 'hater', 'victim', 'tar']) assert.ok(fails.includes(p), `${p} fails its dependency check`);
  for (const p of ['dep-ok', 'dep-own-file', 'dep-provided', 'dep-rich-else', 'dep-rich-and', 'conflict-range', 'conflict-unless', 'sudo']) assert.ok(!fails.includes(p), `${p} passes its dependency check`);
  // offline, oscap does not verify: true everywhere, the same packages otherwise
  const offlineFails = failing(theirsOffline);
  assert.deepEqual(offlineFails, [], 'oscap 1.3.7 offline reports every dependency check passed');
  const names = (o: RootOutcome): string[] => (o.objects.get('oval:vigil:obj:1')?.items ?? []).map((i) => i.entities.slice(0, 6).join()).sort();
  assert.deepEqual(names(ours), names(theirsOffline), 'offline, oscap reports the same packages');
  t.diagnostic(`offline oscap: every package passes (${fails.length} of them fail rpm's check on a live host)`);
}

test('rpmverifypackage agrees with oscap (live, the same database) item for item: sqlite', { timeout: 300_000 }, (t) => compare(t, false));
test('rpmverifypackage agrees with oscap (live, the same database) item for item: Berkeley DB', { timeout: 300_000 }, (t) => compare(t, true));

/**
 * rpminfo and rpmverifyfile items against oscap 1.3.7's on synthetic RHEL
 * roots (src/testing/rpm-roots.ts): real packages built with rpmbuild and
 * installed into each root's own sqlite database; the tampered root has a
 * changed digest, mode, owner, group, mtime, link, and a missing file.
 * Every item is compared (entities, datatypes, values), not just results.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { findOscap, oracleMissing } from '../../../testing/oracle.js';
import { caseDocument, type ProbeCase } from '../../../testing/probe-oracle.js';
import { caseDifferences, describeCase, readRootResults, vigilRootOutcome, type RootOutcome } from '../../../testing/root-oracle.js';
import { bdbWriterAvailable, buildRhelRoot, convertRootToBdb, DEVICE_PACKAGES, oscapOnRpmRoot, rpmOracleMissing, signingKey, TAMPERED } from '../../../testing/rpm-roots.js';
import { rpminfoProbe } from './rpminfo.js';
import { rpmverifyProbe } from './rpmverify.js';
import { rpmverifyfileProbe } from './rpmverifyfile.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-rpm-oracle-'));
after(() => {
  if (process.env['VIGIL_KEEP_ORACLE_DIR'] !== '1') rmSync(base, { recursive: true, force: true });
});

const ANY = (entity: string): string => `<linux:${entity} operation="pattern match">.*</linux:${entity}>`;
const PKG = ['name', 'epoch', 'version', 'release', 'arch'].map(ANY).join('');
const verify = (behaviors: string, filepath: string, pkg = PKG): string => `${behaviors ? `<linux:behaviors ${behaviors}/>` : ''}${pkg}${filepath}`;
const ALL_OMITTED = 'nolinkto="true" nomd5="true" nosize="true" nouser="true" nogroup="true" nomtime="true" nomode="true" nordev="true"';

/**
 * Cases whose filepath is `equals`: oscap 1.3.7 (librpm 4.18) can pair the
 * path with another file's data there (docs/CONFORMANCE.md, "rpm-based
 * hosts"): /var/log/sudo.log by equals comes with /etc/sudoers' flags and
 * results, and /usr/bin/sudo with every check omitted gets a second item
 * carrying sudo.log's. By pattern match it reports every file correctly. For
 * these cases the paths found and the object's flag are compared, and each
 * of Vigil's items must equal its item for the same file by pattern match.
 */
const EQUALS_LOOKUP = new Set(['rpmverifyfile: SSG suid rpms (every check omitted, one path)', 'rpmverifyfile: a ghost file by path']);

const CASES: ProbeCase[] = [
  { name: 'rpminfo: every package', family: 'linux', type: 'rpminfo', object: '<linux:name operation="pattern match">.*</linux:name>' },
  { name: 'rpminfo: a package without epoch, with its files', family: 'linux', type: 'rpminfo', object: '<linux:behaviors filepaths="true"/><linux:name>openssh-server</linux:name>' },
  { name: 'rpminfo: a package with an epoch, with its files', family: 'linux', type: 'rpminfo', object: '<linux:behaviors filepaths="true"/><linux:name>shadow-utils</linux:name>' },
  { name: 'rpminfo: not equal', family: 'linux', type: 'rpminfo', object: '<linux:name operation="not equal">tar</linux:name>' },
  { name: 'rpminfo: an absent package', family: 'linux', type: 'rpminfo', object: '<linux:name>telnet</linux:name>', existence: 'none_exist' },
  {
    name: 'rpminfo: the RHEL 9 platform check (redhat-release version ^9)',
    family: 'linux',
    type: 'rpminfo',
    object: '<linux:name>redhat-release</linux:name>',
    state: '<linux:version operation="pattern match">^9[^\\d]</linux:version>',
  },
  { name: 'rpminfo: evr less than', family: 'linux', type: 'rpminfo', object: '<linux:name>sudo</linux:name>', state: '<linux:evr datatype="evr_string" operation="less than">0:1.9.5p2-10.el9</linux:evr>' },
  { name: 'rpmverifyfile: every file, every check', family: 'linux', type: 'rpmverifyfile', object: verify('', ANY('filepath')) },
  {
    name: 'rpmverifyfile: SSG rpm_verify_hashes (files under /usr, digests)',
    family: 'linux',
    type: 'rpmverifyfile',
    object: verify('nomd5="false"', '<linux:filepath operation="pattern match">^/(bin|sbin|lib|lib64|usr)/.+$</linux:filepath>'),
    state: '<linux:md5_differs>pass</linux:md5_differs>',
  },
  { name: 'rpmverifyfile: SSG rpm_verify_ownership / permissions (nomd5 noghostfiles)', family: 'linux', type: 'rpmverifyfile', object: verify('nomd5="true" noghostfiles="true"', ANY('filepath')) },
  { name: 'rpmverifyfile: SSG suid rpms (every check omitted, one path)', family: 'linux', type: 'rpmverifyfile', object: verify(ALL_OMITTED, '<linux:filepath>/usr/bin/sudo</linux:filepath>') },
  { name: 'rpmverifyfile: noconfigfiles', family: 'linux', type: 'rpmverifyfile', object: verify('noconfigfiles="true"', ANY('filepath')) },
  {
    name: 'rpmverifyfile: one package, filepath not equal',
    family: 'linux',
    type: 'rpmverifyfile',
    object: verify('nomtime="true" nouser="true"', '<linux:filepath operation="not equal">/etc/chrony.conf</linux:filepath>', `<linux:name>chrony</linux:name>${['epoch', 'version', 'release', 'arch'].map(ANY).join('')}`),
  },
  { name: 'rpmverifyfile: a ghost file by path', family: 'linux', type: 'rpmverifyfile', object: verify('', '<linux:filepath>/var/log/sudo.log</linux:filepath>') },
  { name: 'rpmverifyfile: every file, every check omitted', family: 'linux', type: 'rpmverifyfile', object: verify(ALL_OMITTED, ANY('filepath')) },
  { name: 'rpmverifyfile: a path no package owns', family: 'linux', type: 'rpmverifyfile', object: verify('', '<linux:filepath>/etc/passwd</linux:filepath>'), existence: 'none_exist' },
  { name: 'rpmverify: every file of every package', family: 'linux', type: 'rpmverify', object: `${ANY('name')}${ANY('filepath')}` },
  {
    name: 'rpmverify: one package, nomd5 noghostfiles',
    family: 'linux',
    type: 'rpmverify',
    object: '<linux:behaviors nomd5="true" noghostfiles="true"/><linux:name>chrony</linux:name><linux:filepath operation="pattern match">.*</linux:filepath>',
  },
  {
    name: 'rpmverify: name not equal, files under /usr, nomtime nouser nogroup noconfigfiles',
    family: 'linux',
    type: 'rpmverify',
    object: '<linux:behaviors nomtime="true" nouser="true" nogroup="true" noconfigfiles="true"/><linux:name operation="not equal">tar</linux:name><linux:filepath operation="pattern match">^/usr/</linux:filepath>',
    state: '<linux:md5_differs>pass</linux:md5_differs>',
  },
  {
    name: 'rpmverify: every check omitted, one path',
    family: 'linux',
    type: 'rpmverify',
    object: '<linux:behaviors nolinkto="true" nomd5="true" nosize="true" nouser="true" nogroup="true" nomtime="true" nomode="true" nordev="true"/><linux:name operation="pattern match">.*</linux:name><linux:filepath>/usr/sbin/sshd</linux:filepath>',
  },
  { name: 'rpmverify: a package that is not installed', family: 'linux', type: 'rpmverify', object: `<linux:name>telnet</linux:name>${ANY('filepath')}`, existence: 'none_exist' },
];

async function compare(t: TestContext, variant: 'default' | 'hardened', major: 8 | 9, tampered: boolean, bdb = false): Promise<void> {
  if ((await findOscap()) === undefined) return void oracleMissing(t, 'the oscap command');
  const missing = (await rpmOracleMissing()) ?? (bdb && !bdbWriterAvailable() ? 'python3-bsddb3 (to write a Berkeley DB rpm database)' : undefined);
  if (missing) return void oracleMissing(t, missing);
  const name = `el${major}-${variant}${tampered ? '-tampered' : ''}${bdb ? '-bdb' : ''}`;
  const root = join(base, name, 'root');
  const work = join(base, name);
  await buildRhelRoot(root, major, variant, { tampered, extra: DEVICE_PACKAGES });
  if (bdb) t.diagnostic(`Berkeley DB Packages with ${convertRootToBdb(root)} headers`);
  const xml = caseDocument(CASES);
  writeFileSync(join(work, 'defs.xml'), xml);
  const r = await oscapOnRpmRoot(['oval', 'eval', '--results', join(work, 'results.xml'), join(work, 'defs.xml')], root, work, { note: (s) => t.diagnostic(s), ...(bdb ? { backend: 'bdb_ro' as const } : {}) });
  let theirs: RootOutcome;
  try {
    theirs = readRootResults(readFileSync(join(work, 'results.xml'), 'utf8'));
  } catch {
    assert.fail(`oscap wrote no results (exit ${r.code}): ${r.stderr.slice(-1500)}`);
  }
  const ours = await vigilRootOutcome(xml, root, [rpminfoProbe, rpmverifyfileProbe, rpmverifyProbe]);
  const differ: string[] = [];
  let items = 0;
  const byPattern = new Map<string, string>();
  for (const n of [CASES.findIndex((c) => c.name === 'rpmverifyfile: every file, every check') + 1, CASES.findIndex((c) => c.name === 'rpmverifyfile: every file, every check omitted') + 1]) {
    for (const i of ours.objects.get(`oval:vigil:obj:${n}`)?.items ?? []) byPattern.set(JSON.stringify(i.entities), 'seen');
  }
  const paths = (o: RootOutcome, n: number): string[] =>
    [...new Set((o.objects.get(`oval:vigil:obj:${n}`)?.items ?? []).flatMap((i) => i.entities.filter((e) => e.startsWith('["filepath"'))))].sort();
  CASES.forEach((c, i) => {
    items += theirs.objects.get(`oval:vigil:obj:${i + 1}`)?.items.length ?? 0;
    if (EQUALS_LOOKUP.has(c.name)) {
      const n = i + 1;
      assert.equal(ours.objects.get(`oval:vigil:obj:${n}`)?.flag, theirs.objects.get(`oval:vigil:obj:${n}`)?.flag, c.name);
      assert.deepEqual(paths(ours, n), paths(theirs, n), c.name);
      for (const it of ours.objects.get(`oval:vigil:obj:${n}`)?.items ?? []) assert.ok(byPattern.has(JSON.stringify(it.entities)), `${c.name}: the item by path equals the item by pattern`);
      return;
    }
    const d = caseDifferences(i + 1, ours, theirs).filter((x) => x !== 'messages');
    if (d.length) differ.push(`${c.name}: ${d.join(', ')}\n${describeCase(i + 1, ours, theirs).slice(0, 6000)}`);
  });
  t.diagnostic(`${name}: ${CASES.length - differ.length}/${CASES.length} objects agree with oscap's (${EQUALS_LOOKUP.size} of them by paths found; ${items} items)`);
  // signatures: sudo carries a header+payload signature (its key id is reported), openssh a header-only one ("0", as oscap)
  const key = await signingKey();
  if (key) {
    const every = ours.objects.get('oval:vigil:obj:1')!;
    const keyOf = (name: string): string | undefined =>
      every.items.map((i) => i.entities.map((e) => JSON.parse(e) as string[])).find((es) => es[0]?.[2] === name)?.find((e) => e[0] === 'signature_keyid')?.[2];
    assert.equal(keyOf('sudo'), key.keyid);
    assert.equal(keyOf('openssh'), '0');
    assert.ok(keyOf('gpg-pubkey') !== undefined, 'the imported key is a gpg-pubkey package');
    t.diagnostic(`signed: sudo (header+payload, key ${key.keyid}), openssh (header only); the key imported as gpg-pubkey`);
  } else t.diagnostic('gpg is missing: the packages are unsigned');
  if (tampered) {
    // what rpm -V says of the tampered files, from Vigil's items
    const every = ours.objects.get(`oval:vigil:obj:${CASES.findIndex((c) => c.name === 'rpmverifyfile: every file, every check') + 1}`)!;
    const failing = (path: string): string[] => {
      const it = every.items.find((i) => i.entities.includes(JSON.stringify(['filepath', 'string', path])));
      return (it?.entities ?? []).map((e) => JSON.parse(e) as string[]).filter((e) => e[2] === 'fail' || (e[2] === 'not performed' && e[0] === 'size_differs')).map((e) => `${e[0]}=${e[2]}`);
    };
    assert.deepEqual(failing('/usr/sbin/sshd'), ['size_differs=fail', 'md5_differs=fail', 'mtime_differs=fail']);
    assert.deepEqual(failing('/usr/bin/tmux'), ['mode_differs=fail']);
    assert.deepEqual(failing('/usr/sbin/chronyd'), ['ownership_differs=fail']);
    assert.deepEqual(failing('/usr/bin/dig'), ['group_differs=fail']);
    assert.deepEqual(failing('/usr/sbin/rsyslogd'), ['size_differs=not performed']);
    assert.deepEqual(failing('/usr/bin/tar'), ['mtime_differs=fail']);
    assert.deepEqual(failing('/usr/lib64/libaudit.so.1'), ['link_mismatch=fail']);
    assert.deepEqual(failing('/usr/sbin/auditctl'), ['md5_differs=fail', 'mtime_differs=fail']);
    assert.deepEqual(failing('/dev/vigil-null'), ['device_differs=fail']);
    assert.deepEqual(failing('/dev/vigil-loop'), ['mode_differs=fail', 'md5_differs=fail', 'device_differs=fail', 'mtime_differs=fail']);
  } else {
    const every = ours.objects.get(`oval:vigil:obj:${CASES.findIndex((c) => c.name === 'rpmverifyfile: every file, every check') + 1}`)!;
    for (const dev of ['/dev/vigil-null', '/dev/vigil-loop']) {
      const it = every.items.find((i) => i.entities.includes(JSON.stringify(['filepath', 'string', dev])));
      assert.ok(it?.entities.includes(JSON.stringify(['device_differs', 'string', 'pass'])), `${dev}: the device verifies`);
    }
  }
  for (const d of differ) t.diagnostic(d.split("\n")[0]!);
  assert.deepEqual(differ, []);
  assert.ok(items > 100, 'the roots give many items');
}

test('rpm probes agree with oscap item for item: RHEL 9 root', { timeout: 300_000 }, (t) => compare(t, 'default', 9, false));
test('rpm probes agree with oscap item for item: RHEL 9 tampered root', { timeout: 300_000 }, async (t) => {
  await compare(t, 'default', 9, true);
  t.diagnostic(`tampered: ${Object.entries(TAMPERED).map(([p, w]) => `${p} (${w})`).join(', ')}`);
});
test('rpm probes agree with oscap item for item: RHEL 8 hardened root', { timeout: 300_000 }, (t) => compare(t, 'hardened', 8, false));
test('rpm probes agree with oscap item for item: RHEL 8 root with a Berkeley DB database', { timeout: 300_000 }, (t) => compare(t, 'default', 8, false, true));
test('rpm probes agree with oscap item for item: tampered RHEL 8 root with a Berkeley DB database', { timeout: 300_000 }, (t) => compare(t, 'default', 8, true, true));

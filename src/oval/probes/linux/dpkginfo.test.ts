import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { oscap, oracleMissing, findOscap, run } from '../../../testing/oracle.js';
import { caseDifferences, describeCase, readRootResults, tempRoot, vigilRootOutcome } from '../../../testing/root-oracle.js';
import { caseDocument, type ProbeCase } from '../../../testing/probe-oracle.js';
import { dpkginfoProbe } from './dpkginfo.js';

/**
 * Package identity as oscap sees it: a package's own name (a virtual name
 * from Provides: matches nothing), and the dpkg states that count as
 * installed. `apt-get install telnet && apt-get remove telnet` leaves
 * inetutils-telnet, which provides telnet: package_telnet_removed passes.
 */
const STATUS = `Package: inetutils-telnet
Status: install ok installed
Architecture: amd64
Version: 2:2.4-2
Provides: telnet

Package: nis
Status: deinstall ok config-files
Architecture: amd64
Version: 4.4

Package: rsh-client
Status: hold ok installed
Architecture: amd64
Version: 0.17-22

Package: talk
Status: install ok unpacked
Architecture: amd64
Version: 0.17-17

Package: ypbind
Status: install ok half-configured
Architecture: amd64
Version: 1.0-1

Package: xinetd
Status: purge ok not-installed
Architecture: amd64

Package: rsync
Status: install ok installed
Architecture: amd64
Version: 3.2.3
Provides: rsync-ssl, telnet
`;

const NAMES = ['telnet', 'inetutils-telnet', 'nis', 'rsh-client', 'talk', 'ypbind', 'xinetd', 'rsync', 'rsync-ssl'];

test('dpkginfo: package identity and installed states agree with oscap (items included)', { timeout: 120_000 }, async (t) => {
  if ((await findOscap()) === undefined) return void oracleMissing(t, 'the oscap command');
  const r = tempRoot('vigil-rpm-dpkg-', { 'var/lib/dpkg/status': STATUS });
  try {
    const root = r.root;
    for (const d of ['var/cache/apt', 'var/lib/apt/lists/partial', 'etc/apt', 'usr/share/dpkg']) mkdirSync(join(root, d), { recursive: true });
    for (const f of ['cputable', 'tupletable', 'ostable']) if (existsSync(`/usr/share/dpkg/${f}`)) writeFileSync(join(root, 'usr/share/dpkg', f), readFileSync(`/usr/share/dpkg/${f}`));
    const aptConf = join(r.dir, 'apt.conf');
    mkdirSync(join(r.dir, 'aptparts'));
    writeFileSync(aptConf, `Dir::Etc::parts "${join(r.dir, 'aptparts')}";\nDir::Cache::pkgcache "pkgcache.bin";\nDir::Cache::srcpkgcache "srcpkgcache.bin";\n`);
    const env = { ...process.env, APT_CONFIG: aptConf };
    const gen = await run('apt-cache', ['-o', `RootDir=${root}`, 'gencaches'], { env, timeoutMs: 60_000 });
    assert.equal(gen.code, 0, gen.stderr);
    const cases: ProbeCase[] = [
      ...NAMES.map((n) => ({ name: n, family: 'linux' as const, type: 'dpkginfo', object: `<linux:name>${n}</linux:name>` })),
      { name: 'every package', family: 'linux', type: 'dpkginfo', object: '<linux:name operation="pattern match">.*</linux:name>' },
      // package_telnet_removed, as SSG writes it
      { name: 'package_telnet_removed', family: 'linux', type: 'dpkginfo', object: '<linux:name>telnet</linux:name>', existence: 'none_exist' },
    ];
    const xml = caseDocument(cases);
    writeFileSync(join(r.dir, 'defs.xml'), xml);
    await oscap(['oval', 'eval', '--results', join(r.dir, 'results.xml'), join(r.dir, 'defs.xml')], { env: { ...env, OSCAP_PROBE_ROOT: root } });
    const theirs = readRootResults(readFileSync(join(r.dir, 'results.xml'), 'utf8'));
    const ours = await vigilRootOutcome(xml, root, [dpkginfoProbe]);
    // Known, documented (docs/CONFORMANCE.md, "Package identity"): oscap labels evr evr_string, the schema
    // says debian_evr_string; and oscap finds nothing for a name that is not `equals`.
    for (const o of theirs.objects.values()) {
      for (const i of o.items) (i.entities as string[]).forEach((e, k, a) => (a[k] = e.replace('["evr","evr_string"', '["evr","debian_evr_string"')));
    }
    const PATTERN = NAMES.length + 1;
    assert.equal(theirs.objects.get(`oval:vigil:obj:${PATTERN}`)?.flag, 'does not exist', 'oscap matches no pattern');
    const differ: string[] = [];
    cases.forEach((c, i) => {
      if (i + 1 === PATTERN) return;
      const d = caseDifferences(i + 1, ours, theirs).filter((x) => x !== 'messages');
      if (d.length) differ.push(`${c.name}: ${d.join(', ')}\n${describeCase(i + 1, ours, theirs)}`);
    });
    assert.deepEqual(differ, []);
    // and what that means, stated plainly
    assert.equal(ours.definitions.get(`oval:vigil:def:${cases.length}`), 'true', 'package_telnet_removed passes');
    assert.equal(ours.definitions.get('oval:vigil:def:3'), 'false', 'a removed package with its configuration files left is not installed');
    assert.equal(ours.objects.get(`oval:vigil:obj:${NAMES.length + 1}`)?.items.length, 5, 'installed: inetutils-telnet, rsh-client (hold), talk (unpacked), ypbind (half-configured), rsync');
  } finally {
    r.dispose(t);
  }
});

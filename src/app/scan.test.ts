import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ContentError } from '../model/errors.js';
import { mockTarget } from '../target/memory-target.js';
import { BASELINE_PROFILE, baselineDataStreamPath } from './baseline.js';
import { chooseScanContent, detectContent, parseOsRelease, productCandidates, readOsRelease } from './scan.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-scan-'));
after(() => rmSync(dir, { recursive: true, force: true }));
for (const f of ['ssg-ubuntu2204-ds.xml', 'ssg-debian11-ds.xml', 'ssg-rhel9-ds.xml', 'ssg-ubuntu2204-xccdf.xml']) writeFileSync(join(dir, f), '');

describe('content detection', () => {
  it('parses os-release quoting', () => {
    const os = parseOsRelease('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.3 LTS"\n# comment\n');
    assert.deepEqual(os, { id: 'ubuntu', versionId: '22.04', idLike: ['debian'], prettyName: 'Ubuntu 22.04.3 LTS' });
  });

  const table: Array<[string, string, string[]]> = [
    ['ubuntu', '22.04', ['ubuntu2204']],
    ['debian', '11', ['debian11']],
    ['rhel', '9.3', ['rhel9']],
    ['centos', '9', ['cs9', 'rhel9']],
    ['centos', '7', ['centos7', 'rhel7']],
    ['ol', '8.9', ['ol8']],
    ['sles', '15.5', ['sle15']],
    ['sles_sap', '15.4', ['sle15']],
    ['opensuse-leap', '15.5', ['opensuse']],
    ['opensuse-tumbleweed', '20240101', ['opensuse']],
    ['fedora', '39', ['fedora']],
    ['almalinux', '9.3', ['almalinux9', 'rhel9']],
    ['rocky', '8.9', ['rocky8', 'rhel8']],
    ['centos', '8', ['centos8', 'rhel8']],
    ['arch', '', []],
  ];
  for (const [id, v, want] of table) {
    it(`${id} ${v} → ${want.join(',') || 'nothing'}`, () => assert.deepEqual(productCandidates({ id, versionId: v, idLike: [], prettyName: '' }), want));
  }

  it('finds the matching data stream on the target', async () => {
    const t = mockTarget({ files: { '/etc/os-release': 'ID=debian\nVERSION_ID="11"\n' } });
    assert.equal((await detectContent(t, dir)).file, join(dir, 'ssg-debian11-ds.xml'));
  });

  it('refuses another product, listing what is installed', async () => {
    const t = mockTarget({ files: { '/etc/os-release': 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' } });
    await assert.rejects(detectContent(t, dir), (e: unknown) => {
      assert.ok(e instanceof ContentError);
      assert.equal(e.code, 'no-content');
      assert.match(e.message, /matches Debian GNU\/Linux 12 \(bookworm\)/);
      // one line: what was looked for, how many there are, and the options that help; not the list of every product
      assert.match(e.message, /no ssg-debian12-ds\.xml among the 3 data streams/);
      assert.match(e.message, /--nearest to use debian11/);
      assert.doesNotMatch(e.message, /rhel9|ubuntu2204|\n/);
      return true;
    });
  });

  it('says when the target has no os-release', async () => {
    await assert.rejects(detectContent(mockTarget({ files: { '/etc/hostname': 'x' } }), dir), /no \/etc\/os-release/);
  });
});

describe('rpm-based distributions, from their os-release files', () => {
  const rdir = mkdtempSync(join(tmpdir(), 'vigil-scan-rpm-'));
  after(() => rmSync(rdir, { recursive: true, force: true }));
  // the rpm-family data streams SSG 0.1.65 installs (no almalinux, rocky or cs9 of their own)
  for (const p of ['rhel7', 'rhel8', 'rhel9', 'centos7', 'centos8', 'ol7', 'ol8', 'ol9', 'fedora', 'sle12', 'sle15', 'opensuse', 'ubuntu2204']) writeFileSync(join(rdir, `ssg-${p}-ds.xml`), '');
  const OS: Array<[string, string, string, boolean]> = [
    ['RHEL 9', 'NAME="Red Hat Enterprise Linux"\nVERSION="9.2 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.2"\nPRETTY_NAME="Red Hat Enterprise Linux 9.2 (Plow)"\n', 'rhel9', false],
    ['RHEL 8', 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="8.8"\nPRETTY_NAME="Red Hat Enterprise Linux 8.8 (Ootpa)"\n', 'rhel8', false],
    ['CentOS 7', 'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\n', 'centos7', false],
    ['CentOS Stream 9', 'NAME="CentOS Stream"\nVERSION="9"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="9"\nPRETTY_NAME="CentOS Stream 9"\n', 'rhel9', true],
    ['Fedora 39', 'NAME="Fedora Linux"\nVERSION="39 (Server Edition)"\nID=fedora\nVERSION_ID=39\nPRETTY_NAME="Fedora Linux 39 (Server Edition)"\n', 'fedora', false],
    ['Oracle Linux 9', 'NAME="Oracle Linux Server"\nVERSION="9.3"\nID="ol"\nID_LIKE="fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="Oracle Linux Server 9.3"\n', 'ol9', false],
    ['AlmaLinux 9', 'NAME="AlmaLinux"\nVERSION="9.3 (Shamrock Pampas Cat)"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="AlmaLinux 9.3 (Shamrock Pampas Cat)"\n', 'rhel9', true],
    ['Rocky Linux 8', 'NAME="Rocky Linux"\nVERSION="8.9 (Green Obsidian)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="8.9"\nPRETTY_NAME="Rocky Linux 8.9 (Green Obsidian)"\n', 'rhel8', true],
    ['SLES 15', 'NAME="SLES"\nVERSION="15-SP5"\nVERSION_ID="15.5"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"\nID="sles"\nID_LIKE="suse"\n', 'sle15', false],
    ['SLES 12', 'NAME="SLES"\nVERSION="12-SP5"\nVERSION_ID="12.5"\nPRETTY_NAME="SUSE Linux Enterprise Server 12 SP5"\nID="sles"\n', 'sle12', false],
    ['openSUSE Leap 15', 'NAME="openSUSE Leap"\nVERSION="15.5"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.5"\nPRETTY_NAME="openSUSE Leap 15.5"\n', 'opensuse', false],
    ['openSUSE Tumbleweed', 'NAME="openSUSE Tumbleweed"\nID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\nVERSION_ID="20240101"\nPRETTY_NAME="openSUSE Tumbleweed"\n', 'opensuse', false],
  ];
  for (const [name, text, product, relative] of OS) {
    it(`${name} → ${product}${relative ? ' (the RHEL it follows, said so)' : ''}`, async () => {
      // os-release as a distribution ships it: /etc/os-release a link to /usr/lib/os-release
      const t = mockTarget({ files: { '/usr/lib/os-release': text, '/etc/os-release': { symlink: '../usr/lib/os-release' } } });
      const found = await detectContent(t, rdir);
      assert.equal(found.file, join(rdir, `ssg-${product}-ds.xml`));
      assert.equal(found.relative, relative ? product : undefined);
      const chosen = await chooseScanContent(t, rdir);
      assert.equal(chosen.file, found.file);
      if (relative) assert.match(chosen.note ?? '', new RegExp(`no content of its own for .*; using ${product}, the Red Hat Enterprise Linux release it follows`));
      else assert.equal(chosen.note, undefined);
    });
  }
  it("a rebuild's own content wins over RHEL's when installed", async () => {
    writeFileSync(join(rdir, 'ssg-almalinux9-ds.xml'), '');
    try {
      const t = mockTarget({ files: { '/etc/os-release': 'ID="almalinux"\nVERSION_ID="9.3"\n' } });
      const found = await detectContent(t, rdir);
      assert.equal(found.file, join(rdir, 'ssg-almalinux9-ds.xml'));
      assert.equal(found.relative, undefined);
    } finally {
      rmSync(join(rdir, 'ssg-almalinux9-ds.xml'));
    }
  });
});

describe('--nearest', () => {
  it('takes the newest older release of the same distribution, and says so', async () => {
    const t = mockTarget({ files: { '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n' } });
    const found = await detectContent(t, dir, { nearest: true });
    assert.equal(found.nearest, 'debian11');
    assert.equal(found.file, join(dir, 'ssg-debian11-ds.xml'));
  });
  it('never crosses to another distribution', async () => {
    const t = mockTarget({ files: { '/etc/os-release': 'ID=fedora\nVERSION_ID="40"\n' } });
    await assert.rejects(detectContent(t, dir, { nearest: true }), /no SCAP content/);
  });
});

describe('the built-in baseline', () => {
  it('is what scan uses when no SSG content matches, and it says so', async () => {
    const t = mockTarget({ files: { '/etc/os-release': 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' } });
    const chosen = await chooseScanContent(t, dir);
    assert.equal(chosen.file, baselineDataStreamPath());
    assert.equal(chosen.profile, BASELINE_PROFILE);
    assert.match(chosen.note ?? '', /matches Debian GNU\/Linux 12 \(bookworm\).*built-in Vigil Linux baseline/);
    assert.match(chosen.note ?? '', /--nearest uses debian11/);
    assert.doesNotMatch(chosen.note ?? '', /rhel9|ubuntu2204|\n/);
  });
  it('is not used when content matches, or when --nearest finds a release', async () => {
    const match = await chooseScanContent(mockTarget({ files: { '/etc/os-release': 'ID=ubuntu\nVERSION_ID="22.04"\n' } }), dir);
    assert.deepEqual(match, { file: join(dir, 'ssg-ubuntu2204-ds.xml') });
    const near = await chooseScanContent(mockTarget({ files: { '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n' } }), dir, { nearest: true });
    assert.equal(near.file, join(dir, 'ssg-debian11-ds.xml'));
    assert.match(near.note ?? '', /--nearest/);
  });
});

describe('readOsRelease', () => {
  it('tries /usr/lib/os-release only when /etc/os-release is absent', async () => {
    const r = await readOsRelease(mockTarget({ files: { '/usr/lib/os-release': 'ID=debian\nVERSION_ID="12"\n' } }));
    assert.equal(r?.id, 'debian');
  });
  it('an os-release that cannot be read is an error, not a system without one', async () => {
    await assert.rejects(
      readOsRelease(mockTarget({ files: { '/etc/os-release': { error: 'EACCES' }, '/usr/lib/os-release': 'ID=debian\n' } })),
      (e: unknown) => e instanceof ContentError && /cannot read \/etc\/os-release/.test(e.message) && /EACCES/.test(e.message),
    );
  });
});

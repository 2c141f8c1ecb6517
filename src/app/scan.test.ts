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
    ['centos', '9', ['cs9']],
    ['centos', '7', ['centos7']],
    ['ol', '8.9', ['ol8']],
    ['sles', '15.5', ['sle15']],
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

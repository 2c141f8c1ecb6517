import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { readDocument } from '../../../model/load.js';
import type { OvalDefinitions } from '../../../model/oval/types.js';
import { localTarget } from '../../../target/fs-target.js';
import { mockTarget, type MockEntry } from '../../../target/memory-target.js';
import { caseDocument, defId, objId, oscapAvailable, oscapOutcome, vigilOutcome, type ProbeCase } from '../../../testing/probe-oracle.js';
import { ovalXml } from '../../../testing/content.js';
import { OvalEngine } from '../../engine.js';
import type { CollectedObject } from '../../types.js';
import { findRpmDatabase, rpmverifyfileProbe } from './rpmverifyfile.js';

const OBJECT =
  '<linux:behaviors nolinkto="true"/><linux:name operation="pattern match">.*</linux:name><linux:epoch operation="pattern match">.*</linux:epoch>' +
  '<linux:version operation="pattern match">.*</linux:version><linux:release operation="pattern match">.*</linux:release>' +
  '<linux:arch operation="pattern match">.*</linux:arch><linux:filepath>/etc/passwd</linux:filepath>';

async function collect(files: Record<string, MockEntry>, kind: 'memory' | 'offline-root' = 'memory'): Promise<CollectedObject> {
  const doc = readDocument({ text: ovalXml({ objects: `<linux:rpmverifyfile_object id="oval:t:obj:1" version="1">${OBJECT}</linux:rpmverifyfile_object>` }), name: 't.xml' }) as OvalDefinitions;
  const e = new OvalEngine(doc, { target: mockTarget({ files, kind, capabilities: [] }), probes: new Map([['linux/rpmverifyfile_object', rpmverifyfileProbe]]) });
  return e.collect('oval:t:obj:1');
}

describe('rpmverifyfile', () => {
  const cases: Array<{ name: string; files: Record<string, MockEntry>; flag: string }> = [
    { name: 'no /var/lib/rpm: nothing exists', files: { '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n' }, flag: 'does not exist' },
    { name: 'an empty /var/lib/rpm (Debian): nothing exists', files: { '/var/lib/rpm': { dir: true } }, flag: 'does not exist' },
    { name: 'a Berkeley DB database', files: { '/var/lib/rpm/Packages': 'db' }, flag: 'not collected' },
    { name: 'an NDB database', files: { '/var/lib/rpm/Packages.db': 'db' }, flag: 'not collected' },
    { name: 'an SQLite database', files: { '/var/lib/rpm/rpmdb.sqlite': 'db' }, flag: 'not collected' },
    { name: 'the database under /usr/lib/sysimage', files: { '/usr/lib/sysimage/rpm/rpmdb.sqlite': 'db', '/var/lib/rpm': { symlink: '../../usr/lib/sysimage/rpm' } }, flag: 'not collected' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const got = await collect(c.files);
      assert.equal(got.flag, c.flag);
      assert.equal(got.items.length, 0);
      if (c.flag === 'not collected') assert.match(got.messages.join('\n'), /rpm database/);
    });
  }
  it('works offline too: it needs no live capability', async () => {
    assert.equal((await collect({ '/var/lib/rpm': { dir: true } }, 'offline-root')).flag, 'does not exist');
  });
});

test('rpmverifyfile_object agrees with oscap on this host', async (t) => {
  if (!(await oscapAvailable(t))) return;
  const db = await findRpmDatabase(localTarget());
  if (db !== undefined) {
    t.skip(`this host has an rpm database (${db}), which Vigil does not verify against yet ("not collected")`);
    return;
  }
  const cases: ProbeCase[] = [
    { name: 'a file of any package', family: 'linux', type: 'rpmverifyfile', object: OBJECT },
    { name: 'no package owns it', family: 'linux', type: 'rpmverifyfile', object: OBJECT, existence: 'none_exist' },
    {
      name: 'files by pattern, size unchanged',
      family: 'linux',
      type: 'rpmverifyfile',
      object: OBJECT.replace('<linux:filepath>/etc/passwd</linux:filepath>', '<linux:filepath operation="pattern match">^/usr/bin/.*</linux:filepath>'),
      state: '<linux:size_differs>pass</linux:size_differs>',
    },
  ];
  const xml = caseDocument(cases);
  const theirs = await oscapOutcome(xml, t);
  const ours = await vigilOutcome(xml, [rpmverifyfileProbe]);
  assert.equal(theirs.code, 0, `oscap failed: ${theirs.stderr.slice(-2000)}`);
  const disagreements: string[] = [];
  cases.forEach((c, i) => {
    const id = defId(i + 1);
    t.diagnostic(`${c.name}: oscap ${theirs.definitions.get(id)}, Vigil ${ours.definitions.get(id)}`);
    if (theirs.definitions.get(id) !== ours.definitions.get(id)) disagreements.push(`${c.name}: oscap ${theirs.definitions.get(id)}, Vigil ${ours.definitions.get(id)}`);
    const [a, b] = [theirs.objects.get(objId(i + 1)), ours.objects.get(objId(i + 1))];
    if (a?.flag !== b?.flag) disagreements.push(`${c.name}: flag oscap ${a?.flag}, Vigil ${b?.flag}`);
  });
  assert.deepEqual(disagreements, []);
});

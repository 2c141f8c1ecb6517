import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDocument } from '../../../model/load.js';
import type { OvalDefinitions } from '../../../model/oval/types.js';
import { mockTarget, type MockEntry } from '../../../target/memory-target.js';
import { ovalXml } from '../../../testing/content.js';
import { OvalEngine } from '../../engine.js';
import type { CollectedObject } from '../../types.js';
import { rpminfoProbe } from './rpminfo.js';
import { rpmverifyfileProbe } from './rpmverifyfile.js';

const OBJECT =
  '<linux:behaviors nolinkto="true"/><linux:name operation="pattern match">.*</linux:name><linux:epoch operation="pattern match">.*</linux:epoch>' +
  '<linux:version operation="pattern match">.*</linux:version><linux:release operation="pattern match">.*</linux:release>' +
  '<linux:arch operation="pattern match">.*</linux:arch><linux:filepath>/etc/passwd</linux:filepath>';

async function collect(files: Record<string, MockEntry>, object: string, kind: 'memory' | 'offline-root' = 'memory'): Promise<CollectedObject> {
  const doc = readDocument({ text: ovalXml({ objects: object }), name: 't.xml' }) as OvalDefinitions;
  const probes = new Map([
    ['linux/rpmverifyfile_object', rpmverifyfileProbe],
    ['linux/rpminfo_object', rpminfoProbe],
  ]);
  const e = new OvalEngine(doc, { target: mockTarget({ files, kind, capabilities: [] }), probes });
  return e.collect('oval:t:obj:1');
}

const VERIFY = `<linux:rpmverifyfile_object id="oval:t:obj:1" version="1">${OBJECT}</linux:rpmverifyfile_object>`;
const INFO = '<linux:rpminfo_object id="oval:t:obj:1" version="1"><linux:name>bash</linux:name></linux:rpminfo_object>';

describe('rpm probes without a readable database', () => {
  const cases: Array<{ name: string; files: Record<string, MockEntry>; flag: string }> = [
    { name: 'no /var/lib/rpm: nothing exists', files: { '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n' }, flag: 'does not exist' },
    { name: 'an empty /var/lib/rpm (Debian): nothing exists', files: { '/var/lib/rpm': { dir: true } }, flag: 'does not exist' },
    { name: 'a Berkeley DB file that is no database: an error', files: { '/var/lib/rpm/Packages': 'db' }, flag: 'error' },
    { name: 'an sqlite file that is no database: an error', files: { '/var/lib/rpm/rpmdb.sqlite': 'this is not sqlite' }, flag: 'error' },
    { name: 'under /usr/lib/sysimage, not a database: an error', files: { '/usr/lib/sysimage/rpm/rpmdb.sqlite': 'db' }, flag: 'error' },
  ];
  for (const c of cases) {
    for (const [what, object] of [
      ['rpmverifyfile', VERIFY],
      ['rpminfo', INFO],
    ] as const) {
      it(`${what}: ${c.name}`, async () => {
        const got = await collect(c.files, object);
        assert.equal(got.flag, c.flag, got.messages.join('\n'));
        if (c.flag === 'error') assert.match(got.messages.join('\n'), /rpm database/);
        else assert.equal(got.items.length, 0);
      });
    }
  }
  it('works offline too: it needs no live capability', async () => {
    assert.equal((await collect({ '/var/lib/rpm': { dir: true } }, VERIFY, 'offline-root')).flag, 'does not exist');
  });
  it('an operation oscap does not support on filepath is an error', async () => {
    const got = await collect({ '/var/lib/rpm': { dir: true } }, VERIFY.replace('<linux:filepath>', '<linux:filepath operation="case insensitive equals">'));
    assert.equal(got.flag, 'error');
    assert.match(got.messages.join('\n'), /not supported/);
  });
});

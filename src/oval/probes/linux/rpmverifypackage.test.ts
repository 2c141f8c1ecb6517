import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDocument } from '../../../model/load.js';
import type { OvalDefinitions } from '../../../model/oval/types.js';
import { mockTarget, type MockEntry } from '../../../target/memory-target.js';
import { ovalXml } from '../../../testing/content.js';
import { rpmSqliteDatabase, type FixturePackage } from '../../../testing/rpm-sqlite-fixture.js';
import { OvalEngine } from '../../engine.js';
import type { CollectedObject } from '../../types.js';
import { parseRich, rangesOverlap, RPMSENSE } from './rpm-deps.js';
import { rpmverifypackageProbe } from './rpmverifypackage.js';

const { LESS, GREATER, EQUAL } = RPMSENSE;
const dep = (flags: number, evr: string) => ({ name: 'x', flags, evr });

describe('rpm dependency ranges (librpm rpmdsCompare)', () => {
  const cases: Array<[string, number, string, number, string, boolean]> = [
    ['provide = 2:1.34-6, require >= 2:1.0', EQUAL, '2:1.34-6', GREATER | EQUAL, '2:1.0', true],
    ['provide = 2:1.34-6, require >= 2:1.99', EQUAL, '2:1.34-6', GREATER | EQUAL, '2:1.99', false],
    ['a provide with an epoch against a require without: no promotion', EQUAL, '2:1.34-6', EQUAL, '1.34', false],
    ['a require without release matches any release', EQUAL, '3.2a-4.el9', EQUAL, '3.2a', true],
    ['< and > of the same version do not overlap', LESS, '1.0', GREATER, '1.0', false],
    ['<= and >= of the same version overlap', LESS | EQUAL, '1.0', GREATER | EQUAL, '1.0', true],
    ['an unversioned dependency overlaps anything', 0, '', LESS, '0.1', true],
    ['tilde sorts before the release', EQUAL, '1.0~rc1-1', GREATER | EQUAL, '1.0', false],
    ['epoch 0 equals a missing epoch', EQUAL, '0:1.0-1', EQUAL, '1.0-1', true],
  ];
  for (const [name, f1, e1, f2, e2, want] of cases) it(name, () => assert.equal(rangesOverlap(dep(f1, e1), dep(f2, e2)), want));
});

describe('rich dependencies (rpmrichParse)', () => {
  it('parses and, or, if/else, nested groups and versions', () => {
    const r = parseRich('(tar and (sudo >= 1.8 or nothere) and audit)');
    assert.ok(!(r instanceof Error));
    assert.deepEqual(parseRich('(a if b else c)'), { op: 'if', a: { dep: { name: 'a', flags: 0, evr: '' } }, b: { op: 'else', a: { dep: { name: 'b', flags: 0, evr: '' } }, b: { dep: { name: 'c', flags: 0, evr: '' } } } });
    assert.deepEqual(parseRich('(foo >= 2:1.0-3)'), { dep: { name: 'foo', flags: GREATER | EQUAL, evr: '2:1.0-3' } });
  });
  for (const bad of ['(a and b or c)', '(a if)', '(a', 'a and b', '(a frob b)', '(a >= )']) it(`refuses ${bad}`, () => assert.ok(parseRich(bad) instanceof Error));
  it('refuses hostile nesting and chains with a clear error, not a stack overflow', () => {
    const deep = parseRich(`${'('.repeat(100_000)}a${')'.repeat(100_000)}`);
    assert.ok(deep instanceof Error && /nested/.test(deep.message));
    const long = parseRich(`(${Array.from({ length: 10_000 }, (_, i) => `p${i}`).join(' or ')})`);
    assert.ok(long instanceof Error && /operators/.test(long.message));
    assert.ok(!(parseRich(`(${Array.from({ length: 1000 }, (_, i) => `p${i}`).join(' or ')})`) instanceof Error));
  });
});

const EVERY = ['name', 'epoch', 'version', 'release', 'arch'].map((e) => `<linux:${e} operation="pattern match">.*</linux:${e}>`).join('');

async function collect(files: Record<string, MockEntry>, inner = EVERY): Promise<CollectedObject> {
  const doc = readDocument({ text: ovalXml({ objects: `<linux:rpmverifypackage_object id="oval:t:obj:1" version="1">${inner}</linux:rpmverifypackage_object>` }), name: 't.xml' }) as OvalDefinitions;
  const e = new OvalEngine(doc, { target: mockTarget({ files, kind: 'offline-root', capabilities: [] }), probes: new Map([['linux/rpmverifypackage_object', rpmverifypackageProbe]]) });
  return e.collect('oval:t:obj:1');
}

const self = (name: string, evr: string): readonly [string, number, string] => [name, EQUAL, evr];
const PACKAGES: FixturePackage[] = [
  { name: 'bash', version: '5.1', release: '1', provides: [self('bash', '5.1-1'), ['/bin/sh', 0, '']], files: ['/usr/bin/bash'] },
  { name: 'tool', version: '1.0', release: '1', epoch: 2, provides: [self('tool', '2:1.0-1')], requires: [['bash', GREATER | EQUAL, '5'], ['/usr/bin/bash', 0, ''], ['rpmlib(CompressedFileNames)', LESS | EQUAL | RPMSENSE.RPMLIB, '3.0.4-1']] },
  { name: 'broken', version: '1.0', release: '1', provides: [self('broken', '1.0-1')], requires: [['bash', GREATER, '6']] },
  { name: 'pre-only', version: '1.0', release: '1', provides: [self('pre-only', '1.0-1')], requires: [['nothere', RPMSENSE.SCRIPT_PRE, '']] },
  { name: 'rival', version: '1.0', release: '1', provides: [self('rival', '1.0-1')], conflicts: [['tool', LESS, '3:0']] },
  { name: 'checked', version: '1.0', release: '1', provides: [self('checked', '1.0-1')], verifyscript: 'exit 1' },
  { name: 'gpg-pubkey', version: '76c6b670', release: '6b14fc75', noArch: true },
];

const items = (o: CollectedObject): Map<string, Record<string, string>> =>
  new Map(o.items.map((i) => [i.entities.find((e) => e.name === 'name')!.value, Object.fromEntries(i.entities.map((e) => [e.name, e.status === 'exists' ? e.value : e.status]))]));

describe('rpmverifypackage', () => {
  const files = { '/var/lib/rpm/rpmdb.sqlite': rpmSqliteDatabase(PACKAGES) };
  it('checks every package as rpm -V --nofiles does', async () => {
    const got = await collect(files);
    assert.equal(got.flag, 'complete', got.messages.join('\n'));
    const it = items(got);
    assert.equal(it.get('bash')?.['dependency_check_passed'], 'true');
    assert.equal(it.get('tool')?.['dependency_check_passed'], 'false', 'rival conflicts with tool < 3:0');
    assert.equal(it.get('rival')?.['dependency_check_passed'], 'false');
    assert.equal(it.get('broken')?.['dependency_check_passed'], 'false');
    assert.equal(it.get('pre-only')?.['dependency_check_passed'], 'true', 'install-time requires are not checked');
    assert.equal(it.get('checked')?.['verification_script_successful'], 'not collected', 'a %verifyscript is not run');
    assert.equal(it.get('bash')?.['verification_script_successful'], 'true');
    assert.deepEqual(Object.keys(it.get('tool')!), ['name', 'epoch', 'version', 'release', 'arch', 'extended_name', 'dependency_check_passed', 'verification_script_successful']);
    assert.equal(it.get('tool')?.['extended_name'], 'tool-2:1.0-1.x86_64');
    assert.ok(!it.has('gpg-pubkey'), 'a header without ARCH is not selected by an arch pattern (as oscap)');
  });
  it('nodeps and noscripts leave their entity out', async () => {
    const it = items(await collect(files, `<linux:behaviors nodeps="true" noscripts="true"/>${EVERY}`));
    assert.deepEqual(Object.keys(it.get('tool')!), ['name', 'epoch', 'version', 'release', 'arch', 'extended_name']);
  });
  it('an arch not equal selects the package without ARCH', async () => {
    const it = items(await collect(files, EVERY.replace('<linux:arch operation="pattern match">.*</linux:arch>', '<linux:arch operation="not equal">x86_64</linux:arch>')));
    assert.deepEqual([...it.keys()], ['gpg-pubkey']);
  });
  it('no database: nothing exists; an unreadable one: an error', async () => {
    assert.equal((await collect({ '/var/lib/rpm': { dir: true } })).flag, 'does not exist');
    const bad = await collect({ '/var/lib/rpm/rpmdb.sqlite': 'not sqlite' });
    assert.equal(bad.flag, 'error');
    assert.match(bad.messages.join('\n'), /rpm database/);
  });
});

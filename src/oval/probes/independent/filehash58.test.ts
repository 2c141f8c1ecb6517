/**
 * filehash58 through the real engine over a synthetic offline root, and the
 * same document and root given to `OSCAP_PROBE_ROOT=<root> oscap oval eval`.
 * Without oscap the oracle test is skipped, unless VIGIL_REQUIRE_ORACLE=1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import type { ProbeCase } from '../../../testing/probe-oracle.js';
import { oscapAvailable } from '../../../testing/probe-oracle.js';
import {
  rootCaseDocument,
  tempRoot,
  vigilRootOutcome,
  type RootEntry,
  type RootObject,
  type RootOutcome,
  assertAgreesWithOscap,
} from '../../../testing/root-oracle.js';
import { filehash58Probe } from './filehash58.js';

const HELLO = {
  'MD5': 'b1946ac92492d2347c6235b4d2611184',
  'SHA-1': 'f572d396fae9206628714fb2ce00f72e94f2258f',
  'SHA-224': '2d6d67d91d0badcdd06cbbba1fe11538a68a37ec9c2e26457ceff12b',
  'SHA-256': '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
  'SHA-384': '1d0f284efe3edea4b9ca3bd514fa134b17eae361ccc7a1eefeff801b9bd6604e01f21f6bf249ef030599f0c218f2ba8c',
  'SHA-512': 'e7c22b994c59d9cf2b48e549b1e24666636045930d3da7c1acb299d1c3b7f931f94aae41edda2c2b207a36e10f8bcb8d45223e54878f5b316e7ce3b6bc019629',
} as const;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA256 = { a: '87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7', b: '0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f', c: 'a3a5e715f0cc574a73c3f9bebb6bc24f32ffd5b67b387244c2c909da779a1478' };

const FILES: Record<string, RootEntry> = {
  'etc/f': 'hello\n',
  'etc/empty': '',
  'etc/flink': { symlink: 'f' },
  'etc/dangle': { symlink: 'nonexistent' },
  'etc/dlink': { symlink: 'd' },
  'etc/loop': { symlink: 'loop' },
  'etc/d/a.conf': 'a\n',
  'etc/d/sub/b.conf': 'b\n',
  'etc/d/sub/deeper/c.conf': 'c\n',
  'etc/bin': Buffer.from(Array.from({ length: 256 * 300 }, (_, i) => i % 256)),
};

interface Case extends ProbeCase {
  readonly want: {
    readonly definition: string;
    readonly flag: string;
    /** `status filepath hash_type hash`, sorted; `-` for a missing hash. */
    readonly items: readonly string[];
    readonly messages?: readonly string[];
  };
}

const obj = (inner: string): Pick<Case, 'family' | 'type' | 'object'> => ({ family: 'independent', type: 'filehash58', object: inner });
const fp = (p: string, hashType: string, op = ''): string => `<ind:filepath>${p}</ind:filepath><ind:hash_type${op ? ` operation="${op}"` : ''}>${hashType}</ind:hash_type>`;

const CASES: readonly Case[] = [
  {
    name: 'filepath, SHA-256, the state matches',
    ...obj(fp('/etc/f', 'SHA-256')),
    state: `<ind:hash>${HELLO['SHA-256']}</ind:hash>`,
    want: { definition: 'true', flag: 'complete', items: [`exists /etc/f SHA-256 ${HELLO['SHA-256']}`] },
  },
  {
    name: 'the state has another hash',
    ...obj(fp('/etc/f', 'SHA-256')),
    state: `<ind:hash>${HELLO['SHA-1']}</ind:hash>`,
    want: { definition: 'false', flag: 'complete', items: [`exists /etc/f SHA-256 ${HELLO['SHA-256']}`] },
  },
  {
    name: 'hash_type not equal: every other type, one item each',
    ...obj(fp('/etc/f', 'SHA-224', 'not equal')),
    want: { definition: 'true', flag: 'complete', items: (['MD5', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'] as const).map((h) => `exists /etc/f ${h} ${HELLO[h]}`).sort() },
  },
  {
    name: 'SHA-224',
    ...obj(fp('/etc/f', 'SHA-224')),
    state: `<ind:hash_type>SHA-224</ind:hash_type><ind:hash>${HELLO['SHA-224']}</ind:hash>`,
    want: { definition: 'true', flag: 'complete', items: [`exists /etc/f SHA-224 ${HELLO['SHA-224']}`] },
  },
  {
    name: 'MD5 against an uppercase state, case insensitive',
    ...obj(fp('/etc/f', 'MD5')),
    state: `<ind:hash operation="case insensitive equals">${HELLO.MD5.toUpperCase()}</ind:hash>`,
    want: { definition: 'true', flag: 'complete', items: [`exists /etc/f MD5 ${HELLO.MD5}`] },
  },
  {
    name: 'path + filename pattern over links: a dangling one is an error item, a link to a directory gives nothing',
    ...obj('<ind:path>/etc</ind:path><ind:filename operation="pattern match">^(f|flink|dangle|dlink|empty)$</ind:filename><ind:hash_type>SHA-256</ind:hash_type>'),
    want: {
      definition: 'error',
      flag: 'error',
      items: [`exists /etc/f SHA-256 ${HELLO['SHA-256']}`, `exists /etc/flink SHA-256 ${HELLO['SHA-256']}`, `exists /etc/empty SHA-256 ${EMPTY_SHA256}`, 'error /etc/dangle SHA-256 -'].sort(),
      messages: [`Can't open "/etc/dangle": errno=2, No such file or directory.`],
    },
  },
  {
    name: 'filepath of a dangling link',
    ...obj(fp('/etc/dangle', 'MD5')),
    want: { definition: 'error', flag: 'error', items: ['error /etc/dangle MD5 -'], messages: [`Can't open "/etc/dangle": errno=2, No such file or directory.`] },
  },
  {
    name: 'filepath of a link to a directory: nothing',
    ...obj(fp('/etc/dlink', 'MD5')),
    want: { definition: 'false', flag: 'does not exist', items: [] },
  },
  {
    name: 'filepath of a symlink loop',
    ...obj(fp('/etc/loop', 'SHA-1')),
    want: { definition: 'error', flag: 'error', items: ['error /etc/loop SHA-1 -'], messages: [`Can't open "/etc/loop": errno=40, Too many levels of symbolic links.`] },
  },
  {
    name: 'a missing file, none_exist',
    ...obj(fp('/etc/missing', 'SHA-256')),
    existence: 'none_exist',
    want: { definition: 'true', flag: 'does not exist', items: [] },
  },
  {
    name: 'recursion down, unlimited',
    ...obj('<ind:behaviors recurse_direction="down"/><ind:path>/etc/d</ind:path><ind:filename operation="pattern match">\\.conf$</ind:filename><ind:hash_type>SHA-256</ind:hash_type>'),
    want: { definition: 'true', flag: 'complete', items: [`exists /etc/d/a.conf SHA-256 ${SHA256.a}`, `exists /etc/d/sub/b.conf SHA-256 ${SHA256.b}`, `exists /etc/d/sub/deeper/c.conf SHA-256 ${SHA256.c}`].sort() },
  },
  {
    name: 'recursion down, max_depth 1',
    ...obj('<ind:behaviors recurse_direction="down" max_depth="1"/><ind:path>/etc/d</ind:path><ind:filename operation="pattern match">\\.conf$</ind:filename><ind:hash_type>SHA-256</ind:hash_type>'),
    want: { definition: 'true', flag: 'complete', items: [`exists /etc/d/a.conf SHA-256 ${SHA256.a}`, `exists /etc/d/sub/b.conf SHA-256 ${SHA256.b}`].sort() },
  },
  {
    name: 'filepath pattern match',
    ...obj('<ind:filepath operation="pattern match">^/etc/d/.*\\.conf$</ind:filepath><ind:hash_type>SHA-256</ind:hash_type>'),
    state: `<ind:hash operation="pattern match">^[0-9a-f]{64}$</ind:hash>`,
    want: { definition: 'true', flag: 'complete', items: [`exists /etc/d/a.conf SHA-256 ${SHA256.a}`, `exists /etc/d/sub/b.conf SHA-256 ${SHA256.b}`, `exists /etc/d/sub/deeper/c.conf SHA-256 ${SHA256.c}`].sort() },
  },
  {
    name: 'binary content, SHA-512',
    ...obj(fp('/etc/bin', 'SHA-512')),
    state: '<ind:hash operation="pattern match">^[0-9a-f]{128}$</ind:hash>',
    want: { definition: 'true', flag: 'complete', items: ['exists /etc/bin SHA-512 88490cfde452f8f6bb51c47bbed794d28770b2c69f69f61d21bc6f56fed92ebe20b189f2132a4ae458e3d87acaa0523a663a47b0788663f21cba2d68167e18c1' /* sha512sum */] },
  },
  {
    name: 'path + filename naming a directory: nothing',
    ...obj('<ind:path>/etc</ind:path><ind:filename>d</ind:filename><ind:hash_type>MD5</ind:hash_type>'),
    want: { definition: 'false', flag: 'does not exist', items: [] },
  },
  {
    name: 'path that is a file',
    ...obj('<ind:path>/etc/f</ind:path><ind:filename>x</ind:filename><ind:hash_type>MD5</ind:hash_type>'),
    want: { definition: 'false', flag: 'does not exist', items: [] },
  },
];

const XML = rootCaseDocument(CASES);

function field(entities: readonly string[], name: string): string | undefined {
  for (const e of entities) {
    const [n, , v] = JSON.parse(e) as [string, string, string];
    if (n === name) return v;
  }
  return undefined;
}

function summary(o: RootObject | undefined): string[] {
  return (o?.items ?? []).map((i) => `${i.status} ${field(i.entities, 'filepath')} ${field(i.entities, 'hash_type')} ${field(i.entities, 'hash') ?? '-'}`).sort();
}

describe('filehash58 through the engine', () => {
  const root = tempRoot('vigil-filehash58-', FILES);
  let vigil: RootOutcome;
  before(async () => {
    vigil = await vigilRootOutcome(XML, root.root, [filehash58Probe]);
  });
  after(() => root.dispose());

  CASES.forEach((c, i) => {
    it(c.name, () => {
      const o = vigil.objects.get(`oval:vigil:obj:${i + 1}`);
      assert.equal(vigil.definitions.get(`oval:vigil:def:${i + 1}`), c.want.definition);
      assert.equal(o?.flag, c.want.flag);
      assert.deepEqual(summary(o), c.want.items);
      assert.deepEqual((o?.items ?? []).flatMap((x) => x.messages), c.want.messages ?? []);
    });
  });

  it('every item has filepath, path, filename, hash_type, hash in that order', () => {
    const o = vigil.objects.get('oval:vigil:obj:1')!;
    assert.deepEqual(
      o.items[0]!.entities.map((e) => JSON.parse(e) as unknown),
      [
        ['filepath', 'string', '/etc/f'],
        ['path', 'string', '/etc'],
        ['filename', 'string', 'f'],
        ['hash_type', 'string', 'SHA-256'],
        ['hash', 'string', HELLO['SHA-256']],
      ],
    );
  });
});

test('filehash58 agrees with oscap (OSCAP_PROBE_ROOT)', async (t) => {
  if (!(await oscapAvailable(t))) return;
  const root = tempRoot('vigil-filehash58-oracle-', FILES);
  try {
    await assertAgreesWithOscap(t, { xml: XML, root, probes: [filehash58Probe], cases: CASES });
  } finally {
    root.dispose(t);
  }
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ansibleLimit, ansibleMissing } from '../testing/ansible-inventory.js';
import { REQUIRE_ORACLE } from '../testing/oracle.js';
import { prng } from '../testing/prng.js';
import { loadInventory } from './inventory.js';
import { globToRegExp, limitHosts, splitHostPattern } from './patterns.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-fleet-pat-'));
after(() => rmSync(root, { recursive: true, force: true }));
const cwd = join(root, 'cwd');
mkdirSync(cwd);

const INV = `
lone
[web]
web[01:06].example.com
[db]
db[1:3].example.com
web01.example.com
[dc1:children]
web
[dc1]
db1.example.com
[dc2]
db2.example.com
db3.example.com
web06.example.com
[staging]
stage-a
stage-b
[canary:children]
staging
`;

const PATTERNS = [
  'all', '*', 'web', 'db', 'web:db', 'web,db', 'web:&db', 'web:!db', 'dc1:dc2:!web', 'dc1:&dc2', '!web', '&web',
  'web0*', '*.example.com', 'db[12].example.com', 'web0?.example.com', '~web0[1-3]', '~(db|stage)', '~.*example',
  'web[0]', 'web[-1]', 'web[1:3]', 'web[2:]', 'dc*', 'stage-a', 'lone', 'canary', 'canary:!stage-b', 'nosuch', 'nosuch,web',
  'web, db ,lone', 'dc1:!dc2:&web', 'ungrouped', 'ungr*', 'al*', '~^d', 'db1.example.com:web02.example.com', '!dc1,!dc2',
];

const missing = ansibleMissing();
const oracle = (name: string, fn: () => Promise<void>): void => {
  if (missing && REQUIRE_ORACLE) it(name, () => assert.fail(`VIGIL_REQUIRE_ORACLE=1 but ${missing}`));
  else it(name, { skip: missing }, fn);
};

async function compare(file: string, patterns: readonly string[]): Promise<void> {
  const inv = await loadInventory(file);
  const theirs = ansibleLimit(file, patterns, cwd);
  patterns.forEach((p, i) => {
    const t = theirs[i]!;
    if (!Array.isArray(t)) {
      assert.throws(() => limitHosts(inv, p), /./, `--limit ${p}: Ansible refused it (${t.error})`);
      return;
    }
    assert.deepEqual(limitHosts(inv, p).sort(), [...t].sort(), `--limit ${p}`);
  });
}

describe('--limit vs Ansible', () => {
  oracle('fixed patterns over a hand-written inventory', async () => {
    const f = join(root, 'hosts');
    writeFileSync(f, INV);
    await compare(f, PATTERNS);
  });

  oracle('random patterns over generated inventories', async () => {
    for (let seed = 11; seed <= 14; seed++) {
      const rnd = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const groups = ['alpha', 'beta', 'gamma', 'delta', 'web', 'webx'];
      const hosts = Array.from({ length: 12 }, (_, i) => `${pick(['web', 'db', 'app'])}${i}.${pick(['lan', 'dmz'])}`);
      let ini = '';
      groups.forEach((g, i) => {
        ini += `[${g}]\n${hosts.filter(() => rnd() < 0.35).join('\n')}\n`;
        const kids = groups.slice(i + 1).filter(() => rnd() < 0.2);
        if (kids.length) ini += `[${g}:children]\n${kids.join('\n')}\n`;
      });
      const f = join(root, `gen${seed}`);
      writeFileSync(f, ini);
      const atoms = [...groups, ...hosts.slice(0, 4), 'web*', '*.dmz', '~app\\d', '~.*lan$', 'db?.lan', 'a*', `${pick(groups)}[0]`, `${pick(groups)}[1:2]`];
      const patterns = Array.from({ length: 25 }, () => {
        const n = 1 + Math.floor(rnd() * 3);
        const terms = Array.from({ length: n }, (_, j) => `${j > 0 ? pick(['', '', '&', '!']) : pick(['', '', '!'])}${pick(atoms)}`);
        return terms.join(rnd() < 0.5 ? ':' : ',');
      });
      await compare(f, patterns);
    }
  });
});

describe('patterns', () => {
  it('splits by commas, else colons outside brackets', () => {
    assert.deepEqual(splitHostPattern('a:b[1:2]:!c'), ['a', 'b[1:2]', '!c']);
    assert.deepEqual(splitHostPattern(' a , b:c '), ['a', 'b:c']);
  });
  it('translates globs as fnmatch', () => {
    assert.ok(globToRegExp('web[!0-4]?').test('web5x'));
    assert.ok(!globToRegExp('web[!0-4]?').test('web3x'));
    assert.ok(globToRegExp('a.b*').test('a.bc'));
    assert.ok(!globToRegExp('a.b*').test('axbc'));
  });
  oracle('@FILE in --limit reads patterns from a file, as Ansible does', async () => {
    const f = join(root, 'hosts-at');
    writeFileSync(f, INV);
    const list = join(root, 'retry');
    writeFileSync(list, 'web01.example.com\ndb\n\n');
    await compare(f, [`@${list}`, `@${list}:!db2.example.com`, `@${list},web`]);
  });

  it('refuses a bad regular expression clearly', async () => {
    const f = join(root, 'small');
    writeFileSync(f, 'a\nb\n');
    const inv = await loadInventory(f);
    assert.throws(() => limitHosts(inv, '~(unclosed'), /invalid host list pattern/);
    assert.deepEqual(limitHosts(inv, undefined), ['a', 'b']);
  });
});

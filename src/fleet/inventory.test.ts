import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import { after, describe, it } from 'node:test';
import { ContentError } from '../model/errors.js';
import { ansibleInventoryList, ansibleMissing } from '../testing/ansible-inventory.js';
import { REQUIRE_ORACLE } from '../testing/oracle.js';
import { prng } from '../testing/prng.js';
import { expandHostRange, iniValue, loadInventory, PyFloat, Secret, shlexSplit, type Inventory } from './inventory.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-fleet-inv-'));
after(() => rmSync(root, { recursive: true, force: true }));
const neutral = join(root, 'cwd');
mkdirSync(neutral);
let n = 0;

/** Writes files under a fresh directory; returns the directory. */
function tree(files: Record<string, string>): string {
  const dir = join(root, `t${n++}`);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

const missing = ansibleMissing();
const oracle = (name: string, fn: () => Promise<void>): void => {
  if (missing && REQUIRE_ORACLE) it(name, () => assert.fail(`VIGIL_REQUIRE_ORACLE=1 but ${missing}`));
  else it(name, { skip: missing }, fn);
};

/** Plain data for comparison: Secrets revealed, whole floats as numbers. */
function plain(v: unknown): unknown {
  if (v instanceof Secret) return v.reveal();
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Each group's hosts (descendants included) from ansible-inventory's JSON. */
function ansibleGroups(json: any): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const of = (g: string, seen: Set<string>): string[] => {
    const body = json[g] ?? {};
    const hosts = new Set<string>(body.hosts ?? []);
    for (const c of body.children ?? []) if (!seen.has(c)) for (const h of of(c, new Set([...seen, c]))) hosts.add(h);
    return [...hosts].sort();
  };
  for (const g of Object.keys(json)) if (g !== '_meta') out.set(g, of(g, new Set([g])));
  return out;
}

/** Asserts that Vigil's reading of `inv` is Ansible's: the hosts, each group's hosts, each host's merged variables. */
async function sameAsAnsible(inv: string): Promise<Inventory> {
  const mine = await loadInventory(inv);
  const theirs = ansibleInventoryList(inv, neutral);
  const hostvars = theirs._meta?.hostvars ?? {};
  const allHosts = ansibleGroups(theirs).get('all') ?? [];
  assert.deepEqual([...mine.hosts.keys()].sort(), allHosts, 'hosts');
  for (const [g, hosts] of ansibleGroups(theirs)) {
    if (g === 'all') continue;
    assert.deepEqual(mine.hostsOf(g).sort(), hosts, `hosts of group ${g}`);
  }
  for (const [name, h] of mine.hosts) {
    assert.deepEqual(plain(h.vars), hostvars[name] ?? {}, `variables of ${name}`);
  }
  return mine;
}

const INI = `
# a comment
top ansible_port=2222 x=1 list="[1, 'two']" quoted='"q"'
; another comment
[web]
web[01:03].example.com ansible_user=deploy
db1:2200 ansible_become=yes ansible_become_password="{{ lookup('env', 'DB_SUDO') }}"
[web:vars]
http_port=80
flag="yes"
num=0x1F
f=1.5
none=None
t=True
[prod:children]
web
edge
[edge]
edge-[a:c] ansible_host=10.0.0.1
[prod:vars]
http_port=81
env=prod
prio=prod
[web:vars]
prio=web
[all:vars]
env=all
ansible_user=root
`;

describe('inventory reader vs ansible-inventory --list', () => {
  oracle('INI with ranges, children, :vars, all:vars, group_vars and host_vars (files and directories)', async () => {
    const dir = tree({
      'hosts.ini': INI,
      'group_vars/all.yml': 'env: gv_all\nfrom_all: 1\n',
      'group_vars/prod.yml': 'http_port: 8080\nprio: gv_prod\n',
      'group_vars/web/a.yml': 'prio: gv_web_a\nboth: a\n',
      'group_vars/web/b.yaml': 'both: b\nenabled: yes\n',
      'host_vars/top.yml': 'x: hv\n',
      'host_vars/db1/main.yml': 'ansible_become_method: sudo\n',
    });
    const inv = await sameAsAnsible(join(dir, 'hosts.ini'));
    const db1 = inv.hosts.get('db1')!;
    assert.deepEqual(db1.connection, { address: 'db1', port: 2200, user: 'root', become: { method: 'sudo', passwordEnv: 'DB_SUDO' } });
    assert.deepEqual(inv.hosts.get('edge-b')!.connection, { address: '10.0.0.1', user: 'root' });
    assert.deepEqual(inv.hosts.get('web02.example.com')!.connection, { address: 'web02.example.com', user: 'deploy' });
    assert.deepEqual(db1.groups, ['prod', 'web']);
  });

  oracle('YAML with nested children, host ports, vars at every level and group priority', async () => {
    const dir = tree({
      'inv.yml': `
all:
  vars:
    ansible_user: admin
    level: all
  hosts:
    lone.example.com:
  children:
    dc1:
      vars: { level: dc1, ansible_group_priority: 5 }
      children:
        dc1_web:
          hosts:
            w[1:4]:
              ansible_port: 2201
            "[fe80::1]:2022":
          vars: { level: dc1_web }
    zeta:
      vars: { level: zeta }
      hosts:
        w1:
          own: true
    alpha:
      vars: { level: alpha, ansible_become: true, ansible_become_pass: s3cret }
      hosts:
        w1:
        w2:
`,
      'group_vars/zeta': 'z: 1\n',
      'host_vars/w2.yaml': 'level: host\n',
    });
    const inv = await sameAsAnsible(join(dir, 'inv.yml'));
    const w1 = inv.hosts.get('w1')!;
    assert.equal(w1.connection.port, 2201);
    assert.equal(w1.connection.become?.password?.reveal(), 's3cret');
    assert.equal(inv.hosts.get('fe80::1')!.connection.port, 2022);
  });

  oracle('generated inventories (INI and YAML, random group graphs and conflicting variables)', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const rnd = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const groups = Array.from({ length: 3 + Math.floor(rnd() * 6) }, (_, i) => `g${i}`);
      const hosts = Array.from({ length: 4 + Math.floor(rnd() * 10) }, (_, i) => `h${i}.lan`);
      const keys = ['k1', 'k2', 'k3', 'ansible_port'];
      const members = new Map(groups.map((g) => [g, hosts.filter(() => rnd() < 0.3)]));
      // children only point to later groups: no cycles
      const children = new Map(groups.map((g, i) => [g, groups.slice(i + 1).filter(() => rnd() < 0.25)]));
      const gvars = new Map(groups.map((g) => [g, Object.fromEntries(keys.filter(() => rnd() < 0.5).map((k) => [k, k === 'ansible_port' ? 2000 + Math.floor(rnd() * 100) : `${g}-${k}`]))]));
      const prio = new Map(groups.map((g) => [g, rnd() < 0.3 ? 1 + Math.floor(rnd() * 3) : undefined]));
      const files: Record<string, string> = {};
      for (const g of [...groups, 'all']) if (rnd() < 0.4) files[`group_vars/${g}.yml`] = `k2: gv-${g}\n${rnd() < 0.5 ? `k3: gv3-${g}\n` : ''}`;
      for (const h of hosts) if (rnd() < 0.2) files[`host_vars/${h}.yml`] = `k1: hv-${h}\n`;
      const ungroupedHost = 'solo.lan';
      if (seed % 2 === 0) {
        let ini = `${ungroupedHost} k3=solo\n`;
        for (const g of groups) {
          ini += `[${g}]\n${members.get(g)!.map((h) => `${h}${rnd() < 0.2 ? ` k1=${pick(['x', 'y', '3'])}` : ''}`).join('\n')}\n`;
          const v = { ...gvars.get(g)!, ...(prio.get(g) !== undefined ? { ansible_group_priority: prio.get(g) } : {}) };
          if (Object.keys(v).length) ini += `[${g}:vars]\n${Object.entries(v).map(([k, x]) => `${k}=${x}`).join('\n')}\n`;
          if (children.get(g)!.length) ini += `[${g}:children]\n${children.get(g)!.join('\n')}\n`;
        }
        ini += `[all:vars]\nk1=all\nk2=all\n`;
        files['hosts'] = ini;
        await sameAsAnsible(join(tree(files), 'hosts'));
      } else {
        const body = (g: string): string => {
          const v = { ...gvars.get(g)!, ...(prio.get(g) !== undefined ? { ansible_group_priority: prio.get(g) } : {}) };
          return `    ${g}:\n      hosts: {${members.get(g)!.map((h) => `"${h}": ${rnd() < 0.2 ? `{k1: ${pick(['x', 'y', '3'])}}` : 'null'}`).join(', ')}}\n      vars: ${JSON.stringify(v)}\n      children: {${children.get(g)!.map((c) => `${c}: {}`).join(', ')}}\n`;
        };
        files['inv.yaml'] = `all:\n  vars: {k1: all, k2: all}\n  hosts:\n    ${ungroupedHost}: {k3: solo}\n  children:\n${groups.map(body).join('')}`;
        await sameAsAnsible(join(tree(files), 'inv.yaml'));
      }
    }
  });

  oracle('an executable inventory through ansible-inventory', async () => {
    const dir = tree({
      'inv.py': `#!/usr/bin/python3\nimport json\nprint(json.dumps({"app": {"hosts": ["a1", "a2"], "vars": {"tier": "app"}}, "db": {"hosts": ["d1"], "children": ["app"]}, "_meta": {"hostvars": {"a1": {"ansible_host": "10.1.1.1", "ansible_port": 2022}}}}))\n`,
      'group_vars/db.yml': 'tier_db: true\n',
    });
    chmodSync(join(dir, 'inv.py'), 0o755);
    const inv = await sameAsAnsible(join(dir, 'inv.py'));
    assert.deepEqual(inv.hosts.get('a1')!.connection, { address: '10.1.1.1', port: 2022 });
    assert.deepEqual(inv.hostsOf('db').sort(), ['a1', 'a2', 'd1']);
  });

  oracle('a plugin configuration (constructed) through ansible-inventory', async () => {
    const dir = tree({
      '01-hosts': '[web]\nw1 role=front\nw2 role=back\n',
      'b.constructed.yml': 'plugin: ansible.builtin.constructed\nstrict: false\ngroups:\n  fronts: role == "front"\n',
    });
    // a plugin configuration on its own has no hosts; a directory gives both sources to ansible-inventory
    const inv = await loadInventory(dir);
    assert.deepEqual(inv.hostsOf('fronts'), ['w1']);
    assert.equal(inv.hosts.get('w2')!.vars['role'], 'back');
  });
});

describe('inventory reader: details and hostile input', () => {
  it('expands ranges as Ansible does', () => {
    assert.deepEqual(expandHostRange('web[01:03].x'), ['web01.x', 'web02.x', 'web03.x']);
    assert.deepEqual(expandHostRange('n[1:9:4]'), ['n1', 'n5', 'n9']);
    assert.deepEqual(expandHostRange('db-[a:c]'), ['db-a', 'db-b', 'db-c']);
    assert.deepEqual(expandHostRange('r[1:2]-[a:b]'), ['r1-a', 'r1-b', 'r2-a', 'r2-b']);
    assert.throws(() => expandHostRange('w[01:100]'), /equal-length/);
    assert.throws(() => expandHostRange('w[1:99999999]'), /more than/);
  });

  it('reads INI values as Python literals and host lines as shlex', () => {
    assert.equal(iniValue('22'), 22);
    assert.equal(iniValue('"22"'), '22');
    assert.equal(iniValue('yes'), 'yes');
    assert.equal(iniValue('True'), true);
    assert.deepEqual(iniValue("[1, 'a', {'k': None}]"), [1, 'a', { k: null }]);
    assert.equal(iniValue('010'), '010');
    assert.deepEqual(shlexSplit(`h a="x y" b='c d' # comment`), ['h', 'a=x y', 'b=c d']);
  });

  it('never prints a become password', async () => {
    const dir = tree({ hosts: 'h1 ansible_become=true ansible_become_password=hunter2\n' });
    const inv = await loadInventory(join(dir, 'hosts'));
    const h = inv.hosts.get('h1')!;
    assert.equal(h.connection.become?.password?.reveal(), 'hunter2');
    for (const shown of [JSON.stringify(h), inspect(h, { depth: 10 }), String(h.vars['ansible_become_password'])]) assert.ok(!shown.includes('hunter2'), shown);
  });

  it('refuses an alias bomb, a huge file, a cycle and bad sections with clear errors', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    const dir = tree({
      'bomb.yml': `all:\n  vars:\n${bomb.map((l) => `    ${l}`).join('\n')}\n`,
      'cycle.yml': 'all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a: {}\n',
      'bad.ini': '[web:nosuch]\nh\n',
      'undef.ini': '[x:children]\nnope\n',
      'empty.yml': '',
    });
    const expectError = async (file: string, re: RegExp): Promise<void> => {
      await assert.rejects(loadInventory(join(dir, file)), (e: unknown) => e instanceof ContentError && re.test(e.message));
    };
    await expectError('bomb.yml', /alias/i);
    await expectError('cycle.yml', /recursive dependency loop/);
    await expectError('bad.ini', /bad\.ini:1: Section \[web:nosuch\] has unknown type/);
    await expectError('undef.ini', /includes undefined group: nope/);
    await expectError('empty.yml', /empty/);
    const huge = join(dir, 'huge.ini');
    writeFileSync(huge, Buffer.alloc(17 * 1024 * 1024, 0x61));
    await expectError('huge.ini', /at most/);
    await assert.rejects(loadInventory(join(dir, 'absent.ini')), /does not exist/);
  });

  it('reads a comma-separated host list', async () => {
    const inv = await loadInventory('a.example,b.example:2022,');
    assert.deepEqual([...inv.hosts.keys()], ['a.example', 'b.example']);
    assert.equal(inv.hosts.get('b.example')!.connection.port, 2022);
    assert.deepEqual(inv.hostsOf('ungrouped'), ['a.example', 'b.example']);
  });
});

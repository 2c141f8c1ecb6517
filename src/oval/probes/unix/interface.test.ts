import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { readDocument } from '../../../model/load.js';
import type { OvalDefinitions } from '../../../model/oval/types.js';
import { mockTarget, type MockEntry } from '../../../target/memory-target.js';
import { caseDocument, canonicalItems, defId, objId, oscapAvailable, oscapOutcome, vigilOutcome, type ProbeCase } from '../../../testing/probe-oracle.js';
import { ovalXml } from '../../../testing/content.js';
import { OvalEngine } from '../../engine.js';
import type { CollectedObject } from '../../types.js';
import { hardwareAddress, interfaceProbe, ipv6ToString, parseFibTrie } from './interface.js';

// ------------------------------------------------------------- a fake host

const link = (index: number, type: number, flags: string, operstate: string, address: string): Record<string, MockEntry> => ({
  ifindex: `${index}\n`,
  type: `${type}\n`,
  flags: `${flags}\n`,
  operstate: `${operstate}\n`,
  address: `${address}\n`,
});

function sysNet(links: Record<string, Record<string, MockEntry>>): Record<string, MockEntry> {
  const out: Record<string, MockEntry> = {};
  for (const [name, files] of Object.entries(links)) for (const [f, v] of Object.entries(files)) out[`/sys/class/net/${name}/${f}`] = v;
  return out;
}

const FIB_TRIE = `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 10.1.0.0/16 2 0 2
        |-- 10.1.0.0
           /16 link UNICAST
        |-- 10.1.2.3
           /32 host LOCAL
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 192.0.2.0/24 2 0 2
        +-- 192.0.2.0/30 2 0 2
           |-- 192.0.2.0
              /24 link UNICAST
           |-- 192.0.2.2
              /32 host LOCAL
           |-- 192.0.2.3
              /32 host LOCAL
        |-- 192.0.2.255
           /32 link BROADCAST
     |-- 203.0.113.7
        /32 host LOCAL
Local:
  +-- 0.0.0.0/0 3 0 5
     |-- 127.0.0.1
        /32 host LOCAL
`;

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
wg0\t0000010A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
`;

const IF_INET6 = `fd000000000000000000000000000002 02 40 00 82     eth0
fe8000000000000000fc00fffe000001 02 40 20 80     eth0
00000000000000000000000000000001 01 80 10 80       lo
`;

const HOST: Record<string, MockEntry> = {
  ...sysNet({
    lo: link(1, 772, '0x9', 'unknown', '00:00:00:00:00:00'),
    eth0: link(2, 1, '0x1003', 'up', '02:fc:00:00:00:01'),
    eth1: link(3, 1, '0x1002', 'down', '52:54:00:12:34:56'),
    wg0: link(4, 65534, '0x91', 'unknown', ''),
  }),
  '/sys/class/net/bonding_masters': 'bond0\n',
  '/proc/net/fib_trie': FIB_TRIE,
  '/proc/net/route': ROUTE,
  '/proc/net/if_inet6': IF_INET6,
};

async function collect(objectXml: string, files: Record<string, MockEntry> = HOST, capabilities: Array<'kernel' | 'processes'> = ['kernel']): Promise<CollectedObject> {
  const doc = readDocument({ text: ovalXml({ objects: `<unix:interface_object id="oval:t:obj:1" version="1">${objectXml}</unix:interface_object>` }), name: 't.xml' }) as OvalDefinitions;
  const e = new OvalEngine(doc, { target: mockTarget({ files, capabilities }), probes: new Map([['unix/interface_object', interfaceProbe]]) });
  return e.collect('oval:t:obj:1');
}

const value = (c: CollectedObject, item: number, name: string): string[] => c.items[item]!.entities.filter((e) => e.name === name).map((e) => e.value);

// ------------------------------------------------------------------ tables

describe('interface: IPv6 addresses are written as glibc inet_ntop writes them', () => {
  const w = (s: string): number[] => s.split(':').map((x) => Number.parseInt(x, 16));
  const cases = [
    { words: '0:0:0:0:0:0:0:1', want: '::1' },
    { words: '0:0:0:0:0:0:0:0', want: '::' },
    { words: 'fe80:0:0:0:fc:ff:fe00:1', want: 'fe80::fc:ff:fe00:1' },
    { words: 'fd00:0:0:0:0:0:0:2', want: 'fd00::2' },
    { words: '2001:db8:0:0:1:0:0:1', want: '2001:db8::1:0:0:1' },
    { words: '1:0:0:2:0:0:0:3', want: '1:0:0:2::3' },
    { words: '1:0:2:3:4:5:6:7', want: '1:0:2:3:4:5:6:7' },
    { words: '1:0:0:0:0:0:0:0', want: '1::' },
    { words: '0:0:0:0:0:ffff:c000:202', want: '::ffff:192.0.2.2' },
    { words: '0:0:0:0:0:0:c000:202', want: '::192.0.2.2' },
  ];
  for (const c of cases) it(`${c.words} → ${c.want}`, () => assert.equal(ipv6ToString(w(c.words)), c.want));
});

describe('interface: hardware_addr is SIOCGIFHWADDR\'s six bytes', () => {
  const cases = [
    { sysfs: '02:fc:00:00:00:01', want: '02:FC:00:00:00:01' },
    { sysfs: '', want: '00:00:00:00:00:00' },
    { sysfs: 'c0:a8:01:02', want: 'C0:A8:01:02:00:00' },
    { sysfs: '80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0e:5a:21', want: '80:00:02:08:FE:80' },
  ];
  for (const c of cases) it(JSON.stringify(c.sysfs), () => assert.equal(hardwareAddress(c.sysfs), c.want));
});

describe('interface: /proc/net/fib_trie', () => {
  it('lists each route once across tables, with the leaf as its network', () => {
    const fib = parseFibTrie(FIB_TRIE);
    assert.equal(fib.filter((e) => e.prefix === 32 && e.type === 'LOCAL').length, 5);
    assert.deepEqual(
      fib.filter((e) => e.prefix === 16).map((e) => [e.scope, e.type]),
      [['link', 'UNICAST']],
    );
  });
});

describe('interface: items, one per address', () => {
  const cases = [
    { name: 'equals selects one interface, IPv4 before IPv6', obj: '<unix:name>eth0</unix:name>', want: ['192.0.2.2', '192.0.2.3', 'fd00::2/64', 'fe80::fc:ff:fe00:1/64'] },
    { name: 'the loopback owns the 127/8 local route', obj: '<unix:name>lo</unix:name>', want: ['127.0.0.1', '::1/128'] },
    { name: 'pattern match over names', obj: '<unix:name operation="pattern match">^(lo|wg)</unix:name>', want: ['127.0.0.1', '10.1.2.3', '::1/128'] },
    { name: 'an interface without addresses has no item', obj: '<unix:name>eth1</unix:name>', want: [] },
    { name: 'not equal', obj: '<unix:name operation="not equal">eth0</unix:name>', want: ['127.0.0.1', '10.1.2.3', '::1/128'] },
    { name: 'case insensitive equals', obj: '<unix:name operation="case insensitive equals">ETH0</unix:name>', want: ['192.0.2.2', '192.0.2.3', 'fd00::2/64', 'fe80::fc:ff:fe00:1/64'] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const got = await collect(c.obj);
      assert.deepEqual(
        got.items.map((i) => i.entities.find((e) => e.name === 'inet_addr')!.value),
        c.want,
      );
      assert.equal(got.flag, c.want.length ? 'complete' : 'does not exist');
    });
  }

  it('builds OpenSCAP\'s fields in its order, with its datatypes', async () => {
    const c = await collect('<unix:name>eth0</unix:name>');
    assert.deepEqual(
      c.items[0]!.entities.map((e) => `${e.name}:${e.datatype}=${e.value}`),
      [
        'name:string=eth0',
        'type:string=ARPHRD_ETHER',
        'hardware_addr:string=02:FC:00:00:00:01',
        'inet_addr:ipv4_address=192.0.2.2',
        'broadcast_addr:ipv4_address=192.0.2.255',
        'netmask:ipv4_address=255.255.255.0',
        'flag:string=UP',
        'flag:string=BROADCAST',
        'flag:string=RUNNING',
        'flag:string=MULTICAST',
      ],
    );
    assert.deepEqual(
      c.items[2]!.entities.map((e) => `${e.name}:${e.datatype}=${e.value}`).slice(3, 6),
      ['inet_addr:ipv6_address=fd00::2/64', 'broadcast_addr:ipv6_address=', 'netmask:ipv6_address='],
    );
  });

  const fieldCases = [
    { name: 'loopback: no broadcast, LOOPBACK and RUNNING (operstate unknown)', iface: 'lo', item: 0, field: 'flag', want: ['UP', 'LOOPBACK', 'RUNNING'] },
    { name: 'loopback type', iface: 'lo', item: 0, field: 'type', want: ['ARPHRD_LOOPBACK'] },
    { name: 'loopback netmask from the local route', iface: 'lo', item: 0, field: 'netmask', want: ['255.0.0.0'] },
    { name: 'loopback broadcast is empty', iface: 'lo', item: 0, field: 'broadcast_addr', want: [''] },
    { name: 'an unnamed ARPHRD type is empty', iface: 'wg0', item: 0, field: 'type', want: [''] },
    { name: 'NOARP is spelled NOAPP; POINTOPOINT', iface: 'wg0', item: 0, field: 'flag', want: ['UP', 'POINTOPOINT', 'RUNNING', 'NOAPP'] },
    { name: 'no device address: six zero bytes', iface: 'wg0', item: 0, field: 'hardware_addr', want: ['00:00:00:00:00:00'] },
    { name: 'netmask from the interface route', iface: 'wg0', item: 0, field: 'netmask', want: ['255.255.0.0'] },
    { name: 'a second address in the subnet', iface: 'eth0', item: 1, field: 'broadcast_addr', want: ['192.0.2.255'] },
  ];
  for (const c of fieldCases) {
    it(c.name, async () => assert.deepEqual(value(await collect(`<unix:name>${c.iface}</unix:name>`), c.item, c.field), c.want));
  }

  it('without a broadcast route the broadcast address is the address itself (getifaddrs)', async () => {
    const files = { ...HOST, '/proc/net/fib_trie': FIB_TRIE.replace(/\|-- 192\.0\.2\.255\n\s+\/32 link BROADCAST\n/, '') };
    assert.deepEqual(value(await collect('<unix:name>eth0</unix:name>', files), 0, 'broadcast_addr'), ['192.0.2.2']);
  });

  it('a link that is up without carrier is not RUNNING', async () => {
    const files = { ...HOST, '/sys/class/net/eth0/operstate': 'lowerlayerdown\n' };
    assert.deepEqual(value(await collect('<unix:name>eth0</unix:name>', files), 0, 'flag'), ['UP', 'BROADCAST', 'MULTICAST']);
  });

  it('reads /proc/net/route words in either byte order', async () => {
    const files = { ...HOST, '/proc/net/route': ROUTE.replace('000200C0', 'C0000200').replace('00FFFFFF', 'FFFFFF00') };
    assert.deepEqual(value(await collect('<unix:name>eth0</unix:name>', files), 0, 'inet_addr'), ['192.0.2.2']);
  });

  it('an address no route attributes is left out, with a message', async () => {
    const c = await collect('<unix:name operation="pattern match">.*</unix:name>');
    assert.ok(!c.items.some((i) => value({ ...c, items: [i] }, 0, 'inet_addr')[0] === '203.0.113.7'));
    assert.match(c.messages.join('\n'), /203\.0\.113\.7/);
  });

  it('without IPv6 (no /proc/net/if_inet6) only IPv4 addresses are listed', async () => {
    const files = { ...HOST };
    delete files['/proc/net/if_inet6'];
    assert.deepEqual((await collect('<unix:name>lo</unix:name>', files)).items.length, 1);
  });

  it('is "not applicable" on a target without a live kernel, as in oscap offline', async () => {
    const c = await collect('<unix:name>lo</unix:name>', HOST, []);
    assert.equal(c.flag, 'not applicable');
    assert.deepEqual(c.unavailable, ['kernel']);
  });
});

// ------------------------------------------------------------------ oracle

test('interface_object agrees with oscap on this host', async (t) => {
  if (!(await oscapAvailable(t))) return;
  const cases: ProbeCase[] = [
    { name: 'every interface', family: 'unix', type: 'interface', object: '<unix:name operation="pattern match">.*</unix:name>' },
    { name: 'the loopback', family: 'unix', type: 'interface', object: '<unix:name>lo</unix:name>', state: '<unix:type>ARPHRD_LOOPBACK</unix:type>' },
    { name: 'loopback address', family: 'unix', type: 'interface', object: '<unix:name>lo</unix:name>', state: '<unix:inet_addr datatype="ipv4_address">127.0.0.1</unix:inet_addr>', check: 'at least one' },
    { name: 'no interface is promiscuous', family: 'unix', type: 'interface', object: '<unix:name operation="pattern match">.*</unix:name>', state: '<unix:flag>PROMISC</unix:flag>', check: 'none satisfy' },
    { name: 'every interface is up', family: 'unix', type: 'interface', object: '<unix:name operation="pattern match">.*</unix:name>', state: '<unix:flag entity_check="at least one">UP</unix:flag>' },
    { name: 'an interface that does not exist', family: 'unix', type: 'interface', object: '<unix:name>vigil-none0</unix:name>' },
    { name: 'none exist', family: 'unix', type: 'interface', object: '<unix:name>vigil-none0</unix:name>', existence: 'none_exist' },
  ];
  const xml = caseDocument(cases);
  const [theirs, ours] = [await oscapOutcome(xml, t), await vigilOutcome(xml, [interfaceProbe])];
  assert.equal(theirs.code, 0, `oscap failed: ${theirs.stderr.slice(-2000)}`);
  assert.equal(theirs.objects.size, cases.length, 'oscap\'s results list every object');
  const disagreements: string[] = [];
  cases.forEach((c, i) => {
    const id = defId(i + 1);
    t.diagnostic(`${c.name}: oscap ${theirs.definitions.get(id)}, Vigil ${ours.definitions.get(id)}`);
    if (theirs.definitions.get(id) !== ours.definitions.get(id)) disagreements.push(`${c.name}: oscap ${theirs.definitions.get(id)}, Vigil ${ours.definitions.get(id)}`);
    const [a, b] = [theirs.objects.get(objId(i + 1)), ours.objects.get(objId(i + 1))];
    if (a?.flag !== b?.flag) disagreements.push(`${c.name}: flag oscap ${a?.flag}, Vigil ${b?.flag}`);
    else assert.deepEqual(canonicalItems(b?.items ?? []), canonicalItems(a?.items ?? []), `${c.name}: items differ`);
  });
  assert.deepEqual(disagreements, []);
});

/**
 * unix:interface_object: one item per IPv4 or IPv6 address of a network
 * interface, as OpenSCAP's interface_probe.c builds them from getifaddrs().
 *
 * Everything is read through the Target, so the probe works wherever /proc
 * and /sys can be read (the local host now, SSH later):
 * - interfaces: /sys/class/net/<name>/{ifindex,type,address,flags,operstate};
 * - IPv6 addresses: /proc/net/if_inet6 (address, prefix length, interface);
 * - IPv4 addresses: /proc/net/fib_trie (the local /32 routes are the
 *   addresses; the covering link route gives the prefix length and the
 *   broadcast route the broadcast address) and /proc/net/route (which
 *   interface that link route goes out of). The loopback prefix is a local
 *   route and belongs to the loopback interface.
 *
 * Item fields, in OpenSCAP's order: name, type (the ARPHRD_* name, '' for
 * others), hardware_addr (six bytes, upper case), inet_addr, broadcast_addr,
 * netmask (ipv4_address / ipv6_address, '' when absent; an IPv6 address is
 * written addr/prefix and has no netmask or broadcast), then one flag per
 * IFF_* bit in net/if.h order (IFF_NOARP is spelled "NOAPP", as OpenSCAP
 * does).
 *
 * Known differences from getifaddrs(), which /proc cannot express: IPv4
 * addresses of interfaces that are down (their routes are gone), /32
 * addresses without a prefix route and alias labels (eth0:1) are not seen;
 * PROMISC and ALLMULTI come from the device flags (which count every user
 * of promiscuous mode, tcpdump included) rather than from the user-set flags.
 * Items are built as for OVAL 5.8 and later content (probes do not see the
 * document's schema version; OpenSCAP leaves out `type` before 5.6 and
 * types addresses as strings before 5.8).
 * Needs a live kernel; offline it is "not collected" (OpenSCAP reads the
 * scanning host's interfaces instead).
 */
import type { OvalDatatype } from '../../../model/oval/types.js';
import type { Target } from '../../../target/target.js';
import type { ItemData, ItemEntity, Probe, ProbeResult } from '../../types.js';
import { absentAs } from '../absence.js';
import { field, matching } from '../entity.js';

/** IFF_* bits in the order interface_probe.c lists them, with its names. */
const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [0x1, 'UP'],
  [0x2, 'BROADCAST'],
  [0x4, 'DEBUG'],
  [0x8, 'LOOPBACK'],
  [0x10, 'POINTOPOINT'],
  [0x20, 'NOTRAILERS'],
  [0x40, 'RUNNING'],
  [0x80, 'NOAPP'],
  [0x100, 'PROMISC'],
  [0x200, 'ALLMULTI'],
  [0x400, 'MASTER'],
  [0x800, 'SLAVE'],
  [0x1000, 'MULTICAST'],
  [0x2000, 'PORTSEL'],
  [0x4000, 'AUTOMEDIA'],
  [0x8000, 'DYNAMIC'],
];
const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_RUNNING = 0x40;

/** The ARPHRD_* types interface_probe.c names; any other type is ''. */
const ARPHRD_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'ARPHRD_ETHER'],
  [774, 'ARPHRD_FDDI'],
  [772, 'ARPHRD_LOOPBACK'],
  [512, 'ARPHRD_PPP'],
  [4, 'ARPHRD_PRONET'],
  [256, 'ARPHRD_SLIP'],
  [0xffff, 'ARPHRD_VOID'],
]);

export interface NetLink {
  readonly name: string;
  readonly index: number;
  /** ARPHRD_* number. */
  readonly type: number;
  /** The flags getifaddrs() reports: the device flags, with RUNNING from the operational state. */
  readonly flags: number;
  /** SIOCGIFHWADDR's six bytes, upper-case hex. */
  readonly hardwareAddr: string;
}

export interface NetAddress {
  readonly link: NetLink;
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefix: number;
  /** IPv4 only: the broadcast address, '' when the interface has no IFF_BROADCAST. */
  readonly broadcast: string;
}

// ------------------------------------------------------------------ formats

/** SIOCGIFHWADDR: the first six bytes of the device address, zero-padded, as %02X:... */
export function hardwareAddress(sysfsAddress: string): string {
  const bytes = sysfsAddress
    .trim()
    .split(':')
    .filter((b) => b !== '')
    .map((b) => Number.parseInt(b, 16) & 0xff);
  const six = Array.from({ length: 6 }, (_, i) => bytes[i] ?? 0);
  return six.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':');
}

export function ipv4ToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

function parseIpv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return undefined;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** glibc's inet_ntop(AF_INET6): the longest run of two or more zero words becomes ::, the leftmost on a tie. */
export function ipv6ToString(words: readonly number[]): string {
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      cur = cur.base === -1 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
    } else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
  if (best.base !== -1 && best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += `${words[6]! >>> 8}.${words[6]! & 0xff}.${words[7]! >>> 8}.${words[7]! & 0xff}`;
      return out;
    }
    out += words[i]!.toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ':';
  return out;
}

// ------------------------------------------------------------------ sources

/** A file's text, or undefined when it is not there; any other failure is thrown on (the object is an error). */
async function readText(target: Target, path: string): Promise<string | undefined> {
  return (await absentAs(target.readFile(path)))?.toString('latin1');
}

/** The interfaces under /sys/class/net, by ifindex. */
async function readLinks(target: Target): Promise<NetLink[]> {
  const links: NetLink[] = [];
  for (const e of (await absentAs(target.readdir('/sys/class/net'))) ?? []) {
    const dir = `/sys/class/net/${e.name}`;
    const index = Number.parseInt((await readText(target, `${dir}/ifindex`)) ?? '', 10);
    if (!Number.isFinite(index)) continue; // not an interface (bonding_masters, ...)
    const type = Number.parseInt((await readText(target, `${dir}/type`)) ?? '', 10);
    const devFlags = Number.parseInt(((await readText(target, `${dir}/flags`)) ?? '0').trim(), 16) || 0;
    const oper = ((await readText(target, `${dir}/operstate`)) ?? '').trim();
    // dev_get_flags(): RUNNING when the device is up and its operational state is up or unknown.
    let flags = devFlags & ~IFF_RUNNING;
    if (flags & IFF_UP && (oper === 'up' || oper === 'unknown')) flags |= IFF_RUNNING;
    links.push({
      name: e.name,
      index,
      type: Number.isFinite(type) ? type : -1,
      flags,
      hardwareAddr: hardwareAddress((await readText(target, `${dir}/address`)) ?? ''),
    });
  }
  return links.sort((a, b) => a.index - b.index);
}

/** /proc/net/if_inet6: "address ifindex prefixlen scope flags name" in hex. */
export function parseIfInet6(text: string): Array<{ words: number[]; index: number; prefix: number; name: string }> {
  const out = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^[0-9a-fA-F]{32}$/.test(f[0]!)) continue;
    const words = Array.from({ length: 8 }, (_, i) => Number.parseInt(f[0]!.slice(i * 4, i * 4 + 4), 16));
    out.push({ words, index: Number.parseInt(f[1]!, 16), prefix: Number.parseInt(f[2]!, 16), name: f[5]! });
  }
  return out;
}

export interface FibEntry {
  readonly network: number;
  readonly prefix: number;
  readonly scope: string;
  readonly type: string;
}

/** Every route of every table in /proc/net/fib_trie (leaf key, then its "/len scope TYPE" lines). */
export function parseFibTrie(text: string): FibEntry[] {
  const out: FibEntry[] = [];
  const seen = new Set<string>();
  let leaf: number | undefined;
  for (const line of text.split('\n')) {
    const l = /^\s*\|--\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (l) {
      leaf = parseIpv4(l[1]!);
      continue;
    }
    const p = /^\s+\/(\d+)\s+(\S+)\s+(\S+)/.exec(line);
    if (p && leaf !== undefined) {
      const e = { network: leaf, prefix: Number(p[1]), scope: p[2]!, type: p[3]! };
      const key = `${e.network}/${e.prefix}/${e.scope}/${e.type}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(e);
      }
      continue;
    }
    if (!/^\s/.test(line)) leaf = undefined; // a table header
  }
  return out;
}

/** /proc/net/route rows: interface, destination, gateway and mask (hex in host byte order). */
function parseRoutes(text: string): Array<{ iface: string; dest: string; gateway: string; mask: string }> {
  const out = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    out.push({ iface: f[0]!, dest: f[1]!, gateway: f[2]!, mask: f[7]! });
  }
  return out;
}

/** A /proc/net/route hex word as an address, read little-endian or big-endian. */
function routeWord(hex: string, littleEndian: boolean): number {
  const n = Number.parseInt(hex, 16) >>> 0;
  if (!littleEndian) return n;
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
}

function inPrefix(addr: number, network: number, prefix: number): boolean {
  const m = maskOf(prefix);
  return ((addr & m) >>> 0) === ((network & m) >>> 0);
}

/** The IPv4 addresses, attributed to interfaces, in ifindex order. */
async function ipv4Addresses(target: Target, links: readonly NetLink[], messages: string[]): Promise<NetAddress[]> {
  const trie = await readText(target, '/proc/net/fib_trie');
  if (trie === undefined) return [];
  const fib = parseFibTrie(trie);
  const routes = parseRoutes((await readText(target, '/proc/net/route')) ?? '');
  const byName = new Map(links.map((l) => [l.name, l]));
  const locals = [...new Set(fib.filter((e) => e.prefix === 32 && e.type === 'LOCAL').map((e) => e.network))];
  const broadcasts = new Set(fib.filter((e) => e.prefix === 32 && e.type === 'BROADCAST').map((e) => e.network));
  const out: NetAddress[] = [];
  for (const addr of locals) {
    // The covering prefix route: the connected (link-scope unicast) route, or the loopback's local route.
    const covering = fib
      .filter((e) => e.prefix < 32 && ((e.type === 'UNICAST' && e.scope === 'link') || (e.type === 'LOCAL' && e.scope === 'host')))
      .filter((e) => inPrefix(addr, e.network, e.prefix))
      .sort((a, b) => b.prefix - a.prefix)[0];
    let link: NetLink | undefined;
    if (covering?.type === 'LOCAL') {
      link = links.find((l) => l.flags & IFF_LOOPBACK);
    } else if (covering) {
      const mask = maskOf(covering.prefix);
      const network = (covering.network & mask) >>> 0;
      for (const le of [true, false]) {
        const r = routes.find((r) => routeWord(r.dest, le) === network && routeWord(r.mask, le) === mask && Number.parseInt(r.gateway, 16) === 0);
        if (r) {
          link = byName.get(r.iface);
          break;
        }
      }
    }
    if (!link) {
      messages.push(`the interface of IPv4 address ${ipv4ToString(addr)} could not be told from /proc/net/fib_trie and /proc/net/route`);
      continue;
    }
    const prefix = covering?.prefix ?? 32;
    const mask = maskOf(prefix);
    let broadcast = '';
    if (link.flags & IFF_BROADCAST) {
      const network = (addr & mask) >>> 0;
      const usual = (addr | ~mask) >>> 0;
      const other = [...broadcasts].find((b) => b !== network && inPrefix(b, addr, prefix));
      // Without a broadcast address getifaddrs() reports the address itself (IFA_ADDRESS).
      broadcast = ipv4ToString(broadcasts.has(usual) ? usual : (other ?? addr));
    }
    out.push({ link, family: 4, address: ipv4ToString(addr), prefix, broadcast });
  }
  return out.sort((a, b) => a.link.index - b.link.index);
}

async function ipv6Addresses(target: Target, links: readonly NetLink[]): Promise<NetAddress[]> {
  const text = await readText(target, '/proc/net/if_inet6');
  if (text === undefined) return [];
  const byName = new Map(links.map((l) => [l.name, l]));
  const out: NetAddress[] = [];
  for (const a of parseIfInet6(text)) {
    const link = byName.get(a.name);
    if (!link) continue;
    out.push({ link, family: 6, address: ipv6ToString(a.words), prefix: a.prefix, broadcast: '' });
  }
  return out.sort((a, b) => a.link.index - b.link.index);
}

/** Every address getifaddrs() would list for AF_INET and AF_INET6, in its order (IPv4 first). */
export async function readInterfaceAddresses(target: Target, messages: string[] = []): Promise<NetAddress[]> {
  const links = await readLinks(target);
  return [...(await ipv4Addresses(target, links, messages)), ...(await ipv6Addresses(target, links))];
}

function flagNames(flags: number): string[] {
  return FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
}

export function interfaceItem(a: NetAddress): ItemData {
  const dt: OvalDatatype = a.family === 4 ? 'ipv4_address' : 'ipv6_address';
  const addr = (name: string, value: string): ItemEntity => field(name, value, dt);
  return {
    family: 'unix',
    type: 'interface_item',
    status: 'exists',
    entities: [
      field('name', a.link.name),
      field('type', ARPHRD_NAMES.get(a.link.type) ?? ''),
      field('hardware_addr', a.link.hardwareAddr),
      addr('inet_addr', a.family === 4 ? a.address : `${a.address}/${a.prefix}`),
      addr('broadcast_addr', a.family === 4 ? a.broadcast : ''),
      addr('netmask', a.family === 4 ? ipv4ToString(maskOf(a.prefix)) : ''),
      ...flagNames(a.link.flags).map((f) => field('flag', f)),
    ],
  };
}

export const interfaceProbe: Probe = {
  family: 'unix',
  objectType: 'interface_object',
  needs: ['kernel'],
  unavailable: 'not applicable',
  description: 'IPv4/IPv6 addresses of network interfaces (/sys/class/net, /proc/net/fib_trie, /proc/net/route, /proc/net/if_inet6); not applicable offline',
  async collect(req, ctx): Promise<ProbeResult> {
    const name = req.entities.get('name');
    if (!name) return { flag: 'error', items: [], messages: ['interface_object needs name'] };
    ctx.reads.input('interfaces', '*');
    const messages: string[] = [];
    const items = (await matching(name, await readInterfaceAddresses(ctx.target, messages), (a) => a.link.name)).map(interfaceItem);
    return { items, ...(messages.length ? { messages } : {}) };
  },
};

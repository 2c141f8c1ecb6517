/**
 * Ansible's host patterns, as `--limit` takes them (InventoryManager of
 * Ansible 2.14): `all` and `*`, group and host names, globs (`web*`,
 * `db[12]`), regular expressions (`~web\d+`), subscripts (`web[0]`,
 * `web[1:3]`), and lists (`a,b` or `a:b`) with intersections (`&x`) and
 * exclusions (`!x`) applied after the plain terms, whatever their order.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { ContentError } from '../model/errors.js';
import type { Inventory } from './inventory.js';

/** Splits a pattern into terms: by commas, else by colons outside brackets (Ansible's split_host_pattern). */
export function splitHostPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (isAddress(pattern)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Whether a term parses as one host address (with an optional port), as parse_address(allow_ranges=True). */
function isAddress(p: string): boolean {
  if (/^\[[^\]]+\]:\d+$/.test(p)) return true;
  const m = /^((?:[^:[\]]|\[[^\]]*\])+):(\d+)$/.exec(p);
  const host = m ? m[1]! : p;
  // an IPv6 address (two colons at least)
  if (/^[0-9a-fA-F:.[\]]*::?[0-9a-fA-F:.[\]]*$/.test(host) && (host.match(/:/g) ?? []).length >= 2) return true;
  return !host.includes(':') && /^[\w.[\]-]+$/.test(host) && !/^[.-]/.test(host) && m !== null;
}

/** fnmatch.translate: a shell glob as a regular expression anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', glob[i + 1] === '!' ? i + 3 : i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        else if (body.startsWith('^')) body = `\\${body}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

function matcher(term: string): (name: string) => boolean {
  if (term.startsWith('~')) {
    let re: RegExp;
    try {
      // Python's re.match: anchored at the start only
      re = new RegExp(`^(?:${term.slice(1)})`, 'u');
    } catch {
      throw new ContentError('invalid-value', `invalid host list pattern: ${term}`);
    }
    return (n) => re.test(n);
  }
  const re = globToRegExp(term);
  return (n) => re.test(n);
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;

function enumerate(inv: Inventory, term: string): string[] {
  const match = matcher(term);
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (h: string): void => {
    if (!seen.has(h)) seen.add(h), out.push(h);
  };
  const groups = [...inv.groups.keys()].filter(match);
  for (const g of groups) for (const h of inv.hostsOf(g)) add(h);
  if (groups.length === 0 || term.startsWith('~') || /[.?*[]/.test(term)) {
    for (const h of inv.hosts.keys()) if (match(h)) add(h);
  }
  return out;
}

function matchOne(inv: Inventory, term: string): string[] {
  const t = term[0] === '&' || term[0] === '!' ? term.slice(1) : term;
  if (t === '') return [];
  if (t.startsWith('~')) return enumerate(inv, t);
  const m = SUBSCRIPT.exec(t);
  if (!m) return enumerate(inv, t);
  const hosts = enumerate(inv, m[1]!);
  if (hosts.length === 0) return hosts;
  if (m[2] !== undefined) {
    const i = Number(m[2]);
    const h = hosts.at(i);
    if (h === undefined || i >= hosts.length) throw new ContentError('invalid-value', `no hosts matched the subscripted pattern '${t}'`);
    return [h];
  }
  const start = Number(m[3]);
  const end = m[5] ? Number(m[5]) : hosts.length - 1;
  return hosts.slice(start, end + 1);
}

/** The inventory hosts a pattern selects, in inventory order as Ansible lists them (duplicates removed). */
export function selectHosts(inv: Inventory, pattern: string): string[] {
  const terms = splitHostPattern(pattern);
  const regular = terms.filter((t) => t[0] !== '!' && t[0] !== '&');
  const ordered = [...(regular.length > 0 ? regular : ['all']), ...terms.filter((t) => t[0] === '&'), ...terms.filter((t) => t[0] === '!')];
  let hosts: string[] = [];
  for (const p of ordered) {
    if (inv.hosts.has(p)) {
      if (!hosts.includes(p)) hosts.push(p);
      continue;
    }
    const that = matchOne(inv, p);
    if (p[0] === '!') {
      const s = new Set(that);
      hosts = hosts.filter((h) => !s.has(h));
    } else if (p[0] === '&') {
      const s = new Set(that);
      hosts = hosts.filter((h) => s.has(h));
    } else {
      const have = new Set(hosts);
      for (const h of that) if (!have.has(h)) have.add(h), hosts.push(h);
    }
  }
  return hosts;
}

/**
 * `--limit`: the hosts of the inventory the limit keeps (every host without
 * a limit). As Ansible's subset, a term `@FILE` stands for the patterns in
 * FILE, one a line (a retry file, say).
 */
export function limitHosts(inv: Inventory, limit: string | undefined): string[] {
  const all = [...inv.hosts.keys()];
  if (limit === undefined) return all;
  const terms: string[] = [];
  for (const t of splitHostPattern(limit)) {
    if (!t.startsWith('@')) {
      terms.push(t);
      continue;
    }
    const file = t.slice(1);
    if (!existsSync(file)) throw new ContentError('io', `unable to find limit file ${file}`);
    if (!statSync(file).isFile()) throw new ContentError('invalid-value', `a limit starting with "@" must be a file, not a directory: ${file}`);
    if (statSync(file).size > 16 * 1024 * 1024) throw new ContentError('invalid-value', `limit file ${file} is larger than 16 MB`);
    terms.push(...readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean));
  }
  const keep = new Set(selectHosts(inv, terms.join(',')));
  return all.filter((h) => keep.has(h));
}

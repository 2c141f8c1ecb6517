/**
 * Ansible inventories, read as Ansible 2.14 reads them: INI and YAML files,
 * group_vars/ and host_vars/ beside them, host ranges, `all` and `ungrouped`,
 * and the variable precedence of Ansible's VariableManager:
 *
 *   inventory `all` vars < inventory group vars (by depth, ansible_group_priority, name)
 *   < group_vars/all < group_vars/<group> (same order) < inventory host vars < host_vars/<host>
 *
 * Top-level keys replace (hash_behaviour=replace). Anything else (an
 * executable inventory, a directory, a plugin configuration such as
 * `plugin: constructed`) is read through `ansible-inventory -i X --list`,
 * whose output carries every host's variables already merged.
 *
 * Values are never templated (as `ansible-inventory --list` shows them); the
 * one Jinja form understood is `{{ lookup('env', 'NAME') }}` for a become
 * password, which becomes an environment variable name: the password itself
 * never enters Vigil's data. A literal become password is held in a Secret,
 * which never prints.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { inspect } from 'node:util';
import { parse as parseYaml, type ScalarTag, type Tags } from 'yaml';
import { ContentError } from '../model/errors.js';

/** Inventory and vars files larger than this are refused. */
export const MAX_INVENTORY_BYTES = 16 * 1024 * 1024;
/** Hosts an inventory may expand to (ranges included). */
export const MAX_INVENTORY_HOSTS = 100_000;

export type Vars = Record<string, unknown>;

/** A value that must never be printed or logged: it shows as `<secret>` in strings, JSON and inspection. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '<secret>';
  }
  toJSON(): string {
    return '<secret>';
  }
  [inspect.custom](): string {
    return '<secret>';
  }
}

export interface BecomeSpec {
  readonly method: string;
  /** The password's environment variable (`{{ lookup('env', 'NAME') }}`). */
  readonly passwordEnv?: string;
  /** A literal password from the inventory. */
  readonly password?: Secret;
}

/** How to reach a host, from its ansible_* variables. */
export interface HostConnection {
  /** ansible_host, else the inventory name. */
  readonly address: string;
  readonly port?: number;
  readonly user?: string;
  readonly privateKeyFile?: string;
  readonly become?: BecomeSpec;
}

export interface InventoryHost {
  readonly name: string;
  /** Every group the host is in, ancestors included, `all` excluded, in Ansible's precedence order. */
  readonly groups: readonly string[];
  /** The host's variables, merged (become passwords replaced by Secrets). */
  readonly vars: Vars;
  readonly connection: HostConnection;
}

export interface InventoryGroup {
  readonly name: string;
  /** Hosts added to this group directly, in inventory order. */
  readonly hosts: readonly string[];
  readonly children: readonly string[];
  readonly vars: Vars;
}

export interface Inventory {
  readonly source: string;
  /** In inventory order. */
  readonly hosts: ReadonlyMap<string, InventoryHost>;
  readonly groups: ReadonlyMap<string, InventoryGroup>;
  /** The hosts of a group and of its descendants, in inventory order (`all`: every host). */
  hostsOf(group: string): string[];
}

// ---------------------------------------------------------------- the builder (Ansible's InventoryData)

interface GroupData {
  name: string;
  hosts: string[];
  children: string[];
  parents: string[];
  vars: Vars;
  priority: number;
}
interface HostData {
  name: string;
  groups: string[];
  vars: Vars;
}

class Builder {
  readonly groups = new Map<string, GroupData>();
  readonly hosts = new Map<string, HostData>();
  constructor(readonly file: string) {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }
  addGroup(name: string): GroupData {
    if (name === '') throw new ContentError('invalid-value', `${this.file}: an empty group name`);
    let g = this.groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], parents: [], vars: {}, priority: 1 };
      this.groups.set(name, g);
    }
    return g;
  }
  addHost(name: string, group: string | undefined, port: number | undefined): void {
    if (name === '') throw new ContentError('invalid-value', `${this.file}: an empty host name`);
    let h = this.hosts.get(name);
    if (!h) {
      if (this.hosts.size >= MAX_INVENTORY_HOSTS) throw new ContentError('invalid-value', `${this.file}: more than ${MAX_INVENTORY_HOSTS} hosts`);
      h = { name, groups: [], vars: {} };
      this.hosts.set(name, h);
      if (port !== undefined) h.vars['ansible_port'] = port;
    }
    if (group !== undefined) {
      const g = this.groups.get(group);
      if (!g) throw new ContentError('invalid-value', `${this.file}: could not find group ${group}`);
      if (!g.hosts.includes(name)) g.hosts.push(name);
      if (!h.groups.includes(group)) h.groups.push(group);
    }
  }
  setGroupVar(group: string, key: string, value: unknown): void {
    const g = this.groups.get(group)!;
    if (key === 'ansible_group_priority') {
      const n = Number(value);
      if (!Number.isInteger(n)) throw new ContentError('invalid-value', `${this.file}: ansible_group_priority of ${group} is not an integer`);
      g.priority = n;
    } else g.vars[key] = value;
  }
  setHostVar(host: string, key: string, value: unknown): void {
    this.hosts.get(host)!.vars[key] = value;
  }
  addChild(parent: string, child: string): void {
    if (parent === child) throw new ContentError('invalid-value', `${this.file}: group ${parent} cannot be its own child`);
    const p = this.groups.get(parent)!;
    const c = this.groups.get(child);
    if (!c) throw new ContentError('invalid-value', `${this.file}: ${child} is not a known group`);
    if (this.ancestors(parent).has(child)) throw new ContentError('invalid-value', `${this.file}: the group named '${child}' has a recursive dependency loop`);
    if (!p.children.includes(child)) p.children.push(child);
    if (!c.parents.includes(parent)) c.parents.push(parent);
  }
  ancestors(group: string): Set<string> {
    const out = new Set<string>();
    const todo = [...(this.groups.get(group)?.parents ?? [])];
    while (todo.length > 0) {
      const g = todo.pop()!;
      if (out.has(g)) continue;
      out.add(g);
      todo.push(...(this.groups.get(g)?.parents ?? []));
    }
    return out;
  }
  /** Ansible's reconcile_inventory: top groups under all, hosts without a group in ungrouped, and out of it when they have one. */
  reconcile(): void {
    for (const g of this.groups.values()) if (g.name !== 'all' && g.parents.length === 0) this.addChild('all', g.name);
    const ungrouped = this.groups.get('ungrouped')!;
    for (const h of this.hosts.values()) {
      const others = h.groups.filter((g) => g !== 'all' && g !== 'ungrouped');
      if (h.groups.includes('ungrouped')) {
        if (others.length > 0) {
          h.groups = h.groups.filter((g) => g !== 'ungrouped');
          ungrouped.hosts = ungrouped.hosts.filter((x) => x !== h.name);
        }
      } else if (others.length === 0) {
        ungrouped.hosts.push(h.name);
        h.groups.push('ungrouped');
      }
    }
  }
}

// ---------------------------------------------------------------- host patterns and values

/** Expands `web[01:20].example.com`, `db-[a:f]`, `n[1:9:2]` (several ranges too), as Ansible's expand_hostname_range. */
export function expandHostRange(pattern: string): string[] {
  const open = pattern.indexOf('[');
  if (open < 0) return [pattern];
  const close = pattern.indexOf(']', open);
  if (close < 0) throw new ContentError('invalid-value', `host range in ${pattern} has no closing ]`);
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const bounds = pattern.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new ContentError('invalid-value', `host range in ${pattern} must be begin:end or begin:end:step`);
  const beg = bounds[0] || '0';
  const end = bounds[1]!;
  const step = bounds.length === 3 ? Number(bounds[2]) : 1;
  if (!end) throw new ContentError('invalid-value', `host range in ${pattern} must specify an end value`);
  if (!Number.isInteger(step) || step <= 0) throw new ContentError('invalid-value', `host range in ${pattern} has a bad step`);
  let seq: string[];
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const ib = beg.length === 1 ? letters.indexOf(beg) : -1;
  const ie = end.length === 1 ? letters.indexOf(end) : -1;
  if (ib >= 0 && ie >= 0) {
    if (ib > ie) throw new ContentError('invalid-value', `host range in ${pattern} must have begin <= end`);
    seq = [];
    for (let i = ib; i <= ie; i += step) seq.push(letters[i]!);
  } else {
    if (!/^\d+$/.test(beg) || !/^\d+$/.test(end)) throw new ContentError('invalid-value', `host range in ${pattern} is neither numeric nor alphabetic`);
    const width = beg[0] === '0' && beg.length > 1 ? beg.length : 0;
    if (width > 0 && width !== end.length) throw new ContentError('invalid-value', `host range in ${pattern} must specify equal-length begin and end formats`);
    const b = Number(beg);
    const e = Number(end);
    if ((e - b) / step > MAX_INVENTORY_HOSTS) throw new ContentError('invalid-value', `host range in ${pattern} expands to more than ${MAX_INVENTORY_HOSTS} hosts`);
    seq = [];
    for (let i = b; i <= e; i += step) seq.push(width > 0 ? String(i).padStart(width, '0') : String(i));
  }
  const out: string[] = [];
  for (const s of seq) {
    for (const t of expandHostRange(tail)) {
      out.push(`${head}${s}${t}`);
      if (out.length > MAX_INVENTORY_HOSTS) throw new ContentError('invalid-value', `host range in ${pattern} expands to more than ${MAX_INVENTORY_HOSTS} hosts`);
    }
  }
  return out;
}

/** A host entry's names and port: `name`, `name:port`, `[v6]:port`, ranges. */
export function parseHostPattern(entry: string): { names: string[]; port?: number } {
  let host = entry;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(entry);
  const hostport = /^((?:[^:[\]]|\[[^\]]*\])+):(\d+)$/.exec(entry);
  if (bracketed) {
    host = bracketed[1]!;
    port = Number(bracketed[2]);
  } else if (hostport) {
    host = hostport[1]!;
    port = Number(hostport[2]);
  } else if (entry.trim().endsWith(':') && !entry.includes('::')) {
    throw new ContentError('invalid-value', `invalid host pattern '${entry}': ending in ':' is reserved for a port`);
  }
  // an IPv6 address without brackets has colons but no range
  const names = host.includes('[') && !/^[0-9a-fA-F:]+$/.test(host) ? expandHostRange(host) : [host];
  if (names.some((n) => n.trim() === '---')) throw new ContentError('invalid-value', `invalid host pattern '${entry}': '---' is normally a sign this is a YAML file`);
  return { names, ...(port !== undefined ? { port } : {}) };
}

/** Python's ast.literal_eval for the scalars and containers an INI inventory holds; the text itself when it is no literal. */
export function iniValue(text: string): unknown {
  const p = new LiteralParser(text.trim());
  try {
    const v = p.value();
    p.space();
    if (p.i !== p.s.length) return text;
    return v;
  } catch {
    return text;
  }
}

class LiteralParser {
  i = 0;
  constructor(readonly s: string) {}
  space(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  value(depth = 0): unknown {
    if (depth > 50) throw new Error('deep');
    this.space();
    const c = this.s[this.i];
    if (c === undefined) throw new Error('end');
    if (c === '"' || c === "'") {
      let out = '';
      // adjacent string literals concatenate, as in Python
      while (this.s[this.i] === '"' || this.s[this.i] === "'") {
        out += this.string();
        this.space();
      }
      return out;
    }
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      this.i++;
      const out: unknown[] = [];
      this.space();
      while (this.s[this.i] !== close) {
        out.push(this.value(depth + 1));
        this.space();
        if (this.s[this.i] === ',') this.i++;
        else if (this.s[this.i] !== close) throw new Error('list');
        this.space();
      }
      this.i++;
      return out;
    }
    if (c === '{') {
      this.i++;
      const out: Record<string, unknown> = {};
      this.space();
      while (this.s[this.i] !== '}') {
        const k = this.value(depth + 1);
        this.space();
        if (this.s[this.i] !== ':') throw new Error('dict');
        this.i++;
        out[String(k)] = this.value(depth + 1);
        this.space();
        if (this.s[this.i] === ',') this.i++;
        else if (this.s[this.i] !== '}') throw new Error('dict');
        this.space();
      }
      this.i++;
      return out;
    }
    const m = /^(?:True|False|None|[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|\d[\d_]*\.?[\d_]*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?))(?![\w.])/.exec(this.s.slice(this.i));
    if (!m) throw new Error('literal');
    this.i += m[0].length;
    const t = m[0];
    if (t === 'True') return true;
    if (t === 'False') return false;
    if (t === 'None') return null;
    const clean = t.replace(/_/g, '');
    if (/^[-+]?0[xXoObB]/.test(clean)) {
      const neg = clean.startsWith('-');
      const n = Number(clean.replace(/^[-+]/, ''));
      return neg ? -n : n;
    }
    if (/^[-+]?\d+$/.test(clean)) {
      // Python rejects leading zeros in decimal integers
      if (/^[-+]?0\d/.test(clean)) throw new Error('leading zero');
      return Number(clean);
    }
    const f = Number(clean);
    if (Number.isNaN(f)) throw new Error('number');
    // a float that is whole prints as 1.0 in Python: keep the distinction for the oracle
    return Number.isInteger(f) ? new PyFloat(f) : f;
  }
  string(): string {
    const q = this.s[this.i]!;
    const triple = this.s.startsWith(q.repeat(3), this.i);
    const end = triple ? q.repeat(3) : q;
    this.i += end.length;
    let out = '';
    while (!this.s.startsWith(end, this.i)) {
      if (this.i >= this.s.length) throw new Error('unterminated');
      const c = this.s[this.i]!;
      if (c === '\\') {
        const n = this.s[this.i + 1];
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };
        if (n !== undefined && map[n] !== undefined) out += map[n];
        else out += `\\${n ?? ''}`;
        this.i += 2;
        continue;
      }
      if (c === '\n' && !triple) throw new Error('newline');
      out += c;
      this.i++;
    }
    this.i += end.length;
    return out;
  }
}

/** A whole float from an INI value (Python prints it as 1.0). */
export class PyFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

// ---------------------------------------------------------------- INI

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUPNAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

/** shlex.split(line, comments=True) as Python does it, POSIX mode. */
export function shlexSplit(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
      i++;
    } else if (c === '#' && !has) {
      break;
    } else if (c === "'") {
      const j = line.indexOf("'", i + 1);
      if (j < 0) throw new Error('No closing quotation');
      cur += line.slice(i + 1, j);
      has = true;
      i = j + 1;
    } else if (c === '"') {
      i++;
      has = true;
      for (;;) {
        if (i >= line.length) throw new Error('No closing quotation');
        const d = line[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\' || line[i + 1] === '$' || line[i + 1] === '`')) {
          cur += line[i + 1];
          i += 2;
          continue;
        }
        cur += d;
        i++;
      }
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new Error('No escaped character');
      cur += line[i + 1];
      has = true;
      i += 2;
    } else {
      cur += c;
      has = true;
      i++;
    }
  }
  if (has) out.push(cur);
  return out;
}

function parseIni(b: Builder, text: string): void {
  const file = b.file;
  const pending = new Map<string, { line: number; state: 'vars' | 'children'; parents: string[] }>();
  let group = 'ungrouped';
  let state = 'hosts';
  const lines = text.split(/\r\n|\n|\r/);
  const err = (n: number, msg: string): ContentError => new ContentError('invalid-value', `${file}:${n}: ${msg}`, { file, line: n, col: 1 });
  const addPendingChildren = (g: string): void => {
    for (const parent of pending.get(g)?.parents ?? []) {
      b.addChild(parent, g);
      if (pending.get(parent)?.state === 'children') addPendingChildren(parent);
    }
    pending.delete(g);
  };
  for (let n = 1; n <= lines.length; n++) {
    const line = lines[n - 1]!.trim();
    if (line === '' || line[0] === '#' || line[0] === ';') continue;
    const m = SECTION.exec(line);
    if (m) {
      group = m[1]!;
      state = m[2] ?? 'hosts';
      if (!['hosts', 'children', 'vars'].includes(state)) throw err(n, `Section [${group}:${state}] has unknown type: ${state}`);
      if (!b.groups.has(group)) {
        if (state === 'vars' && !pending.has(group)) pending.set(group, { line: n, state: 'vars', parents: [] });
        b.addGroup(group);
      }
      const p = pending.get(group);
      if (p && state !== 'vars') {
        if (p.state === 'children') addPendingChildren(group);
        else pending.delete(group);
      }
      continue;
    } else if (line.startsWith('[') && line.endsWith(']')) {
      throw err(n, `Invalid section entry: '${line}'. Please make sure that there are no spaces in the section entry, and that there are no other invalid characters`);
    }
    if (state === 'hosts') {
      let tokens: string[];
      try {
        tokens = shlexSplit(line);
      } catch (e) {
        throw err(n, `Error parsing host definition '${line}': ${(e as Error).message}`);
      }
      if (tokens.length === 0) continue;
      const { names, port } = parseHostPattern(tokens[0]!);
      const vars: Array<[string, unknown]> = [];
      for (const t of tokens.slice(1)) {
        const eq = t.indexOf('=');
        if (eq < 0) throw err(n, `Expected key=value host variable assignment, got: ${t}`);
        vars.push([t.slice(0, eq), iniValue(t.slice(eq + 1))]);
      }
      for (const h of names) {
        b.addHost(h, group, port);
        for (const [k, v] of vars) b.setHostVar(h, k, v);
      }
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) throw err(n, `Expected key=value, got: ${line}`);
      b.setGroupVar(group, line.slice(0, eq).trim(), iniValue(line.slice(eq + 1).trim()));
    } else {
      const c = GROUPNAME.exec(line);
      if (!c) throw err(n, `Expected group name, got: ${line}`);
      const child = c[1]!;
      if (!b.groups.has(child)) {
        const p = pending.get(child);
        if (!p) pending.set(child, { line: n, state: 'children', parents: [group] });
        else p.parents.push(group);
      } else b.addChild(group, child);
    }
  }
  for (const [g, d] of pending) {
    if (d.state === 'vars') throw err(d.line, `Section [${g}:vars] not valid for undefined group: ${g}`);
    throw err(d.line, `Section [${d.parents.at(-1)}:children] includes undefined group: ${g}`);
  }
}

// ---------------------------------------------------------------- YAML

function readLimited(path: string, what: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new ContentError('io', `cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  if (size > MAX_INVENTORY_BYTES) throw new ContentError('invalid-value', `${what} ${path} is ${size} bytes; Vigil reads at most ${MAX_INVENTORY_BYTES}`);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ContentError('io', `cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** PyYAML's YAML 1.1 booleans: yes/no, true/false, on/off; not y/n as the yaml package's 1.1 schema has them. */
const PYYAML_BOOLS: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:bool', default: true, test: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, resolve: () => true },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, resolve: () => false },
];

/** YAML as Ansible reads it (YAML 1.1, `!unsafe` and `!vault` kept as strings), with aliases bounded so an alias bomb is refused. */
export function parseInventoryYaml(text: string, file: string): unknown {
  try {
    return parseYaml(text, {
      version: '1.1',
      maxAliasCount: 100,
      customTags: (tags: Tags) => [
        ...PYYAML_BOOLS,
        ...tags.filter((t) => typeof t !== 'object' || t.tag !== 'tag:yaml.org,2002:bool'),
        { tag: '!unsafe', resolve: (s: string) => s },
        { tag: '!vault', resolve: () => new Secret('(vaulted)') },
      ],
    });
  } catch (e) {
    throw new ContentError('invalid-value', `${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Secret) && !(v instanceof PyFloat);

function parseYamlInventory(b: Builder, data: unknown): void {
  const file = b.file;
  if (data === null || data === undefined || (isMap(data) && Object.keys(data).length === 0)) throw new ContentError('invalid-value', `${file}: parsed empty YAML file`);
  if (!isMap(data)) throw new ContentError('invalid-value', `${file}: YAML inventory has invalid structure, it should be a dictionary`);
  const parseGroup = (name: string, body: unknown, depth: number): string | undefined => {
    if (depth > 100) throw new ContentError('invalid-value', `${file}: groups nested too deep`);
    if (body !== null && body !== undefined && !isMap(body)) return undefined; // Ansible skips it with a warning
    b.addGroup(name);
    if (!isMap(body)) return name;
    for (const section of ['vars', 'children', 'hosts']) {
      if (typeof body[section] === 'string') body[section] = { [body[section] as string]: null };
      if (section in body && body[section] !== null && !isMap(body[section])) {
        throw new ContentError('invalid-value', `${file}: invalid "${section}" entry for "${name}" group, requires a dictionary`);
      }
    }
    for (const [key, v] of Object.entries(body)) {
      if (!isMap(v)) continue;
      if (key === 'vars') for (const [k, x] of Object.entries(v)) b.setGroupVar(name, k, x);
      else if (key === 'children') {
        for (const [child, cb] of Object.entries(v)) {
          const c = parseGroup(child, cb, depth + 1);
          if (c !== undefined) b.addChild(name, c);
        }
      } else if (key === 'hosts') {
        for (const [pattern, hv] of Object.entries(v)) {
          const { names, port } = parseHostPattern(pattern);
          const vars = isMap(hv) ? hv : {};
          for (const h of names) {
            b.addHost(h, name, port);
            for (const [k, x] of Object.entries(vars)) b.setHostVar(h, k, x);
          }
        }
      }
    }
    return name;
  };
  for (const [name, body] of Object.entries(data)) parseGroup(name, body, 0);
}

// ---------------------------------------------------------------- group_vars / host_vars

const VARS_EXTENSIONS = ['', '.yml', '.yaml', '.json'];

function varsFiles(dir: string, entity: string): string[] {
  const out: string[] = [];
  const base = join(dir, entity);
  for (const ext of VARS_EXTENSIONS) {
    const p = base + ext;
    if (!existsSync(p)) continue;
    if (statSync(p).isDirectory()) {
      if (ext === '') out.push(...dirVarsFiles(p, 0));
    } else out.push(p);
  }
  return out;
}

function dirVarsFiles(dir: string, depth: number): string[] {
  if (depth > 20) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...dirVarsFiles(p, depth + 1));
    else if (VARS_EXTENSIONS.includes(extname(name))) out.push(p);
  }
  return out;
}

function loadVars(dir: string, entity: string): Vars {
  let out: Vars = {};
  for (const f of varsFiles(dir, entity)) {
    const data = parseInventoryYaml(readLimited(f, 'vars file'), f);
    if (data === null || data === undefined) continue;
    if (!isMap(data)) throw new ContentError('invalid-value', `${f}: a vars file must hold a dictionary`);
    out = { ...out, ...data };
  }
  return out;
}

// ---------------------------------------------------------------- assembling

function depths(b: Builder): Map<string, number> {
  const d = new Map<string, number>();
  const of = (g: string, seen: Set<string>): number => {
    if (g === 'all') return 0;
    const known = d.get(g);
    if (known !== undefined) return known;
    if (seen.has(g)) throw new ContentError('invalid-value', `${b.file}: the group named '${g}' has a recursive dependency loop`);
    seen.add(g);
    const parents = b.groups.get(g)!.parents;
    const v = parents.length === 0 ? 0 : Math.max(...parents.map((p) => of(p, seen) + 1));
    seen.delete(g);
    d.set(g, v);
    return v;
  };
  for (const g of b.groups.keys()) of(g, new Set());
  return d;
}

const TRUE_WORDS = new Set(['y', 'yes', 'on', '1', 'true', 't']);
/** Ansible's boolean(): yes/on/1/true/t (any case), 1 and true. */
export function ansibleBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1;
  if (v instanceof PyFloat) return v.value === 1;
  return typeof v === 'string' && TRUE_WORDS.has(v.trim().toLowerCase());
}

const ENV_LOOKUP = /^\{\{\s*lookup\(\s*['"]env['"]\s*,\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\)\s*\}\}$/;
const BECOME_PASSWORD_VARS = ['ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass', 'ansible_sudo_password'];

function connectionOf(name: string, vars: Vars): HostConnection {
  const str = (k: string): string | undefined => {
    const v = vars[k];
    return v === undefined || v === null || v instanceof Secret ? undefined : String(v instanceof PyFloat ? v.value : v);
  };
  const address = str('ansible_host') ?? str('ansible_ssh_host') ?? name;
  const portText = str('ansible_port') ?? str('ansible_ssh_port');
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ContentError('invalid-value', `host ${name}: ansible_port ${portText} is not a port number`);
  }
  const user = str('ansible_user') ?? str('ansible_ssh_user');
  const key = str('ansible_ssh_private_key_file') ?? str('ansible_private_key_file');
  let become: BecomeSpec | undefined;
  if (ansibleBool(vars['ansible_become'] ?? vars['ansible_sudo'])) {
    const method = str('ansible_become_method') ?? 'sudo';
    const pw = BECOME_PASSWORD_VARS.map((k) => vars[k]).find((v) => v !== undefined && v !== null);
    let spec: BecomeSpec = { method };
    if (pw instanceof Secret) spec = { method, password: pw };
    else if (typeof pw === 'string') {
      const env = ENV_LOOKUP.exec(pw.trim());
      spec = env ? { method, passwordEnv: env[1]! } : { method, password: new Secret(pw) };
    } else if (pw !== undefined) spec = { method, password: new Secret(String(pw)) };
    become = spec;
  }
  return { address, ...(port !== undefined ? { port } : {}), ...(user !== undefined ? { user } : {}), ...(key !== undefined ? { privateKeyFile: key } : {}), ...(become ? { become } : {}) };
}

/** Become passwords in the merged vars turn into Secrets, so no dump of the inventory shows them. */
function redact(vars: Vars): Vars {
  const out: Vars = { ...vars };
  for (const k of BECOME_PASSWORD_VARS) {
    const v = out[k];
    if (typeof v === 'string' && !ENV_LOOKUP.test(v.trim())) out[k] = new Secret(v);
  }
  return out;
}

function makeInventory(source: string, groups: Map<string, InventoryGroup>, hosts: Map<string, InventoryHost>): Inventory {
  const cache = new Map<string, string[]>();
  return {
    source,
    groups,
    hosts,
    hostsOf(group: string): string[] {
      const hit = cache.get(group);
      if (hit) return hit;
      if (group === 'all') return [...hosts.keys()];
      const seen = new Set<string>();
      const order: string[] = [];
      const walk = new Set<string>([group]);
      const queue = [group];
      while (queue.length > 0) {
        const g = groups.get(queue.shift()!);
        if (!g) continue;
        for (const h of g.hosts) if (!seen.has(h)) seen.add(h), order.push(h);
        for (const c of g.children) if (!walk.has(c)) walk.add(c), queue.push(c);
      }
      cache.set(group, order);
      return order;
    },
  };
}

function assemble(b: Builder, varsDir: string | undefined): Inventory {
  b.reconcile();
  const depth = depths(b);
  const rank = (names: Iterable<string>): string[] =>
    [...names].sort((x, y) => {
      const gx = b.groups.get(x)!;
      const gy = b.groups.get(y)!;
      return depth.get(x)! - depth.get(y)! || gx.priority - gy.priority || (x < y ? -1 : x > y ? 1 : 0);
    });
  const groupFiles = new Map<string, Vars>();
  const groupVarsOf = (g: string): Vars => {
    if (varsDir === undefined) return {};
    let v = groupFiles.get(g);
    if (!v) groupFiles.set(g, (v = loadVars(join(varsDir, 'group_vars'), g)));
    return v;
  };
  const hosts = new Map<string, InventoryHost>();
  for (const h of b.hosts.values()) {
    const all = new Set<string>();
    for (const g of h.groups) {
      all.add(g);
      for (const a of b.ancestors(g)) all.add(a);
    }
    all.delete('all');
    const ordered = rank(all);
    let vars: Vars = { ...b.groups.get('all')!.vars };
    for (const g of ordered) vars = { ...vars, ...b.groups.get(g)!.vars };
    vars = { ...vars, ...groupVarsOf('all') };
    for (const g of ordered) vars = { ...vars, ...groupVarsOf(g) };
    vars = { ...vars, ...h.vars };
    if (varsDir !== undefined) vars = { ...vars, ...loadVars(join(varsDir, 'host_vars'), h.name) };
    hosts.set(h.name, { name: h.name, groups: ordered, vars: redact(vars), connection: connectionOf(h.name, vars) });
  }
  const groups = new Map<string, InventoryGroup>();
  for (const g of b.groups.values()) groups.set(g.name, { name: g.name, hosts: g.hosts, children: g.children, vars: g.vars });
  return makeInventory(b.file, groups, hosts);
}

// ---------------------------------------------------------------- ansible-inventory

/** The JSON of `ansible-inventory --list` as an Inventory (its hostvars are already merged). */
export function inventoryFromAnsibleJson(json: unknown, source: string): Inventory {
  if (!isMap(json)) throw new ContentError('invalid-value', `${source}: ansible-inventory gave no dictionary`);
  const meta = isMap(json['_meta']) && isMap(json['_meta']['hostvars']) ? json['_meta']['hostvars'] : {};
  const b = new Builder(source);
  for (const name of Object.keys(json)) if (name !== '_meta') b.addGroup(name);
  for (const [name, body] of Object.entries(json)) {
    if (name === '_meta' || !isMap(body)) continue;
    for (const h of Array.isArray(body['hosts']) ? body['hosts'] : []) b.addHost(String(h), name, undefined);
    for (const c of Array.isArray(body['children']) ? body['children'] : []) {
      b.addGroup(String(c));
      b.addChild(name, String(c));
    }
    if (isMap(body['vars'])) for (const [k, v] of Object.entries(body['vars'])) b.setGroupVar(name, k, v);
  }
  for (const h of Object.keys(meta)) if (!b.hosts.has(h)) b.addHost(h, undefined, undefined);
  b.reconcile();
  const depth = depths(b);
  const hosts = new Map<string, InventoryHost>();
  for (const h of b.hosts.values()) {
    const all = new Set<string>();
    for (const g of h.groups) {
      all.add(g);
      for (const a of b.ancestors(g)) all.add(a);
    }
    all.delete('all');
    const ordered = [...all].sort((x, y) => depth.get(x)! - depth.get(y)! || (x < y ? -1 : x > y ? 1 : 0));
    const vars = isMap(meta[h.name]) ? (meta[h.name] as Vars) : {};
    hosts.set(h.name, { name: h.name, groups: ordered, vars: redact(vars), connection: connectionOf(h.name, vars) });
  }
  const groups = new Map<string, InventoryGroup>();
  for (const g of b.groups.values()) groups.set(g.name, { name: g.name, hosts: g.hosts, children: g.children, vars: g.vars });
  return makeInventory(source, groups, hosts);
}

export interface LoadInventoryOptions {
  /** The ansible-inventory program (default: from PATH). */
  readonly ansibleInventory?: string;
  readonly signal?: AbortSignal;
}

/** Runs `ansible-inventory -i SOURCE --list` and reads its output. */
export async function loadWithAnsible(source: string, opts: LoadInventoryOptions = {}): Promise<Inventory> {
  const program = opts.ansibleInventory ?? 'ansible-inventory';
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      program,
      ['-i', source, '--list'],
      { maxBuffer: MAX_INVENTORY_BYTES * 4, timeout: 120_000, env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_INVENTORY_UNPARSED_FAILED: '1' }, ...(opts.signal ? { signal: opts.signal } : {}) },
      (err, stdout, stderr) => {
        if (err) {
          const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
          const detail = missing ? `${program} is not installed (Ansible is needed for executable inventories and inventory plugins)` : String(stderr).trim().split('\n').slice(-3).join(' ') || err.message;
          reject(new ContentError('invalid-value', `cannot read the inventory ${source} through ansible-inventory: ${detail}`));
        } else resolve(stdout);
      },
    );
  });
  let json: unknown;
  try {
    json = JSON.parse(out);
  } catch {
    throw new ContentError('invalid-value', `ansible-inventory gave no JSON for ${source}`);
  }
  return inventoryFromAnsibleJson(json, source);
}

/** Parses one INI or YAML inventory file's text; group_vars/host_vars are read from `varsDir` when given. */
export function parseInventory(text: string, opts: { readonly file: string; readonly format: 'ini' | 'yaml'; readonly varsDir?: string }): Inventory {
  const b = new Builder(opts.file);
  if (opts.format === 'ini') parseIni(b, text);
  else {
    const data = parseInventoryYaml(text, opts.file);
    if (isMap(data) && data['plugin'] !== undefined) throw new ContentError('unsupported', `${opts.file} is an inventory plugin configuration`);
    parseYamlInventory(b, data);
  }
  return assemble(b, opts.varsDir);
}

/**
 * Reads an inventory as `ansible -i SOURCE` would: an INI or YAML file (with
 * group_vars/ and host_vars/ beside it); a comma-separated host list
 * (`a,b,`); anything else (an executable, a directory, a plugin
 * configuration) through ansible-inventory.
 */
export async function loadInventory(source: string, opts: LoadInventoryOptions = {}): Promise<Inventory> {
  if (!existsSync(source)) {
    if (source.includes(',')) return hostListInventory(source);
    throw new ContentError('io', `the inventory ${source} does not exist`);
  }
  const st = statSync(source);
  if (st.isDirectory() || (st.mode & 0o111) !== 0) return loadWithAnsible(source, opts);
  const text = readLimited(source, 'inventory');
  const ext = extname(source).toLowerCase();
  const varsDir = dirname(source);
  if (['.yml', '.yaml', '.json'].includes(ext)) {
    const data = parseInventoryYaml(text, source);
    if (isMap(data) && data['plugin'] !== undefined) return loadWithAnsible(source, opts);
    return parseInventory(text, { file: source, format: 'yaml', varsDir });
  }
  return parseInventory(text, { file: source, format: 'ini', varsDir });
}

/** Ansible's host_list source: `a,b:2222,c`. */
export function hostListInventory(list: string): Inventory {
  const b = new Builder(basename(list));
  for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const { names, port } = parseHostPattern(item);
    for (const n of names) b.addHost(n, 'ungrouped', port);
  }
  return assemble(b, undefined);
}

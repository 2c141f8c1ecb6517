/**
 * linux:systemdunitproperty_object and linux:systemdunitdependency_object,
 * as OpenSCAP 1.3.7 collects them.
 *
 * oscap asks systemd over the system D-Bus: Manager.ListUnits for the
 * units (the loaded ones, in systemd's order), Properties.GetAll on the
 * org.freedesktop.systemd1.Unit interface for the properties, and
 * Manager.LoadUnit + Properties.Get(Requires, Wants) for the dependencies.
 * Vigil makes the same calls through `busctl` (part of systemd, so present
 * wherever systemd is), and reads its typed output. `systemctl show` would not
 * do: it prints booleans as yes/no and timestamps and time spans formatted,
 * where oscap reports the raw D-Bus values, and it refuses to run at all when
 * PID 1 is not systemd, where oscap still distinguishes "no bus" from "no
 * systemd on the bus".
 *
 * Values are rendered as oscap renders them (dbus_value_to_string):
 * - a property whose value is an array gives one `value` entity per element,
 *   so an empty array gives no item at all;
 * - an element that is itself an array is its elements joined with ", ";
 * - structs, dict entries and variants render as nothing: a struct-typed
 *   property (Job, LoadError) gives an item without a value;
 * - booleans are true/false, integers decimal, doubles %g, bytes %c (a
 *   zero byte is the empty string), unix fds "error, unknown basic type!".
 *
 * Dependencies are expanded as `systemctl list-dependencies` does and as
 * oscap does: only target units are expanded, Requires before Wants, depth
 * first, each dependency listed once per item (the unit itself only when a
 * cycle leads back to it).
 *
 * When systemd cannot be reached oscap flags the object: no system bus →
 * "error" with the message "DBus connection failed, could not identify
 * systemd units."; a bus without systemd on it → no items, "does not exist".
 * On an offline root both objects are "not collected" (they need the
 * target's `services` capability), as oscap reports under OSCAP_PROBE_ROOT
 * when the root has no bus socket.
 *
 * Where Vigil knowingly differs:
 * - a dependency target systemd will not load (LoadUnit fails; real systemd
 *   only refuses invalid names) is listed but not expanded, where oscap
 *   1.3.7 aborts on a libdbus assertion ("path != NULL");
 * - a matched unit is read at the path ListUnits gave, not through another
 *   LoadUnit call (the same path for a loaded unit);
 * - oscap refuses these objects in content older than OVAL 5.11; the probe
 *   does not see the document's schema version.
 * OpenSCAP 1.3.10 and later list units with ListUnitFiles instead (unit-file
 * names, "@" removed); this follows 1.3.7, the version Vigil agrees with.
 */
import type { Target } from '../../../target/target.js';
import { serviceKey } from '../../services.js';
import type { ItemData, ItemEntity, Probe, ProbeContext, ProbeResult } from '../../types.js';
import { entityMatches, field, matching } from '../entity.js';

export { MANAGER_PATH, SYSTEMD_DEST } from '../../../target/systemd-bus.js';
import { MANAGER_PATH, SYSTEMD_DEST } from '../../../target/systemd-bus.js';
const MANAGER_IFACE = 'org.freedesktop.systemd1.Manager';
const UNIT_IFACE = 'org.freedesktop.systemd1.Unit';
const PROPERTIES_IFACE = 'org.freedesktop.DBus.Properties';
const BUSCTL = 'busctl';
/** D-Bus's own default method-call timeout. */
const CALL_TIMEOUT_MS = 25_000;
/** How many busctl calls run at once for one object. */
const PARALLEL = 8;

/** oscap's message when the system bus cannot be reached. */
export const DBUS_CONNECTION_FAILED = 'DBus connection failed, could not identify systemd units.';

/** The busctl command lines the probes run (exported for tests). */
export const BUSCTL_ARGS = {
  listUnits: (): string[] => ['--', 'call', SYSTEMD_DEST, MANAGER_PATH, MANAGER_IFACE, 'ListUnits'],
  loadUnit: (unit: string): string[] => ['--', 'call', SYSTEMD_DEST, MANAGER_PATH, MANAGER_IFACE, 'LoadUnit', 's', unit],
  getAll: (path: string): string[] => ['--', 'call', SYSTEMD_DEST, path, PROPERTIES_IFACE, 'GetAll', 's', UNIT_IFACE],
  dependencies: (path: string): string[] => ['--', 'get-property', SYSTEMD_DEST, path, UNIT_IFACE, 'Requires', 'Wants'],
} as const;

// ------------------------------------------------------- busctl's output

/** A D-Bus value as busctl prints it; basic values keep busctl's text. */
export type DbusValue =
  | { readonly kind: 'basic'; readonly type: string; readonly text: string }
  | { readonly kind: 'array'; readonly items: readonly DbusValue[] }
  | { readonly kind: 'struct'; readonly items: readonly DbusValue[] }
  | { readonly kind: 'dict-entry'; readonly items: readonly DbusValue[] }
  | { readonly kind: 'variant'; readonly value: DbusValue };

const BASIC_TYPES = 'ybnqiuxtdsogh';

/** Splits a D-Bus signature into its complete types. */
export function completeTypes(signature: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < signature.length) {
    const end = endOfType(signature, i);
    out.push(signature.slice(i, end));
    i = end;
  }
  return out;
}

function endOfType(sig: string, i: number): number {
  const c = sig[i];
  if (c === 'a') return endOfType(sig, i + 1);
  if (c === '(' || c === '{') {
    let depth = 0;
    let j = i;
    do {
      const d = sig[j];
      if (d === undefined) throw new Error(`unbalanced D-Bus signature: ${sig}`);
      if (d === '(' || d === '{') depth++;
      else if (d === ')' || d === '}') depth--;
      j++;
    } while (depth > 0);
    return j;
  }
  if (c === undefined || (c !== 'v' && !BASIC_TYPES.includes(c))) throw new Error(`bad D-Bus signature: ${sig}`);
  return i + 1;
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, "'": 39, '?': 63 };

/** A token of busctl's output: a bare word, or a quoted string (unescaped). */
export interface BusctlToken {
  readonly text: string;
  readonly quoted: boolean;
}

/** Splits busctl's output into tokens, unquoting and unescaping its C-escaped strings. */
export function busctlTokens(text: string): BusctlToken[] {
  const out: BusctlToken[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c !== '"') {
      let j = i;
      while (j < text.length && !' \n\t\r'.includes(text[j]!)) j++;
      out.push({ text: text.slice(i, j), quoted: false });
      i = j;
      continue;
    }
    const bytes: number[] = [];
    i++;
    for (;;) {
      if (i >= text.length) throw new Error('unterminated string in busctl output');
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        break;
      }
      if (ch !== '\\') {
        for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === undefined) throw new Error('dangling escape in busctl output');
      if (e in SIMPLE_ESCAPES) {
        bytes.push(SIMPLE_ESCAPES[e]!);
        i += 2;
      } else if (/[0-7]/.test(e)) {
        const m = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
        bytes.push(Number.parseInt(m, 8) & 0xff);
        i += 1 + m.length;
      } else if (e === 'x') {
        const m = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 2))?.[0];
        if (!m) throw new Error('bad \\x escape in busctl output');
        bytes.push(Number.parseInt(m, 16));
        i += 2 + m.length;
      } else if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        const hex = text.slice(i + 2, i + 2 + n);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) throw new Error(`bad \\${e} escape in busctl output`);
        for (const b of Buffer.from(String.fromCodePoint(Number.parseInt(hex, 16)), 'utf8')) bytes.push(b);
        i += 2 + n;
      } else {
        throw new Error(`unknown escape \\${e} in busctl output`);
      }
    }
    // Escapes are per byte (non-ASCII bytes come octal-escaped): decode UTF-8 once at the end.
    out.push({ text: Buffer.from(bytes).toString('utf8'), quoted: true });
  }
  return out;
}

/**
 * Parses busctl's plain output (`call`, `get-property`): each value is
 * introduced by its signature, then printed as format_cmdline does (array
 * lengths first, variants by their signature, strings quoted).
 */
export function parseBusctl(text: string): DbusValue[] {
  const tokens = busctlTokens(text);
  let pos = 0;
  const next = (what: string, quoted: boolean): string => {
    const t = tokens[pos++];
    if (t === undefined) throw new Error(`busctl output ended early, expecting ${what}`);
    if (t.quoted !== quoted) throw new Error(`busctl output has ${t.quoted ? 'a string' : 'a bare word'} where ${what} was expected`);
    return t.text;
  };
  const bare = (what: string): string => next(what, false);
  const value = (sig: string): DbusValue => {
    const c = sig[0]!;
    if (c === 'a') {
      const n = Number(bare('an array length'));
      if (!Number.isInteger(n) || n < 0) throw new Error('bad array length in busctl output');
      const inner = sig.slice(1);
      const items: DbusValue[] = [];
      for (let k = 0; k < n; k++) items.push(value(inner));
      return { kind: 'array', items };
    }
    if (c === '(' || c === '{') {
      const items = completeTypes(sig.slice(1, -1)).map(value);
      return c === '(' ? { kind: 'struct', items } : { kind: 'dict-entry', items };
    }
    if (c === 'v') {
      const inner = bare('a variant signature');
      const types = completeTypes(inner);
      if (types.length !== 1) throw new Error(`bad variant signature ${inner} in busctl output`);
      return { kind: 'variant', value: value(types[0]!) };
    }
    if (c === 's' || c === 'o' || c === 'g') {
      return { kind: 'basic', type: c, text: next('a string', true) };
    }
    return { kind: 'basic', type: c, text: bare(`a value of type ${c}`) };
  };
  const out: DbusValue[] = [];
  while (pos < tokens.length) {
    for (const t of completeTypes(bare('a signature'))) out.push(value(t));
  }
  return out;
}

// ------------------------------------------------- oscap's value rendering

/** C's printf("%g"). */
export function formatG(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const P = 6;
  const [mant, expText] = x.toExponential(P - 1).split('e') as [string, string];
  const exp = Number(expText);
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= P) return `${strip(mant)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return strip(x.toFixed(P - 1 - exp));
}

function parseDouble(text: string): number {
  const t = text.toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan' || t === '-nan') return NaN;
  return Number(text);
}

/** oscap's dbus_value_to_string: the text of a value, or null for what it does not render. */
export function oscapText(v: DbusValue): string | null {
  switch (v.kind) {
    case 'basic':
      switch (v.type) {
        case 'y': {
          const b = Number(v.text) & 0xff;
          // "%c": a NUL byte ends the C string; other bytes land as Latin-1 characters, as libxml2 writes them.
          return b === 0 ? '' : String.fromCharCode(b);
        }
        case 'b':
          return v.text === 'true' ? 'true' : 'false';
        case 'd':
          return formatG(parseDouble(v.text));
        case 'h':
          return 'error, unknown basic type!';
        default:
          return v.text; // integers in decimal, strings, object paths, signatures
      }
    case 'array': {
      const parts = v.items.map(oscapText).filter((s): s is string => s !== null);
      return parts.length === 0 ? null : parts.join(', ');
    }
    default:
      return null;
  }
}

/**
 * The (property, value) pairs oscap's GetAll walk reports, in order: one per
 * element of an array-valued property, one (value possibly null) otherwise.
 */
export function propertyPairs(getAll: DbusValue): Array<{ name: string; value: string | null }> {
  if (getAll.kind !== 'array') throw new Error('GetAll did not answer an array');
  const out: Array<{ name: string; value: string | null }> = [];
  for (const entry of getAll.items) {
    if (entry.kind !== 'dict-entry' || entry.items[0]?.kind !== 'basic' || entry.items[1]?.kind !== 'variant') {
      throw new Error('GetAll did not answer a{sv}');
    }
    const name = entry.items[0].text;
    const v = entry.items[1].value;
    if (v.kind === 'array') {
      for (const el of v.items) {
        const s = oscapText(el);
        if (s !== null) out.push({ name, value: s });
      }
    } else {
      out.push({ name, value: oscapText(v) });
    }
  }
  return out;
}

// ------------------------------------------------------------ the session

interface Unit {
  readonly name: string;
  readonly path: string;
}

type Failure = { readonly failed: 'no-bus' | 'call' | 'run'; readonly message: string };
type Outcome<T> = { readonly ok: T } | Failure;

function isFailure<T>(o: Outcome<T>): o is Failure {
  return 'failed' in o;
}

/** One evaluation's view of systemd: each busctl call made once. */
class SystemdSession {
  private unitList?: Promise<Outcome<Unit[]>>;
  private readonly paths = new Map<string, Promise<string | undefined>>();
  private readonly properties = new Map<string, Promise<Outcome<Array<{ name: string; value: string | null }>>>>();
  private readonly deps = new Map<string, Promise<[string[], string[]]>>();

  constructor(private readonly target: Target & Required<Pick<Target, 'exec'>>) {}

  private async busctl(args: readonly string[]): Promise<Outcome<DbusValue[]>> {
    let r;
    try {
      r = await this.target.exec(BUSCTL, args, { timeoutMs: CALL_TIMEOUT_MS });
    } catch (e) {
      return { failed: 'run', message: `cannot ask systemd through ${BUSCTL}: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (r.code !== 0) {
      const err = r.stderr.trim();
      if (/^Failed to connect to (the )?bus/im.test(err)) return { failed: 'no-bus', message: err };
      return { failed: 'call', message: err || `${BUSCTL} exited with ${r.code}` };
    }
    return { ok: parseBusctl(r.stdout) };
  }

  /** Manager.ListUnits: every loaded unit, with its object path. */
  units(): Promise<Outcome<Unit[]>> {
    this.unitList ??= (async (): Promise<Outcome<Unit[]>> => {
      const r = await this.busctl(BUSCTL_ARGS.listUnits());
      if (isFailure(r)) return r;
      const list = r.ok[0];
      if (r.ok.length !== 1 || list?.kind !== 'array') throw new Error('ListUnits did not answer an array');
      const units = list.items.map((u): Unit => {
        const name = u.kind === 'struct' ? u.items[0] : undefined;
        const path = u.kind === 'struct' ? u.items[6] : undefined;
        if (name?.kind !== 'basic' || path?.kind !== 'basic') throw new Error('ListUnits answered an unexpected struct');
        return { name: name.text, path: path.text };
      });
      for (const u of units) if (!this.paths.has(u.name)) this.paths.set(u.name, Promise.resolve(u.path));
      return { ok: units };
    })();
    return this.unitList;
  }

  /** Properties.GetAll on the Unit interface, as (property, value) pairs. */
  unitProperties(path: string): Promise<Outcome<Array<{ name: string; value: string | null }>>> {
    let p = this.properties.get(path);
    if (!p) {
      p = this.busctl(BUSCTL_ARGS.getAll(path)).then((r) => {
        if (isFailure(r)) return r;
        if (r.ok.length !== 1) throw new Error('GetAll answered more than one value');
        return { ok: propertyPairs(r.ok[0]!) };
      });
      this.properties.set(path, p);
    }
    return p;
  }

  /** Manager.LoadUnit: the object path of a unit (listed units keep the listed path). */
  private path(unit: string): Promise<string | undefined> {
    let p = this.paths.get(unit);
    if (!p) {
      p = this.busctl(BUSCTL_ARGS.loadUnit(unit)).then((r) => {
        if (isFailure(r)) return undefined;
        const v = r.ok[0];
        return v?.kind === 'basic' && v.type === 'o' ? v.text : undefined;
      });
      this.paths.set(unit, p);
    }
    return p;
  }

  /** A unit's Requires and Wants; none when systemd does not answer (oscap's NULL reply). */
  requiresWants(unit: string): Promise<[string[], string[]]> {
    let p = this.deps.get(unit);
    if (!p) {
      p = (async (): Promise<[string[], string[]]> => {
        const path = await this.path(unit);
        if (path === undefined) return [[], []];
        const r = await this.busctl(BUSCTL_ARGS.dependencies(path));
        if (isFailure(r) || r.ok.length !== 2) return [[], []];
        // oscap joins the array with ", " and strsep()s it on ',' and ' ', dropping empty names.
        const list = (v: DbusValue): string[] => (oscapText(v) ?? '').split(/[, ]/).filter((s) => s !== '');
        return [list(r.ok[0]!), list(r.ok[1]!)];
      })();
      this.deps.set(unit, p);
    }
    return p;
  }

  /** The dependency entities of one item, expanded as oscap does. */
  async dependencies(unit: string): Promise<string[]> {
    const visited = new Set<string>();
    const out: string[] = [];
    const expand = async (u: string): Promise<void> => {
      // systemctl list-dependencies (and oscap) only recurse into targets.
      if (u === '(null)' || !u.endsWith('.target')) return;
      const [requires, wants] = await this.requiresWants(u);
      for (const d of [...requires, ...wants]) {
        if (visited.has(d)) continue;
        visited.add(d);
        out.push(d);
        await expand(d);
      }
    };
    await expand(unit);
    return out;
  }
}

/** The scan's systemd session: its answers are asked once per scan; none on a target that cannot run busctl. */
const SYSTEMD = serviceKey('systemd', (target) => (typeof target.exec === 'function' ? new SystemdSession(target as Target & Required<Pick<Target, 'exec'>>) : undefined));

function sessionOf(ctx: ProbeContext): SystemdSession | undefined {
  return ctx.services.get(SYSTEMD);
}

/** What oscap reports when it cannot list the units. */
function unreachable(f: Failure): ProbeResult {
  switch (f.failed) {
    case 'no-bus':
      return { flag: 'error', items: [], messages: [DBUS_CONNECTION_FAILED] };
    case 'call':
      // The bus answers but systemd is not on it: oscap lists no units.
      return { items: [] };
    case 'run':
      return { flag: 'error', items: [], messages: [f.message] };
  }
}

const NO_EXEC: ProbeResult = { flag: 'not collected', items: [], messages: ['the target cannot run busctl to ask systemd'] };

async function mapLimited<T, R>(xs: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < xs.length) {
      const i = next++;
      out[i] = await fn(xs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, xs.length) }, worker));
  return out;
}

// ---------------------------------------------------------------- probes

export const systemdunitpropertyProbe: Probe = {
  family: 'linux',
  objectType: 'systemdunitproperty_object',
  needs: ['services'],
  description:
    'properties of loaded systemd units on the live host, from the D-Bus calls oscap makes (ListUnits, GetAll on the Unit interface) run through busctl; no bus → error, no systemd on the bus → does not exist; not collected on an offline root',
  async collect(req, ctx): Promise<ProbeResult> {
    const unit = req.entities.get('unit');
    const property = req.entities.get('property');
    if (!unit || !property) return { flag: 'error', items: [], messages: ['systemdunitproperty_object needs unit and property'] };
    const session = sessionOf(ctx);
    if (!session) return NO_EXEC;
    // the session asks systemd once per scan: every object that uses its answers depends on the units
    ctx.reads.input('systemd', unit.entity.operation === 'equals' ? unit.value : '*');
    const units = await session.units();
    if (isFailure(units)) return unreachable(units);
    const matched = await matching(unit, units.ok, (u) => u.name);
    const answers = await mapLimited(matched, PARALLEL, (u) => session.unitProperties(u.path));
    const items: ItemData[] = [];
    for (let i = 0; i < matched.length; i++) {
      const u = matched[i]!;
      const a = answers[i]!;
      if (isFailure(a)) {
        return { flag: 'error', items, messages: [`cannot read the properties of ${u.name}: ${a.message}`] };
      }
      // oscap's property_callback: consecutive pairs of one property make one item.
      let current: { name: string; entities: ItemEntity[] } | undefined;
      const flush = (): void => {
        if (current) items.push({ family: 'linux', type: 'systemdunitproperty_item', status: 'exists', entities: current.entities });
        current = undefined;
      };
      for (const p of a.ok) {
        if (current && current.name === p.name) {
          if (p.value !== null) current.entities.push(field('value', p.value));
          continue;
        }
        flush();
        if (!(await entityMatches(property, p.name))) continue;
        current = { name: p.name, entities: [field('unit', u.name), field('property', p.name)] };
        if (p.value !== null) current.entities.push(field('value', p.value));
      }
      flush();
    }
    return { items };
  },
};

export const systemdunitdependencyProbe: Probe = {
  family: 'linux',
  objectType: 'systemdunitdependency_object',
  needs: ['services'],
  description:
    'dependencies of loaded systemd units on the live host (Requires and Wants, expanded through targets as oscap does) from the D-Bus calls oscap makes, run through busctl; no bus → error, no systemd on the bus → does not exist; not collected on an offline root',
  async collect(req, ctx): Promise<ProbeResult> {
    const unit = req.entities.get('unit');
    if (!unit) return { flag: 'error', items: [], messages: ['systemdunitdependency_object needs unit'] };
    const session = sessionOf(ctx);
    if (!session) return NO_EXEC;
    // the session asks systemd once per scan: every object that uses its answers depends on the units
    ctx.reads.input('systemd', unit.entity.operation === 'equals' ? unit.value : '*');
    const units = await session.units();
    if (isFailure(units)) return unreachable(units);
    const matched = await matching(unit, units.ok, (u) => u.name);
    const deps = await mapLimited(matched, PARALLEL, (u) => session.dependencies(u.name));
    return {
      items: matched.map((u, i) => ({
        family: 'linux',
        type: 'systemdunitdependency_item',
        status: 'exists' as const,
        entities: [field('unit', u.name), ...deps[i]!.map((d) => field('dependency', d))],
      })),
    };
  },
};

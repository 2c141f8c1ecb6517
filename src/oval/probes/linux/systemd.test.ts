/**
 * linux:systemdunitproperty_object and linux:systemdunitdependency_object.
 *
 * - busctl's output format and oscap's rendering of D-Bus values;
 * - both probes through the engine, on a fake Target whose exec answers
 *   busctl command lines from a small model of systemd;
 * - oracles: oscap 1.3.7 and Vigil on the same objects, live on this machine,
 *   and against a fake systemd on a private bus (dbus-daemon plus a small
 *   python3-dbus service), which both oscap (libdbus) and busctl reach through
 *   DBUS_SYSTEM_BUS_ADDRESS. Without oscap the oracles are skipped, unless
 *   VIGIL_REQUIRE_ORACLE=1; the fake-bus one is also skipped when dbus-daemon
 *   or python3 with the dbus and gi modules is missing.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { readDocument } from '../../../model/load.js';
import type { OvalDefinitions } from '../../../model/oval/types.js';
import { captureRoot, streamXml } from '../../../model/xml/stream.js';
import type { XmlElement } from '../../../model/xml/element.js';
import { oracleMissing } from '../../../testing/oracle.js';
import { localTarget, offlineRootTarget } from '../../../target/fs-target.js';
import { TargetError, wrapTarget, type ExecResult, type Target } from '../../../target/target.js';
import { mockTarget } from '../../../target/memory-target.js';
import { ovalXml } from '../../../testing/content.js';
import { OvalEngine } from '../../engine.js';
import type { CollectedObject, Probe } from '../../types.js';
import {
  BUSCTL_ARGS,
  busctlTokens,
  DBUS_CONNECTION_FAILED,
  formatG,
  oscapText,
  parseBusctl,
  propertyPairs,
  systemdunitdependencyProbe,
  systemdunitpropertyProbe,
} from './systemd.js';

// ------------------------------------------------ a model of systemd on D-Bus

/** A property: name, D-Bus signature, value (arrays as JS arrays, structs as tuples, dicts as [k, v] pairs). */
type Prop = readonly [name: string, signature: string, value: unknown];

interface FakeUnit {
  readonly name: string;
  /** Object path; derived from the name when absent. */
  readonly path?: string;
  /** In ListUnits (loaded); otherwise only LoadUnit finds it. Default true. */
  readonly listed?: boolean;
  readonly props: readonly Prop[];
}

const pathOf = (u: FakeUnit): string => u.path ?? `/org/freedesktop/systemd1/unit/${u.name.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;

/** systemd's cescape: C escapes, other control and non-ASCII bytes in octal. */
function cescape(s: string): string {
  const simple: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v', 92: '\\\\', 34: '\\"', 39: "\\'" };
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if (simple[b]) out += simple[b];
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

function splitSig(sig: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < sig.length) {
    let j = i;
    while (sig[j] === 'a') j++;
    if (sig[j] === '(' || sig[j] === '{') {
      let depth = 0;
      do {
        if (sig[j] === '(' || sig[j] === '{') depth++;
        else if (sig[j] === ')' || sig[j] === '}') depth--;
        j++;
      } while (depth > 0);
    } else j++;
    out.push(sig.slice(i, j));
    i = j;
  }
  return out;
}

/** A value in busctl's format_cmdline form (without its signature). */
function cmdline(sig: string, v: unknown): string[] {
  if (sig.startsWith('a')) {
    const inner = sig.slice(1);
    const items = v as unknown[];
    return [String(items.length), ...items.flatMap((x) => cmdline(inner, x))];
  }
  if (sig.startsWith('(') || sig.startsWith('{')) {
    const parts = splitSig(sig.slice(1, -1));
    return parts.flatMap((p, i) => cmdline(p, (v as unknown[])[i]));
  }
  if (sig === 'v') {
    const [s, x] = v as [string, unknown];
    return [s, ...cmdline(s, x)];
  }
  if (sig === 's' || sig === 'o' || sig === 'g') return [`"${cescape(String(v))}"`];
  if (sig === 'b') return [v ? 'true' : 'false'];
  return [String(v)];
}

const busctlLine = (sig: string, v: unknown): string => `${sig} ${cmdline(sig, v).join(' ')}\n`;

type Reply = Partial<ExecResult> | Error;

const NO_BUS: Reply = { code: 1, stderr: 'Failed to connect to bus: No such file or directory\n' };
const NO_SYSTEMD: Reply = { code: 1, stderr: 'Call failed: The name org.freedesktop.systemd1 was not provided by any .service files\n' };

/** Answers busctl command lines as systemd with these units would. */
function systemdReplies(units: readonly FakeUnit[], overrides: Record<string, Reply> = {}): (args: readonly string[]) => Reply {
  const byPath = new Map(units.map((u) => [pathOf(u), u]));
  return (args) => {
    const key = args.join(' ');
    if (overrides[key]) return overrides[key]!;
    if (key === BUSCTL_ARGS.listUnits().join(' ')) {
      const listed = units.filter((u) => u.listed !== false);
      return { stdout: busctlLine('a(ssssssouso)', listed.map((u) => [u.name, 'desc', 'loaded', 'active', 'running', '', pathOf(u), 0, '', '/'])) };
    }
    const [, verb, , path] = args;
    if (verb === 'call' && args[5] === 'LoadUnit') {
      const u = units.find((x) => x.name === args[7]);
      return u ? { stdout: busctlLine('o', pathOf(u)) } : { code: 1, stderr: `Call failed: Unit ${args[7]} not found.\n` };
    }
    const u = byPath.get(path ?? '');
    if (!u) return { code: 1, stderr: `Call failed: Unknown object '${path}'.\n` };
    if (key === BUSCTL_ARGS.getAll(path!).join(' ')) {
      return { stdout: busctlLine('a{sv}', u.props.map(([n, s, v]) => [n, [s, v]])) };
    }
    if (key === BUSCTL_ARGS.dependencies(path!).join(' ')) {
      const get = (n: string): string => {
        const p = u.props.find((x) => x[0] === n);
        return p ? busctlLine(p[1], p[2]) : '';
      };
      return { stdout: get('Requires') + get('Wants') };
    }
    return { code: 1, stderr: `Unexpected busctl call: ${key}\n` };
  };
}

interface FakeTarget extends Target {
  readonly calls: string[][];
}

function fakeTarget(replies: ((args: readonly string[]) => Reply) | undefined, caps = true): FakeTarget {
  const calls: string[][] = [];
  const { exec: _none, ...base } = wrapTarget(mockTarget({ capabilities: caps ? ['kernel', 'processes', 'services', 'exec'] : [] }));
  const t: FakeTarget = { ...base, calls };
  if (!replies) return t;
  return {
    ...t,
    async exec(file: string, args: readonly string[]): Promise<ExecResult> {
      calls.push([file, ...args]);
      const r = replies(args);
      if (r instanceof Error) throw r;
      return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', code: r.code ?? 0 };
    },
  };
}

const PROBES = new Map<string, Probe>([
  ['linux/systemdunitproperty_object', systemdunitpropertyProbe],
  ['linux/systemdunitdependency_object', systemdunitdependencyProbe],
]);

function engineOver(objects: string, target: Target): OvalEngine {
  const doc = readDocument({ text: ovalXml({ objects }), name: 'systemd.xml' }) as OvalDefinitions;
  return new OvalEngine(doc, { target, probes: PROBES });
}

const ent = (name: string, value: string, op?: string): string => `<linux:${name}${op ? ` operation="${op}"` : ''}>${value.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</linux:${name}>`;
const propObj = (unit: string, property: string, unitOp?: string, propOp?: string): string =>
  `<linux:systemdunitproperty_object id="oval:t:obj:1" version="1">${ent('unit', unit, unitOp)}${ent('property', property, propOp)}</linux:systemdunitproperty_object>`;
const depObj = (unit: string, op?: string): string => `<linux:systemdunitdependency_object id="oval:t:obj:1" version="1">${ent('unit', unit, op)}</linux:systemdunitdependency_object>`;

/** Items as [name, value] lists, for comparing. */
const itemsOf = (c: CollectedObject): string[][][] => c.items.map((i) => i.entities.map((e) => [e.name, e.value]));
const row = (unit: string, property: string, ...values: string[]): string[][] => [['unit', unit], ['property', property], ...values.map((v) => ['value', v])];
const deps = (unit: string, ...ds: string[]): string[][] => [['unit', unit], ...ds.map((d) => ['dependency', d])];

const SSHD: FakeUnit = {
  name: 'sshd.service',
  props: [
    ['Id', 's', 'sshd.service'],
    ['Names', 'as', ['sshd.service', 'ssh.service']],
    ['Requires', 'as', []],
    ['Wants', 'as', ['network.target']],
    ['Description', 's', 'OpenBSD "Secure" Shell server – é <&>'],
    ['LoadState', 's', 'loaded'],
    ['ActiveState', 's', 'active'],
    ['CanStart', 'b', true],
    ['StopWhenUnneeded', 'b', false],
    ['ActiveEnterTimestamp', 't', 1700000000123456],
    ['JobTimeoutUSec', 't', '18446744073709551615'],
    ['StartLimitBurst', 'u', 5],
    ['FailureActionExitStatus', 'i', -1],
    ['Job', '(uo)', [0, '/']],
    ['LoadError', '(ss)', ['', '']],
    ['Conditions', 'a(sbbsi)', [['ConditionPathExists', false, false, '/etc/ssh', 0]]],
    ['InvocationID', 'ay', [65, 0, 200]],
    ['Nested', 'aas', [['x', 'y'], [], ['z']]],
    ['Ratio', 'd', 0.00001234],
    ['Fd', 'h', 3],
    ['Dict', 'a{ss}', [['k', 'v']]],
    ['Empty', 's', ''],
  ],
};
const CRON: FakeUnit = {
  name: 'cron.service',
  props: [
    ['Id', 's', 'cron.service'],
    ['ActiveState', 's', 'inactive'],
    ['Requires', 'as', ['sysinit.target']],
    ['Wants', 'as', []],
  ],
};
const MULTI_USER: FakeUnit = {
  name: 'multi-user.target',
  props: [
    ['Id', 's', 'multi-user.target'],
    ['Requires', 'as', ['basic.target']],
    ['Wants', 'as', ['sshd.service', 'cron.service', 'getty.target']],
  ],
};
const BASIC: FakeUnit = { name: 'basic.target', props: [['Id', 's', 'basic.target'], ['Requires', 'as', ['sysinit.target']], ['Wants', 'as', ['sockets.target']]] };
const SYSINIT: FakeUnit = { name: 'sysinit.target', listed: false, props: [['Requires', 'as', []], ['Wants', 'as', ['systemd-journald.service', 'basic.target']]] };
const SOCKETS: FakeUnit = { name: 'sockets.target', props: [['Requires', 'as', []], ['Wants', 'as', ['dbus.socket', 'multi-user.target']]] };
const GETTY: FakeUnit = { name: 'getty.target', listed: false, props: [['Requires', 'as', []], ['Wants', 'as', ['getty@tty1.service']]] };
const SYSTEM = [SSHD, CRON, MULTI_USER, BASIC, SYSINIT, SOCKETS, GETTY];

// ------------------------------------------------------------------- tests

describe('busctl output', () => {
  const cases: Array<{ name: string; text: string; want: Array<string | null> }> = [
    { name: 'a string with C escapes and octal UTF-8', text: 's "a\\"b\\\\c \\303\\251\\n\\ttab"\n', want: ['a"b\\c é\n\ttab'] },
    { name: 'an empty string', text: 's ""\n', want: [''] },
    { name: 'booleans and integers', text: 'b true\nb false\nt 18446744073709551615\nx -9000000000\nn -3\n', want: ['true', 'false', '18446744073709551615', '-9000000000', '-3'] },
    { name: 'bytes render as characters, NUL as nothing, high bytes as Latin-1', text: 'y 66\ny 0\ny 200\n', want: ['B', '', 'È'] },
    { name: 'a double renders as %g', text: 'd 0.0000123400000000000\nd 1234567\nd 1.5\n', want: ['1.234e-05', '1.23457e+06', '1.5'] },
    { name: 'arrays join with ", ", empty ones render as nothing', text: 'as 2 "a" "b"\nas 0\naas 3 2 "x" "y" 0 1 "z"\n', want: ['a, b', null, 'x, y, z'] },
    { name: 'structs, dicts and variants render as nothing', text: '(uo) 0 "/"\na{ss} 1 "k" "v"\nv s "x"\n', want: [null, null, null] },
    { name: 'a unix fd is an unknown basic type to oscap', text: 'h 3\n', want: ['error, unknown basic type!'] },
    { name: 'a reply of several values under one signature', text: 'so "x" "/p"\n', want: ['x', '/p'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(parseBusctl(c.text).map(oscapText), c.want));
  }

  it('GetAll pairs: one per array element, none for an empty or struct array, null for a struct', () => {
    const text = busctlLine('a{sv}', [
      ['Id', ['s', 'x']],
      ['Names', ['as', ['x', 'y']]],
      ['Requires', ['as', []]],
      ['Conditions', ['a(sbbsi)', [['C', true, false, '/p', 0]]]],
      ['Job', ['(uo)', [1, '/j']]],
    ]);
    assert.deepEqual(propertyPairs(parseBusctl(text)[0]!), [
      { name: 'Id', value: 'x' },
      { name: 'Names', value: 'x' },
      { name: 'Names', value: 'y' },
      { name: 'Job', value: null },
    ]);
  });

  it('a real ListUnits reply', () => {
    const text =
      'a(ssssssouso) 2 "sshd.service" "d" "loaded" "active" "running" "" "/org/freedesktop/systemd1/unit/sshd_2eservice" 0 "" "/" "a.target" "d" "loaded" "active" "running" "" "/org/freedesktop/systemd1/unit/a_2etarget" 7 "start" "/org/freedesktop/systemd1/job/7"\n';
    const [v] = parseBusctl(text);
    assert.equal(v?.kind, 'array');
    assert.deepEqual(
      v.kind === 'array' ? v.items.map((u) => (u.kind === 'struct' ? u.items.map(oscapText) : [])) : [],
      [
        ['sshd.service', 'd', 'loaded', 'active', 'running', '', '/org/freedesktop/systemd1/unit/sshd_2eservice', '0', '', '/'],
        ['a.target', 'd', 'loaded', 'active', 'running', '', '/org/freedesktop/systemd1/unit/a_2etarget', '7', 'start', '/org/freedesktop/systemd1/job/7'],
      ],
    );
  });

  const bad = [
    { name: 'truncated array', text: 'as 3 "a" "b"\n' },
    { name: 'unterminated string', text: 's "abc\n' },
    { name: 'a bare word for a string', text: 's abc\n' },
    { name: 'a bad signature', text: 'a( 1\n' },
  ];
  for (const c of bad) it(`rejects ${c.name}`, () => assert.throws(() => parseBusctl(c.text)));

  it('tokens keep quoted and bare words apart', () => {
    assert.deepEqual(busctlTokens('s "5" 5'), [
      { text: 's', quoted: false },
      { text: '5', quoted: true },
      { text: '5', quoted: false },
    ]);
  });

  const g: Array<[number, string]> = [
    [0, '0'],
    [1, '1'],
    [100, '100'],
    [123456, '123456'],
    [1234567, '1.23457e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5e-7, '-2.5e-07'],
    [1e100, '1e+100'],
    [999999.5, '1e+06'],
    [Infinity, 'inf'],
    [NaN, 'nan'],
  ];
  for (const [x, want] of g) it(`%g of ${x} is ${want}`, () => assert.equal(formatG(x), want));
});

describe('systemdunitproperty_object on a fake systemd', () => {
  const cases: Array<{ name: string; obj: string; replies?: Record<string, Reply>; flag: string; items?: string[][][]; message?: RegExp }> = [
    { name: 'one unit, one property', obj: propObj('sshd.service', 'ActiveState'), flag: 'complete', items: [row('sshd.service', 'ActiveState', 'active')] },
    { name: 'an array property gives one value per element', obj: propObj('sshd.service', 'Names'), flag: 'complete', items: [row('sshd.service', 'Names', 'sshd.service', 'ssh.service')] },
    { name: 'an empty array gives no item', obj: propObj('sshd.service', 'Requires'), flag: 'does not exist', items: [] },
    { name: 'an array of structs gives no item', obj: propObj('sshd.service', 'Conditions'), flag: 'does not exist', items: [] },
    { name: 'a struct gives an item without value', obj: propObj('sshd.service', 'Job'), flag: 'complete', items: [row('sshd.service', 'Job')] },
    {
      name: 'every property of a unit, rendered as oscap does',
      obj: propObj('sshd.service', '.*', undefined, 'pattern match'),
      flag: 'complete',
      items: [
        row('sshd.service', 'Id', 'sshd.service'),
        row('sshd.service', 'Names', 'sshd.service', 'ssh.service'),
        row('sshd.service', 'Wants', 'network.target'),
        row('sshd.service', 'Description', 'OpenBSD "Secure" Shell server – é <&>'),
        row('sshd.service', 'LoadState', 'loaded'),
        row('sshd.service', 'ActiveState', 'active'),
        row('sshd.service', 'CanStart', 'true'),
        row('sshd.service', 'StopWhenUnneeded', 'false'),
        row('sshd.service', 'ActiveEnterTimestamp', '1700000000123456'),
        row('sshd.service', 'JobTimeoutUSec', '18446744073709551615'),
        row('sshd.service', 'StartLimitBurst', '5'),
        row('sshd.service', 'FailureActionExitStatus', '-1'),
        row('sshd.service', 'Job'),
        row('sshd.service', 'LoadError'),
        row('sshd.service', 'InvocationID', 'A', '', 'È'),
        row('sshd.service', 'Nested', 'x, y', 'z'),
        row('sshd.service', 'Ratio', '1.234e-05'),
        row('sshd.service', 'Fd', 'error, unknown basic type!'),
        row('sshd.service', 'Empty', ''),
      ],
    },
    {
      name: 'a unit pattern runs over the loaded units only',
      obj: propObj('\\.(service|target)$', 'Id', 'pattern match'),
      flag: 'complete',
      items: [row('sshd.service', 'Id', 'sshd.service'), row('cron.service', 'Id', 'cron.service'), row('multi-user.target', 'Id', 'multi-user.target'), row('basic.target', 'Id', 'basic.target')],
    },
    { name: 'case insensitive equals', obj: propObj('SSHD.Service', 'activestate', 'case insensitive equals', 'case insensitive equals'), flag: 'complete', items: [row('sshd.service', 'ActiveState', 'active')] },
    { name: 'not equal', obj: propObj('sshd.service', 'ActiveState', 'not equal'), flag: 'complete', items: [row('cron.service', 'ActiveState', 'inactive')] },
    { name: 'a unit that is not loaded', obj: propObj('sysinit.target', 'Id'), flag: 'does not exist', items: [] },
    { name: 'a unit that does not exist', obj: propObj('nope.service', 'Id'), flag: 'does not exist', items: [] },
    { name: 'a property the unit lacks', obj: propObj('cron.service', 'Names'), flag: 'does not exist', items: [] },
    { name: 'no system bus: error, with oscap message', obj: propObj('sshd.service', 'Id'), replies: { [BUSCTL_ARGS.listUnits().join(' ')]: NO_BUS }, flag: 'error', items: [], message: new RegExp(`^${DBUS_CONNECTION_FAILED.replace(/\./g, '\\.')}$`) },
    { name: 'a bus without systemd: does not exist', obj: propObj('sshd.service', 'Id'), replies: { [BUSCTL_ARGS.listUnits().join(' ')]: NO_SYSTEMD }, flag: 'does not exist', items: [] },
    { name: 'busctl missing: error', obj: propObj('sshd.service', 'Id'), replies: { [BUSCTL_ARGS.listUnits().join(' ')]: new TargetError('ENOENT', 'busctl', 'spawn busctl ENOENT') }, flag: 'error', items: [], message: /busctl/ },
    { name: 'busctl times out: error', obj: propObj('sshd.service', 'Id'), replies: { [BUSCTL_ARGS.listUnits().join(' ')]: new TargetError('ETIMEDOUT', 'busctl') }, flag: 'error', items: [], message: /busctl/ },
    {
      name: 'GetAll fails: error',
      obj: propObj('sshd.service', 'Id'),
      replies: { [BUSCTL_ARGS.getAll(pathOf(SSHD)).join(' ')]: { code: 1, stderr: 'Call failed: Access denied\n' } },
      flag: 'error',
      items: [],
      message: /sshd\.service: Call failed: Access denied/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const e = engineOver(c.obj, fakeTarget(systemdReplies(SYSTEM, c.replies)));
      const got = await e.collect('oval:t:obj:1');
      assert.equal(got.flag, c.flag, got.messages.join('; '));
      if (c.items) assert.deepEqual(itemsOf(got), c.items);
      if (c.message) assert.ok(got.messages.some((m) => c.message!.test(m)), got.messages.join('; '));
      else assert.deepEqual(got.messages, []);
    });
  }
});

describe('systemdunitdependency_object on a fake systemd', () => {
  const cases: Array<{ name: string; obj: string; units?: readonly FakeUnit[]; replies?: Record<string, Reply>; flag: string; items?: string[][][]; message?: RegExp }> = [
    {
      name: 'a target expands through targets, Requires before Wants, depth first, each once',
      obj: depObj('multi-user.target'),
      flag: 'complete',
      items: [
        deps(
          'multi-user.target',
          'basic.target',
          'sysinit.target',
          'systemd-journald.service',
          'sockets.target',
          'dbus.socket',
          'multi-user.target',
          'sshd.service',
          'cron.service',
          'getty.target',
          'getty@tty1.service',
        ),
      ],
    },
    { name: 'a service is not expanded', obj: depObj('cron.service'), flag: 'complete', items: [deps('cron.service')] },
    {
      name: 'a unit pattern, one item per loaded unit',
      obj: depObj('^(sshd\\.service|basic\\.target)$', 'pattern match'),
      flag: 'complete',
      items: [deps('sshd.service'), deps('basic.target', 'sysinit.target', 'systemd-journald.service', 'basic.target', 'sockets.target', 'dbus.socket', 'multi-user.target', 'sshd.service', 'cron.service', 'getty.target', 'getty@tty1.service')],
    },
    { name: 'a unit that is not loaded', obj: depObj('sysinit.target'), flag: 'does not exist', items: [] },
    {
      name: 'a target systemd cannot load is listed, not expanded',
      obj: depObj('a.target'),
      units: [{ name: 'a.target', props: [['Requires', 'as', ['ghost.target', 'b.service']], ['Wants', 'as', []]] }],
      flag: 'complete',
      items: [deps('a.target', 'ghost.target', 'b.service')],
    },
    { name: 'no system bus: error', obj: depObj('multi-user.target'), replies: { [BUSCTL_ARGS.listUnits().join(' ')]: NO_BUS }, flag: 'error', items: [], message: /^DBus connection failed/ },
    { name: 'a bus without systemd: does not exist', obj: depObj('multi-user.target'), replies: { [BUSCTL_ARGS.listUnits().join(' ')]: NO_SYSTEMD }, flag: 'does not exist', items: [] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const e = engineOver(c.obj, fakeTarget(systemdReplies(c.units ?? SYSTEM, c.replies)));
      const got = await e.collect('oval:t:obj:1');
      assert.equal(got.flag, c.flag, got.messages.join('; '));
      if (c.items) assert.deepEqual(itemsOf(got), c.items);
      if (c.message) assert.ok(got.messages.some((m) => c.message!.test(m)), got.messages.join('; '));
      else assert.deepEqual(got.messages, []);
    });
  }
});

describe('targets and sharing', () => {
  it('on an offline root both objects are not collected, and nothing runs', async () => {
    const e = engineOver(propObj('sshd.service', 'Id') + depObj('x.target').replace('obj:1', 'obj:2'), offlineRootTarget('/nonexistent-root-for-tests'));
    for (const id of ['oval:t:obj:1', 'oval:t:obj:2']) assert.equal((await e.collect(id)).flag, 'not collected');
  });

  it('a target without the services capability: not collected, busctl never runs', async () => {
    const t = fakeTarget(systemdReplies(SYSTEM), false);
    const got = await engineOver(propObj('sshd.service', 'Id'), t).collect('oval:t:obj:1');
    assert.equal(got.flag, 'not collected');
    assert.deepEqual(t.calls, []);
  });

  it('a target that cannot run programs: not collected', async () => {
    const got = await engineOver(propObj('sshd.service', 'Id'), fakeTarget(undefined)).collect('oval:t:obj:1');
    assert.equal(got.flag, 'not collected');
  });

  it('one evaluation lists the units once and reads each unit once', async () => {
    const t = fakeTarget(systemdReplies(SYSTEM));
    const objects = [
      propObj('sshd.service', 'Id'),
      propObj('sshd.service', 'Names').replace('obj:1', 'obj:2'),
      depObj('multi-user.target').replace('obj:1', 'obj:3'),
      depObj('basic.target').replace('obj:1', 'obj:4'),
    ].join('');
    const e = engineOver(objects, t);
    for (const n of [1, 2, 3, 4]) assert.equal((await e.collect(`oval:t:obj:${n}`)).flag, 'complete');
    const count = (args: string[]): number => t.calls.filter((c) => c.slice(1).join(' ') === args.join(' ')).length;
    assert.equal(count(BUSCTL_ARGS.listUnits()), 1);
    assert.equal(count(BUSCTL_ARGS.getAll(pathOf(SSHD))), 1);
    assert.equal(count(BUSCTL_ARGS.dependencies(pathOf(BASIC))), 1);
    // Listed units keep their listed path; only the unlisted targets are loaded.
    assert.deepEqual(
      t.calls.filter((c) => c.includes('LoadUnit')).map((c) => c.at(-1)),
      ['sysinit.target', 'getty.target'],
    );
    assert.ok(t.calls.every((c) => c[0] === 'busctl'));
  });
});

describe('LocalTarget.exec, which runs busctl', () => {
  const local = localTarget();
  it('resolves with output and exit code, whatever the code', async () => {
    assert.deepEqual(await local.exec!('sh', ['-c', 'printf out; printf err >&2; exit 3']), { stdout: 'out', stderr: 'err', code: 3 });
  });
  it('passes arguments without a shell', async () => {
    assert.equal((await local.exec!('printf', ['%s|', 'a b', '$HOME', '-x'])).stdout, 'a b|$HOME|-x|');
  });
  const failures: Array<{ name: string; run: () => Promise<unknown>; code: string }> = [
    { name: 'a missing program', run: () => local.exec!('vigil-no-such-program', []), code: 'ENOENT' },
    { name: 'a timeout', run: () => local.exec!('sleep', ['10'], { timeoutMs: 100 }), code: 'ETIMEDOUT' },
    { name: 'death by a signal', run: () => local.exec!('sh', ['-c', 'kill -TERM $$']), code: 'EIO' },
  ];
  for (const f of failures) {
    it(`rejects ${f.name} with ${f.code}`, async () => {
      await assert.rejects(f.run(), (e: unknown) => e instanceof TargetError && e.code === f.code);
    });
  }
});

// ------------------------------------------------------------------ oracles

function oscapMissing(): string | undefined {
  const r = spawnSync('oscap', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `oscap is not runnable (${r.error?.message ?? `exit ${r.status}`})`;
  return undefined;
}

/** A definitions document whose definitions reach every object (oscap only collects what is reached). */
function oracleDocument(objects: readonly string[]): string {
  const defs: string[] = [];
  const tests: string[] = [];
  objects.forEach((o, i) => {
    const n = i + 1;
    const kind = o.includes('systemdunitproperty_object') ? 'systemdunitproperty' : 'systemdunitdependency';
    defs.push(
      `<definition id="oval:t:def:${n}" version="1" class="compliance"><metadata><title>t</title><description>d</description></metadata><criteria><criterion test_ref="oval:t:tst:${n}"/></criteria></definition>`,
    );
    tests.push(`<linux:${kind}_test id="oval:t:tst:${n}" version="1" check="all" check_existence="any_exist" comment="c"><linux:object object_ref="oval:t:obj:${n}"/></linux:${kind}_test>`);
  });
  const objs = objects.map((o, i) => o.replace('oval:t:obj:1', `oval:t:obj:${i + 1}`)).join('');
  return ovalXml({ definitions: defs.join(''), tests: tests.join(''), objects: objs }).replace('<oval:schema_version>5.11</oval:schema_version>', '<oval:schema_version>5.11.2</oval:schema_version>');
}

interface Seen {
  readonly flag: string;
  readonly messages: readonly string[];
  /** Each item as JSON of [type, [[entity, value], ...]], sorted. */
  readonly items: readonly string[];
}

const kids = (el: XmlElement): XmlElement[] => el.children.filter((c): c is XmlElement => typeof c !== 'string');
const text = (el: XmlElement): string => el.children.map((c) => (typeof c === 'string' ? c : text(c))).join('');
function find(el: XmlElement, name: string): XmlElement | undefined {
  if (el.name === name) return el;
  for (const k of kids(el)) {
    const f = find(k, name);
    if (f) return f;
  }
  return undefined;
}

function itemKey(type: string, entities: ReadonlyArray<readonly [string, string]>): string {
  return JSON.stringify([type, entities]);
}

/** oscap's collected objects, from its results file. */
function oscapSaw(resultsXml: string): Map<string, Seen> {
  let root: XmlElement | undefined;
  streamXml({ text: resultsXml, name: 'results.xml' }, captureRoot((el) => (root = el)));
  const sc = find(root!, 'oval_system_characteristics')!;
  const items = new Map<string, string>();
  for (const it of kids(find(sc, 'system_data') ?? sc).filter((k) => k.name.endsWith('_item'))) {
    items.set(it.attrs['id']!, itemKey(it.name, kids(it).map((e) => [e.name, text(e)] as const)));
  }
  const out = new Map<string, Seen>();
  for (const o of kids(find(sc, 'collected_objects')!)) {
    out.set(o.attrs['id']!, {
      flag: o.attrs['flag']!,
      messages: kids(o).filter((k) => k.name === 'message').map(text),
      items: kids(o)
        .filter((k) => k.name === 'reference')
        .map((r) => items.get(r.attrs['item_ref']!)!)
        .sort(),
    });
  }
  return out;
}

function vigilSaw(c: CollectedObject): Seen {
  return { flag: c.flag, messages: c.messages, items: c.items.map((i) => itemKey(i.type, i.entities.map((e) => [e.name, e.value] as const))).sort() };
}

/** Runs oscap and Vigil (on this host, through busctl) over the objects, and compares what they collected. */
async function compareWithOscap(dir: string, name: string, objects: readonly string[], env: NodeJS.ProcessEnv): Promise<Map<string, Seen>> {
  const file = join(dir, `${name}.xml`);
  const results = join(dir, `${name}-results.xml`);
  writeFileSync(file, oracleDocument(objects));
  const r = spawnSync('oscap', ['oval', 'eval', '--results', results, file], { encoding: 'utf8', env });
  assert.ok(existsSync(results), `oscap wrote no results (exit ${r.status}): ${r.stderr}`);
  const theirs = oscapSaw(readFileSync(results, 'utf8'));

  const saved = process.env['DBUS_SYSTEM_BUS_ADDRESS'];
  if (env['DBUS_SYSTEM_BUS_ADDRESS'] === undefined) delete process.env['DBUS_SYSTEM_BUS_ADDRESS'];
  else process.env['DBUS_SYSTEM_BUS_ADDRESS'] = env['DBUS_SYSTEM_BUS_ADDRESS'];
  try {
    const doc = readDocument({ text: readFileSync(file, 'utf8'), name: file }) as OvalDefinitions;
    const e = new OvalEngine(doc, { target: localTarget(), probes: PROBES });
    for (let i = 1; i <= objects.length; i++) {
      const id = `oval:t:obj:${i}`;
      const want = theirs.get(id);
      assert.ok(want, `oscap collected nothing for ${id}`);
      const got = vigilSaw(await e.collect(id));
      assert.equal(got.flag, want.flag, `${name} ${id} flag (${objects[i - 1]})`);
      assert.deepEqual(got.items, want.items, `${name} ${id} items (${objects[i - 1]})`);
      for (const m of want.messages) assert.ok(got.messages.includes(m), `${name} ${id}: oscap said "${m}", Vigil said ${JSON.stringify(got.messages)}`);
    }
  } finally {
    if (saved === undefined) delete process.env['DBUS_SYSTEM_BUS_ADDRESS'];
    else process.env['DBUS_SYSTEM_BUS_ADDRESS'] = saved;
  }
  return theirs;
}

function liveEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['OSCAP_PROBE_ROOT'];
  return env;
}

test('oracle: oscap live on this machine', async (t) => {
  const missing = oscapMissing();
  if (missing) {
    oracleMissing(t, missing);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-systemd-'));
  try {
    const seen = await compareWithOscap(
      dir,
      'live',
      [
        propObj('sshd.service', 'ActiveState'),
        propObj('^systemd-journald\\.service$', '^(Id|Names|LoadState|CanStart)$', 'pattern match', 'pattern match'),
        propObj('nonexistent-vigil.service', 'Id'),
        depObj('multi-user.target'),
        depObj('\\.socket$', 'pattern match'),
      ],
      liveEnv(),
    );
    t.diagnostic(`oscap flags here: ${[...seen.values()].map((s) => s.flag).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A fake systemd: Manager.ListUnits and LoadUnit, and Properties.GetAll/Get on unit objects, from a JSON spec.
const FAKE_SYSTEMD_PY = String.raw`
import json, sys
import dbus, dbus.service, dbus.mainloop.glib
from gi.repository import GLib

def split_sig(sig):
    out, i = [], 0
    while i < len(sig):
        j = i
        while sig[j] == 'a':
            j += 1
        if sig[j] in '({':
            depth = 0
            while True:
                if sig[j] in '({': depth += 1
                elif sig[j] in ')}': depth -= 1
                j += 1
                if depth == 0: break
        else:
            j += 1
        out.append(sig[i:j]); i = j
    return out

BASIC = {'y': dbus.Byte, 'b': dbus.Boolean, 'n': dbus.Int16, 'q': dbus.UInt16, 'i': dbus.Int32, 'u': dbus.UInt32,
         'x': dbus.Int64, 't': dbus.UInt64, 'd': dbus.Double, 's': dbus.String, 'o': dbus.ObjectPath, 'g': dbus.Signature}

def typed(sig, v):
    if sig[0] == 'a':
        inner = sig[1:]
        if inner[0] == '{':
            k, val = split_sig(inner[1:-1])
            return dbus.Dictionary([(typed(k, a), typed(val, b)) for a, b in v], signature=k + val)
        return dbus.Array([typed(inner, x) for x in v], signature=inner)
    if sig[0] == '(':
        parts = split_sig(sig[1:-1])
        return dbus.Struct(tuple(typed(p, x) for p, x in zip(parts, v)), signature=sig[1:-1])
    return BASIC[sig](int(v) if sig in 'ynqiuxt' else v)

class Unit(dbus.service.Object):
    def __init__(self, bus, path, props):
        super().__init__(bus, path)
        self.props = props
    @dbus.service.method('org.freedesktop.DBus.Properties', in_signature='s', out_signature='a{sv}')
    def GetAll(self, iface):
        if iface != 'org.freedesktop.systemd1.Unit':
            return dbus.Dictionary({}, signature='sv')
        return dbus.Dictionary([(n, typed(s, v)) for n, s, v in self.props], signature='sv')
    @dbus.service.method('org.freedesktop.DBus.Properties', in_signature='ss', out_signature='v')
    def Get(self, iface, prop):
        for n, s, v in self.props:
            if n == prop:
                return typed(s, v)
        raise dbus.exceptions.DBusException('Unknown property', name='org.freedesktop.DBus.Error.UnknownProperty')

class Manager(dbus.service.Object):
    def __init__(self, bus, units):
        super().__init__(bus, '/org/freedesktop/systemd1')
        self.units = units
    @dbus.service.method('org.freedesktop.systemd1.Manager', in_signature='', out_signature='a(ssssssouso)')
    def ListUnits(self):
        return dbus.Array([(u['name'], 'd', 'loaded', 'active', 'running', '', dbus.ObjectPath(u['path']), dbus.UInt32(0), '', dbus.ObjectPath('/'))
                           for u in self.units if u['listed']], signature='(ssssssouso)')
    @dbus.service.method('org.freedesktop.systemd1.Manager', in_signature='s', out_signature='o')
    def LoadUnit(self, name):
        for u in self.units:
            if name == u['name']:
                return dbus.ObjectPath(u['path'])
        # As systemd does for a valid name without a unit file: a "not-found" unit with no dependencies.
        return dbus.ObjectPath(NOT_FOUND)

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
units = json.load(open(sys.argv[1]))
bus = dbus.bus.BusConnection(sys.argv[2])
NOT_FOUND = '/org/freedesktop/systemd1/unit/not_2dfound'
objects = [Manager(bus, units), Unit(bus, NOT_FOUND, [['LoadState', 's', 'not-found'], ['Requires', 'as', []], ['Wants', 'as', []]])]
objects += [Unit(bus, u['path'], u['props']) for u in units]
bus.request_name('org.freedesktop.systemd1')
print('ready', flush=True)
GLib.MainLoop().run()
`;

const BUS_CONFIG = (socket: string): string => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*"/><allow receive_sender="*"/><allow own="*"/></policy>
</busconfig>
`;

function fakeBusMissing(): { python?: string; missing?: string } {
  if (spawnSync('dbus-daemon', ['--version']).status !== 0) return { missing: 'dbus-daemon is not installed' };
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(python, ['-c', 'import dbus, dbus.service, dbus.mainloop.glib; from gi.repository import GLib']).status === 0) return { python };
  }
  return { missing: 'no python3 with the dbus and gi modules' };
}

/** Starts a child and waits for a line on its stdout matching `ready`. */
function startChild(file: string, args: string[], ready: RegExp, timeoutMs = 10_000): Promise<{ child: ChildProcess; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not start: ${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => ready.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve({ child, line });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code}): ${err}`));
    });
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await gone;
}

test('oracle: oscap against a fake systemd on a private bus', async (t) => {
  const missing = oscapMissing();
  if (missing) {
    oracleMissing(t, missing);
    return;
  }
  const bus = fakeBusMissing();
  if (bus.missing) {
    t.skip(bus.missing);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-systemd-bus-'));
  let daemon: ChildProcess | undefined;
  let systemd: ChildProcess | undefined;
  try {
    const socket = join(dir, 'bus');
    writeFileSync(join(dir, 'bus.conf'), BUS_CONFIG(socket));
    writeFileSync(join(dir, 'systemd.py'), FAKE_SYSTEMD_PY);
    // The oracle's fake system drops the characters XML cannot carry (oscap would write them raw).
    const units = [...SYSTEM, { name: 'a.target', props: [['Requires', 'as', ['ghost.target', 'a.target']], ['Wants', 'as', ['sockets.target']]] } as FakeUnit].map((u) => ({
      name: u.name,
      path: pathOf(u),
      listed: u.listed !== false,
      props: u.props.filter(([, sig]) => sig !== 'h'),
    }));
    writeFileSync(join(dir, 'units.json'), JSON.stringify(units));
    const d = await startChild('dbus-daemon', [`--config-file=${join(dir, 'bus.conf')}`, '--nofork', '--print-address'], /^unix:/);
    daemon = d.child;
    const address = `unix:path=${socket}`;
    systemd = (await startChild(bus.python!, [join(dir, 'systemd.py'), join(dir, 'units.json'), address], /^ready$/)).child;
    const env = { ...liveEnv(), DBUS_SYSTEM_BUS_ADDRESS: address };
    const objects = [
      propObj('.*', '.*', 'pattern match', 'pattern match'),
      propObj('sshd.service', 'Names'),
      propObj('sshd.service', 'Requires'),
      propObj('SSHD.SERVICE', '^(Id|CanStart|Job)$', 'case insensitive equals', 'pattern match'),
      propObj('sshd.service', 'ActiveState', 'not equal'),
      propObj('sysinit.target', 'Wants'),
      depObj('.*', 'pattern match'),
      depObj('multi-user.target'),
      depObj('a.target'),
      depObj('missing.target'),
    ];
    const seen = await compareWithOscap(dir, 'fake', objects, env);
    assert.equal(seen.get('oval:t:obj:1')?.flag, 'complete');
    assert.ok((seen.get('oval:t:obj:1')?.items.length ?? 0) > 20, 'the fake systemd answered oscap');

    // The same bus with systemd gone from it.
    await stop(systemd);
    systemd = undefined;
    const gone = await compareWithOscap(dir, 'nosystemd', [propObj('sshd.service', 'Id'), depObj('.*', 'pattern match')], env);
    assert.deepEqual([...gone.values()].map((s) => s.flag), ['does not exist', 'does not exist']);
  } finally {
    await stop(systemd);
    await stop(daemon);
    rmSync(dir, { recursive: true, force: true });
  }
});

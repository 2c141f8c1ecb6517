// Dates are read in local time, as OpenSCAP reads them: pin the zone before any Date is made.
process.env['TZ'] = 'UTC';

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDocument } from '../model/load.js';
import type { OvalDatatype, OvalDefinitions } from '../model/oval/types.js';
import { ovalXml } from '../testing/content.js';
import type { CollectionFlag, ItemStatus } from './result.js';
import type { CollectedObject, ItemEntity, OvalItem, VariableValue } from './types.js';
import { formatFixed6 } from './c-numbers.js';
import { escapeRegex, globToRegex } from './variables/glob.js';
import { VariableEvaluator, type ObjectCollector } from './variables.js';

// ---------------------------------------------------------------- fixtures

const VAR = 'oval:t:var:1';
const V = (n: number): string => `oval:t:var:${n}`;
const O = (n: number): string => `oval:t:obj:${n}`;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const lit = (v: string, dt: OvalDatatype = 'string'): string => `<literal_component datatype="${dt}">${esc(v)}</literal_component>`;
const vref = (n: number): string => `<variable_component var_ref="${V(n)}"/>`;
const oref = (n: number, field: string, record?: string): string =>
  `<object_component object_ref="${O(n)}" item_field="${field}"${record === undefined ? '' : ` record_field="${record}"`}/>`;
const local = (n: number, body: string, dt: OvalDatatype = 'string'): string =>
  `<local_variable id="${V(n)}" version="1" datatype="${dt}" comment="c">${body}</local_variable>`;
const constant = (n: number, values: readonly string[], dt: OvalDatatype = 'string'): string =>
  `<constant_variable id="${V(n)}" version="1" datatype="${dt}" comment="c">${values.map((v) => `<value>${esc(v)}</value>`).join('')}</constant_variable>`;

/** A generic object for object_components to point at (its content does not matter: the collector is fake). */
const object = (n: number): string =>
  `<ind:textfilecontent54_object id="${O(n)}" version="1"><ind:filepath>/f</ind:filepath><ind:pattern operation="pattern match">.</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>`;

type Ent = readonly [name: string, value: string, datatype?: OvalDatatype, fields?: readonly Ent[]];

let nextItem = 1;
function item(entities: readonly Ent[], status: ItemStatus = 'exists'): OvalItem {
  const ent = ([name, value, datatype = 'string', fields]: Ent): ItemEntity => ({
    name,
    value,
    datatype,
    status: 'exists',
    ...(fields ? { fields: fields.map(ent) } : {}),
  });
  return { id: nextItem++, family: 'independent', type: 'textfilecontent_item', status, entities: entities.map(ent) };
}

function collected(objectId: string, flag: CollectionFlag, items: readonly OvalItem[] = [], messages: readonly string[] = []): CollectedObject {
  return { objectId, flag, items, messages, bindings: [] };
}

interface Setup {
  readonly variables: string;
  /** Objects the fake collector knows, by number. */
  readonly objects?: Readonly<Record<number, { flag: CollectionFlag; items?: readonly OvalItem[]; messages?: readonly string[] } | 'throws'>>;
  readonly external?: Readonly<Record<string, readonly string[]>>;
  readonly now?: number;
}

function setup(s: Setup): { ev: VariableEvaluator; calls: string[] } {
  const nums = Object.keys(s.objects ?? {}).map(Number);
  const d = readDocument({ text: ovalXml({ variables: s.variables, ...(nums.length ? { objects: nums.map(object).join('') } : {}) }), name: 't.xml' });
  if (d.kind !== 'oval-definitions') assert.fail(`expected oval-definitions, got ${d.kind}`);
  const calls: string[] = [];
  const collector: ObjectCollector = {
    collect: async (id) => {
      calls.push(id);
      const n = Number(id.split(':').pop());
      const o = s.objects?.[n];
      if (o === 'throws') throw new Error('probe exploded');
      if (!o) assert.fail(`unexpected collection of ${id}`);
      return collected(id, o.flag, o.items ?? [], o.messages ?? []);
    },
  };
  const ev = new VariableEvaluator(d as OvalDefinitions, { get: (id) => s.external?.[id] }, collector, s.now === undefined ? {} : { now: () => s.now! });
  return { ev, calls };
}

async function valueOf(s: Setup, id = VAR): Promise<VariableValue> {
  return setup(s).ev.value(id);
}

/** The values of a one-variable document whose local variable (of `dt`) has `body`. */
async function localValue(body: string, dt: OvalDatatype = 'string', extra = '', more: Omit<Setup, 'variables'> = {}): Promise<VariableValue> {
  return valueOf({ variables: local(1, body, dt) + extra, ...more });
}

interface ValuesCase {
  readonly name: string;
  readonly body: string;
  readonly dt?: OvalDatatype;
  readonly extra?: string;
  readonly flag?: CollectionFlag;
  readonly values?: readonly string[];
}

function valuesTable(cases: readonly ValuesCase[]): void {
  for (const c of cases) {
    it(c.name, async () => {
      const v = await localValue(c.body, c.dt, c.extra);
      assert.equal(v.flag, c.flag ?? 'complete', v.messages.join(' | '));
      assert.deepEqual(v.values, c.values ?? []);
      if (v.flag === 'error') assert.ok(v.messages.length > 0, 'an error comes with a message');
    });
  }
}

// ---------------------------------------------------------------- constant and external

describe('constant variables', () => {
  it('give their values in order, with the variable datatype', async () => {
    const v = await valueOf({ variables: constant(1, ['3', '1', '2'], 'int') });
    assert.deepEqual(v, { datatype: 'int', values: ['3', '1', '2'], flag: 'complete', messages: [] });
  });
  it('an undefined variable is an error, not an exception', async () => {
    const v = await valueOf({ variables: constant(2, ['x']) }, V(9));
    assert.equal(v.flag, 'error');
    assert.match(v.messages.join(), /oval:t:var:9 is not defined/);
  });
});

describe('external variables (oval_variable_bind_ext_var)', () => {
  const ext = (n: number, dt: OvalDatatype, inner = ''): string => `<external_variable id="${V(n)}" version="1" datatype="${dt}" comment="c">${inner}</external_variable>`;
  const pv = (...vs: string[]): string => vs.map((v) => `<possible_value hint="h">${v}</possible_value>`).join('');
  const pr = (op: string, ...rs: Array<[string, string]>): string =>
    `<possible_restriction hint="h" operator="${op}">${rs.map(([o, v]) => `<restriction operation="${o}">${v}</restriction>`).join('')}</possible_restriction>`;
  const cases: Array<{ name: string; xml: string; supplied?: string[]; flag: CollectionFlag; values?: string[] }> = [
    { name: 'supplied values are complete', xml: ext(1, 'string'), supplied: ['a', 'b'], flag: 'complete', values: ['a', 'b'] },
    { name: 'nothing supplied: not collected (never bound)', xml: ext(1, 'string'), flag: 'not collected' },
    { name: 'an empty supply is complete without values', xml: ext(1, 'string'), supplied: [], flag: 'complete', values: [] },
    { name: 'a value among the possible_values', xml: ext(1, 'string', pv('yes', 'no')), supplied: ['no'], flag: 'complete', values: ['no'] },
    { name: 'a value outside the possible_values: does not exist', xml: ext(1, 'string', pv('yes')), supplied: ['yes', 'maybe'], flag: 'does not exist' },
    { name: 'possible_value is compared as text', xml: ext(1, 'int', pv('1')), supplied: ['01'], flag: 'does not exist' },
    { name: 'a restriction met (AND)', xml: ext(1, 'int', pr('AND', ['greater than', '0'], ['less than', '10'])), supplied: ['5'], flag: 'complete', values: ['5'] },
    { name: 'a restriction not met (AND)', xml: ext(1, 'int', pr('AND', ['greater than', '0'], ['less than', '10'])), supplied: ['50'], flag: 'does not exist' },
    { name: 'a restriction met (OR)', xml: ext(1, 'int', pr('OR', ['less than', '0'], ['greater than', '10'])), supplied: ['50'], flag: 'complete', values: ['50'] },
    { name: 'either a possible_value or a restriction will do', xml: ext(1, 'string', pv('x') + pr('AND', ['pattern match', '^a'])), supplied: ['x', 'abc'], flag: 'complete', values: ['x', 'abc'] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const v = await valueOf({ variables: c.xml, ...(c.supplied ? { external: { [VAR]: c.supplied } } : {}) });
      assert.equal(v.flag, c.flag, v.messages.join(' | '));
      assert.deepEqual(v.values, c.values ?? []);
      if (c.flag !== 'complete') assert.ok(v.messages.length > 0);
    });
  }
});

// ---------------------------------------------------------------- local: components

describe('literal and variable components', () => {
  valuesTable([
    { name: 'a literal', body: lit('hello'), values: ['hello'] },
    { name: 'an empty literal', body: '<literal_component/>', values: [''] },
    { name: 'a variable_component passes every value on', body: vref(2), extra: constant(2, ['a', 'b']), values: ['a', 'b'] },
    { name: 'the flag of the referenced variable passes on', body: vref(2), extra: '<external_variable id="oval:t:var:2" version="1" datatype="string" comment="c"/>', flag: 'not collected' },
    { name: 'an undefined variable is an error', body: vref(7), flag: 'error' },
  ]);
  it('values take the local variable datatype', async () => {
    const v = await localValue(lit('5'), 'int');
    assert.equal(v.datatype, 'int');
  });
});

describe('object_component (_oval_component_evaluate_OBJECTREF)', () => {
  const three = [item([['text', 'a'], ['subexpression', '1'], ['subexpression', '2']]), item([['text', 'b'], ['subexpression', '3']])];
  const cases: Array<{ name: string; body: string; obj: { flag: CollectionFlag; items?: readonly OvalItem[] } | 'throws'; flag: CollectionFlag; values?: string[] }> = [
    { name: 'every value of the field, item by item', body: oref(1, 'subexpression'), obj: { flag: 'complete', items: three }, flag: 'complete', values: ['1', '2', '3'] },
    { name: 'incomplete passes on with its values', body: oref(1, 'text'), obj: { flag: 'incomplete', items: three }, flag: 'incomplete', values: ['a', 'b'] },
    { name: 'an object that does not exist: does not exist', body: oref(1, 'text'), obj: { flag: 'does not exist' }, flag: 'does not exist' },
    { name: 'not collected passes on', body: oref(1, 'text'), obj: { flag: 'not collected' }, flag: 'not collected' },
    { name: 'an object in error: error', body: oref(1, 'text'), obj: { flag: 'error' }, flag: 'error' },
    { name: 'a field missing from an item is an error', body: oref(1, 'subexpression'), obj: { flag: 'complete', items: [...three, item([['text', 'c']])] }, flag: 'error' },
    { name: 'items of any status are read, as oscap does', body: oref(1, 'text'), obj: { flag: 'complete', items: [item([['text', 'x']], 'does not exist')] }, flag: 'complete', values: ['x'] },
    { name: 'a collector that throws is an error', body: oref(1, 'text'), obj: 'throws', flag: 'error' },
    { name: 'complete without items: error (no values)', body: oref(1, 'text'), obj: { flag: 'complete' }, flag: 'error' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const v = await localValue(c.body, 'string', '', { objects: { 1: c.obj } });
      assert.equal(v.flag, c.flag, v.messages.join(' | '));
      assert.deepEqual(v.values, c.values ?? []);
    });
  }
  it('an undefined object is an error', async () => {
    const v = await localValue(oref(5, 'text'));
    assert.equal(v.flag, 'error');
    assert.match(v.messages.join(), /undefined object oval:t:obj:5/);
  });
  it('the entity datatype reaches arithmetic', async () => {
    const items = [item([['n', '7', 'int']]), item([['n', '2.5', 'float']])];
    const v = await localValue(`<arithmetic arithmetic_operation="add">${oref(1, 'n')}${lit('1', 'int')}</arithmetic>`, 'string', '', { objects: { 1: { flag: 'complete', items } } });
    assert.deepEqual(v.values, ['8', '3.500000']);
  });
});

describe('object_component record_field', () => {
  const rec = (fields: Ent[]): OvalItem => item([['result', '', 'record', fields]]);
  const cases: Array<{ name: string; body: string; items: OvalItem[]; flag: CollectionFlag; values?: string[] }> = [
    { name: 'the named field of each record', body: oref(1, 'result', 'user'), items: [rec([['user', 'root'], ['id', '0', 'int']]), rec([['user', 'bin']])], flag: 'complete', values: ['root', 'bin'] },
    { name: 'a record without the field is an error', body: oref(1, 'result', 'user'), items: [rec([['id', '0', 'int']])], flag: 'error' },
    { name: 'a record read without record_field is an error', body: oref(1, 'result'), items: [rec([['user', 'root']])], flag: 'error' },
    { name: 'record_field on a plain entity is an error', body: oref(1, 'text', 'user'), items: [item([['text', 'a']])], flag: 'error' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const v = await localValue(c.body, 'string', '', { objects: { 1: { flag: 'complete', items: c.items } } });
      assert.equal(v.flag, c.flag, v.messages.join(' | '));
      assert.deepEqual(v.values, c.values ?? []);
    });
  }
});

// ---------------------------------------------------------------- flags

describe('flag aggregation (_flag_agg_map) in concat, count and unique', () => {
  // Precedence: error > not applicable > not collected > does not exist > incomplete > complete.
  const cases: Array<[CollectionFlag, CollectionFlag, CollectionFlag]> = [
    ['complete', 'complete', 'complete'],
    ['complete', 'incomplete', 'incomplete'],
    ['incomplete', 'does not exist', 'does not exist'],
    ['does not exist', 'not collected', 'not collected'],
    ['not collected', 'not applicable', 'not applicable'],
    ['not applicable', 'error', 'error'],
    ['error', 'complete', 'error'],
  ];
  const items = [item([['text', 'v']])];
  for (const [a, b, want] of cases) {
    it(`${a} with ${b} gives ${want}`, async () => {
      const objects = { 1: { flag: a, items }, 2: { flag: b, items } };
      const v = await localValue(`<concat>${oref(1, 'text')}${oref(2, 'text')}</concat>`, 'string', '', { objects });
      assert.equal(v.flag, want);
      assert.deepEqual(v.values, want === 'complete' || want === 'incomplete' ? ['vv'] : []);
    });
  }
});

// ---------------------------------------------------------------- functions

describe('arithmetic', () => {
  valuesTable([
    { name: 'add ints', body: `<arithmetic arithmetic_operation="add">${lit('1', 'int')}${lit('2', 'int')}${lit('3', 'int')}</arithmetic>`, dt: 'int', values: ['6'] },
    {
      name: 'the cartesian product, the first component varying fastest',
      body: `<arithmetic arithmetic_operation="multiply">${vref(2)}${lit('10', 'int')}${vref(3)}</arithmetic>`,
      extra: constant(2, ['2', '3'], 'int') + constant(3, ['1', '5'], 'int'),
      dt: 'int',
      values: ['20', '30', '100', '150'],
    },
    { name: 'a float anywhere makes a float, printed %f', body: `<arithmetic arithmetic_operation="add">${lit('2', 'int')}${lit('1.5', 'float')}</arithmetic>`, dt: 'float', values: ['3.500000'] },
    { name: 'floats are C floats', body: `<arithmetic arithmetic_operation="add">${lit('16777217', 'float')}${lit('0', 'int')}</arithmetic>`, dt: 'float', values: ['16777216.000000'] },
    { name: 'the first component datatype decides int printing (truncation)', body: `<arithmetic arithmetic_operation="add">${lit('1', 'int')}${lit('2.75')}</arithmetic>`, dt: 'int', values: ['3'] },
    { name: 'a string first component leaves the result empty', body: `<arithmetic arithmetic_operation="add">${lit('2.5')}${lit('1', 'int')}</arithmetic>`, values: [''] },
    { name: 'strings are read by strtod (prefix, hex)', body: `<arithmetic arithmetic_operation="add">${lit('0', 'int')}${lit('12abc')}${lit(' 0x10')}${lit('abc')}</arithmetic>`, dt: 'int', values: ['28'] },
    { name: 'ints go through a double', body: `<arithmetic arithmetic_operation="add">${lit('9007199254740993', 'int')}${lit('0', 'int')}</arithmetic>`, dt: 'int', values: ['9007199254740992'] },
    { name: 'a string out of range is an error', body: `<arithmetic arithmetic_operation="add">${lit('5', 'int')}${lit('1e999')}</arithmetic>`, dt: 'int', flag: 'error' },
    { name: 'a boolean operand is an error', body: `<arithmetic arithmetic_operation="add">${lit('5', 'int')}${lit('true', 'boolean')}</arithmetic>`, dt: 'int', flag: 'error' },
    { name: 'only the last component flag counts', body: `<arithmetic arithmetic_operation="add">${vref(2)}${lit('1', 'int')}</arithmetic>`, extra: '<external_variable id="oval:t:var:2" version="1" datatype="int" comment="c"/>', flag: 'error' },
    { name: 'a variable int made by concat is read as int', body: `<arithmetic arithmetic_operation="add">${vref(2)}${lit('1', 'int')}</arithmetic>`, extra: local(2, `<concat>${lit('1')}${lit('2')}</concat>`, 'int'), dt: 'int', values: ['13'] },
  ]);
});

describe('begin and end', () => {
  valuesTable([
    { name: 'begin adds a missing prefix', body: `<begin character="/">${vref(2)}</begin>`, extra: constant(2, ['etc', '/usr']), values: ['/etc', '/usr'] },
    { name: 'end adds a missing suffix', body: `<end character="/">${vref(2)}</end>`, extra: constant(2, ['etc', '/usr/']), values: ['etc/', '/usr/'] },
    { name: 'end with a suffix longer than the value', body: `<end character="xyz">${lit('yz')}</end>`, values: ['yzxyz'] },
    { name: 'begin keeps the flag of its component', body: `<begin character="/">${vref(2)}</begin>`, extra: '<external_variable id="oval:t:var:2" version="1" datatype="string" comment="c"/>', flag: 'not collected' },
  ]);
});

describe('concat', () => {
  valuesTable([
    { name: 'the cartesian product, the first component varying fastest', body: `<concat>${lit('-')}${vref(2)}${vref(3)}</concat>`, extra: constant(2, ['x', 'y']) + constant(3, ['1', '2']), values: ['-x1', '-y1', '-x2', '-y2'] },
    { name: 'an empty capture is an empty string', body: `<concat>${lit('a')}<regex_capture pattern="(z)">${lit('b')}</regex_capture>${lit('c')}</concat>`, values: ['ac'] },
    { name: 'a component without values makes none', body: `<concat>${lit('a')}${vref(2)}</concat>`, extra: '<external_variable id="oval:t:var:2" version="1" datatype="string" comment="c"/>', flag: 'not collected' },
  ]);
  it('a component that is complete without values is left out', async () => {
    // An object flagged complete with no items: possible only from a lenient collector.
    const v = await localValue(`<concat>${lit('a')}${oref(1, 'text')}${lit('b')}</concat>`, 'string', '', { objects: { 1: { flag: 'complete' } } });
    assert.deepEqual(v.values, ['ab']);
  });
});

describe('count and unique', () => {
  valuesTable([
    { name: 'count counts every value', body: `<count>${vref(2)}${lit('x')}</count>`, extra: constant(2, ['a', 'b', 'a']), dt: 'int', values: ['4'] },
    { name: 'unique sorts by bytes (strcmp)', body: `<unique>${vref(2)}${lit('a')}</unique>`, extra: constant(2, ['b', 'a', 'é', 'C', 'b']), values: ['C', 'a', 'b', 'é'] },
  ]);
  it('count of an object that does not exist: does not exist, not 0', async () => {
    const v = await localValue(`<count>${oref(1, 'text')}</count>`, 'int', '', { objects: { 1: { flag: 'does not exist' } } });
    assert.equal(v.flag, 'does not exist');
    assert.deepEqual(v.values, []);
  });
});

describe('escape_regex and split', () => {
  valuesTable([
    { name: 'escape_regex escapes ^$\\.[](){}*+? and |', body: `<escape_regex>${lit('a.b*c(d)[e]{f}+?|^$\\/-#')}</escape_regex>`, values: ['a\\.b\\*c\\(d\\)\\[e\\]\\{f\\}\\+\\?\\|\\^\\$\\\\/-#'] },
    { name: 'split keeps empty fields', body: `<split delimiter=",">${lit('a,,b,')}</split>`, values: ['a', '', 'b', ''] },
    { name: 'split on a multi-character delimiter, left to right', body: `<split delimiter="::">${lit('x::y:::z')}</split>`, values: ['x', 'y', ':z'] },
    { name: 'split with an empty delimiter splits every character', body: `<split delimiter="">${lit('abc')}</split>`, values: ['a', 'b', 'c'] },
    { name: 'split of each value in turn', body: `<split delimiter="=">${vref(2)}</split>`, extra: constant(2, ['k=v', 'x']), values: ['k', 'v', 'x'] },
  ]);
});

describe('substring', () => {
  const sub = (start: number, len: number, body = lit('abcdef')): string => `<substring substring_start="${start}" substring_length="${len}">${body}</substring>`;
  valuesTable([
    { name: 'start is 1-based', body: sub(2, 3), values: ['bcd'] },
    { name: 'a start below 1 means the first character', body: sub(-5, 2), values: ['ab'] },
    { name: 'length -1 means the rest', body: sub(3, -1), values: ['cdef'] },
    { name: 'a length past the end means the rest', body: sub(5, 10), values: ['ef'] },
    { name: 'length 0 gives an empty string', body: sub(2, 0), values: [''] },
    { name: 'a start past the end is an error', body: sub(7, 1), flag: 'error' },
    { name: 'the substring of an empty string is an error', body: sub(1, 1, '<literal_component/>'), flag: 'error' },
    { name: 'offsets count UTF-8 bytes', body: sub(3, 2, lit('ééa')), values: ['é'] },
  ]);
});

describe('time_difference', () => {
  const td = (a: string[], f1 = '', f2 = ''): string =>
    `<time_difference${f1 ? ` format_1="${f1}"` : ''}${f2 ? ` format_2="${f2}"` : ''}>${a.map((x) => lit(x)).join('')}</time_difference>`;
  valuesTable([
    { name: 'seconds_since_epoch', body: td(['1700000000', '1600000000'], 'seconds_since_epoch', 'seconds_since_epoch'), dt: 'int', values: ['100000000'] },
    // _parse_datetime hands tm_mon to _comp_sec, which takes one off again: March-February counts January's 31 days.
    { name: 'year_month_day, with OpenSCAP month shift', body: td(['2024-03-01', '2024-02-01']), dt: 'int', values: ['2678400'] },
    { name: 'year_month_day with times', body: td(['2024-01-02 10:00:00', '20240101T080000']), dt: 'int', values: ['93600'] },
    { name: 'month_day_year with a month name', body: td(['03/15/2024', 'Jan, 15 2024 12:00:00'], 'month_day_year', 'month_day_year'), dt: 'int', values: ['5313600'] },
    { name: 'day_month_year', body: td(['15-03-2024 01:02:03', '15/03/2024'], 'day_month_year', 'day_month_year'), dt: 'int', values: ['3723'] },
    { name: 'cim_datetime', body: td(['03-01-2024 10:10:10:123', '0'], 'cim_datetime', 'seconds_since_epoch'), dt: 'int', values: ['1709287810'] },
    { name: 'a negative difference wraps and keeps 15 digits', body: td(['2024-01-01', '2024-01-02']), dt: 'int', values: ['184467440737094'] },
    { name: 'an unreadable date counts as 0', body: td(['5', 'yesterday'], 'seconds_since_epoch'), dt: 'int', values: ['5'] },
    { name: 'win_filetime is read as 0', body: td(['133000000000000000', '0'], 'win_filetime', 'seconds_since_epoch'), dt: 'int', values: ['0'] },
  ]);
  it('one component: now minus it, read with format_2', async () => {
    const v = await localValue(td(['1600000000'], 'year_month_day', 'seconds_since_epoch'), 'int', '', { now: 1700000000 });
    assert.deepEqual(v.values, ['100000000']);
  });
  it('the last component flag is the flag', async () => {
    const first = await localValue(`<time_difference format_2="seconds_since_epoch">${oref(1, 'text')}${lit('5')}</time_difference>`, 'int', '', { objects: { 1: { flag: 'does not exist' } } });
    assert.equal(first.flag, 'error'); // complete without values
    const second = await localValue(`<time_difference format_1="seconds_since_epoch">${lit('5')}${oref(1, 'text')}</time_difference>`, 'int', '', { objects: { 1: { flag: 'does not exist' } } });
    assert.equal(second.flag, 'does not exist');
  });
  it('three components are an error', async () => {
    const v = await localValue(td(['1', '2', '3'], 'seconds_since_epoch', 'seconds_since_epoch'), 'int');
    assert.equal(v.flag, 'error');
  });
});

describe('regex_capture', () => {
  const rc = (pattern: string, body: string): string => `<regex_capture pattern="${esc(pattern)}">${body}</regex_capture>`;
  valuesTable([
    { name: 'the first group of the first match', body: rc('(\\d)', lit('a1b2')), values: ['1'] },
    { name: 'no match gives an empty string', body: rc('x(\\d+)', lit('abc')), values: [''] },
    { name: 'no group gives an empty string', body: rc('\\d+', lit('a1')), values: [''] },
    { name: 'an unset first group gives an empty string', body: rc('(x)?(b)', lit('abc')), values: [''] },
    { name: 'a match setting a 20th group overflows the ovector', body: rc('(.)'.repeat(20), lit('abcdefghijklmnopqrst')), values: [''] },
    { name: 'each value in turn', body: rc('^(\\w)', vref(2)), extra: constant(2, ['ab', 'cd', '']), values: ['a', 'c', ''] },
    { name: 'an invalid pattern is an error', body: rc('(a', lit('a')), flag: 'error' },
    { name: 'values make the flag complete, whatever the component flag', body: rc('(.)', `<substring substring_start="2" substring_length="5">${vref(2)}</substring>`), extra: constant(2, ['abc', 'x']), values: ['b'] },
  ]);
});

describe('glob_to_regex (oval_glob_to_regex.c)', () => {
  const cases: Array<[glob: string, noescape: boolean, want: string | undefined]> = [
    ['*.conf', false, '^(?=[^.])[^/]*\\.conf$'],
    ['/etc/*/a?[!x].t+t', false, '^/etc/(?=[^.])[^/]*/a[^/][^x]\\.t\\+t$'],
    ['/[ab]c/?x', false, '^/ab]c/[^./]x$'], // a class right after / loses its [
    ['a\\*b\\c\\[\\', false, '^a\\*b\\\\c\\[\\\\$'],
    ['a\\*b[\\]]', true, '^a\\\\[^/]*b[\\]]$'], // a backslash right after [ is copied once
    ['a[x\\]]', true, '^a[x\\\\]]$'], // inside a class, noescape doubles it
    ['a[\\]]', false, '^a[\\]]$'],
    ['.|^(){}+$x', false, '^\\.\\|\\^\\(\\)\\{\\}\\+\\$x$'],
    ['//x', false, '^//x$'],
    ['a[bc', false, undefined],
    ['a[', false, undefined],
    ['', false, '^$'],
  ];
  for (const [glob, noescape, want] of cases) it(`${JSON.stringify(glob)}${noescape ? ' (noescape)' : ''}`, () => assert.equal(globToRegex(glob, noescape), want));
  valuesTable([
    { name: 'as a function over values', body: `<glob_to_regex>${vref(2)}</glob_to_regex>`, extra: constant(2, ['*', '?']), values: ['^(?=[^.])[^/]*$', '^[^./]$'] },
    { name: 'one unclosed class makes an error', body: `<glob_to_regex>${vref(2)}</glob_to_regex>`, extra: constant(2, ['*', 'a[']), flag: 'error' },
  ]);
});

describe('escapeRegex and formatFixed6 helpers', () => {
  it('escapeRegex leaves - / # alone', () => assert.equal(escapeRegex('a-b/c#d.e'), 'a-b/c#d\\.e'));
  const fixed: Array<[number, string]> = [
    [3.5, '3.500000'],
    [0.0078125, '0.007812'], // an exact tie rounds to even
    [0.0234375, '0.023438'],
    [-1e-9, '-0.000000'],
    [1e21, '1000000000000000000000.000000'],
    [Infinity, 'inf'],
    [Math.fround(1.1) + 2, '3.100000'],
  ];
  for (const [x, want] of fixed) it(`%f of ${x}`, () => assert.equal(formatFixed6(x), want));
});

// ---------------------------------------------------------------- engine behaviour

describe('memoization and cycles', () => {
  it('each variable is computed once (collection is the collector\'s to memoize)', async () => {
    const { ev, calls } = setup({
      variables: local(1, oref(1, 'text')) + local(2, `<concat>${vref(1)}${oref(1, 'text')}</concat>`),
      objects: { 1: { flag: 'complete', items: [item([['text', 'a']])] } },
    });
    const [a, b, a2] = await Promise.all([ev.value(V(1)), ev.value(V(2)), ev.value(V(1))]);
    assert.deepEqual(a.values, ['a']);
    assert.deepEqual(b.values, ['aa']);
    assert.deepEqual(a2, a);
    // Once for var 1 (however often it is asked for), once for var 2's own object_component.
    assert.deepEqual(calls, [O(1), O(1)]);
  });
  it('a variable that refers to itself is an error', async () => {
    const v = await valueOf({ variables: local(1, `<concat>${lit('a')}${vref(2)}</concat>`) + local(2, vref(1)) });
    assert.equal(v.flag, 'error');
    assert.match(v.messages.join(), /circular/);
  });
  it('a variable whose object needs the variable is an error, and nothing is collected', async () => {
    const objects = `<ind:textfilecontent54_object id="${O(1)}" version="1"><ind:filepath var_ref="${VAR}"/><ind:pattern operation="pattern match">.</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>`;
    const d = readDocument({ text: ovalXml({ variables: local(1, oref(1, 'text')), objects }), name: 't.xml' });
    const calls: string[] = [];
    const ev = new VariableEvaluator(d as OvalDefinitions, { get: () => undefined }, { collect: async (id) => (calls.push(id), collected(id, 'complete')) });
    const v = await ev.value(VAR);
    assert.equal(v.flag, 'error');
    assert.deepEqual(calls, []);
  });
  it('a variable using a cyclic one gets its error', async () => {
    const v = await valueOf({ variables: local(1, `<concat>${lit('a')}${vref(2)}</concat>`) + local(2, vref(3)) + local(3, vref(2)) });
    assert.equal(v.flag, 'error');
  });
});

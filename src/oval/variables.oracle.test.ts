/**
 * Oracle: Vigil's VariableEvaluator against `oscap oval eval` (OpenSCAP
 * 1.3.7) on the same local variables.
 *
 * Every case's variable is observed through an ind:variable_object (whose
 * var_ref names it) and an ind:variable_test. oscap's results show, per
 * variable, either the values (the ind-sys:variable_item `value` entities),
 * or "does not exist" (the collected object's flag), or an item without
 * values (any other flag: error, not collected). object_components read
 * ind:textfilecontent54_objects over files in a temporary root given to
 * oscap as OSCAP_PROBE_ROOT; Vigil's side gets the same items from a fake
 * ObjectCollector.
 *
 * Without oscap the test is skipped, unless VIGIL_REQUIRE_ORACLE=1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDocument } from '../model/load.js';
import type { OvalDatatype, OvalDefinitions } from '../model/oval/types.js';
import { ovalXml } from '../testing/content.js';
import type { CollectionFlag } from './result.js';
import type { CollectedObject, ItemEntity, OvalItem } from './types.js';
import { VariableEvaluator, type ObjectCollector } from './variables.js';
import { oracleMissing } from '../testing/oracle.js';


function oscapMissing(): string | undefined {
  const r = spawnSync('oscap', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `oscap is not runnable (${r.error?.message ?? `exit ${r.status}`})`;
  return undefined;
}

// ------------------------------------------------------------ the target root

const FILES: Record<string, string> = {
  'etc/vigil/a.conf': 'key1 = value1\nkey2 = value2\n# comment\nport = 8080\n',
  'etc/vigil/b.conf': 'port = 443\nname = Hello.World\n',
  'etc/vigil/dates': '2024-03-01\n2023-12-25 10:20:30\n',
};

const O = (n: number): string => `oval:vigil:obj:${n}`;
const V = (n: number): string => `oval:vigil:var:${n}`;

/** The textfilecontent54 objects object_components read, and the items oscap collects for them. */
const TFC_OBJECTS: ReadonlyArray<{ id: string; xml: string; flag: CollectionFlag; items: Array<{ file: string; text: string; subs: string[] }> }> = [
  {
    id: O(901),
    xml: `<ind:path>/etc/vigil</ind:path><ind:filename>a.conf</ind:filename><ind:pattern operation="pattern match">^(\\w+) = (\\S+)$</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance>`,
    flag: 'complete',
    items: [
      { file: 'a.conf', text: 'key1 = value1', subs: ['key1', 'value1'] },
      { file: 'a.conf', text: 'key2 = value2', subs: ['key2', 'value2'] },
      { file: 'a.conf', text: 'port = 8080', subs: ['port', '8080'] },
    ],
  },
  {
    id: O(902),
    xml: `<ind:path>/etc/vigil</ind:path><ind:filename operation="pattern match">^[ab]\\.conf$</ind:filename><ind:pattern operation="pattern match">^port = (\\d+)$</ind:pattern><ind:instance datatype="int">1</ind:instance>`,
    flag: 'complete',
    items: [
      { file: 'a.conf', text: 'port = 8080', subs: ['8080'] },
      { file: 'b.conf', text: 'port = 443', subs: ['443'] },
    ],
  },
  {
    id: O(903),
    xml: `<ind:path>/etc/vigil</ind:path><ind:filename>missing.conf</ind:filename><ind:pattern operation="pattern match">^(.*)$</ind:pattern><ind:instance datatype="int">1</ind:instance>`,
    flag: 'does not exist',
    items: [],
  },
  {
    id: O(904),
    xml: `<ind:path>/etc/vigil</ind:path><ind:filename>dates</ind:filename><ind:pattern operation="pattern match">^(.+)$</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance>`,
    flag: 'complete',
    items: [
      { file: 'dates', text: '2024-03-01', subs: ['2024-03-01'] },
      { file: 'dates', text: '2023-12-25 10:20:30', subs: ['2023-12-25 10:20:30'] },
    ],
  },
];

function fakeCollector(): ObjectCollector {
  let nextId = 1;
  const objects = new Map<string, CollectedObject>();
  for (const o of TFC_OBJECTS) {
    const items: OvalItem[] = o.items.map((it, i) => {
      const e = (name: string, value: string, datatype: OvalDatatype = 'string'): ItemEntity => ({ name, value, datatype, status: 'exists' });
      return {
        id: nextId++,
        family: 'independent',
        type: 'textfilecontent_item',
        status: 'exists',
        entities: [
          e('filepath', `/etc/vigil/${it.file}`),
          e('path', '/etc/vigil'),
          e('filename', it.file),
          e('pattern', 'p'),
          e('instance', String(o.items.filter((x, j) => j < i && x.file === it.file).length + 1), 'int'),
          e('text', it.text),
          ...it.subs.map((s) => e('subexpression', s)),
        ],
      };
    });
    objects.set(o.id, { objectId: o.id, flag: o.flag, items, messages: [], bindings: [] });
  }
  return {
    collect: async (id) => objects.get(id) ?? { objectId: id, flag: 'error', items: [], messages: ['unknown object'], bindings: [] },
  };
}

// -------------------------------------------------------------------- cases

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const lit = (v: string, dt = 'string'): string => `<literal_component datatype="${dt}">${esc(v)}</literal_component>`;
const vref = (n: number): string => `<variable_component var_ref="${V(n)}"/>`;
const oref = (n: number, field: string): string => `<object_component object_ref="${O(n)}" item_field="${field}"/>`;

/** Helper variables the cases refer to (constants and externals), by number. */
const HELPERS = `
  <constant_variable id="${V(801)}" version="1" datatype="string" comment="c"><value>a</value><value>b</value><value>c</value></constant_variable>
  <constant_variable id="${V(802)}" version="1" datatype="int" comment="c"><value>2</value><value>3</value></constant_variable>
  <constant_variable id="${V(803)}" version="1" datatype="string" comment="c"><value>x</value><value>y</value></constant_variable>
  <constant_variable id="${V(804)}" version="1" datatype="string" comment="c"><value>1</value><value>2</value></constant_variable>
  <constant_variable id="${V(805)}" version="1" datatype="string" comment="c"><value>b</value><value>a</value><value>b</value><value>C</value><value>é</value><value>Z</value></constant_variable>
  <constant_variable id="${V(806)}" version="1" datatype="string" comment="c"><value>etc</value><value>/usr</value></constant_variable>
  <constant_variable id="${V(807)}" version="1" datatype="float" comment="c"><value>0.5</value><value>1.25</value></constant_variable>
  <constant_variable id="${V(808)}" version="1" datatype="string" comment="c"><value>1700000000</value><value>1600000000</value></constant_variable>
  <external_variable id="${V(809)}" version="1" datatype="string" comment="never supplied"/>
  <external_variable id="${V(810)}" version="1" datatype="string" comment="allowed"><possible_value hint="h">yes</possible_value><possible_value hint="h">no</possible_value></external_variable>
  <external_variable id="${V(811)}" version="1" datatype="string" comment="refused"><possible_value hint="h">yes</possible_value></external_variable>
  <external_variable id="${V(812)}" version="1" datatype="int" comment="restricted"><possible_restriction hint="h"><restriction operation="greater than">0</restriction><restriction operation="less than">100</restriction></possible_restriction></external_variable>
  <external_variable id="${V(813)}" version="1" datatype="int" comment="restricted, out of range"><possible_restriction hint="h"><restriction operation="greater than">0</restriction><restriction operation="less than">100</restriction></possible_restriction></external_variable>
  <external_variable id="${V(814)}" version="1" datatype="string" comment="two values"/>
  <constant_variable id="${V(815)}" version="1" datatype="string" comment="c"><value>abc</value><value>x</value></constant_variable>
  <constant_variable id="${V(816)}" version="1" datatype="int" comment="c"><value>007</value></constant_variable>
  <local_variable id="${V(820)}" version="1" datatype="int" comment="an int made by concat"><concat>${lit('1')}${lit('2')}</concat></local_variable>
  <local_variable id="${V(821)}" version="1" datatype="string" comment="a string made by concat"><concat>${lit('1')}${lit('2')}</concat></local_variable>
`;

const EXTERNALS: Record<string, { datatype: string; values: string[] }> = {
  [V(810)]: { datatype: 'string', values: ['no'] },
  [V(811)]: { datatype: 'string', values: ['maybe'] },
  [V(812)]: { datatype: 'int', values: ['42'] },
  [V(813)]: { datatype: 'int', values: ['420'] },
  [V(814)]: { datatype: 'string', values: ['first', 'second'] },
};

interface OracleCase {
  readonly name: string;
  readonly body: string;
  readonly datatype?: OvalDatatype;
  /** Compare as multisets (oscap's order depends on item order). */
  readonly unordered?: boolean;
  /** Numeric tolerance (the one-component time_difference reads the clock). */
  readonly tolerance?: number;
  /**
   * oscap raises an OpenSCAP error (oscap_seterr) for it, and then writes no
   * results file at all: such cases run in a document of their own and are
   * observed through oscap's verbose log ("Variable '…' has no values.").
   */
  readonly oscapError?: boolean;
}

const CASES: readonly OracleCase[] = [
  // literal, constant, variable_component
  { name: 'literal', body: lit('hello') },
  { name: 'literal empty', body: '<literal_component/>' },
  { name: 'variable_component of a multi-valued constant', body: vref(801) },
  { name: 'variable_component of a local', body: vref(3) },
  { name: 'variable_component of an unsupplied external', body: vref(809) },
  { name: 'external within possible_value', body: vref(810) },
  { name: 'external outside possible_value', body: vref(811) },
  { name: 'external within possible_restriction', body: vref(812), datatype: 'int' },
  { name: 'external outside possible_restriction', body: vref(813), datatype: 'int' },
  { name: 'external with two values', body: `<concat>${lit('<')}${vref(814)}${lit('>')}</concat>` },
  // arithmetic
  { name: 'add ints', body: `<arithmetic arithmetic_operation="add">${lit('1', 'int')}${lit('2', 'int')}${lit('3', 'int')}</arithmetic>`, datatype: 'int' },
  { name: 'multiply over a product', body: `<arithmetic arithmetic_operation="multiply">${vref(802)}${lit('10', 'int')}${vref(802)}</arithmetic>`, datatype: 'int' },
  { name: 'add float and int', body: `<arithmetic arithmetic_operation="add">${lit('1.1', 'float')}${lit('2', 'int')}</arithmetic>`, datatype: 'float' },
  { name: 'multiply floats from a variable', body: `<arithmetic arithmetic_operation="multiply">${vref(807)}${lit('3', 'int')}</arithmetic>`, datatype: 'float' },
  { name: 'int first truncates a string operand', body: `<arithmetic arithmetic_operation="add">${lit('1', 'int')}${lit('2.75')}</arithmetic>`, datatype: 'int' },
  { name: 'negative int truncation', body: `<arithmetic arithmetic_operation="add">${lit('-7', 'int')}${lit('0.5')}</arithmetic>`, datatype: 'int' },
  { name: 'float prints six decimals', body: `<arithmetic arithmetic_operation="multiply">${lit('1', 'float')}${lit('0.1234565')}</arithmetic>`, datatype: 'float' },
  { name: 'int times a large value', body: `<arithmetic arithmetic_operation="multiply">${lit('3', 'int')}${lit('1000000007', 'int')}</arithmetic>`, datatype: 'int' },
  { name: 'over object items', body: `<arithmetic arithmetic_operation="add">${oref(902, 'subexpression')}${lit('1', 'int')}</arithmetic>`, datatype: 'int', unordered: true },
  { name: 'over a string that does not parse', body: `<arithmetic arithmetic_operation="add">${lit('5', 'int')}${lit('abc')}</arithmetic>`, datatype: 'int' },
  { name: 'out-of-range string operand', body: `<arithmetic arithmetic_operation="add">${lit('5', 'int')}${lit('1e999')}</arithmetic>`, datatype: 'int', oscapError: true },
  { name: 'boolean operand', body: `<arithmetic arithmetic_operation="add">${lit('5', 'int')}${lit('true', 'boolean')}</arithmetic>`, datatype: 'int', oscapError: true },
  { name: 'string operands only', body: `<arithmetic arithmetic_operation="add">${lit('1')}${lit('2')}</arithmetic>` },
  { name: 'float rounds half to even', body: `<arithmetic arithmetic_operation="multiply">${lit('1', 'float')}${lit('0.0078125')}</arithmetic>`, datatype: 'float' },
  { name: 'float operand is read as a C float', body: `<arithmetic arithmetic_operation="add">${lit('16777217', 'float')}${lit('0', 'int')}</arithmetic>`, datatype: 'float' },
  { name: 'int operand goes through a double', body: `<arithmetic arithmetic_operation="add">${lit('9007199254740993', 'int')}${lit('0', 'int')}</arithmetic>`, datatype: 'int' },
  { name: 'string operand prefixes and hex', body: `<arithmetic arithmetic_operation="add">${lit('0', 'int')}${lit('12abc')}${lit(' 0x10')}</arithmetic>`, datatype: 'int' },
  { name: 'a local int variable is read as int', body: `<arithmetic arithmetic_operation="add">${vref(820)}${lit('1', 'int')}</arithmetic>`, datatype: 'int' },
  { name: 'a local string variable is read as string', body: `<arithmetic arithmetic_operation="add">${vref(821)}${lit('1', 'int')}</arithmetic>`, datatype: 'int' },
  { name: 'constant int keeps its text', body: vref(816), datatype: 'int' },
  { name: 'arithmetic over a missing object', body: `<arithmetic arithmetic_operation="add">${oref(903, 'subexpression')}${lit('1', 'int')}</arithmetic>`, datatype: 'int' },
  // begin, end
  { name: 'begin', body: `<begin character="/">${vref(806)}</begin>` },
  { name: 'end', body: `<end character="/">${vref(806)}</end>` },
  { name: 'begin with a long prefix', body: `<begin character="ab">${lit('abc')}</begin>` },
  { name: 'end with a prefix longer than the value', body: `<end character="xyz">${lit('yz')}</end>` },
  { name: 'begin over a missing object', body: `<begin character="x">${oref(903, 'text')}</begin>` },
  // concat
  { name: 'concat with an empty capture', body: `<concat>${lit('a')}<regex_capture pattern="(z)">${lit('b')}</regex_capture>${lit('c')}</concat>` },
  { name: 'concat cartesian product order', body: `<concat>${lit('-')}${vref(803)}${vref(804)}</concat>` },
  { name: 'concat with a missing object', body: `<concat>${lit('a')}${oref(903, 'subexpression')}</concat>` },
  { name: 'concat with an unsupplied external', body: `<concat>${lit('a')}${vref(809)}</concat>` },
  { name: 'concat over object items', body: `<concat>${oref(901, 'subexpression')}${lit('!')}</concat>`, unordered: true },
  // count, unique
  { name: 'count', body: `<count>${vref(801)}${lit('x')}</count>`, datatype: 'int' },
  { name: 'count of items', body: `<count>${oref(901, 'text')}</count>`, datatype: 'int' },
  { name: 'count of a missing object', body: `<count>${oref(903, 'text')}</count>`, datatype: 'int' },
  { name: 'unique sorts by bytes', body: `<unique>${vref(805)}${lit('a')}</unique>` },
  { name: 'unique over items', body: `<unique>${oref(902, 'text')}${oref(901, 'text')}</unique>`, unordered: true },
  // escape_regex, split, substring
  { name: 'escape_regex', body: `<escape_regex>${lit('a.b*c(d)[e]{f}+?|^$\\/-#')}</escape_regex>` },
  { name: 'split', body: `<split delimiter=",">${lit('a,,b,')}</split>` },
  { name: 'split multi-character delimiter', body: `<split delimiter="::">${lit('x::y:::z')}</split>` },
  { name: 'split multi-valued', body: `<split delimiter="=">${oref(901, 'text')}</split>`, unordered: true },
  { name: 'substring', body: `<substring substring_start="2" substring_length="3">${lit('abcdef')}</substring>` },
  { name: 'substring start 0', body: `<substring substring_start="0" substring_length="2">${lit('abcdef')}</substring>` },
  { name: 'substring length -1', body: `<substring substring_start="3" substring_length="-1">${lit('abcdef')}</substring>` },
  { name: 'substring length past the end', body: `<substring substring_start="5" substring_length="10">${lit('abcdef')}</substring>` },
  { name: 'substring start past the end', body: `<substring substring_start="7" substring_length="1">${lit('abcdef')}</substring>` },
  { name: 'substring start past the end of one value', body: `<substring substring_start="3" substring_length="1">${vref(803)}</substring>` },
  { name: 'substring negative start', body: `<substring substring_start="-5" substring_length="2">${lit('abcdef')}</substring>` },
  { name: 'substring length 0', body: `<substring substring_start="2" substring_length="0">${lit('abcdef')}</substring>` },
  { name: 'regex_capture over a partly failed substring', body: `<regex_capture pattern="(.)">${`<substring substring_start="2" substring_length="5">${vref(815)}</substring>`}</regex_capture>` },
  { name: 'concat with a failed substring', body: `<concat>${lit('a')}<substring substring_start="9" substring_length="1">${lit('abc')}</substring></concat>` },
  { name: 'split with an empty delimiter', body: `<split delimiter="">${lit('abc')}</split>` },
  { name: 'substring of an empty string', body: `<substring substring_start="1" substring_length="1"><literal_component/></substring>` },
  // time_difference
  { name: 'time_difference year_month_day across a month', body: `<time_difference>${lit('2024-03-01')}${lit('2024-02-01')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference year_month_day with time', body: `<time_difference>${lit('2024-01-02 10:00:00')}${lit('20240101T080000')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference year/month/day', body: `<time_difference>${lit('2024/07/04')}${lit('20230704')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference negative', body: `<time_difference>${lit('2024-01-01')}${lit('2024-01-02')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference month_day_year', body: `<time_difference format_1="month_day_year" format_2="month_day_year">${lit('03/15/2024')}${lit('Jan, 15 2024 12:00:00')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference day_month_year', body: `<time_difference format_1="day_month_year" format_2="day_month_year">${lit('15-03-2024 01:02:03')}${lit('15/03/2024')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference seconds_since_epoch multi', body: `<time_difference format_1="seconds_since_epoch" format_2="seconds_since_epoch">${vref(808)}${lit('1500000000')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference mixed formats', body: `<time_difference format_1="seconds_since_epoch" format_2="year_month_day">${lit('1700000000')}${lit('2023-11-14')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference cim_datetime', body: `<time_difference format_1="cim_datetime" format_2="cim_datetime">${lit('20240301101010.000000+000')}${lit('2024-02-01 00:00:00:000')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference cim mm-dd-yyyy', body: `<time_difference format_1="cim_datetime" format_2="seconds_since_epoch">${lit('03-01-2024 10:10:10:123')}${lit('0')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference unreadable date', body: `<time_difference>${lit('yesterday')}${lit('2024-01-01')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference win_filetime', body: `<time_difference format_1="win_filetime" format_2="seconds_since_epoch">${lit('133000000000000000')}${lit('100')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference one component (now)', body: `<time_difference format_2="seconds_since_epoch">${lit('1600000000')}</time_difference>`, datatype: 'int', tolerance: 30 },
  { name: 'time_difference one component year_month_day', body: `<time_difference>${lit('2020-01-01')}</time_difference>`, datatype: 'int', tolerance: 30 },
  { name: 'time_difference full month name', body: `<time_difference format_1="month_day_year" format_2="month_day_year">${lit('march, 1 2024')}${lit('FEB,   1 2024 00:00:01')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference single digits', body: `<time_difference>${lit('2024-3-5')}${lit('2024-3-4')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference day normalised', body: `<time_difference format_1="day_month_year" format_2="day_month_year">${lit('31-02-2024')}${lit('01-03-2024')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference second component missing', body: `<time_difference format_1="seconds_since_epoch">${lit('5')}${oref(903, 'text')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference first component missing', body: `<time_difference format_2="seconds_since_epoch">${oref(903, 'text')}${lit('5')}</time_difference>`, datatype: 'int' },
  { name: 'time_difference over items', body: `<time_difference format_1="seconds_since_epoch">${lit('1800000000')}${oref(904, 'subexpression')}</time_difference>`, datatype: 'int' },
  // regex_capture
  { name: 'regex_capture', body: `<regex_capture pattern="port (\\d+)">${lit('the port 8080 is open')}</regex_capture>` },
  { name: 'regex_capture no match', body: `<regex_capture pattern="x(\\d+)">${lit('abc')}</regex_capture>` },
  { name: 'regex_capture no group', body: `<regex_capture pattern="\\d+">${lit('a1')}</regex_capture>` },
  { name: 'regex_capture unset first group', body: `<regex_capture pattern="(x)?(b)">${lit('abc')}</regex_capture>` },
  { name: 'regex_capture first match only', body: `<regex_capture pattern="(\\d)">${lit('a1b2')}</regex_capture>` },
  { name: 'regex_capture multi-valued', body: `<regex_capture pattern="^(\\w+) =">${oref(901, 'text')}</regex_capture>`, unordered: true },
  { name: 'regex_capture 19 groups', body: `<regex_capture pattern="${'(.)'.repeat(19)}">${lit('abcdefghijklmnopqrst')}</regex_capture>` },
  { name: 'regex_capture 20 groups overflow the ovector', body: `<regex_capture pattern="${'(.)'.repeat(20)}">${lit('abcdefghijklmnopqrst')}</regex_capture>` },
  { name: 'regex_capture 20 groups, the last unset', body: `<regex_capture pattern="${'(.)'.repeat(19)}(z)?">${lit('abcdefghijklmnopqrst')}</regex_capture>` },
  { name: 'regex_capture invalid pattern', body: `<regex_capture pattern="(a">${lit('a')}</regex_capture>` },
  { name: 'regex_capture over a missing object', body: `<regex_capture pattern="(a)">${oref(903, 'text')}</regex_capture>` },
  // glob_to_regex
  { name: 'glob star', body: `<glob_to_regex>${lit('*.conf')}</glob_to_regex>` },
  { name: 'glob path', body: `<glob_to_regex>${lit('/etc/*/a?[!x].t+t')}</glob_to_regex>` },
  { name: 'glob class after slash', body: `<glob_to_regex>${lit('/[ab]c/?x')}</glob_to_regex>` },
  { name: 'glob escapes', body: `<glob_to_regex>${lit('a\\*b\\c\\[\\')}</glob_to_regex>` },
  { name: 'glob noescape', body: `<glob_to_regex glob_noescape="true">${lit('a\\*b[\\]]')}</glob_to_regex>` },
  { name: 'glob multi-valued with one unclosed class', body: `<glob_to_regex><split delimiter=" ">${lit('a* b[ c?')}</split></glob_to_regex>` },
  { name: 'glob noescape backslash in a class', body: `<glob_to_regex glob_noescape="true">${lit('a[x\\]]')}</glob_to_regex>` },
  { name: 'glob double slash', body: `<glob_to_regex>${lit('//x/*')}</glob_to_regex>` },
  { name: 'glob unclosed class', body: `<glob_to_regex>${lit('a[bc')}</glob_to_regex>` },
  { name: 'glob specials', body: `<glob_to_regex>${lit('.|^(){}+$x')}</glob_to_regex>` },
  // object_component
  { name: 'object_component subexpressions', body: oref(901, 'subexpression'), unordered: true },
  { name: 'object_component over two files', body: oref(902, 'subexpression'), unordered: true },
  { name: 'object_component int entity', body: oref(901, 'instance'), datatype: 'int', unordered: true },
  { name: 'object_component missing object', body: oref(903, 'text') },
  { name: 'object_component unknown field', body: oref(901, 'no_such_field'), oscapError: true },
  { name: 'object_component record_field on a plain entity', body: `<object_component object_ref="${O(901)}" item_field="text" record_field="x"/>`, oscapError: true },
  { name: 'count with a missing object', body: `<count>${vref(801)}${oref(903, 'text')}</count>`, datatype: 'int' },
  // nesting
  { name: 'nested functions', body: `<concat>${lit('[')}<split delimiter="=">${lit('k=v')}</split>${lit(']')}</concat>` },
  { name: 'escape_regex of glob_to_regex', body: `<escape_regex><glob_to_regex>${lit('/tmp/*')}</glob_to_regex></escape_regex>` },
];

/** Builds the OVAL document: each case's local variable, seen through a variable_object and a variable_test. */
function caseDocument(which: (c: OracleCase) => boolean): string {
  const variables: string[] = [];
  const objects: string[] = [];
  const tests: string[] = [];
  const criteria: string[] = [];
  CASES.forEach((c, i) => {
    if (!which(c)) return;
    const n = i + 1;
    variables.push(`<local_variable id="${V(n)}" version="1" datatype="${c.datatype ?? 'string'}" comment="${esc(c.name)}">${c.body}</local_variable>`);
    objects.push(`<ind:variable_object id="${O(n)}" version="1"><ind:var_ref>${V(n)}</ind:var_ref></ind:variable_object>`);
    tests.push(
      `<ind:variable_test id="oval:vigil:tst:${n}" version="1" check="all" check_existence="any_exist" comment="${esc(c.name)}"><ind:object object_ref="${O(n)}"/></ind:variable_test>`,
    );
    criteria.push(`<criterion test_ref="oval:vigil:tst:${n}"/>`);
  });
  for (const o of TFC_OBJECTS) objects.push(`<ind:textfilecontent54_object id="${o.id}" version="1">${o.xml}</ind:textfilecontent54_object>`);
  return ovalXml({
    definitions: `<definition id="oval:vigil:def:1" version="1" class="compliance"><metadata><title>variables</title><description>d</description></metadata><criteria operator="AND">${criteria.join('')}</criteria></definition>`,
    tests: tests.join('\n'),
    objects: objects.join('\n'),
    variables: variables.join('\n') + HELPERS,
  });
}

function variablesDocument(): string {
  const vars = Object.entries(EXTERNALS)
    .map(([id, v]) => `<variable id="${id}" datatype="${v.datatype}" comment="c">${v.values.map((x) => `<value>${x}</value>`).join('')}</variable>`)
    .join('\n');
  return `<?xml version="1.0"?>
<oval_variables xmlns="http://oval.mitre.org/XMLSchema/oval-variables-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">
  <generator><oval:product_name>vigil</oval:product_name><oval:schema_version>5.11</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>
  <variables>${vars}</variables>
</oval_variables>
`;
}

// -------------------------------------------------------- reading R.xml

const decode = (s: string): string =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e.toLowerCase()]!;
  });

type Observed = { kind: 'values'; values: string[] } | { kind: 'does not exist' } | { kind: 'no values' } | { kind: 'other'; flag: string };

/** What oscap collected for each variable_object, by object id. */
function observe(results: string): Map<string, Observed> {
  const sc = results.slice(results.indexOf('<oval_system_characteristics'));
  const items = new Map<string, string[]>();
  for (const m of sc.matchAll(/<ind-sys:variable_item id="(\d+)"[^>]*>([\s\S]*?)<\/ind-sys:variable_item>/g)) {
    const values: string[] = [];
    for (const v of m[2]!.matchAll(/<ind-sys:value(?:\s[^>]*)?(?:\/>|>([\s\S]*?)<\/ind-sys:value>)/g)) values.push(decode(v[1] ?? ''));
    items.set(m[1]!, values);
  }
  const out = new Map<string, Observed>();
  for (const m of sc.matchAll(/<object id="([^"]+)"[^>]*flag="([^"]+)"[^>]*?(?:\/>|>([\s\S]*?)<\/object>)/g)) {
    const [, id, flag, inner = ''] = m;
    if (flag === 'does not exist') {
      out.set(id!, { kind: 'does not exist' });
      continue;
    }
    if (flag !== 'complete') {
      out.set(id!, { kind: 'other', flag: flag! });
      continue;
    }
    const refs = [...inner.matchAll(/<reference item_ref="(\d+)"/g)].map((r) => r[1]!);
    const values = refs.flatMap((r) => items.get(r) ?? []);
    out.set(id!, values.length === 0 ? { kind: 'no values' } : { kind: 'values', values });
  }
  return out;
}

function expectedObservation(flag: CollectionFlag, values: readonly string[]): Observed {
  if (flag === 'complete' || flag === 'incomplete') return { kind: 'values', values: [...values] };
  if (flag === 'does not exist') return { kind: 'does not exist' };
  return { kind: 'no values' };
}

function sameValues(c: OracleCase, got: readonly string[], want: readonly string[]): boolean {
  if (got.length !== want.length) return false;
  const a = c.unordered ? [...got].sort() : [...got];
  const b = c.unordered ? [...want].sort() : [...want];
  return a.every((x, i) => {
    if (c.tolerance !== undefined) return Math.abs(Number(x) - Number(b[i])) <= c.tolerance;
    return x === b[i];
  });
}

/** From oscap's verbose log: the variables it reported without values. */
function variablesWithoutValues(log: string): Set<string> {
  return new Set([...log.matchAll(/Variable '([^']+)' has no values\./g)].map((m) => m[1]!));
}

// --------------------------------------------------------------------- test

test('local variables agree with oscap oval eval', async (t) => {
  const missing = oscapMissing();
  if (missing) {
    oracleMissing(t, missing);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-vars-'));
  try {
    const root = join(dir, 'root');
    for (const [rel, text] of Object.entries(FILES)) {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    writeFileSync(join(dir, 'vars.xml'), variablesDocument());
    const oscap = (name: string, xml: string): { status: number | null; stderr: string; results?: string } => {
      writeFileSync(join(dir, `${name}.xml`), xml);
      const out = join(dir, `${name}-results.xml`);
      const r = spawnSync('oscap', ['oval', 'eval', '--verbose', 'INFO', '--variables', join(dir, 'vars.xml'), '--results', out, join(dir, `${name}.xml`)], {
        encoding: 'utf8',
        env: { ...process.env, OSCAP_PROBE_ROOT: root },
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      return { status: r.status, stderr: r.stderr, ...(existsSync(out) ? { results: readFileSync(out, 'utf8') } : {}) };
    };

    const plainXml = caseDocument((c) => !c.oscapError);
    const plain = oscap('plain', plainXml);
    assert.ok(plain.status === 0 && plain.results !== undefined, `oscap failed (${plain.status}): ${plain.stderr.slice(-2000)}`);
    const observed = observe(plain.results);
    const errorsXml = caseDocument((c) => c.oscapError === true);
    const errors = oscap('errors', errorsXml);
    // With an OpenSCAP error pending, oscap exits 1 and writes no results.
    assert.equal(errors.status, 1, `oscap was expected to report errors: ${errors.stderr.slice(-2000)}`);
    const noValues = variablesWithoutValues(errors.stderr);

    const external = { get: (id: string): readonly string[] | undefined => EXTERNALS[id]?.values };
    const evaluator = (xml: string): VariableEvaluator => {
      const doc = readDocument({ text: xml, name: 'doc.xml' });
      assert.equal(doc.kind, 'oval-definitions');
      return new VariableEvaluator(doc as OvalDefinitions, external, fakeCollector());
    };
    const plainEv = evaluator(plainXml);
    const errorsEv = evaluator(errorsXml);

    let agree = 0;
    const disagreements: string[] = [];
    for (const [i, c] of CASES.entries()) {
      const id = V(i + 1);
      if (c.oscapError) {
        const v = await errorsEv.value(id);
        if (noValues.has(id) && v.flag === 'error') agree++;
        else disagreements.push(`${c.name}: oscap ${noValues.has(id) ? 'has no values' : 'has values'}, Vigil flag ${v.flag} ${JSON.stringify(v.values)}`);
        continue;
      }
      const v = await plainEv.value(id);
      const want = observed.get(O(i + 1));
      const got = expectedObservation(v.flag, v.values);
      const ok =
        want !== undefined &&
        want.kind === got.kind &&
        (want.kind !== 'values' || sameValues(c, (got as { values: string[] }).values, want.values));
      if (ok) agree++;
      else disagreements.push(`${c.name}: oscap ${JSON.stringify(want)}, Vigil ${JSON.stringify(got)} (flag ${v.flag}; ${v.messages.join(' | ')})`);
    }
    t.diagnostic(`oracle agreement: ${agree}/${CASES.length} variables`);
    assert.deepEqual(disagreements, [], `${disagreements.length} of ${CASES.length} variables disagree with oscap`);
  } finally {
    if (process.env['VIGIL_KEEP_ORACLE_DIR'] === '1') t.diagnostic(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * xmlfilecontent through the real engine over a synthetic offline root, and
 * the same document and root given to `OSCAP_PROBE_ROOT=<root> oscap oval
 * eval`. Without oscap the oracle test is skipped, unless
 * VIGIL_REQUIRE_ORACLE=1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import type { ProbeCase } from '../../../testing/probe-oracle.js';
import { oscapAvailable } from '../../../testing/probe-oracle.js';
import {
  rootCaseDocument,
  tempRoot,
  vigilRootOutcome,
  type RootEntry,
  type RootObject,
  type RootOutcome,
  assertAgreesWithOscap,
} from '../../../testing/root-oracle.js';
import { xmlfilecontentProbe } from './xmlfilecontent.js';

const NS_DOC = `<?xml version="1.0"?>
<r xmlns="urn:x" xmlns:p="urn:p" p:attr="pv" plain="v1" xml:lang="en">
  <a>one</a><a>t<!--c-->wo</a><a><![CDATA[three]]>&amp;x&#x21;</a>
  <p:b n="5">x</p:b>
  <?pi data?>
  <c/>
</r>
`;

const FILES: Record<string, RootEntry> = {
  'etc/ns.xml': NS_DOC,
  'etc/plain.xml': '<config><server port="8080" host="a"/><server port="9090" host="b"/><enabled>true</enabled><ratio>2.5</ratio><empty/></config>',
  'etc/ws.xml': '<r>\n  <a> x </a>\n  <b>y</b>\n</r>\n',
  'etc/crlf.xml': '<r>\r\n<a>x\r\ny</a><b v="p\tq&#10;r s"/></r>',
  'etc/prefixed.xml': '<p:root xmlns:p="urn:p"><p:item p:k="1">i</p:item></p:root>',
  'etc/dupattr.xml': '<r xmlns:a="urn:1" xmlns:b="urn:2" a:x="1" b:x="2" y="3"/>',
  'etc/latin1.xml': Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>\n<r>caf\u00e9</r>\n', 'latin1'),
  'etc/utf16.xml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<?xml version="1.0" encoding="UTF-16"?><r>wide \u00e9</r>', 'utf16le')]),
  'etc/bad.xml': '<r><a></r>',
  'etc/bare-amp.xml': '<r>a & b</r>',
  'etc/ctrl.xml': '<r>\u0001</r>',
  'etc/trailing.xml': '<r/>junk',
  'etc/notxml.txt': 'hello',
  'etc/empty.xml': '',
  'etc/doctype.xml': '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e "expanded">]>\n<r>&e;</r>\n',
  'etc/doctype-plain.xml': '<?xml version="1.0"?>\n<!DOCTYPE r>\n<r>plain</r>\n',
  'etc/conf.d/1.xml': '<c><v>one</v></c>',
  'etc/conf.d/2.xml': '<c><v>two</v></c>',
  'etc/conf.d/other.txt': '<c><v>not matched</v></c>',
  'etc/conf.d/sub/3.xml': '<c><v>three</v></c>',
  // libxml2's limits without XML_PARSE_HUGE, at their boundaries
  'etc/deep-257.xml': '<a>'.repeat(257) + 'x' + '</a>'.repeat(257),
  'etc/deep-258.xml': '<a>'.repeat(258) + 'x' + '</a>'.repeat(258),
  'etc/text-max.xml': `<a>${'x'.repeat(10_000_000)}</a>`,
  'etc/text-over.xml': `<a>${'x'.repeat(10_000_001)}</a>`,
  'etc/cdata-over.xml': `<a><![CDATA[${'x'.repeat(10_000_001)}]]></a>`,
  'etc/xlink': { symlink: 'plain.xml' },
  'etc/xdangle': { symlink: 'missing.xml' },
  'etc/xdir': { symlink: 'conf.d' },
};

interface Case extends ProbeCase {
  readonly want: {
    readonly definition: string;
    readonly flag: string;
    /** Per item `filepath: value, int:3, ...` (datatype prefixed unless string), sorted. */
    readonly items: readonly string[];
    readonly messages?: readonly string[];
  };
  /** Known to differ from oscap in these respects, and why. */
  readonly differs?: { readonly what: ReadonlyArray<'definition' | 'flag' | 'items' | 'messages'>; readonly why: string };
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const x = (file: string, xpath: string): Pick<Case, 'family' | 'type' | 'object'> => ({
  family: 'independent',
  type: 'xmlfilecontent',
  object: `<ind:filepath>${file}</ind:filepath><ind:xpath>${esc(xpath)}</ind:xpath>`,
});
const one = (file: string, ...values: string[]): string => `${file}: ${values.join(', ')}`;
const found = (file: string, ...values: string[]): Case['want'] => ({ definition: 'true', flag: 'complete', items: [one(file, ...values)] });
const NONE: Case['want'] = { definition: 'false', flag: 'does not exist', items: [] };
const cantParse = (file: string): Case['want'] => ({ definition: 'error', flag: 'error', items: [], messages: [`Can't parse '${file}'.`] });
const LIMIT_MESSAGE: Case['differs'] = { what: ['messages'], why: 'Vigil says which limit the file is over; oscap prints libxml2\'s reason on stderr only' };
/** As cantParse, with Vigil's word on which limit the file is over (oscap prints libxml2's on its stderr only). */
const overLimit = (file: string, what: string): Case['want'] => ({
  ...cantParse(file),
  messages: [`Can't parse '${file}'.`, `'${file}' has ${what}: refused, as libxml2 (and oscap) refuse it without XML_PARSE_HUGE.`],
});

const CASES: readonly Case[] = [
  // node-sets
  { name: 'text nodes: comments dropped, CDATA and references merged', ...x('/etc/ns.xml', '//a/text()'), want: found('/etc/ns.xml', 'one', 'two', 'three&x!') },
  { name: 'attributes lose their namespace, xmlns is not an attribute', ...x('/etc/ns.xml', '//@*'), want: found('/etc/ns.xml', 'pv', 'v1', 'en', '5') },
  { name: 'a namespaced attribute by its local name', ...x('/etc/ns.xml', '/r/@attr'), want: found('/etc/ns.xml', 'pv') },
  { name: 'elements give an item without value_of', ...x('/etc/ns.xml', '//a'), want: found('/etc/ns.xml', '') },
  { name: 'the root node gives an item without value_of', ...x('/etc/ns.xml', '/'), want: found('/etc/ns.xml', '') },
  { name: 'a prefixed element by its local name', ...x('/etc/ns.xml', '//b/@n'), want: found('/etc/ns.xml', '5') },
  { name: 'an empty node-set: no item', ...x('/etc/ns.xml', '//nomatch'), want: NONE },
  { name: 'comments are gone', ...x('/etc/ns.xml', '//comment()'), want: NONE },
  { name: 'processing instructions are gone', ...x('/etc/ns.xml', '//processing-instruction()'), want: NONE },
  { name: 'xml:lang is a plain attribute afterwards', ...x('/etc/ns.xml', 'lang("en")'), want: found('/etc/ns.xml', 'boolean:false') },
  // (the namespace axis is left out: `/r/namespace::*` makes oscap 1.3.7 segfault)
  { name: 'positional predicate', ...x('/etc/ns.xml', '//a[2]/text()'), want: found('/etc/ns.xml', 'two') },
  { name: 'prefixed root', ...x('/etc/prefixed.xml', 'concat(name(/*), "|", local-name(//item), "|", //item/@k)'), want: found('/etc/prefixed.xml', 'root|item|1') },
  { name: 'duplicate local attribute names: the last wins', ...x('/etc/dupattr.xml', '/r/@*'), want: found('/etc/dupattr.xml', '2', '3') },
  { name: 'whitespace text nodes are kept', ...x('/etc/ws.xml', 'count(//text())'), want: found('/etc/ws.xml', 'int:5') },
  { name: 'whitespace inside text', ...x('/etc/ws.xml', '//a/text()'), want: found('/etc/ws.xml', ' x ') },
  { name: 'CRLF normalised, attribute whitespace normalised', ...x('/etc/crlf.xml', 'concat(//a, "|", //b/@v)'), want: found('/etc/crlf.xml', 'x\ny|p q\nr s') },
  // numbers, booleans, strings
  { name: 'count is an int', ...x('/etc/ns.xml', 'count(//a)'), want: found('/etc/ns.xml', 'int:3') },
  { name: 'a fraction truncates to an int', ...x('/etc/ns.xml', '1 div 3'), want: found('/etc/ns.xml', 'int:0') },
  { name: 'negative fraction truncates toward zero', ...x('/etc/ns.xml', '-2.7'), want: found('/etc/ns.xml', 'int:-2') },
  { name: 'NaN as an int', ...x('/etc/ns.xml', '0 div 0'), want: found('/etc/ns.xml', 'int:-2147483648') },
  { name: 'infinity as an int', ...x('/etc/ns.xml', '1 div 0'), want: found('/etc/ns.xml', 'int:-2147483648') },
  { name: 'beyond int32', ...x('/etc/ns.xml', '3000000000'), want: found('/etc/ns.xml', 'int:-2147483648') },
  { name: 'sum', ...x('/etc/plain.xml', 'sum(//ratio) * 2'), want: found('/etc/plain.xml', 'int:5') },
  { name: 'string of a fraction: 15 significant digits', ...x('/etc/ns.xml', 'string(1 div 3)'), want: found('/etc/ns.xml', '0.333333333333333') },
  { name: 'string of 0.1 + 0.2', ...x('/etc/ns.xml', 'string(0.1 + 0.2)'), want: found('/etc/ns.xml', '0.3') },
  {
    name: 'number formats',
    ...x('/etc/ns.xml', "concat(-0.000001, '|', 123456789012, '|', -2.5, '|', 0 div 0, '|', 1 div 0, '|', -1 div 0, '|', 123456789.123, '|', 0.0000123, '|', 2147483648, '|', -0)"),
    want: found('/etc/ns.xml', '-1e-06|1.23456789012e+11|-2.5|NaN|Infinity|-Infinity|123456789.123|0.0000123|2.147483648e+09|0'),
  },
  { name: 'strings read as numbers as libxml2 reads them', ...x('/etc/ns.xml', "concat(number('1e3'), '|', number(' 12 '), '|', number(''), '|', number('5.'), '|', number('+1'), '|', number('0x10'))"), want: found('/etc/ns.xml', '1000|12|NaN|5|NaN|NaN') },
  { name: 'round', ...x('/etc/ns.xml', "concat(round(2.5), '|', round(-2.5), '|', round(-0.4), '|', floor(-1.5), '|', ceiling(1.2))"), want: found('/etc/ns.xml', '3|-2|0|-2|2') },
  { name: 'substring with fractional arguments', ...x('/etc/ns.xml', "substring('12345', 1.5, 2.6)"), want: found('/etc/ns.xml', '234') },
  { name: 'a boolean', ...x('/etc/ns.xml', 'count(//a) > 2'), want: found('/etc/ns.xml', 'boolean:true') },
  { name: 'a false boolean', ...x('/etc/ns.xml', 'boolean(//missing)'), want: found('/etc/ns.xml', 'boolean:false') },
  { name: 'a node-set compared with a number', ...x('/etc/plain.xml', '//server/@port = 9090'), want: found('/etc/plain.xml', 'boolean:true') },
  { name: 'an empty element compared with 0', ...x('/etc/plain.xml', '//empty = 0'), want: found('/etc/plain.xml', 'boolean:false') },
  { name: 'normalize-space and translate', ...x('/etc/ws.xml', "translate(normalize-space(/r), 'xy', 'XY')"), want: found('/etc/ws.xml', 'X Y') },
  // states
  { name: 'state on value_of', ...x('/etc/plain.xml', "//server[@port='9090']/@host"), state: '<ind:value_of>b</ind:value_of>', want: found('/etc/plain.xml', 'b') },
  { name: 'state: every port above 8000', ...x('/etc/plain.xml', '//server/@port'), state: '<ind:value_of datatype="int" operation="greater than">8000</ind:value_of>', check: 'all', want: found('/etc/plain.xml', '8080', '9090') },
  { name: 'state: every port is 8080 (false)', ...x('/etc/plain.xml', '//server/@port'), state: '<ind:value_of datatype="int">8080</ind:value_of>', check: 'all', want: { ...found('/etc/plain.xml', '8080', '9090'), definition: 'false' } },
  // oscap: "Entity name 'value_of' from state ... not found in item", and the result is unknown
  { name: 'state on an item without value_of', ...x('/etc/plain.xml', '//server'), state: '<ind:value_of>x</ind:value_of>', want: { ...found('/etc/plain.xml', ''), definition: 'unknown' } },
  // encodings
  { name: 'an ISO-8859-1 document', ...x('/etc/latin1.xml', 'string(/r)'), want: found('/etc/latin1.xml', 'caf\u00e9') },
  { name: 'a UTF-16 document', ...x('/etc/utf16.xml', 'string(/r)'), want: found('/etc/utf16.xml', 'wide \u00e9') },
  // errors
  { name: 'an XPath that does not compile', ...x('/etc/ns.xml', '//a['), want: { definition: 'error', flag: 'error', items: [], messages: ['xmlXPathEvalExpression() error'] } },
  { name: 'an unknown function', ...x('/etc/ns.xml', 'nosuch(1)'), want: { definition: 'error', flag: 'error', items: [], messages: ['xmlXPathEvalExpression() error'] } },
  { name: 'an undeclared prefix in the XPath', ...x('/etc/ns.xml', '//p:b'), want: { definition: 'error', flag: 'error', items: [], messages: ['xmlXPathEvalExpression() error'] } },
  { name: 'malformed XML', ...x('/etc/bad.xml', '/'), want: cantParse('/etc/bad.xml') },
  { name: 'a bare ampersand', ...x('/etc/bare-amp.xml', '/'), want: cantParse('/etc/bare-amp.xml') },
  { name: 'a control character', ...x('/etc/ctrl.xml', '/'), want: cantParse('/etc/ctrl.xml') },
  { name: 'content after the root element', ...x('/etc/trailing.xml', '/'), want: cantParse('/etc/trailing.xml') },
  { name: 'not XML at all', ...x('/etc/notxml.txt', '/'), want: cantParse('/etc/notxml.txt') },
  { name: 'an empty file', ...x('/etc/empty.xml', '/'), want: cantParse('/etc/empty.xml') },
  {
    name: 'a DOCTYPE with an entity is refused',
    ...x('/etc/doctype.xml', 'string(/r)'),
    want: { ...cantParse('/etc/doctype.xml'), messages: ["Can't parse '/etc/doctype.xml'.", "'/etc/doctype.xml' has a DOCTYPE, which Vigil refuses: entities are never declared, expanded or fetched."] },
    differs: { what: ['definition', 'flag', 'items', 'messages'], why: 'Vigil refuses any DOCTYPE (hostile input); libxml2 parses it' },
  },
  {
    name: 'a DOCTYPE without entities is refused too',
    ...x('/etc/doctype-plain.xml', 'string(/r)'),
    want: { ...cantParse('/etc/doctype-plain.xml'), messages: ["Can't parse '/etc/doctype-plain.xml'.", "'/etc/doctype-plain.xml' has a DOCTYPE, which Vigil refuses: entities are never declared, expanded or fetched."] },
    differs: { what: ['definition', 'flag', 'items', 'messages'], why: 'Vigil refuses any DOCTYPE (hostile input); libxml2 parses it' },
  },
  // limits
  { name: 'elements nested 257 deep are read', ...x('/etc/deep-257.xml', 'count(//a)'), want: found('/etc/deep-257.xml', 'int:257') },
  { name: 'elements nested 258 deep are refused', ...x('/etc/deep-258.xml', 'count(//a)'), want: overLimit('/etc/deep-258.xml', 'elements nested deeper than 257 levels'), differs: LIMIT_MESSAGE },
  { name: 'a text node of 10,000,000 bytes is read', ...x('/etc/text-max.xml', 'string-length(/a)'), want: found('/etc/text-max.xml', 'int:10000000') },
  { name: 'a text node of 10,000,001 bytes is refused', ...x('/etc/text-over.xml', 'string-length(/a)'), want: overLimit('/etc/text-over.xml', 'a text node longer than 10,000,000 bytes'), differs: LIMIT_MESSAGE },
  { name: 'a CDATA section of 10,000,001 bytes is refused', ...x('/etc/cdata-over.xml', 'string-length(/a)'), want: overLimit('/etc/cdata-over.xml', 'a text node longer than 10,000,000 bytes'), differs: LIMIT_MESSAGE },
  // locating files
  { name: 'filepath through a symlink', ...x('/etc/xlink', 'count(//server)'), want: found('/etc/xlink', 'int:2') },
  { name: 'filepath of a dangling symlink', ...x('/etc/xdangle', '/'), want: cantParse('/etc/xdangle') },
  { name: 'filepath of a symlink to a directory: nothing', ...x('/etc/xdir', '/'), want: NONE },
  { name: 'a missing file', ...x('/etc/missing.xml', '/'), want: NONE },
  {
    name: 'path + filename pattern, recursing down',
    family: 'independent',
    type: 'xmlfilecontent',
    object: '<ind:behaviors recurse_direction="down"/><ind:path>/etc/conf.d</ind:path><ind:filename operation="pattern match">\\.xml$</ind:filename><ind:xpath>//v/text()</ind:xpath>',
    want: { definition: 'true', flag: 'complete', items: [one('/etc/conf.d/1.xml', 'one'), one('/etc/conf.d/2.xml', 'two'), one('/etc/conf.d/sub/3.xml', 'three')] },
  },
  {
    name: 'path + filename: a symlink to a directory cannot be parsed',
    family: 'independent',
    type: 'xmlfilecontent',
    object: '<ind:path>/etc</ind:path><ind:filename operation="pattern match">^x(dir|link)$</ind:filename><ind:xpath>count(//server)</ind:xpath>',
    want: { definition: 'error', flag: 'error', items: [one('/etc/xlink', 'int:2')], messages: ["Can't parse '/etc/xdir'."] },
  },
  {
    name: 'path + filename naming a directory: nothing',
    family: 'independent',
    type: 'xmlfilecontent',
    object: '<ind:path>/etc</ind:path><ind:filename>conf.d</ind:filename><ind:xpath>/</ind:xpath>',
    want: NONE,
  },
  {
    name: 'path pattern match',
    family: 'independent',
    type: 'xmlfilecontent',
    object: '<ind:path operation="pattern match">^/etc/conf\\.d(/sub)?$</ind:path><ind:filename operation="pattern match">^\\d\\.xml$</ind:filename><ind:xpath>string(//v)</ind:xpath>',
    want: { definition: 'true', flag: 'complete', items: [one('/etc/conf.d/1.xml', 'one'), one('/etc/conf.d/2.xml', 'two'), one('/etc/conf.d/sub/3.xml', 'three')] },
  },
  {
    name: 'filepath ignores behaviors',
    family: 'independent',
    type: 'xmlfilecontent',
    object: '<ind:behaviors max_depth="0" recurse_direction="up"/><ind:filepath>/etc/plain.xml</ind:filepath><ind:xpath>count(//server)</ind:xpath>',
    want: found('/etc/plain.xml', 'int:2'),
  },
];

const XML = rootCaseDocument(CASES);

function summary(o: RootObject | undefined): string[] {
  return (o?.items ?? [])
    .map((i) => {
      const es = i.entities.map((e) => JSON.parse(e) as [string, string, string]);
      const file = es.find((e) => e[0] === 'filepath')?.[2];
      const values = es.filter((e) => e[0] === 'value_of').map(([, d, v]) => (d === 'string' ? v : `${d}:${v}`));
      return `${file}: ${values.join(', ')}`;
    })
    .sort();
}

describe('xmlfilecontent through the engine', () => {
  const root = tempRoot('vigil-xmlfilecontent-', FILES);
  let vigil: RootOutcome;
  before(async () => {
    vigil = await vigilRootOutcome(XML, root.root, [xmlfilecontentProbe]);
  });
  after(() => root.dispose());

  CASES.forEach((c, i) => {
    it(c.name, () => {
      const o = vigil.objects.get(`oval:vigil:obj:${i + 1}`);
      assert.deepEqual(
        { definition: vigil.definitions.get(`oval:vigil:def:${i + 1}`), flag: o?.flag, items: summary(o), messages: o?.messages ?? [] },
        { definition: c.want.definition, flag: c.want.flag, items: [...c.want.items].sort(), messages: c.want.messages ?? [] },
      );
    });
  });

  it('items hold filepath, path, filename, xpath, then the value_ofs', () => {
    const o = vigil.objects.get('oval:vigil:obj:1')!;
    assert.deepEqual(
      o.items[0]!.entities.map((e) => (JSON.parse(e) as string[]).slice(0, 2).join(':')),
      ['filepath:string', 'path:string', 'filename:string', 'xpath:string', 'value_of:string', 'value_of:string', 'value_of:string'],
    );
  });
});

test('xmlfilecontent agrees with oscap (OSCAP_PROBE_ROOT)', async (t) => {
  if (!(await oscapAvailable(t))) return;
  const root = tempRoot('vigil-xmlfilecontent-oracle-', FILES);
  try {
    await assertAgreesWithOscap(t, { xml: XML, root, probes: [xmlfilecontentProbe], cases: CASES });
  } finally {
    root.dispose(t);
  }
});

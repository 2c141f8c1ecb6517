import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContentError } from '../errors.js';
import { SIZE_CASES, textOfBytes, withTitle } from '../../testing/xml-limits.js';
import { MAX_XML_TEXT } from './limits.js';
import { outlineXml, standaloneStartTag, type OutlineNode } from './outline.js';

const X = 'http://checklists.nist.gov/xccdf/1.2';

function outline(xml: string, descend: (n: OutlineNode) => boolean = (n) => n.name === 'Group') {
  return outlineXml(Buffer.from(xml, 'utf8'), 'in.xml', descend);
}

function failure(xml: string): ContentError {
  try {
    outline(xml);
  } catch (e) {
    assert.ok(e instanceof ContentError, `expected a ContentError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the document to be refused');
}

describe('outline: element boundaries without parsing text', () => {
  it('records the children of outlined elements with names, namespaces, attributes and exact ranges', () => {
    const xml = `<?xml version="1.0"?>\n<b:Benchmark xmlns:b="${X}" id="bm">\n  <b:Group id="g1"><b:Rule id="r1" selected="false"><b:title>T &amp; U</b:title></b:Rule></b:Group>\n  <b:Value id="v" type='string'><b:value>x</b:value></b:Value>\n</b:Benchmark>\n`;
    const o = outline(xml);
    assert.equal(o.root.name, 'Benchmark');
    assert.equal(o.root.ns, X);
    const [group, value] = o.root.children!;
    assert.equal(group!.attrs['id'], 'g1');
    assert.equal(value!.attrs['type'], 'string');
    const rule = group!.children![0]!;
    assert.equal(rule.qname, 'b:Rule');
    assert.deepEqual(rule.attrs, { id: 'r1', selected: 'false' });
    assert.equal(rule.children, undefined, 'a Rule is skipped, not outlined');
    assert.equal(o.slice(rule.start, rule.end), '<b:Rule id="r1" selected="false"><b:title>T &amp; U</b:title></b:Rule>');
    assert.equal(o.slice(rule.openEnd, rule.closeStart), '<b:title>T &amp; U</b:title>');
    assert.deepEqual(o.lineOf(value!.start), { line: 4, lineStart: xml.indexOf('  <b:Value') });
  });

  it('finds the real end of an element whose comments, CDATA or processing instructions hold a fake end tag', () => {
    const cases = [
      `<Rule id="a"><!-- </Rule> --><x/></Rule>`,
      `<Rule id="a"><fix><![CDATA[echo "</Rule>"]]></fix></Rule>`,
      `<Rule id="a"><?pi </Rule> ?></Rule>`,
    ];
    for (const rule of cases) {
      const o = outline(`<Benchmark xmlns="${X}">${rule}<Value id="after"/></Benchmark>`);
      const [r, v] = o.root.children!;
      assert.equal(o.slice(r!.start, r!.end), rule, rule);
      assert.equal(v!.attrs['id'], 'after');
    }
  });

  it('matches nested elements of the same name, and names that only begin alike', () => {
    const o = outline(`<Benchmark xmlns="${X}"><Item><Item/><Item>x</Item><ItemX>y</ItemX></Item><Value id="v"/></Benchmark>`);
    const [item, value] = o.root.children!;
    assert.equal(o.slice(item!.start, item!.end), '<Item><Item/><Item>x</Item><ItemX>y</ItemX></Item>');
    assert.equal(value!.attrs['id'], 'v');
  });

  it('outlines the children of a skipped element on demand, with the scope it inherits', () => {
    const o = outline(`<Benchmark xmlns="${X}" xmlns:h="http://www.w3.org/1999/xhtml"><Rule id="r"><h:p a="&lt;&#65;"/><fix system="s">x</fix></Rule></Benchmark>`);
    const rule = o.root.children![0]!;
    const kids = o.children(rule);
    assert.deepEqual(
      kids.map((k) => [k.ns, k.name]),
      [
        ['http://www.w3.org/1999/xhtml', 'p'],
        [X, 'fix'],
      ],
    );
    assert.equal(kids[0]!.attrs['a'], '<A');
    assert.equal(kids[1]!.attrs['system'], 's');
  });

  it('writes a start tag that declares the namespaces it inherits', () => {
    const o = outline(`<r:root xmlns:r="urn:r" xmlns="${X}"><Group id="g"><Rule id="x"/></Group></r:root>`);
    const group = o.root.children![0]!;
    const tag = standaloneStartTag(o, group);
    assert.match(tag, /^<Group /);
    assert.match(tag, new RegExp(`xmlns="${X}"`));
    assert.match(tag, /xmlns:r="urn:r"/);
    assert.match(tag, /id="g">$/);
  });

  it('reads attribute values with non-ASCII characters as UTF-8', () => {
    const o = outline(`<Benchmark xmlns="${X}"><Value id="v" title="Zürich ✓"/></Benchmark>`);
    assert.equal(o.root.children![0]!.attrs['title'], 'Zürich ✓');
  });
});

describe('outline: bad input is refused with a location', () => {
  const cases = [
    { name: 'a DOCTYPE', xml: `<?xml version="1.0"?>\n<!DOCTYPE b [<!ENTITY x "y">]>\n<Benchmark xmlns="${X}"/>`, code: 'xml-doctype', line: 2 },
    { name: 'a mismatched end tag', xml: `<Benchmark xmlns="${X}">\n<Group>\n</Rule></Benchmark>`, code: 'xml-malformed', line: 3 },
    { name: 'a document that ends inside an element', xml: `<Benchmark xmlns="${X}">\n<Group id="g">`, code: 'xml-malformed', line: 2 },
    { name: 'an unterminated comment', xml: `<Benchmark xmlns="${X}">\n\n<!-- never closed`, code: 'xml-malformed', line: 3 },
    { name: 'an unbound prefix', xml: `<Benchmark xmlns="${X}">\n<x:Group/></Benchmark>`, code: 'xml-malformed', line: 2 },
    { name: 'a second root element', xml: `<Benchmark xmlns="${X}"/>\n<Benchmark xmlns="${X}"/>`, code: 'xml-malformed', line: 2 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = failure(c.xml);
      assert.equal(e.code, c.code);
      assert.equal(e.location?.file, 'in.xml');
      assert.equal(e.location?.line, c.line);
    });
  }
});

describe('text node size in parts the outline skips', () => {
  const skipAll = (): boolean => false;
  for (const c of SIZE_CASES) {
    it(`a ${c.kind} of ${MAX_XML_TEXT} bytes of ${JSON.stringify(c.unit)} is outlined, one byte more is refused`, () => {
      assert.doesNotThrow(() => outlineXml(Buffer.from(withTitle(c.kind, textOfBytes(MAX_XML_TEXT, c.unit))), 'ok.xml', skipAll));
      assert.throws(
        () => outlineXml(Buffer.from(withTitle(c.kind, textOfBytes(MAX_XML_TEXT + 1, c.unit))), 'long.xml', skipAll),
        (e: unknown) => e instanceof ContentError && e.code === 'xml-text-too-long' && e.location?.file === 'long.xml' && e.location.line === 2,
      );
    });
  }
  it('reads an attribute value and the text after its tag that are each under the limit, though together over it', () => {
    const half = 'a'.repeat(MAX_XML_TEXT * 0.6);
    const xml = `<Benchmark xmlns="${X}" id="b"><title xml:lang="${half}">${half}</title></Benchmark>`;
    assert.doesNotThrow(() => outlineXml(Buffer.from(xml), 'ok.xml', skipAll));
  });
});

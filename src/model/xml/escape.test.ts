import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDocument } from '../load.js';
import type { XmlElement } from './element.js';
import { CAPTURE, streamXml } from './stream.js';
import { attrs, esc, escAttr } from './escape.js';

/** What a conforming XML reader makes of `s` written as text and as an attribute value. */
function readBack(s: string): { text: string; attr: string } {
  let el: XmlElement | undefined;
  streamXml({ text: `<r${attrs({ a: s })}>${esc(s)}</r>`, name: 'esc.xml' }, { child: () => CAPTURE, captured: (e) => (el = e) });
  return { text: el!.children.join(''), attr: el!.attrs['a']! };
}

const C0 = Array.from({ length: 32 }, (_, c) => String.fromCharCode(c));

describe('XML escaping', () => {
  const cases: { name: string; input: string; read: string }[] = [
    ...C0.filter((c) => !'\t\n\r'.includes(c)).map((c) => ({ name: `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`, input: `f${c}x`, read: `f${String.fromCharCode(0x2400 + c.charCodeAt(0))}x` })),
    { name: 'tab, line feed, carriage return', input: 'a\tb\nc\rd\r\ne', read: 'a\tb\nc\rd\r\ne' },
    { name: 'DEL and C1 controls (legal XML)', input: 'a\u007fb\u0085c\u009fd', read: 'a\u007fb\u0085c\u009fd' },
    { name: 'a lone high surrogate', input: 'a\ud800b', read: 'a\ufffdb' },
    { name: 'a lone low surrogate', input: 'a\udc00b', read: 'a\ufffdb' },
    { name: 'a surrogate pair', input: 'a\ud834\udd1eb', read: 'a\ud834\udd1eb' },
    { name: 'reversed surrogates', input: '\udd1e\ud834', read: '\ufffd\ufffd' },
    { name: 'non-characters U+FFFE, U+FFFF', input: '\ufffe\uffff', read: '\ufffd\ufffd' },
    { name: 'markup', input: `<a href="x">&amp;</a> 'q'`, read: `<a href="x">&amp;</a> 'q'` },
  ];
  for (const c of cases) {
    it(`${c.name}: well-formed, and read back as ${JSON.stringify(c.read)} from text and attribute`, () => {
      const back = readBack(c.input);
      assert.equal(back.text, c.read);
      assert.equal(back.attr, c.read);
    });
  }

  it('writes every C0 control but tab, line feed and carriage return as its Control Picture, and a carriage return as &#13;', () => {
    assert.equal(esc('\u0001\u001b\u001f'), '\u2401\u241b\u241f');
    assert.equal(esc('a\rb'), 'a&#13;b');
    assert.equal(escAttr('a\tb\nc'), 'a&#9;b&#10;c');
    assert.equal(esc('a\tb\nc'), 'a\tb\nc');
  });

  it('a whole document with every C0 control in its text reads', () => {
    const text = C0.join('') + '\u007f';
    const doc = readDocument({ text: `<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.t_benchmark_b"${attrs({ 'xml:lang': text })}><status>draft</status><title>${esc(text)}</title><version>1</version></Benchmark>`, name: 'b.xml' });
    assert.equal(doc.kind, 'benchmark');
  });
});

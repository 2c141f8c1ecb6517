import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ContentError } from '../errors.js';
import { readDocument } from '../load.js';
import { CAPTURE, MAX_XML_DEPTH, MAX_XML_TEXT, SKIP, streamXml, type FrameHandler } from './stream.js';
import type { XmlElement } from './element.js';
import { SIZE_CASES, textOfBytes, withTitle } from '../../testing/xml-limits.js';

function failure(text: string): ContentError {
  try {
    readDocument({ text, name: 'in.xml' });
  } catch (e) {
    assert.ok(e instanceof ContentError, `expected a ContentError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the document to be refused');
}

describe('hostile XML is refused, never expanded or fetched', () => {
  const cases = [
    {
      name: 'billion laughs (internal entities)',
      xml: `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b">&lol3;</Benchmark>`,
      line: 6,
    },
    {
      name: 'XXE through file://',
      xml: `<?xml version="1.0"?>\n<!DOCTYPE b [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b"><title>&x;</title></Benchmark>`,
      line: 2,
    },
    {
      name: 'XXE through http://',
      xml: `<!DOCTYPE b [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b">&x;</Benchmark>`,
      line: 1,
    },
    {
      name: 'external DTD',
      xml: `<!DOCTYPE b SYSTEM "http://127.0.0.1:9/b.dtd"><Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b"/>`,
      line: 1,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = failure(c.xml);
      assert.equal(e.code, 'xml-doctype');
      assert.equal(e.location?.file, 'in.xml');
      assert.equal(e.location?.line, c.line);
    });
  }

  it('an undeclared entity is an error, not an empty string', () => {
    const e = failure('<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b">&x;</Benchmark>');
    assert.equal(e.code, 'xml-malformed');
  });
});

describe('malformed XML reports file:line:col', () => {
  const B = '<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b">';
  const cases = [
    { name: 'truncated document', xml: `${B}\n  <Group id="g">\n`, line: 3, re: /unclosed|ended/ },
    { name: 'mismatched tags', xml: `${B}\n<title></c></Benchmark>`, line: 2, re: /unexpected close tag|mismatch|c/ },
    { name: 'unbound element prefix', xml: `${B}\n\n<x:b/></Benchmark>`, line: 3, re: /unbound namespace prefix "x"/ },
    { name: 'unbound attribute prefix', xml: `${B}<title y:z="1"/></Benchmark>`, line: 1, re: /unbound namespace prefix "y"/ },
    { name: 'text after the root', xml: `${B}</Benchmark>\njunk`, line: 2, re: /outside of root/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = failure(c.xml);
      assert.equal(e.code, 'xml-malformed');
      assert.equal(e.location?.line, c.line, e.describe());
      assert.match(e.message, c.re);
      assert.match(e.describe(), /^in\.xml:\d+:\d+: /);
    });
  }
});

describe('frames', () => {
  it('captures subtrees with namespaces, attributes and mixed content in order', () => {
    const got: XmlElement[] = [];
    const root: FrameHandler = {
      child: () => ({
        child: (t) => (t.name === 'keep' ? CAPTURE : SKIP),
        captured: (el) => got.push(el),
      }),
    };
    streamXml(
      {
        text: '<r xmlns="urn:a" xmlns:p="urn:p" xmlns:l="http://www.w3.org/1999/xlink"><keep p:x="1" l:href="#c" y="2">a<p:sub id="s"/>b&amp;<![CDATA[<c>]]></keep><drop><keep/></drop></r>',
        name: 't',
      },
      root,
    );
    assert.equal(got.length, 1);
    const k = got[0]!;
    assert.equal(k.ns, 'urn:a');
    assert.deepEqual(k.attrs, { '{urn:p}x': '1', '{http://www.w3.org/1999/xlink}href': '#c', y: '2' });
    assert.equal(k.children[0], 'a');
    const sub = k.children[1] as XmlElement;
    assert.equal(sub.ns, 'urn:p');
    assert.equal(sub.name, 'sub');
    assert.equal(k.children[2], 'b&<c>');
  });

  it('a default namespace can be rebound below the root', () => {
    const names: string[] = [];
    streamXml(
      { text: '<r xmlns="urn:a"><x xmlns="urn:b"><y/></x><z/></r>', name: 't' },
      { child: () => ({ child: (t) => (names.push(`${t.ns} ${t.name}`), CAPTURE), captured: (el) => names.push(`${el.ns} ${el.name}/${(el.children[0] as XmlElement | undefined)?.ns ?? '-'}`) }) },
    );
    assert.deepEqual(names, ['urn:b x', 'urn:b x/urn:b', 'urn:a z', 'urn:a z/-']);
  });

  it('reports where a start tag begins, even when it spans lines', () => {
    const at: string[] = [];
    streamXml({ text: '<r>\n  <e\n    a="1"\n  />\n<f/></r>', name: 't' }, { child: () => ({ child: (t) => (at.push(`${t.line}:${t.col}`), SKIP) }) });
    assert.deepEqual(at, ['2:3', '5:1']);
  });

  it('reports the line of each start tag across chunk boundaries', () => {
    const lines: number[] = [];
    const text = `<r>${'\n<e/>'.repeat(5)}\n</r>`;
    streamXml({ text, name: 't' }, { child: () => ({ child: (t) => (lines.push(t.line), SKIP) }) });
    assert.deepEqual(lines, [2, 3, 4, 5, 6]);
  });
});

describe('wrong documents', () => {
  const cases = [
    { name: 'unknown root', xml: '<html xmlns="http://www.w3.org/1999/xhtml"/>', re: /unexpected root element <html>/ },
    { name: 'right name, wrong namespace', xml: '<Benchmark xmlns="urn:not-xccdf" id="b"/>', re: /in namespace urn:not-xccdf/ },
    { name: 'no namespace', xml: '<Benchmark id="b"/>', re: /no namespace/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = failure(c.xml);
      assert.equal(e.code, 'wrong-root');
      assert.match(e.message, c.re);
      assert.equal(e.location?.line, 1);
    });
  }
});

describe('nesting depth', () => {
  const nested = (levels: number, inner = 'x'): string => `${'<a>'.repeat(levels)}${inner}${'</a>'.repeat(levels)}`;
  const capturing: FrameHandler = { child: () => CAPTURE };
  it(`reads ${MAX_XML_DEPTH} levels, as libxml2 and oscap do`, () => {
    assert.doesNotThrow(() => streamXml({ text: nested(MAX_XML_DEPTH), name: 'ok.xml' }, capturing));
  });
  it('refuses one level more with its position, and 10,000 levels without exhausting the stack', () => {
    for (const levels of [MAX_XML_DEPTH + 1, 10_000]) {
      assert.throws(
        () => streamXml({ text: nested(levels), name: 'deep.xml' }, capturing),
        (e: unknown) => e instanceof ContentError && e.code === 'xml-too-deep' && e.location?.file === 'deep.xml' && e.location.line === 1 && e.location.col > 3 * MAX_XML_DEPTH,
      );
    }
  });
});

describe('text node size', () => {
  const capturing: FrameHandler = { child: () => CAPTURE };
  for (const c of SIZE_CASES) {
    it(`a ${c.kind} of ${MAX_XML_TEXT} bytes of ${JSON.stringify(c.unit)} is read, one byte more is refused`, () => {
      assert.doesNotThrow(() => streamXml({ text: withTitle(c.kind, textOfBytes(MAX_XML_TEXT, c.unit)), name: 'ok.xml' }, capturing));
      // one byte more: the multi-byte units keep their count and gain an ASCII byte, or lose one unit and gain its bytes + 1
      assert.throws(
        () => streamXml({ text: withTitle(c.kind, textOfBytes(MAX_XML_TEXT + 1, c.unit)), name: 'long.xml' }, capturing),
        (e: unknown) => e instanceof ContentError && e.code === 'xml-text-too-long' && e.location?.file === 'long.xml' && e.location.line === 2,
      );
    });
  }

  it('refuses a 30 MB text node in a file as it streams, near where it crosses the limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-xml-'));
    try {
      const path = join(dir, 'huge.xml');
      writeFileSync(path, withTitle('text', 'a'.repeat(30_000_000)));
      assert.throws(
        () => readDocument({ path, name: path }),
        (e: unknown) =>
          e instanceof ContentError && e.code === 'xml-text-too-long' && e.location?.file === path && e.location.line === 2 && e.location.col > MAX_XML_TEXT && e.location.col < MAX_XML_TEXT + (1 << 20),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

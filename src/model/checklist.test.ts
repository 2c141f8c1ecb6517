import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { benchmarkXml, dataStreamXml, NS, ovalXml, OVAL_SYSTEM } from '../testing/content.js';
import { checklistIds, openChecklist, openContent, type Checklist } from './checklist.js';
import { ContentError } from './errors.js';
import { validateChecklist } from './validate.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-checklist-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(name: string, text: string): string {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, text);
  return p;
}

const OVAL = ovalXml({
  definitions: `<definition id="oval:t:def:1" class="compliance" version="1"><metadata><title>d</title><description/></metadata>
    <criteria><criterion test_ref="oval:t:tst:1"/></criteria></definition>`,
  tests: `<ind:textfilecontent54_test id="oval:t:tst:1" version="1" check="all"><ind:object object_ref="oval:t:obj:1"/></ind:textfilecontent54_test>`,
  objects: `<ind:textfilecontent54_object id="oval:t:obj:1" version="1"><ind:filepath>/etc/x</ind:filepath><ind:pattern operation="pattern match">^a</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>`,
});

const RULES = (defName = 'oval:t:def:1', exportValue = 'v1') => `
  <Value id="v1"><value>1</value></Value>
  <Profile id="p"><title>P</title><select idref="r1" selected="true"/></Profile>
  <Rule id="r1" selected="false"><title>R1</title>
    <check system="${OVAL_SYSTEM}"><check-export export-name="oval:t:var:1" value-id="${exportValue}"/><check-content-ref href="my-oval.xml" name="${defName}"/></check>
  </Rule>`;

const CPE = `<cpe-list xmlns="${NS.cpeDict}"><cpe-item name="cpe:/o:t"><title>T</title><check system="${OVAL_SYSTEM}" href="my-cpe-oval.xml">oval:t:def:1</check></cpe-item></cpe-list>`;

function ds(opts: { rules?: string; catalog?: Record<string, string>; extra?: Array<{ id: string; href: string }> } = {}): string {
  return dataStreamXml({
    checklist: { id: 'comp-xccdf', xml: benchmarkXml(opts.rules ?? RULES()) },
    checks: [{ id: 'comp-oval', xml: OVAL }],
    dictionary: { id: 'comp-cpe', xml: CPE },
    catalog: opts.catalog ?? { 'my-oval.xml': '#cref-comp-oval' },
    dictionaryCatalog: { 'my-cpe-oval.xml': '#cref-comp-oval' },
    ...(opts.extra ? { extraCheckRefs: opts.extra } : {}),
  });
}

function open(path: string): Checklist {
  const loaded = openContent(path);
  const cl = openChecklist(loaded, checklistIds(loaded)[0]);
  validateChecklist(cl);
  return cl;
}

function contentError(f: () => unknown): ContentError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ContentError, String(e));
    return e;
  }
  assert.fail('expected a ContentError');
}

describe('data stream linking', () => {
  it('resolves check hrefs through the checklist catalog to components', () => {
    const cl = open(file('ds.xml', ds()));
    assert.equal(cl.origin.streamId, 'scap_test_datastream_d');
    assert.equal(cl.origin.checklistId, 'cref-comp-xccdf');
    const t = cl.checks.get('my-oval.xml');
    assert.equal(t?.kind, 'document');
    assert.equal(t?.kind === 'document' && t.componentId, 'comp-oval');
    assert.equal(t?.kind === 'document' && t.document.kind, 'oval-definitions');
  });

  it('binds the CPE dictionary and resolves its check hrefs through the dictionary catalog', () => {
    const cl = open(file('ds.xml', ds()));
    assert.equal(cl.dictionaries.length, 1);
    assert.equal(cl.dictionaries[0]!.dictionary.items[0]!.name, 'cpe:/o:t');
    assert.equal(cl.dictionaries[0]!.checks.get('my-cpe-oval.xml')?.kind, 'document');
  });

  it('an href of the form #component-ref-id resolves without a catalog entry', () => {
    const cl = open(file('ds.xml', ds({ rules: RULES().replace('href="my-oval.xml"', 'href="#cref-comp-oval"'), catalog: {} })));
    assert.equal(cl.checks.get('#cref-comp-oval')?.kind, 'document');
  });

  it('a remote component is a warning and is skipped, never fetched', () => {
    const loaded = openContent(file('ds.xml', ds({ extra: [{ id: 'cref-remote', href: 'https://127.0.0.1:9/feed.xml.bz2' }] })));
    assert.equal(loaded.warnings.length, 1);
    assert.equal(loaded.warnings[0]!.code, 'remote-component');
    assert.match(loaded.warnings[0]!.message, /https:\/\/127\.0\.0\.1:9\/feed\.xml\.bz2/);
  });
});

describe('bad references are errors at the referring element', () => {
  const cases = [
    {
      name: 'a component-ref to a missing component',
      text: () => ds().replace('xlink:href="#comp-oval"', 'xlink:href="#comp-gone"'),
      code: 'missing-component',
      re: /cref-comp-oval points at #comp-gone/,
    },
    { name: 'a rule → an OVAL definition that does not exist', text: () => ds({ rules: RULES('oval:t:def:404') }), code: 'dangling-ref', re: /oval:t:def:404/ },
    { name: 'a check-export → an unknown value', text: () => ds({ rules: RULES(undefined, 'v404') }), code: 'dangling-ref', re: /unknown value v404/ },
    {
      name: 'a profile → a rule that does not exist',
      text: () => ds({ rules: RULES().replace('<select idref="r1"', '<select idref="r404"') }),
      code: 'dangling-ref',
      re: /selects r404/,
    },
    {
      name: 'a check href the stream cannot resolve',
      text: () => ds({ catalog: {} }),
      code: 'missing-component',
      re: /my-oval\.xml/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const path = file('bad.xml', c.text());
      const e = contentError(() => open(path));
      assert.equal(e.code, c.code);
      assert.match(e.message, c.re);
      assert.equal(e.location?.file, path);
      assert.ok((e.location?.line ?? 0) > 1);
    });
  }

  it('an OVAL test → a missing object is a dangling reference', () => {
    const text = ds().replace('object_ref="oval:t:obj:1"', 'object_ref="oval:t:obj:404"');
    const e = contentError(() => open(file('bad.xml', text)));
    assert.equal(e.code, 'dangling-ref');
    assert.match(e.message, /oval:t:obj:404/);
  });
});

describe('standalone XCCDF with OVAL files beside it', () => {
  it('loads the OVAL file its check-content-ref names, relative to the benchmark', () => {
    const sub = mkdtempSync(join(dir, 'standalone-'));
    writeFileSync(join(sub, 'my-oval.xml'), OVAL);
    const x = join(sub, 'xccdf.xml');
    writeFileSync(x, benchmarkXml(RULES()));
    const cl = open(x);
    const t = cl.checks.get('my-oval.xml');
    assert.equal(t?.kind === 'document' && t.path, join(sub, 'my-oval.xml'));
  });

  it('a missing OVAL file is a missing-component error naming the path', () => {
    const x = file('xccdf.xml', benchmarkXml(RULES()));
    const e = contentError(() => open(x));
    assert.equal(e.code, 'missing-component');
    assert.match(e.message, /my-oval\.xml/);
  });
});

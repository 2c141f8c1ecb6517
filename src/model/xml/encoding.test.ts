import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ContentError } from '../errors.js';
import { readDocumentFile } from '../load.js';
import { skimContent } from '../selective-load.js';
import { indexBenchmark } from '../xccdf/index.js';
import type { Benchmark } from '../xccdf/types.js';
import { benchmarkXml } from '../../testing/content.js';
import { UTF16_FORMS, utf16 } from '../../testing/utf16.js';
import { sniffXmlEncoding, xmlBytesAsUtf8 } from './encoding.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-utf16-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TITLE = 'Règle 𝄞 “quoted” ✓';
// long enough to cross the stream reader's 256 KiB chunks, with a surrogate pair across many boundaries
const XML = benchmarkXml(`<Rule id="xccdf_test_rule_r" selected="true" severity="low"><title>${TITLE}</title><description>${'𝄞é'.repeat(60_000)}</description></Rule>`);

describe('UTF-16 documents', () => {
  it('tells the encoding from the byte order mark or the declaration', () => {
    assert.equal(sniffXmlEncoding(Buffer.from('<?xml')), 'utf-8');
    assert.equal(sniffXmlEncoding(Buffer.from('\ufeff<?xml')), 'utf-8');
    for (const form of UTF16_FORMS) assert.equal(sniffXmlEncoding(utf16(XML, form)), form.startsWith('utf-16be') ? 'utf-16be' : 'utf-16le', form);
  });

  for (const form of UTF16_FORMS) {
    it(`${form}: the stream reader and the outline read it as its UTF-8 form`, () => {
      const path = join(dir, `${form.replace(/ /g, '-')}.xml`);
      writeFileSync(path, utf16(XML, form));
      const doc = readDocumentFile(path) as Benchmark;
      assert.equal(doc.kind, 'benchmark');
      assert.equal(indexBenchmark(doc).rules.get('xccdf_test_rule_r')?.title, TITLE);
      const skim = skimContent(path);
      assert.equal(skim.kind, 'benchmark');
      assert.deepEqual(xmlBytesAsUtf8(utf16(XML, form), path).toString('utf8'), XML.replace(/^<\?xml[^?]*\?>/, '<?xml version="1.0" encoding="UTF-16"?>'));
    });
  }

  const broken: { name: string; bytes: Buffer }[] = [
    { name: 'a lone surrogate', bytes: Buffer.concat([utf16(XML.slice(0, XML.indexOf('Règle')), 'utf-16le BOM'), Buffer.from([0x00, 0xd8]), Buffer.from(XML.slice(XML.indexOf('Règle')), 'utf16le')]) },
    { name: 'an odd byte at the end', bytes: Buffer.concat([utf16(XML, 'utf-16le BOM'), Buffer.from([0x20])]) },
  ];
  for (const b of broken) {
    it(`refuses UTF-16 with ${b.name}, naming the file`, () => {
      const path = join(dir, 'broken.xml');
      writeFileSync(path, b.bytes);
      for (const read of [() => readDocumentFile(path), () => skimContent(path)]) {
        assert.throws(read, (e: unknown) => e instanceof ContentError && e.code === 'xml-malformed' && e.location?.file === path && /UTF-16/.test(e.message));
      }
    });
  }
});

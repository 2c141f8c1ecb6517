/**
 * The XML readers' limits against oscap's (libxml2's): at each text size
 * boundary, oscap and Vigil read or refuse the same documents.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ContentError } from '../model/errors.js';
import { readDocument } from '../model/load.js';
import { MAX_XML_TEXT } from '../model/xml/limits.js';
import { outlineXml } from '../model/xml/outline.js';
import { findOscap, oracleMissing, oscap } from '../testing/oracle.js';
import { SIZE_CASES, textOfBytes, withTitle } from '../testing/xml-limits.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-xml-limits-'));
after(() => rmSync(base, { recursive: true, force: true }));

/** 'read' or the ContentError code. */
function vigil(path: string, reader: 'stream' | 'outline', text: string): string {
  try {
    if (reader === 'stream') readDocument({ path, name: path });
    else outlineXml(Buffer.from(text), path, () => false);
    return 'read';
  } catch (e) {
    if (e instanceof ContentError) return e.code;
    throw e;
  }
}

test('text, CDATA and comment sizes: oscap and Vigil read the same documents and refuse the same', { timeout: 120_000 }, async (t) => {
  if (!(await findOscap())) {
    oracleMissing(t, 'oscap (Debian package openscap-scanner)');
    return;
  }
  // libxml2's attribute boundary depends on where the value starts in its buffer: documented, not compared
  for (const c of SIZE_CASES.filter((x) => x.kind !== 'attribute')) {
    for (const bytes of [MAX_XML_TEXT, MAX_XML_TEXT + 1]) {
      const text = withTitle(c.kind, textOfBytes(bytes, c.unit));
      const path = join(base, 'b.xml');
      writeFileSync(path, text);
      const o = await oscap(['info', path]);
      const theirs = o.code === 0 ? 'read' : 'refused';
      const expected = bytes > MAX_XML_TEXT ? 'refused' : 'read';
      assert.equal(theirs, expected, `oscap on a ${c.kind} of ${bytes} bytes of ${c.unit}: ${o.stderr.slice(0, 300)}`);
      for (const reader of ['stream', 'outline'] as const) {
        const ours = vigil(path, reader, text);
        assert.equal(ours === 'read' ? 'read' : 'refused', theirs, `${reader} on a ${c.kind} of ${bytes} bytes of ${c.unit}: ${ours}`);
        if (ours !== 'read') assert.equal(ours, 'xml-text-too-long');
      }
    }
  }
});

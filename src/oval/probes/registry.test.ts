import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readDocumentFile } from '../../model/load.js';
import type { OvalDefinitions } from '../../model/oval/types.js';
import { CONTENT } from '../../testing/oracle.js';
import { probesMarkdown } from './docs.js';
import { PROBES, probeTable } from './registry.js';

describe('the probe table', () => {
  it('has one probe per object type', () => {
    assert.equal(probeTable().size, PROBES.length);
  });

  it('every probe says what it does offline', () => {
    for (const p of PROBES) assert.match(p.description, /offline|not collected|root/i, `${p.family}/${p.objectType}`);
  });

  it('docs/PROBES.md is current (node scripts/probe-docs.mjs regenerates it)', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../docs/PROBES.md'), 'utf8');
    assert.equal(doc, probesMarkdown(PROBES));
  });

  const files = ['ssg-ubuntu2204-oval.xml', 'ssg-debian11-oval.xml', 'ssg-rhel9-oval.xml'].map((f) => join(CONTENT, f));
  for (const f of files) {
    it(`covers every object type in ${f.split('/').pop()}`, { skip: existsSync(f) ? false : 'SSG content not installed' }, () => {
      const doc = readDocumentFile(f) as OvalDefinitions;
      const table = probeTable();
      const missing = [...new Set([...doc.objects.values()].map((o) => `${o.family}/${o.type}`))].filter((k) => !table.has(k));
      assert.deepEqual(missing, []);
    });
  }
});

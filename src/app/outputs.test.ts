import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkOutputs, OutputError, type OutputRequest } from './outputs.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-outputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'sub'));
writeFileSync(join(dir, 'plain'), '');

describe('checking the outputs before a scan', () => {
  const req = (kind: OutputRequest['kind'], path: string, option: string): OutputRequest => ({ kind, path, option });
  const cases: Array<{ name: string; requests: OutputRequest[]; error?: RegExp }> = [
    { name: 'nothing asked', requests: [] },
    { name: 'new files in existing directories', requests: [req('xccdf-results', join(dir, 'r.xml'), '--results'), req('html', join(dir, 'sub/r.html'), '--report')] },
    { name: 'an existing file is replaced', requests: [req('arf', join(dir, 'plain'), '--results-arf')] },
    { name: 'a missing directory', requests: [req('json', join(dir, 'none/x.json'), '--output')], error: /^Could not save file: .*none\/x\.json: No such file or directory \(the directory .*none does not exist\) \(--output\)$/ },
    { name: 'a directory as the path', requests: [req('html', join(dir, 'sub'), '--report')], error: /: Is a directory \(--report\)$/ },
    { name: 'a file where the directory should be', requests: [req('sarif', join(dir, 'plain/x'), '--output')], error: /: Not a directory/ },
    { name: 'OVAL results into a missing directory', requests: [req('oval-results', join(dir, 'none'), '--oval-results')], error: /No such file or directory.*\(--oval-results\)$/ },
    { name: 'two outputs on one path', requests: [req('xccdf-results', join(dir, 'same.xml'), '--results'), req('arf', join(dir, 'same.xml'), '--results-arf')], error: /asked for by both --results and --results-arf/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.error === undefined) checkOutputs(c.requests);
      else assert.throws(() => checkOutputs(c.requests), (e: unknown) => e instanceof OutputError && c.error!.test(e.message));
      // checking writes nothing
      assert.deepEqual(readdirSync(dir).sort(), ['plain', 'sub']);
    });
  }
});

/** `vigil build` on the command line: what it writes and says, and its errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { run } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-build-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SDK = fileURLToPath(new URL('../sdk/index.js', import.meta.url));
const RULES = `import { benchmark, lineMatches, profile, rule } from ${JSON.stringify(SDK)};
const banner = rule({ id: 'issue_banner', title: 'A login banner', description: 'd', rationale: 'r', check: lineMatches('/etc/issue', 'Authorized') });
export default benchmark({ id: 'mine', namespace: 'com.example', title: 'Mine', version: '1', date: '2024-01-01', children: [banner], profiles: [profile({ id: 'all', title: 'All', select: [banner] })] });
`;

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('vigil build', () => {
  it('writes the data stream and says what it holds', async () => {
    let out = '';
    const target = join(dir, 'cli-ds.xml');
    const code = await run(['build', file('cli.ts', RULES), '-o', target], { out: (s) => (out += s), err: () => undefined });
    assert.equal(code, 0);
    assert.equal(out, `${target}: xccdf_com.example_benchmark_mine, 1 rule, 1 profile (xccdf_com.example_profile_all)\n`);
    assert.match(readFileSync(target, 'utf8'), /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<ds:data-stream-collection /);
  });

  it('fails with a message when the module has no benchmark', async () => {
    let err = '';
    const code = await run(['build', file('cli-none.ts', 'export {};\n'), '-o', join(dir, 'x.xml')], { out: () => undefined, err: (s) => (err += s) });
    assert.equal(code, 1);
    assert.match(err, /^vigil: error: .*exports no benchmark/);
  });
});


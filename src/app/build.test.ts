/**
 * `vigil build`'s use case: loading a rules module (TypeScript or
 * JavaScript), finding its benchmark, compiling and validating it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { openChecklist, openContent } from '../model/checklist.js';
import { ContentError } from '../model/errors.js';
import { baselineDataStreamPath, hasBaseline } from './baseline.js';
import { buildDataStream, loadBenchmark } from './build.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-build-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SDK = fileURLToPath(new URL('../sdk/index.js', import.meta.url));

const RULES = `import { benchmark, lineMatches, profile, rule } from ${JSON.stringify(SDK)};
const banner = rule({
  id: 'issue_banner',
  title: 'A login banner',
  description: '/etc/issue warns users.',
  rationale: 'Legal notice.',
  check: lineMatches('/etc/issue', 'Authorized'),
});
export const rules = benchmark({ id: 'mine', namespace: 'com.example', title: 'Mine', version: '1', date: '2024-01-01', children: [banner], profiles: [profile({ id: 'all', title: 'All', select: [banner] })] });
`;

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('buildDataStream', () => {
  it('compiles the benchmark a TypeScript module exports into a data stream Vigil reads', async () => {
    const out = join(dir, 'out', 'mine-ds.xml');
    const r = await buildDataStream(file('rules.ts', RULES), { output: out });
    assert.deepEqual({ ...r, bytes: r.bytes > 0 }, { output: out, benchmarkId: 'xccdf_com.example_benchmark_mine', rules: 1, profiles: ['xccdf_com.example_profile_all'], bytes: true });
    assert.equal(openChecklist(openContent(out)).benchmark.id, 'xccdf_com.example_benchmark_mine');
  });

  it('loads JavaScript modules too, and the default export first', async () => {
    const b = await loadBenchmark(file('rules.mjs', `${RULES}export default rules;\nexport const other = { kind: 'benchmark', namespace: 'x' };\n`));
    assert.equal(b.id, 'mine');
  });

  it('asks which benchmark when a module exports several, and takes --export', async () => {
    const two = file('two.ts', `${RULES}export const again = benchmark({ id: 'again', namespace: 'com.example', title: 'Again', version: '1', date: '2024-01-01', children: [] });\n`);
    await assert.rejects(loadBenchmark(two), (e: unknown) => e instanceof ContentError && e.code === 'no-content' && /several benchmarks \(again, rules\)/.test(e.message));
    assert.equal((await loadBenchmark(two, 'again')).id, 'again');
    await assert.rejects(loadBenchmark(two, 'missing'), /no benchmark named "missing"/);
  });

  it('reports a module without a benchmark, one that cannot load, and authoring mistakes', async () => {
    await assert.rejects(loadBenchmark(file('none.ts', 'export const x = 1;\n')), (e: unknown) => e instanceof ContentError && e.code === 'no-content');
    await assert.rejects(loadBenchmark(join(dir, 'absent.ts')), (e: unknown) => e instanceof ContentError && e.code === 'io');
    const bad = file('bad.ts', RULES.replace("id: 'issue_banner'", "id: 'Issue-Banner'"));
    await assert.rejects(buildDataStream(bad, { output: join(dir, 'bad.xml') }), (e: unknown) => e instanceof ContentError && /short name/.test(e.message));
    assert.equal(existsSync(join(dir, 'bad.xml')), false, 'nothing is written');
  });
});

describe('the shipped baseline', () => {
  it('is found next to the package, from the sources as from dist/', () => {
    assert.ok(hasBaseline());
    assert.match(baselineDataStreamPath(), /\/content\/vigil-linux-baseline-ds\.xml$/);
  });
});

/**
 * The SDK's building blocks as oscap reads them: every case of
 * src/sdk/checks.case.ts whose target an offline root can hold (files and
 * packages; not a running kernel or service manager) is written to disk,
 * its rule compiled on its own, and evaluated by `OSCAP_PROBE_ROOT=root
 * oscap xccdf eval` and by Vigil on the same root. Both must give the
 * result the case expects, so the OVAL the compiler writes means the same
 * to both tools.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { oscapResults, oscapRoot } from '../baseline/roots.case.js';
import { rule } from '../sdk/author.js';
import { BLOCK_TABLES, offlineCase } from '../sdk/checks.case.js';
import { compile, idsOf } from '../sdk/compile.js';
import { singleRuleBenchmark } from '../sdk/testing.js';
import { findOscap, oracleMissing, oscap } from '../testing/oracle.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-sdk-blocks-'));
after(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
for (const t of BLOCK_TABLES) {
  const cases = t.cases.filter(offlineCase);
  if (cases.length === 0) continue;
  describe(`${t.block}: ${t.title}`, () => {
    const r = rule({ id: 'under_test', title: `${t.block}: ${t.title}`, description: '', rationale: '', check: t.check });
    for (const c of cases) {
      const dir = join(base, String(++n));
      it(`${c.name}, in oscap as in Vigil`, { timeout: 120_000 }, async (tc) => {
        if ((await findOscap()) === undefined) {
          oracleMissing(tc, 'the oscap command (Debian package openscap-scanner)');
          return;
        }
        mkdirSync(dir, { recursive: true });
        const { benchmark, profile } = singleRuleBenchmark(r, c.values ? { values: c.values } : {});
        const ids = idsOf(benchmark);
        const ds = join(dir, 'ds.xml');
        writeFileSync(ds, compile(benchmark).dataStream);
        const root = join(dir, 'root');
        const env = await oscapRoot(root, c.target, dir);
        const args = ['xccdf', 'eval', ...(profile ? ['--profile', ids.profile(profile)] : []), ds];
        const o = await oscap(args, { env, note: (s) => tc.diagnostic(s) });
        const theirs = oscapResults(o.stdout).get(ids.rule(r.id));
        const report = await evaluateXccdf(ds, { root, ...(profile ? { profile: ids.profile(profile) } : {}) });
        const ours = report.testResult.ruleResults.find((x) => x.ruleId === ids.rule(r.id))?.result;
        assert.deepEqual({ oscap: theirs, vigil: ours }, { oscap: c.expect, vigil: c.expect }, o.stderr.slice(0, 400));
      });
    }
  });
}

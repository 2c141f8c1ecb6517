/**
 * The invariant `vigil watch` rests on, checked at the session level: after
 * random changes to a synthetic root, re-evaluating only the rules whose
 * read sets the changed paths touch gives the same results as a fresh
 * evaluation. The daemon-level test (daemon/watch-equivalence.test.ts)
 * does the same with real file events.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RootMutator, prng } from '../testing/mutations.js';
import { CONTENT, prerequisites } from '../testing/oracle.js';
import { SSG_TARGETS, writeSsgRoot } from '../testing/ssg-roots.js';
import { evaluateXccdf } from './xccdf-eval.js';
import { WatchSession } from './watch-session.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-watch-session-'));
after(() => rmSync(base, { recursive: true, force: true }));

function mismatches(a: ReadonlyMap<string, { result: string }>, b: ReadonlyMap<string, { result: string }>): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) if (a.get(k)?.result !== b.get(k)?.result) out.push(`${k}: incremental ${a.get(k)?.result}, fresh ${b.get(k)?.result}`);
  return out;
}

for (const [ds, profile, seed] of [
  ['ssg-ubuntu2204-ds.xml', 'cis_level2_server', 14],
  ['ssg-debian11-ds.xml', 'standard', 1205],
] as const) {
  test(`re-evaluating only the touched rules equals a fresh evaluation after 200 random changes (${ds}, ${profile}, seed ${seed})`, { timeout: 600_000 }, async (t) => {
    if (!(await prerequisites(t, { files: [ds] }))) return;
    const target = SSG_TARGETS.find((x) => x.ds === ds)!;
    const root = mkdtempSync(join(base, 'root-'));
    writeSsgRoot(root, target.platform, seed % 2 === 0);
    const file = join(CONTENT, ds);
    const session = WatchSession.open(file, { root, profile });
    const reference = WatchSession.open(file, { root, profile });
    try {
      await session.evaluate();
      const mutate = new RootMutator(root, prng(seed), Object.keys(target.platform));
      let partialCpu = 0;
      let partialRules = 0;
      let changedResults = 0;
      for (let i = 1; i <= 200; i++) {
        const m = mutate.step();
        const change = { paths: m.paths };
        const affected = session.affected(change);
        const before = session.current();
        // what was collected before and is untouched by the change is kept (the daemon's way)
        const run = await session.evaluate(affected.keys(), undefined, { change });
        partialCpu += run.cpuMs;
        partialRules += run.outcomes.size;
        for (const o of run.outcomes.values()) if (before.get(o.rule)?.result !== o.result) changedResults++;
        if (i % 20 === 0) {
          const fresh = await reference.evaluate();
          assert.deepEqual(mismatches(session.current(), fresh.outcomes), [], `after change ${i} (${m.text})`);
        }
      }
      // the last comparison against a whole `xccdf eval`, not a session
      const report = await evaluateXccdf(file, { root, profile });
      const fresh = new Map(report.testResult.ruleResults.filter((r) => r.result !== 'notselected').map((r) => [r.ruleId, r]));
      assert.deepEqual(mismatches(session.current(), fresh), []);
      const full = await reference.evaluate();
      t.diagnostic(`${changedResults} result changes; mean rules re-evaluated per change ${(partialRules / 200).toFixed(1)} of ${full.outcomes.size}; mean CPU per change ${(partialCpu / 200).toFixed(1)} ms, full evaluation ${full.cpuMs.toFixed(1)} ms`);
      assert.ok(changedResults > 20, `the changes turned results (${changedResults})`);
      const applicable = [...session.current().values()].filter((o) => o.result !== 'notapplicable').length;
      assert.ok(applicable * 2 > session.current().size, `the content still applies at the end (${applicable} rules applicable)`);
    } finally {
      await session.close();
      await reference.close();
    }
  });
}

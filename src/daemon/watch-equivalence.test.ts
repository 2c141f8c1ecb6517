/**
 * The issue's correctness target, on real file events: after any sequence
 * of changes, once quiet, the watch daemon's state equals a fresh
 * `vigil xccdf eval` of the same target. 500 random changes (edits, atomic
 * replaces, chmod, chown, create, delete, symbolic links, directories,
 * package status edits) on synthetic roots with the CIS Level 2 and the
 * standard profiles, applied in bursts, with inotify and the sources'
 * polling doing the noticing (nothing tells the daemon what changed).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WatchSession } from '../app/watch-session.js';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { RootMutator, prng } from '../testing/mutations.js';
import { CONTENT, prerequisites } from '../testing/oracle.js';
import { SSG_TARGETS, writeSsgRoot } from '../testing/ssg-roots.js';
import { createEventSources } from './sources.js';
import { memoryStore } from './store.js';
import type { Logger, StoredEvent } from './types.js';
import { WatchDaemon } from './watch.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-watch-eq-'));
after(() => rmSync(base, { recursive: true, force: true }));

const quiet: Logger = { info() {}, warn() {}, error() {} };

function mismatches(a: Readonly<Record<string, string>>, b: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...b.keys()])) if (a[k] !== b.get(k)) out.push(`${k}: watch ${a[k]}, fresh ${b.get(k)}`);
  return out;
}

const CHANGES = 500;

for (const [ds, profile, seed] of [
  ['ssg-ubuntu2204-ds.xml', 'cis_level2_server', 2026],
  ['ssg-debian11-ds.xml', 'standard', 77],
] as const) {
  test(`after ${CHANGES} random changes, once quiet, vigil watch's state equals a fresh xccdf eval (${ds}, ${profile}, seed ${seed})`, { timeout: 900_000 }, async (t) => {
    if (!(await prerequisites(t, { files: [ds] }))) return;
    const target = SSG_TARGETS.find((x) => x.ds === ds)!;
    const root = mkdtempSync(join(base, 'root-'));
    writeSsgRoot(root, target.platform, seed % 2 === 0);
    const file = join(CONTENT, ds);
    const reference = WatchSession.open(file, { root, profile });
    const events: StoredEvent[] = [];
    const daemon = new WatchDaemon({
      open: () => WatchSession.open(file, { root, profile }),
      scopeOf: (s) => ({ content: file, profile: s.profileId, tailoring: '', target: root }),
      openStore: () => memoryStore(),
      sources: (onChange) => createEventSources({ root, onChange, log: quiet, intervals: { debounceMs: 30, maxDebounceMs: 200, verifyMs: 2000 } }),
      log: quiet,
      emit: (e) => events.push(e),
    });
    try {
      await daemon.start();
      const mutate = new RootMutator(root, prng(seed), Object.keys(target.platform));
      const rnd = prng(seed + 1);
      let done = 0;
      let compared = 0;
      let lagged = 0;
      while (done < CHANGES) {
        const burst = 1 + Math.floor(rnd() * 8);
        for (let i = 0; i < burst && done < CHANGES; i++, done++) mutate.step();
        // sometimes compare at once after a short wait, sometimes go on changing while the daemon evaluates
        if (rnd() < 0.25 || done === CHANGES) {
          let diff: string[] = [];
          for (let attempt = 0; attempt < 6; attempt++) {
            await sleep(attempt === 0 ? 250 : 500);
            await daemon.settled();
            const fresh = await reference.evaluate();
            diff = mismatches(daemon.state().rules, new Map([...fresh.outcomes].map(([k, o]) => [k, o.result])));
            if (diff.length === 0) break;
            lagged++;
          }
          compared++;
          assert.deepEqual(diff, [], `after ${done} changes`);
        }
      }
      // the last word goes to a whole `xccdf eval`
      const report = await evaluateXccdf(file, { root, profile });
      const fresh = new Map(report.testResult.ruleResults.filter((r) => r.result !== 'notselected').map((r) => [r.ruleId, r.result as string]));
      assert.deepEqual(mismatches(daemon.state().rules, fresh), []);
      const drifts = events.filter((e) => e.type === 'drift');
      t.diagnostic(`${CHANGES} changes, ${compared} comparisons (${lagged} needed a second look), ${drifts.length} drift events, status ${JSON.stringify(daemon.sourceStatus())}`);
      assert.ok(drifts.length > 20, 'the changes turned results');
      const applicable = Object.values(daemon.state().rules).filter((r) => r !== 'notapplicable').length;
      assert.ok(applicable * 2 > Object.keys(daemon.state().rules).length, `the content still applies at the end (${applicable} rules applicable)`);
      // every drift event says which path led to it
      assert.ok(drifts.every((e) => e.type === 'drift' && e.paths.length > 0), 'drift events name their paths');
    } finally {
      await daemon.stop();
      await reference.close();
    }
  });
}

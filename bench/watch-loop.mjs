#!/usr/bin/env node
// bench/watch-loop.mjs: what one closed-loop remediation of `vigil watch`
// costs (issue 16, section 6), on a hardened synthetic Ubuntu 22.04 root
// (src/testing/ssg-roots.ts) with the SSG CIS Level 2 profile, the real
// daemon (in process), real inotify sources and the real src/apply pipeline.
//
// Each round breaks one opted-in rule (chmod 0666 /etc/passwd, which
// file_permissions_etc_passwd checks), waits for the remediation event and
// for the daemon to see the rule pass again. Prints the medians of:
//   attempt      the pipeline for that one rule (scan, rehearsal in the
//                overlay, guards, checkpoint, apply, verification)
//   change→fixed the file change to the rule passing again in the daemon
//   full scan    the daemon's first full evaluation
// the ratio attempt / full scan, and how many rules the verification re-checked.
//
// Usage: node bench/watch-loop.mjs [--rounds N]   (root: unshare, overlayfs)
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tsImport } from 'tsx/esm/api';

const CONTENT = process.env.VIGIL_SSG_CONTENT ?? '/usr/share/xml/scap/ssg/content';
const DS = join(CONTENT, 'ssg-ubuntu2204-ds.xml');
const PROFILE = 'xccdf_org.ssgproject.content_profile_cis_level2_server';
const RULE = 'xccdf_org.ssgproject.content_rule_file_permissions_etc_passwd';
const i = process.argv.indexOf('--rounds');
const rounds = i >= 0 ? Number(process.argv[i + 1]) : 5;
if (!(rounds >= 1)) {
  console.error('bench/watch-loop.mjs: --rounds N needs N >= 1');
  process.exit(1);
}

const { SSG_TARGETS, writeSsgRoot } = await tsImport('../src/testing/ssg-roots.ts', import.meta.url);
const { WatchSession } = await tsImport('../src/app/watch-session.ts', import.meta.url);
const { WatchDaemon } = await tsImport('../src/daemon/watch.ts', import.meta.url);
const { createEventSources } = await tsImport('../src/daemon/sources.ts', import.meta.url);
const { memoryStore } = await tsImport('../src/daemon/store.ts', import.meta.url);
const { DEFAULT_REMEDIATION, LoopPolicy } = await tsImport('../src/daemon/loop-policy.ts', import.meta.url);
const { pipelineRemediator } = await tsImport('../src/daemon/loop.ts', import.meta.url);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const work = mkdtempSync(join(tmpdir(), 'vigil-bench-loop-'));
const silent = { info() {}, warn() {}, error() {} };
let daemon;
try {
  const root = join(work, 'root');
  writeSsgRoot(root, SSG_TARGETS.find((x) => x.ds === 'ssg-ubuntu2204-ds.xml').platform, true);
  const state = join(work, 'state');
  const config = { ...DEFAULT_REMEDIATION, rules: ['file_permissions_etc_passwd'], severities: [], rate: { limit: 1000, perMs: 1000, burst: 1000 }, flapping: { count: 1000, withinMs: 1000, holdMs: 1000 } };
  const events = [];
  daemon = new WatchDaemon({
    open: () => WatchSession.open(DS, { root, profile: PROFILE }),
    scopeOf: (s) => ({ content: DS, profile: s.profileId, tailoring: '', target: root }),
    openStore: () => memoryStore(),
    sources: (onChange) => createEventSources({ root, onChange, log: silent }),
    log: silent,
    emit: (e) => events.push({ ...e, at: performance.now() }),
    remediation: { policy: new LoopPolicy(config, () => Date.now()), stateDir: state, run: pipelineRemediator({ content: DS, profile: PROFILE, root, stateDir: state, config }) },
  });
  await daemon.start();
  const full = events.find((e) => e.type === 'ready').durationMs;
  if (daemon.state().rules[RULE] !== 'pass') throw new Error(`${RULE} is ${daemon.state().rules[RULE]} on the hardened root, not pass`);
  const attempt = [];
  const loop = [];
  let rechecked;
  for (let r = 0; r < rounds; r++) {
    const seen = events.length;
    const t0 = performance.now();
    chmodSync(join(root, 'etc/passwd'), 0o666);
    const until = performance.now() + 120_000;
    let fixed;
    let rem;
    for (;;) {
      fixed = events.slice(seen).find((e) => e.type === 'drift' && e.rule === RULE && e.to === 'pass');
      rem = events.slice(seen).find((e) => e.type === 'remediation');
      if (fixed && rem) break;
      if (performance.now() > until) throw new Error(`round ${r}: not fixed in 120 s: ${JSON.stringify(events.slice(seen))}`);
      await sleep(20);
    }
    if (rem?.outcome !== 'applied') throw new Error(`round ${r}: ${JSON.stringify(rem)}`);
    attempt.push(rem.durationMs);
    loop.push(fixed.at - t0);
    rechecked = rem.rechecked;
    await daemon.loopSettled();
  }
  const rules = Object.keys(daemon.state().rules).length;
  console.log(`closed loop, ubuntu2204 cis_level2_server (${rules} rules), ${rounds} rounds, medians:`);
  console.log(`  full scan          ${Math.round(full)} ms`);
  console.log(`  attempt            ${Math.round(median(attempt))} ms  (scan, rehearsal, guards, checkpoint, apply, verification)`);
  console.log(`  change -> fixed    ${Math.round(median(loop))} ms`);
  console.log(`  verification       ${rechecked} of ${rules} rules re-checked`);
  console.log(`  ratio attempt / full scan: ${(median(attempt) / full).toFixed(2)}`);
} finally {
  await daemon?.stop();
  rmSync(work, { recursive: true, force: true });
}

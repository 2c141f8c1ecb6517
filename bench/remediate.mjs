#!/usr/bin/env node
// Rehearsal benchmark for `vigil remediate` (issue 16's target: a CIS Level 2
// rehearsal of a sloppy root costs at most 2x the fix's own run time plus one
// scan). For each target it builds a sloppy synthetic root (src/testing/
// ssg-roots.ts), scans it once (content opened + evaluated: "one scan"), writes
// the bash fixes for the failed rules, and then times a whole rehearsal as
// `vigil remediate` runs it: the mount namespace and overlay set up, the fixes
// run, the overlay re-scanned with the same engine, the change set read from
// the upper layer, the guards, the teardown. The fix's own run time is the
// script's run inside the rehearsal. Prints the median of each part over the
// runs, the ratio rehearsal / (fix + scan), and PASS/MISS against 2.
//
// Usage: node bench/remediate.mjs [--runs N] [--only ubuntu2204,debian11]
// Needs root (unshare, overlayfs) and the SSG content. Nothing outside the
// temporary work directory changes; it is removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const CONTENT = process.env.VIGIL_SSG_CONTENT ?? '/usr/share/xml/scap/ssg/content';
const argv = process.argv.slice(2);
let runs = 3;
let only;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--runs') runs = Number(argv[++i]);
  else if (argv[i] === '--only') only = argv[++i].split(',');
  else {
    console.error(`bench/remediate.mjs: unknown argument ${argv[i]}`);
    process.exit(1);
  }
}
if (!(runs >= 1)) {
  console.error('bench/remediate.mjs: --runs N needs N >= 1');
  process.exit(1);
}

const { buildSsgRoot, SSG_TARGETS } = await tsImport('../src/testing/ssg-roots.ts', import.meta.url);
const { WatchSession } = await tsImport('../src/app/watch-session.ts', import.meta.url);
const { generateFix } = await tsImport('../src/app/generate-fix.ts', import.meta.url);
const { Sandbox } = await tsImport('../src/apply/sandbox.ts', import.meta.url);
const { readChangeSet } = await tsImport('../src/apply/change-set.ts', import.meta.url);
const { runGuards, sshdView } = await tsImport('../src/apply/guards.ts', import.meta.url);

const TARGETS = [
  { name: 'ubuntu2204', ds: 'ssg-ubuntu2204-ds.xml', profile: 'cis_level2_server' },
  { name: 'debian11', ds: 'ssg-debian11-ds.xml', profile: 'standard' },
].filter((t) => !only || only.includes(t.name));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x)} ms`;
const work = mkdtempSync(join(tmpdir(), 'vigil-bench-remediate-'));
const rows = [];
try {
  for (const t of TARGETS) {
    const platform = SSG_TARGETS.find((x) => x.ds === t.ds).platform;
    const ds = join(CONTENT, t.ds);
    const root = join(work, t.name, 'root');
    await buildSsgRoot(root, platform, false, join(work, t.name, 'apt'));
    const parts = { scan: [], setup: [], fix: [], rescan: [], changes: [], guards: [], teardown: [], total: [] };
    let planned = 0;
    let changed = 0;
    for (let run = 0; run < runs; run++) {
      let t0 = performance.now();
      const session = WatchSession.open(ds, { profile: t.profile, root });
      const first = await session.evaluate();
      await session.close();
      parts.scan.push(performance.now() - t0);
      const failing = new Set([...first.outcomes.values()].filter((o) => o.result === 'fail' || o.result === 'error').map((o) => o.rule));
      const fix = generateFix(ds, { fixType: 'bash', profile: t.profile, onlyRules: failing });
      planned = fix.rules.filter((r) => r.fix).length;

      const start = performance.now();
      t0 = start;
      const sb = await Sandbox.open(root);
      const before = await sshdView(sb, { user: 'bob' });
      parts.setup.push(performance.now() - t0);
      const ran = await sb.exec(['bash', '--norc', '--noprofile', '-s'], { input: fix.text, timeoutMs: 30 * 60_000 });
      parts.fix.push(ran.ms);
      t0 = performance.now();
      const again = WatchSession.open(ds, { profile: t.profile, root: sb.view });
      await again.evaluate();
      await again.close();
      parts.rescan.push(performance.now() - t0);
      t0 = performance.now();
      const cs = readChangeSet(sb.upper, root);
      changed = cs.changes.length;
      parts.changes.push(performance.now() - t0);
      t0 = performance.now();
      await runGuards(sb, cs, root, { user: 'bob' }, before, []);
      parts.guards.push(performance.now() - t0);
      t0 = performance.now();
      await sb.close();
      parts.teardown.push(performance.now() - t0);
      parts.total.push(performance.now() - start);
    }
    const m = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, median(v)]));
    const ratio = m.total / (m.fix + m.scan);
    rows.push({ t, m, ratio, planned, changed });
    console.log(`${t.name} ${t.profile}: ${planned} fixes, ${changed} changed paths; scan ${ms(m.scan)}; rehearsal ${ms(m.total)} = setup ${ms(m.setup)} + fixes ${ms(m.fix)} + re-scan ${ms(m.rescan)} + change set ${ms(m.changes)} + guards ${ms(m.guards)} + teardown ${ms(m.teardown)}`);
    console.log(`  rehearsal / (fix run + one scan) = ${ratio.toFixed(2)}  (target <= 2: ${ratio <= 2 ? 'PASS' : 'MISS'})`);
  }
  console.log('\n| target | fixes | paths | one scan | fix run | rehearsal | ratio | goal |\n|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.t.name} ${r.t.profile} | ${r.planned} | ${r.changed} | ${ms(r.m.scan)} | ${ms(r.m.fix)} | ${ms(r.m.total)} | ${r.ratio.toFixed(2)} | ${r.ratio <= 2 ? 'PASS' : 'MISS'} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

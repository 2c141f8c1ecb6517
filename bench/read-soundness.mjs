#!/usr/bin/env node
// Read-set soundness (issue 20): on a synthetic Ubuntu 22.04 root, scanned with
// ssg-ubuntu2204-ds.xml cis_level2_server, changes one file at a time (content,
// mode, owner; create; delete), at random (seeded), half on paths the scan read
// and half elsewhere, rescans in full after each, and checks that every rule
// whose result changed had the changed path in its read set. Prints each change
// that changed a result, then the totals (changes, result changes, misses, and
// precision: rules naming the path without changing). Exit status 1 on a miss.
//
// Usage: node --import tsx bench/read-soundness.mjs [--changes N] [--seed S] [--profile P] [--hardened] [--keep]
//   --hardened  start from ssg-roots.ts's hardened root instead of the default one
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSoundnessRoot, runSoundness } from '../src/conformance/read-soundness.ts';

const CONTENT = process.env.VIGIL_SSG_CONTENT ?? '/usr/share/xml/scap/ssg/content';
let changes = 300;
let seed = 20;
let profile = 'cis_level2_server';
let keep = false;
let hardened = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--changes') changes = Number(argv[++i]);
  else if (a === '--seed') seed = Number(argv[++i]);
  else if (a === '--profile') profile = argv[++i];
  else if (a === '--keep') keep = true;
  else if (a === '--hardened') hardened = true;
  else {
    console.error(`unknown argument ${a}`);
    process.exit(2);
  }
}
const base = mkdtempSync(join(tmpdir(), 'vigil-read-soundness-'));
const root = join(base, 'root');
buildSoundnessRoot(root, seed, hardened);
const t0 = Date.now();
const byKind = {};
const report = await runSoundness({
  content: join(CONTENT, 'ssg-ubuntu2204-ds.xml'),
  profile,
  root,
  changes,
  seed,
  onOutcome: (o, i) => {
    const k = (byKind[`${o.change.kind}${o.change.touched ? ' (read)' : ' (not read)'}`] ??= { changes: 0, changed: 0, misses: 0 });
    k.changes++;
    k.changed += o.changed.length;
    k.misses += o.missed.length;
    if (o.changed.length > 0 || o.missed.length > 0)
      console.log(`${String(i + 1).padStart(4)} ${o.change.kind} ${o.change.path} (${o.change.detail}): ${o.changed.length} rule(s) changed, ${o.missed.length} missed${o.missed.length ? `: ${o.missed.join(', ')}` : ''}; ${o.named} name the path`);
  },
});
const secs = ((Date.now() - t0) / 1000).toFixed(0);
console.log(`\n${hardened ? 'hardened' : 'default'} root; rules evaluated: ${report.rules}; changes: ${report.outcomes.length} (seed ${seed}, ${secs} s)`);
for (const [k, v] of Object.entries(byKind).sort()) console.log(`  ${k.padEnd(22)} ${String(v.changes).padStart(4)} changes, ${v.changed} rule results changed, ${v.misses} missed`);
const changing = report.outcomes.filter((o) => o.changed.length > 0).length;
console.log(`changes that changed a result: ${changing}; rule results changed: ${report.resultChanges}; misses: ${report.misses}`);
console.log(`precision: rules naming the changed path ${report.named} (${(report.named / report.outcomes.length).toFixed(1)} per change), of which unchanged ${report.namedUnchanged}`);
console.log(`baseline stable after every change was undone: ${report.stable ? 'yes' : 'NO'}`);
if (!keep) rmSync(base, { recursive: true, force: true });
else console.log(`root kept in ${root}`);
process.exit(report.misses > 0 || !report.stable ? 1 : 0);

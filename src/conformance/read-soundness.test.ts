/**
 * Read-set soundness on the real content, short (bench/read-soundness.mjs
 * runs 300+ changes): on a synthetic Ubuntu 22.04 root with the CIS Level 2
 * profile, 24 seeded one-file changes, a full rescan after each; every rule
 * whose result changed must have named the changed path in its read set.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CONTENT, prerequisites } from '../testing/oracle.js';
import { buildSoundnessRoot, runSoundness } from './read-soundness.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-read-soundness-'));
after(() => rmSync(base, { recursive: true, force: true }));

test('every rule whose result a one-file change changed had that path in its read set', { timeout: 600_000 }, async (t) => {
  if (!(await prerequisites(t, { files: ['ssg-ubuntu2204-ds.xml'] }))) return;
  const root = join(base, 'root');
  buildSoundnessRoot(root, 7);
  const r = await runSoundness({ content: join(CONTENT, 'ssg-ubuntu2204-ds.xml'), profile: 'cis_level2_server', root, changes: 24, seed: 7 });
  const misses = r.outcomes.filter((o) => o.missed.length > 0).map((o) => `${o.change.kind} ${o.change.path}: ${o.missed.join(', ')}`);
  assert.deepEqual(misses, []);
  assert.ok(r.stable, 'the baseline comes back once every change is undone');
  // the run is worth something only if some changes changed results
  assert.ok(r.resultChanges > 0, 'no change changed any result');
  t.diagnostic(`${r.outcomes.length} changes, ${r.resultChanges} rule results changed, ${r.misses} misses, ${r.namedUnchanged} namings without a change`);
});

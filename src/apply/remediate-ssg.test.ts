/**
 * `vigil remediate` on sloppy Debian 11 and Ubuntu 22.04 roots with SSG's
 * standard profile: the rules the rehearsal fixed are the rules the real
 * apply fixed, nothing regressed, the root changed exactly by the change
 * set, and the rollback restores it byte for byte.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CONTENT, prerequisites } from '../testing/oracle.js';
import { buildSsgRoot, SSG_TARGETS } from '../testing/ssg-roots.js';
import { manifest, manifestDiff, type PathState } from './fs-state.js';
import { remediate, rollbackCheckpoint } from './remediate.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-remediate-ssg-'));
after(() => rmSync(base, { recursive: true, force: true }));

for (const target of SSG_TARGETS) {
  describe(`vigil remediate on a sloppy ${target.ds.replace(/^ssg-|-ds\.xml$/g, '')} root with the standard profile`, () => {
    it('rehearsal == real apply (rules fixed, change set), no regressions, and a byte-for-byte rollback', { timeout: 300_000 }, async (t) => {
      if (!(await prerequisites(t, { files: [target.ds] }))) return;
      const dir = join(base, target.ds);
      const root = join(dir, 'root');
      await buildSsgRoot(root, target.platform, false, join(dir, 'work'));
      const before = manifest(root);
      const r = await remediate({ content: join(CONTENT, target.ds), profile: 'standard', root, fixType: 'bash', stateDir: join(dir, 'state'), operator: { user: 'bob' }, yes: true });
      t.diagnostic(`${r.plan.length} fixes planned, ${r.rehearsal?.fixed.length} fixed in rehearsal (${Math.round(r.rehearsal?.fixMs ?? 0)} ms + re-scan ${Math.round(r.rehearsal?.scanMs ?? 0)} ms), ${r.verify?.fixed.length} for real; ${r.rehearsal?.changes.length} paths; re-checked ${r.verify?.rechecked} of ${r.verify?.total}`);
      assert.equal(r.outcome, 'applied', r.reason);
      assert.ok(r.rehearsal!.fixed.length >= 5, `${r.rehearsal!.fixed.length} rules fixed`);
      assert.deepEqual(r.verify!.fixed, r.rehearsal!.fixed);
      assert.deepEqual(r.rehearsal!.regressed, []);
      assert.deepEqual(r.verify!.regressed, []);
      const now = manifest(root);
      const state = (p: string): PathState => now.get(p.slice(1)) ?? { type: 'absent' };
      for (const c of r.rehearsal!.changes) {
        assert.equal(state(c.path).type, c.after.type, c.path);
        assert.equal((state(c.path) as { sha256?: string }).sha256, (c.after as { sha256?: string }).sha256, c.path);
        if (c.after.type !== 'absent') assert.equal((state(c.path) as { mode: number }).mode, c.after.mode, c.path);
      }
      const paths = new Set(r.rehearsal!.changes.map((c) => c.path.slice(1)));
      const outside = manifestDiff(before, now, { ignoreDirMtime: true }).map((l) => l.split(':')[0]!).filter((p) => !paths.has(p));
      assert.deepEqual(outside, [], 'nothing outside the change set changed');
      rollbackCheckpoint(join(dir, 'state'), r.checkpoint!);
      assert.deepEqual(manifestDiff(before, manifest(root)), []);
    });
  });
}

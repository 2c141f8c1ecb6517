/**
 * Applying a rehearsed change set to the real root: after the checkpoint,
 * the phase becomes `applying` (durably) and then each change is copied
 * from the rehearsal's upper layer onto the root, one path at a time and
 * atomically (a temporary entry named after the journal, renamed into
 * place): removals first (deepest first), then directories (shallowest
 * first), then files and links, then the new directories' metadata. What
 * lands is exactly what was rehearsed and re-scanned, not a second run of
 * the fixes, whose result could differ (docs/REMEDIATE.md, "Why the
 * change set is copied").
 */
import { join } from 'node:path';
import type { ChangeSet } from './change-set.js';
import { readFileSync } from 'node:fs';
import { removeTree, restoreState, setMetadata, sha256 } from './fs-state.js';
import { Journal, type StepHook } from './journal.js';

const depth = (p: string): number => (p === '/' ? 0 : p.split('/').length - 1);

/** Every path a change set writes or removes (what the checkpoint must hold). */
export function changedPaths(cs: ChangeSet): string[] {
  return [...new Set(cs.changes.map((c) => c.path))];
}

/** Copies the change set onto `journal.record.root`; the journal's phase is `applied` when it returns. */
export function applyChangeSet(journal: Journal, cs: ChangeSet, step: StepHook = () => {}): void {
  const root = journal.record.root;
  const journaled = new Set(journal.record.entries.filter((e) => !e.parentOnly).map((e) => e.path));
  for (const c of cs.changes) if (!journaled.has(c.path)) throw new Error(`internal: ${c.path} is not in checkpoint ${journal.id}`);
  journal.setPhase('applying');
  const changes = [...cs.changes].sort((a, b) => depth(a.path) - depth(b.path) || (a.path < b.path ? -1 : 1));
  for (const c of [...changes].reverse()) {
    if (c.after.type !== 'absent') continue;
    step(`remove ${c.path}`);
    removeTree(join(root, c.path));
  }
  for (const c of changes) {
    if (c.after.type === 'absent') continue;
    step(`write ${c.path}`);
    const after = c.after;
    restoreState(
      join(root, c.path),
      after,
      (sha) => {
        const data = readFileSync(join(cs.upper, c.path));
        if (sha256(data) !== sha) throw new Error(`${c.path} changed in the rehearsal's upper layer since it was read; nothing more is applied`);
        return data;
      },
      journal.tempPrefix,
      step,
    );
  }
  for (const c of [...changes].reverse()) {
    if (c.after.type !== 'dir') continue;
    step(`metadata ${c.path}`);
    setMetadata(join(root, c.path), c.after);
  }
  step('applied');
  journal.setPhase('applied');
}

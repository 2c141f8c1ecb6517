/**
 * The journal's promise: after a crash at any point of an apply (or of the
 * rollback that recovers it), `recover` leaves the tree byte for byte as
 * the checkpoint found it — content, modes, owners, xattrs, link targets,
 * directory and file mtimes, and no leftover temporary entries — compared
 * as a full manifest. Crashes are injected in-process at seeded random
 * steps (hundreds of runs), and a few are real SIGKILLs of a child process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { prng } from '../testing/prng.js';
import { applyChangeSet, changedPaths } from './apply.js';
import { changeSetBetween, copyTree, mutateTree, randomTree } from './fault-fixture.js';
import { manifest, manifestDiff, setFsync } from './fs-state.js';
import { CheckpointError, Journal, journalPaths, recover } from './journal.js';

/** /dev/shm when it keeps user xattrs (a tmpfs: no disk waits on a shared machine), else the temp dir. */
function scratchParent(): string {
  try {
    const d = mkdtempSync('/dev/shm/vigil-journal-probe-');
    try {
      writeFileSync(join(d, 'x'), '');
      (createRequire(import.meta.url)('@napi-rs/xattr') as { setAttributeSync(p: string, n: string, v: string): void }).setAttributeSync(join(d, 'x'), 'user.probe', '1');
      return '/dev/shm';
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  } catch {
    return tmpdir();
  }
}

const base = mkdtempSync(join(scratchParent(), 'vigil-journal-'));
after(() => rmSync(base, { recursive: true, force: true }));
// a crash here is a process's, not the machine's: what the page cache holds survives it, and fsync would only cost minutes on a shared disk
setFsync(false);

class Crash extends Error {}

/** A hook that throws at its `at`-th call (1-based); counts calls. */
function crashAt(at: number): { step: (label: string) => void; calls: () => number } {
  let n = 0;
  return {
    step: () => {
      if (++n === at) throw new Crash(`crash at step ${at}`);
    },
    calls: () => n,
  };
}

function scenario(seed: number): { dir: string; root: string; next: string; state: string } {
  const r = prng(seed);
  const dir = join(base, `run-${seed}`);
  mkdirSync(dir);
  const root = join(dir, 'root');
  randomTree(r, root);
  const next = join(dir, 'next');
  copyTree(root, next);
  mutateTree(r, next);
  return { dir, root, next, state: join(dir, 'state') };
}

describe('the write-ahead journal', () => {
  it('journals each changed path and every parent directory up to /', () => {
    const p = journalPaths(['/etc/ssh/sshd_config', '/etc/issue']);
    assert.deepEqual(
      p.map((x) => `${x.path}${x.parentOnly ? ' (parent)' : ''}`),
      ['/etc/ssh/sshd_config', '/etc/issue', '/etc/ssh (parent)', '/etc (parent)', '/ (parent)'],
    );
  });

  it('a complete apply makes the tree the rehearsed one; a rollback puts back the original byte for byte', () => {
    let changed = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { dir, root, next, state } = scenario(seed);
      const before = manifest(root);
      const cs = changeSetBetween(root, next);
      changed += cs.changes.length;
      const j = Journal.checkpoint(state, root, changedPaths(cs), `seed ${seed}`);
      applyChangeSet(j, cs);
      assert.equal(j.phase(), 'applied');
      assert.deepEqual(manifestDiff(manifest(next), manifest(root), { ignoreDirMtime: true }), [], `seed ${seed}: the apply gives the changed tree`);
      j.rollback();
      assert.equal(j.phase(), 'rolled-back');
      assert.deepEqual(manifestDiff(before, manifest(root)), [], `seed ${seed}: the rollback gives the original tree`);
      rmSync(dir, { recursive: true });
    }
    assert.ok(changed > 40, `${changed} changed paths in 20 runs`);
  });

  it('a crash at a random step of the apply, then recover: the tree is the checkpoint, byte for byte (220 seeded runs, some crashing again during recovery)', () => {
    let crashedApply = 0;
    let crashedRecovery = 0;
    for (let seed = 100; seed < 320; seed++) {
      const r = prng(seed * 7919);
      const { dir, root, next, state } = scenario(seed);
      const before = manifest(root);
      const cs = changeSetBetween(root, next);
      const j = Journal.checkpoint(state, root, changedPaths(cs), `seed ${seed}`);
      const steps = 2 * cs.changes.length + 2;
      const hook = crashAt(1 + Math.floor(r() * steps));
      try {
        applyChangeSet(j, cs, hook.step);
      } catch (e) {
        if (!(e instanceof Crash)) throw e;
        crashedApply++;
      }
      if (j.phase() === 'applied') {
        // the crash came after the apply finished: recovery leaves a finished apply alone
        assert.deepEqual(recover(state), []);
        j.rollback();
      } else {
        assert.equal(j.phase(), 'applying');
        if (r() < 0.4) {
          const again = crashAt(1 + Math.floor(r() * (2 * j.record.entries.length + 2)));
          try {
            recover(state, again.step);
          } catch (e) {
            if (!(e instanceof Crash)) throw e;
            crashedRecovery++;
            assert.equal(j.phase(), 'rolling-back');
          }
        }
        const done = recover(state);
        assert.ok(done.length <= 1);
        assert.equal(j.phase(), 'rolled-back');
      }
      assert.deepEqual(manifestDiff(before, manifest(root)), [], `seed ${seed}: recovered tree differs`);
      rmSync(dir, { recursive: true });
    }
    assert.ok(crashedApply > 150, `${crashedApply} applies crashed`);
    assert.ok(crashedRecovery > 20, `${crashedRecovery} recoveries crashed too`);
  });

  it('a checkpoint that cannot be written leaves no journal and changes nothing', () => {
    const { root, next, state } = scenario(999);
    const before = manifest(root);
    const cs = changeSetBetween(root, next);
    mkdirSync(state);
    writeFileSync(join(state, 'journal'), 'not a directory');
    assert.throws(() => Journal.checkpoint(state, root, changedPaths(cs), 'x'), (e: unknown) => e instanceof CheckpointError && /nothing was applied/.test(e.message));
    assert.deepEqual(manifestDiff(before, manifest(root)), []);
  });

  it('a damaged blob stops the rollback before it writes that path', () => {
    let tried = 0;
    for (let seed = 500; seed < 540 && tried === 0; seed++) {
      const { root, next, state } = scenario(seed);
      const cs = changeSetBetween(root, next);
      const j = Journal.checkpoint(state, root, changedPaths(cs), 'x');
      const blobs = readdirSync(join(j.dir, 'blobs'));
      if (!cs.changes.some((c) => c.before.type === 'file') || blobs.length === 0) continue;
      applyChangeSet(j, cs);
      for (const b of blobs) writeFileSync(join(j.dir, 'blobs', b), 'damaged');
      assert.throws(() => j.rollback(), /is damaged/);
      tried++;
    }
    assert.equal(tried, 1);
  });

  it('SIGKILL of a real apply process at random moments, then recover: the tree is the checkpoint, byte for byte', { timeout: 120_000 }, async () => {
    const child = fileURLToPath(new URL('./fault-child.ts', import.meta.url));
    const r = prng(4242);
    let killedMidApply = 0;
    for (let run = 0; run < 6; run++) {
      const { root, next, state } = scenario(2000 + run);
      const before = manifest(root);
      const proc = spawn(process.execPath, ['--import', 'tsx', child, root, next, state], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<void>((res) => proc.once('exit', () => res()));
      await new Promise<void>((res) =>
        proc.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('applying')) res();
        }),
      ).catch(() => undefined);
      await new Promise((res) => setTimeout(res, Math.floor(r() * 40)));
      proc.kill('SIGKILL');
      await exited;
      assert.ok(out.includes('applying'), `the child started: ${err}`);
      const j = Journal.list(state)[0]!;
      if (j.phase() === 'applying') killedMidApply++;
      recover(state);
      if (j.phase() === 'applied') j.rollback();
      assert.deepEqual(manifestDiff(before, manifest(root)), [], `run ${run}: recovered tree differs`);
      assert.equal(existsSync(root), true);
    }
    assert.ok(killedMidApply >= 3, `${killedMidApply} of 6 kills landed mid-apply`);
  });
});

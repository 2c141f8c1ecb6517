/**
 * The walk with listings read ahead on a worker (target/dir-prefetch.ts,
 * VIGIL_WALK_PREFETCH=1): over an offline root with a link inside it, a
 * link out of it and a decoy outside, a traversal sees exactly what it sees
 * without, and nothing outside the root; through a read-recording view it
 * records the same read set.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decoyRoot } from '../../testing/walk-fixture.js';
import { offlineRootTarget } from '../../target/fs-target.js';
import { ReadRecorder, recordingTarget } from '../../target/reads.js';
import { Traversal, type Walker } from './walk.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-walk-prefetch-'));
const saved = process.env.VIGIL_WALK_PREFETCH;
before(() => (process.env.VIGIL_WALK_PREFETCH = '1'));
after(() => {
  if (saved === undefined) delete process.env.VIGIL_WALK_PREFETCH;
  else process.env.VIGIL_WALK_PREFETCH = saved;
  rmSync(base, { recursive: true, force: true });
});

const root = decoyRoot(base);

describe('a walk with listings read ahead', () => {
  it('a walk of an offline root sees the same entries with and without it, none outside the root', async () => {
    const walk = async (): Promise<string[]> => {
      const seen: string[] = [];
      const walker: Walker = {
        examines: true,
        visit: (node) => {
          seen.push(`dir ${node.path} ${node.info.ino}`);
          return true;
        },
        entry: (_node, _level, e) => {
          const k = e.known;
          seen.push(`${e.path} ${e.type} ${k ? `${k.mode} ${k.ino} ${k.size}` : '-'}`);
          return e.type === 'directory' || e.type === 'symlink';
        },
        fail: (error) => seen.push(`fail ${String(error)}`),
      };
      const t = new Traversal(offlineRootTarget(root));
      t.add('/', walker);
      await t.run();
      return seen;
    };
    const withAhead = await walk();
    process.env.VIGIL_WALK_PREFETCH = '0';
    let without: string[];
    try {
      without = await walk();
    } finally {
      process.env.VIGIL_WALK_PREFETCH = '1';
    }
    // the order of the callbacks may differ (a listing read ahead arrives later), what they see may not
    assert.deepEqual([...withAhead].sort(), [...without].sort());
    assert.ok(withAhead.some((s) => s.startsWith('/wide/w39/f4 regular')));
    assert.ok(withAhead.some((s) => s.startsWith('dir /d/link ')), 'a link to a directory inside the root is followed');
    assert.ok(!withAhead.some((s) => s.includes('secret') || s.includes('inner')), 'nothing of the decoy outside the root');
  });

  it('a walk through a read-recording view records the same read set with and without it', async () => {
    const record = async (): Promise<unknown> => {
      const log = new ReadRecorder();
      const walker: Walker = { examines: true, visit: () => true, entry: (_n, _l, e) => e.type === 'directory', fail: () => undefined };
      const t = new Traversal(recordingTarget(offlineRootTarget(root), log));
      t.add('/d', walker);
      await t.run();
      return log.toData();
    };
    const withAhead = (await record()) as { walks: Array<{ start: string }> };
    process.env.VIGIL_WALK_PREFETCH = '0';
    let without: unknown;
    try {
      without = await record();
    } finally {
      process.env.VIGIL_WALK_PREFETCH = '1';
    }
    assert.deepEqual(withAhead, without);
    assert.deepEqual(
      withAhead.walks.map((w) => w.start),
      ['/d', '/d/sub', '/d/sub/deeper'],
    );
  });

});

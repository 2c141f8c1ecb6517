/** `vigil remediate` and `vigil xccdf eval --remediate` through the command line (in process), on a synthetic root. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { manifest, manifestDiff } from '../apply/fs-state.js';
import { remediateDataStream, TEST_PROFILE } from '../testing/remediate-content.js';
import { run } from './main.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-remediate-cli-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

function setup(): { root: string; ds: string; state: string } {
  const dir = join(base, `c${++n}`);
  const root = join(dir, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/legacy'), 'old\n');
  writeFileSync(join(root, 'etc/keep'), 'keep\n');
  const ds = join(dir, 'ds.xml');
  writeFileSync(
    ds,
    remediateDataStream([
      { name: 'issue', file: '/etc/issue', pattern: 'Authorized', fix: 'echo "Authorized uses only" > /etc/issue' },
      { name: 'legacy', file: '/etc/legacy', absent: true, fix: 'rm -f /etc/legacy' },
      { name: 'keep', file: '/etc/keep', pattern: '^keep$', fix: 'true' },
    ]),
  );
  return { root, ds, state: join(dir, 'state') };
}

async function vigil(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, { out: (s) => (out += s), err: (s) => (err += s), env: { ...process.env, OSCAP_PROBE_ROOT: undefined } });
  return { code, out, err };
}

describe('vigil remediate (command line)', () => {
  it('needs --root or --host', async () => {
    const r = await vigil(['remediate', '--content', 'x.xml']);
    assert.equal(r.code, 1);
    assert.match(r.err, /give --root DIR \(an offline root\) or --host/);
  });

  it('--rehearse-only --format json prints the plan and the rehearsal, and changes nothing', async () => {
    const s = setup();
    const before = manifest(s.root);
    const r = await vigil(['remediate', '--root', s.root, '--content', s.ds, '--profile', TEST_PROFILE, '--rehearse-only', '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { outcome: string; plan: unknown[]; rehearsal: { fixed: string[]; changes: Array<{ kind: string; path: string }> } };
    assert.equal(j.outcome, 'rehearsed');
    assert.equal(j.plan.length, 2);
    assert.equal(j.rehearsal.fixed.length, 2);
    assert.deepEqual(j.rehearsal.changes.map((c) => `${c.kind} ${c.path}`), ['added /etc/issue', 'removed /etc/legacy']);
    assert.deepEqual(manifestDiff(before, manifest(s.root)), []);
  });

  it('applies with a checkpoint, lists it, rolls it back by id', async () => {
    const s = setup();
    const before = manifest(s.root);
    const r = await vigil(['remediate', '--root', s.root, '--content', s.ds, '--profile', TEST_PROFILE, '--state-dir', s.state]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /Verify: re-checked \d+ of 3 rules/);
    assert.match(r.out, /Outcome: applied/);
    const id = /Checkpoint: (\S+)/.exec(r.out)![1]!;
    assert.equal(readFileSync(join(s.root, 'etc/issue'), 'utf8'), 'Authorized uses only\n');
    const list = await vigil(['remediate', '--list', '--state-dir', s.state, '--format', 'json']);
    assert.deepEqual((JSON.parse(list.out) as Array<{ id: string; phase: string }>).map((j) => [j.id, j.phase]), [[id, 'verified']]);
    const back = await vigil(['remediate', '--rollback', id, '--state-dir', s.state]);
    assert.equal(back.code, 0, back.err);
    assert.match(back.out, /rolled back .*: 2 paths restored/);
    assert.deepEqual(manifestDiff(before, manifest(s.root)), []);
    const again = await vigil(['remediate', '--rollback', 'nope', '--state-dir', s.state]);
    assert.equal(again.code, 1);
    assert.match(again.err, /no checkpoint nope/);
    const rec = await vigil(['remediate', '--recover', '--state-dir', s.state]);
    assert.equal(rec.out, 'nothing to recover\n');
  });

  it('xccdf eval --remediate: evaluates, then remediates with checkpoint and verification, reporting fixed rules', async () => {
    const s = setup();
    const r = await vigil(['xccdf', 'eval', '--profile', TEST_PROFILE, '--root', s.root, '--remediate', '--state-dir', s.state, s.ds]);
    assert.match(r.out, /--- Starting Remediation ---/);
    assert.match(r.out, /Rule\r\txccdf_org\.vigil_rule_issue\nResult\r\tfixed/);
    assert.match(r.out, /Checkpoint\r\t\S+/);
    assert.match(r.out, /Remediation\r\tapplied/);
    assert.equal(r.code, 0, r.out + r.err);
  });
});

/**
 * The baseline's remediations work: oscap generates the bash script (and,
 * with VIGIL_BASELINE_ANSIBLE=1, the Ansible playbook) for the strict
 * profile, it is applied to the fresh synthetic root, and afterwards every
 * rule passes in Vigil and in oscap. The playbook runs through Ansible's
 * community.general.chroot connection (Debian's ansible package has it;
 * ansible-core alone does not, and the test is skipped).
 *
 * The fix runs chrooted into the root inside a private mount namespace
 * (`unshare -m`), with the host's programs under the root's own /usr (an
 * overlay whose upper layer is the root's /usr, so what a fix writes there
 * stays in the root) and the host's /etc/alternatives bound read-only; the
 * root is bound onto itself so that it is a file system of its own to
 * `df --local`; /proc is mounted
 * read-only with an empty read-only /proc/sys over it, so no fix can reach
 * the running kernel, and /dev holds only null, zero and the random
 * devices. Nothing outside the root changes. It needs root; elsewhere the
 * tests are skipped.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { BASELINE_STRICT_PROFILE, baselineDataStreamPath } from '../app/baseline.js';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { freshRoot, oscapResults, oscapRoot } from '../baseline/roots.case.js';
import type { MockTargetSpec } from '../target/memory-target.js';
import { findOscap, oracleMissing, oscap, run } from '../testing/oracle.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-baseline-fixes-'));
after(() => rmSync(base, { recursive: true, force: true }));

const DS = baselineDataStreamPath();

/** The fresh root, with what running programs in it needs: an sshd that validates any configuration, apt's directories. */
const root: MockTargetSpec = {
  ...freshRoot,
  files: {
    ...freshRoot.files,
    '/usr/sbin/sshd': { content: '#!/bin/sh\nexit 0\n', mode: 0o755 },
    '/var/log/apt': { dir: true },
    '/etc/apt/apt.conf.d': { dir: true },
    '/etc/apt/preferences.d': { dir: true },
    '/etc/apt/sources.list.d': { dir: true },
    '/etc/apt/sources.list': '',
  },
};

/** Sets up the namespace, then runs the rest of its arguments. `$1` is the root, `$2` a work directory. */
const NAMESPACE = `set -e
R=$1; W=$2; shift 2
mkdir -p "$W/wk"
mount -t overlay overlay -o "lowerdir=/usr,upperdir=$R/usr,workdir=$W/wk" "$R/usr"
mount --rbind "$R" "$R"
for d in bin sbin lib lib64; do [ -e "$R/$d" ] || ln -s "usr/$d" "$R/$d"; done
mkdir -p "$R/proc" "$R/dev" "$R/etc/alternatives"
mount -t proc -o ro proc "$R/proc"
mount -t tmpfs -o ro tmpfs "$R/proc/sys"
test ! -e "$R/proc/sys/kernel"
mount -t tmpfs tmpfs "$R/dev"
for n in null zero urandom random; do touch "$R/dev/$n"; mount --bind "/dev/$n" "$R/dev/$n"; done
mount --bind /etc/alternatives "$R/etc/alternatives"
mount -o remount,ro,bind "$R/etc/alternatives"
exec "$@"
`;

async function canIsolate(t: TestContext): Promise<boolean> {
  if (process.getuid?.() !== 0) {
    t.skip('applying fixes to a root needs root (mount namespaces, chroot, chown)');
    return false;
  }
  const probe = join(base, 'probe');
  mkdirSync(probe, { recursive: true });
  const r = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs tmpfs ${probe}`], { timeoutMs: 30_000 }).catch(() => undefined);
  if (r?.code !== 0) {
    t.skip(`this machine cannot make a private mount namespace (unshare -m): ${r?.stderr.trim() ?? 'unshare not found'}`);
    return false;
  }
  return true;
}

/** Writes the root, applies `command` (run in the namespace) and returns the rule results of both tools under `profile`. */
async function fixAndScan(t: TestContext, name: string, fixType: 'bash' | 'ansible', profile: string): Promise<{ ours: Map<string, string>; theirs: Map<string, string>; log: string }> {
  const dir = join(base, name);
  const r = join(dir, 'root');
  const env = await oscapRoot(r, root, dir);
  const g = await oscap(['xccdf', 'generate', 'fix', '--fix-type', fixType, '--profile', BASELINE_STRICT_PROFILE, DS]);
  assert.equal(g.code, 0, g.stderr);
  let command: string[];
  if (fixType === 'bash') {
    writeFileSync(join(r, 'vigil-fix.sh'), g.stdout);
    command = ['chroot', r, '/bin/bash', '/vigil-fix.sh'];
  } else {
    const playbook = join(dir, 'playbook.yml');
    writeFileSync(playbook, g.stdout);
    command = ['env', 'ANSIBLE_NOCOLOR=1', 'ansible-playbook', '-i', `${r},`, '-c', 'community.general.chroot', playbook];
  }
  const applied = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', NAMESPACE, 'sh', r, dir, ...command], { timeoutMs: 600_000 });
  const log = applied.stdout + applied.stderr;
  if (fixType === 'ansible') assert.equal(applied.code, 0, log.slice(-3000));
  t.diagnostic(`${fixType} remediation exited ${applied.code}`);
  const o = await oscap(['xccdf', 'eval', '--profile', profile, DS], { env });
  const report = await evaluateXccdf(DS, { profile, root: r });
  return { ours: new Map(report.testResult.ruleResults.map((x) => [x.ruleId, x.result as string])), theirs: oscapResults(o.stdout), log };
}

function notPassing(results: ReadonlyMap<string, string>): string[] {
  return [...results].filter(([, v]) => v !== 'pass').map(([k, v]) => `${k}: ${v}`);
}

test('the bash remediation of the strict profile makes every rule pass, in Vigil and in oscap', { timeout: 300_000 }, async (t) => {
  if ((await findOscap()) === undefined) {
    oracleMissing(t, 'the oscap command (Debian package openscap-scanner)');
    return;
  }
  if (!(await canIsolate(t))) return;
  const { ours, theirs, log } = await fixAndScan(t, 'bash', 'bash', BASELINE_STRICT_PROFILE);
  assert.deepEqual(notPassing(ours), [], `Vigil after the fix; the script said:\n${log.slice(-3000)}`);
  assert.deepEqual(notPassing(theirs), [], 'oscap after the fix');
  assert.equal(ours.size, 60);
});

test(
  'the Ansible remediation of the strict profile makes every rule pass, in Vigil and in oscap',
  { timeout: 900_000, skip: process.env['VIGIL_BASELINE_ANSIBLE'] !== '1' && 'about 90 s: set VIGIL_BASELINE_ANSIBLE=1 to run the playbook' },
  async (t) => {
    if ((await findOscap()) === undefined) {
      oracleMissing(t, 'the oscap command (Debian package openscap-scanner)');
      return;
    }
    if (!(await canIsolate(t))) return;
    const plugin = await run('ansible-doc', ['-t', 'connection', 'community.general.chroot'], { timeoutMs: 60_000 }).catch(() => undefined);
    if (plugin?.code !== 0) {
      t.skip('ansible-playbook with the community.general.chroot connection (Debian package ansible) is not installed');
      return;
    }
    const { ours, theirs } = await fixAndScan(t, 'ansible', 'ansible', BASELINE_STRICT_PROFILE);
    assert.deepEqual(notPassing(ours), [], 'Vigil after the playbook');
    assert.deepEqual(notPassing(theirs), [], 'oscap after the playbook');
  },
);

/**
 * `vigil remediate --host H` through the command line (in process) against
 * a real sshd test host (testing/test-hosts.ts; its /etc is an overlay in
 * its own mount namespace): apply over SSH with a checkpoint, `--list`,
 * `--rollback ID` reconnecting to the recorded host; `-i INVENTORY --host
 * NAME`; an unknown host key, a host without python3 and `xccdf eval
 * --remediate --host` refused before anything runs. Needs root, sshd and
 * ansible-playbook.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestHosts, type TestFleet, type TestHost } from '../testing/test-hosts.js';
import { remediateDataStream, TEST_PROFILE, TEST_RULE } from '../testing/remediate-content.js';
import { run } from './main.js';

const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/sshd') && (() => {
  try {
    execFileSync('ansible-playbook', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = canRun ? false : 'needs root, sshd and ansible-playbook (test hosts in namespaces)';

let fleet: TestFleet | undefined;
let host: TestHost;
let nopy: TestHost;
let dir = '';
let ds = '';

const ready = (async (): Promise<void> => {
  if (!canRun) throw new Error('unreachable: skipped');
  dir = mkdtempSync(join(tmpdir(), 'vigil-sshfix-cli-'));
  ds = join(dir, 'ds.xml');
  writeFileSync(
    ds,
    remediateDataStream([
      { name: 'issue', file: '/etc/vsc/issue', pattern: 'Authorized', ansible: '- name: banner\n  copy:\n    dest: /etc/vsc/issue\n    content: "Authorized uses only\\n"\n' },
      { name: 'keep', file: '/etc/vsc/keep', pattern: '^keep$', ansible: '- name: never planned\n  file:\n    path: /etc/vsc/keep\n    mode: "0600"\n' },
    ]),
  );
  fleet = await startTestHosts([{ hostname: 'vsc-host', etc: { '/etc/vsc/issue': 'Welcome\n', '/etc/vsc/keep': 'keep\n' } }, { variant: 'no-python', etc: { '/etc/vsc/issue': 'Welcome\n' } }]);
  host = fleet.hosts[0]!;
  nopy = fleet.hosts[1]!;
})();
ready.catch(() => undefined);

after(async () => {
  await fleet?.stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function vigil(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, { out: (s) => (out += s), err: (s) => (err += s), env: { ...process.env, OSCAP_PROBE_ROOT: undefined } });
  return { code, out, err };
}

const inHost = (script: string): string => {
  const argv = host.inside(['sh', '-c', script]);
  return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
};

const ssh = (): string[] => ['--host', `root@${host.address}`, '--identity', fleet!.clientKey, '--known-hosts', fleet!.knownHosts, '--ssh-config', 'none'];

describe('vigil remediate --host H (command line)', { skip }, () => {
  before(async () => {
    await ready;
  });

  it('applies over SSH, lists the checkpoint as the host, and --rollback ID restores it there', async () => {
    const state = join(dir, 'state');
    const r = await vigil(['remediate', ...ssh(), '--content', ds, '--profile', TEST_PROFILE, '--state-dir', state, '--format', 'json']);
    assert.equal(r.code, 0, r.err + r.out);
    const j = JSON.parse(r.out) as { outcome: string; checkpoint: string; plan: Array<{ rule: string }>; rehearsal: { mode: string }; verify: { rechecked: number; fixed: string[] } };
    assert.equal(j.outcome, 'applied');
    assert.equal(j.rehearsal.mode, 'ansible-check');
    assert.deepEqual(j.plan.map((p) => p.rule), [TEST_RULE('issue')]);
    assert.deepEqual([j.verify.rechecked, j.verify.fixed], [1, [TEST_RULE('issue')]]);
    assert.equal(inHost('cat /etc/vsc/issue'), 'Authorized uses only\n');
    const list = await vigil(['remediate', '--list', '--state-dir', state]);
    assert.match(list.out, new RegExp(`${j.checkpoint}\\s+verified\\s+ssh://root@${host.address.replace(/\./g, '\\.')}:22\\s+1 paths`));
    const back = await vigil(['remediate', '--rollback', j.checkpoint, '--state-dir', state]);
    assert.equal(back.code, 0, back.err);
    assert.match(back.out, /over SSH on ssh:\/\/root@.*: 1 paths restored \(it was verified\)/);
    assert.equal(inHost('cat /etc/vsc/issue'), 'Welcome\n');
  });

  it('refuses a host whose key is not in known_hosts, before anything runs', async () => {
    const empty = join(dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const args = ssh();
    args[args.indexOf('--known-hosts') + 1] = empty;
    const r = await vigil(['remediate', ...args, '--content', ds, '--profile', TEST_PROFILE, '--state-dir', join(dir, 'state-2')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /host-key.*not in/);
    assert.equal(inHost('cat /etc/vsc/issue'), 'Welcome\n');
  });

  it('takes the host from an Ansible inventory with -i: rehearses, changes nothing', async () => {
    const inv = join(dir, 'hosts.ini');
    writeFileSync(inv, `[web]\nweb1 ansible_host=${host.address} ansible_user=root ansible_ssh_private_key_file=${fleet!.clientKey}\n`);
    const r = await vigil(['remediate', '-i', inv, '--host', 'web1', '--known-hosts', fleet!.knownHosts, '--ssh-config', 'none', '--content', ds, '--profile', TEST_PROFILE, '--rehearse-only', '--format', 'json', '--state-dir', join(dir, 'state-3')]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { outcome: string; host: string; rehearsal: { changes: Array<{ path: string; kind: string }> } };
    assert.deepEqual([j.outcome, j.host], ['rehearsed', `ssh://root@${host.address}:22`]);
    assert.deepEqual(j.rehearsal.changes.map((c) => `${c.kind} ${c.path}`), ['changed /etc/vsc/issue']);
    assert.equal(inHost('cat /etc/vsc/issue'), 'Welcome\n');
    const missing = await vigil(['remediate', '-i', inv, '--host', 'db9', '--content', ds]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /--host db9: no such host/);
  });

  it('xccdf eval --remediate refuses --host before anything runs (its remediation is of a local root)', async () => {
    const r = await vigil(['xccdf', 'eval', '--profile', TEST_PROFILE, '--remediate', ...ssh(), ds]);
    assert.equal(r.code, 1);
    assert.match(r.err, /--remediate does not go with --host: use vigil remediate --host H/);
    assert.equal(r.out, '', 'no evaluation either');
  });

  it('refuses a host without python3 (no helper to checkpoint and restore with), changing nothing', async () => {
    const args = ssh();
    args[1] = `root@${nopy.address}`;
    const r = await vigil(['remediate', ...args, '--content', ds, '--profile', TEST_PROFILE, '--state-dir', join(dir, 'state-4')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /remediation over SSH needs python3 on ssh:\/\/root@.*nothing was done/);
  });

  it('SSH options need --host H', async () => {
    const r = await vigil(['remediate', '--root', dir, '--become', '--content', ds]);
    assert.equal(r.code, 1);
    assert.match(r.err, /--become goes with --host/);
  });
});

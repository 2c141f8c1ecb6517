/**
 * Remediation over SSH against a real sshd test host (testing/test-hosts.ts:
 * its own network, mount and UTS namespaces, an overlay on /etc; never this
 * machine's files): the user `vgt` logs in with a key and becomes root
 * through sudo with a password. Sloppy settings in the host's /etc are
 * rehearsed with ansible-playbook --check --diff (nothing changes), applied,
 * verified over SSH; a fix failing half-way for real, a lockout found on
 * the live configuration, and a crash mid-apply followed by --recover, put
 * the touched paths back byte for byte (a manifest read inside the host's
 * namespaces: content digest, mode, owner, mtime, xattrs); a lockout of the
 * connecting user and a regression in the predicted view are refused;
 * check-mode-only tasks are reported as not rehearsed; the sudo password
 * never reaches any process's argv, the report or the journal.
 * Needs root, sshd, sudo and ansible-playbook; skipped otherwise.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestHosts, type TestFleet, type TestHost } from '../testing/test-hosts.js';
import { remediateDataStream, TEST_PROFILE, TEST_RULE, type TestRule } from '../testing/remediate-content.js';
import { connectSsh, type SshTargetHandle } from '../target/ssh/index.js';
import { Journal, type RemoteJournalTarget } from './journal.js';
import { recoverRemote, remediateOverSsh, rollbackRemoteCheckpoint, type Reconnect, type SshRemediateOptions, type SshRemediateReport } from './ssh-remediate.js';

const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/sshd') && existsSync('/usr/bin/sudo') && hasAnsible();
const skip = canRun ? false : 'needs root, sshd, sudo and ansible-playbook (test hosts in namespaces)';

function hasAnsible(): boolean {
  try {
    execFileSync('ansible-playbook', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const PW_ENV = 'VIGIL_SSHFIX_TEST_PW';
const D = '/etc/vsf';
const SLOPPY: Record<string, string> = {
  [`${D}/login.defs`]: '# login defaults\nPASS_MAX_DAYS 99999\nPASS_MIN_DAYS 0\n',
  [`${D}/issue`]: 'Welcome\n',
  [`${D}/keep`]: 'keep\n',
  '/etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nPasswordAuthentication yes\n',
};

const lineinfile = (path: string, regexp: string, line: string): string => `- name: set ${line} in ${path}\n  lineinfile:\n    path: ${path}\n    regexp: '${regexp}'\n    line: ${line}\n`;

const RULES: TestRule[] = [
  {
    name: 'maxdays',
    file: `${D}/login.defs`,
    pattern: '^PASS_MAX_DAYS 365$',
    ansible: `${lineinfile(`${D}/login.defs`, '^PASS_MAX_DAYS', 'PASS_MAX_DAYS 365')}- name: login.defs mode\n  file:\n    path: ${D}/login.defs\n    mode: '0600'\n`,
  },
  { name: 'mindays', file: `${D}/login.defs`, pattern: '^PASS_MIN_DAYS 1$', ansible: lineinfile(`${D}/login.defs`, '^PASS_MIN_DAYS', 'PASS_MIN_DAYS 1') },
  { name: 'issue', file: `${D}/issue`, pattern: 'Authorized', fix: `echo Authorized > ${D}/issue`, ansible: `- name: banner\n  copy:\n    dest: ${D}/issue\n    content: "Authorized uses only\\n"\n` },
  { name: 'banner_net', file: `${D}/issue.net`, pattern: 'Authorized', ansible: `- name: network banner\n  copy:\n    dest: ${D}/issue.net\n    content: "Authorized uses only\\n"\n    mode: '0644'\n` },
  { name: 'keep', file: `${D}/keep`, pattern: '^keep$', ansible: lineinfile(`${D}/keep`, '^keep', 'kept') },
  { name: 'lockout', file: '/etc/ssh/sshd_config', pattern: '^AllowUsers', ansible: lineinfile('/etc/ssh/sshd_config', '^AllowUsers', 'AllowUsers nobody') },
  { name: 'dropin', file: '/etc/ssh/sshd_config.d/50-vsf.conf', pattern: 'ClientAlive', ansible: `- name: a drop-in that also denies vgt\n  copy:\n    dest: /etc/ssh/sshd_config.d/50-vsf.conf\n    content: "ClientAliveInterval 300\\nDenyUsers vgt\\n"\n` },
  { name: 'breaker', file: `${D}/breaker`, pattern: 'x', ansible: `- name: the fix\n  copy:\n    dest: ${D}/breaker\n    content: "x\\n"\n${lineinfile(`${D}/keep`, '^keep', 'broken')}` },
  {
    name: 'halfway',
    file: `${D}/half`,
    pattern: 'x',
    ansible: `- name: first half\n  copy:\n    dest: ${D}/half\n    content: "x\\n"\n- name: the step that fails for real only\n  fail:\n    msg: half-way failure\n  when: not ansible_check_mode\n`,
  },
  { name: 'shelled', file: `${D}/shelled`, pattern: 'x', ansible: `- name: a shell task\n  shell: echo x >> ${D}/shelled\n` },
];

let fleet: TestFleet | undefined;
let host: TestHost;
let dir = '';
let ds = '';
const opened: SshTargetHandle[] = [];

const ready = (async (): Promise<void> => {
  if (!canRun) throw new Error('unreachable: skipped');
  dir = mkdtempSync(join(tmpdir(), 'vigil-sshfix-'));
  ds = join(dir, 'ds.xml');
  writeFileSync(ds, remediateDataStream(RULES));
  fleet = await startTestHosts([{ variant: 'sudo-password', hostname: 'vsf-host', etc: SLOPPY }]);
  host = fleet.hosts[0]!;
  process.env[PW_ENV] = fleet.sudoPassword;
  // a trusted.* attribute, which the checkpoint must keep and a restore must put back
  sh(`python3 -c "import os; os.setxattr('${D}/login.defs', 'trusted.vigil', b'sloppy')"`);
})();
ready.catch(() => undefined);

after(async () => {
  for (const t of opened) await t.close().catch(() => undefined);
  delete process.env[PW_ENV];
  await fleet?.stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs a shell command inside the test host's namespaces (its /etc). */
function sh(script: string): string {
  const argv = host.inside(['sh', '-c', script]);
  return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
}

/**
 * Every entry under /etc/vsf, sshd_config and sshd_config.d inside the
 * host: type, mode, owner, mtime (ns), size (of files: a directory's is its
 * file system's, and overlayfs copies it up to another), sha256, xattrs.
 */
function manifest(): string {
  return sh(
    `/usr/bin/python3 -c "
import os, hashlib, sys
out = []
for top in ['${D}', '/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d']:
    paths = [top] if not os.path.isdir(top) else [top] + sorted(os.path.join(d, n) for d, ds, fs in os.walk(top) for n in ds + fs)
    for p in paths:
        s = os.lstat(p)
        x = sorted((n, os.getxattr(p, n, follow_symlinks=False).hex()) for n in os.listxattr(p, follow_symlinks=False) if not n.startswith('trusted.overlay.'))
        h = hashlib.sha256(open(p, 'rb').read()).hexdigest() if os.path.isfile(p) and not os.path.islink(p) else ''
        out.append('%s %o %d:%d %d %d %s %s' % (p, s.st_mode, s.st_uid, s.st_gid, s.st_mtime_ns, 0 if os.path.isdir(p) else s.st_size, h, x))
print('\\n'.join(out))
"`,
  );
}

function connection(): RemoteJournalTarget {
  return { kind: 'ssh', host: host.address, port: host.port, user: host.user, identityFiles: [fleet!.clientKey], knownHostsFile: fleet!.knownHosts, sshConfigFile: null, become: { method: 'sudo', passwordEnv: PW_ENV } };
}

const reconnect: Reconnect = async (r) => {
  const t = await connectSsh({ host: r.host, port: r.port, user: r.user, identityFiles: r.identityFiles, knownHostsFile: r.knownHostsFile, sshConfigFile: r.sshConfigFile, agentSocket: null, connectTimeoutMs: 8000, ...(r.become ? { become: r.become } : {}) });
  return t;
};

async function open(): Promise<SshTargetHandle> {
  const t = await reconnect(connection());
  opened.push(t);
  return t;
}

let runs = 0;
async function run(rules: string[], more: Partial<SshRemediateOptions> = {}): Promise<SshRemediateReport> {
  const target = await open();
  return remediateOverSsh({
    content: ds,
    profile: TEST_PROFILE,
    fixType: 'ansible',
    filter: { rule: rules.map(TEST_RULE) },
    stateDir: join(dir, `state-${++runs}`),
    target,
    connection: connection(),
    ...more,
  });
}

/** Every process's argv, while `fn` runs (sampled every 15 ms), joined. */
async function watchArgv<T>(fn: () => Promise<T>): Promise<{ value: T; argv: Set<string> }> {
  const argv = new Set<string>();
  const sample = (): void => {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        argv.add(readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' '));
      } catch {
        // gone
      }
    }
  };
  const timer = setInterval(sample, 15);
  try {
    const value = await fn();
    sample();
    return { value, argv };
  } finally {
    clearInterval(timer);
  }
}

describe('remediation over SSH', { skip }, () => {
  before(async () => {
    await ready;
  });

  it('rehearses with --check --diff without changing the host: the predicted change set, with merged edits of one file', async () => {
    const m0 = manifest();
    const r = await run(['maxdays', 'mindays', 'issue', 'banner_net', 'keep'], { rehearseOnly: true });
    assert.equal(r.outcome, 'rehearsed');
    assert.deepEqual(r.plan.map((p) => p.rule).sort(), ['maxdays', 'mindays', 'issue', 'banner_net'].map(TEST_RULE).sort(), 'keep passes: not planned');
    assert.equal(r.rehearsal!.mode, 'ansible-check');
    const byPath = new Map(r.rehearsal!.changes.map((c) => [c.path, c]));
    assert.deepEqual([...byPath.keys()].sort(), [`${D}/issue`, `${D}/issue.net`, `${D}/login.defs`]);
    assert.equal(byPath.get(`${D}/issue.net`)!.kind, 'added');
    const defs = byPath.get(`${D}/login.defs`)!;
    assert.match(defs.diff!, /^-PASS_MAX_DAYS 99999\n-PASS_MIN_DAYS 0\n\+PASS_MAX_DAYS 365\n\+PASS_MIN_DAYS 1\n/m, 'both lineinfile edits of login.defs, merged');
    assert.ok(defs.meta.some((m) => /mode 0?644 -> 0?600/.test(m)), defs.meta.join(', '));
    assert.deepEqual(r.notRehearsed, []);
    assert.deepEqual([...r.rehearsal!.fixed].sort(), ['maxdays', 'mindays', 'issue', 'banner_net'].map(TEST_RULE).sort(), 'the predicted view, scanned: every planned rule passes');
    assert.deepEqual([r.rehearsal!.stillFailing, r.rehearsal!.regressed, r.unpredictable], [[], [], undefined]);
    assert.deepEqual(r.predictedAffected, ['maxdays', 'mindays', 'issue', 'banner_net'].map(TEST_RULE).sort());
    assert.equal(manifest(), m0, 'the check run changed nothing on the host');
  });

  it('applies, verifies over SSH, and --rollback ID puts every touched path back byte for byte; the sudo password never in argv or the report', async () => {
    const m0 = manifest();
    const { value: r, argv } = await watchArgv(() => run(['maxdays', 'mindays', 'issue', 'banner_net']));
    assert.equal(r.outcome, 'applied', r.reason);
    assert.deepEqual([...r.verify!.fixed].sort(), ['maxdays', 'mindays', 'issue', 'banner_net'].map(TEST_RULE).sort());
    assert.deepEqual(r.verify!.regressed, []);
    assert.equal(r.verify!.rechecked, 4, 'only the rules whose read sets the change touches');
    assert.equal(r.unpredicted, undefined);
    assert.equal(r.mispredicted, undefined);
    assert.match(sh(`cat ${D}/login.defs; stat -c %a ${D}/login.defs; cat ${D}/issue.net`), /PASS_MAX_DAYS 365\nPASS_MIN_DAYS 1\n600\nAuthorized uses only/);
    assert.notEqual(manifest(), m0);
    const pw = fleet!.sudoPassword;
    assert.ok(argv.size > 50, 'argv was sampled');
    assert.ok(![...argv].some((a) => a.includes(pw)), 'the sudo password in some argv');
    assert.ok(!JSON.stringify(r).includes(pw), 'the sudo password in the report');
    const stateDir = join(dir, `state-${runs}`);
    const files = readdirSync(stateDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    assert.ok(files.length > 2 && !files.some((e) => readFileSync(join(e.parentPath ?? e.path, e.name)).includes(pw)), 'the sudo password in the journal');
    const back = await rollbackRemoteCheckpoint(stateDir, r.checkpoint!, reconnect);
    assert.equal(back.paths, 3);
    assert.equal(manifest(), m0, 'byte for byte, with modes, owners, mtimes and xattrs');
    assert.equal(Journal.open(stateDir, r.checkpoint!).phase(), 'rolled-back');
  });

  it('a fix that fails half-way for real (its check run passed) rolls back: the half it did is undone', async () => {
    const m0 = manifest();
    let half = '';
    const r = await run(['halfway', 'issue'], {
      step: (label) => {
        if (label === 'applied') half = sh(`cat ${D}/half`);
      },
    });
    assert.equal(half, 'x\n', 'the first half was applied for real before the rollback');
    assert.equal(r.outcome, 'rolled-back');
    assert.deepEqual(r.notRehearsed, [], 'a task skipped for its when is no gap');
    assert.match(r.reason!, /the playbook failed .*the step that fails for real only: half-way failure\); rolled back over SSH/);
    assert.equal(sh(`test -e ${D}/half && echo yes || echo no`).trim(), 'no');
    assert.equal(manifest(), m0);
  });

  it('a crash mid-apply is finished by --recover: rolled back over SSH after reconnecting', async () => {
    const m0 = manifest();
    const stateDir = join(dir, 'state-crash');
    await assert.rejects(
      run(['issue', 'banner_net'], {
        stateDir,
        step: (label) => {
          if (label === 'applied') throw new Error('crash');
        },
      }),
      /crash/,
    );
    assert.notEqual(manifest(), m0, 'the run changed the host before the crash');
    const [j] = Journal.list(stateDir);
    assert.equal(j!.phase(), 'applying');
    const unreachable = await recoverRemote(stateDir, async () => {
      throw new Error('host down');
    });
    assert.deepEqual(unreachable.map((d) => [d.failed, /NOT rolled back \(host down\)/.test(d.action)]), [[true, true]]);
    assert.equal(j!.phase(), 'applying', 'left for the next --recover');
    const done = await recoverRemote(stateDir, reconnect);
    assert.deepEqual(done.map((d) => [d.found, d.action]), [['applying', 'rolled back']]);
    assert.equal(manifest(), m0);
  });

  it('refuses, on the host, a change that locks out the connecting user; nothing changes', async () => {
    const m0 = manifest();
    const r = await run(['lockout']);
    assert.equal(r.outcome, 'refused');
    const g = r.guards!.find((x) => x.guard === 'sshd');
    assert.ok(g, JSON.stringify(r.guards));
    assert.match(g.message, /locks vgt .* out of SSH: AllowUsers nobody does not include vgt/);
    assert.equal(r.checkpoint, undefined);
    assert.equal(manifest(), m0);
  });

  it('a drop-in that locks out the connecting user, unseen before the apply, is caught on the live configuration and rolled back', async () => {
    const m0 = manifest();
    const r = await run(['dropin']);
    assert.ok(r.guardNotes!.some((n) => /sshd_config\.d are checked .* only after the apply/.test(n)), r.guardNotes!.join('; '));
    assert.equal(r.outcome, 'rolled-back', r.reason);
    assert.match(r.reason!, /after the apply, sshd would refuse vgt: DenyUsers vgt matches vgt; rolled back over SSH/);
    assert.equal(sh('test -e /etc/ssh/sshd_config.d/50-vsf.conf && echo yes || echo no').trim(), 'no');
    assert.equal(manifest(), m0);
  });

  it('refuses a fix under which another rule regresses in the predicted view; nothing changes', async () => {
    const m0 = manifest();
    const r = await run(['breaker']);
    assert.equal(r.outcome, 'refused');
    assert.deepEqual([r.rehearsal!.fixed, r.rehearsal!.regressed], [[TEST_RULE('breaker')], [TEST_RULE('keep')]]);
    assert.match(r.reason!, /1 rules regressed in the predicted view \(xccdf_org\.vigil_rule_keep\)/);
    assert.equal(manifest(), m0);
  });

  it('reports tasks skipped in check mode as not rehearsed, and refuses to apply them unless forced', async () => {
    const r = await run(['shelled', 'issue']);
    assert.equal(r.outcome, 'refused');
    assert.deepEqual(r.notRehearsed.map((t) => [t.task, t.status]), [['a shell task', 'skipped']]);
    assert.match(r.reason!, /could not be rehearsed in check mode \(a shell task\)/);
    assert.equal(sh(`test -e ${D}/shelled && echo yes || echo no`).trim(), 'no');
  });

  it('refuses bash fixes over SSH: they cannot be rehearsed', async () => {
    const r = await run(['issue'], { fixType: 'bash' });
    assert.equal(r.outcome, 'refused');
    assert.match(r.reason!, /bash fixes cannot be rehearsed over SSH/);
  });
});

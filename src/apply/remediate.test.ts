/**
 * `vigil remediate` end to end on synthetic roots in temp dirs (never the
 * host): the rehearsal changes nothing real and predicts the real apply
 * (rules fixed, change set); guards refuse lockouts and broken sshd
 * configurations; a fix that fails half-way is never applied; an apply
 * that fails half-way rolls back byte for byte; regressions and consent
 * refuse; verification re-checks only the rules the change touches.
 * (remediate-ssg.test.ts: the same on sloppy SSG roots.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { remediateDataStream, TEST_PROFILE, TEST_RULE, type TestRule } from '../testing/remediate-content.js';
import { manifest, manifestDiff } from './fs-state.js';
import { Journal } from './journal.js';
import { remediate, rollbackCheckpoint, type RemediateOptions, type RemediateReport } from './remediate.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-remediate-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

const SSHD = 'PermitRootLogin yes\nPasswordAuthentication yes\n';
const RULES: TestRule[] = [
  { name: 'ssh_root', file: '/etc/ssh/sshd_config', pattern: '^PermitRootLogin no$', fix: "sed -i 's/^PermitRootLogin.*/PermitRootLogin no/' /etc/ssh/sshd_config" },
  { name: 'issue', file: '/etc/issue', pattern: 'Authorized', fix: 'echo "Authorized uses only" > /etc/issue' },
  { name: 'legacy', file: '/etc/legacy', absent: true, fix: 'rm -f /etc/legacy' },
  { name: 'keep', file: '/etc/keep', pattern: '^keep$', fix: 'true' },
  { name: 'other', file: '/etc/other', pattern: '^x$', fix: 'true' },
];

/** A root and content in a fresh directory; `rules` replace the defaults by name. */
function setup(rules: TestRule[] = [], files: Record<string, string> = {}): { root: string; ds: string; state: string } {
  const dir = join(base, `case-${++n}`);
  const root = join(dir, 'root');
  const all: Record<string, string> = {
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\nbob:x:1000:1000::/home/bob:/bin/bash\nalice:x:1001:1001::/home/alice:/bin/bash\n',
    '/etc/group': 'root:x:0:\nbob:x:1000:\nalice:x:1001:\n',
    '/etc/ssh/sshd_config': SSHD,
    '/etc/keep': 'keep\n',
    '/etc/legacy': 'old\n',
    '/etc/other': 'x\n',
    ...files,
  };
  for (const [p, text] of Object.entries(all)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  const byName = new Map(rules.map((r) => [r.name, r]));
  const list = [...RULES.map((r) => byName.get(r.name) ?? r), ...rules.filter((r) => !RULES.some((x) => x.name === r.name))];
  const ds = join(dir, 'ds.xml');
  writeFileSync(ds, remediateDataStream(list));
  return { root, ds, state: join(dir, 'state') };
}

function opts(s: { root: string; ds: string; state: string }, more: Partial<RemediateOptions> = {}): RemediateOptions {
  return { content: s.ds, profile: TEST_PROFILE, root: s.root, fixType: 'bash', stateDir: s.state, operator: { user: 'bob' }, ...more };
}

const short = (ids: readonly string[]): string[] => ids.map((i) => i.replace(TEST_RULE(''), '')).sort();
const changed = (r: RemediateReport): string[] => r.rehearsal!.changes.map((c) => `${c.kind} ${c.path}`);

describe('vigil remediate on synthetic roots', () => {
  it('a rehearsal changes nothing real, and reports rules fixed, the change set and its diffs', async () => {
    const s = setup();
    const before = manifest(s.root);
    const r = await remediate(opts(s, { rehearseOnly: true }));
    assert.equal(r.outcome, 'rehearsed');
    assert.deepEqual(short(r.plan.map((p) => p.rule)), ['issue', 'legacy', 'ssh_root']);
    assert.deepEqual(short(r.rehearsal!.fixed), ['issue', 'legacy', 'ssh_root']);
    assert.deepEqual(r.rehearsal!.regressed, []);
    assert.deepEqual(changed(r), ['added /etc/issue', 'removed /etc/legacy', 'changed /etc/ssh/sshd_config']);
    assert.match(r.rehearsal!.changes.find((c) => c.path === '/etc/ssh/sshd_config')!.diff!, /^-PermitRootLogin yes\n\+PermitRootLogin no$/m);
    assert.deepEqual(r.guards, []);
    assert.deepEqual(manifestDiff(before, manifest(s.root)), [], 'the real root is untouched');
  });

  it('the real apply fixes what the rehearsal fixed, writes exactly the change set, re-checks only affected rules, and rolls back byte for byte', async () => {
    const s = setup();
    const before = manifest(s.root);
    const r = await remediate(opts(s));
    assert.equal(r.outcome, 'applied', r.reason);
    assert.deepEqual(r.verify!.fixed, r.rehearsal!.fixed);
    assert.deepEqual(r.verify!.regressed, []);
    assert.ok(r.verify!.rechecked < r.verify!.total, `re-checked ${r.verify!.rechecked} of ${r.verify!.total}`);
    const now = manifest(s.root);
    const diff = manifestDiff(before, now).map((l) => l.split(':')[0]!);
    const expected = r.rehearsal!.changes.map((c) => c.path.slice(1));
    assert.deepEqual(diff.filter((p) => !['/', 'etc', 'etc/ssh'].includes(p)).sort(), expected.sort(), 'only the change set (and its directories) changed');
    for (const c of r.rehearsal!.changes) {
      const got = now.get(c.path.slice(1)) ?? { type: 'absent' };
      assert.equal((got as { sha256?: string }).sha256, (c.after as { sha256?: string }).sha256, c.path);
      assert.equal(got.type, c.after.type, c.path);
    }
    assert.equal(readFileSync(join(s.root, 'etc/issue'), 'utf8'), 'Authorized uses only\n');
    assert.equal(Journal.open(s.state, r.checkpoint!).phase(), 'verified');
    const back = rollbackCheckpoint(s.state, r.checkpoint!);
    assert.equal(back.paths, 3);
    assert.deepEqual(manifestDiff(before, manifest(s.root)), []);
    await assert.rejects(async () => rollbackCheckpoint(s.state, r.checkpoint!), /already rolled back/);
  });

  it('the guard refuses a change that locks the operator out of SSH (PermitRootLogin no for root; AllowUsers without them)', async () => {
    const s = setup();
    const before = manifest(s.root);
    const asRoot = await remediate(opts(s, { operator: { user: 'root' } }));
    assert.equal(asRoot.outcome, 'refused');
    assert.match(asRoot.reason!, /locks root out of SSH: PermitRootLogin no/);
    const t = setup([{ name: 'allow', file: '/etc/ssh/sshd_config', pattern: '^AllowUsers', fix: 'echo "AllowUsers alice" >> /etc/ssh/sshd_config' }]);
    const allow = await remediate(opts(t));
    assert.equal(allow.outcome, 'refused');
    assert.match(allow.reason!, /locks bob out of SSH: AllowUsers alice does not include bob/);
    const forced = await remediate(opts(t, { force: true, rehearseOnly: true, operator: { user: 'alice' } }));
    assert.deepEqual(forced.guards, [], 'alice keeps access');
    assert.deepEqual(manifestDiff(before, manifest(s.root)), []);
  });

  it('the guard refuses an sshd_config that sshd -t rejects', async () => {
    const s = setup([{ name: 'bogus', file: '/etc/ssh/sshd_config', pattern: '^Bogus', fix: 'echo "Bogus yes" >> /etc/ssh/sshd_config' }]);
    const before = manifest(s.root);
    const r = await remediate(opts(s));
    assert.equal(r.outcome, 'refused');
    assert.equal(r.guards![0]?.guard, 'sshd');
    assert.match(r.guards![0]!.message, /sshd -t rejects the changed configuration: .*Bogus/s);
    assert.deepEqual(manifestDiff(before, manifest(s.root)), []);
  });

  it('a fix that fails half-way is refused and nothing real changes', async () => {
    const s = setup([{ name: 'issue', file: '/etc/issue', pattern: 'Authorized', fix: 'echo "Authorized" > /etc/issue\nexit 3' }]);
    const before = manifest(s.root);
    const r = await remediate(opts(s));
    assert.equal(r.outcome, 'refused');
    assert.match(r.reason!, /the fixes exited 3 in the rehearsal/);
    assert.deepEqual(manifestDiff(before, manifest(s.root)), []);
  });

  it('an apply that fails half-way rolls back byte for byte and says why', async () => {
    const s = setup();
    const before = manifest(s.root);
    let steps = 0;
    const r = await remediate(
      opts(s, {
        step: (label) => {
          if (++steps === 3) throw new Error(`disk error while ${label}`);
        },
      }),
    );
    assert.equal(r.outcome, 'rolled-back');
    assert.match(r.reason!, /the apply failed: disk error while .*; rolled back from checkpoint/);
    assert.equal(Journal.open(s.state, r.checkpoint!).phase(), 'rolled-back');
    assert.deepEqual(manifestDiff(before, manifest(s.root)), []);
  });

  it('an interruption before the checkpoint applies nothing; one after the apply rolls back', async () => {
    const s = setup();
    const before = manifest(s.root);
    const early = new AbortController();
    early.abort();
    await assert.rejects(remediate(opts(s, { signal: early.signal })));
    assert.deepEqual(manifestDiff(before, manifest(s.root)), []);
    const late = new AbortController();
    const r = await remediate(opts(s, { signal: late.signal, step: (label) => label === 'applied' && late.abort() }));
    assert.equal(r.outcome, 'rolled-back');
    assert.match(r.reason!, /interrupted after the apply, before the verification; rolled back/);
    assert.deepEqual(manifestDiff(before, manifest(s.root)), []);
  });

  it('a fix that breaks a passing rule is a regression: refused', async () => {
    const s = setup([{ name: 'issue', file: '/etc/issue', pattern: 'Authorized', fix: 'echo "Authorized" > /etc/issue; echo clobbered > /etc/keep' }]);
    const r = await remediate(opts(s));
    assert.equal(r.outcome, 'refused');
    assert.deepEqual(short(r.rehearsal!.regressed), ['keep']);
    assert.match(r.reason!, /1 rules regressed in the rehearsal/);
  });

  it('a high-disruption or reboot fix needs --yes', async () => {
    const s = setup([{ name: 'issue', file: '/etc/issue', pattern: 'Authorized', fix: 'echo "Authorized" > /etc/issue', disruption: 'high' }]);
    const no = await remediate(opts(s));
    assert.equal(no.outcome, 'refused');
    assert.match(no.reason!, /high-disruption or need a reboot .*issue.*--yes consents/);
    const yes = await remediate(opts(s, { yes: true }));
    assert.equal(yes.outcome, 'applied', yes.reason);
  });

  it('the guards refuse a PAM stack naming a module the root lacks, and a sudoers file visudo rejects', async () => {
    const s = setup([{ name: 'pam', file: '/etc/pam.d/login', pattern: 'pam_vigil_missing', fix: 'echo "auth required pam_vigil_missing.so" >> /etc/pam.d/login' }], { '/etc/pam.d/login': 'auth required pam_unix.so\n' });
    const pam = await remediate(opts(s, { rehearseOnly: true }));
    assert.deepEqual(pam.guards!.map((g) => `${g.guard} ${g.path}`), ['pam /etc/pam.d/login']);
    assert.match(pam.guards![0]!.message, /references pam_vigil_missing\.so, which the root does not have/);
    const t = setup([{ name: 'sudo', file: '/etc/sudoers.d/bob', pattern: 'bob', fix: 'mkdir -p /etc/sudoers.d; echo "bob ALL=(ALL NOPASSWD ALL" > /etc/sudoers.d/bob' }]);
    const sudo = await remediate(opts(t));
    assert.equal(sudo.outcome, 'refused');
    assert.deepEqual(sudo.guards!.map((g) => `${g.guard} ${g.path}`), ['sudoers /etc/sudoers.d/bob']);
    assert.match(sudo.guards![0]!.message, /visudo -c rejects it: .*syntax error/s);
  });

  it('a fix cannot write outside the overlay, and the root moving after the rehearsal refuses the apply', async () => {
    const escape = `/usr/vigil-escape-${process.pid}`;
    const s = setup([{ name: 'issue', file: '/etc/issue', pattern: 'Authorized', fix: `touch ${escape} 2>/dev/null; echo "Authorized" > /etc/issue` }]);
    try {
      const r = await remediate(
        opts(s, {
          afterRehearsal: () => writeFileSync(join(s.root, 'etc/ssh/sshd_config'), 'PermitRootLogin prohibit-password\n'),
        }),
      );
      assert.equal(existsSync(escape), false, 'the host is untouched');
      assert.equal(r.outcome, 'refused');
      assert.match(r.reason!, /the root changed since the rehearsal \(\/etc\/ssh\/sshd_config\); nothing was applied/);
      assert.equal(readFileSync(join(s.root, 'etc/ssh/sshd_config'), 'utf8'), 'PermitRootLogin prohibit-password\n');
      assert.equal(existsSync(join(s.root, 'etc/issue')), false);
      assert.equal(Journal.open(s.state, r.checkpoint!).phase(), 'rolled-back');
    } finally {
      rmSync(escape, { force: true });
    }
  });

  it('plans from a results file (--from): the failed rules of its TestResult', async () => {
    const s = setup();
    const results = join(s.state, '..', 'results.xml');
    writeFileSync(join(s.root, 'etc/issue'), 'Authorized\n');
    await evaluateXccdf(s.ds, { profile: TEST_PROFILE, root: s.root, resultsFile: results });
    rmSync(join(s.root, 'etc/issue'));
    const r = await remediate(opts(s, { from: results, rehearseOnly: true }));
    assert.deepEqual(short(r.plan.map((p) => p.rule)), ['legacy', 'ssh_root'], 'issue passed when the results were written');
    assert.deepEqual(short(r.rehearsal!.fixed), ['legacy', 'ssh_root']);
  });

  it('a full disk during the checkpoint applies nothing', { timeout: 120_000 }, async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root for a tmpfs in a private mount namespace');
    const big = `${'x'.repeat(100)}\n`.repeat(700);
    const s = setup([{ name: 'big', file: '/etc/big', pattern: '^fixed$', fix: 'echo fixed >> /etc/big' }], { '/etc/big': big });
    const before = manifest(s.root);
    mkdirSync(s.state, { recursive: true });
    const bin = fileURLToPath(new URL('../cli/bin.ts', import.meta.url));
    const script = `mount -t tmpfs -o size=32k vigil-full "$1" && exec "$2" --import tsx "$3" remediate --root "$4" --content "$5" --profile "$6" --state-dir "$1" --operator bob`;
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'bash', '--norc', '-c', script, 'sh', s.state, process.execPath, bin, s.root, s.ds, TEST_PROFILE], { encoding: 'utf8', timeout: 100_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /the checkpoint could not be written to .*ENOSPC.*nothing was applied/s);
    assert.deepEqual(manifestDiff(before, manifest(s.root)), []);
  });
});

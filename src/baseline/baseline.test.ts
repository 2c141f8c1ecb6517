/**
 * The Vigil Linux baseline: its shape (size, rationale, fixes, references),
 * the committed data stream being current, its results on the mock systems
 * of roots.case.ts, and the oracles: `oscap ds sds-validate`, and the fixes
 * oscap generates from it (`ansible-playbook --syntax-check`, `bash -n`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BASELINE_PROFILE, BASELINE_STRICT_PROFILE, baselineDataStreamPath, hasBaseline } from '../app/baseline.js';
import { compile, forEachItem, type Rule } from '../sdk/index.js';
import { evaluateBenchmark, mockTarget } from '../app/rule-testing.js';
import { findOscap, oracleMissing, oscap, run } from '../testing/oracle.js';
import { baseline } from './index.js';
import { freshRoot, hardenedRoot, minimalRoot } from './roots.case.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-baseline-'));
after(() => rmSync(base, { recursive: true, force: true }));

const rules: Rule[] = [];
forEachItem(baseline.children, (item) => {
  if (item.kind === 'rule') rules.push(item);
});

describe('the baseline', () => {
  it('has 40 to 60 rules, each with a description, a rationale, a check and Ansible and bash fixes', () => {
    assert.ok(rules.length >= 40 && rules.length <= 60, `${rules.length} rules`);
    for (const r of rules) {
      assert.ok(r.description.length > 20, `${r.id}: description`);
      assert.ok(r.rationale.length > 20, `${r.id}: rationale`);
      assert.ok(r.check, `${r.id}: check`);
      assert.ok(r.remediation?.ansible && r.remediation.bash, `${r.id}: Ansible and bash fixes`);
    }
  });

  it('cites references (CIS, NIST SP 800-53) for nearly every rule', () => {
    const without = rules.filter((r) => r.references.length === 0).map((r) => r.id);
    assert.ok(without.length <= 3, `rules without references: ${without.join(', ')}`);
  });

  it('is shipped compiled and current: npm run build:baseline regenerates content/ when this fails', () => {
    assert.ok(hasBaseline(), `${baselineDataStreamPath()} exists`);
    assert.equal(readFileSync(baselineDataStreamPath(), 'utf8'), compile(baseline).dataStream);
  });

  it('names the profiles app/baseline.ts announces', () => {
    const ids = compile(baseline).ids;
    assert.deepEqual(baseline.profiles.map((p) => ids.profile(p.id)), [BASELINE_PROFILE, BASELINE_STRICT_PROFILE]);
  });
});

describe('the baseline on mock systems', () => {
  const FRESH_PASSES = [
    'sshd_disable_empty_passwords',
    'sshd_disable_rhosts',
    'sshd_disable_host_based_auth',
    'sshd_do_not_permit_user_env',
    'sshd_set_loglevel',
    'sshd_set_keepalive',
    'file_permissions_sshd_pub_key',
    'file_permissions_etc_passwd',
    'file_permissions_etc_group',
    'file_permissions_etc_shadow',
    'file_permissions_etc_gshadow',
    'accounts_password_warn_age_login_defs',
    'accounts_password_hashing_login_defs',
    'no_legacy_plus_entries',
    'sysctl_fs_protected_symlinks',
    'sysctl_fs_protected_hardlinks',
    'package_rsh_server_removed',
    'package_nis_server_removed',
  ];
  const expectOnly = (results: ReadonlyMap<string, string>, passes: readonly string[], notApplicable: readonly string[] = []): void => {
    const want = new Map(rules.map((r) => [r.id, passes.includes(r.id) ? 'pass' : notApplicable.includes(r.id) ? 'notapplicable' : 'fail']));
    assert.deepEqual(Object.fromEntries(results), Object.fromEntries(want));
  };

  it('a fresh server passes what its distribution ships securely and fails the rest', async () => {
    expectOnly((await evaluateBenchmark(baseline, mockTarget(freshRoot), { profile: 'baseline' })).results, FRESH_PASSES);
  });

  it('the strict profile also wants two weeks of password expiry warning', async () => {
    expectOnly(
      (await evaluateBenchmark(baseline, mockTarget(freshRoot), { profile: 'strict' })).results,
      FRESH_PASSES.filter((id) => id !== 'accounts_password_warn_age_login_defs'),
    );
  });

  it('the hardened server passes every rule of both profiles', async () => {
    for (const profile of ['baseline', 'strict']) {
      const { results } = await evaluateBenchmark(baseline, mockTarget(hardenedRoot), { profile });
      assert.deepEqual([...results].filter(([, r]) => r !== 'pass'), [], profile);
    }
  });

  it('a minimal system: cron and coredump rules do not apply, missing files and defaults decide the rest', async () => {
    const { results } = await evaluateBenchmark(baseline, mockTarget(minimalRoot), { profile: 'baseline' });
    const notApplicable = [...results].filter(([, r]) => r === 'notapplicable').map(([id]) => id);
    assert.deepEqual(notApplicable, [
      'file_permissions_crontab',
      'file_permissions_cron_hourly',
      'file_permissions_cron_daily',
      'file_permissions_cron_weekly',
      'file_permissions_cron_monthly',
      'file_permissions_cron_d',
      'coredump_disable_storage',
      'coredump_disable_backtraces',
    ]);
    assert.equal(results.get('sshd_disable_root_login'), 'fail', 'an unset PermitRootLogin allows key logins as root');
    assert.equal(results.get('sshd_disable_x11_forwarding'), 'pass', "OpenSSH's default is no");
    assert.equal(results.get('package_telnet_server_removed'), 'pass', 'no package database, no package');
  });

  it('a system without os-release is not Linux to the baseline', async () => {
    const { results } = await evaluateBenchmark(baseline, mockTarget({ files: { '/etc/passwd': '' } }), { profile: 'baseline' });
    assert.deepEqual(new Set(results.values()), new Set(['notapplicable']));
  });
});

describe('the baseline and oscap', () => {
  it('passes oscap ds sds-validate', { timeout: 120_000 }, async (t) => {
    if ((await findOscap()) === undefined) {
      oracleMissing(t, 'the oscap command (Debian package openscap-scanner)');
      return;
    }
    const v = await oscap(['ds', 'sds-validate', baselineDataStreamPath()]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  for (const profile of [BASELINE_PROFILE, BASELINE_STRICT_PROFILE]) {
    it(`oscap's Ansible playbook for ${profile} passes ansible-playbook --syntax-check`, { timeout: 180_000 }, async (t) => {
      if ((await findOscap()) === undefined) {
        oracleMissing(t, 'the oscap command (Debian package openscap-scanner)');
        return;
      }
      const g = await oscap(['xccdf', 'generate', 'fix', '--fix-type', 'ansible', '--profile', profile, baselineDataStreamPath()]);
      assert.equal(g.code, 0, g.stderr);
      assert.ok((g.stdout.match(/^ {4}- name: /gm) ?? []).length >= rules.length, 'a task or more for every rule');
      const playbook = join(base, `${profile}.yml`);
      writeFileSync(playbook, g.stdout);
      const check = await run('ansible-playbook', ['--syntax-check', '-i', 'localhost,', '-c', 'local', playbook], { timeoutMs: 120_000 }).catch(() => undefined);
      if (check === undefined) {
        oracleMissing(t, 'ansible-playbook (Debian package ansible-core)');
        return;
      }
      assert.equal(check.code, 0, check.stdout + check.stderr);
    });

    it(`oscap's bash script for ${profile} has every rule's fix and parses with bash -n`, { timeout: 120_000 }, async (t) => {
      if ((await findOscap()) === undefined) {
        oracleMissing(t, 'the oscap command (Debian package openscap-scanner)');
        return;
      }
      const g = await oscap(['xccdf', 'generate', 'fix', '--fix-type', 'bash', '--profile', profile, baselineDataStreamPath()]);
      assert.equal(g.code, 0, g.stderr);
      assert.equal(g.stdout.match(/^# BEGIN fix /gm)?.length, rules.length);
      const script = join(base, `${profile}.sh`);
      writeFileSync(script, g.stdout);
      assert.ok(existsSync(script));
      const check = await run('bash', ['-n', script], { timeoutMs: 60_000 });
      assert.equal(check.code, 0, check.stderr);
    });
  }
});

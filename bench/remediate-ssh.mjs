#!/usr/bin/env node
// Remediation over SSH with real SSG content: one test host (testing/
// test-hosts.ts: its own network, mount and UTS namespaces, a Debian 11
// identity, an overlay on /etc; nothing of this machine changes) made sloppy
// in /etc (gshadow world-readable and owned by a user, passwd and group
// group-writable, passwd's group a user's; sshd allowing empty passwords), then `remediateOverSsh` with the Debian 11
// standard profile, limited to those rules, as vgt with sudo: the scan over
// SSH, the rehearsal (ansible-playbook --check --diff, then a scan of the
// predicted view), the guards, the
// checkpoint, the real run, the verification; then --rollback over SSH and a
// manifest comparison. Prints the median of each part, the ratio rehearsal /
// (fix's own run + one scan) (issue 16's target: <= 2), how many rules the
// verification re-checked, and whether the rollback was byte for byte.
//
// Usage: node --import tsx bench/remediate-ssh.mjs [--runs N]
//   needs root (namespaces), sshd, sudo, ansible-playbook and the SSG Debian 11 content
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 3) || 3;
const content = '/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml';
if (process.getuid?.() !== 0 || !existsSync(content)) {
  console.error('needs root and ' + content);
  process.exit(1);
}
const { startTestHosts } = await import('../src/testing/test-hosts.ts');
const { connectSsh } = await import('../src/target/ssh/index.ts');
const { remediateOverSsh, rollbackRemoteCheckpoint } = await import('../src/apply/ssh-remediate.ts');

const RULES = ['file_permissions_etc_gshadow', 'file_owner_etc_gshadow', 'file_permissions_etc_passwd', 'file_permissions_etc_group', 'file_groupowner_etc_passwd', 'sshd_disable_empty_passwords', 'sshd_set_keepalive_0'].map((r) => `xccdf_org.ssgproject.content_rule_${r}`);
const PW = 'VIGIL_BENCH_SUDO_PW';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-sshfix-'));
const fleet = await startTestHosts([{ variant: 'sudo-password', identity: 'debian11', hostname: 'vsf-bench', etc: { '/etc/ssh/sshd_config': 'PermitRootLogin yes\nPasswordAuthentication yes\nPermitEmptyPasswords yes\n' } }]);
process.env[PW] = fleet.sudoPassword;
const h = fleet.hosts[0];
const inHost = (script) => {
  const argv = h.inside(['sh', '-c', script]);
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' });
};
const manifest = () => inHost('for f in /etc/gshadow /etc/passwd /etc/group /etc/ssh/sshd_config; do stat -c "%n %a %u:%g %y %s" "$f"; sha256sum "$f"; done');
const connection = { kind: 'ssh', host: h.address, port: 22, user: h.user, identityFiles: [fleet.clientKey], knownHostsFile: fleet.knownHosts, sshConfigFile: null, become: { method: 'sudo', passwordEnv: PW } };
const reconnect = (r) => connectSsh({ host: r.host, port: r.port, user: r.user, identityFiles: r.identityFiles, knownHostsFile: r.knownHostsFile, sshConfigFile: null, agentSocket: null, become: r.become });
const rows = { phase: [], scan: [], check: [], apply: [], verify: [], rollback: [], total: [] };
let last;
let identical = 0;
try {
  inHost('chmod 0644 /etc/gshadow && chown 4242 /etc/gshadow && chmod 0664 /etc/passwd /etc/group && chgrp 4242 /etc/passwd');
  for (let i = 0; i < runs; i++) {
    const before = manifest();
    const target = await reconnect(connection);
    const stateDir = join(dir, `state-${i}`);
    const t0 = performance.now();
    let tv = 0;
    let tr = 0;
    let tc = 0;
    const r = await remediateOverSsh({
      content,
      profile: 'xccdf_org.ssgproject.content_profile_standard',
      fixType: 'ansible',
      filter: { rule: RULES },
      stateDir,
      target,
      connection,
      progress: (m) => {
        if (m.startsWith('verifying')) tv = performance.now();
        if (m.startsWith('rehearsing')) tr = performance.now();
        if (m.startsWith('checkpoint')) tc = performance.now();
      },
    });
    const total = performance.now() - t0;
    await target.close();
    if (r.outcome !== 'applied') throw new Error(`${r.outcome}: ${r.reason ?? ''}`);
    const t1 = performance.now();
    await rollbackRemoteCheckpoint(stateDir, r.checkpoint, reconnect);
    rows.rollback.push(performance.now() - t1);
    if (manifest() === before) identical++;
    rows.scan.push(r.scanMs);
    rows.check.push(r.rehearsal.fixMs);
    rows.phase.push(tc - tr);
    rows.apply.push(r.applyMs);
    rows.verify.push(t0 + total - tv);
    rows.total.push(total);
    last = r;
  }
} finally {
  delete process.env[PW];
  await fleet.stopAll();
  rmSync(dir, { recursive: true, force: true });
}
const s = (k) => `${(median(rows[k]) / 1000).toFixed(2)} s`;
console.log(`Debian 11 standard over SSH (vgt + sudo password), ${last.plan.length} fixes, ${last.rehearsal.changes.length} predicted paths, median of ${runs}:`);
console.log(`  scan over SSH ${s('scan')}; rehearsal: --check --diff ${s('check')}, with the capture, the predicted scan, guards on the host and checkpoint ${s('phase')}; real run ${s('apply')}; verification ${s('verify')}; whole remediate ${s('total')}; rollback over SSH ${s('rollback')}`);
console.log(`  rehearsal (whole phase) / (fix's own run + one scan) = ${(median(rows.phase) / (median(rows.apply) + median(rows.scan))).toFixed(2)} (target <= 2)`);
console.log(`  predicted view: fixed ${last.rehearsal.fixed.length}, still failing ${last.rehearsal.stillFailing.length}, regressed ${last.rehearsal.regressed.length}, unpredictable ${last.unpredictable?.length ?? 0}; predicted scan ${(last.rehearsal.scanMs / 1000).toFixed(2)} s`);
console.log(`  verification re-checked ${last.verify.rechecked} of ${last.verify.total} rules; fixed ${last.verify.fixed.length}/${last.plan.length}; regressed ${last.verify.regressed.length}; not rehearsed ${last.notRehearsed.length}; unpredicted ${last.unpredicted?.length ?? 0}`);
console.log(`  rollback byte for byte (content, mode, owner, mtime): ${identical}/${runs}`);

#!/usr/bin/env node
// Fleet benchmark: `vigil fleet scan` over real SSH test hosts (sshd in
// network namespaces, src/testing/test-hosts.ts), with --forks 10 against
// --forks 1 (host after host), and against oscap run host after host inside
// each host's namespaces (what oscap-ssh does on the target, without its
// copying and its ssh round trips: a lower bound for oscap-ssh, which Debian
// does not ship). Prints wall times, the ratios and the scanner's peak RSS
// (GNU time), and checks that every host was scanned.
//
// Usage (root; after `npm run build`):
//   node --import tsx bench/fleet.mjs [--hosts 20] [--profile standard] [--no-oscap] [--no-serial]
//
// Hosts alternate Ubuntu 22.04 and Debian 11 identities, so each gets its own
// SSG data stream from /usr/share/xml/scap/ssg/content.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const flag = (name) => process.argv.includes(`--${name}`);
const N = Number(arg('hosts', '20'));
const PROFILE = arg('profile', 'standard');
const root = new URL('..', import.meta.url).pathname;
const vigil = join(root, 'bin/vigil.js');
const CONTENT = '/usr/share/xml/scap/ssg/content';

if (process.getuid?.() !== 0) {
  console.error('bench/fleet.mjs needs root (network namespaces)');
  process.exit(1);
}
if (!existsSync(join(root, 'dist/cli/bin.js'))) {
  console.error('run `npm run build` first');
  process.exit(1);
}

const { startTestHosts } = await import('../src/testing/test-hosts.ts');

/** Runs argv under GNU time; returns wall seconds, peak RSS (MB) and the exit code. */
function timed(argv, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('/usr/bin/time', ['-f', '%e %M', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const m = /(\d+(?:\.\d+)?) (\d+)\s*$/.exec(err);
      resolve({ code, wall, rssMb: m ? Number(m[2]) / 1024 : NaN, out, err });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-fleet-'));
let fleet;
try {
  const t0 = Date.now();
  // the files the SSG platform checks read besides os-release, so that the rules apply
  const UBUNTU = { '/etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.3 LTS"\n' };
  const DEBIAN = { '/etc/debian_version': '11.7\n' };
  fleet = await startTestHosts(Array.from({ length: N }, (_, i) => (i % 2 === 0 ? { identity: 'ubuntu2204', etc: UBUNTU } : { identity: 'debian11', etc: DEBIAN })));
  console.log(`${N} test hosts started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  mkdirSync(join(dir, 'group_vars'));
  writeFileSync(
    join(dir, 'hosts'),
    `[ubuntu]\n${fleet.hosts.filter((_, i) => i % 2 === 0).map((h) => `h${h.index} ansible_host=${h.address} ansible_port=${h.port}`).join('\n')}\n` +
      `[debian]\n${fleet.hosts.filter((_, i) => i % 2 === 1).map((h) => `h${h.index} ansible_host=${h.address} ansible_port=${h.port}`).join('\n')}\n`,
  );
  writeFileSync(join(dir, 'group_vars', 'all.yml'), `ansible_user: root\nansible_ssh_private_key_file: ${fleet.clientKey}\n`);
  const scan = (forks, out) =>
    timed([process.execPath, vigil, 'fleet', 'scan', '-i', join(dir, 'hosts'), '--forks', String(forks), '--profile', PROFILE, '--known-hosts', fleet.knownHosts, '--ssh-config', 'none', '--format', 'json', '-o', out], {
      env: { ...process.env, SSH_AUTH_SOCK: '' },
    });
  const check = (r, out, what) => {
    const json = JSON.parse(readFileSync(out, 'utf8'));
    const scanned = json.hosts.filter((h) => h.status === 'scanned').length;
    if (scanned !== N) throw new Error(`${what}: ${scanned}/${N} hosts scanned: ${JSON.stringify(json.hosts.filter((h) => h.status !== 'scanned').map((h) => h.error))}`);
    return json;
  };

  const par = await scan(10, join(dir, 'f10.json'));
  const j10 = check(par, join(dir, 'f10.json'), '--forks 10');
  console.log(`vigil fleet scan --forks 10: ${par.wall.toFixed(1)} s, peak RSS ${par.rssMb.toFixed(0)} MB (exit ${par.code})`);
  let ser;
  if (!flag('no-serial')) {
    ser = await scan(1, join(dir, 'f1.json'));
    check(ser, join(dir, 'f1.json'), '--forks 1');
    console.log(`vigil fleet scan --forks 1:  ${ser.wall.toFixed(1)} s, peak RSS ${ser.rssMb.toFixed(0)} MB`);
    console.log(`  forks 10 vs host after host: ${(ser.wall / par.wall).toFixed(2)}x faster`);
  }
  if (!flag('no-oscap') && existsSync('/usr/bin/oscap')) {
    let total = 0;
    for (const [i, h] of fleet.hosts.entries()) {
      const product = i % 2 === 0 ? 'ubuntu2204' : 'debian11';
      const ds = join(CONTENT, `ssg-${product}-ds.xml`);
      const r = await timed(h.inside(['oscap', 'xccdf', 'eval', '--profile', `xccdf_org.ssgproject.content_profile_${PROFILE}`, ds]));
      if (r.code !== 0 && r.code !== 2) throw new Error(`oscap on h${h.index}: exit ${r.code}: ${r.err.slice(-300)}`);
      total += r.wall;
    }
    console.log(`oscap inside each host, host after host: ${total.toFixed(1)} s (a lower bound for oscap-ssh)`);
    console.log(`  vigil --forks 10 vs oscap host after host: ${(total / par.wall).toFixed(2)}x faster`);
  }
  const scores = j10.hosts.map((h) => h.score);
  const rules = j10.hosts.map((h) => h.counts.pass + h.counts.fail);
  console.log(`scores: min ${Math.min(...scores).toFixed(1)}, max ${Math.max(...scores).toFixed(1)}; pass+fail per host ${Math.min(...rules)}-${Math.max(...rules)}; ${j10.topFailingRules.length} rules fail somewhere`);
} finally {
  await fleet?.stopAll();
  rmSync(dir, { recursive: true, force: true });
}

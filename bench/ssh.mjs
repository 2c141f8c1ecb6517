#!/usr/bin/env node
// SSH benchmark: one test host (testing/test-hosts.ts: its own network, mount
// and UTS namespaces, an Ubuntu 22.04 identity) scanned over SSH
// (`vigil xccdf eval --host`) against the local scan of the same view
// (`vigil xccdf eval` run inside the host's namespaces with nsenter), both as
// processes through bin/vigil.js, alternately. Prints the median wall times,
// the SSH/local ratio, the requests and round trips of the SSH scan, and
// whether both gave the same result for every rule.
//
// Usage: npm run build && node --import tsx bench/ssh.mjs [--runs N] [--profile ID ...]
//   needs root (namespaces), sshd and the SSG Ubuntu 22.04 content
//   default profiles: cis_level2_server and standard; --runs default 3
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('--runs', '3'));
const profiles = args.flatMap((a, i) => (args[i - 1] === '--profile' ? [a] : []));
if (profiles.length === 0) profiles.push('cis_level2_server', 'standard');
const content = '/usr/share/xml/scap/ssg/content/ssg-ubuntu2204-ds.xml';
const vigil = join(root, 'bin/vigil.js');
if (!existsSync(join(root, 'dist/cli/bin.js'))) {
  console.error('dist/ is missing: run npm run build');
  process.exit(1);
}
if (process.getuid?.() !== 0 || !existsSync(content)) {
  console.error('needs root and ' + content);
  process.exit(1);
}
const { startTestHosts } = await import('../src/testing/test-hosts.ts');

function timed(argv) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], cwd: root, env: { ...process.env, SSH_AUTH_SOCK: '' } });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, err }));
  });
}

const results = (file) => new Map([...readFileSync(file, 'utf8').matchAll(/<rule-result idref="([^"]+)"[^>]*>\s*<result>([a-z]+)</g)].map((m) => [m[1], m[2]]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'vgs-bench-'));
const fleet = await startTestHosts([{ identity: 'ubuntu2204', hostname: 'vgs-bench' }]);
const rows = [];
try {
  const h = fleet.hosts[0];
  for (const profile of profiles) {
    const sshOut = join(dir, `ssh-${profile}.xml`);
    const localOut = join(dir, `local-${profile}.xml`);
    const sshArgv = [process.execPath, vigil, 'xccdf', 'eval', '--profile', profile, '--results', sshOut, '--host', `root@${h.address}`, '--identity', fleet.clientKey, '--known-hosts', fleet.knownHosts, '--ssh-config', 'none', '--ssh-stats', content];
    const localArgv = h.inside([process.execPath, vigil, 'xccdf', 'eval', '--profile', profile, '--results', localOut, content]);
    const ssh = [];
    const local = [];
    let stats = '';
    for (let i = 0; i <= runs; i++) {
      // the first round warms the page cache and is not counted
      const order = i % 2 === 0 ? [[sshArgv, ssh], [localArgv, local]] : [[localArgv, local], [sshArgv, ssh]];
      for (const [argv, into] of order) {
        const r = await timed(argv);
        if (r.code !== 0 && r.code !== 2) throw new Error(`${argv.slice(0, 4).join(' ')}: exit ${r.code}: ${r.err}`);
        if (i > 0) into.push(r.ms);
        const m = /over SSH: (.*)/.exec(r.err);
        if (m) stats = m[1];
      }
    }
    const a = results(sshOut);
    const b = results(localOut);
    const differing = [...a].filter(([id, r]) => b.get(id) !== r).map(([id, r]) => `${id}: ${r} over SSH, ${b.get(id)} inside`);
    for (const d of differing) console.log(`${profile}: ${d}`);
    const differ = differing.length + [...b.keys()].filter((id) => !a.has(id)).length;
    rows.push({ profile, ssh: median(ssh), local: median(local), stats, rules: a.size, differ });
  }
} finally {
  await fleet.stopAll();
  rmSync(dir, { recursive: true, force: true });
}
console.log('| profile (ssg-ubuntu2204) | local scan in the host | over SSH | SSH/local | SSH requests, round trips, bytes | rules, differing |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.profile} | ${(r.local / 1000).toFixed(2)} s | ${(r.ssh / 1000).toFixed(2)} s | ${(r.ssh / r.local).toFixed(2)}× | ${r.stats} | ${r.rules}, ${r.differ} |`);
const miss = rows.filter((r) => r.differ > 0 || (r.profile === 'cis_level2_server' && r.ssh / r.local > 1.5));
console.log(miss.length === 0 ? 'goals: PASS (same results; CIS Level 2 over SSH ≤ 1.5× local)' : `goals: MISS (${miss.map((r) => r.profile).join(', ')})`);

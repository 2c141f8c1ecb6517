#!/usr/bin/env node
// Compares `vigil xccdf eval` with `oscap xccdf eval` on this live host, rule
// by rule, as ../shared/ORACLE.md describes: each tool runs in a private
// mount namespace where the content applies (an overlay adds
// /etc/lsb-release for Ubuntu 22.04; a bind mount puts 11.7 in
// /etc/debian_version for Debian 11), so nothing on the host changes.
//
// Targets: the Ubuntu 22.04 data stream and its "machine" copy (whose
// container check looks for a file that does not exist, making the
// machine-only CIS rules applicable in a container), and Debian 11.
//
//   node scripts/live-compare.mjs                 every target and profile
//   node scripts/live-compare.mjs --only ubuntu2204:cis_level2_server,debian11:standard
//
// Prints agreement counts and timings; exits 1 when any rule differs.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRuleResults } from './rule-results.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONTENT = process.env.VIGIL_SSG_CONTENT ?? '/usr/share/xml/scap/ssg/content';
const only = (() => {
  const i = process.argv.indexOf('--only');
  return i > 0 ? new Set(process.argv[i + 1].split(',')) : undefined;
})();

const work = mkdtempSync(join(tmpdir(), 'vigil-live-compare-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// VIGIL_FROM_SOURCE=1 runs the TypeScript sources through tsx instead of the build.
const fromSource = process.env.VIGIL_FROM_SOURCE === '1';
const vigil = fromSource ? [process.execPath, '--import', 'tsx', join(repo, 'src/cli/bin.ts')] : [process.execPath, join(repo, 'bin/vigil.js')];

function sh(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const p = spawn(cmd, args, { cwd: repo, ...opts });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

// The compiled CLI, current with the sources.
const build = fromSource ? { code: 0, stdout: '', stderr: '' } : await sh('npm', ['run', '--silent', 'build']);
if (build.code !== 0 || (!fromSource && !existsSync(join(repo, 'dist/cli/bin.js')))) {
  console.error(`npm run build failed: ${build.stdout}${build.stderr}`);
  process.exit(1);
}

// The namespace set-ups.
const up = join(work, 'up');
const wk = join(work, 'wk');
mkdirSync(up);
mkdirSync(wk);
writeFileSync(join(up, 'lsb-release'), 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n');
writeFileSync(join(work, 'debian_version'), '11.7\n');
const UBUNTU_NS = `mount -t overlay overlay -o lowerdir=/etc,upperdir=${up},workdir=${wk} /etc && exec "$@"`;
const DEBIAN_NS = `mount --bind ${join(work, 'debian_version')} /etc/debian_version && exec "$@"`;

const machineCopy = join(work, 'ssg-ubuntu2204-machine-ds.xml');
const TARGETS = [
  { name: 'ubuntu2204', ds: join(CONTENT, 'ssg-ubuntu2204-ds.xml'), ns: UBUNTU_NS, profiles: ['cis_level2_server', 'standard'] },
  { name: 'ubuntu2204-machine', ds: machineCopy, ns: UBUNTU_NS, profiles: ['cis_level2_server', 'standard'] },
  {
    name: 'debian11',
    ds: join(CONTENT, 'ssg-debian11-ds.xml'),
    ns: DEBIAN_NS,
    profiles: ['anssi_np_nt28_high', 'anssi_np_nt28_restrictive', 'anssi_np_nt28_average', 'anssi_np_nt28_minimal', 'standard'],
  },
];

const inNs = (ns, cmd) => sh('unshare', ['-m', 'sh', '-c', ns, 'sh', ...cmd]);

const probe = await inNs(UBUNTU_NS, ['cat', '/etc/lsb-release']);
if (probe.code !== 0 || !probe.stdout.includes('jammy')) {
  console.error(`cannot make a private mount namespace (needs root): ${probe.stderr.trim()}`);
  process.exit(1);
}
writeFileSync(machineCopy, readFileSync(join(CONTENT, 'ssg-ubuntu2204-ds.xml'), 'utf8').replaceAll('/.dockerenv', '/.dockerenv-absent'));

let differing = 0;
const rows = [];
for (const t of TARGETS) {
  for (const profile of t.profiles) {
    if (only && !only.has(`${t.name}:${profile}`)) continue;
    const o = await inNs(t.ns, ['oscap', 'xccdf', 'eval', '--profile', profile, t.ds]);
    const v = await inNs(t.ns, [...vigil, 'xccdf', 'eval', '--profile', profile, t.ds]);
    const theirs = parseRuleResults(o.stdout);
    const ours = parseRuleResults(v.stdout);
    const diffs = [];
    for (const id of new Set([...theirs.keys(), ...ours.keys()])) {
      if (theirs.get(id) !== ours.get(id)) diffs.push(`${id}: oscap ${theirs.get(id) ?? '(absent)'}, vigil ${ours.get(id) ?? '(absent)'}`);
    }
    const counts = {};
    for (const r of theirs.values()) counts[r] = (counts[r] ?? 0) + 1;
    differing += diffs.length;
    if (theirs.size === 0) {
      differing++;
      diffs.push(`oscap printed no results (exit ${o.code}): ${o.stderr.slice(0, 300)}`);
    }
    if (v.code !== 0 && v.code !== 2) diffs.push(`vigil exited ${v.code}: ${v.stderr.slice(0, 300)}`);
    if (o.code !== v.code) diffs.push(`exit codes differ: oscap ${o.code}, vigil ${v.code}`);
    rows.push({ target: t.name, profile, agree: theirs.size - diffs.length, rules: theirs.size, oscap: o.seconds, vigil: v.seconds, counts });
    console.log(
      `${t.name} ${profile}: ${Math.max(0, theirs.size - diffs.length)}/${theirs.size} rules agree ` +
        `(${Object.entries(counts).map(([r, n]) => `${n} ${r}`).join(', ')}); oscap ${o.seconds.toFixed(1)} s, vigil ${v.seconds.toFixed(1)} s`,
    );
    for (const d of diffs) console.log(`  ${d}`);
  }
}
process.exitCode = differing > 0 ? 1 : 0;

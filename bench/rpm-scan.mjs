#!/usr/bin/env node
// rpm-based scan benchmark: `vigil xccdf eval` against `oscap xccdf eval` with
// the RHEL 9 STIG profile on a synthetic RHEL 9 root of N packages holding F
// packaged files each (default 500 x 200 = 100,000 files), built with rpmbuild
// and installed into the root's sqlite rpm database (src/testing/rpm-roots.ts).
// STIG verifies every packaged file against the database (rpm_verify_hashes,
// _ownership, _permissions: rpmverifyfile over all 100,000 files).
//
// Each tool runs as a process, alternately, under GNU time; prints the median
// wall time, CPU and peak RSS and the vigil/oscap ratios, and how many rules
// the tools judged differently (the rules touching probes oscap does not run
// offline are among them; src/conformance/rpm-xccdf.test.ts compares the rest).
// oscap runs with %_dbpath /var/lib/rpm in a private mount namespace.
//
// Usage: npm run -s build && node --import tsx bench/rpm-scan.mjs [--packages N] [--files F] [--runs R] [--profile P] [--keep]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalResults } from '../src/testing/oracle.ts';
import { buildRhelRoot } from '../src/testing/rpm-roots.ts';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg('--packages', 500));
const F = Number(arg('--files', 200));
const RUNS = Number(arg('--runs', 3));
const PROFILE = `xccdf_org.ssgproject.content_profile_${arg('--profile', 'stig')}`;
const DS = '/usr/share/xml/scap/ssg/content/ssg-rhel9-ds.xml';
const ROOT = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'vigil-bench-rpm-'));
const root = join(work, 'root');
const keep = process.argv.includes('--keep');

function cleanup() {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);

const DIRS = ['lib64', 'share/doc', 'share/man/man1', 'libexec', 'share/locale/de/LC_MESSAGES', 'lib/python3.9/site-packages', 'bin', 'share'];
function benchPackage(i) {
  const name = `bench-pkg${String(i).padStart(4, '0')}`;
  const files = [];
  for (let j = 0; j < F; j++) {
    const d = DIRS[j % DIRS.length];
    const kind = j % 50 === 0 ? { attr: 'config-noreplace' } : j % 17 === 0 ? { attr: 'doc' } : {};
    files.push({ path: `/usr/${d}/${name}/f${j}`, mode: d === 'bin' || d === 'libexec' ? 0o755 : 0o644, content: `${name} ${j}\n`.repeat(1 + (j % 7)), ...kind });
  }
  return { name, version: `1.${i % 10}.${i % 7}`, release: `${1 + (i % 5)}.el9`, ...(i % 9 === 0 ? { epoch: 1 } : {}), arch: i % 4 === 0 ? 'noarch' : 'x86_64', files };
}

const t0 = Date.now();
process.stderr.write(`building ${N} packages of ${F} files ... `);
const extra = Array.from({ length: N }, (_, i) => benchPackage(i));
await buildRhelRoot(root, 9, 'default', { extra });
process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

const up = join(work, 'etc-up');
const wk = join(work, 'etc-wk');
spawnSync('mkdir', ['-p', join(up, 'rpm'), wk]);
spawnSync('sh', ['-c', `echo '%_dbpath /var/lib/rpm' > '${join(up, 'rpm', 'macros')}'`]);
const ns = `mount -t overlay overlay -o "lowerdir=/etc,upperdir=${up},workdir=${wk}" /etc && exec "$@"`;
const timeFile = join(work, 'time.out');

function measure(tool) {
  const cmd =
    tool === 'oscap'
      ? ['unshare', '-m', 'sh', '-c', ns, 'sh', '/usr/bin/time', '-o', timeFile, '-f', '%e %U %S %M', 'env', `OSCAP_PROBE_ROOT=${root}`, 'oscap', 'xccdf', 'eval', '--profile', PROFILE, DS]
      : ['/usr/bin/time', '-o', timeFile, '-f', '%e %U %S %M', process.execPath, join(ROOT, 'bin/vigil.js'), 'xccdf', 'eval', '--profile', PROFILE, '--root', root, DS];
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0 && r.status !== 2) throw new Error(`${tool} exited ${r.status}: ${r.stderr.slice(-1500)}`);
  const [wall, user, sys, rss] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, cpu: user + sys, rssMB: rss / 1024, results: evalResults(r.stdout) };
}

const runs = { oscap: [], vigil: [] };
for (let i = 0; i < RUNS; i++) for (const tool of ['oscap', 'vigil']) runs[tool].push(measure(tool));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stat = (tool, k) => median(runs[tool].map((r) => r[k]));
const a = runs.oscap.at(-1).results;
const b = runs.vigil.at(-1).results;
const differ = [...a.keys()].filter((id) => a.get(id) !== b.get(id));
console.log(`root: ${N} packages of ${F} files (${N * F} packaged files) plus the RHEL 9 root's 32; ${PROFILE.replace(/.*profile_/, '')}, ${a.size} rules, median of ${RUNS}`);
console.log('| tool | wall s | CPU s | peak RSS MB |');
console.log('|---|---|---|---|');
for (const tool of ['oscap', 'vigil']) console.log(`| ${tool} | ${stat(tool, 'wall').toFixed(2)} | ${stat(tool, 'cpu').toFixed(2)} | ${stat(tool, 'rssMB').toFixed(0)} |`);
console.log(`vigil/oscap: wall ${(stat('vigil', 'wall') / stat('oscap', 'wall')).toFixed(2)}, CPU ${(stat('vigil', 'cpu') / stat('oscap', 'cpu')).toFixed(2)}, RSS ${(stat('vigil', 'rssMB') / stat('oscap', 'rssMB')).toFixed(2)}`);
console.log(`rules judged differently: ${differ.length}${differ.length ? ` (${differ.map((id) => `${id.replace(/.*rule_/, '')}: oscap ${a.get(id)}, vigil ${b.get(id)}`).join('; ')})` : ''}`);

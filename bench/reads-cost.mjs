#!/usr/bin/env node
// What read sets cost (issue 20: at most a tenth of a scan's wall time and peak
// RSS): `vigil scan --format json` with and without `--reads`, run alternately
// under GNU time, medians of N runs, on
//   live      this host with ssg-ubuntu2204-ds.xml cis_level2_server, in a private
//             mount namespace whose /etc has Ubuntu 22.04's lsb-release (as
//             bench/scan.mjs does; the synthetic roots under --work are hidden);
//   synthetic the 100k-file synthetic root of bench/scan.mjs (generated there:
//             `node bench/scan.mjs --generate-only --only synthetic-100k`), with the
//             "machine" copy of the data stream, cis_level2_server.
// Also prints the size of the JSON written with read sets.
//
// Usage: node bench/reads-cost.mjs [--runs N] [--only live,synthetic] [--work DIR]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONTENT = process.env.VIGIL_SSG_CONTENT ?? '/usr/share/xml/scap/ssg/content';
const U2204 = join(CONTENT, 'ssg-ubuntu2204-ds.xml');
let runs = 3;
let only = ['live', 'synthetic'];
let work = join(tmpdir(), 'vigil-bench-scan');
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--runs') runs = Number(argv[++i]);
  else if (argv[i] === '--only') only = argv[++i].split(',');
  else if (argv[i] === '--work') work = argv[++i];
  else {
    console.error(`unknown argument ${argv[i]}`);
    process.exit(2);
  }
}
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' });
if (build.status !== 0) {
  console.error(build.stdout + build.stderr);
  process.exit(1);
}
const scratch = mkdtempSync(join(tmpdir(), 'vigil-reads-cost-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const q = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;
const up = join(scratch, 'up');
const wk = join(scratch, 'wk');
const empty = join(scratch, 'empty');
for (const d of [up, wk, empty]) mkdirSync(d);
writeFileSync(join(up, 'lsb-release'), 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n');
const machine = join(scratch, 'ssg-ubuntu2204-machine-ds.xml');
writeFileSync(machine, readFileSync(U2204, 'utf8').replaceAll('/.dockerenv', '/.dockerenv-absent'));

function nsScript() {
  const roots = existsSync(work) ? readdirSync(work).filter((n) => /^root-\d+(\.partial)?$/.test(n)) : [];
  return [`mount -t overlay overlay -o lowerdir=/etc,upperdir=${q(up)},workdir=${q(wk)} /etc`, ...roots.map((r) => `mount --bind ${q(empty)} ${q(join(work, r))}`), 'exec "$@"'].join(' && ');
}

function once(target, reads) {
  const out = join(scratch, 'out.json');
  const timeFile = join(scratch, 'time.out');
  const vigil = [process.execPath, join(ROOT, 'bin/vigil.js'), 'scan', '--content', target.ds, '--profile', 'cis_level2_server', '--no-html-report', '--format', 'json', '--output', out, ...(target.root ? ['--root', target.root] : []), ...(reads ? ['--reads'] : [])];
  const timed = ['/usr/bin/time', '-o', timeFile, '-f', '%e %M %U %S', ...vigil];
  const r = target.live ? spawnSync('unshare', ['-m', 'sh', '-c', nsScript(), 'sh', ...timed], { cwd: scratch, encoding: 'utf8' }) : spawnSync(timed[0], timed.slice(1), { cwd: scratch, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 2) throw new Error(`vigil failed (${r.status}): ${r.stderr.slice(-1500)}`);
  const [wall, kib, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  const doc = JSON.parse(readFileSync(out, 'utf8'));
  return { wall, cpu: user + sys, rss: kib / 1024, bytes: statSync(out).size, results: doc.rules.map((x) => `${x.id}=${x.result}`).join('\n') };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const targets = [];
if (only.includes('live')) targets.push({ name: 'live host, ubuntu2204 cis_level2_server', live: true, ds: U2204 });
if (only.includes('synthetic')) {
  const root = join(work, 'root-100000');
  if (!existsSync(root)) {
    console.error(`${root} is missing: run node bench/scan.mjs --generate-only --only synthetic-100k`);
    process.exit(2);
  }
  targets.push({ name: 'synthetic root of 100k files, machine copy, cis_level2_server', root, ds: machine });
}
const rows = [];
for (const t of targets) {
  once(t, false); // warm-up
  const off = [];
  const on = [];
  for (let i = 0; i < runs; i++) {
    off.push(once(t, false));
    on.push(once(t, true));
  }
  if (off.some((x) => x.results !== off[0].results) || on.some((x) => x.results !== off[0].results)) console.log(`  note: ${t.name}: rule results differ between runs`);
  const f = (xs, k) => median(xs.map((x) => x[k]));
  const row = { name: t.name, cpuOff: f(off, 'cpu'), cpuOn: f(on, 'cpu'), wallOff: f(off, 'wall'), wallOn: f(on, 'wall'), rssOff: f(off, 'rss'), rssOn: f(on, 'rss'), bytesOff: f(off, 'bytes'), bytesOn: f(on, 'bytes') };
  rows.push(row);
  console.log(`${t.name}: wall ${row.wallOff.toFixed(2)} -> ${row.wallOn.toFixed(2)} s (${((row.wallOn / row.wallOff - 1) * 100).toFixed(1)}%), CPU ${row.cpuOff.toFixed(2)} -> ${row.cpuOn.toFixed(2)} s (${((row.cpuOn / row.cpuOff - 1) * 100).toFixed(1)}%), peak RSS ${row.rssOff.toFixed(0)} -> ${row.rssOn.toFixed(0)} MB (${((row.rssOn / row.rssOff - 1) * 100).toFixed(1)}%), JSON ${(row.bytesOff / 1024).toFixed(0)} -> ${(row.bytesOn / 1024).toFixed(0)} KiB`);
}
console.log(`\n| target (medians of ${runs}) | wall without | wall with --reads | Δ | CPU without | with | Δ | peak RSS without | with --reads | Δ |`);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.wallOff.toFixed(2)} s | ${r.wallOn.toFixed(2)} s | ${((r.wallOn / r.wallOff - 1) * 100).toFixed(1)}% | ${r.cpuOff.toFixed(2)} s | ${r.cpuOn.toFixed(2)} s | ${((r.cpuOn / r.cpuOff - 1) * 100).toFixed(1)}% | ${r.rssOff.toFixed(0)} MB | ${r.rssOn.toFixed(0)} MB | ${((r.rssOn / r.rssOff - 1) * 100).toFixed(1)}% |`,
  );
const over = rows.filter((r) => r.wallOn > r.wallOff * 1.1 || r.rssOn > r.rssOff * 1.1);
console.log(over.length ? `\nOVER a tenth: ${over.map((r) => r.name).join('; ')}` : '\nwithin a tenth of wall time and peak RSS everywhere');

#!/usr/bin/env node
// bench/watch.mjs: the figures of `vigil watch` against the targets,
// in one run, on a synthetic root (never this host's /etc):
//
//   drift latency   file change → drift event, p50 and p99, over random
//                   changes (edits, atomic replaces, chmod, chown, create,
//                   delete, package status edits) made while the daemon
//                   runs as its own process; target p50 ≤ 100 ms, p99 ≤ 1 s
//   re-evaluation   CPU of the rules one changed file touches, next to a
//                   full evaluation's CPU (the same session, in process);
//                   target ≤ 1/20
//   idle            the daemon's CPU share and RSS growth with nothing
//                   changing; target ≤ 1 % of one core, no growth
//   memory          the daemon's peak RSS next to a one-shot
//                   `vigil xccdf eval` of the same root; target ≤ 1.5×
//
// Usage: npm run build && node bench/watch.mjs [--files N] [--changes N] [--idle SECONDS] [--profile ID]
//   --files N     filler files under the root (default 20000), so that the
//                 full evaluation walks a tree of realistic size
//   --changes N   changes for the latency figure (default 200)
//   --idle S      seconds of idle measurement (default 60; the hour: 3600)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { tsImport } from 'tsx/esm/api';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const bin = join(repo, 'bin', 'vigil.js');
const CONTENT = process.env.VIGIL_SSG_CONTENT ?? '/usr/share/xml/scap/ssg/content';
const DS = join(CONTENT, 'ssg-ubuntu2204-ds.xml');
const GNU_TIME = '/usr/bin/time';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const FILES = Number(arg('--files', '20000'));
const CHANGES = Number(arg('--changes', '200'));
const IDLE_S = Number(arg('--idle', '60'));
const PROFILE = arg('--profile', 'cis_level2_server');

function die(msg, code = 1) {
  process.stderr.write(`bench/watch: ${msg}\n`);
  process.exit(code);
}
if (!existsSync(join(repo, 'dist', 'cli', 'bin.js'))) die('dist/ is missing: run npm run build');
if (!existsSync(DS)) die(`${DS} is missing (Debian package ssg-debderived)`);
if (!existsSync(GNU_TIME)) die(`${GNU_TIME} is missing (Debian package time): it measures the one-shot scan's CPU and peak RSS`);

const { writeSsgRoot, SSG_TARGETS } = await tsImport('../src/testing/ssg-roots.ts', import.meta.url);
const { RootMutator, prng } = await tsImport('../src/testing/mutations.ts', import.meta.url);
const { WatchSession } = await tsImport('../src/app/watch-session.ts', import.meta.url);

const work = mkdtempSync(join(tmpdir(), 'vigil-bench-watch-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const root = join(work, 'root');
const ubuntu = SSG_TARGETS.find((t) => t.ds === 'ssg-ubuntu2204-ds.xml');
writeSsgRoot(root, ubuntu.platform, false);
// filler: a tree of ordinary files, 100 per directory, as /usr/share is
for (let i = 0; i < FILES; i++) {
  const d = join(root, 'usr/share/filler', `d${Math.floor(i / 100)}`);
  if (i % 100 === 0) mkdirSync(d, { recursive: true });
  writeFileSync(join(d, `f${i}`), 'x');
}

const pct = (list, p) => {
  if (list.length === 0) return NaN;
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const median = (l) => pct(l, 50);

function procStat(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const hz = 100;
  const cpuS = (Number(f[11]) + Number(f[12])) / hz;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { cpuS, rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
}

// ------------------------------------------------------------ one-shot scan
process.stderr.write(`root: ${FILES} filler files; one-shot vigil xccdf eval …\n`);
const once = spawnSync(GNU_TIME, ['-f', '%e %U %S %M', process.execPath, bin, 'xccdf', 'eval', '--profile', PROFILE, '--root', root, DS], { encoding: 'utf8', maxBuffer: 1 << 26 });
const timeLine = once.stderr.trim().split('\n').at(-1);
const [oWall, oUser, oSys, oRssKiB] = timeLine.split(' ').map(Number);
if (![0, 2].includes(once.status)) die(`xccdf eval exited ${once.status}: ${once.stderr.slice(-500)}`);
const oneShot = { wall: oWall, cpu: oUser + oSys, rssMB: oRssKiB / 1024 };

// ------------------------------------------------------------ re-evaluation CPU, in process
process.stderr.write('re-evaluation cost in process …\n');
const session = WatchSession.open(DS, { root, profile: PROFILE });
await session.evaluate();
const fulls = [];
for (let i = 0; i < 3; i++) fulls.push((await session.evaluate()).cpuMs);
const fullCpu = median(fulls);
// On a live host the walks of / are on a schedule (the sources never watch them there); on an
// offline root small enough they are watched exactly, and every change re-runs them.
const asLive = { scheduledWalks: new Set(['/']) };
const single = { '/etc/ssh/sshd_config': [], '/etc/login.defs': [], '/etc/passwd': [], '/etc/sysctl.conf': [], '/etc/modprobe.d/cis.conf': [] };
const exact = [];
for (let round = 0; round < 5; round++) {
  for (const p of Object.keys(single)) {
    appendFileSync(join(root, p), '\n');
    const change = { paths: [p] };
    const run = await session.evaluate(session.affected(change, asLive).keys(), undefined, { change, opts: asLive });
    single[p].push({ cpu: run.cpuMs, rules: run.outcomes.size });
    const all = await session.evaluate(session.affected(change).keys(), undefined, { change });
    exact.push({ cpu: all.cpuMs, rules: all.outcomes.size });
  }
}
await session.close();

// ------------------------------------------------------------ the daemon as its own process
process.stderr.write('vigil watch …\n');
const stateDir = join(work, 'state');
const child = spawn(process.execPath, [bin, 'watch', '--content', DS, '--profile', PROFILE, '--root', root, '--state-dir', stateDir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
let stderr = '';
child.stderr.on('data', (d) => (stderr += d));
child.on('exit', (code, sig) => {
  if (!stopping) die(`vigil watch exited early (${code ?? sig}): ${stderr.slice(-1000)}`);
});
let stopping = false;
const started = performance.now();
const lastChange = new Map(); // path → time of the latest change to it
const latencies = [];
let readyAt;
const lines = createInterface({ input: child.stdout });
lines.on('line', (line) => {
  const now = performance.now();
  let e;
  try {
    e = JSON.parse(line);
  } catch {
    return;
  }
  if (e.type === 'ready') readyAt = now;
  if (e.type === 'drift') {
    const times = e.paths.map((p) => lastChange.get(p)).filter((t) => t !== undefined);
    if (times.length > 0) latencies.push(now - Math.max(...times));
  }
});
while (readyAt === undefined) {
  await sleep(50);
  if (performance.now() - started > 300_000) die('not ready after 5 minutes');
}
// bin/vigil.js runs the daemon in a child Node with its memory settings: measure that one
const kids = (() => {
  try {
    return readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
})();
const daemonPid = kids[0] ?? child.pid;
const afterReady = procStat(daemonPid);

// latency: random changes, spaced so that each is seen on its own
const mutate = new RootMutator(root, prng(20261205), Object.keys(ubuntu.platform));
const changeCpu0 = procStat(daemonPid).cpuS;
for (let i = 0; i < CHANGES; i++) {
  const t = performance.now();
  const m = mutate.step();
  for (const p of m.paths) lastChange.set(p, t);
  await sleep(250);
}
await sleep(2000);
const changeCpu = procStat(daemonPid).cpuS - changeCpu0;

// idle: nothing changes
process.stderr.write(`idle for ${IDLE_S} s …\n`);
const idle0 = procStat(daemonPid);
const t0 = performance.now();
const rss = [idle0.rssMB];
const steps = Math.max(1, Math.round(IDLE_S / 10));
for (let i = 0; i < steps; i++) {
  await sleep((IDLE_S * 1000) / steps);
  rss.push(procStat(daemonPid).rssMB);
}
const idle1 = procStat(daemonPid);
const idleShare = (idle1.cpuS - idle0.cpuS) / ((performance.now() - t0) / 1000);
stopping = true;
child.kill('SIGTERM');
const exitCode = await new Promise((r) => child.on('exit', (c) => r(c)));

// ------------------------------------------------------------ report
const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const allSingle = Object.values(single).flat();
const singleCpu = median(allSingle.map((x) => x.cpu));
const verdict = (ok) => (ok ? 'PASS' : 'MISS');
console.log(`vigil watch on a synthetic Ubuntu 22.04 root (${FILES} filler files), profile ${PROFILE}, node ${process.version}`);
console.log('');
console.log(`one-shot xccdf eval: ${fmt(oneShot.wall, 2)} s wall, ${fmt(oneShot.cpu, 2)} s CPU, peak RSS ${fmt(oneShot.rssMB, 0)} MB`);
console.log(`watch ready after ${fmt((readyAt - started) / 1000, 2)} s; RSS then ${fmt(afterReady.rssMB, 0)} MB`);
console.log('');
console.log(`| measure | figure | target | |`);
console.log(`|---|---|---|---|`);
const p50 = pct(latencies, 50);
const p99 = pct(latencies, 99);
console.log(`| file change → drift event | p50 ${fmt(p50, 0)} ms, p99 ${fmt(p99, 0)} ms, max ${fmt(Math.max(...latencies), 0)} ms (${latencies.length} drift events from ${CHANGES} changes) | p50 ≤ 100 ms, p99 ≤ 1 s | ${verdict(p50 <= 100 && p99 <= 1000)} |`);
console.log(`| re-evaluation, one changed file (walks of / on their schedule, as on a live host) | median ${fmt(singleCpu)} ms CPU (${median(allSingle.map((x) => x.rules))} rules) vs full ${fmt(fullCpu)} ms: 1/${fmt(fullCpu / singleCpu)} | ≤ 1/20 | ${verdict(singleCpu * 20 <= fullCpu)} |`);
for (const [p, l] of Object.entries(single)) console.log(`| … ${p} | ${fmt(median(l.map((x) => x.cpu)))} ms CPU, ${l[0].rules} rules: 1/${fmt(fullCpu / median(l.map((x) => x.cpu)))} | | |`);
const exactCpu = median(exact.map((x) => x.cpu));
console.log(`| … with the walks of / watched exactly (small offline roots) | median ${fmt(exactCpu)} ms CPU (${median(exact.map((x) => x.rules))} rules): 1/${fmt(fullCpu / exactCpu)} | | |`);
console.log(`| daemon CPU per change (process, incl. events and store) | ${fmt((changeCpu * 1000) / CHANGES)} ms | | |`);
console.log(`| idle CPU | ${fmt(idleShare * 100, 2)} % of one core over ${IDLE_S} s | ≤ 1 % | ${verdict(idleShare <= 0.01)} |`);
console.log(`| idle memory | RSS ${fmt(rss[0], 0)} → ${fmt(rss.at(-1), 0)} MB (min ${fmt(Math.min(...rss), 0)}, max ${fmt(Math.max(...rss), 0)}) | no growth | ${verdict(rss.at(-1) <= rss[0] * 1.05 + 2)} |`);
console.log(`| peak RSS | ${fmt(idle1.hwmMB, 0)} MB vs one-shot ${fmt(oneShot.rssMB, 0)} MB: ${fmt(idle1.hwmMB / oneShot.rssMB, 2)}× | ≤ 1.5× | ${verdict(idle1.hwmMB <= 1.5 * oneShot.rssMB)} |`);
console.log('');
console.log(`vigil watch exited ${exitCode} on SIGTERM`);

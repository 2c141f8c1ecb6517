#!/usr/bin/env node
// Event sources benchmark (src/daemon/sources.ts) on a synthetic root in a
// temp dir: what update() costs, how many inotify watches it takes, how fast
// a change is delivered, what a rename storm gives, and what a verification
// sweep costs (the CPU of an idle period with a short sweep interval).
//
// Usage: node bench/watch-sources.mjs [--dev] [--paths N] [--dirs N] [--walk-dirs N]
//        node bench/watch-sources.mjs [--dev] --reads SCAN.json [--root DIR] [--idle S]
//   --dev          import the sources from src/ through tsx (default: dist/, run `npm run build` first)
//   --paths N      paths read (default 3000), spread over --dirs directories (default 100)
//   --walk-dirs N  directories of the walked tree (default 2000, 10 files each)
//   --reads F      instead: the union of the read sets in F (`vigil scan --format json --reads`),
//                  watched on this host (or the offline root --root DIR, --host-kernel as the scan
//                  had it) for --idle S seconds (default 10): update() time, watches, polled paths,
//                  scheduled walks, batches and CPU while idle. Only watches; changes nothing.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const dev = args.includes('--dev');
const nPaths = opt('--paths', 3000);
const nDirs = opt('--dirs', 100);
const nWalkDirs = opt('--walk-dirs', 2000);

if (dev) {
  const { register } = await import('tsx/esm/api');
  register();
}
const mod = await import(new URL(dev ? '../src/daemon/sources.ts' : '../dist/daemon/sources.js', import.meta.url).href).catch((e) => {
  console.error(`cannot load the sources (${e.message}); run \`npm run build\` or use --dev`);
  process.exit(1);
});
const { createEventSources } = mod;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = { info() {}, warn() {}, error() {} };
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const fmt = (ms) => `${ms.toFixed(1)} ms`;

const readsFile = args.includes('--reads') ? args[args.indexOf('--reads') + 1] : undefined;
if (readsFile) {
  const { readFileSync } = await import('node:fs');
  const scan = JSON.parse(readFileSync(readsFile, 'utf8'));
  const paths = new Set();
  const walks = new Map();
  const inputs = new Map();
  for (const r of scan.rules ?? []) {
    for (const p of r.reads?.paths ?? []) paths.add(p);
    for (const w of r.reads?.walks ?? []) walks.set(JSON.stringify([w.start, w.depth]), w);
    for (const i of r.reads?.inputs ?? []) inputs.set(`${i.kind}\0${i.key}`, i);
  }
  const reads = { paths: [...paths].sort(), walks: [...walks.values()], inputs: [...inputs.values()] };
  const at = args.includes('--root') ? args[args.indexOf('--root') + 1] : undefined;
  const idleS = opt('--idle', 10);
  const batches = [];
  const infos = [];
  const s = createEventSources({
    ...(at ? { root: at, hostKernel: args.includes('--host-kernel') } : {}),
    log: { info: (m, f) => infos.push(`${m} ${JSON.stringify(f ?? {})}`), warn: (m, f) => console.log(`warning: ${m} ${JSON.stringify(f ?? {})}`), error: (m) => console.log(`error: ${m}`) },
    onChange: (b) => batches.push(b),
  });
  const kinds = {};
  for (const i of reads.inputs) kinds[i.kind] = (kinds[i.kind] ?? 0) + 1;
  console.log(`read sets of ${(scan.rules ?? []).filter((r) => r.reads && (r.reads.paths.length || r.reads.walks.length || r.reads.inputs.length)).length} rules: ${reads.paths.length} paths, ${reads.walks.length} walks (${reads.walks.filter((w) => w.depth !== 0).length} deeper than a listing), inputs ${JSON.stringify(kinds)}`);
  let t = performance.now();
  await s.update(reads);
  const first = performance.now() - t;
  t = performance.now();
  await s.update({ ...reads, paths: [...reads.paths] });
  const again = performance.now() - t;
  const st = s.status();
  console.log(`update(): ${fmt(first)}, the same again ${fmt(again)}; ${st.watches} watches, ${st.polled} polled${st.reason ? ` (${st.reason})` : ''}; ${infos.join('; ')}`);
  const c0 = process.cpuUsage();
  await sleep(idleS * 1000);
  const c = process.cpuUsage(c0);
  const named = batches.flatMap((b) => [...b.paths, ...b.dirs.map((d) => `${d}/`), ...b.inputs.map((i) => `${i.kind}:${i.key}`)]);
  console.log(`idle ${idleS} s: ${fmt((c.user + c.system) / 1000)} CPU (${(((c.user + c.system) / 1000 / (idleS * 1000)) * 100).toFixed(2)}% of a core), ${batches.length} batches naming ${new Set(named).size} paths and inputs${named.length ? `: ${[...new Set(named)].slice(0, 8).join(', ')}${named.length > 8 ? ', …' : ''}` : ''}; dropped ${s.status().dropped}`);
  await s.close();
  process.exit(0);
}

const root = mkdtempSync(join(tmpdir(), 'vigil-bench-sources-'));

try {
  const paths = [];
  for (let i = 0; i < nPaths; i++) {
    const p = `etc/d${i % nDirs}/f${i}`;
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), 'x');
    paths.push(`/${p}`);
  }
  for (let d = 0; d < nWalkDirs; d++) {
    const dir = join(root, 'usr', `a${d % 20}`, `b${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 10; f++) writeFileSync(join(dir, `f${f}`), 'x');
  }
  await sleep(50);

  // update(): paths
  let waiting;
  const batches = [];
  const s = createEventSources({
    root,
    log,
    intervals: { debounceMs: 50, maxDebounceMs: 500 },
    walkWatchLimit: nWalkDirs + 100,
    onChange: (b) => {
      batches.push({ b, at: performance.now() });
      waiting?.();
    },
  });
  const reads = { paths, walks: [], inputs: [] };
  let t = performance.now();
  await s.update(reads);
  const first = performance.now() - t;
  t = performance.now();
  await s.update({ ...reads, paths: [...paths] });
  const again = performance.now() - t;
  t = performance.now();
  await s.update({ ...reads, paths: [...paths, '/etc/d0/another'] });
  const more = performance.now() - t;
  console.log(`update(): ${nPaths} paths in ${nDirs} directories: first ${fmt(first)}, the same again ${fmt(again)}, one path more ${fmt(more)}; ${s.status().watches} watches`);

  // a walk
  const walkReads = { paths, walks: [{ start: '/usr', depth: -1 }], inputs: [] };
  t = performance.now();
  await s.update(walkReads);
  const walk = performance.now() - t;
  t = performance.now();
  await s.update({ ...walkReads, paths: [...paths, '/etc/d0/another'] });
  const walkAgain = performance.now() - t;
  console.log(`update(): + a walk of ${nWalkDirs + 21} directories (${nWalkDirs * 10} files): ${fmt(walk)}, with one path more ${fmt(walkAgain)}; ${s.status().watches} watches`);

  // latency of one write (the debounce is 50 ms of it)
  const lat = [];
  for (let i = 0; i < 100; i++) {
    const done = new Promise((r) => (waiting = r));
    const t0 = performance.now();
    writeFileSync(join(root, paths[(i * 37) % nPaths].slice(1)), String(i));
    await done;
    lat.push(performance.now() - t0);
    await sleep(5);
  }
  console.log(`write → onChange (debounce 50 ms): p50 ${fmt(quantile(lat, 0.5))}, p99 ${fmt(quantile(lat, 0.99))}`);
  await s.close();

  // a storm
  const storm = [];
  const s2 = createEventSources({ root, log, intervals: { debounceMs: 50, maxDebounceMs: 500 }, onChange: (b) => storm.push(b) });
  await s2.update(reads);
  t = performance.now();
  for (let i = 0; i < nPaths; i++) {
    writeFileSync(join(root, 'etc/d0/.tmp'), String(i));
    renameSync(join(root, 'etc/d0/.tmp'), join(root, `etc/d${i % nDirs}/f${i}`).replace(`/d${i % nDirs}/`, `/d${i % nDirs}/`));
  }
  await sleep(700);
  const named = new Set(storm.flatMap((b) => b.paths)).size;
  console.log(`storm of ${nPaths} atomic replaces: ${storm.length} batches naming ${named} paths`);
  await s2.close();

  // the verification sweep: CPU of idle periods, with and without a sweep every 250 ms
  const idle = async (verifyMs) => {
    const s3 = createEventSources({ root, log, walkWatchLimit: nWalkDirs + 100, intervals: { verifyMs }, onChange: () => {} });
    await s3.update(walkReads);
    const c0 = process.cpuUsage();
    await sleep(3000);
    const c = process.cpuUsage(c0);
    await s3.close();
    return (c.user + c.system) / 1000;
  };
  const quiet = await idle(3600000);
  const sweeping = await idle(250);
  const perSweep = (sweeping - quiet) / 12;
  console.log(`idle 3 s with ${nPaths} paths and the walk: ${fmt(quiet)} CPU; with a sweep every 250 ms: ${fmt(sweeping)} → ${fmt(perSweep)} per sweep (${((perSweep / 60000) * 100).toFixed(3)}% of a core at the default 60 s)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}

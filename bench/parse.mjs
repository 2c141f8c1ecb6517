#!/usr/bin/env node
// Loading benchmark: `vigil info FILE` against `oscap info FILE`, each run as a
// process, alternately, on the largest SSG data stream and on Ubuntu 22.04's.
// Prints the median wall time and peak RSS of each tool and the vigil/oscap
// ratios, then Vigil's in-process openContent time.
//
// Usage: node bench/parse.mjs [--runs N] [FILE...]      (npm run bench:parse)
// Needs `npm run build` (it runs dist/ through bin/vigil.js). Without oscap it
// prints Vigil's figures only and exits with status 2.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONTENT = process.env.VIGIL_SSG_CONTENT ?? '/usr/share/xml/scap/ssg/content';
const DEFAULT_TARGETS = ['ssg-rhel9-ds.xml', 'ssg-ubuntu2204-ds.xml'].map((f) => join(CONTENT, f));
/** The brief's goals for the largest data stream. */
const GOAL = { file: 'ssg-rhel9-ds.xml', wallS: 0.6, rssMB: 200 };
const GNU_TIME = '/usr/bin/time';

function die(msg, code = 1) {
  console.error(`bench/parse.mjs: ${msg}`);
  process.exit(code);
}

// ------------------------------------------------------------------ arguments
let runs = 7;
const files = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--runs') runs = Number(argv[++i]);
  else if (a === '-h' || a === '--help') {
    console.log('usage: node bench/parse.mjs [--runs N] [FILE...]  (N >= 5; default 7; files default to ssg-rhel9-ds.xml and ssg-ubuntu2204-ds.xml)');
    process.exit(0);
  } else files.push(a);
}
if (!Number.isInteger(runs) || runs < 5) die('--runs needs a whole number of at least 5');
const targets = files.length ? files : DEFAULT_TARGETS;

// ------------------------------------------------------------------ prerequisites
const DIST_FILES = ['dist/cli/main.js', 'dist/model/checklist.js', 'dist/app/info.js'];
const missingDist = DIST_FILES.filter((f) => !existsSync(join(ROOT, f)));
if (missingDist.length) die(`dist/ is missing or incomplete (${missingDist.join(', ')}): run \`npm run build\` first`);
for (const t of targets) if (!existsSync(t)) die(`${t} does not exist (install the SSG content: apt-get install ssg-nondebian ssg-debderived)`);

const oscapVersion = (() => {
  const r = spawnSync('oscap', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : undefined;
})();
const useGnuTime = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%e %M', process.execPath, '-e', ''], { encoding: 'utf8' }).status === 0;

// ------------------------------------------------------------------ measuring
const scratch = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs `cmd args` with stdout discarded. Wall time is measured here (hrtime
 * around the whole child); peak RSS comes from GNU time's %M (KiB) or, without
 * it, from sampling /proc/PID/status VmHWM until the child exits.
 */
function measure(cmd, args) {
  return new Promise((resolve, reject) => {
    const timeFile = join(scratch, 'time.txt');
    const [file, argv2] = useGnuTime ? [GNU_TIME, ['-f', '%e %M', '-o', timeFile, cmd, ...args]] : [cmd, args];
    const start = process.hrtime.bigint();
    const child = spawn(file, argv2, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let hwmKiB = 0;
    let sampler;
    if (!useGnuTime) {
      const sample = () => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwmKiB = Math.max(hwmKiB, Number(m[1]));
        } catch {
          /* exited */
        }
      };
      sample();
      sampler = setInterval(sample, 5);
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallS = Number(process.hrtime.bigint() - start) / 1e9;
      if (sampler) clearInterval(sampler);
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}:\n${stderr.slice(-2000)}`));
      if (useGnuTime) {
        const [, kib] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ');
        hwmKiB = Number(kib);
      }
      resolve({ wallS, rssMB: hwmKiB / 1024 });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const TOOLS = {
  vigil: (f) => [process.execPath, [join(ROOT, 'bin/vigil.js'), 'info', f]],
  oscap: (f) => ['oscap', ['info', f]],
};

/** In a fresh `node -e`: time openContent, then the whole describeContent, on `file`. */
const IN_PROCESS = `
const { openContent } = await import(${JSON.stringify(join(ROOT, 'dist/model/checklist.js'))});
const { describeContent } = await import(${JSON.stringify(join(ROOT, 'dist/app/info.js'))});
const file = process.argv[1];
let t = performance.now();
openContent(file);
const open = (performance.now() - t) / 1000;
t = performance.now();
describeContent(file);
const describe = (performance.now() - t) / 1000;
console.log(JSON.stringify({ open, describe, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
`;

function inProcess(file) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', IN_PROCESS, file], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`in-process parse of ${file} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// ------------------------------------------------------------------ main
const tools = oscapVersion ? ['oscap', 'vigil'] : ['vigil'];
console.log(`vigil: ${join(ROOT, 'bin/vigil.js')} (dist built ${statSync(join(ROOT, 'dist/cli/main.js')).mtime.toISOString()}), node ${process.version}`);
console.log(`oscap: ${oscapVersion ?? 'NOT FOUND'}`);
console.log(`peak RSS from: ${useGnuTime ? `${GNU_TIME} -f '%e %M'` : '/proc/PID/status VmHWM sampled every 5 ms (approximate)'}`);
console.log(`runs: ${runs} per tool and target, alternating, after one warm-up run each\n`);

const rows = [];
const inproc = [];
try {
  for (const file of targets) {
    const name = basename(file);
    const size = (statSync(file).size / 1e6).toFixed(1);
    process.stderr.write(`${name} (${size} MB): `);
    const samples = Object.fromEntries(tools.map((t) => [t, []]));
    for (const t of tools) await measure(...TOOLS[t](file)); // warm-up (page cache, JIT caches)
    for (let i = 0; i < runs; i++) {
      // Alternate, and alternate who goes first, so drift hits both tools alike.
      const order = i % 2 ? [...tools].reverse() : tools;
      for (const t of order) samples[t].push(await measure(...TOOLS[t](file)));
      process.stderr.write('.');
    }
    const ip = Array.from({ length: runs }, () => inProcess(file));
    process.stderr.write('\n');
    const med = Object.fromEntries(
      tools.map((t) => [t, { wallS: median(samples[t].map((s) => s.wallS)), rssMB: median(samples[t].map((s) => s.rssMB)) }]),
    );
    for (const t of tools) {
      const w = samples[t].map((s) => s.wallS);
      rows.push([name, t, med[t].wallS.toFixed(3), med[t].rssMB.toFixed(1), `${Math.min(...w).toFixed(3)}–${Math.max(...w).toFixed(3)}`]);
    }
    if (oscapVersion) {
      rows.push([name, 'vigil/oscap', `${(med.vigil.wallS / med.oscap.wallS).toFixed(2)}×`, `${(med.vigil.rssMB / med.oscap.rssMB).toFixed(2)}×`, '']);
    }
    inproc.push({
      name,
      size,
      open: median(ip.map((x) => x.open)),
      describe: median(ip.map((x) => x.describe)),
      rss: median(ip.map((x) => x.maxRssMB)),
    });
    if (name === GOAL.file) {
      const v = med.vigil;
      const ok = v.wallS <= GOAL.wallS && v.rssMB <= GOAL.rssMB;
      rows.goal = `goal on ${name}: vigil ≤ ${GOAL.wallS} s and ≤ ${GOAL.rssMB} MB → ${v.wallS.toFixed(3)} s, ${v.rssMB.toFixed(1)} MB: ${ok ? 'met' : 'NOT met'}`;
    }
  }
} catch (e) {
  die(`a run failed, so there are no figures: ${e instanceof Error ? e.message : String(e)}`);
}

function table(header, body) {
  const all = [header, ...body];
  const width = header.map((_, c) => Math.max(...all.map((r) => String(r[c]).length)));
  const line = (r) => `| ${r.map((x, c) => (c >= 2 ? String(x).padStart(width[c]) : String(x).padEnd(width[c]))).join(' | ')} |`;
  return [line(header), `|${width.map((w, c) => (c >= 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...body.map(line)].join('\n');
}

console.log(`\n\`info FILE\` as a process, median of ${runs} runs:\n`);
console.log(table(['target', 'tool', 'wall s', 'peak RSS MB', 'wall min–max'], rows));
if (rows.goal) console.log(`\n${rows.goal}`);
console.log(`\nVigil in-process (fresh \`node -e\` importing dist/, median of ${runs}):\n`);
console.log(
  table(
    ['target', 'size MB', 'openContent s', 'describeContent s', 'max RSS MB'],
    inproc.map((x) => [x.name, x.size, x.open.toFixed(3), x.describe.toFixed(3), x.rss.toFixed(1)]),
  ),
);
console.log('\nopenContent runs first in a fresh process (cold JIT); describeContent runs after it in the same process (warm JIT)\nand reads the file again, then links and validates every checklist. max RSS is the whole process.');

if (!oscapVersion) {
  die('oscap is not installed (apt-get install openscap-scanner), so only Vigil was measured; no ratios', 2);
}

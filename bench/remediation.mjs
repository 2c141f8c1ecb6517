#!/usr/bin/env node
// Remediation benchmark: `vigil xccdf generate fix` against `oscap xccdf
// generate fix`, each run as a process, alternately, profile-based on the
// Ubuntu 22.04 and Debian 11 data streams and results-based on a results
// file that oscap writes first (one evaluation of a synthetic root, as
// ../shared/ORACLE.md describes). Prints the median wall time of each tool,
// the vigil/oscap ratio, and the time `vigil --help` takes: what the CLI
// costs before any work.
//
// Usage: node bench/remediation.mjs [--runs N]      (N >= 3; default 5)
// Needs `npm run build` (it runs dist/ through bin/vigil.js) and oscap.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONTENT = process.env.VIGIL_SSG_CONTENT ?? '/usr/share/xml/scap/ssg/content';
const VIGIL = [process.execPath, join(ROOT, 'bin/vigil.js')];
const UBUNTU = join(CONTENT, 'ssg-ubuntu2204-ds.xml');
const DEBIAN = join(CONTENT, 'ssg-debian11-ds.xml');

function die(msg, code = 1) {
  console.error(`bench/remediation.mjs: ${msg}`);
  process.exit(code);
}

let runs = 5;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--runs') runs = Number(argv[++i]);
  else if (argv[i] === '-h' || argv[i] === '--help') {
    console.log('usage: node bench/remediation.mjs [--runs N]  (N >= 3; default 5)');
    process.exit(0);
  } else die(`unknown argument ${argv[i]}`);
}
if (!Number.isInteger(runs) || runs < 3) die('--runs needs a whole number of at least 3');
if (!existsSync(join(ROOT, 'dist/cli/remediation-commands.js'))) die('dist/ is missing or stale: run `npm run build` first');
for (const f of [UBUNTU, DEBIAN]) if (!existsSync(f)) die(`${f} does not exist (apt-get install ssg-debderived ssg-nondebian)`);
if (spawnSync('oscap', ['--version']).status !== 0) die('oscap is missing (apt-get install openscap-scanner)', 2);

const scratch = mkdtempSync(join(tmpdir(), 'vigil-bench-rem-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const GNU_TIME = '/usr/bin/time';
const useGnuTime = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%U %S', process.execPath, '-e', '']).status === 0;

/**
 * One run, stdout discarded: wall seconds (hrtime around the child) and,
 * with GNU time, user+system CPU seconds, which the machine's other load
 * disturbs less. Rejects on a failure.
 */
function time(cmd, args) {
  return new Promise((resolve, reject) => {
    const cpuFile = join(scratch, 'cpu.txt');
    const [file, argv2] = useGnuTime ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, cmd, ...args]] : [cmd, args];
    const start = process.hrtime.bigint();
    const child = spawn(file, argv2, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 400)}`));
      const cpu = useGnuTime ? readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number).reduce((a, b) => a + b, 0) : NaN;
      resolve({ wall, cpu });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// A results file: oscap evaluates a synthetic Ubuntu 22.04 root.
const root = join(scratch, 'root');
mkdirSync(join(root, 'etc/ssh'), { recursive: true });
writeFileSync(join(root, 'etc/lsb-release'), 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n');
writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin yes\nX11Forwarding yes\n');
const results = join(scratch, 'results.xml');
const arf = join(scratch, 'arf.xml');
const evaluated = spawnSync('oscap', ['xccdf', 'eval', '--profile', 'xccdf_org.ssgproject.content_profile_cis_level2_server', '--results', results, '--results-arf', arf, UBUNTU], {
  env: { ...process.env, OSCAP_PROBE_ROOT: root },
  encoding: 'utf8',
});
if (!existsSync(results)) die(`oscap xccdf eval wrote no results: ${evaluated.stderr}`);

const cases = [
  { name: 'profile, ansible, ubuntu2204 cis_level2_server', args: ['--fix-type', 'ansible', '--profile', 'xccdf_org.ssgproject.content_profile_cis_level2_server', UBUNTU] },
  { name: 'profile, bash, ubuntu2204 cis_level2_server', args: ['--fix-type', 'bash', '--profile', 'xccdf_org.ssgproject.content_profile_cis_level2_server', UBUNTU] },
  { name: 'profile, ansible, debian11 standard', args: ['--fix-type', 'ansible', '--profile', 'xccdf_org.ssgproject.content_profile_standard', DEBIAN] },
  { name: 'results, ansible, results file (7 MB)', args: ['--fix-type', 'ansible', '--result-id', '', results] },
  { name: 'results, bash, results file (7 MB)', args: ['--fix-type', 'bash', '--result-id', '', results] },
  { name: 'results, ansible, ARF (15 MB)', args: ['--fix-type', 'ansible', '--result-id', '', arf] },
];

console.log(`runs per tool and case: ${runs} (alternating; medians of wall time${useGnuTime ? ', and of user+system CPU time' : ''})\n`);
const startup = [];
for (let i = 0; i < runs; i++) startup.push(await time(VIGIL[0], [VIGIL[1], '--help']));
console.log(`vigil --help (CLI start-up, no work): ${median(startup.map((r) => r.wall)).toFixed(3)} s wall, ${median(startup.map((r) => r.cpu)).toFixed(3)} s CPU\n`);
console.log('case'.padEnd(48) + 'vigil s'.padStart(9) + 'oscap s'.padStart(9) + '  ratio' + (useGnuTime ? '   vigil CPU  oscap CPU  ratio' : ''));
for (const c of cases) {
  const v = [];
  const o = [];
  await time(VIGIL[0], [VIGIL[1], 'xccdf', 'generate', 'fix', ...c.args]); // warm the page cache
  await time('oscap', ['xccdf', 'generate', 'fix', ...c.args]);
  for (let i = 0; i < runs; i++) {
    const pair = [
      async () => v.push(await time(VIGIL[0], [VIGIL[1], 'xccdf', 'generate', 'fix', ...c.args])),
      async () => o.push(await time('oscap', ['xccdf', 'generate', 'fix', ...c.args])),
    ];
    if (i % 2) pair.reverse();
    for (const run of pair) await run();
  }
  const [vw, ow] = [median(v.map((r) => r.wall)), median(o.map((r) => r.wall))];
  let line = c.name.padEnd(48) + vw.toFixed(3).padStart(9) + ow.toFixed(3).padStart(9) + `  ${(vw / ow).toFixed(2)}`;
  if (useGnuTime) {
    const [vc, oc] = [median(v.map((r) => r.cpu)), median(o.map((r) => r.cpu))];
    line += vc.toFixed(2).padStart(12) + oc.toFixed(2).padStart(11) + `  ${(vc / oc).toFixed(2)}`;
  }
  console.log(line);
}

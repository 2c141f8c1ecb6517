#!/usr/bin/env node
// Walk benchmark: `vigil oval eval --root R DOC` against
// `OSCAP_PROBE_ROOT=R oscap oval eval DOC` on a generated synthetic root of
// 100k files, where DOC holds three recursing unix:file_object walks shaped
// like SSG's heaviest rules (whole-tree walks from / with
// recurse_file_system="local" and filters):
//   - file_permissions_unauthorized_world_writable (regular, o+w; /proc and /sys excluded),
//   - dir_perms_world_writable_sticky_bits (directories o+w without the sticky bit),
//   - no_files_unowned_by_user (files whose uid is not a known user's).
// Each tool is warmed up once, then they alternate (who goes first alternates
// too). Prints the median wall time, user+sys CPU and peak RSS of each (from
// /usr/bin/time), the vigil/oscap ratios, and whether both gave the same
// definition results.
//
// Usage: node bench/walk.mjs [--files N] [--runs N] [--tuned] [--no-oscap] [--dev | --vigil ENTRY.js] [--keep]
//   --files N   files in the synthetic root (default 100000)
//   --runs N    measured runs per tool (default 3; the median is reported)
//   --tuned     also time oscap with SEXP_VALIDATE_DISABLE=1 (../shared/ORACLE.md)
//   --no-oscap  time Vigil alone (e.g. to see that its memory does not grow with --files)
//   --dev       run Vigil from the sources (node --import tsx src/cli/bin.ts)
//   --vigil F   run Vigil as `node F` (default bin/vigil.js: run `npm run build` first)
//   --keep      keep the generated root and document, and print where they are
// Exit status: 1 when a run fails or Vigil cannot be run, 2 when oscap is missing
// (Vigil's figures are still printed).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GNU_TIME = '/usr/bin/time';

function die(msg, code = 1) {
  console.error(`bench/walk.mjs: ${msg}`);
  process.exit(code);
}

// ------------------------------------------------------------------ arguments
let files = 100_000;
let runs = 3;
let tuned = false;
let keep = false;
let vigilEntry = join(ROOT, 'bin/vigil.js');
let dev = false;
let withOscap = true;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--files') files = Number(argv[++i]);
  else if (a === '--runs') runs = Number(argv[++i]);
  else if (a === '--tuned') tuned = true;
  else if (a === '--keep') keep = true;
  else if (a === '--dev') dev = true;
  else if (a === '--no-oscap') withOscap = false;
  else if (a === '--vigil') vigilEntry = argv[++i];
  else if (a === '-h' || a === '--help') {
    console.log('usage: node bench/walk.mjs [--files N] [--runs N] [--tuned] [--no-oscap] [--dev | --vigil ENTRY.js] [--keep]');
    process.exit(0);
  } else die(`unknown argument ${a}`);
}
if (!Number.isInteger(files) || files < 1000) die('--files needs a whole number of at least 1000');
if (!Number.isInteger(runs) || runs < 1) die('--runs needs a whole number of at least 1');
if (!existsSync(GNU_TIME)) die(`${GNU_TIME} is missing (Debian package time): it measures CPU time and peak RSS`);

const vigilCmd = dev ? [process.execPath, '--import', 'tsx', join(ROOT, 'src/cli/bin.ts')] : [process.execPath, vigilEntry];
if (!dev && vigilEntry === join(ROOT, 'bin/vigil.js') && !existsSync(join(ROOT, 'dist/oval/probes/walk.js'))) {
  die('dist/ is missing or predates the shared walk: run `npm run build` first (or use --dev)');
}
const oscapVersion = (() => {
  if (!withOscap) return undefined;
  const r = spawnSync('oscap', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : undefined;
})();

// ------------------------------------------------------------------ the synthetic root
const scratch = mkdtempSync(join(tmpdir(), 'vigil-bench-walk-'));
if (!keep) process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const root = join(scratch, 'root');
const canChown = process.getuid?.() === 0;

/**
 * Directories 4 levels deep, 8 wide (4681 of them), files spread evenly:
 * one file in 200 world-writable, one in 500 owned by an unknown uid (when
 * run as root), one directory in 100 world-writable, half of those sticky.
 */
function buildRoot() {
  const dirs = [];
  const make = (rel, depth) => {
    mkdirSync(join(root, rel), { recursive: true });
    dirs.push(rel);
    if (depth < 4) for (let i = 0; i < 8; i++) make(join(rel, `d${i}`), depth + 1);
  };
  make('', 0);
  const perDir = Math.ceil(files / dirs.length);
  let n = 0;
  for (const rel of dirs) {
    for (let i = 0; i < perDir && n < files; i++, n++) {
      const p = join(root, rel, `f${i}.conf`);
      writeFileSync(p, '');
      if (n % 200 === 7) chmodSync(p, 0o666);
      if (canChown && n % 500 === 11) chownSync(p, 4242, 4242);
    }
  }
  dirs.forEach((rel, i) => {
    if (i > 0 && i % 100 === 3) chmodSync(join(root, rel), i % 200 === 3 ? 0o1777 : 0o777);
  });
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/sh\n');
  return { dirs: dirs.length + 1, files: n + 1 };
}

const WHOLE = '<unix:behaviors recurse="directories" recurse_direction="down" max_depth="-1" recurse_file_system="local"/><unix:path operation="equals">/</unix:path>';
const DOC = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:unix="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>
<definitions>
${['world_writable', 'sticky_bits', 'unowned']
  .map(
    (n, i) =>
      `<definition id="oval:bench:def:${i + 1}" version="1" class="compliance"><metadata><title>${n}</title><description>${n}</description></metadata><criteria><criterion test_ref="oval:bench:tst:${i + 1}"/></criteria></definition>`,
  )
  .join('\n')}
</definitions>
<tests>
${[1, 2, 3].map((i) => `<unix:file_test id="oval:bench:tst:${i}" version="1" check="all" check_existence="none_exist" comment="none"><unix:object object_ref="oval:bench:obj:${i}"/></unix:file_test>`).join('\n')}
</tests>
<objects>
<unix:file_object id="oval:bench:obj:1" version="1" comment="world writable">${WHOLE}<unix:filename operation="pattern match">^.*$</unix:filename><filter action="include">oval:bench:ste:1</filter><filter action="exclude">oval:bench:ste:2</filter><filter action="exclude">oval:bench:ste:3</filter></unix:file_object>
<unix:file_object id="oval:bench:obj:2" version="1" comment="world writable directories without the sticky bit">${WHOLE}<unix:filename xsi:nil="true"/><filter action="include">oval:bench:ste:4</filter></unix:file_object>
<unix:file_object id="oval:bench:obj:3" version="1" comment="all local files">${WHOLE}<unix:filename operation="pattern match">.*</unix:filename><filter action="exclude">oval:bench:ste:5</filter></unix:file_object>
</objects>
<states>
<unix:file_state id="oval:bench:ste:1" version="1"><unix:type operation="equals">regular</unix:type><unix:owrite datatype="boolean">true</unix:owrite></unix:file_state>
<unix:file_state id="oval:bench:ste:2" version="1"><unix:filepath operation="pattern match">^/proc/.*$</unix:filepath></unix:file_state>
<unix:file_state id="oval:bench:ste:3" version="1"><unix:filepath operation="pattern match">^/sys/.*$</unix:filepath></unix:file_state>
<unix:file_state id="oval:bench:ste:4" version="1"><unix:sticky datatype="boolean">false</unix:sticky><unix:owrite datatype="boolean">true</unix:owrite></unix:file_state>
<unix:file_state id="oval:bench:ste:5" version="1"><unix:user_id datatype="int" var_ref="oval:bench:var:1" var_check="at least one"/></unix:file_state>
</states>
<variables>
<constant_variable id="oval:bench:var:1" version="1" datatype="int" comment="known users"><value>0</value><value>1000</value></constant_variable>
</variables>
</oval_definitions>
`;

const t0 = Date.now();
const built = buildRoot();
const docFile = join(scratch, 'walk-oval.xml');
writeFileSync(docFile, DOC);
console.log(`synthetic root: ${built.files} files in ${built.dirs} directories (${((Date.now() - t0) / 1000).toFixed(1)} s to build)${keep ? ` at ${root}` : ''}`);
if (!canChown) console.log('(not root: no file has an unknown owner, so no_files_unowned_by_user keeps nothing)');

// ------------------------------------------------------------------ measuring
/** Runs `cmd` under GNU time: wall (measured here), user+sys CPU and peak RSS, and the definition results it printed. */
function measure(cmd, env) {
  return new Promise((resolve, reject) => {
    const timeFile = join(scratch, 'time.out');
    rmSync(timeFile, { force: true });
    const started = process.hrtime.bigint();
    const child = spawn(GNU_TIME, ['-o', timeFile, '-f', '%U %S %M', ...cmd], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${cmd.join(' ')} exited with ${code}: ${err.slice(-800)}`));
      const [user, sys, rssKb] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
      const results = [...out.matchAll(/^Definition (\S+): (\S+)/gm)].map((m) => `${m[1]}=${m[2]}`).sort();
      resolve({ wall, cpu: user + sys, rssMb: rssKb / 1024, results });
    });
  });
}

const tools = [{ name: 'vigil', cmd: [...vigilCmd, 'oval', 'eval', '--root', root, docFile], env: {} }];
if (oscapVersion) {
  tools.push({ name: 'oscap', cmd: ['oscap', 'oval', 'eval', docFile], env: { OSCAP_PROBE_ROOT: root } });
  if (tuned) tools.push({ name: 'oscap (SEXP_VALIDATE_DISABLE=1)', cmd: ['oscap', 'oval', 'eval', docFile], env: { OSCAP_PROBE_ROOT: root, SEXP_VALIDATE_DISABLE: '1' } });
} else if (withOscap) console.log('oscap is missing (Debian package openscap-scanner): Vigil only');

const samples = new Map(tools.map((t) => [t.name, []]));
const answers = new Map();
try {
  for (const t of tools) answers.set(t.name, (await measure(t.cmd, t.env)).results); // warm-up: page cache, JIT caches
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? tools : [...tools].reverse();
    for (const t of order) samples.get(t.name).push(await measure(t.cmd, t.env));
  }
} catch (e) {
  die(String(e instanceof Error ? e.message : e));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fig = (name) => {
  const s = samples.get(name);
  return { wall: median(s.map((x) => x.wall)), lo: Math.min(...s.map((x) => x.wall)), hi: Math.max(...s.map((x) => x.wall)), cpu: median(s.map((x) => x.cpu)), rss: median(s.map((x) => x.rssMb)) };
};

console.log(`\n${built.files} files, 3 whole-tree file_object walks with filters; median of ${runs} alternating runs${oscapVersion ? `; ${oscapVersion}` : ''}`);
console.log(`${'tool'.padEnd(34)}${'wall s'.padStart(9)}${'(min–max)'.padStart(16)}${'CPU s'.padStart(9)}${'RSS MB'.padStart(9)}`);
for (const t of tools) {
  const f = fig(t.name);
  console.log(`${t.name.padEnd(34)}${f.wall.toFixed(2).padStart(9)}${`(${f.lo.toFixed(2)}–${f.hi.toFixed(2)})`.padStart(16)}${f.cpu.toFixed(2).padStart(9)}${f.rss.toFixed(0).padStart(9)}`);
}
const v = fig('vigil');
for (const t of tools.slice(1)) {
  const o = fig(t.name);
  console.log(`vigil / ${t.name}: wall ${(v.wall / o.wall).toFixed(3)}, CPU ${(v.cpu / o.cpu).toFixed(3)}, RSS ${(v.rss / o.rss).toFixed(3)}`);
}
const mine = answers.get('vigil');
console.log(`definition results: vigil ${mine.join(' ')}`);
for (const t of tools.slice(1)) {
  const theirs = answers.get(t.name);
  console.log(`  ${JSON.stringify(theirs) === JSON.stringify(mine) ? 'same as' : 'DIFFERENT from'} ${t.name}${JSON.stringify(theirs) === JSON.stringify(mine) ? '' : `: ${theirs.join(' ')}`}`);
}
if (withOscap && !oscapVersion) process.exit(2);

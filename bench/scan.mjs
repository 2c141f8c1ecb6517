#!/usr/bin/env node
// Scan benchmark: `vigil xccdf eval` against `oscap xccdf eval` on the live host
// and on generated synthetic roots, each tool run as a process, alternately.
// oscap is measured twice per target: as users run it, and with
// SEXP_VALIDATE_DISABLE=1 (its faster mode, ../shared/ORACLE.md). For each
// target and tool it prints the median wall time, user+sys CPU and peak RSS
// (GNU time), the vigil/oscap ratios, and checks that both tools gave the same
// result for every rule. Then a Markdown table, the goals (PASS/MISS) and, on
// the synthetic roots, how the cost per file grows with the size of the tree.
//
// The floor: in the same rounds, a warm `find / -xdev` (live; `find ROOT` on a
// synthetic root), the physical limit of a walk, is timed as a third tool, and
// Vigil's ratio to it is printed beside its ratio to oscap (issue 21's goal:
// at most 2× on CIS L2 live and on the 1M-file root). GNU find lists with
// getdents and uses the listing's d_type, so it examines almost no entry;
// the rules need every entry's mode and owner, so the same walk with an lstat
// of every entry (`find -printf` of the fields the file probe reads) is timed
// too and printed as the "stat floor".
//
// Usage: node bench/scan.mjs [--only NAME,...] [--runs N] [--timeout MIN] [--work DIR]
//                            [--markdown FILE] [--no-warmup] [--clean] [--prefetch]  (npm run bench:scan)
//   --only      targets to run (default: all, in the order below)
//   --runs N    measured runs per tool and target (default 3; the median is reported)
//   --timeout   minutes before a run is killed (default 30)
//   --work DIR  where the synthetic roots are generated and cached (default $TMPDIR/vigil-bench-scan)
//   --markdown  also write the final table, goals and scaling figures to FILE
//   --no-warmup skip the warm-up run of each tool (its results are checked too)
//   --clean     remove the generated synthetic roots at the end
//   --generate-only  generate (or check) the selected synthetic roots, then stop
//   --prefetch  also time Vigil with its walk's worker read-ahead on (VIGIL_WALK_PREFETCH=1,
//               src/target/dir-prefetch.ts; off by default), checking it gives Vigil's results
//   --js-reader also time Vigil with its pure-JS directory reader (VIGIL_NATIVE=0; the native one,
//               src/target/native-walk.ts, is used when built), checking it gives Vigil's results
//   --no-oscap  leave oscap out (its runs take minutes): Vigil against the floors, and against
//               itself with --js-reader; the goals against oscap are not judged
//
// Targets:
//   live-cis2            this host, ssg-ubuntu2204-ds.xml cis_level2_server
//   live-cis2-machine    the same with the "machine" copy of the data stream
//   live-standard        this host, ssg-ubuntu2204-ds.xml standard
//   live-debian11-anssi  this host, ssg-debian11-ds.xml anssi_np_nt28_high
//   synthetic-100k, synthetic-300k, synthetic-1m
//                        generated roots, the machine copy's cis_level2_server
// The live targets run inside private mount namespaces (unshare -m) where the
// content applies: an overlay on /etc adds lsb-release for Ubuntu 22.04, a bind
// mount puts 11.7 in /etc/debian_version for Debian 11. In the same namespace
// the cached synthetic roots are hidden under an empty directory, so the live
// walks of / do not depend on whether they exist. Nothing on the host changes.
//
// On a synthetic root, the rules whose checks touch an object type that the
// tools collect differently offline by design (oscap skips shadow_object and
// reads some state from the scanning host; Vigil collects live-only objects
// only from a live host: docs/CONFORMANCE.md, "Offline behaviour") are found
// by object type, as the conformance suite does (bench/offline-rules.ts), and
// reported apart; every other rule must agree.
//
// Exit status: 1 when the build fails, a run fails or times out, or the tools'
// results differ on any rule they are compared on (the differing rules are listed); 2 when oscap or
// GNU time is missing. A missed goal does not change the exit status.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRuleResults } from '../scripts/rule-results.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONTENT = process.env.VIGIL_SSG_CONTENT ?? '/usr/share/xml/scap/ssg/content';
const U2204 = join(CONTENT, 'ssg-ubuntu2204-ds.xml');
const D11 = join(CONTENT, 'ssg-debian11-ds.xml');
const PROFILE = (p) => `xccdf_org.ssgproject.content_profile_${p}`;
const GNU_TIME = '/usr/bin/time';
const TIME_FORMAT = '%e %U %S %M';

function die(msg, code = 1) {
  console.error(`bench/scan.mjs: ${msg}`);
  process.exit(code);
}

// ------------------------------------------------------------------ targets
/** ds: 'machine' is the copy whose container check looks for /.dockerenv-absent. */
const TARGETS = [
  { name: 'live-cis2', kind: 'live', ns: 'ubuntu', ds: U2204, profile: 'cis_level2_server', wallGoal: true },
  { name: 'live-cis2-machine', kind: 'live', ns: 'ubuntu', ds: 'machine', profile: 'cis_level2_server', wallGoal: true },
  { name: 'live-standard', kind: 'live', ns: 'ubuntu', ds: U2204, profile: 'standard' },
  { name: 'live-debian11-anssi', kind: 'live', ns: 'debian', ds: D11, profile: 'anssi_np_nt28_high' },
  { name: 'synthetic-100k', kind: 'synthetic', files: 100_000, ds: 'machine', profile: 'cis_level2_server' },
  { name: 'synthetic-300k', kind: 'synthetic', files: 300_000, ds: 'machine', profile: 'cis_level2_server' },
  { name: 'synthetic-1m', kind: 'synthetic', files: 1_000_000, ds: 'machine', profile: 'cis_level2_server' },
];
/** The issue's goals: wall time on CIS L2 live (normal and machine), peak RSS everywhere. */
const GOAL = { wallVsDefault: 15, wallVsTuned: 5, rssVsOscap: 2, wallVsFloor: 2 };
/** Where the floor goal applies (issue 21): CIS L2 live, its machine copy, the 1M-file root. */
const FLOOR_GOAL = new Set(['live-cis2', 'live-cis2-machine', 'synthetic-1m']);
/** A step in the synthetic series is superlinear when the marginal cost per file grows by more than this. */
const SUPERLINEAR = 1.25;

// ------------------------------------------------------------------ arguments
let runs = 3;
let timeoutMin = 30;
let only;
let work = join(tmpdir(), 'vigil-bench-scan');
let markdownFile;
let warmup = true;
let clean = false;
let prefetchTool = false;
let jsReaderTool = false;
let withOscap = true;
let generateOnly = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => (i + 1 < argv.length ? argv[++i] : die(`${a} needs a value`));
  if (a === '--runs') runs = Number(value());
  else if (a === '--timeout') timeoutMin = Number(value());
  else if (a === '--only') only = value().split(',').map((s) => s.trim()).filter(Boolean);
  else if (a === '--work') work = resolve(value());
  else if (a === '--markdown') markdownFile = resolve(value());
  else if (a === '--no-warmup') warmup = false;
  else if (a === '--clean') clean = true;
  else if (a === '--generate-only') generateOnly = true;
  else if (a === '--prefetch') prefetchTool = true;
  else if (a === '--js-reader') jsReaderTool = true;
  else if (a === '--no-oscap') withOscap = false;
  else if (a === '-h' || a === '--help') {
    console.log(
      'usage: node bench/scan.mjs [--only NAME,...] [--runs N] [--timeout MIN] [--work DIR] [--markdown FILE] [--no-warmup] [--clean] [--generate-only] [--prefetch] [--js-reader] [--no-oscap]\n' +
        `targets: ${TARGETS.map((t) => t.name).join(', ')}`,
    );
    process.exit(0);
  } else die(`unknown argument ${a} (see --help)`);
}
if (!Number.isInteger(runs) || runs < 1) die('--runs needs a whole number of at least 1');
if (!(timeoutMin > 0)) die('--timeout needs a positive number of minutes');
if (only) {
  const unknown = only.filter((n) => !TARGETS.some((t) => t.name === n));
  if (unknown.length) die(`unknown target(s) ${unknown.join(', ')}; known: ${TARGETS.map((t) => t.name).join(', ')}`);
}
const selected = TARGETS.filter((t) => !only || only.includes(t.name));

// ------------------------------------------------------------------ prerequisites
if (!existsSync(GNU_TIME)) die(`${GNU_TIME} is missing (Debian package time): it measures wall, CPU time and peak RSS`, 2);
const oscapVersion = (() => {
  const r = spawnSync('oscap', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : undefined;
})();
if (!oscapVersion) die('oscap is missing (apt-get install openscap-scanner): there is nothing to compare with', 2);
for (const f of new Set(selected.map((t) => (t.ds === 'machine' ? U2204 : t.ds)))) {
  if (!existsSync(f)) die(`${f} does not exist (install the SSG content: apt-get install ssg-debderived ssg-debian)`);
}

process.stderr.write('npm run build ... ');
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' });
if (build.status !== 0 || !existsSync(join(ROOT, 'dist/cli/bin.js'))) {
  process.stderr.write('\n');
  die(`npm run build failed (exit ${build.status ?? build.signal}), so Vigil cannot be measured:\n${build.stdout}${build.stderr}`);
}
process.stderr.write('done\n');

const scratch = mkdtempSync(join(tmpdir(), 'vigil-bench-scan-run-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const emptyDir = join(scratch, 'empty');
mkdirSync(emptyDir);

// The namespace set-ups (as scripts/live-compare.mjs).
const overlayUp = join(scratch, 'up');
const overlayWork = join(scratch, 'wk');
mkdirSync(overlayUp);
mkdirSync(overlayWork);
writeFileSync(join(overlayUp, 'lsb-release'), 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n');
const debianVersion = join(scratch, 'debian_version');
writeFileSync(debianVersion, '11.7\n');
const q = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;
const NS_SETUP = {
  ubuntu: `mount -t overlay overlay -o lowerdir=/etc,upperdir=${q(overlayUp)},workdir=${q(overlayWork)} /etc`,
  debian: `mount --bind ${q(debianVersion)} /etc/debian_version`,
};
/** The namespace script: the content's platform file, then an empty directory over each generated root. */
function nsScript(kind) {
  const roots = existsSync(work) ? readdirSync(work).filter((n) => /^root-\d+(\.partial)?$/.test(n)) : [];
  return [NS_SETUP[kind], ...roots.map((r) => `mount --bind ${q(emptyDir)} ${q(join(work, r))}`), 'exec "$@"'].join(' && ');
}
if (selected.some((t) => t.kind === 'live')) {
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', `${nsScript('ubuntu')}`, 'sh', 'cat', '/etc/lsb-release'], { encoding: 'utf8' });
  if (probe.status !== 0 || !probe.stdout.includes('jammy')) die(`cannot make a private mount namespace (needs root): ${probe.stderr.trim()}`);
}

const machineCopy = join(scratch, 'ssg-ubuntu2204-machine-ds.xml');
if (selected.some((t) => t.ds === 'machine')) {
  writeFileSync(machineCopy, readFileSync(U2204, 'utf8').replaceAll('/.dockerenv', '/.dockerenv-absent'));
}
const dsOf = (t) => (t.ds === 'machine' ? machineCopy : t.ds);

/** Rule id → object types, for the rules of a profile the tools judge differently offline by design (bench/offline-rules.ts). */
const offlineCache = new Map();
function offlineRules(t) {
  const key = `${dsOf(t)}\0${t.profile}`;
  if (!offlineCache.has(key)) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/offline-rules.ts'), dsOf(t), t.profile], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench/offline-rules.ts failed (exit ${r.status ?? r.signal}): ${r.stderr.slice(-800)}`);
    offlineCache.set(key, new Map(Object.entries(JSON.parse(r.stdout))));
  }
  return offlineCache.get(key);
}

// ------------------------------------------------------------------ synthetic roots
const GENERATOR_VERSION = 1;
const canChown = process.getuid?.() === 0;
const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'bin:x:2:2:bin:/bin:/usr/sbin/nologin',
  'sys:x:3:3:sys:/dev:/usr/sbin/nologin',
  'syslog:x:104:110::/home/syslog:/usr/sbin/nologin',
  'bob:x:1000:1000:Bob:/home/bob:/bin/bash',
  'alice:x:1001:1001:Alice:/home/alice:/bin/bash',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
];
const GROUP = ['root:x:0:', 'daemon:x:1:', 'bin:x:2:', 'sys:x:3:', 'adm:x:4:syslog', 'users:x:100:', 'syslog:x:110:', 'bob:x:1000:', 'alice:x:1001:', 'nogroup:x:65534:'];
const DIR_NAMES = ['lib', 'share', 'doc', 'conf', 'cache', 'data', 'src', 'include', 'modules', 'plugins', 'locale', 'man', 'icons', 'python3', 'node', 'site', 'assets', 'tmp', 'log', 'run'];
const FILE_NAMES = ['index', 'README', 'config', 'module', 'data', 'util', 'main', 'test', 'LICENSE', 'changelog', 'core', 'lib', 'item'];
const EXTENSIONS = ['', '.conf', '.py', '.js', '.so', '.txt', '.gz', '.json', '.h', '.mo', '.png', '.html'];

/** A small seeded PRNG (mulberry32), so a size always gives the same tree. */
function prng(seed) {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Generates a root of `nFiles` regular files in `dest`: a skeleton (etc, usr,
 * var, home, opt, srv, tmp...) under which directories grow by random
 * attachment (depth up to 16, about one directory per 12 files), files spread
 * with a heavy-tailed count per directory (a tenth of the directories empty),
 * and a mix of modes and owners like a real system's:
 *   - files: mostly 0644, then 0755, 0600, 0640, 0444...; about 1 in 4000
 *     world-writable, 1 in 20000 setuid and 1 in 20000 setgid;
 *   - about 1 in 8000 owned by a uid with no passwd entry, 1 in 8000 by a gid
 *     with no group entry, 1 in 50 by bob (1000) (ownership only as root);
 *   - directories: 0755, 0750, 0700; about 1 in 400 world-writable, half of
 *     those with the sticky bit; /tmp and /var/tmp 1777;
 *   - relative symlinks (about 1 in 3000 files) to a sibling file or to `..`
 *     (absolute ones would make oscap read the host, see ORACLE.md).
 * Plus /etc/lsb-release (jammy), /etc/passwd, /etc/group and /etc/hostname.
 * Files are empty, written in a tight loop with umask 0 so the mode is set at
 * creation.
 */
function generateRoot(dest, nFiles) {
  const rng = prng(nFiles);
  const stats = { files: 0, dirs: 0, symlinks: 0, worldWritableFiles: 0, worldWritableDirs: 0, stickyDirs: 0, unownedUser: 0, unownedGroup: 0, maxDepth: 0 };
  const oldUmask = process.umask(0);
  try {
    const mkdir = (rel, mode) => {
      mkdirSync(join(dest, rel), { mode });
      if (mode & 0o7000) chmodSync(join(dest, rel), mode);
      stats.dirs++;
    };
    mkdirSync(dest, { mode: 0o755 });
    const skeleton = ['etc', 'usr', 'usr/bin', 'usr/sbin', 'usr/lib', 'usr/share', 'var', 'var/lib', 'var/log', 'var/cache', 'opt', 'srv', 'home', 'home/alice', 'home/bob', 'data'];
    for (const d of skeleton) mkdir(d, 0o755);
    mkdir('root', 0o700);
    mkdir('tmp', 0o1777);
    mkdir('var/tmp', 0o1777);
    const etc = {
      'etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.3 LTS"\n',
      'etc/passwd': `${PASSWD.join('\n')}\n`,
      'etc/group': `${GROUP.join('\n')}\n`,
      'etc/hostname': `synthetic-${nFiles}\n`,
    };
    for (const [rel, text] of Object.entries(etc)) writeFileSync(join(dest, rel), text, { mode: 0o644 });
    stats.files += Object.keys(etc).length;

    const seeds = ['usr/bin', 'usr/sbin', 'usr/lib', 'usr/share', 'var/lib', 'var/log', 'var/cache', 'opt', 'srv', 'home/alice', 'home/bob', 'data', 'tmp', 'root'];
    const dirs = seeds.map((p) => ({ p, depth: p.split('/').length }));
    const nDirs = Math.max(100, Math.round(nFiles / 12));
    for (let i = 0; i < nDirs; i++) {
      let parent = dirs[Math.floor(rng() * dirs.length)];
      if (parent.depth >= 16) parent = dirs[Math.floor(rng() * seeds.length)];
      const p = `${parent.p}/${DIR_NAMES[Math.floor(rng() * DIR_NAMES.length)]}${i.toString(36)}`;
      const r = rng();
      let mode = r < 0.8 ? 0o755 : r < 0.92 ? 0o750 : 0o700;
      if (rng() < 1 / 400) {
        mode = rng() < 0.5 ? 0o1777 : 0o777;
        stats.worldWritableDirs++;
        if (mode & 0o1000) stats.stickyDirs++;
      }
      mkdir(p, mode);
      dirs.push({ p, depth: parent.depth + 1 });
      stats.maxDepth = Math.max(stats.maxDepth, parent.depth + 1);
    }

    // Files per directory: heavy-tailed weights, a tenth of the directories empty.
    const weights = dirs.map(() => (rng() < 0.1 ? 0 : 1 / (rng() + 0.05)));
    const total = weights.reduce((a, b) => a + b, 0);
    const toWrite = nFiles - stats.files;
    const counts = weights.map((w) => Math.floor((w / total) * toWrite));
    for (let left = toWrite - counts.reduce((a, b) => a + b, 0), i = 0; left > 0; left--, i = (i + 7919) % dirs.length) counts[i]++;

    for (let d = 0; d < dirs.length; d++) {
      const base = join(dest, dirs[d].p);
      for (let k = 0; k < counts[d]; k++) {
        const name = `${FILE_NAMES[Math.floor(rng() * FILE_NAMES.length)]}${k}${EXTENSIONS[Math.floor(rng() * EXTENSIONS.length)]}`;
        const path = `${base}/${name}`;
        const r = rng();
        let mode;
        if (r < 1 / 4000) {
          mode = rng() < 0.7 ? 0o666 : 0o777;
          stats.worldWritableFiles++;
        } else if (r < 1 / 4000 + 1 / 20000) mode = 0o4755;
        else if (r < 1 / 4000 + 2 / 20000) mode = 0o2755;
        else if (r < 0.6) mode = 0o644;
        else if (r < 0.75) mode = 0o755;
        else if (r < 0.85) mode = 0o600;
        else if (r < 0.93) mode = 0o640;
        else if (r < 0.98) mode = 0o444;
        else mode = 0o750;
        writeFileSync(path, '', { mode });
        if (mode & 0o6000) chmodSync(path, mode);
        stats.files++;
        if (canChown) {
          const o = rng();
          if (o < 1 / 8000) {
            chownSync(path, 4242 + Math.floor(rng() * 5), 1000);
            stats.unownedUser++;
          } else if (o < 2 / 8000) {
            chownSync(path, 0, 5151 + Math.floor(rng() * 5));
            stats.unownedGroup++;
          } else if (o < 0.02) chownSync(path, 1000, 1000);
        }
        if (rng() < 1 / 3000) {
          symlinkSync(rng() < 0.8 ? name : '..', `${path}.lnk`);
          stats.symlinks++;
        }
      }
    }
  } finally {
    process.umask(oldUmask);
  }
  return stats;
}

/** The cached root for `nFiles` under --work, generated when missing or made by another generator version. */
function syntheticRoot(nFiles) {
  const root = join(work, `root-${nFiles}`);
  const marker = join(work, `root-${nFiles}.json`);
  try {
    const m = JSON.parse(readFileSync(marker, 'utf8'));
    if (m.version === GENERATOR_VERSION && m.canChown === canChown && existsSync(root)) return { root, stats: m.stats, cached: true, seconds: 0 };
  } catch {
    /* not generated yet */
  }
  mkdirSync(work, { recursive: true });
  rmSync(marker, { force: true });
  rmSync(root, { recursive: true, force: true });
  const partial = `${root}.partial`;
  rmSync(partial, { recursive: true, force: true });
  process.stderr.write(`generating ${nFiles} files in ${root} ... `);
  const t0 = process.hrtime.bigint();
  const stats = generateRoot(partial, nFiles);
  renameSync(partial, root);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  writeFileSync(marker, JSON.stringify({ version: GENERATOR_VERSION, canChown, stats, seconds }));
  process.stderr.write(`${seconds.toFixed(1)} s\n`);
  return { root, stats, cached: false, seconds };
}

if (generateOnly) {
  for (const t of selected.filter((x) => x.kind === 'synthetic')) {
    const r = syntheticRoot(t.files);
    console.log(`${t.name}: ${r.root} (${r.cached ? 'cached' : `generated in ${r.seconds.toFixed(1)} s`}), ${r.stats.files} files, ${r.stats.dirs} dirs`);
  }
  process.exit(0);
}

// ------------------------------------------------------------------ measuring
const timeoutMs = timeoutMin * 60_000;
let current; // the running child, killed (with its process group) on a timeout or an interrupt
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (current) {
      try {
        process.kill(-current.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    process.exit(130);
  });
}

/**
 * Runs one tool under GNU time: wall (%e), user+sys CPU and peak RSS (%M)
 * of the tool alone (inside the namespace, so the mounts are not counted),
 * and the per-rule results it printed. oscap and Vigil exit 0, or 2 when a
 * rule failed; anything else is a failed run.
 */
function measure(cmd, env, nsKind, root) {
  // oscap's rpm probe leaves rpmdb.sqlite* at the top of an offline root; remove
  // them so that every run, of either tool, walks the tree as it was generated.
  if (root) for (const f of ['rpmdb.sqlite', 'rpmdb.sqlite-shm', 'rpmdb.sqlite-wal']) rmSync(join(root, f), { force: true });
  return new Promise((resolvePromise, reject) => {
    const timeFile = join(scratch, 'time.out');
    rmSync(timeFile, { force: true });
    const timed = [GNU_TIME, '-o', timeFile, '-f', TIME_FORMAT, ...cmd];
    const [file, args] = nsKind ? ['unshare', ['-m', 'sh', '-c', nsScript(nsKind), 'sh', ...timed]] : [timed[0], timed.slice(1)];
    const child = spawn(file, args, { cwd: scratch, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    current = child;
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      const what = `${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}${cmd.join(' ')}`;
      if (timedOut) return reject(new Error(`${what} timed out after ${timeoutMin} min and was killed`));
      if (code !== 0 && code !== 2) return reject(new Error(`${what} exited with ${code ?? signal}:\n${err.slice(-1500)}`));
      let line;
      try {
        line = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1);
      } catch {
        return reject(new Error(`${what}: GNU time wrote no figures:\n${err.slice(-1500)}`));
      }
      const [wall, user, sys, rssKiB] = line.split(' ').map(Number);
      resolvePromise({ code, wall, cpu: user + sys, rssMB: rssKiB / 1024, results: parseRuleResults(out), stderr: err });
    });
  });
}

/** Differences between two result maps, as `rule: A x, B y`. */
function diffResults(a, b) {
  const diffs = [];
  for (const id of new Set([...a.keys(), ...b.keys()])) if (a.get(id) !== b.get(id)) diffs.push({ id, a: a.get(id) ?? '(absent)', b: b.get(id) ?? '(absent)' });
  return diffs.sort((x, y) => (x.id < y.id ? -1 : 1));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const loadavg = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
};

const TUNED_AGREES = ' — oscap SEXP_VALIDATE_DISABLE=1 gave vigil\'s result in the same round, so the host probably changed between the runs';
const TOOL_NAMES = { oscap: 'oscap', tuned: 'oscap SEXP_VALIDATE_DISABLE=1', vigil: 'vigil', vigilpf: 'vigil VIGIL_WALK_PREFETCH=1', vigiljs: 'vigil VIGIL_NATIVE=0', find: 'find (floor)', findstat: 'find -printf (stat floor)' };
/** The fields of an entry the file probe reads, as find prints them: one lstat per entry. */
const FIND_STAT_FORMAT = '%y %m %U %G %s %D %i %n %T@ %C@ %A@ %p\\0';
/**
 * The floors' commands: the walk alone, its output thrown away (find exits 1 when a
 * file vanishes under it, which is no failure here). Live: `find / -xdev`, as the
 * issue measures it; offline: `find ROOT`.
 */
function floorsFor(root) {
  const start = root ? [q(root)] : ['/', '-xdev'];
  const run = (extra) => ['sh', '-c', `find ${[...start, ...extra].join(' ')} > /dev/null 2>&1; exit 0`];
  return [
    { key: 'find', cmd: run([]), env: {}, floor: true },
    { key: 'findstat', cmd: run(['-printf', q(FIND_STAT_FORMAT)]), env: {}, floor: true },
  ];
}
/** The commands for a target: oscap as users run it, oscap tuned, Vigil, and the floors. */
function toolsFor(t, root) {
  const profile = PROFILE(t.profile);
  const ds = dsOf(t);
  const oscap = ['oscap', 'xccdf', 'eval', '--profile', profile, ds];
  const vigil = [process.execPath, join(ROOT, 'bin/vigil.js'), 'xccdf', 'eval', '--profile', profile, ...(root ? ['--root', root] : []), ds];
  const offline = root ? { OSCAP_PROBE_ROOT: root } : {};
  return [
    ...(withOscap
      ? [
          { key: 'oscap', cmd: oscap, env: { ...offline } },
          { key: 'tuned', cmd: oscap, env: { ...offline, SEXP_VALIDATE_DISABLE: '1' } },
        ]
      : []),
    { key: 'vigil', cmd: vigil, env: {} },
    ...(prefetchTool ? [{ key: 'vigilpf', cmd: vigil, env: { VIGIL_WALK_PREFETCH: '1' } }] : []),
    ...(jsReaderTool ? [{ key: 'vigiljs', cmd: vigil, env: { VIGIL_NATIVE: '0' } }] : []),
    ...floorsFor(root),
  ];
}

// ------------------------------------------------------------------ main
console.log(`vigil: ${join(ROOT, 'bin/vigil.js')} (built just now), node ${process.version}`);
console.log(`  ${spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), '--version'], { encoding: 'utf8' }).stdout.trim().split('\n').slice(1).join('; ')}`);
console.log(`oscap: ${oscapVersion}`);
console.log(`host: ${cpus().length} CPUs, load average ${loadavg()}`);
console.log(`figures: ${GNU_TIME} -f '${TIME_FORMAT}' around each tool (inside the namespace for the live targets)`);
console.log(
  `runs: ${runs} per tool and target, alternating, who goes first alternating too${warmup ? ', after one warm-up run each' : ', no warm-up'}; timeout ${timeoutMin} min per run`,
);
if (runs < 3) console.log(`NOTE: --runs ${runs} is fewer than 3, so the figures are ${runs === 1 ? 'single runs' : 'means of two runs'}, not medians of 3 or more`);
console.log('');

const reports = []; // per target: { t, figs, diffs, ... }
let failed = false;

for (const t of selected) {
  const label = `${t.name}: ${t.kind === 'live' ? 'this host' : `synthetic root of ${t.files} files`}, ${t.ds === 'machine' ? 'ssg-ubuntu2204-ds.xml (machine copy)' : t.ds.split('/').pop()}, ${t.profile}`;
  console.log(`== ${label}`);
  let synthetic;
  try {
    if (t.kind === 'synthetic') {
      synthetic = syntheticRoot(t.files);
      const s = synthetic.stats;
      console.log(
        `   root ${synthetic.root} (${synthetic.cached ? 'cached' : `generated in ${synthetic.seconds.toFixed(1)} s`}): ${s.files} files, ${s.dirs} dirs (depth ≤ ${s.maxDepth}), ${s.symlinks} symlinks; ` +
          `${s.worldWritableFiles} world-writable files, ${s.worldWritableDirs} world-writable dirs (${s.stickyDirs} sticky), ${s.unownedUser} files of unknown uids, ${s.unownedGroup} of unknown gids`,
      );
      if (!canChown) console.log('   (not root: no file has an unknown owner)');
    }
    const tools = toolsFor(t, synthetic?.root);
    const ns = t.kind === 'live' ? t.ns : undefined;
    const samples = Object.fromEntries(tools.map((x) => [x.key, []]));
    const iterations = []; // per run: { label, results and exit code per tool }
    const runOne = async (order, label) => {
      const it = { label };
      for (const tool of order) {
        const s = await measure(tool.cmd, tool.env, ns, synthetic?.root);
        it[tool.key] = s;
        process.stderr.write(`   ${label} ${TOOL_NAMES[tool.key]}: ${s.wall.toFixed(2)} s, ${s.rssMB.toFixed(0)} MB\n`);
      }
      iterations.push(it);
      return it;
    };
    console.log(`   load average before: ${loadavg()}`);
    if (warmup) await runOne(tools, 'warm-up');
    for (let i = 0; i < runs; i++) {
      // Alternate, and alternate who goes first, so drift hits every tool alike.
      const it = await runOne(i % 2 ? [...tools].reverse() : tools, `run ${i + 1}`);
      for (const tool of tools) samples[tool.key].push(it[tool.key]);
    }
    console.log(`   load average after: ${loadavg()}`);

    const figs = Object.fromEntries(
      tools.map((x) => {
        const s = samples[x.key];
        const w = s.map((y) => y.wall);
        return [x.key, { wall: median(w), lo: Math.min(...w), hi: Math.max(...w), cpu: median(s.map((y) => y.cpu)), rss: median(s.map((y) => y.rssMB)) }];
      }),
    );
    console.log(`   ${'tool'.padEnd(31)}${'wall s'.padStart(9)}${'(min–max)'.padStart(17)}${'CPU s'.padStart(9)}${'peak RSS MB'.padStart(13)}`);
    for (const x of tools) {
      const f = figs[x.key];
      console.log(`   ${TOOL_NAMES[x.key].padEnd(31)}${f.wall.toFixed(2).padStart(9)}${`(${f.lo.toFixed(2)}–${f.hi.toFixed(2)})`.padStart(17)}${f.cpu.toFixed(2).padStart(9)}${f.rss.toFixed(0).padStart(13)}`);
    }
    for (const k of withOscap ? ['oscap', 'tuned'] : []) {
      const v = figs.vigil;
      const o = figs[k];
      console.log(`   vigil / ${TOOL_NAMES[k]}: wall ${ratio(v.wall / o.wall)} (1/${(o.wall / v.wall).toFixed(1)}), CPU ${ratio(v.cpu / o.cpu)}, peak RSS ${ratio(v.rss / o.rss)}`);
    }
    if (figs.vigiljs) console.log(`   ${TOOL_NAMES.vigiljs} / vigil: wall ${ratio(figs.vigiljs.wall / figs.vigil.wall)}, CPU ${ratio(figs.vigiljs.cpu / figs.vigil.cpu)}, peak RSS ${ratio(figs.vigiljs.rss / figs.vigil.rss)}`);
    if (figs.vigilpf) console.log(`   ${TOOL_NAMES.vigilpf} / vigil: wall ${ratio(figs.vigilpf.wall / figs.vigil.wall)}, CPU ${ratio(figs.vigilpf.cpu / figs.vigil.cpu)}, peak RSS ${ratio(figs.vigilpf.rss / figs.vigil.rss)}`);
    for (const k of ['find', 'findstat'])
      console.log(
        `   vigil / ${TOOL_NAMES[k]}: wall ${ratio(figs.vigil.wall / figs[k].wall)}` +
          (figs.vigiljs ? `, ${TOOL_NAMES.vigiljs} / ${TOOL_NAMES[k]}: wall ${ratio(figs.vigiljs.wall / figs[k].wall)}` : '') +
          (figs.oscap ? `, oscap / ${TOOL_NAMES[k]}: wall ${ratio(figs.oscap.wall / figs[k].wall)}` : ''),
      );

    // Results: Vigil against oscap in each run (the closest in time), oscap's two modes
    // against each other, and each tool against its own first run.
    const differing = new Map(); // rule → { oscap, vigil, runs }
    const notes = [];
    // without oscap, Vigil's own results are the reference (its other readers are checked against them)
    const ref = withOscap ? 'oscap' : 'vigil';
    for (const it of iterations) {
      for (const d of withOscap ? diffResults(it.oscap.results, it.vigil.results) : []) {
        const key = `${d.id}\0${d.a}\0${d.b}`;
        if (!differing.has(key)) differing.set(key, { ...d, runs: [], tunedAgrees: true });
        const e = differing.get(key);
        e.runs.push(it.label);
        // When oscap's other mode, run in the same round, gives Vigil's answer, the host most likely changed in between.
        if ((it.tuned.results.get(d.id) ?? '(absent)') !== d.b) e.tunedAgrees = false;
      }
      if (it.vigiljs) {
        const dd = diffResults(it.vigil.results, it.vigiljs.results);
        if (dd.length) notes.push({ fail: true, text: `${it.label}: VIGIL_NATIVE=0 changed Vigil's results: ${dd.map((d) => `${d.id}: ${d.a} → ${d.b}`).join('; ')}` });
        if (it.vigiljs.code !== it.vigil.code) notes.push({ fail: true, text: `${it.label}: exit codes differ: vigil ${it.vigil.code}, VIGIL_NATIVE=0 ${it.vigiljs.code}` });
      }
      if (!withOscap) {
        if (it.vigil.results.size === 0) notes.push({ fail: true, text: `${it.label}: vigil printed no results:\n${it.vigil.stderr.slice(-800)}` });
        continue;
      }
      if (it.oscap.results.size === 0) notes.push({ fail: true, text: `${it.label}: oscap printed no results:\n${it.oscap.stderr.slice(-800)}` });
      if (it.vigil.results.size === 0) notes.push({ fail: true, text: `${it.label}: vigil printed no results:\n${it.vigil.stderr.slice(-800)}` });
      if (it.oscap.code !== it.vigil.code) notes.push({ fail: true, text: `${it.label}: exit codes differ: oscap ${it.oscap.code}, vigil ${it.vigil.code}` });
      if (it.vigilpf) {
        const dd = diffResults(it.vigil.results, it.vigilpf.results);
        if (dd.length) notes.push({ fail: true, text: `${it.label}: VIGIL_WALK_PREFETCH=1 changed Vigil's results: ${dd.map((d) => `${d.id}: ${d.a} → ${d.b}`).join('; ')}` });
      }
      const tunedDiffs = diffResults(it.oscap.results, it.tuned.results);
      if (tunedDiffs.length) {
        notes.push({ fail: false, text: `WARNING ${it.label}: oscap SEXP_VALIDATE_DISABLE=1 differs from oscap on ${tunedDiffs.length} rule(s): ${tunedDiffs.map((d) => `${d.id}: oscap ${d.a}, tuned ${d.b}`).join('; ')}` });
      }
    }
    for (const k of ['oscap', 'tuned', 'vigil'].filter((x) => figs[x])) {
      const first = iterations[0][k].results;
      for (const it of iterations.slice(1)) {
        const dd = diffResults(first, it[k].results);
        if (dd.length) notes.push({ fail: false, text: `WARNING: ${TOOL_NAMES[k]}'s results changed between ${iterations[0].label} and ${it.label} (the host changed?): ${dd.map((d) => `${d.id}: ${d.a} → ${d.b}`).join('; ')}` });
      }
    }
    const counts = {};
    for (const r of iterations[0][ref].results.values()) counts[r] = (counts[r] ?? 0) + 1;
    const countText = Object.entries(counts).map(([r, n]) => `${n} ${r}`).join(', ');
    // Offline, rules that touch object types the tools collect differently by design are reported apart.
    const byDesign = t.kind === 'synthetic' ? offlineRules(t) : new Map();
    const deliberate = [...differing.values()].filter((d) => byDesign.has(d.id));
    const real = [...differing.values()].filter((d) => !byDesign.has(d.id));
    const total = iterations[0][ref].results.size;
    const compared = [...iterations[0][ref].results.keys()].filter((id) => !byDesign.has(id)).length;
    const bad = real.length > 0 || notes.some((n) => n.fail);
    if (bad) failed = true;
    const scope = byDesign.size ? `${compared} of ${total} rules compared (${countText} in all)` : `${total} rules (${countText})`;
    if (!withOscap) console.log(`   results (no oscap): vigil's ${total} rules (${countText})${figs.vigiljs ? ', the same with VIGIL_NATIVE=0' : ''}${notes.some((n) => n.fail) ? ' — see the failures below' : ''}, in all ${iterations.length} runs`);
    else if (real.length === 0) console.log(`   results: identical, ${scope}, in all ${iterations.length} runs`);
    else {
      console.log(`   RESULTS DIFFER on ${new Set(real.map((d) => d.id)).size} rules, ${scope}:`);
      for (const d of real) console.log(`     ${d.id}: oscap ${d.a}, vigil ${d.b} (${d.runs.join(', ')})${d.tunedAgrees ? TUNED_AGREES : ''}`);
    }
    if (byDesign.size) {
      const types = new Set(deliberate.flatMap((d) => byDesign.get(d.id)));
      console.log(
        `   not compared: ${total - compared} rules touch objects the tools collect differently offline by design (docs/CONFORMANCE.md, "Offline behaviour"); ` +
          `${new Set(deliberate.map((d) => d.id)).size} of them differ${deliberate.length ? `: ${[...new Set(deliberate.map((d) => d.id))].map((id) => id.replace(/^xccdf_org\.ssgproject\.content_rule_/, '')).join(', ')}` : ''}`,
      );
      if (types.size) console.log(`     (their object types: ${[...types].sort().join(', ')})`);
    }
    for (const n of notes) console.log(`   ${n.fail ? 'FAIL ' : ''}${n.text}`);
    reports.push({ t, figs, differing: real, deliberate, bad, rules: total, compared, countText, stats: synthetic?.stats });
  } catch (e) {
    failed = true;
    console.log(`   FAILED: ${e instanceof Error ? e.message : String(e)}`);
    reports.push({ t, error: e instanceof Error ? e.message.split('\n')[0] : String(e) });
  }
  console.log('');
}

function ratio(x) {
  return `${x >= 10 ? x.toFixed(0) : x.toPrecision(2)}×`;
}

// ------------------------------------------------------------------ the table, goals, scaling
const md = [];
const header = ['target', 'tool', 'wall', 'CPU', 'peak RSS', 'ratio vs oscap default', 'ratio vs oscap SEXP_VALIDATE_DISABLE', 'wall vs find floor / stat floor'];
const rows = [];
for (const r of reports) {
  if (!r.figs) {
    rows.push([r.t.name, '—', 'failed', '', '', r.error.slice(0, 80), '', '']);
    continue;
  }
  const { oscap, tuned, vigil, find, findstat } = r.figs;
  const cell = (x, o) => (o ? `${ratio(x.wall / o.wall)} / ${ratio(x.cpu / o.cpu)} / ${ratio(x.rss / o.rss)}` : '');
  const floor = (x) => `${ratio(x.wall / find.wall)} / ${ratio(x.wall / findstat.wall)}`;
  const fig = (x) => [`${x.wall.toFixed(2)} s`, `${x.cpu.toFixed(2)} s`, `${x.rss.toFixed(0)} MB`];
  const name = `${r.t.name}${r.bad ? ' (results differ)' : ''}`;
  if (oscap) {
    rows.push([name, 'oscap', ...fig(oscap), '', cell(oscap, tuned), floor(oscap)]);
    rows.push([name, 'oscap SEXP_VALIDATE_DISABLE=1', ...fig(tuned), cell(tuned, oscap), '', floor(tuned)]);
  }
  rows.push([name, 'vigil', ...fig(vigil), cell(vigil, oscap), cell(vigil, tuned), floor(vigil)]);
  if (r.figs.vigiljs) rows.push([name, TOOL_NAMES.vigiljs, ...fig(r.figs.vigiljs), cell(r.figs.vigiljs, oscap), cell(r.figs.vigiljs, tuned), floor(r.figs.vigiljs)]);
  if (r.figs.vigilpf) rows.push([name, TOOL_NAMES.vigilpf, ...fig(r.figs.vigilpf), cell(r.figs.vigilpf, oscap), cell(r.figs.vigilpf, tuned), floor(r.figs.vigilpf)]);
  rows.push([name, TOOL_NAMES.find, ...fig(find), '', '', '']);
  rows.push([name, TOOL_NAMES.findstat, ...fig(findstat), '', '', '']);
}
const table = (() => {
  const all = [header, ...rows];
  const width = header.map((_, c) => Math.max(...all.map((row) => String(row[c]).length)));
  const right = (c) => c >= 2 && c <= 4;
  const line = (row) => `| ${row.map((x, c) => (right(c) ? String(x).padStart(width[c]) : String(x).padEnd(width[c]))).join(' | ')} |`;
  return [line(header), `|${width.map((w, c) => (right(c) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...rows.map(line)].join('\n');
})();
md.push(
  `Median of ${runs} run${runs > 1 ? 's' : ''} per tool (${oscapVersion}, node ${process.version}, ${cpus().length} CPUs); ratios are wall / CPU / peak RSS.`,
  '',
  table,
);

// Results, per target.
const agreement = reports
  .filter((r) => r.figs)
  .map((r) => {
    const scope = r.compared !== r.rules ? `${r.compared} of ${r.rules} rules compared, the rest touch objects collected differently offline by design` : `all ${r.rules} rules`;
    return `- ${r.t.name}: ${r.bad ? 'DIFFER' : 'identical'}, ${scope}`;
  });
if (withOscap) md.push('', 'Results against oscap:', '', ...agreement);

// Goals.
const goals = [];
for (const r of reports) {
  if (!r.figs) {
    goals.push(`- ${r.t.name}: no figures (run failed)`);
    continue;
  }
  const { oscap, tuned, vigil } = r.figs;
  if (r.t.wallGoal && oscap) {
    const ok = vigil.wall <= oscap.wall / GOAL.wallVsDefault && vigil.wall <= tuned.wall / GOAL.wallVsTuned;
    goals.push(
      `- ${ok ? 'PASS' : 'MISS'} ${r.t.name} wall: vigil ${vigil.wall.toFixed(2)} s; goal ≤ 1/${GOAL.wallVsDefault} of oscap's ${oscap.wall.toFixed(2)} s (${(oscap.wall / GOAL.wallVsDefault).toFixed(2)} s, now 1/${(oscap.wall / vigil.wall).toFixed(1)}) ` +
        `and ≤ 1/${GOAL.wallVsTuned} of SEXP_VALIDATE_DISABLE=1's ${tuned.wall.toFixed(2)} s (${(tuned.wall / GOAL.wallVsTuned).toFixed(2)} s, now 1/${(tuned.wall / vigil.wall).toFixed(1)})`,
    );
  }
  if (FLOOR_GOAL.has(r.t.name)) {
    const { find, findstat } = r.figs;
    const ok = vigil.wall <= find.wall * GOAL.wallVsFloor;
    goals.push(
      `- ${ok ? 'PASS' : 'MISS'} ${r.t.name} wall vs the floor: vigil ${vigil.wall.toFixed(2)} s; goal ≤ ${GOAL.wallVsFloor}× a warm find's ${find.wall.toFixed(2)} s (${(find.wall * GOAL.wallVsFloor).toFixed(2)} s, now ${ratio(vigil.wall / find.wall)}); ` +
        `the stat floor (find -printf, an lstat per entry) ${findstat.wall.toFixed(2)} s, now ${ratio(vigil.wall / findstat.wall)}`,
    );
  }
  if (!oscap) continue;
  const limit = Math.min(oscap.rss, tuned.rss) / GOAL.rssVsOscap;
  goals.push(
    `- ${vigil.rss <= limit ? 'PASS' : 'MISS'} ${r.t.name} peak RSS: vigil ${vigil.rss.toFixed(0)} MB; goal ≤ 1/${GOAL.rssVsOscap} of oscap's ${oscap.rss.toFixed(0)} MB ` +
      `(SEXP_VALIDATE_DISABLE=1: ${tuned.rss.toFixed(0)} MB) = ${limit.toFixed(0)} MB, now ${ratio(vigil.rss / Math.min(oscap.rss, tuned.rss))}`,
  );
}
md.push('', 'Goals (wall on CIS L2 live: ≤ 1/15 of oscap, ≤ 1/5 of oscap SEXP_VALIDATE_DISABLE=1; wall on CIS L2 live and the 1M root: ≤ 2× a warm find; peak RSS ≤ 1/2 of oscap everywhere):', '', ...goals);

// Scaling over the synthetic roots.
const series = reports.filter((r) => r.t.kind === 'synthetic' && r.figs).sort((a, b) => a.t.files - b.t.files);
if (series.length >= 1) {
  const scaling = [];
  const k = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
  for (const key of ['oscap', 'tuned', 'vigil', 'vigiljs', 'find', 'findstat'].filter((x) => series[0].figs[x])) {
    const pts = series.map((r) => ({ n: r.t.files, wall: r.figs[key].wall, rss: r.figs[key].rss }));
    const per = pts.map((p) => `${k(p.n)} ${(p.wall / (p.n / 1e5)).toFixed(2)} s`).join(', ');
    const rss = pts.map((p) => `${k(p.n)} ${p.rss.toFixed(0)} MB`).join(', ');
    let line = `- ${TOOL_NAMES[key]}: wall per 100k files ${per}; peak RSS ${rss}`;
    const slopes = [];
    for (let i = 1; i < pts.length; i++) {
      const s = (pts[i].wall - pts[i - 1].wall) / ((pts[i].n - pts[i - 1].n) / 1e5);
      slopes.push({ step: `${k(pts[i - 1].n)}→${k(pts[i].n)}`, s });
    }
    if (slopes.length) line += `; marginal per 100k: ${slopes.map((x) => `${x.step} ${x.s.toFixed(2)} s`).join(', ')}`;
    for (let i = 1; i < slopes.length; i++) {
      const g = slopes[i].s / slopes[i - 1].s;
      line += `; slope ratio (${slopes[i].step}) / (${slopes[i - 1].step}) = ${g.toFixed(2)}`;
      if (g > SUPERLINEAR) line += ` — SUPERLINEAR: the cost per file grows ${((g - 1) * 100).toFixed(0)}% (> ${((SUPERLINEAR - 1) * 100).toFixed(0)}%)`;
    }
    scaling.push(line);
  }
  md.push('', `Scaling on the synthetic roots (cis_level2_server, machine copy; ${series.map((r) => k(r.t.files)).join(', ')} files):`, '', ...scaling);
  if (series.length < 3) md.push('', '(the slope ratio needs all three sizes: synthetic-100k, synthetic-300k, synthetic-1m)');
}

// Differences, again, at the end where they cannot be missed.
const differ = reports.filter((r) => r.bad || r.error);
if (differ.length) {
  md.push('', 'FAILURES:', '');
  for (const r of differ) {
    if (r.error) md.push(`- ${r.t.name}: ${r.error}`);
    else {
      md.push(`- ${r.t.name}: ${r.differing.length ? `results differ on ${r.differing.length} rule(s)` : 'a run misbehaved (see above)'}`);
      for (const d of r.differing) md.push(`  - ${d.id}: oscap ${d.a}, vigil ${d.b} (${d.runs.join(', ')})${d.tunedAgrees ? TUNED_AGREES : ''}`);
    }
  }
}

const text = md.join('\n');
console.log(text);
if (markdownFile) {
  writeFileSync(markdownFile, `${text}\n`);
  console.log(`\n(written to ${markdownFile})`);
}
if (clean) {
  for (const t of selected.filter((x) => x.kind === 'synthetic')) {
    rmSync(join(work, `root-${t.files}.json`), { force: true });
    rmSync(join(work, `root-${t.files}`), { recursive: true, force: true });
  }
  console.log(`(removed the generated roots under ${work})`);
}
if (failed) {
  console.error('\nbench/scan.mjs: FAILED — a run failed or the tools disagree (see above)');
  process.exit(1);
}

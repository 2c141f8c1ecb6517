#!/usr/bin/env node
// rpmverifypackage benchmark: rpm's dependency check of every installed
// package, `vigil oval eval --root R` against `oscap oval eval` run as on a
// live host whose %_dbpath is R's database (offline, oscap 1.3.7 verifies
// nothing: docs/CONFORMANCE.md, "rpmverifypackage and rpmverify"). The root
// is the synthetic RHEL 9 root plus N packages (default 500), each requiring
// a few of the others (versioned, by file, a rich or, some unsatisfied) and
// every 25th conflicting with another.
//
// Each tool runs as a process, alternately, under GNU time; prints the median
// wall time, CPU and peak RSS, the vigil/oscap ratios, and how many packages
// each tool found failing (they must agree).
//
// Usage: npm run -s build && node --import tsx bench/rpm-verifypackage.mjs [--packages N] [--runs R] [--keep]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRhelRoot } from '../src/testing/rpm-roots.ts';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg('--packages', 500));
const RUNS = Number(arg('--runs', 3));
const ROOT = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'vigil-bench-rpmvp-'));
const root = join(work, 'root');
const keep = process.argv.includes('--keep');
process.on('exit', () => {
  if (!keep) rmSync(work, { recursive: true, force: true });
});

const nameOf = (i) => `bench-dep${String(i).padStart(4, '0')}`;
const versionOf = (i) => `1.${i % 10}`;
function benchPackage(i) {
  const requires = [];
  for (const k of [1, 7, 31]) {
    const j = (i + k) % N;
    if (k === 1) requires.push(`${nameOf(j)} >= 1.0`);
    else if (k === 7) requires.push(`/usr/share/${nameOf(j)}/data`);
    else requires.push(`(${nameOf(j)} or nothere-${i})`);
  }
  if (i % 10 === 3) requires.push(`missing-${i}`);
  if (i % 10 === 6) requires.push(`${nameOf((i + 2) % N)} > 2.0`);
  return {
    name: nameOf(i),
    version: versionOf(i),
    release: '1.el9',
    arch: 'noarch',
    requires,
    ...(i % 25 === 0 ? { conflicts: [nameOf((i + 5) % N)] } : {}),
    files: [{ path: `/usr/share/${nameOf(i)}/data` }],
  };
}

const t0 = Date.now();
process.stderr.write(`building ${N} packages ... `);
await buildRhelRoot(root, 9, 'default', { extra: Array.from({ length: N }, (_, i) => benchPackage(i)) });
process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

const ANY = (e) => `<linux:${e} operation="pattern match">.*</linux:${e}>`;
const defs = join(work, 'defs.xml');
writeFileSync(
  defs,
  `<?xml version="1.0"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:linux="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">
<generator><oval:schema_version>5.11</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>
<definitions><definition id="oval:bench:def:1" version="1" class="compliance"><metadata><title>dependencies</title><description>every package's dependencies are satisfied</description></metadata>
<criteria><criterion test_ref="oval:bench:tst:1"/></criteria></definition></definitions>
<tests><linux:rpmverifypackage_test id="oval:bench:tst:1" version="1" check="all" check_existence="at_least_one_exists" comment="dependencies"><linux:object object_ref="oval:bench:obj:1"/><linux:state state_ref="oval:bench:ste:1"/></linux:rpmverifypackage_test></tests>
<objects><linux:rpmverifypackage_object id="oval:bench:obj:1" version="1">${['name', 'epoch', 'version', 'release', 'arch'].map(ANY).join('')}</linux:rpmverifypackage_object></objects>
<states><linux:rpmverifypackage_state id="oval:bench:ste:1" version="1"><linux:dependency_check_passed datatype="boolean">true</linux:dependency_check_passed></linux:rpmverifypackage_state></states>
</oval_definitions>
`,
);

const up = join(work, 'etc-up');
const wk = join(work, 'etc-wk');
mkdirSync(join(up, 'rpm'), { recursive: true });
mkdirSync(wk, { recursive: true });
writeFileSync(join(up, 'rpm', 'macros'), `%_dbpath ${join(root, 'var/lib/rpm')}\n`);
const ns = `mount -t overlay overlay -o "lowerdir=/etc,upperdir=${up},workdir=${wk}" /etc && exec "$@"`;
const timeFile = join(work, 'time.out');

function failing(resultsFile) {
  const xml = readFileSync(resultsFile, 'utf8');
  return (xml.match(/<(?:[\w-]+:)?dependency_check_passed[^>]*>false</g) ?? []).length;
}

function measure(tool) {
  const out = join(work, `${tool}.xml`);
  const cmd =
    tool === 'oscap'
      ? ['unshare', '-m', 'sh', '-c', ns, 'sh', '/usr/bin/time', '-o', timeFile, '-f', '%e %U %S %M', 'env', '-u', 'OSCAP_PROBE_ROOT', 'oscap', 'oval', 'eval', '--results', out, defs]
      : ['/usr/bin/time', '-o', timeFile, '-f', '%e %U %S %M', process.execPath, join(ROOT, 'bin/vigil.js'), 'oval', 'eval', '--root', root, '--results', out, defs];
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0 && r.status !== 2) throw new Error(`${tool} exited ${r.status}: ${r.stderr.slice(-1500)}`);
  const [wall, user, sys, rss] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, cpu: user + sys, rssMB: rss / 1024, failing: failing(out) };
}

const runs = { oscap: [], vigil: [] };
for (let i = 0; i < RUNS; i++) for (const tool of ['oscap', 'vigil']) runs[tool].push(measure(tool));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stat = (tool, k) => median(runs[tool].map((r) => r[k]));
console.log(`root: ${N} packages with dependencies plus the RHEL 9 root's 32; one rpmverifypackage object over every package, median of ${RUNS}`);
console.log('| tool | wall s | CPU s | peak RSS MB | packages failing |');
console.log('|---|---|---|---|---|');
for (const tool of ['oscap', 'vigil']) console.log(`| ${tool} | ${stat(tool, 'wall').toFixed(2)} | ${stat(tool, 'cpu').toFixed(2)} | ${stat(tool, 'rssMB').toFixed(0)} | ${runs[tool].at(-1).failing} |`);
console.log(`vigil/oscap: wall ${(stat('vigil', 'wall') / stat('oscap', 'wall')).toFixed(2)}, CPU ${(stat('vigil', 'cpu') / stat('oscap', 'cpu')).toFixed(2)}, RSS ${(stat('vigil', 'rssMB') / stat('oscap', 'rssMB')).toFixed(2)}`);
if (runs.oscap.at(-1).failing !== runs.vigil.at(-1).failing) {
  console.log('the tools disagree on how many packages fail');
  process.exitCode = 1;
}

#!/usr/bin/env node
// Watch state store benchmark: what `vigil watch` pays per evaluation batch
// to keep its state (src/daemon/store.ts). In a fresh state directory, times
//   - commit() of 300 rule states and 5 drift events (one transaction, an
//     fsync of the WAL: synchronous=FULL), the states rewritten each time;
//   - the same on the in-memory store, the daemon's fallback;
//   - events(since, 100) near the end of the history, and lastEventId();
//   - openWatchStore() of the directory once it holds the history (schema
//     check, lock and quick_check included), and load() of the 300 states;
//   - prune() down to half the history.
// Prints the median and p95 of each (ms), and the size of the files.
//
// Usage: node bench/watch-store.mjs [--commits N] [--dir DIR] [--keep]
//   --commits N  commits timed (default 2000; the history then holds 5N events)
//   --dir DIR    where to make the state directory (default: a new one under
//                $TMPDIR); put it on the disk the daemon will use, since the
//                fsync is most of the cost
//   --keep       keep the state directory and print where it is
// Needs `npm run -s build` first (it imports dist/). Exit status 1 when dist/
// is missing or a step fails.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function die(msg, code = 1) {
  console.error(`bench/watch-store.mjs: ${msg}`);
  process.exit(code);
}

// ------------------------------------------------------------------ arguments
let commits = 2000;
let parent = tmpdir();
let keep = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--commits') commits = Number(argv[++i]);
  else if (a === '--dir') parent = argv[++i];
  else if (a === '--keep') keep = true;
  else if (a === '-h' || a === '--help') {
    console.log('usage: node bench/watch-store.mjs [--commits N] [--dir DIR] [--keep]');
    process.exit(0);
  } else die(`unknown argument ${a}`);
}
if (!Number.isInteger(commits) || commits < 20) die('--commits needs an integer >= 20');
const entry = join(ROOT, 'dist/daemon/store.js');
if (!existsSync(entry)) die('dist/daemon/store.js is missing: run `npm run -s build` first');
const { openWatchStore, memoryStore, STATE_FILE } = await import(pathToFileURL(entry).href);

// -------------------------------------------------------------------- helpers
const scope = { content: '/usr/share/xml/scap/ssg/content/ssg-ubuntu2204-ds.xml', profile: 'xccdf_org.ssgproject.content_profile_cis_level2_server', tailoring: '', target: '/' };
const RESULTS = ['pass', 'fail', 'notapplicable', 'notchecked'];
const rules = Array.from({ length: 300 }, (_, j) => `xccdf_org.ssgproject.content_rule_bench_rule_number_${j}`);

function batch(i) {
  const time = new Date().toISOString();
  const states = rules.map((rule, j) => ({ rule, result: RESULTS[(i + j) % 4], severity: 'medium', time }));
  const events = Array.from({ length: 5 }, (_, k) => ({
    type: 'drift',
    time,
    rule: rules[(i * 5 + k) % rules.length],
    from: RESULTS[i % 4],
    to: RESULTS[(i + 1) % 4],
    severity: 'medium',
    paths: ['/etc/ssh/sshd_config'],
  }));
  return { states, events };
}

function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p95: at(0.95), n: s.length };
}

const rows = [];
function report(what, xs) {
  const { median, p95, n } = stats(xs);
  rows.push([what, median.toFixed(3), p95.toFixed(3), String(n)]);
}

// ---------------------------------------------------------------------- runs
const base = mkdtempSync(join(parent, 'vigil-bench-store-'));
const dir = join(base, 'state');
try {
  const batches = Array.from({ length: commits }, (_, i) => batch(i));

  let store = openWatchStore(dir);
  report('commit 300 states + 5 events (disk)', batches.map((b) => time(() => store.commit(scope, b.states, b.events))));

  const mem = memoryStore();
  report('commit 300 states + 5 events (memory)', batches.map((b) => time(() => mem.commit(scope, b.states, b.events))));
  mem.close();

  const files = readdirSync(dir).map((f) => `${f} ${(statSync(join(dir, f)).size / 1024).toFixed(0)} KiB`);
  const last = store.lastEventId();
  if (last !== commits * 5) die(`expected ${commits * 5} events, the store says ${last}`);
  report('events(since, 100) (disk)', Array.from({ length: 200 }, (_, i) => time(() => store.events(last - 100 - (i % 50), 100))));
  report('lastEventId() (disk)', Array.from({ length: 200 }, () => time(() => store.lastEventId())));
  store.close();

  const opens = [];
  const loads = [];
  for (let i = 0; i < 11; i++) {
    opens.push(time(() => (store = openWatchStore(dir))));
    loads.push(time(() => store.load(scope)));
    if (i < 10) store.close();
  }
  report(`open with ${last} events (disk)`, opens);
  report('load() of 300 states (disk)', loads);

  report(`prune to ${last / 2} events (disk)`, [time(() => store.prune({ maxEvents: last / 2, maxAgeDays: 365 }, new Date()))]);
  store.close();

  console.log(`state directory: ${keep ? dir : '(removed)'} on ${parent}`);
  console.log(`files after ${commits} commits, open: ${files.join(', ')} (${STATE_FILE} is the store)`);
  console.log('');
  console.log('| operation | median ms | p95 ms | runs |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} catch (err) {
  die(err instanceof Error ? err.message : String(err));
} finally {
  if (!keep) rmSync(base, { recursive: true, force: true });
}

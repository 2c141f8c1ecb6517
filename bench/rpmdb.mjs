#!/usr/bin/env node
// rpm database benchmark: how long Vigil takes to read every header of a
// 500-package database (sqlite and Berkeley DB) and to list every file,
// next to `rpm -qa` reading the same database.
//
// The database: K packages built with rpmbuild (F files each), installed
// with rpm into a temporary root's sqlite database, whose Packages rows are
// then repeated up to N headers; the Berkeley DB Packages file holds the same
// N blobs (written with python3-bsddb3). Default N=500, F=200: 100,000 files.
//
// Prints medians over --runs runs (in process, warm): the sqlite read (the
// private copy included), its parts (parsing with the digest checks, and the
// query on the file in place, which Vigil never does: the rest is the copy),
// the BDB read, the file lists, and
// `rpm -qa --qf '[%{FILENAMES}\n]'` (a process) with the ratios.
//
// Usage: node --import tsx bench/rpmdb.mjs [--packages N] [--files F] [--runs R] [--keep]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { offlineRootTarget } from '../src/target/fs-target.ts';
import { findRpmDatabase, readRpmDatabase, rpmFileList } from '../src/target/rpmdb/index.ts';
import { parseBlobs } from '../src/target/rpmdb/database.ts';
import { bdbWriterAvailable, buildRpms, installRpms, rpmRootArgs, rpmToolsAvailable, writeBdbPackages } from '../src/testing/rpm-build.ts';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--packages', 500);
const F = arg('--files', 200);
const RUNS = arg('--runs', 7);
const K = 5;
if (!rpmToolsAvailable() || !bdbWriterAvailable()) {
  console.error('needs rpmbuild, rpm and /usr/bin/python3 with bsddb3');
  process.exit(2);
}

const base = mkdtempSync(join(tmpdir(), 'vigil-rpmdb-bench-'));
try {
  const specs = Array.from({ length: K }, (_, k) => ({
    name: `bench-pkg-${k}`,
    version: `${k}.0`,
    release: '1.el9',
    files: Array.from({ length: F }, (_, i) => ({ path: `/usr/share/bench-${k}/dir-${i % 20}/file-${i}.txt`, content: `${k}:${i}\n`, config: i % 50 === 0 })),
  }));
  const t0 = performance.now();
  const rpms = buildRpms(join(base, 'build'), specs);
  const sqliteRoot = join(base, 'sqlite');
  installRpms(sqliteRoot, rpms);
  const dbFile = join(sqliteRoot, 'var/lib/rpm/rpmdb.sqlite');
  const db = new Database(dbFile);
  db.pragma('foreign_keys = OFF');
  const blobs = db.prepare('SELECT blob FROM Packages ORDER BY hnum').pluck().all();
  const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  db.transaction(() => {
    for (let i = K; i < N; i++) insert.run(blobs[i % K]);
  })();
  db.close();
  const all = Array.from({ length: N }, (_, i) => ({ instance: i + 1, blob: blobs[i % K] }));
  const bdbRoot = join(base, 'bdb');
  writeBdbPackages(join(bdbRoot, 'var/lib/rpm/Packages'), all, { pagesize: 4096 });
  console.log(`setup: ${N} headers (${K} distinct, ${F} files each: ${N * F} files) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const time = async (fn) => {
    await fn(); // warm-up
    const xs = [];
    for (let r = 0; r < RUNS; r++) {
      const s = performance.now();
      await fn();
      xs.push(performance.now() - s);
    }
    return median(xs);
  };

  const sqliteTarget = offlineRootTarget(sqliteRoot);
  const bdbTarget = offlineRootTarget(bdbRoot);
  let headers = [];
  const sqliteMs = await time(async () => {
    headers = await readRpmDatabase(sqliteTarget, await findRpmDatabase(sqliteTarget));
  });
  if (headers.length !== N) throw new Error(`read ${headers.length} headers of ${N}`);
  let rows = [];
  const inPlaceMs = await time(() => {
    const d = new Database(dbFile, { readonly: true });
    rows = d.prepare('SELECT hnum, blob FROM Packages').raw().all();
    d.close();
  });
  const parseMs = await time(() => {
    parseBlobs(rows.map(([instance, blob]) => ({ instance, blob })), dbFile, {});
  });
  const bdbMs = await time(async () => {
    headers = await readRpmDatabase(bdbTarget, await findRpmDatabase(bdbTarget));
  });
  if (headers.length !== N) throw new Error(`read ${headers.length} BDB headers of ${N}`);
  let files = 0;
  const listMs = await time(() => {
    files = 0;
    for (const h of headers) files += rpmFileList(h).length;
  });
  const rpmMs = await time(() => {
    const s = spawnSync('rpm', [...rpmRootArgs(sqliteRoot), '-qa', '--qf', '[%{FILENAMES}\n]'], { stdio: ['ignore', 'ignore', 'ignore'] });
    if (s.status !== 0) throw new Error('rpm -qa failed');
  });
  const rpmNamesMs = await time(() => {
    execFileSync('rpm', [...rpmRootArgs(sqliteRoot), '-qa', '--qf', '%{NAME}\n'], { stdio: ['ignore', 'ignore', 'ignore'] });
  });
  const f = (ms) => `${ms.toFixed(1)} ms`;
  console.log(`vigil sqlite read (private copy + WAL + parse): ${f(sqliteMs)}  (parse and digests ${f(parseMs)}; the query on the file in place, which Vigil never does, ${f(inPlaceMs)}; so the copy ~${f(Math.max(0, sqliteMs - inPlaceMs - parseMs))})`);
  console.log(`vigil BDB read (whole file + parse):          ${f(bdbMs)}`);
  console.log(`vigil file lists (${files} files):            ${f(listMs)}`);
  console.log(`rpm -qa --qf '%{NAME}\\n' (process):           ${f(rpmNamesMs)}`);
  console.log(`rpm -qa --qf '[%{FILENAMES}\\n]' (process):    ${f(rpmMs)}`);
  console.log(`ratio vigil (sqlite read + file lists) / rpm -qa file names: ${((sqliteMs + listMs) / rpmMs).toFixed(2)}`);
  console.log(`ratio vigil (BDB read + file lists) / rpm -qa file names:    ${((bdbMs + listMs) / rpmMs).toFixed(2)}`);
} finally {
  if (process.argv.includes('--keep')) console.log(`kept ${base}`);
  else rmSync(base, { recursive: true, force: true });
}

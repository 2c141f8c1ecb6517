#!/usr/bin/env node
// Builds the optional native directory reader (native/walk, a node-api addon; src/target/native-walk.ts).
// Never run by `npm install`: scripts/setup.sh, .ci/run and scripts/package.mjs call it. Offline: node-gyp from
// npm's own bundle, against the system's Node headers (/usr/include/node), nothing downloaded. When it cannot
// build, it says so in one line and exits 0: Vigil then uses its pure-JS reader, with the same results.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const dir = join(repo, 'native', 'walk');
const addon = join(dir, 'build', 'Release', 'vigil_walk.node');
const quiet = process.argv.includes('--quiet');

function nodeGyp() {
  const candidates = [join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')];
  try {
    const root = execFileSync('npm', ['root', '-g'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    candidates.push(join(root, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  } catch {
    // no npm on PATH
  }
  return candidates.find((p) => existsSync(p));
}

function fail(why) {
  rmSync(join(dir, 'build'), { recursive: true, force: true });
  console.log(`native/walk not built (${why}): Vigil uses its pure-JS directory reader`);
  process.exit(0);
}

const gyp = nodeGyp();
if (!gyp) fail("npm's node-gyp not found");
const env = { ...process.env };
const headers = [process.env.npm_config_nodedir, dirname(dirname(process.execPath)), '/usr'].find((d) => d && existsSync(join(d, 'include', 'node', 'node_api.h')));
if (!headers) fail('no Node headers (include/node/node_api.h) on this machine');
env.npm_config_nodedir = headers;
const r = spawnSync(process.execPath, [gyp, 'rebuild', '-C', dir, '--loglevel=error'], { env, encoding: 'utf8' });
if (r.status !== 0) fail(`node-gyp failed: ${(r.stderr || r.stdout || '').trim().split('\n').filter((l) => /error/i.test(l))[0] ?? `exit ${r.status}`}`);
// it must load in this Node
const check = spawnSync(process.execPath, ['-e', `const m = require(${JSON.stringify(addon)}); if (typeof m.listDir !== 'function') process.exit(1)`], { encoding: 'utf8' });
if (check.status !== 0) fail(`it does not load: ${(check.stderr || '').trim().split('\n')[0]}`);
rmSync(join(dir, 'build', 'Release', 'obj.target'), { recursive: true, force: true });
if (!quiet) console.log(`native/walk built: ${addon}`);

#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (npm run build).
//
// A scan (`scan`, `xccdf eval`, `oval eval`) or `watch` runs in a child Node with two
// V8 settings for its memory, which can only be given when Node starts:
// - the new space holds at most 4 MB a half (not 16): a walk of / makes a
//   few short-lived objects per file, and a bigger new space only adds
//   resident memory, not speed;
// - the old generation grows by a fifth of what survived its last full
//   collection (not several times): peak memory was otherwise half garbage.
// Together they take a tenth or more off a scan's peak memory, at the price
// of starting Node twice (some 60 ms). Other commands run here.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCAN_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=20'];

const args = process.argv.slice(2);
const words = args.filter((a) => !a.startsWith('-'));
// `watch` too: a daemon's resident memory matters for as long as it runs
const scans = words[0] === 'scan' || words[0] === 'watch' || ((words[0] === 'xccdf' || words[0] === 'oval') && words[1] === 'eval');
const tuned = process.execArgv.some((a) => a.startsWith('--max-semi-space-size'));

if (scans && !tuned) {
  const child = spawn(process.execPath, [...process.execArgv, ...SCAN_FLAGS, fileURLToPath(import.meta.url), ...args], { stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, forward);
  child.on('error', (e) => {
    console.error(`vigil: cannot start ${process.execPath}: ${e.message}`);
    process.exit(70);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // end as the scan ended
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(s, forward);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  await import('../dist/cli/bin.js');
}

#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (npm run build).
import { run } from '../dist/cli/main.js';

process.exitCode = await run(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
});

/**
 * The process entry point: runs the CLI with the real stdout and stderr and
 * sets the exit code. bin/vigil.js loads the compiled copy of this module.
 */
import { installOutputCleanup } from './signals.js';
import { run } from './main.js';

// A closed pipe (`vigil ... | head`) ends the output quietly, as other tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

// Told to stop while an output is being written: its temporary file goes first.
installOutputCleanup();

process.exitCode = await run(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  isTty: process.stdout.isTTY === true,
});

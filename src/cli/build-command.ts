/**
 * `vigil build`: compiles rules written with the SDK into a SCAP 1.3 source
 * data stream. The use case (app/build.ts) is loaded when the command runs.
 */
import type { Command } from 'commander';

export interface BuildIo {
  out(s: string): void;
  err(s: string): void;
}

export function registerBuildCommand(program: Command, io: BuildIo): void {
  program
    .command('build')
    .description('compile rules written with the Vigil SDK (a TypeScript or JavaScript module exporting a benchmark) into a SCAP 1.3 source data stream')
    .argument('<rules>', 'the module holding the benchmark, e.g. rules.ts')
    .requiredOption('-o, --output <file>', 'the data stream to write, e.g. my-ds.xml')
    .option('--export <name>', 'the export holding the benchmark (default: the default export, or the only benchmark exported)')
    .option('--verbose', 'show stack traces for errors')
    .action(async (rules: string, o: { output: string; export?: string }) => {
      const { buildDataStream } = await import('../app/build.js');
      const r = await buildDataStream(rules, { output: o.output, ...(o.export !== undefined ? { exportName: o.export } : {}) });
      io.out(`${r.output}: ${r.benchmarkId}, ${r.rules} rule${r.rules === 1 ? '' : 's'}, ${r.profiles.length} profile${r.profiles.length === 1 ? '' : 's'}${r.profiles.length ? ` (${r.profiles.join(', ')})` : ''}\n`);
    });
}

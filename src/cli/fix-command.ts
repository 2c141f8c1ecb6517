/**
 * `vigil fix`: the Ansible playbook or bash script that remediates the last
 * scan's failures (kept by `vigil scan` in the state directory, see
 * app/last-scan.ts): results-based `generate fix` without the user having
 * asked for results or a TestResult id beforehand.
 */
import type { Command } from 'commander';
import { ContentError } from '../model/errors.js';
import { printable } from './terminal-text.js';
import type { CliIo } from './xccdf-commands.js';

export function registerFixCommand(program: Command, io: CliIo): void {
  program
    .command('fix')
    .description("write the ansible playbook or bash script that fixes the last scan's failed rules")
    .option('-t, --fix-type <type>', 'ansible or bash', 'ansible')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (o: { fixType: string; output?: string }) => {
      if (o.fixType !== 'ansible' && o.fixType !== 'bash') throw new ContentError('invalid-value', `unknown --fix-type ${o.fixType}; choose ansible or bash`);
      const [{ lastScanDir, readLastScan }, { generateFix }, { checkOutputPath, saveFileContent }] = await Promise.all([
        import('../app/last-scan.js'),
        import('../app/generate-fix.js'),
        import('../results/atomic-file.js'),
      ]);
      if (o.output !== undefined) checkOutputPath(o.output);
      const last = readLastScan(lastScanDir(io.env));
      const fix = generateFix(last.results, { fixType: o.fixType, resultId: '' });
      for (const n of fix.notes) io.err(`vigil: note: ${printable(n)}\n`);
      io.err(`vigil: ${fix.rules.length} rules to fix from the scan of ${printable(last.target)} at ${printable(last.endTime)} (${printable(last.contentFile)})\n`);
      // as oscap creates it: readable, writable and executable by its owner only
      if (o.output !== undefined) saveFileContent(o.output, fix.text, { mode: 0o700 });
      else io.out(fix.text);
    });
}

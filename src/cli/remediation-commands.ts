/**
 * The remediation commands: `vigil xccdf generate fix` (as `oscap xccdf
 * generate fix`, plus filters) and `vigil collection build`. The use cases
 * are loaded when a command runs, so other commands do not pay for them.
 */
import { Command } from './commander.js';
import { checkOutputDirectory, checkOutputPath, OutputError, saveFileContent } from '../results/atomic-file.js';
import type { FilterArguments } from '../remediation/filter.js';
import { subcommand } from './subcommand.js';
import { printable } from './terminal-text.js';

export interface RemediationIo {
  out(s: string): void;
  err(s: string): void;
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

export interface FilterFlags {
  severity: string[];
  strategy: string[];
  complexity: string[];
  disruption: string[];
  reboot?: boolean;
  reference: string[];
  rule: string[];
  skipRule: string[];
}

export function addFilterOptions(cmd: Command): Command {
  return cmd
    .option('--severity <list>', 'only rules of these severities (comma-separated: high,medium,low,info,unknown)', collect, [])
    .option('--strategy <list>', 'only fixes with these strategies (configure, disable, enable, patch, policy, restrict, update, combination, unknown)', collect, [])
    .option('--complexity <list>', 'only fixes of these complexities (low, medium, high, unknown)', collect, [])
    .option('--disruption <list>', 'only fixes of these disruptions (low, medium, high, unknown)', collect, [])
    .option('--no-reboot', 'only fixes that need no reboot')
    .option('--reference <glob>', 'only rules with a matching ident, reference or tag, e.g. NIST-800-53-CM-6 (repeatable)', collect, [])
    .option('--rule <glob>', 'only rules whose id matches (repeatable)', collect, [])
    .option('--skip-rule <glob>', 'leave out rules whose id matches (repeatable)', collect, []);
}

export function filterArguments(o: FilterFlags): FilterArguments {
  return {
    severity: o.severity,
    strategy: o.strategy,
    complexity: o.complexity,
    disruption: o.disruption,
    ...(o.reboot === false ? { noReboot: true } : {}),
    reference: o.reference,
    rule: o.rule,
    skipRule: o.skipRule,
  };
}

export function registerRemediationCommands(program: Command, io: RemediationIo): void {
  const xccdf = subcommand(program, 'xccdf', 'XCCDF benchmarks, profiles and results');
  const generate = subcommand(xccdf, 'generate', 'generate documents from XCCDF content or results');
  addFilterOptions(
    generate
      .command('fix')
      .description('write an Ansible playbook or a bash script that remediates a profile, or the failed rules of a TestResult, like `oscap xccdf generate fix`')
      .argument('<file>', 'a data stream or XCCDF benchmark (profile-based), or a results file or ARF report (with --result-id)')
      .option('--fix-type <type>', 'ansible or bash', 'bash')
      .option('-p, --profile <id>', 'the profile to remediate (its full id, or the end of it)')
      .option('--tailoring-file <file>', 'an XCCDF tailoring file whose profiles and values apply')
      .option('--result-id <id>', 'remediate the failed rules of this TestResult ("" for the only one; the default for a results file without --profile)')
      .option('-o, --output <file>', 'write to this file instead of stdout')
      .option('--verbose', 'show stack traces for errors'),
  ).action(async (file: string, o: FilterFlags & { fixType: string; profile?: string; tailoringFile?: string; resultId?: string; output?: string }) => {
    const [{ generateFix }, { requireRegularFile }] = await Promise.all([import('../app/generate-fix.js'), import('../app/input-files.js')]);
    requireRegularFile(file, 'the content');
    if (o.tailoringFile !== undefined) requireRegularFile(o.tailoringFile, '--tailoring-file');
    if (o.output !== undefined) checkOutputPath(o.output);
    const result = generateFix(file, {
      fixType: o.fixType,
      ...(o.profile !== undefined ? { profile: o.profile } : {}),
      ...(o.tailoringFile !== undefined ? { tailoringFile: o.tailoringFile } : {}),
      ...(o.resultId !== undefined ? { resultId: o.resultId } : {}),
      filter: filterArguments(o),
    });
    for (const n of result.notes) io.err(`vigil: note: ${printable(n)}\n`);
    // as oscap creates it: readable, writable and executable by its owner only
    if (o.output !== undefined) saveFileContent(o.output, result.text, { mode: 0o700 });
    else io.out(result.text);
  });

  const collection = subcommand(program, 'collection', 'Ansible collections');
  addFilterOptions(
    collection
      .command('build')
      .description('build an Ansible collection with one role per profile: NAMESPACE-NAME-VERSION.tar.gz, installable with ansible-galaxy')
      .argument('<file>', 'a data stream or XCCDF benchmark')
      .requiredOption('--namespace <ns>', 'the collection namespace')
      .requiredOption('--name <name>', 'the collection name')
      .requiredOption('--version <version>', 'the collection version (semantic, e.g. 1.0.0)')
      .option('--profile <id>', 'a profile to make a role of (repeatable; all profiles when absent)', collect, [])
      .option('--tailoring-file <file>', 'an XCCDF tailoring file whose profiles and values apply')
      .option('--author <name>', 'an author for galaxy.yml (repeatable)', collect, [])
      .option('--license <spdx>', "the collection's license (repeatable; SSG content is BSD-3-Clause)", collect, [])
      .option('--output-dir <dir>', 'where to write the archive', '.')
      .option('--verbose', 'show stack traces for errors'),
  ).action(async (file: string, o: FilterFlags & { namespace: string; name: string; version: string; profile: string[]; tailoringFile?: string; outputDir: string; author: string[]; license: string[] }) => {
    const [{ buildCollection }, { requireRegularFile }] = await Promise.all([import('../app/collection.js'), import('../app/input-files.js')]);
    requireRegularFile(file, 'the content');
    if (o.tailoringFile !== undefined) requireRegularFile(o.tailoringFile, '--tailoring-file');
    try {
      checkOutputDirectory(o.outputDir);
    } catch (e) {
      throw e instanceof OutputError ? e.withOption('--output-dir') : e;
    }
    const result = buildCollection(file, {
      namespace: o.namespace,
      name: o.name,
      version: o.version,
      profiles: o.profile,
      ...(o.tailoringFile !== undefined ? { tailoringFile: o.tailoringFile } : {}),
      outputDir: o.outputDir,
      ...(o.author.length ? { authors: o.author } : {}),
      ...(o.license.length ? { license: o.license } : {}),
      filter: filterArguments(o),
    });
    for (const n of result.notes) io.err(`vigil: note: ${printable(n)}\n`);
    io.out(`${result.archive}\n`);
    for (const r of result.roles) io.out(`  role ${r.fqcn}: ${r.ruleCount} rules, ${r.taskCount} tasks (${r.profileId})\n`);
  });
}

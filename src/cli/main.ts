/**
 * The `vigil` command line. The only module that writes to the console or
 * sets the exit code; everything else lives in app/.
 */
import { Command, CommanderError, Help } from './commander.js';
import type { InfoReport } from '../app/info.js';
import { ContentError, type Warning } from '../model/errors.js';
import { renderInfo } from './info-text.js';
import { registerRemediationCommands } from './remediation-commands.js';
import { registerBuildCommand } from './build-command.js';
import { registerGenerateReport, registerXccdfCommands, rootOption, VERBOSITY_LEVELS } from './xccdf-commands.js';
import { registerScanCommand } from './scan-command.js';
import { addSshOptions, closeSshTargets, sshTargetFrom, type SshFlags } from './ssh-options.js';
import { OutputError } from '../results/atomic-file.js';
import { printable } from './terminal-text.js';
import { registerWatchCommand } from './watch-command.js';
import { registerFleetCommand } from './fleet-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerRemediateCommand } from './remediate-command.js';
import { registerFixCommand } from './fix-command.js';
import { packageVersion } from '../app/package-version.js';
import { directoryReader } from '../target/native-walk.js';

/** oscap's exit codes. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;

export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** The environment the command runs in (OSCAP_PROBE_ROOT); the process's when absent. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (colours, progress). */
  readonly isTty?: boolean;
}

function describeWarning(w: Warning): string {
  const loc = w.location ? `${w.location.file}:${w.location.line}:${w.location.col}: ` : '';
  return printable(`WARNING: ${loc}${w.message}`, { multiline: true });
}

const defaultHelp = new Help();

/** `--format text|json` of the commands that print a description: whether json. */
function formatIsJson(format: string | undefined): boolean {
  if (format === undefined || format === 'text') return false;
  if (format === 'json') return true;
  throw new ContentError('invalid-value', `unknown --format ${format}; choose text or json`);
}

/** Every profile of every checklist of an `info` report, once. */
function profileList(report: InfoReport): Array<{ id: string; title: string }> {
  const seen = new Map<string, string>();
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(visit);
    else if (x !== null && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (Array.isArray(o['profiles'])) for (const p of o['profiles'] as Array<{ id: string; title: string }>) if (!seen.has(p.id)) seen.set(p.id, p.title);
      for (const [k, v] of Object.entries(o)) if (k !== 'profiles') visit(v);
    }
  };
  visit(report);
  return [...seen].map(([id, title]) => ({ id, title }));
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function run(argvIn: readonly string[], io: Io): Promise<number> {
  let argv = argvIn;
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.out(`vigil ${packageVersion()}\ndirectory reader: ${directoryReader()}\n`);
    return EXIT_OK;
  }
  // oscap's `--verbose LEVEL` (DEVEL, INFO, WARNING, ERROR): Vigil's --verbose is a flag, DEVEL turns it on, the others ask for what Vigil prints anyway
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const level = argv[i] === '--verbose' ? argv[i + 1]?.toUpperCase() : undefined;
    if (level !== undefined && (VERBOSITY_LEVELS as readonly string[]).includes(level)) {
      if (level === 'DEVEL') args.push('--verbose');
      i++;
    } else args.push(argv[i]!);
  }
  argv = args;
  let verbose = argv.includes('--verbose');
  let exitCode = EXIT_OK;
  const cliIo = { out: io.out, err: io.err, env: io.env ?? process.env, isTty: io.isTty ?? false };
  const program = new Command()
    .name('vigil')
    .description('Security compliance for SCAP content: a faster, friendlier oscap')
    // not commander's .version(): a program option is recognised after the subcommand too, and `collection build` has its own --version
    .addHelpText('after', '\n  -V, --version            print the version (vigil --version)')
    .option('--verbose', 'show stack traces for errors')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    // a repeatable option's empty list is no default worth printing
    .configureHelp({ optionDescription: (opt) => (Array.isArray(opt.defaultValue) && opt.defaultValue.length === 0 ? opt.description : defaultHelp.optionDescription(opt)) })
    .showHelpAfterError('(vigil COMMAND --help shows its options)');

  // the front door first: commander lists commands in the order they are registered
  registerScanCommand(program, cliIo, (code) => {
    exitCode = code;
  });
  registerFixCommand(program, cliIo);

  program
    .command('info')
    .description('describe a SCAP document: data stream, XCCDF benchmark or tailoring, OVAL, CPE dictionary')
    .argument('<file>', 'the document')
    .option('-p, --profile <id>', "show one profile: title, description and the number of rules it selects")
    .option('--profiles', 'list the profiles only: id and title, one a line (as `oscap info --profiles`)')
    .option('-f, --format <format>', 'text or json')
    .option('--json', 'the same as --format json')
    .option('--verbose', 'show stack traces for errors')
    .action(async (file: string, opts: { profile?: string; profiles?: boolean; format?: string; json?: boolean; verbose?: boolean }) => {
      verbose ||= opts.verbose === true;
      opts.json ||= formatIsJson(opts.format);
      const [{ describeContent }, { requireRegularFile }] = await Promise.all([import('../app/info.js'), import('../app/input-files.js')]);
      requireRegularFile(file, 'the document');
      const report = describeContent(file, opts.profile !== undefined ? { profile: opts.profile } : {});
      if (opts.profiles) {
        const list = profileList(report);
        if (opts.json) io.out(JSON.stringify(list, null, 2) + '\n');
        else for (const p of list) io.out(`${printable(p.id)}:${printable(p.title)}\n`);
      } else if (opts.json) {
        io.out(JSON.stringify(report, null, 2) + '\n');
      } else {
        for (const w of report.warnings) io.err(describeWarning(w) + '\n');
        io.out(printable(renderInfo(report), { multiline: true }));
      }
    });

  const oval = program.command('oval').description('OVAL definitions');
  addSshOptions(oval
    .command('eval')
    .description('evaluate OVAL definitions against this host or an offline root, like `oscap oval eval`')
    .argument('<file>', 'an OVAL definitions file')
    .option('--root <dir>', 'scan an offline root directory instead of this host (as OSCAP_PROBE_ROOT)')
    .option('--host-kernel', "with --root: the root is a chroot or a running container on this host, so its kernel state (sysctl, uname, mounts) is this host's")
    .option('--variables <file>', 'an OVAL variables file with values for external variables')
    .option('--results <file>', 'write OVAL results, with the system characteristics, to this file')
    .option('--id <definition>', 'evaluate only this definition (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-f, --format <format>', 'text or json')
    .option('--json', 'the same as --format json')
    .option('--verbose', 'show stack traces for errors'))
    .action(async (file: string, opts: SshFlags & { root?: string; hostKernel?: boolean; variables?: string; results?: string; id: string[]; format?: string; json?: boolean; verbose?: boolean }) => {
      verbose ||= opts.verbose === true;
      opts.json ||= formatIsJson(opts.format);
      const [{ evaluateOvalFile }, { requireRegularFile }] = await Promise.all([import('../app/oval-eval.js'), import('../app/input-files.js')]);
      requireRegularFile(file, 'the definitions');
      if (opts.variables !== undefined) requireRegularFile(opts.variables, '--variables');
      const root = rootOption(opts.root, cliIo);
      const ssh = await sshTargetFrom(opts, { root, hostKernel: opts.hostKernel });
      const report = await evaluateOvalFile(file, {
        ...(ssh ? { target: ssh } : {}),
        ...(root !== undefined ? { root } : {}),
        ...(opts.hostKernel ? { hostKernel: true } : {}),
        ...(opts.variables !== undefined ? { variablesFile: opts.variables } : {}),
        ...(opts.id.length > 0 ? { ids: opts.id } : {}),
        ...(opts.results !== undefined ? { resultsFile: opts.results } : {}),
      });
      if (opts.json) {
        io.out(JSON.stringify({ file: report.file, target: report.target, definitions: report.definitions.map((d) => ({ id: d.definitionId, result: d.result })) }, null, 2) + '\n');
      } else {
        for (const d of report.definitions) io.out(`Definition ${printable(d.definitionId)}: ${d.result}\n`);
        io.out('Evaluation done.\n');
      }
    });

  registerXccdfCommands(program, cliIo, (code) => {
    exitCode = code;
  });
  registerWatchCommand(program, cliIo, (code) => {
    exitCode = code;
  });
  registerRemediateCommand(program, cliIo, (code) => {
    exitCode = code;
  });

  registerFleetCommand(program, cliIo, (code) => {
    exitCode = code;
  });
  registerServeCommand(program, cliIo, (code) => {
    exitCode = code;
  });

  registerRemediationCommands(program, io);
  registerGenerateReport(program, cliIo);
  registerBuildCommand(program, io);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    await closeSshTargets(io.err);
    return exitCode;
  } catch (e) {
    await closeSshTargets();
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    if (e instanceof OutputError) {
      io.err(`vigil: error: ${printable(e.message)}\n`);
      if (verbose && e.stack) io.err(e.stack + '\n');
      return EXIT_ERROR;
    }
    if (e instanceof ContentError) {
      io.err(`vigil: error: ${printable(e.describe(), { multiline: true })}\n`);
      if (verbose && e.stack) io.err(e.stack + '\n');
      return EXIT_ERROR;
    }
    io.err(`vigil: internal error: ${printable(e instanceof Error ? e.message : String(e), { multiline: true })}\n`);
    if (verbose && e instanceof Error && e.stack) io.err(e.stack + '\n');
    return EXIT_ERROR;
  }
}

/**
 * `vigil xccdf eval`: oscap's options, stdout and exit codes.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { OutputFailure } from '../app/outputs.js';
import type { XccdfEvalReport } from '../app/xccdf-eval.js';
import { ContentError } from '../model/errors.js';
import type { RuleResult, ScanReport } from '../xccdf/result-types.js';
import { shortId } from '../app/profile-id.js';
import { globToRegExp } from '../remediation/glob.js';
import { subcommand } from './subcommand.js';
import { printable } from './terminal-text.js';
import { addSshOptions, sshTargetFrom, type SshFlags } from './ssh-options.js';

export const EXIT_FAIL = 2;

export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly isTty: boolean;
}

const repeat = (v: string, acc: string[]): string[] => [...acc, v];

/** oscap's exit code: 2 when any rule failed, errored or is unknown. */
export function exitCodeOf(results: readonly RuleResult[]): number {
  return results.some((r) => r.result === 'fail' || r.result === 'error' || r.result === 'unknown') ? EXIT_FAIL : 0;
}

/**
 * The offline root: `--root`, else OSCAP_PROBE_ROOT as oscap reads it. Both
 * naming different directories is refused: which one a scan looked at must
 * never be a guess. Only the CLI looks at the environment.
 */
export function rootOption(root: string | undefined, io: CliIo): string | undefined {
  const env = io.env['OSCAP_PROBE_ROOT'];
  const fromEnv = env !== undefined && env !== '' ? env : undefined;
  if (root !== undefined && fromEnv !== undefined && resolve(root) !== resolve(fromEnv)) {
    throw new ContentError('invalid-value', `--root ${root} and OSCAP_PROBE_ROOT=${fromEnv} name different roots; give one of them (or unset OSCAP_PROBE_ROOT)`);
  }
  return root ?? fromEnv;
}

/** Says which outputs could not be saved (the others were written); the command then exits 1. */
export function reportOutputFailure(io: CliIo, f: OutputFailure): void {
  io.err(`vigil: error: ${printable(f.error.message)}\n`);
}

interface EvalFlags extends SshFlags {
  profile?: string;
  tailoringFile?: string;
  tailoringId?: string;
  datastreamId?: string;
  xccdfId?: string;
  rule: string[];
  skipRule: string[];
  results?: string;
  resultsArf?: string;
  report?: string;
  ovalResults?: boolean;
  fetchRemoteResources?: boolean;
  root?: string;
  hostKernel?: boolean;
  progress?: boolean;
  progressFull?: boolean;
  skipValid?: boolean;
  skipValidation?: boolean;
  skipSignatureValidation?: boolean;
  checkEngineResults?: boolean;
  cpe?: string;
  stigViewer?: string;
  thinResults?: boolean;
  withoutSyschar?: boolean;
  remediate?: boolean;
  exportVariables?: boolean;
  enforceSignature?: boolean;
  localFiles?: string;
  benchmarkId?: string;
  verboseLogFile?: string;
  stateDir?: string;
  yes?: boolean;
  force?: boolean;
}

/** oscap's `xccdf eval` options Vigil does not do, each with the one line that says why and what to use (docs/OSCAP.md lists them all). */
const REFUSED: ReadonlyArray<[keyof EvalFlags, string, string]> = [
  ['cpe', '--cpe', 'Vigil uses the CPE dictionaries of the data stream; give the content as a source data stream'],
  ['stigViewer', '--stig-viewer', 'write --results and import those into STIG Viewer'],
  ['thinResults', '--thin-results', 'Vigil writes full results; leave out --oval-results/--results-arf for less'],
  ['withoutSyschar', '--without-syschar', 'Vigil writes OVAL results with their system characteristics'],
  ['exportVariables', '--export-variables', 'not supported'],
  ['enforceSignature', '--enforce-signature', 'Vigil does not verify data stream signatures'],
  ['localFiles', '--local-files', 'Vigil never downloads content: give the remote components as local files'],
  ['benchmarkId', '--benchmark-id', 'use --datastream-id and --xccdf-id'],
  ['verboseLogFile', '--verbose-log-file', 'Vigil writes its diagnostics to standard error: redirect it (2>file)'],
];

/** oscap's verbosity levels (`--verbose LEVEL`). */
export const VERBOSITY_LEVELS = ['DEVEL', 'INFO', 'WARNING', 'ERROR'] as const;

export function registerXccdfCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const xccdf = subcommand(program, 'xccdf', 'XCCDF benchmarks, profiles and results');
  addSshOptions(xccdf
    .command('eval')
    .description('evaluate a profile against this host or an offline root, like `oscap xccdf eval`')
    .argument('<file>', 'a source data stream or an XCCDF benchmark')
    .option('--profile <id>', 'the profile (its full id, or the part after _profile_)')
    .option('--tailoring-file <file>', 'an XCCDF tailoring file')
    .option('--tailoring-id <id>', 'a tailoring component of the data stream')
    .option('--datastream-id <id>', 'the data stream to use')
    .option('--xccdf-id <id>', 'the checklist component-ref to use')
    .option('--rule <id>', 'evaluate only this rule, with the profile\'s values (repeatable)', repeat, [] as string[])
    .option('--skip-rule <id>', 'do not evaluate this rule (repeatable)', repeat, [] as string[])
    .option('--results <file>', 'write XCCDF results')
    .option('--results-arf <file>', 'write an ARF result data stream')
    .option('--report <file>', 'write the HTML report')
    .option('--oval-results', 'write OVAL results for each OVAL file into the current directory')
    .option('--fetch-remote-resources', 'refused: Vigil never downloads content')
    .option('--root <dir>', 'scan an offline root directory (or set OSCAP_PROBE_ROOT)')
    .option('--host-kernel', "with --root: the root is a chroot or a running container on this host, so its kernel state (sysctl, uname, mounts) is this host's")
    .option('--progress', 'print only "rule_id:result" lines, as oscap --progress')
    .option('--progress-full', 'print only "rule_id|title|result" lines, as oscap --progress-full')
    .option('--skip-valid', 'accepted for oscap scripts (Vigil does not schema-validate; it checks references as it loads)')
    .option('--skip-validation', 'the same as --skip-valid')
    .option('--skip-signature-validation', 'accepted (Vigil does not verify signatures)')
    .option('--check-engine-results', 'accepted (Vigil has no check engine plugins)')
    .option('--cpe <file>', 'refused: see docs/OSCAP.md')
    .option('--stig-viewer <file>', 'refused: see docs/OSCAP.md')
    .option('--thin-results', 'refused: see docs/OSCAP.md')
    .option('--without-syschar', 'refused: see docs/OSCAP.md')
    .option('--export-variables', 'refused: see docs/OSCAP.md')
    .option('--enforce-signature', 'refused: see docs/OSCAP.md')
    .option('--local-files <dir>', 'refused: see docs/OSCAP.md')
    .option('--benchmark-id <id>', 'refused: see docs/OSCAP.md')
    .option('--verbose-log-file <file>', 'refused: see docs/OSCAP.md')
    .option('--remediate', 'then fix the failed rules as vigil remediate does: rehearse, guard, checkpoint, apply, verify, roll back on failure')
    .option('--state-dir <dir>', 'with --remediate: where the journal lives')
    .option('--yes', 'with --remediate: consent to high-disruption and reboot fixes')
    .option('--force', 'with --remediate: apply despite guard findings or regressions in the rehearsal'))
    .action(async (file: string, o: EvalFlags) => {
      for (const [key, option, why] of REFUSED) {
        if (o[key] !== undefined && o[key] !== false) throw new ContentError('unsupported', `${option} is not supported: ${why}`);
      }
      if (o.progress && o.progressFull) throw new ContentError('invalid-value', 'give --progress or --progress-full, not both');
      if (o.fetchRemoteResources) {
        throw new ContentError('unsupported', '--fetch-remote-resources is not supported: Vigil never downloads content. Fetch the remote components yourself and pass them as local files.');
      }
      const root = rootOption(o.root, io);
      // --rule names as resolveRuleNames reads them: an id, the short form in any case, or a glob over either
      const named = o.rule.map(globToRegExp);
      const reportRules = o.rule.length > 0 ? { has: (id: string): boolean => named.some((re) => re.test(id) || re.test(shortId(id))) } : undefined;
      // Loaded when run, so that other commands start quickly.
      const [{ evaluateXccdf }, { requireRegularFile }] = await Promise.all([import('../app/xccdf-eval.js'), import('../app/input-files.js')]);
      requireRegularFile(file, 'the content');
      if (o.tailoringFile !== undefined) requireRegularFile(o.tailoringFile, '--tailoring-file');
      let failed = false;
      // the remediation after the evaluation is of a local root: never let it land on this machine for a host scanned over SSH
      if (o.remediate && o.host !== undefined) throw new ContentError('invalid-value', '--remediate does not go with --host: use vigil remediate --host H, which rehearses with ansible-playbook --check --diff, checkpoints and rolls back over SSH');
      const ssh = await sshTargetFrom(o, { root, hostKernel: o.hostKernel });
      const report: XccdfEvalReport = await evaluateXccdf(file, {
        ...(ssh ? { target: ssh } : {}),
        ...(o.profile !== undefined ? { profile: o.profile } : {}),
        ...(o.tailoringFile !== undefined ? { tailoringFile: o.tailoringFile } : {}),
        ...(o.tailoringId !== undefined ? { tailoringId: o.tailoringId } : {}),
        ...(o.datastreamId !== undefined ? { datastreamId: o.datastreamId } : {}),
        ...(o.xccdfId !== undefined ? { xccdfId: o.xccdfId } : {}),
        ...(o.rule.length > 0 ? { rules: o.rule } : {}),
        ...(o.skipRule.length > 0 ? { skipRules: o.skipRule } : {}),
        ...(root !== undefined ? { root } : {}),
        ...(o.hostKernel ? { hostKernel: true } : {}),
        ...(o.results !== undefined ? { resultsFile: o.results } : {}),
        ...(o.resultsArf !== undefined ? { arfFile: o.resultsArf } : {}),
        ...(o.ovalResults ? { ovalResultsDir: '.' } : {}),
        ...(o.report !== undefined ? { outputs: [{ kind: 'html', path: o.report, option: '--report' }] } : {}),
        onOutputFailure: (f) => {
          failed = true;
          reportOutputFailure(io, f);
        },
        // only the HTML report shows the rules' prose and fixes
        evaluationOnly: o.report === undefined,
        // printed once the content has loaded, so that a load error comes alone, as with oscap
        onStart: () => {
          if (!o.progress && !o.progressFull) io.out('--- Starting Evaluation ---\n\n');
        },
        onResult: (r, rule, reported) => {
          if (!reported || r.result === 'notselected') return;
          if (reportRules && !reportRules.has(rule.id)) return;
          if (o.progress) return io.out(`${printable(rule.id)}:${r.result}\n`);
          if (o.progressFull) return io.out(`${printable(rule.id)}|${printable(rule.title)}|${r.result}\n`);
          const title = io.isTty ? `\x1b[1m${printable(rule.title)}\x1b[0;0m` : printable(rule.title);
          let s = `Title\r\t${title}\nRule\r\t${printable(rule.id)}\n`;
          for (const i of rule.idents) s += `Ident\r\t${printable(i.value)}\n`;
          s += `Result\r\t${io.isTty ? colour(r.result) : r.result}\n\n`;
          io.out(s);
        },
      });
      for (const id of report.unknownRules) io.err(`WARNING: Rule '${printable(id)}' was not found in the benchmark.\n`);
      // an output that could not be saved is an error (1), whatever the rules gave, as with oscap
      setExit(failed ? 1 : exitCodeOf(report.testResult.ruleResults));
      if (o.remediate && !failed && report.testResult.ruleResults.some((r) => r.result === 'fail')) {
        const { remediateAfterEval } = await import('./remediate-command.js');
        const evalOpts = { profile: o.profile, tailoringFile: o.tailoringFile, root, stateDir: o.stateDir, yes: o.yes, force: o.force };
        setExit(await remediateAfterEval(file, { ...(Object.fromEntries(Object.entries(evalOpts).filter(([, v]) => v !== undefined)) as object), rules: o.rule, skipRules: o.skipRule }, io));
      }
    });
}

/** `xccdf generate report`: the HTML report of a results file, as oscap's; on stdout unless --output names a file. */
export function registerGenerateReport(program: Command, io: CliIo): void {
  const xccdf = subcommand(program, 'xccdf', 'XCCDF benchmarks, profiles and results');
  const generate = subcommand(xccdf, 'generate', 'generate documents from XCCDF content or results');
  generate
    .command('report')
    .description('write the HTML report of a results file (vigil scan --results, oscap xccdf eval --results, or ARF), like `oscap xccdf generate report`')
    .argument('<file>', 'an XCCDF results file or an ARF report')
    .option('--result-id <id>', 'the TestResult to report (its id; needed only when the file holds several)', '')
    .option('-o, --output <file>', 'write the report to this file instead of stdout')
    .action(async (file: string, o: { resultId: string; output?: string }) => {
      const [{ reportFromResults }, { requireRegularFile }, { checkOutputPath }] = await Promise.all([import('../app/results-report.js'), import('../app/input-files.js'), import('../results/atomic-file.js')]);
      requireRegularFile(file, 'the results');
      if (o.output !== undefined) checkOutputPath(o.output);
      await writeHtml(reportFromResults(file, o.resultId), o.output, io);
    });
  generate
    .command('guide')
    .description("write an HTML guide to a profile: its rules with their descriptions, references and fixes, nothing evaluated; like `oscap xccdf generate guide`")
    .argument('<file>', 'a source data stream or an XCCDF benchmark')
    .option('-p, --profile <id>', "the profile (its id, the part after _profile_, or '(all)'); the default selection when absent")
    .option('--tailoring-file <file>', 'an XCCDF tailoring file')
    .option('-o, --output <file>', 'write the guide to this file instead of stdout')
    .action(async (file: string, o: { profile?: string; tailoringFile?: string; output?: string }) => {
      const [{ guideReport }, { requireRegularFile }, { checkOutputPath }] = await Promise.all([import('../app/results-report.js'), import('../app/input-files.js'), import('../results/atomic-file.js')]);
      requireRegularFile(file, 'the content');
      if (o.tailoringFile !== undefined) requireRegularFile(o.tailoringFile, '--tailoring-file');
      if (o.output !== undefined) checkOutputPath(o.output);
      await writeHtml(guideReport(file, { ...(o.profile !== undefined ? { profile: o.profile } : {}), ...(o.tailoringFile !== undefined ? { tailoringFile: o.tailoringFile } : {}) }), o.output, io);
    });
}

/** The HTML report of `report` to `output`, or to stdout by way of a temporary file (the writer writes files only). */
async function writeHtml(report: ScanReport, output: string | undefined, io: CliIo): Promise<void> {
  const [{ writeHtmlReport }, fs, path, os] = await Promise.all([import('../results/html-report.js'), import('node:fs'), import('node:path'), import('node:os')]);
  if (output !== undefined) return writeHtmlReport(output, report);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-report-'));
  try {
    const tmp = path.join(dir, 'report.html');
    await writeHtmlReport(tmp, report);
    io.out(fs.readFileSync(tmp, 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const COLOURS: Record<string, string> = {
  pass: '0;32',
  fail: '0;31',
  error: '0;31',
  unknown: '0;33',
  notapplicable: '0;37',
  notchecked: '0;37',
  informational: '0;37',
  fixed: '1;32',
};

function colour(r: string): string {
  return `\x1b[${COLOURS[r] ?? '0'}m${r}\x1b[0m`;
}

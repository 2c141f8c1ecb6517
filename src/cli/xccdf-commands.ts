/**
 * `vigil xccdf eval`: oscap's options, stdout and exit codes.
 */
import type { Command } from 'commander';
import type { XccdfEvalReport } from '../app/xccdf-eval.js';
import { ContentError } from '../model/errors.js';
import type { RuleResult } from '../xccdf/result-types.js';
import { subcommand } from './subcommand.js';

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

/** The offline root: `--root`, else OSCAP_PROBE_ROOT as oscap reads it. Only the CLI looks at the environment. */
export function rootOption(root: string | undefined, io: CliIo): string | undefined {
  if (root !== undefined) return root;
  const env = io.env['OSCAP_PROBE_ROOT'];
  return env !== undefined && env !== '' ? env : undefined;
}

interface EvalFlags {
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
}

export function registerXccdfCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const xccdf = subcommand(program, 'xccdf', 'XCCDF benchmarks, profiles and results');
  xccdf
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
    .action(async (file: string, o: EvalFlags) => {
      if (o.fetchRemoteResources) {
        throw new ContentError('unsupported', '--fetch-remote-resources is not supported: Vigil never downloads content. Fetch the remote components yourself and pass them as local files.');
      }
      const root = rootOption(o.root, io);
      const reportRules = o.rule.length > 0 ? new Set(o.rule) : undefined;
      // Loaded when run, so that other commands start quickly.
      const { evaluateXccdf } = await import('../app/xccdf-eval.js');
      io.out('--- Starting Evaluation ---\n\n');
      const report: XccdfEvalReport = await evaluateXccdf(file, {
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
        // only the HTML report shows the rules' prose and fixes
        evaluationOnly: o.report === undefined,
        onResult: (r, rule, reported) => {
          if (!reported || r.result === 'notselected') return;
          if (reportRules && !reportRules.has(rule.id)) return;
          const title = io.isTty ? `\x1b[1m${rule.title}\x1b[0;0m` : rule.title;
          let s = `Title\r\t${title}\nRule\r\t${rule.id}\n`;
          for (const i of rule.idents) s += `Ident\r\t${i.value}\n`;
          s += `Result\r\t${io.isTty ? colour(r.result) : r.result}\n\n`;
          io.out(s);
        },
      });
      for (const id of report.unknownRules) io.err(`WARNING: Rule '${id}' was not found in the benchmark.\n`);
      if (o.report !== undefined) await (await import('../app/outputs.js')).writeHtmlReport(o.report, report);
      setExit(exitCodeOf(report.testResult.ruleResults));
    });
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

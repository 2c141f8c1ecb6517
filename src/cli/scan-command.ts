/**
 * `vigil scan`: detect the content, pick a profile, scan with a progress bar,
 * print a compact summary, write the HTML report; or print JSON, JUnit or
 * SARIF for pipelines (then no HTML report unless --report asks for one).
 */
import type { Command } from 'commander';
import type { OutputRequest } from '../app/outputs.js';
import type { XccdfEvalReport } from '../app/xccdf-eval.js';
import { ContentError } from '../model/errors.js';
import type { Rule } from '../model/xccdf/types.js';
import { countResults, XCCDF_RESULTS, type RuleResult } from '../xccdf/result-types.js';
import { skippedChecks } from '../results/report-common.js';
import { printable } from './terminal-text.js';
import { exitCodeOf, reportOutputFailure, rootOption, type CliIo } from './xccdf-commands.js';

interface ScanFlags {
  content?: string;
  contentDir: string;
  profile?: string;
  tailoringFile?: string;
  root?: string;
  hostKernel?: boolean;
  report?: string;
  htmlReport: boolean;
  format?: string;
  reads?: boolean;
  output?: string;
  results?: string;
  resultsArf?: string;
  rule: string[];
  skipRule: string[];
  nearest?: boolean;
  store?: string | true;
}

const repeat = (v: string, acc: string[]): string[] => [...acc, v];
/** The machine formats (app/outputs.ts has the writers; a test keeps the two lists equal). */
export const SCAN_FORMATS = ['json', 'junit', 'sarif'] as const;
const DEFAULT_CONTENT_DIR = '/usr/share/xml/scap/ssg/content';
const SEVERITY_RANK: Record<string, number> = { high: 0, medium: 1, low: 2, info: 3, unknown: 4 };

function bar(done: number, total: number, width = 30): string {
  const n = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${done}/${total}`;
}

export function registerScanCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('scan')
    .description('scan this host (or an offline root) with the matching SCAP Security Guide content and write a report')
    .option('--content <file>', 'the data stream to use (default: the one matching /etc/os-release)')
    .option('--content-dir <dir>', 'where installed content lives', DEFAULT_CONTENT_DIR)
    .option('--nearest', "when no content matches, use the same distribution's nearest older release (its platform checks decide what applies)")
    .option('--profile <id>', 'the profile (default: CIS Level 1 Server, else Standard)')
    .option('--tailoring-file <file>', 'an XCCDF tailoring file')
    .option('--root <dir>', 'scan an offline root directory')
    .option('--host-kernel', "with --root: the root is a chroot or a running container on this host, so its kernel state (sysctl, uname, mounts) is this host's")
    .option('--report <file>', 'where to write the HTML report (default: vigil-report.html, unless --format is given)')
    .option('--no-html-report', 'do not write the HTML report')
    .option('--format <format>', `machine output on stdout instead of the summary: ${SCAN_FORMATS.join(', ')}`)
    .option('--output <file>', 'write the --format output to this file instead of stdout')
    .option('--results <file>', 'also write XCCDF results')
    .option('--results-arf <file>', 'also write an ARF result data stream')
    .option('--rule <id>', 'scan only this rule (repeatable)', repeat, [] as string[])
    .option('--skip-rule <id>', 'skip this rule (repeatable)', repeat, [] as string[])
    .option('--store [spec]', 'also record the scan in the results store: a SQLite file or postgres://… (default: the user data directory)')
    .option('--reads', 'with --format json: give each rule what it read of the target (paths, directory walks, other inputs)')
    .action(async (o: ScanFlags) => {
      // Loaded when run, so that other commands start quickly.
      const [{ checkOutputs, isMachineFormat, MACHINE_FORMATS }, { targetFor }, { chooseScanContent, defaultProfile }, { evaluateXccdf }, { requireRegularFile }] = await Promise.all([
        import('../app/outputs.js'),
        import('../app/oval-eval.js'),
        import('../app/scan.js'),
        import('../app/xccdf-eval.js'),
        import('../app/input-files.js'),
      ]);
      if (o.format !== undefined && !isMachineFormat(o.format)) {
        throw new ContentError('invalid-value', `unknown --format ${o.format}; choose one of ${SCAN_FORMATS.join(', ')}`);
      }
      if (o.reads === true && o.format !== 'json') throw new ContentError('invalid-value', '--reads needs --format json');
      if (o.output !== undefined && o.format === undefined) throw new ContentError('invalid-value', '--output needs --format: it names where the machine output goes');
      // The HTML report is the summary's companion: with machine output only an explicit --report writes one.
      const htmlPath = o.htmlReport ? (o.report ?? (o.format === undefined ? 'vigil-report.html' : undefined)) : undefined;
      const outputs: OutputRequest[] = [
        ...(o.results !== undefined ? [{ kind: 'xccdf-results', path: o.results, option: '--results' } as const] : []),
        ...(o.resultsArf !== undefined ? [{ kind: 'arf', path: o.resultsArf, option: '--results-arf' } as const] : []),
        ...(htmlPath !== undefined ? [{ kind: 'html', path: htmlPath, option: o.report !== undefined ? '--report' : 'the HTML report' } as const] : []),
        ...(o.format !== undefined && isMachineFormat(o.format) && o.output !== undefined ? [{ kind: o.format, path: o.output, option: '--output' } as const] : []),
      ];
      // before the content is chosen, so a bad path costs nothing
      checkOutputs(outputs);
      if (o.content !== undefined) requireRegularFile(o.content, '--content');
      if (o.tailoringFile !== undefined) requireRegularFile(o.tailoringFile, '--tailoring-file');
      const root = rootOption(o.root, io);
      const target = targetFor({ ...(root !== undefined ? { root } : {}), hostKernel: o.hostKernel === true });
      let content = o.content;
      let profile = o.profile;
      if (content === undefined) {
        const chosen = await chooseScanContent(target, o.contentDir, { nearest: o.nearest === true });
        if (chosen.note !== undefined) io.err(`vigil: ${printable(chosen.note)}\n`);
        content = chosen.file;
        profile ??= chosen.profile;
      }
      const progress = io.isTty && o.format === undefined;
      let total = 0;
      let done = 0;
      const failed: string[] = [];
      const report = await evaluateXccdf(content, {
        target,
        // the summary shows titles only; the HTML report and the machine formats show the rules' prose
        evaluationOnly: htmlPath === undefined && o.format === undefined && o.store === undefined,
        ...(profile !== undefined ? { profile } : { chooseProfile: defaultProfile }),
        ...(o.tailoringFile !== undefined ? { tailoringFile: o.tailoringFile } : {}),
        ...(o.reads === true ? { reads: true } : {}),
        ...(o.rule.length > 0 ? { rules: o.rule } : {}),
        ...(o.skipRule.length > 0 ? { skipRules: o.skipRule } : {}),
        outputs,
        onOutputFailure: (f) => {
          failed.push(f.error.path);
          reportOutputFailure(io, f);
        },
        onStart: (info) => {
          total = info.total;
          if (o.format === undefined) io.err(`Scanning with ${printable(info.profileTitle ?? 'the default selection')} (${printable(info.benchmarkTitle)})\n`);
        },
        onResult: (r: RuleResult, _rule: Rule, reported: boolean) => {
          if (!progress || !reported || r.result === 'notselected') return;
          done++;
          io.err(`\r${bar(done, total)} `);
        },
      });
      if (progress) io.err('\r\x1b[K');
      if (o.format !== undefined && isMachineFormat(o.format)) {
        if (o.output === undefined) io.out(MACHINE_FORMATS[o.format].render(report));
      } else {
        io.out(summary(report, htmlPath !== undefined && !failed.includes(htmlPath) ? htmlPath : undefined));
      }
      if (o.store !== undefined) {
        const { recordScanInStore } = await import('../app/store-scan.js');
        const err = await recordScanInStore(report, o.store === true ? undefined : o.store, io.env);
        if (err !== undefined) {
          io.err(`vigil: error: ${printable(err)}\n`);
          failed.push('--store');
        }
      }
      // an output that could not be saved (or a store that could not record) is an error (1), whatever the rules gave
      setExit(failed.length > 0 ? 1 : exitCodeOf(report.testResult.ruleResults));
    });
}

function summary(report: XccdfEvalReport, htmlPath: string | undefined): string {
  const tr = report.testResult;
  const evaluated = tr.ruleResults.filter((r) => r.result !== 'notselected');
  const counts = countResults(evaluated);
  const parts = XCCDF_RESULTS.filter((r) => counts[r] > 0).map((r) => `${counts[r]} ${r}`);
  const lines = [
    `Target:  ${report.target.kind === 'local' ? `${printable(tr.target.name)} (this host)` : `${printable(report.target.name)} (offline root${tr.target.name !== 'unknown' ? `, ${printable(tr.target.name)}` : ''})`}`,
    `Content: ${printable(report.contentFile)}`,
    `Profile: ${printable(tr.profile?.title ?? '(default selection)')}`,
    `Rules:   ${evaluated.length} evaluated: ${parts.join(', ')}`,
  ];
  const main = tr.scores.find((s) => s.system === 'urn:xccdf:scoring:default') ?? tr.scores[0];
  if (main) lines.push(`Score:   ${main.score.toFixed(1)} / ${main.maximum.toFixed(0)}`);
  const skipped = skippedChecks(report);
  if (skipped.size > 0) {
    const types = [...new Set([...skipped.values()].flat().map((s) => s.type.replace(/^\w+:/, '').replace(/_object$/, '')))].sort();
    lines.push(`Skipped: ${skipped.size} rules include checks this target cannot answer (${types.join(', ')}): see the report${report.target.kind === 'offline-root' ? '; for a chroot or a running container, --host-kernel reads this host\'s kernel' : ''}`);
  }
  const failed = evaluated
    .filter((r) => r.result === 'fail' || r.result === 'error' || r.result === 'unknown')
    .sort((a, b) => (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9));
  if (failed.length > 0) {
    lines.push('', `Needs attention (${failed.length}, most severe first):`);
    for (const r of failed.slice(0, 15)) {
      const title = report.resolved.index.rules.get(r.ruleId)?.title ?? r.ruleId;
      lines.push(`  ${r.severity.padEnd(7)} ${r.result.padEnd(7)} ${printable(title)}`);
    }
    if (failed.length > 15) lines.push(`  … and ${failed.length - 15} more in the report`);
  }
  if (htmlPath !== undefined) lines.push('', `Report:  ${printable(htmlPath)}`);
  return lines.join('\n') + '\n';
}

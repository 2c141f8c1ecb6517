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
import type { LastScanInfo } from '../app/last-scan.js';
import { EXIT_FAIL, reportOutputFailure, rootOption, type CliIo } from './xccdf-commands.js';
import { addSshOptions, sshTargetFrom, type SshFlags } from './ssh-options.js';

interface ScanFlags extends SshFlags {
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
  allowNotApplicable?: boolean;
  exitCode?: string;
  failOn?: string;
  fix?: string;
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
  addSshOptions(program
    .command('scan'))
    .description('scan this host (or an offline root) with the matching SCAP Security Guide content and write a report')
    .option('-c, --content <file>', 'the data stream to use: a path, or a name in --content-dir (default: the one matching /etc/os-release)')
    .option('--content-dir <dir>', 'where installed content lives', DEFAULT_CONTENT_DIR)
    .option('--nearest', "when no content matches, use the same distribution's nearest older release (its platform checks decide what applies)")
    .option('-p, --profile <id>', "the profile: its id or the part after _profile_, any case, or '(all)' (default: CIS Level 1 Server, else Standard)")
    .option('--tailoring-file <file>', 'an XCCDF tailoring file')
    .option('--root <dir>', 'scan an offline root directory')
    .option('--host-kernel', "with --root: the root is a chroot or a running container on this host, so its kernel state (sysctl, uname, mounts) is this host's")
    .option('--report <file>', 'where to write the HTML report (default: vigil-report.html, unless --format is given)')
    .option('--no-html-report', 'do not write the HTML report')
    .option('-f, --format <format>', `machine output on stdout instead of the summary: ${SCAN_FORMATS.join(', ')}`)
    .option('-o, --output <file>', 'write the --format output to this file instead of stdout')
    .option('--results <file>', 'also write XCCDF results')
    .option('--results-arf <file>', 'also write an ARF result data stream')
    .option('--rule <id>', 'scan only this rule: its id, the part after _rule_, or a glob (repeatable)', repeat, [] as string[])
    .option('--skip-rule <id>', 'skip this rule (repeatable)', repeat, [] as string[])
    .option('--store [spec]', 'also record the scan in the results store: a SQLite file or postgres://… (default: the user data directory)')
    .option('--reads', 'with --format json: give each rule what it read of the target (paths, directory walks, other inputs)')
    .option('--allow-not-applicable', 'exit 0 even when the content does not apply to the target (every rule notapplicable); by default that exits 1')
    .option('--exit-code <n>', 'the exit code when a rule fails (default 2, as oscap)')
    .option('--fail-on <severity>', 'only failures of this severity or higher decide the exit code: high, medium, low, info')
    .option('--fix <type>', 'after the scan, write an ansible playbook or bash script that fixes its failures (see `vigil fix`)')
    .action(async (o: ScanFlags) => {
      // Loaded when run, so that other commands start quickly.
      const [{ checkOutputs, isMachineFormat, MACHINE_FORMATS }, { targetFor }, { chooseScanContent, contentPath, defaultProfile }, { evaluateXccdf }, { requireRegularFile }, { applicability }] = await Promise.all([
        import('../app/outputs.js'),
        import('../app/oval-eval.js'),
        import('../app/scan.js'),
        import('../app/xccdf-eval.js'),
        import('../app/input-files.js'),
        import('../results/applicability.js'),
      ]);
      if (o.format !== undefined && !isMachineFormat(o.format)) {
        throw new ContentError('invalid-value', `unknown --format ${o.format}; choose one of ${SCAN_FORMATS.join(', ')}`);
      }
      if (o.reads === true && o.format !== 'json') throw new ContentError('invalid-value', '--reads needs --format json');
      if (o.output !== undefined && o.format === undefined) throw new ContentError('invalid-value', '--output needs --format: it names where the machine output goes');
      const gate = exitGate(o);
      if (o.fix !== undefined && o.fix !== 'ansible' && o.fix !== 'bash') throw new ContentError('invalid-value', `unknown --fix ${o.fix}; choose ansible or bash`);
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
      const named = o.content !== undefined ? contentPath(o.content, o.contentDir) : undefined;
      if (named !== undefined) requireRegularFile(named, '--content', `a bare name is looked up in --content-dir (${o.contentDir})`);
      if (o.tailoringFile !== undefined) requireRegularFile(o.tailoringFile, '--tailoring-file');
      const root = rootOption(o.root, io);
      const ssh = await sshTargetFrom(o, { root, hostKernel: o.hostKernel });
      const target = ssh ?? targetFor({ ...(root !== undefined ? { root } : {}), hostKernel: o.hostKernel === true });
      let content = named;
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
        strictRules: true,
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
      // kept for `vigil fix`; a state directory that cannot be written costs the scan nothing
      const kept = await keepLastScan(report, io);
      const fixFile = o.fix !== undefined && kept !== undefined ? await writeFixFor(kept, o.fix, io) : undefined;
      const applies = applicability(report);
      const colour = io.isTty && (io.env['NO_COLOR'] ?? '') === '';
      if (o.format !== undefined && isMachineFormat(o.format)) {
        if (o.output === undefined) io.out(MACHINE_FORMATS[o.format].render(report));
      } else {
        io.out(summary(report, { htmlPath: htmlPath !== undefined && !failed.includes(htmlPath) ? htmlPath : undefined, colour, kept: kept !== undefined, fixFile, fixType: o.fix }));
        if (!applies.applies) {
          const head = colour ? '\x1b[1;33mNothing was checked\x1b[0m' : 'Nothing was checked';
          io.out(`\n${head}: ${printable(applies.reason ?? '')}.\n${o.allowNotApplicable ? 'Exit 0, as --allow-not-applicable asks.' : 'Exit 1: pass the content for this system (vigil scan picks it from /etc/os-release when --content is left out), or --allow-not-applicable to accept this.'}\n`);
        }
      }
      if (o.store !== undefined) {
        const { recordScanInStore } = await import('../app/store-scan.js');
        const err = await recordScanInStore(report, o.store === true ? undefined : o.store, io.env, (w) => io.err(`vigil: warning: ${printable(w)}\n`));
        if (err !== undefined) {
          io.err(`vigil: error: ${printable(err)}\n`);
          failed.push('--store');
        }
      }
      if (!applies.applies && o.format !== undefined) {
        io.err(`vigil: ${colour ? '\x1b[1;33m' : ''}nothing was checked${colour ? '\x1b[0m' : ''}: ${printable(applies.reason ?? '')}. ${o.allowNotApplicable ? '(--allow-not-applicable: exit 0)' : 'Exit 1; pass the content for this system, or --allow-not-applicable to accept this.'}\n`);
      }
      const why = withoutRoot(report);
      if (why !== undefined) io.err(`vigil: ${why}\n`);
      // an output that could not be saved (or a store that could not record) is an error (1), whatever the rules gave
      if (failed.length > 0) setExit(1);
      else if (!applies.applies && o.allowNotApplicable !== true) setExit(1);
      else setExit(gate(report.testResult.ruleResults));
    });
}

const SEVERITIES = ['high', 'medium', 'low', 'info'] as const;

/** The exit code for the rules' results, with --exit-code and --fail-on. */
function exitGate(o: ScanFlags): (results: readonly RuleResult[]) => number {
  let code = EXIT_FAIL;
  if (o.exitCode !== undefined) {
    if (!/^\d+$/.test(o.exitCode) || Number(o.exitCode) > 255) throw new ContentError('invalid-value', `--exit-code ${o.exitCode}: give a number from 0 to 255`);
    code = Number(o.exitCode);
  }
  let worst: number = SEVERITIES.length;
  if (o.failOn !== undefined) {
    const k = SEVERITIES.indexOf(o.failOn.toLowerCase() as (typeof SEVERITIES)[number]);
    if (k < 0) throw new ContentError('invalid-value', `--fail-on ${o.failOn}: choose one of ${SEVERITIES.join(', ')}`);
    worst = k;
  }
  return (results) => {
    const findings = results.filter((r) => r.result === 'fail' || r.result === 'error' || r.result === 'unknown');
    // without --fail-on every finding counts, whatever its severity (unknown too)
    const counted = o.failOn === undefined ? findings : findings.filter((r) => SEVERITIES.indexOf(r.severity as (typeof SEVERITIES)[number]) >= 0 && SEVERITIES.indexOf(r.severity as (typeof SEVERITIES)[number]) <= worst);
    return counted.length > 0 ? code : 0;
  };
}

/** Why rules are `error` on this host when the scan did not run as root, or undefined. */
export function withoutRoot(report: Pick<XccdfEvalReport, 'target' | 'testResult'>): string | undefined {
  const id = report.testResult.identity;
  if (report.target.kind !== 'local' || id === undefined || id.privileged) return undefined;
  const errors = report.testResult.ruleResults.filter((r) => r.result === 'error').length;
  if (errors === 0) return undefined;
  return `${errors} rule${errors === 1 ? ' is' : 's are'} error because the scan ran as ${printable(id.name)}, not root: they check files or settings only root can read. Run it as root (sudo vigil scan) to check them.`;
}

async function keepLastScan(report: XccdfEvalReport, io: CliIo): Promise<LastScanInfo | undefined> {
  const { lastScanDir, saveLastScan } = await import('../app/last-scan.js');
  let dir: string | undefined;
  try {
    dir = lastScanDir(io.env);
    return saveLastScan(dir, report);
  } catch (e) {
    io.err(`vigil: warning: could not keep this scan for \`vigil fix\`${dir !== undefined ? ` in ${printable(dir)}` : ''}: ${printable(e instanceof Error ? e.message : String(e))}\n`);
    return undefined;
  }
}

/** Writes the fix for the kept scan's failures beside it; returns its path. */
async function writeFixFor(kept: LastScanInfo, fixType: string, io: CliIo): Promise<string | undefined> {
  const [{ generateFix }, { saveFileContent }, { dirname, join }] = await Promise.all([import('../app/generate-fix.js'), import('../results/atomic-file.js'), import('node:path')]);
  const path = join(dirname(kept.results), fixType === 'ansible' ? 'fix.yml' : 'fix.sh');
  try {
    const fix = generateFix(kept.results, { fixType, resultId: '' });
    saveFileContent(path, fix.text, { mode: 0o700 });
    return path;
  } catch (e) {
    io.err(`vigil: warning: could not write the ${fixType} fix: ${printable(e instanceof Error ? e.message : String(e))}\n`);
    return undefined;
  }
}

const COLOURS: Record<string, string> = { pass: '32', fail: '31', error: '31', unknown: '33', high: '1;31', medium: '33', low: '36', fixed: '32' };

interface SummaryOptions {
  readonly htmlPath: string | undefined;
  /** ANSI colours (a terminal without NO_COLOR). */
  readonly colour: boolean;
  /** The scan was kept for `vigil fix`. */
  readonly kept: boolean;
  readonly fixFile: string | undefined;
  readonly fixType: string | undefined;
}

function summary(report: XccdfEvalReport, o: SummaryOptions): string {
  const paint = (text: string, key: string): string => (o.colour && COLOURS[key] !== undefined ? `\x1b[${COLOURS[key]}m${text}\x1b[0m` : text);
  const tr = report.testResult;
  const evaluated = tr.ruleResults.filter((r) => r.result !== 'notselected');
  const counts = countResults(evaluated);
  const parts = XCCDF_RESULTS.filter((r) => counts[r] > 0).map((r) => paint(`${counts[r]} ${r}`, r));
  const lines = [
    `Target:  ${report.target.kind === 'local' ? `${printable(tr.target.name)} (this host)` : report.target.kind === 'ssh' ? `${printable(report.target.name)} (over SSH, ${printable(tr.target.name)})` : `${printable(report.target.name)} (offline root${tr.target.name !== 'unknown' ? `, ${printable(tr.target.name)}` : ''})`}`,
    `Content: ${printable(report.contentFile)}`,
    `Profile: ${printable(tr.profile?.title ?? '(default selection)')}`,
    `Rules:   ${evaluated.length} evaluated: ${parts.join(', ') || 'none'}`,
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
      lines.push(`  ${paint(r.severity.padEnd(7), r.severity)} ${paint(r.result.padEnd(7), r.result)} ${printable(title)}`);
    }
    if (failed.length > 15) lines.push(`  … and ${failed.length - 15} more in the report`);
  }
  if (o.htmlPath !== undefined) lines.push('', `Report:  ${printable(o.htmlPath)}`);
  if (o.fixFile !== undefined) {
    const apply = o.fixType === 'ansible' ? `ansible-playbook -i localhost, -c local ${o.fixFile}` : `sudo bash ${o.fixFile}`;
    lines.push(`Fix:     ${printable(o.fixFile)} (review it, then: ${printable(apply)})`);
  } else if (o.kept && counts.fail > 0) {
    lines.push(`Fix:     vigil fix --fix-type ansible -o fix.yml  (or --fix-type bash): remediates the ${counts.fail} failed rules of this scan`);
  }
  return lines.join('\n') + '\n';
}

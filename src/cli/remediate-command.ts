/**
 * `vigil remediate`: scan → plan → rehearse → guard → checkpoint → apply →
 * verify, with `--rollback ID`, `--recover` and `--list` on the journal
 * (apply/remediate.ts, docs/REMEDIATE.md). Exit 0 when everything planned
 * was fixed (or rehearsed and would be), 2 when some planned rules still
 * fail, 1 when it refused, rolled back or could not run.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { ContentError } from '../model/errors.js';
import { addFilterOptions, filterArguments, type FilterFlags } from './remediation-commands.js';
import { printable } from './terminal-text.js';
import { rootOption, type CliIo } from './xccdf-commands.js';
import { addRemediateSshOptions, type RemediateSshFlags } from './remediate-ssh.js';

interface RemediateFlags extends FilterFlags, RemediateSshFlags {
  root?: string;
  /** true: this host; a string: that host over SSH. */
  host?: boolean | string;
  from?: string;
  content?: string;
  contentDir: string;
  profile?: string;
  tailoringFile?: string;
  fixType: string;
  rehearseOnly?: boolean;
  yes?: boolean;
  force?: boolean;
  stateDir?: string;
  operator?: string;
  format: string;
  rollback?: string;
  recover?: boolean;
  list?: boolean;
}

const USER_ERRORS = ['SandboxError', 'CheckpointError', 'JournalError', 'InterruptedError'];

export function registerRemediateCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('remediate')
    .description('fix failed rules safely: rehearse the fixes on an overlay of the root, guard, checkpoint, apply, verify, roll back on failure')
    .option('--root <dir>', 'remediate this offline root directory')
    .option('--host [[user@]host[:port]]', 'alone: remediate this host itself (an explicit choice); with a host: remediate it over SSH (rehearsed with ansible-playbook --check --diff)')
    .option('--from <results>', 'plan from the failed rules of this XCCDF results or ARF file (needs --content to re-scan)')
    .option('--content <file>', 'the data stream (default: the one matching the root, as vigil scan)')
    .option('--content-dir <dir>', 'where installed content lives', '/usr/share/xml/scap/ssg/content')
    .option('--profile <id>', 'the profile (default: as vigil scan)')
    .option('--tailoring-file <file>', 'an XCCDF tailoring file')
    .option('--fix-type <type>', 'bash or ansible', 'bash')
    .option('--rehearse-only', 'plan and rehearse, change nothing')
    .option('--yes', 'consent to fixes marked high-disruption or needing a reboot')
    .option('--force', 'apply despite guard findings, a failing fix or regressions in the rehearsal')
    .option('--state-dir <dir>', 'where the journal lives (default $XDG_STATE_HOME/vigil or ~/.local/state/vigil)')
    .option('--operator <user>', 'the user who must keep SSH access (default: the user running vigil)')
    .option('--format <format>', 'text or json', 'text')
    .option('--rollback <id>', 'undo an applied remediation from its checkpoint')
    .option('--recover', 'finish an apply or rollback that was interrupted (rolls it back)')
    .option('--list', 'list the checkpoints in the journal');
  addFilterOptions(addRemediateSshOptions(cmd)).action(async (o: RemediateFlags) => {
    if (o.format !== 'text' && o.format !== 'json') throw new ContentError('invalid-value', `unknown --format ${o.format}; choose text or json`);
    const { defaultStateDir, Journal, recover } = await import('../apply/journal.js');
    const stateDir = o.stateDir ?? defaultStateDir(io.env);
    const json = o.format === 'json';
    let stop: AbortController | undefined;
    const print = (value: unknown, text: string): void => io.out(json ? JSON.stringify(value, null, 2) + '\n' : printable(text, { multiline: true }));
    try {
      if (o.list) {
        const list = Journal.list(stateDir).map((j) => ({ id: j.id, phase: j.phase(), root: j.record.root, paths: j.record.entries.filter((e) => !e.parentOnly).length, rules: j.record.note }));
        print(list, list.map((j) => `${j.id}  ${j.phase.padEnd(12)} ${j.root}  ${j.paths} paths  ${j.rules}\n`).join('') || `no checkpoints in ${stateDir}\n`);
        return;
      }
      if (o.recover) {
        const { recoverRemote } = await import('../apply/ssh-remediate.js');
        const done = [...recover(stateDir), ...(await recoverRemote(stateDir))];
        print(done, done.map((r) => `${r.id}: found ${r.found}; ${r.action}\n`).join('') || 'nothing to recover\n');
        if (done.some((r) => 'failed' in r && r.failed)) setExit(1);
        return;
      }
      if (o.rollback !== undefined && Journal.open(stateDir, o.rollback).record.remote) {
        const { rollbackRemoteCheckpoint } = await import('../apply/ssh-remediate.js');
        const r = await rollbackRemoteCheckpoint(stateDir, o.rollback);
        print(r, `rolled back ${r.id} over SSH on ${r.host}: ${r.paths} paths restored (it was ${r.was})\n`);
        return;
      }
      if (o.rollback !== undefined) {
        const { rollbackCheckpoint } = await import('../apply/remediate.js');
        const r = rollbackCheckpoint(stateDir, o.rollback);
        print(r, `rolled back ${r.id}: ${r.paths} paths restored (it was ${r.was})\n`);
        return;
      }
      if (typeof o.host === 'string') {
        await remediateSsh(o.host, o, cmd.getOptionValueSource('fixType') !== 'default', io, stateDir, json, print, setExit);
        return;
      }
      const sshOnly = [o.inventory && '--inventory', (o.identity?.length ?? 0) > 0 && '--identity', o.knownHosts && '--known-hosts', o.sshConfig && '--ssh-config', o.become && '--become', o.becomePasswordEnv && '--become-password-env', o.connectTimeout && '--connect-timeout'].filter(Boolean);
      if (sshOnly.length) throw new ContentError('invalid-value', `${sshOnly[0]} goes with --host [user@]host`);
      const root = rootOption(o.root, io);
      if ((root === undefined) === (o.host !== true)) throw new ContentError('invalid-value', 'give --root DIR (an offline root) or --host (this host, deliberately)');
      const target = root ?? '/';
      if (o.fixType !== 'bash' && o.fixType !== 'ansible') throw new ContentError('invalid-value', `--fix-type ${o.fixType}: choose bash or ansible`);
      let content = o.content;
      let profile = o.profile;
      if (content === undefined) {
        if (o.from !== undefined) throw new ContentError('invalid-value', '--from needs --content: the rehearsal and the verification re-scan with it');
        const [{ chooseScanContent }, { offlineRootTarget }] = await Promise.all([import('../app/scan.js'), import('../target/fs-target.js')]);
        const chosen = await chooseScanContent(offlineRootTarget(target), o.contentDir);
        content = chosen.file;
        profile ??= chosen.profile;
        if (chosen.note) io.err(`vigil: ${chosen.note}\n`);
      }
      const { remediate } = await import('../apply/remediate.js');
      stop = new AbortController();
      const onSignal = (): void => stop!.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const report = await remediate({
        signal: stop.signal,
        content,
        ...(profile !== undefined ? { profile } : { chooseProfile: (await import('../app/scan.js')).defaultProfile }),
        ...(o.tailoringFile !== undefined ? { tailoringFile: o.tailoringFile } : {}),
        root: target,
        ...(o.from !== undefined ? { from: o.from } : {}),
        fixType: o.fixType,
        filter: filterArguments(o),
        rehearseOnly: o.rehearseOnly === true,
        yes: o.yes === true,
        force: o.force === true,
        stateDir,
        operator: { user: o.operator ?? userInfo().username },
        progress: json ? () => {} : (m) => io.err(`vigil: ${m}\n`),
      }).finally(() => {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      });
      const { renderRemediation } = await import('./remediate-text.js');
      print(report, renderRemediation(report));
      const planned = report.plan.length;
      const stillFailing = report.verify?.stillFailing.length ?? report.rehearsal?.stillFailing.length ?? 0;
      if (report.outcome === 'refused' || report.outcome === 'rolled-back') setExit(1);
      else if (planned > 0 && stillFailing > 0) setExit(2);
      else setExit(0);
    } catch (e) {
      if (stop?.signal.aborted) {
        io.err('vigil: error: interrupted; nothing was applied\n');
        setExit(1);
        return;
      }
      if (e instanceof Error && (USER_ERRORS.includes(e.name) || /another vigil remediate/.test(e.message))) {
        io.err(`vigil: error: ${printable(e.message)}\n`);
        setExit(1);
        return;
      }
      throw e;
    }
  });
}

/** `vigil remediate --host H`: over SSH (apply/ssh-remediate.ts). */
async function remediateSsh(spec: string, o: RemediateFlags, fixTypeGiven: boolean, io: CliIo, stateDir: string, json: boolean, print: (value: unknown, text: string) => void, setExit: (code: number) => void): Promise<void> {
  if (o.root !== undefined) throw new ContentError('invalid-value', '--host H and --root name different targets; give one of them');
  if (o.fixType !== 'bash' && o.fixType !== 'ansible') throw new ContentError('invalid-value', `--fix-type ${o.fixType}: choose bash or ansible`);
  if (o.from !== undefined && o.content === undefined) throw new ContentError('invalid-value', '--from needs --content: the verification re-scans with it');
  const { connectForRemediation, renderSshExtras } = await import('./remediate-ssh.js');
  const { target, connection } = await connectForRemediation(spec, o);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let content = o.content;
    let profile = o.profile;
    if (content === undefined) {
      const { chooseScanContent } = await import('../app/scan.js');
      const chosen = await chooseScanContent(target, o.contentDir);
      content = chosen.file;
      profile ??= chosen.profile;
      if (chosen.note) io.err(`vigil: ${chosen.note}\n`);
    }
    const { remediateOverSsh } = await import('../apply/ssh-remediate.js');
    const report = await remediateOverSsh({
      signal: stop.signal,
      content,
      ...(profile !== undefined ? { profile } : { chooseProfile: (await import('../app/scan.js')).defaultProfile }),
      ...(o.tailoringFile !== undefined ? { tailoringFile: o.tailoringFile } : {}),
      ...(o.from !== undefined ? { from: o.from } : {}),
      // over SSH the default is Ansible: bash fixes cannot be rehearsed there
      fixType: fixTypeGiven ? (o.fixType as 'bash' | 'ansible') : 'ansible',
      filter: filterArguments(o),
      rehearseOnly: o.rehearseOnly === true,
      yes: o.yes === true,
      force: o.force === true,
      stateDir,
      target,
      connection,
      ...(o.operator !== undefined ? { operator: { user: o.operator } } : {}),
      progress: json ? () => {} : (m) => io.err(`vigil: ${m}\n`),
    });
    const { renderRemediation } = await import('./remediate-text.js');
    // the lines only SSH has go just before the outcome, which stays last
    const text = renderRemediation(report);
    const at = text.lastIndexOf('Outcome: ');
    print(report, text.slice(0, at) + renderSshExtras(report) + text.slice(at));
    const stillFailing = report.verify?.stillFailing.length ?? 0;
    if (report.outcome === 'refused' || report.outcome === 'rolled-back') setExit(1);
    else if (report.plan.length > 0 && stillFailing > 0) setExit(2);
    else setExit(0);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await target.close();
  }
}

export interface EvalRemediation {
  readonly profile?: string;
  readonly tailoringFile?: string;
  readonly root?: string;
  readonly stateDir?: string;
  readonly yes?: boolean;
  readonly force?: boolean;
  readonly rules: readonly string[];
  readonly skipRules: readonly string[];
}

/**
 * `vigil xccdf eval --remediate`: after the evaluation, the failed rules
 * go through the same rehearse → guard → checkpoint → apply → verify →
 * rollback as `vigil remediate`, and each planned rule is reported as
 * oscap reports a remediated one (`fixed` only when the verification
 * re-scan says so). Returns the exit code.
 */
export async function remediateAfterEval(file: string, o: EvalRemediation, io: CliIo): Promise<number> {
  const [{ remediate }, { defaultStateDir }] = await Promise.all([import('../apply/remediate.js'), import('../apply/journal.js')]);
  io.out('--- Starting Remediation ---\n\n');
  try {
    const report = await remediate({
      content: file,
      ...(o.profile !== undefined ? { profile: o.profile } : {}),
      ...(o.tailoringFile !== undefined ? { tailoringFile: o.tailoringFile } : {}),
      root: o.root ?? '/',
      fixType: 'bash',
      filter: { rule: o.rules, skipRule: o.skipRules },
      yes: o.yes === true,
      force: o.force === true,
      stateDir: o.stateDir ?? defaultStateDir(io.env),
      operator: { user: userInfo().username },
    });
    const fixed = new Set(report.outcome === 'applied' ? report.verify!.fixed : []);
    for (const p of report.plan) io.out(`Rule\r\t${printable(p.rule)}\nResult\r\t${fixed.has(p.rule) ? 'fixed' : 'fail'}\n\n`);
    if (report.checkpoint) io.out(`Checkpoint\r\t${report.checkpoint}\n`);
    if (report.verify) io.out(`Verified\r\t${report.verify.rechecked} of ${report.verify.total} rules re-checked\n`);
    io.out(`Remediation\r\t${report.outcome}${report.reason ? ` (${printable(report.reason)})` : ''}\n`);
    if (report.outcome === 'refused' || report.outcome === 'rolled-back') return 1;
    return report.failing - fixed.size > 0 ? 2 : 0;
  } catch (e) {
    if (e instanceof Error && (USER_ERRORS.includes(e.name) || /another vigil remediate/.test(e.message))) {
      io.err(`vigil: error: ${printable(e.message)}\n`);
      return 1;
    }
    throw e;
  }
}

/**
 * `vigil remediate --host H`: the plan → rehearse → guard → checkpoint →
 * apply → verify → rollback of remediate.ts, for a host over SSH, where no
 * overlay of the host's tree can be made (docs/REMEDIATE.md, "Over SSH").
 *
 * 1. Plan: the failed rules of a fresh scan over SSH (or of `from`).
 * 2. Rehearse: `ansible-playbook --check --diff` against the host, with the
 *    user, port, keys and known_hosts of Vigil's own connection
 *    (./ansible-ssh.ts). The diff gives the predicted change set (paths,
 *    before/after); tasks that failed or were skipped in check mode are
 *    "not rehearsed" and refuse the apply unless --force. Bash fixes have
 *    no rehearsal over SSH and are refused.
 * 3. Guards on the host (./ssh-guards.ts): sshd -t, the connecting user's
 *    lockout, visudo -c, PAM.
 * 4. Checkpoint: the prior state of every predicted path (and its parent
 *    directories) read over SSH (helper request `capture`: content, mode,
 *    owner, nanosecond mtime, xattrs, or absence) into the local journal,
 *    fsynced, with the connection recorded; refused when a path moved since
 *    the rehearsal.
 * 5. Apply: the playbook for real (with --diff: what it really changed).
 *    Paths it changed outside the checkpoint are "unpredicted": reported,
 *    with the rules whose read sets they touch, and verified; they cannot
 *    be rolled back. Verify: re-evaluate over SSH the rules whose read sets
 *    the changed paths touch. A failed run, a regression, a failed
 *    verification or a lockout of the connecting user rolls back byte for
 *    byte over SSH (helper request `restore`: temp file, fsync, rename;
 *    owner, mode, xattrs, mtime).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Checklist } from '../model/checklist.js';
import type { FilterArguments } from '../remediation/filter.js';
import { generateFix } from '../app/generate-fix.js';
import { WatchSession } from '../app/watch-session.js';
import type { SshTargetHandle } from '../target/ssh/index.js';
import type { Change, ChangeKind } from './change-set.js';
import { ABSENT, sha256, type PathState } from './fs-state.js';
import type { Operator } from './guards.js';
import { Journal, JournalError, journalPaths, type CapturedEntry, type RemoteJournalTarget, type StepHook } from './journal.js';
import { runPlaybook, type AnsibleConnection, type AnsibleRun, type AnsibleTask } from './ansible-ssh.js';
import { InterruptedError, isBad, isPass, lockStateDir, readChange, readChangeOf, regressions, scanOnce, verifyRules, type PlannedFix, type RehearsalReport, type RemediateReport, type VerifyReport } from './remediate.js';
import { lockedOutNow, runSshGuards } from './ssh-guards.js';
import { predictedTarget, type PredictedState } from './predicted-target.js';

export interface SshRemediateOptions {
  readonly content: string;
  readonly profile?: string;
  readonly chooseProfile?: (cl: Checklist) => string | undefined;
  readonly tailoringFile?: string;
  readonly from?: string;
  readonly fixType: 'bash' | 'ansible';
  readonly filter?: FilterArguments;
  readonly rehearseOnly?: boolean;
  readonly yes?: boolean;
  readonly force?: boolean;
  readonly stateDir: string;
  /** The host, connected (through sudo when `connection.become`); the caller closes it. */
  readonly target: SshTargetHandle;
  /** How the target was reached: ansible-playbook uses the same, and the journal records it for --rollback and --recover. */
  readonly connection: RemoteJournalTarget;
  /** Who must keep SSH access: default the user Vigil connects as. */
  readonly operator?: Operator;
  readonly progress?: (msg: string) => void;
  readonly signal?: AbortSignal;
  readonly fixTimeoutMs?: number;
  /** Fault injection (tests): called with `run` before the real run and `applied` after it, whatever it did. */
  readonly step?: StepHook;
}

export interface NotRehearsedTask {
  readonly task: string;
  readonly at: string;
  readonly status: string;
  readonly message?: string;
}

/** The report of remediation over SSH: remediate.ts's, and what only SSH has. */
export interface SshRemediateReport extends RemediateReport {
  readonly host: string;
  /** Tasks the check run could not rehearse (failed, skipped in check mode, or a change without a path). */
  readonly notRehearsed: readonly NotRehearsedTask[];
  /** Rules whose read sets touch a path whose predicted state is unknown: left out of the rehearsal's fixed, still failing and regressed. */
  readonly unpredictable?: readonly string[];
  /** Rules whose read sets the predicted change set touches: what the verification will re-check. */
  readonly predictedAffected?: readonly string[];
  /** Paths the real run changed that the rehearsal did not predict (not in the checkpoint: not rolled back). */
  readonly unpredicted?: readonly string[];
  /** Rules whose read sets the unpredicted paths touch. */
  readonly unpredictedRules?: readonly string[];
  /** Predicted paths whose content after the apply differs from the prediction. */
  readonly mispredicted?: readonly string[];
  /** The real run's duration, ms. */
  readonly applyMs?: number;
}


export const sshRoot = (c: Pick<RemoteJournalTarget, 'user' | 'host' | 'port'>): string => `ssh://${c.user}@${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`;

const sameState = (a: PathState, b: PathState): boolean => {
  if (a.type !== b.type) return false;
  if (a.type === 'absent' || b.type === 'absent') return true;
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.sha256 === b.sha256 && a.target === b.target && JSON.stringify(a.xattrs) === JSON.stringify(b.xattrs);
};

function unified(path: string, before: string | undefined, after: string | undefined): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sshdiff-'));
  try {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeFileSync(a, before ?? '');
    writeFileSync(b, after ?? '');
    try {
      execFileSync('diff', ['-u', '--label', `a${path}`, '--label', `b${path}`, before === undefined ? '/dev/null' : a, after === undefined ? '/dev/null' : b]);
      return undefined;
    } catch (e) {
      const x = e as { status?: number; stdout?: Buffer };
      return x.status === 1 && x.stdout ? x.stdout.toString('utf8') : undefined;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ansible connection for a journal's target, with the sudo password from the operator's environment. */
export function ansibleConnection(c: RemoteJournalTarget, env: Readonly<Record<string, string | undefined>> = process.env): AnsibleConnection {
  let become: AnsibleConnection['become'];
  if (c.become) {
    const pw = c.become.passwordEnv !== undefined ? env[c.become.passwordEnv] : undefined;
    if (c.become.passwordEnv !== undefined && pw === undefined) throw new Error(`the environment variable ${c.become.passwordEnv} (the sudo password) is not set`);
    become = { ...(pw !== undefined ? { password: pw } : {}), ...(c.become.passwordEnv !== undefined ? { passwordEnv: c.become.passwordEnv } : {}) };
  }
  return { host: c.host, port: c.port, user: c.user, identityFiles: c.identityFiles, knownHostsFile: c.knownHostsFile, ...(become ? { become } : {}) };
}

const notRehearsedOf = (t: readonly AnsibleTask[]): NotRehearsedTask[] => t.map((x) => ({ task: x.name, at: x.at, status: x.status, ...(x.message ? { message: x.message } : {}) }));

/** The predicted change set, each path's `before` as captured over SSH now. */
async function predictedChanges(t: SshTargetHandle, run: AnsibleRun): Promise<Change[]> {
  const out: Change[] = [];
  for (const p of [...run.predicted.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const cap = await t.capture(p.path);
    const before = cap.state;
    const beforeText = cap.content?.toString('utf8');
    let after: PathState;
    const meta = { ...(p.mode !== undefined ? { mode: p.mode } : {}), ...(p.uid !== undefined ? { uid: p.uid } : {}), ...(p.gid !== undefined ? { gid: p.gid } : {}) };
    if (p.state === 'absent') after = ABSENT;
    else if (p.contentKnown && p.contentChanged && (before.type === 'file' || before.type === 'absent')) {
      const data = Buffer.from(p.after!, 'utf8');
      const base = before.type === 'file' ? before : { type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtimeNs: '0', xattrs: {} };
      after = { ...base, ...meta, sha256: sha256(data), size: data.length };
    } else after = before.type === 'absent' ? before : { ...before, ...meta };
    const kind: ChangeKind = before.type === 'absent' ? 'added' : after.type === 'absent' ? 'removed' : 'changed';
    const notes = [...p.meta, ...(p.contentKnown || p.state === 'absent' || before.type !== 'file' ? [] : ['content not predicted'])];
    const diff = p.contentKnown && p.contentChanged ? unified(p.path, before.type === 'absent' ? undefined : beforeText, p.after) : undefined;
    out.push({ path: p.path, kind, before, after, meta: notes, ...(diff ? { diff } : {}) });
  }
  return out;
}

export async function remediateOverSsh(opts: SshRemediateOptions): Promise<SshRemediateReport> {
  const say = opts.progress ?? (() => {});
  const t = opts.target;
  const c = opts.connection;
  const host = sshRoot(c);
  const op: Operator = opts.operator ?? { user: c.user };
  // the checkpoint and the rollback go through the Python helper (capture, restore); the shell fallback has neither
  if (!t.has('processes')) throw new Error(`remediation over SSH needs python3 on ${host}: its checkpoint is read and restored by Vigil's Python helper, and this host answered through the shell fallback; nothing was done`);
  const tailoring = opts.tailoringFile !== undefined ? { tailoringFile: opts.tailoringFile } : {};
  const session = WatchSession.open(opts.content, { ...(opts.profile !== undefined ? { profile: opts.profile } : opts.chooseProfile ? { chooseProfile: opts.chooseProfile } : {}), ...tailoring, target: t });
  const sessionOpts = { ...(session.profileId !== '(default)' ? { profile: session.profileId } : {}), ...tailoring };
  let unlock = (): void => {};
  try {
    if (!opts.rehearseOnly) unlock = lockStateDir(opts.stateDir);
    const interrupted = (): void => {
      if (opts.signal?.aborted) throw new InterruptedError('interrupted; nothing was applied');
    };
    say(`scanning ${host}`);
    const first = await session.evaluate(undefined, opts.signal);
    const before = first.outcomes;
    const failing = [...before.values()].filter((o) => isBad(o.result)).map((o) => o.rule);
    const fix = opts.from
      ? generateFix(opts.from, { fixType: opts.fixType, resultId: '', ...(opts.filter ? { filter: opts.filter } : {}) })
      : generateFix(opts.content, { fixType: opts.fixType, ...sessionOpts, ...(opts.filter ? { filter: opts.filter } : {}), onlyRules: new Set(failing) });
    const plan: PlannedFix[] = fix.rules.filter((r) => r.fix).map((r) => ({ rule: r.rule.id, severity: r.severity, disruption: r.fix!.disruption, reboot: r.fix!.reboot }));
    const base = { root: host, host, fixType: opts.fixType, plan, notes: fix.notes, failing: failing.length, scanMs: first.durationMs, notRehearsed: [] as NotRehearsedTask[] };
    if (plan.length === 0) return { ...base, outcome: 'nothing-to-do' };
    if (opts.fixType === 'bash')
      return { ...base, outcome: 'refused', reason: 'bash fixes cannot be rehearsed over SSH (no overlay of a remote host can be made, and a script has no check mode): use --fix-type ansible, whose --check --diff is the rehearsal' };
    const needsConsent = plan.filter((p) => p.disruption === 'high' || p.reboot).map((p) => p.rule);
    const conn = ansibleConnection(c);

    // 2. rehearse: --check --diff
    interrupted();
    say(`rehearsing ${plan.length} fixes on ${host} with ansible-playbook --check --diff`);
    const check = await runPlaybook(fix.text, conn, { check: true, timeoutMs: opts.fixTimeoutMs ?? 30 * 60_000, ...(opts.signal ? { signal: opts.signal } : {}) });
    interrupted();
    const unreachable = check.tasks.find((x) => x.status === 'unreachable');
    if (check.tasks.length === 0 || unreachable) throw new Error(`ansible-playbook --check could not run against ${host} (exit ${String(check.code)}): ${unreachable?.message ?? (check.log.trim().split('\n').slice(-3).join(' ') || 'no output')}`);
    const changes = await predictedChanges(t, check);
    const affected = [...session.affected(readChange({ changes, upper: '' })).keys()].sort();
    const notRehearsed = notRehearsedOf(check.notRehearsed);

    // the predicted view scanned with the same engine: the host with the predicted files laid over it
    const over = new Map<string, PredictedState>();
    const unknownPaths: string[] = [];
    for (const x of changes) {
      const p = check.predicted.get(x.path)!;
      if (x.after.type === 'absent') over.set(x.path, { removed: true });
      else if (!p.contentKnown || (x.before.type === 'absent' && !p.contentChanged)) unknownPaths.push(x.path);
      else
        over.set(x.path, {
          ...(p.contentChanged ? { content: Buffer.from(p.after!, 'utf8') } : {}),
          ...(p.mode !== undefined ? { mode: p.mode } : {}),
          ...(p.uid !== undefined ? { uid: p.uid } : {}),
          ...(p.gid !== undefined ? { gid: p.gid } : {}),
          ...(x.before.type === 'absent' ? { added: true } : {}),
        });
    }
    const unpredictable = unknownPaths.length ? new Set(session.affected(readChangeOf(unknownPaths)).keys()) : new Set<string>();
    say(`scanning the predicted view of ${host}`);
    const { outcomes: after, durationMs: predictedScanMs } = await scanOnce(opts.content, { ...sessionOpts, target: predictedTarget(t, over) }, opts.signal);
    const known = (rule: string): boolean => !unpredictable.has(rule);
    const rehearsal: RehearsalReport = {
      mode: 'ansible-check',
      fixExit: check.code,
      fixMs: check.ms,
      scanMs: predictedScanMs,
      fixed: plan.filter((p) => known(p.rule) && isPass(after.get(p.rule)?.result)).map((p) => p.rule),
      stillFailing: plan.filter((p) => known(p.rule) && !isPass(after.get(p.rule)?.result)).map((p) => p.rule),
      regressed: regressions(before, after).filter(known),
      changes,
      log: check.log,
      hidden: [],
    };

    // 3. guards on the host
    const guarded = await runSshGuards(
      t,
      changes
        .filter((x) => {
          const p = check.predicted.get(x.path)!;
          return p.contentChanged || !p.contentKnown || x.after.type === 'absent';
        })
        .map((x) => {
          const p = check.predicted.get(x.path)!;
          return { path: x.path, ...(p.contentKnown && p.after !== undefined ? { after: p.after } : {}), ...(x.after.type === 'absent' ? { removed: true } : {}) };
        }),
      op,
    );
    const withRehearsal = { ...base, notRehearsed, predictedAffected: affected, ...(unpredictable.size ? { unpredictable: [...unpredictable].sort() } : {}), rehearsal, guards: guarded.findings, guardNotes: guarded.notes, ...(needsConsent.length ? { needsConsent } : {}) };
    const problems: string[] = [];
    const failedTasks = check.tasks.filter((x) => x.status === 'failed');
    if (failedTasks.length) problems.push(`${failedTasks.length} tasks failed in the check run (${failedTasks.slice(0, 3).map((x) => x.name).join('; ')})`);
    if (rehearsal.regressed.length) problems.push(`${rehearsal.regressed.length} rules regressed in the predicted view (${rehearsal.regressed.slice(0, 5).join(', ')})`);
    if (notRehearsed.length) problems.push(`${notRehearsed.length} tasks could not be rehearsed in check mode (${notRehearsed.slice(0, 3).map((x) => x.task).join('; ')}): their changes would not be in the checkpoint`);
    for (const g of guarded.findings) problems.push(`${g.guard}: ${g.path} ${g.message}`);
    if (opts.rehearseOnly) return { ...withRehearsal, outcome: 'rehearsed' };
    if (changes.length === 0 && notRehearsed.length === 0) return { ...withRehearsal, outcome: 'refused', reason: 'the rehearsal predicts no change: there is nothing to apply' };
    if (problems.length && !opts.force) return { ...withRehearsal, outcome: 'refused', reason: `${problems.join('; ')} (--force applies anyway)` };
    if (needsConsent.length && !opts.yes) return { ...withRehearsal, outcome: 'refused', reason: `${needsConsent.length} fixes are high-disruption or need a reboot (${needsConsent.slice(0, 5).join(', ')}); --yes consents` };

    // 4. checkpoint over SSH
    interrupted();
    const sshdChanges = changes.some((x) => x.path === '/etc/ssh/sshd_config' || x.path.startsWith('/etc/ssh/sshd_config.d/'));
    // whether sshd already refuses the operator (or cannot tell): then the check after the apply would prove nothing
    const lockedBefore = sshdChanges ? await lockedOutNow(t, op).catch((e: Error) => `cannot tell (${e.message})`) : undefined;
    const captured: CapturedEntry[] = [];
    for (const { path, parentOnly } of journalPaths(changes.map((x) => x.path))) captured.push({ path, parentOnly, ...(await t.capture(path)) });
    const journal = Journal.checkpointCaptured(opts.stateDir, host, captured, plan.map((p) => p.rule).join(' '), c);
    say(`checkpoint ${journal.id}: ${captured.filter((x) => !x.parentOnly).length} paths of ${host}`);
    const prior = new Map(captured.map((x) => [x.path, x.state]));
    const moved = changes.filter((x) => !sameState(prior.get(x.path)!, x.before)).map((x) => x.path);
    if (moved.length) {
      journal.setPhase('rolled-back');
      return { ...withRehearsal, checkpoint: journal.id, outcome: 'refused', reason: `the host changed since the rehearsal (${moved.slice(0, 5).join(', ')}); nothing was applied: rehearse again` };
    }
    const rollback = async (reason: string, extra: Partial<SshRemediateReport> = {}): Promise<SshRemediateReport> => {
      await rollbackRemote(journal, t);
      return { ...withRehearsal, ...extra, checkpoint: journal.id, outcome: 'rolled-back', reason: `${reason}; rolled back over SSH from checkpoint ${journal.id}` };
    };

    // 5. apply for real, then verify
    journal.setPhase('applying');
    opts.step?.('run');
    say(`applying ${plan.length} fixes on ${host}`);
    let real: AnsibleRun;
    try {
      real = await runPlaybook(fix.text, conn, { check: false, timeoutMs: opts.fixTimeoutMs ?? 30 * 60_000 });
    } catch (e) {
      return rollback(`ansible-playbook could not run: ${e instanceof Error ? e.message : String(e)}`);
    }
    opts.step?.('applied');
    journal.setPhase('applied');
    const journaled = new Set(captured.filter((x) => !x.parentOnly).map((x) => x.path));
    const unpredicted = [...real.predicted.keys()].filter((p) => !journaled.has(p)).sort();
    const unpredictedRules = unpredicted.length ? [...session.affected(readChangeOf(unpredicted)).keys()].sort() : [];
    const mispredicted: string[] = [];
    for (const x of changes) {
      const p = check.predicted.get(x.path)!;
      if (!p.contentKnown || x.after.type !== 'file') continue;
      const now = await t.capture(x.path).catch(() => undefined);
      const a = x.after;
      if (!now || now.state.type !== 'file' || now.state.sha256 !== a.sha256 || (p.mode !== undefined && now.state.mode !== a.mode) || (p.uid !== undefined && now.state.uid !== a.uid) || (p.gid !== undefined && now.state.gid !== a.gid)) mispredicted.push(x.path);
    }
    const applied = { applyMs: real.ms, ...(unpredicted.length ? { unpredicted, unpredictedRules } : {}), ...(mispredicted.length ? { mispredicted } : {}) };
    if (unpredicted.length) say(`the playbook changed ${unpredicted.length} paths the rehearsal did not predict (${unpredicted.slice(0, 5).join(', ')}); they are not in the checkpoint`);
    const failedReal = real.tasks.filter((x) => x.status === 'failed' || x.status === 'unreachable');
    if (real.code !== 0 || failedReal.length) return rollback(`the playbook failed on ${host} (exit ${String(real.code)}${failedReal.length ? `; ${failedReal.slice(0, 3).map((x) => `${x.name}: ${x.message ?? x.status}`).join('; ')}` : ''})`, applied);
    if (sshdChanges && !lockedBefore) {
      const locked = await lockedOutNow(t, op).catch((e: Error) => `the check failed: ${e.message}`);
      if (locked) return rollback(`after the apply, sshd would refuse ${op.user}: ${locked}`, applied);
    }
    if (opts.signal?.aborted) return rollback('interrupted after the apply, before the verification', applied);
    const recheck = [...new Set([...affected, ...unpredictedRules, ...[...session.affected(readChangeOf([...real.predicted.keys()])).keys()]])];
    say(`verifying over SSH: ${recheck.length} of ${before.size} rules read what changed`);
    let verify: VerifyReport;
    try {
      verify = await verifyRules(session, recheck, before, plan);
    } catch (e) {
      return rollback(`the verification scan failed: ${e instanceof Error ? e.message : String(e)}`, applied);
    }
    if (verify.regressed.length && !opts.force) return { ...(await rollback(`${verify.regressed.length} rules regressed (${verify.regressed.slice(0, 5).join(', ')})`, applied)), verify };
    const missed = rehearsal.fixed.filter((r) => !verify.fixed.includes(r));
    if (missed.length) return { ...(await rollback(`${missed.length} rules the rehearsal predicted fixed still fail on the host (${missed.slice(0, 5).join(', ')})`, applied)), verify };
    journal.setPhase('verified');
    return { ...withRehearsal, ...applied, checkpoint: journal.id, outcome: 'applied', verify };
  } finally {
    await session.close();
    unlock();
  }
}

const depth = (p: string): number => (p === '/' ? 0 : p.split('/').length - 1);

/**
 * Rolls a checkpoint of a host back over SSH, byte for byte: the journal's
 * leftover temporary files removed; what did not exist removed (deepest
 * first); files, links and directories restored (shallowest first), each
 * atomically; every directory's metadata set again (deepest first), since
 * restoring its entries moved its mtime. Idempotent, like Journal.rollback.
 */
export async function rollbackRemote(journal: Journal, t: SshTargetHandle, step: StepHook = () => {}): Promise<void> {
  if (!journal.record.remote) throw new JournalError(`checkpoint ${journal.id} is of a local root: vigil remediate --rollback rolls it back`);
  journal.setPhase('rolling-back');
  const entries = [...journal.record.entries].sort((a, b) => depth(a.path) - depth(b.path) || (a.path < b.path ? -1 : 1));
  const dirs = new Set(entries.map((e) => (e.prior.type === 'dir' ? e.path : posix.dirname(e.path))));
  for (const d of dirs) await t.removeTemps(d, journal.tempPrefix).catch(() => 0);
  for (const e of [...entries].reverse()) {
    if (e.prior.type !== 'absent') continue;
    step(`remove ${e.path}`);
    await t.restore(e.path, ABSENT, { tempPrefix: journal.tempPrefix });
  }
  for (const e of entries) {
    if (e.prior.type === 'absent' || e.parentOnly) continue;
    step(`restore ${e.path}`);
    await t.restore(e.path, e.prior, { tempPrefix: journal.tempPrefix, ...(e.prior.type === 'file' ? { content: journal.blob(e.prior.sha256!) } : {}) });
  }
  for (const e of [...entries].reverse()) {
    if (e.prior.type !== 'dir') continue;
    step(`metadata ${e.path}`);
    await t.restore(e.path, e.prior, { tempPrefix: journal.tempPrefix, metaOnly: true });
  }
  journal.setPhase('rolled-back');
}

/** Reconnects to the host a checkpoint names (host key verified against the recorded known_hosts). */
export type Reconnect = (r: RemoteJournalTarget) => Promise<SshTargetHandle>;

export const defaultReconnect: Reconnect = async (r) => {
  const { connectSsh } = await import('../target/ssh/index.js');
  return connectSsh({ host: r.host, port: r.port, user: r.user, identityFiles: r.identityFiles, knownHostsFile: r.knownHostsFile, sshConfigFile: r.sshConfigFile, ...(r.become ? { become: r.become } : {}) });
};

/** `vigil remediate --rollback ID` for a checkpoint of a host over SSH. */
export async function rollbackRemoteCheckpoint(stateDir: string, id: string, reconnect: Reconnect = defaultReconnect): Promise<{ id: string; paths: number; was: string; host: string }> {
  const release = lockStateDir(stateDir);
  try {
    const j = Journal.open(stateDir, id);
    if (!j.record.remote) throw new JournalError(`checkpoint ${id} is of a local root`);
    const was = j.phase();
    if (was === 'rolled-back') throw new JournalError(`checkpoint ${id} was already rolled back`);
    const t = await reconnect(j.record.remote);
    try {
      await rollbackRemote(j, t);
    } finally {
      await t.close();
    }
    return { id, paths: j.record.entries.filter((e) => !e.parentOnly).length, was, host: j.record.root };
  } finally {
    release();
  }
}

/**
 * `vigil remediate --recover` for hosts over SSH: every interrupted apply
 * or rollback of one, rolled back after reconnecting. A host that cannot be
 * reached (or rolled back) is reported as such and left for the next
 * `--recover`; the others go on.
 */
export async function recoverRemote(stateDir: string, reconnect: Reconnect = defaultReconnect): Promise<Array<{ id: string; found: string; action: string; host: string; failed?: boolean }>> {
  const out: Array<{ id: string; found: string; action: string; host: string; failed?: boolean }> = [];
  for (const j of Journal.list(stateDir)) {
    if (!j.record.remote) continue;
    const found = j.phase();
    if (found === 'applying' || found === 'rolling-back') {
      try {
        const t = await reconnect(j.record.remote);
        try {
          await rollbackRemote(j, t);
        } finally {
          await t.close();
        }
        out.push({ id: j.id, found, action: 'rolled back', host: j.record.root });
      } catch (e) {
        out.push({ id: j.id, found, action: `NOT rolled back (${e instanceof Error ? e.message : String(e)}); run --recover again`, host: j.record.root, failed: true });
      }
    } else if (found === 'checkpointed') {
      j.setPhase('rolled-back');
      out.push({ id: j.id, found, action: 'nothing was applied', host: j.record.root });
    }
  }
  return out;
}

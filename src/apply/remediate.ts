/**
 * `vigil remediate`: plan → rehearse → guard → checkpoint → apply → verify,
 * rolling back on any failure (docs/REMEDIATE.md).
 *
 * 1. Plan: the failed rules of a fresh scan of the root (or of a results or
 *    ARF file with `from`), filtered like `generate fix`, and their fixes.
 * 2. Rehearse in a Sandbox (./sandbox.ts): run the fixes on an overlay of
 *    the root, re-scan the overlay with the same engine, read the change
 *    set from its upper layer. Rules fixed, still failing, regressed.
 * 3. Guards (./guards.ts) and consent (high-disruption or reboot fixes).
 * 4. Checkpoint (./journal.ts), refused when the root changed since the
 *    rehearsal; apply the change set (./apply.ts); verify by re-evaluating
 *    only the rules whose read sets the change set touches. A failed apply,
 *    a rule that regressed or one the rehearsal fixed that is not fixed
 *    rolls back from the checkpoint.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadChange } from '../target/read-index.js';
import type { InputRead } from '../target/reads.js';
import type { Checklist } from '../model/checklist.js';
import type { FilterArguments } from '../remediation/filter.js';
import { generateFix, type GeneratedFix } from '../app/generate-fix.js';
import { WatchSession, type RuleOutcome, type WatchSessionOptions } from '../app/watch-session.js';
import { applyChangeSet, changedPaths } from './apply.js';
import { readChangeSet, type Change, type ChangeSet } from './change-set.js';
import type { PathState } from './fs-state.js';
import { runGuards, sshdView, type GuardFinding, type Operator } from './guards.js';
import { Journal, type StepHook } from './journal.js';
import { Sandbox, type SandboxMode } from './sandbox.js';

export interface RemediateOptions {
  /** The data stream (or benchmark) to scan with. */
  readonly content: string;
  readonly profile?: string;
  /** Picks the profile when none is named (as `vigil scan`). */
  readonly chooseProfile?: (cl: Checklist) => string | undefined;
  readonly tailoringFile?: string;
  /** The root to remediate: an offline root directory, or `/` for this host (an explicit choice). */
  readonly root: string;
  /** Plan from this results or ARF file instead of the fresh scan's failures. */
  readonly from?: string;
  readonly fixType: 'bash' | 'ansible';
  readonly filter?: FilterArguments;
  readonly rehearseOnly?: boolean;
  /** Consent to high-disruption and reboot-needing fixes. */
  readonly yes?: boolean;
  /** Apply despite guard findings, a failed fix run or regressions in the rehearsal. */
  readonly force?: boolean;
  readonly stateDir: string;
  readonly operator: Operator;
  readonly progress?: (msg: string) => void;
  /** Fault injection between the apply's steps (tests). */
  readonly step?: StepHook;
  /** How long the fixes may run in the rehearsal. */
  readonly fixTimeoutMs?: number;
  /**
   * SIGINT/SIGTERM: before the checkpoint, stops with nothing applied;
   * after the apply, rolls back. The apply itself is never interrupted
   * half-way (a crash there is what `recover` is for).
   */
  readonly signal?: AbortSignal;
  /** Called between the rehearsal and the checkpoint (tests: the root changing meanwhile). */
  readonly afterRehearsal?: () => void;
  /** Force a sandbox mode (tests); chosen from the root otherwise. */
  readonly sandboxMode?: SandboxMode;
}

export interface PlannedFix {
  readonly rule: string;
  readonly severity: string;
  readonly disruption: string;
  readonly reboot: boolean;
}

export type Outcome = 'nothing-to-do' | 'rehearsed' | 'refused' | 'applied' | 'rolled-back';

export interface RehearsalReport {
  /** How the fixes were rehearsed: an overlay (chroot or paths), or `ansible-check` over SSH (ssh-remediate.ts). */
  readonly mode: SandboxMode | 'ansible-check';
  readonly fixExit: number | null;
  readonly fixMs: number;
  readonly scanMs: number;
  readonly fixed: readonly string[];
  readonly stillFailing: readonly string[];
  readonly regressed: readonly string[];
  readonly changes: readonly Change[];
  /** The fix run's output, last 4 KB. */
  readonly log: string;
  readonly hidden: readonly string[];
}

export interface VerifyReport {
  /** Rules re-evaluated: those whose read sets the change set touches. */
  readonly rechecked: number;
  /** Rules the profile evaluates. */
  readonly total: number;
  readonly fixed: readonly string[];
  readonly stillFailing: readonly string[];
  readonly regressed: readonly string[];
}

export interface RemediateReport {
  readonly root: string;
  readonly fixType: string;
  readonly plan: readonly PlannedFix[];
  readonly notes: readonly string[];
  /** Rules failing in the first scan. */
  readonly failing: number;
  readonly scanMs: number;
  readonly rehearsal?: RehearsalReport;
  readonly guards?: readonly GuardFinding[];
  readonly guardNotes?: readonly string[];
  /** Fixes that need --yes. */
  readonly needsConsent?: readonly string[];
  readonly outcome: Outcome;
  /** Why it was refused or rolled back. */
  readonly reason?: string;
  readonly checkpoint?: string;
  readonly verify?: VerifyReport;
}

export const isPass = (r: string | undefined): boolean => r === 'pass' || r === 'fixed';
export const isBad = (r: string | undefined): boolean => r === 'fail' || r === 'error';

/** One whole evaluation of a view (a rehearsal's overlay, a predicted state), its session closed after. */
export async function scanOnce(content: string, sessionOpts: WatchSessionOptions, signal?: AbortSignal): Promise<{ outcomes: ReadonlyMap<string, RuleOutcome>; durationMs: number }> {
  const session = WatchSession.open(content, sessionOpts);
  try {
    const r = await session.evaluate(undefined, signal);
    return { outcomes: r.outcomes, durationMs: r.durationMs };
  } finally {
    await session.close();
  }
}

/** Rules that passed before and fail (or err) now. */
export function regressions(before: ReadonlyMap<string, RuleOutcome>, after: ReadonlyMap<string, RuleOutcome>): string[] {
  return [...after.values()].filter((o) => isBad(o.result) && isPass(before.get(o.rule)?.result)).map((o) => o.rule).sort();
}

/** Re-evaluates `rules` on the target after an apply: what the plan fixed, what still fails, what regressed. */
export async function verifyRules(session: WatchSession, rules: readonly string[], before: ReadonlyMap<string, RuleOutcome>, plan: readonly PlannedFix[]): Promise<VerifyReport> {
  const run = await session.evaluate([...rules]);
  const now = new Map(before);
  for (const [k, v] of run.outcomes) now.set(k, v);
  return {
    rechecked: rules.length,
    total: before.size,
    fixed: plan.filter((p) => isPass(now.get(p.rule)?.result)).map((p) => p.rule),
    stillFailing: plan.filter((p) => !isPass(now.get(p.rule)?.result)).map((p) => p.rule),
    regressed: regressions(before, run.outcomes),
  };
}

/** SIGINT or SIGTERM before anything was applied. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

/** One remediation at a time per state directory. */
export function lockStateDir(stateDir: string): () => void {
  return lock(stateDir);
}

function lock(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, 'remediate.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => unlinkSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid > 0 && pid !== process.pid && alive(pid)) throw new Error(`another vigil remediate (pid ${pid}) holds ${file}`);
      unlinkSync(file);
    }
  }
  throw new Error(`cannot lock ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sameContent = (a: PathState, b: PathState): boolean => {
  if (a.type !== b.type) return false;
  if (a.type === 'absent' || b.type === 'absent') return true;
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.sha256 === b.sha256 && a.target === b.target && JSON.stringify(a.xattrs) === JSON.stringify(b.xattrs);
};

/** Runs the fixes in the sandbox. */
async function runFix(sb: Sandbox, fix: GeneratedFix, fixType: 'bash' | 'ansible', timeoutMs: number): Promise<{ code: number | null; ms: number; log: string }> {
  if (fixType === 'bash') {
    const r = await sb.exec(['bash', '--norc', '--noprofile', '-s'], { input: fix.text, timeoutMs });
    return { code: r.code, ms: r.ms, log: r.stdout + r.stderr };
  }
  writeFileSync(join(sb.tmp, 'vigil-fix.yml'), fix.text);
  const r = await sb.exec(['ansible-playbook', '-i', 'localhost,', '-c', 'local', sb.inside('vigil-fix.yml')], {
    timeoutMs,
    env: { ANSIBLE_LOCAL_TEMP: '/tmp/.ansible-local', ANSIBLE_REMOTE_TEMP: '/tmp/.ansible-remote', ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: '0' },
  });
  return { code: r.code, ms: r.ms, log: r.stdout + r.stderr };
}

export async function remediate(opts: RemediateOptions): Promise<RemediateReport> {
  const say = opts.progress ?? (() => {});
  const tailoring = opts.tailoringFile !== undefined ? { tailoringFile: opts.tailoringFile } : {};
  const session = WatchSession.open(opts.content, { ...(opts.profile !== undefined ? { profile: opts.profile } : opts.chooseProfile ? { chooseProfile: opts.chooseProfile } : {}), ...tailoring, root: opts.root });
  const sessionOpts = { ...(session.profileId !== '(default)' ? { profile: session.profileId } : {}), ...tailoring };
  let unlock = (): void => {};
  let sb: Sandbox | undefined;
  try {
    if (!opts.rehearseOnly) unlock = lock(opts.stateDir);
    say(`scanning ${opts.root}`);
    const interrupted = (): void => {
      if (opts.signal?.aborted) throw new InterruptedError('interrupted; nothing was applied');
    };
    const first = await session.evaluate(undefined, opts.signal);
    const before = first.outcomes;
    const failing = [...before.values()].filter((o) => isBad(o.result)).map((o) => o.rule);

    // 1. plan
    const fix = opts.from
      ? generateFix(opts.from, { fixType: opts.fixType, resultId: '', ...(opts.filter ? { filter: opts.filter } : {}) })
      : generateFix(opts.content, { fixType: opts.fixType, ...sessionOpts, ...(opts.filter ? { filter: opts.filter } : {}), onlyRules: new Set(failing) });
    const planned = fix.rules.filter((r) => r.fix);
    const plan: PlannedFix[] = planned.map((r) => ({ rule: r.rule.id, severity: r.severity, disruption: r.fix!.disruption, reboot: r.fix!.reboot }));
    const base = { root: opts.root, fixType: opts.fixType, plan, notes: fix.notes, failing: failing.length, scanMs: first.durationMs };
    if (plan.length === 0) return { ...base, outcome: 'nothing-to-do' };
    const needsConsent = plan.filter((p) => p.disruption === 'high' || p.reboot).map((p) => p.rule);

    // 2. rehearse
    interrupted();
    say(`rehearsing ${plan.length} fixes on an overlay of ${opts.root}`);
    sb = await Sandbox.open(opts.root, opts.sandboxMode ? { mode: opts.sandboxMode } : {});
    const sshBefore = await sshdView(sb, opts.operator);
    const ran = await runFix(sb, fix, opts.fixType, opts.fixTimeoutMs ?? 30 * 60_000);
    const { outcomes: after, durationMs: scanMs } = await scanOnce(opts.content, { ...sessionOpts, root: sb.view }, opts.signal);
    const cs = readChangeSet(sb.upper, opts.root);
    const rehearsal: RehearsalReport = {
      mode: sb.mode,
      fixExit: ran.code,
      fixMs: ran.ms,
      scanMs,
      fixed: plan.filter((p) => isPass(after.get(p.rule)?.result)).map((p) => p.rule),
      stillFailing: plan.filter((p) => !isPass(after.get(p.rule)?.result)).map((p) => p.rule),
      regressed: regressions(before, after),
      changes: cs.changes,
      log: ran.log.slice(-4096),
      hidden: sb.hidden,
    };

    // 3. guards and consent
    const guarded = await runGuards(sb, cs, opts.root, opts.operator, sshBefore, opts.root === '/' ? [process.execPath] : []);
    const withRehearsal = { ...base, rehearsal, guards: guarded.findings, guardNotes: guarded.notes, ...(needsConsent.length ? { needsConsent } : {}) };
    const problems: string[] = [];
    if (ran.code !== 0) problems.push(`the fixes exited ${ran.code === null ? 'on a signal' : ran.code} in the rehearsal`);
    if (rehearsal.regressed.length) problems.push(`${rehearsal.regressed.length} rules regressed in the rehearsal (${rehearsal.regressed.slice(0, 5).join(', ')})`);
    for (const g of guarded.findings) problems.push(`${g.guard}: ${g.path} ${g.message}`);
    if (opts.rehearseOnly) return { ...withRehearsal, outcome: 'rehearsed' };
    if (cs.changes.length === 0) return { ...withRehearsal, outcome: 'refused', reason: 'the rehearsal changed nothing: there is nothing to apply' };
    if (problems.length && !opts.force) return { ...withRehearsal, outcome: 'refused', reason: `${problems.join('; ')} (--force applies anyway)` };
    if (needsConsent.length && !opts.yes) return { ...withRehearsal, outcome: 'refused', reason: `${needsConsent.length} fixes are high-disruption or need a reboot (${needsConsent.slice(0, 5).join(', ')}); --yes consents` };

    // 4. checkpoint, apply, verify
    opts.afterRehearsal?.();
    interrupted();
    return await applyAndVerify(opts, session, before, cs, rehearsal, withRehearsal, say);
  } finally {
    await sb?.close();
    await session.close();
    unlock();
  }
}

async function applyAndVerify(
  opts: RemediateOptions,
  session: WatchSession,
  before: ReadonlyMap<string, RuleOutcome>,
  cs: ChangeSet,
  rehearsal: RehearsalReport,
  report: Omit<RemediateReport, 'outcome'>,
  say: (m: string) => void,
): Promise<RemediateReport> {
  const journal = Journal.checkpoint(opts.stateDir, opts.root, changedPaths(cs), rehearsal.fixed.join(' '));
  say(`checkpoint ${journal.id}: ${journal.record.entries.length} paths`);
  const prior = new Map(journal.record.entries.map((e) => [e.path, e.prior]));
  const moved = cs.changes.filter((c) => !sameContent(prior.get(c.path)!, c.before)).map((c) => c.path);
  if (moved.length) {
    journal.setPhase('rolled-back');
    return { ...report, checkpoint: journal.id, outcome: 'refused', reason: `the root changed since the rehearsal (${moved.slice(0, 5).join(', ')}); nothing was applied: rehearse again` };
  }
  const rollback = (reason: string): RemediateReport => {
    journal.rollback();
    return { ...report, checkpoint: journal.id, outcome: 'rolled-back', reason: `${reason}; rolled back from checkpoint ${journal.id}` };
  };
  try {
    applyChangeSet(journal, cs, opts.step);
  } catch (e) {
    return rollback(`the apply failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const affected = [...session.affected(readChange(cs)).keys()];
  if (opts.signal?.aborted) return rollback('interrupted after the apply, before the verification');
  say(`verifying: ${affected.length} of ${before.size} rules read what changed`);
  let verify: VerifyReport;
  try {
    verify = await verifyRules(session, affected, before, report.plan);
  } catch (e) {
    return rollback(`the verification scan failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const missed = rehearsal.fixed.filter((r) => !verify.fixed.includes(r));
  if (verify.regressed.length && !opts.force) return { ...rollback(`${verify.regressed.length} rules regressed (${verify.regressed.slice(0, 5).join(', ')})`), verify };
  if (missed.length) return { ...rollback(`${missed.length} rules the rehearsal fixed still fail on the root (${missed.slice(0, 5).join(', ')})`), verify };
  journal.setPhase('verified');
  return { ...report, checkpoint: journal.id, outcome: 'applied', verify };
}

/** Where the probes read packages and units from files: a change there is a change of the `packages` or `systemd` input. */
const INPUT_FILES: ReadonlyArray<{ prefix: string; input: InputRead }> = [
  { prefix: '/var/lib/dpkg/', input: { kind: 'packages', key: '*' } },
  { prefix: '/var/lib/rpm/', input: { kind: 'packages', key: '*' } },
  { prefix: '/usr/lib/sysimage/rpm/', input: { kind: 'packages', key: '*' } },
  { prefix: '/var/cache/apt/', input: { kind: 'packages', key: '*' } },
  { prefix: '/etc/systemd/', input: { kind: 'systemd', key: '*' } },
  { prefix: '/usr/lib/systemd/', input: { kind: 'systemd', key: '*' } },
  { prefix: '/lib/systemd/', input: { kind: 'systemd', key: '*' } },
];

/**
 * The change to the target, for the read index: every changed path (a
 * path matches the reads of it, of anything below it, and the walks that
 * reach it), and the inputs the changed files feed.
 */
export function readChange(cs: ChangeSet): ReadChange {
  return readChangeOf(changedPaths(cs));
}

/** The same for paths alone (what a check run over SSH predicts or the real run reports). */
export function readChangeOf(paths: readonly string[]): ReadChange {
  const inputs = new Map<string, InputRead>();
  for (const p of paths) for (const f of INPUT_FILES) if (p.startsWith(f.prefix)) inputs.set(`${f.input.kind}:${f.input.key}`, f.input);
  return { paths: [...paths], inputs: [...inputs.values()] };
}

/** `vigil remediate --rollback ID`: undoes an applied change. */
export function rollbackCheckpoint(stateDir: string, id: string): { id: string; paths: number; was: string } {
  const release = lock(stateDir);
  try {
    const j = Journal.open(stateDir, id);
    const was = j.phase();
    if (was === 'rolled-back') throw new Error(`checkpoint ${id} was already rolled back`);
    j.rollback();
    return { id, paths: j.record.entries.filter((e) => !e.parentOnly).length, was };
  } finally {
    release();
  }
}

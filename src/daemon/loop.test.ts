/**
 * The closed loop of `vigil watch`, end to end: the real daemon with real
 * file events on a synthetic root in a temp dir, the real remediation
 * pipeline (rehearsal in a private mount namespace, guards, checkpoint,
 * apply, verification, rollback), the policy's real clock. Each case breaks
 * files of the root the way a person or a rogue process would and watches
 * what the loop does: a failing fix opens the breaker (and half-opens it
 * after the cool-down), a flapping rule is stopped with an alert, a freeze
 * window forbids changes until it closes, the rate limit lets a burst
 * through, a fix that fails verification is rolled back byte for byte, and
 * rules not opted in are never touched.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WatchSession } from '../app/watch-session.js';
import { manifest, manifestDiff } from '../apply/fs-state.js';
import { Journal, recover } from '../apply/journal.js';
import { remediateDataStream, TEST_PROFILE, TEST_RULE, type TestRule } from '../testing/remediate-content.js';
import { DEFAULT_REMEDIATION, LoopPolicy, type RemediationConfig } from './loop-policy.js';
import { pipelineRemediator } from './loop.js';
import { WatchMetrics } from './metrics.js';
import { eventLine } from './run.js';
import { createEventSources } from './sources.js';
import { memoryStore } from './store.js';
import type { Logger, Notifier, PolicyState, RemediationEvent, StoredEvent } from './types.js';
import { WatchDaemon, type PolicyClock } from './watch.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-loop-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

const GOOD: Record<string, string> = { '/etc/issue': 'Authorized uses only\n', '/etc/motd': 'Authorized uses only\n', '/etc/banner': 'Authorized uses only\n', '/etc/other': 'x\n', '/etc/stubborn': 'ok\n', '/etc/slow': 'ok\n' };
const RULES: TestRule[] = [
  { name: 'issue', file: '/etc/issue', pattern: 'Authorized', fix: 'echo "Authorized uses only" > /etc/issue' },
  { name: 'motd', file: '/etc/motd', pattern: 'Authorized', fix: 'echo "Authorized uses only" > /etc/motd' },
  { name: 'banner', file: '/etc/banner', pattern: 'Authorized', fix: 'echo "Authorized uses only" > /etc/banner' },
  // has a working fix, but is not opted in
  { name: 'other', file: '/etc/other', pattern: '^x$', fix: 'echo x > /etc/other' },
  { name: 'slow', file: '/etc/slow', pattern: '^ok$', fix: 'sleep 30; echo ok > /etc/slow' },
  // a fix that fails every time
  { name: 'stubborn', file: '/etc/stubborn', pattern: '^ok$', fix: 'echo half > /etc/stubborn; exit 1' },
];

const silent: Logger = { info() {}, warn() {}, error() {} };

interface Loop {
  readonly root: string;
  readonly state: string;
  readonly daemon: WatchDaemon;
  readonly events: StoredEvent[];
  readonly notified: StoredEvent[];
  readonly metrics: WatchMetrics;
  remediations(rule?: string): Array<StoredEvent & RemediationEvent>;
  write(path: string, text: string): void;
  read(path: string): string;
  /** Waits until `pred` holds (at most `ms`). */
  until(what: string, pred: () => boolean, ms?: number): Promise<void>;
}

async function start(over: Partial<RemediationConfig>, more: { policy?: PolicyClock; step?: (label: string) => void; onEvent?: (e: StoredEvent, root: string) => void } = {}): Promise<Loop> {
  const dir = join(base, `case-${++n}`);
  const root = join(dir, 'root');
  for (const [p, text] of Object.entries({ '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\n', '/etc/group': 'root:x:0:\n', ...GOOD })) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  const ds = join(dir, 'ds.xml');
  writeFileSync(ds, remediateDataStream(RULES));
  const state = join(dir, 'state');
  const config: RemediationConfig = { ...DEFAULT_REMEDIATION, rules: [], severities: [], rate: { limit: 1000, perMs: 1000, burst: 1000 }, timeoutMs: 60_000, ...over };
  const events: StoredEvent[] = [];
  const notified: StoredEvent[] = [];
  const notifier: Notifier = { send: (e) => notified.push(e), close: () => Promise.resolve() };
  const metrics = new WatchMetrics({ process: false });
  const daemon = new WatchDaemon({
    open: () => WatchSession.open(ds, { root, profile: TEST_PROFILE }),
    scopeOf: (s) => ({ content: ds, profile: s.profileId, tailoring: '', target: root }),
    openStore: () => memoryStore(),
    sources: (onChange) => createEventSources({ root, onChange, log: silent, intervals: { debounceMs: 30, maxDebounceMs: 200, kernelMs: 200, verifyMs: 1000 } }),
    log: silent,
    metrics,
    notifier,
    emit: (e) => {
      events.push(e);
      more.onEvent?.(e, root);
    },
    ...(more.policy ? { policy: more.policy } : {}),
    remediation: {
      policy: new LoopPolicy(config, () => Date.now()),
      stateDir: state,
      run: pipelineRemediator({ content: ds, profile: TEST_PROFILE, root, stateDir: state, config, ...(more.step ? { step: more.step } : {}) }),
    },
  });
  await daemon.start();
  const loop: Loop = {
    root,
    state,
    daemon,
    events,
    notified,
    metrics,
    remediations: (rule) => events.filter((e): e is StoredEvent & RemediationEvent => e.type === 'remediation' && (rule === undefined || e.rule === TEST_RULE(rule))),
    write: (p, text) => writeFileSync(join(root, p), text),
    read: (p) => readFileSync(join(root, p), 'utf8'),
    async until(what, pred, ms = 15_000) {
      const end = performance.now() + ms;
      while (!pred()) {
        if (performance.now() > end) {
          const seen = events.filter((e) => e.type === 'remediation' || e.type === 'drift').map((e) => JSON.stringify(e));
          assert.fail(`timed out waiting for ${what}; events:\n${seen.join('\n')}`);
        }
        await sleep(50);
      }
    },
  };
  return loop;
}

const result = (l: Loop, rule: string): string | undefined => l.daemon.state().rules[TEST_RULE(rule)];
const outcomes = (es: RemediationEvent[]): string[] => es.map((e) => (e.outcome === 'skipped' ? `skipped:${e.skip}` : e.outcome));

async function stop(l: Loop): Promise<void> {
  await l.daemon.stop();
}

describe('vigil watch closed loop on a synthetic root', { timeout: 120_000 }, () => {
  it('fixes an opted-in rule that drifts to fail, verified, and never touches rules not opted in', async () => {
    const l = await start({ rules: ['issue'] });
    try {
      assert.equal(result(l, 'issue'), 'pass');
      l.write('/etc/other', 'tampered\n');
      l.write('/etc/issue', 'welcome\n');
      await l.until('issue fixed', () => l.remediations('issue').length === 1 && result(l, 'issue') === 'pass');
      const [e] = l.remediations('issue');
      assert.equal(e!.outcome, 'applied');
      assert.equal(e!.breaker, 'closed');
      assert.match(e!.message, /fixed and verified, 1 of 6 rules re-checked/);
      assert.equal(Journal.open(l.state, e!.checkpoint!).phase(), 'verified');
      assert.match(eventLine(e!), new RegExp(`remedy  issue: applied \\[breaker closed\\]: fixed and verified, 1 of 6 rules re-checked \\(checkpoint ${e!.checkpoint}\\)$`));
      assert.equal(l.read('/etc/issue'), 'Authorized uses only\n');
      await l.daemon.loopSettled();
      assert.equal(result(l, 'other'), 'fail');
      assert.equal(l.read('/etc/other'), 'tampered\n', 'a rule not opted in is never touched');
      assert.deepEqual(l.remediations('other'), []);
      assert.deepEqual(l.notified.filter((x) => x.type === 'remediation'), [], 'a verified fix is no problem to notify (notify: problems)');
      const text = await l.daemon.metrics();
      assert.match(text, /vigil_watch_remediations_total\{outcome="applied",skip=""\} 1/);
      assert.match(text, /vigil_watch_remediation_breaker_state\{rule="xccdf_org\.vigil_rule_issue"\} 0/);
      assert.deepEqual(l.daemon.readiness(), { ok: true });
      assert.deepEqual(
        l.daemon.events(0, 1000).filter((x) => x.type === 'remediation').map((x) => x.id),
        [e!.id],
        'the attempt is in the history the API serves',
      );
    } finally {
      await stop(l);
    }
  });

  it('stopping while changes wait for the evaluation under way ends (the daemon never re-drains once stopped)', async () => {
    const l = await start({ rules: ['issue'] });
    l.write('/etc/issue', 'tampered\n');
    // the first batch starts an evaluation; the second waits as pending while it runs; then stop
    l.daemon.onChange({ paths: ['/etc/issue'], dirs: [], inputs: [] });
    l.daemon.onChange({ paths: ['/etc/other'], dirs: [], inputs: [] });
    const t0 = performance.now();
    await stop(l);
    assert.ok(performance.now() - t0 < 10_000);
  });

  it('an attempt past its timeout is stopped, changes nothing and counts as a failure', async () => {
    const l = await start({ rules: ['slow'], timeoutMs: 1000 });
    try {
      l.write('/etc/slow', 'broken\n');
      await l.until('the attempt', () => l.remediations('slow').length === 1);
      const [e] = l.remediations('slow');
      assert.notEqual(e!.outcome, 'applied');
      assert.match(e!.message, /^timed out after 1 s/);
      assert.ok(e!.durationMs! < 10_000, `stopped after ${e!.durationMs} ms`);
      assert.equal(l.read('/etc/slow'), 'broken\n');
      assert.deepEqual(l.daemon.readiness(), { ok: true });
    } finally {
      await stop(l);
    }
  });

  it('a fix that keeps failing opens the breaker; after the cool-down it half-opens for one trial, which fails and opens it again', async () => {
    const l = await start({ rules: ['stubborn'], breaker: { failures: 2, cooldownMs: 1500 } });
    try {
      const before = manifest(l.root);
      for (let i = 1; i <= 2; i++) {
        l.write('/etc/stubborn', `broken ${i}\n`);
        await l.until(`attempt ${i}`, () => l.remediations('stubborn').length === i);
        await l.daemon.loopSettled();
        if (i < 2) {
          l.write('/etc/stubborn', 'ok\n');
          await l.until('stubborn passes again', () => result(l, 'stubborn') === 'pass');
        }
      }
      const [first, second] = l.remediations('stubborn');
      assert.equal(first!.outcome, 'refused');
      assert.match(first!.message, /the fixes exited 1 in the rehearsal/);
      assert.equal(first!.breaker, 'closed');
      assert.equal(second!.breaker, 'open');
      assert.equal(second!.alert, true);
      assert.match(second!.message, /the circuit breaker opened/);
      assert.match(await l.daemon.metrics(), /vigil_watch_remediation_breaker_state\{rule="xccdf_org\.vigil_rule_stubborn"\} 2/);
      // flipped back and broken again while open: not attempted
      l.write('/etc/stubborn', 'ok\n');
      await l.until('stubborn passes again', () => result(l, 'stubborn') === 'pass');
      l.write('/etc/stubborn', 'broken 3\n');
      await l.until('a skip', () => l.remediations('stubborn').length === 3);
      assert.deepEqual(outcomes(l.remediations('stubborn')), ['refused', 'refused', 'skipped:breaker-open']);
      // the cool-down ends: one trial, without another drift
      await l.until('the half-open trial', () => l.remediations('stubborn').length === 4, 10_000);
      const trial = l.remediations('stubborn')[3]!;
      assert.equal(trial.outcome, 'refused');
      assert.equal(trial.breaker, 'open', 'the failed trial opens it again');
      assert.equal(l.read('/etc/stubborn'), 'broken 3\n', 'a refused fix changes nothing real');
      assert.deepEqual(manifestDiff(before, manifest(l.root)).map((x) => x.split(':')[0]), ['etc/stubborn']);
      assert.ok(l.notified.some((x) => x.type === 'remediation' && x.alert), 'the breaker opening is notified');
      assert.deepEqual(l.daemon.readiness(), { ok: true }, 'failing remediations do not make the daemon unready');
      assert.match(await l.daemon.metrics(), /vigil_watch_remediations_total\{outcome="skipped",skip="breaker-open"\} 1/);
    } finally {
      await stop(l);
    }
  });

  it('a rule fixed and broken again K times within T is flapping: not remediated, with one alert', async () => {
    const l = await start({ rules: ['issue'], flapping: { count: 2, withinMs: 3_600_000, holdMs: 3_600_000 } });
    try {
      for (let i = 1; i <= 3; i++) {
        l.write('/etc/issue', `tampered ${i}\n`);
        await l.until(`decision ${i}`, () => l.remediations('issue').length === i);
        await l.daemon.loopSettled();
        if (i < 3) await l.until('the fix seen', () => result(l, 'issue') === 'pass');
      }
      assert.deepEqual(outcomes(l.remediations('issue')), ['applied', 'applied', 'skipped:flapping']);
      const flap = l.remediations('issue')[2]!;
      assert.equal(flap.alert, true);
      assert.match(flap.message, /drifted back to fail 2 times within 1h after being fixed/);
      assert.equal(l.read('/etc/issue'), 'tampered 3\n');
      assert.equal(result(l, 'issue'), 'fail');
      assert.deepEqual(
        l.notified.filter((x) => x.type === 'remediation').map((x) => (x as RemediationEvent).skip),
        ['flapping'],
        'only the alert is notified',
      );
      assert.match(await l.daemon.metrics(), /vigil_watch_remediation_flapping\{rule="xccdf_org\.vigil_rule_issue"\} 1/);
    } finally {
      await stop(l);
    }
  });

  it('a process that undoes each fix at once (before the daemon saw it pass) is caught as flapping too', async () => {
    let undone = 0;
    const fighter = (e: StoredEvent, root: string): void => {
      if (e.type === 'remediation' && e.outcome === 'applied' && undone++ < 5) writeFileSync(join(root, 'etc/issue'), `undone ${undone}\n`);
    };
    const l = await start({ rules: ['issue'], flapping: { count: 2, withinMs: 3_600_000, holdMs: 3_600_000 } }, { onEvent: fighter });
    try {
      l.write('/etc/issue', 'tampered\n');
      await l.until('flapping', () => l.remediations('issue').some((e) => e.skip === 'flapping'));
      await l.daemon.loopSettled();
      assert.deepEqual(outcomes(l.remediations('issue')), ['applied', 'applied', 'skipped:flapping']);
      assert.equal(l.read('/etc/issue'), 'undone 2\n');
      assert.equal(result(l, 'issue'), 'fail');
    } finally {
      await stop(l);
    }
  });

  it('a freeze window forbids changes; once it closes the waiting rule is fixed', async () => {
    const frozen: PolicyState = { windows: ['freeze-now'], mute: false, freeze: true };
    const thawed: PolicyState = { windows: [], mute: false, freeze: false };
    let now = frozen;
    const policy: PolicyClock = { at: () => now, next: (d) => new Date(d.getTime() + 1000) };
    const l = await start({ rules: ['issue'] }, { policy });
    try {
      l.write('/etc/issue', 'tampered\n');
      await l.until('a skip', () => l.remediations('issue').length === 1);
      const [skip] = l.remediations('issue');
      assert.equal(skip!.skip, 'frozen');
      assert.match(skip!.message, /a freeze window is open \(freeze-now\)/);
      await sleep(300);
      assert.equal(l.read('/etc/issue'), 'tampered\n');
      now = thawed;
      await l.until('the fix once the window closed', () => l.remediations('issue').length === 2, 10_000);
      assert.equal(l.remediations('issue')[1]!.outcome, 'applied');
      assert.equal(l.read('/etc/issue'), 'Authorized uses only\n');
    } finally {
      await stop(l);
    }
  });

  it('the rate limit lets a burst through, then refuses until a token comes back', async () => {
    const l = await start({ rules: ['issue', 'motd', 'banner'], rate: { limit: 1, perMs: 3_600_000, burst: 2 } });
    try {
      for (const f of ['/etc/issue', '/etc/motd', '/etc/banner']) l.write(f, 'tampered\n');
      await l.until('three decisions', () => l.remediations().length === 3);
      await l.daemon.loopSettled();
      const all = l.remediations();
      assert.deepEqual(outcomes(all).sort(), ['applied', 'applied', 'skipped:rate-limited']);
      const limited = all.find((e) => e.outcome === 'skipped')!;
      assert.match(limited.message, /1 attempts per 1h \(burst 2\) are used up/);
      const file = limited.rule.replace(TEST_RULE(''), '');
      assert.equal(l.read(`/etc/${file}`), 'tampered\n');
      assert.equal(result(l, file), 'fail');
      assert.match(await l.daemon.metrics(), /vigil_watch_remediation_tokens 0\.\d+/);
    } finally {
      await stop(l);
    }
  });

  it('a fix that fails verification on the target is rolled back byte for byte and counted against the breaker', async () => {
    let fight = true;
    // something rewrites the file between the apply and the verification
    const step = (label: string): void => {
      if (label === 'applied' && fight) writeFileSync(join(l.root, 'etc/issue'), 'rewritten by someone else\n');
    };
    const l: Loop = await start({ rules: ['issue'], breaker: { failures: 1, cooldownMs: 3_600_000 } }, { step });
    try {
      l.write('/etc/issue', 'tampered\n');
      const before = manifest(l.root);
      await l.until('the attempt', () => l.remediations('issue').length === 1);
      fight = false;
      const [e] = l.remediations('issue');
      assert.equal(e!.outcome, 'rolled-back');
      assert.match(e!.message, /rules the rehearsal fixed still fail on the root .*rolled back from checkpoint/);
      assert.equal(e!.breaker, 'open');
      assert.equal(Journal.open(l.state, e!.checkpoint!).phase(), 'rolled-back');
      assert.deepEqual(manifestDiff(before, manifest(l.root)), [], 'byte for byte as before the apply');
      assert.ok(l.notified.some((x) => x.type === 'remediation' && x.outcome === 'rolled-back'));
      assert.match(await l.daemon.metrics(), /vigil_watch_remediations_total\{outcome="rolled-back",skip=""\} 1/);
    } finally {
      await stop(l);
    }
  });

  it('an apply interrupted by a crash (journal left applying) stops the loop until vigil remediate --recover', async () => {
    const l = await start({ rules: ['issue'] });
    try {
      const crashed = Journal.checkpoint(l.state, l.root, ['/etc/motd'], 'a crash');
      crashed.setPhase('applying');
      l.write('/etc/issue', 'tampered\n');
      await l.until('the attempt', () => l.remediations('issue').length === 1);
      const [e] = l.remediations('issue');
      assert.equal(e!.outcome, 'failed');
      assert.match(e!.message, new RegExp(`checkpoint ${crashed.id} was interrupted while applying: .*vigil remediate --recover`));
      assert.equal(l.read('/etc/issue'), 'tampered\n');
      assert.match(l.daemon.readiness().reason ?? '', /^remediation: checkpoint/);
      assert.deepEqual(recover(l.state).map((r) => r.id), [crashed.id]);
      assert.deepEqual(l.daemon.readiness(), { ok: true });
    } finally {
      await stop(l);
    }
  });

  it('a state directory that cannot hold checkpoints breaks the loop (readyz says so), not the daemon', async () => {
    const l = await start({ rules: ['issue'] });
    try {
      // a file where the journal's directory should be
      rmSync(l.state, { recursive: true, force: true });
      writeFileSync(l.state, 'not a directory\n');
      l.write('/etc/issue', 'tampered\n');
      await l.until('the attempt', () => l.remediations('issue').length === 1);
      const [e] = l.remediations('issue');
      assert.equal(e!.outcome, 'failed');
      assert.match(e!.message, /cannot be written .*no checkpoint can be made/);
      const r = l.daemon.readiness();
      assert.equal(r.ok, false);
      assert.match(r.reason!, /^remediation: the state directory/);
      assert.equal(l.read('/etc/issue'), 'tampered\n');
      // the daemon goes on watching
      l.write('/etc/other', 'changed\n');
      await l.until('other drifts', () => result(l, 'other') === 'fail');
      // repaired: ready again without waiting for another attempt
      rmSync(l.state);
      assert.deepEqual(l.daemon.readiness(), { ok: true });
    } finally {
      await stop(l);
    }
  });
});

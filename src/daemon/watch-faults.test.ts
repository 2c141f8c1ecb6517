/**
 * The faults `vigil watch` must survive (issue: "Faults to survive"), each
 * on a synthetic root with the SSG content and real file events: a probe
 * that always throws, a state store that fails and comes back, a watched
 * directory deleted and recreated, a rename storm, and an inotify budget
 * too small for the watch set. SIGKILL and restart is in
 * watch-restart.test.ts (it needs the daemon as its own process).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { targetFor } from '../app/oval-eval.js';
import { WatchSession } from '../app/watch-session.js';
import { wrapTarget, type Target } from '../target/target.js';
import { CONTENT, prerequisites } from '../testing/oracle.js';
import { SSG_TARGETS, writeSsgRoot } from '../testing/ssg-roots.js';
import { createEventSources } from './sources.js';
import { memoryStore } from './store.js';
import { StoreError, type Logger, type StoredEvent, type WatchStore } from './types.js';
import { WatchDaemon, type DaemonMetrics } from './watch.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-watch-faults-'));
after(() => rmSync(base, { recursive: true, force: true }));

const DS = 'ssg-ubuntu2204-ds.xml';
const PROFILE = 'cis_level2_server';
const RULE = (s: string): string => `xccdf_org.ssgproject.content_rule_${s}`;

interface Logged {
  readonly level: string;
  readonly msg: string;
}

function memoryLog(): Logger & { readonly lines: Logged[] } {
  const lines: Logged[] = [];
  return { lines, info: (msg) => lines.push({ level: 'info', msg }), warn: (msg) => lines.push({ level: 'warn', msg }), error: (msg) => lines.push({ level: 'error', msg }) };
}

class CountingMetrics implements DaemonMetrics {
  partial = 0;
  full = 0;
  setResults(): void {}
  drift(): void {}
  evaluation(kind: 'full' | 'partial'): void {
    this[kind]++;
  }
  sources(): void {}
  fullSweep(): void {}
  evaluatedAt(): void {}
  store(): void {}
  text(): Promise<string> {
    return Promise.resolve('');
  }
}

interface Setup {
  readonly root: string;
  readonly daemon: WatchDaemon;
  readonly events: StoredEvent[];
  readonly log: ReturnType<typeof memoryLog>;
  readonly metrics: CountingMetrics;
  /** The current results, and a fresh evaluation's, of every rule. */
  diff(): Promise<string[]>;
}

async function setup(opts: { target?: (t: Target) => Target; store?: () => WatchStore; maxWatches?: number; storeRetryMs?: number } = {}): Promise<Setup> {
  const ubuntu = SSG_TARGETS.find((x) => x.ds === DS)!;
  const root = mkdtempSync(join(base, 'root-'));
  writeSsgRoot(root, ubuntu.platform, false);
  const file = join(CONTENT, DS);
  const target = (opts.target ?? ((t) => t))(targetFor({ root }));
  const events: StoredEvent[] = [];
  const log = memoryLog();
  const metrics = new CountingMetrics();
  const daemon = new WatchDaemon({
    open: () => WatchSession.open(file, { target, profile: PROFILE }),
    scopeOf: (s) => ({ content: file, profile: s.profileId, tailoring: '', target: root }),
    openStore: opts.store ?? (() => memoryStore()),
    sources: (onChange) =>
      createEventSources({ root, onChange, log, intervals: { debounceMs: 30, maxDebounceMs: 200, kernelMs: 200, verifyMs: 1000 }, ...(opts.maxWatches !== undefined ? { maxWatches: opts.maxWatches } : {}) }),
    log,
    metrics,
    emit: (e) => events.push(e),
    ...(opts.storeRetryMs !== undefined ? { storeRetryMs: opts.storeRetryMs } : {}),
  });
  await daemon.start();
  const reference = WatchSession.open(file, { target, profile: PROFILE });
  const diff = async (): Promise<string[]> => {
    const fresh = await reference.evaluate();
    const mine = daemon.state().rules;
    const out: string[] = [];
    for (const [k, o] of fresh.outcomes) if (mine[k] !== o.result) out.push(`${k}: watch ${mine[k]}, fresh ${o.result}`);
    return out;
  };
  const stop = daemon.stop.bind(daemon);
  daemon.stop = async () => {
    await stop();
    await reference.close();
  };
  return { root, daemon, events, log, metrics, diff };
}

/** Waits until the daemon's state equals a fresh evaluation (at most `ms`), and returns what still differs. */
async function quiet(s: Setup, ms = 5000): Promise<string[]> {
  const until = performance.now() + ms;
  let d: string[] = [];
  do {
    await sleep(150);
    await s.daemon.settled();
    d = await s.diff();
  } while (d.length > 0 && performance.now() < until);
  return d;
}

describe('vigil watch survives', { timeout: 300_000 }, () => {
  it('a probe that always throws: its rules are error, the rest go on', async (t) => {
    if (!(await prerequisites(t, { files: [DS] }))) return;
    const s = await setup({
      target: (inner) =>
        wrapTarget(inner, {
          readFile: (p, o) => {
            if (p === '/etc/ssh/sshd_config') throw new TypeError('the probe crashed');
            return inner.readFile(p, o);
          },
        }),
    });
    try {
      const rules = s.daemon.state().rules;
      assert.equal(rules[RULE('sshd_disable_root_login')], 'error');
      assert.equal(rules[RULE('accounts_maximum_age_login_defs')], 'fail');
      // the daemon goes on: a fix elsewhere still drifts
      writeFileSync(join(s.root, 'etc/login.defs'), 'PASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nUMASK 027\n');
      assert.deepEqual(await quiet(s), []);
      assert.ok(s.events.some((e) => e.type === 'drift' && e.rule === RULE('accounts_maximum_age_login_defs') && e.to === 'pass'));
      assert.equal(s.daemon.state().rules[RULE('sshd_disable_root_login')], 'error');
    } finally {
      await s.daemon.stop();
    }
  });

  it('a state store that fails: not ready, with the reason, evaluating on; stored again once it works', async (t) => {
    if (!(await prerequisites(t, { files: [DS] }))) return;
    const inner = memoryStore();
    let failing = false;
    const fail = (): never => {
      throw new StoreError('cannot write /state/state.sqlite: database or disk is full', 'SQLITE_FULL');
    };
    const flaky: WatchStore = {
      load: (sc) => inner.load(sc),
      commit: (sc, st, ev) => (failing ? fail() : inner.commit(sc, st, ev)),
      events: (a, b) => inner.events(a, b),
      lastEventId: () => inner.lastEventId(),
      recordSweep: (sc, sw) => (failing ? fail() : inner.recordSweep(sc, sw)),
      sweeps: (sc, n) => inner.sweeps(sc, n),
      prune: (r, n) => (failing ? fail() : inner.prune(r, n)),
      close: () => undefined,
    };
    const s = await setup({ store: () => flaky, storeRetryMs: 200 });
    try {
      assert.deepEqual(s.daemon.readiness(), { ok: true });
      failing = true;
      writeFileSync(join(s.root, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
      assert.deepEqual(await quiet(s), []);
      const r = s.daemon.readiness();
      assert.equal(r.ok, false);
      assert.match(r.reason ?? '', /state store: .*disk is full/);
      const drift = s.events.filter((e) => e.type === 'drift');
      assert.ok(drift.length > 0, 'drift is reported while the store fails');
      // the API still answers from memory
      assert.ok(s.daemon.events(0, 10_000).some((e) => e.id === drift[0]!.id));
      failing = false;
      for (let i = 0; i < 50 && !s.daemon.readiness().ok; i++) await sleep(100);
      assert.deepEqual(s.daemon.readiness(), { ok: true });
      const stored = inner.events(0, 10_000);
      for (const e of drift) assert.ok(stored.some((x) => x.id === e.id && x.type === 'drift' && x.rule === (e as { rule: string }).rule), `event ${e.id} stored after the store came back`);
      assert.equal(new Set(stored.map((e) => e.id)).size, stored.length, 'no event stored twice');
      assert.ok(s.log.lines.some((l) => l.level === 'error' && /state store failed/.test(l.msg)));
    } finally {
      await s.daemon.stop();
    }
  });

  it('a watched directory deleted and recreated', async (t) => {
    if (!(await prerequisites(t, { files: [DS] }))) return;
    const s = await setup();
    try {
      rmSync(join(s.root, 'etc/ssh'), { recursive: true });
      assert.deepEqual(await quiet(s), []);
      assert.equal(s.daemon.state().rules[RULE('sshd_disable_root_login')], 'fail');
      mkdirSync(join(s.root, 'etc/ssh'));
      writeFileSync(join(s.root, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
      assert.deepEqual(await quiet(s), []);
      assert.equal(s.daemon.state().rules[RULE('sshd_disable_root_login')], 'pass');
      // and the new directory is watched: a later edit is seen
      writeFileSync(join(s.root, 'etc/ssh/sshd_config'), 'PermitRootLogin yes\n');
      assert.deepEqual(await quiet(s), []);
      assert.equal(s.daemon.state().rules[RULE('sshd_disable_root_login')], 'fail');
    } finally {
      await s.daemon.stop();
    }
  });

  it('a rename storm: few evaluations, the right state at the end', async (t) => {
    if (!(await prerequisites(t, { files: [DS] }))) return;
    const s = await setup();
    try {
      const dir = join(s.root, 'etc/sysctl.d');
      mkdirSync(dir, { recursive: true });
      await quiet(s);
      const before = s.metrics.partial + s.metrics.full;
      for (let i = 0; i < 2000; i++) {
        writeFileSync(join(dir, `.tmp${i}`), `net.ipv4.ip_forward = ${i % 2}\n`);
        renameSync(join(dir, `.tmp${i}`), join(dir, `${i % 50}.conf`));
      }
      assert.deepEqual(await quiet(s, 15_000), []);
      const evaluations = s.metrics.partial + s.metrics.full - before;
      t.diagnostic(`4000 file operations gave ${evaluations} evaluations`);
      assert.ok(evaluations <= 40, `${evaluations} evaluations for one storm`);
    } finally {
      await s.daemon.stop();
    }
  });

  it('an inotify budget too small for the watch set: polls those paths, says so, and still sees changes', async (t) => {
    if (!(await prerequisites(t, { files: [DS] }))) return;
    const s = await setup({ maxWatches: 3 });
    try {
      const st = s.daemon.sourceStatus()!;
      assert.ok(st.polled > 0, `paths polled: ${JSON.stringify(st)}`);
      assert.ok(st.watches <= 3);
      assert.deepEqual(s.daemon.readiness(), { ok: true });
      writeFileSync(join(s.root, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
      assert.deepEqual(await quiet(s, 10_000), []);
      assert.equal(s.daemon.state().rules[RULE('sshd_disable_root_login')], 'pass');
    } finally {
      await s.daemon.stop();
    }
  });
});

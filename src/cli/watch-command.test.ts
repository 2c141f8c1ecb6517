/**
 * `vigil watch` as a process: JSON lines on stdout, a clean exit on
 * SIGTERM, and a restart after SIGKILL that resumes from the state
 * directory: it reports what changed while it was down, once, and nothing
 * it had reported before; every event is in the store exactly once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { CONTENT, prerequisites } from '../testing/oracle.js';
import { SSG_TARGETS, writeSsgRoot } from '../testing/ssg-roots.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-watch-cli-'));
after(() => rmSync(base, { recursive: true, force: true }));

const BIN = join(import.meta.dirname, 'bin.ts');
const DS = 'ssg-ubuntu2204-ds.xml';
const RULE = (s: string): string => `xccdf_org.ssgproject.content_rule_${s}`;

interface Running {
  readonly child: ChildProcess;
  readonly events: Array<Record<string, unknown>>;
  readonly stderr: () => string;
  /** Resolves with the first event that `match` accepts (waiting at most `ms`). */
  next(match: (e: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: readonly string[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }> = [];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const e = JSON.parse(line) as Record<string, unknown>;
    events.push(e);
    for (const w of [...waiters]) {
      if (w.match(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    events,
    stderr: () => err,
    next: (match, ms = 120_000) => {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching event within ${ms} ms; stderr: ${err.slice(-2000)}; events: ${JSON.stringify(events).slice(-2000)}`)), ms);
        waiters.push({ match, resolve: (e) => (clearTimeout(t), resolve(e)) });
      });
    },
    exit: () => exited,
  };
}

test('vigil watch: JSON events, SIGKILL and restart without lost or repeated events, clean exit on SIGTERM', { timeout: 600_000 }, async (t) => {
  if (!(await prerequisites(t, { files: [DS] }))) return;
  const ubuntu = SSG_TARGETS.find((x) => x.ds === DS)!;
  const root = join(base, 'root');
  writeSsgRoot(root, ubuntu.platform, false);
  const state = join(base, 'state');
  const token = join(base, 'token');
  writeFileSync(token, 'a-test-token-0123456789\n', { mode: 0o600 });
  const args = ['--content', join(CONTENT, DS), '--profile', 'cis_level2_server', '--root', root, '--state-dir', state, '--json'];

  const first = start(args);
  const ready = await first.next((e) => e['type'] === 'ready');
  assert.equal(typeof ready['id'], 'number');
  assert.ok((ready['rules'] as number) > 200);
  writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
  const drift = await first.next((e) => e['type'] === 'drift' && e['rule'] === RULE('sshd_disable_root_login'));
  assert.equal(drift['from'], 'fail');
  assert.equal(drift['to'], 'pass');
  assert.deepEqual(drift['paths'], ['/etc/ssh/sshd_config']);
  first.child.kill('SIGKILL');
  assert.equal((await first.exit()).signal, 'SIGKILL');

  // while it is down
  writeFileSync(join(root, 'etc/login.defs'), 'PASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 7\nUMASK 027\n');

  const second = start([...args, '--listen', '127.0.0.1:0', '--token-file', token]);
  const ready2 = await second.next((e) => e['type'] === 'ready');
  const drift2 = second.events.filter((e) => e['type'] === 'drift');
  const rules2 = drift2.map((e) => e['rule']);
  assert.ok(rules2.includes(RULE('accounts_maximum_age_login_defs')), `the change made while down is reported: ${JSON.stringify(rules2)}`);
  assert.ok(!rules2.includes(RULE('sshd_disable_root_login')), 'what was reported before the kill is not reported again');
  assert.ok(drift2.every((e) => (e['id'] as number) > (drift['id'] as number) && (e['id'] as number) < (ready2['id'] as number)));

  // the API: every event stored once, in order, across the kill
  const address = /address=(\S+)/.exec(second.stderr())?.[1];
  assert.ok(address, `the listening address is logged: ${second.stderr()}`);
  const auth = { authorization: 'Bearer a-test-token-0123456789' };
  assert.equal((await fetch(`http://${address}/readyz`)).status, 200);
  assert.equal((await fetch(`http://${address}/api/v1/events?since=0`)).status, 401);
  const page = (await (await fetch(`http://${address}/api/v1/events?since=0`, { headers: auth })).json()) as { events: Array<Record<string, unknown>> };
  const ids = page.events.map((e) => e['id'] as number);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  assert.equal(new Set(ids).size, ids.length, 'no event stored twice');
  assert.equal(page.events.filter((e) => e['type'] === 'drift' && e['rule'] === RULE('sshd_disable_root_login')).length, 1, 'the drift reported before the kill is stored once');
  assert.ok(ids.includes(drift['id'] as number) && ids.includes(ready['id'] as number) && ids.includes(ready2['id'] as number));
  const st = (await (await fetch(`http://${address}/api/v1/state`, { headers: auth })).json()) as { rules: Record<string, string> };
  assert.equal(st.rules[RULE('sshd_disable_root_login')], 'pass');
  assert.equal(st.rules[RULE('accounts_maximum_age_login_defs')], 'pass');
  const metrics = await (await fetch(`http://${address}/metrics`, { headers: auth })).text();
  assert.match(metrics, /vigil_watch_rule_result\{[^}]*rule="xccdf_org\.ssgproject\.content_rule_sshd_disable_root_login"[^}]*\} 1/);
  second.child.kill('SIGTERM');
  const end = await second.exit();
  assert.equal(end.code, 0, second.stderr());

  // the store holds every event once, in order: the third start reports nothing new
  const third = start(args);
  await third.next((e) => e['type'] === 'ready');
  assert.deepEqual(third.events.filter((e) => e['type'] === 'drift'), []);
  third.child.kill('SIGTERM');
  assert.equal((await third.exit()).code, 0);
});

test('vigil watch refuses what it cannot do, with exit 1', { timeout: 120_000 }, async (t) => {
  if (!(await prerequisites(t, { files: [DS] }))) return;
  const root = join(base, 'root-refuse');
  writeSsgRoot(root, SSG_TARGETS.find((x) => x.ds === DS)!.platform, false);
  const cases: Array<[string[], RegExp]> = [
    [['--root', root, '--content', join(CONTENT, DS), '--listen', '0.0.0.0:0'], /without --token-file|refus/i],
    [['--root', root, '--content', join(CONTENT, DS), '--log-format', 'xml'], /--log-format/],
    [['--root', join(base, 'missing'), '--content', join(CONTENT, DS)], /not a directory/],
  ];
  for (const [args, message] of cases) {
    const r = start(args);
    const end = await r.exit();
    assert.equal(end.code, 1, `${args.join(' ')}: ${r.stderr()}`);
    assert.match(r.stderr(), message);
  }
});

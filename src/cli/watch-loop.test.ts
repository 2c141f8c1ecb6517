/**
 * `vigil watch --config` with a `remediate:` section, as a process, on a
 * synthetic root: a rule that drifts to fail is remediated through the
 * safe pipeline, the attempt is a JSON event on stdout with its
 * checkpoint, `vigil remediate --list` on the same state directory shows
 * that checkpoint, and a rule not opted in stays as it was broken.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { remediateDataStream, TEST_PROFILE, TEST_RULE } from '../testing/remediate-content.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-watch-loop-cli-'));
after(() => rmSync(base, { recursive: true, force: true }));
const BIN = join(import.meta.dirname, 'bin.ts');

test('vigil watch remediates an opted-in rule that drifts to fail, and only that one', { timeout: 120_000 }, async () => {
  const root = join(base, 'root');
  for (const [p, text] of Object.entries({ 'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\n', 'etc/issue': 'Authorized uses only\n', 'etc/other': 'x\n' })) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  const ds = join(base, 'ds.xml');
  writeFileSync(
    ds,
    remediateDataStream([
      { name: 'issue', file: '/etc/issue', pattern: 'Authorized', fix: 'echo "Authorized uses only" > /etc/issue' },
      { name: 'other', file: '/etc/other', pattern: '^x$', fix: 'echo x > /etc/other' },
    ]),
  );
  const config = join(base, 'watch.yaml');
  writeFileSync(config, 'intervals: { debounce: 30ms }\nremediate:\n  rules: [issue]\n  rate: { limit: 10, per: 1m, burst: 5 }\n  notify: none\n');
  const state = join(base, 'state');
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'watch', '--content', ds, '--profile', TEST_PROFILE, '--root', root, '--state-dir', state, '--config', config, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    events.push(JSON.parse(line) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const next = async (what: string, match: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const end = Date.now() + 60_000;
    for (;;) {
      const found = events.find(match);
      if (found) return found;
      if (Date.now() > end || child.exitCode !== null) assert.fail(`no ${what}; stderr: ${err.slice(-2000)}; events: ${JSON.stringify(events).slice(-2000)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  try {
    await next('ready', (e) => e['type'] === 'ready');
    writeFileSync(join(root, 'etc/other'), 'tampered\n');
    writeFileSync(join(root, 'etc/issue'), 'welcome\n');
    const fixed = await next('remediation', (e) => e['type'] === 'remediation');
    assert.equal(fixed['rule'], TEST_RULE('issue'));
    assert.equal(fixed['outcome'], 'applied', JSON.stringify(fixed));
    await next('issue passing again', (e) => e['type'] === 'drift' && e['rule'] === TEST_RULE('issue') && e['to'] === 'pass');
    assert.equal(readFileSync(join(root, 'etc/issue'), 'utf8'), 'Authorized uses only\n');
    assert.equal(readFileSync(join(root, 'etc/other'), 'utf8'), 'tampered\n');
    assert.deepEqual(
      events.filter((e) => e['type'] === 'remediation').map((e) => e['rule']),
      [TEST_RULE('issue')],
    );
    const list = spawnSync(process.execPath, ['--import', 'tsx', BIN, 'remediate', '--list', '--state-dir', state, '--format', 'json'], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const checkpoints = JSON.parse(list.stdout) as Array<{ id: string; phase: string }>;
    assert.deepEqual(checkpoints.map((c) => [c.id, c.phase]), [[fixed['checkpoint'], 'verified']]);
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err.slice(-2000));
  }
});

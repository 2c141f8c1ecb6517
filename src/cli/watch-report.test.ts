/**
 * A real `vigil watch --report-to` process feeding a real vigil serve on
 * loopback: its state and drift land in the store; while the serve is down
 * the watcher keeps going (its events on stdout), says on /readyz that it
 * is behind, and delivers what waited once the serve is back.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { baselineDataStreamPath, BASELINE_PROFILE } from '../app/baseline.js';
import { listen, type Listener } from '../daemon/listen.js';
import { createServeApi } from '../daemon/serve.js';
import { openResultsStore } from '../store/index.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-watch-report-'));
after(() => rmSync(base, { recursive: true, force: true }));
const BIN = join(import.meta.dirname, 'bin.ts');
const TOKEN = 'serve-token-for-watchers-0123';

const waitFor = async (what: string, cond: () => boolean | Promise<boolean>, ms: number, detail: () => string): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

test('vigil watch --report-to feeds vigil serve, and keeps going while the serve is down', { timeout: 180_000 }, async () => {
  const root = join(base, 'root');
  mkdirSync(join(root, 'etc/ssh'), { recursive: true });
  mkdirSync(join(root, 'usr/sbin'), { recursive: true });
  writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
  writeFileSync(join(root, 'usr/sbin/sshd'), '');
  const tokenFile = join(base, 'serve-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const apiToken = join(base, 'watch-token');
  writeFileSync(apiToken, 'watch-api-token-456789\n', { mode: 0o600 });

  const store = await openResultsStore(join(base, 'results.db'));
  let server: Listener | undefined = await listen(createServeApi(store, { token: TOKEN }).app, '127.0.0.1:0', { token: TOKEN });
  const address = server.address;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', BIN, 'watch', '--content', baselineDataStreamPath(), '--profile', BASELINE_PROFILE, '--root', root, '--json',
      '--report-to', `http://${address}`, '--report-token-file', tokenFile, '--report-host', 'wr-host', '--listen', '127.0.0.1:0', '--token-file', apiToken],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const events: Array<Record<string, unknown>> = [];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (l) => events.push(JSON.parse(l) as Record<string, unknown>));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const detail = () => `stderr: ${err.slice(-1500)} events: ${JSON.stringify(events).slice(-1500)}`;
  try {
    await waitFor('ready', () => events.some((e) => e['type'] === 'ready'), 120_000, detail);
    await waitFor('the state in the store', async () => (await store.latest('wr-host')) !== undefined, 15_000, detail);
    const first = (await store.latest('wr-host'))!;
    assert.equal(first.source, 'watch');
    assert.match(first.profile ?? '', new RegExp(BASELINE_PROFILE));
    assert.ok(first.rules > 0);
    const failing0 = first.counts['fail'] ?? 0;

    writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin yes\n');
    await waitFor('a drift event', () => events.some((e) => e['type'] === 'drift' && e['to'] === 'fail'), 30_000, detail);
    const drifted = events.find((e) => e['type'] === 'drift' && e['to'] === 'fail')!;
    await waitFor('the drift in the store', async () => (await store.drift('wr-host')).some((d) => d.rule === drifted['rule'] && d.to === 'fail'), 15_000, detail);
    const stored = (await store.drift('wr-host')).find((d) => d.rule === drifted['rule'])!;
    assert.deepEqual(stored.paths, drifted['paths']);
    await waitFor('the new state', async () => ((await store.latest('wr-host'))!.counts['fail'] ?? 0) > failing0, 15_000, detail);
    const rule = await store.rule(String(drifted['rule']));
    assert.deepEqual(rule.hosts.map((h) => [h.host, h.result]), [['wr-host', 'fail']]);

    // the serve goes away: the watcher keeps watching, and says it is behind
    await server.close();
    server = undefined;
    writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
    await waitFor('the drift back to pass', () => events.some((e) => e['type'] === 'drift' && e['rule'] === drifted['rule'] && e['to'] === 'pass'), 30_000, detail);
    const watchApi = /address=(\S+)/.exec(err)?.[1];
    assert.ok(watchApi, detail());
    let reason = '';
    await waitFor('/readyz not ready', async () => {
      const r = await fetch(`http://${watchApi}/readyz`);
      reason = ((await r.json()) as { reason?: string }).reason ?? '';
      return r.status === 503;
    }, 15_000, detail);
    assert.match(reason, new RegExp(`reporting to http://${address.replace(/\./g, '\\.')} is behind: 1 drift events`));
    assert.equal(child.exitCode, null, 'the watcher is still running');

    // back: what waited lands, and the watcher is ready again
    server = await listen(createServeApi(store, { token: TOKEN }).app, address, { token: TOKEN });
    await waitFor('the waiting drift in the store', async () => (await store.drift('wr-host')).some((d) => d.rule === drifted['rule'] && d.to === 'pass'), 30_000, detail);
    await waitFor('/readyz ready', async () => (await fetch(`http://${watchApi}/readyz`)).status === 200, 15_000, detail);
    assert.equal(((await store.latest('wr-host'))!.counts['fail'] ?? 0), failing0);
  } finally {
    child.kill('SIGTERM');
    const code = await exited;
    await server?.close();
    await store.close();
    assert.equal(code, 0, detail());
  }
});

/**
 * `vigil watch --listen --token-file` serves the dashboard for its one host
 * at /dashboard/: the same page and API as `vigil serve`, over a store in
 * memory that the watcher feeds itself. Checked over real HTTP: the page,
 * the token on its API, the host's state, and a drift event after a real
 * change of the watched root.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { baselineDataStreamPath, BASELINE_PROFILE } from '../app/baseline.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-watch-dash-'));
after(() => rmSync(base, { recursive: true, force: true }));
const BIN = join(import.meta.dirname, 'bin.ts');
const TOKEN = 'watch-dashboard-token-0123456';

const waitFor = async <T>(what: string, get: () => Promise<T | undefined>, ms: number, detail: () => string): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

test('vigil watch --listen serves the dashboard of its host at /dashboard/, fed live', { timeout: 180_000 }, async () => {
  const root = join(base, 'root');
  mkdirSync(join(root, 'etc/ssh'), { recursive: true });
  mkdirSync(join(root, 'usr/sbin'), { recursive: true });
  writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
  writeFileSync(join(root, 'etc/hostname'), 'watched1\n');
  writeFileSync(join(root, 'usr/sbin/sshd'), '');
  const tokenFile = join(base, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'watch', '--content', baselineDataStreamPath(), '--profile', BASELINE_PROFILE, '--root', root, '--json', '--listen', '127.0.0.1:0', '--token-file', tokenFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const detail = (): string => `stderr: ${err.slice(-1500)} stdout: ${out.slice(-1500)}`;
  try {
    const address = await waitFor('the listening address', async () => /dashboard=http:\/\/(\S+?)\/dashboard\/index\.html/.exec(err)?.[1], 60_000, detail);
    const url = `http://${address}/dashboard/`;
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const page = await fetch(url);
    assert.equal(page.url, `${url}index.html`, 'redirected to the page, whose relative links stay under /dashboard/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(await page.text(), /<script src="ui\/app.js" type="module">/);
    assert.equal((await fetch(`${url}ui/app.js`)).status, 200);
    assert.equal((await fetch(`${url}api/v1/hosts`)).status, 401, 'the API needs the token');
    // the watcher's first evaluation reaches its own store
    const host = await waitFor(
      'the host in the dashboard',
      async () => {
        const r = (await (await fetch(`${url}api/v1/hosts`, { headers: auth })).json()) as { hosts: Array<{ name: string; latest: { counts: Record<string, number> } | null }> };
        return r.hosts.find((h) => h.name === 'watched1' && h.latest !== null);
      },
      60_000,
      detail,
    );
    assert.ok(host.latest!.counts['pass']! > 0, JSON.stringify(host));
    // a real change: the drift is in the host's timeline
    writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin yes\n');
    const drift = await waitFor(
      'the drift event',
      async () => {
        const r = (await (await fetch(`${url}api/v1/hosts/watched1/drift`, { headers: auth })).json()) as { drift: Array<{ rule: string; to: string; paths: string[] }> };
        return r.drift.find((d) => /sshd/.test(d.rule) && d.to === 'fail');
      },
      60_000,
      detail,
    );
    assert.ok(drift.paths.includes('/etc/ssh/sshd_config'), JSON.stringify(drift));
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, detail());
  }
});

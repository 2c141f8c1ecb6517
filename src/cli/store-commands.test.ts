/**
 * `vigil scan --store` and `vigil serve`'s refusals, through the CLI.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { baselineDataStreamPath, BASELINE_PROFILE } from '../app/baseline.js';
import { openResultsStore } from '../store/index.js';
import { run } from './main.js';

describe('vigil scan --store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-scan-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'etc/ssh'), { recursive: true });
  writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
  writeFileSync(join(root, 'etc/hostname'), 'store-test-host\n');
  mkdirSync(join(root, 'usr/sbin'), { recursive: true });
  writeFileSync(join(root, 'usr/sbin/sshd'), '');
  const scan = async (extra: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await run(['scan', '--content', baselineDataStreamPath(), '--profile', BASELINE_PROFILE, '--root', root, '--no-html-report', ...extra], {
      out: (s) => (out += s),
      err: (s) => (err += s),
      env: { ...process.env, ...env },
    });
    return { code, out, err };
  };

  it('records each scan under the host name, and the store tells what changed', async () => {
    const spec = join(dir, 'results.db');
    const first = await scan(['--store', spec]);
    assert.ok(first.code === 0 || first.code === 2, first.err);
    writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin yes\n');
    const second = await scan(['--store', spec]);
    assert.ok(second.code === 0 || second.code === 2, second.err);
    const store = await openResultsStore(spec);
    try {
      const [host] = await store.hosts();
      assert.equal(host?.name, 'store-test-host');
      assert.equal(host?.os, 'debian 12');
      assert.equal(host?.scans, 2);
      const [b, a] = await store.scans('store-test-host');
      assert.equal(b?.source, 'scan');
      assert.match(b?.profile ?? '', new RegExp(BASELINE_PROFILE));
      const d = await store.diff(a!.id, b!.id);
      assert.ok(d.changed.length > 0, 'permitting root login changed a rule');
      assert.ok(d.changed.every((c) => c.to === 'fail' || c.from === 'fail'), JSON.stringify(d.changed));
      const latest = await store.latest('store-test-host');
      assert.equal(latest?.document?.counts.fail, b?.counts.fail);
    } finally {
      await store.close();
      writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
    }
  });

  it('uses the user data directory when --store has no value', async () => {
    const data = join(dir, 'xdg');
    const r = await scan(['--store'], { XDG_DATA_HOME: data });
    assert.ok(r.code === 0 || r.code === 2, r.err);
    const store = await openResultsStore(join(data, 'vigil', 'results.db'));
    try {
      assert.equal((await store.hosts()).length, 1);
    } finally {
      await store.close();
    }
  });

  it('a store that cannot be opened is an error (exit 1), and the scan is still reported', async () => {
    const r = await scan(['--store', dir]);
    assert.equal(r.code, 1);
    assert.match(r.err, /vigil: error: the scan could not be recorded in the store: cannot open the SQLite store/);
    assert.match(r.out, /Rules: +\d+ evaluated/);
  });
});

describe('vigil serve refuses to start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-serve-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const serve = async (args: string[]) => {
    let err = '';
    const code = await run(['serve', ...args], { out: () => undefined, err: (s) => (err += s) });
    return { code, err };
  };
  it('without a token file, with an open one, or with a store it cannot open', async () => {
    const none = await serve(['--store', join(dir, 'r.db')]);
    assert.equal(none.code, 1);
    assert.match(none.err, /needs --token-file/);
    const tok = join(dir, 'token');
    writeFileSync(tok, 'secret-token\n', { mode: 0o644 });
    const open = await serve(['--store', join(dir, 'r.db'), '--token-file', tok]);
    assert.equal(open.code, 1);
    assert.match(open.err, /accessible by group or others/);
    assert.doesNotMatch(open.err, /secret-token/);
    writeFileSync(tok, 'secret-token\n', { mode: 0o600 });
    const { chmodSync } = await import('node:fs');
    chmodSync(tok, 0o600);
    const bad = await serve(['--store', dir, '--token-file', tok, '--listen', '127.0.0.1:0']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /cannot open the SQLite store/);
    const keep = await serve(['--store', join(dir, 'r.db'), '--token-file', tok, '--keep-scans', '0']);
    assert.equal(keep.code, 1);
    assert.match(keep.err, /--keep-scans must be a positive integer/);
  });
});

describe('vigil watch --report-to refuses to start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-watch-report-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('without a token file, with a URL that carries credentials or is not http', async () => {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
    const tok = join(dir, 'token');
    writeFileSync(tok, 'a-token-for-the-serve\n', { mode: 0o600 });
    const watch = async (extra: string[]) => {
      let err = '';
      const code = await run(['watch', '--content', baselineDataStreamPath(), '--profile', BASELINE_PROFILE, '--root', root, ...extra], { out: () => undefined, err: (s) => (err += s) });
      return { code, err };
    };
    const noToken = await watch(['--report-to', 'http://127.0.0.1:9']);
    assert.equal(noToken.code, 1);
    assert.match(noToken.err, /--report-to needs --report-token-file/);
    const creds = await watch(['--report-to', 'http://u:secret@127.0.0.1:9', '--report-token-file', tok]);
    assert.equal(creds.code, 1);
    assert.match(creds.err, /--report-to must not carry credentials/);
    assert.doesNotMatch(creds.err, /a-token-for-the-serve/);
    const ftp = await watch(['--report-to', 'ftp://127.0.0.1:9', '--report-token-file', tok]);
    assert.equal(ftp.code, 1);
    assert.match(ftp.err, /must be http: or https:/);
  });
});

/**
 * listen(): address forms, the token rule, unix sockets (mode, stale files,
 * a live socket), and readTokenFile's checks. Servers bind 127.0.0.1 and
 * sockets in a temp dir only; non-loopback addresses are refused before
 * anything is bound.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { createApi } from './api.js';
import { ListenError, listen, parseListenAddress, readTokenFile } from './listen.js';
import type { Logger, WatchView } from './types.js';

const view: WatchView = {
  readiness: () => ({ ok: true }),
  state: () => ({ rules: {}, score: 100, evaluated_at: null }),
  events: () => [],
  subscribe: () => () => {},
  metrics: async () => '',
};

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (msg: string, fields?: Readonly<Record<string, unknown>>) =>
    lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  return { lines, info: rec('info'), warn: rec('warn'), error: rec('error') };
}

/** GET over a unix socket. */
function getUnix(socketPath: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('parseListenAddress', () => {
  const cases: [string, ReturnType<typeof parseListenAddress>][] = [
    ['127.0.0.1:9090', { kind: 'tcp', host: '127.0.0.1', port: 9090, loopback: true }],
    ['127.1.2.3:0', { kind: 'tcp', host: '127.1.2.3', port: 0, loopback: true }],
    ['[::1]:9090', { kind: 'tcp', host: '::1', port: 9090, loopback: true }],
    ['localhost:80', { kind: 'tcp', host: '127.0.0.1', port: 80, loopback: true }],
    ['0.0.0.0:9090', { kind: 'tcp', host: '0.0.0.0', port: 9090, loopback: false }],
    ['[::]:9090', { kind: 'tcp', host: '::', port: 9090, loopback: false }],
    ['192.168.1.10:9090', { kind: 'tcp', host: '192.168.1.10', port: 9090, loopback: false }],
    ['monitor.example:9090', { kind: 'tcp', host: 'monitor.example', port: 9090, loopback: false }],
    ['unix:/run/vigil/api.sock', { kind: 'unix', path: '/run/vigil/api.sock' }],
  ];
  for (const [addr, want] of cases) it(`parses ${addr}`, () => assert.deepEqual(parseListenAddress(addr), want));

  for (const bad of ['9090', '127.0.0.1', '127.0.0.1:', '127.0.0.1:65536', '::1:9090', '[127.0.0.1]:80', 'unix:relative.sock', 'unix:', 'http://127.0.0.1:80']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => parseListenAddress(bad), ListenError));
  }
});

describe('listen on TCP', () => {
  it('refuses a non-loopback address without a token, before binding', async () => {
    for (const addr of ['0.0.0.0:9090', '[::]:9090', '10.0.0.1:9090']) {
      await assert.rejects(listen(new Hono(), addr, {}), (err: Error) => {
        assert.ok(err instanceof ListenError);
        assert.equal(err.message.startsWith(`refusing to listen on ${addr} without --token-file`), true, err.message);
        return true;
      });
    }
    await assert.rejects(listen(new Hono(), '0.0.0.0:9090', { token: '' }), /without --token-file/);
  });

  it('serves on 127.0.0.1 port 0, reports the real port, and logs the address without the token', async () => {
    const log = recorder();
    const token = 'secret-value-never-logged';
    const l = await listen(createApi(view, { token }), '127.0.0.1:0', { token, log });
    try {
      const port = Number(l.address.split(':')[1]);
      assert.ok(port > 0);
      assert.equal((await fetch(`http://${l.address}/healthz`)).status, 200);
      assert.equal(log.lines.length, 1);
      assert.match(log.lines[0]!, /^info api: listening/);
      assert.ok(!log.lines.join('\n').includes(token));
    } finally {
      await l.close();
    }
  });

  it('serves on localhost as 127.0.0.1', async () => {
    const l = await listen(createApi(view), 'localhost:0', {});
    try {
      assert.match(l.address, /^127\.0\.0\.1:\d+$/);
    } finally {
      await l.close();
    }
  });

  it('serves on [::1] where the host has IPv6 loopback', async (t) => {
    let l;
    try {
      l = await listen(createApi(view), '[::1]:0', {});
    } catch (err) {
      if (err instanceof ListenError && /EADDRNOTAVAIL|EAFNOSUPPORT/.test(err.message)) return t.skip('no IPv6 loopback');
      throw err;
    }
    try {
      assert.match(l.address, /^\[::1\]:\d+$/);
      assert.equal((await fetch(`http://${l.address}/healthz`)).status, 200);
    } finally {
      await l.close();
    }
  });

  it('reports a port in use as a ListenError', async () => {
    const a = await listen(createApi(view), '127.0.0.1:0', {});
    try {
      await assert.rejects(listen(createApi(view), a.address, {}), /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
    } finally {
      await a.close();
    }
  });
});

describe('listen on a unix socket', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-listen-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the socket with mode 0600, serves on it, warns when open, and removes it on close', async () => {
    const path = join(dir, 'api.sock');
    const log = recorder();
    const l = await listen(createApi(view), `unix:${path}`, { log });
    try {
      assert.equal(l.address, `unix:${path}`);
      const st = statSync(path);
      assert.ok(st.isSocket());
      assert.equal(st.mode & 0o777, 0o600);
      const r = await getUnix(path, '/api/v1/state');
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body), { rules: {}, score: 100, evaluated_at: null });
      assert.equal(log.lines.length, 1);
      assert.match(log.lines[0]!, /^warn api: no --token-file/);
    } finally {
      await l.close();
    }
    assert.equal(existsSync(path), false);
  });

  it('requires the token on a unix socket when one is set', async () => {
    const path = join(dir, 'tok.sock');
    const l = await listen(createApi(view, { token: 't0k' }), `unix:${path}`, { token: 't0k' });
    try {
      assert.equal((await getUnix(path, '/api/v1/state')).status, 401);
      assert.equal((await getUnix(path, '/api/v1/state', { Authorization: 'Bearer t0k' })).status, 200);
      assert.equal((await getUnix(path, '/readyz')).status, 200);
    } finally {
      await l.close();
    }
  });

  it('removes a stale socket file that nothing answers on', async () => {
    const path = join(dir, 'stale.sock');
    // A socket file left behind: bind, move the name aside, close (which removes only the old name).
    const live = join(dir, 'stale-origin.sock');
    const s = net.createServer();
    await new Promise<void>((resolve) => s.listen(live, resolve));
    renameSync(live, path);
    await new Promise<void>((resolve) => s.close(() => resolve()));
    assert.ok(statSync(path).isSocket());
    const l = await listen(new Hono().get('/', (c) => c.text('fresh')), `unix:${path}`, {});
    try {
      assert.equal((await getUnix(path, '/')).body, 'fresh');
    } finally {
      await l.close();
    }
  });

  it('refuses a socket another process answers on, and a path that is not a socket', async () => {
    const path = join(dir, 'busy.sock');
    const s = net.createServer((c) => c.end());
    await new Promise<void>((resolve) => s.listen(path, resolve));
    const alias = join(dir, 'busy-alias.sock');
    linkSync(path, alias);
    try {
      await assert.rejects(listen(new Hono(), `unix:${path}`, {}), /refusing to listen on unix:.*busy\.sock: another process is listening on it/);
      await assert.rejects(listen(new Hono(), `unix:${alias}`, {}), /another process is listening on it/);
      assert.ok(statSync(path).isSocket(), 'the live socket is left alone');
    } finally {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    await assert.rejects(listen(new Hono(), `unix:${file}`, {}), /it exists and is not a socket/);
    assert.ok(existsSync(file));
  });
});

describe('readTokenFile', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-token-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string, mode: number) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    chmodSync(p, mode);
    return p;
  };

  it('reads a 0600 file, trimmed', async () => {
    assert.equal(await readTokenFile(write('ok', '  s3cret-token\n', 0o600)), 's3cret-token');
    assert.equal(await readTokenFile(write('ro', 's3cret-token', 0o400)), 's3cret-token');
  });

  it('refuses a file group or others may access, without showing the token', async () => {
    for (const mode of [0o644, 0o640, 0o604, 0o620, 0o602, 0o660]) {
      const p = write(`m${mode.toString(8)}`, 'do-not-show-me', mode);
      await assert.rejects(readTokenFile(p), (err: Error) => {
        assert.ok(err instanceof ListenError);
        assert.match(err.message, new RegExp(`accessible by group or others \\(mode 0${mode.toString(8)}\\): chmod 600 it`));
        assert.ok(!err.message.includes('do-not-show-me'));
        return true;
      });
    }
  });

  it('refuses an empty file, a token with whitespace inside, a directory and a missing file', async () => {
    await assert.rejects(readTokenFile(write('empty', ' \n\t\n', 0o600)), /is empty/);
    await assert.rejects(readTokenFile(write('two', 'abc def\n', 0o600)), (err: Error) => {
      assert.match(err.message, /without whitespace/);
      assert.ok(!err.message.includes('abc'));
      return true;
    });
    const sub = join(dir, 'subdir');
    rmSync(sub, { recursive: true, force: true });
    mkdirSync(sub, { mode: 0o700 });
    await assert.rejects(readTokenFile(sub), /not a regular file/);
    await assert.rejects(readTokenFile(join(dir, 'missing')), /cannot read the token file .*: ENOENT/);
  });
});

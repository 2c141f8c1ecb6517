/**
 * The SSH target against real sshd test hosts (testing/test-hosts.ts): the
 * Target contract over the Python helper, the shell fallback agreeing with
 * the helper call for call, every connection failure with its code, host
 * keys (unknown, changed, hashed, accept-new), ssh config with ProxyJump,
 * sudo (password, NOPASSWD, requiretty) and the password never in argv.
 * Needs root (namespaces); skipped otherwise.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestHosts, type TestFleet, type TestHost } from '../../testing/test-hosts.js';
import { targetCases, writeCaseTree } from '../target.case.js';
import { localTarget } from '../fs-target.js';
import { openDirectory, TargetError, type DirHandle, type Target } from '../target.js';
import { connectSsh, parseHostSpec, SshConnectError, type SshTargetOptions } from './index.js';

const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/sshd') && existsSync('/usr/bin/sudo');
const skip = canRun ? false : 'needs root, sshd and sudo (test hosts in namespaces)';

const PW_ENV = 'VIGIL_TEST_SUDO_PW';
let fleet: TestFleet | undefined;
let base = '';
const hosts: Record<string, TestHost> = {};
const opened: Target[] = [];

const ready = (async (): Promise<TestFleet> => {
  if (!canRun) throw new Error('unreachable: skipped');
  base = realpathSync(mkdtempSync(join(tmpdir(), 'vgs-case-')));
  writeCaseTree(base);
  fleet = await startTestHosts([
    { identity: 'ubuntu2204', hostname: 'vgs-ubuntu' },
    { variant: 'no-python', identity: 'debian11' },
    { variant: 'refuses-key' },
    { variant: 'unreachable' },
    { variant: 'hangs' },
    { variant: 'sudo-password' },
    { variant: 'sudo-nopasswd' },
    { variant: 'sudo-password', requiretty: true },
    { hostname: 'vgs-jump', sshd: ['ListenAddress 127.0.0.1'] },
  ]);
  const names = ['ubuntu', 'nopy', 'refuses', 'unreachable', 'hangs', 'sudopw', 'sudonopw', 'tty', 'jump'];
  fleet.hosts.forEach((h, i) => (hosts[names[i]!] = h));
  process.env[PW_ENV] = fleet.sudoPassword;
  return fleet;
})();
ready.catch(() => undefined);

after(async () => {
  for (const t of opened) await t.close();
  delete process.env[PW_ENV];
  await fleet?.stopAll();
  if (base) rmSync(base, { recursive: true, force: true });
});

function optsFor(h: TestHost, extra: Partial<SshTargetOptions> = {}): SshTargetOptions {
  return { host: h.address, user: h.user, identityFiles: [fleet!.clientKey], knownHostsFile: fleet!.knownHosts, sshConfigFile: null, agentSocket: null, connectTimeoutMs: 4000, ...extra };
}

async function open(h: TestHost, extra: Partial<SshTargetOptions> = {}): Promise<Target & { stats: () => import('./protocol.js').SshStats }> {
  const t = await connectSsh(optsFor(h, extra));
  opened.push(t);
  return t;
}

async function failure(p: Promise<unknown>): Promise<SshConnectError> {
  try {
    const t = await p;
    await (t as Target).close();
  } catch (e) {
    assert.ok(e instanceof SshConnectError, `not an SshConnectError: ${String(e)}`);
    return e;
  }
  assert.fail('connected');
}

describe('parseHostSpec', () => {
  it('reads [user@]host[:port], [v6]:port and bare v6', () => {
    assert.deepEqual(parseHostSpec('web1'), { host: 'web1' });
    assert.deepEqual(parseHostSpec('ops@web1:2222'), { user: 'ops', host: 'web1', port: 2222 });
    assert.deepEqual(parseHostSpec('[fe80::1]:22'), { host: 'fe80::1', port: 22 });
    assert.deepEqual(parseHostSpec('root@::1'), { user: 'root', host: '::1' });
    assert.throws(() => parseHostSpec('web1:0'), /port/);
    assert.throws(() => parseHostSpec('a:b:c'), /expected/);
    assert.throws(() => parseHostSpec('@web1'), /user/);
  });
});

if (canRun) {
  targetCases('ssh (python helper)', async () => {
    await ready;
    return { target: await open(hosts['ubuntu']!), base, live: true };
  });
}

describe('SSH target on test hosts', { skip }, () => {
  before(async () => {
    await ready;
  });

  it('reads the remote host, not this one: its os-release, host name and live kernel', async () => {
    const t = await open(hosts['ubuntu']!);
    const d = await t.describe();
    assert.equal(d.hostname, 'vgs-ubuntu');
    assert.equal(d.osRelease['VERSION_ID'], '22.04');
    assert.ok(d.interfaces.some((a) => a.address === hosts['ubuntu']!.address), 'the host\'s own address');
    assert.equal((await t.readFile('/proc/sys/kernel/hostname')).toString().trim(), 'vgs-ubuntu');
    // device numbers (rpmverifyfile compares them): the same /dev as this host's, so the same st_rdev
    const dev = await t.lstat('/dev/null');
    assert.deepEqual([dev.type, dev.rdev], ['character', lstatSync('/dev/null').rdev]);
    assert.equal((await t.lstat('/etc/hostname')).rdev, undefined, 'no rdev for a file that is not a device');
    const r = await t.exec!('hostname', []);
    assert.deepEqual([r.code, r.stdout.trim()], [0, 'vgs-ubuntu']);
    assert.equal((await t.exec!('false', [])).code, 1);
    await assert.rejects(t.exec!('/nonexistent/prog', []), (e: unknown) => e instanceof TargetError && e.code === 'ENOENT');
    await assert.rejects(t.exec!('sleep', ['5'], { timeoutMs: 200 }), (e: unknown) => e instanceof TargetError && e.code === 'ETIMEDOUT');
  });

  it('pipelines: 200 concurrent requests share a few round trips', async () => {
    const t = await open(hosts['ubuntu']!);
    const before = t.stats();
    const paths = readdirSync('/usr/bin').slice(0, 200).map((n) => `/usr/bin/${n}`);
    const infos = await Promise.all(paths.map((p) => t.lstat(p)));
    assert.equal(infos.length, 200);
    const after = t.stats();
    assert.equal(after.requests - before.requests, 200);
    assert.ok(after.roundTrips - before.roundTrips <= 3, `round trips: ${after.roundTrips - before.roundTrips}`);
  });

  it('a recursive walk reads ahead: the same listings as the local target, in far fewer round trips', async () => {
    const top = join(base, 'tree');
    for (let a = 0; a < 8; a++) for (let b = 0; b < 8; b++) for (let c = 0; c < 6; c++) mkdirSync(join(top, `a${a}`, `b${b}`, `c${c}`), { recursive: true });
    writeFileSync(join(top, 'a3', 'b5', 'c1', 'file'), 'x');
    symlinkSync('../b4', join(top, 'a3', 'b5', 'link'));
    // one directory at a time, as the OVAL traversal opens them (by name from the listing's lstat)
    const walkFrom = async (d: DirHandle, out: string[]): Promise<void> => {
      const list = await d.entries('all');
      for (const e of list.sort((x, y) => (x.name < y.name ? -1 : 1))) {
        out.push(`${d.path}/${e.name} ${e.type} ${e.info?.mode} ${e.info?.ino}`);
        if (e.type === 'directory') await walkFrom(d.subdirectory ? d.subdirectory(e.name, e.info!) : await d.openChild(e.name), out);
      }
    };
    const walk = async (t: Target, path: string, out: string[]): Promise<void> => walkFrom(await openDirectory(t, path), out);
    const t = await open(hosts['ubuntu']!);
    const before = t.stats();
    const remote: string[] = [];
    await walk(t, top, remote);
    const trips = t.stats().roundTrips - before.roundTrips;
    const here: string[] = [];
    await walk(localTarget(), top, here);
    assert.deepEqual(remote, here);
    const dirs = here.filter((l) => l.includes(' directory ')).length + 1;
    assert.ok(dirs > 400 && trips < dirs / 10, `${dirs} directories in ${trips} round trips`);
    // a changed directory is seen by a later walk: what was read ahead is used once
    writeFileSync(join(top, 'a0', 'b0', 'c0', 'new'), 'n');
    const again: string[] = [];
    await walk(t, top, again);
    assert.ok(again.some((l) => l.includes('/a0/b0/c0/new regular')), 'the new file');
  });

  it('the shell fallback (no python3) answers as the helper does', async () => {
    const nopy = await open(hosts['nopy']!);
    assert.equal(nopy.has('processes'), false, 'no helper, no process');
    assert.equal((await nopy.describe()).osRelease['VERSION_ID'], '11');
    const py = await open(hosts['ubuntu']!);
    const strip = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, v) => (k === 'atimeMs' ? undefined : v)));
    const outcome = async (f: () => Promise<unknown>): Promise<unknown> => {
      try {
        const v = await f();
        return Buffer.isBuffer(v) ? v.toString('base64') : strip(v);
      } catch (e) {
        return e instanceof TargetError ? `error ${e.code}` : `throw ${String(e)}`;
      }
    };
    const sorted = (l: unknown): unknown => (Array.isArray(l) ? [...(l as Array<{ name: string }>)].sort((a, b) => (a.name < b.name ? -1 : 1)) : l);
    const calls: Array<[string, (t: Target) => Promise<unknown>]> = [];
    for (const p of ['/data/text', '/data/to-text', '/data/up', '/data/dangling', '/data/sub', '/data/missing', '/data/text/below', '/data/big', '/data/secret']) {
      const at = `${base}${p}`;
      calls.push([`lstat ${p}`, (t) => t.lstat(at)], [`stat ${p}`, (t) => t.stat(at)], [`read ${p}`, (t) => t.readFile(at)], [`readlink ${p}`, (t) => t.readlink(at)], [`realpath ${p}`, (t) => t.realpath(at)]);
      calls.push([`range ${p}`, (t) => t.readRange(at, 1000, 5000)], [`readdir ${p}`, async (t) => sorted(await t.readdir(at))]);
    }
    calls.push([`entries all`, async (t) => sorted(await (await t.openDir!(`${base}/data`)).entries('all'))]);
    calls.push([`small max`, (t) => t.readFile(`${base}/data/big`, { maxBytes: 1000 })]);
    calls.push([`uname`, async (t) => (await t.describe()).uname?.sysname]);
    calls.push([`exec`, async (t) => (await t.exec!('printf', ['%s|', 'a b', "c'd"])).stdout]);
    const got = await Promise.all(calls.map(([, f]) => Promise.all([outcome(() => f(nopy)), outcome(() => f(py))])));
    calls.forEach(([label], i) => assert.deepEqual(got[i]![0], got[i]![1], label));
    assert.equal((await outcome(() => nopy.listxattr(`${base}/data/labelled`))), 'error ENOSYS');
  });

  it('reports each failure with its code', async () => {
    assert.equal((await failure(connectSsh(optsFor(hosts['refuses']!)))).code, 'auth-failed');
    assert.equal((await failure(connectSsh(optsFor(hosts['unreachable']!)))).code, 'unreachable');
    const t0 = Date.now();
    assert.equal((await failure(connectSsh(optsFor(hosts['hangs']!, { connectTimeoutMs: 1500 })))).code, 'timeout');
    assert.ok(Date.now() - t0 < 6000, 'the hang is cut at the timeout');
    assert.equal((await failure(connectSsh(optsFor(hosts['sudopw']!, { become: { method: 'sudo' } })))).code, 'become-failed', 'sudo -n where a password is needed');
    process.env['VIGIL_TEST_WRONG_PW'] = 'not-the-password';
    try {
      const wrong = await failure(connectSsh(optsFor(hosts['sudopw']!, { become: { method: 'sudo', passwordEnv: 'VIGIL_TEST_WRONG_PW' }, connectTimeoutMs: 8000 })));
      assert.equal(wrong.code, 'become-failed');
      assert.ok(!wrong.message.includes('not-the-password') && !String(wrong.stack).includes('not-the-password'), 'the password in the message');
    } finally {
      delete process.env['VIGIL_TEST_WRONG_PW'];
    }
    assert.equal((await failure(connectSsh(optsFor(hosts['sudopw']!, { become: { method: 'sudo', passwordEnv: 'VIGIL_TEST_UNSET_VAR' } })))).code, 'become-failed');
  });

  it('host keys: unknown refused, accepted and recorded when asked; changed always refused; hashed entries match', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vgs-kh-'));
    try {
      const h = hosts['ubuntu']!;
      const kh = join(dir, 'known_hosts');
      assert.equal((await failure(connectSsh(optsFor(h, { knownHostsFile: kh })))).code, 'host-key');
      assert.equal(existsSync(kh), false, 'nothing recorded without accept-new');
      const t = await connectSsh(optsFor(h, { knownHostsFile: kh, acceptNewHostKeys: true }));
      await t.close();
      const line = readFileSync(kh, 'utf8');
      assert.match(line, new RegExp(`^${h.address.replace(/\./g, '\\.')} ssh-ed25519 `));
      (await connectSsh(optsFor(h, { knownHostsFile: kh }))).close();
      // the same address with another host's key: changed, refused even with accept-new
      const other = readFileSync(fleet!.knownHosts, 'utf8').split('\n').find((l) => l.startsWith(`${hosts['jump']!.address} `))!;
      writeFileSync(kh, `${h.address} ${other.split(' ').slice(1).join(' ')}\n`);
      const changed = await failure(connectSsh(optsFor(h, { knownHostsFile: kh, acceptNewHostKeys: true })));
      assert.equal(changed.code, 'host-key');
      assert.match(changed.message, /differs/);
      // hashed (ssh-keygen -H)
      writeFileSync(kh, line);
      execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
      assert.match(readFileSync(kh, 'utf8'), /^\|1\|/);
      await (await connectSsh(optsFor(h, { knownHostsFile: kh }))).close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ssh config: HostName, User, IdentityFile and ProxyJump (one hop to an address only the jump host reaches)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vgs-cfg-'));
    try {
      const j = hosts['jump']!;
      const kh = join(dir, 'known_hosts');
      const jumpKey = readFileSync(fleet!.knownHosts, 'utf8').split('\n').find((l) => l.startsWith(`${j.address} `))!;
      writeFileSync(kh, `${jumpKey}\n127.0.0.1 ${jumpKey.split(' ').slice(1).join(' ')}\n`);
      const cfg = join(dir, 'config');
      writeFileSync(cfg, `Host inner\n  HostName 127.0.0.1\n  User root\n  IdentityFile ${fleet!.clientKey}\n  ProxyJump root@${j.address}\n`);
      const t = await connectSsh({ host: 'inner', sshConfigFile: cfg, knownHostsFile: kh, agentSocket: null, connectTimeoutMs: 4000 });
      try {
        assert.equal((await t.describe()).hostname, 'vgs-jump');
        assert.equal(t.name, 'inner');
      } finally {
        await t.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('become: sudo -S with the password from the environment (never in argv), sudo -n, and requiretty through a pty', async () => {
    const plain = await open(hosts['sudopw']!);
    assert.equal((await plain.self()).uid, 4242);
    const seen: string[] = [];
    const scan = setInterval(() => {
      for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
        try {
          const c = readFileSync(`/proc/${p}/cmdline`);
          if (c.includes(fleet!.sudoPassword)) seen.push(p);
        } catch {
          // gone
        }
      }
    }, 5);
    try {
      const t = await open(hosts['sudopw']!, { become: { method: 'sudo', passwordEnv: PW_ENV } });
      assert.equal((await t.self()).uid, 0);
      assert.equal((await t.readFile('/etc/shadow')).toString().includes('vgt:'), true);
      const tty = await open(hosts['tty']!, { become: { method: 'sudo', passwordEnv: PW_ENV } });
      assert.equal((await tty.self()).uid, 0);
      assert.ok((await tty.readFile(`${base}/data/big`)).equals(readFileSync(`${base}/data/big`)), 'binary data intact through the pty');
    } finally {
      clearInterval(scan);
    }
    assert.deepEqual(seen, [], 'the sudo password appeared in a process\'s argv');
    const n = await open(hosts['sudonopw']!, { become: { method: 'sudo' } });
    assert.equal((await n.self()).uid, 0);
  });
});

describe('a fleet of 20 test hosts', { skip }, () => {
  it('starts in seconds, each host its own, all scanned at once over one connection each, and leaves nothing behind', async (tc) => {
    const t0 = Date.now();
    const f = await startTestHosts(Array.from({ length: 20 }, (_, i) => ({ hostname: `vgs-f${i}`, identity: i % 2 === 0 ? ('ubuntu2204' as const) : ('debian11' as const) })));
    const namespaces = f.hosts.map((h) => h.netns);
    try {
      const startMs = Date.now() - t0;
      assert.ok(startMs < 15_000, `20 hosts took ${startMs} ms`);
      tc.diagnostic(`20 hosts started in ${startMs} ms`);
      const seen = await Promise.all(
        f.hosts.map(async (h) => {
          const t = await connectSsh({ host: h.address, user: 'root', identityFiles: [f.clientKey], knownHostsFile: f.knownHosts, sshConfigFile: null, agentSocket: null, connectTimeoutMs: 15_000 });
          try {
            const d = await t.describe();
            return `${d.hostname} ${d.osRelease['ID']}`;
          } finally {
            await t.close();
          }
        }),
      );
      tc.diagnostic(`and described over SSH after ${Date.now() - t0} ms`);
      assert.deepEqual(seen, f.hosts.map((_, i) => `vgs-f${i} ${i % 2 === 0 ? 'ubuntu' : 'debian'}`));
    } finally {
      await f.stopAll();
    }
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const ns of namespaces) assert.ok(!left.includes(ns), `namespace ${ns} left behind`);
    assert.equal(existsSync(f.dir), false, 'temp dir left behind');
  });
});

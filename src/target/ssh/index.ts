/**
 * The SSH target: one ssh2 connection per host, a small Python helper
 * (helper.py) sent over the channel's stdin and run by the remote python3
 * (nothing is written on the target, but by remediation's `restore`
 * requests), answering pipelined requests; where there is no python3,
 * POSIX sh and coreutils (shell.ts). Host keys are
 * verified against known_hosts strictly; ~/.ssh/config is honoured; keys
 * come from ssh-agent and key files; agent forwarding is never asked for.
 *
 * "~" is the home of the user running Vigil (os.homedir(): $HOME, else the
 * passwd entry), as for OpenSSH's ssh.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig, type AnyAuthMethod } from 'ssh2';
import SSHConfig from 'ssh-config';
import type { Target } from '../target.js';
import { KnownHosts, knownHostName, keyTypeOf } from './known-hosts.js';
import { HelperTransport, type SshStats } from './protocol.js';
import { SshTarget, type RemoteStateAccess } from './ssh-target.js';
import { ShellTransport } from './shell.js';
import { SshConnectError } from './errors.js';

export type { SshStats } from './protocol.js';
export { SshConnectError, type SshErrorCode } from './errors.js';
export { SshTarget, type RemotePathState, type RemoteStateAccess } from './ssh-target.js';

export interface SshTargetOptions {
  /** As given: a name (looked up in the ssh config) or an address. */
  readonly host: string;
  readonly port?: number;
  readonly user?: string;
  /** Key files to offer (after the agent's keys); default: the config's IdentityFile, else ~/.ssh/id_{ed25519,ecdsa,rsa}. */
  readonly identityFiles?: readonly string[];
  /** Default ~/.ssh/known_hosts of the user running Vigil. */
  readonly knownHostsFile?: string;
  /** Record the key of a host known_hosts does not name (OpenSSH's accept-new); a changed key is always refused. */
  readonly acceptNewHostKeys?: boolean;
  /** Default ~/.ssh/config; null: read none. */
  readonly sshConfigFile?: string | null;
  /** Run the helper through sudo: `sudo -n`, or `sudo -S` with the password in the environment variable `passwordEnv`. */
  readonly become?: { readonly method: 'sudo'; readonly passwordEnv?: string };
  /** TCP connection, handshake, authentication and the helper's start, each at most this long. Default 15 s. */
  readonly connectTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Never start the Python helper: use the shell fallback (tests, and hosts where python3 misbehaves). */
  readonly forceShell?: boolean;
  /** The SSH agent's socket; default $SSH_AUTH_SOCK. null: no agent. */
  readonly agentSocket?: string | null;
}

export type SshTargetHandle = Target & RemoteStateAccess & { readonly stats: () => SshStats };

/** `[user@]host[:port]`, `[v6 address]:port`, or a bare IPv6 address. */
export function parseHostSpec(spec: string): { user?: string; host: string; port?: number } {
  let rest = spec.trim();
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === '') throw new Error(`bad host ${JSON.stringify(spec)}: empty user name`);
  }
  let host = rest;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else if (isIP(rest) === 6) {
    host = rest;
  } else {
    const m = /^([^:]+):(\d+)$/.exec(rest);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    } else if (rest.includes(':')) throw new Error(`bad host ${JSON.stringify(spec)}: expected [user@]host[:port]`);
  }
  if (host === '') throw new Error(`bad host ${JSON.stringify(spec)}: no host name`);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new Error(`bad host ${JSON.stringify(spec)}: port out of range`);
  return { ...(user !== undefined ? { user } : {}), host, ...(port !== undefined ? { port } : {}) };
}

const home = (): string => homedir();
const expand = (p: string, vars: Readonly<Record<string, string>>): string =>
  p.replace(/^~(?=\/|$)/, home()).replace(/%([%dhru])/g, (_, c: string) => (c === '%' ? '%' : c === 'd' ? home() : (vars[c] ?? '')));

interface Resolved {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly identityFiles: readonly string[];
  readonly proxyJump?: string;
  /** The name as given, for known_hosts and messages. */
  readonly alias: string;
}

function configFor(opts: { sshConfigFile?: string | null }, alias: string): Record<string, string | string[]> {
  const file = opts.sshConfigFile === undefined ? `${home()}/.ssh/config` : opts.sshConfigFile;
  if (file === null || !existsSync(file)) return {};
  return SSHConfig.parse(readFileSync(file, 'utf8')).compute(alias, { ignoreCase: true, matchExec: false });
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function resolve(opts: SshTargetOptions, spec: { host: string; port?: number; user?: string }): Resolved {
  const c = configFor(opts, spec.host);
  const host = one(c['hostname']) ?? spec.host;
  const user = spec.user ?? one(c['user']) ?? userInfo().username;
  const port = spec.port ?? (c['port'] !== undefined ? Number(one(c['port'])) : 22);
  const vars = { h: host, r: user, u: userInfo().username };
  const fromConfig = c['identityfile'] === undefined ? [] : ([] as string[]).concat(c['identityfile']);
  const ids = (opts.identityFiles ?? (fromConfig.length > 0 ? fromConfig : ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa'])).map((f) => expand(f, vars));
  const jump = one(c['proxyjump']);
  return { host: host.replace(/%h/g, spec.host), port, user, identityFiles: ids, ...(jump && jump !== 'none' ? { proxyJump: jump } : {}), alias: spec.host };
}

/**
 * Where and how `opts` connects, as connectSsh resolves it (the ssh config
 * applied): for running other SSH clients (ansible-playbook) against the
 * same host, user, port, keys and known_hosts.
 */
export function resolveSshSettings(opts: SshTargetOptions): { host: string; port: number; user: string; identityFiles: readonly string[]; proxyJump?: string; alias: string; knownHostsFile: string } {
  const r = resolve(opts, { host: opts.host, ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.user !== undefined ? { user: opts.user } : {}) });
  return { ...r, knownHostsFile: opts.knownHostsFile ?? `${home()}/.ssh/known_hosts` };
}

const NET_UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EADDRNOTAVAIL']);

/** Opens an authenticated ssh2 connection to `r`, through `sock` when given (a jump). */
function openClient(opts: SshTargetOptions, r: Resolved, sock?: Duplex): Promise<Client> {
  const known = new KnownHosts(opts.knownHostsFile ?? `${home()}/.ssh/known_hosts`);
  const names = [...new Set([knownHostName(r.alias, r.port), knownHostName(r.host, r.port)])];
  const types = known.typesFor(names);
  const timeout = opts.connectTimeoutMs ?? 15_000;
  const agent = opts.agentSocket === undefined ? process.env['SSH_AUTH_SOCK'] : opts.agentSocket ?? undefined;
  const methods: AnyAuthMethod[] = [];
  if (agent) methods.push({ type: 'agent', username: r.user, agent });
  for (const f of r.identityFiles) {
    let key: Buffer;
    try {
      key = readFileSync(f);
    } catch {
      continue; // absent or unreadable: OpenSSH skips it too
    }
    if (/ENCRYPTED|Proc-Type: 4,ENCRYPTED/.test(key.subarray(0, 200).toString('latin1')) || isEncryptedOpenSsh(key)) continue;
    methods.push({ type: 'publickey', username: r.user, key });
  }
  return new Promise<Client>((resolvePromise, reject) => {
    const client = new Client();
    let hostKeyProblem: string | undefined;
    let settled = false;
    const done = (e?: SshConnectError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (e) {
        client.end();
        client.destroy();
        reject(e);
      } else resolvePromise(client);
    };
    const timer = setTimeout(() => done(new SshConnectError('timeout', `${r.alias}: no SSH session within ${timeout} ms`)), timeout);
    const onAbort = (): void => done(new SshConnectError('timeout', `${r.alias}: abandoned`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    client.on('ready', () => {
      // requests are small and answered at once: Nagle's algorithm would hold them back for the previous answer's ACK
      client.setNoDelay(true);
      done();
    });
    client.on('error', (e: Error & { level?: string; code?: string }) => {
      if (hostKeyProblem) return done(new SshConnectError('host-key', hostKeyProblem));
      if (e.level === 'client-authentication') return done(new SshConnectError('auth-failed', `${r.user}@${r.alias}: authentication failed (${methods.map((m) => (m.type === 'publickey' ? 'key' : m.type)).join(', ') || 'no keys'} offered)`));
      if (e.level === 'client-timeout') return done(new SshConnectError('timeout', `${r.alias}: SSH handshake timed out`));
      if (e.code && NET_UNREACHABLE.has(e.code)) return done(new SshConnectError('unreachable', `${r.alias} (${r.host}:${r.port}): ${e.code}`));
      if (e.level === 'client-socket') return done(new SshConnectError('unreachable', `${r.alias} (${r.host}:${r.port}): ${e.message}`));
      done(new SshConnectError('protocol', `${r.alias}: ${e.message}`));
    });
    client.on('close', () => done(new SshConnectError(hostKeyProblem ? 'host-key' : 'unreachable', hostKeyProblem ?? `${r.alias}: connection closed before the session was ready`)));
    const config: ConnectConfig = {
      host: r.host,
      port: r.port,
      username: r.user,
      readyTimeout: timeout,
      agentForward: false,
      keepaliveInterval: 15_000,
      hostVerifier: (key: Buffer): boolean => {
        const verdict = known.verify(names, key);
        if (verdict === 'known') return true;
        if (verdict === 'unknown' && opts.acceptNewHostKeys) {
          known.add(names[0]!, key);
          return true;
        }
        hostKeyProblem =
          verdict === 'changed'
            ? `${r.alias}: the host key (${keyTypeOf(key)}) differs from the one in ${known.file}: refused (a changed key is never accepted)`
            : verdict === 'revoked'
              ? `${r.alias}: the host key is revoked in ${known.file}`
              : `${r.alias}: the host key (${keyTypeOf(key)}) is not in ${known.file} (--accept-new-host-keys records it)`;
        return false;
      },
      authHandler: methods.length > 0 ? methods : ['none'],
      ...(types.length > 0 ? { algorithms: { serverHostKey: { prepend: hostKeyAlgorithms(types) } } as unknown as ConnectConfig['algorithms'] } : {}),
      ...(sock ? { sock } : {}),
    };
    try {
      client.connect(config);
    } catch (e) {
      done(new SshConnectError('protocol', `${r.alias}: ${(e as Error).message}`));
    }
  });
}

/** The host key algorithms that give keys of the recorded types, to ask for first. */
function hostKeyAlgorithms(types: readonly string[]): string[] {
  const supported = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);
  const out: string[] = [];
  for (const t of types) {
    if (t === 'ssh-rsa') out.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else if (supported.has(t)) out.push(t);
  }
  return out;
}

function isEncryptedOpenSsh(key: Buffer): boolean {
  const text = key.toString('latin1');
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END/.exec(text);
  if (!m) return false;
  const raw = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  // "openssh-key-v1\0", then the cipher name as an SSH string
  const off = 15;
  const n = raw.readUInt32BE(off);
  return raw.subarray(off + 4, off + 4 + n).toString('ascii') !== 'none';
}

/** The jump host's connection (one hop: its own ProxyJump is not followed). */
function openJump(opts: SshTargetOptions, jump: string, target: Resolved): Promise<Client> {
  const spec = parseHostSpec(jump.split(',')[0]!);
  // the jump host's own IdentityFile, else the keys the target is offered
  const own = configFor(opts, spec.host)['identityfile'];
  const r = resolve(own === undefined && opts.identityFiles === undefined ? { ...opts, identityFiles: target.identityFiles } : opts, spec);
  const { proxyJump: _ignored, ...direct } = r;
  return openClient(opts, direct);
}

/** Single-quotes `s` for a POSIX shell. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

let helperSource: Buffer | undefined;
function helper(): Buffer {
  if (helperSource) return helperSource;
  for (const rel of ['./helper.py', '../../../src/target/ssh/helper.py']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return (helperSource = readFileSync(p));
  }
  throw new Error('the SSH helper (helper.py) is missing from this installation');
}

const START = 'VIGIL-START\n';
const NO_PYTHON = 'vigil: no python3';

function execChannel(client: Client, command: string, pty: boolean): Promise<ClientChannel> {
  return new Promise((res, rej) => client.exec(command, pty ? { pty: { term: 'dumb', cols: 200, rows: 24 } } : {}, (e, ch) => (e ? rej(e) : res(ch))));
}

/** The command that starts the helper: a python3 found on the remote PATH (or the usual places), through sudo when asked. */
function bootstrapCommand(opts: SshTargetOptions, pty: boolean): string {
  const n = helper().length;
  const py = `import sys;exec(sys.stdin.buffer.read(${n}))`;
  const inner = `for p in python3 /usr/bin/python3 /usr/libexec/platform-python; do x=$(command -v "$p" 2>/dev/null) && [ -x "$x" ] && [ -f "$x" ] && {  printf 'VIGIL-START\\n'; exec "$x" -c ${shq(py)}; }; done; echo ${shq(NO_PYTHON)} >&2; exit 127`;
  let cmd = `sh -c ${shq(inner)}`;
  if (opts.become) cmd = opts.become.passwordEnv ? `sudo -S -p '' -- ${cmd}` : `sudo -n -- ${cmd}`;
  return pty ? `stty raw -echo 2>/dev/null; printf 'VIGIL-TTY\\n'; exec ${cmd}` : cmd;
}

interface Started {
  readonly channel: ClientChannel;
  readonly leftover: Buffer;
}

/** Waits for `marker` on the channel's output; rejects with what stderr said when the channel ends first. */
function waitFor(ch: ClientChannel, marker: string, timeoutMs: number, what: string, failOn?: RegExp): Promise<{ rest: Buffer; seen: string }> {
  return new Promise((res, rej) => {
    let out = Buffer.alloc(0);
    let err = '';
    const cleanup = (): void => {
      clearTimeout(timer);
      ch.off('data', onOut);
      ch.stderr.off('data', onErr);
      ch.off('close', onClose);
    };
    const onOut = (d: Buffer): void => {
      out = Buffer.concat([out, d]);
      if (failOn?.test(out.toString('latin1'))) return onErr(Buffer.alloc(0)); // through a pty, sudo's complaints arrive on stdout
      const i = out.indexOf(marker);
      if (i >= 0) {
        cleanup();
        res({ rest: out.subarray(i + marker.length), seen: out.subarray(0, i).toString('utf8') + err });
      }
    };
    const onErr = (d: Buffer): void => {
      err += d.toString('utf8');
      if (failOn?.test(err) || failOn?.test(out.toString('latin1'))) {
        cleanup();
        rej(Object.assign(new Error(`${what}: ${(err + out.toString('utf8')).trim().slice(0, 300)}`), { remote: err + out.toString('utf8') }));
      }
    };
    const onClose = (code: number | null): void => {
      cleanup();
      rej(Object.assign(new Error(`${what}: the remote command ended (${code}): ${(err + out.toString('utf8')).trim().slice(0, 300)}`), { remote: err + out.toString('utf8'), exitCode: code }));
    };
    const timer = setTimeout(() => {
      cleanup();
      rej(Object.assign(new Error(`${what}: nothing within ${timeoutMs} ms`), { timedOut: true, remote: err + out.toString('utf8') }));
    }, timeoutMs);
    ch.on('data', onOut);
    ch.stderr.on('data', onErr);
    ch.on('close', onClose);
  });
}

/** The become password, from the named environment variable; never logged. */
function becomePassword(opts: SshTargetOptions): string | undefined {
  const name = opts.become?.passwordEnv;
  if (name === undefined) return undefined;
  const v = process.env[name];
  if (v === undefined) throw new SshConnectError('become-failed', `the environment variable ${name} (the sudo password) is not set`);
  return v;
}

async function startHelper(client: Client, opts: SshTargetOptions, alias: string, pty: boolean): Promise<Started | 'no-python' | 'needs-tty'> {
  const timeout = opts.connectTimeoutMs ?? 15_000;
  const password = becomePassword(opts);
  let ch: ClientChannel;
  try {
    ch = await execChannel(client, bootstrapCommand(opts, pty), pty);
  } catch (e) {
    throw new SshConnectError('protocol', `${alias}: cannot start a remote command: ${(e as Error).message}`);
  }
  try {
    if (pty) await waitFor(ch, 'VIGIL-TTY\n', timeout, alias);
    if (password !== undefined) ch.write(`${password}\n`);
    // a wrong password: sudo says so and would read the next line as another try
    await waitFor(ch, START, timeout, alias, opts.become ? /Sorry, try again|incorrect password|is not in the sudoers|may not run sudo|a password is required/ : undefined);
  } catch (e) {
    ch.close();
    const x = e as Error & { remote?: string; timedOut?: boolean };
    const remote = x.remote ?? '';
    if (remote.includes(NO_PYTHON)) return 'no-python';
    if (/must have a tty|requiretty/i.test(remote)) return 'needs-tty';
    if (opts.become && /sudo|password|sorry|not in the sudoers|not allowed/i.test(remote)) throw new SshConnectError('become-failed', `${alias}: sudo refused: ${firstLine(remote)}`);
    if (opts.become && x.timedOut) throw new SshConnectError('become-failed', `${alias}: sudo did not start the helper within ${timeout} ms (a wrong password?)`);
    if (x.timedOut) throw new SshConnectError('timeout', `${alias}: the remote command did not start within ${timeout} ms`);
    throw new SshConnectError('protocol', `${alias}: ${x.message}`);
  }
  // python3 runs: send the helper, then wait for its hello frame
  ch.write(helper());
  const hello = await new Promise<Buffer>((res, rej) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => fin(new SshConnectError('timeout', `${alias}: the helper did not answer within ${timeout} ms`)), timeout);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) fin();
    };
    const onClose = (): void => fin(new SshConnectError('no-interpreter', `${alias}: the remote python3 could not run the helper`));
    const fin = (e?: Error): void => {
      clearTimeout(timer);
      ch.off('data', onData);
      ch.off('close', onClose);
      if (e) {
        ch.close();
        rej(e);
      } else res(buf);
    };
    ch.on('data', onData);
    ch.on('close', onClose);
  });
  const n = hello.readUInt32BE(0);
  return { channel: ch, leftover: hello.subarray(4 + n) };
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 200);
}

/** Connects to a host over SSH and returns it as a Target (with the counts of its requests). */
export async function connectSsh(opts: SshTargetOptions): Promise<SshTargetHandle> {
  const spec = { host: opts.host, ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.user !== undefined ? { user: opts.user } : {}) };
  const r = resolve(opts, spec);
  let jumpClient: Client | undefined;
  let client: Client;
  if (r.proxyJump) {
    jumpClient = await openJump(opts, r.proxyJump, r);
    let sock: Duplex;
    try {
      sock = await new Promise<Duplex>((res, rej) => jumpClient!.forwardOut('127.0.0.1', 0, r.host, r.port, (e, s) => (e ? rej(e) : res(s))));
    } catch (e) {
      jumpClient.end();
      throw new SshConnectError('unreachable', `${r.alias}: the jump host ${r.proxyJump} cannot reach ${r.host}:${r.port}: ${(e as Error).message}`);
    }
    try {
      client = await openClient(opts, r, sock);
    } catch (e) {
      jumpClient.end();
      throw e;
    }
  } else {
    client = await openClient(opts, r);
  }
  const endAll = async (): Promise<void> => {
    client.end();
    jumpClient?.end();
  };
  try {
    const name = r.alias;
    if (!opts.forceShell) {
      let started = await startHelper(client, opts, name, false);
      if (started === 'needs-tty') started = await startHelper(client, opts, name, true);
      if (started === 'needs-tty') throw new SshConnectError('become-failed', `${name}: sudo demands a tty even with one`);
      if (started !== 'no-python') {
        const transport = new HelperTransport(started.channel, started.channel, started.leftover);
        return new SshTarget({ name, transport, capabilities: ['kernel', 'processes', 'services', 'exec'], onClose: endAll });
      }
    }
    const shell = await ShellTransport.open(client, { ...(opts.become ? { become: opts.become } : {}), password: becomePassword(opts), timeoutMs: opts.connectTimeoutMs ?? 15_000, name });
    return new SshTarget({ name, transport: shell, capabilities: ['kernel', 'exec'], onClose: endAll, readAhead: false });
  } catch (e) {
    await endAll();
    throw e;
  }
}

/**
 * Serves the watch API (daemon/api.ts) on `--listen`: a TCP address
 * (`127.0.0.1:PORT`, `[::1]:PORT`, `localhost:PORT`, any other address with a
 * token) or a unix socket (`unix:/path`, mode 0600), over @hono/node-server.
 *
 * The rule on tokens: without one, the API is open, so it serves only on a
 * loopback address or a unix socket (with a warning in the log); any other
 * address without a token is refused before anything is bound.
 */
import { chmod, lstat, open, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect, isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { closeStreams } from './api.js';
import type { Logger } from './types.js';

export interface ListenOptions {
  /** The bearer token the API was created with (only its presence matters here). */
  readonly token?: string;
  readonly log?: Logger;
  /** How long close() lets requests under way finish before cutting their connections, ms. Default 2000. */
  readonly graceMs?: number;
}

export interface Listener {
  /** Where it listens, with the real port: `127.0.0.1:41234`, `[::1]:41234`, `unix:/run/vigil.sock`. */
  readonly address: string;
  /** Ends the event streams, stops accepting, and resolves once every connection is closed. */
  close(): Promise<void>;
}

export type ListenAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly loopback: boolean }
  | { readonly kind: 'unix'; readonly path: string };

export class ListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}

const FORMS = '127.0.0.1:PORT, [::1]:PORT, localhost:PORT, HOST:PORT or unix:/path';

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    const h = host.toLowerCase();
    return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  }
  return false;
}

/** Parses a `--listen` value. */
export function parseListenAddress(addr: string): ListenAddress {
  if (addr.startsWith('unix:')) {
    const path = addr.slice('unix:'.length);
    if (!path.startsWith('/')) throw new ListenError(`listen address ${JSON.stringify(addr)}: the socket path must be absolute`);
    return { kind: 'unix', path };
  }
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(addr);
  if (m === null) throw new ListenError(`listen address ${JSON.stringify(addr)}: expected ${FORMS}`);
  const port = Number(m[3]);
  if (port > 65535) throw new ListenError(`listen address ${JSON.stringify(addr)}: port ${port} is out of range`);
  const host = m[1] ?? m[2]!;
  if (m[1] !== undefined && isIP(host) !== 6) throw new ListenError(`listen address ${JSON.stringify(addr)}: not an IPv6 address`);
  // localhost binds 127.0.0.1, not whatever the resolver puts first.
  return { kind: 'tcp', host: host === 'localhost' ? '127.0.0.1' : host, port, loopback: isLoopback(host) };
}

const formatTcp = (host: string, port: number) => (isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`);

/** Whether something accepts connections on the unix socket at `path`. */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (answers: boolean) => {
      s.destroy();
      resolve(answers);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(2000, () => done(true));
  });
}

/** Removes a stale socket file at `path`; refuses a live socket or anything that is not a socket. */
async function clearSocketPath(path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isSocket()) throw new ListenError(`refusing to listen on unix:${path}: it exists and is not a socket`);
  if (await socketAnswers(path)) {
    throw new ListenError(`refusing to listen on unix:${path}: another process is listening on it`);
  }
  await unlink(path);
}

function bind(server: Server, target: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const where = target.kind === 'unix' ? `unix:${target.path}` : formatTcp(target.host, target.port);
      reject(new ListenError(`cannot listen on ${where}: ${err.code ?? err.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    if (target.kind === 'tcp') {
      server.listen({ host: target.host, port: target.port });
      return;
    }
    // The socket file is created by bind(2), synchronously within listen():
    // a umask of 0177 makes it 0600 from the start, with no window.
    const old = process.umask(0o177);
    try {
      server.listen(target.path);
    } finally {
      process.umask(old);
    }
  });
}

/**
 * Serves `app` on `addr`. Rejects with a ListenError, before binding, for a
 * non-loopback TCP address without a token, and for a unix socket path that
 * another process answers on or that is not a socket.
 */
export async function listen(app: Hono, addr: string, opts: ListenOptions = {}): Promise<Listener> {
  const target = parseListenAddress(addr);
  const hasToken = opts.token !== undefined && opts.token !== '';
  if (target.kind === 'tcp' && !target.loopback && !hasToken) {
    throw new ListenError(`refusing to listen on ${addr} without --token-file: the API would be open to the network`);
  }
  if (target.kind === 'unix') await clearSocketPath(target.path);

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await bind(server, target);
  let address: string;
  if (target.kind === 'unix') {
    await chmod(target.path, 0o600);
    address = `unix:${target.path}`;
  } else {
    const a = server.address() as AddressInfo;
    address = formatTcp(a.address, a.port);
  }
  if (!hasToken) {
    opts.log?.warn('api: no --token-file, the API is open to every local user', { address });
  } else {
    opts.log?.info('api: listening', { address });
  }

  // Once closing, a keep-alive connection whose response ends (an event
  // stream closeStreams() ended, a request under way) is closed as soon as
  // it goes idle, instead of after the keep-alive timeout.
  let closing: Promise<void> | undefined;
  server.on('request', (_req, res) => {
    res.once('finish', () => {
      if (closing !== undefined) setImmediate(() => server.closeIdleConnections());
    });
  });
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => server.closeAllConnections(), opts.graceMs ?? 2000);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
      closeStreams(app);
    });
    return closing;
  };
  return { address, close };
}

/**
 * Reads a token file: the whole file, trimmed. Refuses a file that group or
 * others may read or write (mode & 0o077), one that is not a regular file,
 * an empty one and one with whitespace inside the token. The token itself is
 * never put in an error message.
 */
export async function readTokenFile(path: string): Promise<string> {
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new ListenError(`cannot read the token file ${path}: ${err.code ?? err.message}`);
  });
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ListenError(`token file ${path} is not a regular file`);
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new ListenError(
        `token file ${path} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it`,
      );
    }
    const token = (await fh.readFile('utf8')).trim();
    if (token === '') throw new ListenError(`token file ${path} is empty`);
    if (/\s/.test(token)) throw new ListenError(`token file ${path}: the token must be one word, without whitespace`);
    return token;
  } finally {
    await fh.close();
  }
}

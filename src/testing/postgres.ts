/**
 * A real PostgreSQL server for tests: Debian's postgresql 15, initialised in
 * a temp dir, listening on 127.0.0.1 on a free port (and on a unix socket in
 * that dir), run as the `postgres` user when we are root (postgres refuses
 * root). `startPostgres()` gives its URL and a `stop()` that shuts it down
 * and deletes the dir; `postgresForTests(t)` skips the test with the reason
 * when the server cannot be started, or fails it under VIGIL_REQUIRE_ORACLE=1
 * (CI).
 *
 *   const pg = await startPostgres();
 *   try { ... pg.url ... } finally { await pg.stop(); }
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { oracleMissing, REQUIRE_ORACLE } from './oracle.js';

export const PG_BIN = process.env['VIGIL_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  /** postgres://vigil@127.0.0.1:PORT/vigil (trust authentication on loopback only). */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Fast shutdown (connections are cut), then deletes the dir. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops the server but keeps the dir, so that `restart()` brings the same data back. */
  halt(): Promise<void>;
  restart(): Promise<void>;
}

export class PostgresUnavailable extends Error {}

/** Why PostgreSQL cannot be run here (not installed), or undefined when it can be tried. */
export function postgresMissing(): string | undefined {
  const need = ['initdb', 'postgres', 'pg_isready', 'createdb'].map((b) => join(PG_BIN, b)).filter((p) => !existsSync(p));
  return need.length ? `PostgreSQL is not installed (missing ${need.join(', ')}; Debian package postgresql-15)` : undefined;
}

/**
 * `describe` options for a suite that needs PostgreSQL: skipped with the
 * reason when it is not installed, unless VIGIL_REQUIRE_ORACLE=1 (then the
 * suite runs and fails on the missing server, as CI wants).
 */
export function postgresSuiteOptions(): { skip: string | false } {
  const why = postgresMissing();
  return { skip: why && !REQUIRE_ORACLE ? `${why} (set VIGIL_REQUIRE_ORACLE=1 to make this a failure)` : false };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const asRoot = process.getuid?.() === 0;
/** The command line, run as `postgres` when we are root (setpriv execs: the pid is the server's own). */
const asPostgres = (cmd: string, args: string[]): [string, string[]] =>
  asRoot ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args]] : [cmd, args];

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startPostgres(prefix = 'vigil-store-pg-'): Promise<PostgresServer> {
  const initdb = join(PG_BIN, 'initdb');
  const postgres = join(PG_BIN, 'postgres');
  const missing = postgresMissing();
  if (missing) throw new PostgresUnavailable(missing);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  let child: ChildProcess | undefined;
  let port = 0;
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    if (asRoot) {
      const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      if (pw.status !== 0) throw new PostgresUnavailable('there is no postgres user to run the server as (postgres refuses to run as root)');
      chownSync(dir, Number(pw.stdout.trim()), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()));
    }
    const [c, a] = asPostgres(initdb, ['-D', data, '-U', 'vigil', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const init = spawnSync(c, a, { encoding: 'utf8', timeout: 60_000 });
    if (init.status !== 0) throw new PostgresUnavailable(`initdb failed: ${(init.stderr || init.stdout || String(init.error)).trim().split('\n').slice(-3).join(' ')}`);

    const start = async (): Promise<void> => {
      if (!port) port = await freePort();
      const [pc, pa] = asPostgres(postgres, [
        '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=32MB', '-c', 'max_connections=40',
      ]);
      const { openSync, closeSync } = await import('node:fs');
      const fd = openSync(log, 'a');
      child = spawn(pc, pa, { stdio: ['ignore', fd, fd] });
      closeSync(fd);
      let exited = false;
      child.once('exit', () => (exited = true));
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (exited) throw new PostgresUnavailable(`postgres exited: ${readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' ')}`);
        if (await canConnect(port)) {
          // accepting TCP is not yet accepting queries: pg_isready says when
          const ready = spawnSync(join(PG_BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'vigil', '-d', 'postgres'], { timeout: 5000 });
          if (ready.status === 0) break;
        }
        await sleep(50);
      }
      if (Date.now() >= deadline) throw new PostgresUnavailable('postgres did not accept connections within 30 s');
      const db = spawnSync(join(PG_BIN, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'vigil', 'vigil'], { encoding: 'utf8' });
      if (db.status !== 0 && !/already exists/.test(db.stderr)) throw new PostgresUnavailable(`createdb failed: ${db.stderr.trim()}`);
    };
    const halt = async (): Promise<void> => {
      const ch = child;
      child = undefined;
      if (!ch || ch.exitCode !== null || ch.signalCode !== null) return;
      const done = new Promise<void>((r) => ch.once('exit', () => r()));
      ch.kill('SIGINT'); // fast shutdown
      const t = setTimeout(() => ch.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(t);
    };
    await start();
    let stopped = false;
    return {
      url: `postgres://vigil@127.0.0.1:${port}/vigil`,
      port,
      dir,
      halt,
      restart: start,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await halt();
        cleanup();
      },
    };
  } catch (err) {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    cleanup();
    throw err;
  }
}

/**
 * A server for a test file, or undefined (the test is skipped, or failed
 * under VIGIL_REQUIRE_ORACLE=1) when PostgreSQL cannot be started here.
 */
export async function postgresForTests(t: TestContext): Promise<PostgresServer | undefined> {
  try {
    return await startPostgres();
  } catch (err) {
    oracleMissing(t, `a PostgreSQL server could not be started: ${(err as Error).message}`);
    return undefined;
  }
}

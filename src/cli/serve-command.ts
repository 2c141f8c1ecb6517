/**
 * `vigil serve`: the HTTP API over a results store (daemon/serve-run.ts).
 * Runs until SIGTERM or SIGINT; exits 1 when it cannot start (a store it
 * cannot open, an address it may not listen on, a bad token file).
 */
import type { Command } from 'commander';
import { ContentError } from '../model/errors.js';
import type { CliIo } from './xccdf-commands.js';

interface ServeFlags {
  store?: string;
  listen: string;
  tokenFile?: string;
  keepScans?: string;
  maxBody?: string;
  logFormat: string;
  contentDir?: string;
}

const positiveInt = (v: string | undefined, what: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^[1-9]\d{0,9}$/.test(v)) throw new ContentError('invalid-value', `${what} must be a positive integer (got ${v})`);
  return Number(v);
};

export function registerServeCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('serve the results store over HTTP, with a dashboard at /: hosts, scans, rules across the fleet, diffs, drift, and ingest from vigil watch --report-to')
    .option('--store <spec>', 'the results store: a SQLite file, or postgres://… (default: the user data directory)')
    .option('--listen <addr>', 'where to listen: 127.0.0.1:PORT, [::1]:PORT, HOST:PORT or unix:/path', '127.0.0.1:8470')
    .option('--token-file <file>', 'the bearer token every /api request needs (a file readable by its owner only); required')
    .option('--keep-scans <n>', 'full scans kept per host (older ones keep their summary); default 30')
    .option('--max-body <bytes>', 'largest ingest request body; default 33554432')
    .option('--log-format <format>', 'logs on stderr: text or json', 'text')
    .option('--content-dir <dir>', "where the dashboard's fix downloads find a scan's data stream by name, when its own path does not exist here (default: the SCAP Security Guide's directory)")
    .action(async (o: ServeFlags) => {
      if (o.logFormat !== 'text' && o.logFormat !== 'json') throw new ContentError('invalid-value', `unknown --log-format ${o.logFormat}; choose text or json`);
      if (o.tokenFile === undefined) throw new ContentError('invalid-value', 'vigil serve needs --token-file: the API is never served without a token');
      const keep = positiveInt(o.keepScans, '--keep-scans');
      const maxBody = positiveInt(o.maxBody, '--max-body');
      const [{ runServe }, { defaultStorePath, specPasswordWarning }] = await Promise.all([import('../daemon/serve-run.js'), import('../store/index.js')]);
      const warning = o.store !== undefined ? specPasswordWarning(o.store) : undefined;
      if (warning !== undefined) io.err(`vigil: warning: ${warning}\n`);
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      try {
        setExit(
          await runServe(
            {
              store: o.store ?? defaultStorePath(io.env as NodeJS.ProcessEnv),
              listen: o.listen,
              tokenFile: o.tokenFile,
              ...(keep !== undefined ? { fullScansPerHost: keep } : {}),
              ...(maxBody !== undefined ? { maxBodyBytes: maxBody } : {}),
              logFormat: o.logFormat,
              ...(o.contentDir !== undefined ? { contentDir: o.contentDir } : {}),
              onListening: (a) => io.err(`vigil serve: listening on ${a}\n`),
            },
            stop.signal,
          ),
        );
      } catch (e) {
        if (e instanceof Error && ['ListenError', 'StoreError'].includes(e.name)) {
          io.err(`vigil: error: ${e.message}\n`);
          setExit(1);
          return;
        }
        throw e;
      } finally {
        process.removeListener('SIGTERM', onSignal);
        process.removeListener('SIGINT', onSignal);
      }
    });
}

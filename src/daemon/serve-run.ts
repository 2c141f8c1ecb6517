/**
 * `vigil serve` put together: the store opened, the API (daemon/serve.ts)
 * served on `--listen` with the token from `--token-file`, until `signal`
 * aborts; then the streams end, the listener closes and the store closes.
 */
import { openResultsStore, redactUrl, isPostgresSpec } from '../store/index.js';
import { listen, readTokenFile } from './listen.js';
import { createLogger } from './log.js';
import { mountDashboard } from './dashboard.js';
import { createServeApi } from './serve.js';
import type { Logger } from './types.js';

export interface ServeRunOptions {
  readonly store: string;
  readonly listen: string;
  readonly tokenFile: string;
  readonly fullScansPerHost?: number;
  readonly maxBodyBytes?: number;
  readonly logFormat: 'text' | 'json';
  /** Where the dashboard's fix downloads look up a scan's data stream by name (default SSG's directory). */
  readonly contentDir?: string;
  readonly onListening?: (address: string) => void;
}

export async function runServe(opts: ServeRunOptions, signal: AbortSignal): Promise<number> {
  const log: Logger = createLogger(opts.logFormat);
  const token = await readTokenFile(opts.tokenFile);
  const store = await openResultsStore(opts.store, opts.fullScansPerHost !== undefined ? { retention: { fullScansPerHost: opts.fullScansPerHost } } : {});
  try {
    const api = createServeApi(store, { token, log, ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}) });
    mountDashboard(api.app, store, opts.contentDir !== undefined ? { contentDir: opts.contentDir } : {});
    const server = await listen(api.app, opts.listen, { token, log });
    log.info('vigil serve: listening', { address: server.address, store: isPostgresSpec(opts.store) ? redactUrl(opts.store) : opts.store });
    opts.onListening?.(server.address);
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    log.info('stopping');
    api.closeStreams();
    await server.close();
    return 0;
  } finally {
    await store.close().catch(() => undefined);
  }
}

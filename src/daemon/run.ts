/**
 * `vigil watch` put together: the content and profile chosen as `vigil
 * scan` chooses them, the state store, the event sources, the metrics, the
 * HTTP API, the webhook and the policy windows, around one WatchDaemon.
 * Runs until `signal` aborts (SIGTERM, SIGINT), then shuts down cleanly.
 */
import { chooseScanContent, defaultProfile } from '../app/scan.js';
import { targetFor } from '../app/oval-eval.js';
import { WatchSession } from '../app/watch-session.js';
import type { Target } from '../target/target.js';
import { DEFAULT_WATCH_CONFIG, loadWatchConfig, nextPolicyChange, policyAt, readSecretFile, type WatchConfig } from './config.js';
import { createApi } from './api.js';
import { listen, ListenError, readTokenFile } from './listen.js';
import { createLogger } from './log.js';
import { WatchMetrics } from './metrics.js';
import { webhookNotifier } from './notify.js';
import { createEventSources } from './sources.js';
import { createReporter, type Reporter } from './report.js';
import { mountDashboard } from './dashboard.js';
import { createServeApi } from './serve.js';
import { openResultsStore, type ResultsStore } from '../store/index.js';
import { memoryStore, openWatchStore } from './store.js';
import type { Logger, Notifier, StoredEvent, WatchStore, WatchView } from './types.js';
import { WatchDaemon, type PolicyClock } from './watch.js';
import { defaultStateDir } from '../apply/journal.js';
import { LoopPolicy } from './loop-policy.js';
import { pipelineRemediator } from './loop.js';

export interface WatchRunOptions {
  readonly content?: string;
  readonly contentDir: string;
  readonly profile?: string;
  readonly tailoringFile?: string;
  readonly root?: string;
  readonly hostKernel?: boolean;
  /** Where the state and history live; in memory only when absent. */
  readonly stateDir?: string;
  /** `127.0.0.1:PORT`, `[::1]:PORT` or `unix:/path`. */
  readonly listen?: string;
  readonly tokenFile?: string;
  readonly config?: string;
  /** A vigil serve to send the state and drift events to (daemon/report.ts), with its token file and this host's name there. */
  readonly reportTo?: string;
  readonly reportTokenFile?: string;
  readonly reportHost?: string;
  readonly json: boolean;
  readonly logFormat: 'text' | 'json';
  /** Called with the API's address once it listens (tests, the log). */
  readonly onListening?: (address: string) => void;
  /** Called once the daemon is ready. */
  readonly onReady?: (daemon: WatchDaemon) => void;
}

export interface WatchIo {
  out(s: string): void;
  err(s: string): void;
}

const RULE_PREFIX = /^xccdf_[^_]+(?:\.[^_]+)*_rule_/;
/** Control characters from target-supplied text are never printed raw. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** One readable line per event (without --json). */
export function eventLine(e: StoredEvent): string {
  const clean = (s: string): string => s.replace(CONTROL, '?');
  switch (e.type) {
    case 'drift': {
      const where = e.paths.length > 0 ? `  (${e.paths.map(clean).join(', ')})` : '';
      return `${e.time} drift   ${e.rule.replace(RULE_PREFIX, '')}: ${e.from ?? 'new'} -> ${e.to} [${e.severity}]${where}`;
    }
    case 'ready':
      return `${e.time} ready   ${e.rules} rules in ${(e.durationMs / 1000).toFixed(2)} s, score ${e.score.toFixed(1)}: ${Object.entries(e.counts).map(([k, v]) => `${v} ${k}`).join(', ')}`;
    case 'rescan':
      return `${e.time} rescan  ${e.reason}${e.rules !== undefined ? ` (${e.rules} rules)` : ''}`;
    case 'attestation':
      return `${e.time} attest  score ${e.score.toFixed(1)}: ${Object.entries(e.counts).map(([k, v]) => `${v} ${k}`).join(', ')}`;
    case 'status':
      return `${e.time} status  ${e.ok ? 'ok' : 'degraded'}: ${clean(e.reason)}`;
    case 'remediation':
      return `${e.time} remedy  ${e.rule.replace(RULE_PREFIX, '')}: ${e.outcome}${e.skip ? ` (${e.skip})` : ''}${e.alert ? ' ALERT' : ''} [breaker ${e.breaker}]: ${clean(e.message)}${e.checkpoint ? ` (checkpoint ${e.checkpoint})` : ''}`;
  }
}

/** Runs the watch daemon until `signal` aborts; returns the exit code. */
export async function runWatch(opts: WatchRunOptions, io: WatchIo, signal: AbortSignal): Promise<number> {
  const log: Logger = createLogger(opts.logFormat);
  const config: WatchConfig = opts.config !== undefined ? loadWatchConfig(opts.config) : DEFAULT_WATCH_CONFIG;
  const token = opts.tokenFile !== undefined ? await readTokenFile(opts.tokenFile) : undefined;
  const target: Target = targetFor({ ...(opts.root !== undefined ? { root: opts.root } : {}), hostKernel: opts.hostKernel === true });

  let content = opts.content;
  let profile = opts.profile;
  if (content === undefined) {
    const chosen = await chooseScanContent(target, opts.contentDir);
    if (chosen.note !== undefined) log.warn(chosen.note);
    content = chosen.file;
    profile ??= chosen.profile;
  }
  const file = content;

  const metrics = new WatchMetrics();
  let notifier: Notifier | undefined;
  if (config.webhook) {
    notifier = webhookNotifier({
      url: config.webhook.url,
      ...(config.webhook.secretFile !== undefined ? { secret: readSecretFile(config.webhook.secretFile) } : {}),
      ...(config.webhook.timeoutMs !== undefined ? { timeoutMs: config.webhook.timeoutMs } : {}),
      ...(config.webhook.maxAttempts !== undefined ? { maxAttempts: config.webhook.maxAttempts } : {}),
      log,
    });
  }
  const policy: PolicyClock | undefined = config.windows.length > 0 ? { at: (d) => policyAt(config, d), next: (d) => nextPolicyChange(config, d) } : undefined;
  const targetName = opts.root !== undefined ? `root:${opts.root}` : `host:${target.name}`;
  let profileInForce: string | null = profile ?? null;
  let reporter: Reporter | undefined;
  // with --listen and a token, the dashboard for this one host: the serve API under /dashboard over a
  // store in memory, fed by a reporter of its own (as a serve is fed by --report-to)
  let local: { store: ResultsStore; reporter?: Reporter; closeStreams(): void } | undefined;
  let hostName = opts.reportHost;
  const nameOfHost = async (): Promise<string> => {
    if (hostName === undefined) {
      const d = await target.describe().catch(() => undefined);
      hostName = d?.hostname?.trim() || (opts.root !== undefined ? `root:${opts.root}` : target.name);
    }
    return hostName;
  };
  if (opts.reportTo !== undefined) {
    if (opts.reportTokenFile === undefined) throw new ListenError('--report-to needs --report-token-file: the serve API requires a token');
    const reportToken = await readTokenFile(opts.reportTokenFile);
    const name = await nameOfHost();
    try {
      reporter = createReporter({
        url: opts.reportTo,
        token: reportToken,
        host: { name },
        state: () => daemon.state(),
        scope: () => ({ content: file, profile: profileInForce }),
        log,
      });
    } catch (e) {
      throw new ListenError(`--report-to ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  // the closed loop: its journal lives in the watch's state directory (or vigil remediate's default)
  let remediation: WatchDaemonRemediation | undefined;
  if (config.remediate) {
    const stateDir = opts.stateDir ?? defaultStateDir(process.env);
    const rc = config.remediate;
    remediation = {
      policy: new LoopPolicy(rc, () => Date.now()),
      stateDir,
      run: (rule, signal) =>
        pipelineRemediator({
          content: file,
          ...(profileInForce !== null ? { profile: profileInForce } : {}),
          ...(opts.tailoringFile !== undefined ? { tailoringFile: opts.tailoringFile } : {}),
          root: opts.root ?? '/',
          stateDir,
          config: rc,
        })(rule, signal),
    };
    log.info('closed loop on', { rules: rc.rules, severities: rc.severities, fixType: rc.fixType, stateDir });
  }

  const daemon = new WatchDaemon({
    open: (p) =>
      WatchSession.open(file, {
        target,
        ...((p?.profile ?? profile) !== undefined ? { profile: (p?.profile ?? profile)! } : { chooseProfile: defaultProfile }),
        ...((p?.tailoringFile ?? opts.tailoringFile) !== undefined ? { tailoringFile: (p?.tailoringFile ?? opts.tailoringFile)! } : {}),
      }),
    scopeOf: (s, p) => {
      profileInForce = s.profileId ?? null;
      return { content: file, profile: s.profileId, tailoring: p?.tailoringFile ?? opts.tailoringFile ?? '', target: targetName };
    },
    openStore: (): WatchStore => (opts.stateDir !== undefined ? openWatchStore(opts.stateDir, { retention: config.retention }) : memoryStore()),
    sources: (onChange) =>
      createEventSources({
        ...(opts.root !== undefined ? { root: opts.root } : {}),
        hostKernel: opts.hostKernel === true,
        onChange,
        log,
        intervals: config.intervals,
      }),
    log,
    emit: (e) => {
      io.out(`${opts.json ? JSON.stringify(e) : eventLine(e)}\n`);
      // every event, muted windows included: the central store keeps the whole history
      reporter?.send(e);
      local?.reporter?.send(e);
    },
    ...(notifier ? { notifier } : {}),
    metrics,
    ...(policy ? { policy } : {}),
    retention: config.retention,
    ...(config.attest ? { attestEveryMs: config.attest.everyMs } : {}),
    ...(remediation ? { remediation } : {}),
  });

  // the API answers /healthz and /readyz (503) while the first evaluation runs
  let server: { address: string; close(): Promise<void> } | undefined;
  if (opts.listen !== undefined) {
    const view: WatchView = reporter ? reportingView(daemon, reporter, opts.reportTo!) : daemon;
    const dashboard = token !== undefined && !opts.listen.startsWith('unix:');
    const app = createApi(view, { log, ...(token !== undefined ? { token } : {}), ...(dashboard ? { delegate: '/dashboard' } : {}) });
    if (dashboard) {
      const store = await openResultsStore(':memory:');
      const serve = createServeApi(store, { token, log, pollMs: 500 });
      mountDashboard(serve.app, store);
      // the page's links are relative: it is served at a path in /dashboard/
      for (const p of ['/dashboard', '/dashboard/']) app.get(p, (c) => c.redirect('/dashboard/index.html'));
      app.route('/dashboard', serve.app);
      local = { store, closeStreams: serve.closeStreams };
    }
    server = await listen(app, opts.listen, { ...(token !== undefined ? { token } : {}), log });
    if (local) {
      local.reporter = createReporter({
        url: `http://${server.address}/dashboard`,
        token: token!,
        host: { name: await nameOfHost() },
        state: () => daemon.state(),
        scope: () => ({ content: file, profile: profileInForce }),
        log,
        batchMs: 200,
      });
    }
    log.info('listening', { address: server.address, ...(local ? { dashboard: `http://${server.address}/dashboard/index.html` } : {}) });
    opts.onListening?.(server.address);
  }
  const stopped = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  try {
    await Promise.race([daemon.start(), stopped]);
    if (!signal.aborted) {
      opts.onReady?.(daemon);
      await stopped;
    }
    log.info('stopping');
    return 0;
  } catch (e) {
    log.error('vigil watch failed', { error: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    await daemon.stop();
    await reporter?.close(5000);
    await local?.reporter?.close(1000);
    local?.closeStreams();
    await server?.close();
    await local?.store.close().catch(() => undefined);
    await target.close?.();
  }
}

type WatchDaemonRemediation = NonNullable<ConstructorParameters<typeof WatchDaemon>[0]['remediation']>;

/** The daemon's view, not ready while the reports to a serve are behind. */
function reportingView(daemon: WatchDaemon, reporter: Reporter, url: string): WatchView {
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    // checked when the reporter was made
  }
  return {
    readiness: () => {
      const r = daemon.readiness();
      if (!r.ok) return r;
      const s = reporter.status();
      if (!s.behind) return r;
      return { ok: false, reason: `reporting to ${origin} is behind: ${s.pending} drift events${s.stateDirty ? ' and the state' : ''} waiting${s.lastError ? ` (${s.lastError})` : ''}` };
    },
    state: () => daemon.state(),
    events: (since, limit) => daemon.events(since, limit),
    subscribe: (l) => daemon.subscribe(l),
    metrics: () => daemon.metrics(),
  };
}

/**
 * `vigil fleet scan -i INVENTORY`: scan every host of an Ansible inventory
 * (or those `--limit` selects), many at a time, and print a fleet summary,
 * `--format json` (vigil.fleet/v1), and an HTML fleet report with --report.
 * Exit code: 1 if a host could not be scanned, else 2 if a rule failed
 * somewhere, else 0.
 */
import type { Command } from 'commander';
import type { FleetEvent } from '../fleet/scan.js';
import { ContentError } from '../model/errors.js';
import type { ResultsStore } from '../store/index.js';
import { printable } from './terminal-text.js';
import type { CliIo } from './xccdf-commands.js';

interface FleetFlags {
  inventory: string;
  limit?: string;
  forks: string;
  timeout?: string;
  retries: string;
  retryDelay: string;
  maxFailPercentage?: string;
  content?: string;
  contentDir: string;
  profile?: string;
  store?: string;
  format: string;
  report?: string;
  output?: string;
  listHosts?: boolean;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  sshConfig?: string;
  connectTimeout?: string;
  queue?: boolean;
}

interface WorkerFlags {
  store: string;
  forks: string;
  contentDir: string;
  name?: string;
  drain?: boolean;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  sshConfig?: string;
  connectTimeout?: string;
}

const SSH_FLAGS = (c: Command): Command =>
  c
    .option('--known-hosts <file>', 'the known_hosts file (default: ~/.ssh/known_hosts of the user running Vigil)')
    .option('--accept-new-host-keys', "record unknown host keys (as OpenSSH's accept-new); a changed key is always refused")
    .option('--ssh-config <file>', "an ssh config file (default ~/.ssh/config); 'none' reads none")
    .option('--connect-timeout <seconds>', 'TCP connection, handshake and authentication, each at most this long');

function number(flag: string, text: string | undefined, opts: { min: number; max?: number; integer?: boolean }): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < opts.min || (opts.max !== undefined && n > opts.max) || (opts.integer && !Number.isInteger(n))) {
    throw new ContentError('invalid-value', `${flag} ${text}: expected ${opts.integer ? 'an integer' : 'a number'} ≥ ${opts.min}${opts.max !== undefined ? ` and ≤ ${opts.max}` : ''}`);
  }
  return n;
}

export function registerFleetCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const fleet = program.command('fleet').description('scan many hosts from an Ansible inventory');
  const scanCommand = fleet
    .command('scan')
    .description('scan the hosts of an Ansible inventory over SSH, each with the content matching its own os-release')
    .requiredOption('-i, --inventory <source>', 'an Ansible inventory: INI or YAML file, executable, plugin configuration, directory, or a comma-separated host list')
    .option('-l, --limit <pattern>', "Ansible's host pattern: groups, hosts, globs, ~regex, a:b, a:&b, a:!b")
    .option('-f, --forks <n>', 'hosts scanned at once', '10')
    .option('--timeout <seconds>', 'per host and attempt: connection and scan together')
    .option('--retries <n>', 'further attempts after a connection failure that may pass (unreachable, connection timeout), with backoff', '2')
    .option('--retry-delay <seconds>', 'the first backoff, doubled for each further retry', '1')
    .option('--max-fail-percentage <p>', 'stop starting hosts once more than p% of them could not be scanned')
    .option('--content <file>', 'one data stream for every host (default: the one matching each host)')
    .option('--content-dir <dir>', 'where installed content lives', '/usr/share/xml/scap/ssg/content')
    .option('--profile <id>', 'the profile (default: CIS Level 1 Server, else Standard)')
    .option('--store <spec>', 'record every scan in a results store: a SQLite path or postgres://…')
    .option('--format <format>', 'text or json (vigil.fleet/v1)', 'text')
    .option('--report <file>', 'write the HTML fleet report here')
    .option('-o, --output <file>', 'write the --format output to this file instead of stdout')
    .option('--list-hosts', 'print the hosts the inventory and --limit select, and scan nothing')
    .option('--queue', 'with --store postgres://…: queue the hosts for `vigil fleet worker` processes instead of scanning them here');
  SSH_FLAGS(scanCommand).action(async (o: FleetFlags) => {
      if (o.format !== 'text' && o.format !== 'json') throw new ContentError('invalid-value', `unknown --format ${o.format}; choose text or json`);
      const forks = number('--forks', o.forks, { min: 1, max: 1000, integer: true })!;
      const timeout = number('--timeout', o.timeout, { min: 0.001 });
      const retries = number('--retries', o.retries, { min: 0, max: 20, integer: true })!;
      const retryDelay = number('--retry-delay', o.retryDelay, { min: 0 })!;
      const maxFail = number('--max-fail-percentage', o.maxFailPercentage, { min: 0, max: 100 });
      const connectTimeout = number('--connect-timeout', o.connectTimeout, { min: 0.001 });
      const [{ loadInventory }, { limitHosts }, { fleetScan, fleetExitCode }, report, { checkOutputPath, saveFileContent }, { requireRegularFile }] = await Promise.all([
        import('../fleet/inventory.js'),
        import('../fleet/patterns.js'),
        import('../fleet/scan.js'),
        import('../fleet/report.js'),
        import('../results/atomic-file.js'),
        import('../app/input-files.js'),
      ]);
      // every path is checked before a host is contacted
      if (o.report !== undefined) checkOutputPath(o.report);
      if (o.output !== undefined) checkOutputPath(o.output);
      if (o.content !== undefined) requireRegularFile(o.content, '--content');

      const inventory = await loadInventory(o.inventory);
      const names = limitHosts(inventory, o.limit);
      if (o.listHosts) {
        io.out(`  hosts (${names.length}):\n${names.map((n) => `    ${printable(n)}\n`).join('')}`);
        return;
      }
      if (names.length === 0) throw new ContentError('invalid-value', `no host of ${o.inventory} matches${o.limit !== undefined ? ` --limit ${o.limit}` : ''}`);
      const hosts = names.map((n) => inventory.hosts.get(n)!);

      if (o.queue) {
        const { isPostgresSpec } = await import('../store/index.js');
        if (o.store === undefined || !isPostgresSpec(o.store)) throw new ContentError('invalid-value', '--queue needs --store postgres://…: the queue and the results live in PostgreSQL');
      }
      let store: ResultsStore | undefined;
      if (o.store !== undefined && !o.queue) {
        const { openResultsStore } = await import('../store/index.js');
        try {
          store = await openResultsStore(o.store);
        } catch (e) {
          // a store that cannot be opened is the user's to fix, and nothing was scanned yet
          throw new ContentError('io', `cannot open the results store: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const { inventoryConnector } = await import('../fleet/connect.js');
      const connect = inventoryConnector({
        ...(o.knownHosts !== undefined ? { knownHostsFile: o.knownHosts } : {}),
        ...(o.acceptNewHostKeys ? { acceptNewHostKeys: true } : {}),
        ...(o.sshConfig !== undefined ? { sshConfigFile: o.sshConfig === 'none' ? null : o.sshConfig } : {}),
        ...(connectTimeout !== undefined ? { connectTimeoutMs: connectTimeout * 1000 } : {}),
      });

      const progress = new Progress(io, hosts.length);
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let result;
      try {
        if (o.queue) {
          const { queuedFleetScan } = await import('../fleet/queue.js');
          result = await queuedFleetScan({
            url: o.store!,
            hosts,
            retries,
            retryDelayMs: retryDelay * 1000,
            ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
            ...(maxFail !== undefined ? { maxFailPercentage: maxFail } : {}),
            ...(o.content !== undefined ? { content: o.content } : {}),
            ...(o.profile !== undefined ? { profile: o.profile } : {}),
            onEvent: (e) => progress.event(e),
            signal: stop.signal,
          });
        } else result = await fleetScan({
          hosts,
          connect,
          forks,
          retries,
          retryDelayMs: retryDelay * 1000,
          contentDir: o.contentDir,
          ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
          ...(maxFail !== undefined ? { maxFailPercentage: maxFail } : {}),
          ...(o.content !== undefined ? { content: o.content } : {}),
          ...(o.profile !== undefined ? { profile: o.profile } : {}),
          ...(store
            ? {
                sink: {
                  record: async (host, scan, meta) => {
                    await store!.recordScan({ name: host.name, group: host.groups }, scan, { source: 'fleet', durationMs: meta.durationMs, ...(process.env['USER'] ? { who: process.env['USER'] } : {}) });
                  },
                },
              }
            : {}),
          onEvent: (e) => progress.event(e),
          signal: stop.signal,
        });
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        progress.end();
        await store?.close().catch(() => undefined);
      }
      const meta = { inventory: o.inventory, ...(o.limit !== undefined ? { limit: o.limit } : {}) };
      let outputFailed = false;
      const save = (path: string, text: string): void => {
        try {
          saveFileContent(path, text);
        } catch (e) {
          outputFailed = true;
          io.err(`vigil: error: cannot write ${printable(path)}: ${printable(e instanceof Error ? e.message : String(e))}\n`);
        }
      };
      const main = o.format === 'json' ? `${JSON.stringify(report.fleetJson(result, meta), null, 2)}\n` : report.fleetSummaryText(result, (s) => printable(s));
      if (o.output !== undefined) save(o.output, main);
      else io.out(main);
      if (o.report !== undefined) {
        save(o.report, report.fleetHtml(result, meta));
        if (!outputFailed && o.format === 'text' && o.output === undefined) io.out(`\nReport:  ${printable(o.report)}\n`);
      }
      setExit(outputFailed ? 1 : fleetExitCode(result.outcomes));
    });
  registerWorker(fleet, io, setExit);
}

function registerWorker(fleet: Command, io: CliIo, setExit: (code: number) => void): void {
  const worker = fleet
    .command('worker')
    .description('take hosts queued by `vigil fleet scan --queue` and scan them, recording the scans in the store')
    .requiredOption('--store <url>', 'the PostgreSQL store (postgres://…) holding the queue and the results')
    .option('-f, --forks <n>', 'hosts scanned at once', '10')
    .option('--content-dir <dir>', 'where installed content lives', '/usr/share/xml/scap/ssg/content')
    .option('--name <name>', "this worker's name in the fleet report (default: a random id)")
    .option('--drain', 'stop once the queue is empty');
  SSH_FLAGS(worker).action(async (o: WorkerFlags) => {
    const forks = number('--forks', o.forks, { min: 1, max: 1000, integer: true })!;
    const connectTimeout = number('--connect-timeout', o.connectTimeout, { min: 0.001 });
    const [{ openResultsStore, isPostgresSpec }, { runFleetWorker }, { inventoryConnector }] = await Promise.all([import('../store/index.js'), import('../fleet/queue.js'), import('../fleet/connect.js')]);
    if (!isPostgresSpec(o.store)) throw new ContentError('invalid-value', '--store must be postgres://…: workers share the queue and the results through PostgreSQL');
    let store: ResultsStore;
    try {
      store = await openResultsStore(o.store);
    } catch (e) {
      throw new ContentError('io', `cannot open the results store: ${e instanceof Error ? e.message : String(e)}`);
    }
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    io.err(`vigil: worker${o.name !== undefined ? ` ${printable(o.name)}` : ''} ready\n`);
    try {
      const done = await runFleetWorker({
        url: o.store,
        forks,
        contentDir: o.contentDir,
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.drain ? { drain: true } : {}),
        connect: inventoryConnector({
          ...(o.knownHosts !== undefined ? { knownHostsFile: o.knownHosts } : {}),
          ...(o.acceptNewHostKeys ? { acceptNewHostKeys: true } : {}),
          ...(o.sshConfig !== undefined ? { sshConfigFile: o.sshConfig === 'none' ? null : o.sshConfig } : {}),
          ...(connectTimeout !== undefined ? { connectTimeoutMs: connectTimeout * 1000 } : {}),
        }),
        sink: {
          record: async (host, scan, meta) => {
            await store.recordScan({ name: host.name, group: host.groups }, scan, { source: 'fleet', durationMs: meta.durationMs });
          },
        },
        onEvent: (e) => {
          if (e.type === 'done') io.err(`${printable(e.outcome.host)}: ${e.outcome.status}${e.outcome.error ? ` (${e.outcome.error.kind}: ${printable(e.outcome.error.message)})` : ''}\n`);
        },
        signal: stop.signal,
      });
      io.err(`vigil: worker done: ${done} hosts\n`);
      setExit(0);
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      await store.close().catch(() => undefined);
    }
  });
}

/** The live display: on a terminal, one line per running host redrawn in place; otherwise one plain line per finished host. */
class Progress {
  private readonly running = new Map<string, string>();
  private drawn = 0;
  private lastDraw = 0;
  private finished = 0;
  constructor(
    private readonly io: CliIo,
    private readonly total: number,
  ) {}

  event(e: FleetEvent): void {
    switch (e.type) {
      case 'start':
        this.running.set(e.host, e.attempt > 1 ? `connecting (attempt ${e.attempt})` : 'connecting');
        break;
      case 'retry':
        this.running.set(e.host, `retry in ${(e.delayMs / 1000).toFixed(1)} s: ${e.reason}`);
        break;
      case 'scanning':
        this.running.set(e.host, `scanning 0/${e.total}`);
        break;
      case 'progress': {
        if (!this.io.isTty) return;
        this.running.set(e.host, `scanning ${e.done}/${e.total}`);
        // redrawn at most ten times a second
        const now = Date.now();
        if (now - this.lastDraw < 100) return;
        break;
      }
      case 'done': {
        this.running.delete(e.outcome.host);
        this.finished++;
        const o = e.outcome;
        const what =
          o.status === 'scanned'
            ? `scanned, score ${o.score?.toFixed(1) ?? '-'}, ${o.counts?.fail ?? 0} failing${o.storeError !== undefined ? `; NOT STORED: ${o.storeError}` : ''}`
            : `${o.status === 'skipped' ? 'skipped' : o.error?.kind ?? 'failed'}: ${o.error?.message ?? ''}`;
        this.clear();
        this.io.err(`[${this.finished}/${this.total}] ${printable(o.host)}: ${printable(what)}\n`);
        break;
      }
      case 'breaker':
        this.clear();
        this.io.err(`vigil: ${e.failed} of ${e.total} hosts failed (${e.percentage.toFixed(0)}%): no further host is started\n`);
        break;
    }
    this.draw();
  }

  private clear(): void {
    if (!this.io.isTty || this.drawn === 0) return;
    this.io.err(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (!this.io.isTty) return;
    this.clear();
    this.lastDraw = Date.now();
    const lines = [...this.running].map(([h, s]) => `  ${printable(h)}: ${printable(s)}`.slice(0, 150));
    if (lines.length === 0) return;
    this.io.err(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }

  end(): void {
    this.clear();
  }
}

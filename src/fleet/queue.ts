/**
 * Distributed fleet scans: the hosts of a `vigil fleet scan --queue` are
 * jobs in a PostgreSQL-backed queue (pg-boss 10), taken by `vigil fleet
 * worker` processes on any number of machines, each scanning its hosts with
 * the same fan-out (fleetScan) and recording the scans in the shared store.
 * The coordinator waits for every job, applies the breaker (cancelling the
 * jobs not yet taken), and reports the fleet as a local scan does.
 *
 * A job carries the host's name, groups and connection, never a password:
 * a become password must be an environment variable on the workers
 * (`{{ lookup('env', 'NAME') }}`); a literal one is refused at submission.
 * A worker that dies leaves its job to expire and be retried once by another.
 */
import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import { ContentError } from '../model/errors.js';
import type { BecomeSpec, HostConnection, InventoryHost } from './inventory.js';
import { fleetScan, type FleetEvent, type FleetScanResult, type HostConnector, type HostOutcome, type ScanSink } from './scan.js';

export const FLEET_QUEUE = 'vigil-fleet-scan';

/** What a job asks a worker to do. */
export interface FleetJob {
  readonly run: string;
  readonly host: { readonly name: string; readonly groups: readonly string[]; readonly connectionKind: string; readonly connection: HostConnection };
  readonly content?: string;
  readonly profile?: string;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly retryDelayMs?: number;
}

/** What a worker answers: the host's outcome without the scan document (it is in the store). */
export type JobOutput = Omit<HostOutcome, 'scan'> & { readonly worker: string };

const expireInSeconds = (job: Pick<FleetJob, 'timeoutMs' | 'retries' | 'retryDelayMs'>): number => {
  const per = (job.timeoutMs ?? 30 * 60_000) / 1000;
  return Math.min(24 * 3600, Math.ceil(per * ((job.retries ?? 0) + 1) + ((job.retryDelayMs ?? 1000) / 1000) * 2 ** ((job.retries ?? 0) + 1) + 60));
};

/**
 * pg-boss installs its schema on first start; workers and a coordinator
 * starting together on a new database race for it, and PostgreSQL answers
 * the loser with a deadlock (40P01) or a duplicate (23505, 42P07): the
 * loser starts again once the winner is done.
 */
const RACE = /deadlock detected|duplicate key value|already exists/i;
const START_ATTEMPTS = 6;

async function openBoss(url: string): Promise<PgBoss> {
  for (let attempt = 1; ; attempt++) {
    const boss = new PgBoss({ connectionString: url, max: 4, supervise: false, schedule: false } as PgBoss.ConstructorOptions);
    boss.on('error', () => undefined);
    try {
      await boss.start();
      await boss.createQueue(FLEET_QUEUE).catch((e: unknown) => {
        if (!/already exists/i.test(String((e as Error)?.message))) throw e;
      });
      return boss;
    } catch (e) {
      await boss.stop({ graceful: false }).catch(() => undefined);
      const message = (e as Error).message;
      if (attempt < START_ATTEMPTS && RACE.test(message)) {
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.floor(Math.random() * 100)));
        continue;
      }
      throw new ContentError('io', `cannot open the job queue: ${message}`);
    }
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

function jobHost(h: InventoryHost): FleetJob['host'] {
  const c = h.connection;
  let become: BecomeSpec | undefined;
  if (c.become) {
    if (c.become.password !== undefined && c.become.passwordEnv === undefined) {
      throw new ContentError('invalid-value', `host ${h.name}: a literal become password cannot be put in the job queue; write it as "{{ lookup('env', 'NAME') }}" and set NAME on the workers`);
    }
    become = { method: c.become.method, ...(c.become.passwordEnv !== undefined ? { passwordEnv: c.become.passwordEnv } : {}) };
  }
  const connection: HostConnection = { address: c.address, ...(c.port !== undefined ? { port: c.port } : {}), ...(c.user !== undefined ? { user: c.user } : {}), ...(c.privateKeyFile !== undefined ? { privateKeyFile: c.privateKeyFile } : {}), ...(become ? { become } : {}) };
  return { name: h.name, groups: h.groups, connectionKind: String(h.vars['ansible_connection'] ?? 'ssh'), connection };
}

export interface QueuedScanOptions {
  readonly url: string;
  readonly hosts: readonly InventoryHost[];
  readonly content?: string;
  readonly profile?: string;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly retryDelayMs?: number;
  readonly maxFailPercentage?: number;
  readonly onEvent?: (e: FleetEvent) => void;
  readonly signal?: AbortSignal;
  /** How often the coordinator looks at its jobs. Default 500 ms. */
  readonly pollMs?: number;
}

/** Submits one job per host, waits for all of them, and returns the fleet's outcomes (scans are in the store). */
export async function queuedFleetScan(opts: QueuedScanOptions): Promise<FleetScanResult & { readonly workers: readonly string[] }> {
  const jobs = opts.hosts.map((h) => ({ host: h, data: jobHost(h) }));
  const boss = await openBoss(opts.url);
  const start = new Date();
  const run = randomUUID();
  const outcomes = new Map<string, HostOutcome>();
  const workers = new Set<string>();
  let breaker: FleetScanResult['breaker'];
  try {
    const ids = new Map<string, string>();
    for (const { host, data } of jobs) {
      const job: FleetJob = {
        run,
        host: data,
        ...(opts.content !== undefined ? { content: opts.content } : {}),
        ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
        ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
      };
      const id = await boss.send(FLEET_QUEUE, job, { retryLimit: 1, expireInSeconds: expireInSeconds(job) });
      if (id === null) throw new ContentError('io', `the job queue refused the job for ${host.name}`);
      ids.set(host.name, id);
    }
    const pending = new Set(ids.keys());
    const total = jobs.length;
    let failed = 0;
    while (pending.size > 0) {
      if (opts.signal?.aborted) break;
      for (const name of [...pending]) {
        // the breaker may have cancelled it in this very pass
        if (!pending.has(name)) continue;
        const j = await boss.getJobById<FleetJob>(FLEET_QUEUE, ids.get(name)!);
        if (!j) continue;
        const host = jobs.find((x) => x.host.name === name)!.host;
        const output = (j as unknown as { output?: unknown }).output as Partial<JobOutput> | null | undefined;
        let outcome: HostOutcome | undefined;
        if (j.state === 'completed' && output && typeof output === 'object' && output.status !== undefined) {
          const { worker, ...rest } = output as JobOutput;
          workers.add(worker);
          outcome = rest;
        } else if (j.state === 'failed' || j.state === 'cancelled') {
          const msg = output && typeof output === 'object' && 'message' in output ? String((output as { message: unknown }).message) : `the job ${j.state}`;
          outcome = { host: name, address: host.connection.address, groups: host.groups, status: 'failed', attempts: 1, durationMs: 0, error: { kind: 'scan-error', message: `worker: ${msg}` } };
        } else if (j.state === 'active' && !outcomes.has(name)) {
          continue;
        }
        if (!outcome) continue;
        pending.delete(name);
        outcomes.set(name, outcome);
        if (outcome.status === 'failed') failed++;
        opts.onEvent?.({ type: 'done', outcome });
        if (!breaker && opts.maxFailPercentage !== undefined && (failed / total) * 100 > opts.maxFailPercentage) {
          breaker = { failed, total, maxFailPercentage: opts.maxFailPercentage };
          opts.onEvent?.({ type: 'breaker', failed, total, percentage: (failed / total) * 100 });
          // the jobs no worker took yet are cancelled; those running finish
          for (const n of [...pending]) {
            const pj = await boss.getJobById(FLEET_QUEUE, ids.get(n)!);
            if (pj && (pj.state === 'created' || pj.state === 'retry')) {
              await boss.cancel(FLEET_QUEUE, ids.get(n)!);
              // reported as never started (below), like the hosts a local scan does not start
              pending.delete(n);
            }
          }
        }
      }
      if (pending.size > 0) await sleep(opts.pollMs ?? 500, opts.signal);
    }
    if (opts.signal?.aborted) await boss.cancel(FLEET_QUEUE, [...pending].map((n) => ids.get(n)!)).catch(() => undefined);
  } finally {
    await boss.stop({ graceful: false, close: true } as PgBoss.StopOptions).catch(() => undefined);
  }
  const result: HostOutcome[] = opts.hosts.map(
    (h) =>
      outcomes.get(h.name) ?? {
        host: h.name,
        address: h.connection.address,
        groups: h.groups,
        status: 'skipped',
        attempts: 0,
        durationMs: 0,
        error: { kind: 'cancelled', message: breaker ? `not started: more than ${breaker.maxFailPercentage}% of the hosts failed (${breaker.failed} of ${breaker.total})` : 'not started: the fleet scan was cancelled' },
      },
  );
  return { outcomes: result, startTime: start.toISOString(), endTime: new Date().toISOString(), forks: 0, workers: [...workers].sort(), ...(breaker ? { breaker } : {}) };
}

export interface WorkerOptions {
  readonly url: string;
  readonly connect: HostConnector;
  readonly sink: ScanSink;
  /** Jobs taken at once. Default 10. */
  readonly forks?: number;
  readonly contentDir?: string;
  /** This worker's name in the outputs. Default: a random id. */
  readonly name?: string;
  /** Stop when the queue is empty instead of waiting for more. */
  readonly drain?: boolean;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: FleetEvent) => void;
}

/** Takes jobs from the queue and scans their hosts until `signal` aborts (or, with `drain`, the queue is empty). Returns the number of jobs done. */
export async function runFleetWorker(opts: WorkerOptions): Promise<number> {
  const boss = await openBoss(opts.url);
  const name = opts.name ?? `worker-${randomUUID().slice(0, 8)}`;
  let done = 0;
  const loop = async (): Promise<void> => {
    while (!opts.signal?.aborted) {
      const [job] = await boss.fetch<FleetJob>(FLEET_QUEUE, { batchSize: 1 });
      if (!job) {
        if (opts.drain) return;
        await sleep(opts.pollMs ?? 500, opts.signal);
        continue;
      }
      try {
        const d = job.data;
        const host: InventoryHost = { name: d.host.name, groups: d.host.groups, vars: { ansible_connection: d.host.connectionKind }, connection: d.host.connection };
        const r = await fleetScan({
          hosts: [host],
          connect: opts.connect,
          sink: opts.sink,
          forks: 1,
          ...(opts.contentDir !== undefined ? { contentDir: opts.contentDir } : {}),
          ...(d.content !== undefined ? { content: d.content } : {}),
          ...(d.profile !== undefined ? { profile: d.profile } : {}),
          ...(d.timeoutMs !== undefined ? { timeoutMs: d.timeoutMs } : {}),
          ...(d.retries !== undefined ? { retries: d.retries } : {}),
          ...(d.retryDelayMs !== undefined ? { retryDelayMs: d.retryDelayMs } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
        });
        const { scan: _scan, ...outcome } = r.outcomes[0]!;
        await boss.complete(FLEET_QUEUE, job.id, { ...outcome, worker: name } satisfies JobOutput);
        done++;
      } catch (e) {
        await boss.fail(FLEET_QUEUE, job.id, { message: e instanceof Error ? e.message : String(e) }).catch(() => undefined);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, opts.forks ?? 10) }, loop));
  } finally {
    await boss.stop({ graceful: false, close: true } as PgBoss.StopOptions).catch(() => undefined);
  }
  return done;
}

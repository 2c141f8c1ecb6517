/**
 * The client side of the helper's protocol (helper.py): length-prefixed
 * JSON requests, pipelined over one channel, answered by id with a JSON
 * header and a binary payload. Requests are written as soon as they are
 * made, so every request a scan has in flight shares one round trip; a
 * round trip is counted each time a request leaves while none was waiting.
 */
import type { Readable, Writable } from 'node:stream';
import { TargetError } from '../target.js';

export interface SshStats {
  /** Requests answered (or abandoned). */
  readonly requests: number;
  /** Times the client sent a request while no answer was awaited: waits on the network. */
  readonly roundTrips: number;
  /** Bytes read from and written to the channel (after the helper's bootstrap). */
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** One answer: the helper's result and payload. */
export interface Reply {
  readonly r: unknown;
  readonly payload: Buffer;
}

/** The transport every SSH target operation goes through: the Python helper, or the shell fallback. */
export interface Transport {
  call(op: string, args: Record<string, unknown>, path: string, signal?: AbortSignal): Promise<Reply>;
  stats(): SshStats;
  close(): void;
}

interface Pending {
  readonly path: string;
  resolve(r: Reply): void;
  reject(e: Error): void;
}

/** Frames requests onto `out` and answers from `input` (a helper already past its hello). */
export class HelperTransport implements Transport {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buf: Buffer = Buffer.alloc(0);
  private closedWith: Error | undefined;
  private requests = 0;
  private roundTrips = 0;
  private bytesIn = 0;
  private bytesOut = 0;

  constructor(
    input: Readable,
    private readonly out: Writable,
    leftover: Buffer,
  ) {
    input.on('data', (d: Buffer) => this.onData(d));
    input.on('close', () => this.fail(new TargetError('EIO', '/', 'the SSH helper went away')));
    input.on('error', (e: Error) => this.fail(new TargetError('EIO', '/', `the SSH channel failed: ${e.message}`)));
    if (leftover.length > 0) this.onData(leftover);
  }

  stats(): SshStats {
    return { requests: this.requests, roundTrips: this.roundTrips, bytesIn: this.bytesIn, bytesOut: this.bytesOut };
  }

  private onData(d: Buffer): void {
    this.bytesIn += d.length;
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    while (this.buf.length >= 4) {
      const n = this.buf.readUInt32BE(0);
      if (this.buf.length < 4 + n) return;
      const frame = this.buf.subarray(4, 4 + n);
      this.buf = this.buf.subarray(4 + n);
      const id = frame.readUInt32BE(0);
      const hl = frame.readUInt32BE(4);
      const header = JSON.parse(frame.subarray(8, 8 + hl).toString('utf8')) as Record<string, unknown>;
      const payload = Buffer.from(frame.subarray(8 + hl));
      const p = this.pending.get(id);
      if (!p) continue; // abandoned
      this.pending.delete(id);
      this.requests++;
      if (typeof header['e'] === 'string') p.reject(new TargetError(header['e'], p.path, typeof header['m'] === 'string' && header['m'] !== '' ? `${header['m']}: ${p.path}` : undefined));
      else p.resolve({ r: header['r'], payload });
    }
  }

  private fail(e: Error): void {
    this.closedWith ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  call(op: string, args: Record<string, unknown>, path: string, signal?: AbortSignal): Promise<Reply> {
    return this.send(op, args, path, signal);
  }

  private send(op: string, args: Record<string, unknown>, path: string, signal?: AbortSignal): Promise<Reply> {
    if (signal?.aborted) return Promise.reject(new TargetError('ECANCELED', path, `abandoned: ${path}`));
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    const body = Buffer.from(JSON.stringify({ ...args, i: id, o: op }), 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length, 0);
    if (this.pending.size === 0) this.roundTrips++;
    return new Promise<Reply>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.pending.delete(id)) {
          this.requests++;
          reject(new TargetError('ECANCELED', path, `abandoned: ${path}`));
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = <T>(fn: (x: T) => void) => (x: T): void => {
        signal?.removeEventListener('abort', onAbort);
        fn(x);
      };
      this.pending.set(id, { path, resolve: done(resolve), reject: done(reject) });
      this.bytesOut += 4 + body.length;
      this.out.write(Buffer.concat([head, body]));
    });
  }

  close(): void {
    this.fail(new TargetError('EIO', '/', 'the SSH target is closed'));
    this.out.end();
  }
}

/**
 * Polling of kernel-made files (/proc, /sys), which inotify never reports:
 * each is read (at most 64 KiB) and its hash compared with the last one. A
 * file whose content differs between two reads in a row (a counter, a
 * random uuid, a process's own state) is *volatile*: comparing it would
 * report it every time, so it is reported on the slow schedule instead,
 * without comparing. Other processes' files (/proc/PID/…) and the process
 * table (the listing of /proc) are volatile from the start and never read
 * here.
 */
import { createHash } from 'node:crypto';
import { open, readdir } from 'node:fs/promises';
import type { InputRead } from '../../target/reads.js';

export const KERNEL_READ_LIMIT = 64 * 1024;

/** /proc/PID and what is below it. */
const PER_PROCESS = /^\/proc\/(\d+)(?:\/|$)/;

/**
 * A file of another process than this one (/proc/PID/…): there are many
 * and they change all the time. This process's own (/proc/self/…, its
 * mount table, its environment) are few and mostly stable: compared.
 */
export function perProcess(target: string): boolean {
  const m = PER_PROCESS.exec(target);
  return m !== null && Number(m[1]) !== process.pid;
}

export interface KernelWatch {
  readonly target: string;
  readonly host: string;
  /** A directory whose listing (the names) is compared, rather than a file's content. */
  readonly listing: boolean;
  /** Inputs reported with the path when it changes. */
  readonly tags: readonly InputRead[];
  /** Compared even though it is a per-process file (this process's mount table). */
  readonly compare?: boolean;
}

interface Entry {
  watch: KernelWatch;
  hash: string;
  volatile: boolean;
  /** Polls in a row that saw a change. */
  streak: number;
}

async function readBounded(host: string): Promise<Buffer> {
  const fh = await open(host, 'r');
  try {
    const buf = Buffer.alloc(KERNEL_READ_LIMIT);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}

/** The hash of a kernel file's content or a directory's names; `-` when absent, `E:CODE` when unreadable. */
export async function kernelHash(host: string, listing: boolean): Promise<string> {
  try {
    const h = createHash('sha1');
    if (listing) h.update((await readdir(host)).sort().join('\0'));
    else h.update(await readBounded(host));
    return h.digest('base64');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? '-' : `E:${code ?? 'unknown'}`;
  }
}

/** Changes in a row after which a file is taken as volatile. */
const VOLATILE_STREAK = 3;

export class KernelPoller {
  private entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  /** Replaces the polled set; what was polled before keeps its last hash. */
  async set(watches: Iterable<KernelWatch>): Promise<void> {
    const next = new Map<string, Entry>();
    for (const w of watches) {
      const old = this.entries.get(w.target) ?? next.get(w.target);
      if (old) {
        next.set(w.target, { ...old, watch: w });
        continue;
      }
      // the listing of /proc is the process table: as volatile as a process's own files
      if ((perProcess(w.target) || (w.listing && w.target === '/proc')) && w.compare !== true) {
        next.set(w.target, { watch: w, hash: '', volatile: true, streak: 0 });
        continue;
      }
      const a = await kernelHash(w.host, w.listing);
      const b = await kernelHash(w.host, w.listing);
      next.set(w.target, { watch: w, hash: b, volatile: a !== b, streak: 0 });
    }
    this.entries = next;
  }

  /** Reads every stable entry; returns those that changed since the last poll. */
  async poll(): Promise<KernelWatch[]> {
    const changed: KernelWatch[] = [];
    for (const e of [...this.entries.values()]) {
      if (e.volatile) continue;
      const h = await kernelHash(e.watch.host, e.watch.listing);
      if (h === e.hash) {
        e.streak = 0;
        continue;
      }
      e.hash = h;
      e.streak++;
      if (e.streak >= VOLATILE_STREAK) e.volatile = true;
      changed.push(e.watch);
    }
    return changed;
  }

  /** The volatile entries, reported on the slow schedule. */
  volatile(): KernelWatch[] {
    return [...this.entries.values()].filter((e) => e.volatile).map((e) => e.watch);
  }

  clear(): void {
    this.entries.clear();
  }
}

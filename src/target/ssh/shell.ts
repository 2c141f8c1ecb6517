/**
 * The fallback transport where the target has no python3: every request is
 * one POSIX sh script on its own channel of the same SSH connection, using
 * coreutils and findutils (`stat`, `head`, `find -printf`, `readlink`,
 * `uname`, `ip`). Slower (a round trip and a process or two per request)
 * but correct for stat/lstat, whole and partial reads, listings with
 * lstat, links, realpath, statfs, describe and exec. It cannot read
 * extended attributes (ENOSYS) nor name its process (no `processes`); a program that exits 127 or 126 by
 * itself is taken for "not found" or "not executable".
 */
import type { Client, ClientChannel } from 'ssh2';
import { TargetError } from '../target.js';
import { SshConnectError } from './errors.js';
import type { Reply, SshStats, Transport } from './protocol.js';

export interface ShellOptions {
  readonly become?: { readonly method: 'sudo'; readonly passwordEnv?: string };
  readonly password: string | undefined;
  readonly timeoutMs: number;
  readonly name: string;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The errno a coreutils message names (LC_ALL=C), or one the script printed as `E:CODE`. */
function errnoOf(stderr: string): string {
  const m = /E:([A-Z]+)/.exec(stderr);
  if (m) return m[1]!;
  const table: Array<[RegExp, string]> = [
    [/No such file or directory/, 'ENOENT'],
    [/Not a directory/, 'ENOTDIR'],
    [/Permission denied/, 'EACCES'],
    [/Too many levels of symbolic links/, 'ELOOP'],
    [/Is a directory/, 'EISDIR'],
    [/File name too long/, 'ENAMETOOLONG'],
    [/Invalid argument/, 'EINVAL'],
  ];
  for (const [re, code] of table) if (re.test(stderr)) return code;
  return 'EIO';
}

const TYPE_BITS: Readonly<Record<string, number>> = { f: 0o100000, d: 0o040000, l: 0o120000, p: 0o010000, s: 0o140000, b: 0o060000, c: 0o020000 };
const TYPE_OF_HEX = (mode: number): string => ({ 0o100000: 'f', 0o040000: 'd', 0o120000: 'l', 0o010000: 'p', 0o140000: 's', 0o060000: 'b', 0o020000: 'c' })[mode & 0o170000] ?? '?';

// stat(1) format of the helper's stat array: mode uid gid size dev ino nlink atime mtime ctime
const STAT_FMT = '%f %u %g %s %d %i %h %.6X %.6Y %.6Z';
/** Seconds with a fraction (as stat and find print them) in milliseconds to the microsecond, computed as the helper does (µs / 1000). */
const ms = (x: string): number => {
  const [sec, frac = ''] = x.split('.');
  return Number(`${sec}${frac.padEnd(6, '0').slice(0, 6)}`) / 1000;
};
const rawStat = (line: string): unknown[] => {
  const f = line.trim().split(' ');
  return [parseInt(f[0]!, 16), ...f.slice(1, 7).map(Number), ...f.slice(7, 10).map(ms)];
};

/** Fails with the errno of the path's stat when it is not a directory (or cannot be reached). */
const MUST_BE_DIR = `m=$(stat -L -c %f -- "$1") || exit 2; [ $((0x$m & 61440)) -eq 16384 ] || { echo E:ENOTDIR >&2; exit 2; }`;

const MAX_CHANNELS = 8;

export class ShellTransport implements Transport {
  private requests = 0;
  private roundTrips = 0;
  private inFlight = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private closed = false;

  private constructor(
    private readonly client: Client,
    private readonly opts: ShellOptions,
  ) {}

  /** Checks that the tools are there (and that sudo works, when asked). */
  static async open(client: Client, opts: ShellOptions): Promise<ShellTransport> {
    const t = new ShellTransport(client, opts);
    let r: { code: number | null; out: Buffer; err: string };
    try {
      r = await t.run(`command -v stat >/dev/null && command -v find >/dev/null && command -v head >/dev/null && command -v readlink >/dev/null && find / -maxdepth 0 -printf '' && echo vigil-shell-ok`, [], opts.timeoutMs);
    } catch (e) {
      throw new SshConnectError('timeout', `${opts.name}: the remote shell did not answer: ${(e as Error).message}`);
    }
    if (!r.out.toString().includes('vigil-shell-ok')) {
      if (opts.become && /sudo|password|sorry|sudoers/i.test(r.err)) throw new SshConnectError('become-failed', `${opts.name}: sudo refused: ${r.err.trim().split('\n')[0]}`);
      throw new SshConnectError('no-interpreter', `${opts.name}: neither python3 nor the POSIX tools Vigil needs (stat, find -printf, head, readlink): ${r.err.trim().slice(0, 200)}`);
    }
    return t;
  }

  stats(): SshStats {
    return { requests: this.requests, roundTrips: this.roundTrips, bytesIn: this.bytesIn, bytesOut: this.bytesOut };
  }

  close(): void {
    this.closed = true;
  }

  private active = 0;
  private readonly queue: Array<() => void> = [];

  /** At most MAX_CHANNELS channels at once: sshd refuses more than MaxSessions (10 by default) per connection. */
  private async run(script: string, args: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<{ code: number | null; out: Buffer; err: string; timedOut?: boolean }> {
    if (this.active >= MAX_CHANNELS) await new Promise<void>((res) => this.queue.push(res));
    this.active++;
    try {
      return await this.runNow(script, args, timeoutMs, signal);
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }

  /** Runs `script` with positional arguments `args` (through sudo when asked), collecting its output. */
  private runNow(script: string, args: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<{ code: number | null; out: Buffer; err: string; timedOut?: boolean }> {
    let cmd = `sh -c ${q(`LC_ALL=C; export LC_ALL; ${script}`)} vigil ${args.map(q).join(' ')}`;
    if (this.opts.become) cmd = this.opts.password !== undefined ? `sudo -S -p '' -- ${cmd}` : `sudo -n -- ${cmd}`;
    if (this.inFlight++ === 0) this.roundTrips++;
    this.bytesOut += cmd.length;
    return new Promise((resolve, reject) => {
      this.client.exec(cmd, (e, ch: ClientChannel) => {
        if (e) {
          this.inFlight--;
          return reject(new TargetError('EIO', '/', `cannot open an SSH channel: ${e.message}`));
        }
        if (this.opts.password !== undefined) ch.write(`${this.opts.password}\n`);
        ch.end();
        const out: Buffer[] = [];
        let err = '';
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          ch.close();
        }, timeoutMs);
        const onAbort = (): void => ch.close();
        signal?.addEventListener('abort', onAbort, { once: true });
        ch.on('data', (d: Buffer) => {
          this.bytesIn += d.length;
          out.push(d);
        });
        ch.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
        ch.on('close', (code: number | null) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.inFlight--;
          this.requests++;
          resolve({ code: typeof code === 'number' ? code : null, out: Buffer.concat(out), err, ...(timedOut ? { timedOut } : {}) });
        });
      });
    });
  }

  private async script(script: string, args: readonly string[], path: string, signal?: AbortSignal): Promise<Buffer> {
    if (this.closed) throw new TargetError('EIO', path, 'the SSH target is closed');
    const r = await this.run(script, args, 120_000, signal);
    if (signal?.aborted) throw new TargetError('ECANCELED', path, `abandoned: ${path}`);
    if (r.code !== 0) throw new TargetError(errnoOf(r.err), path, `${r.err.trim().split('\n').pop() ?? ''}: ${path}`);
    return r.out;
  }

  async call(op: string, a: Record<string, unknown>, path: string, signal?: AbortSignal): Promise<Reply> {
    if (signal?.aborted) throw new TargetError('ECANCELED', path, `abandoned: ${path}`);
    const p = typeof a['p'] === 'string' ? a['p'] : path;
    const text = async (script: string, args: readonly string[] = [p]): Promise<string> => (await this.script(script, args, path, signal)).toString('utf8');
    switch (op) {
      case 'lstat':
        return { r: rawStat(await text(`exec stat -c '${STAT_FMT}' -- "$1"`)), payload: Buffer.alloc(0) };
      case 'stat':
        return { r: rawStat(await text(`exec stat -L -c '${STAT_FMT}' -- "$1"`)), payload: Buffer.alloc(0) };
      case 'read': {
        const max = a['max'] as number;
        const special = a['special'] === true;
        const out = await this.script(
          `m=$(stat -L -c %f -- "$1") || exit 2; t=$((0x$m & 61440)); [ $t -eq 16384 ] && { echo E:EISDIR >&2; exit 2; }; [ $t -eq 32768 ] || [ "$3" = 1 ] || { echo "E:EINVAL not a regular file" >&2; exit 2; }; exec head -c "$2" -- "$1"`,
          [p, String(max + 1), special ? '1' : '0'],
          path,
          signal,
        );
        if (out.length > max) throw new TargetError('EFBIG', path, `${path} is larger than ${max} bytes: not read`);
        return { r: null, payload: out };
      }
      case 'range': {
        const off = a['off'] as number;
        const n = a['n'] as number;
        const out = await this.script(
          `m=$(stat -L -c %f -- "$1") || exit 2; t=$((0x$m & 61440)); [ $t -eq 16384 ] && { echo E:EISDIR >&2; exit 2; }; [ $t -eq 32768 ] || { echo "E:EINVAL not a regular file" >&2; exit 2; }; tail -c +$(($2 + 1)) -- "$1" | head -c "$3"`,
          [p, String(off), String(n)],
          path,
          signal,
        );
        return { r: null, payload: out };
      }
      case 'readdir': {
        const examine = a['x'] as string;
        const fmt = examine === 'none' ? '%y %P\\0' : '%y %m %U %G %s %D %i %n %A@ %T@ %C@ %P\\0';
        const out = await text(`${MUST_BE_DIR}; exec find "$1" -mindepth 1 -maxdepth 1 -printf '${fmt}'`);
        const entries = out
          .split('\0')
          .filter((x) => x !== '')
          .map((rec) => {
            if (examine === 'none') return [rec.slice(2), rec[0]];
            const f = rec.split(' ');
            const name = f.slice(11).join(' ');
            const mode = (TYPE_BITS[f[0]!] ?? 0) | parseInt(f[1]!, 8);
            const times = f.slice(8, 11).map(ms);
            return [name, TYPE_OF_HEX(mode), [mode, ...f.slice(2, 8).map(Number), ...times]];
          });
        return { r: entries, payload: Buffer.alloc(0) };
      }
      case 'readlink': {
        const out = await text(`readlink -- "$1" && exit 0; stat -c %f -- "$1" >/dev/null || exit 2; echo E:EINVAL >&2; exit 2`);
        return { r: out.replace(/\n$/, ''), payload: Buffer.alloc(0) };
      }
      case 'realpath': {
        const out = await text(`readlink -e -- "$1" && exit 0; stat -L -c %f -- "$1" >/dev/null || exit 2; exit 2`);
        return { r: out.replace(/\n$/, ''), payload: Buffer.alloc(0) };
      }
      case 'statfs': {
        const f = (await text(`exec stat -f -L -c '%t %S %b %f %a %c %d' -- "$1"`)).trim().split(' ');
        return { r: [parseInt(f[0]!, 16), ...f.slice(1).map(Number)], payload: Buffer.alloc(0) };
      }
      case 'describe': {
        const out = (await text(`uname -s; uname -n; uname -r; uname -v; uname -m; echo ---; ip -o addr show 2>/dev/null; echo ---; for d in /sys/class/net/*; do printf '%s %s\\n' "\${d##*/}" "$(cat "$d/address" 2>/dev/null)"; done`, [])).split('---\n');
        const [sysname, nodename, release, version, machine] = out[0]!.split('\n');
        const macs = new Map((out[2] ?? '').split('\n').map((l) => l.split(' ') as [string, string]));
        const ifs = (out[1] ?? '')
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((f) => f.length >= 4 && (f[2] === 'inet' || f[2] === 'inet6'))
          .map((f) => {
            const name = f[1]!.split('@')[0]!;
            const mac = macs.get(name);
            return [name, f[3]!.split('/')[0], f[2] === 'inet' ? 'IPv4' : 'IPv6', mac && mac !== '00:00:00:00:00:00' ? mac : null];
          });
        return { r: { uname: [sysname, nodename, release, version, machine], ifs }, payload: Buffer.alloc(0) };
      }
      case 'exec': {
        const file = a['f'] as string;
        const args = a['a'] as string[];
        const t = a['t'] as number;
        const r = await this.run(`exec "$@"`, [file, ...args], t, signal);
        if (signal?.aborted) throw new TargetError('ECANCELED', file, `abandoned: ${file}`);
        if (r.timedOut) throw new TargetError('ETIMEDOUT', file, `${file} did not finish within ${t} ms`);
        if (r.code === 127) throw new TargetError('ENOENT', file, `cannot run ${file}: ${r.err.trim()}`);
        if (r.code === 126) throw new TargetError('EACCES', file, `cannot run ${file}: ${r.err.trim()}`);
        if (r.code === null) throw new TargetError('EIO', file, `${file} died of a signal`);
        return { r: { out: r.out.toString('utf8'), err: r.err, code: r.code }, payload: Buffer.alloc(0) };
      }
      case 'listxattr':
      case 'getxattr':
        throw new TargetError('ENOSYS', path, `extended attributes cannot be read without python3 on the target: ${path}`);
      default:
        throw new TargetError('ENOSYS', path, `${op} is not available without python3 on the target`);
    }
  }
}

/**
 * unix:process58_object: the process table, one item per process whose
 * command line and pid match, built as OpenSCAP's process58_probe.c (Linux)
 * builds it, from /proc read through the Target:
 *
 * - /proc/<pid>/stat: the command name, state, ppid, session, tty, times,
 *   priority, start time and scheduling policy. pid 2 (kthreadd) and its
 *   children (kernel threads) are skipped.
 * - command_line: /proc/<pid>/cmdline with the NULs between arguments as
 *   spaces and unprintable bytes as '.' (as ps); the command name when it is
 *   empty; "[name] <defunct>" for a zombie.
 * - exec_time: user + system time as [D-]HH:MM:SS; start_time: HH:MM:SS when
 *   the process started today, else Mon_DD (local time, from the boot time
 *   in /proc/stat). The clock tick is 100 Hz, as on every Linux.
 * - tty: the controlling terminal's name without /dev/ ("?" for none),
 *   found as procps does: /proc/tty/drivers, /proc/<pid>/fd/2, the usual
 *   names for the device number, /proc/<pid>/fd/255. A Target's stat has no
 *   device number, so a candidate node is accepted when it is a character
 *   device whose name is the kernel's name for that number
 *   (/sys/dev/char/<major>:<minor>, or /dev/pts/<n>).
 * - ruid and user_id (the effective uid) from /proc/<pid>/status, -1 when
 *   unreadable; loginuid from /proc/<pid>/loginuid (4294967295 when unset or
 *   unreadable); session_id; priority.
 * - exec_shield: true when the last anonymous read-write mapping in
 *   /proc/<pid>/maps is not executable at a non-zero offset (false when the
 *   maps cannot be read), as OpenSCAP computes it.
 * - posix_capability: the effective capabilities (CapEff in
 *   /proc/<pid>/status) that OVAL 5.11 names, in kernel order.
 * - selinux_domain_label: the type of the process context, only when SELinux
 *   is enabled.
 * - scheduling_class: TS, B, #5, FF, RR or "?" from the policy in
 *   /proc/<pid>/stat, which unlike sched_getscheduler() does not show
 *   SCHED_RESET_ON_FORK (OpenSCAP says "?" for such a process): where the
 *   target runs programs, the kept processes' policies are asked for once
 *   (markResetOnFork).
 *
 * Capabilities are named as for OVAL 5.11 content (probes do not see the
 * document's schema version; 5.8 to 5.10 content would name fewer).
 *
 * Needs the process table; offline it is "not collected".
 */
import { isNotFound, TargetError, type Target } from '../../../target/target.js';
import type { OvalDatatype } from '../../../model/oval/types.js';
import type { ItemData, ItemEntity, Probe, ProbeResult } from '../../types.js';
import { failureMessage } from '../absence.js';
import { entityMatches, field } from '../entity.js';
import { readProcessContext, selinuxfsMount } from '../linux/selinux.js';

const TICKS = 100; // sysconf(_SC_CLK_TCK): USER_HZ, 100 on every Linux architecture

/** Kernel capability numbers 0..37 by name; OVAL 5.11 names no later ones (CAP_PERFMON, CAP_BPF, ...). */
const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
] as const;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number): string => String(n).padStart(2, '0');

// ------------------------------------------------------------ formatting

/** convert_time(): seconds as D-HH:MM:SS, or HH:MM:SS under a day. */
export function formatExecTime(seconds: number): string {
  const s = seconds % 60;
  const m = Math.floor(seconds / 60) % 60;
  const h = Math.floor(seconds / 3600) % 24;
  const d = Math.floor(seconds / 86400);
  return d ? `${d}-${pad2(h)}:${pad2(m)}:${pad2(s)}` : `${pad2(h)}:${pad2(m)}:${pad2(s)}`;
}

function dayOfYear(d: Date): number {
  return Math.round((new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() - new Date(d.getFullYear(), 0, 1).getTime()) / 86_400_000);
}

/** strftime "%H:%M:%S" for a start today, else "%b_%d" (local time). */
export function formatStartTime(start: Date, now: Date): string {
  if (dayOfYear(start) !== dayOfYear(now) || start.getFullYear() !== now.getFullYear()) return `${MONTHS[start.getMonth()]}_${pad2(start.getDate())}`;
  return `${pad2(start.getHours())}:${pad2(start.getMinutes())}:${pad2(start.getSeconds())}`;
}

/** get_process_cmdline(): NULs and newlines become spaces, unprintable bytes '.'; undefined when empty. */
export function formatCmdline(raw: Buffer): string | undefined {
  if (raw.length === 0) return undefined;
  let i = raw.length - 1;
  while (i > 0 && raw[i] === 0) i--;
  let out = '';
  for (let j = 0; j <= i; j++) {
    const c = raw[j]!;
    if (c === 0 || c === 0x0a) out += ' ';
    else if (c < 0x20 || c >= 0x7f) out += '.';
    else out += String.fromCharCode(c);
  }
  return out;
}

/**
 * get_exec_shield_status(): the last line of /proc/<pid>/maps that
 * sscanf("%lx-%lx rw%s %llx %x:%x %lu %c") reads exactly seven fields from
 * (a read-write mapping without a path) decides: 0 when it is executable at
 * a non-zero offset, else 1; -1 without such a line. fgets() reads at most
 * 499 characters at a time.
 */
export function execShieldStatus(maps: string): -1 | 0 | 1 {
  let ret: -1 | 0 | 1 = -1;
  const re = /^\s*[0-9a-fA-F]+-\s*[0-9a-fA-F]+\s*rw\s*(\S+)\s*([0-9a-fA-F]+)\s*[0-9a-fA-F]+:\s*[0-9a-fA-F]+\s*[+-]?\d+\s*$/;
  for (const line of maps.split(/(?<=\n)/)) {
    for (let k = 0; k < line.length; k += 499) {
      const m = re.exec(line.slice(k, k + 499));
      if (!m) continue;
      ret = m[1]![0] === 'x' && BigInt(`0x${m[2]!}`) !== 0n ? 0 : 1;
    }
  }
  return ret;
}

/** The effective capabilities OVAL names (for 5.11 content), in kernel order. */
export function capabilityNames(capEffHex: string): string[] {
  let mask: bigint;
  try {
    mask = BigInt(`0x${capEffHex.trim()}`);
  } catch {
    return [];
  }
  return CAPABILITIES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

// -------------------------------------------------------------------- tty

interface TtyDriver {
  readonly name: string;
  readonly devfs: boolean;
  readonly major: number;
  readonly minorFirst: number;
  readonly minorLast: number;
}

/** load_drivers(): the second column of /proc/tty/drivers, last line first. */
export function parseTtyDrivers(text: string): TtyDriver[] {
  const out: TtyDriver[] = [];
  let p = 0;
  for (;;) {
    const at = text.indexOf(' /dev/', p);
    if (at === -1) break;
    p = at + 6;
    const end = text.indexOf(' ', p);
    if (end === -1) continue;
    let name = text.slice(p, end);
    let devfs = false;
    if (name.length >= 3 && name.endsWith('%d')) {
      name = name.slice(0, -2);
      devfs = true;
    }
    name = name.slice(0, 15);
    p = end;
    while (text[p] === ' ') p++;
    const majorDigits = /^\d*/.exec(text.slice(p))![0];
    const major = Number.parseInt(majorDigits, 10) || 0;
    p += majorDigits.length;
    while (text[p] === ' ') p++;
    const m = /^(\d+)(?:-(\d+))?/.exec(text.slice(p));
    if (!m) continue;
    out.unshift({ name, devfs, major: major & 0xffff, minorFirst: Number(m[1]), minorLast: m[2] === undefined ? Number(m[1]) : Number(m[2]) });
  }
  return out;
}

const LOW_DENSITY = (
  'LU0 LU1 LU2 LU3 FB0 SA0 SA1 SA2 SC0 SC1 SC2 SC3 FW0 FW1 FW2 FW3 AM0 AM1 AM2 AM3 AM4 AM5 AM6 AM7 AM8 AM9 AM10 AM11 AM12 AM13 AM14 AM15 ' +
  'DB0 DB1 DB2 DB3 DB4 DB5 DB6 DB7 SG0 SMX0 SMX1 SMX2 MM0 MM1 CPM0 CPM1 CPM2 CPM3 ' +
  Array.from({ length: 32 }, (_, i) => `IOC${i}`).join(' ') +
  ' VR0 VR1 ' +
  Array.from({ length: 32 }, (_, i) => `IOC${84 + i}`).join(' ') +
  ' ' +
  Array.from({ length: 32 }, (_, i) => `SIOC${i}`).join(' ') +
  ' PSC0 PSC1 PSC2 PSC3 PSC4 PSC5 ' +
  Array.from({ length: 16 }, (_, i) => `AT${i}`).join(' ') +
  ' ' +
  Array.from({ length: 16 }, (_, i) => `NX${i}`).join(' ') +
  ' J0 UL0 UL1 UL2 UL3 xvc0 PZ0 PZ1 PZ2 PZ3 TX0 TX1 TX2 TX3 TX4 TX5 TX6 TX7 SC0 SC1 SC2 SC3 MAX0 MAX1 MAX2 MAX3'
).split(' ');

/** guess_name(): the conventional node for a tty device number. */
export function guessTtyName(maj: number, min: number): string | undefined {
  const simple: Record<number, string> = {
    11: 'ttyB', 17: 'ttyH', 19: 'ttyC', 22: 'ttyD', 23: 'ttyD', 24: 'ttyE', 32: 'ttyX', 43: 'ttyI', 46: 'ttyR', 48: 'ttyL', 57: 'ttyP',
    71: 'ttyF', 75: 'ttyW', 78: 'ttyM', 105: 'ttyV', 112: 'ttyM', 148: 'ttyT', 154: 'ttySR', 164: 'ttyCH', 166: 'ttyACM', 172: 'ttyMX',
    174: 'ttySI', 188: 'ttyUSB', 208: 'ttyU', 216: 'ttyUB', 224: 'ttyY', 227: '3270/tty', 229: 'iseries/vtty', 256: 'ttyEQ',
  };
  if (maj === 3) {
    if (min > 255) return undefined;
    return `/dev/tty${'pqrstuvwxyzabcde'[min >> 4]}${'0123456789abcdef'[min & 15]}`;
  }
  if (maj === 4) return min < 64 ? `/dev/tty${min}` : `/dev/ttyS${min - 64}`;
  if (maj >= 136 && maj <= 143) return `/dev/pts/${min + (maj - 136) * 256}`;
  if (maj === 156) return `/dev/ttySR${min + 256}`;
  if (maj === 204) return min < LOW_DENSITY.length ? `/dev/tty${LOW_DENSITY[min]}` : undefined;
  const prefix = simple[maj];
  return prefix === undefined ? undefined : `/dev/${prefix}${min}`;
}

/**
 * Names a terminal by trying candidates, as procps does: a candidate that
 * cannot be examined (for whatever reason) is simply not the name, and the
 * next one is tried; its failures say nothing about what exists.
 */
class TtyNamer {
  private drivers: Promise<TtyDriver[]> | undefined;

  constructor(private readonly target: Target) {}

  /** Stands in for stat()+st_rdev: a character device the kernel calls by this name. */
  private async isNode(path: string, maj: number, min: number): Promise<boolean> {
    try {
      if ((await this.target.stat(path)).type !== 'character') return false;
    } catch {
      return false;
    }
    if (maj >= 136 && maj <= 143) return path === `/dev/pts/${min + (maj - 136) * 256}`;
    try {
      const sys = await this.target.readlink(`/sys/dev/char/${maj}:${min}`);
      return sys.slice(sys.lastIndexOf('/') + 1) === path.slice(path.lastIndexOf('/') + 1);
    } catch {
      return false;
    }
  }

  private async driverName(maj: number, min: number): Promise<string | undefined> {
    this.drivers ??= this.target.readFile('/proc/tty/drivers').then(
      (b) => parseTtyDrivers(b.subarray(0, 9999).toString('latin1')),
      () => [],
    );
    const d = (await this.drivers).find((x) => x.major === maj && x.minorFirst <= min && x.minorLast >= min);
    if (!d) return undefined;
    const numbered = `/dev/${d.name}${min}`;
    if (await this.exists(numbered)) return (await this.isNode(numbered, maj, min)) ? numbered : undefined;
    if (d.devfs) return undefined;
    const plain = `/dev/${d.name}`;
    return (await this.exists(plain)) && (await this.isNode(plain, maj, min)) ? plain : undefined;
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await this.target.stat(path);
      return true;
    } catch {
      return false;
    }
  }

  private async linkName(maj: number, min: number, pid: number, fd: string): Promise<string | undefined> {
    let dest: string;
    try {
      dest = await this.target.readlink(`/proc/${pid}/${fd}`);
    } catch {
      return undefined;
    }
    if (!dest.startsWith('/') || dest.length >= 127) return undefined;
    return (await this.isNode(dest, maj, min)) ? dest : undefined;
  }

  private async guessName(maj: number, min: number): Promise<string | undefined> {
    const g = guessTtyName(maj, min);
    return g !== undefined && (await this.isNode(g, maj, min)) ? g : undefined;
  }

  /** dev_to_tty(..., ABBREV_DEV). */
  async name(ttyNr: number, pid: number): Promise<string> {
    const dev = ttyNr >>> 0;
    if (dev === 0) return '?';
    const maj = (dev >>> 8) & 0xfff;
    const min = (dev & 0xff) | ((dev & 0xfff00000) >>> 12);
    const found =
      (await this.driverName(maj, min)) ??
      (await this.linkName(maj, min, pid, 'fd/2')) ??
      (await this.guessName(maj, min)) ??
      (await this.linkName(maj, min, pid, 'fd/255'));
    if (found === undefined) return '?';
    const short = found.startsWith('/dev/') && found.length > 5 ? found.slice(5) : found;
    return [...Buffer.from(short, 'latin1')].map((c) => (c <= 0x20 || c > 126 ? '?' : String.fromCharCode(c))).join('');
  }
}

// ------------------------------------------------------------------ probe

/** True for a failure that says the process (or its file) is not there: it exited (ENOENT, or ESRCH from a read as it went). */
function gone(e: unknown): boolean {
  return isNotFound(e) || (e instanceof TargetError && e.code === 'ESRCH');
}

/** A /proc file, or undefined when it is not there; any other failure is thrown on (the object is an error). */
async function readOptional(target: Target, path: string): Promise<Buffer | undefined> {
  try {
    return await target.readFile(path);
  } catch (e) {
    if (gone(e)) return undefined;
    throw e;
  }
}

/**
 * A /proc file that only some of an item's entities come from: undefined
 * when it is not there, the failure when it cannot be read (EACCES on
 * another user's maps), so that those entities say error instead of a
 * value the probe never saw.
 */
async function readPart(target: Target, path: string): Promise<Buffer | undefined | TargetError> {
  try {
    return await target.readFile(path);
  } catch (e) {
    if (gone(e)) return undefined;
    if (e instanceof TargetError) return e;
    throw e;
  }
}

/** An entity that could not be collected, and why. */
function unread(name: string, datatype: OvalDatatype, failure: TargetError, messages: string[]): ItemEntity {
  messages.push(failureMessage('cannot read', failure.path, failure));
  return { name, value: '', datatype, status: 'error' };
}

function schedulingClass(policy: number | undefined): string {
  switch (policy) {
    case 0:
      return 'TS';
    case 3:
      return 'B';
    case 5:
      return '#5';
    case 1:
      return 'FF';
    case 2:
      return 'RR';
    default:
      return '?';
  }
}

/** The fields of /proc/<pid>/stat that process58 uses. */
export interface ProcStat {
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  readonly session: number;
  readonly ttyNr: number;
  readonly utime: number;
  readonly stime: number;
  readonly priority: number;
  readonly starttime: number;
  readonly policy?: number;
}

/** Reads /proc/<pid>/stat as process58_probe.c does; undefined when it skips the process. */
export function parseProcStat(raw: Buffer): ProcStat | undefined {
  const text = raw.subarray(0, 4095).toString('latin1');
  if (text.length < 40) return undefined;
  const rp = text.lastIndexOf(')');
  if (rp === -1) return undefined;
  const head = text.slice(0, rp);
  const open = /^\s*[+-]?\d+\s*\(/.exec(head);
  const comm = open ? head.slice(open[0].length, open[0].length + 15) : '';
  const rest = text.slice(rp + 2);
  const state = rest[0] ?? '';
  const f = rest.slice(1).trim().split(/\s+/);
  const num = (i: number): number => {
    const v = Number.parseInt(f[i] ?? '', 10);
    return Number.isFinite(v) ? v : 0;
  };
  const policy = Number.parseInt(f[37] ?? '', 10);
  return {
    comm,
    state,
    ppid: num(0),
    session: num(2),
    ttyNr: num(3),
    utime: num(10),
    stime: num(11),
    priority: num(14),
    starttime: num(18),
    ...(Number.isFinite(policy) ? { policy } : {}),
  };
}

async function bootTime(target: Target): Promise<number> {
  const text = (await readOptional(target, '/proc/stat'))?.toString('latin1') ?? '';
  const lines = text.split('\n').slice(1);
  for (const l of lines) {
    if (l.startsWith('btime')) {
      const m = /^btime\s+(\d+)/.exec(l);
      return m ? Number(m[1]) : 0;
    }
  }
  return 0;
}

export const process58Probe: Probe = {
  family: 'unix',
  objectType: 'process58_object',
  needs: ['processes'],
  description: 'the process table from /proc (stat, status, cmdline, loginuid, maps); not collected offline',
  async collect(req, ctx): Promise<ProbeResult> {
    const cmdEnt = req.entities.get('command_line');
    const pidEnt = req.entities.get('pid');
    if (!cmdEnt && !pidEnt) return { flag: 'error', items: [], messages: ['process58_object needs command_line or pid'] };
    ctx.reads.input('processes', '*');
    const target = ctx.target;
    let entries;
    try {
      entries = await target.readdir('/proc');
    } catch (e) {
      return { flag: 'error', items: [], messages: [`cannot list /proc: ${e instanceof Error ? e.message : String(e)}`] };
    }
    const boot = await bootTime(target);
    const tty = new TtyNamer(target);
    let selinux: Promise<boolean> | undefined;
    const now = new Date();
    const pids = entries
      .map((e) => e.name)
      .filter((n) => n[0]! >= '0' && n[0]! <= '9')
      .map((n) => Number.parseInt(n, 10))
      .filter((p) => Number.isFinite(p) && p !== 2)
      .sort((a, b) => a - b);
    const items: ItemData[] = [];
    let anyProcess = false;
    for (const pid of pids) {
      const rawStat = await readOptional(target, `/proc/${pid}/stat`);
      const st = rawStat && parseProcStat(rawStat);
      if (!st || st.ppid === 2) continue;
      let cmd: string;
      if (st.state === 'Z') cmd = `[${st.comm}] <defunct>`;
      else {
        const raw = await readOptional(target, `/proc/${pid}/cmdline`);
        cmd = (raw && formatCmdline(raw)) ?? st.comm;
      }
      anyProcess = true;
      if ((cmdEnt && !(await entityMatches(cmdEnt, cmd))) || (pidEnt && !(await entityMatches(pidEnt, String(pid))))) continue;

      const messages: string[] = [];
      const statusRead = await readPart(target, `/proc/${pid}/status`);
      const status = statusRead instanceof TargetError ? undefined : statusRead?.toString('latin1');
      let ruid = -1;
      let euid = -1;
      let capEff: string | undefined;
      if (status !== undefined) {
        const lines = status.split('\n');
        const uid = lines.slice(1).find((l) => l.startsWith('Uid:'));
        const m = uid && /^Uid:\s*(-?\d+)(?:\s+(-?\d+))?/.exec(uid);
        if (m) {
          ruid = Number(m[1]);
          if (m[2] !== undefined) euid = Number(m[2]);
        }
        capEff = /^CapEff:\s*([0-9a-fA-F]+)/m.exec(status)?.[1];
      }
      let loginuid = 4294967295;
      const loginuidRead = await readPart(target, `/proc/${pid}/loginuid`);
      const lu = /^\s*\+?(\d+)/.exec(loginuidRead instanceof TargetError ? '' : (loginuidRead?.toString('latin1') ?? ''));
      if (lu) loginuid = Number(BigInt(lu[1]!) & 0xffffffffn);
      const maps = await readPart(target, `/proc/${pid}/maps`);
      const execShield = maps !== undefined && !(maps instanceof TargetError) && execShieldStatus(maps.toString('latin1')) > 0;
      selinux ??= selinuxfsMount(target).then((m) => m !== undefined);
      let label: string | undefined;
      let labelError: string | undefined;
      if (await selinux) {
        const c = await readProcessContext(target, pid);
        label = c.context?.type;
        labelError = c.error;
      }
      const started = new Date((boot + Math.floor(st.starttime / TICKS)) * 1000);

      const entities: ItemEntity[] = [
        field('command_line', cmd),
        field('exec_time', formatExecTime(Math.floor(st.utime / TICKS) + Math.floor(st.stime / TICKS))),
        field('pid', pid, 'int'),
        field('ppid', st.ppid, 'int'),
        field('priority', st.priority, 'int'),
        statusRead instanceof TargetError ? unread('ruid', 'int', statusRead, messages) : field('ruid', ruid, 'int'),
        field('scheduling_class', schedulingClass(st.policy)),
        field('start_time', formatStartTime(started, now)),
        field('tty', await tty.name(st.ttyNr, pid)),
        statusRead instanceof TargetError ? unread('user_id', 'int', statusRead, messages) : field('user_id', euid, 'int'),
        maps instanceof TargetError ? unread('exec_shield', 'boolean', maps, messages) : field('exec_shield', execShield, 'boolean'),
        loginuidRead instanceof TargetError ? unread('loginuid', 'int', loginuidRead, messages) : field('loginuid', loginuid, 'int'),
        ...(statusRead instanceof TargetError
          ? [unread('posix_capability', 'string', statusRead, messages)]
          : capEff !== undefined
            ? capabilityNames(capEff).map((c) => field('posix_capability', c))
            : []),
        ...(label !== undefined ? [field('selinux_domain_label', label)] : []),
        ...(labelError !== undefined ? [{ name: 'selinux_domain_label', value: '', datatype: 'string' as const, status: 'error' as const }] : []),
        field('session_id', st.session, 'int'),
      ];
      items.push({ family: 'unix', type: 'process58_item', status: 'exists', entities, ...(messages.length > 0 ? { messages: [...new Set(messages)] } : {}) });
    }
    // Online, an empty process table means /proc could not be read (PROBE_EACCESS).
    if (!anyProcess) return { flag: 'error', items: [], messages: ['no process could be read from /proc'] };
    return { items: await markResetOnFork(target, items) };
  },
};

/** sched_getscheduler()'s flag for a policy that children do not inherit. */
const SCHED_RESET_ON_FORK = 0x40000000;

/**
 * OpenSCAP takes the scheduling class from sched_getscheduler(), which adds
 * SCHED_RESET_ON_FORK to the policy, and then knows no class for it ("?").
 * /proc shows the policy without the flag, so on a target that runs
 * programs the policies of the kept processes are asked for once, through
 * python3's os.sched_getscheduler; without python3 the /proc class stands.
 */
async function markResetOnFork(target: Target, items: ItemData[]): Promise<ItemData[]> {
  if (items.length === 0 || !target.exec) return items;
  const pidOf = (i: ItemData): string => i.entities.find((e) => e.name === 'pid')!.value;
  const script = 'import os,sys\nfor p in sys.argv[1:]:\n  try: print(p, os.sched_getscheduler(int(p)))\n  except OSError: pass\n';
  let out: string;
  try {
    const r = await target.exec('python3', ['-c', script, ...items.map(pidOf)], { timeoutMs: 10_000 });
    if (r.code !== 0) return items;
    out = r.stdout;
  } catch {
    return items; // no python3 on the target: the class from /proc stands
  }
  const reset = new Set<string>();
  for (const line of out.split('\n')) {
    const [pid, policy] = line.split(' ');
    if (pid !== undefined && policy !== undefined && (Number(policy) & SCHED_RESET_ON_FORK) !== 0) reset.add(pid);
  }
  if (reset.size === 0) return items;
  return items.map((i) =>
    reset.has(pidOf(i)) ? { ...i, entities: i.entities.map((e) => (e.name === 'scheduling_class' ? field('scheduling_class', '?') : e)) } : i,
  );
}

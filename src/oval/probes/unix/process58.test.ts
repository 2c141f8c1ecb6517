import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, test, type TestContext } from 'node:test';
import { readDocument } from '../../../model/load.js';
import type { OvalDefinitions } from '../../../model/oval/types.js';
import { mockTarget, type MockEntry } from '../../../target/memory-target.js';
import { caseDocument, canonicalItems, defId, objId, oscapAvailable, oscapOutcome, vigilOutcome, type ProbeCase, type SeenItem } from '../../../testing/probe-oracle.js';
import { ovalXml } from '../../../testing/content.js';
import { OvalEngine } from '../../engine.js';
import type { CollectedObject } from '../../types.js';
import {
  capabilityNames,
  execShieldStatus,
  formatCmdline,
  formatExecTime,
  formatStartTime,
  guessTtyName,
  parseProcStat,
  parseTtyDrivers,
  process58Probe,
} from './process58.js';

// ------------------------------------------------------------- a fake host

interface Proc {
  readonly comm: string;
  readonly state?: string;
  readonly ppid: number;
  readonly session?: number;
  readonly tty?: number;
  readonly utime?: number;
  readonly stime?: number;
  readonly priority?: number;
  readonly start?: number;
  readonly policy?: number;
  readonly cmdline?: string | Buffer;
  readonly uid?: [number, number];
  readonly capEff?: string;
  readonly loginuid?: string;
  readonly maps?: MockEntry;
  readonly extra?: Record<string, MockEntry>;
}

function statLine(pid: number, p: Proc): string {
  const f = [p.state ?? 'S', p.ppid, pid, p.session ?? 0, p.tty ?? 0, -1, 4194560, 100, 0, 0, 0, p.utime ?? 0, p.stime ?? 0, 0, 0, p.priority ?? 20, 0, 1, 0, p.start ?? 0];
  // vsize .. exit_code: fields 23..52; policy is field 41
  const tail = Array.from({ length: 30 }, (_, i) => (i + 23 === 41 ? (p.policy ?? 0) : 0));
  return `${pid} (${p.comm}) ${[...f, ...tail].join(' ')}\n`;
}

function proc(procs: Record<number, Proc>, extra: Record<string, MockEntry> = {}): Record<string, MockEntry> {
  const files: Record<string, MockEntry> = {
    '/proc/stat': 'cpu  1 2 3 4\ncpu0 1 2 3 4\nintr 0\nbtime 1700000000\nprocesses 10\n',
    '/proc/self': { symlink: '4242' },
    '/proc/tty/drivers':
      '/dev/tty             /dev/tty        5       0 system:/dev/tty\n' +
      '/dev/console         /dev/console    5       1 system:console\n' +
      'serial               /dev/ttyS       4 64-95 serial\n' +
      'pty_slave            /dev/pts      136 0-1048575 pty:slave\n' +
      'unknown              /dev/tty        4 1-63 console\n',
    '/dev/pts/0': { device: 'character' },
    '/dev/tty1': { device: 'character' },
    '/dev/ttyS0': { device: 'character' },
    '/dev/null': { device: 'character' },
    '/sys/dev/char/4:1': { symlink: '../../devices/virtual/tty/tty1' },
    '/sys/dev/char/4:64': { symlink: '../../devices/platform/serial8250/tty/ttyS0' },
    '/sys/dev/char/1:3': { symlink: '../../devices/virtual/mem/null' },
    '/sys/devices/virtual/tty/tty1/dev': '4:1\n',
    '/sys/devices/platform/serial8250/tty/ttyS0/dev': '4:64\n',
    '/sys/devices/virtual/mem/null/dev': '1:3\n',
    ...extra,
  };
  for (const [pidText, p] of Object.entries(procs)) {
    const pid = Number(pidText);
    const d = `/proc/${pid}`;
    files[`${d}/stat`] = statLine(pid, p);
    files[`${d}/cmdline`] = p.cmdline ?? '';
    const [ruid, euid] = p.uid ?? [0, 0];
    files[`${d}/status`] = `Name:\t${p.comm}\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t${ruid}\t${euid}\t${euid}\t${euid}\nGid:\t0\t0\t0\t0\nCapInh:\t0000000000000000\nCapPrm:\t${p.capEff ?? '0000000000000000'}\nCapEff:\t${p.capEff ?? '0000000000000000'}\n`;
    files[`${d}/loginuid`] = p.loginuid ?? '4294967295';
    files[`${d}/maps`] = p.maps ?? '';
    files[`${d}/attr/current`] = { error: 'EINVAL' };
    for (const [k, v] of Object.entries(p.extra ?? {})) files[`${d}/${k}`] = v;
  }
  return files;
}

const ANON_RW = '55d0c0000000-55d0c0021000 rw-p 00000000 00:00 0 \n';
const LIB = '7f0000000000-7f0000001000 r-xp 00000000 fd:00 123 /usr/lib/libc.so.6\n';

const PROCS: Record<number, Proc> = {
  1: { comm: 'systemd', ppid: 0, session: 1, utime: 150, stime: 250, cmdline: '/sbin/init\0splash\0', capEff: '000001ffffffffff' },
  2: { comm: 'kthreadd', ppid: 0 },
  3: { comm: 'kworker/0:0', ppid: 2 },
  100: {
    comm: 'bash',
    ppid: 1,
    session: 100,
    tty: (136 << 8) | 0,
    policy: 3,
    cmdline: '-bash\0',
    uid: [1000, 1000],
    loginuid: '1000',
    maps: LIB + ANON_RW,
    extra: { 'fd/2': { symlink: '/dev/pts/0' } },
  },
  200: { comm: 'worker', state: 'Z', ppid: 100, cmdline: '' },
  300: { comm: 'no-args', ppid: 1, cmdline: '' },
  400: { comm: 'python3', ppid: 100, cmdline: Buffer.from('python3\0-c\0print("é")\t\0\0', 'utf8'), uid: [1000, 0] },
  500: { comm: 'agetty', ppid: 1, tty: (4 << 8) | 1, policy: 1, priority: -51, cmdline: '/sbin/agetty\0tty1\0', extra: { 'fd/2': { symlink: '/dev/tty1' } } },
  600: { comm: 'getty', ppid: 1, tty: (4 << 8) | 64, policy: 2, cmdline: 'getty\0ttyS0\0', extra: { 'fd/2': { symlink: '/dev/null' } } },
  700: { comm: 'a) b', ppid: 1, cmdline: '' },
  900: { comm: 'kcompactd0', ppid: 2 },
};

async function collect(objectXml: string, files: Record<string, MockEntry> = proc(PROCS), capabilities: Array<'kernel' | 'processes'> = ['processes']): Promise<CollectedObject> {
  const doc = readDocument({ text: ovalXml({ objects: `<unix:process58_object id="oval:t:obj:1" version="1">${objectXml}</unix:process58_object>` }), name: 't.xml' }) as OvalDefinitions;
  const e = new OvalEngine(doc, { target: mockTarget({ files: { ...files, '/proc/mounts': 'proc /proc proc rw 0 0\n' }, capabilities }), probes: new Map([['unix/process58_object', process58Probe]]) });
  return e.collect('oval:t:obj:1');
}

const obj = (cmd: string, pid: string, cmdOp = 'pattern match', pidOp = 'greater than'): string =>
  `<unix:command_line operation="${cmdOp}">${cmd}</unix:command_line><unix:pid datatype="int" operation="${pidOp}">${pid}</unix:pid>`;
const pids = (c: CollectedObject): number[] => c.items.map((i) => Number(i.entities.find((e) => e.name === 'pid')!.value));
const entity = (c: CollectedObject, pid: number, name: string): string[] =>
  c.items.find((i) => i.entities.some((e) => e.name === 'pid' && e.value === String(pid)))!.entities.filter((e) => e.name === name).map((e) => e.value);

// ------------------------------------------------------------------ tables

describe('process58: formats', () => {
  const execCases = [
    { s: 0, want: '00:00:00' },
    { s: 59, want: '00:00:59' },
    { s: 3661, want: '01:01:01' },
    { s: 90061, want: '1-01:01:01' },
    { s: 864000, want: '10-00:00:00' },
  ];
  for (const c of execCases) it(`exec_time ${c.s} s → ${c.want}`, () => assert.equal(formatExecTime(c.s), c.want));

  const startCases = [
    { name: 'today: time of day', start: new Date(2024, 10, 24, 9, 5, 7), now: new Date(2024, 10, 24, 20, 0, 0), want: '09:05:07' },
    { name: 'yesterday: month and day', start: new Date(2024, 10, 23, 23, 59, 59), now: new Date(2024, 10, 24, 0, 0, 1), want: 'Nov_23' },
    { name: 'a single-digit day is zero-padded', start: new Date(2024, 1, 5, 12, 0, 0), now: new Date(2024, 10, 24, 12, 0, 0), want: 'Feb_05' },
    { name: 'same day of another year', start: new Date(2023, 10, 24, 9, 0, 0), now: new Date(2024, 10, 23, 9, 0, 0), want: 'Nov_24' },
  ];
  for (const c of startCases) it(`start_time: ${c.name}`, () => assert.equal(formatStartTime(c.start, c.now), c.want));

  const cmdCases = [
    { name: 'arguments joined by spaces', raw: Buffer.from('a\0b\0'), want: 'a b' },
    { name: 'trailing NULs dropped', raw: Buffer.from('a\0\0\0'), want: 'a' },
    { name: 'inner empty argument kept', raw: Buffer.from('a\0\0b\0'), want: 'a  b' },
    { name: 'a lone NUL is one space', raw: Buffer.from('\0'), want: ' ' },
    { name: 'newline becomes a space, tab a dot', raw: Buffer.from('x\ty\nz'), want: 'x.y z' },
    { name: 'non-ASCII bytes become dots', raw: Buffer.from('é\x7f', 'utf8'), want: '...' },
    { name: 'empty: none', raw: Buffer.alloc(0), want: undefined },
  ];
  for (const c of cmdCases) it(`command_line: ${c.name}`, () => assert.equal(formatCmdline(c.raw), c.want));

  const shieldCases = [
    { name: 'no maps lines', maps: '', want: -1 },
    { name: 'an anonymous rw mapping', maps: LIB + ANON_RW, want: 1 },
    { name: 'anonymous rwx at offset 0', maps: '1000-2000 rwxp 00000000 00:00 0\n', want: 1 },
    { name: 'anonymous rwx at a non-zero offset', maps: '1000-2000 rwxp 00001000 00:00 0\n', want: 0 },
    { name: 'mappings with a path do not count', maps: '1000-2000 rw-p 00000000 fd:00 12 /lib/x.so\n3000-4000 rw-p 00000000 00:00 0 [heap]\n', want: -1 },
    { name: 'the last anonymous rw mapping decides', maps: '1000-2000 rw-p 00000000 00:00 0\n3000-4000 rwxp 00002000 00:00 0\n', want: 0 },
    { name: 'read-only anonymous mappings do not count', maps: '1000-2000 r--p 00000000 00:00 0\n', want: -1 },
  ];
  for (const c of shieldCases) it(`exec_shield: ${c.name}`, () => assert.equal(execShieldStatus(c.maps), c.want));

  const capCases = [
    { hex: '0000000000000000', want: [] as string[] },
    { hex: '0000000000000001', want: ['CAP_CHOWN'] },
    { hex: '0000000000100000', want: ['CAP_SYS_PACCT'] },
    { hex: '0000000000200400', want: ['CAP_NET_BIND_SERVICE', 'CAP_SYS_ADMIN'] },
    { hex: '000000c000000000', want: [] as string[] }, // CAP_PERFMON, CAP_BPF: not in OVAL
  ];
  for (const c of capCases) it(`posix_capability of CapEff ${c.hex}`, () => assert.deepEqual(capabilityNames(c.hex), c.want));
  it('every OVAL 5.11 capability, in kernel order', () => {
    const all = capabilityNames('000001ffffffffff');
    assert.equal(all.length, 38);
    assert.deepEqual([all[0], all[19], all[20], all[21], all[37]], ['CAP_CHOWN', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_AUDIT_READ']);
  });

  const ttyCases = [
    { maj: 136, min: 3, want: '/dev/pts/3' },
    { maj: 137, min: 1, want: '/dev/pts/257' },
    { maj: 4, min: 1, want: '/dev/tty1' },
    { maj: 4, min: 65, want: '/dev/ttyS1' },
    { maj: 3, min: 0x10, want: '/dev/ttyq0' },
    { maj: 188, min: 0, want: '/dev/ttyUSB0' },
    { maj: 204, min: 5, want: '/dev/ttySA0' },
    { maj: 156, min: 2, want: '/dev/ttySR258' },
    { maj: 1, min: 3, want: undefined },
  ];
  for (const c of ttyCases) it(`tty name guessed for ${c.maj}:${c.min}`, () => assert.equal(guessTtyName(c.maj, c.min), c.want));

  it('/proc/tty/drivers: second column, last line first, devfs %d names', () => {
    const d = parseTtyDrivers('serial               /dev/ttyS       4 64-95 serial\nusbserial            /dev/ttyUSB%d 188 0-511 serial\nbroken               /dev/x          9 serial\n');
    assert.deepEqual(
      d.map((x) => [x.name, x.devfs, x.major, x.minorFirst, x.minorLast]),
      [
        ['ttyUSB', true, 188, 0, 511],
        ['ttyS', false, 4, 64, 95],
      ],
    );
  });

  const statCases = [
    { name: 'too short', raw: '1 (x) S 0', want: undefined },
    { name: 'a command name with parentheses and spaces', raw: statLine(7, { comm: 'a) (b', ppid: 1 }), want: 'a) (b' },
    { name: 'the command name is cut at 15 characters', raw: `8 (${'x'.repeat(20)}) ${statLine(8, { comm: 'y', ppid: 1 }).split(') ')[1]}`, want: 'x'.repeat(15) },
  ];
  for (const c of statCases) it(`stat: ${c.name}`, () => assert.equal(parseProcStat(Buffer.from(c.raw))?.comm, c.want));
});

describe('process58: items', () => {
  const selection = [
    { name: 'every process but kthreadd and kernel threads', obj: obj('.*', '0'), want: [1, 100, 200, 300, 400, 500, 600, 700] },
    { name: 'by pid', obj: obj('.*', '100', 'pattern match', 'equals'), want: [100] },
    { name: 'kthreadd is never reported', obj: obj('.*', '2', 'pattern match', 'equals'), want: [] },
    { name: 'by command line', obj: obj('^/sbin/init splash$', '0'), want: [1] },
    { name: 'a zombie is "[name] <defunct>"', obj: obj('[worker] &lt;defunct&gt;', '0', 'equals'), want: [200] },
    { name: 'an empty cmdline falls back to the name', obj: obj('no-args', '0', 'equals'), want: [300] },
    { name: 'unprintable bytes are dots', obj: obj('python3 -c print("..").', '0', 'equals'), want: [400] },
    { name: 'pid less than', obj: obj('.*', '300', 'pattern match', 'less than'), want: [1, 100, 200] },
    { name: 'nothing matches', obj: obj('^nothing$', '0'), want: [] },
  ];
  for (const c of selection) {
    it(c.name, async () => {
      const got = await collect(c.obj);
      assert.deepEqual(pids(got), c.want);
      assert.equal(got.flag, c.want.length ? 'complete' : 'does not exist');
    });
  }

  it('builds OpenSCAP\'s fields in its order, with its datatypes', async () => {
    const c = await collect(obj('.*', '1', 'pattern match', 'equals'));
    const got = c.items[0]!.entities.map((e) => `${e.name}:${e.datatype}=${e.value}`);
    const caps = got.filter((e) => e.startsWith('posix_capability:'));
    assert.equal(caps.length, 38);
    assert.deepEqual(
      got.filter((e) => !e.startsWith('posix_capability:') && !e.startsWith('start_time:')),
      [
        'command_line:string=/sbin/init splash',
        'exec_time:string=00:00:03',
        'pid:int=1',
        'ppid:int=0',
        'priority:int=20',
        'ruid:int=0',
        'scheduling_class:string=TS',
        'tty:string=?',
        'user_id:int=0',
        'exec_shield:boolean=false',
        'loginuid:int=4294967295',
        'session_id:int=1',
      ],
    );
    assert.ok(got.indexOf(caps[0]!) > got.indexOf('loginuid:int=4294967295') && got.indexOf(caps[37]!) < got.indexOf('session_id:int=1'));
    // btime 1700000000 (November 2023) + 0 ticks: long ago
    assert.deepEqual(entity(c, 1, 'start_time'), [formatStartTime(new Date(1700000000 * 1000), new Date())]);
  });

  const fields = [
    { name: 'pts terminal from fd/2', pid: 100, field: 'tty', want: ['pts/0'] },
    { name: 'virtual console from /proc/tty/drivers', pid: 500, field: 'tty', want: ['tty1'] },
    { name: 'serial line: fd/2 is /dev/null, the guessed name is right', pid: 600, field: 'tty', want: ['ttyS0'] },
    { name: 'SCHED_BATCH', pid: 100, field: 'scheduling_class', want: ['B'] },
    { name: 'SCHED_FIFO', pid: 500, field: 'scheduling_class', want: ['FF'] },
    { name: 'SCHED_RR', pid: 600, field: 'scheduling_class', want: ['RR'] },
    { name: 'real-time priority', pid: 500, field: 'priority', want: ['-51'] },
    { name: 'effective uid is user_id', pid: 400, field: 'user_id', want: ['0'] },
    { name: 'real uid is ruid', pid: 400, field: 'ruid', want: ['1000'] },
    { name: 'loginuid', pid: 100, field: 'loginuid', want: ['1000'] },
    { name: 'exec_shield from an anonymous rw mapping', pid: 100, field: 'exec_shield', want: ['true'] },
    { name: 'no capabilities, no entity', pid: 100, field: 'posix_capability', want: [] },
    { name: 'no SELinux, no label', pid: 100, field: 'selinux_domain_label', want: [] },
    { name: 'session', pid: 100, field: 'session_id', want: ['100'] },
    { name: 'a command name with a parenthesis', pid: 700, field: 'command_line', want: ['a) b'] },
  ];
  for (const f of fields) it(f.name, async () => assert.deepEqual(entity(await collect(obj('.*', '0')), f.pid, f.field), f.want));

  it('status unreadable: the uids and capabilities are errors, with the reason (oscap: -1 and none)', async () => {
    const files = proc({ 10: { comm: 'x', ppid: 1, cmdline: 'x\0', extra: { status: { error: 'EACCES' } } } });
    const c = await collect(obj('.*', '10', 'pattern match', 'equals'), files);
    const item = c.items.find((i) => i.entities.some((e) => e.name === 'pid' && e.value === '10'))!;
    const statuses = ['ruid', 'user_id', 'posix_capability', 'exec_shield'].map((n) => item.entities.find((e) => e.name === n)?.status);
    assert.deepEqual(statuses, ['error', 'error', 'error', 'exists']);
    assert.match(item.messages?.join('\n') ?? '', /cannot read \/proc\/10\/status: .*EACCES/);
  });

  it('maps unreadable: exec_shield is an error (oscap: false)', async () => {
    const files = proc({ 10: { comm: 'x', ppid: 1, cmdline: 'x\0', maps: { error: 'EACCES' } } });
    const c = await collect(obj('.*', '10', 'pattern match', 'equals'), files);
    const item = c.items.find((i) => i.entities.some((e) => e.name === 'pid' && e.value === '10'))!;
    assert.equal(item.entities.find((e) => e.name === 'exec_shield')?.status, 'error');
  });

  it('stat unreadable for a reason other than exit: the object is an error', async () => {
    const files = proc({ 10: { comm: 'x', ppid: 1, cmdline: 'x\0' } });
    files['/proc/10/stat'] = { error: 'EIO' };
    assert.equal((await collect(obj('.*', '0'), files)).flag, 'error');
  });

  it('a process that exited between the listing and the read is skipped', async () => {
    const files = proc({ 10: { comm: 'x', ppid: 1, cmdline: 'x\0' }, 11: { comm: 'y', ppid: 1, cmdline: 'y\0' } });
    files['/proc/10/stat'] = { error: 'ESRCH' };
    const c = await collect(obj('.*', '0'), files);
    assert.equal(c.flag, 'complete');
    assert.deepEqual(c.items.map((i) => i.entities.find((e) => e.name === 'pid')?.value), ['11']);
  });

  it('with SELinux enabled the domain type is reported', async () => {
    const files = proc({ 10: { comm: 'sshd', ppid: 1, cmdline: 'sshd\0', extra: { 'attr/current': 'system_u:system_r:sshd_t:s0-s0:c0.c1023\0' } } });
    const doc = readDocument({ text: ovalXml({ objects: `<unix:process58_object id="oval:t:obj:1" version="1">${obj('.*', '0')}</unix:process58_object>` }), name: 't.xml' }) as OvalDefinitions;
    const target = mockTarget({ files: { ...files, '/proc/mounts': 'selinuxfs /sys/fs/selinux selinuxfs rw,relatime 0 0\n' }, capabilities: ['processes'] });
    const c = await new OvalEngine(doc, { target, probes: new Map([['unix/process58_object', process58Probe]]) }).collect('oval:t:obj:1');
    assert.deepEqual(entity(c, 10, 'selinux_domain_label'), ['sshd_t']);
  });

  it("with SELinux enabled, a domain that cannot be read is an error entity, never a missing label", async () => {
    const files = proc({ 10: { comm: 'sshd', ppid: 1, cmdline: 'sshd\0', extra: { 'attr/current': { error: 'EACCES' } } } });
    const doc = readDocument({ text: ovalXml({ objects: `<unix:process58_object id="oval:t:obj:1" version="1">${obj('.*', '0')}</unix:process58_object>` }), name: 't.xml' }) as OvalDefinitions;
    const target = mockTarget({ files: { ...files, '/proc/mounts': 'selinuxfs /sys/fs/selinux selinuxfs rw,relatime 0 0\n' }, capabilities: ['processes'] });
    const c = await new OvalEngine(doc, { target, probes: new Map([['unix/process58_object', process58Probe]]) }).collect('oval:t:obj:1');
    const label = c.items[0]!.entities.filter((e) => e.name === 'selinux_domain_label');
    assert.deepEqual(label.map((e) => e.status), ['error']);
  });

  it('an empty process table is an error (OpenSCAP: permission denied)', async () => {
    const c = await collect(obj('.*', '0'), { '/proc/stat': 'btime 1\n' });
    assert.equal(c.flag, 'error');
  });

  it('is "not collected" on a target without a process table', async () => {
    assert.equal((await collect(obj('.*', '0'), proc(PROCS), [])).flag, 'not collected');
  });
});

// ------------------------------------------------------------------ oracle

/**
 * The known difference: a process whose maps cannot be read (pid 1 here,
 * even for root) has exec_shield "false" in oscap's items, and an entity
 * with status error in Vigil's, with the reason as a message. Vigil's items
 * are rewritten to oscap's form for the comparison, and each rewrite noted.
 */
function unreadMaps(items: readonly SeenItem[], t: TestContext): SeenItem[] {
  return items.map((i) => {
    const msgs = i.messages.filter((m) => /^cannot read \/proc\/\d+\/maps: /.test(m));
    if (msgs.length === 0 || !i.entities.includes('exec_shield=')) return i;
    t.diagnostic(`known difference: ${msgs[0]}: Vigil's exec_shield is an error, oscap's is false`);
    return { ...i, entities: i.entities.map((e) => (e === 'exec_shield=' ? 'exec_shield=false' : e)), messages: i.messages.filter((m) => !msgs.includes(m)) };
  });
}

test('process58_object agrees with oscap on this host', async (t) => {
  if (!(await oscapAvailable(t))) return;
  // Processes both scanners see: pid 1, a sleeping child, and a zombie (a
  // child of a process that never reaps it).
  const children: ChildProcess[] = [spawn('sleep', ['4242.25'], { stdio: 'ignore' }), spawn('sh', ['-c', 'sleep 0.1 & exec sleep 4243.25'], { stdio: 'ignore' })];
  // and, where util-linux's script(1) is installed, one on a pseudo-terminal
  const withPty = existsSync('/usr/bin/script');
  if (withPty) children.push(spawn('/usr/bin/script', ['-qc', 'sleep 4244.25', '/dev/null'], { stdio: 'ignore' }));
  try {
    await sleep(600);
    const p = (cmd: string, pid: string, cmdOp: string, pidOp: string): string => obj(cmd, pid, cmdOp, pidOp);
    const cases: ProbeCase[] = [
      { name: 'pid 1', family: 'unix', type: 'process58', object: p('.*', '1', 'pattern match', 'equals') },
      { name: 'pid 1 runs as root', family: 'unix', type: 'process58', object: p('.*', '1', 'pattern match', 'equals'), state: '<unix:ruid datatype="int">0</unix:ruid><unix:user_id datatype="int">0</unix:user_id>' },
      { name: 'pid 1 may administer the system', family: 'unix', type: 'process58', object: p('.*', '1', 'pattern match', 'equals'), state: '<unix:posix_capability entity_check="at least one">CAP_SYS_ADMIN</unix:posix_capability>' },
      { name: 'pid 1 has no login uid', family: 'unix', type: 'process58', object: p('.*', '1', 'pattern match', 'equals'), state: '<unix:loginuid datatype="int">4294967295</unix:loginuid>' },
      { name: 'a sleeping child', family: 'unix', type: 'process58', object: p('sleep 4242.25', '0', 'equals', 'greater than') },
      {
        name: 'the child: no tty, time-sharing, exec shield',
        family: 'unix',
        type: 'process58',
        object: p('sleep 4242.25', '0', 'equals', 'greater than'),
        state: '<unix:scheduling_class>TS</unix:scheduling_class><unix:tty>?</unix:tty><unix:exec_shield datatype="boolean">true</unix:exec_shield>',
      },
      { name: 'a zombie', family: 'unix', type: 'process58', object: p('[sleep] &lt;defunct&gt;', '0', 'equals', 'greater than') },
      { name: 'a command line nobody runs', family: 'unix', type: 'process58', object: p('^vigil-no-such-process$', '0', 'pattern match', 'greater than') },
      { name: 'none exist', family: 'unix', type: 'process58', object: p('^vigil-no-such-process$', '0', 'pattern match', 'greater than'), existence: 'none_exist' },
      ...(withPty ? [{ name: 'a process on a pseudo-terminal', family: 'unix', type: 'process58', object: p('sleep 4244.25', '0', 'equals', 'greater than'), state: '<unix:tty operation="pattern match">^pts/\\d+$</unix:tty>' } as const] : []),
      { name: 'every process has a command line', family: 'unix', type: 'process58', object: p('.*', '1', 'pattern match', 'equals'), state: '<unix:command_line operation="pattern match">.</unix:command_line>' },
    ];
    const xml = caseDocument(cases);
    const theirs = await oscapOutcome(xml, t);
    const ours = await vigilOutcome(xml, [process58Probe]);
    assert.equal(theirs.code, 0, `oscap failed: ${theirs.stderr.slice(-2000)}`);
    assert.equal(theirs.objects.size, cases.length, 'oscap\'s results list every object');
    const disagreements: string[] = [];
    cases.forEach((c, i) => {
      const id = defId(i + 1);
      t.diagnostic(`${c.name}: oscap ${theirs.definitions.get(id)}, Vigil ${ours.definitions.get(id)}`);
      if (theirs.definitions.get(id) !== ours.definitions.get(id)) disagreements.push(`${c.name}: oscap ${theirs.definitions.get(id)}, Vigil ${ours.definitions.get(id)}`);
      const [a, b] = [theirs.objects.get(objId(i + 1)), ours.objects.get(objId(i + 1))];
      if (a?.flag !== b?.flag) disagreements.push(`${c.name}: flag oscap ${a?.flag}, Vigil ${b?.flag}`);
      // exec_time is CPU time, which moves between the two runs
      else assert.deepEqual(canonicalItems(unreadMaps(b?.items ?? [], t), ['exec_time']), canonicalItems(a?.items ?? [], ['exec_time']), `${c.name}: items differ`);
    });
    assert.deepEqual(disagreements, []);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    // script's child sleeps in its own session: end it by its pid too
    for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'latin1') === 'sleep\x004244.25\x00') process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
});

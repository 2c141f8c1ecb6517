/**
 * Honest errors, under every probe in the registry: a read the target fails
 * with anything but ENOENT or ENOTDIR makes the object an error (or its
 * item, and so the object), never "does not exist" and never "complete with
 * fewer items", so that a `none_exist` test over it is error, never true;
 * while ENOENT on the same path still means absence.
 *
 * Each case collects one object on an in-memory target wrapped by
 * faultTarget (testing/fault-target.ts), which fails the chosen path and
 * operation with each errno in turn. A last test checks that every probe
 * of the registry has a case, so that a new probe cannot skip this.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDocument } from '../../model/load.js';
import type { OvalDefinitions } from '../../model/oval/types.js';
import type { ExecResult, Target, TargetCapability, Uname } from '../../target/target.js';
import { mockTarget, type MockEntry } from '../../target/memory-target.js';
import { wrapTarget } from '../../target/target.js';
import { faultTarget, type Fault, type FaultOp } from '../../testing/fault-target.js';
import { ovalXml } from '../../testing/content.js';
import { rpmSqliteDatabase } from '../../testing/rpm-sqlite-fixture.js';
import { OvalEngine } from '../engine.js';
import { PROBES, probeTable } from './registry.js';

interface FaultCase {
  /** `family/object_type`, as the registry keys probes. */
  readonly probe: string;
  readonly name: string;
  /** The object's inner XML. */
  readonly object: string;
  /** What the target holds: the injected path is there, and would be found. */
  readonly files: Readonly<Record<string, MockEntry>>;
  readonly capabilities?: readonly TargetCapability[];
  /** The kernel the target describes (uname), for the probes that ask Target.describe. */
  readonly uname?: Uname;
  /** What busctl answers, for the probes that run it. */
  readonly exec?: (file: string, args: readonly string[]) => ExecResult;
  /** The path and operation to fail. */
  readonly at: { readonly path: string; readonly op: FaultOp; readonly prefix?: boolean };
  /** How the thing is made absent instead (default: ENOENT for every operation at and under the path). */
  readonly absent?: { readonly files?: Readonly<Record<string, MockEntry>>; readonly exec?: (file: string, args: readonly string[]) => ExecResult } | 'none';
}

/** Probes that read nothing from the target, and why. */
const READ_NOTHING: Readonly<Record<string, string>> = {
  'independent/family_object': 'answers "unix" without reading the target',
  'independent/variable_object': 'reports the values of a variable in the content',
};

/**
 * Probes rewritten in another part of issue 20 (the complete Target): their
 * cases run and are reported, but do not fail the suite until that work
 * lands. Remove an entry once its probe passes.
 */
const PENDING: Readonly<Record<string, string>> = {};

/** A real rpm database holding bash, for the rpm probes' cases. */
const RPMDB = rpmSqliteDatabase([{ name: 'bash', version: '5.1.8', release: '6.el9', files: ['/bin/bash'] }]);

const UNIT_LIST = 'a(ssssssouso) 1 "sshd.service" "OpenSSH" "loaded" "active" "running" "" "/org/freedesktop/systemd1/unit/sshd_2eservice" 0 "" "/"\n';

/** busctl as a host with systemd answers: one unit, one property. */
function busctl(_file: string, args: readonly string[]): ExecResult {
  if (args.includes('ListUnits')) return { stdout: UNIT_LIST, stderr: '', code: 0 };
  if (args.includes('GetAll')) return { stdout: 'a{sv} 1 "Id" s "sshd.service"\n', stderr: '', code: 0 };
  return { stdout: 'as 0\n', stderr: '', code: 0 };
}

const fp = (path: string): string => `<unix:filepath>${path}</unix:filepath>`;

const CASES: readonly FaultCase[] = [
  {
    probe: 'independent/textfilecontent54_object',
    name: 'a file that cannot be read',
    object: `<ind:filepath>/etc/conf</ind:filepath><ind:pattern operation="pattern match">^a</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance>`,
    files: { '/etc/conf': 'a=1\n' },
    at: { path: '/etc/conf', op: 'readFile' },
  },
  {
    probe: 'independent/textfilecontent54_object',
    name: 'a file that cannot be examined',
    object: `<ind:filepath>/etc/conf</ind:filepath><ind:pattern operation="pattern match">^a</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance>`,
    files: { '/etc/conf': 'a=1\n' },
    at: { path: '/etc/conf', op: 'lstat' },
  },
  {
    probe: 'independent/textfilecontent54_object',
    name: 'a directory of a walk that cannot be listed',
    object: `<ind:behaviors recurse_direction="down" max_depth="-1"/><ind:path>/etc/conf.d</ind:path><ind:filename operation="pattern match">\\.conf$</ind:filename><ind:pattern operation="pattern match">^a</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance>`,
    files: { '/etc/conf.d/x.conf': 'b=1\n', '/etc/conf.d/sub/y.conf': 'a=1\n' },
    at: { path: '/etc/conf.d/sub', op: 'list' },
  },
  {
    probe: 'unix/file_object',
    name: 'a file that cannot be examined',
    object: fp('/etc/shadow'),
    files: { '/etc/shadow': 'root:*:1::::::\n' },
    at: { path: '/etc/shadow', op: 'lstat' },
  },
  {
    probe: 'unix/file_object',
    name: 'a directory of a walk that cannot be listed',
    object: `<unix:behaviors recurse_direction="down" max_depth="-1"/><unix:path>/etc</unix:path><unix:filename operation="pattern match">^secret$</unix:filename>`,
    files: { '/etc/a': 'x', '/etc/private/secret': 'x' },
    at: { path: '/etc/private', op: 'list' },
  },
  {
    probe: 'unix/file_object',
    name: 'an entry of a walk that cannot be examined',
    object: `<unix:behaviors recurse_direction="down" max_depth="-1"/><unix:path>/etc</unix:path><unix:filename operation="pattern match">^secret$</unix:filename>`,
    files: { '/etc/a': 'x', '/etc/private/secret': 'x' },
    at: { path: '/etc/private/secret', op: 'lstat' },
  },
  {
    probe: 'unix/file_object',
    name: 'a directory a pattern path walks that cannot be listed',
    object: `<unix:path operation="pattern match">^/etc/[a-z]+$</unix:path><unix:filename>secret</unix:filename>`,
    files: { '/etc/a/x': 'x', '/etc/private/secret': 'x' },
    at: { path: '/etc', op: 'list' },
  },
  {
    probe: 'unix/file_object',
    name: 'the start of a walk that cannot be opened',
    object: `<unix:behaviors recurse_direction="down" max_depth="-1"/><unix:path>/etc/private</unix:path><unix:filename operation="pattern match">.</unix:filename>`,
    files: { '/etc/private/secret': 'x' },
    at: { path: '/etc/private', op: 'open' },
  },
  {
    probe: 'unix/file_object',
    name: 'recurse_direction up through a directory that cannot be listed',
    object: `<unix:behaviors recurse_direction="up" max_depth="-1"/><unix:path>/etc/a</unix:path><unix:filename>secret</unix:filename>`,
    files: { '/etc/a/x': 'x', '/etc/secret': 'x' },
    at: { path: '/etc', op: 'list' },
  },
  {
    probe: 'unix/password_object',
    name: '/etc/passwd cannot be read',
    object: '<unix:username>root</unix:username>',
    files: { '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n' },
    at: { path: '/etc/passwd', op: 'readFile' },
  },
  {
    probe: 'unix/shadow_object',
    name: '/etc/shadow cannot be read',
    object: '<unix:username>root</unix:username>',
    files: { '/etc/shadow': 'root:*:19000:0:99999:7:::\n' },
    at: { path: '/etc/shadow', op: 'readFile' },
  },
  {
    probe: 'unix/symlink_object',
    name: 'a link that cannot be examined',
    object: fp('/etc/localtime'),
    files: { '/etc/localtime': { symlink: '/usr/share/zoneinfo/UTC' }, '/usr/share/zoneinfo/UTC': 'TZif' },
    at: { path: '/etc/localtime', op: 'lstat' },
  },
  {
    probe: 'unix/symlink_object',
    name: 'links in a directory that cannot be listed',
    object: `<unix:path>/etc/alternatives</unix:path><unix:filename operation="pattern match">.</unix:filename>`,
    files: { '/etc/alternatives/editor': { symlink: '/bin/ed' }, '/bin/ed': 'x' },
    at: { path: '/etc/alternatives', op: 'list' },
  },
  {
    probe: 'unix/sysctl_object',
    name: 'a kernel parameter that cannot be read',
    object: '<unix:name>kernel.randomize_va_space</unix:name>',
    files: { '/proc/sys/kernel/randomize_va_space': '2\n' },
    at: { path: '/proc/sys/kernel/randomize_va_space', op: 'readFile' },
  },
  {
    probe: 'unix/uname_object',
    name: 'the target cannot describe its kernel',
    object: '',
    files: {},
    uname: { sysname: 'Linux', nodename: 'h', release: '6.1.0', version: '#1', machine: 'x86_64' },
    at: { path: '/', op: 'describe' },
    absent: 'none',
  },
  {
    probe: 'linux/dpkginfo_object',
    name: 'the dpkg database cannot be read',
    object: '<linux:name>openssh-server</linux:name>',
    files: { '/var/lib/dpkg/status': 'Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2\n' },
    at: { path: '/var/lib/dpkg/status', op: 'readFile' },
  },
  {
    probe: 'linux/rpminfo_object',
    name: 'the rpm database cannot be examined',
    object: '<linux:name>bash</linux:name>',
    files: { '/var/lib/rpm/rpmdb.sqlite': RPMDB },
    at: { path: '/var/lib/rpm/rpmdb.sqlite', op: 'stat' },
  },
  {
    probe: 'linux/rpmverifyfile_object',
    name: 'the rpm database cannot be examined',
    object: '<linux:behaviors/><linux:name operation="pattern match">.*</linux:name><linux:epoch operation="pattern match">.*</linux:epoch><linux:version operation="pattern match">.*</linux:version><linux:release operation="pattern match">.*</linux:release><linux:arch operation="pattern match">.*</linux:arch><linux:filepath>/bin/bash</linux:filepath>',
    files: { '/var/lib/rpm/rpmdb.sqlite': RPMDB, '/bin/bash': '#!' },
    at: { path: '/var/lib/rpm/rpmdb.sqlite', op: 'stat' },
  },
  {
    probe: 'linux/rpmverifypackage_object',
    name: 'the rpm database cannot be examined',
    object: '<linux:name>bash</linux:name><linux:epoch operation="pattern match">.*</linux:epoch><linux:version operation="pattern match">.*</linux:version><linux:release operation="pattern match">.*</linux:release><linux:arch operation="pattern match">.*</linux:arch>',
    files: { '/var/lib/rpm/rpmdb.sqlite': RPMDB },
    at: { path: '/var/lib/rpm/rpmdb.sqlite', op: 'stat' },
  },
  {
    probe: 'linux/rpmverify_object',
    name: 'the rpm database cannot be examined',
    object: '<linux:name>bash</linux:name><linux:filepath>/bin/bash</linux:filepath>',
    files: { '/var/lib/rpm/rpmdb.sqlite': RPMDB, '/bin/bash': '#!' },
    at: { path: '/var/lib/rpm/rpmdb.sqlite', op: 'stat' },
  },
  {
    probe: 'linux/partition_object',
    name: 'the mount table cannot be read',
    object: '<linux:mount_point>/</linux:mount_point>',
    files: { '/proc/mounts': '/dev/sda1 / ext4 rw 0 0\n' },
    at: { path: '/proc/mounts', op: 'readFile' },
  },
  {
    probe: 'independent/environmentvariable58_object',
    name: "a process's environment cannot be read",
    object: '<ind:pid datatype="int">4242</ind:pid><ind:name>PATH</ind:name>',
    files: { '/proc/self': { symlink: '4242' }, '/proc/4242/environ': 'PATH=/usr/bin\0', '/proc/4242/stat': '4242 (node) S 1' },
    capabilities: ['processes', 'kernel'],
    at: { path: '/proc/4242/environ', op: 'readFile' },
  },
  {
    probe: 'linux/systemdunitproperty_object',
    name: 'busctl times out',
    object: '<linux:unit>sshd.service</linux:unit><linux:property>Id</linux:property>',
    files: {},
    capabilities: ['services', 'exec'],
    exec: busctl,
    at: { path: 'busctl', op: 'exec' },
    // a unit that is not there: the bus answers, without it
    absent: { exec: (f, a) => (a.includes('ListUnits') ? { stdout: 'a(ssssssouso) 0\n', stderr: '', code: 0 } : busctl(f, a)) },
  },
  {
    probe: 'linux/systemdunitdependency_object',
    name: 'busctl times out',
    object: '<linux:unit>sshd.service</linux:unit>',
    files: {},
    capabilities: ['services', 'exec'],
    exec: busctl,
    at: { path: 'busctl', op: 'exec' },
    absent: { exec: (f, a) => (a.includes('ListUnits') ? { stdout: 'a(ssssssouso) 0\n', stderr: '', code: 0 } : busctl(f, a)) },
  },
  {
    probe: 'linux/selinuxboolean_object',
    name: 'the booleans cannot be listed',
    object: '<linux:name operation="pattern match">.*</linux:name>',
    files: { '/proc/mounts': 'selinuxfs /sys/fs/selinux selinuxfs rw 0 0\n', '/sys/fs/selinux/booleans/ssh_sysadm_login': '0 0' },
    at: { path: '/sys/fs/selinux/booleans', op: 'list' },
    // a selinuxfs without its booleans directory is where OpenSCAP's probe fails: not collected (selinux.test.ts)
    absent: 'none',
  },
  {
    probe: 'linux/selinuxsecuritycontext_object',
    name: "a process's context cannot be read",
    object: '<linux:pid datatype="int">1</linux:pid>',
    files: { '/proc/mounts': 'selinuxfs /sys/fs/selinux selinuxfs rw 0 0\n', '/proc/1/attr/current': 'system_u:system_r:init_t:s0\0', '/proc/1/stat': '1 (init) S 0' },
    at: { path: '/proc/1/attr/current', op: 'readFile' },
  },
  {
    probe: 'unix/interface_object',
    name: 'the interfaces cannot be listed',
    object: '<unix:name>lo</unix:name>',
    files: { '/sys/class/net/lo/ifindex': '1\n', '/sys/class/net/lo/type': '772\n', '/sys/class/net/lo/flags': '0x9\n', '/sys/class/net/lo/address': '00:00:00:00:00:00\n', '/proc/net/if_inet6': '00000000000000000000000000000001 01 80 10 80       lo\n' },
    at: { path: '/sys/class/net', op: 'list' },
  },
  {
    probe: 'unix/interface_object',
    name: "an interface's flags cannot be read",
    object: '<unix:name>lo</unix:name>',
    files: { '/sys/class/net/lo/ifindex': '1\n', '/sys/class/net/lo/type': '772\n', '/sys/class/net/lo/flags': '0x9\n', '/sys/class/net/lo/address': '00:00:00:00:00:00\n', '/proc/net/if_inet6': '00000000000000000000000000000001 01 80 10 80       lo\n' },
    at: { path: '/sys/class/net/lo/flags', op: 'readFile' },
    // an interface without its flags file is still there: absence is the interface's own
    absent: { files: { '/sys/class/net/eth9/ifindex': '2\n' } },
  },
  {
    probe: 'unix/process58_object',
    name: 'a process that cannot be examined',
    object: '<unix:command_line operation="pattern match">^sshd</unix:command_line><unix:pid datatype="int" operation="greater than">0</unix:pid>',
    files: {
      '/proc/stat': 'btime 1700000000\n',
      '/proc/1/stat': '1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 100 1 1 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0',
      '/proc/1/cmdline': 'init\0',
      '/proc/1/status': 'Uid:\t0\t0\t0\t0\n',
      '/proc/1/loginuid': '4294967295',
      '/proc/1/maps': '',
      '/proc/7/stat': '7 (sshd) S 1 7 7 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 100 1 1 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0',
      '/proc/7/cmdline': 'sshd\0',
      '/proc/7/status': 'Uid:\t0\t0\t0\t0\n',
      '/proc/7/loginuid': '4294967295',
      '/proc/7/maps': '',
    },
    capabilities: ['processes'],
    at: { path: '/proc/7/stat', op: 'readFile' },
  },
  {
    probe: 'independent/filehash58_object',
    name: 'a file that cannot be read',
    object: '<ind:filepath>/etc/passwd</ind:filepath><ind:hash_type>SHA-256</ind:hash_type>',
    files: { '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n' },
    at: { path: '/etc/passwd', op: 'readFile' },
  },
  {
    probe: 'independent/xmlfilecontent_object',
    name: 'a file that cannot be read',
    object: '<ind:filepath>/etc/a.xml</ind:filepath><ind:xpath>/a/text()</ind:xpath>',
    files: { '/etc/a.xml': '<a>1</a>' },
    at: { path: '/etc/a.xml', op: 'readFile' },
  },
  {
    probe: 'independent/yamlfilecontent_object',
    name: 'a file that cannot be read',
    object: '<ind:filepath>/etc/a.yml</ind:filepath><ind:yamlpath>.a</ind:yamlpath>',
    files: { '/etc/a.yml': 'a: 1\n' },
    at: { path: '/etc/a.yml', op: 'readFile' },
  },
];

const ERRNOS = ['EACCES', 'EIO', 'ETIMEDOUT', 'ELOOP'] as const;
/** The reasons as strerror words them, which probes that copy oscap's messages give. */
const STRERROR: Record<(typeof ERRNOS)[number], string> = {
  EACCES: 'Permission denied',
  EIO: 'Input/output error',
  ETIMEDOUT: 'Connection timed out',
  ELOOP: 'Too many levels of symbolic links',
};

/** An in-memory target with `exec` when the case needs one (the fake target has none). */
function innerTarget(c: FaultCase, files: Readonly<Record<string, MockEntry>>, exec: FaultCase['exec']): Target {
  const caps = c.capabilities ?? ['kernel', 'processes'];
  const fake = mockTarget({ files, capabilities: caps.filter((x) => x !== 'exec'), kind: 'local', ...(c.uname ? { uname: c.uname } : {}) });
  if (!exec) return fake;
  return wrapTarget(fake, { has: (x) => caps.includes(x), exec: async (f, a) => exec(f, a) });
}

/** The object collected, and a none_exist test over it, on `target`. */
async function run(c: FaultCase, target: Target): Promise<{ flag: string; items: number; itemErrors: number; none: string; messages: string }> {
  const [family, type] = c.probe.split('/') as [string, string];
  const p = family === 'independent' ? 'ind' : family;
  const base = type.replace(/_object$/, '');
  const xml = ovalXml({
    tests: `<${p}:${base}_test id="oval:t:tst:1" version="1" check="all" check_existence="none_exist"><${p}:object object_ref="oval:t:obj:1"/></${p}:${base}_test>`,
    objects: `<${p}:${type} id="oval:t:obj:1" version="1">${c.object}</${p}:${type}>`,
  }).replace('<oval:schema_version>5.11</oval:schema_version>', '<oval:schema_version>5.11.2</oval:schema_version>');
  const doc = readDocument({ text: xml, name: 't.xml' }) as OvalDefinitions;
  const engine = new OvalEngine(doc, { target, probes: probeTable(PROBES) });
  const o = await engine.collect('oval:t:obj:1');
  const t = await engine.evaluateTest('oval:t:tst:1');
  return { flag: o.flag, items: o.items.length, itemErrors: o.items.filter((i) => i.status === 'error').length, none: t.result, messages: o.messages.join(' | ') };
}

function fault(c: FaultCase, code: string): Fault {
  return { path: c.at.path, ops: [c.at.op], code, ...(c.at.prefix ? { prefix: true } : {}) };
}

describe('honest errors under every probe (fault-injecting target)', () => {
  for (const c of CASES) {
    const pending = PENDING[c.probe];
    describe(`${c.probe}: ${c.name}`, () => {
      it('the case finds something when nothing fails (the fault is what changes it)', async () => {
        const r = await run(c, innerTarget(c, c.files, c.exec));
        assert.notEqual(r.flag, 'error', r.messages);
        assert.notEqual(r.flag, 'does not exist', `nothing found without a fault: ${r.messages}`);
      });
      // opening a directory follows links, and a link that loops (ELOOP) leads nowhere: absence, as fts's FTS_SLNONE
      for (const code of ERRNOS.filter((e) => !(e === 'ELOOP' && c.at.op === 'open'))) {
        it(`${code} on ${c.at.op} ${c.at.path}: error, and none_exist is error`, pending ? { todo: pending } : {}, async () => {
          const target = faultTarget(innerTarget(c, c.files, c.exec), [fault(c, code)]);
          const r = await run(c, target);
          assert.ok(target.hits.length > 0, 'the fault was never reached');
          assert.equal(r.flag, 'error', `flag ${r.flag} (${r.items} items): ${r.messages}`);
          assert.equal(r.none, 'error');
          assert.ok(r.messages.includes(code) || r.messages.includes(STRERROR[code]) || r.itemErrors > 0, `the reason is not given: ${r.messages}`);
        });
      }
      if (c.absent !== 'none') {
        it('absent instead: does not exist, and none_exist is true', pending ? { todo: pending } : {}, async () => {
          const absent = c.absent === 'none' ? undefined : c.absent;
          const target = absent
            ? innerTarget(c, absent.files ?? c.files, absent.exec ?? c.exec)
            : faultTarget(innerTarget(c, c.files, c.exec), [{ path: c.at.path, prefix: true, code: 'ENOENT' }]);
          const r = await run(c, target);
          assert.equal(r.flag, 'does not exist', r.messages);
          assert.equal(r.none, 'true');
        });
      }
    });
  }
});

describe('the fault suite covers the registry', () => {
  it('every registered probe has a case, or reads nothing from the target', () => {
    const covered = new Set(CASES.map((c) => c.probe));
    const missing = PROBES.map((p) => `${p.family}/${p.objectType}`).filter((k) => !covered.has(k) && READ_NOTHING[k] === undefined);
    assert.deepEqual(missing, [], 'add a case to faults.test.ts for each');
  });

  it('every case and exemption names a registered probe', () => {
    const registered = new Set(PROBES.map((p) => `${p.family}/${p.objectType}`));
    const stale = [...CASES.map((c) => c.probe), ...Object.keys(READ_NOTHING), ...Object.keys(PENDING)].filter((k) => !registered.has(k));
    assert.deepEqual(stale, []);
  });
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { readDocument } from '../../../model/load.js';
import type { OvalDefinitions } from '../../../model/oval/types.js';
import { localTarget } from '../../../target/fs-target.js';
import { mockTarget, type MockEntry } from '../../../target/memory-target.js';
import { caseDocument, canonicalItems, defId, objId, oscapAvailable, oscapOutcome, vigilOutcome, type ProbeCase } from '../../../testing/probe-oracle.js';
import { ovalXml } from '../../../testing/content.js';
import { OvalEngine } from '../../engine.js';
import type { CollectedObject, Probe } from '../../types.js';
import { parseSecurityContext, selinuxbooleanProbe, selinuxfsMount, selinuxsecuritycontextProbe } from './selinux.js';

const NO_SELINUX_MOUNTS = 'sysfs /sys sysfs rw 0 0\nproc /proc proc rw 0 0\n/dev/vda / ext4 rw,relatime 0 0\n';
const SELINUX_MOUNTS = `${NO_SELINUX_MOUNTS}selinuxfs /sys/fs/selinux selinuxfs rw,relatime 0 0\n`;

const BOOLEANS: Record<string, MockEntry> = {
  '/sys/fs/selinux/booleans/ssh_sysadm_login': '0 0',
  '/sys/fs/selinux/booleans/httpd_can_network_connect': '1 1',
  '/sys/fs/selinux/booleans/deny_ptrace': '0 1',
  '/sys/fs/selinux/booleans/secure_mode': { error: 'EACCES' },
};

const FILES: Record<string, MockEntry> = {
  '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n',
  '/etc/hosts': '127.0.0.1 localhost\n',
  '/etc/dangling': { symlink: '/nonexistent' },
  '/etc/hosts-link': { symlink: 'hosts' },
  '/proc/1/status': 'Name:\tinit\n',
  '/proc/1/attr/current': 'system_u:system_r:init_t:s0\0',
  '/proc/42/attr/current': 'unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023\0',
  '/proc/43/attr/current': 'user_u:user_r:user_t\0',
  '/proc/44/attr/current': 'unconfined\n',
  '/proc/45/attr/current': { error: 'EINVAL' },
  '/proc/self': { symlink: '42' },
};

async function collect(probe: Probe, objectXml: string, files: Record<string, MockEntry>, capabilities: Array<'kernel'> = ['kernel']): Promise<CollectedObject> {
  const doc = readDocument({ text: ovalXml({ objects: `<linux:${probe.objectType} id="oval:t:obj:1" version="1">${objectXml}</linux:${probe.objectType}>` }), name: 't.xml' }) as OvalDefinitions;
  const e = new OvalEngine(doc, { target: mockTarget({ files, capabilities }), probes: new Map([[`linux/${probe.objectType}`, probe]]) });
  return e.collect('oval:t:obj:1');
}

const show = (c: CollectedObject): string[] => c.items.map((i) => `${i.status}: ${i.entities.map((e) => `${e.name}=${e.value}`).join(' ')}`);

// ------------------------------------------------------------------ tables

describe('selinux: contexts as libselinux context_new() splits them', () => {
  const cases = [
    { raw: 'system_u:system_r:init_t:s0\0', want: { user: 'system_u', role: 'system_r', type: 'init_t', range: 's0' } },
    { raw: 'u:r:t:s0-s0:c0.c1023', want: { user: 'u', role: 'r', type: 't', range: 's0-s0:c0.c1023' } },
    { raw: 'u:r:t', want: { user: 'u', role: 'r', type: 't' } },
    { raw: 'u:r:t:', want: { user: 'u', role: 'r', type: 't' } },
    { raw: 'u:r:t:s0 extra', want: { user: 'u', role: 'r', type: 't', range: 's0 extra' } },
    { raw: 'unconfined\n', want: undefined },
    { raw: 'unconfined', want: undefined },
    { raw: 'u:r', want: undefined },
    { raw: 'u r:t:s0', want: undefined },
    { raw: 'u:r:t:s0:c1:c2:c3', want: undefined },
  ];
  for (const c of cases) it(JSON.stringify(c.raw), () => assert.deepEqual(parseSecurityContext(c.raw), c.want));

  const mounts = [
    { name: 'no selinuxfs', text: NO_SELINUX_MOUNTS, want: undefined },
    { name: 'the usual place', text: SELINUX_MOUNTS, want: '/sys/fs/selinux' },
    { name: 'elsewhere', text: `${NO_SELINUX_MOUNTS}none /selinux\\040fs selinuxfs rw 0 0\n`, want: '/selinux fs' },
  ];
  for (const m of mounts) it(`selinuxfs mount: ${m.name}`, async () => assert.equal(await selinuxfsMount(mockTarget({ files: { '/proc/mounts': m.text } })), m.want));
});

describe('selinuxboolean', () => {
  const withSelinux = { '/proc/mounts': SELINUX_MOUNTS, ...BOOLEANS };
  const cases = [
    { name: 'one boolean: current and pending', obj: '<linux:name>deny_ptrace</linux:name>', want: ['exists: name=deny_ptrace current_status=false pending_status=true'] },
    {
      name: 'pattern match, in name order',
      obj: '<linux:name operation="pattern match">^(h|s)</linux:name>',
      want: ['exists: name=httpd_can_network_connect current_status=true pending_status=true', 'error: name=secure_mode', 'exists: name=ssh_sysadm_login current_status=false pending_status=false'],
    },
    { name: 'no such boolean', obj: '<linux:name>nope</linux:name>', want: [] },
  ];
  for (const c of cases) it(c.name, async () => assert.deepEqual(show(await collect(selinuxbooleanProbe, c.obj, withSelinux)), c.want));

  it('a boolean that cannot be read is an error item with the reason, not true', async () => {
    const c = await collect(selinuxbooleanProbe, '<linux:name>secure_mode</linux:name>', withSelinux);
    assert.deepEqual(show(c), ['error: name=secure_mode']);
    assert.match(c.items[0]!.messages?.[0] ?? '', /EACCES/);
  });

  it('datatypes: string name, boolean statuses', async () => {
    const c = await collect(selinuxbooleanProbe, '<linux:name>deny_ptrace</linux:name>', withSelinux);
    assert.deepEqual(c.items[0]!.entities.map((e) => e.datatype), ['string', 'boolean', 'boolean']);
  });

  const failing = [
    { name: 'without SELinux (OpenSCAP\'s probe fails)', files: { '/proc/mounts': NO_SELINUX_MOUNTS } },
    { name: 'selinuxfs without booleans', files: { '/proc/mounts': SELINUX_MOUNTS, '/sys/fs/selinux/booleans': { dir: true } } as Record<string, MockEntry> },
    { name: 'selinuxfs that cannot be listed', files: { '/proc/mounts': SELINUX_MOUNTS } },
  ];
  for (const f of failing) {
    it(`not collected ${f.name}`, async () => {
      const c = await collect(selinuxbooleanProbe, '<linux:name operation="pattern match">.*</linux:name>', f.files);
      assert.equal(c.flag, 'not collected');
      assert.ok(c.messages.length > 0);
    });
  }

  it('is "not collected" on a target without a live kernel', async () => {
    assert.equal((await collect(selinuxbooleanProbe, '<linux:name>x</linux:name>', withSelinux, [])).flag, 'not collected');
  });
});

describe('selinuxsecuritycontext', () => {
  const noSelinux = { '/proc/mounts': NO_SELINUX_MOUNTS, ...FILES };
  const cases = [
    {
      name: 'process with an MLS range',
      obj: '<linux:pid datatype="int">42</linux:pid>',
      want: ['exists: pid=42 user=unconfined_u role=unconfined_r type=unconfined_t low_sensitivity=s0 high_sensitivity=s0 high_category=c0.c1023'],
    },
    { name: 'process with one level', obj: '<linux:pid datatype="int">1</linux:pid>', want: ['exists: pid=1 user=system_u role=system_r type=init_t low_sensitivity=s0'] },
    { name: 'process without a range', obj: '<linux:pid datatype="int">43</linux:pid>', want: ['exists: pid=43 user=user_u role=user_r type=user_t'] },
    { name: 'pid 0 is the scanning process', obj: '<linux:pid datatype="int">0</linux:pid>', want: ['exists: pid=42 user=unconfined_u role=unconfined_r type=unconfined_t low_sensitivity=s0 high_sensitivity=s0 high_category=c0.c1023'] },
    { name: 'an unreadable or non-SELinux context gives no item', obj: '<linux:pid datatype="int" operation="greater than">43</linux:pid>', want: [] },
    {
      name: 'pid operations',
      obj: '<linux:pid datatype="int" operation="less than">43</linux:pid>',
      want: ['exists: pid=1 user=system_u role=system_r type=init_t low_sensitivity=s0', 'exists: pid=42 user=unconfined_u role=unconfined_r type=unconfined_t low_sensitivity=s0 high_sensitivity=s0 high_category=c0.c1023'],
    },
    { name: 'file without a label (no SELinux)', obj: '<linux:filepath>/etc/passwd</linux:filepath>', want: ['error: filepath=/etc/passwd path=/etc filename=passwd'] },
    { name: 'a missing file gives no item', obj: '<linux:filepath>/etc/absent</linux:filepath>', want: [] },
    {
      name: 'path and filename pattern: a link is followed, a dangling link skipped',
      obj: '<linux:path>/etc</linux:path><linux:filename operation="pattern match">^(hosts|dangling)</linux:filename>',
      want: ['error: filepath=/etc/hosts path=/etc filename=hosts', 'error: filepath=/etc/hosts-link path=/etc filename=hosts-link'],
    },
    { name: 'a directory (nil filename) ends with a slash', obj: '<linux:path>/etc</linux:path><linux:filename xsi:nil="true"/>', want: ['error: filepath=/etc/ path=/etc'] },
  ];
  for (const c of cases) it(c.name, async () => assert.deepEqual(show(await collect(selinuxsecuritycontextProbe, c.obj, noSelinux)).sort(), c.want));

  const messages = [
    { file: '/etc/passwd', want: "Can't get context for /etc/passwd: No data available\n" },
    { file: '/proc/1/status', want: "Can't get context for /proc/1/status: Operation not supported\n" },
  ];
  for (const m of messages) {
    it(`the error item says why: ${m.file}`, async () => {
      const c = await collect(selinuxsecuritycontextProbe, `<linux:filepath>${m.file}</linux:filepath>`, noSelinux);
      assert.equal(c.flag, 'error');
      assert.deepEqual(c.items[0]!.messages, [m.want]);
    });
  }

  it('a pid that is not a number is an error', async () => {
    assert.equal((await collect(selinuxsecuritycontextProbe, '<linux:pid datatype="int">x</linux:pid>', noSelinux)).flag, 'error');
  });
  it('with SELinux enabled, file labels are read from the security.selinux attribute (through a link too)', async () => {
    const labelled: Record<string, MockEntry> = {
      ...noSelinux,
      '/proc/mounts': SELINUX_MOUNTS,
      '/etc/passwd': { content: 'root:x:0:0::/root:/bin/sh\n', xattrs: { 'security.selinux': 'system_u:object_r:passwd_file_t:s0\0' } },
      '/etc/hosts': { content: '127.0.0.1 localhost\n', xattrs: { 'security.selinux': 'system_u:object_r:net_conf_t:s0-s0:c0.c1023\0' } },
      '/etc/shadow': { content: '', xattrs: { 'security.selinux': 'garbage' } },
    };
    const c = await collect(selinuxsecuritycontextProbe, '<linux:path>/etc</linux:path><linux:filename operation="pattern match">^(passwd|hosts-link|shadow)$</linux:filename>', labelled);
    assert.deepEqual(show(c).sort(), [
      'error: filepath=/etc/shadow path=/etc filename=shadow',
      'exists: filepath=/etc/hosts-link path=/etc filename=hosts-link user=system_u role=object_r type=net_conf_t low_sensitivity=s0 high_sensitivity=s0 high_category=c0.c1023',
      'exists: filepath=/etc/passwd path=/etc filename=passwd user=system_u role=object_r type=passwd_file_t low_sensitivity=s0',
    ]);
  });
  it('a process whose context cannot be read (EACCES) is an error item; one without SELinux (EINVAL) gives none', async () => {
    const c = await collect(selinuxsecuritycontextProbe, '<linux:pid datatype="int" operation="greater than">44</linux:pid>', { ...noSelinux, '/proc/46/attr/current': { error: 'EACCES' } });
    assert.deepEqual(show(c), ['error: pid=46']);
    assert.match(c.items[0]!.messages?.[0] ?? '', /\/proc\/46\/attr\/current: EACCES/);
  });
  it('a mount table that cannot be read makes the object an error, not "no SELinux"', async () => {
    const c = await collect(selinuxbooleanProbe, '<linux:name>x</linux:name>', { ...BOOLEANS, '/proc/mounts': { error: 'EIO' } });
    assert.equal(c.flag, 'error');
  });
  it('with SELinux enabled process contexts are still read', async () => {
    const c = await collect(selinuxsecuritycontextProbe, '<linux:pid datatype="int">43</linux:pid>', { ...noSelinux, '/proc/mounts': SELINUX_MOUNTS });
    assert.deepEqual(show(c), ['exists: pid=43 user=user_u role=user_r type=user_t']);
  });
  it('is "not collected" on a target without a live kernel', async () => {
    assert.equal((await collect(selinuxsecuritycontextProbe, '<linux:pid datatype="int">1</linux:pid>', noSelinux, [])).flag, 'not collected');
  });
});

// ------------------------------------------------------------------ oracle

test('selinuxboolean_object and selinuxsecuritycontext_object agree with oscap on this host', async (t) => {
  if (!(await oscapAvailable(t))) return;
  const selinux = (await selinuxfsMount(localTarget())) !== undefined;
  t.diagnostic(`SELinux is ${selinux ? '' : 'not '}enabled here`);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-selinux-oracle-'));
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.conf'), 'x\n');
    symlinkSync('a.conf', join(dir, 'link.conf'));
    symlinkSync('/nonexistent-vigil', join(dir, 'dangling.conf'));
    const sc = (name: string, object: string, extra: Partial<ProbeCase & { items: boolean }> = {}): ProbeCase & { items: boolean } => ({
      name,
      family: 'linux',
      type: 'selinuxsecuritycontext',
      object,
      items: true,
      ...extra,
    });
    const contexts = [
      // Vigil cannot read file labels where SELinux is enabled: those objects are "not collected" there.
      ...(selinux
        ? []
        : [
            sc('a file', '<linux:filepath>/etc/passwd</linux:filepath>'),
            sc('files by pattern, links followed', `<linux:path>${dir}</linux:path><linux:filename operation="pattern match">\\.conf$</linux:filename>`),
            sc('a directory', `<linux:path>${dir}</linux:path><linux:filename xsi:nil="true"/>`),
            sc('a file in /proc', '<linux:filepath>/proc/1/status</linux:filepath>'),
            sc('a file that does not exist', `<linux:filepath>${dir}/absent</linux:filepath>`),
            sc('no file is unlabeled', `<linux:filepath>${dir}/a.conf</linux:filepath>`, { existence: 'none_exist' }),
          ]),
      sc('pid 1', '<linux:pid datatype="int">1</linux:pid>'),
      sc('every process has a type', '<linux:pid datatype="int" operation="greater than">0</linux:pid>', { state: '<linux:type operation="pattern match">_t$</linux:type>', items: false }),
      // the scanning process differs (oscap itself, or node): compare results only
      sc('the scanning process', '<linux:pid datatype="int">0</linux:pid>', { items: false }),
    ];
    const booleans: Array<ProbeCase & { items: boolean }> = [
      { name: 'every boolean', family: 'linux', type: 'selinuxboolean', object: '<linux:name operation="pattern match">.*</linux:name>', items: true },
      {
        name: 'a boolean is off',
        family: 'linux',
        type: 'selinuxboolean',
        object: '<linux:name>deny_ptrace</linux:name>',
        state: '<linux:current_status datatype="boolean">false</linux:current_status>',
        items: true,
      },
    ];
    const disagreements: string[] = [];
    // Separate runs: without SELinux oscap's selinuxboolean probe fails, and then oscap writes no results at all.
    for (const cases of [contexts, booleans]) {
      const xml = caseDocument(cases);
      const theirs = await oscapOutcome(xml, t);
      const ours = await vigilOutcome(xml, [selinuxbooleanProbe, selinuxsecuritycontextProbe]);
      assert.equal(theirs.definitions.size, cases.length, `oscap printed every definition: ${theirs.stderr.slice(-2000)}`);
      if (cases === contexts) assert.equal(theirs.objects.size, cases.length, `oscap's results list every object: ${theirs.stderr.slice(-2000)}`);
      cases.forEach((c, i) => {
        const id = defId(i + 1);
        t.diagnostic(`${c.type} ${c.name}: oscap ${theirs.definitions.get(id)}, Vigil ${ours.definitions.get(id)}`);
        if (theirs.definitions.get(id) !== ours.definitions.get(id)) disagreements.push(`${c.name}: oscap ${theirs.definitions.get(id)}, Vigil ${ours.definitions.get(id)}`);
        const [a, b] = [theirs.objects.get(objId(i + 1)), ours.objects.get(objId(i + 1))];
        if (!a || !c.items) return; // no results file (a failed probe), or items that cannot match
        if (a.flag !== b?.flag) disagreements.push(`${c.name}: flag oscap ${a.flag}, Vigil ${b?.flag}`);
        else assert.deepEqual(canonicalItems(b.items), canonicalItems(a.items), `${c.name}: items differ`);
      });
    }
    assert.deepEqual(disagreements, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

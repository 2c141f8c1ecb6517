import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readDocument } from '../../model/load.js';
import type { OvalDefinitions } from '../../model/oval/types.js';
import { offlineRootTarget } from '../../target/fs-target.js';
import { ovalXml } from '../../testing/content.js';
import { OvalEngine } from '../engine.js';
import type { CollectedObject } from '../types.js';
import { probeTable } from './registry.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-probes-'));
after(() => rmSync(root, { recursive: true, force: true }));
function put(path: string, text: string, mode?: number): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  if (mode !== undefined) chmodSync(join(root, path), mode);
}
put('/etc/ssh/sshd_config', 'PermitRootLogin no\n#MaxAuthTries 9\nMaxAuthTries 4\nCiphers aes256-ctr,aes128-ctr\n', 0o600);
put('/etc/conf.d/a.conf', 'key=1\n');
put('/etc/conf.d/b.conf', 'key=2\nother=x\n');
put('/etc/conf.d/sub/c.conf', 'key=3\n');
put('/etc/conf.d/sub/deeper/d.conf', 'key=4\n');
put('/etc/ml.txt', 'start\nA\nB\nend\n');
put('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000:Bob:/home/bob:/bin/sh\n');
put('/etc/shadow', 'root:$6$s$h:19000:0:99999:7:::\nbob:!:19001:1:90:7:30::\n', 0o640);
put('/var/lib/dpkg/status', 'Package: openssh-server\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:8.9p1-3ubuntu0.1\nProvides: ssh-server\n\nPackage: telnetd\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 0.17-44\n\nPackage: rsync\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.2.3\n');
symlinkSync('/etc/ssh/sshd_config', join(root, 'etc/sshd-link'));
put('/etc/big.txt', `Ciphers ${'a'.repeat(40)}!\n`);

async function collect(objectXml: string, variables = ''): Promise<CollectedObject> {
  const doc = readDocument({ text: ovalXml({ objects: objectXml, ...(variables ? { variables } : {}) }), name: 't.xml' }) as OvalDefinitions;
  const e = new OvalEngine(doc, { target: offlineRootTarget(root), probes: probeTable() });
  return e.collect([...doc.objects.keys()].at(-1)!);
}
const values = (c: CollectedObject, entity: string): string[] => c.items.flatMap((i) => i.entities.filter((e) => e.name === entity).map((e) => e.value));

describe('textfilecontent54', () => {
  const tfc = (path: string, pattern: string, instance = '<ind:instance datatype="int" operation="greater than or equal">1</ind:instance>', behaviors = '') =>
    `<ind:textfilecontent54_object id="oval:t:obj:1" version="1">${behaviors}${path}<ind:pattern operation="pattern match">${pattern}</ind:pattern>${instance}</ind:textfilecontent54_object>`;
  const cases = [
    { name: 'one match per line, with its subexpression', xml: tfc('<ind:filepath>/etc/ssh/sshd_config</ind:filepath>', '^MaxAuthTries[ \\t]+(\\d+)$'), entity: 'subexpression', want: ['4'] },
    { name: 'commented lines do not match an anchored pattern', xml: tfc('<ind:filepath>/etc/ssh/sshd_config</ind:filepath>', '^[ \\t]*MaxAuthTries[ \\t]+(\\d+)'), entity: 'subexpression', want: ['4'] },
    { name: 'instance selects the n-th match', xml: tfc('<ind:filepath>/etc/conf.d/b.conf</ind:filepath>', '^(\\w+)=', '<ind:instance datatype="int">2</ind:instance>'), entity: 'subexpression', want: ['other'] },
    { name: 'a negative instance counts from the end', xml: tfc('<ind:filepath>/etc/conf.d/b.conf</ind:filepath>', '^(\\w+)=', '<ind:instance datatype="int">-1</ind:instance>'), entity: 'subexpression', want: ['other'] },
    { name: 'path + filename pattern', xml: tfc('<ind:path>/etc/conf.d</ind:path><ind:filename operation="pattern match">^.*\\.conf$</ind:filename>', '^key=(\\d)'), entity: 'subexpression', want: ['1', '2'] },
    { name: 'recurse down one level', xml: tfc('<ind:path>/etc/conf.d</ind:path><ind:filename operation="pattern match">\\.conf$</ind:filename>', '^key=(\\d)', undefined, '<ind:behaviors max_depth="1" recurse_direction="down"/>'), entity: 'subexpression', want: ['1', '2', '3'] },
    { name: 'filepath pattern walks from its literal directory', xml: tfc('<ind:filepath operation="pattern match">^/etc/conf\\.d/.*\\.conf$</ind:filepath>', '^key=(\\d)'), entity: 'subexpression', want: ['1', '2', '3', '4'] },
    { name: 'singleline lets . cross lines', xml: tfc('<ind:filepath>/etc/ml.txt</ind:filepath>', 'start(.*)end', undefined, '<ind:behaviors singleline="true"/>'), entity: 'subexpression', want: ['\nA\nB\n'] },
    { name: 'a symlink is followed inside the root', xml: tfc('<ind:filepath>/etc/sshd-link</ind:filepath>', '^PermitRootLogin (\\w+)'), entity: 'subexpression', want: ['no'] },
  ];
  for (const c of cases) it(c.name, async () => assert.deepEqual(values(await collect(c.xml), c.entity).sort(), c.want));

  it('reports OpenSCAP\'s item fields: filepath, path, filename, pattern, instance, line, text', async () => {
    const c = await collect(tfc('<ind:filepath>/etc/conf.d/a.conf</ind:filepath>', '^key=(\\d)'));
    assert.deepEqual(c.items[0]!.entities.map((e) => `${e.name}=${e.value}`), ['filepath=/etc/conf.d/a.conf', 'path=/etc/conf.d', 'filename=a.conf', 'pattern=^key=(\\d)', 'instance=1', 'line=^key=(\\d)', 'text=key=1', 'subexpression=1']);
  });
  it('a file that does not exist gives "does not exist"', async () => assert.equal((await collect(tfc('<ind:filepath>/etc/absent</ind:filepath>', 'x'))).flag, 'does not exist'));
  it('a catastrophically backtracking pattern makes the object an error, not a hang', async () => {
    const c = await collect(tfc('<ind:filepath>/etc/big.txt</ind:filepath>', '^Ciphers[ \\t]+([\\w,-@]+)+$'));
    assert.equal(c.flag, 'error');
    assert.match(c.messages.join(), /catastrophic backtracking/);
  });
});

describe('file', () => {
  it('reports the permission bits, owner and type', async () => {
    const c = await collect('<unix:file_object id="oval:t:obj:1" version="1"><unix:filepath>/etc/ssh/sshd_config</unix:filepath></unix:file_object>');
    const e = Object.fromEntries(c.items[0]!.entities.map((x) => [x.name, x.value]));
    assert.equal(e['type'], 'regular');
    assert.equal(e['uread'], 'true');
    assert.equal(e['gread'], 'false');
    assert.equal(e['oread'], 'false');
    assert.equal(e['user_id'], String(process.getuid?.() ?? 0));
  });
  it('a nil filename selects the directory itself', async () => {
    const c = await collect('<unix:file_object id="oval:t:obj:1" version="1"><unix:path>/etc/conf.d</unix:path><unix:filename xsi:nil="true"/></unix:file_object>');
    assert.deepEqual(values(c, 'type'), ['directory']);
    assert.deepEqual(values(c, 'filepath'), []);
  });
  it('a symlink is reported as a symbolic link (lstat)', async () => {
    const c = await collect('<unix:file_object id="oval:t:obj:1" version="1"><unix:filepath>/etc/sshd-link</unix:filepath></unix:file_object>');
    assert.deepEqual(values(c, 'type'), ['symbolic link']);
  });
});

describe('accounts, links and packages', () => {
  const cases = [
    { name: 'password: users matching a pattern', xml: '<unix:password_object id="oval:t:obj:1" version="1"><unix:username operation="pattern match">.*</unix:username></unix:password_object>', entity: 'login_shell', want: ['/bin/bash', '/bin/sh'] },
    { name: 'shadow: aging fields and the hash method', xml: '<unix:shadow_object id="oval:t:obj:1" version="1"><unix:username>bob</unix:username></unix:shadow_object>', entity: 'chg_req', want: ['90'] },
    { name: 'shadow: encrypt_method', xml: '<unix:shadow_object id="oval:t:obj:1" version="1"><unix:username>root</unix:username></unix:shadow_object>', entity: 'encrypt_method', want: ['SHA-512'] },
    { name: 'symlink: the canonical path stays inside the root', xml: '<unix:symlink_object id="oval:t:obj:1" version="1"><unix:filepath>/etc/sshd-link</unix:filepath></unix:symlink_object>', entity: 'canonical_path', want: ['/etc/ssh/sshd_config'] },
    { name: 'dpkginfo: an installed package, evr split like OpenSCAP', xml: '<linux:dpkginfo_object id="oval:t:obj:1" version="1"><linux:name>openssh-server</linux:name></linux:dpkginfo_object>', entity: 'version', want: ['8.9p1'] },
    { name: 'dpkginfo: epoch', xml: '<linux:dpkginfo_object id="oval:t:obj:1" version="1"><linux:name>openssh-server</linux:name></linux:dpkginfo_object>', entity: 'epoch', want: ['1'] },
    { name: 'dpkginfo: a removed package with config files is not installed', xml: '<linux:dpkginfo_object id="oval:t:obj:1" version="1"><linux:name>telnetd</linux:name></linux:dpkginfo_object>', entity: 'name', want: [] },
    { name: 'dpkginfo: a virtual package (Provides) is no package', xml: '<linux:dpkginfo_object id="oval:t:obj:1" version="1"><linux:name>ssh-server</linux:name></linux:dpkginfo_object>', entity: 'evr', want: [] },
    { name: 'dpkginfo: no revision, an empty release', xml: '<linux:dpkginfo_object id="oval:t:obj:1" version="1"><linux:name>rsync</linux:name></linux:dpkginfo_object>', entity: 'release', want: [''] },
    { name: 'rpminfo: no rpm database, nothing installed', xml: '<linux:rpminfo_object id="oval:t:obj:1" version="1"><linux:name>bash</linux:name></linux:rpminfo_object>', entity: 'name', want: [] },
    { name: 'family', xml: '<ind:family_object id="oval:t:obj:1" version="1"/>', entity: 'family', want: ['unix'] },
  ];
  for (const c of cases) it(c.name, async () => assert.deepEqual(values(await collect(c.xml), c.entity).sort(), c.want));

  it('variable_object reports the values of its variable', async () => {
    const c = await collect(
      '<ind:variable_object id="oval:t:obj:1" version="1"><ind:var_ref>oval:t:var:1</ind:var_ref></ind:variable_object>',
      '<constant_variable id="oval:t:var:1" version="1" datatype="int" comment="c"><value>3</value><value>5</value></constant_variable>',
    );
    assert.deepEqual(values(c, 'value'), ['3', '5']);
  });
});

describe('probes that need a live system, on an offline root, as oscap 1.3.7 treats them', () => {
  const cases: ReadonlyArray<readonly [string, string, readonly string[] | undefined]> = [
    ['<unix:uname_object id="oval:t:obj:1" version="1"/>', 'not applicable', ['kernel']],
    ['<unix:sysctl_object id="oval:t:obj:1" version="1"><unix:name>kernel.randomize_va_space</unix:name></unix:sysctl_object>', 'not applicable', ['kernel']],
    ['<unix:interface_object id="oval:t:obj:1" version="1"><unix:name>lo</unix:name></unix:interface_object>', 'not applicable', ['kernel']],
    ['<ind:environmentvariable58_object id="oval:t:obj:1" version="1"><ind:pid xsi:nil="true" datatype="int"/><ind:name>PATH</ind:name></ind:environmentvariable58_object>', 'not applicable', ['processes']],
    ['<linux:systemdunitproperty_object id="oval:t:obj:1" version="1"><linux:unit>ssh.service</linux:unit><linux:property>ActiveState</linux:property></linux:systemdunitproperty_object>', 'not collected', ['services']],
    // the root has no proc/mounts: it has no partitions, whatever this host mounts
    ['<linux:partition_object id="oval:t:obj:1" version="1"><linux:mount_point>/</linux:mount_point></linux:partition_object>', 'does not exist', undefined],
  ];
  for (const [xml, flag, unavailable] of cases) {
    it(`${/<(\w+:\w+)/.exec(xml)![1]!}: ${flag}`, async () => {
      const c = await collect(xml);
      assert.equal(c.flag, flag);
      assert.deepEqual(c.unavailable, unavailable);
      assert.deepEqual(c.items, []);
    });
  }
});

describe('partition_object on an offline root', () => {
  it("reads the root's own proc/mounts, never this host's", async () => {
    put('/proc/mounts', 'rootfs / rootfs rw 0 0\n/dev/vigil0 / ext4 rw,relatime 0 0\ntmpfs /vigil-tmp tmpfs rw,nosuid,nodev,noexec 0 0\n');
    mkdirSync(join(root, 'vigil-tmp'), { recursive: true });
    try {
      const c = await collect('<linux:partition_object id="oval:t:obj:1" version="1"><linux:mount_point operation="pattern match">^/</linux:mount_point></linux:partition_object>');
      assert.equal(c.flag, 'complete');
      assert.deepEqual(values(c, 'device').sort(), ['/dev/vigil0', 'tmpfs']);
      assert.deepEqual(values(c, 'mount_options').filter((o) => o.startsWith('no')), ['nosuid', 'nodev', 'noexec']);
    } finally {
      rmSync(join(root, 'proc'), { recursive: true, force: true });
      rmSync(join(root, 'vigil-tmp'), { recursive: true, force: true });
    }
  });
});

describe('a file read by many textfilecontent54 objects', () => {
  it('is read once per evaluation', async () => {
    const target = offlineRootTarget(root);
    let reads = 0;
    const counting = { ...target, kind: target.kind, name: target.name, has: target.has.bind(target), lstat: target.lstat.bind(target), stat: target.stat.bind(target), readdir: target.readdir.bind(target), readlink: target.readlink.bind(target), realpath: target.realpath.bind(target), readFile: (p: string) => { if (p === '/etc/ssh/sshd_config') reads++; return target.readFile(p); } };
    const objects = ['PermitRootLogin', 'MaxAuthTries', 'Ciphers']
      .map((k, i) => `<ind:textfilecontent54_object id="oval:t:obj:${i + 1}" version="1"><ind:filepath>/etc/ssh/sshd_config</ind:filepath><ind:pattern operation="pattern match">^${k}[ \\t]+(\\S+)</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>`)
      .join('');
    const doc = readDocument({ text: ovalXml({ objects }), name: 't.xml' }) as OvalDefinitions;
    const e = new OvalEngine(doc, { target: counting, probes: probeTable() });
    const got = [];
    for (const id of doc.objects.keys()) got.push(values(await e.collect(id), 'subexpression')[0]);
    assert.deepEqual(got, ['no', '4', 'aes256-ctr,aes128-ctr']);
    assert.equal(reads, 1);
  });
});

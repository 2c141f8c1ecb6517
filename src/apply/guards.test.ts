/** The guards' pure parts (sshd matching and lockout rules, PAM references, the sshd_config reader) and the sandbox's mount checks. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pamReferences, parseSshdConfig, sshdRefuses, sshMatch } from './guards.js';
import { submountsBelow } from './sandbox.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-guards-'));
after(() => rmSync(base, { recursive: true, force: true }));

const settings = (o: Record<string, string>): Map<string, string[]> => new Map(Object.entries(o).map(([k, v]) => [k, v.split(' ')]));

describe('sshd lockout rules', () => {
  it('matches sshd patterns: globs, lists, negation', () => {
    assert.equal(sshMatch('b*', 'bob'), true);
    assert.equal(sshMatch('alice,bo?', 'bob'), true);
    assert.equal(sshMatch('*,!bob', 'bob'), false);
    assert.equal(sshMatch('alice', 'bob'), false);
  });

  it('says why sshd refuses the operator, or nothing when it lets them in', () => {
    const bob = { user: 'bob' };
    assert.equal(sshdRefuses(settings({}), bob, ['bob'], false), undefined);
    assert.match(sshdRefuses(settings({ allowusers: 'alice root@10.0.0.1' }), bob, ['bob'], true)!, /AllowUsers alice root@10.0.0.1 does not include bob/);
    assert.equal(sshdRefuses(settings({ allowusers: 'alice bob@10.*' }), bob, ['bob'], true), undefined);
    assert.match(sshdRefuses(settings({ denyusers: 'b*' }), bob, ['bob'], true)!, /DenyUsers b\* matches bob/);
    assert.match(sshdRefuses(settings({ allowgroups: 'wheel' }), bob, ['bob', 'users'], true)!, /AllowGroups wheel includes none of bob's groups \(bob, users\)/);
    assert.equal(sshdRefuses(settings({ allowgroups: 'wheel users' }), bob, ['bob', 'users'], true), undefined);
    assert.match(sshdRefuses(settings({ denygroups: 'users' }), bob, ['users'], true)!, /DenyGroups users/);
    assert.match(sshdRefuses(settings({ passwordauthentication: 'no' }), bob, [], false)!, /password logins are off, and bob has no authorized keys/);
    assert.equal(sshdRefuses(settings({ passwordauthentication: 'no' }), bob, [], true), undefined);
    assert.match(sshdRefuses(settings({ permitrootlogin: 'no' }), { user: 'root' }, ['root'], true)!, /PermitRootLogin no, and the operator is root/);
    assert.match(sshdRefuses(settings({ permitrootlogin: 'prohibit-password' }), { user: 'root' }, ['root'], false)!, /root has no authorized keys/);
    assert.equal(sshdRefuses(settings({ permitrootlogin: 'prohibit-password' }), { user: 'root' }, ['root'], true), undefined);
    assert.equal(sshdRefuses(settings({ permitrootlogin: 'no' }), bob, ['bob'], false), undefined);
  });

  it('reads an sshd_config as sshd does outside Match blocks: first value wins, lists accumulate, Include expands', () => {
    const root = join(base, 'sshd');
    mkdirSync(join(root, 'etc/ssh/sshd_config.d'), { recursive: true });
    writeFileSync(join(root, 'etc/ssh/sshd_config.d/10-a.conf'), 'PermitRootLogin no\nAllowUsers carol\n');
    writeFileSync(join(root, 'etc/ssh/sshd_config.d/ignored.txt'), 'PermitRootLogin yes\n');
    writeFileSync(join(root, 'etc/ssh/sshd_config'), '# c\nInclude /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nAllowUsers=alice\nPasswordAuthentication No\nMatch User bob\n  AllowUsers bob\n');
    const s = parseSshdConfig(root);
    assert.deepEqual(s.get('permitrootlogin'), ['no']);
    assert.deepEqual(s.get('allowusers'), ['carol', 'alice']);
    assert.deepEqual(s.get('passwordauthentication'), ['no']);
  });
});

describe('PAM references', () => {
  it('lists modules, includes and substacks, skipping comments', () => {
    const r = pamReferences('# x\n@include common-auth\nauth [success=1 default=ignore] pam_unix.so nullok\n-session optional pam_systemd.so\naccount include system-account\nauth substack other # c\n');
    assert.deepEqual([...r.modules].sort(), ['pam_systemd.so', 'pam_unix.so']);
    assert.deepEqual([...r.includes].sort(), ['common-auth', 'other', 'system-account']);
  });
});

describe('the rehearsal sandbox', () => {
  it('refuses roots with real filesystems mounted below them, not virtual ones', () => {
    const mountinfo = [
      '22 1 8:1 / / rw - ext4 /dev/vda rw',
      '30 22 8:2 / /srv/root/boot rw - ext4 /dev/vda2 rw',
      '31 22 0:5 / /srv/root/proc rw - proc proc rw',
      '32 22 8:3 / /srv/root\\040x/home rw - xfs /dev/vda3 rw',
      '33 22 8:4 / /srv/rootfs rw - ext4 /dev/vda4 rw',
    ].join('\n');
    assert.deepEqual(submountsBelow('/srv/root', mountinfo), ['/srv/root/boot (ext4)']);
    assert.deepEqual(submountsBelow('/srv/root x', mountinfo), ['/srv/root x/home (xfs)']);
    assert.deepEqual(submountsBelow('/', mountinfo), ['/srv/root/boot (ext4)', '/srv/root x/home (xfs)', '/srv/rootfs (ext4)']);
  });
});

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { oracleMissing } from '../../../testing/oracle.js';
import { signatureKeyId } from './rpm-packages.js';

const KEYID = Buffer.from('199e2f91fd431d51', 'hex');

/** A new-format OpenPGP signature packet (tag 2) around `body`. */
const newPacket = (body: Buffer): Buffer => Buffer.concat([Buffer.from([0xc2, body.length]), body]);
/** An old-format one (length type 1: two bytes). */
const oldPacket = (body: Buffer): Buffer => {
  const h = Buffer.alloc(3);
  h[0] = 0x80 | (2 << 2) | 1;
  h.writeUInt16BE(body.length, 1);
  return Buffer.concat([h, body]);
};
const sub = (type: number, data: Buffer): Buffer => Buffer.concat([Buffer.from([data.length + 1, type]), data]);
function v4(hashed: Buffer[], unhashed: Buffer[]): Buffer {
  const h = Buffer.concat(hashed);
  const u = Buffer.concat(unhashed);
  const head = Buffer.from([4, 0x00, 1, 8]); // version, type, RSA, SHA256
  const hl = Buffer.alloc(2);
  hl.writeUInt16BE(h.length);
  const ul = Buffer.alloc(2);
  ul.writeUInt16BE(u.length);
  return Buffer.concat([head, hl, h, ul, u, Buffer.from([0xab, 0xcd]), Buffer.from([0, 8, 0xff])]);
}

describe('signature key ids (what rpm prints after "Key ID")', () => {
  const time = sub(2, Buffer.from([0x60, 0, 0, 0]));
  const cases: Array<[string, Buffer | undefined, string | undefined]> = [
    ['v4, issuer in the unhashed area (as rpmsign writes)', oldPacket(v4([time], [sub(16, KEYID)])), '199e2f91fd431d51'],
    ['v4, issuer in the hashed area, new-format packet', newPacket(v4([time, sub(16, KEYID)], [])), '199e2f91fd431d51'],
    ['v4, only an issuer fingerprint (v4 key: its last 8 bytes)', newPacket(v4([time, sub(33, Buffer.concat([Buffer.from([4]), Buffer.alloc(12, 7), KEYID]))], [])), '199e2f91fd431d51'],
    ['v3 signature', oldPacket(Buffer.concat([Buffer.from([3, 5, 0, 0x60, 0, 0, 0]), KEYID, Buffer.from([1, 8, 0xab, 0xcd])])), '199e2f91fd431d51'],
    ['no signature', undefined, undefined],
    ['not a signature packet (a public key, tag 6)', Buffer.from([0x99, 0x00, 0x01, 4]), undefined],
    ['truncated', oldPacket(v4([time], [sub(16, KEYID)])).subarray(0, 12), undefined],
    ['a subpacket claiming more than there is', newPacket(v4([Buffer.from([200, 16, 1, 2])], [])), undefined],
    ['garbage', Buffer.from('not a packet'), undefined],
  ];
  for (const [name, pkt, want] of cases) it(name, () => assert.equal(signatureKeyId(pkt), want));
});

test('signature key ids agree with gpg --list-packets on real signatures', (t) => {
  if (spawnSync('gpg', ['--version'], { stdio: 'ignore' }).status !== 0) return void oracleMissing(t, 'gpg');
  const home = mkdtempSync(join(tmpdir(), 'vigil-rpm-gpg-'));
  try {
    const env = { ...process.env, GNUPGHOME: home };
    for (const algo of ['ed25519', 'rsa2048']) {
      const uid = `Vigil test ${algo} <test-${algo}@example.invalid>`;
      execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', uid, algo, 'sign', '1d'], { env, stdio: 'ignore' });
      writeFileSync(join(home, 'data'), 'signed\n');
      rmSync(join(home, 'data.sig'), { force: true });
      execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '-u', uid, '--detach-sign', '-o', join(home, 'data.sig'), join(home, 'data')], { env, stdio: 'ignore' });
      const listing = execFileSync('gpg', ['--list-packets', join(home, 'data.sig')], { env, encoding: 'utf8' });
      const want = /keyid ([0-9A-F]{16})/.exec(listing)?.[1]?.toLowerCase();
      assert.ok(want, listing);
      assert.equal(signatureKeyId(readFileSync(join(home, 'data.sig'))), want, `${algo}: ${listing}`);
    }
  } finally {
    spawnSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home }, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  }
});

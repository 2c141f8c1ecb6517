/**
 * File names that are not UTF-8: decoded losslessly, and every target call
 * reaches the file they name (a name Node cannot decode used to drop out of
 * every walk).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { prng } from '../testing/prng.js';
import { localTarget, offlineRootTarget } from './fs-target.js';
import { decodeName, encodeName, hasEscapedBytes, hostFsPath } from './host-names.js';
import { openDirectory, TargetError, type Target } from './target.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-hostnames-'));
after(() => rmSync(base, { recursive: true, force: true }));

const bytes = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('decodeName / encodeName', () => {
  it('round-trips any bytes, and decodes valid UTF-8 as Node does', () => {
    const rnd = prng(0x5e11);
    for (let n = 0; n < 5000; n++) {
      const len = Math.floor(rnd() * 12);
      // bias towards the bytes of multi-byte sequences, valid and not
      const b = Buffer.from(Array.from({ length: len }, () => (rnd() < 0.5 ? 0x80 + Math.floor(rnd() * 0x80) : Math.floor(rnd() * 0x100))).filter((x) => x !== 0 && x !== 0x2f));
      const s = decodeName(b);
      assert.deepEqual(encodeName(s), b, `round trip of ${b.toString('hex')}`);
      const plain = b.toString('utf8');
      if (!plain.includes('\ufffd')) assert.equal(s, plain);
      assert.equal(hasEscapedBytes(s), !Buffer.from(s, 'utf8').equals(b), `escaped bytes in ${b.toString('hex')}`);
    }
  });

  it('escapes exactly the bytes of invalid sequences', () => {
    assert.equal(decodeName(bytes('a', [0xff], 'b')), 'a\udcffb');
    assert.equal(decodeName(bytes([0xc3, 0xa9])), 'é');
    assert.equal(decodeName(bytes([0xc3, 0x28])), '\udcc3(');
    assert.equal(decodeName(bytes([0xed, 0xa0, 0x80])), '\udced\udca0\udc80', 'an encoded surrogate (CESU-8) is not UTF-8');
    assert.equal(decodeName(bytes([0xc0, 0xaf])), '\udcc0\udcaf', 'an overlong form is not UTF-8');
    assert.equal(decodeName(bytes([0xf4, 0x90, 0x80, 0x80])), '\udcf4\udc90\udc80\udc80', 'over U+10FFFF');
    assert.equal(decodeName(bytes('😀')), '😀', 'a surrogate pair whose low half is in the escape range is a character');
    assert.equal(hasEscapedBytes('😀'), false);
    assert.equal(hostFsPath('/etc/passwd'), '/etc/passwd');
    assert.deepEqual(hostFsPath('/d/x\udcff'), bytes('/d/x', [0xff]));
  });
});

function makeTree(dir: string): void {
  mkdirSync(join(dir, 'd'), { recursive: true });
  const d = Buffer.from(join(dir, 'd'));
  const at = (...p: Array<string | number[]>): Buffer => Buffer.concat([d, Buffer.from('/'), bytes(...p)]);
  writeFileSync(at('ww', [0xff]), 'world-writable');
  chmodSync(at('ww', [0xff]), 0o666);
  writeFileSync(at('ok-é'), 'valid');
  mkdirSync(at('sub', [0xfe]));
  writeFileSync(Buffer.concat([at('sub', [0xfe]), Buffer.from('/inner')]), 'inner');
  symlinkSync(bytes('ww', [0xff]), at('link'));
}

for (const kind of ['offline-root', 'local'] as const) {
  describe(`${kind} target: names that are not UTF-8`, () => {
    const dir = join(base, kind);
    makeTree(dir);
    const target: Target = kind === 'local' ? localTarget() : offlineRootTarget(dir);
    const p = (rel: string): string => (kind === 'local' ? `${dir}/${rel}` : `/${rel}`);

    it('lists, examines and reads every entry by its decoded name', async () => {
      for (const examine of ['all', 'directories', 'none'] as const) {
        const h = await openDirectory(target, p('d'));
        const entries = await h.entries(examine);
        const names = entries.map((e) => e.name).sort();
        assert.deepEqual(names, ['link', 'ok-é', 'sub\udcfe', 'ww\udcff'], examine);
        const ww = entries.find((e) => e.name === 'ww\udcff')!;
        if (examine === 'all') {
          assert.equal(ww.type, 'regular');
          assert.equal(ww.info!.mode & 0o777, 0o666, 'the walk sees its mode');
        }
        assert.equal((await h.lstat('ww\udcff')).mode & 0o777, 0o666);
        const sub = await h.openChild('sub\udcfe');
        assert.deepEqual((await sub.entries('all')).map((e) => e.name), ['inner']);
      }
      assert.deepEqual((await target.readdir(p('d'))).map((e) => e.name).sort(), ['link', 'ok-é', 'sub\udcfe', 'ww\udcff']);
      assert.equal((await target.readFile(p('d/ww\udcff'))).toString(), 'world-writable');
      assert.equal((await target.readFile(p('d/sub\udcfe/inner'))).toString(), 'inner');
      assert.equal((await target.readRange(p('d/ww\udcff'), 6, 8)).toString(), 'writable');
      assert.equal((await target.stat(p('d/link'))).size, 14, 'a link to a name that is not UTF-8 is followed');
      assert.equal(await target.readlink(p('d/link')), 'ww\udcff');
      assert.equal(await target.realpath(p('d/link')), p('d/ww\udcff'));
    });

    it('refuses extended attributes of such a name with an error, never as absent', async () => {
      await assert.rejects(target.listxattr(p('d/ww\udcff')), (e: unknown) => e instanceof TargetError && e.code === 'EILSEQ');
    });
  });
}

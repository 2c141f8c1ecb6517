import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '../../testing/prng.js';
import { rpmFileList } from './files.js';
import { RpmHeader, RpmHeaderError, RPMTAG, RPM_TYPE } from './header.js';

interface E {
  readonly tag: number;
  readonly type: number;
  readonly count: number;
  readonly data: Buffer;
}

const str = (tag: number, s: string): E => ({ tag, type: RPM_TYPE.STRING, count: 1, data: Buffer.from(`${s}\0`) });
const strs = (tag: number, list: string[], type: number = RPM_TYPE.STRING_ARRAY): E => ({ tag, type, count: list.length, data: Buffer.from(list.map((s) => `${s}\0`).join('')) });
const int32 = (tag: number, list: number[]): E => {
  const b = Buffer.alloc(4 * list.length);
  list.forEach((v, i) => b.writeUInt32BE(v, 4 * i));
  return { tag, type: RPM_TYPE.INT32, count: list.length, data: b };
};
const int16 = (tag: number, list: number[]): E => {
  const b = Buffer.alloc(2 * list.length);
  list.forEach((v, i) => b.writeUInt16BE(v, 2 * i));
  return { tag, type: RPM_TYPE.INT16, count: list.length, data: b };
};
const int64 = (tag: number, list: bigint[]): E => {
  const b = Buffer.alloc(8 * list.length);
  list.forEach((v, i) => b.writeBigUInt64BE(v, 8 * i));
  return { tag, type: RPM_TYPE.INT64, count: list.length, data: b };
};
const bin = (tag: number, data: Buffer): E => ({ tag, type: RPM_TYPE.BIN, count: data.length, data });
const ALIGN = [1, 1, 1, 2, 4, 8, 1, 1, 1, 1];

/**
 * A header blob as rpm writes one into its database: a HEADERIMMUTABLE
 * region holding `region`, its trailer, then the `dribbles`.
 */
function blobOf(region: readonly E[], dribbles: readonly E[] = [], opts: { noRegion?: boolean } = {}): Buffer {
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let size = 0;
  const put = (e: E, offset?: number): void => {
    const pad = (ALIGN[e.type]! - (size % ALIGN[e.type]!)) % ALIGN[e.type]!;
    if (pad) {
      data.push(Buffer.alloc(pad));
      size += pad;
    }
    const entry = Buffer.alloc(16);
    entry.writeUInt32BE(e.tag, 0);
    entry.writeUInt32BE(e.type, 4);
    entry.writeInt32BE(offset ?? size, 8);
    entry.writeUInt32BE(e.count, 12);
    index.push(entry);
    data.push(e.data);
    size += e.data.length;
  };
  if (opts.noRegion) for (const e of region) put(e);
  else {
    index.push(Buffer.alloc(16)); // the region entry, filled below
    for (const e of region) put(e);
    const trailer = Buffer.alloc(16);
    trailer.writeUInt32BE(RPMTAG.HEADERIMMUTABLE, 0);
    trailer.writeUInt32BE(RPM_TYPE.BIN, 4);
    trailer.writeInt32BE(-(region.length + 1) * 16, 8);
    trailer.writeUInt32BE(16, 12);
    const at = size;
    data.push(trailer);
    size += 16;
    const first = index[0]!;
    first.writeUInt32BE(RPMTAG.HEADERIMMUTABLE, 0);
    first.writeUInt32BE(RPM_TYPE.BIN, 4);
    first.writeInt32BE(at, 8);
    first.writeUInt32BE(16, 12);
    for (const e of dribbles) put(e);
  }
  const pre = Buffer.alloc(8);
  pre.writeUInt32BE(index.length, 0);
  pre.writeUInt32BE(size, 4);
  return Buffer.concat([pre, ...index, ...data]);
}

const PACKAGE: readonly E[] = [
  str(RPMTAG.NAME, 'bash'),
  str(RPMTAG.VERSION, '5.1.8'),
  str(RPMTAG.RELEASE, '9.el9'),
  int32(RPMTAG.EPOCH, [1]),
  strs(RPMTAG.SUMMARY, ['The GNU Bourne Again shell', 'Le shell'], RPM_TYPE.I18NSTRING),
  str(RPMTAG.ARCH, 'x86_64'),
  bin(RPMTAG.SIGMD5, Buffer.from('00112233445566778899aabbccddeeff', 'hex')),
  strs(RPMTAG.DIRNAMES, ['/etc/', '/usr/bin/']),
  strs(RPMTAG.BASENAMES, ['bashrc', 'bash', 'sh']),
  int32(RPMTAG.DIRINDEXES, [0, 1, 1]),
  int32(RPMTAG.FILESIZES, [100, 1234567, 4]),
  int16(RPMTAG.FILEMODES, [0o100644, 0o100755, 0o120777]),
  int32(RPMTAG.FILEFLAGS, [17, 0, 0]),
  strs(RPMTAG.FILEDIGESTS, ['aa', 'bb', '']),
  strs(RPMTAG.FILELINKTOS, ['', '', 'bash']),
  strs(RPMTAG.FILEUSERNAME, ['root', 'root', 'root']),
  strs(RPMTAG.FILEGROUPNAME, ['root', 'wheel', 'root']),
  int32(RPMTAG.FILEDIGESTALGO, [8]),
  int64(RPMTAG.LONGSIZE, [5_000_000_000n]),
];

describe('RpmHeader', () => {
  it('reads strings, numbers and binary values of a region and its dribbles', () => {
    const h = RpmHeader.parse(blobOf(PACKAGE, [int32(RPMTAG.INSTALLTIME, [1700000000]), str(RPMTAG.RELEASE, '10.el9')]), 7);
    assert.equal(h.instance, 7);
    assert.equal(h.string(RPMTAG.NAME), 'bash');
    assert.equal(h.string(RPMTAG.RELEASE), '10.el9', 'a dribble replaces the region entry of its tag');
    assert.equal(h.string(RPMTAG.SUMMARY), 'The GNU Bourne Again shell');
    assert.deepEqual(h.strings(RPMTAG.SUMMARY), ['The GNU Bourne Again shell', 'Le shell']);
    assert.equal(h.string(RPMTAG.BASENAMES), 'bashrc');
    assert.deepEqual(h.numbers(RPMTAG.EPOCH), [1]);
    assert.equal(h.number(RPMTAG.INSTALLTIME), 1700000000);
    assert.deepEqual(h.numbers(RPMTAG.LONGSIZE), [5_000_000_000]);
    assert.equal(h.binary(RPMTAG.SIGMD5)?.toString('hex'), '00112233445566778899aabbccddeeff');
    assert.equal(h.has(RPMTAG.VENDOR), false);
    assert.equal(h.string(RPMTAG.VENDOR), undefined);
    assert.equal(h.string(RPMTAG.EPOCH), undefined, 'a number is not a string');
    assert.equal(h.numbers(RPMTAG.NAME), undefined, 'a string is not a number');
    assert.equal(h.binary(RPMTAG.NAME), undefined);
  });

  it('lists files as dirname + basename with every per-file value', () => {
    const files = rpmFileList(RpmHeader.parse(blobOf(PACKAGE)));
    assert.deepEqual(
      files.map((f) => [f.path, f.size, f.mode, f.flags, f.digest, f.digestAlgo, f.linkto, f.group, f.verifyFlags, f.state]),
      [
        ['/etc/bashrc', 100, 0o100644, 17, 'aa', 8, '', 'root', undefined, undefined],
        ['/usr/bin/bash', 1234567, 0o100755, 0, 'bb', 8, '', 'wheel', undefined, undefined],
        ['/usr/bin/sh', 4, 0o120777, 0, '', 8, 'bash', 'root', undefined, undefined],
      ],
    );
  });

  it('reads a header without a region (legacy)', () => {
    const h = RpmHeader.parse(blobOf([str(RPMTAG.NAME, 'old'), int32(RPMTAG.EPOCH, [3])], [], { noRegion: true }));
    assert.equal(h.string(RPMTAG.NAME), 'old');
    assert.equal(h.number(RPMTAG.EPOCH), 3);
  });

  it('refuses a file list whose arrays disagree', () => {
    const bad = PACKAGE.map((e) => (e.tag === RPMTAG.FILESIZES ? int32(RPMTAG.FILESIZES, [1, 2]) : e));
    assert.throws(() => rpmFileList(RpmHeader.parse(blobOf(bad))), (e: unknown) => e instanceof RpmHeaderError && /2 values for 3 files/.test(e.message));
    const outOfRange = PACKAGE.map((e) => (e.tag === RPMTAG.DIRINDEXES ? int32(RPMTAG.DIRINDEXES, [0, 1, 9]) : e));
    assert.throws(() => rpmFileList(RpmHeader.parse(blobOf(outOfRange))), (e: unknown) => e instanceof RpmHeaderError && /directory 9 of 2/.test(e.message));
  });

  it('refuses a 64-bit value it cannot hold exactly', () => {
    const h = RpmHeader.parse(blobOf([str(RPMTAG.NAME, 'x'), int64(RPMTAG.LONGSIZE, [2n ** 60n])]));
    assert.throws(() => h.numbers(RPMTAG.LONGSIZE), RpmHeaderError);
  });

  const good = blobOf(PACKAGE, [int32(RPMTAG.INSTALLTIME, [1])]);
  const il = good.readUInt32BE(0);
  const patched = (at: number, value: number, signed = false): Buffer => {
    const b = Buffer.from(good);
    if (signed) b.writeInt32BE(value, at);
    else b.writeUInt32BE(value, at);
    return b;
  };
  const entry = (i: number, field: 0 | 1 | 2 | 3): number => 8 + 16 * i + 4 * field;
  const hostile: readonly [string, Buffer, RegExp][] = [
    ['empty', Buffer.alloc(0), /shorter than the 8-byte preamble/],
    ['truncated', good.subarray(0, good.length - 1), /the blob has/],
    ['longer than it says', Buffer.concat([good, Buffer.alloc(4)]), /the blob has/],
    ['no entries', patched(0, 0), /entry count 0/],
    ['too many entries', patched(0, 0x10000), /entry count 65536/],
    ['a claim of 4 GB of data', patched(4, 0xffffffff), /data length 4294967295 exceeds/],
    ['more entries than the blob holds', patched(0, il + 1), /the blob has/],
    ['an offset past the data', patched(entry(1, 2), 0x7fffffff), /offset 2147483647 outside/],
    ['a negative offset', patched(entry(1, 2), -8, true), /offset -8 outside|overlaps the previous entry/],
    ['an unknown type', patched(entry(1, 1), 12), /unknown type 12/],
    ['a misaligned number', patched(entry(4, 2), good.readUInt32BE(entry(4, 2)) + 1), /not aligned/],
    ['a count past the data', patched(entry(11, 3), 1_000_000), /run past the data|count 1000000 out of range/],
    ['string arrays that run out', patched(entry(9, 3), good.readUInt32BE(4)), /does not end inside the data/],
    ['a STRING with two values', patched(entry(1, 3), 2), /a STRING with count 2/],
    ['a region trailer that points nowhere', patched(entry(0, 2), 3), /region trailer tag|trailer offset/],
    ['a region that claims more entries than there are', (() => {
      const b = Buffer.from(good);
      const trailer = 8 + 16 * il + b.readInt32BE(entry(0, 2));
      b.writeInt32BE(-(il + 5) * 16, trailer + 8);
      return b;
    })(), /region claims/],
  ];
  for (const [what, blob, message] of hostile) {
    it(`refuses ${what} with RpmHeaderError`, () => {
      assert.throws(() => RpmHeader.parse(blob), (e: unknown) => e instanceof RpmHeaderError && message.test(e.message), `${what}: ${message}`);
    });
  }

  it('survives random damage to a blob: parses or throws RpmHeaderError, and every read of a parsed one stays in bounds (seeded)', () => {
    const rnd = prng(1919);
    let parsed = 0;
    let refused = 0;
    for (let round = 0; round < 3000; round++) {
      const b = Buffer.from(good);
      const hits = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < hits; k++) {
        const at = Math.floor(rnd() * b.length);
        b[at] = rnd() < 0.5 ? Math.floor(rnd() * 256) : b[at]! ^ (1 << Math.floor(rnd() * 8));
      }
      const blob = rnd() < 0.1 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
      let h: RpmHeader;
      try {
        h = RpmHeader.parse(blob);
      } catch (e) {
        assert.ok(e instanceof RpmHeaderError, `round ${round}: ${String(e)}`);
        refused++;
        continue;
      }
      parsed++;
      for (const tag of h.tags()) {
        for (const read of [() => h.string(tag), () => h.strings(tag), () => h.numbers(tag), () => h.binary(tag)]) {
          try {
            read();
          } catch (e) {
            assert.ok(e instanceof RpmHeaderError, `round ${round}, tag ${tag}: ${String(e)}`);
          }
        }
      }
      try {
        rpmFileList(h);
      } catch (e) {
        assert.ok(e instanceof RpmHeaderError, `round ${round}, file list: ${String(e)}`);
      }
    }
    assert.ok(parsed > 100 && refused > 100, `both outcomes happen: ${parsed} parsed, ${refused} refused`);
  });
});

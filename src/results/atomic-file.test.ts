import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, constants, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkOutputDirectory, checkOutputPath, isTemporaryName, OutputError, OutputFile, pendingFiles, removePendingFiles, saveFile, saveFileContent } from './atomic-file.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-atomic-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const d = join(dir, `case-${n++}`);
  mkdirSync(d);
  return d;
};
const temporaries = (d: string): string[] => readdirSync(d).filter(isTemporaryName);

describe('saving a file', () => {
  it('writes the whole text, in pieces larger than the buffer, and leaves no temporary file', () => {
    const d = fresh();
    const p = join(d, 'big.xml');
    const piece = 'x'.repeat(100_000) + '\n';
    saveFile(p, (out) => {
      for (let i = 0; i < 30; i++) out.write(piece);
      out.write(Buffer.from('end\n'));
    });
    assert.equal(statSync(p).size, piece.length * 30 + 4);
    assert.ok(readFileSync(p, 'utf8').endsWith('x\nend\n'));
    assert.deepEqual(temporaries(d), []);
  });

  it('creates with the mode a plain create gives (umask applies), or the mode asked for', () => {
    const d = fresh();
    const umask = process.umask();
    saveFileContent(join(d, 'a'), 'a');
    saveFileContent(join(d, 'b'), 'b', { mode: 0o700 });
    assert.equal(statSync(join(d, 'a')).mode & 0o777, 0o666 & ~umask);
    assert.equal(statSync(join(d, 'b')).mode & 0o777, 0o700 & ~umask);
  });

  it('keeps the permission bits of the file it replaces', () => {
    const d = fresh();
    const p = join(d, 'kept');
    writeFileSync(p, 'old');
    chmodSync(p, 0o640);
    saveFileContent(p, 'new');
    assert.equal(readFileSync(p, 'utf8'), 'new');
    assert.equal(statSync(p).mode & 0o777, 0o640);
  });

  it('shows the old file until the new one is complete, and keeps it when writing fails', () => {
    const d = fresh();
    const p = join(d, 'report.html');
    writeFileSync(p, 'old');
    const out = new OutputFile(p);
    out.write('new text');
    assert.equal(readFileSync(p, 'utf8'), 'old');
    assert.equal(temporaries(d).length, 1);
    out.abort();
    assert.equal(readFileSync(p, 'utf8'), 'old');
    assert.deepEqual(temporaries(d), []);
    assert.throws(
      () =>
        saveFile(p, (o) => {
          o.write('half');
          throw new RangeError('a writer bug');
        }),
      RangeError,
    );
    assert.equal(readFileSync(p, 'utf8'), 'old');
    assert.deepEqual(temporaries(d), []);
  });

  it('writes through a symbolic link, as a plain open does, leaving the link in place', () => {
    const d = fresh();
    writeFileSync(join(d, 'real'), 'old');
    symlinkSync('real', join(d, 'link'));
    saveFileContent(join(d, 'link'), 'new');
    assert.ok(lstatSync(join(d, 'link')).isSymbolicLink());
    assert.equal(readFileSync(join(d, 'real'), 'utf8'), 'new');
    assert.deepEqual(temporaries(d), []);
  });

  it('writes into a FIFO in place instead of replacing it', () => {
    const d = fresh();
    const fifo = join(d, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      saveFileContent(fifo, 'through the pipe');
      const buf = Buffer.alloc(64);
      const got = readSync(reader, buf, 0, 64, null);
      assert.equal(buf.subarray(0, got).toString(), 'through the pipe');
    } finally {
      closeSync(reader);
    }
    assert.ok(lstatSync(fifo).isFIFO());
    assert.deepEqual(temporaries(d), []);
  });

  it('removes what is pending when told to stop (the signal handlers call removePendingFiles)', () => {
    const d = fresh();
    const p = join(d, 'arf.xml');
    const out = new OutputFile(p);
    out.write('<arf>'.repeat(300_000));
    assert.equal(pendingFiles().length, 1);
    removePendingFiles();
    assert.deepEqual(pendingFiles(), []);
    assert.deepEqual(readdirSync(d), []);
  });
});

describe('paths that cannot be written', () => {
  const d = fresh();
  mkdirSync(join(d, 'sub'));
  writeFileSync(join(d, 'file'), '');
  const readOnly = join(d, 'ro');
  mkdirSync(readOnly);
  chmodSync(readOnly, 0o555);
  const cases: Array<{ name: string; path: string; reason: RegExp; code: string; asRootToo?: boolean }> = [
    { name: 'a missing directory', path: join(d, 'missing/x.xml'), reason: /^No such file or directory/, code: 'ENOENT', asRootToo: true },
    { name: 'a directory as the path', path: join(d, 'sub'), reason: /^Is a directory$/, code: 'EISDIR', asRootToo: true },
    { name: 'a file as the directory', path: join(d, 'file/x.xml'), reason: /Not a directory/, code: 'ENOTDIR', asRootToo: true },
    { name: 'a directory without write permission', path: join(readOnly, 'x.xml'), reason: /Permission denied/, code: 'EACCES' },
  ];
  for (const c of cases) {
    it(`${c.name}: refused before anything is written, and by the writer itself`, (t) => {
      if (!c.asRootToo && process.getuid?.() === 0) {
        t.skip('root may write anywhere');
        return;
      }
      for (const attempt of [() => checkOutputPath(c.path), () => saveFileContent(c.path, 'x')]) {
        assert.throws(attempt, (e: unknown) => {
          assert.ok(e instanceof OutputError);
          assert.equal(e.path, c.path);
          assert.equal(e.code, c.code);
          assert.match(e.reason, c.reason);
          assert.match(e.message, /^Could not save file: /);
          return true;
        });
      }
    });
  }

  it('an output directory that does not exist is refused', () => {
    assert.throws(() => checkOutputDirectory(join(d, 'nowhere')), OutputError);
    checkOutputDirectory(d);
  });
});

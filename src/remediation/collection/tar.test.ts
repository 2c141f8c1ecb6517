import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tarGz, type TarEntry } from './tar.js';

const long = `roles/${'a'.repeat(60)}/${'b'.repeat(60)}/main.yml`;
const entries: TarEntry[] = [
  { path: 'README.md', data: Buffer.from('# hi\n') },
  { path: 'roles' },
  { path: 'roles/x' },
  { path: 'roles/x/empty.yml', data: Buffer.alloc(0) },
  { path: long, data: Buffer.from('é'.repeat(700)) },
];

describe('tar.gz archives', () => {
  it('are read back by tar, with every file, directory and byte', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-tar-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const archive = join(dir, 'a.tar.gz');
    writeFileSync(archive, tarGz(entries, new Date('2024-01-02T03:04:05Z')));
    const listing = execFileSync('tar', ['-tzvf', archive], { encoding: 'utf8' });
    assert.match(listing, /root\/root .* README\.md/);
    execFileSync('tar', ['-xzf', archive, '-C', dir]);
    assert.equal(readFileSync(join(dir, 'README.md'), 'utf8'), '# hi\n');
    assert.equal(readFileSync(join(dir, 'roles/x/empty.yml'), 'utf8'), '');
    assert.equal(readFileSync(join(dir, long), 'utf8'), 'é'.repeat(700));
    assert.ok(statSync(join(dir, 'roles/x')).isDirectory());
    assert.equal(statSync(join(dir, 'README.md')).mtime.toISOString(), '2024-01-02T03:04:05.000Z');
  });

  it('are the same bytes for the same input', () => {
    assert.deepEqual(tarGz(entries, new Date(0)), tarGz(entries, new Date(0)));
  });
});

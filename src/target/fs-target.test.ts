import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { localTarget, offlineRootTarget } from './fs-target.js';
import { TargetError, type Target } from './target.js';

// Decoys: every file the offline root holds at target path P also exists on
// the host at P itself, with different content. Reading through the root must
// never return the host's copy.
const base = mkdtempSync(join(tmpdir(), 'vigil-target-'));
const root = join(base, 'root');
const P = join(base, 'etc'); // a host path that the target also has, inside its root
after(() => rmSync(base, { recursive: true, force: true }));

function plant(host: string, content: string): void {
  mkdirSync(dirname(host), { recursive: true });
  writeFileSync(host, content);
}
function link(host: string, to: string): void {
  mkdirSync(dirname(host), { recursive: true });
  symlinkSync(to, host);
}

plant(`${P}/conf`, 'OUTSIDE');
plant(`${root}${P}/conf`, 'INSIDE');
plant(`${P}/only-outside`, 'OUTSIDE');
link(`${root}${P}/abs-link`, `${P}/conf`); // absolute: must mean root + P/conf
link(`${root}${P}/rel-link`, 'conf');
link(`${root}${P}/climb`, '../../../../../../../../../../..' + `${P}/conf`); // .. stops at the root
link(`${root}${P}/to-outside-only`, `${P}/only-outside`); // exists only on the host
link(`${root}${P}/dir-link`, P); // a directory link, absolute
link(`${root}${P}/loop-a`, 'loop-b');
link(`${root}${P}/loop-b`, 'loop-a');
plant(`${root}/etc/os-release`, 'ID=test');

const offline = offlineRootTarget(root);
const text = async (t: Target, p: string): Promise<string> => (await t.readFile(p)).toString('utf8');
const code = async (f: () => Promise<unknown>): Promise<string> => {
  try {
    await f();
  } catch (e) {
    assert.ok(e instanceof TargetError, String(e));
    return e.code;
  }
  assert.fail('expected a TargetError');
};

describe('offline root: every path and every symlink stays inside the root', () => {
  const reads = [
    { name: 'a plain file', path: `${P}/conf`, want: 'INSIDE' },
    { name: 'an absolute symlink resolves against the root', path: `${P}/abs-link`, want: 'INSIDE' },
    { name: 'a relative symlink', path: `${P}/rel-link`, want: 'INSIDE' },
    { name: '.. in a symlink stops at the root', path: `${P}/climb`, want: 'INSIDE' },
    { name: '.. in the path stops at the root', path: `/../../..${P}/conf`, want: 'INSIDE' },
    { name: 'a path through a directory symlink', path: `${P}/dir-link/conf`, want: 'INSIDE' },
  ];
  for (const r of reads) it(`reads ${r.name}`, async () => assert.equal(await text(offline, r.path), r.want));

  const refusals = [
    { name: 'a file that only exists outside', path: `${P}/only-outside`, code: 'ENOENT' },
    { name: 'a symlink to a file that only exists outside', path: `${P}/to-outside-only`, code: 'ENOENT' },
    { name: 'a symlink loop', path: `${P}/loop-a`, code: 'ELOOP' },
    { name: 'a path through a regular file', path: `${P}/conf/x`, code: 'ENOTDIR' },
  ];
  for (const r of refusals) it(`refuses ${r.name}`, async () => assert.equal(await code(() => offline.readFile(r.path)), r.code));

  it('lstat sees the link itself, stat what it points at inside the root', async () => {
    assert.equal((await offline.lstat(`${P}/abs-link`)).type, 'symlink');
    const s = await offline.stat(`${P}/abs-link`);
    assert.equal(s.type, 'regular');
    assert.equal(s.size, 'INSIDE'.length);
  });

  it('realpath answers in target paths', async () => {
    assert.equal(await offline.realpath(`${P}/dir-link/abs-link`), `${P}/conf`);
  });

  it('readdir lists the root copy', async () => {
    const names = (await offline.readdir(P)).map((d) => d.name).sort();
    assert.ok(names.includes('abs-link'));
    assert.ok(!names.includes('only-outside'));
  });

  it('readlink returns the link text unchanged', async () => {
    assert.equal(await offline.readlink(`${P}/abs-link`), `${P}/conf`);
  });

  it('has no live kernel, process or service state', () => {
    for (const c of ['kernel', 'processes', 'services', 'exec'] as const) assert.equal(offline.has(c), false);
  });

  it('relative paths are refused', async () => {
    assert.equal(await code(() => offline.readFile('etc/os-release')), 'EINVAL');
  });
});

describe('offline root: ranges, attributes, statfs and its description come from inside the root', () => {
  const { setAttributeSync } = createRequire(import.meta.url)('@napi-rs/xattr') as { setAttributeSync(p: string, n: string, v: string): void };
  setAttributeSync(`${P}/conf`, 'user.vigil.where', 'outside');
  setAttributeSync(`${root}${P}/conf`, 'user.vigil.where', 'inside');
  it('readRange through an absolute link reads the root copy', async () => {
    assert.equal((await offline.readRange(`${P}/abs-link`, 1, 4)).toString(), 'NSID');
    assert.equal(await code(() => offline.readRange(`${P}/to-outside-only`, 0, 4)), 'ENOENT');
  });
  it('extended attributes through an absolute link are the root copy\'s', async () => {
    assert.equal((await offline.getxattr(`${P}/abs-link`, 'user.vigil.where', { follow: true }))?.toString(), 'inside');
    assert.equal((await offline.getxattr(`${P}/climb`, 'user.vigil.where', { follow: true }))?.toString(), 'inside');
    assert.equal(await code(() => offline.listxattr(`${P}/to-outside-only`, { follow: true })), 'ENOENT');
  });
  it('describes the root, not this host: no uname, architecture or interfaces; no process', async () => {
    const d = await offline.describe();
    assert.deepEqual(d, { osRelease: { ID: 'test' }, interfaces: [] });
    assert.equal(await code(() => offline.self()), 'ENOTSUP');
  });
});

describe('offline root: a walk through opened directories stays inside the root', () => {
  it('lists the root copy, and an absolute directory link opens the root\'s directory', async () => {
    const dir = await offline.openDir!(P);
    assert.equal(dir.path, P);
    const names = (await dir.entries()).map((d) => d.name);
    assert.ok(names.includes('abs-link') && !names.includes('only-outside'));
    const linked = await dir.openChild('dir-link');
    assert.equal(linked.path, `${P}/dir-link`);
    assert.ok(!(await linked.entries()).some((d) => d.name === 'only-outside'));
    assert.equal((await linked.stat('conf')).size, 'INSIDE'.length);
  });

  it('examines entries by name: lstat sees the link, stat what it points at inside the root', async () => {
    const dir = await offline.openDir!(P);
    assert.equal((await dir.lstat('abs-link')).type, 'symlink');
    assert.equal((await dir.stat('abs-link')).size, 'INSIDE'.length);
    assert.equal((await dir.stat('climb')).size, 'INSIDE'.length);
    assert.equal(await code(() => dir.stat('to-outside-only')), 'ENOENT');
    assert.equal(await code(() => dir.openChild('loop-a')), 'ELOOP');
    assert.equal(await code(() => dir.openChild('conf')), 'ENOTDIR');
  });

  it('refuses names that are not one entry', async () => {
    const dir = await offline.openDir!(P);
    for (const name of ['..', '.', '', 'a/b']) assert.equal(await code(() => dir.openChild(name)), 'EINVAL');
  });

  it('opening the root itself, or a file, as the walk would', async () => {
    const top = await offline.openDir!('/');
    assert.equal(top.path, '/');
    assert.ok((await top.entries()).some((d) => d.name === 'etc'));
    assert.equal(await code(() => offline.openDir!(`${P}/conf`)), 'ENOTDIR');
    assert.equal(await code(() => offline.openDir!(`${P}/only-outside`)), 'ENOENT');
  });
});

describe('local target', () => {
  const local = localTarget();
  it('reads host paths as they are', async () => {
    assert.equal(await text(local, `${P}/conf`), 'OUTSIDE');
    assert.equal(await text(local, `${P}/only-outside`), 'OUTSIDE');
  });
  it('reports missing files as ENOENT', async () => {
    assert.equal(await code(() => local.stat(`${P}/absent`)), 'ENOENT');
  });
  it('has live capabilities', () => assert.equal(local.has('kernel'), true));
  it('opens directories for a walk: host paths as they are', async () => {
    const dir = await local.openDir!(P);
    assert.ok((await dir.entries()).some((d) => d.name === 'only-outside'));
    assert.equal((await dir.lstat('conf')).size, 'OUTSIDE'.length);
    assert.equal(await code(() => dir.openChild('conf')), 'ENOTDIR');
    assert.equal((await local.openDir!(base)).info.type, 'directory');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDirectory, TargetError } from '../target/target.js';
import { mockTarget } from '../target/memory-target.js';
import { faultTarget } from './fault-target.js';

const files = { '/etc/a': 'a', '/etc/d/b': 'b', '/etc/d/e/c': 'c', '/etc/dd': 'x' };

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e instanceof TargetError ? e.code : String(e);
  }
}

describe('faultTarget', () => {
  it('fails an exact path, only for the chosen operations', async () => {
    const t = faultTarget(mockTarget({ files }), [{ path: '/etc/a', ops: ['readFile'], code: 'EACCES' }]);
    assert.equal(await code(t.readFile('/etc/a')), 'EACCES');
    assert.equal((await t.lstat('/etc/a')).type, 'regular');
    assert.equal((await t.readFile('/etc/dd')).toString(), 'x');
    assert.deepEqual(t.hits, [{ op: 'readFile', path: '/etc/a', code: 'EACCES' }]);
  });

  it('fails everything under a prefix, not a sibling that shares its spelling', async () => {
    const t = faultTarget(mockTarget({ files }), [{ path: '/etc/d', prefix: true, code: 'EIO' }]);
    assert.equal(await code(t.readFile('/etc/d/e/c')), 'EIO');
    assert.equal(await code(t.readdir('/etc/d')), 'EIO');
    assert.equal((await t.readFile('/etc/dd')).toString(), 'x');
  });

  it('fails through directory handles: listing, examining and opening children', async () => {
    const t = faultTarget(mockTarget({ files }), [
      { path: '/etc/d/e', ops: ['list'], code: 'EACCES' },
      { path: '/etc/d/b', ops: ['lstat'], code: 'ETIMEDOUT' },
    ]);
    const d = await openDirectory(t, '/etc/d');
    const listed = await d.entries('all');
    assert.deepEqual(listed.map((e) => e.name).sort(), ['b', 'e']);
    // an entry whose lstat is failed comes unexamined, so that a walk asks and fails
    assert.equal(listed.find((e) => e.name === 'b')?.info, undefined);
    assert.equal(await code(d.lstat('b')), 'ETIMEDOUT');
    const e = await d.openChild('e');
    assert.equal(await code(e.entries()), 'EACCES');
  });

  it('fails opening a directory by path or by name', async () => {
    const t = faultTarget(mockTarget({ files }), [{ path: '/etc/d/e', ops: ['open'], code: 'ELOOP' }]);
    assert.equal(await code(openDirectory(t, '/etc/d/e')), 'ELOOP');
    assert.equal(await code((await openDirectory(t, '/etc/d')).openChild('e')), 'ELOOP');
  });
});

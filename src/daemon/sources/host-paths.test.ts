import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { components, HostMap, StepCache } from './host-paths.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-host-paths-'));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'usr/share/x'), { recursive: true });
mkdirSync(join(root, 'etc'), { recursive: true });
symlinkSync('../usr/share', join(root, 'etc/rel'));
symlinkSync('/usr/share/x', join(root, 'etc/abs'));
symlinkSync('../../../../../usr', join(root, 'etc/up'));
symlinkSync('rel', join(root, 'etc/chain'));
symlinkSync('loop', join(root, 'etc/loop'));
symlinkSync('/nowhere', join(root, 'etc/dangling'));
symlinkSync(root, join(root, 'etc/host'));

describe('host paths', () => {
  it('joins target paths to the root as text', () => {
    const m = new HostMap(root + '/');
    assert.equal(m.host(components('/etc/../../x/./y')), `${root}/x/y`);
    assert.equal(m.host([]), root);
    assert.equal(new HostMap().host(components('/etc//ssh/')), '/etc/ssh');
  });

  const cases: [string, string | undefined][] = [
    ['/etc/rel/x', '/usr/share/x'],
    ['/etc/abs', '/usr/share/x'],
    ['/etc/up/share', '/usr/share'],
    ['/etc/chain/x', '/usr/share/x'],
    ['/etc/loop', undefined],
    ['/etc/dangling', undefined],
    ['/etc/host', undefined], // an absolute host path means <root><path> inside the root
    ['/etc', '/etc'],
  ];
  for (const [path, want] of cases) {
    it(`resolves ${path} inside the root to ${want ?? 'nothing'}`, () => {
      const got = new HostMap(root).resolve(components(path));
      assert.deepEqual(got === undefined ? undefined : '/' + got.join('/'), want);
    });
  }

  it('never descends a link under a root when placing a watch', () => {
    const steps = new StepCache(new HostMap(root));
    assert.equal(steps.depthOfDirs(components('/etc/rel/x/f'), 4), 1);
    assert.equal(steps.depthOfDirs(components('/usr/share/x/f'), 4), 3);
  });
});

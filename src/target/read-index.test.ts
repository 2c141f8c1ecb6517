import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadIndex } from './read-index.js';
import { readsPath, type ReadSet } from './reads.js';
import { prng } from '../testing/prng.js';


const NAMES = ['etc', 'ssh', 'sshd_config', 'd', 'a', 'b', 'var', 'lib', 'dpkg', 'status'];

function randomPath(rnd: () => number): string {
  const n = 1 + Math.floor(rnd() * 4);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(NAMES[Math.floor(rnd() * NAMES.length)]!);
  return `/${parts.join('/')}`;
}

function randomReads(rnd: () => number): ReadSet {
  const paths = [...new Set(Array.from({ length: Math.floor(rnd() * 4) }, () => randomPath(rnd)))].sort();
  const walks = Array.from({ length: Math.floor(rnd() * 2) }, () => ({ start: rnd() < 0.2 ? '/' : randomPath(rnd), depth: Math.floor(rnd() * 4) - 1 }));
  const kinds = ['packages', 'kernel', 'processes'] as const;
  const inputs = Array.from({ length: Math.floor(rnd() * 2) }, () => ({ kind: kinds[Math.floor(rnd() * kinds.length)]!, key: rnd() < 0.3 ? '*' : `k${Math.floor(rnd() * 3)}` }));
  return { paths, walks, inputs };
}

/** The definition, by brute force: p touches the set when readsPath says so, or something read lies below p. */
function touches(reads: ReadSet, p: string): boolean {
  if (readsPath(reads, p)) return true;
  const prefix = p === '/' ? '/' : `${p}/`;
  return reads.paths.some((q) => q.startsWith(prefix)) || reads.walks.some((w) => w.start.startsWith(prefix));
}

describe('ReadIndex', () => {
  it('finds exactly the read sets a changed path touches (randomized against readsPath)', () => {
    const rnd = prng(20261205);
    for (let round = 0; round < 200; round++) {
      const sets = new Map<number, ReadSet>();
      for (let k = 0; k < 20; k++) sets.set(k, randomReads(rnd));
      const index = new ReadIndex(sets);
      for (let q = 0; q < 10; q++) {
        const p = randomPath(rnd);
        const got = [...index.affected({ paths: [p] }).keys()].sort((a, b) => a - b);
        const want = [...sets].filter(([, r]) => touches(r, p)).map(([k]) => k);
        assert.deepEqual(got, want, `round ${round}, path ${p}`);
      }
    }
  });

  it('matches inputs by kind and key, with * on either side', () => {
    const index = new ReadIndex<string>([
      ['sysctl-a', { paths: [], walks: [], inputs: [{ kind: 'kernel', key: 'net.ipv4.ip_forward' }] }],
      ['sysctl-all', { paths: [], walks: [], inputs: [{ kind: 'kernel', key: '*' }] }],
      ['pkg', { paths: [], walks: [], inputs: [{ kind: 'packages', key: 'dpkg' }] }],
    ]);
    assert.deepEqual([...index.affected({ paths: [], inputs: [{ kind: 'kernel', key: 'net.ipv4.ip_forward' }] }).keys()].sort(), ['sysctl-a', 'sysctl-all']);
    assert.deepEqual([...index.affected({ paths: [], inputs: [{ kind: 'kernel', key: 'kernel.dmesg_restrict' }] }).keys()], ['sysctl-all']);
    assert.deepEqual([...index.affected({ paths: [], inputs: [{ kind: 'kernel', key: '*' }] }).keys()].sort(), ['sysctl-a', 'sysctl-all']);
    const causes = index.affected({ paths: [], inputs: [{ kind: 'packages', key: '*' }] });
    assert.deepEqual([...causes.get('pkg')!], ['packages:*']);
  });

  it('forgets a replaced or deleted read set', () => {
    const index = new ReadIndex<string>([['r', { paths: ['/etc/a'], walks: [{ start: '/etc/d', depth: 0 }], inputs: [] }]]);
    assert.equal(index.affected({ paths: ['/etc/d/x'] }).has('r'), true);
    index.set('r', { paths: ['/etc/b'], walks: [], inputs: [] });
    assert.equal(index.affected({ paths: ['/etc/a'] }).has('r'), false);
    assert.equal(index.affected({ paths: ['/etc/d/x'] }).has('r'), false);
    assert.equal(index.affected({ paths: ['/etc/b'] }).has('r'), true);
    index.delete('r');
    assert.equal(index.affected({ paths: ['/etc/b'] }).size, 0);
    assert.equal(index.size, 0);
  });

  it('names the causes, and treats a directory event as everything under it', () => {
    const index = new ReadIndex<string>([['r', { paths: ['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d'], walks: [], inputs: [] }]]);
    const a = index.affected({ paths: [], dirs: ['/etc/ssh'] });
    assert.deepEqual([...a.get('r')!], ['/etc/ssh']);
    assert.equal(index.affected({ paths: ['/etc/ssh/moduli'] }).size, 0);
    assert.equal(index.affected({ paths: ['relative/path'] }).size, 0);
  });
});

describe('ReadIndex with scheduled walks', () => {
  const index = new ReadIndex<string>([
    ['world-writable', { paths: ['/proc/self/mounts'], walks: [{ start: '/', depth: -1 }], inputs: [] }],
    ['sshd', { paths: ['/etc/ssh/sshd_config'], walks: [], inputs: [] }],
  ]);
  const scheduledWalks = new Set(['/']);

  it('a changed path does not re-run a walk on a schedule, but still touches the paths its rule read', () => {
    assert.deepEqual([...index.affected({ paths: ['/etc/ssh/sshd_config'] }, { scheduledWalks }).keys()], ['sshd']);
    assert.deepEqual([...index.affected({ paths: ['/proc/self/mounts'] }, { scheduledWalks }).keys()], ['world-writable']);
    // without the schedule, the walk takes every path
    assert.deepEqual([...index.affected({ paths: ['/etc/ssh/sshd_config'] }).keys()].sort(), ['sshd', 'world-writable']);
  });

  it('the schedule re-runs the walks from its start, and names it as the cause', () => {
    const a = index.affected({ paths: [], walks: ['/'] }, { scheduledWalks });
    assert.deepEqual([...a.keys()], ['world-writable']);
    assert.deepEqual([...a.get('world-writable')!], ['walk:/']);
  });
});

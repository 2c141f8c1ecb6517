import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import type { InputRead, ReadSet, WalkRead } from '../target/reads.js';
import { createEventSources, type EventSourceOptions } from './sources.js';
import type { ChangeBatch, EventSources, Logger } from './types.js';

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function tempRoot(files: Record<string, string | null> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'vigil-sources-'));
  temps.push(root);
  for (const [p, content] of Object.entries(files)) {
    if (content === null) mkdirSync(join(root, p), { recursive: true });
    else {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), content);
    }
  }
  return root;
}

interface Harness {
  readonly sources: EventSources;
  readonly batches: ChangeBatch[];
  readonly warnings: string[];
  /** Resolves with the first batch (after `since`) that satisfies `pred`, or rejects after `ms`. */
  waitFor(pred: (b: ChangeBatch) => boolean, ms?: number, since?: number): Promise<ChangeBatch>;
  close(): Promise<void>;
}

const FAST = { kernelMs: 60, processesMs: 100000, systemdMs: 100000, walksMs: 100000, reconcileMs: 100000, debounceMs: 20, maxDebounceMs: 150, verifyMs: 100000 };

/** Sources started a little after the files were made (file times are coarse: see CTIME_SLACK_MS). */
async function harness(opts: Partial<EventSourceOptions> & { intervals?: Partial<typeof FAST> } = {}): Promise<Harness> {
  await sleep(30);
  const batches: ChangeBatch[] = [];
  const warnings: string[] = [];
  const waiters: (() => void)[] = [];
  const log: Logger = { info() {}, warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) };
  const sources = createEventSources({
    ...opts,
    intervals: { ...FAST, ...opts.intervals },
    log,
    onChange: (b) => {
      batches.push(b);
      for (const w of waiters.splice(0)) w();
    },
  });
  const waitFor = (pred: (b: ChangeBatch) => boolean, ms = 2000, since = batches.length): Promise<ChangeBatch> =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no batch matched within ${ms} ms; got ${JSON.stringify(batches.slice(since))}`)), ms);
      const check = (): void => {
        const b = batches.slice(since).find(pred);
        if (b) {
          clearTimeout(t);
          resolve(b);
        } else waiters.push(check);
      };
      check();
    });
  return { sources, batches, warnings, waitFor, close: () => sources.close() };
}

const reads = (paths: string[], walks: WalkRead[] = [], inputs: InputRead[] = []): ReadSet => ({ paths, walks, inputs });
const names = (p: string) => (b: ChangeBatch) => b.paths.includes(p);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until `pred` holds (the sources re-place watches a little after the event that calls for it). */
async function until(what: string, pred: () => boolean, ms = 2000): Promise<void> {
  const t0 = performance.now();
  while (!pred()) {
    if (performance.now() - t0 > ms) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(10);
  }
}

describe('event sources: files', () => {
  const cases: { name: string; files: Record<string, string | null>; path: string; change: (root: string) => void }[] = [
    { name: 'a write', files: { 'etc/a.conf': 'x' }, path: '/etc/a.conf', change: (r) => writeFileSync(join(r, 'etc/a.conf'), 'y') },
    {
      name: 'an atomic replace by rename',
      files: { 'etc/a.conf': 'x' },
      path: '/etc/a.conf',
      change: (r) => {
        writeFileSync(join(r, 'etc/.a.conf.tmp'), 'y');
        renameSync(join(r, 'etc/.a.conf.tmp'), join(r, 'etc/a.conf'));
      },
    },
    { name: 'a chmod', files: { 'etc/a.conf': 'x' }, path: '/etc/a.conf', change: (r) => chmodSync(join(r, 'etc/a.conf'), 0o600) },
    // as root to another owner; otherwise to oneself (a chown that changes nothing still changes ctime and is reported)
    { name: 'a chown', files: { 'etc/a.conf': 'x' }, path: '/etc/a.conf', change: (r) => chownSync(join(r, 'etc/a.conf'), process.getuid?.() === 0 ? 1234 : process.getuid!(), process.getuid?.() === 0 ? 1234 : process.getgid!()) },
    { name: 'the creation of a missing file', files: { 'etc/other': 'x' }, path: '/etc/new.conf', change: (r) => writeFileSync(join(r, 'etc/new.conf'), 'y') },
    { name: 'a deletion', files: { 'etc/a.conf': 'x' }, path: '/etc/a.conf', change: (r) => rmSync(join(r, 'etc/a.conf')) },
    { name: 'a chmod of a watched directory', files: { 'etc/ssh/sshd_config': 'x' }, path: '/etc/ssh', change: (r) => chmodSync(join(r, 'etc/ssh'), 0o700) },
  ];
  for (const c of cases) {
    it(`reports ${c.name} within 500 ms`, async () => {
      const root = tempRoot(c.files);
      const h = await harness({ root });
      try {
        await h.sources.update(reads([c.path]));
        const t0 = performance.now();
        c.change(root);
        await h.waitFor(names(c.path));
        assert.ok(performance.now() - t0 < 500);
      } finally {
        await h.close();
      }
    });
  }

  it('reports a path changed between the start and the placement of its watch (read by the evaluation, then changed)', async () => {
    const root = tempRoot({ 'etc/a.conf': 'x', 'etc/b.conf': 'x' });
    const h = await harness({ root });
    try {
      writeFileSync(join(root, 'etc/a.conf'), 'changed while the first evaluation ran');
      await h.sources.update(reads(['/etc/a.conf', '/etc/b.conf']));
      const b = await h.waitFor(names('/etc/a.conf'));
      assert.deepEqual(b.paths, ['/etc/a.conf']);
      // a path new to the second update: changed before the first update started, not reported
      const since = h.batches.length;
      await h.sources.update(reads(['/etc/a.conf', '/etc/b.conf', '/etc/c.conf']));
      writeFileSync(join(root, 'etc/c.conf'), 'created after');
      await h.waitFor(names('/etc/c.conf'), 2000, since);
      await sleep(50);
      writeFileSync(join(root, 'etc/d.conf'), 'created before the third update');
      await h.sources.update(reads(['/etc/a.conf', '/etc/d.conf']));
      await h.waitFor(names('/etc/d.conf'), 2000, since);
      assert.ok(!h.batches.slice(since).some((x) => x.paths.includes('/etc/b.conf')));
    } finally {
      await h.close();
    }
  });

  it('ignores other files of a watched directory', async () => {
    const root = tempRoot({ 'etc/a.conf': 'x', 'etc/b.conf': 'x' });
    const h = await harness({ root });
    try {
      await h.sources.update(reads(['/etc/a.conf']));
      writeFileSync(join(root, 'etc/b.conf'), 'y');
      await sleep(200);
      assert.deepEqual(h.batches, []);
      writeFileSync(join(root, 'etc/a.conf'), 'y');
      const b = await h.waitFor(names('/etc/a.conf'));
      assert.deepEqual(b.paths, ['/etc/a.conf']);
    } finally {
      await h.close();
    }
  });

  it('reports a path whose missing parent chain is created, then watches it where it is', async () => {
    const root = tempRoot({ etc: null });
    const h = await harness({ root });
    try {
      await h.sources.update(reads(['/etc/x/y/z.conf']));
      assert.equal(h.sources.status().watches, 1); // /etc, the nearest existing ancestor
      mkdirSync(join(root, 'etc/x/y'), { recursive: true });
      writeFileSync(join(root, 'etc/x/y/z.conf'), '1');
      await h.waitFor(names('/etc/x/y/z.conf'));
      await sleep(150); // the watch moves down to /etc/x/y
      assert.equal(h.sources.status().watches, 1);
      const since = h.batches.length;
      writeFileSync(join(root, 'etc/x/y/z.conf'), '22');
      await h.waitFor(names('/etc/x/y/z.conf'), 2000, since);
    } finally {
      await h.close();
    }
  });

  it('follows a watched directory deleted and recreated', async () => {
    const root = tempRoot({ 'etc/d/f': 'x' });
    const h = await harness({ root });
    try {
      await h.sources.update(reads(['/etc/d/f'], [{ start: '/etc/d', depth: 0 }]));
      rmSync(join(root, 'etc/d'), { recursive: true });
      await h.waitFor(names('/etc/d'));
      await sleep(100);
      mkdirSync(join(root, 'etc/d'));
      writeFileSync(join(root, 'etc/d/f'), 'y');
      await h.waitFor(names('/etc/d/f'));
      await sleep(150);
      const since = h.batches.length;
      writeFileSync(join(root, 'etc/d/f'), 'zz');
      await h.waitFor(names('/etc/d/f'), 2000, since);
      writeFileSync(join(root, 'etc/d/g'), 'new');
      await h.waitFor(names('/etc/d/g'), 2000, since);
    } finally {
      await h.close();
    }
  });

  it('gives a few batches for a storm of 2000 renames, naming every path', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) files[`s/f${i}`] = 'x';
    const root = tempRoot(files);
    const h = await harness({ root, intervals: { debounceMs: 50, maxDebounceMs: 500 } });
    try {
      const paths = Object.keys(files).map((p) => `/${p}`);
      await h.sources.update(reads(paths));
      for (let i = 0; i < 2000; i++) {
        writeFileSync(join(root, 's/.tmp'), String(i));
        renameSync(join(root, 's/.tmp'), join(root, `s/f${i}`));
      }
      await h.waitFor((b) => b.paths.includes('/s/f1999'), 2000);
      await sleep(200);
      const seen = new Set(h.batches.flatMap((b) => b.paths));
      for (const p of paths) assert.ok(seen.has(p), p);
      console.log(`# storm of 2000 renames: ${h.batches.length} batches`);
      assert.ok(h.batches.length <= 6, `${h.batches.length} batches`);
    } finally {
      await h.close();
    }
  });

  it('never watches through a link out of the root', async () => {
    const outside = tempRoot({ 'passwd': 'x' });
    const root = tempRoot({});
    symlinkSync(outside, join(root, 'etc'));
    const h = await harness({ root });
    try {
      await h.sources.update(reads(['/etc/passwd']));
      writeFileSync(join(outside, 'passwd'), 'changed outside');
      await sleep(200);
      assert.deepEqual(h.batches, []);
      rmSync(join(root, 'etc'));
      await h.waitFor(names('/etc/passwd'));
    } finally {
      await h.close();
    }
  });

  it('stops everything on close', async () => {
    const root = tempRoot({ 'etc/a': 'x', 'proc/x': '1' });
    const h = await harness({ root, pollPrefixes: ['/proc'], intervals: { reconcileMs: 50, verifyMs: 50 } });
    await h.sources.update(reads(['/etc/a', '/proc/x'], [{ start: '/etc', depth: 0 }], [{ kind: 'packages', key: 'dpkg' }]));
    await h.close();
    const n = h.batches.length;
    writeFileSync(join(root, 'etc/a'), 'y');
    writeFileSync(join(root, 'etc/b'), 'y');
    writeFileSync(join(root, 'proc/x'), '2');
    await sleep(200);
    assert.equal(h.batches.length, n);
    assert.deepEqual(h.sources.status(), { ok: true, watches: 0, polled: 0, dropped: 0 });
  });

  it('removes the watches a smaller read set no longer needs', async () => {
    const root = tempRoot({ 'a/f': 'x', 'b/f': 'x', 'c/f': 'x' });
    const h = await harness({ root });
    try {
      await h.sources.update(reads(['/a/f', '/b/f', '/c/f']));
      assert.equal(h.sources.status().watches, 3);
      await h.sources.update(reads(['/a/f']));
      assert.equal(h.sources.status().watches, 1);
      writeFileSync(join(root, 'b/f'), 'y');
      await sleep(150);
      assert.deepEqual(h.batches, []);
    } finally {
      await h.close();
    }
  });
});

describe('event sources: walks', () => {
  it('watches every directory of a walk within the limit, and directories created later', async () => {
    const root = tempRoot({ 'w/a/b/c/f': 'x', 'w/a/b2/f': 'x', 'w/d/f': 'x' });
    const h = await harness({ root, walkWatchLimit: 10 });
    try {
      await h.sources.update(reads([], [{ start: '/w', depth: -1 }]));
      assert.equal(h.sources.status().watches, 6); // w, w/a, w/a/b, w/a/b/c, w/a/b2, w/d
      writeFileSync(join(root, 'w/a/b/c/new'), 'y');
      await h.waitFor(names('/w/a/b/c/new'));
      mkdirSync(join(root, 'w/n'));
      await h.waitFor(names('/w/n'));
      await until('7 watches', () => h.sources.status().watches === 7);
      writeFileSync(join(root, 'w/n/later'), 'z');
      await h.waitFor(names('/w/n/later'));
      rmSync(join(root, 'w/a'), { recursive: true });
      await h.waitFor(names('/w/a'));
      await until('3 watches', () => h.sources.status().watches === 3);
    } finally {
      await h.close();
    }
  });

  it('follows links to directories in a walk that follows them, inside the root, reporting paths through the link', async () => {
    const outside = tempRoot({ 'd/f': 'x' });
    const root = tempRoot({ 'etc/w/plain/f': 'x', 'data/target/sub/f': 'x', 'data/abs/f': 'x' });
    symlinkSync('../../data/target', join(root, 'etc/w/rel'));
    symlinkSync('/data/abs', join(root, 'etc/w/abs'));
    symlinkSync(join(outside, 'd'), join(root, 'etc/w/out')); // leads to <root><outside>/d: nothing
    symlinkSync('../../../../../../../..' + outside, join(root, 'etc/w/up')); // `..` stops at the root: nothing
    symlinkSync('.', join(root, 'etc/w/loop'));
    const h = await harness({ root });
    try {
      await h.sources.update(reads([], [{ start: '/etc/w', depth: -1 }]));
      assert.equal(h.sources.status().watches, 2); // /etc/w, /etc/w/plain: links not followed
      await h.sources.update(reads([], [{ start: '/etc/w', depth: -1, links: true }]));
      assert.equal(h.sources.status().watches, 5); // and /data/target, /data/target/sub, /data/abs
      writeFileSync(join(root, 'data/target/sub/f'), 'y');
      const b = await h.waitFor(names('/etc/w/rel/sub/f'));
      assert.ok(b.paths.includes('/data/target/sub/f'));
      writeFileSync(join(root, 'data/abs/g'), 'new');
      await h.waitFor(names('/etc/w/abs/g'));
      const n = h.batches.length;
      writeFileSync(join(outside, 'd/f'), 'changed outside the root');
      await sleep(200);
      assert.equal(h.batches.length, n);
    } finally {
      await h.close();
    }
  });

  it('watches a bounded walk only down to its depth', async () => {
    const root = tempRoot({ 'w/a/b/c/f': 'x' });
    const h = await harness({ root });
    try {
      await h.sources.update(reads([], [{ start: '/w', depth: 1 }]));
      assert.equal(h.sources.status().watches, 2); // w, w/a: entries down to w/a/b matter
      chmodSync(join(root, 'w/a/b'), 0o700);
      await h.waitFor(names('/w/a/b'));
    } finally {
      await h.close();
    }
  });

  it('schedules a walk over the limit', async () => {
    const root = tempRoot({ 'w/a/f': 'x', 'w/b/f': 'x', 'w/c/f': 'x' });
    const h = await harness({ root, walkWatchLimit: 2, intervals: { walksMs: 100 } });
    try {
      await h.sources.update(reads([], [{ start: '/w', depth: -1 }]));
      assert.equal(h.sources.status().watches, 0);
      const b = await h.waitFor((x) => x.walks?.includes('/w') === true, 2000);
      assert.deepEqual(b.walks, ['/w']);
      assert.deepEqual(b.paths, []);
      assert.deepEqual([...h.sources.scheduledWalks()], ['/w']);
      await h.waitFor((x) => x.walks?.includes('/w') === true, 2000); // and again
    } finally {
      await h.close();
    }
  });

  it("watches a walk of a root whose kernel is the host's, without its /proc, and schedules it too", async () => {
    const root = tempRoot({ 'etc/f': 'x', 'proc/1/stat': 'x', 'sys/kernel/x': 'x' });
    const h = await harness({ root, hostKernel: true, intervals: { walksMs: 100 } });
    try {
      await h.sources.update(reads([], [{ start: '/', depth: -1 }]));
      assert.equal(h.sources.status().watches, 2); // the root and /etc
      await h.waitFor((x) => x.walks?.includes('/') === true);
      writeFileSync(join(root, 'etc/g'), 'y');
      await h.waitFor(names('/etc/g'));
    } finally {
      await h.close();
    }
  });

  it('schedules a walk of / on this host', async () => {
    const h = await harness({ walkWatchLimit: 1_000_000, intervals: { walksMs: 80 } });
    try {
      await h.sources.update(reads([], [{ start: '/', depth: -1 }]));
      assert.equal(h.sources.status().watches, 0);
      await h.waitFor((x) => x.walks?.includes('/') === true, 2000);
      assert.ok(h.sources.scheduledWalks().has('/'));
    } finally {
      await h.close();
    }
  });
});

describe('event sources: never blind', () => {
  it('polls beyond maxWatches and still sees changes', async () => {
    const files: Record<string, string> = {};
    for (const d of ['a', 'b', 'c', 'd', 'e', 'f']) files[`${d}/conf`] = 'x';
    const root = tempRoot(files);
    const h = await harness({ root, maxWatches: 3 });
    try {
      await h.sources.update(reads(Object.keys(files).map((p) => `/${p}`)));
      const st = h.sources.status();
      assert.equal(st.watches, 3);
      assert.equal(st.polled, 3);
      assert.ok(st.ok);
      assert.equal(st.reason, '3 paths polled: inotify watch limit reached');
      assert.equal(h.warnings.length, 1);
      for (const d of ['a', 'f']) writeFileSync(join(root, d, 'conf'), 'changed');
      await h.waitFor(names('/a/conf'));
      await h.waitFor(names('/f/conf'));
      rmSync(join(root, 'e/conf'));
      await h.waitFor(names('/e/conf'));
    } finally {
      await h.close();
    }
  });

  it('moves the watch down a missing chain whose creation the sweep found (its event lost)', async () => {
    const root = tempRoot({ etc: null });
    let suppress = false;
    const h = await harness({ root, intervals: { verifyMs: 100 }, testHooks: { suppress: (p) => suppress && p === '/etc/x' } });
    try {
      await h.sources.update(reads(['/etc/x/y/z.conf']));
      suppress = true;
      mkdirSync(join(root, 'etc/x/y'), { recursive: true });
      writeFileSync(join(root, 'etc/x/y/z.conf'), '1');
      await h.waitFor(names('/etc/x/y/z.conf'), 3000);
      assert.equal(h.sources.status().dropped, 1);
      await sleep(150); // re-placed: /etc/x/y is watched now
      const since = h.batches.length;
      writeFileSync(join(root, 'etc/x/y/z.conf'), '22');
      await h.waitFor(names('/etc/x/y/z.conf'), 2000, since);
      await sleep(250);
      assert.equal(h.sources.status().dropped, 1); // an event reported it, not the sweep
    } finally {
      await h.close();
    }
  });

  it('watches a directory created in a walk that the sweep found (its event lost)', async () => {
    const root = tempRoot({ 'w/a/f': 'x' });
    let suppress = false;
    const h = await harness({ root, intervals: { verifyMs: 100 }, testHooks: { suppress: (p) => suppress && p === '/w/n' } });
    try {
      await h.sources.update(reads([], [{ start: '/w', depth: -1 }]));
      assert.equal(h.sources.status().watches, 2);
      suppress = true;
      mkdirSync(join(root, 'w/n'));
      await h.waitFor((b) => b.dirs.includes('/w'), 3000);
      await until('3 watches', () => h.sources.status().watches === 3);
      assert.ok(h.sources.status().dropped >= 1);
      writeFileSync(join(root, 'w/n/f'), 'y');
      await h.waitFor(names('/w/n/f'));
    } finally {
      await h.close();
    }
  });

  it('the verification sweep reports a change whose event was lost, and counts it', async () => {
    const root = tempRoot({ 'etc/a': 'x', 'etc/b': 'x' });
    let suppress = false;
    const h = await harness({ root, intervals: { verifyMs: 150 }, testHooks: { suppress: (p) => suppress && p === '/etc/a' } });
    try {
      await h.sources.update(reads(['/etc/a', '/etc/b']));
      writeFileSync(join(root, 'etc/b'), 'seen');
      await h.waitFor(names('/etc/b'));
      suppress = true;
      writeFileSync(join(root, 'etc/a'), 'missed');
      const b = await h.waitFor(names('/etc/a'), 3000);
      assert.deepEqual(b.paths, ['/etc/a']);
      assert.equal(h.sources.status().dropped, 1); // /etc/b's change was delivered: not counted
    } finally {
      await h.close();
    }
  });

  it('the verification sweep reports a lost event even when update() is called while it waits', async () => {
    const root = tempRoot({ 'etc/a': 'x' });
    const h = await harness({ root, intervals: { verifyMs: 200, maxDebounceMs: 300 }, testHooks: { suppress: () => true } });
    try {
      await h.sources.update(reads(['/etc/a']));
      writeFileSync(join(root, 'etc/a'), 'missed');
      // the sweep at 200 ms finds the difference and waits 350 ms for an event; updates come meanwhile
      const updates = setInterval(() => void h.sources.update(reads(['/etc/a'])), 40);
      try {
        await h.waitFor(names('/etc/a'), 3000);
      } finally {
        clearInterval(updates);
      }
      assert.equal(h.sources.status().dropped, 1);
    } finally {
      await h.close();
    }
  });

  it('does not count as dropped what a watched directory\'s parent cannot report (its entries changing)', async () => {
    const root = tempRoot({ 'etc/ssh/sshd_config': 'x' });
    const h = await harness({ root, intervals: { verifyMs: 100 } });
    try {
      await h.sources.update(reads(['/etc/ssh']));
      writeFileSync(join(root, 'etc/ssh/new'), 'y');
      rmSync(join(root, 'etc/ssh/sshd_config'));
      await sleep(450);
      assert.deepEqual(h.batches, []);
      assert.equal(h.sources.status().dropped, 0);
      chmodSync(join(root, 'etc/ssh'), 0o700);
      await h.waitFor(names('/etc/ssh'));
      await sleep(300);
      assert.equal(h.sources.status().dropped, 0);
    } finally {
      await h.close();
    }
  });

  it('asks for a full reconcile on its schedule', async () => {
    const h = await harness({ intervals: { reconcileMs: 80 } });
    try {
      const b = await h.waitFor((x) => x.full === 'reconcile');
      assert.deepEqual([b.paths, b.dirs, b.inputs], [[], [], []]);
    } finally {
      await h.close();
    }
  });
});

describe('event sources: kernel values and inputs', () => {
  it('polls the content of paths under a polled prefix', async () => {
    const root = tempRoot({ 'proc/sys/net/ipv4/ip_forward': '0\n', 'proc/sys/kernel/x': '1\n' });
    const h = await harness({ root, pollPrefixes: ['/proc'] });
    try {
      await h.sources.update(reads(['/proc/sys/net/ipv4/ip_forward', '/proc/sys/kernel/x']));
      const st = h.sources.status();
      assert.equal(st.watches, 0);
      assert.equal(st.polled, 2);
      writeFileSync(join(root, 'proc/sys/net/ipv4/ip_forward'), '1\n');
      const b = await h.waitFor(names('/proc/sys/net/ipv4/ip_forward'));
      assert.deepEqual(b.paths, ['/proc/sys/net/ipv4/ip_forward']);
    } finally {
      await h.close();
    }
  });

  it("polls this host's sysctl keys read-only with hostKernel, quietly while they do not change", async () => {
    const root = tempRoot({ etc: null });
    const h = await harness({ root, hostKernel: true });
    try {
      await h.sources.update(reads(['/proc/sys/kernel/ostype'], [], [{ kind: 'kernel', key: 'kernel.osrelease' }, { kind: 'mounts', key: '*' }]));
      assert.equal(h.sources.status().polled, 3); // ostype, osrelease, mountinfo
      await sleep(250);
      assert.deepEqual(h.batches, []);
    } finally {
      await h.close();
    }
  });

  it("reports another process's files on the process schedule, without comparing them", async () => {
    const h = await harness({ root: tempRoot({}), hostKernel: true, intervals: { processesMs: 100 } });
    try {
      await h.sources.update(reads(['/proc/1/stat'], [], [{ kind: 'processes', key: '*' }]));
      const b = await h.waitFor(names('/proc/1/stat'));
      assert.deepEqual(b.inputs, [{ kind: 'processes', key: '*' }]);
    } finally {
      await h.close();
    }
  });

  it('has nothing to poll for processes on an offline root', async () => {
    const h = await harness({ root: tempRoot({}), intervals: { processesMs: 50, systemdMs: 50 } });
    try {
      await h.sources.update(reads([], [], [{ kind: 'processes', key: '*' }, { kind: 'systemd', key: 'sshd.service' }, { kind: 'kernel', key: 'kernel.osrelease' }]));
      await sleep(200);
      assert.deepEqual(h.batches, []);
      assert.equal(h.sources.status().polled, 0);
    } finally {
      await h.close();
    }
  });

  it('reports a package database replaced by rename, with its input', async () => {
    const root = tempRoot({ 'var/lib/dpkg/status': 'Package: a\n' });
    const h = await harness({ root });
    try {
      await h.sources.update(reads([], [], [{ kind: 'packages', key: 'dpkg' }]));
      writeFileSync(join(root, 'var/lib/dpkg/status-new'), 'Package: b\n');
      renameSync(join(root, 'var/lib/dpkg/status-new'), join(root, 'var/lib/dpkg/status'));
      const b = await h.waitFor(names('/var/lib/dpkg/status'));
      assert.deepEqual(b.inputs, [{ kind: 'packages', key: 'dpkg' }]);
    } finally {
      await h.close();
    }
  });
});

describe('event sources: cost', () => {
  it('places 3000 paths quickly', async () => {
    const files: Record<string, string> = {};
    for (let d = 0; d < 100; d++) for (let f = 0; f < 30; f++) files[`etc/d${d}/f${f}`] = 'x';
    const root = tempRoot(files);
    const h = await harness({ root });
    try {
      const paths = Object.keys(files).map((p) => `/${p}`);
      let t = performance.now();
      await h.sources.update(reads(paths));
      const first = performance.now() - t;
      t = performance.now();
      await h.sources.update(reads([...paths]));
      const again = performance.now() - t;
      t = performance.now();
      await h.sources.update(reads([...paths, '/etc/d0/another']));
      const more = performance.now() - t;
      console.log(`# update() of 3000 paths in 100 directories: ${first.toFixed(1)} ms, the same again ${again.toFixed(1)} ms, one path more ${more.toFixed(1)} ms; ${h.sources.status().watches} watches`);
      assert.equal(h.sources.status().watches, 100);
      writeFileSync(join(root, 'etc/d0/another'), 'new');
      await h.waitFor(names('/etc/d0/another'));
      assert.ok(first < 2000);
    } finally {
      await h.close();
    }
  });
});

describe('event sources: a real inotify limit', () => {
  // In a user namespace of its own the limit of inotify watches is the namespace's (/proc/sys/user/max_inotify_watches):
  // lowered there, fs.watch fails with ENOSPC as on a host whose limit is too low, and the machine is not changed.
  const CHILD = `
    import { mkdirSync, writeFileSync } from 'node:fs';
    const { createEventSources } = await import(${JSON.stringify(new URL('./sources.ts', import.meta.url).pathname)});
    const root = process.argv[1];
    const warnings = [];
    const batches = [];
    const s = createEventSources({ root, log: { info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
      intervals: { kernelMs: 50, debounceMs: 20, maxDebounceMs: 100 }, onChange: (b) => batches.push(b) });
    const dirs = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    await s.update({ paths: dirs.map((d) => '/' + d + '/conf'), walks: [], inputs: [] });
    const status = s.status();
    await new Promise((r) => setTimeout(r, 50));
    for (const d of dirs) writeFileSync(root + '/' + d + '/conf', 'changed');
    await new Promise((r) => setTimeout(r, 400));
    await s.close();
    console.log(JSON.stringify({ status, warnings, seen: [...new Set(batches.flatMap((b) => b.paths))].sort() }));
  `;

  it('falls back to polling the paths whose watch the kernel refuses (ENOSPC), and says so', async (t) => {
    const { spawnSync } = await import('node:child_process');
    const files: Record<string, string> = {};
    for (const d of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) files[`${d}/conf`] = 'x';
    const root = tempRoot(files);
    await sleep(30);
    const r = spawnSync(
      'unshare',
      ['-Ur', 'sh', '-c', 'echo 3 > /proc/sys/user/max_inotify_watches && exec "$0" --import tsx --input-type=module -e "$1" "$2"', process.execPath, CHILD, root],
      { encoding: 'utf8', timeout: 20000 },
    );
    if (r.error || (r.status !== 0 && /unshare|Operation not permitted|max_inotify_watches/.test(r.stderr))) {
      t.skip(`no user namespace here: ${r.error?.message ?? r.stderr.trim()}`);
      return;
    }
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { status: { watches: number; polled: number; ok: boolean; reason?: string }; warnings: string[]; seen: string[] };
    assert.equal(out.status.watches, 3);
    assert.equal(out.status.polled, 5);
    assert.ok(out.status.ok);
    assert.equal(out.status.reason, '5 paths polled: inotify watch limit reached');
    assert.equal(out.warnings.length, 1);
    assert.deepEqual(out.seen, Object.keys(files).map((p) => `/${p}`));
  });
});

describe('event sources: mounts and interfaces of this host', () => {
  // In mount and network namespaces of its own a child may mount and bring an interface up without changing the machine.
  const CHILD = `
    import { spawnSync } from 'node:child_process';
    const { createEventSources } = await import(${JSON.stringify(new URL('./sources.ts', import.meta.url).pathname)});
    const dir = process.argv[1];
    const batches = [];
    const s = createEventSources({ log: { info() {}, warn() {}, error() {} }, intervals: { kernelMs: 50, debounceMs: 20, maxDebounceMs: 100 }, onChange: (b) => batches.push(b) });
    await s.update({ paths: [], walks: [], inputs: [{ kind: 'interfaces', key: '*' }, { kind: 'mounts', key: '*' }] });
    const quiet = async () => { await new Promise((r) => setTimeout(r, 300)); return batches.splice(0).flatMap((b) => b.inputs.map((i) => i.kind)); };
    const before = await quiet();
    const run = (cmd, args) => { const r = spawnSync(cmd, args, { encoding: 'utf8' }); if (r.status !== 0) throw new Error(cmd + ': ' + r.stderr); };
    run('mount', ['-t', 'tmpfs', 'none', dir]);
    const mounted = await quiet();
    run('ip', ['link', 'set', 'lo', 'up']);
    const up = await quiet();
    await s.close();
    console.log(JSON.stringify({ before, mounted, up }));
  `;

  it('reports a mount and an interface brought up, and nothing while they stay as they are', async (t) => {
    const { spawnSync } = await import('node:child_process');
    const dir = tempRoot({});
    const r = spawnSync(
      'unshare',
      ['-mn', '--propagation', 'private', process.execPath, '--import', 'tsx', '--input-type=module', '-e', CHILD, dir],
      { encoding: 'utf8', timeout: 20000 },
    );
    if (r.error || (r.status !== 0 && /unshare|Operation not permitted/.test(r.stderr))) {
      t.skip(`no mount and network namespaces here: ${r.error?.message ?? r.stderr.trim()}`);
      return;
    }
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { before: [], mounted: ['mounts'], up: ['interfaces'] });
  });
});

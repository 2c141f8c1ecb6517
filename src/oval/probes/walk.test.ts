/**
 * One shared walk: several recursing file objects are served by one
 * traversal that reads each directory once; non-local filesystems are pruned
 * while walking; the objects' filters run during the walk, and only entries
 * an object selects are examined; I/O stays within its bounds.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readDocument } from '../../model/load.js';
import type { OvalDefinitions } from '../../model/oval/types.js';
import { offlineRootTarget } from '../../target/fs-target.js';
import { wrapTarget, type DirHandle, type FileInfo, type Target } from '../../target/target.js';
import { mockTarget, type MockEntry } from '../../target/memory-target.js';
import { NO_READS } from '../../target/reads.js';
import { caseDocument, type ProbeCase } from '../../testing/probe-oracle.js';
import { OvalEngine } from '../engine.js';
import { ServiceScope } from '../services.js';
import type { CollectedObject, ItemData, ProbeContext, ProbeRequest } from '../types.js';
import { fixedPathPrefix, pathPatternTest } from './path-prefix.js';
import { probeTable } from './registry.js';
import { fileProbe } from './unix/file.js';
import { Traversal, type Walker } from './walk.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-walk-'));
after(() => rmSync(base, { recursive: true, force: true }));

/** A tree of 3 levels, 4 directories wide, 6 files each; some world-writable files, a sticky world-writable directory, a loop. */
function buildTree(root: string): string[] {
  const dirs: string[] = [];
  const make = (rel: string, depth: number): void => {
    mkdirSync(join(root, rel), { recursive: true });
    dirs.push(rel === '' ? '/' : `/${rel}`);
    for (let i = 0; i < 6; i++) writeFileSync(join(root, rel, `f${i}.conf`), `${rel}${i}`);
    chmodSync(join(root, rel, 'f0.conf'), 0o666);
    if (depth < 3) for (let i = 0; i < 4; i++) make(rel === '' ? `d${i}` : `${rel}/d${i}`, depth + 1);
  };
  make('', 0);
  chmodSync(join(root, 'd1'), 0o1777);
  chmodSync(join(root, 'd2'), 0o777);
  symlinkSync('..', join(root, 'd0/up'));
  return dirs;
}

const root = join(base, 'root');
const DIRS = buildTree(root);

/** `target` with every opened directory passed through `wrap`. */
function wrapped(target: Target, wrap: (h: DirHandle) => DirHandle, over: Partial<Target> = {}): Target {
  return wrapTarget(target, { ...(target.openDir ? { openDir: async (p: string) => wrap(await target.openDir!(p)) } : {}), ...over });
}

/** A target that counts, per directory, how often it is listed, and how many entries are examined by name. */
function counting(target: Target): { target: Target; listed: Map<string, number>; lstats: () => number } {
  const listed = new Map<string, number>();
  let lstats = 0;
  const list = (p: string): void => void listed.set(p, (listed.get(p) ?? 0) + 1);
  const wrap = (h: DirHandle): DirHandle => ({
    path: h.path,
    info: h.info,
    entries: () => (list(h.path), h.entries()),
    lstat: (n) => (lstats++, h.lstat(n)),
    stat: (n) => h.stat(n),
    openChild: async (n) => wrap(await h.openChild(n)),
  });
  return { target: wrapped(target, wrap, { readdir: (p) => (list(p), target.readdir(p)) }), listed, lstats: () => lstats };
}

/** `target` passed through, with the listings' `examine` recorded and the entries examined by name counted. */
function examining(target: Target): { target: Target; examined: string[]; lstats: () => number } {
  const examined: string[] = [];
  let lstats = 0;
  const wrap = (h: DirHandle): DirHandle => ({
    path: h.path,
    info: h.info,
    entries: (examine) => (examined.push(examine ?? 'none'), h.entries(examine)),
    lstat: (n) => (lstats++, h.lstat(n)),
    stat: (n) => h.stat(n),
    openChild: async (n) => wrap(await h.openChild(n)),
    ...(h.subdirectory ? { subdirectory: (n: string, info: FileInfo) => wrap(h.subdirectory!(n, info)) } : {}),
  });
  return { target: wrapped(target, wrap), examined, lstats: () => lstats };
}

const fileCase = (name: string, object: string, state?: string): ProbeCase => ({ name, family: 'unix', type: 'file', object, ...(state ? { state } : {}) });
const WHOLE = '<unix:behaviors recurse="directories" recurse_direction="down" max_depth="-1" recurse_file_system="local"/><unix:path operation="equals">/</unix:path>';

/** Three objects like SSG's heavy rules, and one more from a pattern below /: a filter on each. */
function heavyDocument(): OvalDefinitions {
  const cases = [
    fileCase('world-writable files', `${WHOLE}<unix:filename operation="pattern match">^.*$</unix:filename>`),
    fileCase('world-writable directories without the sticky bit', `${WHOLE}<unix:filename xsi:nil="true"/>`),
    fileCase('files owned by uid 4242', `${WHOLE}<unix:filename operation="pattern match">.*</unix:filename>`),
    fileCase('conf files below d1', '<unix:path operation="pattern match">^/d1/d[0-9]$</unix:path><unix:filename operation="pattern match">\\.conf$</unix:filename>'),
  ];
  const filters = [
    '<unix:type>regular</unix:type><unix:owrite datatype="boolean">true</unix:owrite>',
    '<unix:sticky datatype="boolean">false</unix:sticky><unix:owrite datatype="boolean">true</unix:owrite>',
    '<unix:user_id datatype="int">4242</unix:user_id>',
    '<unix:owrite datatype="boolean">true</unix:owrite>',
  ];
  let xml = caseDocument(cases);
  // each object's state is an include filter on the object, as SSG writes them
  xml = xml.replace(/(<unix:file_object id="oval:vigil:obj:(\d+)" version="1">[\s\S]*?)(<\/unix:file_object>)/g, (_m, head: string, n: string, close: string) => `${head}<filter xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" action="include">oval:vigil:ste:${n}</filter>${close}`);
  const states = filters.map((s, i) => `<unix:file_state id="oval:vigil:ste:${i + 1}" version="1">${s}</unix:file_state>`).join('');
  xml = xml.replace('</objects>', `</objects><states>${states}</states>`);
  return readDocument({ text: xml, name: 'heavy.xml' }) as OvalDefinitions;
}

const paths = (o: CollectedObject): string[] =>
  o.items.map((i) => i.entities.find((e) => e.name === 'filepath')?.value ?? i.entities.find((e) => e.name === 'path')!.value).sort();

describe('recursing objects share one walk', () => {
  const doc = heavyDocument();
  const objectIds = [...doc.objects.keys()];

  it('evaluating the document lists each directory once, in one traversal', async () => {
    const c = counting(offlineRootTarget(root));
    const engine = new OvalEngine(doc, { target: c.target, probes: probeTable() });
    await engine.evaluateAll();
    assert.deepEqual([...c.listed.keys()].sort(), [...DIRS].sort(), 'every directory was read (and nothing else)');
    assert.deepEqual([...new Set(c.listed.values())], [1], 'each directory once');
  });

  it('gives the same items as one walk per object, which reads each directory once per object', async () => {
    const shared = new OvalEngine(doc, { target: offlineRootTarget(root), probes: probeTable() });
    await shared.evaluateAll();
    const c = counting(offlineRootTarget(root));
    const alone = new OvalEngine(doc, { target: c.target, probes: probeTable() });
    const separately: string[][] = [];
    for (const id of objectIds) separately.push(paths(await alone.collect(id)));
    const together = await Promise.all(objectIds.map(async (id) => paths(await shared.collect(id))));
    assert.deepEqual(together, separately);
    assert.equal(c.listed.get('/'), 3, 'the three walks of / each read it');
    // what the filters keep
    assert.deepEqual(together[0]!.length, DIRS.length, 'one world-writable file per directory');
    assert.deepEqual(together[1], ['/d2']);
    assert.deepEqual(together[2], []);
    assert.deepEqual(together[3], ['/d1/d0/f0.conf', '/d1/d1/f0.conf', '/d1/d2/f0.conf', '/d1/d3/f0.conf']);
  });

  it('listings that examine their entries spare every lookup by name, and give the same items', async () => {
    const fast = examining(offlineRootTarget(root));
    const quick = new OvalEngine(doc, { target: fast.target, probes: probeTable() });
    await quick.evaluateAll();
    // counting() drops `examine`: every entry is then examined on its own
    const c = counting(offlineRootTarget(root));
    const slow = new OvalEngine(doc, { target: c.target, probes: probeTable() });
    await slow.evaluateAll();
    const items = async (e: OvalEngine): Promise<string[][]> => Promise.all(objectIds.map(async (id) => paths(await e.collect(id))));
    assert.deepEqual(await items(quick), await items(slow));
    assert.ok(fast.examined.includes('all'), 'the walks that look at every file ask for every lstat');
    assert.equal(fast.lstats(), 0);
    assert.ok(c.lstats() > DIRS.length * 6);
  });

  it('numbers items the same way on every run', async () => {
    const numbering = async (): Promise<string> => {
      const engine = new OvalEngine(doc, { target: offlineRootTarget(root), probes: probeTable() });
      await engine.evaluateAll();
      return JSON.stringify((await engine.collectedObjects()).map((o) => [o.objectId, o.items.map((i) => i.id)]));
    };
    const first = await numbering();
    for (let i = 0; i < 3; i++) assert.equal(await numbering(), first);
  });

  it('an object that needs another walking object first stays out of the batch, and nothing waits forever', async () => {
    // object 2's filter compares with a variable made from object 1's items
    const cases = [
      fileCase('world-writable files', `${WHOLE}<unix:filename operation="pattern match">^f0</unix:filename>`),
      fileCase('files with those sizes', `${WHOLE}<unix:filename operation="pattern match">^f1</unix:filename>`),
      fileCase('a third walk', `${WHOLE}<unix:filename operation="pattern match">^f2</unix:filename>`),
    ];
    let xml = caseDocument(cases);
    xml = xml.replace('<unix:filename operation="pattern match">^f1</unix:filename>', '<unix:filename operation="pattern match">^f1</unix:filename><filter xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" action="include">oval:vigil:ste:9</filter>');
    xml = xml.replace(
      '</objects>',
      '</objects><states><unix:file_state id="oval:vigil:ste:9" version="1"><unix:path var_ref="oval:vigil:var:1" var_check="at least one"/></unix:file_state></states>' +
        '<variables><local_variable id="oval:vigil:var:1" version="1" datatype="string" comment="paths"><object_component object_ref="oval:vigil:obj:1" item_field="path"/></local_variable></variables>',
    );
    const d = readDocument({ text: xml, name: 'dep.xml' }) as OvalDefinitions;
    const c = counting(offlineRootTarget(root));
    const engine = new OvalEngine(d, { target: c.target, probes: probeTable() });
    const results = await engine.evaluateAll();
    assert.equal(results.length, 3);
    assert.equal((await engine.collect('oval:vigil:obj:2')).items.length, DIRS.length);
    // objects 1 and 3 walked together; 2 on its own, after the variable it needed
    assert.equal(c.listed.get('/'), 2);
  });
});

describe('recurse_file_system="local" prunes while walking', () => {
  const files: Record<string, MockEntry> = {
    '/proc/self/mounts': 'overlay / overlay rw 0 0\nproc /proc proc rw 0 0\nsysfs /sys sysfs rw 0 0\nserver:/x /mnt/nfs nfs4 rw 0 0\ntmpfs /dev/shm tmpfs rw 0 0\nfoo /mnt/with\\040space fuse.sshfs rw 0 0\n',
    '/proc/1/status': 'x',
    '/sys/kernel/k': 'x',
    '/mnt/nfs/share/remote.conf': 'x',
    '/mnt/with space/s.conf': 'x',
    '/dev/shm/s.conf': 'x',
    '/etc/passwd': 'x',
  };
  const devices = { '/proc': 10, '/sys': 11, '/mnt/nfs': 12, '/dev/shm': 13, '/mnt/with space': 14 };
  const walkOf = async (fs: string): Promise<{ items: string[]; listed: string[] }> => {
    const c = counting(mockTarget({ files, devices, capabilities: ['kernel', 'processes'] }));
    const target = c.target;
    const doc = readDocument({
      text: caseDocument([fileCase('all', `<unix:behaviors recurse="directories" recurse_direction="down" recurse_file_system="${fs}"/><unix:path>/</unix:path><unix:filename operation="pattern match">.*</unix:filename>`)]),
      name: 'l.xml',
    }) as OvalDefinitions;
    const engine = new OvalEngine(doc, { target, probes: probeTable() });
    await engine.evaluateAll();
    return { items: paths((await engine.collectedObjects())[0]!), listed: [...c.listed.keys()].sort() };
  };

  it('does not enter proc, sysfs or network filesystems: they are never listed', async () => {
    const w = await walkOf('local');
    assert.deepEqual(w.items, ['/dev/shm/s.conf', '/etc/passwd']);
    assert.deepEqual(w.listed, ['/', '/dev', '/dev/shm', '/etc', '/mnt']);
  });

  it('"all" walks everything', async () => {
    const w = await walkOf('all');
    assert.deepEqual(w.items, ['/dev/shm/s.conf', '/etc/passwd', '/mnt/nfs/share/remote.conf', '/mnt/with space/s.conf', '/proc/1/status', '/proc/self/mounts', '/sys/kernel/k']);
  });

  it('"defined" stays on the device it started on', async () => {
    const w = await walkOf('defined');
    assert.deepEqual(w.items, ['/etc/passwd']);
  });
});

describe('filters run during the walk, on the entries an object selects', () => {
  const target = offlineRootTarget(root);
  const request = (filename: string): ProbeRequest => {
    const doc = readDocument({ text: caseDocument([fileCase('x', `${WHOLE}<unix:filename operation="pattern match">${filename}</unix:filename>`)]), name: 'f.xml' }) as OvalDefinitions;
    const object = [...doc.objects.values()][0]!;
    return { object, entities: new Map(object.entities.map((e) => [e.name, { entity: e, value: e.value }])), behaviors: object.behaviors };
  };

  it('the probe keeps only what the filter keeps, judging each selected entry once', async () => {
    const c = counting(target);
    const judged: string[] = [];
    const ctx: ProbeContext = {
      target: c.target,
      services: new ServiceScope(c.target),
      reads: NO_READS,
      variables: { value: () => Promise.reject(new Error('no variables')) },
      keep: async (item: ItemData) => {
        judged.push(item.entities.find((e) => e.name === 'filepath')!.value);
        return item.entities.some((e) => e.name === 'owrite' && e.value === 'true');
      },
    };
    const r = await fileProbe.collect(request('^f0\\.conf$'), ctx);
    assert.equal(r.items.length, DIRS.length);
    assert.equal(judged.length, DIRS.length, 'only the f0.conf files were built and judged');
    assert.equal(new Set(judged).size, judged.length);
    // one lstat per selected file (a directory's comes from opening it), none for the other files
    assert.equal(c.lstats(), DIRS.length);
  });
});

describe('file items judged by name', () => {
  it('named() and statuses answer as the entities would, for every name', async () => {
    const judged: ItemData[] = [];
    const doc = readDocument({
      text: caseDocument([
        fileCase('files', '<unix:behaviors recurse_direction="down" max_depth="1"/><unix:path>/d1</unix:path><unix:filename operation="pattern match">^f[01]</unix:filename>'),
        fileCase('directories', '<unix:behaviors recurse="directories" recurse_direction="down" max_depth="1"/><unix:path>/d1</unix:path><unix:filename xsi:nil="true"/>'),
      ]),
      name: 'n.xml',
    }) as OvalDefinitions;
    for (const object of doc.objects.values()) {
      const req: ProbeRequest = { object, entities: new Map(object.entities.map((e) => [e.name, { entity: e, value: e.value }])), behaviors: object.behaviors };
      await fileProbe.collect(req, { target: offlineRootTarget(root), services: new ServiceScope(offlineRootTarget(root)), reads: NO_READS, variables: { value: () => Promise.reject(new Error('none')) }, keep: (item) => (judged.push(item), false) });
    }
    assert.ok(judged.some((i) => i.entities.some((e) => e.name === 'filepath')) && judged.some((i) => !i.entities.some((e) => e.name === 'filepath')));
    for (const item of judged) {
      assert.ok(item.named && item.statuses);
      const names = [...new Set(item.entities.map((e) => e.name)), 'filepath', 'no_such_entity'];
      for (const name of names) assert.deepEqual(item.named(name), item.entities.filter((e) => e.name === name), name);
      const count = (st: string): number => item.entities.filter((e) => e.status === st).length;
      assert.deepEqual(item.statuses, { exists: count('exists'), dne: count('does not exist'), error: count('error'), nc: count('not collected') });
    }
  });
});

describe('an offline walk stays inside the root', () => {
  it('an absolute link to a directory is followed inside the root, never to the host', async () => {
    // decoy: the host has <outside>/secret; the root has <outside> without it
    const outside = join(base, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'secret'), 'HOST');
    const r = join(base, 'decoy-root');
    mkdirSync(join(r, outside), { recursive: true });
    writeFileSync(join(r, outside, 'inside'), 'ROOT');
    mkdirSync(join(r, 'etc'), { recursive: true });
    symlinkSync(outside, join(r, 'etc/abs'));
    symlinkSync('/', join(r, 'etc/top'));
    const doc = readDocument({
      text: caseDocument([fileCase('follow every link', '<unix:behaviors recurse_direction="down"/><unix:path>/etc</unix:path><unix:filename operation="pattern match">.*</unix:filename>')]),
      name: 'd.xml',
    }) as OvalDefinitions;
    const engine = new OvalEngine(doc, { target: offlineRootTarget(r), probes: probeTable() });
    await engine.evaluateAll();
    const found = paths((await engine.collectedObjects())[0]!);
    assert.ok(found.includes(`/etc/abs/inside`), found.join());
    assert.ok(!found.some((p) => p.endsWith('/secret')), found.join());
    // /etc/top is the root of the target: walked again below the link (fts does too), but not /etc, where the walk began
    assert.ok(found.includes(`/etc/top${outside}/inside`), found.join());
    assert.ok(!found.some((p) => p.startsWith('/etc/top/etc/')), found.join());
  });
});

describe('the traversal', () => {
  it('keeps I/O within its bounds', async () => {
    const t = offlineRootTarget(root);
    let inFlight = 0;
    let peak = 0;
    const track = async <T>(p: () => Promise<T>): Promise<T> => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await p();
      } finally {
        inFlight--;
      }
    };
    const wrap = (h: DirHandle): DirHandle => ({
      path: h.path,
      info: h.info,
      entries: () => track(() => h.entries()),
      lstat: (n) => track(() => h.lstat(n)),
      stat: (n) => track(() => h.stat(n)),
      openChild: async (n) => wrap(await track(() => h.openChild(n))),
    });
    const traversal = new Traversal(wrapped(t, wrap), { directories: 2, entries: 3 });
    let seen = 0;
    const everything: Walker = {
      visit: () => true,
      entry: async (_n, _l, e) => {
        seen++;
        await e.lstat();
        return e.type === 'directory';
      },
      fail: (e) => assert.fail(String(e)),
    };
    traversal.add('/', everything);
    await traversal.run();
    assert.equal(traversal.listed, DIRS.length);
    assert.equal(seen, DIRS.length * 6 + DIRS.length - 1 + 1, 'every file, directory and the link');
    assert.ok(peak <= 2 * 3 + 2, `at most ${2 * 3 + 2} operations at once, saw ${peak}`);
  });

  it('a walker that starts below another joins the same traversal', async () => {
    const c = counting(offlineRootTarget(root));
    const traversal = new Traversal(c.target);
    const found: Record<string, string[]> = { top: [], below: [] };
    const walker = (key: string): Walker => ({
      visit: () => true,
      entry: (_n, _l, e) => {
        if (e.name === 'f1.conf') found[key]!.push(e.path);
        return e.type === 'directory';
      },
      fail: (e) => assert.fail(String(e)),
    });
    traversal.add('/', walker('top'));
    traversal.add('/d3/d1', walker('below'));
    await traversal.run();
    assert.equal(found['top']!.length, DIRS.length);
    assert.deepEqual(found['below']!.sort(), ['/d3/d1/d0/f1.conf', '/d3/d1/d1/f1.conf', '/d3/d1/d2/f1.conf', '/d3/d1/d3/f1.conf', '/d3/d1/f1.conf']);
    assert.deepEqual([...new Set(c.listed.values())], [1]);
  });

  it('lets the event loop turn while it walks, though the directories are read synchronously', async () => {
    const traversal = new Traversal(offlineRootTarget(root));
    traversal.add('/', { visit: () => true, entry: (_n, _l, e) => e.type === 'directory', fail: (e) => assert.fail(String(e)) });
    const listedAtTurns: number[] = [];
    let walking = true;
    const turn = (): void => {
      if (!walking) return;
      listedAtTurns.push(traversal.listed);
      setImmediate(turn);
    };
    setImmediate(turn);
    await traversal.run();
    walking = false;
    assert.equal(traversal.listed, DIRS.length);
    assert.ok(
      listedAtTurns.some((n) => n > 0 && n < DIRS.length),
      `the loop turned only before or after the walk: ${listedAtTurns.join(', ')}`,
    );
  });

  it('a walker that throws fails alone', async () => {
    const traversal = new Traversal(offlineRootTarget(root));
    let failed: unknown;
    let others = 0;
    traversal.add('/', { visit: () => true, entry: () => Promise.reject(new Error('boom')), fail: (e) => (failed = e) });
    traversal.add('/', { visit: () => true, entry: (_n, _l, e) => (others++, e.type === 'directory'), fail: (e) => assert.fail(String(e)) });
    await traversal.run();
    assert.match(String(failed), /boom/);
    assert.ok(others > DIRS.length * 6);
  });
});

describe('path patterns (oval_fts)', () => {
  const prefixes = [
    { pattern: '^/etc/apt/apt.conf.d/.*$', want: '/etc/apt' },
    { pattern: '^/etc/d/.*\\.conf$', want: '/etc/d' },
    { pattern: '^\\/s?bin|^\\/usr\\/s?bin', want: '/' },
    { pattern: '^/etc/passwd$', want: '/etc' },
    { pattern: '^/etc/passwd', want: '/etc/passwd' },
    { pattern: '^/etc/a|/usr/b', want: '/etc/a|/usr/b' },
    { pattern: '^/usr/(bin|share)', want: '/usr' },
    { pattern: 'etc/x.*', want: '/' },
    { pattern: '^/etc/cron\\.d/.*', want: '/etc/cron.d' },
  ];
  for (const c of prefixes) it(`the walk for ${c.pattern} starts at ${c.want}`, () => assert.equal(fixedPathPrefix(c.pattern), c.want));

  const verdicts: Array<{ pattern: string; path: string; want: string }> = [
    { pattern: '^\\/s?bin|^\\/usr\\/s?bin|^\\/usr\\/local\\/s?bin', path: '/', want: 'partial' },
    { pattern: '^\\/s?bin|^\\/usr\\/s?bin|^\\/usr\\/local\\/s?bin', path: '/usr', want: 'partial' },
    { pattern: '^\\/s?bin|^\\/usr\\/s?bin|^\\/usr\\/local\\/s?bin', path: '/usr/local', want: 'partial' },
    { pattern: '^\\/s?bin|^\\/usr\\/s?bin|^\\/usr\\/local\\/s?bin', path: '/usr/sbin', want: 'match' },
    { pattern: '^\\/s?bin|^\\/usr\\/s?bin|^\\/usr\\/local\\/s?bin', path: '/usr/bin/x', want: 'match' },
    { pattern: '^\\/s?bin|^\\/usr\\/s?bin|^\\/usr\\/local\\/s?bin', path: '/proc', want: 'none' },
    { pattern: '^\\/s?bin|^\\/usr\\/s?bin|^\\/usr\\/local\\/s?bin', path: '/usr/share', want: 'none' },
    { pattern: '^/etc/(cron\\.(d|daily)|anacrontab)$', path: '/etc/cron.d', want: 'match' },
    { pattern: '^/etc/(cron\\.(d|daily)|anacrontab)$', path: '/etc/cron', want: 'partial' },
    { pattern: '^/etc/(cron\\.(d|daily)|anacrontab)$', path: '/etc/cron.d/x', want: 'none' },
    { pattern: '^/home/[^/]+$', path: '/home/bob', want: 'match' },
    { pattern: '^/home/[^/]+$', path: '/home/bob/x', want: 'none' },
    { pattern: '^/var/log/.*', path: '/var', want: 'partial' },
    { pattern: '^/a{2,3}b', path: '/aaa', want: 'partial' },
    { pattern: '^/a{2,3}b', path: '/aaaa', want: 'none' },
    { pattern: '(?i)^/ETC/x', path: '/etc', want: 'partial' },
    { pattern: 'etc', path: '/', want: 'none' },
  ];
  for (const c of verdicts) it(`${c.pattern} on ${c.path}: ${c.want}`, () => assert.equal(pathPatternTest(c.pattern)!(c.path), c.want));
});

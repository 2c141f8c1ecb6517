/**
 * The state store: the shared contract (store.case.ts) on both stores, then
 * what only the disk can show: persistence, the schema, the lock, a SIGKILL
 * in the middle of commits, a corrupt file, and (in a private mount
 * namespace, as root) a read-only and a full state directory.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { drift, OTHER, SCOPE, state, storeCases, sweep } from './store.case.js';
import { memoryStore, openWatchStore, PID_FILE, SCHEMA_VERSION, STATE_FILE } from './store.js';
import { StoreError, type WatchStore } from './types.js';

const REPO = join(import.meta.dirname, '../..');
const STORE_URL = pathToFileURL(join(import.meta.dirname, 'store.ts')).href;
const base = mkdtempSync(join(tmpdir(), 'vigil-store-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(base, `s${++n}`);

storeCases('memoryStore', () => memoryStore());
storeCases('openWatchStore', () => openWatchStore(freshDir()));

/** Asserts a StoreError with this code whose one-line message names `file` (and matches `re`). */
function storeError(code: string, file: string, re?: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof StoreError, `expected a StoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.includes(file), `${e.message} names ${file}`);
    assert.doesNotMatch(e.message, /\n/);
    if (re) assert.match(e.message, re);
    return true;
  };
}

/** Runs `code` (an ES module that may import STORE_URL) in a child node; resolves with its stdout, status and signal. */
function child(code: string, env: Record<string, string> = {}, onLine?: (line: string, kill: () => void) => void): Promise<{ out: string; status: number | null; signal: string | null; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: REPO,
      env: { ...process.env, STORE_URL, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let pending = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      pending += d;
      let i: number;
      while ((i = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1);
        onLine?.(line, () => p.kill('SIGKILL'));
      }
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.on('error', reject);
    p.on('close', (status, signal) => resolve({ out, status, signal, err }));
  });
}

describe('openWatchStore on disk', () => {
  it('creates the state directory with mode 0700, and keeps everything across a reopen', () => {
    const dir = join(freshDir(), 'a', 'b');
    let s: WatchStore = openWatchStore(dir);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.ok(existsSync(join(dir, STATE_FILE)));
    assert.equal(readFileSync(join(dir, PID_FILE), 'utf8').trim(), String(process.pid));
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('-shm')), 'exclusive locking: no shared-memory file');
    const evs = s.commit(SCOPE, [state('a', 'pass'), state('b', 'fail')], [drift('a', 'pass'), drift('b', 'fail')]);
    s.commit(OTHER, [state('a', 'error')], [drift('a', 'error')]);
    s.recordSweep(SCOPE, sweep('2026-01-01T00:00:00.000Z'));
    s.close();
    assert.ok(!existsSync(join(dir, PID_FILE)), 'close removes the pid file');

    s = openWatchStore(dir);
    assert.deepEqual(s.load(SCOPE), new Map([['a', state('a', 'pass')], ['b', state('b', 'fail')]]));
    assert.deepEqual(s.load(OTHER), new Map([['a', state('a', 'error')]]));
    assert.deepEqual(s.events(0, 2), evs);
    assert.equal(s.lastEventId(), 3);
    assert.deepEqual(s.sweeps(SCOPE, 5), [sweep('2026-01-01T00:00:00.000Z')]);
    assert.deepEqual(s.commit(SCOPE, [], [drift('c', 'pass')]).map((e) => e.id), [4]);
    s.close();

    const raw = new Database(join(dir, STATE_FILE), { readonly: true });
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(raw.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get(), String(SCHEMA_VERSION));
    raw.close();
  });

  it('applies the retention given at open', () => {
    const dir = freshDir();
    let s = openWatchStore(dir);
    const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    s.commit(SCOPE, [], [drift('a', 'pass', daysAgo(1000)), drift('b', 'pass', daysAgo(400)), drift('c', 'pass', daysAgo(300)), drift('d', 'pass', daysAgo(0))]);
    s.close();
    s = openWatchStore(dir, { retention: { maxEvents: 1000, maxAgeDays: 365 } });
    assert.deepEqual(s.events(0, 10).map((e) => e.id), [3, 4]);
    s.close();
    const other = freshDir();
    assert.throws(() => openWatchStore(other, { retention: { maxEvents: -1, maxAgeDays: 1 } }), RangeError);
    assert.ok(!existsSync(other), 'a retention that means nothing is refused before anything is made');
  });

  it('refuses a file of a newer schema, and an SQLite file that is not a state store', () => {
    const dir = freshDir();
    openWatchStore(dir).close();
    const file = join(dir, STATE_FILE);
    let raw = new Database(file);
    raw.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION + 1));
    raw.close();
    assert.throws(() => openWatchStore(dir), storeError('VIGIL_SCHEMA', file, new RegExp(`newer vigil \\(schema ${SCHEMA_VERSION + 1}`)));

    const other = freshDir();
    mkdirSync(other);
    raw = new Database(join(other, STATE_FILE));
    raw.exec('CREATE TABLE notes (x)');
    raw.close();
    assert.throws(() => openWatchStore(other), storeError('VIGIL_SCHEMA', join(other, STATE_FILE), /not a vigil watch state store/));
  });

  it('a garbage file is refused at open as SQLITE_NOTADB, a damaged one as SQLITE_CORRUPT', () => {
    const dir = freshDir();
    mkdirSync(dir);
    const file = join(dir, STATE_FILE);
    writeFileSync(file, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 131 + 7) & 0xff)));
    assert.throws(() => openWatchStore(dir), storeError('SQLITE_NOTADB', file));

    const dir2 = freshDir();
    const s = openWatchStore(dir2);
    for (let i = 0; i < 20; i++) s.commit(SCOPE, Array.from({ length: 50 }, (_, j) => state(`rule-${i}-${j}`, 'pass')), [drift(`r${i}`, 'pass')]);
    s.close();
    const file2 = join(dir2, STATE_FILE);
    const fd = openSync(file2, 'r+');
    // Pages 3 to 6 (of 4096 bytes) hold tables and indexes: scribble over them, keep the header.
    writeSync(fd, Buffer.alloc(4 * 4096, 0x5a), 0, 4 * 4096, 2 * 4096);
    closeSync(fd);
    assert.throws(() => openWatchStore(dir2), storeError('SQLITE_CORRUPT', file2));
  });

  it('a commit that fails inside SQLite halfway (a trigger) stores nothing, and the store goes on', () => {
    const dir = freshDir();
    let s = openWatchStore(dir);
    s.commit(SCOPE, [state('a', 'pass')], [drift('a', 'pass')]);
    s.close();
    const file = join(dir, STATE_FILE);
    const raw = new Database(file);
    raw.exec(`CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.type = 'status' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    raw.close();
    s = openWatchStore(dir);
    const status = { type: 'status' as const, time: '2026-01-01T00:00:00.000Z', ok: false, reason: 'x' };
    assert.throws(
      () => s.commit(SCOPE, [state('a', 'fail'), state('b', 'fail')], [drift('a', 'fail'), drift('b', 'fail'), status]),
      storeError('SQLITE_CONSTRAINT_TRIGGER', file, /cannot commit: injected failure/),
    );
    assert.deepEqual(s.load(SCOPE), new Map([['a', state('a', 'pass')]]));
    assert.deepEqual(s.events(0, 10).map((e) => e.id), [1]);
    assert.equal(s.lastEventId(), 1);
    assert.deepEqual(s.commit(SCOPE, [state('b', 'fail')], [drift('b', 'fail')]).map((e) => e.id), [2]);
    s.close();
  });

  it('a second store on the same directory is refused while the first is open, in this process', () => {
    const dir = freshDir();
    const a = openWatchStore(dir);
    a.commit(SCOPE, [state('a', 'pass')], []);
    assert.throws(() => openWatchStore(dir, { lockWaitMs: 0 }), storeError('SQLITE_BUSY', dir, new RegExp(`is in use by another vigil watch \\(pid ${process.pid}\\)`)));
    assert.deepEqual(a.load(SCOPE), new Map([['a', state('a', 'pass')]]), 'the refused open did not disturb the first');
    a.commit(SCOPE, [state('a', 'fail')], []);
    a.close();
    const b = openWatchStore(dir);
    assert.deepEqual(b.load(SCOPE), new Map([['a', state('a', 'fail')]]));
    b.close();
  });

  it("another process's store is refused with its pid; once it is SIGKILLed the directory opens", async () => {
    const dir = freshDir();
    openWatchStore(dir).close(); // an existing store, opened without a migration
    let holder = 0;
    let refused: unknown;
    const held = child(
      `const { openWatchStore } = await import(process.env.STORE_URL);
       openWatchStore(process.env.DIR);
       console.log('ready');
       setInterval(() => {}, 1000);`,
      { DIR: dir },
      (line, kill) => {
        if (line !== 'ready') return;
        try {
          openWatchStore(dir, { lockWaitMs: 0 }).close();
          refused = 'opened';
        } catch (e) {
          refused = e;
          holder = Number(/\(pid (\d+)\)/.exec((e as Error).message)?.[1]);
        }
        kill();
      },
    );
    const r = await held;
    assert.equal(r.signal, 'SIGKILL', r.err);
    assert.ok(storeError('SQLITE_BUSY', dir, /is in use by another vigil watch \(pid \d+\)/)(refused));
    assert.ok(holder > 0 && holder !== process.pid, `the message named the holder (pid ${holder})`);
    assert.equal(readFileSync(join(dir, PID_FILE), 'utf8').trim(), String(holder), 'the killed holder left its pid file');
    const s = openWatchStore(dir, { lockWaitMs: 0 });
    assert.equal(readFileSync(join(dir, PID_FILE), 'utf8').trim(), String(process.pid));
    s.close();
  });

  it('SIGKILL in the middle of commits: every commit that returned is there, whole, ids strictly increasing', async () => {
    const dir = freshDir();
    const code = `
      import { writeSync } from 'node:fs';
      const { openWatchStore } = await import(process.env.STORE_URL);
      const s = openWatchStore(process.env.DIR);
      const scope = ${JSON.stringify(SCOPE)};
      const loaded = s.load(scope);
      let i = loaded ? Number(loaded.get('rule-0').result.slice(1)) : 0;
      for (;;) {
        i++;
        const time = new Date().toISOString();
        const states = Array.from({ length: 300 }, (_, j) => ({ rule: 'rule-' + j, result: 'v' + i, severity: 'low', time }));
        const evs = [0, 1, 2].map((k) => ({ type: 'drift', time, rule: 'rule-' + k, from: null, to: 'v' + i, severity: 'low', paths: [] }));
        const out = s.commit(scope, states, evs);
        writeSync(1, i + ' ' + out.map((e) => e.id).join(' ') + '\\n');
      }`;
    let before = 0;
    for (const round of [1, 2]) {
      const stopAfter = 20 + Math.floor(Math.random() * 40);
      const returned: Array<{ commit: number; ids: number[] }> = [];
      const r = await child(code, { DIR: dir }, (line, kill) => {
        const [commit, ...ids] = line.split(' ').map(Number);
        returned.push({ commit: commit!, ids });
        if (returned.length === stopAfter) kill();
      });
      assert.equal(r.signal, 'SIGKILL', `round ${round}: ${r.err}`);
      assert.ok(returned.length >= stopAfter);

      const s = openWatchStore(dir);
      const all = s.events(0, Infinity);
      const ids = all.map((e) => e.id);
      for (let k = 1; k < ids.length; k++) assert.ok(ids[k]! > ids[k - 1]!, `round ${round}: ids strictly increase at ${k}`);
      const stored = new Set(ids);
      const printed = returned.flatMap((x) => x.ids);
      for (const id of printed) assert.ok(stored.has(id), `round ${round}: event ${id}, whose commit returned, is stored`);
      assert.ok(printed[0]! > before, `round ${round}: new ids after the old ones`);
      assert.ok(s.lastEventId() >= printed.at(-1)!);
      // The states are those of one whole commit, at least the last that returned.
      const states = s.load(SCOPE)!;
      assert.equal(states.size, 300);
      const results = new Set([...states.values()].map((x) => x.result));
      assert.equal(results.size, 1, `round ${round}: one commit's states, not a mix: ${[...results].join(', ')}`);
      const committed = Number([...results][0]!.slice(1));
      assert.ok(committed >= returned.at(-1)!.commit);
      assert.equal(all.length, committed * 3, 'three events per commit, none lost, none twice');
      before = s.lastEventId();
      s.close();
    }
  });
});

// ------------------------------------------------- read-only and full disks

const root = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
const noNamespace = root ? false : 'needs root and unshare -m (a private mount namespace)';

/** Runs `setup` (sh) and then `code` (a node ES module) in a private mount namespace; returns the JSON the module prints last. */
function inNamespace(setup: string, code: string, env: Record<string, string>): Record<string, unknown> {
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-ec', `${setup}\nexec "$NODE" --import tsx --input-type=module -e "$CODE"`], {
    cwd: REPO,
    env: { ...process.env, STORE_URL, NODE: process.execPath, CODE: code, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `namespace child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

const TRY_OPEN = `
  const { openWatchStore } = await import(process.env.STORE_URL);
  const res = {};
  for (const dir of process.env.DIRS.split(':')) {
    try { openWatchStore(dir).close(); res[dir] = 'opened'; }
    catch (e) { res[dir] = { name: e.name, code: e.code, message: e.message }; }
  }
  console.log(JSON.stringify(res));`;

describe('openWatchStore on a read-only or full state directory', { skip: noNamespace }, () => {
  it('a read-only state directory is a StoreError naming the file, whether the store exists or not', () => {
    const top = freshDir();
    const existing = join(top, 'existing');
    const empty = join(top, 'empty');
    const missing = join(top, 'ro', 'missing');
    const s = openWatchStore(existing);
    s.commit(SCOPE, [state('a', 'pass')], [drift('a', 'pass')]);
    s.close();
    mkdirSync(empty);
    mkdirSync(join(top, 'ro'));
    const res = inNamespace(
      'for d in "$TOP/existing" "$TOP/empty" "$TOP/ro"; do mount --bind "$d" "$d"; mount -o remount,bind,ro "$d"; done',
      TRY_OPEN,
      { TOP: top, DIRS: [existing, empty, missing].join(':') },
    );
    const check = (dir: string, codes: RegExp, names: string) => {
      const e = res[dir] as { name: string; code: string; message: string };
      assert.equal(e.name, 'StoreError', `${dir}: ${JSON.stringify(e)}`);
      assert.match(e.code, codes, e.message);
      assert.ok(e.message.includes(names), e.message);
      assert.doesNotMatch(e.message, /\n/);
    };
    check(existing, /^EROFS$/, join(existing, STATE_FILE));
    check(empty, /^EROFS$/, join(empty, STATE_FILE));
    check(missing, /^EROFS$/, missing);
    // Nothing was harmed: outside the namespace the store opens with its data.
    const again = openWatchStore(existing);
    assert.deepEqual(again.events(0, 5).map((e) => e.id), [1]);
    again.close();
  });

  it('a full disk: commit throws SQLITE_FULL, nothing half-stored, and the store still answers', () => {
    const dir = freshDir();
    mkdirSync(dir);
    const res = inNamespace(
      'mount -t tmpfs -o size=256k,mode=0700 tmpfs "$D"',
      `
      const { openWatchStore } = await import(process.env.STORE_URL);
      const s = openWatchStore(process.env.D + '/state');
      const scope = ${JSON.stringify(SCOPE)};
      const pad = 'x'.repeat(2000);
      let commits = 0, error;
      try {
        for (; commits < 10000; commits++) {
          const states = Array.from({ length: 8 }, (_, j) => ({ rule: 'r' + commits + '-' + j, result: 'pass', severity: pad, time: 't' }));
          s.commit(scope, states, [{ type: 'status', time: new Date().toISOString(), ok: true, reason: pad }]);
        }
      } catch (e) { error = { name: e.name, code: e.code, message: e.message }; }
      const events = s.events(0, Infinity).length;
      const states = s.load(scope)?.size ?? 0;
      console.log(JSON.stringify({ commits, error, events, states, last: s.lastEventId(), file: process.env.D + '/state/state.sqlite' }));
      s.close();`,
      { D: dir },
    );
    const error = res.error as { name: string; code: string; message: string };
    assert.ok(error, `the disk filled up: ${JSON.stringify(res)}`);
    assert.equal(error.name, 'StoreError');
    assert.equal(error.code, 'SQLITE_FULL', error.message);
    assert.ok(error.message.includes(res.file as string), error.message);
    assert.ok((res.commits as number) > 0);
    assert.equal(res.events, res.commits, 'every commit that returned is there, the failed one is not');
    assert.equal(res.last, res.commits);
    assert.equal(res.states, (res.commits as number) * 8);
  });
});

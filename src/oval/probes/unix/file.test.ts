/**
 * unix:file_object's walks (path, filename, filepath and the recursion
 * behaviors) through the real engine over a synthetic offline root, and the
 * same document and root given to `OSCAP_PROBE_ROOT=<root> oscap oval eval`:
 * every case must give the same definition result, object flag and items.
 * All cases are in one document, so their walks share one traversal, as a
 * scan's do. Without oscap the oracle test is skipped, unless
 * VIGIL_REQUIRE_ORACLE=1; the expectations below are oscap's answers.
 *
 * has_extended_acl is compared too: one file of the root carries an
 * extended access ACL (system.posix_acl_access, five entries), so links to
 * it and walks over it must say true where oscap does.
 */
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { oscapAvailable, type ProbeCase } from '../../../testing/probe-oracle.js';
import { caseDifferences, describeCase, oscapRootOutcome, rootCaseDocument, tempRoot, vigilRootOutcome, type RootEntry, type RootObject, type RootOutcome } from '../../../testing/root-oracle.js';
import { fileProbe } from './file.js';

// Links are relative: oscap resolves an absolute one against the host.
const FILES: Record<string, RootEntry> = {
  'etc/d/a.conf': 'a\n',
  'etc/d/b.txt': 'b\n',
  'etc/d/sub/c.conf': 'c\n',
  'etc/d/sub/deeper/e.conf': 'e\n',
  'etc/d/sub/deeper/deepest/f.conf': 'f\n',
  'etc/d/link': { symlink: 'sub' },
  'etc/d/loop': { symlink: '.' },
  'etc/d/out': { symlink: '../other' },
  'etc/d/flink.conf': { symlink: 'a.conf' },
  'etc/d/dangle.conf': { symlink: 'nowhere' },
  'etc/d/empty': { dir: true },
  'etc/d/dir.conf': { dir: true },
  'etc/other/o.conf': 'o\n',
  'etc/passwd': 'root:x:0:0::/root:/bin/sh\n',
  'usr/bin/tool': '#!/bin/sh\n',
  'usr/share/doc/x': 'x\n',
};

const f = (name: string, object: string, state?: string): ProbeCase => ({ name, family: 'unix', type: 'file', object, ...(state !== undefined ? { state } : {}) });
const down = (attrs = ''): string => `<unix:behaviors recurse_direction="down"${attrs}/>`;
const path = (p: string, op = ''): string => `<unix:path${op ? ` operation="${op}"` : ''}>${p}</unix:path>`;
const name = (n: string, op = 'pattern match'): string => `<unix:filename operation="${op}">${n}</unix:filename>`;
const NIL = '<unix:filename xsi:nil="true"/>';

interface Case extends ProbeCase {
  /** oscap's items: `filepath|type` (the path for a directory item), sorted. */
  readonly want: readonly string[];
}

const CASES: readonly Case[] = [
  { ...f('down, default recurse: directories entered, links followed, a loop stopped', down() + path('/etc/d') + name('.*')), want: ['/etc/d/a.conf|regular', '/etc/d/b.txt|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link', '/etc/d/link/c.conf|regular', '/etc/d/link/deeper/deepest/f.conf|regular', '/etc/d/link/deeper/e.conf|regular', '/etc/d/link|symbolic link', '/etc/d/loop|symbolic link', '/etc/d/out/o.conf|regular', '/etc/d/out|symbolic link', '/etc/d/sub/c.conf|regular', '/etc/d/sub/deeper/deepest/f.conf|regular', '/etc/d/sub/deeper/e.conf|regular'] },
  { ...f('down, directories only: links are items, not followed', down(' recurse="directories"') + path('/etc/d') + name('.*')), want: ['/etc/d/a.conf|regular', '/etc/d/b.txt|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link', '/etc/d/link|symbolic link', '/etc/d/loop|symbolic link', '/etc/d/out|symbolic link', '/etc/d/sub/c.conf|regular', '/etc/d/sub/deeper/deepest/f.conf|regular', '/etc/d/sub/deeper/e.conf|regular'] },
  { ...f('down, symlinks only: one level through each link', down(' recurse="symlinks"') + path('/etc/d') + name('.*')), want: ['/etc/d/a.conf|regular', '/etc/d/b.txt|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link', '/etc/d/link/c.conf|regular', '/etc/d/link|symbolic link', '/etc/d/loop|symbolic link', '/etc/d/out/o.conf|regular', '/etc/d/out|symbolic link'] },
  { ...f('"files and directories" follows links only, as oscap reads it', down(' recurse="files and directories"') + path('/etc/d') + name('conf$')), want: ['/etc/d/a.conf|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link', '/etc/d/link/c.conf|regular', '/etc/d/out/o.conf|regular'] },
  { ...f('max_depth 1: files one directory down', down(' recurse="directories" max_depth="1"') + path('/etc/d') + name('conf$')), want: ['/etc/d/a.conf|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link', '/etc/d/sub/c.conf|regular'] },
  { ...f('max_depth 0: the directory only', down(' max_depth="0"') + path('/etc/d') + name('conf$')), want: ['/etc/d/a.conf|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link'] },
  { ...f('max_depth 2', down(' recurse="directories" max_depth="2"') + path('/etc/d') + name('conf$')), want: ['/etc/d/a.conf|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link', '/etc/d/sub/c.conf|regular', '/etc/d/sub/deeper/e.conf|regular'] },
  { ...f('nil filename, directories only: the directories', down(' recurse="directories"') + path('/etc/d') + NIL), want: ['/etc/d/dir.conf|directory', '/etc/d/empty|directory', '/etc/d/sub/deeper/deepest|directory', '/etc/d/sub/deeper|directory', '/etc/d/sub|directory', '/etc/d|directory'] },
  { ...f('nil filename, default recurse: links to directories too, not a loop', down() + path('/etc/d') + NIL), want: ['/etc/d/dir.conf|directory', '/etc/d/empty|directory', '/etc/d/link/deeper/deepest|directory', '/etc/d/link/deeper|directory', '/etc/d/link|symbolic link', '/etc/d/out|symbolic link', '/etc/d/sub/deeper/deepest|directory', '/etc/d/sub/deeper|directory', '/etc/d/sub|directory', '/etc/d|directory'] },
  { ...f('nil filename, symlinks only: plain subdirectories are reported, not entered', down(' recurse="symlinks"') + path('/etc/d') + NIL), want: ['/etc/d/dir.conf|directory', '/etc/d/empty|directory', '/etc/d/link/deeper|directory', '/etc/d/link|symbolic link', '/etc/d/out|symbolic link', '/etc/d/sub|directory', '/etc/d|directory'] },
  { ...f('nil filename, max_depth 1', down(' max_depth="1"') + path('/etc/d') + NIL), want: ['/etc/d/dir.conf|directory', '/etc/d/empty|directory', '/etc/d/link|symbolic link', '/etc/d/out|symbolic link', '/etc/d/sub|directory', '/etc/d|directory'] },
  { ...f('no recursion, filename pattern: never a directory', path('/etc/d') + name('conf$')), want: ['/etc/d/a.conf|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link'] },
  { ...f('no recursion, filename equals a directory: nothing', path('/etc/d') + name('dir.conf', 'equals')), want: [] },
  { ...f('no recursion, filename equals a file', path('/etc') + name('passwd', 'equals')), want: ['/etc/passwd|regular'] },
  { ...f('no recursion, nil filename: the directory', path('/etc/d/link') + NIL), want: ['/etc/d/link|symbolic link'] },
  { ...f('a path that is a file: nothing', down() + path('/etc/passwd') + name('.*')), want: [] },
  { ...f('path pattern: every matching directory, each recursed', path('^/etc/d.*', 'pattern match') + name('\\.conf$')), want: ['/etc/d/a.conf|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link', '/etc/d/link/c.conf|regular', '/etc/d/link/deeper/deepest/f.conf|regular', '/etc/d/link/deeper/e.conf|regular', '/etc/d/out/o.conf|regular', '/etc/d/sub/c.conf|regular', '/etc/d/sub/deeper/deepest/f.conf|regular', '/etc/d/sub/deeper/e.conf|regular'] },
  { ...f('path pattern with a group: matches below a match too', path('^/usr/(bin|share)', 'pattern match') + name('.*')), want: ['/usr/bin/tool|regular', '/usr/share/doc/x|regular'] },
  { ...f('path pattern with an alternation: the walk starts where oscap cuts the pattern', path('^/etc/d/sub$|^/etc/other$', 'pattern match') + name('.*')), want: ['/etc/d/sub/c.conf|regular'] },
  { ...f('path pattern without a caret: refused, as by oscap', path('etc/d', 'pattern match') + name('.*')), want: [] },
  { ...f('path pattern, nil filename', path('^/etc/d/s.*', 'pattern match') + NIL), want: ['/etc/d/sub/deeper/deepest|directory', '/etc/d/sub/deeper|directory', '/etc/d/sub|directory'] },
  { ...f('path not equal: every other directory of the root', path('/etc/d', 'not equal') + name('^o\\.conf$')), want: ['/etc/d/out/o.conf|regular', '/etc/other/o.conf|regular'] },
  { ...f('filepath pattern: files through links too, never a directory', '<unix:filepath operation="pattern match">^/etc/d/.*\\.conf$</unix:filepath>'), want: ['/etc/d/a.conf|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link', '/etc/d/link/c.conf|regular', '/etc/d/link/deeper/deepest/f.conf|regular', '/etc/d/link/deeper/e.conf|regular', '/etc/d/out/o.conf|regular', '/etc/d/sub/c.conf|regular', '/etc/d/sub/deeper/deepest/f.conf|regular', '/etc/d/sub/deeper/e.conf|regular'] },
  // nested repeats: the regex worker matches these, and the walk waits for its answers
  { ...f('a filename the regex worker matches', down(' recurse="directories" max_depth="1"') + path('/etc/d') + name('^(?:[a-z]+\\.?)+conf$')), want: ['/etc/d/a.conf|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link', '/etc/d/sub/c.conf|regular'] },
  { ...f('a filepath pattern the regex worker matches', '<unix:filepath operation="pattern match">^/etc/d/(?:[a-z]+/)*[a-z]+\\.conf$</unix:filepath>'), want: ['/etc/d/a.conf|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link', '/etc/d/link/c.conf|regular', '/etc/d/link/deeper/deepest/f.conf|regular', '/etc/d/link/deeper/e.conf|regular', '/etc/d/out/o.conf|regular', '/etc/d/sub/c.conf|regular', '/etc/d/sub/deeper/deepest/f.conf|regular', '/etc/d/sub/deeper/e.conf|regular'] },
  { ...f('a path pattern the regex worker matches', path('^/etc/(?:d+/?)+$', 'pattern match') + name('^a\\.conf$')), want: ['/etc/d/a.conf|regular'] },
  { ...f('filepath equals a directory: nothing', '<unix:filepath>/etc/d/sub</unix:filepath>'), want: [] },
  { ...f('filepath equals a dangling link', '<unix:filepath>/etc/d/dangle.conf</unix:filepath>'), want: ['/etc/d/dangle.conf|symbolic link'] },
  { ...f('up: the directory and its ancestors', '<unix:behaviors recurse_direction="up"/>' + path('/etc/d/sub/deeper') + name('conf$')), want: ['/etc/d/a.conf|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link', '/etc/d/sub/c.conf|regular', '/etc/d/sub/deeper/e.conf|regular'] },
  { ...f('up, nil filename, max_depth 1', '<unix:behaviors recurse_direction="up" max_depth="1"/>' + path('/etc/d/sub/deeper') + NIL), want: ['/etc/d/sub/deeper|directory', '/etc/d/sub|directory'] },
  {
    ...f('the whole root, local, with an include filter', down(' recurse="directories" recurse_file_system="local"') + path('/') + name('^.*$'), '<unix:owrite datatype="boolean">true</unix:owrite>'),
    want: ['/etc/d/b.txt|regular', '/etc/d/dangle.conf|symbolic link', '/etc/d/flink.conf|symbolic link', '/etc/d/link|symbolic link', '/etc/d/loop|symbolic link', '/etc/d/out|symbolic link'],
  },
  {
    ...f('the whole root, defined, nil filename', down(' recurse="directories" recurse_file_system="defined"') + path('/') + NIL),
    want: ['/etc/d/dir.conf|directory', '/etc/d/empty|directory', '/etc/d/sub/deeper/deepest|directory', '/etc/d/sub/deeper|directory', '/etc/d/sub|directory', '/etc/d|directory', '/etc/other|directory', '/etc|directory', '/usr/bin|directory', '/usr/share/doc|directory', '/usr/share|directory', '/usr|directory', '/|directory'],
  },
];

// A case's state is a filter of its object (applied during the walk), not the test's state.
const DOC = rootCaseDocument(CASES.map(({ state: _s, ...c }) => c))
  .replace(
    /(<unix:file_object id="oval:vigil:obj:(\d+)" version="1">)([\s\S]*?)(<\/unix:file_object>)/g,
    (m, open: string, n: string, body: string, close: string) => {
      const c = CASES[Number(n) - 1]!;
      return c.state === undefined ? m : `${open}${body}<filter action="include" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5">oval:vigil:ste:${n}</filter>${close}`;
    },
  )
  .replace('</objects>', '</objects>' + statesXml());

function statesXml(): string {
  const states = CASES.map((c, i) => (c.state === undefined ? '' : `<unix:file_state id="oval:vigil:ste:${i + 1}" version="1">${c.state}</unix:file_state>`)).join('');
  return states ? `<states>${states}</states>` : '';
}

function summary(o: RootObject | undefined): string[] {
  return (o?.items ?? [])
    .map((i) => {
      const e = Object.fromEntries(i.entities.map((x) => JSON.parse(x) as [string, string, string]).map(([k, , v]) => [k, v]));
      return `${e['filepath'] ?? e['path']}|${e['type']}`;
    })
    .sort();
}

function makeRoot(): ReturnType<typeof tempRoot> {
  const root = tempRoot('vigil-file-walk-', FILES);
  // user::rw- user:1000:rw- group::rw- mask::rw- other::rw-: an extended ACL that keeps the mode 0666
  const acl = Buffer.alloc(4 + 5 * 8);
  acl.writeUInt32LE(2, 0);
  [[0x01, 6, 0xffffffff], [0x02, 6, 1000], [0x04, 6, 0xffffffff], [0x10, 6, 0xffffffff], [0x20, 6, 0xffffffff]].forEach(([tag, perm, id], i) => {
    acl.writeUInt16LE(tag!, 4 + i * 8);
    acl.writeUInt16LE(perm!, 6 + i * 8);
    acl.writeUInt32LE(id!, 8 + i * 8);
  });
  (createRequire(import.meta.url)('@napi-rs/xattr') as { setAttributeSync(p: string, n: string, v: Uint8Array): void }).setAttributeSync(join(root.root, 'etc/d/b.txt'), 'system.posix_acl_access', acl);
  chmodSync(join(root.root, 'etc/d/b.txt'), 0o666);
  return root;
}

describe('file_object walks through the engine (oscap\'s answers)', () => {
  const root = makeRoot();
  let vigil: RootOutcome;
  before(async () => {
    vigil = await vigilRootOutcome(DOC, root.root, [fileProbe]);
  });
  after(() => root.dispose());
  CASES.forEach((c, i) => {
    it(c.name, () => assert.deepEqual(summary(vigil.objects.get(`oval:vigil:obj:${i + 1}`)), [...c.want].sort()));
  });
  it('has_extended_acl: true for the file with an extended ACL, false for the others, read from the root', () => {
    const acl = new Map<string, string>();
    for (const o of vigil.objects.values()) {
      for (const i of o.items) {
        const e = Object.fromEntries(i.entities.map((x) => JSON.parse(x) as [string, string, string]).map(([k, , v]) => [k, v]));
        if (e['filepath'] !== undefined) acl.set(e['filepath'], e['has_extended_acl'] ?? 'absent');
      }
    }
    assert.equal(acl.get('/etc/d/b.txt'), 'true');
    assert.equal(acl.get('/etc/d/a.conf'), 'false');
  });
});

test('file_object walks agree with oscap (OSCAP_PROBE_ROOT)', async (t) => {
  if (!(await oscapAvailable(t))) return;
  const root = makeRoot();
  try {
    const vigil = await vigilRootOutcome(DOC, root.root, [fileProbe]);
    const oscap = await oscapRootOutcome(DOC, root.root, root.dir, t);
    assert.equal(oscap.objects.size, CASES.length, 'oscap collected every object');
    const differ = CASES.flatMap((c, i) => {
      const d = caseDifferences(i + 1, vigil, oscap);
      return d.length ? [`${c.name}: ${d.join(', ')}\n${describeCase(i + 1, vigil, oscap)}`] : [];
    });
    assert.deepEqual(differ, []);
  } finally {
    root.dispose(t);
  }
});

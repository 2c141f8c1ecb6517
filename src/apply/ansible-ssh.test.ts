/**
 * The reading of ansible-playbook's JSON callback output (ansible-ssh.ts):
 * predicted paths and contents from content diffs (edits of one file by
 * several tasks merged, or marked unpredicted when they conflict),
 * attribute diffs, loops, and the tasks that were not rehearsed. No host
 * needed: the output is written here as ansible 2.14 writes it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAnsibleJson } from './ansible-ssh.js';

type R = Record<string, unknown>;
const task = (name: string, result: R): R => ({ task: { name, path: `/tmp/x/playbook.yml:${name.length}` }, hosts: { target: result } });
const out = (...tasks: R[]): string => JSON.stringify({ plays: [{ tasks }], stats: {} });
const content = (path: string, before: string, after: string): R => ({ before, after, before_header: `${path} (content)`, after_header: `${path} (content)` });

const ORIG = 'a\nPASS_MAX_DAYS 99999\nb\nc\nd\ne\nPASS_MIN_DAYS 0\n';

describe('parseAnsibleJson', () => {
  it('merges two tasks\' edits of one file (each diffed from the original in check mode)', () => {
    const r = parseAnsibleJson(
      out(
        task('max', { action: 'lineinfile', changed: true, diff: [content('/etc/login.defs', ORIG, ORIG.replace('99999', '365')), { before_header: '/etc/login.defs (file attributes)' }], invocation: { module_args: { path: '/etc/login.defs' } } }),
        task('min', { action: 'lineinfile', changed: true, diff: [content('/etc/login.defs', ORIG, ORIG.replace('MIN_DAYS 0', 'MIN_DAYS 1'))], invocation: { module_args: { path: '/etc/login.defs' } } }),
        task('mode', { action: 'file', changed: true, path: '/etc/login.defs', diff: { before: { path: '/etc/login.defs', mode: '0644' }, after: { path: '/etc/login.defs', mode: '0600' } } }),
      ),
    );
    const p = r.predicted.get('/etc/login.defs')!;
    assert.equal(p.contentKnown, true);
    assert.equal(p.after, 'a\nPASS_MAX_DAYS 365\nb\nc\nd\ne\nPASS_MIN_DAYS 1\n');
    assert.equal(p.before, ORIG);
    assert.deepEqual(p.meta, ['mode 0644 -> 0600']);
    assert.equal(p.mode, 0o600);
    assert.deepEqual(p.tasks, ['max', 'min', 'mode']);
    assert.deepEqual(r.notRehearsed, []);
  });

  it('leaves the content unpredicted when two edits conflict, rather than guessing', () => {
    const r = parseAnsibleJson(
      out(
        task('one', { action: 'lineinfile', changed: true, diff: [content('/etc/x', 'k=1\n', 'k=2\n')], invocation: { module_args: { path: '/etc/x' } } }),
        task('two', { action: 'lineinfile', changed: true, diff: [content('/etc/x', 'k=1\n', 'k=3\n')], invocation: { module_args: { path: '/etc/x' } } }),
      ),
    );
    const p = r.predicted.get('/etc/x')!;
    assert.equal(p.contentKnown, false);
    assert.equal(p.after, undefined);
  });

  it('takes copy\'s destination, not ansible\'s temporary file; loops item by item; a removal', () => {
    const r = parseAnsibleJson(
      out(
        task('banner', { action: 'copy', changed: true, diff: [{ before: '', after: 'hi\n', after_header: '/root/.ansible/tmp/ansible-local-1/tmpab' }], invocation: { module_args: { dest: '/etc/issue' } } }),
        task('perms', {
          action: 'file',
          changed: true,
          results: [
            { changed: true, path: '/etc/cron.d', diff: { before: { path: '/etc/cron.d', mode: '0755' }, after: { path: '/etc/cron.d', mode: '0700' } } },
            { changed: false, path: '/etc/cron.daily' },
          ],
        }),
        task('gone', { action: 'file', changed: true, path: '/etc/legacy', diff: { before: { path: '/etc/legacy', state: 'file' }, after: { path: '/etc/legacy', state: 'absent' } } }),
      ),
    );
    assert.deepEqual([...r.predicted.keys()].sort(), ['/etc/cron.d', '/etc/issue', '/etc/legacy']);
    assert.equal(r.predicted.get('/etc/issue')!.after, 'hi\n');
    assert.deepEqual(r.predicted.get('/etc/cron.d')!.meta, ['mode 0755 -> 0700']);
    assert.deepEqual([r.predicted.get('/etc/cron.d')!.mode, r.predicted.get('/etc/cron.d')!.contentChanged, r.predicted.get('/etc/cron.d')!.contentKnown], [0o700, false, true], 'only its mode changes');
    assert.equal(r.predicted.get('/etc/legacy')!.state, 'absent');
  });

  it('reports skipped, failed and pathless changed tasks as not rehearsed', () => {
    const r = parseAnsibleJson(
      out(
        task('shell', { action: 'shell', changed: false, skipped: true, msg: 'Command would have run if not in check mode' }),
        task('broken', { action: 'command', failed: true, msg: 'boom' }),
        task('sysctl', { action: 'sysctl', changed: true, invocation: { module_args: { name: 'kernel.dmesg_restrict', value: '1' } } }),
        task('fine', { action: 'stat', changed: false }),
        task('not here', { changed: false, skipped: true, skip_reason: 'Conditional result was False' }),
        task('loop not here', { changed: false, skipped: true, results: [{ skipped: true, skip_reason: 'Conditional result was False' }] }),
      ),
    );
    assert.deepEqual(r.notRehearsed.map((t) => [t.name, t.status]), [['shell', 'skipped'], ['broken', 'failed'], ['sysctl', 'changed']]);
    assert.match(r.notRehearsed[2]!.message!, /without naming a path/);
    assert.equal(r.predicted.size, 0, 'a sysctl name is no path');
    assert.equal(r.tasks.length, 6, 'skips of a false `when` are no gap');
  });

  it('output that is no JSON gives no tasks (the caller says the run could not be read)', () => {
    const r = parseAnsibleJson('ERROR! the playbook could not be parsed');
    assert.deepEqual([r.tasks.length, r.predicted.size], [0, 0]);
  });
});

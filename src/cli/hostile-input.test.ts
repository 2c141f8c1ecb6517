/**
 * The smaller items of issue 13 the command line owns: what a target or the
 * content supplies reaches the terminal without control characters; --root
 * and OSCAP_PROBE_ROOT naming different roots are refused; `info --profile`
 * takes the short id `eval` takes; "--- Starting Evaluation ---" comes only
 * after the content loaded; a hand-made benchmark given to `build` is
 * described, not a crash; content that is a pipe is refused up front.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { benchmarkXml, dataStreamXml, ovalXml, OVAL_SYSTEM } from '../testing/content.js';
import { run } from './main.js';
import { printable } from './terminal-text.js';
import { rootOption } from './xccdf-commands.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-hostile-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string, name = 'ds.xml'): string {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, text);
  return p;
}

async function vigil(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s), env });
  return { code, out, err };
}

const ESC = '\x1b';
/** Any control character but tab and newline, C1 included. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('printable', () => {
  const cases: Array<{ name: string; input: string; want: string; multiline?: boolean }> = [
    { name: 'plain text is unchanged', input: 'Debian GNU/Linux 12 (bookworm)', want: 'Debian GNU/Linux 12 (bookworm)' },
    { name: 'colour (CSI SGR)', input: `${ESC}[31mred${ESC}[0m`, want: 'red' },
    { name: 'cursor movement and erase', input: `a${ESC}[2J${ESC}[1;1Hb${ESC}[K`, want: 'ab' },
    { name: 'window title (OSC ended by BEL)', input: `${ESC}]0;owned\x07x`, want: 'x' },
    { name: 'hyperlink (OSC ended by ST)', input: `${ESC}]8;;http://evil${ESC}\\link${ESC}]8;;${ESC}\\`, want: 'link' },
    { name: 'DCS string', input: `${ESC}Pq#0;2;0;0;0${ESC}\\ok`, want: 'ok' },
    { name: 'two-character escapes', input: `${ESC}c${ESC}7x${ESC}8`, want: 'x' },
    { name: 'a lone ESC at the end', input: `x${ESC}`, want: 'x' },
    { name: '8-bit CSI', input: 'a\x9b31mb', want: 'ab' },
    { name: 'carriage return, backspace, NUL, DEL', input: 'safe\rEVIL\b\x00\x7f', want: 'safeEVIL' },
    { name: 'newlines and tabs in a one-line field', input: 'host\nname\t1', want: 'hostname1' },
    { name: 'newlines and tabs kept in a message', input: 'line 1\n\tline 2\r', want: 'line 1\n\tline 2', multiline: true },
    { name: 'non-ASCII text is kept', input: 'Überprüfung — ✓', want: 'Überprüfung — ✓' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(printable(c.input, c.multiline ? { multiline: true } : {}), c.want));
});

describe('text from a hostile target reaches the terminal inert', () => {
  const root = join(dir, 'hostile-root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/hostname'), `evil${ESC}]0;pwned\x07${ESC}[2J\rhost\n`);
  writeFileSync(join(root, 'etc/os-release'), `ID=nosuch\nVERSION_ID="1"\nPRETTY_NAME="${ESC}[31mRed OS${ESC}[0m\x07"\n`);

  it('vigil scan: the os-release name, the host name and every other line carry no control characters', async () => {
    const r = await vigil(['scan', '--root', root, '--content-dir', join(dir, 'no-content'), '--no-html-report']);
    // the baseline applies to any Linux, so the scan runs; the summary names the host
    assert.match(r.out, /Target:/);
    assert.match(r.out, /evilhost/);
    for (const line of [...r.out.split('\n'), ...r.err.split('\n')]) assert.doesNotMatch(line, CONTROL, JSON.stringify(line));
  });

  it('an error message quoting a file name with escapes', async () => {
    const r = await vigil(['info', join(dir, `missing${ESC}[2J\x07.xml`)]);
    assert.equal(r.code, 1);
    assert.match(r.err, /missing/);
    assert.doesNotMatch(r.err.replace(/\n$/, ''), CONTROL);
  });
});

const OVAL = ovalXml({
  definitions: `<definition id="oval:t:def:1" class="compliance" version="1"><metadata><title>d</title><description/></metadata><criteria><criterion test_ref="oval:t:tst:1"/></criteria></definition>`,
  tests: `<ind:family_test id="oval:t:tst:1" version="1" check="all"><ind:object object_ref="oval:t:obj:1"/></ind:family_test>`,
  objects: `<ind:family_object id="oval:t:obj:1" version="1"/>`,
});
const DS = dataStreamXml({
  checklist: {
    id: 'c-xccdf',
    xml: benchmarkXml(`<Profile id="xccdf_t_profile_base"><title>Base line</title><description>d</description><select idref="xccdf_t_rule_r1" selected="true"/></Profile>
  <Rule id="xccdf_t_rule_r1" selected="false"><title>R1</title><check system="${OVAL_SYSTEM}"><check-content-ref href="o.xml" name="oval:t:def:1"/></check></Rule>`),
  },
  checks: [{ id: 'c-oval', xml: OVAL }],
  catalog: { 'o.xml': '#cref-c-oval' },
});

describe('--root and OSCAP_PROBE_ROOT', () => {
  const a = join(dir, 'root-a');
  const b = join(dir, 'root-b');
  mkdirSync(a);
  mkdirSync(b);
  const io = (env: Record<string, string>) => ({ out: () => undefined, err: () => undefined, env, isTty: false });
  const cases: Array<{ name: string; root?: string; env?: string; want: string | undefined | RegExp }> = [
    { name: 'neither: the host', want: undefined },
    { name: 'only --root', root: a, want: a },
    { name: 'only OSCAP_PROBE_ROOT', env: a, want: a },
    { name: 'an empty OSCAP_PROBE_ROOT is unset', root: a, env: '', want: a },
    { name: 'both naming the same directory', root: a, env: `${a}/`, want: a },
    { name: 'both naming different directories: refused', root: b, env: a, want: /--root .*root-b and OSCAP_PROBE_ROOT=.*root-a name different roots/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const env: Record<string, string> = c.env !== undefined ? { OSCAP_PROBE_ROOT: c.env } : {};
      if (c.want instanceof RegExp) assert.throws(() => rootOption(c.root, io(env)), c.want);
      else assert.equal(rootOption(c.root, io(env)), c.want);
    });
  }

  for (const cmd of [['xccdf', 'eval', '--profile', 'base'], ['oval', 'eval'], ['scan', '--content']] as const) {
    it(`vigil ${cmd.slice(0, 2).join(' ')} refuses the conflict before anything runs`, async () => {
      const content = cmd[0] === 'oval' ? file(OVAL, 'oval.xml') : file(DS);
      const args = cmd[0] === 'scan' ? ['scan', '--content', content, '--no-html-report', '--root', b] : [...cmd, '--root', b, content];
      const r = await vigil(args, { OSCAP_PROBE_ROOT: a });
      assert.equal(r.code, 1);
      assert.match(r.err, /^vigil: error: --root .* and OSCAP_PROBE_ROOT=.* name different roots/);
      assert.equal(r.out, '');
    });
  }
});

describe('vigil info --profile', () => {
  it('takes the short id that xccdf eval takes, and the full one', async () => {
    const ds = file(DS);
    const short = await vigil(['info', '--profile', 'base', ds]);
    const full = await vigil(['info', '--profile', 'xccdf_t_profile_base', ds]);
    assert.equal(short.code, 0, short.err);
    assert.match(short.out, /Id: xccdf_t_profile_base/);
    assert.equal(short.out, full.out);
    assert.match(short.out, /Title: Base line/);
    const unknown = await vigil(['info', '--profile', 'nope', ds]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no profile "nope"/);
  });
});

describe('--- Starting Evaluation ---', () => {
  const cases: Array<{ name: string; content: () => string; starts: boolean }> = [
    { name: 'malformed content: the error alone', content: () => file('<Benchmark', 'bad.xml'), starts: false },
    { name: 'an unknown profile: the error alone', content: () => file(DS), starts: false },
    { name: 'content that loads: printed first on stdout', content: () => file(DS), starts: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await vigil(['xccdf', 'eval', '--profile', c.starts ? 'base' : 'missing', c.content()]);
      if (c.starts) {
        assert.match(r.out, /^--- Starting Evaluation ---\n\nTitle\r\tR1\nRule\r\txccdf_t_rule_r1\n/);
      } else {
        assert.equal(r.code, 1);
        assert.equal(r.out, '');
        assert.match(r.err, /^vigil: error: /);
      }
    });
  }
});

describe('vigil build with a hand-made benchmark', () => {
  const cases: Array<{ name: string; module: string; problem: RegExp }> = [
    { name: 'an object with kind and namespace only', module: `export default { kind: 'benchmark', namespace: 'com.example', id: 'hand' };`, problem: /the benchmark \(benchmark hand\) has no title \(a string\)/ },
    {
      name: 'a rule without its fields',
      module: `const b = { kind: 'benchmark', id: 'hand', namespace: 'com.example', title: 't', description: '', version: '1', status: 'draft', date: '2024-01-01', publisher: 'p', source: 's', platforms: [], profiles: [], stem: 'hand', children: [{ kind: 'rule', id: 'r1' }] };\nexport default b;`,
      problem: /children\[0\] \(rule r1\) has no title/,
    },
    {
      name: 'a child of an unknown kind',
      module: `export default { kind: 'benchmark', id: 'hand', namespace: 'com.example', title: 't', description: '', version: '1', status: 'draft', date: '2024-01-01', publisher: 'p', source: 's', platforms: [], profiles: [], stem: 'hand', children: [42] };`,
      problem: /children\[0\] is number, not an object/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: a clear error naming the field, exit 1`, async () => {
      const mod = file(c.module, 'rules.mjs');
      const out = join(dir, `${n++}-out.xml`);
      const r = await vigil(['build', mod, '-o', out]);
      assert.equal(r.code, 1);
      assert.doesNotMatch(r.err, /internal error|Cannot read properties/);
      assert.match(r.err, /exports a benchmark the SDK did not build/);
      assert.match(r.err, c.problem);
    });
  }
});

describe('content that can be read only once', () => {
  const fifo = join(dir, 'content.fifo');
  execFileSync('mkfifo', [fifo]);
  // the content exists (a missing file is refused first, in words)
  writeFileSync(join(dir, 'whatever.xml'), '<x/>');
  const cases: Array<{ name: string; argv: string[] }> = [
    { name: 'xccdf eval of a FIFO', argv: ['xccdf', 'eval', fifo] },
    { name: 'xccdf eval of "-"', argv: ['xccdf', 'eval', '-'] },
    { name: 'info of a FIFO', argv: ['info', fifo] },
    { name: 'oval eval of a FIFO', argv: ['oval', 'eval', fifo] },
    { name: 'scan --content of a FIFO', argv: ['scan', '--content', fifo, '--no-html-report'] },
    { name: 'a tailoring file that is a FIFO', argv: ['xccdf', 'eval', '--tailoring-file', fifo, join(dir, 'whatever.xml')] },
    { name: 'generate fix of a FIFO', argv: ['xccdf', 'generate', 'fix', fifo] },
  ];
  for (const c of cases) {
    it(`${c.name}: refused at once (no writer opens the FIFO, so a read would hang)`, async () => {
      const r = await vigil(c.argv);
      assert.equal(r.code, 1);
      assert.match(r.err, /is a pipe: content is read more than once|standard input cannot be read as content/);
    });
  }
});

it('vigil scan --output without --format is refused: it would name nothing', async () => {
  const r = await vigil(['scan', '--output', join(dir, 'x.json'), '--no-html-report']);
  assert.equal(r.code, 1);
  assert.match(r.err, /--output needs --format/);
});

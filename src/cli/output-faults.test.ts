/**
 * Every output the command writes, under every fault an output meets: a
 * full disk (a 64 KiB tmpfs, filled, in a private mount namespace), a
 * missing directory, a directory as the path; and SIGTERM at random points
 * of a large ARF. Runs that write are the real command in a child process
 * (refusals before the scan run in this one). What
 * must hold: exit 1 with "Could not save file: <path>" naming the option,
 * the requested path holding what it held before (nothing, or the old
 * file), no temporary file left; bad paths refused before any scan; and the
 * outputs that could be written are written. oscap 1.3.7's behaviour on the
 * same faults is in docs/CONFORMANCE.md ("Outputs on failure").
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { baselineDataStreamPath, BASELINE_PROFILE } from '../app/baseline.js';
import { SaxesParser } from '../model/xml/saxes.js';
import { isTemporaryName } from '../results/atomic-file.js';
import { ovalXml } from '../testing/content.js';
import { findOscap, oracleMissing } from '../testing/oracle.js';
import { run } from './main.js';

const REPO = new URL('../..', import.meta.url).pathname;
const BIN = join(REPO, 'src/cli/bin.ts');
const TSX = import.meta.resolve('tsx');
const CONTENT = baselineDataStreamPath();
const OVAL_HREF = 'defs.xml';

const work = mkdtempSync(join(tmpdir(), 'vigil-output-faults-'));
after(() => rmSync(work, { recursive: true, force: true }));

const root = join(work, 'root');
for (const d of ['etc/ssh', 'usr/sbin']) mkdirSync(join(root, d), { recursive: true });
writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
writeFileSync(join(root, 'usr/sbin/sshd'), '');
const ovalFile = join(work, OVAL_HREF);
writeFileSync(
  ovalFile,
  ovalXml({
    definitions: '<definition id="oval:t:def:1" class="compliance" version="1"><metadata><title>t</title><description>d</description></metadata><criteria><criterion test_ref="oval:t:tst:1"/></criteria></definition>',
    tests: '<unix:file_test id="oval:t:tst:1" version="1" check="all"><unix:object object_ref="oval:t:obj:1"/></unix:file_test>',
    objects: '<unix:file_object id="oval:t:obj:1" version="1"><unix:filepath>/etc/passwd</unix:filepath></unix:file_object>',
  }),
);

interface Writer {
  readonly name: string;
  /** The option naming the output, as the error message gives it. */
  readonly option: string;
  /** The command, writing its output to `out` (a file in `dir`, or `dir` itself for outputs named by the content). */
  args(out: string): string[];
  /** The file it writes when asked for `out` in `dir` (oval results are named after the OVAL document). */
  file(dir: string, out: string): string;
  /** It writes into the working directory, and so runs there. */
  readonly inCwd?: boolean;
  /** It creates a missing directory (`build -o`, like mkdir -p). */
  readonly createsDirectories?: boolean;
  /** Its one output needs no option named in the message. */
  readonly single?: boolean;
}

const evalArgs = (extra: string[]): string[] => ['xccdf', 'eval', '--profile', BASELINE_PROFILE, '--root', root, ...extra, CONTENT];
const scanArgs = (extra: string[]): string[] => ['scan', '--content', CONTENT, '--profile', BASELINE_PROFILE, '--root', root, ...extra];
const plain = (name: string, option: string, args: (out: string) => string[], more: Partial<Writer> = {}): Writer => ({ name, option, args, file: (_d, out) => out, ...more });

const WRITERS: readonly Writer[] = [
  plain('xccdf eval --results', '--results', (o) => evalArgs(['--results', o])),
  plain('xccdf eval --results-arf', '--results-arf', (o) => evalArgs(['--results-arf', o])),
  plain('xccdf eval --report', '--report', (o) => evalArgs(['--report', o])),
  {
    name: 'xccdf eval --oval-results',
    option: '--oval-results',
    args: () => evalArgs(['--oval-results']),
    file: (dir) => join(dir, `${basename(CONTENT).replace(/-ds\.xml$/, '-oval.xml')}.result.xml`),
    inCwd: true,
  },
  plain('scan --report', '--report', (o) => scanArgs(['--report', o])),
  plain('scan --results', '--results', (o) => scanArgs(['--no-html-report', '--results', o])),
  plain('scan --format json --output', '--output', (o) => scanArgs(['--format', 'json', '--output', o])),
  plain('scan --format junit --output', '--output', (o) => scanArgs(['--format', 'junit', '--output', o])),
  plain('scan --format sarif --output', '--output', (o) => scanArgs(['--format', 'sarif', '--output', o])),
  plain('oval eval --results', '--results', (o) => ['oval', 'eval', '--root', root, '--results', o, ovalFile], { single: true }),
  plain('xccdf generate fix --output', '--output', (o) => ['xccdf', 'generate', 'fix', '--fix-type', 'bash', '--profile', BASELINE_PROFILE, '--output', o, CONTENT], { single: true }),
  plain('build -o', '-o', (o) => ['build', join(REPO, 'src/baseline/index.ts'), '-o', o], { createsDirectories: true, single: true }),
];

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

/** Runs a command in a child process (asynchronously, so that the cases of a table can run side by side). */
function spawnCollect(cmd: string, args: readonly string[], opts: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
}

const ENV = { ...process.env, OSCAP_PROBE_ROOT: '' };
const vigil = (args: readonly string[], cwd: string): Promise<Outcome> => spawnCollect(process.execPath, ['--import', TSX, BIN, ...args], { cwd, env: ENV });
/** The command in this process: for refusals, which need no child of their own. */
async function vigilHere(args: readonly string[]): Promise<Outcome> {
  let out = '';
  let err = '';
  const code = await run(args, { out: (s) => (out += s), err: (s) => (err += s), env: { OSCAP_PROBE_ROOT: '' } });
  return { code, signal: null, out, err };
}

/** Cases of a table run this many at a time. */
const CONCURRENCY = 3;

function canMountTmpfs(): boolean {
  const d = mkdtempSync(join(work, 'probe-'));
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$1"', 'sh', d], { encoding: 'utf8' });
  return r.status === 0;
}

/**
 * Runs `args` in a private mount namespace where `dir` is a 64 KiB tmpfs
 * holding `old` at `file` and otherwise full; reports the exit and what the
 * tmpfs held afterwards (it vanishes with the namespace).
 */
type Disk = 'full' | 'read-only';

function vigilOnFullDisk(dir: string, file: string, args: readonly string[], cwd: string, disk: Disk = 'full'): Promise<Outcome & { listing: string[]; after: string | undefined }> {
  return onFullDisk(dir, file, [process.execPath, '--import', TSX, BIN, ...args], cwd, ENV, disk);
}

async function onFullDisk(dir: string, file: string, argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv, disk: Disk = 'full'): Promise<Outcome & { listing: string[]; after: string | undefined }> {
  const report = mkdtempSync(join(work, 'report-'));
  const script = [
    'mount -t tmpfs -o size=64k tmpfs "$D" || exit 99',
    'printf OLD > "$F"',
    // fill every byte that is left; or make the file system read-only
    disk === 'full' ? 'head -c 1048576 /dev/zero > "$D/filler" 2>/dev/null' : 'mount -o remount,ro "$D" || exit 98',
    'cd "$C"',
    '"$@" > "$R/out" 2> "$R/err"; echo $? > "$R/rc"',
    'ls -A "$D" > "$R/ls"',
    'if [ -e "$F" ]; then cat "$F" > "$R/after"; fi',
  ].join('\n');
  const r = await spawnCollect('unshare', ['-m', 'sh', '-c', script, 'sh', ...argv], { env: { ...env, D: dir, F: file, C: cwd, R: report } });
  assert.equal(r.code, 0, `the namespace ran: ${r.err}`);
  const read = (n: string): string => readFileSync(join(report, n), 'utf8');
  return {
    code: Number(read('rc').trim()),
    signal: null,
    out: read('out'),
    err: read('err'),
    listing: read('ls').split('\n').filter(Boolean),
    after: existsSync(join(report, 'after')) ? read('after') : undefined,
  };
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The error names the file, the reason and the option, and is one line. */
function assertSaveError(o: Outcome, path: string, reason: RegExp, option: string | undefined): void {
  assert.equal(o.code, 1, `exit 1, not ${o.code}: ${o.err}`);
  const line = o.err.split('\n').find((l) => l.includes(`Could not save file: ${path}`));
  assert.ok(line, `a message names ${path}: ${o.err}`);
  assert.match(line, new RegExp(`^vigil: error: Could not save file: ${escapeRe(path)}: `));
  assert.match(line, reason);
  if (option !== undefined && !line.includes(`(${option})`)) assert.fail(`the message names ${option}: ${line}`);
  assert.doesNotMatch(o.err, /internal error/);
}

describe('every output on a full disk', { concurrency: CONCURRENCY }, () => {
  let mountable = false;
  before(() => {
    mountable = canMountTmpfs();
  });
  for (const w of WRITERS) {
    it(`${w.name}: exit 1, "Could not save file", the old file kept, no temporary file`, async (t) => {
      if (!mountable) {
        t.skip('cannot mount a tmpfs in a private mount namespace here');
        return;
      }
      const dir = mkdtempSync(join(work, 'full-'));
      const out = join(dir, 'out.file');
      const file = w.file(dir, out);
      const o = await vigilOnFullDisk(dir, file, w.args(out), w.inCwd ? dir : REPO);
      assertSaveError(o, w.inCwd ? basename(file) : file, /No space left on device/, w.single ? undefined : w.option);
      assert.equal(o.after, 'OLD', 'the old file is still at the path, whole');
      assert.deepEqual(o.listing.filter(isTemporaryName), []);
      assert.deepEqual(o.listing.sort(), [basename(file), 'filler'].sort());
    });
  }
});

describe('every output on a read-only file system', { concurrency: CONCURRENCY }, () => {
  let mountable = false;
  before(() => {
    mountable = canMountTmpfs();
  });
  for (const w of WRITERS) {
    it(`${w.name}: refused${w.createsDirectories ? '' : ' before the scan'}, exit 1, the old file kept`, async (t) => {
      if (!mountable) {
        t.skip('cannot mount a tmpfs in a private mount namespace here');
        return;
      }
      const dir = mkdtempSync(join(work, 'ro-'));
      const out = join(dir, 'out.file');
      const file = w.file(dir, out);
      const o = await vigilOnFullDisk(dir, file, w.args(out), w.inCwd ? dir : REPO, 'read-only');
      assert.equal(o.code, 1, o.err);
      assert.match(o.err, /^vigil: error: Could not save file: .*Read-only file system/m);
      assert.doesNotMatch(o.out, /Starting Evaluation|Title\t|Definition /, 'nothing was evaluated');
      assert.equal(o.after, 'OLD');
      assert.deepEqual(o.listing, [basename(file)]);
    });
  }
});

describe('a missing directory, or a directory as the path', { concurrency: CONCURRENCY }, () => {
  for (const w of WRITERS) {
    it(`${w.name}: refused before anything is scanned or written`, async () => {
      const base = mkdtempSync(join(work, 'paths-'));
      if (w.inCwd) {
        // the file is named after the OVAL document; a directory in its way is found when it is written
        const file = w.file(base, '');
        mkdirSync(file);
        const o = await vigil(w.args(''), base);
        assertSaveError(o, basename(file), /Is a directory/, w.single ? undefined : w.option);
        assert.ok(statSync(file).isDirectory());
        assert.deepEqual(readdirSync(base).filter(isTemporaryName), []);
        return;
      }
      const missing = join(base, 'no-such-dir', 'out.file');
      const o = await vigilHere(w.args(missing));
      if (w.createsDirectories) {
        assert.equal(o.code, 0, o.err);
        assert.ok(statSync(missing).size > 0);
      } else {
        assertSaveError(o, missing, /No such file or directory/, w.single ? undefined : w.option);
        assert.doesNotMatch(o.out, /Starting Evaluation|Title\t|Definition /, 'nothing was evaluated');
        assert.doesNotMatch(o.err, /Scanning with/);
        assert.ok(!existsSync(join(base, 'no-such-dir')));
      }
      const asDir = join(base, 'a-directory');
      mkdirSync(asDir);
      const d = await vigilHere(w.args(asDir));
      assertSaveError(d, asDir, /Is a directory/, w.single ? undefined : w.option);
      assert.doesNotMatch(d.out, /Starting Evaluation|Title\t|Definition /, 'nothing was evaluated');
      assert.deepEqual(readdirSync(asDir), []);
      assert.deepEqual(readdirSync(base).filter(isTemporaryName), []);
    });
  }
});

describe('one output failing', () => {
  it('costs no other output: the others are written, the failed one is named, exit 1', async () => {
    const base = mkdtempSync(join(work, 'partial-'));
    // the working directory is writable before the scan; the file in the way of the OVAL results is a directory
    const blocked = join(base, `${basename(CONTENT).replace(/-ds\.xml$/, '-oval.xml')}.result.xml`);
    mkdirSync(blocked);
    const o = await vigil(evalArgs(['--oval-results', '--results', join(base, 'r.xml'), '--report', join(base, 'r.html')]), base);
    assertSaveError(o, basename(blocked), /Is a directory/, '--oval-results');
    assert.match(readFileSync(join(base, 'r.xml'), 'utf8'), /<\/Benchmark>\s*$/);
    assert.match(readFileSync(join(base, 'r.html'), 'utf8'), /<\/html>\s*$/);
  });

  it('scan --format json writes no HTML report nobody asked for', async () => {
    const base = mkdtempSync(join(work, 'format-'));
    const o = await vigil(scanArgs(['--format', 'json']), base);
    assert.ok(o.code === 0 || o.code === 2, o.err);
    assert.equal(typeof JSON.parse(o.out), 'object');
    assert.deepEqual(readdirSync(base), []);
    const withReport = await vigil(scanArgs(['--format', 'json', '--report', join(base, 'asked.html')]), base);
    assert.ok(withReport.code === 0 || withReport.code === 2, withReport.err);
    assert.deepEqual(readdirSync(base), ['asked.html']);
  });
});

describe('a report that cannot be written loses no results', () => {
  it('scan --format json with --report on a full disk: the JSON is printed, the scan is kept for vigil fix, exit 1', async (t) => {
    if (!canMountTmpfs()) {
      t.skip('cannot mount a tmpfs in a private mount namespace here');
      return;
    }
    const dir = mkdtempSync(join(work, 'lost-'));
    const state = mkdtempSync(join(work, 'state-'));
    const out = join(dir, 'r.html');
    const o = await onFullDisk(dir, out, [process.execPath, '--import', TSX, BIN, ...scanArgs(['--format', 'json', '--report', out])], REPO, { ...ENV, XDG_STATE_HOME: state });
    assertSaveError(o, out, /No space left on device/, '--report');
    const j = JSON.parse(o.out) as { rules: unknown[] };
    assert.ok(j.rules.length > 0, 'the results reached stdout');
    assert.match(readFileSync(join(state, 'vigil/last-scan/results.xml'), 'utf8'), /<TestResult /);
  });
});

/** Whether `text` is one well-formed XML document. */
function wellFormed(text: string): boolean {
  const p = new SaxesParser({ xmlns: true });
  let ok = true;
  p.on('error', () => {
    ok = false;
  });
  p.write(text).close();
  return ok;
}

describe('SIGTERM while a large ARF is written', () => {
  // 4000 world-writable directories: every one is an item of the OVAL results, so the ARF is several MB
  const bigRoot = join(work, 'big-root');
  before(() => {
    spawnSync('cp', ['-a', root, bigRoot]);
    for (let i = 0; i < 4000; i++) {
      const d = join(bigRoot, 'srv/share', `d${i}`);
      mkdirSync(d, { recursive: true });
      chmodSync(d, 0o777);
    }
  });
  const arfArgs = (out: string): string[] => ['xccdf', 'eval', '--profile', BASELINE_PROFILE, '--root', bigRoot, '--results-arf', out, CONTENT];

  it('leaves either nothing or a whole, well-formed ARF at the path, and no temporary file', async () => {
    const dir = mkdtempSync(join(work, 'sigterm-'));
    const started = Date.now();
    const whole = await vigil(arfArgs(join(dir, 'whole.xml')), REPO);
    const duration = Date.now() - started;
    assert.equal(whole.code, 2, whole.err);
    const size = statSync(join(dir, 'whole.xml')).size;
    assert.ok(size > 2_000_000, `a large ARF (${size} bytes)`);
    const outcomes = { none: 0, whole: 0 };
    for (let i = 0; i < 4; i++) {
      const out = join(dir, `arf-${i}.xml`);
      // anywhere from the middle of the scan to past its end, where the ARF is written
      const delay = Math.round(duration * (0.4 + 0.7 * Math.random()));
      const child = spawn(process.execPath, ['--import', TSX, BIN, ...arfArgs(out)], { cwd: REPO, stdio: 'ignore', env: { ...process.env, OSCAP_PROBE_ROOT: '' } });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      const timer = setTimeout(() => child.kill('SIGTERM'), delay);
      const r = await exited;
      clearTimeout(timer);
      assert.ok(r.signal === 'SIGTERM' || r.code === 2, `died of the signal or finished: ${JSON.stringify(r)}`);
      assert.deepEqual(readdirSync(dir).filter(isTemporaryName), [], `no temporary file after ${delay} ms`);
      if (!existsSync(out)) {
        outcomes.none++;
        continue;
      }
      const text = readFileSync(out, 'utf8');
      assert.match(text, /<\/arf:asset-report-collection>\n$/, `a whole ARF after ${delay} ms`);
      assert.ok(wellFormed(text), `well-formed after ${delay} ms`);
      outcomes.whole++;
    }
    assert.equal(outcomes.none + outcomes.whole, 4);
  });
});

describe('a signal while a temporary file is open', () => {
  // A writer that yields while its file is pending (as an asynchronous writer would): the handlers bin.ts installs remove the file, then the process dies of the signal.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: the temporary file is removed and the process dies of the signal`, async () => {
      const dir = mkdtempSync(join(work, 'pending-'));
      const script = join(dir, 'writer.ts');
      writeFileSync(
        script,
        `import { installOutputCleanup } from ${JSON.stringify(join(REPO, 'src/cli/signals.ts'))};
import { OutputFile } from ${JSON.stringify(join(REPO, 'src/results/atomic-file.ts'))};
installOutputCleanup();
const out = new OutputFile(${JSON.stringify(join(dir, 'out.xml'))});
out.write('<a>'.repeat(1 << 20));
process.stdout.write('pending\\n');
setInterval(() => out.write('<b/>'), 10);
`,
      );
      const child = spawn(process.execPath, ['--import', TSX, script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      assert.equal(readdirSync(dir).filter(isTemporaryName).length, 1, 'the temporary file exists while it is written');
      child.kill(signal);
      const r = await exited;
      assert.equal(r.signal, signal);
      assert.deepEqual(readdirSync(dir).sort(), ['writer.ts']);
    });
  }
});

describe('the same faults given to oscap 1.3.7', { concurrency: CONCURRENCY }, () => {
  // Where oscap has an answer (exit 1, "Could not save file: PATH" on --results) Vigil gives the same exit code and words,
  // and adds the reason; it refuses a bad path before the scan where oscap scans first (docs/CONFORMANCE.md).
  const PROFILE_ID = 'xccdf_dev.vigil_profile_baseline';
  const faults: Array<{ name: string; setup: (base: string) => string; fullDisk?: boolean }> = [
    { name: 'a full disk', setup: (base) => join(base, 'out.xml'), fullDisk: true },
    { name: 'a missing directory', setup: (base) => join(base, 'missing', 'out.xml') },
    {
      name: 'a directory as the path',
      setup: (base) => {
        mkdirSync(join(base, 'dir.xml'));
        return join(base, 'dir.xml');
      },
    },
  ];
  for (const f of faults) {
    it(`--results on ${f.name}: exit 1 and "Could not save file: <path>" from both`, async (t) => {
      if ((await findOscap()) === undefined) {
        oracleMissing(t, 'oscap is not installed');
        return;
      }
      if (f.fullDisk && !canMountTmpfs()) {
        t.skip('cannot mount a tmpfs in a private mount namespace here');
        return;
      }
      const results: Record<string, Outcome> = {};
      for (const tool of ['oscap', 'vigil'] as const) {
        const base = mkdtempSync(join(work, `oracle-${tool}-`));
        const out = f.setup(base);
        const argv = tool === 'oscap' ? ['oscap', 'xccdf', 'eval', '--profile', PROFILE_ID, '--results', out, CONTENT] : [process.execPath, '--import', TSX, BIN, 'xccdf', 'eval', '--profile', PROFILE_ID, '--results', out, CONTENT];
        const env = { ...process.env, OSCAP_PROBE_ROOT: root };
        const o = f.fullDisk ? await onFullDisk(base, out, argv, REPO, env) : await spawnCollect(argv[0]!, argv.slice(1), { cwd: REPO, env });
        assert.equal(o.code, 1, `${tool}: exit 1: ${o.err}`);
        assert.ok(o.err.includes(`Could not save file: ${out}`), `${tool} says which file: ${o.err}`);
        results[tool] = o;
      }
      assert.match(results['vigil']!.err, /^vigil: error: Could not save file: \S+: (No space left on device|No such file or directory|Is a directory)/m);
    });
  }
});

describe('a directory the user may not write', () => {
  // root may write anywhere, so the command runs as nobody (setpriv, util-linux)
  const canDropPrivileges = (): boolean => process.getuid?.() === 0 && spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status === 0;
  const cases: Array<{ name: string; args: (out: string) => string[]; option: string }> = [
    { name: 'xccdf eval --results', args: (o) => evalArgs(['--results', o]), option: '--results' },
    { name: 'scan --format sarif --output', args: (o) => scanArgs(['--format', 'sarif', '--output', o]), option: '--output' },
  ];
  for (const c of cases) {
    it(`${c.name}: refused before the scan, "Permission denied"`, async (t) => {
      if (!canDropPrivileges()) {
        t.skip('needs root and setpriv to run as an unprivileged user');
        return;
      }
      const base = mkdtempSync(join(work, 'perm-'));
      chmodSync(base, 0o755);
      chmodSync(work, 0o755);
      const out = join(base, 'out.file');
      const o = await spawnCollect('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', TSX, BIN, ...c.args(out)], { cwd: REPO, env: ENV });
      assertSaveError(o, out, /Permission denied \(the directory .* is not writable\)/, c.option);
      assert.doesNotMatch(o.out, /Starting Evaluation|Title\t/);
      assert.deepEqual(readdirSync(base), []);
    });
  }
});

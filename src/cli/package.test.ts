/**
 * The user install (scripts/package.mjs): the npm package installs globally
 * into a temporary prefix without the network and puts a working `vigil` on
 * its PATH; the Debian package has the right control fields and files, installs
 * into a temporary dpkg root, and its /usr/bin/vigil scans a synthetic root.
 * Needs a built dist/ (npm run build; setup.sh builds it) and dpkg-deb.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';

const repo = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'vigil-pkg-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}
function sh(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd: opts.cwd ?? dir, env: opts.env ?? process.env, maxBuffer: 64 << 20, timeout: 240_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** A synthetic root with an installed sshd that allows root logins. */
function syntheticRoot(at: string): string {
  mkdirSync(join(at, 'etc', 'ssh'), { recursive: true });
  mkdirSync(join(at, 'usr', 'sbin'), { recursive: true });
  writeFileSync(join(at, 'usr', 'sbin', 'sshd'), '');
  writeFileSync(join(at, 'etc', 'os-release'), 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\nVERSION="12 (bookworm)"\n');
  writeFileSync(join(at, 'etc', 'ssh', 'sshd_config'), 'PermitRootLogin yes\n');
  return at;
}

const out = join(dir, 'out');
let built: Ran;
before(async () => {
  if (!existsSync(join(repo, 'dist', 'cli', 'bin.js'))) {
    const b = await sh('npm', ['run', '-s', 'build'], { cwd: repo });
    assert.equal(b.code, 0, b.stderr);
  }
  built = await sh(process.execPath, [join(repo, 'scripts', 'package.mjs'), '--no-build', '--out', out], { cwd: repo });
});

/** Scans the synthetic root with the installed vigil and the content it installed; returns the JSON. */
async function scanWith(vigil: string, content: string): Promise<{ ran: Ran; json: { rules: Array<{ id: string; result: string; evidence?: Array<{ file: string; found: string }> }> } }> {
  const root = syntheticRoot(mkdtempSync(join(dir, 'root-')));
  const file = join(dir, `scan-${Math.random().toString(36).slice(2)}.json`);
  const env = { ...process.env, PATH: `${resolve(vigil, '..')}:${process.env['PATH'] ?? ''}` };
  const ran = await sh('vigil', ['scan', '--root', root, '--content', content, '--format', 'json', '--output', file], { env });
  assert.ok(existsSync(file), `no JSON written: ${ran.stderr}`);
  return { ran, json: JSON.parse(readFileSync(file, 'utf8')) };
}

test('npm pack gives a package that `npm install -g` puts on the PATH, offline, and that scans', async () => {
  assert.equal(built.code, 0, built.stderr);
  const tgz = join(out, `vigil-${version}.tgz`);
  assert.ok(existsSync(tgz), built.stdout);
  const listing = await sh('tar', ['-tzf', tgz]);
  const files = listing.stdout.split('\n');
  for (const f of ['package/bin/vigil.js', 'package/dist/cli/bin.js', 'package/content/vigil-linux-baseline-ds.xml', 'package/README.md', 'package/node_modules/saxes/package.json']) {
    assert.ok(files.includes(f), `${f} is not in the package`);
  }
  assert.ok(!files.some((f) => !f.startsWith('package/node_modules/') && /\.test\.js$|^package\/src\//.test(f)), 'our tests and sources stay out');

  const prefix = join(dir, 'prefix');
  const inst = await sh('npm', ['install', '-g', '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', tgz]);
  assert.equal(inst.code, 0, inst.stderr);
  const vigil = join(prefix, 'bin', 'vigil');
  const help = await sh(vigil, ['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: vigil /);
  assert.match(help.stdout, /\n {2}scan /);

  const { ran, json } = await scanWith(vigil, join(prefix, 'lib', 'node_modules', 'vigil', 'content', 'vigil-linux-baseline-ds.xml'));
  assert.equal(ran.code, 2, `some rules fail on the synthetic root: ${ran.stderr}`);
  const root = json.rules.find((r) => r.id.endsWith('sshd_disable_root_login') || r.id.endsWith('sshd_permit_root_login'));
  assert.ok(root, json.rules.map((r) => r.id).join(' '));
  assert.equal(root.result, 'fail');
  assert.equal(root.evidence?.[0]?.file, '/etc/ssh/sshd_config');
});

test('the Debian package: control fields, /usr/bin/vigil, installs into a dpkg root and scans', async (t) => {
  assert.equal(built.code, 0, built.stderr);
  const arch = (await sh('dpkg', ['--print-architecture'])).stdout.trim();
  const deb = join(out, `vigil_${version}_${arch}.deb`);
  assert.ok(existsSync(deb), built.stdout);
  const info = await sh('dpkg-deb', ['--info', deb]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /^ Package: vigil$/m);
  assert.match(info.stdout, new RegExp(`^ Version: ${version.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(info.stdout, /^ Depends: nodejs \(>= 20\)$/m);
  assert.match(info.stdout, /^ Recommends: ssg-debian/m);
  const contents = await sh('dpkg-deb', ['--contents', deb]);
  assert.match(contents.stdout, /root\/root .* \.\/usr\/bin\/vigil -> \.\.\/lib\/vigil\/bin\/vigil\.js$/m);
  assert.match(contents.stdout, /\.\/usr\/lib\/vigil\/dist\/cli\/bin\.js$/m);
  assert.doesNotMatch(contents.stdout, /obj\.target/);

  // Into a temporary dpkg database: nodejs is this machine's, not the temporary root's, hence --force-depends.
  const root = join(dir, 'dpkg-root');
  mkdirSync(join(root, 'var', 'lib', 'dpkg', 'info'), { recursive: true });
  mkdirSync(join(root, 'var', 'lib', 'dpkg', 'updates'), { recursive: true });
  writeFileSync(join(root, 'var', 'lib', 'dpkg', 'status'), '');
  const refused = await sh('dpkg', [`--root=${root}`, '--force-script-chrootless', '-i', deb]);
  assert.notEqual(refused.code, 0, 'without nodejs the dependency is unmet');
  assert.match(refused.stderr, /depends on nodejs/);
  const inst = await sh('dpkg', [`--root=${root}`, '--force-depends', '--force-script-chrootless', '-i', deb]);
  assert.equal(inst.code, 0, inst.stderr);
  const status = await sh('dpkg-query', [`--admindir=${join(root, 'var', 'lib', 'dpkg')}`, '-W', '-f=${Status} ${Version}', 'vigil']);
  assert.equal(status.stdout, `install ok installed ${version}`);
  assert.equal(readlinkSync(join(root, 'usr', 'bin', 'vigil')), '../lib/vigil/bin/vigil.js');
  const { ran, json } = await scanWith(join(root, 'usr', 'bin', 'vigil'), join(root, 'usr', 'lib', 'vigil', 'content', 'vigil-linux-baseline-ds.xml'));
  assert.equal(ran.code, 2, ran.stderr);
  t.diagnostic(`${json.rules.length} rules`);
  assert.equal(json.rules.find((r) => r.id.endsWith('sshd_disable_root_login'))?.result, 'fail');
});

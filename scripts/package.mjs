#!/usr/bin/env node
// Builds what users install, into --out DIR (default ./packages):
//   vigil-VERSION.tgz        an npm package with its dependencies bundled
//                            (native modules built for this machine: Linux, Node 20);
//                            `npm install -g --ignore-scripts ./vigil-VERSION.tgz`
//   vigil_VERSION_ARCH.deb   a Debian package: /usr/lib/vigil, /usr/bin/vigil;
//                            `apt install ./vigil_VERSION_ARCH.deb` (needs nodejs >= 20)
// Options: --no-build (use dist/ as it is), --no-deb (the npm package only).
// It needs the developer setup (npm ci, TypeScript) and, for the .deb, dpkg-deb.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const outAt = args.indexOf('--out');
const out = resolve(outAt >= 0 ? args[outAt + 1] : join(repo, 'packages'));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const run = (cmd, argv, opts = {}) => execFileSync(cmd, argv, { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts });

mkdirSync(out, { recursive: true });
if (!flag('--no-build')) {
  run('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  // the optional native directory reader (native/walk/build/Release/vigil_walk.node goes in when it builds)
  run(process.execPath, [join(repo, 'scripts', 'build-native.mjs')], { stdio: 'inherit' });
}
if (!existsSync(join(repo, 'dist', 'cli', 'bin.js'))) {
  console.error('package: dist/ is not built (npm run build)');
  process.exit(1);
}

// npm pack: package.json's "files" and "bundleDependencies" decide what goes in.
const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out, '--loglevel=error']))[0];
const tgz = join(out, packed.filename);
console.log(`${tgz} (${(statSync(tgz).size / 1e6).toFixed(1)} MB, ${packed.entryCount} files)`);
if (flag('--no-deb')) process.exit(0);

// The .deb: the npm package's contents under /usr/lib/vigil, and /usr/bin/vigil.
const arch = run('dpkg', ['--print-architecture']).trim();
const stage = mkdtempSync(join(tmpdir(), 'vigil-deb-'));
try {
  const lib = join(stage, 'usr', 'lib', 'vigil');
  mkdirSync(lib, { recursive: true });
  run('tar', ['-xzf', tgz, '-C', lib, '--strip-components=1', '--no-same-owner']);
  // Build leftovers of the native modules are not needed at run time.
  const prune = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (!e.isDirectory()) continue;
      if (e.name === 'obj.target' || (e.name === 'deps' && dir.endsWith('better-sqlite3'))) rmSync(p, { recursive: true, force: true });
      else prune(p);
    }
  };
  prune(join(lib, 'node_modules'));
  chmodSync(join(lib, 'bin', 'vigil.js'), 0o755);
  mkdirSync(join(stage, 'usr', 'bin'), { recursive: true });
  symlinkSync('../lib/vigil/bin/vigil.js', join(stage, 'usr', 'bin', 'vigil'));
  const doc = join(stage, 'usr', 'share', 'doc', 'vigil');
  mkdirSync(doc, { recursive: true });
  // The docs where contrib/vigil-watch.service's Documentation= looks for them.
  for (const f of readdirSync(join(lib, 'docs'))) cpSync(join(lib, 'docs', f), join(doc, f), { recursive: true });
  cpSync(join(lib, 'README.md'), join(doc, 'README.md'));
  writeFileSync(join(doc, 'copyright'), `Vigil ${pkg.version}\nLicense: ${pkg.license}\nThe bundled npm dependencies under /usr/lib/vigil/node_modules carry their own licenses.\n`);
  const size = Number(run('du', ['-sk', '--exclude=DEBIAN', stage]).split(/\s/)[0]);
  mkdirSync(join(stage, 'DEBIAN'));
  writeFileSync(
    join(stage, 'DEBIAN', 'control'),
    [
      'Package: vigil',
      `Version: ${pkg.version}`,
      `Architecture: ${arch}`,
      'Maintainer: Vigil developers <vigil@localhost>',
      'Section: admin',
      'Priority: optional',
      `Installed-Size: ${size}`,
      'Depends: nodejs (>= 20)',
      'Recommends: ssg-debian, ssg-debderived, ssg-nondebian, ssg-applications',
      'Suggests: ansible-core',
      `Description: ${pkg.description}`,
      ' Vigil evaluates SCAP content (XCCDF 1.2, OVAL 5.11, SCAP Security Guide',
      ' data streams) against this host or an offline root, with the same results',
      ' as oscap, and reports them as HTML, JSON, JUnit, SARIF and XCCDF/ARF.',
      ' `vigil scan` picks the SSG content that matches /etc/os-release.',
      '',
    ].join('\n'),
  );
  const deb = join(out, `vigil_${pkg.version}_${arch}.deb`);
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`${deb} (${(statSync(deb).size / 1e6).toFixed(1)} MB)`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

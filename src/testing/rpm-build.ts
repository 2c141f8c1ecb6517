/**
 * Real rpm packages and databases for tests: tiny spec files built with
 * Debian's rpmbuild and installed with rpm into a root's own database
 * (see /work/shared/ORACLE.md section 5). Everything happens under the
 * directories the caller gives; the host's rpm database is never touched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SpecFile {
  /** Absolute path in the package. */
  readonly path: string;
  /** Content of a regular file (default: the path and a newline). */
  readonly content?: string;
  /** A symlink to this target instead of a regular file. */
  readonly symlink?: string;
  /** A directory owned by the package. */
  readonly dir?: boolean;
  /** %attr mode, octal digits such as '0644'. */
  readonly mode?: string;
  readonly config?: boolean;
  readonly noreplace?: boolean;
  readonly doc?: boolean;
  readonly ghost?: boolean;
  /** %verify(not ...) attributes, e.g. ['md5', 'size', 'mtime']. */
  readonly verifyNot?: readonly string[];
}

export interface SpecPackage {
  readonly name: string;
  readonly version: string;
  readonly release: string;
  readonly epoch?: number;
  readonly summary?: string;
  readonly provides?: readonly string[];
  readonly files?: readonly SpecFile[];
}

/** Whether rpmbuild and rpm are here to build and install test packages. */
export function rpmToolsAvailable(): boolean {
  return ['rpmbuild', 'rpm'].every((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0);
}

function specText(p: SpecPackage): string {
  const files = p.files ?? [];
  const install: string[] = [];
  const list: string[] = [];
  for (const f of files) {
    const at = `%{buildroot}${f.path}`;
    const parent = f.path.slice(0, f.path.lastIndexOf('/')) || '/';
    if (f.dir) install.push(`mkdir -p '${at}'`);
    else if (!f.ghost) {
      install.push(`mkdir -p '%{buildroot}${parent}'`);
      if (f.symlink !== undefined) install.push(`ln -s '${f.symlink}' '${at}'`);
      else install.push(`printf '%s' '${Buffer.from(f.content ?? `${f.path}\n`).toString('base64')}' | base64 -d > '${at}'`);
    }
    const attrs: string[] = [];
    if (f.mode) attrs.push(`%attr(${f.mode},-,-)`);
    if (f.dir) attrs.push('%dir');
    if (f.config) attrs.push(f.noreplace ? '%config(noreplace)' : '%config');
    if (f.doc) attrs.push('%doc');
    if (f.ghost) attrs.push('%ghost');
    if (f.verifyNot?.length) attrs.push(`%verify(not ${f.verifyNot.join(' ')})`);
    list.push(`${attrs.join(' ')} ${f.path}`.trim());
  }
  return [
    `Name: ${p.name}`,
    `Version: ${p.version}`,
    `Release: ${p.release}`,
    ...(p.epoch !== undefined ? [`Epoch: ${p.epoch}`] : []),
    `Summary: ${p.summary ?? `test package ${p.name}`}`,
    'License: MIT',
    'BuildArch: noarch',
    ...(p.provides ?? []).map((x) => `Provides: ${x}`),
    '%description',
    `Test package ${p.name}.`,
    '%install',
    ...install,
    '%files',
    ...list,
    '',
  ].join('\n');
}

/** Builds each package with rpmbuild under `work`; returns the .rpm files, in the order given. */
export function buildRpms(work: string, packages: readonly SpecPackage[]): string[] {
  const top = join(work, 'top');
  mkdirSync(join(work, 'specs'), { recursive: true });
  const out: string[] = [];
  for (const p of packages) {
    const spec = join(work, 'specs', `${p.name}.spec`);
    writeFileSync(spec, specText(p));
    execFileSync(
      'rpmbuild',
      ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', '__os_install_post %{nil}', '--define', '_build_id_links none', '--define', '_binary_payload w1.gzdio', spec],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const dir = join(top, 'RPMS', 'noarch');
    const file = readdirSync(dir).find((f) => f.startsWith(`${p.name}-${p.version}-${p.release}.`));
    if (!file) throw new Error(`rpmbuild made no package for ${p.name}`);
    out.push(join(dir, file));
  }
  return out;
}

/** rpm's arguments for a root's own database at `dbpath` (default /var/lib/rpm), in the backend given (default sqlite). */
export function rpmRootArgs(root: string, dbpath = '/var/lib/rpm', backend = 'sqlite'): string[] {
  return ['--root', root, '--dbpath', dbpath, '--define', `_db_backend ${backend}`];
}

/** Installs the packages (no dependencies, no scripts) into `root`'s database at `dbpath`, created if need be. */
export function installRpms(root: string, rpms: readonly string[], dbpath = '/var/lib/rpm'): void {
  mkdirSync(join(root, dbpath), { recursive: true });
  execFileSync('rpm', [...rpmRootArgs(root, dbpath), '--initdb'], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (rpms.length) execFileSync('rpm', [...rpmRootArgs(root, dbpath), '-i', '--nodeps', '--noscripts', '--nosignature', ...rpms], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `rpm -qa --qf FORMAT` over `root`'s database: the oracle for what a reader must find. */
export function rpmQueryAll(root: string, format: string, dbpath = '/var/lib/rpm', backend = 'sqlite'): string {
  return execFileSync('rpm', [...rpmRootArgs(root, dbpath, backend), '-qa', '--qf', format], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `rpm -qp --qf FORMAT` of package files. */
export function rpmQueryPackages(rpms: readonly string[], format: string): string {
  return execFileSync('rpm', ['-qp', '--nosignature', '--qf', format, ...rpms], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const BDB_WRITER = `
import sys, json, struct
from bsddb3 import db
req = json.load(sys.stdin)
d = db.DB()
d.set_pagesize(req['pagesize'])
d.set_lorder(req['lorder'])
if req['checksum']:
    d.set_flags(db.DB_CHKSUM)
d.open(req['file'], dbtype=db.DB_HASH, flags=db.DB_CREATE)
fmt = '<I' if req['lorder'] == 1234 else '>I'
for inst, blob in req['blobs']:
    d.put(struct.pack(fmt, inst), bytes.fromhex(blob))
d.put(struct.pack(fmt, 0), struct.pack(fmt, req['next']))
d.close()
`;

/** Whether Debian's python3 with bsddb3 is here to write Berkeley DB files. */
export function bdbWriterAvailable(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import bsddb3'], { stdio: 'ignore' }).status === 0;
}

/**
 * Writes an rpm Packages file (Berkeley DB hash, as rpm ≤ 4.15 made) holding
 * these header blobs under their instance numbers, plus rpm's key 0 (the
 * next free instance), through Debian's python3-bsddb3. `bigEndian` writes
 * it as a big-endian host would; `checksum` gives its pages checksums
 * (DB_CHKSUM), which rpm's defaults never ask for.
 */
export function writeBdbPackages(file: string, blobs: readonly { instance: number; blob: Buffer }[], opts: { pagesize?: number; bigEndian?: boolean; checksum?: boolean } = {}): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const next = blobs.reduce((m, b) => Math.max(m, b.instance), 0) + 1;
  const req = { file, pagesize: opts.pagesize ?? 4096, lorder: opts.bigEndian ? 4321 : 1234, blobs: blobs.map((b) => [b.instance, b.blob.toString('hex')]), next, checksum: opts.checksum ?? false };
  execFileSync('/usr/bin/python3', ['-c', BDB_WRITER], { input: JSON.stringify(req), stdio: ['pipe', 'ignore', 'pipe'] });
}

function adler32(buf: Buffer, start = 1): number {
  let a = start & 0xffff;
  let b = (start >>> 16) & 0xffff;
  for (const x of buf) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Writes an rpm ndb Packages.db (SUSE) holding these header blobs, laid out
 * as rpm's lib/backend/ndb/rpmpkg.c writes one: Debian's rpm has no ndb
 * backend, so this writer follows the format, and nothing here can check it
 * against rpm.
 */
export function writeNdbPackages(file: string, blobs: readonly { instance: number; blob: Buffer }[]): void {
  const PAGE = 4096;
  const slotnpages = Math.max(1, Math.ceil(((blobs.length + 2) * 16) / PAGE));
  const slots = Buffer.alloc(slotnpages * PAGE);
  for (let at = 0; at < slots.length; at += 16) slots.write('Slot', at, 'latin1');
  const parts: Buffer[] = [slots];
  let blk = slotnpages * (PAGE / 16);
  blobs.forEach(({ instance, blob }, i) => {
    const blkcnt = Math.ceil((16 + blob.length + 12) / 16);
    const out = Buffer.alloc(blkcnt * 16);
    out.write('BlbS', 0, 'latin1');
    out.writeUInt32LE(instance, 4);
    out.writeUInt32LE(1700000000, 8);
    out.writeUInt32LE(blob.length, 12);
    blob.copy(out, 16);
    out.writeUInt32LE(adler32(out.subarray(0, out.length - 12)), out.length - 12);
    out.writeUInt32LE(blob.length, out.length - 8);
    out.write('BlbE', out.length - 4, 'latin1');
    const slot = 32 + 16 * i;
    slots.writeUInt32LE(instance, slot + 4);
    slots.writeUInt32LE(blk, slot + 8);
    slots.writeUInt32LE(blkcnt, slot + 12);
    parts.push(out);
    blk += blkcnt;
  });
  slots.write('RpmP', 0, 'latin1');
  slots.writeUInt32LE(0, 4);
  slots.writeUInt32LE(blobs.length + 1, 8);
  slots.writeUInt32LE(slotnpages, 12);
  slots.writeUInt32LE(blobs.reduce((m, b) => Math.max(m, b.instance), 0) + 1, 16);
  slots.fill(0, 20, 32);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, Buffer.concat(parts));
}

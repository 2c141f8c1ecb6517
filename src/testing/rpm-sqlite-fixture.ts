/**
 * A small rpm sqlite database made in memory, for tests that need a real
 * database on an in-memory target without rpmbuild: header blobs encoded
 * here (NAME, VERSION, RELEASE, ARCH, optional EPOCH, and a file list), in
 * a `Packages(hnum, blob)` table as rpm 4.16+ writes it.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RPM_TYPE, RPMTAG } from '../target/rpmdb/index.js';

export interface FixturePackage {
  readonly name: string;
  readonly version: string;
  readonly release: string;
  readonly arch?: string;
  readonly epoch?: number;
  /** Absolute paths, regular files of mode 0644 owned by root. */
  readonly files?: readonly string[];
  /** Dependencies as [name, RPMSENSE flags, evr]; a package provides itself (name = evr) only when listed here. */
  readonly provides?: ReadonlyArray<readonly [string, number, string]>;
  readonly requires?: ReadonlyArray<readonly [string, number, string]>;
  readonly conflicts?: ReadonlyArray<readonly [string, number, string]>;
  readonly obsoletes?: ReadonlyArray<readonly [string, number, string]>;
  /** A %verifyscript body. */
  readonly verifyscript?: string;
  /** Leave ARCH out (as a gpg-pubkey has none). */
  readonly noArch?: boolean;
}

interface Entry {
  readonly tag: number;
  readonly type: number;
  readonly count: number;
  readonly data: Buffer;
}

const str = (tag: number, s: string): Entry => ({ tag, type: RPM_TYPE.STRING, count: 1, data: Buffer.from(`${s}\0`) });
const strs = (tag: number, a: readonly string[]): Entry => ({ tag, type: RPM_TYPE.STRING_ARRAY, count: a.length, data: Buffer.from(a.map((s) => `${s}\0`).join('')) });
function int32(tag: number, a: readonly number[]): Entry {
  const b = Buffer.alloc(4 * a.length);
  a.forEach((n, i) => b.writeInt32BE(n, 4 * i));
  return { tag, type: RPM_TYPE.INT32, count: a.length, data: b };
}
function int16(tag: number, a: readonly number[]): Entry {
  const b = Buffer.alloc(2 * a.length);
  a.forEach((n, i) => b.writeUInt16BE(n, 2 * i));
  return { tag, type: RPM_TYPE.INT16, count: a.length, data: b };
}

const ALIGN: Readonly<Record<number, number>> = { [RPM_TYPE.INT16]: 2, [RPM_TYPE.INT32]: 4 };

/** A header blob (no region), entries sorted by tag as rpm keeps them. */
export function headerBlob(p: FixturePackage): Buffer {
  const entries: Entry[] = [str(RPMTAG.NAME, p.name), str(RPMTAG.VERSION, p.version), str(RPMTAG.RELEASE, p.release)];
  if (!p.noArch) entries.push(str(RPMTAG.ARCH, p.arch ?? 'x86_64'));
  if (p.epoch !== undefined) entries.push(int32(RPMTAG.EPOCH, [p.epoch]));
  for (const [deps, names, flags, versions] of [
    [p.provides, RPMTAG.PROVIDENAME, RPMTAG.PROVIDEFLAGS, RPMTAG.PROVIDEVERSION],
    [p.requires, RPMTAG.REQUIRENAME, RPMTAG.REQUIREFLAGS, RPMTAG.REQUIREVERSION],
    [p.conflicts, RPMTAG.CONFLICTNAME, RPMTAG.CONFLICTFLAGS, RPMTAG.CONFLICTVERSION],
    [p.obsoletes, RPMTAG.OBSOLETENAME, RPMTAG.OBSOLETEFLAGS, RPMTAG.OBSOLETEVERSION],
  ] as const) {
    if (!deps?.length) continue;
    entries.push(strs(names, deps.map((d) => d[0])), int32(flags, deps.map((d) => d[1])), strs(versions, deps.map((d) => d[2])));
  }
  if (p.verifyscript !== undefined) entries.push(str(RPMTAG.VERIFYSCRIPT, p.verifyscript));
  const files = p.files ?? [];
  if (files.length > 0) {
    const dirs: string[] = [];
    const idx: number[] = [];
    const base: string[] = [];
    for (const f of files) {
      const cut = f.lastIndexOf('/') + 1;
      const d = f.slice(0, cut);
      let i = dirs.indexOf(d);
      if (i < 0) i = dirs.push(d) - 1;
      idx.push(i);
      base.push(f.slice(cut));
    }
    entries.push(strs(RPMTAG.BASENAMES, base), strs(RPMTAG.DIRNAMES, dirs), int32(RPMTAG.DIRINDEXES, idx));
    entries.push(int16(RPMTAG.FILEMODES, files.map(() => 0o100644)), int32(RPMTAG.FILESIZES, files.map(() => 0)));
    entries.push(strs(RPMTAG.FILEUSERNAME, files.map(() => 'root')), strs(RPMTAG.FILEGROUPNAME, files.map(() => 'root')));
  }
  entries.sort((a, b) => a.tag - b.tag);
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let size = 0;
  for (const e of entries) {
    const align = ALIGN[e.type] ?? 1;
    const pad = (align - (size % align)) % align;
    if (pad) {
      data.push(Buffer.alloc(pad));
      size += pad;
    }
    const ie = Buffer.alloc(16);
    ie.writeUInt32BE(e.tag, 0);
    ie.writeUInt32BE(e.type, 4);
    ie.writeInt32BE(size, 8);
    ie.writeUInt32BE(e.count, 12);
    index.push(ie);
    data.push(e.data);
    size += e.data.length;
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(entries.length, 0);
  head.writeUInt32BE(size, 4);
  return Buffer.concat([head, ...index, ...data]);
}

/** The bytes of an rpmdb.sqlite holding these packages (no -wal: everything checkpointed). */
export function rpmSqliteDatabase(packages: readonly FixturePackage[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rpm-fixture-'));
  try {
    const file = join(dir, 'rpmdb.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
    const put = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
    for (const p of packages) put.run(headerBlob(p));
    db.close();
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

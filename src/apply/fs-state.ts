/**
 * The state of one path on a real tree, as the journal keeps it and as a
 * rollback puts it back: its type, content (a digest; the bytes live in the
 * journal's blob store), link target, mode, owner, modification time and
 * extended attributes, or its absence. Also: a manifest of a whole tree
 * (the same facts for every entry), which the tests compare before and
 * after, and the durable-write primitives (write to a temporary file,
 * fsync, rename, fsync the directory) the journal and the apply share.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  lchownSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  type BigIntStats,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { RemotePathState } from '../target/ssh/index.js';

interface XattrApi {
  listAttributesSync(path: string): string[];
  getAttributeSync(path: string, name: string): Buffer | null;
  setAttributeSync(path: string, name: string, value: Uint8Array | string): void;
  removeAttributeSync(path: string, name: string): void;
}
let xattrApi: XattrApi | undefined;
function xattr(): XattrApi {
  xattrApi ??= createRequire(import.meta.url)('@napi-rs/xattr') as XattrApi;
  return xattrApi;
}

/** One path's state; `absent` when nothing was there (the same shape over SSH). */
export type PathState = RemotePathState;

export type EntryType = Exclude<PathState, { type: 'absent' }>['type'];

export const ABSENT: PathState = { type: 'absent' };

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const isOverlayAttr = (name: string): boolean => name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.');

/** The extended attributes of a path (not followed through a symbolic link; links have none we keep). */
export function readXattrs(path: string, type: EntryType): Record<string, string> {
  if (type === 'symlink') return {};
  const out: Record<string, string> = {};
  for (const name of xattr().listAttributesSync(path).sort()) {
    if (isOverlayAttr(name)) continue;
    const v = xattr().getAttributeSync(path, name);
    if (v) out[name] = v.toString('base64');
  }
  return out;
}

function typeOf(st: BigIntStats): EntryType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return undefined;
}

/** What is at `path` now, with the content when `withContent` (files). Throws for sockets, devices and fifos: the journal cannot keep them. */
export function captureState(path: string): { state: PathState; content?: Buffer } {
  let st: BigIntStats;
  try {
    st = lstatSync(path, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: ABSENT };
    throw e;
  }
  const type = typeOf(st);
  if (!type) throw new Error(`${path} is a special file (socket, device or fifo); Vigil does not change or journal those`);
  const base = { type, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), mtimeNs: st.mtimeNs.toString(), xattrs: readXattrs(path, type) };
  if (type === 'file') {
    const content = readFileSync(path);
    return { state: { ...base, sha256: sha256(content), size: content.length }, content };
  }
  if (type === 'symlink') return { state: { ...base, target: readlinkSync(path) } };
  return { state: base };
}

let syncing = true;

/**
 * Turns fsync off (tests only: the randomized crash tests kill processes,
 * not machines, and a page cache survives a process; fsync there only
 * costs minutes on a shared disk). The order of writes is unchanged.
 */
export function setFsync(on: boolean): void {
  syncing = on;
}

/** Opens, writes and fsyncs a file; then fsyncs nothing else. */
export function writeDurable(path: string, data: Uint8Array, mode = 0o600): void {
  const fd = openSync(path, 'w', mode);
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    if (syncing) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  if (!syncing) return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` with `data` atomically: a temporary file beside it, fsynced, renamed over it, the directory fsynced. */
export function replaceDurable(path: string, data: Uint8Array, tempPrefix = '.vigil-tmp-'): void {
  const tmp = join(dirname(path), `${tempPrefix}${basename(path)}`);
  writeDurable(tmp, data);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** Removes whatever is at `path` (a whole tree for a directory); nothing when absent. */
export function removeTree(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (st.isDirectory()) {
    for (const e of readdirSync(path)) removeTree(join(path, e));
    rmdirSync(path);
  } else unlinkSync(path);
}

/** Sets mode, owner, xattrs (exactly: extra ones removed) and mtime of an existing entry to `state`'s. */
export function setMetadata(path: string, state: Exclude<PathState, { type: 'absent' }>): void {
  lchownSync(path, state.uid, state.gid);
  if (state.type !== 'symlink') {
    chmodSync(path, state.mode);
    const want = state.xattrs;
    for (const name of xattr().listAttributesSync(path)) if (!isOverlayAttr(name) && !(name in want)) xattr().removeAttributeSync(path, name);
    for (const [name, v] of Object.entries(want)) {
      const cur = xattr().getAttributeSync(path, name);
      const buf = Buffer.from(v, 'base64');
      if (!cur || !cur.equals(buf)) xattr().setAttributeSync(path, name, buf);
    }
  }
  setMtime(path, state.mtimeNs);
}

/**
 * Sets a path's mtime (not following links). Node's utimes takes a
 * double, so the time set is the recorded one to within 2 µs
 * (docs/REMEDIATE.md); content, modes, owners, xattrs and links are exact.
 */
export function setMtime(path: string, mtimeNs: string): void {
  const ns = BigInt(mtimeNs);
  const secs = Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
  lutimesSync(path, secs, secs);
}

/**
 * Puts `state` at `path`, atomically for files and links (a temporary
 * entry named with `tempPrefix` renamed over it). A directory is created or
 * kept (its contents are other paths' business); whatever of another type
 * is there is removed first. `content` gives a file's bytes.
 */
export function restoreState(path: string, state: PathState, content: (sha: string) => Buffer, tempPrefix: string, step?: (label: string) => void): void {
  const cur = lstatOrUndefined(path);
  if (state.type === 'absent') {
    if (cur) removeTree(path);
    return;
  }
  if (state.type === 'dir') {
    if (cur && !cur.isDirectory()) unlinkSync(path);
    if (!cur || !cur.isDirectory()) mkdirSync(path, { mode: state.mode });
    setMetadata(path, state);
    return;
  }
  const tmp = join(dirname(path), `${tempPrefix}${basename(path)}`);
  removeTree(tmp);
  if (state.type === 'symlink') symlinkSync(state.target!, tmp);
  else writeDurable(tmp, content(state.sha256!), state.mode);
  setMetadata(tmp, state);
  step?.(`renaming into ${path}`);
  if (cur?.isDirectory()) removeTree(path);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Every entry of a tree (relative path → its state, without content), for comparisons. The top directory itself is ''. */
export function manifest(root: string): Map<string, PathState> {
  const out = new Map<string, PathState>();
  const walk = (rel: string): void => {
    const p = rel === '' ? root : join(root, rel);
    const { state } = captureState(p);
    out.set(rel, state);
    if (state.type === 'dir') for (const e of readdirSync(p).sort()) walk(rel === '' ? e : `${rel}/${e}`);
  };
  walk('');
  return out;
}

/** The differences between two manifests, one line each (empty when equal); mtimes to within 2 µs (Node's utimes), directories' left out when `ignoreDirMtime`. */
export function manifestDiff(a: ReadonlyMap<string, PathState>, b: ReadonlyMap<string, PathState>, opts: { ignoreDirMtime?: boolean } = {}): string[] {
  const out: string[] = [];
  const norm = (s: PathState | undefined): string => {
    if (!s) return 'missing';
    if (s.type === 'absent') return JSON.stringify(s);
    return JSON.stringify({ ...s, mtimeNs: undefined });
  };
  const near = (x: PathState | undefined, y: PathState | undefined): boolean => {
    if (!x || !y || x.type === 'absent' || y.type === 'absent') return true;
    if (opts.ignoreDirMtime && x.type === 'dir') return true;
    const d = BigInt(x.mtimeNs) - BigInt(y.mtimeNs);
    return d <= 2000n && d >= -2000n;
  };
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = norm(a.get(k));
    const y = norm(b.get(k));
    if (x !== y) out.push(`${k || '/'}: ${x} -> ${y}`);
    else if (!near(a.get(k), b.get(k))) out.push(`${k || '/'}: mtime ${(a.get(k) as { mtimeNs: string }).mtimeNs} -> ${(b.get(k) as { mtimeNs: string }).mtimeNs}`);
  }
  return out.sort();
}

/**
 * Randomized trees and change sets for the journal's fault-injection tests
 * (journal.test.ts, and the child process those tests SIGKILL): a small
 * tree with files, directories, links, modes, owners and xattrs; a copy of
 * it changed at random; the change set between the two, read the way the
 * apply reads a rehearsal's (every changed path with its state before and
 * after, the copy as the source of new content). Test support only.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Change, ChangeSet } from './change-set.js';
import { manifest, type PathState } from './fs-state.js';

const xattr = createRequire(import.meta.url)('@napi-rs/xattr') as { setAttributeSync(p: string, n: string, v: Uint8Array | string): void; removeAttributeSync(p: string, n: string): void };

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const bytes = (r: Rand, max: number): Buffer => Buffer.from(Array.from({ length: Math.floor(r() * max) }, () => Math.floor(r() * 256)));

/** A random tree at `dir` (which must not exist). */
export function randomTree(r: Rand, dir: string): void {
  mkdirSync(dir);
  const dirs = [''];
  for (let i = 0; i < 2 + Math.floor(r() * 3); i++) {
    const d = `${pick(r, dirs)}/d${i}`;
    mkdirSync(join(dir, d));
    dirs.push(d);
  }
  for (let i = 0; i < 4 + Math.floor(r() * 5); i++) {
    const f = join(dir, `${pick(r, dirs)}/f${i}`);
    writeFileSync(f, bytes(r, 300));
    chmodSync(f, pick(r, [0o600, 0o644, 0o640, 0o755, 0o4755]));
    if (r() < 0.3) chownSync(f, 1000, 1000);
    if (r() < 0.3) xattr.setAttributeSync(f, 'user.vigil', bytes(r, 20));
  }
  symlinkSync('f0', join(dir, `${pick(r, dirs)}/l0`));
  if (r() < 0.5) chmodSync(join(dir, pick(r, dirs.slice(1))), 0o700);
}

/** Changes a copy of the tree at random, in place. */
export function mutateTree(r: Rand, dir: string): void {
  const m = manifest(dir);
  const files = [...m].filter(([k, s]) => k !== '' && s.type === 'file').map(([k]) => k);
  const dirs = [...m].filter(([, s]) => s.type === 'dir').map(([k]) => k);
  const links = [...m].filter(([, s]) => s.type === 'symlink').map(([k]) => k);
  const gone = new Set<string>();
  const alive = (p: string): boolean => ![...gone].some((g) => p === g || p.startsWith(`${g}/`));
  for (let i = 0; i < 1 + Math.floor(r() * 6); i++) {
    const kind = Math.floor(r() * 8);
    const f = files.length ? pick(r, files) : undefined;
    const p = (rel: string): string => join(dir, rel);
    if (kind === 0 && f && alive(f)) writeFileSync(p(f), bytes(r, 300));
    else if (kind === 1 && f && alive(f)) chmodSync(p(f), pick(r, [0o600, 0o644, 0o400]));
    else if (kind === 2 && f && alive(f)) chownSync(p(f), pick(r, [0, 1000, 42]), pick(r, [0, 1000, 42]));
    else if (kind === 3 && f && alive(f)) xattr.setAttributeSync(p(f), pick(r, ['user.vigil', 'user.other']), bytes(r, 20));
    else if (kind === 4) {
      const parent = pick(r, dirs.filter(alive));
      if (parent === undefined) continue;
      const nd = `${parent}/n${i}`;
      mkdirSync(p(nd), { recursive: true });
      writeFileSync(p(`${nd}/new`), bytes(r, 200));
      chmodSync(p(nd), 0o750);
    } else if (kind === 5 && f && alive(f)) {
      unlinkSync(p(f));
      gone.add(f);
    } else if (kind === 6) {
      const d = pick(r, dirs.filter((x) => x !== '' && alive(x)));
      if (d === undefined) continue;
      rmSync(p(d), { recursive: true });
      gone.add(d);
    } else if (kind === 7 && links.length) {
      const l = pick(r, links);
      if (!alive(l)) continue;
      unlinkSync(p(l));
      symlinkSync(`target-${i}`, p(l));
    } else if (f && alive(f)) {
      try {
        xattr.removeAttributeSync(p(f), 'user.vigil');
      } catch {
        writeFileSync(p(f), 'x');
      }
    }
  }
}

const strip = (s: PathState | undefined): string => JSON.stringify(s && s.type === 'dir' ? { ...s, mtimeNs: undefined } : (s ?? null));

/** The change set from `before` to `after` (two trees), with `after` as the source of content, as target paths under '/'. */
export function changeSetBetween(before: string, after: string): ChangeSet {
  const a = manifest(before);
  const b = manifest(after);
  const changes: Change[] = [];
  for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (k === '') continue;
    const x = a.get(k) ?? { type: 'absent' as const };
    const y = b.get(k) ?? { type: 'absent' as const };
    if (strip(x) === strip(y)) continue;
    changes.push({ path: `/${k}`, kind: x.type === 'absent' ? 'added' : y.type === 'absent' ? 'removed' : 'changed', before: x, after: y, meta: [] });
  }
  return { changes, upper: after };
}

/** A copy of a tree with everything cp -a keeps (modes, owners, times, xattrs, links). */
export function copyTree(from: string, to: string): void {
  execFileSync('cp', ['-a', from, to]);
}

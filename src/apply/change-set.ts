/**
 * The change set of a rehearsal, read straight from the overlay's upper
 * layer: every path the fixes added, changed or removed on the lower layer
 * (the real root). Overlayfs records a removal as a whiteout (a character
 * device 0:0) and a directory that replaced one of the lower layer as
 * opaque (`trusted.overlay.opaque=y`): the lower directory's entries that
 * the upper one lacks are removed. A file copied up without a change in
 * content, mode, owner, xattrs or link target (a fix that rewrote the same
 * bytes) is no change. Each changed text file carries a unified diff.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ABSENT, captureState, type PathState } from './fs-state.js';

export type ChangeKind = 'added' | 'changed' | 'removed';

export interface Change {
  /** The path on the target, absolute (`/etc/ssh/sshd_config`). */
  readonly path: string;
  readonly kind: ChangeKind;
  readonly before: PathState;
  /** The state the fixes left (absent for a removal). */
  readonly after: PathState;
  /** What changed besides content: `mode 644 -> 600`, `owner 0:0 -> 0:42`, `xattr user.x`… */
  readonly meta: readonly string[];
  /** A unified diff of a text file's content change (or its creation or removal). */
  readonly diff?: string;
}

export interface ChangeSet {
  readonly changes: readonly Change[];
  /** The upper layer the changes were read from (their new content). */
  readonly upper: string;
}

const isWhiteout = (st: Stats): boolean => st.isCharacterDevice() && st.rdev === 0;

let getAttr: ((path: string, name: string) => Buffer | null) | undefined;
function opaque(path: string): boolean {
  getAttr ??= (createRequire(import.meta.url)('@napi-rs/xattr') as { getAttributeSync(p: string, n: string): Buffer | null }).getAttributeSync;
  for (const name of ['trusted.overlay.opaque', 'user.overlay.opaque']) {
    try {
      if (getAttr(path, name)?.toString() === 'y') return true;
    } catch {
      // no such attribute
    }
  }
  return false;
}

function metaDiff(a: PathState, b: PathState): string[] {
  if (a.type === 'absent' || b.type === 'absent' || a.type !== b.type) return [];
  const out: string[] = [];
  if (a.type !== 'symlink' && a.mode !== b.mode) out.push(`mode ${a.mode.toString(8)} -> ${b.mode.toString(8)}`);
  if (a.uid !== b.uid || a.gid !== b.gid) out.push(`owner ${a.uid}:${a.gid} -> ${b.uid}:${b.gid}`);
  for (const k of new Set([...Object.keys(a.xattrs), ...Object.keys(b.xattrs)])) {
    if (a.xattrs[k] !== b.xattrs[k]) out.push(`xattr ${k} ${a.xattrs[k] === undefined ? 'added' : b.xattrs[k] === undefined ? 'removed' : 'changed'}`);
  }
  if (a.type === 'symlink' && a.target !== b.target) out.push(`link ${a.target} -> ${b.target}`);
  return out;
}

/** A unified diff with `diff -u`, or a one-line note for binary content. */
function unifiedDiff(path: string, lower: string | undefined, upper: string | undefined): string | undefined {
  try {
    execFileSync('diff', ['-u', '--label', `a${path}`, '--label', `b${path}`, lower ?? '/dev/null', upper ?? '/dev/null'], { maxBuffer: 64 << 20 });
    return undefined;
  } catch (e) {
    const err = e as { status?: number; stdout?: Buffer };
    if (err.status === 1 && err.stdout) return err.stdout.toString('utf8');
    throw e;
  }
}

/** Every entry of a lower directory's subtree (the directory first), each as removed. */
function removedSubtree(lowerRoot: string, path: string, out: Change[]): void {
  const { state } = captureState(join(lowerRoot, path));
  if (state.type === 'absent') return;
  out.push({ path, kind: 'removed', before: state, after: ABSENT, meta: [], ...(state.type === 'file' ? textDiff(path, join(lowerRoot, path), undefined) : {}) });
  if (state.type === 'dir') for (const e of readdirSync(join(lowerRoot, path)).sort()) removedSubtree(lowerRoot, `${path}/${e}`, out);
}

function textDiff(path: string, lower: string | undefined, upper: string | undefined): { diff?: string } {
  const d = unifiedDiff(path, lower, upper);
  return d === undefined ? {} : { diff: d };
}

/** Reads the change set of `upper` over `lowerRoot`. */
export function readChangeSet(upper: string, lowerRoot: string): ChangeSet {
  const changes: Change[] = [];
  const walk = (rel: string): void => {
    const dir = join(upper, rel);
    for (const name of readdirSync(dir).sort()) {
      const path = `${rel}/${name}`;
      const up = join(upper, path);
      const low = join(lowerRoot, path);
      const st = lstatSync(up);
      const before = captureState(low).state;
      if (isWhiteout(st)) {
        // a removal: the lower entry and everything below it
        const sub: Change[] = [];
        removedSubtree(lowerRoot, path, sub);
        changes.push(...sub);
        continue;
      }
      const after = captureState(up).state;
      if (after.type === 'dir') {
        if (before.type !== 'dir') {
          if (before.type !== 'absent') {
            const sub: Change[] = [];
            removedSubtree(lowerRoot, path, sub);
            changes.push(...sub);
          }
          changes.push({ path, kind: 'added', before: ABSENT, after, meta: [] });
        } else {
          const meta = metaDiff(before, after);
          if (meta.length) changes.push({ path, kind: 'changed', before, after, meta });
          if (opaque(up)) {
            const kept = new Set(readdirSync(up));
            for (const e of readdirSync(low).sort()) if (!kept.has(e)) removedSubtree(lowerRoot, `${path}/${e}`, changes);
          }
        }
        walk(path);
        continue;
      }
      if (before.type === 'absent') {
        changes.push({ path, kind: 'added', before, after, meta: [], ...(after.type === 'file' ? textDiff(path, undefined, up) : {}) });
      } else if (before.type !== after.type) {
        const sub: Change[] = [];
        removedSubtree(lowerRoot, path, sub);
        changes.push(...sub.slice(1));
        changes.push({ path, kind: 'changed', before, after, meta: [`type ${before.type} -> ${after.type}`], ...(after.type === 'file' ? textDiff(path, before.type === 'file' ? low : undefined, up) : {}) });
      } else {
        const meta = metaDiff(before, after);
        const contentChanged = after.type === 'file' && after.sha256 !== (before as { sha256?: string }).sha256;
        if (!contentChanged && meta.length === 0) continue;
        changes.push({ path, kind: 'changed', before, after, meta, ...(contentChanged ? textDiff(path, low, up) : {}) });
      }
    }
  };
  walk('');
  return { changes, upper };
}

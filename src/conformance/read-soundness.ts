/**
 * Read-set soundness (issue 20): on a synthetic root with SSG content,
 * change one file at a time (content, mode, owner; create; delete), rescan
 * in full, and check that every rule whose result changed had the changed
 * path in its read set from the scan before. Also counts how precise the
 * sets are: the rules that name a changed path without changing.
 *
 * Used by `bench/read-soundness.mjs` (300+ changes) and by a short run in
 * `npm test` (read-soundness.test.ts).
 */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { readsPath, type ReadSet } from '../target/reads.js';
import type { XccdfResult } from '../xccdf/result-types.js';
import { SSG_TARGETS, writeSsgRoot } from '../testing/ssg-roots.js';

export type ChangeKind = 'content' | 'mode' | 'owner' | 'create' | 'delete';

export interface Change {
  readonly kind: ChangeKind;
  /** The target path (inside the root). */
  readonly path: string;
  /** Whether the baseline scan read or examined the path (any rule's read set names it). */
  readonly touched: boolean;
  readonly detail: string;
}

export interface ChangeOutcome {
  readonly change: Change;
  /** Rules whose result changed. */
  readonly changed: readonly string[];
  /** Of those, the rules whose read set did not name the path: misses. */
  readonly missed: readonly string[];
  /** Rules whose read set names the path, whether their result changed or not. */
  readonly named: number;
}

export interface SoundnessReport {
  readonly rules: number;
  readonly outcomes: readonly ChangeOutcome[];
  readonly misses: number;
  readonly resultChanges: number;
  /** Rules that named a changed path without changing, summed over changes. */
  readonly namedUnchanged: number;
  readonly named: number;
  /** The baseline scan agreed with itself when repeated after every change was undone. */
  readonly stable: boolean;
}

interface RuleState {
  readonly result: XccdfResult;
  readonly reads: ReadSet;
}

/** mulberry32: a seeded PRNG, so that a seed always picks the same changes. */
export function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lines that turn hardening settings on or off, so that content changes do flip results. */
const CONTENT_LINES = [
  'PermitRootLogin no',
  'PermitRootLogin yes',
  'PASS_MAX_DAYS 90',
  'UMASK 027',
  'net.ipv4.ip_forward = 0',
  'kernel.randomize_va_space = 2',
  '* hard core 0',
  'install cramfs /bin/false',
  'blacklist usb-storage',
  'Defaults use_pty',
  'Storage=persistent',
  'TMOUT=900',
  'umask 027',
  '-w /etc/sudoers -p wa -k scope',
  'auth required pam_faillock.so preauth',
  'password requisite pam_pwquality.so retry=3',
  'minlen = 14',
  'ALL: ALL',
  'root',
  'toor:x:0:0::/root:/bin/sh',
  'GRUB_CMDLINE_LINUX="audit=1"',
  '$FileCreateMode 0640',
  'Package: nis\nStatus: install ok installed\nArchitecture: amd64\nVersion: 4.4',
];
const MODES = [0o600, 0o640, 0o644, 0o666, 0o755, 0o777, 0o4755, 0o400, 0o000];
const OWNERS: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [1000, 1000],
  [4242, 4242],
  [0, 42],
];

/** Extra files that the content never looks at by name, so that changes also land where nothing was read. */
function fillRoot(root: string, rng: () => number, n: number): void {
  const dirs = ['usr/share/doc/pkg', 'opt/app/conf', 'srv/data', 'home/bob/notes', 'var/lib/misc', 'etc/app.d', 'etc/ssh/extra', 'usr/lib/x', 'var/log/app'];
  for (let i = 0; i < n; i++) {
    const d = dirs[Math.floor(rng() * dirs.length)]!;
    mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, d, `file${i}.conf`), `key${i} = ${i}\n`);
  }
}

/** Every regular file and directory under root, as target paths. */
function listTree(root: string): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        dirs.push(p);
        walk(p);
      } else if (e.isFile()) files.push(p);
    }
  };
  walk('');
  return { files, dirs };
}

/**
 * Links that lead reads elsewhere: a directory under /etc that points into
 * /opt (walks of /etc follow it), a configuration directory the content
 * reads that points into /srv, and a file link; changes land at the places
 * they lead to too.
 */
function linkRoot(root: string): void {
  // relative links only: the harness changes files with host calls, which must never leave the root
  mkdirSync(join(root, 'etc/app.d'), { recursive: true });
  mkdirSync(join(root, 'opt/app/conf'), { recursive: true });
  symlinkSync('../../opt/app/conf', join(root, 'etc/app.d/shared'));
  mkdirSync(join(root, 'srv/limits.d'), { recursive: true });
  writeFileSync(join(root, 'srv/limits.d/10-core.conf'), '* soft core 0\n');
  rmSync(join(root, 'etc/security/limits.d'), { recursive: true, force: true });
  symlinkSync('../../srv/limits.d', join(root, 'etc/security/limits.d'));
  mkdirSync(join(root, 'usr/share/issue'), { recursive: true });
  writeFileSync(join(root, 'usr/share/issue/motd'), '');
  rmSync(join(root, 'etc/motd'), { force: true });
  symlinkSync('../usr/share/issue/motd', join(root, 'etc/motd'));
}

/** True when no existing component of `path` inside `root` is a symbolic link: host calls on it stay where they seem to be. */
function linkFree(root: string, path: string): boolean {
  let host = root;
  for (const c of path.split('/').filter((x) => x !== '')) {
    host = join(host, c);
    let s;
    try {
      s = lstatSync(host);
    } catch {
      return true; // missing from here on
    }
    if (s.isSymbolicLink()) return false;
  }
  return true;
}

/** Builds the synthetic Ubuntu 22.04 root (ssg-roots.ts: default, or hardened) with some filler and a few links. */
export function buildSoundnessRoot(root: string, seed: number, hardened = false): void {
  const ubuntu = SSG_TARGETS.find((t) => t.ds === 'ssg-ubuntu2204-ds.xml')!;
  writeSsgRoot(root, ubuntu.platform, hardened);
  fillRoot(root, prng(seed ^ 0x5eed), 200);
  linkRoot(root);
}

async function scan(content: string, root: string, profile: string): Promise<Map<string, RuleState>> {
  const report = await evaluateXccdf(content, { root, profile, reads: true, evaluationOnly: true });
  const out = new Map<string, RuleState>();
  for (const r of report.testResult.ruleResults) {
    if (r.result === 'notselected') continue;
    // multi-check rules give several results: keyed apart
    let key = r.ruleId;
    for (let i = 2; out.has(key); i++) key = `${r.ruleId}#${i}`;
    out.set(key, { result: r.result, reads: r.reads! });
  }
  return out;
}

/** Undoes a change. */
type Undo = () => void;

function applyChange(root: string, c: Omit<Change, 'touched' | 'detail'>, rng: () => number): { detail: string; undo: Undo } {
  if (!linkFree(root, c.path)) throw new Error(`refusing to change ${c.path}: a link on the way`);
  const host = join(root, c.path);
  switch (c.kind) {
    case 'content': {
      const before = readFileSync(host);
      const mode = statSync(host).mode & 0o7777;
      const line = CONTENT_LINES[Math.floor(rng() * CONTENT_LINES.length)]!;
      const r = rng();
      const text = r < 0.3 ? '' : r < 0.7 ? `${before.toString('utf8')}${line}\n` : `${line}\n`;
      writeFileSync(host, text);
      return {
        detail: r < 0.3 ? 'emptied' : r < 0.7 ? `appended ${JSON.stringify(line)}` : `replaced by ${JSON.stringify(line)}`,
        undo: () => {
          writeFileSync(host, before);
          chmodSync(host, mode);
        },
      };
    }
    case 'mode': {
      const mode = statSync(host).mode & 0o7777;
      let m = MODES[Math.floor(rng() * MODES.length)]!;
      if (m === mode) m = mode ^ 0o002;
      chmodSync(host, m);
      return { detail: `mode ${mode.toString(8)} -> ${m.toString(8)}`, undo: () => chmodSync(host, mode) };
    }
    case 'owner': {
      const s = statSync(host);
      let o = OWNERS[Math.floor(rng() * OWNERS.length)]!;
      if (o[0] === s.uid && o[1] === s.gid) o = [s.uid === 0 ? 1000 : 0, s.gid];
      chownSync(host, o[0], o[1]);
      return { detail: `owner ${s.uid}:${s.gid} -> ${o[0]}:${o[1]}`, undo: () => chownSync(host, s.uid, s.gid) };
    }
    case 'create': {
      // the first missing ancestor is made and removed with it
      let top = host;
      while (!existsSync(dirname(top))) top = dirname(top);
      mkdirSync(dirname(host), { recursive: true });
      const line = CONTENT_LINES[Math.floor(rng() * CONTENT_LINES.length)]!;
      writeFileSync(host, `${line}\n`, { mode: 0o644 });
      return { detail: `created with ${JSON.stringify(line)}`, undo: () => rmSync(top, { recursive: true, force: true }) };
    }
    case 'delete': {
      const before = readFileSync(host);
      const s = lstatSync(host);
      rmSync(host);
      return {
        detail: 'deleted',
        undo: () => {
          writeFileSync(host, before, { mode: s.mode & 0o7777 });
          chmodSync(host, s.mode & 0o7777);
          chownSync(host, s.uid, s.gid);
        },
      };
    }
  }
}

export interface SoundnessOptions {
  readonly content: string;
  readonly profile: string;
  readonly root: string;
  readonly changes: number;
  readonly seed: number;
  /** Called after each change (progress). */
  readonly onOutcome?: (o: ChangeOutcome, i: number) => void;
}

/**
 * Picks `changes` changes at random (seeded): half on paths the baseline
 * scan read or examined (files that exist, and missing paths it looked
 * for), half on files it did not; applies each, rescans in full, compares,
 * and undoes it.
 */
export async function runSoundness(o: SoundnessOptions): Promise<SoundnessReport> {
  const rng = prng(o.seed);
  const baseline = await scan(o.content, o.root, o.profile);
  const named = new Set<string>();
  for (const s of baseline.values()) for (const p of s.reads.paths) named.add(p);
  const tree = listTree(o.root);
  const touchedFiles = tree.files.filter((f) => named.has(f));
  const untouchedFiles = tree.files.filter((f) => !named.has(f));
  // missing paths the scan looked for, in directories that exist or not (creating one may change a result)
  // (a path through a link is changed where the link leads, which the pools hold already)
  const missing = [...named].filter((p) => linkFree(o.root, p) && !existsSync(join(o.root, p)) && !p.startsWith('/proc/') && !p.startsWith('/sys/'));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const outcomes: ChangeOutcome[] = [];
  for (let i = 0; i < o.changes; i++) {
    const touched = rng() < 0.5;
    const r = rng();
    let kind: ChangeKind = r < 0.3 ? 'content' : r < 0.5 ? 'mode' : r < 0.65 ? 'owner' : r < 0.85 ? 'create' : 'delete';
    let path: string;
    if (kind === 'create') {
      if (touched && missing.length > 0) path = pick(missing);
      else path = `${pick(tree.dirs)}/new${i}.conf`;
    } else path = pick(touched && touchedFiles.length > 0 ? touchedFiles : untouchedFiles);
    if (existsSync(join(o.root, path)) && kind === 'create') kind = 'content';
    const { detail, undo } = applyChange(o.root, { kind, path }, rng);
    let after: Map<string, RuleState>;
    try {
      after = await scan(o.content, o.root, o.profile);
    } finally {
      undo();
    }
    const changed: string[] = [];
    const missed: string[] = [];
    let namedCount = 0;
    for (const [id, b] of baseline) {
      const names = readsPath(b.reads, path);
      if (names) namedCount++;
      const a = after.get(id);
      if (a?.result === b.result) continue;
      changed.push(id);
      if (!names) missed.push(id);
    }
    const outcome: ChangeOutcome = { change: { kind, path, touched: named.has(path), detail }, changed, missed, named: namedCount };
    outcomes.push(outcome);
    o.onOutcome?.(outcome, i);
  }
  const again = await scan(o.content, o.root, o.profile);
  const stable = [...baseline].every(([id, b]) => again.get(id)?.result === b.result);
  const sum = (f: (x: ChangeOutcome) => number): number => outcomes.reduce((a, x) => a + f(x), 0);
  return {
    rules: baseline.size,
    outcomes,
    misses: sum((x) => x.missed.length),
    resultChanges: sum((x) => x.changed.length),
    named: sum((x) => x.named),
    namedUnchanged: sum((x) => x.named - (x.changed.length - x.missed.length)),
    stable,
  };
}

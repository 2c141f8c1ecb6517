/**
 * The write-ahead journal of safe remediation. Before anything on the real
 * root changes, a checkpoint holds the prior state of every path the change
 * set touches (and of their parent directories, whose entries and times
 * change with them): content as a blob named by its SHA-256, mode, owner,
 * mtime, extended attributes, or absence. Every blob, the entry list and
 * the phase file are fsynced, and so is each directory that holds them,
 * before the phase says `checkpointed`.
 *
 * Layout: `<state>/journal/<id>/{entries.json, phase, blobs/<sha256>}`.
 * Phases: checkpointed → applying → applied → verified, or → rolling-back
 * → rolled-back. A journal found in `applying` or `rolling-back` belongs to
 * an apply or rollback that did not finish: `recover` rolls it back. A
 * rollback is idempotent (each step puts one path into its recorded state
 * atomically), so a crash during it is finished by running it again.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join, posix } from 'node:path';
import { captureState, fsyncDir, removeTree, replaceDurable, restoreState, setMetadata, sha256, writeDurable, type PathState } from './fs-state.js';

export type Phase = 'checkpointed' | 'applying' | 'applied' | 'verified' | 'rolling-back' | 'rolled-back';

export interface JournalEntry {
  /** Absolute on the target. */
  readonly path: string;
  readonly prior: PathState;
  /** A parent directory kept only for its metadata (its entries are other paths'). */
  readonly parentOnly?: boolean;
}

export interface JournalRecord {
  readonly id: string;
  readonly root: string;
  readonly created: string;
  readonly entries: readonly JournalEntry[];
  /** Free text: what was applied (rule ids), for `--list`. */
  readonly note: string;
  /** A checkpoint of a host over SSH (`root` is then `ssh://user@host:port`): how to reach it again (ssh-remediate.ts rolls it back). */
  readonly remote?: RemoteJournalTarget;
}

/** The connection a checkpoint over SSH was taken with: a rollback or recovery reconnects with it, the host key verified against the same known_hosts. */
export interface RemoteJournalTarget {
  readonly kind: 'ssh';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly identityFiles: readonly string[];
  readonly knownHostsFile: string;
  /** The ssh config read (null: none). */
  readonly sshConfigFile: string | null;
  /** sudo: the name of the environment variable with the password (never the password). */
  readonly become?: { readonly method: 'sudo'; readonly passwordEnv?: string };
}

/** One path's prior state, captured by the caller (over SSH). */
export interface CapturedEntry {
  readonly path: string;
  readonly parentOnly: boolean;
  readonly state: PathState;
  readonly content?: Buffer;
}

/** A checkpoint that could not be written: nothing was applied. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** A journal that cannot be read or rolled back as recorded. */
export class JournalError extends Error {
  override name = 'JournalError';
}

/** $XDG_STATE_HOME/vigil, else ~/.local/state/vigil. */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env['XDG_STATE_HOME'];
  return xdg && xdg.startsWith('/') ? join(xdg, 'vigil') : join(env['HOME'] || homedir(), '.local/state/vigil');
}

/** Fault injection: called between the steps that change the real root (tests throw or stall here). */
export type StepHook = (label: string) => void;

const onTarget = (root: string, path: string): string => join(root, path);

/** The target paths whose prior state a change to `paths` must keep: each path, and its parent directories up to the root. */
export function journalPaths(paths: readonly string[]): Array<{ path: string; parentOnly: boolean }> {
  const own = new Set(paths.map((p) => posix.normalize(p)));
  const parents = new Set<string>();
  for (const p of own) for (let d = posix.dirname(p); ; d = posix.dirname(d)) {
    if (!own.has(d)) parents.add(d);
    if (d === '/') break;
  }
  return [...[...own].map((path) => ({ path, parentOnly: false })), ...[...parents].map((path) => ({ path, parentOnly: true }))];
}

export class Journal {
  private constructor(
    readonly dir: string,
    readonly record: JournalRecord,
  ) {}

  get id(): string {
    return this.record.id;
  }

  /** The temporary-file prefix of this journal's writes on the target (recovery removes leftovers). */
  get tempPrefix(): string {
    return `.vigil-${this.record.id}-`;
  }

  phase(): Phase {
    return readFileSync(join(this.dir, 'phase'), 'utf8').trim() as Phase;
  }

  setPhase(phase: Phase): void {
    replaceDurable(join(this.dir, 'phase'), Buffer.from(`${phase}\n`));
  }

  blob(sha: string): Buffer {
    const data = readFileSync(join(this.dir, 'blobs', sha));
    if (sha256(data) !== sha) throw new JournalError(`journal ${this.id}: blob ${sha} is damaged; the rollback stops before writing it`);
    return data;
  }

  /**
   * Records the prior state of `paths` (and their parents) under `root`,
   * durably. Throws a CheckpointError, leaving no journal behind, when it
   * cannot (a full disk, an unreadable path).
   */
  static checkpoint(stateDir: string, root: string, paths: readonly string[], note: string): Journal {
    return Journal.write(stateDir, root, note, undefined, () => journalPaths(paths).map(({ path, parentOnly }) => ({ path, parentOnly, ...captureState(onTarget(root, path)) })));
  }

  /**
   * The same as `checkpoint` for states captured elsewhere (a host over
   * SSH, `remote` saying how to reach it again): blobs, entries and phase
   * written and fsynced before it returns; a CheckpointError leaves nothing.
   */
  static checkpointCaptured(stateDir: string, root: string, captured: readonly CapturedEntry[], note: string, remote: RemoteJournalTarget): Journal {
    return Journal.write(stateDir, root, note, remote, () => captured);
  }

  private static write(stateDir: string, root: string, note: string, remote: RemoteJournalTarget | undefined, capture: () => ReadonlyArray<{ path: string; parentOnly: boolean; state: PathState; content?: Buffer }>): Journal {
    const id = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
    const base = join(stateDir, 'journal');
    const dir = join(base, id);
    try {
      mkdirSync(join(dir, 'blobs'), { recursive: true, mode: 0o700 });
      const entries: JournalEntry[] = [];
      const seen = new Set<string>();
      for (const { path, parentOnly, state, content } of capture()) {
        if (content && state.type === 'file' && !seen.has(state.sha256!)) {
          seen.add(state.sha256!);
          writeDurable(join(dir, 'blobs', state.sha256!), content);
        }
        entries.push({ path, prior: state, ...(parentOnly ? { parentOnly } : {}) });
      }
      fsyncDir(join(dir, 'blobs'));
      const record: JournalRecord = { id, root, created: new Date().toISOString(), entries, note, ...(remote ? { remote } : {}) };
      writeDurable(join(dir, 'entries.json'), Buffer.from(JSON.stringify(record)));
      writeDurable(join(dir, 'phase'), Buffer.from('checkpointed\n'));
      fsyncDir(dir);
      fsyncDir(base);
      return new Journal(dir, record);
    } catch (e) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // the state directory is unusable; there is nothing of ours to remove
      }
      const why = e instanceof Error ? e.message : String(e);
      throw new CheckpointError(`the checkpoint could not be written to ${stateDir} (${why}); nothing was applied`);
    }
  }

  static open(stateDir: string, id: string): Journal {
    if (!/^[\w.-]+$/.test(id)) throw new JournalError(`no checkpoint ${JSON.stringify(id)}: checkpoint ids are like 20261206T030512Z-a1b2c3`);
    const dir = join(stateDir, 'journal', id);
    if (!existsSync(join(dir, 'phase'))) throw new JournalError(`no checkpoint ${id} in ${join(stateDir, 'journal')}`);
    let record: JournalRecord;
    try {
      record = JSON.parse(readFileSync(join(dir, 'entries.json'), 'utf8')) as JournalRecord;
    } catch (e) {
      throw new JournalError(`checkpoint ${id} cannot be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    return new Journal(dir, record);
  }

  /** Every checkpoint in the state directory, oldest first. */
  static list(stateDir: string): Journal[] {
    const base = join(stateDir, 'journal');
    if (!existsSync(base)) return [];
    const out: Journal[] = [];
    for (const id of readdirSync(base).sort()) {
      if (!existsSync(join(base, id, 'phase'))) continue;
      out.push(Journal.open(stateDir, id));
    }
    return out;
  }

  /**
   * Puts every journaled path back as it was, byte for byte: first what
   * did not exist is removed (deepest first), then directories, files and
   * links are restored (shallowest first), then every directory's metadata
   * (mode, owner, xattrs, mtime) again, since restoring its entries moved
   * its mtime. Leftover temporary files of this journal are removed.
   */
  rollback(step: StepHook = () => {}): void {
    if (this.record.remote) throw new JournalError(`checkpoint ${this.id} is of ${this.record.root}: it is rolled back over SSH (rollbackRemote)`);
    this.setPhase('rolling-back');
    const root = this.record.root;
    const byDepth = [...this.record.entries].sort((a, b) => depth(a.path) - depth(b.path) || (a.path < b.path ? -1 : 1));
    this.removeTemps();
    for (const e of [...byDepth].reverse()) {
      if (e.prior.type !== 'absent') continue;
      step(`remove ${e.path}`);
      removeTree(onTarget(root, e.path));
    }
    for (const e of byDepth) {
      if (e.prior.type === 'absent' || e.parentOnly) continue;
      step(`restore ${e.path}`);
      restoreState(onTarget(root, e.path), e.prior, (sha) => this.blob(sha), this.tempPrefix, step);
    }
    for (const e of [...byDepth].reverse()) {
      if (e.prior.type !== 'dir') continue;
      step(`metadata ${e.path}`);
      const p = onTarget(root, e.path);
      if (e.parentOnly && !isDir(p)) throw new JournalError(`journal ${this.id}: ${e.path} is no longer a directory; it was not part of the change and is left alone`);
      setMetadata(p, e.prior);
    }
    this.setPhase('rolled-back');
  }

  /** Removes temporary entries this journal's writes may have left in the directories it touches. */
  removeTemps(): void {
    if (this.record.remote) return;
    const dirs = new Set(this.record.entries.map((e) => (e.prior.type === 'dir' ? e.path : posix.dirname(e.path))));
    for (const e of this.record.entries) dirs.add(posix.dirname(e.path));
    for (const d of dirs) {
      const p = onTarget(this.record.root, d);
      if (!isDir(p)) continue;
      for (const name of readdirSync(p)) if (name.startsWith(this.tempPrefix)) removeTree(join(p, name));
    }
  }
}

function depth(p: string): number {
  return p === '/' ? 0 : p.split('/').length - 1;
}

function isDir(p: string): boolean {
  let st: Stats;
  try {
    st = lstatSync(p);
  } catch {
    return false;
  }
  return st.isDirectory();
}

export interface Recovered {
  readonly id: string;
  /** The phase it was found in. */
  readonly found: Phase;
  readonly action: 'rolled back' | 'nothing was applied';
}

/** Finishes every apply or rollback of a local root the journal shows as interrupted, by rolling it back (those of hosts over SSH: recoverRemote). */
export function recover(stateDir: string, step?: StepHook): Recovered[] {
  const out: Recovered[] = [];
  for (const j of Journal.list(stateDir)) {
    if (j.record.remote) continue; // a host over SSH: recoverRemote (ssh-remediate.ts) reconnects to it
    const found = j.phase();
    if (found === 'applying' || found === 'rolling-back') {
      j.rollback(step);
      out.push({ id: j.id, found, action: 'rolled back' });
    } else if (found === 'checkpointed') {
      j.removeTemps();
      j.setPhase('rolled-back');
      out.push({ id: j.id, found, action: 'nothing was applied' });
    }
  }
  return out;
}

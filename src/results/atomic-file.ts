/**
 * Every output file Vigil writes goes through here, so that a reader of the
 * requested path sees either the old file (or nothing) or the whole new one:
 *
 * - the text goes to a temporary file in the same directory, created with
 *   O_EXCL and the mode a plain create would give (umask applies; an
 *   existing file's permission bits are kept);
 * - every write is checked, short writes are continued, the file is
 *   fsynced, closed and renamed over the requested path;
 * - on any error the temporary file is removed and an `OutputError` names
 *   the file and the reason ("Could not save file: x.xml: No space left on
 *   device", oscap's words plus the reason);
 * - temporary files still open when the process is told to stop are
 *   removed by `removePendingFiles`, which the command's signal handlers call.
 *
 * A path that exists and is not a regular file (/dev/stdout, /dev/null, a
 * FIFO) cannot be replaced by a rename: it is written in place, every write
 * still checked; so is a writable file in a directory where no file can be
 * created. A symbolic link is followed, as a plain open would.
 */
import { accessSync, closeSync, constants, fchmodSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** An output file that could not be written; nothing (or the old file) is at `path`. */
export class OutputError extends Error {
  override readonly name = 'OutputError';
  /** The errno code when the system gave one (ENOSPC, ENOENT, EISDIR...). */
  readonly code: string | undefined;
  /** The option that asked for the file (`--results`), when the caller said. */
  readonly option: string | undefined;
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown; code?: string; option?: string },
  ) {
    super(`Could not save file: ${path}: ${reason}${options?.option !== undefined ? ` (${options.option})` : ''}`, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = options?.code;
    this.option = options?.option;
  }

  /** The same error, naming the option that asked for the file. */
  withOption(option: string): OutputError {
    return new OutputError(this.path, this.reason, { cause: this.cause, option, ...(this.code !== undefined ? { code: this.code } : {}) });
  }
}

/** strerror's words for the codes an output meets, as oscap prints them. */
const REASONS: Record<string, string> = {
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EFBIG: 'File too large',
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EROFS: 'Read-only file system',
  EIO: 'Input/output error',
  EEXIST: 'File exists',
  ENAMETOOLONG: 'File name too long',
  ELOOP: 'Too many levels of symbolic links',
  EBUSY: 'Device or resource busy',
  ETXTBSY: 'Text file busy',
  EXDEV: 'Invalid cross-device link',
};

function errnoCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** The reason an fs call failed, in strerror's words. */
export function reasonOf(e: unknown): string {
  const code = errnoCode(e);
  if (code !== undefined && REASONS[code] !== undefined) return REASONS[code];
  return e instanceof Error ? e.message : String(e);
}

function outputError(path: string, e: unknown): OutputError {
  if (e instanceof OutputError) return e;
  const code = errnoCode(e);
  return new OutputError(path, reasonOf(e), { cause: e, ...(code !== undefined ? { code } : {}) });
}

/** Temporary files being written now: removed by removePendingFiles on a signal or at exit. */
const pending = new Set<string>();

/** Removes every temporary file still being written (synchronous: safe in signal and exit handlers). */
export function removePendingFiles(): void {
  for (const p of pending) {
    try {
      unlinkSync(p);
    } catch {
      // already gone
    }
    pending.delete(p);
  }
}

/** The temporary files being written now (for tests). */
export function pendingFiles(): readonly string[] {
  return [...pending];
}

/** A temporary file's name beside `final`: hidden, unique, recognisably Vigil's. */
export function temporaryName(final: string): string {
  return join(dirname(final), `.${basename(final)}.vigil-${randomBytes(6).toString('hex')}.tmp`);
}

/** Whether `name` is one of ours (for tests and clean-up checks). */
export const TEMPORARY_NAME = /^\..*\.vigil-[0-9a-f]{12}\.tmp$/;

export interface OutputFileOptions {
  /** The mode of a newly created file, before the umask (default 0o666). */
  readonly mode?: number;
}

/** Where the text will land: the requested path with symbolic links followed, and whether it is a file to replace. */
function resolveTarget(path: string): { final: string; inPlace: boolean; keepMode?: number } {
  let final = path;
  try {
    final = realpathSync(path);
  } catch {
    // does not exist yet (or a dangling link): created at the path as given
  }
  let st;
  try {
    st = statSync(final);
  } catch {
    return { final, inPlace: false };
  }
  if (st.isDirectory()) throw new OutputError(path, REASONS['EISDIR']!, { code: 'EISDIR' });
  if (!st.isFile()) return { final, inPlace: true };
  // a file the user may not write is refused, as a plain open would refuse it
  try {
    accessSync(final, constants.W_OK);
  } catch (e) {
    throw outputError(path, e);
  }
  // a writable file in a directory the user may not create files in cannot be replaced: it is rewritten in place, as before
  try {
    accessSync(dirname(final), constants.W_OK);
  } catch {
    return { final, inPlace: true };
  }
  return { final, inPlace: false, keepMode: st.mode & 0o7777 };
}

/**
 * Checks, before any work, that `path` can be written: its directory
 * exists and is writable, and the path is not a directory. Throws an
 * OutputError saying what is wrong.
 */
export function checkOutputPath(path: string): void {
  const { final, inPlace } = resolveTarget(path);
  if (inPlace) return;
  const dir = dirname(final);
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = errnoCode(e);
    throw new OutputError(path, `${reasonOf(e)} (the directory ${dir} does not exist)`, { cause: e, ...(code !== undefined ? { code } : {}) });
  }
  if (!st.isDirectory()) throw new OutputError(path, `${REASONS['ENOTDIR']} (${dir})`, { code: 'ENOTDIR' });
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = errnoCode(e);
    throw new OutputError(path, `${reasonOf(e)} (the directory ${dir} is not writable)`, { cause: e, ...(code !== undefined ? { code } : {}) });
  }
}

/** Checks that `dir` is a directory files can be created in (for outputs named later, as OVAL results); errors name `dir`. */
export function checkOutputDirectory(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw outputError(dir, e);
  }
  if (!st.isDirectory()) throw new OutputError(dir, `${REASONS['ENOTDIR']}`, { code: 'ENOTDIR' });
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = errnoCode(e);
    throw new OutputError(dir, `${reasonOf(e)} (the directory is not writable)`, { cause: e, ...(code !== undefined ? { code } : {}) });
  }
}

const FLUSH_AT = 1 << 20;

/**
 * One output being written: buffered in large pieces, each write checked.
 * `commit` makes it visible at the requested path; `abort` removes it.
 */
export class OutputFile {
  private fd: number | undefined;
  private readonly temp: string | undefined;
  private readonly final: string;
  private buf: string[] = [];
  private size = 0;

  constructor(
    readonly path: string,
    opts: OutputFileOptions = {},
  ) {
    const t = resolveTarget(path);
    this.final = t.final;
    if (t.inPlace) {
      try {
        this.fd = openSync(t.final, 'w');
      } catch (e) {
        throw outputError(path, e);
      }
      this.temp = undefined;
      return;
    }
    const temp = temporaryName(t.final);
    try {
      this.fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, opts.mode ?? 0o666);
    } catch (e) {
      throw outputError(path, e);
    }
    this.temp = temp;
    pending.add(temp);
    if (t.keepMode !== undefined) {
      try {
        fchmodSync(this.fd, t.keepMode);
      } catch (e) {
        this.abort();
        throw outputError(path, e);
      }
    }
  }

  write(s: string | Uint8Array): void {
    if (typeof s !== 'string') {
      this.flush();
      this.writeAll(s);
      return;
    }
    this.buf.push(s);
    this.size += s.length;
    if (this.size > FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    const data = Buffer.from(this.buf.join(''), 'utf8');
    this.buf = [];
    this.size = 0;
    this.writeAll(data);
  }

  /** Writes all of `data`, continuing after short writes; a failure is an OutputError. */
  private writeAll(data: Uint8Array): void {
    const fd = this.fd;
    if (fd === undefined) throw new OutputError(this.path, 'written after it was closed');
    let off = 0;
    try {
      while (off < data.length) {
        const n = writeSync(fd, data, off, data.length - off);
        if (n <= 0) throw Object.assign(new Error('write wrote nothing'), { code: 'EIO' });
        off += n;
      }
    } catch (e) {
      throw outputError(this.path, e);
    }
  }

  /** Flushes, syncs and renames over the requested path. On failure the temporary file is removed. */
  commit(): void {
    try {
      this.flush();
      const fd = this.fd!;
      if (this.temp !== undefined) {
        try {
          fsyncSync(fd);
        } catch (e) {
          throw outputError(this.path, e);
        }
      }
      this.fd = undefined;
      try {
        closeSync(fd);
      } catch (e) {
        throw outputError(this.path, e);
      }
      if (this.temp === undefined) return;
      try {
        renameSync(this.temp, this.final);
      } catch (e) {
        throw outputError(this.path, e);
      }
      pending.delete(this.temp);
      syncDirectory(dirname(this.final));
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Closes and removes the temporary file; the requested path is left as it was. Never throws. */
  abort(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // closing is best effort here: the file goes anyway
      }
      this.fd = undefined;
    }
    if (this.temp !== undefined && pending.has(this.temp)) {
      try {
        unlinkSync(this.temp);
      } catch {
        // already gone
      }
      pending.delete(this.temp);
    }
    this.buf = [];
    this.size = 0;
  }
}

/** Makes a rename durable; a file system that cannot sync a directory is not an error. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on a directory: the rename itself is done
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `path` through `fill`, atomically. Any error leaves nothing new at
 * `path`; errors of the file itself become OutputErrors, others (a bug in a
 * writer, a source that cannot be read again) are rethrown as they are.
 */
export function saveFile(path: string, fill: (out: OutputFile) => void, opts: OutputFileOptions = {}): void {
  const out = new OutputFile(path, opts);
  try {
    fill(out);
  } catch (e) {
    out.abort();
    throw e;
  }
  out.commit();
}

/** Writes `data` to `path` atomically. */
export function saveFileContent(path: string, data: string | Uint8Array, opts: OutputFileOptions = {}): void {
  saveFile(path, (out) => out.write(data), opts);
}

/** Whether a file name in a directory listing is one of our temporary files (tests check none remain). */
export function isTemporaryName(name: string): boolean {
  return TEMPORARY_NAME.test(name);
}

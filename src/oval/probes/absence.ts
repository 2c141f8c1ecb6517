/**
 * What a failed target call means to a probe. Only ENOENT and ENOTDIR say
 * that something is not there; anything else (EACCES, EIO, ETIMEDOUT, a
 * loop met on the way) says the probe could not look, and must make the
 * item or the object an error, never an absence: a `none_exist` test over
 * a file the scanner could not read is not a pass.
 *
 * Following a link that leads nowhere is the one other absence: a dangling
 * link (ENOENT) or one that loops (ELOOP) is what fts calls FTS_SLNONE, a
 * link whose target does not exist.
 */
import { isNotFound, TargetError } from '../../target/target.js';

/** `p`'s value, or undefined when it failed because the path is not there; any other failure is thrown on. */
export function absentAs<T>(p: Promise<T>): Promise<T | undefined> {
  return p.catch((e: unknown) => {
    if (isNotFound(e)) return undefined;
    throw e;
  });
}

/** True for the failure of following a link whose target does not exist (dangling, or a loop). */
export function isDeadLink(e: unknown): boolean {
  return isNotFound(e) || (e instanceof TargetError && e.code === 'ELOOP');
}

/** `p` (a stat that follows links)'s value, or undefined when the link leads nowhere; any other failure is thrown on. */
export function followedAs<T>(p: Promise<T>): Promise<T | undefined> {
  return p.catch((e: unknown) => {
    if (isDeadLink(e)) return undefined;
    throw e;
  });
}

/** The errno-style code of a failure ('EACCES'), or undefined for something that is not a target error. */
export function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A failure as a message: what was being done, where, and why. */
export function failureMessage(doing: string, path: string, e: unknown): string {
  const code = codeOf(e);
  const why = e instanceof Error ? e.message : String(e);
  return `${doing} ${path}: ${code && !why.startsWith(code) ? `${code}: ${why}` : why}`;
}

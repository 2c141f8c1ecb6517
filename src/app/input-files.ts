/**
 * Content and tailoring files are read more than once (loaded, then copied
 * into XCCDF results and ARF by a second streaming pass), so they must be
 * regular files: a pipe (`/dev/stdin`, `-`, a FIFO) or a device would give
 * its text once and then nothing, which oscap 1.3.7 turns into a parse error
 * ("Start tag expected"). Vigil refuses them up front, saying why.
 */
import { statSync } from 'node:fs';
import { ContentError } from '../model/errors.js';

/** Throws unless `path` names a regular file (after symbolic links); `what` names it in the message. */
export function requireRegularFile(path: string, what: string): void {
  if (path === '-') throw new ContentError('io', `${what} "-": standard input cannot be read as content, which is read more than once; save it to a file first`);
  let st;
  try {
    st = statSync(path);
  } catch {
    return; // missing or unreadable: the reader says so, with its own words
  }
  if (st.isFile() || st.isDirectory()) return; // a directory: the reader says so
  const kind = st.isFIFO() ? 'a pipe' : st.isCharacterDevice() ? 'a character device' : st.isSocket() ? 'a socket' : st.isBlockDevice() ? 'a block device' : 'not a regular file';
  throw new ContentError('io', `${what} ${path} is ${kind}: content is read more than once, so it must be a regular file; save it to a file first`);
}

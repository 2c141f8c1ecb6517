/**
 * Content and tailoring files are read more than once (loaded, then copied
 * into XCCDF results and ARF by a second streaming pass), so they must be
 * regular files: a pipe (`/dev/stdin`, `-`, a FIFO) or a device would give
 * its text once and then nothing, which oscap 1.3.7 turns into a parse error
 * ("Start tag expected"). Vigil refuses them up front, saying why.
 */
import { statSync } from 'node:fs';
import { ContentError } from '../model/errors.js';
import { reasonOf } from '../results/atomic-file.js';

/**
 * Throws unless `path` names a regular file (after symbolic links); `what`
 * names it in the message. A file that cannot be opened is said in words
 * with its errno (`No such file or directory (ENOENT)`), and `hint` when
 * given (say, where a bare name was looked for).
 */
export function requireRegularFile(path: string, what: string, hint?: string): void {
  if (path === '-') throw new ContentError('io', `${what} "-": standard input cannot be read as content, which is read more than once; save it to a file first`);
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const extra = code === 'EACCES' ? '; run as a user who can read it (often root)' : code === 'ENOENT' && hint !== undefined ? `; ${hint}` : '';
    throw new ContentError('io', `cannot open ${path}: ${reasonOf(e)}${code !== undefined ? ` (${code})` : ''}${extra}`);
  }
  if (st.isFile() || st.isDirectory()) return; // a directory: the reader says so
  const kind = st.isFIFO() ? 'a pipe' : st.isCharacterDevice() ? 'a character device' : st.isSocket() ? 'a socket' : st.isBlockDevice() ? 'a block device' : 'not a regular file';
  throw new ContentError('io', `${what} ${path} is ${kind}: content is read more than once, so it must be a regular file; save it to a file first`);
}

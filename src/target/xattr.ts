/**
 * Extended attributes of host paths, for the filesystem targets. Node has
 * no xattr API; @napi-rs/xattr (a prebuilt N-API module shipped inside its
 * npm package) calls llistxattr(2) and lgetxattr(2), which never follow a
 * final symlink: a target resolves its path first (inside the root,
 * offline) and passes the resolved host path.
 *
 * The module is loaded on first use. Where it cannot be loaded (a platform
 * it has no binary for), every call rejects with ENOSYS and the probes say
 * the attribute was not collected, rather than that it is absent (ENOTSUP
 * stays the filesystem's answer: it holds no attributes).
 *
 * Its getAttribute answers null for any failure, a missing file included,
 * so a value is read only after the list has named it: only the list's
 * failure says why a file cannot be examined.
 */
import { constants } from 'node:os';
import { TargetError } from './target.js';

interface XattrModule {
  listAttributes(path: string): Promise<string[]>;
  getAttribute(path: string, name: string): Promise<Buffer | null>;
}

let loading: Promise<XattrModule | Error> | undefined;

function load(): Promise<XattrModule | Error> {
  loading ??= import('@napi-rs/xattr').then(
    (m) => ((m as { default?: XattrModule }).default ?? (m as unknown as XattrModule)),
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
  return loading;
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The module's errors say "... (os error N)"; the code is errno N's name. */
function errorOf(e: unknown, path: string): TargetError {
  const message = e instanceof Error ? e.message : String(e);
  const n = /\(os error (\d+)\)/.exec(message)?.[1];
  const code = (n !== undefined ? ERRNO_NAMES.get(Number(n)) : undefined) ?? 'EIO';
  return new TargetError(code, path, `${code}: ${path}: ${message.replace(/ \(os error \d+\)$/, '')}`);
}

async function module(path: string): Promise<XattrModule> {
  const m = await load();
  if (m instanceof Error) throw new TargetError('ENOSYS', path, `extended attributes cannot be read here: ${m.message}`);
  return m;
}

/** llistxattr of host path `host`, failures reported for target path `path`. */
export async function listHostXattrs(host: string, path: string): Promise<string[]> {
  const m = await module(path);
  try {
    return await m.listAttributes(host);
  } catch (e) {
    throw errorOf(e, path);
  }
}

/** lgetxattr of host path `host`; undefined when the file has no attribute `name`. */
export async function getHostXattr(host: string, path: string, name: string): Promise<Buffer | undefined> {
  const names = await listHostXattrs(host, path);
  if (!names.includes(name)) return undefined;
  const m = await module(path);
  try {
    return (await m.getAttribute(host, name)) ?? undefined;
  } catch (e) {
    throw errorOf(e, path);
  }
}

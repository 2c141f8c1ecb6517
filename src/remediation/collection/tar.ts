/**
 * A gzip-compressed POSIX ustar archive, written in memory: what
 * `ansible-galaxy collection build` produces. Entries are written in the
 * order given, owned by root, with one modification time, so the same
 * input always gives the same bytes.
 */
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  /** A relative path with `/` separators; directories end without a slash. */
  readonly path: string;
  /** File content; absent for a directory. */
  readonly data?: Buffer;
}

const BLOCK = 512;

export function tarGz(entries: readonly TarEntry[], mtime: Date): Buffer {
  const blocks: Buffer[] = [];
  const seconds = Math.floor(mtime.getTime() / 1000);
  for (const e of entries) {
    const dir = e.data === undefined;
    blocks.push(header(dir ? `${e.path}/` : e.path, dir ? 0o755 : 0o644, dir ? 0 : e.data!.length, seconds, dir ? '5' : '0'));
    if (!dir && e.data!.length > 0) {
      blocks.push(e.data!);
      const pad = (BLOCK - (e.data!.length % BLOCK)) % BLOCK;
      if (pad) blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(BLOCK * 2)); // end of archive
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}

function header(path: string, mode: number, size: number, mtime: number, type: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  const bytes = Buffer.from(path, 'utf8');
  let name = path;
  let prefix = '';
  if (bytes.length > 100) {
    // ustar: split at a slash into prefix (≤155 bytes) and name (≤100 bytes)
    const cut = path.lastIndexOf('/', path.length - 2);
    prefix = cut > 0 ? path.slice(0, cut) : '';
    name = cut > 0 ? path.slice(cut + 1) : path;
    if (Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`path too long for a tar archive: ${path}`);
  }
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156); // checksum field counts as spaces
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\u0000', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

function octal(h: Buffer, at: number, width: number, n: number): void {
  h.write(`${n.toString(8).padStart(width - 1, '0')}\u0000`, at, width, 'ascii');
}

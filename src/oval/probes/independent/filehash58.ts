/**
 * independent:filehash58_object: the digest of files, as OpenSCAP 1.3.7's
 * filehash58_probe.c computes it.
 * - Files come from `filepath`, or `path` + `filename` with the recursion
 *   behaviors. `hash_type` is compared, with its operation, against MD5,
 *   SHA-1, SHA-224, SHA-256, SHA-384 and SHA-512 in that order, and each
 *   match gives one item: filepath, path, filename, hash_type, hash
 *   (lowercase hex).
 * - A file that cannot be opened (a dangling link) gives an item with
 *   status error, no hash, and the message
 *   `Can't open "<path>": errno=<n>, <strerror>.`, which makes the object
 *   flag error.
 * - A link to a directory met through `path` + `filename` opens but cannot be
 *   read: OpenSCAP then collects nothing for it, and neither does Vigil.
 * - Fifos and devices are skipped (OpenSCAP would block on a fifo or hash a
 *   device's stream); a socket fails to open with ENXIO, as in OpenSCAP.
 * Works the same offline.
 */
import { createHash } from 'node:crypto';
import type { ItemData, Probe, ProbeRequest, ProbeResult } from '../../types.js';
import { field, matching } from '../entity.js';
import { errnoOf, ftsKind, joinPath } from '../file-kind.js';
import { fileLocator, walksFilesystem } from '../files.js';

/** OVAL's hash types, in OpenSCAP's order, with node:crypto's names. */
const HASH_TYPES: ReadonlyArray<readonly [oval: string, node: string]> = [
  ['MD5', 'md5'],
  ['SHA-1', 'sha1'],
  ['SHA-224', 'sha224'],
  ['SHA-256', 'sha256'],
  ['SHA-384', 'sha384'],
  ['SHA-512', 'sha512'],
];

export const filehash58Probe: Probe = {
  family: 'independent',
  objectType: 'filehash58_object',
  needs: [],
  sharesWork: walksFilesystem,
  description: 'hashes files (filepath, or path+filename with recursion behaviors) with MD5/SHA-1/SHA-224/SHA-256/SHA-384/SHA-512; behaves the same offline',
  async collect(req: ProbeRequest, ctx): Promise<ProbeResult> {
    const hashType = req.entities.get('hash_type');
    const filepath = req.entities.get('filepath');
    const hasPath = req.entities.has('path') && req.entities.has('filename');
    if (!hashType || (!hasPath && !filepath)) {
      return { flag: 'error', items: [], messages: ['filehash58_object needs hash_type, and filepath or path and filename'] };
    }
    const types = await matching(hashType, HASH_TYPES, ([oval]) => oval);
    if (types.length === 0) return { items: [] };
    const items = await fileLocator(ctx).collect(req, ctx, async (f): Promise<ItemData[]> => {
      if (f.filename === undefined) return [];
      const kind = await ftsKind(ctx.target, f, filepath !== undefined);
      if (kind === undefined) return [];
      const pbuf = joinPath(f.path, f.filename);
      const base = [field('filepath', pbuf), field('path', f.path), field('filename', f.filename)];
      const cantOpen = (e: unknown): ItemData[] => {
        const { errno, text } = errnoOf(e);
        return types.map(([oval]) => ({
          family: 'independent',
          type: 'filehash58_item',
          status: 'error',
          entities: [...base, field('hash_type', oval)],
          messages: [`Can't open "${pbuf}": errno=${errno}, ${text}.`],
        }));
      };
      let content: Buffer;
      try {
        const info = await ctx.target.stat(f.filepath);
        if (info.type === 'socket') return cantOpen({ code: 'ENXIO' });
        // A directory opens but cannot be read: OpenSCAP's digest fails and it collects nothing.
        if (info.type !== 'regular') return [];
        content = await ctx.target.readFile(f.filepath);
      } catch (e) {
        return cantOpen(e);
      }
      return types.map(([oval, node]): ItemData => ({
        family: 'independent',
        type: 'filehash58_item',
        status: 'exists',
        entities: [...base, field('hash_type', oval), field('hash', createHash(node).update(content).digest('hex'))],
      }));
    });
    return { items };
  },
};

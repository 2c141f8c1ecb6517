/**
 * unix:file_object: metadata of files and directories (lstat), one item per
 * located entry, with OpenSCAP's item fields. Works the same offline, on the
 * root's own files. Extended ACLs cannot be read without a native module:
 * `has_extended_acl` is reported "not collected".
 */
import type { FileType } from '../../../target/target.js';
import type { ItemData, ItemEntity, Probe, ProbeResult } from '../../types.js';
import { field } from '../entity.js';
import { fileLocator } from '../files.js';

const TYPE_NAMES: Record<FileType, string> = {
  regular: 'regular',
  directory: 'directory',
  symlink: 'symbolic link',
  block: 'block special',
  fifo: 'fifo',
  socket: 'socket',
  character: 'character special',
  unknown: 'unknown',
};

const bit = (mode: number, b: number): ItemEntity => field('', (mode & b) !== 0, 'boolean');

export const fileProbe: Probe = {
  family: 'unix',
  objectType: 'file_object',
  needs: [],
  description: 'lstat of the located paths (path+filename or filepath, recursion behaviors); identical offline',
  async collect(req, ctx): Promise<ProbeResult> {
    const items: ItemData[] = [];
    for (const f of await fileLocator(ctx.shared, ctx.target).locate(req)) {
      const s = f.info;
      const m = s.mode;
      const bits: Array<[string, number]> = [
        ['suid', 0o4000],
        ['sgid', 0o2000],
        ['sticky', 0o1000],
        ['uread', 0o400],
        ['uwrite', 0o200],
        ['uexec', 0o100],
        ['gread', 0o40],
        ['gwrite', 0o20],
        ['gexec', 0o10],
        ['oread', 0o4],
        ['owrite', 0o2],
        ['oexec', 0o1],
      ];
      const item: ItemData = {
        family: 'unix',
        type: 'file_item',
        status: 'exists',
        entities: [
          ...(f.filename !== undefined ? [field('filepath', f.filepath)] : []),
          field('path', f.path),
          field('filename', f.filename ?? ''),
          field('type', TYPE_NAMES[s.type]),
          field('group_id', s.gid, 'int'),
          field('user_id', s.uid, 'int'),
          field('a_time', Math.floor(s.atimeMs / 1000), 'int'),
          field('c_time', Math.floor(s.ctimeMs / 1000), 'int'),
          field('m_time', Math.floor(s.mtimeMs / 1000), 'int'),
          field('size', s.size, 'int'),
          ...bits.map(([name, b]) => ({ ...bit(m, b), name })),
          { name: 'has_extended_acl', value: '', datatype: 'boolean', status: 'not collected' },
        ],
      };
      // Filters run as items are found, so a walk of / keeps only what survives them.
      if (await ctx.keep(item)) items.push(item);
    }
    return { items };
  },
};

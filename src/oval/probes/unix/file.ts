/**
 * unix:file_object: metadata of files and directories (lstat), one item per
 * located entry, with OpenSCAP's item fields. Works the same offline, on the
 * root's own files. Extended ACLs cannot be read without a native module:
 * `has_extended_acl` is reported "not collected".
 *
 * An item is built only for an entry the object's path and filename select,
 * from the lstat the walk already made, and dropped at once when the
 * object's filters would remove it: a walk of / keeps only what survives.
 */
import type { FileType } from '../../../target/target.js';
import type { ItemData, ItemEntity, Probe, ProbeResult } from '../../types.js';
import { field } from '../entity.js';
import { fileLocator, walksFilesystem, type LocatedFile } from '../files.js';

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

const BITS: ReadonlyArray<readonly [string, number]> = [
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

// Entities are immutable data: the ones with few possible values are made once.
const BIT_ENTITIES = BITS.map(([name, b]) => [b, field(name, false, 'boolean'), field(name, true, 'boolean')] as const);
const TYPE_ENTITIES = new Map(Object.entries(TYPE_NAMES).map(([t, name]) => [t, field('type', name)]));
const ACL_NOT_COLLECTED: ItemEntity = { name: 'has_extended_acl', value: '', datatype: 'boolean', status: 'not collected' };

function fileItem(f: LocatedFile): ItemData {
  const s = f.info;
  const entities: ItemEntity[] = [];
  if (f.filename !== undefined) entities.push(field('filepath', f.filepath));
  entities.push(
    field('path', f.path),
    field('filename', f.filename ?? ''),
    TYPE_ENTITIES.get(s.type)!,
    field('group_id', s.gid, 'int'),
    field('user_id', s.uid, 'int'),
    field('a_time', Math.floor(s.atimeMs / 1000), 'int'),
    field('c_time', Math.floor(s.ctimeMs / 1000), 'int'),
    field('m_time', Math.floor(s.mtimeMs / 1000), 'int'),
    field('size', s.size, 'int'),
  );
  for (const [b, off, on] of BIT_ENTITIES) entities.push((s.mode & b) !== 0 ? on : off);
  entities.push(ACL_NOT_COLLECTED);
  return { family: 'unix', type: 'file_item', status: 'exists', entities };
}

export const fileProbe: Probe = {
  family: 'unix',
  objectType: 'file_object',
  needs: [],
  description: 'lstat of the located paths (path+filename or filepath, recursion behaviors); identical offline',
  sharesWork: walksFilesystem,
  async collect(req, ctx): Promise<ProbeResult> {
    const items = await fileLocator(ctx.shared, ctx.target).collect(req, ctx, async (f): Promise<ItemData[]> => {
      const item = fileItem(f);
      // Filters run as items are found, so a walk of / keeps only what survives them.
      return (await ctx.keep(item)) ? [item] : [];
    });
    return { items };
  },
};

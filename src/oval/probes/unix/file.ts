/**
 * unix:file_object: metadata of files and directories (lstat), one item per
 * located entry, with OpenSCAP's item fields. Works the same offline, on the
 * root's own files. Extended ACLs cannot be read without a native module:
 * `has_extended_acl` is reported "not collected".
 *
 * An item is made only for an entry the object's path and filename select,
 * from the lstat the walk already made, and dropped at once when the
 * object's filters would remove it: a walk of / keeps only what survives.
 * The filters see its entities one name at a time (ItemData.named); only a
 * kept item makes them all.
 */
import type { FileType } from '../../../target/target.js';
import { serviceKey } from '../../services.js';
import type { ItemData, ItemEntity, Probe, ProbeContext, ProbeResult } from '../../types.js';
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
const BIT_ENTITIES = BITS.map(([name, b]) => [b, [field(name, false, 'boolean')], [field(name, true, 'boolean')]] as const);
const TYPE_ENTITIES = new Map(Object.entries(TYPE_NAMES).map(([t, name]) => [t, [field('type', name)]]));
const ACL_NOT_COLLECTED: readonly ItemEntity[] = [{ name: 'has_extended_acl', value: '', datatype: 'boolean', status: 'not collected' }];
const NONE: readonly ItemEntity[] = [];

// A host has few owners: their entities are made once (up to a bound, against a hostile tree).
const USERS = new Map<number, readonly ItemEntity[]>();
const GROUPS = new Map<number, readonly ItemEntity[]>();
const OWNERS_KEPT = 4096;

function owner(made: Map<number, readonly ItemEntity[]>, name: string, id: number): readonly ItemEntity[] {
  let e = made.get(id);
  if (!e) {
    e = [field(name, id, 'int')];
    if (made.size < OWNERS_KEPT) made.set(id, e);
  }
  return e;
}

/** The item's entities, in OpenSCAP's order: each a name and how to make it (one entity, or none). */
const FIELDS: ReadonlyArray<readonly [string, (f: LocatedFile) => readonly ItemEntity[]]> = [
  ['filepath', (f) => (f.filename !== undefined ? [field('filepath', f.filepath)] : NONE)],
  ['path', (f) => [field('path', f.path)]],
  ['filename', (f) => [field('filename', f.filename ?? '')]],
  ['type', (f) => TYPE_ENTITIES.get(f.info.type)!],
  ['group_id', (f) => owner(GROUPS, 'group_id', f.info.gid)],
  ['user_id', (f) => owner(USERS, 'user_id', f.info.uid)],
  ['a_time', (f) => [field('a_time', Math.floor(f.info.atimeMs / 1000), 'int')]],
  ['c_time', (f) => [field('c_time', Math.floor(f.info.ctimeMs / 1000), 'int')]],
  ['m_time', (f) => [field('m_time', Math.floor(f.info.mtimeMs / 1000), 'int')]],
  ['size', (f) => [field('size', f.info.size, 'int')]],
  ...BIT_ENTITIES.map(([b, off, on], i) => [BITS[i]![0], (f: LocatedFile) => ((f.info.mode & b) !== 0 ? on : off)] as const),
  ['has_extended_acl', () => ACL_NOT_COLLECTED],
];
const FIELD_BY_NAME = new Map(FIELDS);

// every entity exists but the ACL one, which is not collected
const STATUSES_WITH_FILEPATH = { exists: FIELDS.length - 1, dne: 0, error: 0, nc: 1 };
const STATUSES_WITHOUT_FILEPATH = { exists: FIELDS.length - 2, dne: 0, error: 0, nc: 1 };

/**
 * A file item that makes its entities when they are asked for: a walk of /
 * makes one per file, filters look at one or two entities of each, and
 * nearly all are dropped (ItemData.named).
 */
class FileItem implements ItemData {
  readonly family = 'unix';
  readonly type = 'file_item';
  readonly status = 'exists';
  private all: ItemEntity[] | undefined;
  private lastName: string | undefined;
  private lastNamed: readonly ItemEntity[] | undefined;

  constructor(private readonly f: LocatedFile) {}

  get entities(): readonly ItemEntity[] {
    if (!this.all) {
      const all: ItemEntity[] = [];
      for (const [, make] of FIELDS) for (const e of make(this.f)) all.push(e);
      this.all = all;
    }
    return this.all;
  }

  get statuses(): ItemData['statuses'] {
    return this.f.filename !== undefined ? STATUSES_WITH_FILEPATH : STATUSES_WITHOUT_FILEPATH;
  }

  named(name: string): readonly ItemEntity[] {
    const make = FIELD_BY_NAME.get(name);
    if (!make) return NONE;
    // several filters may ask for the same name (SSG's excludes by filepath): made once
    if (this.lastName === name) return this.lastNamed!;
    this.lastName = name;
    this.lastNamed = make(this.f);
    return this.lastNamed;
  }
}

const NO_ITEMS: readonly ItemData[] = [];

/** The item, if `keep` says so: a function of its own, so that the synchronous case makes no closure. */
function keptLater(keep: Promise<boolean>, item: ItemData): Promise<readonly ItemData[]> {
  return keep.then((k) => (k ? [item] : NO_ITEMS));
}

/** The last item made, and for what. */
interface LastItem {
  f: LocatedFile | undefined;
  item: ItemData | undefined;
}

const LAST_ITEM = serviceKey('file-item', (): LastItem => ({ f: undefined, item: undefined }));

/**
 * The item for a located entry, made once however many objects locate the
 * same entry: a shared walk asks every object about an entry before going
 * on to the next (SSG walks / three times over), so remembering the last
 * item made is enough, and keeps nothing alive.
 */
function sharedItem(ctx: ProbeContext, f: LocatedFile): ItemData {
  const last = ctx.services.get(LAST_ITEM);
  const p = last.f;
  if (p && last.item && (p === f || (p.info === f.info && p.filepath === f.filepath && p.path === f.path && p.filename === f.filename))) return last.item;
  const item = new FileItem(f);
  last.f = f;
  last.item = item;
  return item;
}

export const fileProbe: Probe = {
  family: 'unix',
  objectType: 'file_object',
  needs: [],
  description: 'lstat of the located paths (path+filename or filepath, recursion behaviors); identical offline',
  sharesWork: walksFilesystem,
  async collect(req, ctx): Promise<ProbeResult> {
    const items = await fileLocator(ctx).collect(req, ctx, (f): readonly ItemData[] | Promise<readonly ItemData[]> => {
      const item = sharedItem(ctx, f);
      // Filters run as items are found, so a walk of / keeps only what survives them.
      const keep = ctx.keep(item);
      if (typeof keep === 'boolean') return keep ? [item] : NO_ITEMS;
      return keptLater(keep, item);
    });
    return { items };
  },
};

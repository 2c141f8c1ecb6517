/**
 * unix:file_object: metadata of files and directories (lstat), one item per
 * located entry, with OpenSCAP's item fields. Works the same offline, on the
 * root's own files.
 *
 * `has_extended_acl` is acl_extended_file's answer, from the extended
 * attributes the Target lists (following a link, as OpenSCAP: a dangling
 * one gives "does not exist"): a default ACL, or
 * an access ACL with more than the three entries the mode bits stand for.
 * It is read once the walk is done, for the items the filters kept (a
 * filter on it during the walk sees it "not collected"); a filesystem
 * without attributes (ENOTSUP) has none; any other failure is "error". A target that cannot read
 * attributes at all (ENOSYS) leaves it "not collected".
 *
 * An item is made only for an entry the object's path and filename select,
 * from the lstat the walk already made, and dropped at once when the
 * object's filters would remove it: a walk of / keeps only what survives.
 * The filters see its entities one name at a time (ItemData.named); only a
 * kept item makes them all.
 */
import { isNotFound, TargetError, type FileType, type Target } from '../../../target/target.js';
import { serviceKey } from '../../services.js';
import type { ItemData, ItemEntity, Probe, ProbeContext, ProbeResult } from '../../types.js';
import { field } from '../entity.js';
import { Lru } from '../../lru.js';
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
const ACL_YES: readonly ItemEntity[] = [field('has_extended_acl', true, 'boolean')];
const ACL_NO: readonly ItemEntity[] = [field('has_extended_acl', false, 'boolean')];
const ACL_GONE: readonly ItemEntity[] = [{ name: 'has_extended_acl', value: '', datatype: 'boolean', status: 'does not exist' }];
const ACL_ERROR: readonly ItemEntity[] = [{ name: 'has_extended_acl', value: '', datatype: 'boolean', status: 'error' }];
const NONE: readonly ItemEntity[] = [];

// A host has few owners: their entities are made once, and the most recently used are kept (a bound against a hostile tree, and a scanner that runs for days).
export const OWNERS_KEPT = 4096;
const USERS = new Lru<number, readonly ItemEntity[]>(OWNERS_KEPT);
const GROUPS = new Lru<number, readonly ItemEntity[]>(OWNERS_KEPT);

function owner(made: Lru<number, readonly ItemEntity[]>, name: string, id: number): readonly ItemEntity[] {
  let e = made.get(id);
  if (!e) {
    e = [field(name, id, 'int')];
    made.set(id, e);
  }
  return e;
}

/** The owner entities kept now (users, groups), for tests of the bound. */
export function ownersKept(): { readonly users: number; readonly groups: number } {
  return { users: USERS.size, groups: GROUPS.size };
}

/** The item's entities, in OpenSCAP's order: each a name and how to make it (one entity, or none). */
const FIELDS: ReadonlyArray<readonly [string, (f: LocatedFile, acl: readonly ItemEntity[]) => readonly ItemEntity[]]> = [
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
  ['has_extended_acl', (_f, acl) => acl],
];
const FIELD_BY_NAME = new Map(FIELDS);

/** The counts of the entities' statuses (every entity exists but the ACL one, whose status varies), made once per case: by the ACL entity's status, then with or without filepath (no key string is built: a walk asks once per item). */
const COUNTS = new Map<string, [NonNullable<ItemData['statuses']> | undefined, NonNullable<ItemData['statuses']> | undefined]>();
function statusCounts(withFilepath: boolean, acl: readonly ItemEntity[]): NonNullable<ItemData['statuses']> {
  const s = acl[0]!.status;
  let pair = COUNTS.get(s);
  if (!pair) COUNTS.set(s, (pair = [undefined, undefined]));
  const i = withFilepath ? 1 : 0;
  let c = pair[i];
  if (!c) {
    const exists = FIELDS.length - (withFilepath ? 1 : 2);
    c = pair[i] = { exists: exists + (s === 'exists' ? 1 : 0), dne: s === 'does not exist' ? 1 : 0, error: s === 'error' ? 1 : 0, nc: s === 'not collected' ? 1 : 0 };
  }
  return c;
}

/** ACL entry tags (acl_ea.h) and sizes of the system.posix_acl_access value: a 4-byte header, 8 bytes an entry. */
const ACL_HEADER = 4;
const FOLLOW = { follow: true } as const;
const ACL_ENTRY = 8;

/** acl_extended_file(3) of `path` (a link followed, as OpenSCAP asks), as the has_extended_acl entity. */
async function extendedAcl(target: Target, path: string): Promise<readonly ItemEntity[]> {
  try {
    const names = await target.listxattr(path, FOLLOW);
    if (names.includes('system.posix_acl_default')) return ACL_YES;
    if (!names.includes('system.posix_acl_access')) return ACL_NO;
    const v = await target.getxattr(path, 'system.posix_acl_access', FOLLOW);
    return v !== undefined && (v.length - ACL_HEADER) / ACL_ENTRY > 3 ? ACL_YES : ACL_NO;
  } catch (e) {
    if (isNotFound(e)) return ACL_GONE;
    if (e instanceof TargetError && e.code === 'ENOTSUP') return ACL_NO; // no attributes on this filesystem: no ACL
    if (e instanceof TargetError && e.code === 'ENOSYS') return ACL_NOT_COLLECTED; // the target cannot read attributes
    return ACL_ERROR;
  }
}

/** Reads has_extended_acl for the kept items, a few at a time. */
async function readAcls(target: Target, items: readonly ItemData[]): Promise<void> {
  const pending = items.filter((i): i is FileItem => i instanceof FileItem && i.acl === undefined);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      const item = pending[next++]!;
      item.setAcl(await (item.aclRead ??= extendedAcl(target, item.aclPath)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, pending.length) }, worker));
}

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
  /** has_extended_acl, once read (readAcls); "not collected" until then. */
  acl: readonly ItemEntity[] | undefined;
  /** The read in progress, shared by the objects that kept this item. */
  aclRead: Promise<readonly ItemEntity[]> | undefined;

  constructor(private readonly f: LocatedFile) {}

  /** The path whose attributes say whether it has an extended ACL: the entry itself. */
  get aclPath(): string {
    return this.f.filename !== undefined ? this.f.filepath : this.f.path;
  }

  setAcl(acl: readonly ItemEntity[]): void {
    this.acl = acl;
    this.all = undefined;
    this.lastName = undefined;
    this.lastNamed = undefined;
  }

  get entities(): readonly ItemEntity[] {
    if (!this.all) {
      const all: ItemEntity[] = [];
      const acl = this.acl ?? ACL_NOT_COLLECTED;
      for (const [, make] of FIELDS) for (const e of make(this.f, acl)) all.push(e);
      this.all = all;
    }
    return this.all;
  }

  get statuses(): ItemData['statuses'] {
    return statusCounts(this.f.filename !== undefined, this.acl ?? ACL_NOT_COLLECTED);
  }

  named(name: string): readonly ItemEntity[] {
    const make = FIELD_BY_NAME.get(name);
    if (!make) return NONE;
    // several filters may ask for the same name (SSG's excludes by filepath): made once
    if (this.lastName === name) return this.lastNamed!;
    this.lastName = name;
    this.lastNamed = make(this.f, this.acl ?? ACL_NOT_COLLECTED);
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
    await readAcls(ctx.target, items);
    return { items };
  },
};

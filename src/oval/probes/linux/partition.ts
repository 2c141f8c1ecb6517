/**
 * linux:partition_object: mounted filesystems from the target's /proc/mounts
 * with their options and space (statfs through the Target). On an offline
 * root that is the root's own `proc/mounts`, as OpenSCAP 1.3.7 reads it: a
 * root without one has no partitions ("does not exist"), and an entry whose
 * mount point is not in the root is left out, as OpenSCAP leaves out an
 * entry whose statvfs fails.
 *
 * Only ENOENT and ENOTDIR mean absence: a /dev/disk/by-uuid that cannot be
 * listed, or a statfs that fails otherwise, leaves the fields it would have
 * given with status "error" and the reason in the item's messages, never
 * an absent UUID or zero space.
 */
import { isNotFound } from '../../../target/target.js';
import type { ItemData, ItemEntity, Probe, ProbeResult } from '../../types.js';
import { entityMatches, field } from '../entity.js';

const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const failed = (name: string, datatype: ItemEntity['datatype'] = 'string'): ItemEntity => ({ name, value: '', datatype, status: 'error' });

export const partitionProbe: Probe = {
  family: 'linux',
  objectType: 'partition_object',
  needs: [],
  description: "mounted filesystems from the target's /proc/mounts, with statfs; offline, the root's own proc/mounts",
  async collect(req, ctx): Promise<ProbeResult> {
    const mp = req.entities.get('mount_point');
    if (!mp) return { flag: 'error', items: [], messages: ['partition_object needs mount_point'] };
    ctx.reads.input('mounts', '*');
    let text: string;
    try {
      text = (await ctx.target.readFile('/proc/mounts')).toString('utf8');
    } catch (e) {
      if (isNotFound(e)) return { items: [] }; // no mount table: no partitions (an offline root without proc/mounts)
      throw e;
    }
    const uuids = new Map<string, string>();
    let uuidFailure: string | undefined;
    try {
      for (const e of await ctx.target.readdir('/dev/disk/by-uuid')) {
        try {
          uuids.set(await ctx.target.realpath(`/dev/disk/by-uuid/${e.name}`), e.name);
        } catch (err) {
          if (!isNotFound(err)) uuidFailure = `cannot resolve /dev/disk/by-uuid/${e.name}: ${reason(err)}`; // a dangling link is no UUID
        }
      }
    } catch (err) {
      if (!isNotFound(err)) uuidFailure = `cannot list /dev/disk/by-uuid: ${reason(err)}`; // no /dev/disk/by-uuid: no UUIDs
    }
    const items: ItemData[] = [];
    for (const line of text.split('\n')) {
      const [dev, dir, type, opts] = line.split(' ');
      if (!dev || !dir || !type || opts === undefined) continue;
      if (type === 'rootfs') continue; // the initial root filesystem, as OpenSCAP skips it
      const mount = unescape(dir);
      if (!(await entityMatches(mp, mount))) continue;
      const messages: string[] = [];
      let space: ItemEntity[];
      try {
        const s = await ctx.target.statfs(mount);
        space = [field('total_space', s.blocks, 'int'), field('space_used', s.blocks - s.bfree, 'int'), field('space_left', s.bfree, 'int')];
      } catch (e) {
        if (isNotFound(e)) continue; // the mount point is not there (an offline root's proc/mounts names this host's), as OpenSCAP skips it
        messages.push(`statfs ${mount}: ${reason(e)}`);
        space = [failed('total_space', 'int'), failed('space_used', 'int'), failed('space_left', 'int')];
      }
      let uuidEntity: ItemEntity;
      const device = unescape(dev);
      let real: string | undefined;
      if (device.startsWith('/')) {
        // proc, tmpfs, overlay: no device file, so no UUID
        try {
          real = await ctx.target.realpath(device);
        } catch (e) {
          if (!isNotFound(e)) messages.push(`cannot resolve ${device}: ${reason(e)}`);
        }
      }
      const uuid = real !== undefined ? uuids.get(real) : undefined;
      if (uuid !== undefined) uuidEntity = field('uuid', uuid);
      else if (uuidFailure !== undefined && real !== undefined) {
        messages.push(uuidFailure);
        uuidEntity = failed('uuid');
      } else if (real === undefined && messages.some((m) => m.startsWith('cannot resolve'))) uuidEntity = failed('uuid');
      else uuidEntity = { name: 'uuid', value: '', datatype: 'string', status: 'does not exist' };
      items.push({
        family: 'linux',
        type: 'partition_item',
        status: 'exists',
        ...(messages.length > 0 ? { messages } : {}),
        entities: [
          field('mount_point', mount),
          field('device', device),
          uuidEntity,
          field('fs_type', type),
          ...opts.split(',').map((o) => field('mount_options', o)),
          ...space,
        ],
      });
    }
    return { items };
  },
};

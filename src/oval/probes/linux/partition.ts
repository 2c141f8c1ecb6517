/**
 * linux:partition_object: mounted filesystems from /proc/mounts with their
 * options and space (statfs). Needs a live kernel; offline it is "not
 * collected" (OpenSCAP reads the scanning host's mounts instead).
 */
import { statfs } from 'node:fs/promises';
import type { ItemData, Probe, ProbeResult } from '../../types.js';
import { entityMatches, field } from '../entity.js';

const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export const partitionProbe: Probe = {
  family: 'linux',
  objectType: 'partition_object',
  needs: ['kernel'],
  description: 'mounted filesystems of the live host (/proc/mounts, statfs); not collected offline',
  async collect(req, ctx): Promise<ProbeResult> {
    const mp = req.entities.get('mount_point');
    if (!mp) return { flag: 'error', items: [], messages: ['partition_object needs mount_point'] };
    ctx.reads.input('mounts', '*');
    const text = (await ctx.target.readFile('/proc/mounts')).toString('utf8');
    const uuids = new Map<string, string>();
    try {
      for (const e of await ctx.target.readdir('/dev/disk/by-uuid')) {
        try {
          uuids.set(await ctx.target.realpath(`/dev/disk/by-uuid/${e.name}`), e.name);
        } catch {
          // a dangling link
        }
      }
    } catch {
      // no /dev/disk/by-uuid
    }
    const items: ItemData[] = [];
    for (const line of text.split('\n')) {
      const [dev, dir, type, opts] = line.split(' ');
      if (!dev || !dir || !type || opts === undefined) continue;
      const mount = unescape(dir);
      if (!entityMatches(mp, mount)) continue;
      let total = 0;
      let free = 0;
      try {
        const s = await statfs(mount);
        total = s.blocks;
        free = s.bfree;
      } catch {
        // statfs failed: the space fields stay 0, as when statvfs fails in OpenSCAP
      }
      let uuid: string | undefined;
      try {
        uuid = uuids.get(await ctx.target.realpath(unescape(dev)));
      } catch {
        uuid = undefined;
      }
      items.push({
        family: 'linux',
        type: 'partition_item',
        status: 'exists',
        entities: [
          field('mount_point', mount),
          field('device', unescape(dev)),
          uuid !== undefined ? field('uuid', uuid) : { name: 'uuid', value: '', datatype: 'string', status: 'does not exist' },
          field('fs_type', type),
          ...opts.split(',').map((o) => field('mount_options', o)),
          field('total_space', total, 'int'),
          field('space_used', total - free, 'int'),
          field('space_left', free, 'int'),
        ],
      });
    }
    return { items };
  },
};

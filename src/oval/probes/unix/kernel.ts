/**
 * Probes of live kernel state: unix:uname_object and unix:sysctl_object.
 * They need a live target; offline they are "not collected" (OpenSCAP reads
 * the scanning host's kernel instead, which says nothing about the root).
 */
import { hostname, machine, release, version } from 'node:os';
import type { ItemData, Probe, ProbeResult } from '../../types.js';
import { entityMatches, field } from '../entity.js';

export const unameProbe: Probe = {
  family: 'unix',
  objectType: 'uname_object',
  needs: ['kernel'],
  description: 'uname of the live host; not collected offline',
  async collect(_req, ctx): Promise<ProbeResult> {
    ctx.reads.input('kernel', 'uname');
    return {
      items: [
        {
          family: 'unix',
          type: 'uname_item',
          status: 'exists',
          entities: [
            field('machine_class', machine()),
            field('node_name', hostname()),
            field('os_name', 'Linux'),
            field('os_release', release()),
            field('os_version', version()),
            field('processor_type', machine()),
          ],
        },
      ],
    };
  },
};

export const sysctlProbe: Probe = {
  family: 'unix',
  objectType: 'sysctl_object',
  needs: ['kernel'],
  description: 'kernel parameters from /proc/sys of the live host; not collected offline',
  async collect(req, ctx): Promise<ProbeResult> {
    const name = req.entities.get('name');
    if (!name) return { flag: 'error', items: [], messages: ['sysctl_object needs name'] };
    ctx.reads.input('kernel', name.entity.operation === 'equals' ? name.value : '*');
    const names: string[] = [];
    if (name.entity.operation === 'equals') names.push(name.value);
    else {
      const walk = async (dir: string, prefix: string): Promise<void> => {
        let entries;
        try {
          entries = await ctx.target.readdir(dir);
        } catch {
          return;
        }
        for (const e of entries) {
          const n = prefix ? `${prefix}.${e.name}` : e.name;
          if (e.type === 'directory') await walk(`${dir}/${e.name}`, n);
          else if (entityMatches(name, n)) names.push(n);
        }
      };
      await walk('/proc/sys', '');
    }
    const items: ItemData[] = [];
    for (const n of names) {
      try {
        const v = (await ctx.target.readFile(`/proc/sys/${n.replace(/\./g, '/')}`)).toString('utf8').replace(/\n$/, '').replace(/\t/g, ' ');
        items.push({ family: 'unix', type: 'sysctl_item', status: 'exists', entities: [field('name', n), field('value', v)] });
      } catch {
        // not a parameter of this kernel
      }
    }
    return { items };
  },
};

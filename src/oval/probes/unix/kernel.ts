/**
 * Probes of live kernel state: unix:uname_object and unix:sysctl_object.
 * They need a live kernel; on an offline root their objects are "not
 * applicable", as OpenSCAP 1.3.7 marks them (its sysctl and uname probes do
 * not run offline), so a rule that ANDs a configuration check with a
 * runtime check is decided by the configuration. A root whose kernel is the
 * scanning host's (a chroot, a running container) can lend it the host's
 * (`hostKernelTarget`).
 *
 * uname comes from the target's own description (Target.describe), never
 * from the scanning host. Only ENOENT and ENOTDIR mean a parameter is
 * absent; any other failure to read one is an error item with the reason.
 */
import { isNotFound } from '../../../target/target.js';
import type { ItemData, Probe, ProbeResult } from '../../types.js';
import { entityMatches, field } from '../entity.js';

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const unameProbe: Probe = {
  family: 'unix',
  objectType: 'uname_object',
  needs: ['kernel'],
  unavailable: 'not applicable',
  description: 'uname of the live target (Target.describe); not applicable offline',
  async collect(_req, ctx): Promise<ProbeResult> {
    ctx.reads.input('kernel', 'uname');
    const { uname } = await ctx.target.describe();
    if (!uname) return { flag: 'error', items: [], messages: [`the target ${ctx.target.name} does not report its uname`] };
    return {
      items: [
        {
          family: 'unix',
          type: 'uname_item',
          status: 'exists',
          entities: [
            field('machine_class', uname.machine),
            field('node_name', uname.nodename),
            field('os_name', uname.sysname),
            field('os_release', uname.release),
            field('os_version', uname.version),
            field('processor_type', uname.machine),
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
  unavailable: 'not applicable',
  description: 'kernel parameters from /proc/sys of the live host; not applicable offline',
  async collect(req, ctx): Promise<ProbeResult> {
    const name = req.entities.get('name');
    if (!name) return { flag: 'error', items: [], messages: ['sysctl_object needs name'] };
    ctx.reads.input('kernel', name.entity.operation === 'equals' ? name.value : '*');
    const names: string[] = [];
    const messages: string[] = [];
    let failed = false;
    if (name.entity.operation === 'equals') names.push(name.value);
    else {
      const walk = async (dir: string, prefix: string): Promise<void> => {
        let entries;
        try {
          entries = await ctx.target.readdir(dir);
        } catch (e) {
          if (isNotFound(e)) return; // gone since it was listed
          failed = true;
          messages.push(`cannot list ${dir}: ${reason(e)}`);
          return;
        }
        for (const e of entries) {
          const n = prefix ? `${prefix}.${e.name}` : e.name;
          if (e.type === 'directory') await walk(`${dir}/${e.name}`, n);
          else if (await entityMatches(name, n)) names.push(n);
        }
      };
      await walk('/proc/sys', '');
    }
    const items: ItemData[] = [];
    for (const n of names) {
      const path = `/proc/sys/${n.replace(/\./g, '/')}`;
      try {
        const v = (await ctx.target.readFile(path)).toString('utf8').replace(/\n$/, '').replace(/\t/g, ' ');
        items.push({ family: 'unix', type: 'sysctl_item', status: 'exists', entities: [field('name', n), field('value', v)] });
      } catch (e) {
        if (isNotFound(e)) continue; // not a parameter of this kernel
        // a write-only parameter (route.flush) has no value to read, as `sysctl -a` skips it
        const info = await ctx.target.stat(path).catch(() => undefined);
        if (info && (info.mode & 0o444) === 0) continue;
        items.push({ family: 'unix', type: 'sysctl_item', status: 'error', messages: [`Can't read sysctl value from ${path}: ${reason(e)}`], entities: [field('name', n)] });
      }
    }
    return { ...(failed ? { flag: 'error' as const } : {}), items, ...(messages.length > 0 ? { messages } : {}) };
  },
};

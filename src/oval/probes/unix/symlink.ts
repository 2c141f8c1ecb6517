/** unix:symlink_object: a symbolic link and its canonical target (inside the target). */
import type { ItemData, Probe, ProbeResult } from '../../types.js';
import { field } from '../entity.js';
import { fileLocator } from '../files.js';

export const symlinkProbe: Probe = {
  family: 'unix',
  objectType: 'symlink_object',
  needs: [],
  description: 'reads symbolic links; offline, resolved inside the root',
  async collect(req, ctx): Promise<ProbeResult> {
    const items: ItemData[] = [];
    for (const f of await fileLocator(ctx.shared, ctx.target).locate(req)) {
      if (f.info.type !== 'symlink') continue;
      let canonical: string;
      try {
        canonical = await ctx.target.realpath(f.filepath);
      } catch {
        items.push({ family: 'unix', type: 'symlink_item', status: 'error', entities: [field('filepath', f.filepath)] });
        continue;
      }
      items.push({ family: 'unix', type: 'symlink_item', status: 'exists', entities: [field('filepath', f.filepath), field('canonical_path', canonical)] });
    }
    return { items };
  },
};

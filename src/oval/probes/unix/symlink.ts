/** unix:symlink_object: a symbolic link and its canonical target (inside the target). */
import type { ItemData, Probe, ProbeResult } from '../../types.js';
import { absentAs } from '../absence.js';
import { field } from '../entity.js';
import { fileLocator, walksFilesystem, type LocatedFile } from '../files.js';

export const symlinkProbe: Probe = {
  family: 'unix',
  objectType: 'symlink_object',
  needs: [],
  description: 'reads symbolic links; offline, resolved inside the root',
  sharesWork: walksFilesystem,
  async collect(req, ctx): Promise<ProbeResult> {
    const filepath = req.entities.get('filepath');
    let found: LocatedFile[];
    if (filepath?.entity.operation === 'equals') {
      // OpenSCAP lstats the path itself: a link to a directory is a link too
      const info = await absentAs(ctx.target.lstat(filepath.value));
      found = info ? [{ path: '', filepath: filepath.value, info }] : [];
    } else found = await fileLocator(ctx).locate(req, ctx);
    const items: ItemData[] = [];
    for (const f of found) {
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

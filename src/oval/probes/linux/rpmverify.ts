/**
 * linux:rpmverify_object (deprecated since OVAL 5.7, still in OpenSCAP
 * 1.3.7): `rpm -V` per file of the packages whose name satisfies `name`
 * (equals, not equal, pattern match; OpenSCAP supports no other operation,
 * and neither does this probe), for the files whose path satisfies
 * `filepath` (any operation). No SSG 0.1.65 data stream uses it.
 *
 * Verification is rpmverifyfile's (`verifyFile`, librpm's rpmfiVerify);
 * the behaviors are OpenSCAP's: nolinkto, nomd5, nosize, nouser, nogroup,
 * nomtime, nomode, nordev, noconfigfiles, noghostfiles (the deprecated
 * test has no nocaps or nofiledigest). Items as OpenSCAP's: name,
 * filepath, the nine checks (capabilities_differ included) and the five
 * file-kind booleans; one item per file (OpenSCAP walks each package's file
 * list twice and reports the identical items once).
 */
import { RPMFILE, RPMVERIFY, type RpmFile } from '../../../target/rpmdb/index.js';
import type { ItemData, Probe, ProbeResult } from '../../types.js';
import { entityMatches, field } from '../entity.js';
import { RPM_ACCOUNTS, rpmDatabase, type RpmPackage } from './rpm-packages.js';
import { verifyChosen, verifyEntities } from './rpmverifyfile.js';

const OMIT: Readonly<Record<string, number>> = {
  nolinkto: RPMVERIFY.LINKTO,
  nomd5: RPMVERIFY.FILEDIGEST,
  nosize: RPMVERIFY.FILESIZE,
  nouser: RPMVERIFY.USER,
  nogroup: RPMVERIFY.GROUP,
  nomtime: RPMVERIFY.MTIME,
  nomode: RPMVERIFY.MODE,
  nordev: RPMVERIFY.RDEV,
};

function item(p: RpmPackage, f: RpmFile, vflags: number, omit: number): ItemData {
  return {
    family: 'linux',
    type: 'rpmverify_item',
    status: 'exists',
    entities: [
      field('name', p.name),
      field('filepath', f.path),
      ...verifyEntities(f, vflags, omit),
    ],
  };
}

export const rpmverifyProbe: Probe = {
  family: 'linux',
  objectType: 'rpmverify_object',
  needs: [],
  description: "rpm -V per packaged file (the deprecated rpmverify test), against the target's rpm database; offline, the root's own database and files",
  async collect(req, ctx): Promise<ProbeResult> {
    const name = req.entities.get('name');
    const filepath = req.entities.get('filepath');
    if (!name || !filepath) return { flag: 'error', items: [], messages: ['rpmverify_object needs name and filepath'] };
    const op = name.entity.operation;
    if (op !== 'equals' && op !== 'not equal' && op !== 'pattern match') {
      return { flag: 'error', items: [], messages: [`rpmverify_object: the operation "${op}" on name is not supported (equals, not equal, pattern match)`] };
    }
    const db = await rpmDatabase(ctx);
    if (db === undefined) return { items: [] };
    if (db instanceof Error) return { flag: 'error', items: [], messages: [`cannot read the rpm database: ${db.message}`] };
    const accounts = await ctx.services.get(RPM_ACCOUNTS).get();
    if (accounts instanceof Error) return { flag: 'error', items: [], messages: [`cannot read the target's users and groups: ${accounts.message}`] };
    ctx.reads.path('/etc/passwd');
    ctx.reads.path('/etc/group');
    let omit = 0;
    for (const [attr, bit] of Object.entries(OMIT)) if (req.behaviors[attr] === 'true') omit |= bit;
    const skipConfig = req.behaviors['noconfigfiles'] === 'true';
    const skipGhost = req.behaviors['noghostfiles'] === 'true';
    const chosen: Array<{ pkg: RpmPackage; file: RpmFile }> = [];
    try {
      for (const pkg of db.packages) {
        if (!(await entityMatches(name, pkg.name))) continue;
        for (const file of pkg.files()) {
          if ((skipConfig && file.flags & RPMFILE.CONFIG) || (skipGhost && file.flags & RPMFILE.GHOST)) continue;
          if (await entityMatches(filepath, file.path)) chosen.push({ pkg, file });
        }
      }
    } catch (e) {
      return { flag: 'error', items: [], messages: [e instanceof Error ? e.message : String(e)] };
    }
    return verifyChosen(ctx, db, chosen, accounts, omit, item);
  },
};

/**
 * linux:rpmverifyfile_object: `rpm -Vf` per file of installed rpm packages.
 * A target without an rpm database has no rpm packages, so nothing exists:
 * OpenSCAP's probe finds no package either and reports "does not exist",
 * also when /var/lib/rpm is present but empty (Debian ships it so, its rpm
 * keeping the database elsewhere). Verifying files against an existing
 * database is not implemented yet and is "not collected".
 *
 * The items OpenSCAP would build (for when it is): name, epoch, version,
 * release, arch, filepath, extended_name, then "pass" / "fail" / "not
 * performed" for size_differs, mode_differs, md5_differs,
 * filedigest_differs (OVAL 5.11.1), device_differs, link_mismatch,
 * ownership_differs, group_differs, mtime_differs, capabilities_differ, and
 * the booleans configuration_file, documentation_file, ghost_file,
 * license_file, readme_file.
 */
import { isNotFound, type Target } from '../../../target/target.js';
import type { Probe, ProbeResult } from '../../types.js';

/** The rpm database directories (/usr/lib/sysimage/rpm on newer distributions), and the files a database consists of. */
const RPMDB_DIRS = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];
const RPMDB_FILES = ['Packages', 'Packages.db', 'rpmdb.sqlite'];

/** The first rpm database file on the target, or undefined when there is none. */
export async function findRpmDatabase(target: Target): Promise<string | undefined> {
  for (const dir of RPMDB_DIRS) {
    for (const f of RPMDB_FILES) {
      const path = `${dir}/${f}`;
      try {
        if ((await target.stat(path)).type === 'regular') return path;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }
  return undefined;
}

export const rpmverifyfileProbe: Probe = {
  family: 'linux',
  objectType: 'rpmverifyfile_object',
  needs: [],
  description: 'rpm file verification: nothing exists without an rpm database; verifying against one is not collected yet',
  async collect(req, ctx): Promise<ProbeResult> {
    if (!req.entities.get('filepath')) return { flag: 'error', items: [], messages: ['rpmverifyfile_object needs filepath'] };
    const db = await findRpmDatabase(ctx.target);
    if (db === undefined) return { items: [] };
    return { flag: 'not collected', items: [], messages: [`verifying files against the rpm database (${db}) is not supported yet`] };
  },
};

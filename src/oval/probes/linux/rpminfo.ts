/**
 * linux:rpminfo_object: installed rpm packages. A target without an rpm
 * database file has no rpm packages, so nothing exists (as oscap reports on
 * Debian, whose rpm package leaves /var/lib/rpm empty); reading an existing
 * rpm database is not implemented yet and is "not collected".
 */
import type { Probe, ProbeResult } from '../../types.js';
import { findRpmDatabase } from './rpmverifyfile.js';

export const rpminfoProbe: Probe = {
  family: 'linux',
  objectType: 'rpminfo_object',
  needs: [],
  description: 'rpm packages: none when the target has no rpm database; reading an rpm database is not collected yet',
  async collect(_req, ctx): Promise<ProbeResult> {
    const db = await findRpmDatabase(ctx.target);
    if (db === undefined) return { items: [] };
    return { flag: 'not collected', items: [], messages: [`reading the rpm database ${db} is not supported yet`] };
  },
};

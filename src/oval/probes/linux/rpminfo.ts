/**
 * linux:rpminfo_object: installed rpm packages. A target without an rpm
 * database (/var/lib/rpm) has no rpm packages, so nothing exists; reading
 * an existing rpm database is not implemented yet and is "not collected".
 */
import { isNotFound } from '../../../target/target.js';
import type { Probe, ProbeResult } from '../../types.js';

export const rpminfoProbe: Probe = {
  family: 'linux',
  objectType: 'rpminfo_object',
  needs: [],
  description: 'rpm packages: none when the target has no /var/lib/rpm; reading an rpm database is not collected yet',
  async collect(_req, ctx): Promise<ProbeResult> {
    try {
      await ctx.target.stat('/var/lib/rpm');
    } catch (e) {
      if (isNotFound(e)) return { items: [] };
      throw e;
    }
    return { flag: 'not collected', items: [], messages: ['reading an rpm database is not supported yet'] };
  },
};

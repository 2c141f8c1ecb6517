/**
 * linux:dpkginfo_object: installed Debian packages, from the target's
 * /var/lib/dpkg/status (parsed once per evaluation). A package counts as
 * installed when its Status starts with "install"; Provides names resolve to
 * the providing package. epoch defaults to "0"; version and release split at
 * the first "-", as OpenSCAP does. Offline, the root's own database is read.
 */
import { isNotFound, type Target } from '../../../target/target.js';
import { serviceKey } from '../../services.js';
import type { ItemData, Probe, ProbeResult } from '../../types.js';
import { entityMatches, field } from '../entity.js';

interface Package {
  readonly name: string;
  readonly arch: string;
  readonly evr: string;
  readonly provides: readonly string[];
}

async function readStatus(target: Target): Promise<Package[] | Error | undefined> {
  let text: string;
  try {
    text = (await target.readFile('/var/lib/dpkg/status')).toString('utf8');
  } catch (e) {
    return isNotFound(e) ? undefined : (e as Error);
  }
  const out: Package[] = [];
  for (const stanza of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line === '' || /^\s/.test(line)) continue;
      const c = line.indexOf(':');
      if (c < 0) continue;
      const key = line.slice(0, c);
      if (!fields.has(key)) fields.set(key, line.slice(c + 1).trim());
    }
    const name = fields.get('Package');
    if (!name || !(fields.get('Status') ?? '').startsWith('install')) continue;
    out.push({
      name,
      arch: fields.get('Architecture') ?? '',
      evr: fields.get('Version') ?? '',
      provides: (fields.get('Provides') ?? '')
        .split(',')
        .map((s) => s.trim().split(/\s/)[0]!)
        .filter(Boolean),
    });
  }
  return out;
}

function item(name: string, p: Package): ItemData {
  const colon = p.evr.indexOf(':');
  const epoch = colon >= 0 ? p.evr.slice(0, colon) : '0';
  const rest = colon >= 0 ? p.evr.slice(colon + 1) : p.evr;
  const dash = rest.indexOf('-');
  return {
    family: 'linux',
    type: 'dpkginfo_item',
    status: 'exists',
    entities: [
      field('name', name),
      field('arch', p.arch),
      field('epoch', epoch),
      field('release', dash >= 0 ? rest.slice(dash + 1) : ''),
      field('version', dash >= 0 ? rest.slice(0, dash) : rest),
      field('evr', p.evr, 'debian_evr_string'),
    ].filter((e) => e.name !== 'release' || dash >= 0),
  };
}

/** The target's dpkg database, parsed once per scan. */
const DPKG_STATUS = serviceKey('dpkg-status', (target) => {
  let db: Promise<Package[] | Error | undefined> | undefined;
  return { packages: () => (db ??= readStatus(target)) };
});

export const dpkginfoProbe: Probe = {
  family: 'linux',
  objectType: 'dpkginfo_object',
  needs: [],
  description: "reads the target's /var/lib/dpkg/status; offline, the root's own database",
  async collect(req, ctx): Promise<ProbeResult> {
    const name = req.entities.get('name');
    if (!name) return { flag: 'error', items: [], messages: ['dpkginfo_object needs name'] };
    // parsed once per scan: each object that uses it read it
    ctx.reads.path('/var/lib/dpkg/status');
    ctx.reads.input('packages', 'dpkg');
    const packages = await ctx.services.get(DPKG_STATUS).packages();
    if (packages instanceof Error) {
      return { flag: 'error', items: [{ family: 'linux', type: 'dpkginfo_item', status: 'error', entities: [field('name', name.value)] }], messages: [packages.message] };
    }
    if (!packages) return { items: [], messages: ['/var/lib/dpkg/status not found'] };
    const items: ItemData[] = [];
    for (const p of packages) {
      if (await entityMatches(name, p.name)) items.push(item(p.name, p));
      else if (name.entity.operation === 'equals' && p.provides.includes(name.value)) items.push(item(name.value, p));
    }
    return { items };
  },
};

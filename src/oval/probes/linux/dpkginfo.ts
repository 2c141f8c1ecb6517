/**
 * linux:dpkginfo_object: installed Debian packages, from the target's
 * /var/lib/dpkg/status (parsed once per evaluation). As in OpenSCAP (which
 * asks apt's cache for a package's current version):
 * - a package is installed unless its Status state (the third word) is
 *   `not-installed` or `config-files`: `hold ok installed`, `install ok
 *   unpacked` and `half-configured` count, `deinstall ok config-files`
 *   (removed, configuration kept) does not;
 * - the name is the package's own: a virtual name (`Provides:`) matches
 *   nothing, so `telnet` is absent when only `inetutils-telnet`, which
 *   provides it, is installed (OVAL 5.11.2: "the name of the package");
 * - epoch defaults to "0" and evr always carries it ("0:0.17-22"); version
 *   and release split at the first "-"; a version without a revision has an
 *   empty release.
 * Two differences, on purpose: oscap labels evr `evr_string` where the
 * schema says `debian_evr_string`, and oscap finds nothing for a name
 * that is not `equals` (it looks the name up in apt's cache); Vigil matches
 * every operation.
 * Offline, the root's own database is read.
 */
import { isNotFound, type Target } from '../../../target/target.js';
import { serviceKey } from '../../services.js';
import type { ItemData, Probe, ProbeResult } from '../../types.js';
import { entityMatches, field } from '../entity.js';

interface Package {
  readonly name: string;
  readonly arch: string;
  readonly evr: string;
}

/** dpkg states without a current version (apt's NotInstalled and ConfigFiles). */
const NOT_INSTALLED = new Set(['not-installed', 'config-files']);

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
    const state = (fields.get('Status') ?? '').split(/\s+/)[2];
    if (!name || state === undefined || NOT_INSTALLED.has(state)) continue;
    out.push({ name, arch: fields.get('Architecture') ?? '', evr: fields.get('Version') ?? '' });
  }
  return out;
}

function item(p: Package): ItemData {
  const colon = p.evr.indexOf(':');
  const epoch = colon >= 0 ? p.evr.slice(0, colon) : '0';
  const rest = colon >= 0 ? p.evr.slice(colon + 1) : p.evr;
  const dash = rest.indexOf('-');
  return {
    family: 'linux',
    type: 'dpkginfo_item',
    status: 'exists',
    entities: [
      field('name', p.name),
      field('arch', p.arch),
      field('epoch', epoch),
      field('release', dash >= 0 ? rest.slice(dash + 1) : ''),
      field('version', dash >= 0 ? rest.slice(0, dash) : rest),
      field('evr', colon >= 0 ? p.evr : `${epoch}:${p.evr}`, 'debian_evr_string'),
    ],
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
    for (const p of packages) if (await entityMatches(name, p.name)) items.push(item(p));
    return { items };
  },
};

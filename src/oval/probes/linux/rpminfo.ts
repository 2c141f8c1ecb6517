/**
 * linux:rpminfo_object: installed rpm packages, from the target's own rpm
 * database (sqlite or Berkeley DB, read natively: src/target/rpmdb), as
 * OpenSCAP 1.3.7 reports them:
 * - name, arch, epoch, release, version as rpm's `headerFormat` prints
 *   them (a missing EPOCH is "(none)"), evr as epoch:version-release with
 *   epoch 0 for none, signature_keyid (see packageKeyId), extended_name;
 * - with behaviors filepaths="true", every file path of the package; as
 *   OpenSCAP, the list comes twice over (its probe walks the file list once
 *   per BASENAMES and DIRNAMES).
 * A target without a database has no packages: nothing exists. A database
 * that cannot be read, or with headers that do not parse, is an error.
 */
import type { ItemData, Probe, ProbeResult } from '../../types.js';
import { behaviorFlag, entityMatches, field } from '../entity.js';
import { packageKeyId, rpmDatabase, type RpmPackage } from './rpm-packages.js';

function item(p: RpmPackage, filepaths: boolean): ItemData {
  const entities = [
    field('name', p.name),
    field('arch', p.arch),
    field('epoch', p.epoch),
    field('release', p.release),
    field('version', p.version),
    field('evr', p.evr, 'evr_string'),
    field('signature_keyid', packageKeyId(p.header)),
    field('extended_name', p.extendedName),
  ];
  if (filepaths) {
    const paths = p.files().map((f) => f.path);
    for (const round of [paths, paths]) for (const path of round) entities.push(field('filepath', path));
  }
  return { family: 'linux', type: 'rpminfo_item', status: 'exists', entities };
}

export const rpminfoProbe: Probe = {
  family: 'linux',
  objectType: 'rpminfo_object',
  needs: [],
  description: "installed rpm packages from the target's rpm database (sqlite, Berkeley DB); offline, the root's own database",
  async collect(req, ctx): Promise<ProbeResult> {
    const name = req.entities.get('name');
    if (!name) return { flag: 'error', items: [], messages: ['rpminfo_object needs name'] };
    const db = await rpmDatabase(ctx);
    if (db === undefined) return { items: [] };
    const errorItem = (message: string): ProbeResult => ({
      flag: 'error',
      items: [{ family: 'linux', type: 'rpminfo_item', status: 'error', entities: [field('name', name.value)] }],
      messages: [message],
    });
    if (db instanceof Error) return errorItem(`cannot read the rpm database: ${db.message}`);
    const filepaths = behaviorFlag(req, 'filepaths', false);
    const items: ItemData[] = [];
    try {
      for (const p of db.packages) if (await entityMatches(name, p.name)) items.push(item(p, filepaths));
    } catch (e) {
      return errorItem(e instanceof Error ? e.message : String(e));
    }
    if (db.bad.length > 0) {
      // a package whose header does not parse might be the one asked for: never report it absent
      return { flag: 'error', items, messages: [`the rpm database ${db.location.dir}/${db.location.file} has ${db.bad.length} unreadable header(s): ${db.bad.slice(0, 3).join('; ')}`] };
    }
    return { items };
  },
};

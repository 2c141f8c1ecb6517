/**
 * linux:rpmverifypackage_object: `rpm -V --nofiles` per installed package,
 * from the target's own rpm database, with OpenSCAP 1.3.7's items.
 *
 * Selection: packages whose name, epoch ("(none)" when the header has
 * none), version, release and arch satisfy the object's entities (with
 * OpenSCAP's pre-filter: see packageMatches).
 *
 * Items, as OpenSCAP's: name, epoch, version, release, arch,
 * extended_name, then dependency_check_passed (left out with the nodeps
 * behavior) and verification_script_successful (left out with noscripts).
 * OpenSCAP's probe knows only these two behaviors and computes neither
 * digest_check_passed nor signature_check_passed (the nodigest and
 * nosignature behaviors change nothing); neither does this probe.
 *
 * - dependency_check_passed: rpm's dependency check of the installed
 *   package (rpm-deps.ts), computed from the database alone, so the same
 *   on a live host and an offline root. (OpenSCAP 1.3.7 runs rpm's check
 *   on a live host only: on an offline root, OSCAP_PROBE_ROOT, it skips
 *   the verification and reports true for every package;
 *   docs/CONFORMANCE.md, "rpmverifypackage".)
 * - verification_script_successful: true for a package without a
 *   %verifyscript (rpm has nothing to run). A package's %verifyscript is
 *   code from the package; Vigil does not run it, so the entity is "not
 *   collected" (a state on it evaluates to unknown, never a guess).
 *
 * A database that cannot be read, or with headers that do not parse, is
 * an error, as for rpminfo.
 */
import { RPMTAG } from '../../../target/rpmdb/index.js';
import type { ItemData, ItemEntity, Probe, ProbeResult, ResolvedEntity } from '../../types.js';
import { behaviorFlag, entityMatches, field } from '../entity.js';
import { RpmDependencies } from './rpm-deps.js';
import { rpmDatabase, type RpmDatabaseView, type RpmPackage } from './rpm-packages.js';

const graphs = new WeakMap<RpmDatabaseView, RpmDependencies>();

/** The database's dependency graph, built once per scan (the database view is per scan). */
export function rpmDependencies(db: RpmDatabaseView): RpmDependencies {
  let g = graphs.get(db);
  if (!g) graphs.set(db, (g = new RpmDependencies(db)));
  return g;
}

/**
 * Whether a package is selected. As OpenSCAP, which first narrows rpm's
 * iterator with each `equals` or `pattern match` entity (rpm's mireSkip)
 * and then compares the values: a header without the tag (a gpg-pubkey's
 * ARCH) is never selected by such an entity; a missing EPOCH is "0" to the
 * iterator's pattern and "(none)" to the comparison.
 */
async function packageMatches(req: ReadonlyMap<string, ResolvedEntity>, p: RpmPackage): Promise<boolean> {
  for (const [name, value, tag] of [
    ['name', p.name, RPMTAG.NAME],
    ['epoch', p.epoch, RPMTAG.EPOCH],
    ['version', p.version, RPMTAG.VERSION],
    ['release', p.release, RPMTAG.RELEASE],
    ['arch', p.arch, RPMTAG.ARCH],
  ] as const) {
    const e = req.get(name);
    if (!e) continue;
    const op = e.entity.operation;
    if ((op === 'equals' || op === 'pattern match') && !p.header.has(tag)) {
      if (tag !== RPMTAG.EPOCH) return false;
      if (op === 'pattern match' && !(await entityMatches(e, '0'))) return false;
    }
    if (!(await entityMatches(e, value))) return false;
  }
  return true;
}

function item(p: RpmPackage, deps: boolean | undefined, scripts: boolean): ItemData {
  const entities: ItemEntity[] = [
    field('name', p.name),
    field('epoch', p.epoch),
    field('version', p.version),
    field('release', p.release),
    field('arch', p.arch),
    field('extended_name', p.extendedName),
  ];
  if (deps !== undefined) entities.push(field('dependency_check_passed', deps ? 'true' : 'false', 'boolean'));
  if (scripts) {
    entities.push(
      p.header.has(RPMTAG.VERIFYSCRIPT)
        ? { name: 'verification_script_successful', value: '', datatype: 'boolean', status: 'not collected' }
        : field('verification_script_successful', 'true', 'boolean'),
    );
  }
  return { family: 'linux', type: 'rpmverifypackage_item', status: 'exists', entities };
}

export const rpmverifypackageProbe: Probe = {
  family: 'linux',
  objectType: 'rpmverifypackage_object',
  needs: [],
  description: "rpm -V --nofiles per installed package (dependencies; %verifyscript not run), against the target's rpm database; offline, the root's own database",
  async collect(req, ctx): Promise<ProbeResult> {
    if (!req.entities.get('name')) return { flag: 'error', items: [], messages: ['rpmverifypackage_object needs name'] };
    const db = await rpmDatabase(ctx);
    if (db === undefined) return { items: [] };
    if (db instanceof Error) return { flag: 'error', items: [], messages: [`cannot read the rpm database: ${db.message}`] };
    const checkDeps = !behaviorFlag(req, 'nodeps', false);
    const scripts = !behaviorFlag(req, 'noscripts', false);
    const items: ItemData[] = [];
    try {
      const graph = checkDeps ? rpmDependencies(db) : undefined;
      for (const p of db.packages) {
        if (!(await packageMatches(req.entities, p))) continue;
        const it = item(p, graph ? graph.problems(p).length === 0 : undefined, scripts);
        const keep = ctx.keep(it);
        if (keep instanceof Promise ? await keep : keep) items.push(it);
      }
    } catch (e) {
      return { flag: 'error', items: [], messages: [e instanceof Error ? e.message : String(e)] };
    }
    if (db.bad.length > 0) {
      return { flag: 'error', items, messages: [`the rpm database ${db.location.dir}/${db.location.file} has ${db.bad.length} unreadable header(s): ${db.bad.slice(0, 3).join('; ')}`] };
    }
    return { items };
  },
};

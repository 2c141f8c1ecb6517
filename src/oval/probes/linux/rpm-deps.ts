/**
 * `rpm -V --nofiles --noscripts`'s dependency check of one installed
 * package, natively, over the target's rpm database: librpm 4.18's
 * verifyDependencies, which adds the installed header to an empty
 * transaction as an install element and runs rpmtsCheck (lib/depends.c).
 * A package fails when any of these holds:
 *
 * 1. one of its Requires is unsatisfied: not an rpmlib() feature rpm
 *    provides, not provided by the package itself (its provides and files)
 *    nor by an installed package (a provide of the same name whose range
 *    overlaps, or, for a path, an installed file); requirements only for
 *    installing (Requires(pre), (post), pretrans...) are not looked at, as
 *    rpm does for an installed package; missingok ones never fail;
 * 2. one of its Conflicts is satisfied by another installed package;
 * 3. one of its Obsoletes names another installed package (in range);
 * 4. another installed package's Conflicts match one of its provides;
 * 5. an installed package's rich Requires names one of its provides as a
 *    condition (`(A if P)`) and is unsatisfied (rpm charges that to P);
 * 6. another installed package's Obsoletes match its name and version.
 *
 * Rich dependencies (`(A and B)`, or, if, unless, else, with, without) are
 * evaluated as rpm does, `with`/`without` on one package. Not modelled:
 * conflicts and negated requires on file paths held by other installed
 * packages (rpm's checkInstFileDeps) and file colours (multilib); see
 * docs/CONFORMANCE.md, "rpmverifypackage".
 */
import { RPMFILE_STATE, RPMTAG, type RpmHeader } from '../../../target/rpmdb/index.js';
import { rpmVercmp } from '../../evr/compare.js';
import type { RpmDatabaseView, RpmPackage } from './rpm-packages.js';

export const RPMSENSE = {
  LESS: 1 << 1,
  GREATER: 1 << 2,
  EQUAL: 1 << 3,
  POSTTRANS: 1 << 5,
  PREREQ: 1 << 6,
  PRETRANS: 1 << 7,
  SCRIPT_PRE: 1 << 9,
  SCRIPT_POST: 1 << 10,
  SCRIPT_PREUN: 1 << 11,
  SCRIPT_POSTUN: 1 << 12,
  MISSINGOK: 1 << 19,
  RPMLIB: 1 << 24,
  KEYRING: 1 << 26,
  META: 1 << 29,
} as const;
const SENSEMASK = 15;

const INSTALL_ONLY = (RPMSENSE.SCRIPT_PRE | RPMSENSE.SCRIPT_POST | RPMSENSE.RPMLIB | RPMSENSE.KEYRING | RPMSENSE.PRETRANS | RPMSENSE.POSTTRANS) & ~RPMSENSE.PREREQ;
const ERASE_ONLY = (RPMSENSE.SCRIPT_PREUN | RPMSENSE.SCRIPT_POSTUN) & ~RPMSENSE.PREREQ;
/** rpm's isTransientReq: needed while installing only, not looked at for an installed package. */
const isTransient = (f: number): boolean => (f & INSTALL_ONLY) !== 0 && (f & ERASE_ONLY) === 0 && (f & RPMSENSE.META) === 0;

/** The rpmlib() features librpm 4.18 provides (lib/rpmds.c, rpmlibProvides). */
const RPMLIB_PROVIDES: ReadonlyMap<string, string> = new Map([
  ['rpmlib(VersionedDependencies)', '3.0.3-1'],
  ['rpmlib(CompressedFileNames)', '3.0.4-1'],
  ['rpmlib(PayloadIsBzip2)', '3.0.5-1'],
  ['rpmlib(PayloadIsXz)', '5.2-1'],
  ['rpmlib(PayloadIsLzma)', '4.4.2-1'],
  ['rpmlib(PayloadFilesHavePrefix)', '4.0-1'],
  ['rpmlib(ExplicitPackageProvide)', '4.0-1'],
  ['rpmlib(HeaderLoadSortsTags)', '4.0.1-1'],
  ['rpmlib(ScriptletInterpreterArgs)', '4.0.3-1'],
  ['rpmlib(PartialHardlinkSets)', '4.0.4-1'],
  ['rpmlib(ConcurrentAccess)', '4.1-1'],
  ['rpmlib(BuiltinLuaScripts)', '4.2.2-1'],
  ['rpmlib(FileDigests)', '4.6.0-1'],
  ['rpmlib(FileCaps)', '4.6.1-1'],
  ['rpmlib(ScriptletExpansion)', '4.9.0-1'],
  ['rpmlib(TildeInVersions)', '4.10.0-1'],
  ['rpmlib(CaretInVersions)', '4.15.0-1'],
  ['rpmlib(LargeFiles)', '4.12.0-1'],
  ['rpmlib(RichDependencies)', '4.12.0-1'],
  ['rpmlib(DynamicBuildRequires)', '4.15.0-1'],
  ['rpmlib(PayloadIsZstd)', '5.4.18-1'],
]);

/** One dependency: name, RPMSENSE flags, EVR ('' for none). */
export interface Dep {
  readonly name: string;
  readonly flags: number;
  readonly evr: string;
}

function deps(h: RpmHeader, names: number, flags: number, versions: number): Dep[] {
  const n = h.strings(names) ?? [];
  const f = h.numbers(flags) ?? [];
  const v = h.strings(versions) ?? [];
  if ((f.length && f.length !== n.length) || (v.length && v.length !== n.length)) throw new Error(`dependency tag ${names}: ${n.length} names, ${f.length} flags, ${v.length} versions`);
  return n.map((name, i) => ({ name, flags: f[i] ?? 0, evr: v[i] ?? '' }));
}

// ------------------------------------------------------------------ ranges

function parseEvr(evr: string): { e: string | undefined; v: string; r: string | undefined } {
  // rpm's parseEVR: leading digits and ':' are the epoch, the last '-' after them ends the version
  let s = 0;
  while (s < evr.length && evr.charCodeAt(s) >= 48 && evr.charCodeAt(s) <= 57) s++;
  const hasEpoch = evr[s] === ':';
  const e = hasEpoch ? evr.slice(0, s) || '0' : undefined;
  const vstart = hasEpoch ? s + 1 : 0;
  const dash = evr.lastIndexOf('-');
  if (dash >= vstart) return { e, v: evr.slice(vstart, dash), r: evr.slice(dash + 1) };
  return { e, v: evr.slice(vstart), r: undefined };
}

/** librpm's rpmdsCompare of two dependencies of the same name (rpmverOverlap, no epoch promotion). */
export function rangesOverlap(a: Dep, b: Dep): boolean {
  if (!(a.flags & SENSEMASK) || !(b.flags & SENSEMASK)) return true;
  if (!a.evr || !b.evr) return true;
  const v1 = parseEvr(a.evr);
  const v2 = parseEvr(b.evr);
  const f1 = a.flags;
  const f2 = b.flags;
  let sense = 0;
  if (v1.e && v2.e) sense = rpmVercmp(v1.e, v2.e);
  else if (v1.e && Number.parseInt(v1.e, 10) > 0) sense = 1;
  else if (v2.e && Number.parseInt(v2.e, 10) > 0) sense = -1;
  if (sense === 0) {
    sense = rpmVercmp(v1.v, v2.v);
    if (sense === 0) {
      if (v1.r && v2.r) sense = rpmVercmp(v1.r, v2.r);
      else if ((v1.r && f2 & RPMSENSE.EQUAL) || (v2.r && f1 & RPMSENSE.EQUAL)) return true;
    }
  }
  if (sense < 0) return (f1 & RPMSENSE.GREATER) !== 0 || (f2 & RPMSENSE.LESS) !== 0;
  if (sense > 0) return (f1 & RPMSENSE.LESS) !== 0 || (f2 & RPMSENSE.GREATER) !== 0;
  return (f1 & f2 & (RPMSENSE.EQUAL | RPMSENSE.LESS | RPMSENSE.GREATER)) !== 0;
}

// ------------------------------------------------------------------ rich dependencies

type RichOp = 'and' | 'or' | 'if' | 'unless' | 'else' | 'with' | 'without';
type Rich = { readonly dep: Dep } | { readonly op: RichOp; readonly a: Rich; readonly b: Rich };
const OPS: ReadonlySet<string> = new Set(['and', 'or', 'if', 'unless', 'else', 'with', 'without']);

/** rpm's rich dependency grammar (rpmrichParse), or an Error for what rpm would not parse. */
export function parseRich(text: string): Rich | Error {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const word = (): string => {
    const s = i;
    let depth = 0;
    while (i < text.length && !/\s/.test(text[i]!) && !(depth === 0 && text[i] === ')')) {
      if (text[i] === '(') depth++;
      if (text[i] === ')') depth--;
      i++;
    }
    return text.slice(s, i);
  };
  const term = (): Rich => {
    ws();
    if (text[i] === '(') return group();
    const name = word();
    if (!name) throw new Error('missing dependency name');
    ws();
    const cmp = /^(<=|>=|==|=|<|>)/.exec(text.slice(i))?.[1];
    if (!cmp) return { dep: { name, flags: 0, evr: '' } };
    i += cmp.length;
    ws();
    const evr = word();
    if (!evr) throw new Error(`missing version after ${cmp}`);
    const flags = (cmp.includes('<') ? RPMSENSE.LESS : 0) | (cmp.includes('>') ? RPMSENSE.GREATER : 0) | (cmp.includes('=') ? RPMSENSE.EQUAL : 0);
    return { dep: { name, flags, evr } };
  };
  let depth = 0;
  let count = 0;
  const group = (): Rich => {
    // rpm sets no bound; a hostile header could nest or chain without end
    if (++depth > 64) throw new Error('nested more than 64 deep');
    i++; // '('
    const first = term();
    const terms: Rich[] = [first];
    const ops: RichOp[] = [];
    for (;;) {
      ws();
      if (text[i] === ')') {
        i++;
        break;
      }
      if (i >= text.length) throw new Error('missing )');
      const op = word();
      if (!OPS.has(op)) throw new Error(`unknown operator ${JSON.stringify(op)}`);
      ops.push(op as RichOp);
      if (++count > 4096) throw new Error('more than 4096 operators');
      terms.push(term());
    }
    depth--;
    if (ops.length === 0) return first;
    // and/or/with chains of one operator; if/unless with an optional else
    if (ops[0] === 'if' || ops[0] === 'unless') {
      if (ops.length === 1) return { op: ops[0], a: terms[0]!, b: terms[1]! };
      if (ops.length === 2 && ops[1] === 'else') return { op: ops[0], a: terms[0]!, b: { op: 'else', a: terms[1]!, b: terms[2]! } };
      throw new Error(`cannot chain ${ops.join(', ')}`);
    }
    if (ops.some((o) => o !== ops[0]) || ops[0] === 'else') throw new Error(`cannot chain ${ops.join(', ')}`);
    let node = terms[terms.length - 1]!;
    for (let k = terms.length - 2; k >= 0; k--) node = { op: ops[0]!, a: terms[k]!, b: node };
    return node;
  };
  try {
    ws();
    if (text[i] !== '(') throw new Error('not a rich dependency');
    const r = group();
    ws();
    if (i !== text.length) throw new Error('text after the closing )');
    return r;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** The names a rich dependency indexes (rpm's updateRichDep): conditions of if/unless negated ('!'), the others not. */
function richNames(r: Rich, neg: boolean, out: { pos: Set<string>; neg: Set<string> }): void {
  if ('dep' in r) {
    if (!r.dep.name.startsWith('rpmlib(')) (neg ? out.neg : out.pos).add(r.dep.name);
    return;
  }
  if (r.op === 'if' || r.op === 'unless') {
    richNames(r.a, neg, out);
    if ('op' in r.b && r.b.op === 'else') {
      richNames(r.b.a, !neg, out);
      richNames(r.b.a, neg, out);
      richNames(r.b.b, neg, out);
    } else richNames(r.b, !neg, out);
    return;
  }
  richNames(r.a, neg, out);
  richNames(r.b, neg, out);
}

const namesOf = (r: Rich): { pos: Set<string>; neg: Set<string> } => {
  const out = { pos: new Set<string>(), neg: new Set<string>() };
  richNames(r, false, out);
  return out;
};

// ------------------------------------------------------------------ the check

type Kind = 'requires' | 'conflicts' | 'obsoletes';

interface PkgDeps {
  readonly pkg: RpmPackage;
  readonly provides: readonly Dep[];
  readonly requires: readonly Dep[];
  readonly conflicts: readonly Dep[];
  readonly obsoletes: readonly Dep[];
  /** The package as its own NAME dependency (name = [epoch:]version-release). */
  readonly self: Dep;
}

interface IndexEntry {
  readonly q: PkgDeps;
  readonly dep: Dep;
  readonly rich: boolean;
}

interface ReverseIndex {
  readonly conflicts: Map<string, IndexEntry[]>;
  readonly obsoletes: Map<string, IndexEntry[]>;
  readonly negated: Map<string, IndexEntry[]>;
}

/** The dependency graph of a database, built once per scan and shared by the objects. */
export class RpmDependencies {
  private readonly all: PkgDeps[];
  private readonly byPkg = new Map<RpmPackage, PkgDeps>();
  private readonly providers = new Map<string, Array<{ p: PkgDeps; dep: Dep }>>();
  private readonly byName = new Map<string, PkgDeps[]>();
  private installedFiles: Map<string, PkgDeps[]> | undefined;
  private readonly ownFiles = new Map<PkgDeps, Set<string>>();
  private readonly rich = new Map<string, Rich | Error>();

  constructor(private readonly db: RpmDatabaseView) {
    this.all = db.packages.map((pkg) => {
      const h = pkg.header;
      const epoch = h.numbers(RPMTAG.EPOCH)?.[0];
      const d: PkgDeps = {
        pkg,
        provides: deps(h, RPMTAG.PROVIDENAME, RPMTAG.PROVIDEFLAGS, RPMTAG.PROVIDEVERSION),
        requires: deps(h, RPMTAG.REQUIRENAME, RPMTAG.REQUIREFLAGS, RPMTAG.REQUIREVERSION),
        conflicts: deps(h, RPMTAG.CONFLICTNAME, RPMTAG.CONFLICTFLAGS, RPMTAG.CONFLICTVERSION),
        obsoletes: deps(h, RPMTAG.OBSOLETENAME, RPMTAG.OBSOLETEFLAGS, RPMTAG.OBSOLETEVERSION),
        self: { name: pkg.name, flags: RPMSENSE.EQUAL, evr: `${epoch !== undefined ? `${epoch}:` : ''}${pkg.version}-${pkg.release}` },
      };
      this.byPkg.set(pkg, d);
      for (const dep of d.provides) {
        const at = this.providers.get(dep.name);
        if (at) at.push({ p: d, dep });
        else this.providers.set(dep.name, [{ p: d, dep }]);
      }
      const n = this.byName.get(pkg.name);
      if (n) n.push(d);
      else this.byName.set(pkg.name, [d]);
      return d;
    });
  }

  private reverseIndex: ReverseIndex | undefined;

  /** The installed packages' conflicts, obsoletes and conditional rich requires by the name they look for (rpm's index databases). */
  private reverse(): ReverseIndex {
    if (this.reverseIndex) return this.reverseIndex;
    const idx: ReverseIndex = { conflicts: new Map(), obsoletes: new Map(), negated: new Map() };
    const add = (m: Map<string, IndexEntry[]>, name: string, e: IndexEntry): void => {
      const at = m.get(name);
      if (at) at.push(e);
      else m.set(name, [e]);
    };
    for (const q of this.all) {
      for (const c of q.conflicts) {
        if (!c.name.startsWith('(')) add(idx.conflicts, c.name, { q, dep: c, rich: false });
        else {
          const r = this.richOf(c.name);
          if (!(r instanceof Error)) for (const n of namesOf(r).pos) add(idx.conflicts, n, { q, dep: c, rich: true });
        }
      }
      for (const o of q.obsoletes) add(idx.obsoletes, o.name, { q, dep: o, rich: false });
      for (const dep of q.requires) {
        if (!dep.name.startsWith('(')) continue;
        const r = this.richOf(dep.name);
        if (!(r instanceof Error)) for (const n of namesOf(r).neg) add(idx.negated, n, { q, dep, rich: true });
      }
    }
    return (this.reverseIndex = idx);
  }

  private richOf(text: string): Rich | Error {
    let r = this.rich.get(text);
    if (r === undefined) this.rich.set(text, (r = parseRich(text)));
    return r;
  }

  private files(p: PkgDeps): Set<string> {
    let s = this.ownFiles.get(p);
    if (!s) this.ownFiles.set(p, (s = new Set(p.pkg.files().map((f) => f.path))));
    return s;
  }

  /** Installed files by path: replaced, not installed and wrong-colour files satisfy nothing (rpm's RPMDBI_INSTFILENAMES). */
  private installed(path: string): readonly PkgDeps[] {
    if (!this.installedFiles) {
      const m = new Map<string, PkgDeps[]>();
      for (const [path, at] of this.db.byPath()) {
        const ps = at.filter((x) => x.file.state === undefined || x.file.state === RPMFILE_STATE.NORMAL || x.file.state === RPMFILE_STATE.NETSHARED).map((x) => this.byPkg.get(x.pkg)!);
        if (ps.length) m.set(path, ps);
      }
      this.installedFiles = m;
    }
    return this.installedFiles.get(path) ?? [];
  }

  /**
   * rpm's unsatisfiedDepend for a dependency of `owner` (an installed
   * package), with `added` (the package being verified) in the
   * transaction: true when nothing satisfies it.
   */
  private unsatisfied(dep: Dep, kind: Kind, owner: PkgDeps, added: PkgDeps): boolean {
    const f = dep.flags;
    if (f & RPMSENSE.RPMLIB) {
      const have = RPMLIB_PROVIDES.get(dep.name);
      if (have !== undefined && rangesOverlap({ name: dep.name, flags: RPMSENSE.EQUAL, evr: have }, dep)) return false;
      return !(f & RPMSENSE.MISSINGOK);
    }
    if (kind === 'requires' && isTransient(f)) return false;
    if (dep.name.startsWith('(')) {
      const r = this.richOf(dep.name);
      // a rich dependency rpm cannot parse: ignored for an installed package
      if (r instanceof Error) return kind !== 'requires';
      return !this.richSatisfied(r, kind, owner, added);
    }
    if (this.satisfiedSimple(dep, kind, owner, added)) return false;
    return !(f & RPMSENSE.MISSINGOK);
  }

  private richSatisfied(r: Rich, kind: Kind, owner: PkgDeps, added: PkgDeps): boolean {
    if ('dep' in r) return !this.unsatisfied(r.dep, kind, owner, added);
    switch (r.op) {
      case 'and':
        return this.richSatisfied(r.a, kind, owner, added) && this.richSatisfied(r.b, kind, owner, added);
      case 'or':
        return this.richSatisfied(r.a, kind, owner, added) || this.richSatisfied(r.b, kind, owner, added);
      case 'if':
      case 'unless': {
        const hasElse = 'op' in r.b && r.b.op === 'else';
        const cond = hasElse ? (r.b as { a: Rich }).a : r.b;
        const b = this.richSatisfied(cond, kind, owner, added);
        const takeA = r.op === 'if' ? b : !b;
        if (takeA) return this.richSatisfied(r.a, kind, owner, added);
        if (hasElse) return this.richSatisfied((r.b as { b: Rich }).b, kind, owner, added);
        return r.op === 'if';
      }
      case 'with':
      case 'without': {
        // set mode: one package satisfies A and (with) or not (without) B
        const a = this.satisfiers(r.a, kind, owner, added);
        const b = this.satisfiers(r.b, kind, owner, added);
        return [...a].some((p) => (r.op === 'with' ? b.has(p) : !b.has(p)));
      }
      default:
        return false;
    }
  }

  /** The packages that satisfy a simple dependency or a with/without/and/or of them (for rpm's set mode). */
  private satisfiers(r: Rich, kind: Kind, owner: PkgDeps, added: PkgDeps): Set<PkgDeps> {
    if ('dep' in r) return new Set(this.candidates(r.dep, kind, owner, added));
    const a = this.satisfiers(r.a, kind, owner, added);
    const b = this.satisfiers(r.b, kind, owner, added);
    if (r.op === 'or') return new Set([...a, ...b]);
    if (r.op === 'without') return new Set([...a].filter((p) => !b.has(p)));
    return new Set([...a].filter((p) => b.has(p)));
  }

  private candidates(dep: Dep, kind: Kind, owner: PkgDeps, added: PkgDeps): PkgDeps[] {
    const out: PkgDeps[] = [];
    const selfExcluded = kind !== 'requires';
    // the transaction's added package (rpmalAllSatisfiesDepend): its files, then its provides; obsoletes by its name
    if (!(dep.flags & RPMSENSE.PRETRANS) && !(selfExcluded && owner === added)) {
      if (kind === 'obsoletes') {
        if (dep.name === added.pkg.name && rangesOverlap(added.self, dep)) out.push(added);
      } else if ((dep.name.startsWith('/') && this.files(added).has(dep.name)) || added.provides.some((p) => p.name === dep.name && rangesOverlap(p, dep))) out.push(added);
    }
    // the database (rpmdbProvides): installed files for a path, then provides (obsoletes: names)
    const notSelf = (p: PkgDeps): boolean => !(selfExcluded && p === owner);
    if (kind !== 'obsoletes' && dep.name.startsWith('/')) {
      const ps = this.installed(dep.name).filter(notSelf);
      if (ps.length) return [...out, ...ps];
    }
    if (kind === 'obsoletes') {
      for (const p of this.byName.get(dep.name) ?? []) if (notSelf(p) && rangesOverlap(p.self, dep)) out.push(p);
    } else {
      for (const { p, dep: prov } of this.providers.get(dep.name) ?? []) if (notSelf(p) && rangesOverlap(prov, dep)) out.push(p);
    }
    return out;
  }

  private satisfiedSimple(dep: Dep, kind: Kind, owner: PkgDeps, added: PkgDeps): boolean {
    return this.candidates(dep, kind, owner, added).length > 0;
  }

  /** The problems rpm -V would report for this package's dependencies (empty: the check passes). */
  problems(pkg: RpmPackage): string[] {
    const p = this.byPkg.get(pkg);
    if (!p) throw new Error(`${pkg.extendedName} is not in the database`);
    const out: string[] = [];
    const show = (d: Dep): string => (d.evr ? `${d.name} ${d.flags & RPMSENSE.LESS ? '<' : ''}${d.flags & RPMSENSE.GREATER ? '>' : ''}${d.flags & RPMSENSE.EQUAL ? '=' : ''} ${d.evr}` : d.name);
    for (const d of p.requires) if (this.unsatisfied(d, 'requires', p, p)) out.push(`${show(d)} is needed`);
    for (const d of p.conflicts) if (!this.unsatisfied(d, 'conflicts', p, p)) out.push(`${show(d)} conflicts`);
    for (const d of p.obsoletes) if (!this.unsatisfied(d, 'obsoletes', p, p)) out.push(`${show(d)} is obsoleted`);
    const idx = this.reverse();
    const seen = new Set<Dep>();
    for (const pr of p.provides) {
      // other installed packages' conflicts matching what it provides
      for (const { q, dep: c, rich } of idx.conflicts.get(pr.name) ?? []) {
        if (q === p || seen.has(c) || !(rich || rangesOverlap(c, pr))) continue;
        seen.add(c);
        if (!this.unsatisfied(c, 'conflicts', q, p)) out.push(`${show(c)} conflicts with ${q.pkg.extendedName}`);
      }
      // rich requires (its own too) that use what it provides as a condition
      for (const { q, dep: r } of idx.negated.get(pr.name) ?? []) {
        if (seen.has(r)) continue;
        seen.add(r);
        if (this.unsatisfied(r, 'requires', q, p)) out.push(`${r.name} is needed by ${q.pkg.extendedName}`);
      }
    }
    // other installed packages' obsoletes matching its name and version
    for (const { q, dep: o } of idx.obsoletes.get(p.pkg.name) ?? []) {
      if (q !== p && rangesOverlap(o, p.self) && !this.unsatisfied(o, 'obsoletes', q, p)) out.push(`${show(o)} is obsoleted by ${q.pkg.extendedName}`);
    }
    return out;
  }
}


/**
 * CPE applicability of benchmarks, groups and rules, as OpenSCAP decides it
 * (xccdf_policy.c `xccdf_policy_model_item_is_applicable`):
 * - an item without platforms applies everywhere;
 * - otherwise it applies when any of its platforms does, and its parent applies;
 * - a platform is either a `#id` of the benchmark's CPE applicability
 *   language (`platform-specification`) or a CPE name looked up in the CPE
 *   dictionaries; a dictionary item applies when any of its checks is true;
 * - a CPE name matches a dictionary item when each of its components that is
 *   present equals the item's, case-insensitively.
 */
import { findPlatform, type CpeDictionary, type LogicalTest } from '../model/cpe/types.js';
import type { PlatformSpecification } from '../model/cpe/types.js';
import { unionReads, type ReadSet } from '../target/reads.js';
import type { PlatformCheck } from './check-engine.js';

/** What a platform's answer looked at: CPE checks, and CPE names (whose checks are kept per name). */
interface Deps {
  readonly checks: Array<readonly [string, string, string]>;
  readonly names: Set<string>;
}

export interface ApplicabilitySources {
  readonly platformSpecification: PlatformSpecification;
  readonly dictionaries: readonly CpeDictionary[];
}

const isCpeName = (s: string): boolean => /^cpe:\/[aho]?(:|$)/i.test(s) || /^cpe:2\.3:/i.test(s);

function components(name: string): string[] {
  if (/^cpe:2\.3:/i.test(name)) return name.slice('cpe:2.3:'.length).split(':').map((c) => (c === '*' ? '' : c));
  return name.slice('cpe:/'.length).split(':');
}

/** OpenSCAP's `cpe_name_match_one`: every component present in `platform` equals the item's. */
export function cpeNameMatches(platform: string, item: string): boolean {
  const p = components(platform);
  while (p.length > 0 && p[p.length - 1] === '') p.pop();
  const q = components(item);
  if (q.length < p.length) return false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c !== '' && c.toLowerCase() !== (q[i] ?? '').toLowerCase()) return false;
  }
  return true;
}

/** A CPE check a platform's answer depended on. */
type CheckRef = readonly [system: string, href: string, name: string];

export class Applicability {
  private readonly platformCache = new Map<string, Promise<boolean>>();
  private readonly nameCache = new Map<string, Promise<boolean>>();
  /** The CPE checks each platform and each CPE name evaluated, and the names a platform looked up: for `reads`. */
  private readonly platformChecks = new Map<string, { checks: CheckRef[]; names: Set<string> }>();
  private readonly nameChecks = new Map<string, CheckRef[]>();
  /** Platforms found applicable, in the order they were first found so. */
  readonly applicable: string[] = [];

  constructor(
    private readonly sources: ApplicabilitySources,
    private readonly check: PlatformCheck,
  ) {}

  /** Whether an item with these platforms applies (its parents are the caller's business). */
  async applies(platforms: readonly string[]): Promise<boolean> {
    if (platforms.length === 0) return true;
    let any = false;
    // Every platform is evaluated, as OpenSCAP does, so that the list of applicable platforms is complete.
    for (const p of platforms) if (await this.platform(p)) any = true;
    return any;
  }

  /**
   * What the answers for these platforms read of the target (through the
   * checking system's `platformReads`): the union over the CPE checks they
   * evaluated. Call it once they are decided.
   */
  reads(platforms: readonly string[]): ReadSet {
    const sets: ReadSet[] = [];
    const add = (c: CheckRef): void => {
      const r = this.check.platformReads?.(...c);
      if (r) sets.push(r);
    };
    for (const p of platforms) {
      const deps = this.platformChecks.get(p);
      if (!deps) continue;
      deps.checks.forEach(add);
      for (const n of deps.names) this.nameChecks.get(n)?.forEach(add);
    }
    return unionReads(sets);
  }

  private platform(p: string): Promise<boolean> {
    let hit = this.platformCache.get(p);
    if (!hit) {
      const deps = { checks: [] as CheckRef[], names: new Set<string>() };
      this.platformChecks.set(p, deps);
      hit = this.evaluatePlatform(p, deps).then((ok) => {
        if (ok && !this.applicable.includes(p)) this.applicable.push(p);
        return ok;
      });
      this.platformCache.set(p, hit);
    }
    return hit;
  }

  private async evaluatePlatform(p: string, deps: Deps): Promise<boolean> {
    // CPE2 platforms take precedence; `#` is optional, as in OpenSCAP.
    const spec = findPlatform(this.sources.platformSpecification, p);
    if (spec && (await this.logicalTest(spec.test, deps))) return true;
    if (isCpeName(p)) return this.cpeName(p, deps);
    return false;
  }

  private async logicalTest(t: LogicalTest, deps: Deps): Promise<boolean> {
    let r: boolean;
    if (t.operator === 'AND') {
      r = true;
      for (const c of t.children) {
        if (!(await this.term(c, deps))) {
          r = false;
          break;
        }
      }
    } else {
      r = false;
      for (const c of t.children) {
        if (await this.term(c, deps)) {
          r = true;
          break;
        }
      }
    }
    return t.negate ? !r : r;
  }

  private term(c: LogicalTest['children'][number], deps: Deps): Promise<boolean> {
    if (c.kind === 'logical-test') return this.logicalTest(c, deps);
    if (c.kind === 'fact-ref') return this.cpeName(c.name, deps);
    deps.checks.push([c.system, c.href, c.idRef]);
    return this.check.isTrue(c.system, c.href, c.idRef);
  }

  /** A CPE name applies when a matching dictionary item has a true check. */
  private cpeName(name: string, deps: Deps): Promise<boolean> {
    deps.names.add(name);
    let hit = this.nameCache.get(name);
    if (!hit) {
      const checks: CheckRef[] = [];
      this.nameChecks.set(name, checks);
      hit = (async () => {
        for (const d of this.sources.dictionaries) {
          for (const item of d.items) {
            if (!cpeNameMatches(name, item.name)) continue;
            for (const ch of item.checks) {
              checks.push([ch.system, ch.href, ch.id]);
              if (await this.check.isTrue(ch.system, ch.href, ch.id)) return true;
            }
          }
        }
        return false;
      })();
      this.nameCache.set(name, hit);
    }
    return hit;
  }
}

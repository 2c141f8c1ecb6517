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
import type { PlatformCheck } from './check-engine.js';

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

export class Applicability {
  private readonly platformCache = new Map<string, Promise<boolean>>();
  private readonly nameCache = new Map<string, Promise<boolean>>();
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

  private platform(p: string): Promise<boolean> {
    let hit = this.platformCache.get(p);
    if (!hit) {
      hit = this.evaluatePlatform(p).then((ok) => {
        if (ok && !this.applicable.includes(p)) this.applicable.push(p);
        return ok;
      });
      this.platformCache.set(p, hit);
    }
    return hit;
  }

  private async evaluatePlatform(p: string): Promise<boolean> {
    // CPE2 platforms take precedence; `#` is optional, as in OpenSCAP.
    const spec = findPlatform(this.sources.platformSpecification, p);
    if (spec && (await this.logicalTest(spec.test))) return true;
    if (isCpeName(p)) return this.cpeName(p);
    return false;
  }

  private async logicalTest(t: LogicalTest): Promise<boolean> {
    let r: boolean;
    if (t.operator === 'AND') {
      r = true;
      for (const c of t.children) {
        if (!(await this.term(c))) {
          r = false;
          break;
        }
      }
    } else {
      r = false;
      for (const c of t.children) {
        if (await this.term(c)) {
          r = true;
          break;
        }
      }
    }
    return t.negate ? !r : r;
  }

  private term(c: LogicalTest['children'][number]): Promise<boolean> {
    if (c.kind === 'logical-test') return this.logicalTest(c);
    if (c.kind === 'fact-ref') return this.cpeName(c.name);
    return this.check.isTrue(c.system, c.href, c.idRef);
  }

  /** A CPE name applies when a matching dictionary item has a true check. */
  private cpeName(name: string): Promise<boolean> {
    let hit = this.nameCache.get(name);
    if (!hit) {
      hit = (async () => {
        for (const d of this.sources.dictionaries) {
          for (const item of d.items) {
            if (!cpeNameMatches(name, item.name)) continue;
            for (const ch of item.checks) if (await this.check.isTrue(ch.system, ch.href, ch.id)) return true;
          }
        }
        return false;
      })();
      this.nameCache.set(name, hit);
    }
    return hit;
  }
}

/**
 * Whether the content applied to the target at all, from the report's
 * plain data: the benchmark's own platforms (its `<platform>` elements)
 * against the platforms the scan found applicable (the TestResult's
 * `<platform>` list), and the rules that were evaluated. A Debian 11 data
 * stream on Debian 12 evaluates every rule `notapplicable`: that checks
 * nothing, and no writer may present it as a pass.
 */
import type { ScanReport } from '../xccdf/result-types.js';

export interface Applicability {
  /** False when the benchmark names platforms and none applies, or when every evaluated rule was notapplicable. */
  readonly applies: boolean;
  /** The benchmark's platforms (CPE names or `#id`s), joined with ", "; "" when it names none. */
  readonly platform: string;
  /** What the target said it is: os-release NAME and VERSION, else its name. */
  readonly target: string;
  /** Why it does not apply, as a sentence; absent when it applies. */
  readonly reason?: string;
}

/** The target's identity in words, e.g. "Debian GNU/Linux 12 (bookworm)". */
export function targetIdentity(report: ScanReport): string {
  const s = report.system;
  const os = [s.osName, s.osVersion].filter((x) => x !== '' && x !== 'Unknown').join(' ');
  return os !== '' ? os : s.name;
}

export function applicability(report: ScanReport): Applicability {
  const own = report.benchmark.platforms;
  const found = new Set(report.testResult.platforms);
  const platform = own.join(', ');
  const target = targetIdentity(report);
  const evaluated = report.testResult.ruleResults.filter((r) => r.result !== 'notselected');
  if (own.length > 0 && !own.some((p) => found.has(p))) {
    return { applies: false, platform, target, reason: `the content is for ${platform}, and the target is ${target}: no rule could be checked` };
  }
  if (evaluated.length > 0 && evaluated.every((r) => r.result === 'notapplicable')) {
    return { applies: false, platform, target, reason: `all ${evaluated.length} rules are notapplicable to ${target}: nothing was checked` };
  }
  return { applies: true, platform, target };
}

/**
 * The closed loop's safety policy (issue 16, section 6): whether `vigil
 * watch` may remediate a rule that drifted to fail, now. Pure: no I/O, no
 * timers, the clock is handed in, so every rule of it is unit-tested on its
 * own (loop-policy.test.ts). The loop (daemon/loop.ts) asks `decide` and
 * reports back what each attempt did.
 *
 * - Opt-in: only rules named in the config (full id, the part after
 *   `_rule_`, or a glob on either) or of a severity it names.
 * - Windows: a `freeze` window forbids changes; with `only_in`, changes are
 *   made only while one of those windows is open.
 * - Flapping: a rule that drifts back to fail `count` times within `within`
 *   after each was fixed here means something fights the fix: the rule is
 *   not remediated for `hold`, and the first refusal is an alert.
 * - Circuit breaker per rule: after `failures` attempts in a row that did
 *   not end fixed and verified (rolled back, refused, failed, timed out),
 *   it opens; after `cooldown` it half-opens and lets one attempt through;
 *   a verified fix closes it, another failure opens it again.
 * - Rate limit, as mgmt's `limit`/`burst` metaparams: a token bucket of
 *   `burst` tokens refilled at `limit` per `per`; each attempt takes one.
 */
import { globToRegExp } from '../remediation/glob.js';
import type { PolicyState } from './types.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export type SkipReason = 'frozen' | 'window-closed' | 'flapping' | 'breaker-open' | 'rate-limited';

export type NotifyLevel = 'all' | 'problems' | 'none';

/** The `remediate:` section of the watch config. */
export interface RemediationConfig {
  /** Rule ids, short names (after `_rule_`) or globs on either. */
  readonly rules: readonly string[];
  /** Severities whose rules are all opted in. */
  readonly severities: readonly string[];
  readonly fixType: 'bash' | 'ansible';
  /** Token bucket: `limit` attempts per `perMs`, at most `burst` at once. */
  readonly rate: { readonly limit: number; readonly perMs: number; readonly burst: number };
  readonly breaker: { readonly failures: number; readonly cooldownMs: number };
  readonly flapping: { readonly count: number; readonly withinMs: number; readonly holdMs: number };
  /** Remediate only while one of these windows (of the config) is open; any time when empty. */
  readonly onlyIn: readonly string[];
  /** How long one attempt (rehearsal, apply, verification) may take. */
  readonly timeoutMs: number;
  /** The user the guards keep able to log in over SSH. */
  readonly operator: string;
  /** Consent to high-disruption and reboot-needing fixes (else they are refused). */
  readonly consent: boolean;
  /** Which remediation events go to the webhook: all, the problems (not applied; breaker, flapping), or none. */
  readonly notify: NotifyLevel;
}

export const DEFAULT_REMEDIATION: Omit<RemediationConfig, 'rules' | 'severities'> = {
  fixType: 'bash',
  rate: { limit: 6, perMs: 3_600_000, burst: 3 },
  breaker: { failures: 3, cooldownMs: 3_600_000 },
  flapping: { count: 3, withinMs: 3_600_000, holdMs: 86_400_000 },
  onlyIn: [],
  timeoutMs: 600_000,
  operator: 'root',
  consent: false,
  notify: 'problems',
};

export type Decision =
  | { readonly act: true; readonly breaker: BreakerState }
  | {
      readonly act: false;
      readonly reason: SkipReason;
      readonly message: string;
      readonly breaker: BreakerState;
      /** When asking again may give another answer (the loop re-checks then); undefined when only a window change can. */
      readonly retryAt?: number;
      /** The first refusal for this cause (flapping detected): worth an alert. */
      readonly alert?: boolean;
    };

interface RuleBook {
  failures: number;
  openedAt?: number;
  /** A half-open breaker's one trial is under way. */
  trial: boolean;
  /** The last verified fix made here, until the rule drifts back. */
  fixedAt?: number;
  redrifts: number[];
  flappingUntil?: number;
  flapAlerted: boolean;
}

const SHORT = /^xccdf_[^_]+(?:\.[^_]+)*_rule_/;

const showMs = (ms: number): string => (ms >= 3_600_000 ? `${+(ms / 3_600_000).toFixed(1)}h` : ms >= 60_000 ? `${+(ms / 60_000).toFixed(1)}m` : `${+(ms / 1000).toFixed(1)}s`);

export class LoopPolicy {
  private readonly book = new Map<string, RuleBook>();
  private readonly patterns: RegExp[];
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly config: RemediationConfig,
    private readonly now: () => number,
  ) {
    this.patterns = config.rules.map((r) => globToRegExp(r));
    this.tokens = config.rate.burst;
    this.refilledAt = now();
  }

  /** Whether the config opts this rule in. */
  optedIn(rule: string, severity: string): boolean {
    if (this.config.severities.includes(severity)) return true;
    const short = rule.replace(SHORT, '');
    return this.patterns.some((p) => p.test(rule) || p.test(short));
  }

  /**
   * The rule drifted to fail. A drift after a fix made here is a re-drift;
   * `count` of them within `within` start the hold (flapping).
   */
  drifted(rule: string): void {
    const b = this.entry(rule);
    if (b.fixedAt === undefined) return;
    const now = this.now();
    b.fixedAt = undefined;
    const { count, withinMs, holdMs } = this.config.flapping;
    b.redrifts = [...b.redrifts.filter((t) => now - t < withinMs), now];
    if (b.redrifts.length >= count) {
      b.flappingUntil = now + holdMs;
      b.flapAlerted = false;
      b.redrifts = [];
    }
  }

  /** May the rule be remediated now? A yes takes a token (and a half-open breaker's trial). */
  decide(rule: string, policy: PolicyState | undefined): Decision {
    const now = this.now();
    const b = this.entry(rule);
    const breaker = this.breakerOf(b, now);
    const no = (reason: SkipReason, message: string, more: { retryAt?: number; alert?: boolean } = {}): Decision => ({ act: false, reason, message, breaker, ...more });
    if (policy?.freeze) return no('frozen', `a freeze window is open (${policy.windows.join(', ')})`);
    const only = this.config.onlyIn;
    if (only.length > 0 && !policy?.windows.some((w) => only.includes(w))) return no('window-closed', `changes are made only in ${only.join(', ')}, none open now`);
    if (b.flappingUntil !== undefined && now < b.flappingUntil) {
      const alert = !b.flapAlerted;
      b.flapAlerted = true;
      const { count, withinMs } = this.config.flapping;
      return no('flapping', `drifted back to fail ${count} times within ${showMs(withinMs)} after being fixed: something fights the fix; not remediated until ${new Date(b.flappingUntil).toISOString()}`, { retryAt: b.flappingUntil, alert });
    }
    if (breaker === 'open') return no('breaker-open', `${b.failures} attempts in a row failed; the breaker half-opens at ${new Date(b.openedAt! + this.config.breaker.cooldownMs).toISOString()}`, { retryAt: b.openedAt! + this.config.breaker.cooldownMs });
    if (breaker === 'half-open' && b.trial) return no('breaker-open', 'the half-open breaker lets one attempt through, and it is under way');
    this.refill(now);
    if (this.tokens < 1) {
      const perToken = this.config.rate.perMs / this.config.rate.limit;
      return no('rate-limited', `${this.config.rate.limit} attempts per ${showMs(this.config.rate.perMs)} (burst ${this.config.rate.burst}) are used up`, { retryAt: now + Math.ceil((1 - this.tokens) * perToken) });
    }
    this.tokens -= 1;
    if (breaker === 'half-open') b.trial = true;
    return { act: true, breaker };
  }

  /**
   * What an attempt ended with: `fixed` only when the rule was fixed and
   * verified. Returns the breaker's state after it, and whether it opened now.
   */
  outcome(rule: string, fixed: boolean): { breaker: BreakerState; opened: boolean } {
    const now = this.now();
    const b = this.entry(rule);
    const was = this.breakerOf(b, now);
    b.trial = false;
    if (fixed) {
      b.failures = 0;
      b.openedAt = undefined;
      b.fixedAt = now;
      return { breaker: 'closed', opened: false };
    }
    b.failures++;
    if (was === 'half-open' || b.failures >= this.config.breaker.failures) {
      b.openedAt = now;
      return { breaker: 'open', opened: true };
    }
    return { breaker: this.breakerOf(b, now), opened: false };
  }

  /** An attempt that was allowed but not made (the loop could not run it): a half-open breaker's trial is free again. */
  abandon(rule: string): void {
    const b = this.book.get(rule);
    if (b) b.trial = false;
  }

  breaker(rule: string): BreakerState {
    const b = this.book.get(rule);
    return b ? this.breakerOf(b, this.now()) : 'closed';
  }

  /** Every rule the policy has seen, with its breaker's state and whether it is held for flapping. */
  rules(): Array<{ rule: string; breaker: BreakerState; flapping: boolean }> {
    const now = this.now();
    return [...this.book].map(([rule, b]) => ({ rule, breaker: this.breakerOf(b, now), flapping: b.flappingUntil !== undefined && now < b.flappingUntil }));
  }

  /** Tokens in the bucket now. */
  available(): number {
    this.refill(this.now());
    return this.tokens;
  }

  private refill(now: number): void {
    const { limit, perMs, burst } = this.config.rate;
    if (now > this.refilledAt) this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) * limit) / perMs);
    this.refilledAt = Math.max(this.refilledAt, now);
  }

  private breakerOf(b: RuleBook, now: number): BreakerState {
    if (b.openedAt === undefined) return 'closed';
    return now - b.openedAt >= this.config.breaker.cooldownMs ? 'half-open' : 'open';
  }

  private entry(rule: string): RuleBook {
    let b = this.book.get(rule);
    if (!b) this.book.set(rule, (b = { failures: 0, trial: false, redrifts: [], flapAlerted: false }));
    return b;
  }
}

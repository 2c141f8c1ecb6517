/**
 * The closed loop's policy on its own, with a hand-moved clock: opt-in by
 * id, short name, glob and severity; freeze and only-in windows; the token
 * bucket (burst, then the refill rate); the breaker per rule (opens after N
 * failures, half-opens after the cool-down with one trial, closes on a
 * verified fix, re-opens on a failed trial); flap detection and its hold.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_REMEDIATION, LoopPolicy, type Decision, type RemediationConfig } from './loop-policy.js';
import type { PolicyState } from './types.js';

const RULE = (s: string): string => `xccdf_org.ssgproject.content_rule_${s}`;
const OPEN: PolicyState = { windows: [], mute: false, freeze: false };

function policy(over: Partial<RemediationConfig> = {}): { p: LoopPolicy; clock: { t: number } } {
  const clock = { t: Date.parse('2026-03-06T10:00:00Z') };
  const cfg: RemediationConfig = { ...DEFAULT_REMEDIATION, rules: [], severities: [], ...over };
  return { p: new LoopPolicy(cfg, () => clock.t), clock };
}

const why = (d: Decision): string => (d.act ? 'act' : d.reason);

describe('the closed loop policy', () => {
  it('opts in rules by full id, short name, glob (on either) and severity, and nothing else', () => {
    const { p } = policy({ rules: [RULE('sshd_disable_root_login'), 'accounts_password_*', 'xccdf_org.ssgproject.content_rule_audit_*'], severities: ['high'] });
    assert.equal(p.optedIn(RULE('sshd_disable_root_login'), 'medium'), true);
    assert.equal(p.optedIn(RULE('accounts_password_pam_minlen'), 'low'), true);
    assert.equal(p.optedIn(RULE('audit_rules_time'), 'low'), true);
    assert.equal(p.optedIn(RULE('anything'), 'high'), true);
    assert.equal(p.optedIn(RULE('sshd_disable_empty_passwords'), 'medium'), false);
    assert.equal(p.optedIn(RULE('package_telnet_removed'), 'low'), false);
    const none = policy({ rules: ['sshd_*'] }).p;
    assert.equal(none.optedIn(RULE('accounts_tmout'), 'high'), false, 'a severity not named opts nothing in');
  });

  it('a freeze window forbids changes; with only_in, changes wait for one of those windows', () => {
    const { p } = policy({ rules: ['*'], onlyIn: ['maintenance'] });
    assert.equal(why(p.decide(RULE('a'), { windows: ['maintenance', 'fridays'], mute: false, freeze: true })), 'frozen');
    assert.equal(why(p.decide(RULE('a'), OPEN)), 'window-closed');
    assert.equal(why(p.decide(RULE('a'), undefined)), 'window-closed');
    assert.equal(why(p.decide(RULE('a'), { windows: ['night'], mute: false, freeze: false })), 'window-closed');
    assert.equal(why(p.decide(RULE('a'), { windows: ['maintenance'], mute: false, freeze: false })), 'act');
    const anyTime = policy({ rules: ['*'] }).p;
    assert.equal(why(anyTime.decide(RULE('a'), undefined)), 'act');
  });

  it('rate limit: a burst at once, then one per limit/per interval; refusals do not take tokens', () => {
    const { p, clock } = policy({ rules: ['*'], rate: { limit: 2, perMs: 60_000, burst: 3 } });
    const decide = (): string => why(p.decide(RULE(`r${clock.t}`), OPEN));
    assert.deepEqual([decide(), decide(), decide()], ['act', 'act', 'act']);
    const limited = p.decide(RULE('x'), OPEN);
    assert.equal(why(limited), 'rate-limited');
    assert.equal(!limited.act && limited.retryAt, clock.t + 30_000, 'one token every 30 s');
    assert.equal(why(p.decide(RULE('x'), OPEN)), 'rate-limited');
    clock.t += 29_999;
    assert.equal(decide(), 'rate-limited');
    clock.t += 1;
    assert.equal(decide(), 'act');
    assert.equal(decide(), 'rate-limited');
    clock.t += 3_600_000;
    assert.equal(Math.round(p.available()), 3, 'the bucket holds at most the burst');
    assert.deepEqual([decide(), decide(), decide(), decide()], ['act', 'act', 'act', 'rate-limited']);
  });

  it('breaker: opens after N failed attempts in a row, half-opens after the cool-down for one trial, closes on a verified fix', () => {
    const { p, clock } = policy({ rules: ['*'], breaker: { failures: 3, cooldownMs: 10_000 }, rate: { limit: 1000, perMs: 1000, burst: 1000 } });
    const r = RULE('flaky');
    for (let i = 0; i < 2; i++) {
      assert.equal(why(p.decide(r, OPEN)), 'act');
      assert.deepEqual(p.outcome(r, false), { breaker: 'closed', opened: false });
    }
    // a success in between starts the count again
    assert.equal(why(p.decide(r, OPEN)), 'act');
    assert.deepEqual(p.outcome(r, true), { breaker: 'closed', opened: false });
    for (let i = 0; i < 2; i++) {
      p.decide(r, OPEN);
      p.outcome(r, false);
    }
    p.decide(r, OPEN);
    assert.deepEqual(p.outcome(r, false), { breaker: 'open', opened: true });
    const d = p.decide(r, OPEN);
    assert.equal(why(d), 'breaker-open');
    assert.equal(!d.act && d.retryAt, clock.t + 10_000);
    assert.equal(why(p.decide(RULE('other'), OPEN)), 'act', 'the breaker is per rule');
    clock.t += 10_000;
    assert.equal(p.breaker(r), 'half-open');
    const trial = p.decide(r, OPEN);
    assert.deepEqual(trial, { act: true, breaker: 'half-open' });
    assert.equal(why(p.decide(r, OPEN)), 'breaker-open', 'one trial at a time');
    p.abandon(r);
    assert.deepEqual(p.decide(r, OPEN), { act: true, breaker: 'half-open' }, 'a trial not made is free again');
    assert.deepEqual(p.outcome(r, false), { breaker: 'open', opened: true }, 'a failed trial opens it again');
    clock.t += 9_999;
    assert.equal(p.breaker(r), 'open');
    clock.t += 1;
    assert.equal(why(p.decide(r, OPEN)), 'act');
    assert.deepEqual(p.outcome(r, true), { breaker: 'closed', opened: false });
    assert.deepEqual(p.rules().find((x) => x.rule === r), { rule: r, breaker: 'closed', flapping: false });
  });

  it('flapping: K drifts back to fail within T after fixes stop the rule for the hold, with one alert', () => {
    const { p, clock } = policy({ rules: ['*'], flapping: { count: 3, withinMs: 60_000, holdMs: 300_000 }, rate: { limit: 1000, perMs: 1000, burst: 1000 } });
    const r = RULE('fought');
    // a drift to fail that was not fixed here first is no re-drift
    p.drifted(r);
    p.drifted(r);
    assert.equal(why(p.decide(r, OPEN)), 'act');
    p.outcome(r, true);
    for (let i = 0; i < 2; i++) {
      clock.t += 5_000;
      p.drifted(r);
      assert.equal(why(p.decide(r, OPEN)), 'act');
      p.outcome(r, true);
    }
    clock.t += 5_000;
    p.drifted(r);
    const first = p.decide(r, OPEN);
    assert.equal(why(first), 'flapping');
    assert.equal(!first.act && first.alert, true);
    assert.equal(!first.act && first.retryAt, clock.t + 300_000);
    const again = p.decide(r, OPEN);
    assert.equal(!again.act && again.alert, false, 'alerted once');
    assert.equal(p.rules().find((x) => x.rule === r)?.flapping, true);
    clock.t += 300_000;
    assert.equal(why(p.decide(r, OPEN)), 'act', 'after the hold');
  });

  it('re-drifts spread wider than T are no flapping', () => {
    const { p, clock } = policy({ rules: ['*'], flapping: { count: 2, withinMs: 60_000, holdMs: 300_000 }, rate: { limit: 1000, perMs: 1000, burst: 1000 } });
    const r = RULE('slow');
    for (let i = 0; i < 5; i++) {
      assert.equal(why(p.decide(r, OPEN)), 'act', `attempt ${i}`);
      p.outcome(r, true);
      clock.t += 61_000;
      p.drifted(r);
    }
    assert.equal(why(p.decide(r, OPEN)), 'act');
  });
});

/**
 * The watch config: the example in contrib/ parses, errors name the key and
 * the line, durations are strict, alias bombs are refused; the policy over
 * time across DST changes and whatever the machine's TZ; secret files.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ConfigError,
  DEFAULT_WATCH_CONFIG,
  loadWatchConfig,
  nextPolicyChange,
  parseDuration,
  parseWatchConfig,
  policyAt,
  readSecretFile,
  type WatchConfig,
} from './config.js';
import { DEFAULT_REMEDIATION } from './loop-policy.js';

const EXAMPLE = new URL('../../contrib/watch-config.example.yaml', import.meta.url).pathname;
const at = (iso: string): Date => new Date(iso);

describe('the example config', () => {
  it('parses, with every key as written', () => {
    const c = loadWatchConfig(EXAMPLE);
    assert.equal(c.timezone, 'Europe/Berlin');
    assert.deepEqual(c.intervals, { kernelMs: 5000, processesMs: 30_000, systemdMs: 30_000, walksMs: 3_600_000, reconcileMs: 86_400_000, debounceMs: 50 });
    assert.deepEqual(c.retention, { maxEvents: 100_000, maxAgeDays: 90 });
    assert.deepEqual(c.webhook, { url: 'https://hooks.example.org/vigil', secretFile: '/etc/vigil/webhook.secret', timeoutMs: 10_000, maxAttempts: 8 });
    assert.deepEqual(c.attest, { everyMs: 86_400_000 });
    assert.deepEqual(c.remediate, {
      rules: ['sshd_disable_root_login', 'accounts_password_*'],
      severities: ['high'],
      fixType: 'bash',
      rate: { limit: 6, perMs: 3_600_000, burst: 3 },
      breaker: { failures: 3, cooldownMs: 3_600_000 },
      flapping: { count: 3, withinMs: 3_600_000, holdMs: 86_400_000 },
      onlyIn: ['night'],
      timeoutMs: 600_000,
      operator: 'admin',
      consent: false,
      notify: 'problems',
    });
    assert.deepEqual(
      c.windows.map((w) => [w.name, w.cron, w.durationMs, w.freeze, w.mute, w.profile, w.tailoringFile]),
      [
        ['read-only-fridays', '0 0 * * 5', 86_400_000, true, false, undefined, undefined],
        ['night', '0 22 * * *', 8 * 3_600_000, false, true, 'xccdf_org.ssgproject.content_profile_standard', '/etc/vigil/night-tailoring.xml'],
      ],
    );
  });

  it('gives the policy of its windows (Berlin is UTC+1 in December; 2026-12-04 is a Friday)', () => {
    const c = loadWatchConfig(EXAMPLE);
    assert.deepEqual(policyAt(c, at('2026-12-03T12:00:00Z')), { windows: [], mute: false, freeze: false });
    assert.deepEqual(policyAt(c, at('2026-12-04T12:00:00Z')), { windows: ['read-only-fridays'], mute: false, freeze: true });
    assert.deepEqual(policyAt(c, at('2026-12-04T22:00:00Z')), {
      windows: ['read-only-fridays', 'night'],
      profile: 'xccdf_org.ssgproject.content_profile_standard',
      tailoringFile: '/etc/vigil/night-tailoring.xml',
      mute: true,
      freeze: true,
    });
    assert.deepEqual(policyAt(c, at('2026-12-05T04:59:59.999Z')).windows, ['night']);
    assert.deepEqual(policyAt(c, at('2026-12-05T05:00:00Z')).windows, []);
    const changes: string[] = [];
    for (let d: Date | undefined = at('2026-12-04T12:00:00Z'); changes.length < 4 && d; ) {
      d = nextPolicyChange(c, d);
      if (d) changes.push(d.toISOString());
    }
    assert.deepEqual(changes, ['2026-12-04T21:00:00.000Z', '2026-12-04T23:00:00.000Z', '2026-12-05T05:00:00.000Z', '2026-12-05T21:00:00.000Z']);
  });
});

describe('parseWatchConfig', () => {
  it('gives the defaults for an empty file', () => {
    assert.deepEqual(parseWatchConfig('', 'w.yaml'), { ...DEFAULT_WATCH_CONFIG, file: 'w.yaml' });
    assert.deepEqual(parseWatchConfig('# nothing\n', 'w.yaml').intervals, DEFAULT_WATCH_CONFIG.intervals);
    assert.equal(parseWatchConfig('intervals: { kernel: 2s }', 'w.yaml').intervals.reconcileMs, 86_400_000);
  });

  it('reads a remediate section with only rules, the rest defaulted; no section, no loop', () => {
    const c = parseWatchConfig('remediate:\n  rules: sshd_*\n  breaker: { cooldown: 5s }\n', 'w.yaml');
    assert.deepEqual(c.remediate, { ...DEFAULT_REMEDIATION, rules: ['sshd_*'], severities: [], breaker: { failures: 3, cooldownMs: 5000 } });
    assert.equal(parseWatchConfig('timezone: UTC\n', 'w.yaml').remediate, undefined);
  });

  const errors: [string, string, RegExp, number | undefined][] = [
    ['remediate without rules or severities', 'remediate:\n  fix_type: bash\n', /remediate needs rules or severities: without them nothing is remediated/, 2],
    ['remediate unknown key', 'remediate:\n  rules: [a]\n  rate_limit: 5\n', /^w\.yaml:3: unknown key "rate_limit" in remediate/, 3],
    ['remediate bad severity', 'remediate:\n  severities: [hgih]\n', /remediate\.severities\[0\] must be one of unknown, info, low, medium, high, not "hgih"/, 2],
    ['remediate bad fix type', 'remediate: { rules: [a], fix_type: puppet }\n', /remediate\.fix_type must be one of bash, ansible, not "puppet"/, 1],
    ['remediate only_in an unknown window', 'remediate:\n  rules: [a]\n  only_in: [maintenance]\n', /remediate\.only_in\[0\] names no window of this file: maintenance \(windows: none\)/, 3],
    ['remediate zero burst', 'remediate:\n  rules: [a]\n  rate: { burst: 0 }\n', /remediate\.rate\.burst must be between 1 and 1000, not 0/, 3],
    ['remediate cooldown without unit', 'remediate:\n  rules: [a]\n  breaker: { cooldown: 30 }\n', /remediate\.breaker\.cooldown needs a unit/, 3],
    ['remediate bad operator', 'remediate:\n  rules: [a]\n  operator: "root; rm"\n', /remediate\.operator is not a user name/, 3],
    ['remediate bad notify', 'remediate:\n  rules: [a]\n  notify: everything\n', /remediate\.notify must be one of all, problems, none/, 3],
    ['remediate rules not strings', 'remediate:\n  rules: [{ id: a }]\n', /remediate\.rules\[0\] must be a string/, 2],
    ['unknown top key', 'timezone: UTC\ncolour: blue\n', /^w\.yaml:2: unknown key "colour"/, 2],
    ['unknown nested key', 'intervals:\n  kernel: 5s\n  kernal: 5s\n', /^w\.yaml:3: unknown key "kernal" in intervals/, 3],
    ['unknown window key', 'windows:\n  - name: a\n    cron: "0 0 * * *"\n    duration: 1h\n    muted: true\n', /^w\.yaml:5: unknown key "muted" in windows\[0\]/, 5],
    ['wrong type, boolean', 'windows:\n  - name: a\n    cron: "0 0 * * *"\n    duration: 1h\n    freeze: yes\n', /windows\[0\]\.freeze must be true or false, not "yes"/, 5],
    ['wrong type, mapping', 'intervals: 5s\n', /intervals must be a mapping/, 1],
    ['wrong type, list', 'windows:\n  name: a\n', /windows must be a list/, 2],
    ['wrong type, integer', 'retention: { events: many }\n', /retention\.events must be a whole number, not "many"/, 1],
    ['integer out of range', 'retention: { days: 0 }\n', /retention\.days must be between 1 and 36500, not 0/, 1],
    ['duration without unit', 'intervals: { kernel: 5 }\n', /intervals\.kernel needs a unit: 5 what\?/, 1],
    ['zero duration', 'intervals:\n  debounce: 0ms\n', /intervals\.debounce must not be zero/, 2],
    ['absurd duration', 'intervals: { reconcile: 400d }\n', /intervals\.reconcile must be between 1m and .* not 400d/, 1],
    ['too short a poll', 'intervals: { kernel: 1ms }\n', /intervals\.kernel must be between 100ms and 1d, not 1ms/, 1],
    ['sloppy duration', 'attest: { every: 1.5h }\n', /attest\.every must be a duration such as/, 1],
    ['compound duration', 'attest: { every: 1h30m }\n', /attest\.every must be a duration such as/, 1],
    ['missing window key', 'windows:\n  - name: a\n    cron: "0 0 * * *"\n', /windows\[0\] needs duration/, 2],
    ['bad cron', 'windows:\n  - { name: a, cron: "61 * * * *", duration: 1h }\n', /windows\[0\]\.cron is not a valid cron pattern/, 2],
    ['a cron that never matches', 'windows:\n  - { name: a, cron: "0 0 30 2 *", duration: 1h }\n', /windows\[0\]\.cron never matches a date: 0 0 30 2 \*/, 2],
    ['one-off date', 'windows:\n  - { name: a, cron: "2026-12-24T18:00:00", duration: 1h }\n', /one-off dates are not supported/, 2],
    ['duplicate window name', 'windows:\n  - { name: a, cron: "0 0 * * *", duration: 1h }\n  - { name: a, cron: "0 1 * * *", duration: 1h }\n', /windows\[1\]\.name names a window already named: a/, 3],
    ['bad window name', 'windows:\n  - { name: "a b", cron: "0 0 * * *", duration: 1h }\n', /windows\[0\]\.name must be 1 to 64/, 2],
    ['bad time zone', 'timezone: Mars/Olympus\n', /timezone is not an IANA time zone: Mars\/Olympus/, 1],
    ['webhook not http', 'webhook: { url: "file:///etc/shadow" }\n', /webhook\.url must be http: or https:, not file:/, 1],
    ['webhook without url', 'webhook: { secret_file: s }\n', /webhook needs url/, 1],
    ['duplicate key', 'timezone: UTC\ntimezone: Europe/Berlin\n', /^w\.yaml:2: not valid YAML: Map keys must be unique/, 2],
    ['a collection as a key', '? [a]\n: 1\n', /unknown key/, 1],
    ['not a mapping', '- a\n- b\n', /the config must be a mapping/, 1],
    ['an empty value', 'timezone:\n', /timezone must be a non-empty string, not null/, 1],
    ['not YAML', 'windows: [\n', /^w\.yaml:\d+: not valid YAML/, undefined],
    ['a bare alias at the top of an unquoted cron', 'windows:\n  - { name: a, cron: * * * * *, duration: 1h }\n', /not valid YAML: Alias cannot be an empty string/, 2],
  ];
  for (const [name, text, re, line] of errors) {
    it(`refuses: ${name}`, () => {
      assert.throws(
        () => parseWatchConfig(text, 'w.yaml'),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e));
          assert.match(e.message, re);
          if (line !== undefined) assert.equal(e.line, line, e.message);
          return true;
        },
      );
    });
  }

  it('reads aliases, and refuses an alias bomb', () => {
    const ok = parseWatchConfig('x: &d 8h\nwindows:\n  - { name: a, cron: "0 0 * * *", duration: *d }\n  - { name: b, cron: "0 1 * * *", duration: *d }\n'.replace('x: &d 8h\n', 'attest: { every: &d 8h }\n'), 'w.yaml');
    assert.deepEqual(ok.windows.map((w) => w.durationMs), [28_800_000, 28_800_000]);
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = `# billion laughs\n${levels.map((l) => `#${l}`).join('\n')}\n`;
    // As comments it is harmless; as keys it is refused before anything expands it.
    assert.doesNotThrow(() => parseWatchConfig(bomb, 'w.yaml'));
    const t0 = performance.now();
    assert.throws(() => parseWatchConfig(`${levels.join('\n')}\n`, 'w.yaml'), /refused: Excessive alias count/);
    assert.ok(performance.now() - t0 < 1000);
  });

  it('resolves relative paths against the config file', () => {
    const c = parseWatchConfig('webhook: { url: "http://127.0.0.1:9/x", secret_file: hook.secret }\nwindows:\n  - { name: n, cron: "0 0 * * *", duration: 1h, tailoring_file: t.xml }\n', '/etc/vigil/watch.yaml');
    assert.equal(c.webhook?.secretFile, '/etc/vigil/hook.secret');
    assert.equal(c.windows[0]!.tailoringFile, '/etc/vigil/t.xml');
  });
});

describe('loadWatchConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file, and refuses what is not a regular file at once', () => {
    const ok = join(dir, 'watch.yaml');
    writeFileSync(ok, 'timezone: Asia/Tokyo\n');
    assert.equal(loadWatchConfig(ok).timezone, 'Asia/Tokyo');
    const fifo = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    assert.throws(() => loadWatchConfig(fifo), /config is not a regular file/);
    assert.throws(() => loadWatchConfig(dir), /config is not a regular file/);
    assert.throws(() => loadWatchConfig(join(dir, 'missing.yaml')), /cannot open the config: ENOENT/);
  });
});

describe('parseDuration', () => {
  it('reads one whole number and one unit', () => {
    assert.deepEqual(
      ['500ms', '5s', '10m', '1h', '1d', '0s', '5', '5 s', '-5s', '1.5h', '5S', '1w', ' 5s', ''].map(parseDuration),
      [500, 5000, 600_000, 3_600_000, 86_400_000, 0, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined],
    );
  });
});

function windowsConfig(timezone: string, windows: string): WatchConfig {
  return parseWatchConfig(`timezone: ${timezone}\nwindows:\n${windows}`, 'w.yaml');
}

describe('policyAt and nextPolicyChange', () => {
  it('later windows win for profile and tailoring; mute and freeze add up', () => {
    const c = windowsConfig(
      'UTC',
      [
        '  - { name: a, cron: "0 0 * * *", duration: 12h, profile: pa, tailoring_file: /ta, mute: true }',
        '  - { name: b, cron: "0 6 * * *", duration: 12h, profile: pb, freeze: true }',
        '',
      ].join('\n'),
    );
    assert.deepEqual(policyAt(c, at('2026-06-01T03:00:00Z')), { windows: ['a'], profile: 'pa', tailoringFile: '/ta', mute: true, freeze: false });
    assert.deepEqual(policyAt(c, at('2026-06-01T07:00:00Z')), { windows: ['a', 'b'], profile: 'pb', tailoringFile: '/ta', mute: true, freeze: true });
    assert.deepEqual(policyAt(c, at('2026-06-01T13:00:00Z')), { windows: ['b'], profile: 'pb', mute: false, freeze: true });
    // Opens at its start, closed at start + duration.
    assert.deepEqual(policyAt(c, at('2026-06-01T00:00:00Z')).windows, ['a']);
    assert.deepEqual(policyAt(c, at('2026-06-01T11:59:59.999Z')).windows, ['a', 'b']);
    assert.deepEqual(policyAt(c, at('2026-06-01T12:00:00Z')).windows, ['b']);
  });

  it('passes over a re-opening that changes nothing, and gives undefined without windows', () => {
    // Opens every hour for two hours: always open once started.
    const c = windowsConfig('UTC', '  - { name: always, cron: "0 * * * *", duration: 2h, mute: true }\n  - { name: noon, cron: "0 12 * * *", duration: 30m }\n');
    assert.equal(nextPolicyChange(c, at('2026-06-01T08:10:00Z'))?.toISOString(), '2026-06-01T12:00:00.000Z');
    assert.equal(nextPolicyChange(c, at('2026-06-01T12:10:00Z'))?.toISOString(), '2026-06-01T12:30:00.000Z');
    assert.equal(nextPolicyChange(DEFAULT_WATCH_CONFIG, at('2026-06-01T08:10:00Z')), undefined);
  });

  it('spring forward in Europe/Berlin: a window at 02:30 opens at 03:00 CEST, the first instant after the gap', () => {
    // 2026-03-29: 02:00 CET (01:00Z) becomes 03:00 CEST; 02:30 does not exist that day.
    const c = windowsConfig('Europe/Berlin', '  - { name: w, cron: "30 2 * * *", duration: 1h, freeze: true }\n');
    assert.deepEqual(policyAt(c, at('2026-03-28T01:30:00Z')).windows, ['w']); // 02:30 CET the day before
    assert.deepEqual(policyAt(c, at('2026-03-29T00:59:59Z')).windows, []);
    assert.deepEqual(policyAt(c, at('2026-03-29T01:00:00Z')).windows, ['w']);
    assert.deepEqual(policyAt(c, at('2026-03-29T01:59:59Z')).windows, ['w']);
    assert.deepEqual(policyAt(c, at('2026-03-29T02:00:00Z')).windows, []);
    assert.deepEqual(policyAt(c, at('2026-03-30T00:30:00Z')).windows, ['w']); // 02:30 CEST the day after
    const seq: string[] = [];
    for (let d: Date | undefined = at('2026-03-28T12:00:00Z'); seq.length < 4 && d; ) seq.push((d = nextPolicyChange(c, d))!.toISOString());
    assert.deepEqual(seq, ['2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-30T01:30:00.000Z']);
  });

  it('fall back in Europe/Berlin: a window at 02:30 opens once, at the first 02:30', () => {
    // 2026-10-25: 03:00 CEST (01:00Z) becomes 02:00 CET; 02:30 happens at 00:30Z and at 01:30Z.
    const c = windowsConfig('Europe/Berlin', '  - { name: w, cron: "30 2 * * *", duration: 1h }\n');
    assert.deepEqual(policyAt(c, at('2026-10-25T00:30:00Z')).windows, ['w']);
    assert.deepEqual(policyAt(c, at('2026-10-25T01:29:59Z')).windows, ['w']);
    assert.deepEqual(policyAt(c, at('2026-10-25T01:45:00Z')).windows, []);
    assert.equal(nextPolicyChange(c, at('2026-10-25T01:30:00Z'))?.toISOString(), '2026-10-26T01:30:00.000Z');
  });

  it('a duration is elapsed time: 24h over the spring-forward night ends at 01:00 local the next day', () => {
    const c = windowsConfig('Europe/Berlin', '  - { name: sat, cron: "0 0 * * 6", duration: 24h }\n');
    // Saturday 2026-03-28 00:00 CET = 2026-03-27T23:00Z; 24 h later is 2026-03-28T23:00Z = Sunday 01:00 CEST.
    assert.equal(nextPolicyChange(c, at('2026-03-28T12:00:00Z'))?.toISOString(), '2026-03-28T23:00:00.000Z');
  });

  it('gives the same answers whatever the machine\'s TZ', () => {
    const c = loadWatchConfig(EXAMPLE);
    const utc = windowsConfig('UTC', '  - { name: w, cron: "15 */3 * * 1-5", duration: 90m, mute: true }\n');
    const probe = (): string[] => {
      const out: string[] = [];
      for (let t = Date.parse('2026-03-27T00:00:00Z'); t < Date.parse('2026-04-01T00:00:00Z'); t += 97 * 60_000) {
        for (const cfg of [c, utc]) out.push(`${JSON.stringify(policyAt(cfg, new Date(t)))} ${nextPolicyChange(cfg, new Date(t))?.toISOString()}`);
      }
      return out;
    };
    const saved = process.env.TZ;
    try {
      const answers = ['UTC', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Chatham', 'Europe/Berlin'].map((tz) => {
        process.env.TZ = tz;
        assert.equal(new Date(Date.UTC(2026, 0, 1)).getTimezoneOffset() === 0, tz === 'UTC', `TZ=${tz} took effect`);
        return probe();
      });
      for (const a of answers.slice(1)) assert.deepEqual(a, answers[0]);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('readSecretFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-secret-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string, mode: number): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    chmodSync(p, mode);
    return p;
  };

  it('reads a 0600 file, without the final newline', () => {
    assert.equal(readSecretFile(file('ok', 's3cret value\n', 0o600)), 's3cret value');
    assert.equal(readSecretFile(file('ro', 'abc', 0o400)), 'abc');
  });

  const refused: [string, () => string, RegExp][] = [
    ['group-readable', () => file('g', 'abc\n', 0o640), /open to group or others \(mode 0640\)/],
    ['other-readable', () => file('o', 'abc\n', 0o604), /open to group or others \(mode 0604\)/],
    ['group-writable', () => file('gw', 'abc\n', 0o620), /open to group or others/],
    ['empty', () => file('e', ' \n\n', 0o600), /is empty/],
    ['too large', () => file('big', 'x'.repeat(70_000), 0o600), /larger than 65536 bytes/],
    ['missing', () => join(dir, 'nope'), /cannot open the secret file: ENOENT/],
    [
      'a directory',
      () => {
        const d = join(dir, 'd');
        mkdirSync(d, { mode: 0o700 });
        return d;
      },
      /not a regular file/,
    ],
    [
      'a FIFO (refused at once, not waited on)',
      () => {
        const p = join(dir, 'fifo');
        execFileSync('mkfifo', ['-m', '600', p]);
        return p;
      },
      /not a regular file/,
    ],
  ];
  for (const [name, make, re] of refused) {
    it(`refuses ${name}`, () => {
      const p = make();
      assert.throws(() => readSecretFile(p), (e: unknown) => e instanceof ConfigError && re.test(e.message));
    });
  }
});

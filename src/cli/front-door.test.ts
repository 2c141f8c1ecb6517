/**
 * The command line a new user meets (issue 18): each point with the exact
 * command that got in the way, now giving the new behaviour. Scans run in
 * this process on synthetic roots, with the built-in baseline (60 rules)
 * and, where installed, the SSG Debian 11 data stream; the last scan is
 * kept in a temporary XDG_STATE_HOME, never the real home.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { baselineDataStreamPath, BASELINE_PROFILE } from '../app/baseline.js';
import type { JsonScan } from '../results/json-report.js';
import { CONTENT, findOscap, OSCAP, oracleMissing } from '../testing/oracle.js';
import { run } from './main.js';
import { withoutRoot } from './scan-command.js';

const work = mkdtempSync(join(tmpdir(), 'vigil-front-door-'));
after(() => rmSync(work, { recursive: true, force: true }));
const BASELINE = baselineDataStreamPath();
const DEBIAN11 = join(CONTENT, 'ssg-debian11-ds.xml');
const haveDebian11 = existsSync(DEBIAN11);

/** A Debian 12 root whose sshd allows root logins, with an empty root password, and little else. */
function debian12Root(name: string): string {
  const root = join(work, name);
  mkdirSync(join(root, 'etc/ssh'), { recursive: true });
  mkdirSync(join(root, 'usr/sbin'), { recursive: true });
  writeFileSync(join(root, 'etc/os-release'), 'NAME="Debian GNU/Linux"\nVERSION="12 (bookworm)"\nID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin yes\n');
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  // an account without a password: a high-severity failure
  writeFileSync(join(root, 'etc/shadow'), 'root::19000:0:99999:7:::\n');
  writeFileSync(join(root, 'usr/sbin/sshd'), '');
  return root;
}
const root = debian12Root('root');
const state = join(work, 'state');

interface Outcome {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function vigil(argv: readonly string[], opts: { env?: Record<string, string>; isTty?: boolean } = {}): Promise<Outcome> {
  let out = '';
  let err = '';
  const code = await run(argv, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    env: { XDG_STATE_HOME: state, OSCAP_PROBE_ROOT: '', ...opts.env },
    ...(opts.isTty !== undefined ? { isTty: opts.isTty } : {}),
  });
  return { code, out, err };
}
const scanBaseline = (extra: readonly string[], opts: { env?: Record<string, string>; isTty?: boolean } = {}): Promise<Outcome> =>
  vigil(['scan', '-c', BASELINE, '--root', root, '--no-html-report', ...extra], opts);

describe('1. content that does not apply is not a green scan', { skip: !haveDebian11 && 'needs ssg-debian11-ds.xml' }, () => {
  it('Debian 11 content on Debian 12: says so, names both, and exits 1', async () => {
    const r = await vigil(['scan', '-c', DEBIAN11, '-p', 'standard', '--root', root, '--no-html-report']);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /notapplicable/);
    assert.match(r.out, /Nothing was checked: the content is for cpe:\/o:debian:debian_linux:11, and the target is Debian GNU\/Linux 12 \(bookworm\)/);
    assert.match(r.out, /--allow-not-applicable/);
  });

  it('the JSON carries applicability for the report; --allow-not-applicable exits 0', async () => {
    const r = await vigil(['scan', '-c', DEBIAN11, '-p', 'standard', '--root', root, '-f', 'json', '--allow-not-applicable']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as JsonScan;
    assert.equal(j.applicability?.applies, false);
    assert.equal(j.applicability?.platform, 'cpe:/o:debian:debian_linux:11');
    assert.equal(j.applicability?.target, 'Debian GNU/Linux 12 (bookworm)');
    assert.match(r.err, /nothing was checked/);
  });

  it('content that applies says nothing of the kind', async () => {
    const r = await scanBaseline(['-f', 'json']);
    const j = JSON.parse(r.out) as JsonScan;
    assert.equal(j.applicability?.applies, true);
    assert.doesNotMatch(r.err, /nothing was checked/i);
  });
});

describe('2. --rule takes the short forms, and a rule that matches nothing is an error', () => {
  it('a short name, in any case, scans that rule', async () => {
    const r = await scanBaseline(['-p', BASELINE_PROFILE, '--rule', 'SSHD_disable_root_login', '-f', 'json']);
    assert.equal(r.code, 2, r.err);
    const j = JSON.parse(r.out) as JsonScan;
    const evaluated = j.rules.filter((x) => x.result !== 'notselected');
    assert.deepEqual(evaluated.map((x) => [x.id, x.result]), [['xccdf_dev.vigil_rule_sshd_disable_root_login', 'fail']]);
  });

  it('a glob scans the rules it matches', async () => {
    const r = await scanBaseline(['-p', BASELINE_PROFILE, '--rule', 'sshd_*', '-f', 'json']);
    const j = JSON.parse(r.out) as JsonScan;
    const evaluated = j.rules.filter((x) => x.result !== 'notselected');
    assert.ok(evaluated.length > 1 && evaluated.every((x) => x.id.includes('_rule_sshd_')), evaluated.map((x) => x.id).join(' '));
  });

  it('a name that matches nothing: exit 1 before scanning, with the nearest names', async () => {
    const typo = await scanBaseline(['--rule', 'sshd_disable_root_logins']);
    assert.equal(typo.code, 1);
    assert.match(typo.err, /--rule sshd_disable_root_logins matches no rule of the benchmark; did you mean sshd_disable_root_login/);
    assert.equal(typo.out, '');
    const none = await scanBaseline(['--skip-rule', 'nonexistent_rule_xyz_abc_def']);
    assert.equal(none.code, 1);
    assert.match(none.err, /--skip-rule nonexistent_rule_xyz_abc_def matches no rule/);
  });
});

describe('4. a bare --content name is looked up in --content-dir', () => {
  it('finds it there', async () => {
    const r = await vigil(['scan', '-c', basename(BASELINE), '--content-dir', dirname(BASELINE), '--root', root, '--no-html-report', '--rule', 'sshd_disable_root_login']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.out, new RegExp(`Content: ${BASELINE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });
  it('a name found nowhere: the errno in words, and where it looked', async () => {
    const r = await vigil(['scan', '-c', 'ssg-nothing-ds.xml', '--content-dir', work, '--root', root, '--no-html-report']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^vigil: error: cannot open ssg-nothing-ds\.xml: No such file or directory \(ENOENT\); a bare name is looked up in --content-dir/);
    assert.doesNotMatch(r.err, /internal error/);
  });
});

describe("5. oscap's conventions", () => {
  it("--profile '(all)' selects every rule, with the Values at their defaults", async () => {
    const r = await scanBaseline(['-p', '(all)', '-f', 'json']);
    const j = JSON.parse(r.out) as JsonScan;
    assert.equal(j.rules.length, 60);
    assert.equal(j.rules.filter((x) => x.result === 'notselected').length, 0);
    assert.equal(j.profile?.id, '(all)');
    // the strict profile refines five Values; '(all)' has them at their defaults, as the baseline profile does
    const values = async (p: string): Promise<JsonScan['values']> => (JSON.parse((await scanBaseline(['-p', p, '--rule', 'sshd_set_max_auth_tries', '-f', 'json'])).out) as JsonScan).values;
    const strict = await values('strict');
    assert.deepEqual(j.values, await values(BASELINE_PROFILE));
    assert.notDeepEqual(j.values, strict);
    assert.equal(j.values.length, strict.length);
  });

  it("'(all)' and --progress give oscap 1.3.7's lines, rule for rule", async (t) => {
    if (!(await findOscap())) {
      oracleMissing(t, 'oscap is not installed');
      return;
    }
    const oscap = spawnSync(OSCAP, ['xccdf', 'eval', '--profile', '(all)', '--progress', BASELINE], { env: { ...process.env, OSCAP_PROBE_ROOT: root }, encoding: 'utf8' });
    const ours = await vigil(['xccdf', 'eval', '--profile', '(all)', '--progress', '--root', root, BASELINE]);
    assert.equal(ours.code, oscap.status);
    const sorted = (text: string): string[] => text.split('\n').filter(Boolean).sort();
    assert.equal(sorted(ours.out).length, 60);
    assert.deepEqual(sorted(ours.out), sorted(oscap.stdout));
  });

  it('xccdf eval --progress prints rule_id:result lines only; --verbose INFO is accepted', async () => {
    const r = await vigil(['xccdf', 'eval', '--progress', '--verbose', 'INFO', '--skip-valid', '--profile', BASELINE_PROFILE, '--rule', 'sshd_disable_root_login', '--root', root, BASELINE]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, 'xccdf_dev.vigil_rule_sshd_disable_root_login:fail\n');
    const full = await vigil(['xccdf', 'eval', '--progress-full', '--profile', BASELINE_PROFILE, '--rule', 'xccdf_dev.vigil_rule_sshd_disable_root_login', '--root', root, BASELINE]);
    assert.match(full.out, /^xccdf_dev\.vigil_rule_sshd_disable_root_login\|[^|\n]+\|fail\n$/);
    // a glob in any case names the rules it matches, and each is printed
    const glob = await vigil(['xccdf', 'eval', '--progress', '--profile', BASELINE_PROFILE, '--rule', 'SSHD_DISABLE_*', '--root', root, BASELINE]);
    const lines = glob.out.split('\n').filter(Boolean);
    assert.ok(lines.length > 1 && lines.every((l) => /^xccdf_dev\.vigil_rule_sshd_disable_\w+:\w+$/.test(l)), glob.out);
  });

  for (const [option, extra] of [['--stig-viewer', ['x.xml']], ['--thin-results', []], ['--without-syschar', []], ['--cpe', ['c.xml']]] as const) {
    it(`xccdf eval ${option}: one line that says why, not the help`, async () => {
      const r = await vigil(['xccdf', 'eval', option, ...extra, BASELINE]);
      assert.equal(r.code, 1);
      assert.match(r.err, new RegExp(`^vigil: error: ${option} is not supported: .+\\n$`));
      assert.doesNotMatch(r.err + r.out, /Usage:/);
    });
  }

  it('xccdf generate report: the HTML report of a results file, with the scan\'s failures', async () => {
    const results = join(work, 'gen-results.xml');
    const scan = await scanBaseline(['-p', BASELINE_PROFILE, '--results', results]);
    const failed = Number(/(\d+) fail\b/.exec(scan.out)?.[1]);
    assert.ok(failed > 0, scan.out);
    const html = join(work, 'gen-report.html');
    const r = await vigil(['xccdf', 'generate', 'report', '-o', html, results]);
    assert.equal(r.code, 0, r.err);
    const text = readFileSync(html, 'utf8');
    assert.match(text, /^<!DOCTYPE html>/);
    assert.match(text, new RegExp(`${failed} rules failed`));
    const stdout = await vigil(['xccdf', 'generate', 'report', results]);
    assert.match(stdout.out, new RegExp(`^<!DOCTYPE html>[\\s\\S]*${failed} rules failed`));
    const content = await vigil(['xccdf', 'generate', 'report', BASELINE]);
    assert.equal(content.code, 1);
    assert.match(content.err, /holds no TestResult/);
  });

  it('xccdf generate guide: the profile\'s rules, none evaluated', async () => {
    const r = await vigil(['xccdf', 'generate', 'guide', '-p', 'strict', BASELINE]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^<!DOCTYPE html>/);
    assert.match(r.out, /Vigil Linux Baseline \(strict\)/);
    assert.match(r.out, /Disable SSH root login/);
    assert.doesNotMatch(r.out, /rules failed/);
  });

  it('info --profiles lists id:title, one a line, as oscap', async () => {
    const r = await vigil(['info', '--profiles', BASELINE]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^xccdf_dev\.vigil_profile_baseline:[^\n]+\nxccdf_dev\.vigil_profile_strict:[^\n]+\n$/);
  });
});

describe('6. scan to fix', () => {
  it('the scan is kept, the summary says how to fix, and vigil fix remediates only its failures', async () => {
    const own = join(work, 'state-fix');
    const env = { XDG_STATE_HOME: own };
    const scan = await scanBaseline(['-p', BASELINE_PROFILE], { env });
    assert.equal(scan.code, 2, scan.err);
    const failed = Number(/(\d+) fail\b/.exec(scan.out)?.[1]);
    assert.ok(failed > 0);
    assert.match(scan.out, new RegExp(`Fix: +vigil fix --fix-type ansible -o fix\\.yml .*the ${failed} failed rules`));
    assert.deepEqual(readdirSync(join(own, 'vigil/last-scan')).sort(), ['results.xml', 'scan.json']);

    const out = join(work, 'fix.sh');
    const fix = await vigil(['fix', '-t', 'bash', '-o', out], { env });
    assert.equal(fix.code, 0, fix.err);
    assert.match(fix.err, new RegExp(`vigil: ${failed} rules to fix from the scan of`));
    const script = readFileSync(out, 'utf8');
    assert.match(script, /^#!\/usr\/bin\/env bash/);
    assert.match(script, /--result-id /);
    // the rule that failed is fixed; one that passed is not
    assert.match(script, /sshd_disable_root_login/);

    // `generate fix` of a results file without --result-id fixes the failures too, not the whole selection
    const results = join(own, 'vigil/last-scan/results.xml');
    const generated = await vigil(['xccdf', 'generate', 'fix', '--fix-type', 'bash', results]);
    assert.equal(generated.code, 0, generated.err);
    assert.match(generated.err, new RegExp(`holds scan results: fixing the ${failed} rules that failed in it`));
    const whole = await vigil(['xccdf', 'generate', 'fix', '--fix-type', 'bash', '--profile', BASELINE_PROFILE, results]);
    const count = (text: string): number => (text.match(/^# BEGIN fix \(/gm) ?? []).length;
    assert.ok(count(generated.out) > 0 && count(generated.out) < count(whole.out), `${count(generated.out)} < ${count(whole.out)}`);
  });

  it('scan --fix ansible writes the playbook beside the kept scan and names it', async () => {
    const own = join(work, 'state-scan-fix');
    const r = await scanBaseline(['-p', BASELINE_PROFILE, '--fix', 'ansible'], { env: { XDG_STATE_HOME: own } });
    assert.equal(r.code, 2, r.err);
    const playbook = join(own, 'vigil/last-scan/fix.yml');
    assert.match(r.out, new RegExp(`Fix: +${playbook.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(review it, then: ansible-playbook`));
    assert.match(readFileSync(playbook, 'utf8'), /^---\n|hosts:/m);
  });

  it('vigil fix before any scan says what to do', async () => {
    const r = await vigil(['fix'], { env: { XDG_STATE_HOME: join(work, 'state-empty') } });
    assert.equal(r.code, 1);
    assert.match(r.err, /no scan to fix yet .*run `vigil scan` first/);
  });
});

describe('7. a mistyped profile', () => {
  it('CIS-style capitals find the profile', async () => {
    const r = await scanBaseline(['-p', 'BASELINE', '--rule', 'sshd_disable_root_login']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /Scanning with /);
  });
  // the nearest names for a typo, in one short line: profile-id.test.ts
});

describe('9. conventions', () => {
  it('--version', async () => {
    const r = await vigil(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.out, /^vigil \d+\.\d+\.\d+/);
  });

  it('help lists scan first, without "(default: [])"', async () => {
    const r = await vigil(['--help']);
    assert.match(r.out, /Commands:\n {2}scan /);
    const scan = await vigil(['scan', '--help']);
    assert.match(scan.out, /-p, --profile/);
    assert.match(scan.out, /-o, --output/);
    assert.match(scan.out, /-f, --format/);
    assert.match(scan.out, /-c, --content/);
    assert.doesNotMatch(scan.out + (await vigil(['xccdf', 'eval', '--help'])).out, /default: \[\]/);
  });

  it('info and oval eval take --format json, and --json still', async () => {
    const a = await vigil(['info', '-f', 'json', BASELINE]);
    const b = await vigil(['info', '--json', BASELINE]);
    assert.equal(a.code, 0, a.err);
    assert.deepEqual(JSON.parse(a.out), JSON.parse(b.out));
    const bad = await vigil(['info', '--format', 'yaml', BASELINE]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /unknown --format yaml; choose text or json/);
  });

  it('--exit-code and --fail-on gate CI', async () => {
    assert.equal((await scanBaseline(['-p', BASELINE_PROFILE, '--exit-code', '7'])).code, 7);
    // a high-severity rule fails (the empty password)
    assert.equal((await scanBaseline(['-p', BASELINE_PROFILE, '--fail-on', 'high', '--exit-code', '5'])).code, 5);
    // only medium rules fail among these
    const medium = await scanBaseline(['-p', BASELINE_PROFILE, '--rule', 'sshd_set_max_auth_tries', '--fail-on', 'high', '-f', 'json']);
    const j = JSON.parse(medium.out) as JsonScan;
    assert.deepEqual(j.rules.filter((x) => x.result === 'fail').map((x) => x.severity), ['medium']);
    assert.equal(medium.code, 0);
    assert.equal((await scanBaseline(['--fail-on', 'severe'])).code, 1);
  });

  it('colour on a terminal, none with NO_COLOR or without a terminal', async () => {
    const tty = await scanBaseline(['-p', BASELINE_PROFILE], { isTty: true });
    assert.match(tty.out, /\x1b\[31m\d+ fail\x1b\[0m/);
    assert.match(tty.out, /\x1b\[1;31mhigh {3}\x1b\[0m/);
    const noColour = await scanBaseline(['-p', BASELINE_PROFILE], { isTty: true, env: { NO_COLOR: '1' } });
    assert.doesNotMatch(noColour.out, /\x1b\[/);
    const pipe = await scanBaseline(['-p', BASELINE_PROFILE]);
    assert.doesNotMatch(pipe.out, /\x1b\[/);
  });
});

describe('9. without root', () => {
  const report = (privileged: boolean, kind: string, results: string[]) =>
    ({
      target: { kind },
      testResult: { identity: { name: 'alice', authenticated: true, privileged }, ruleResults: results.map((result) => ({ result })) },
    }) as unknown as Parameters<typeof withoutRoot>[0];
  it('says in one line why rules are error when the scan of this host ran without root', () => {
    assert.equal(withoutRoot(report(false, 'local', ['pass', 'error', 'error'])), '2 rules are error because the scan ran as alice, not root: they check files or settings only root can read. Run it as root (sudo vigil scan) to check them.');
  });
  it('says nothing as root, for an offline root, or when no rule is error', () => {
    assert.equal(withoutRoot(report(true, 'local', ['error'])), undefined);
    assert.equal(withoutRoot(report(false, 'offline-root', ['error'])), undefined);
    assert.equal(withoutRoot(report(false, 'local', ['pass', 'fail'])), undefined);
  });
});

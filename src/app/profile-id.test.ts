import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContentError } from '../model/errors.js';
import { matchProfileId, nearestNames, resolveRuleNames, shortId, unknownProfile } from './profile-id.js';

const P = 'xccdf_org.ssgproject.content_profile_';
// the RHEL 9 data stream's profiles (SSG 0.1.65), whose full list made an 888-byte error line
const RHEL9 = ['anssi_bp28_enhanced', 'anssi_bp28_high', 'anssi_bp28_intermediary', 'anssi_bp28_minimal', 'ccn_advanced', 'ccn_basic', 'ccn_intermediate', 'cis', 'cis_server_l1', 'cis_workstation_l1', 'cis_workstation_l2', 'cui', 'e8', 'hipaa', 'ism_o', 'ospp', 'pci-dss', 'stig', 'stig_gui', 'standard'].map((s) => P + s);

describe('profile names', () => {
  it('the full id, the short form, and either in any case', () => {
    const ids = [...RHEL9, 'xccdf_org.ssgproject.content_profile_cis_level2_server'];
    assert.equal(matchProfileId(ids, `${P}stig`), `${P}stig`);
    assert.equal(matchProfileId(ids, 'stig'), `${P}stig`);
    assert.equal(matchProfileId(ids, 'CIS_LEVEL2_SERVER'), `${P}cis_level2_server`);
    assert.equal(matchProfileId(ids, `${P.toUpperCase()}STIG_GUI`), `${P}stig_gui`);
    assert.equal(matchProfileId(ids, 'nothing'), undefined);
  });

  it('a mistyped profile: the nearest few, and how to list them all, in one short line', () => {
    const e = unknownProfile('standrad', RHEL9, 'xccdf_org.ssgproject.content_benchmark_RHEL-9');
    assert.ok(e instanceof ContentError);
    assert.match(e.message, /; did you mean standard\?/);
    assert.match(e.message, /\(20 profiles: `vigil info --profiles FILE` lists them\)$/);
    assert.ok(e.message.length < 200, e.message);
    assert.doesNotMatch(e.message, /anssi|hipaa/);
    assert.ok(nearestNames('cis_level1', RHEL9).includes('cis'));
    assert.deepEqual(nearestNames('stig-gui', RHEL9)[0], 'stig_gui');
    // nothing near: no guess
    assert.deepEqual(nearestNames('zzzzzzzzzzzzzz', RHEL9), []);
  });

  it('a short list is given whole', () => {
    assert.match(unknownProfile('x', [`${P}a`, `${P}b`]).message, /known profiles: .*_a, .*_b$/);
  });
});

describe('rule names', () => {
  const R = 'xccdf_org.ssgproject.content_rule_';
  const ids = ['sshd_disable_root_login', 'sshd_disable_empty_passwords', 'package_telnet_removed'].map((s) => R + s);
  it('ids, short forms in any case, and globs', () => {
    assert.equal(shortId(`${R}x_y`), 'x_y');
    assert.deepEqual(resolveRuleNames(ids, ['SSHD_DISABLE_ROOT_LOGIN']), [`${R}sshd_disable_root_login`]);
    assert.deepEqual(resolveRuleNames(ids, [`${R}package_telnet_removed`, 'sshd_disable_*']), [`${R}package_telnet_removed`, `${R}sshd_disable_root_login`, `${R}sshd_disable_empty_passwords`]);
  });
  it('a name that matches nothing is an error naming the nearest', () => {
    assert.throws(() => resolveRuleNames(ids, ['sshd_disable_root']), /--rule sshd_disable_root matches no rule of the benchmark; did you mean sshd_disable_root_login/);
    assert.throws(() => resolveRuleNames(ids, ['qqqqqqqqqqqqqqqqqqqq'], '--skip-rule'), (e: unknown) => e instanceof ContentError && /^--skip-rule qqqq+ matches no rule of the benchmark$/.test(e.message));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globToRegExp, isGlob } from './glob.js';

describe('globs', () => {
  const cases: ReadonlyArray<[string, string, boolean]> = [
    ['sshd_*', 'sshd_set_idle_timeout', true],
    ['sshd_*', 'package_sshd_installed', false],
    ['*sshd*', 'package_sshd_installed', true],
    ['NIST-800-53-CM-6(?)', 'NIST-800-53-CM-6(a)', true],
    ['nist-800-53-cm-6(a)', 'NIST-800-53-CM-6(a)', true],
    ['CM-[56]', 'CM-5', true],
    ['CM-[!56]', 'CM-5', false],
    ['CM-[!56]', 'CM-7', true],
    ['a.b', 'axb', false],
    ['a+b', 'a+b', true],
    ['[', '[', true],
  ];
  for (const [pattern, text, want] of cases) it(`${pattern} ~ ${text}`, () => assert.equal(globToRegExp(pattern).test(text), want));

  it('tells patterns from plain words', () => {
    assert.equal(isGlob('CM-6'), false);
    assert.equal(isGlob('CM-*'), true);
  });
});

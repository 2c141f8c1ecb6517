import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OvalDatatype, OvalOperation } from '../model/oval/types.js';
import { parseDouble, parseInt64 } from './c-numbers.js';
import { compareValues, compareValuesLater, settled } from './compare.js';
import { forgetRegexAnswers, MAX_MATCH_WAITS } from './regex/bounded.js';

type Row = [state: string, datatype: OvalDatatype, op: OvalOperation, sys: string, want: string];

function table(name: string, rows: Row[]): void {
  describe(name, () => {
    for (const [state, dt, op, sys, want] of rows) {
      it(`${JSON.stringify(sys)} ${op} ${JSON.stringify(state)} (${dt}) → ${want}`, () => assert.equal(compareValues(state, dt, sys, op), want));
    }
  });
}

table('string', [
  ['abc', 'string', 'equals', 'abc', 'true'],
  ['abc', 'string', 'equals', 'ABC', 'false'],
  ['abc', 'string', 'not equal', 'abd', 'true'],
  ['abc', 'string', 'case insensitive equals', 'ABC', 'true'],
  ['abc', 'string', 'case insensitive not equal', 'ABC', 'false'],
  ['^[ \\t]*PermitRootLogin[ \\t]+no$', 'string', 'pattern match', 'PermitRootLogin no', 'true'],
  ['^[ \\t]*PermitRootLogin[ \\t]+no$', 'string', 'pattern match', 'PermitRootLogin yes', 'false'],
  ['(?i)^permitrootlogin', 'string', 'pattern match', 'PermitRootLogin no', 'true'],
  ['([', 'string', 'pattern match', 'x', 'error'],
  ['abc', 'string', 'greater than', 'abd', 'error'],
]);

table('int (64-bit, strtoimax over the whole string)', [
  ['5', 'int', 'equals', '5', 'true'],
  ['5', 'int', 'equals', '+5', 'true'],
  ['5', 'int', 'greater than', '6', 'true'],
  ['5', 'int', 'greater than or equal', '5', 'true'],
  ['5', 'int', 'less than', '-1', 'true'],
  ['5', 'int', 'less than or equal', '6', 'false'],
  ['9223372036854775807', 'int', 'equals', '9223372036854775807', 'true'],
  ['1', 'int', 'equals', '9223372036854775808', 'error'],
  ['5', 'int', 'equals', '5x', 'error'],
  ['4', 'int', 'bitwise and', '6', 'true'],
  ['1', 'int', 'bitwise and', '6', 'false'],
  ['7', 'int', 'bitwise or', '5', 'true'],
  ['5', 'int', 'bitwise or', '7', 'false'],
  ['0022', 'int', 'equals', '22', 'true'],
]);

table('float', [
  ['1.5', 'float', 'equals', '1.5000000001', 'true'],
  ['1.5', 'float', 'greater than', '1.6', 'true'],
  ['1e3', 'float', 'equals', '1000', 'true'],
  ['inf', 'float', 'greater than', '1e308', 'false'],
  ['1.5', 'float', 'equals', 'abc', 'error'],
]);

table('boolean', [
  ['true', 'boolean', 'equals', '1', 'true'],
  ['false', 'boolean', 'equals', '0', 'true'],
  ['true', 'boolean', 'not equal', 'false', 'true'],
  ['true', 'boolean', 'greater than', 'true', 'error'],
]);

table('binary', [
  ['0aFF', 'binary', 'equals', '0Aff', 'true'],
  ['0aff', 'binary', 'not equal', '0b00', 'true'],
  ['0aff', 'binary', 'less than', '0b00', 'error'],
]);

table('version', [
  ['1.2.3', 'version', 'equals', '1.2.3', 'true'],
  ['1.2.3', 'version', 'greater than', '1.10', 'true'],
  ['1.2', 'version', 'less than', '1.1.9', 'true'],
  ['1', 'version', 'equals', '1.0.0', 'true'],
]);

table('evr_string (rpm)', [
  ['0:1.2-3', 'evr_string', 'equals', '0:1.2-3', 'true'],
  ['0:1.2-3', 'evr_string', 'less than', '0:1.2-2', 'true'],
  ['0:1.10-1', 'evr_string', 'greater than', '0:1.9-1', 'false'],
  ['1:1.0-1', 'evr_string', 'greater than', '2:0.1-1', 'true'],
]);

table('debian_evr_string (dpkg)', [
  ['1:8.9p1-3', 'debian_evr_string', 'equals', '1:8.9p1-3', 'true'],
  ['1:8.9p1-3', 'debian_evr_string', 'greater than or equal', '1:8.9p1-3ubuntu0.1', 'true'],
  ['1.0', 'debian_evr_string', 'greater than', '1.0~rc1', 'false'],
  ['1.0-0', 'debian_evr_string', 'equals', '1.0', 'true'],
]);

table('ipv4_address', [
  ['192.168.1.0/24', 'ipv4_address', 'subset of', '192.168.1.128/25', 'true'],
  ['192.168.1.0/24', 'ipv4_address', 'subset of', '192.168.0.0/16', 'false'],
  ['192.168.1.0/24', 'ipv4_address', 'superset of', '192.168.0.0/16', 'true'],
  ['10.0.0.1', 'ipv4_address', 'equals', '10.0.0.1/32', 'true'],
  ['10.0.0.1', 'ipv4_address', 'greater than', '10.0.0.2', 'true'],
  ['10.0.0.0/8', 'ipv4_address', 'greater than', '10.0.0.2', 'error'],
  ['10.0.0.256', 'ipv4_address', 'equals', '10.0.0.1', 'error'],
]);

table('ipv6_address', [
  ['fe80::/64', 'ipv6_address', 'subset of', 'fe80::1/128', 'true'],
  ['::1', 'ipv6_address', 'equals', '0:0:0:0:0:0:0:1', 'true'],
  ['::ffff:1.2.3.4', 'ipv6_address', 'equals', '::ffff:102:304', 'true'],
  ['2001:db8::', 'ipv6_address', 'less than', '2001:db7::', 'true'],
]);

table('datatypes OpenSCAP does not evaluate', [
  ['1', 'fileset_revision', 'equals', '1', 'not evaluated'],
  ['1', 'ios_version', 'equals', '1', 'not evaluated'],
]);

describe('C number parsing', () => {
  const ints: Array<[string, bigint | undefined]> = [['42', 42n], [' -7', -7n], ['0x10', undefined], ['', undefined], ['1 ', undefined]];
  for (const [s, want] of ints) it(`strtoimax(${JSON.stringify(s)})`, () => assert.equal(parseInt64(s), want));
  const doubles: Array<[string, number | undefined]> = [['1.5', 1.5], ['.5e1', 5], ['-inf', -Infinity], ['1.5x', undefined]];
  for (const [s, want] of doubles) it(`strtod(${JSON.stringify(s)})`, () => assert.equal(parseDouble(s), want));
});

describe('waiting for the regex worker gives up after MAX_MATCH_WAITS rounds', () => {
  it('a comparison whose answers are forgotten before it can use them answers error, after exactly MAX_MATCH_WAITS waits', async () => {
    const pattern = '^(?:x+y?)+$'; // never matched on the main thread
    let attempts = 0;
    const r = await settled(() => {
      attempts++;
      forgetRegexAnswers(); // the cache lost the answer the last wait brought
      return compareValues(pattern, 'string', 'xxyxyx', 'pattern match');
    });
    assert.equal(r, 'error');
    assert.equal(attempts, MAX_MATCH_WAITS);
  });

  it('a comparison that waits once answers with the worker\'s answer', async () => {
    let attempts = 0;
    const r = await settled(() => {
      attempts++;
      return compareValues('^(?:q+r?)+$', 'string', 'qqrqr', 'pattern match');
    });
    assert.equal(r, 'true');
    assert.equal(attempts, 2);
    assert.equal(await compareValuesLater('^(?:q+r?)+$', 'string', 'qqrq!', 'pattern match'), 'false');
  });

  it('a match that runs out of time is an error, not "false"', async () => {
    assert.equal(await compareValuesLater('^(a|a)+$', 'string', `${'a'.repeat(40)}!`, 'pattern match'), 'error');
  });
});

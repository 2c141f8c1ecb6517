/**
 * Every building block of the SDK, evaluated by the real engine against
 * mock targets through the testing API (the cases are in
 * sdk/checks.case.ts, shared with the oscap comparison in
 * src/conformance/sdk-blocks.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rule } from '../sdk/author.js';
import { BLOCK_TABLES } from '../sdk/checks.case.js';
import * as sdk from '../sdk/index.js';
import { evaluateRule, mockTarget } from './rule-testing.js';

for (const t of BLOCK_TABLES) {
  describe(`${t.block}: ${t.title}`, () => {
    const r = rule({ id: 'under_test', title: `${t.block}: ${t.title}`, description: '', rationale: '', check: t.check });
    for (const c of t.cases) {
      it(c.name, async () => {
        assert.equal(await evaluateRule(r, mockTarget(c.target), c.values ? { values: c.values } : {}), c.expect);
      });
    }
  });
}

describe('coverage', () => {
  it('every building block the SDK exports has passing and failing cases', () => {
    const blocks = ['lineMatches', 'noLineMatches', 'setting', 'fileExists', 'fileAbsent', 'fileMetadata', 'noFiles', 'packageInstalled', 'packageRemoved', 'sysctl', 'unitActive', 'unitProperty', 'all', 'any', 'none'];
    for (const b of blocks) {
      assert.equal(typeof (sdk as Record<string, unknown>)[b], 'function', `${b} is exported`);
      const outcomes = new Set(BLOCK_TABLES.filter((t) => t.block === b).flatMap((t) => t.cases.map((c) => c.expect)));
      assert.ok(outcomes.has('pass') && outcomes.has('fail'), `${b} has pass and fail cases`);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDocument } from '../model/load.js';
import type { Benchmark } from '../model/xccdf/types.js';
import { benchmarkXml } from '../testing/content.js';
import type { RuleResult, XccdfResult } from './result-types.js';
import { score, SCORING_ABSOLUTE, SCORING_DEFAULT, SCORING_FLAT, SCORING_FLAT_UNWEIGHTED } from './scoring.js';

// Group g (weight 2) holds a (w1, pass) and b (w3, fail); c (w1, pass) is top level;
// d is notapplicable and e is unscored, so neither counts.
const b = readDocument({
  name: 'b.xml',
  text: benchmarkXml(`
    <Group id="xccdf_t_group_g" weight="2"><title>g</title>
      <Rule id="xccdf_t_rule_a" weight="1"><title>a</title></Rule>
      <Rule id="xccdf_t_rule_b" weight="3"><title>b</title></Rule>
    </Group>
    <Rule id="xccdf_t_rule_c" weight="1"><title>c</title></Rule>
    <Rule id="xccdf_t_rule_d" weight="5"><title>d</title></Rule>
    <Rule id="xccdf_t_rule_e" weight="5"><title>e</title></Rule>`),
}) as Benchmark;

const rr = (id: string, result: XccdfResult, role: RuleResult['role'] = 'full'): RuleResult => ({
  ruleId: `xccdf_t_rule_${id}`,
  result,
  role,
  severity: 'unknown',
  weight: 1,
  time: '',
  messages: [],
  idents: [],
});
const results = [rr('a', 'pass'), rr('b', 'fail'), rr('c', 'pass'), rr('d', 'notapplicable'), rr('e', 'fail', 'unscored')];

describe('scoring models', () => {
  it('default: weighted means of weighted means', () => {
    // g = (100*1 + 0*3) / 4 = 25; benchmark = (25*2 + 100*1) / (2 + 1) = 50
    assert.deepEqual(score(b, results, SCORING_DEFAULT), { system: SCORING_DEFAULT, score: 50, maximum: 100 });
  });
  it('flat: the sum of weights that passed, out of all counted weights', () => {
    assert.deepEqual(score(b, results, SCORING_FLAT), { system: SCORING_FLAT, score: 2, maximum: 5 });
  });
  it('flat-unweighted: counts rules', () => {
    assert.deepEqual(score(b, results, SCORING_FLAT_UNWEIGHTED), { system: SCORING_FLAT_UNWEIGHTED, score: 2, maximum: 3 });
  });
  it('absolute: 1 only when everything counted passed', () => {
    assert.equal(score(b, results, SCORING_ABSOLUTE)?.score, 0);
    assert.equal(score(b, [rr('a', 'pass'), rr('b', 'fixed'), rr('c', 'pass')], SCORING_ABSOLUTE)?.score, 1);
  });
  it('an unknown model has no score', () => {
    assert.equal(score(b, results, 'urn:example:other'), undefined);
  });
});

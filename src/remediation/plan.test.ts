import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContentError } from '../model/errors.js';
import { readDocument } from '../model/load.js';
import { indexBenchmark } from '../model/xccdf/index.js';
import type { Benchmark, Rule } from '../model/xccdf/types.js';
import { RULE, VALUE, remediationBenchmark } from '../testing/remediation-content.js';
import { parseFilter } from './filter.js';
import { planRemediation, rawText, type PlanInput } from './plan.js';

const extra = `<Rule id="${RULE('dangling')}" severity="low"><title>Dangling</title><fix system="urn:xccdf:fix:script:sh">x='<sub idref="${VALUE('missing')}"/>'</fix></Rule>
<Rule id="${RULE('titled')}" severity="low"><title>Titled</title><fix system="urn:xccdf:fix:script:sh">echo '<sub idref="${VALUE('var_text')}" use="title"/>'</fix></Rule>`;
const benchmark = readDocument({ text: remediationBenchmark(extra), name: 'b.xml' }) as Benchmark;
const index = indexBenchmark(benchmark);
const rules = (...ids: string[]): Rule[] => ids.map((s) => index.rules.get(RULE(s))!);

function input(over: Partial<PlanInput>): PlanInput {
  return {
    system: 'urn:xccdf:fix:script:sh',
    rules: rules('a', 'b', 'c', 'd'),
    severity: (r) => r.severity,
    value: (id) => {
      const v = index.values.get(id);
      return v ? { text: `value of ${id.slice(-8)}`, title: v.title } : undefined;
    },
    filter: {},
    keepRulesWithoutFix: true,
    ...over,
  };
}

describe('planning remediation', () => {
  it('keeps every rule, in order, with its chosen fix and its values', () => {
    const plan = planRemediation(input({}));
    assert.deepEqual(
      plan.map((p) => [p.rule.id, p.fix ? rawText(p.parts!) : null]),
      [
        [RULE('a'), `var_text='value of var_text'\necho "a=$var_text" > /etc/a`],
        [RULE('b'), 'echo b-low'],
        [RULE('c'), null],
        [RULE('d'), `q='value of ar_quote'\nprintf '%s\\n' "$q" > /etc/d`],
      ],
    );
  });

  it('leaves out rules without a fix when the format cannot announce them', () => {
    assert.deepEqual(
      planRemediation(input({ keepRulesWithoutFix: false })).map((p) => p.rule.id),
      [RULE('a'), RULE('b'), RULE('d')],
    );
  });

  it('applies rule filters, and fix filters to the choice of fix', () => {
    assert.deepEqual(
      planRemediation(input({ filter: parseFilter({ severity: ['low', 'medium'] }) })).map((p) => p.rule.id),
      [RULE('b'), RULE('c'), RULE('d')],
    );
    // only B's reboot fix is high-disruption; C has no fix, so a fix filter leaves it out
    const high = planRemediation(input({ filter: parseFilter({ disruption: ['high'] }) }));
    assert.deepEqual(
      high.map((p) => [p.rule.id, rawText(p.parts!)]),
      [[RULE('b'), 'echo b-reboot']],
    );
  });

  it('writes a Value title for use="title"', () => {
    const [p] = planRemediation(input({ rules: rules('titled') }));
    assert.equal(rawText(p!.parts!), "echo 'Text value'");
  });

  it('refuses a <sub> that names no Value, naming the rule', () => {
    assert.throws(
      () => planRemediation(input({ rules: rules('a', 'dangling') })),
      (e: unknown) =>
        e instanceof ContentError &&
        e.code === 'dangling-ref' &&
        e.message.includes(RULE('dangling')) &&
        e.message.includes(VALUE('missing')) &&
        e.location?.line !== undefined,
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContentError } from '../model/errors.js';
import { readDocument } from '../model/load.js';
import { indexBenchmark } from '../model/xccdf/index.js';
import type { Benchmark, Fix, Rule } from '../model/xccdf/types.js';
import { RULE, remediationBenchmark } from '../testing/remediation-content.js';
import { compileFilter, describeFilter, parseFilter, shortRuleId, type FilterArguments } from './filter.js';

const benchmark = readDocument({ text: remediationBenchmark(), name: 'b.xml' }) as Benchmark;
const rule = (s: string): Rule => indexBenchmark(benchmark).rules.get(RULE(s))!;

describe('filter options', () => {
  it('normalizes words: comma lists, repeats, case', () => {
    assert.deepEqual(parseFilter({ severity: ['High,medium', 'high'], disruption: ['low'], noReboot: true }), {
      severities: ['high', 'medium'],
      disruptions: ['low'],
      noReboot: true,
    });
    assert.deepEqual(parseFilter({ severity: [], rule: [] }), {});
  });

  const bad: ReadonlyArray<[FilterArguments, RegExp]> = [
    [{ severity: ['critical'] }, /--severity "critical" is not one of: unknown, info, low, medium, high/],
    [{ strategy: ['fix'] }, /--strategy "fix"/],
    [{ complexity: ['huge'] }, /--complexity "huge"/],
    [{ disruption: ['none'] }, /--disruption "none"/],
  ];
  for (const [args, message] of bad) {
    it(`refuses ${JSON.stringify(args)}`, () => {
      assert.throws(
        () => parseFilter(args),
        (e: unknown) => e instanceof ContentError && e.code === 'invalid-value' && message.test(e.message),
      );
    });
  }

  it('describes itself as the options that give it', () => {
    assert.equal(
      describeFilter(parseFilter({ severity: ['high'], noReboot: true, reference: ['NIST-800-53-CM-6'], skipRule: ['*_b'] })),
      '--severity high --no-reboot --reference NIST-800-53-CM-6 --skip-rule *_b',
    );
  });
});

describe('rule filters', () => {
  const accepts = (args: FilterArguments, r: Rule): boolean => compileFilter(parseFilter(args)).acceptsRule(r, r.severity);
  const cases: ReadonlyArray<{ name: string; args: FilterArguments; yes: string[]; no: string[] }> = [
    { name: 'severity', args: { severity: ['high'] }, yes: ['a', 'e'], no: ['b', 'c', 'd'] },
    { name: 'rule glob on the short id', args: { rule: ['[ab]'] }, yes: ['a', 'b'], no: ['c'] },
    { name: 'rule glob on the full id', args: { rule: ['xccdf_org.test_rule_d'] }, yes: ['d'], no: ['a'] },
    { name: 'skip-rule', args: { skipRule: ['a', 'b'] }, yes: ['c', 'd'], no: ['a', 'b'] },
    { name: 'a reference names its parts too: CM-6 matches CM-6(a)', args: { reference: ['NIST-800-53-CM-6'] }, yes: ['a'], no: ['b', 'd'] },
    { name: 'a reference by its bare text', args: { reference: ['CM-6(a)'] }, yes: ['a'], no: ['d'] },
    { name: 'a reference by ident', args: { reference: ['CCE-1000-1'] }, yes: ['a'], no: ['b'] },
    { name: 'a reference by Ansible tag, with a glob', args: { reference: ['*_strategy'] }, yes: ['a', 'b', 'd'], no: ['c', 'e'] },
    { name: 'a control that is not CM-6', args: { reference: ['NIST-800-53-CM-60'] }, yes: [], no: ['a'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      for (const y of c.yes) assert.equal(accepts(c.args, rule(y)), true, `${y} passes`);
      for (const n of c.no) assert.equal(accepts(c.args, rule(n)), false, `${n} is left out`);
    });
  }

  it('uses the severity in force, not the rule attribute', () => {
    assert.equal(compileFilter(parseFilter({ severity: ['low'] })).acceptsRule(rule('a'), 'low'), true);
  });

  it('knows short ids', () => assert.equal(shortRuleId('xccdf_org.ssgproject.content_rule_sshd_x'), 'sshd_x'));
});

describe('fix filters', () => {
  const f: Fix = { system: 's', strategy: 'disable', complexity: 'low', disruption: 'medium', reboot: true, content: [] };
  const cases: ReadonlyArray<[FilterArguments, boolean]> = [
    [{}, true],
    [{ strategy: ['disable', 'enable'] }, true],
    [{ strategy: ['configure'] }, false],
    [{ complexity: ['low'] }, true],
    [{ disruption: ['low'] }, false],
    [{ disruption: ['low', 'medium'] }, true],
    [{ noReboot: true }, false],
  ];
  for (const [args, want] of cases) it(JSON.stringify(args), () => assert.equal(compileFilter(parseFilter(args)).acceptsFix(f), want));

  it('says whether it looks at fixes at all', () => {
    assert.equal(compileFilter(parseFilter({ severity: ['high'] })).filtersFixes, false);
    assert.equal(compileFilter(parseFilter({ noReboot: true })).filtersFixes, true);
  });
});

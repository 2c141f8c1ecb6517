import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { readDocument } from '../model/load.js';
import { indexBenchmark } from '../model/xccdf/index.js';
import type { Benchmark } from '../model/xccdf/types.js';
import { RULE, remediationBenchmark } from '../testing/remediation-content.js';
import { ansiblePlay, indentPart, renderPlaybook } from './ansible.js';
import { ANSIBLE_SYSTEM } from './fix-systems.js';
import { planRemediation, type PlannedRule } from './plan.js';

const benchmark = readDocument({ text: remediationBenchmark(), name: 'b.xml' }) as Benchmark;
const index = indexBenchmark(benchmark);

function plan(ids: string[], values: Record<string, string> = {}): PlannedRule[] {
  return planRemediation({
    system: ANSIBLE_SYSTEM,
    rules: ids.map((s) => index.rules.get(RULE(s))!),
    severity: (r) => r.severity,
    value: (id) => {
      const v = index.values.get(id);
      return v ? { text: values[id.replace('xccdf_org.test_value_', '')] ?? v.instances[0]!.value, title: v.title } : undefined;
    },
    filter: {},
    keepRulesWithoutFix: false,
  });
}

describe('Ansible playbooks', () => {
  it('lifts promoted values into vars, once each, in order of first use, and keeps the tasks in rule order', () => {
    const play = ansiblePlay(plan(['a', 'b', 'c', 'd']));
    assert.deepEqual(play.vars, ['var_text: !!str default text', `var_quote: !!str "it's #1: yes"`]);
    const doc = parse(renderPlaybook(play, '# header\n'), { version: '1.1' });
    assert.equal(doc.length, 1);
    assert.equal(doc[0].hosts, 'all');
    assert.deepEqual(doc[0].vars, { var_text: 'default text', var_quote: "it's #1: yes" });
    assert.deepEqual(
      doc[0].tasks.map((t: { name: string }) => t.name),
      ['Set A', 'Disable B', 'Set D'],
    );
    assert.deepEqual(doc[0].tasks[0].tags, ['NIST-800-53-CM-6(a)', 'high_severity', 'configure_strategy', 'a']);
    assert.equal(doc[0].tasks[0].lineinfile.line, 'a={{ var_text }}', 'trailing whitespace is dropped, as oscap drops it');
  });

  it('writes a value as it reads back, where oscap would write it plain', () => {
    const tricky = ['[not a list]', '*x', 'a: b', 'x #y', '{{ jinja }}', 'multi\nline'];
    for (const t of tricky) {
      const doc = parse(renderPlaybook(ansiblePlay(plan(['a'], { var_text: t })), ''), { version: '1.1' });
      assert.equal(doc[0].vars.var_text, t, JSON.stringify(t));
      assert.equal(doc[0].tasks.length, 1, 'the promotion task never stays a task');
    }
  });

  it('writes an empty but valid play when there is nothing to do', () => {
    const text = renderPlaybook(ansiblePlay([]), '# nothing to remediate\n');
    const doc = parse(text);
    assert.deepEqual(doc, [{ hosts: 'all', vars: {}, tasks: [] }]);
  });

  it("lays out a task part as oscap does: trailing whitespace dropped, lines indented, a blank line after", () => {
    assert.equal(indentPart('- a: 1  \n\t\n  b: 2', '    '), '    - a: 1\n\n      b: 2\n');
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ContentError } from '../model/errors.js';
import { parseAnsibleYaml } from '../testing/ansible-yaml.js';
import { readDocument } from '../model/load.js';
import { indexBenchmark } from '../model/xccdf/index.js';
import type { Benchmark } from '../model/xccdf/types.js';
import { RULE, VALUE, remediationBenchmark } from '../testing/remediation-content.js';
import { ansiblePlay, indentPart, renderPlaybook } from './ansible.js';
import { ANSIBLE_SYSTEM } from './fix-systems.js';
import { planRemediation, type PlannedRule } from './plan.js';

const parse = (text: string, _opts?: unknown): any => parseAnsibleYaml(text);

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
    assert.deepEqual(play.vars, ['var_text: !unsafe default text', `var_quote: !unsafe "it's #1: yes"`]);
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

/** Values that Jinja or YAML would read as something else, if they were not inert. */
const HOSTILE = (marker: string): string[] => [
  `{{ lookup('pipe', 'touch ${marker}') }}`,
  `{% set x = lookup('pipe', 'touch ${marker}') %}{{ x }}`,
  `{# comment #}{{ 7 * 7 }}`,
  `x: {{ query('pipe', 'touch ${marker}') }}\n- y`,
  "'quoted' \"double\" \\ back",
  '!!python/object/apply:os.system ["touch x"]',
  '*alias &anchor [list] {map}',
];

describe('Ansible values are inert', () => {
  for (const v of HOSTILE('/nonexistent/pwned')) {
    it(`${JSON.stringify(v)} is a variable tagged !unsafe that reads back as itself`, () => {
      const play = ansiblePlay(plan(['a'], { var_text: v }));
      assert.match(play.vars[0]!, /^var_text: !unsafe /);
      assert.equal(parse(renderPlaybook(play, ''), { version: '1.1' })[0].vars.var_text, v);
    });
  }

  const inline = (value: string): PlannedRule[] => [
    {
      rule: { id: RULE('inline') } as PlannedRule['rule'],
      severity: 'low',
      parts: ['- name: Inline\n  lineinfile:\n    path: /etc/x\n    line: x=', { sub: VALUE('v'), value }, '\n'],
    },
  ];
  const cases: { value: string; inert: boolean }[] = [
    { value: '027', inert: true },
    { value: '/var/log/sudo.log', inert: true },
    { value: 'a,b c', inert: true },
    { value: "{{ lookup('pipe', 'id') }}", inert: false },
    { value: '{% raw %}', inert: false },
    { value: 'a: b', inert: false },
    { value: 'x #y', inert: false },
    { value: 'two\nlines', inert: false },
    { value: '- dash', inert: false },
    { value: '', inert: false },
    { value: 'trailing ', inert: false },
  ];
  for (const c of cases) {
    it(`a <sub> in task text: ${JSON.stringify(c.value)} is ${c.inert ? 'written as it is' : 'refused, naming the rule and the Value'}`, () => {
      if (c.inert) {
        const play = ansiblePlay(inline(c.value));
        assert.equal(parse(renderPlaybook(play, ''))[0].tasks[0].lineinfile.line, `x=${c.value}`);
      } else {
        assert.throws(
          () => ansiblePlay(inline(c.value)),
          (e: unknown) => e instanceof ContentError && e.code === 'unsafe-value' && e.message.includes(RULE('inline')) && e.message.includes(VALUE('v')),
        );
      }
    });
  }
});

describe('a playbook with hostile values runs, and writes them as they are', () => {
  it('ansible-playbook -c local writes each value literally into a temp file, and runs no command', (t) => {
    try {
      execFileSync('ansible-playbook', ['--version'], { stdio: 'ignore' });
    } catch {
      t.skip('ansible-playbook (Debian package ansible-core) is not installed');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'vigil-ansible-'));
    try {
      const marker = join(dir, 'pwned');
      const values = HOSTILE(marker);
      const rules = values
        .map(
          (_, k) => `<Value id="${VALUE(`v${k}`)}" type="string"><title>v${k}</title><value>x</value></Value>
<Rule id="${RULE(`run${k}`)}" selected="true" severity="low"><title>Run ${k}</title>
<fix system="urn:xccdf:fix:script:ansible">- name: XCCDF Value v${k} # promote to variable
  set_fact:
    v${k}: !!str <sub idref="${VALUE(`v${k}`)}" use="legacy"/>
  tags:
    - always

- name: Line ${k}
  lineinfile:
    path: ${dir}/line${k}
    create: true
    line: "v={{ v${k} }}"
- name: Copy ${k}
  copy:
    dest: ${dir}/copy${k}
    content: "{{ v${k} }}"
</fix></Rule>`,
        )
        .join('\n');
      const b = readDocument({ text: remediationBenchmark(rules), name: 'b.xml' }) as Benchmark;
      const ix = indexBenchmark(b);
      const planned = planRemediation({
        system: ANSIBLE_SYSTEM,
        rules: values.map((_, k) => ix.rules.get(RULE(`run${k}`))!),
        severity: (r) => r.severity,
        value: (id) => {
          const k = /_v(\d+)$/.exec(id);
          return k ? { text: values[Number(k[1])]!, title: 't' } : undefined;
        },
        filter: {},
        keepRulesWithoutFix: false,
      });
      const playbook = join(dir, 'playbook.yml');
      writeFileSync(playbook, renderPlaybook(ansiblePlay(planned), '# hostile values\n'));
      const env = { ...process.env, ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'), ANSIBLE_REMOTE_TEMP: join(dir, 'tmp'), ANSIBLE_NOCOLOR: '1', ANSIBLE_HOME: join(dir, 'home') };
      const args = ['-i', 'localhost,', '-c', 'local', playbook];
      execFileSync('ansible-playbook', ['--syntax-check', ...args], { env, stdio: 'pipe' });
      execFileSync('ansible-playbook', args, { env, stdio: 'pipe', timeout: 120_000 });
      values.forEach((v, k) => {
        // lineinfile writes the line, copy the content, each exactly as the Value holds it
        assert.equal(readFileSync(join(dir, `line${k}`), 'utf8'), `v=${v}\n`, `lineinfile ${k}`);
        assert.equal(readFileSync(join(dir, `copy${k}`), 'utf8'), v, `copy ${k}`);
      });
      assert.equal(existsSync(marker), false, 'no lookup ran');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

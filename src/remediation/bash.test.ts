import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { bashText, renderBashScript } from './bash.js';
import type { PlannedRule } from './plan.js';
import type { Rule } from '../model/xccdf/types.js';

const rule = (id: string): Rule => ({ id }) as Rule;

describe('bash scripts', () => {
  it('numbers one block per rule, announces each on stderr, and says when a fix is missing', () => {
    const plan: PlannedRule[] = [
      { rule: rule('r1'), severity: 'low', fix: { system: 's', strategy: 'unknown', complexity: 'unknown', disruption: 'unknown', reboot: false, content: [] }, parts: ['echo one'] },
      { rule: rule('r2'), severity: 'low' },
    ];
    const text = renderBashScript(plan, '# header\n');
    assert.ok(text.startsWith('#!/usr/bin/env bash\n# header\n'));
    assert.match(text, /# BEGIN fix \(1 \/ 2\) for 'r1'\n#+\n\(>&2 echo "Remediating rule 1\/2: 'r1'"\)\necho one\n# END fix for 'r1'\n/);
    assert.match(text, /# BEGIN fix \(2 \/ 2\) for 'r2'\n#+\n\(>&2 echo "Remediating rule 2\/2: 'r2'"\)\n\(>&2 echo "FIX FOR THIS RULE 'r2' IS MISSING!"\)\n\n# END fix for 'r2'\n/);
    const run = execFileSync('bash', ['-c', text], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(run, 'one\n');
  });

  it('quotes a value for the quotes around it, so that it reaches the script as itself', () => {
    const values = ["it's", 'a "b" $HOME `x` \\n', 'plain'];
    for (const v of values) {
      const single = bashText(['x=\'', { sub: 's', value: v }, '\'; printf %s "$x"']);
      assert.equal(execFileSync('bash', ['-c', single], { encoding: 'utf8' }), v, single);
      const double = bashText(['x="', { sub: 's', value: v }, '"; printf %s "$x"']);
      assert.equal(execFileSync('bash', ['-c', double], { encoding: 'utf8' }), v, double);
    }
    assert.equal(bashText(['echo ', { sub: 's', value: "it's" }]), "echo it's", 'unquoted, a value is written as it is');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Fix, Level } from '../model/xccdf/types.js';
import { chooseFix } from './choose-fix.js';

const SH = 'urn:xccdf:fix:script:sh';
const fix = (id: string, disruption: Level, reboot: boolean, system = SH): Fix => ({ id, system, strategy: 'unknown', complexity: 'unknown', disruption, reboot, content: [id] });

describe('choosing a fix (OpenSCAP heuristic)', () => {
  const cases: ReadonlyArray<{ name: string; fixes: Fix[]; want: string | undefined }> = [
    { name: 'none for the system', fixes: [fix('a', 'low', false, 'urn:xccdf:fix:script:ansible')], want: undefined },
    { name: 'the only one', fixes: [fix('a', 'high', true)], want: 'a' },
    { name: 'no reboot beats reboot, whatever the disruption', fixes: [fix('a', 'low', true), fix('b', 'high', false)], want: 'b' },
    { name: 'low disruption beats medium, listed first', fixes: [fix('a', 'low', false), fix('b', 'medium', false)], want: 'a' },
    { name: 'low disruption beats medium, listed last', fixes: [fix('a', 'medium', false), fix('b', 'low', false)], want: 'b' },
    { name: 'medium beats high and unknown', fixes: [fix('a', 'high', false), fix('b', 'unknown', false), fix('c', 'medium', false)], want: 'c' },
    { name: 'the first when nothing tells them apart', fixes: [fix('a', 'high', false), fix('b', 'unknown', false)], want: 'a' },
    { name: 'other systems are ignored', fixes: [fix('x', 'low', false, 'urn:xccdf:fix:script:puppet'), fix('a', 'high', true)], want: 'a' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(chooseFix(c.fixes, SH)?.id, c.want));

  it('chooses among the fixes a filter accepts', () => {
    const fixes = [fix('a', 'low', false), fix('b', 'high', true)];
    assert.equal(chooseFix(fixes, SH, (f) => f.reboot)?.id, 'b');
    assert.equal(chooseFix(fixes, SH, () => false), undefined);
  });
});

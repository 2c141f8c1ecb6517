import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContentError } from '../errors.js';
import { outlineXml } from '../xml/outline.js';
import { readTestResult, selectTestResult, type XccdfTestResult } from './test-result.js';

const X = 'http://checklists.nist.gov/xccdf/1.2';

function parse(xml: string): XccdfTestResult {
  const outline = outlineXml(Buffer.from(xml, 'utf8'), 'r.xml', () => false);
  return readTestResult(outline, outline.root);
}

describe('TestResult', () => {
  it('reads the profile, times, set-values and rule results in order', () => {
    const tr = parse(`<TestResult xmlns="${X}" id="xccdf_t_testresult_p" start-time="2024-01-01T00:00:00" end-time="2024-01-01T00:00:05">
  <benchmark href="ds.xml" id="xccdf_t_benchmark_b"/>
  <title>Scan</title>
  <profile idref="xccdf_t_profile_p"/>
  <set-value idref="xccdf_t_value_v">a &amp; b</set-value><set-value idref="xccdf_t_value_w"><![CDATA[<x> & y]]><!-- note -->&#233;</set-value>
  <rule-result idref="xccdf_t_rule_a"><result>fail</result></rule-result>
  <rule-result idref="xccdf_t_rule_b"><result>pass</result></rule-result>
  <rule-result idref="xccdf_t_rule_a"><result>fail</result></rule-result>
</TestResult>`);
    assert.equal(tr.id, 'xccdf_t_testresult_p');
    assert.equal(tr.profileId, 'xccdf_t_profile_p');
    assert.equal(tr.benchmarkId, 'xccdf_t_benchmark_b');
    assert.equal(tr.startTime, '2024-01-01T00:00:00');
    assert.equal(tr.endTime, '2024-01-01T00:00:05');
    assert.equal(tr.setValues.get('xccdf_t_value_v'), 'a & b');
    assert.equal(tr.setValues.get('xccdf_t_value_w'), '<x> & yé');
    assert.equal(tr.title, 'Scan');
    assert.deepEqual(tr.location, { file: 'r.xml', line: 1, col: 1 });
    assert.deepEqual(
      tr.ruleResults.map((r) => [r.ruleId, r.result, r.location.line]),
      [
        ['xccdf_t_rule_a', 'fail', 6],
        ['xccdf_t_rule_b', 'pass', 7],
        ['xccdf_t_rule_a', 'fail', 8],
      ],
    );
  });

  it('refuses an undeclared entity in a value', () => {
    assert.throws(
      () => parse(`<TestResult xmlns="${X}" id="t"><set-value idref="v">&nope;</set-value></TestResult>`),
      (e: unknown) => e instanceof ContentError && e.code === 'xml-malformed' && /undeclared entity/.test(e.message),
    );
  });

  it('refuses a rule-result without a known result', () => {
    for (const body of ['<rule-result idref="r"/>', '<rule-result idref="r"><result>broken</result></rule-result>']) {
      assert.throws(
        () => parse(`<TestResult xmlns="${X}" id="t">${body}</TestResult>`),
        (e: unknown) => e instanceof ContentError && (e.code === 'missing-attribute' || e.code === 'invalid-value') && e.location?.line === 1,
      );
    }
  });
});

describe('picking a TestResult with --result-id', () => {
  const a = parse(`<TestResult xmlns="${X}" id="xccdf_org.open-scap_testresult_xccdf_p_profile_a"/>`);
  const b = parse(`<TestResult xmlns="${X}" id="xccdf_org.open-scap_testresult_xccdf_p_profile_b"/>`);
  const otherB = parse(`<TestResult xmlns="${X}" id="xccdf_org.open-scap_testresult_xccdf_q_profile_b"/>`);
  const cases: ReadonlyArray<{ name: string; results: XccdfTestResult[]; wanted: string; id?: string; error?: RegExp }> = [
    { name: 'the full id', results: [a, b], wanted: a.id, id: a.id },
    { name: 'the end of one id, as oscap allows', results: [a, b], wanted: 'profile_b', id: b.id },
    { name: 'the empty id, when there is only one', results: [a], wanted: '', id: a.id },
    { name: 'the empty id, when there are several', results: [a, b], wanted: '', error: /holds 2 TestResults; pick one/ },
    { name: 'an end shared by several ids', results: [a, b, otherB], wanted: 'profile_b', error: /matches 2 TestResults/ },
    { name: 'an id that is not there', results: [a, b], wanted: 'nope', error: /no TestResult "nope".*profile_a/ },
    { name: 'a file without results', results: [], wanted: '', error: /holds no TestResult/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.id !== undefined) assert.equal(selectTestResult(c.results, c.wanted, 'r.xml').id, c.id);
      else {
        assert.throws(
          () => selectTestResult(c.results, c.wanted, 'r.xml'),
          (e: unknown) => e instanceof ContentError && e.code === 'dangling-ref' && c.error!.test(e.message),
        );
      }
    });
  }
});

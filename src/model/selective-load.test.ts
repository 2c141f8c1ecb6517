import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { PROFILE, RULE, VALUE, arfXml, remediationBenchmark, remediationDataStream, resultsFileXml, testResultXml, writeTemp } from '../testing/remediation-content.js';
import { openChecklist } from './checklist.js';
import { ContentError } from './errors.js';
import { readDocumentFile } from './load.js';
import { skimContent } from './selective-load.js';
import type { Benchmark, Rule } from './xccdf/types.js';
import type { SourceDocument } from './datastream/types.js';

const benchmarkOf = (doc: SourceDocument): Benchmark => (doc.kind === 'benchmark' ? doc : openChecklist({ file: 'x', document: doc, warnings: [] }).benchmark);

function rules(b: Benchmark): Rule[] {
  const out: Rule[] = [];
  const walk = (items: Benchmark['children']): void => {
    for (const it of items) if (it.kind === 'rule') out.push(it);
    else walk(it.children);
  };
  walk(b.children);
  return out;
}

const files = writeTemp({
  'ds.xml': remediationDataStream(),
  'benchmark.xml': remediationBenchmark(),
  'results.xml': resultsFileXml(testResultXml(PROFILE('p'), { [RULE('a')]: 'fail', [RULE('b')]: 'pass' }, { [VALUE('var_text')]: 'evaluated' })),
  'arf.xml': arfXml(testResultXml(PROFILE('q'), { [RULE('d')]: 'fail' })),
});
after(() => rmSync(files.dir, { recursive: true, force: true }));

describe('selective loading', () => {
  for (const name of ['ds.xml', 'benchmark.xml', 'results.xml']) {
    it(`${name}: loading everything gives the model the full parser gives, locations included`, () => {
      const full = benchmarkOf(readDocumentFile(files[name]!));
      const loaded = benchmarkOf(skimContent(files[name]!).load().document);
      assert.deepEqual(loaded, full);
    });
  }

  it('parses only the rules, rule parts, profiles and values asked for, at their original lines', () => {
    const full = benchmarkOf(readDocumentFile(files['ds.xml']!));
    const part = benchmarkOf(
      skimContent(files['ds.xml']!).load({
        rule: (r) => r.id === RULE('d') || r.id === RULE('b'),
        ruleChild: (c) => c.name === 'fix' && c.attrs['system'] === 'urn:xccdf:fix:script:sh',
        groupChild: () => false,
        profile: (id) => id === PROFILE('q'),
        referencedValuesOnly: true,
      }).document,
    );
    assert.deepEqual(
      rules(part).map((r) => r.id),
      [RULE('b'), RULE('d')],
    );
    const d = rules(part)[1]!;
    const fullD = rules(full).find((r) => r.id === RULE('d'))!;
    assert.deepEqual(d.location, fullD.location);
    assert.deepEqual(d.fixes, fullD.fixes.filter((f) => f.system === 'urn:xccdf:fix:script:sh'));
    assert.equal(d.title, '', 'the title was left out');
    assert.deepEqual(
      part.profiles.map((p) => p.id),
      [PROFILE('q')],
    );
    // only D's bash fix names a Value, var_quote; B's fixes name none
    const group = part.children[0]!;
    assert.equal(group.kind, 'group');
    assert.deepEqual(
      group.kind === 'group' ? group.values.map((v) => v.id) : [],
      [VALUE('var_quote')],
    );
  });

  it('reads profile ids, extends and selects without parsing the profiles', () => {
    const skim = skimContent(files['ds.xml']!);
    assert.deepEqual(skim.profileIds, [PROFILE('p'), PROFILE('q')]);
    const q = skim.profileStub(PROFILE('q'))!;
    assert.equal(q.extends, PROFILE('p'));
    assert.deepEqual(q.selects, [{ idref: RULE('b'), selected: false }]);
    assert.equal(skim.profileStub('nope'), undefined);
  });

  it('reads the TestResults of a results file', () => {
    const skim = skimContent(files['results.xml']!);
    assert.equal(skim.kind, 'benchmark');
    const [tr] = skim.testResults();
    assert.equal(tr!.profileId, PROFILE('p'));
    assert.deepEqual(
      tr!.ruleResults.map((r) => [r.ruleId, r.result]),
      [
        [RULE('a'), 'fail'],
        [RULE('b'), 'pass'],
      ],
    );
    assert.equal(tr!.setValues.get(VALUE('var_text')), 'evaluated');
    const lines = readFileLines(files['results.xml']!);
    assert.match(lines[tr!.ruleResults[0]!.location.line - 1]!, /rule-result idref="xccdf_org.test_rule_a"/);
  });

  it('reads an ARF: the data stream of its report request, the TestResult of its report', () => {
    const skim = skimContent(files['arf.xml']!);
    assert.equal(skim.kind, 'arf');
    assert.equal(skim.testResults()[0]!.profileId, PROFILE('q'));
    const b = benchmarkOf(skim.load({ rule: (r) => r.id === RULE('d') }).document);
    const d = rules(b)[0]!;
    assert.equal(d.id, RULE('d'));
    assert.match(readFileLines(files['arf.xml']!)[d.location.line - 1]!, /<Rule id="xccdf_org.test_rule_d"/);
  });

  it('reports an error in a kept part at its line in the original file', () => {
    const broken = remediationDataStream().replace('<title>Rule D</title>', '<title>Rule &undefined; D</title>');
    const f = writeTemp({ 'broken.xml': broken })['broken.xml']!;
    const line = broken.split('\n').findIndex((l) => l.includes('&undefined;')) + 1;
    assert.throws(
      () => skimContent(f).load({ rule: (r) => r.id === RULE('d') }),
      (e: unknown) => e instanceof ContentError && e.code === 'xml-malformed' && e.location?.line === line,
    );
    // the same flaw in a rule that is left out is never parsed
    assert.doesNotThrow(() => skimContent(f).load({ rule: (r) => r.id === RULE('a') }));
  });

  const wrong = [
    { name: 'a tailoring', xml: '<Tailoring xmlns="http://checklists.nist.gov/xccdf/1.2" id="t"/>', message: /is an XCCDF tailoring; give the benchmark/ },
    { name: 'OVAL definitions', xml: '<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"/>', message: /holds <oval_definitions>/ },
    { name: 'an ARF without a data stream', xml: '<asset-report-collection xmlns="http://scap.nist.gov/schema/asset-reporting-format/1.1"/>', message: /hold no data stream/ },
  ];
  for (const w of wrong) {
    it(`refuses ${w.name}`, () => {
      const f = writeTemp({ 'x.xml': w.xml })['x.xml']!;
      assert.throws(
        () => skimContent(f),
        (e: unknown) => e instanceof ContentError && e.code === 'wrong-root' && w.message.test(e.message),
      );
    });
  }
});

function readFileLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n');
}

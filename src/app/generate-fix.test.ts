import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { parseAnsibleYaml } from '../testing/ansible-yaml.js';
import { ContentError } from '../model/errors.js';
import { PROFILE, RULE, VALUE, arfXml, remediationDataStream, resultsFileXml, testResultXml, writeTemp } from '../testing/remediation-content.js';
import { generateFix, type GenerateFixOptions } from './generate-fix.js';

const tailoring = `<?xml version="1.0"?>
<xccdf:Tailoring xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.test_tailoring_t">
  <xccdf:version time="2024-01-01T00:00:00">1</xccdf:version>
  <xccdf:Profile id="${PROFILE('tailored')}" extends="${PROFILE('p')}">
    <xccdf:title>Tailored</xccdf:title>
    <xccdf:select idref="${RULE('a')}" selected="false"/>
    <xccdf:set-value idref="${VALUE('var_quote')}">tailored value</xccdf:set-value>
  </xccdf:Profile>
</xccdf:Tailoring>`;

const dangling = `<Rule id="${RULE('dangling')}" selected="true" severity="low"><title>Dangling</title>
<fix system="urn:xccdf:fix:script:ansible">- name: uses a missing value
  command: echo <sub idref="${VALUE('missing')}"/></fix></Rule>`;

const files = writeTemp({
  'ds.xml': remediationDataStream(),
  'dangling.xml': remediationDataStream(dangling),
  'tailoring.xml': tailoring,
  'results.xml': resultsFileXml(testResultXml(PROFILE('p'), { [RULE('a')]: 'fail', [RULE('b')]: 'pass', [RULE('c')]: 'notchecked', [RULE('d')]: 'fail' }, { [VALUE('var_text')]: 'as evaluated' })),
  'passing.xml': resultsFileXml(testResultXml(PROFILE('p'), { [RULE('a')]: 'pass', [RULE('d')]: 'pass' })),
  'two.xml': resultsFileXml(testResultXml(PROFILE('p'), { [RULE('a')]: 'fail' }), testResultXml(PROFILE('q'), { [RULE('d')]: 'fail' })),
  'tailored-results.xml': resultsFileXml(testResultXml(PROFILE('tailored'), { [RULE('d')]: 'fail' }, { [VALUE('var_quote')]: 'from the results', [VALUE('var_text')]: 't' })),
  'arf.xml': arfXml(testResultXml(PROFILE('q'), { [RULE('a')]: 'fail', [RULE('d')]: 'fail', [RULE('e')]: 'fail' })),
});
after(() => rmSync(files.dir, { recursive: true, force: true }));

interface Play {
  hosts: string;
  vars: Record<string, string>;
  tasks: Array<{ name: string; tags?: string[] }>;
}

function playbook(input: string, opts: Omit<GenerateFixOptions, 'fixType'>): { play: Play; text: string; notes: readonly string[] } {
  const r = generateFix(input, { fixType: 'ansible', ...opts });
  const doc = parseAnsibleYaml(r.text) as Play[];
  assert.equal(doc.length, 1, 'one play');
  return { play: doc[0]!, text: r.text, notes: r.notes };
}

const names = (p: Play): string[] => p.tasks.map((t) => t.name);

function refused(fn: () => unknown, code: ContentError['code'], message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ContentError && e.code === code && message.test(e.message));
}

describe('generate fix, profile-based', () => {
  it('remediates every rule the profile selects, in benchmark order, with its values', () => {
    const { play, text } = playbook(files['ds.xml']!, { profile: PROFILE('p') });
    assert.equal(play.hosts, 'all');
    assert.deepEqual(names(play), ['Set A', 'Disable B', 'Set D']);
    assert.deepEqual(play.vars, { var_text: 'default text', var_quote: "it's #1: yes" });
    assert.match(text, /# Profile ID: {2}xccdf_org.test_profile_p\n/);
    assert.match(text, /# Benchmark Version: {2}1.0\n/);
    assert.match(text, /# \$ vigil xccdf generate fix --fix-type ansible --profile xccdf_org.test_profile_p /);
    assert.match(text, /# Filter: {2}none\n/);
    assert.match(text, /# \$ ansible-playbook -i "localhost," -c local playbook.yml/);
  });

  it('follows extends, deselection and refine-value, and takes the end of a profile id', () => {
    const { play } = playbook(files['ds.xml']!, { profile: 'profile_q' });
    assert.deepEqual(names(play), ['Set A', 'Set D']);
    assert.equal(play.vars['var_text'], 'other text');
  });

  it('applies a tailoring file: its selects and its set-values', () => {
    const { play } = playbook(files['ds.xml']!, { profile: PROFILE('tailored'), tailoringFile: files['tailoring.xml']! });
    assert.deepEqual(names(play), ['Disable B', 'Set D']);
    assert.equal(play.vars['var_quote'], 'tailored value');
  });

  it('writes a bash script with a numbered block per rule, the missing fix announced', () => {
    const r = generateFix(files['ds.xml']!, { fixType: 'bash', profile: PROFILE('p') });
    const blocks = [...r.text.matchAll(/# BEGIN fix \((\d+) \/ (\d+)\) for '([^']+)'/g)].map((m) => `${m[1]}/${m[2]} ${m[3]}`);
    assert.deepEqual(blocks, [`1/4 ${RULE('a')}`, `2/4 ${RULE('b')}`, `3/4 ${RULE('c')}`, `4/4 ${RULE('d')}`]);
    assert.match(r.text, /var_text='default text'/);
    assert.match(r.text, /echo b-low/, 'the fix that needs no reboot');
    assert.match(r.text, /FIX FOR THIS RULE 'xccdf_org.test_rule_c' IS MISSING!/);
    assert.match(r.text, /q='it'\\''s #1: yes'/);
  });

  it('keeps only what passes the filter, and says which filter in the header', () => {
    const { play, text } = playbook(files['ds.xml']!, { profile: PROFILE('p'), filter: { severity: ['high', 'medium'], skipRule: ['d'] } });
    assert.deepEqual(names(play), ['Set A']);
    assert.deepEqual(play.vars, { var_text: 'default text' });
    assert.match(text, /# Filter: {2}--severity high,medium --skip-rule d\n/);
    assert.match(text, /--severity high,medium --skip-rule d /, 'and in the command');
    const bash = generateFix(files['ds.xml']!, { fixType: 'bash', profile: PROFILE('p'), filter: { noReboot: true, disruption: ['low'] } });
    assert.deepEqual([...bash.text.matchAll(/BEGIN fix \(\d+ \/ (\d+)\) for '([^']+)'/g)].map((m) => `${m[1]} ${m[2]}`), [`3 ${RULE('a')}`, `3 ${RULE('b')}`, `3 ${RULE('d')}`]);
  });
});

describe('generate fix, results-based', () => {
  it('remediates the failed rules only, with the values of the evaluation', () => {
    const { play, text } = playbook(files['results.xml']!, { resultId: '' });
    assert.deepEqual(names(play), ['Set A', 'Set D']);
    assert.equal(play.vars['var_text'], 'as evaluated');
    assert.match(text, /generated from evaluation of Profile P/);
    assert.match(text, /# TestResult ID: {2}xccdf_org.open-scap_testresult_xccdf_org.test_profile_p\n/);
    assert.match(text, /--result-id xccdf_org.open-scap_testresult_xccdf_org.test_profile_p /);
  });

  it('reads an ARF, and leaves out failed rules the profile does not select', () => {
    const r = playbook(files['arf.xml']!, { resultId: 'profile_q' });
    assert.deepEqual(names(r.play), ['Set A', 'Set D']);
    assert.equal(r.play.vars['var_text'], 'other text');
    assert.ok(r.notes.some((n) => n.includes(RULE('e')) && n.includes('does not select')));
  });

  it('writes a valid, empty playbook when nothing failed, and says so', () => {
    const { play, text, notes } = playbook(files['passing.xml']!, { resultId: '' });
    assert.deepEqual(play, { hosts: 'all', vars: {}, tasks: [] });
    assert.match(text, /has no failed rules: there is nothing to remediate/);
    assert.ok(notes.some((n) => /nothing to remediate/.test(n)));
  });

  it('picks one of several TestResults by the end of its id', () => {
    assert.deepEqual(names(playbook(files['two.xml']!, { resultId: 'profile_q' }).play), ['Set D']);
    refused(() => generateFix(files['two.xml']!, { fixType: 'ansible', resultId: '' }), 'dangling-ref', /holds 2 TestResults; pick one/);
  });

  it("uses the TestResult's values when its tailored profile is not in the file", () => {
    const { play, notes } = playbook(files['tailored-results.xml']!, { resultId: '' });
    assert.deepEqual(names(play), ['Set D']);
    assert.equal(play.vars['var_quote'], 'from the results');
    assert.ok(notes.some((n) => n.includes(PROFILE('tailored')) && n.includes('values come from the TestResult')));
  });
});

describe('generate fix, bad input', () => {
  it('an unknown profile, naming the ones there are', () => {
    refused(() => generateFix(files['ds.xml']!, { fixType: 'ansible', profile: 'nope' }), 'unknown-profile', /no profile "nope".*xccdf_org.test_profile_p/);
  });
  it('an unknown TestResult', () => {
    refused(() => generateFix(files['results.xml']!, { fixType: 'ansible', resultId: 'nope' }), 'dangling-ref', /no TestResult "nope"/);
  });
  it('--result-id on content without results', () => {
    refused(() => generateFix(files['ds.xml']!, { fixType: 'ansible', resultId: '' }), 'dangling-ref', /holds no TestResult/);
  });
  it('an unknown fix type', () => {
    refused(() => generateFix(files['ds.xml']!, { fixType: 'puppet', profile: PROFILE('p') }), 'invalid-value', /unknown fix type "puppet"; choose one of: ansible, bash/);
  });
  it('a <sub> naming a Value that does not exist, with the rule id', () => {
    refused(() => generateFix(files['dangling.xml']!, { fixType: 'ansible' }), 'dangling-ref', /rule xccdf_org.test_rule_dangling: .*<sub idref="xccdf_org.test_value_missing">/);
  });
  it('a tailoring file that is not one', () => {
    refused(() => generateFix(files['ds.xml']!, { fixType: 'ansible', profile: PROFILE('p'), tailoringFile: files['ds.xml']! }), 'wrong-root', /is not an XCCDF tailoring/);
  });
});

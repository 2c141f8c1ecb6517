import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { benchmarkXml, dataStreamXml, NS, ovalXml } from '../testing/content.js';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { run } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-xccdf-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const OVAL = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';
const def = (id: string, test: string): string =>
  `<definition id="oval:t:def:${id}" version="1" class="compliance"><metadata><title>${id}</title><description>d</description></metadata><criteria><criterion test_ref="oval:t:tst:${test}" comment="c"/></criteria></definition>`;
const fileTest = (id: string, existence = 'at_least_one_exists'): string =>
  `<ind:textfilecontent54_test id="oval:t:tst:${id}" version="1" check="all" check_existence="${existence}" comment="c"><ind:object object_ref="oval:t:obj:${id}"/></ind:textfilecontent54_test>`;
const fileObject = (id: string, path: string, pattern: string, varRef = false): string =>
  `<ind:textfilecontent54_object id="oval:t:obj:${id}" version="1" comment="c"><ind:filepath>${path}</ind:filepath><ind:pattern operation="pattern match"${varRef ? ` var_ref="oval:t:var:1"` : ''}>${varRef ? '' : pattern}</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>`;

const oval = ovalXml({
  definitions: def('pass', 'a') + def('fail', 'b') + def('var', 'v'),
  tests: fileTest('a') + fileTest('b') + fileTest('v'),
  objects: fileObject('a', '/etc/app.conf', '^a=1$') + fileObject('b', '/etc/app.conf', '^b=1$') + fileObject('v', '/etc/app.conf', '', true),
  variables: `<external_variable id="oval:t:var:1" version="1" datatype="string" comment="c"/>`,
});
const cpeOval = ovalXml({
  definitions: def('is_test', 'r'),
  tests: fileTest('r'),
  objects: fileObject('r', '/etc/test-release', '^test$'),
});
const dictionary = `<cpe-list xmlns="${NS.cpeDict}">
  <cpe-item name="cpe:/o:example:test:1"><title xml:lang="en-us">Test OS</title><check system="${OVAL}" href="cpe-oval.xml">oval:t:def:is_test</check></cpe-item>
</cpe-list>`;
const check = (name: string, exports = ''): string => `<check system="${OVAL}">${exports}<check-content-ref href="oval.xml" name="oval:t:def:${name}"/></check>`;
const benchmark = benchmarkXml(`
  <platform idref="cpe:/o:example:test:1"/>
  <Value id="xccdf_t_value_v" type="string"><title>v</title><value>^c=3$</value><value selector="other">^zz$</value></Value>
  <Profile id="xccdf_t_profile_good"><title>Good</title><select idref="xccdf_t_rule_pass" selected="true"/><select idref="xccdf_t_rule_var" selected="true"/></Profile>
  <Profile id="xccdf_t_profile_all"><title>All</title><select idref="xccdf_t_rule_pass" selected="true"/><select idref="xccdf_t_rule_fail" selected="true"/><select idref="xccdf_t_rule_var" selected="true"/><refine-value idref="xccdf_t_value_v" selector="other"/></Profile>
  <Rule id="xccdf_t_rule_pass" selected="false" severity="low"><title>Passes</title><ident system="https://ncp.nist.gov/cce">CCE-1-1</ident>${check('pass')}</Rule>
  <Rule id="xccdf_t_rule_fail" selected="false" severity="high"><title>Fails</title><description>Sets b to one in app.conf.</description>${check('fail')}</Rule>
  <Rule id="xccdf_t_rule_var" selected="false"><title>Uses a value</title>${check('var', '<check-export value-id="xccdf_t_value_v" export-name="oval:t:var:1"/>')}</Rule>
`);
const ds = join(dir, 'ds.xml');
writeFileSync(
  ds,
  dataStreamXml({
    checklist: { id: 'xccdf', xml: benchmark },
    checks: [
      { id: 'oval', xml: oval },
      { id: 'cpe-oval', xml: cpeOval },
    ],
    dictionary: { id: 'dict', xml: dictionary },
    catalog: { 'oval.xml': '#cref-oval' },
    dictionaryCatalog: { 'cpe-oval.xml': '#cref-cpe-oval' },
  }),
);

function root(name: string, files: Record<string, string>): string {
  const r = join(dir, name);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(r, p, '..'), { recursive: true });
    writeFileSync(join(r, p), text);
  }
  return r;
}
const good = root('good', { '/etc/test-release': 'test\n', '/etc/app.conf': 'a=1\nc=3\n' });
const otherOs = root('other', { '/etc/app.conf': 'a=1\nc=3\n' });

async function vigil(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s), env });
  return { code, out, err };
}

const lines = (out: string): string[] => out.split('\n').filter((l) => /^(Title|Rule|Ident|Result)\r\t/.test(l)).map((l) => l.replace('\r\t', ' '));

describe('vigil xccdf eval', () => {
  it("prints oscap's lines and exits 0 when everything passes", async () => {
    const r = await vigil(['xccdf', 'eval', '--profile', 'xccdf_t_profile_good', '--root', good, ds]);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.startsWith('--- Starting Evaluation ---\n\n'));
    assert.deepEqual(lines(r.out), [
      'Title Passes',
      'Rule xccdf_t_rule_pass',
      'Ident CCE-1-1',
      'Result pass',
      'Title Uses a value',
      'Rule xccdf_t_rule_var',
      'Result pass',
    ]);
  });

  it('exits 2 on a failure, uses refined values, and writes results with every rule', async () => {
    const results = join(dir, 'all.xml');
    const r = await vigil(['xccdf', 'eval', '--profile', 'all', '--results', results, '--root', good, ds]);
    assert.equal(r.code, 2, r.err);
    assert.deepEqual(
      lines(r.out).filter((l) => l.startsWith('Result')),
      ['Result pass', 'Result fail', 'Result fail'],
    );
    const xml = readFileSync(results, 'utf8');
    assert.match(xml, /<Benchmark [^>]*id="xccdf_test_benchmark_b"/);
    assert.match(xml, /<TestResult xmlns="http:\/\/checklists.nist.gov\/xccdf\/1.2" id="xccdf_org.open-scap_testresult_xccdf_t_profile_all"/);
    assert.match(xml, /<set-value idref="xccdf_t_value_v">\^zz\$<\/set-value>/);
    assert.match(xml, /<rule-result idref="xccdf_t_rule_fail"[^>]*severity="high"[^>]*>\s*<result>fail<\/result>/);
    assert.match(xml, /<check-export export-name="oval:t:var:1" value-id="xccdf_t_value_v"\/>/);
    assert.match(xml, /<platform idref="cpe:\/o:example:test:1"\/>/);
    assert.match(xml, /<score system="urn:xccdf:scoring:default" maximum="100.000000">33.333332<\/score>/);
  });

  it('reads OSCAP_PROBE_ROOT like oscap', async () => {
    const a = await vigil(['xccdf', 'eval', '--profile', 'all', '--root', good, ds]);
    const b = await vigil(['xccdf', 'eval', '--profile', 'all', ds], { OSCAP_PROBE_ROOT: good });
    assert.deepEqual(lines(b.out), lines(a.out));
    assert.equal(b.code, a.code);
  });

  it('--rule evaluates just that rule, --skip-rule leaves one out', async () => {
    const one = await vigil(['xccdf', 'eval', '--profile', 'all', '--rule', 'xccdf_t_rule_fail', '--root', good, ds]);
    assert.deepEqual(lines(one.out), ['Title Fails', 'Rule xccdf_t_rule_fail', 'Result fail']);
    const skip = await vigil(['xccdf', 'eval', '--profile', 'all', '--skip-rule', 'xccdf_t_rule_fail', '--skip-rule', 'xccdf_t_rule_var', '--root', good, ds]);
    assert.equal(skip.code, 0);
    assert.deepEqual(lines(skip.out).filter((l) => l.startsWith('Rule')), ['Rule xccdf_t_rule_pass']);
  });

  it('marks everything notapplicable when the benchmark platform does not apply', async () => {
    const r = await vigil(['xccdf', 'eval', '--profile', 'all', '--root', otherOs, ds]);
    assert.equal(r.code, 0);
    assert.deepEqual(
      lines(r.out).filter((l) => l.startsWith('Result')),
      ['Result notapplicable', 'Result notapplicable', 'Result notapplicable'],
    );
  });

  it('writes ARF with the data stream, the asset, the TestResult and OVAL results, and OVAL results files', async () => {
    const arf = join(dir, 'arf.xml');
    const r = await vigil(['xccdf', 'eval', '--profile', 'all', '--results-arf', arf, '--root', good, ds]);
    assert.equal(r.code, 2, r.err);
    const xml = readFileSync(arf, 'utf8');
    assert.match(xml, /<arf:report-request id="collection1">\s*<arf:content>\s*<ds:data-stream-collection /);
    assert.match(xml, /<core:relationship type="arfvocab:isAbout" subject="xccdf1">/);
    assert.match(xml, /<arf:report id="xccdf1">\s*<arf:content>\s*<TestResult [^>]*>\s*<benchmark href="#xccdf"/);
    assert.match(xml, /<target-id-ref system="http:\/\/scap.nist.gov\/schema\/asset-identification\/1.1" name="asset0" href=""\/>/);
    // Both the checks' OVAL and the CPE OVAL, with the definitions that were evaluated.
    assert.equal((xml.match(/<oval_results /g) ?? []).length, 2);
    assert.match(xml, /<definition definition_id="oval:t:def:fail" result="false"/);
    assert.match(xml, /<definition definition_id="oval:t:def:is_test" result="true"/);

    const out = join(dir, 'oval-out');
    mkdirSync(out);
    await evaluateXccdf(ds, { profile: 'all', root: good, ovalResultsDir: out });
    const res = readFileSync(join(out, 'oval.xml.result.xml'), 'utf8');
    assert.match(res, /<definition definition_id="oval:t:def:pass" result="true"/);
    // the CPE checks' document too, as oscap writes it
    assert.match(readFileSync(join(out, 'cpe-oval.xml.result.xml'), 'utf8'), /<definition definition_id="oval:t:def:is_test" result="true"/);
    assert.deepEqual(readdirSync(out).sort(), ['cpe-oval.xml.result.xml', 'oval.xml.result.xml']);
    assert.match(res, /<variable_value variable_id="oval:t:var:1">\^zz\$<\/variable_value>/);
  });

  it('reads the rules\' prose only when the HTML report shows it, with the same results either way', async () => {
    const results = join(dir, 'brief-results.xml');
    const report = join(dir, 'report.html');
    const brief = await vigil(['xccdf', 'eval', '--profile', 'all', '--results', results, '--root', good, ds]);
    const full = await vigil(['xccdf', 'eval', '--profile', 'all', '--report', report, '--root', good, ds]);
    assert.equal(brief.code, 2, brief.err);
    assert.equal(full.code, 2, full.err);
    assert.deepEqual(lines(brief.out), lines(full.out));
    assert.match(readFileSync(report, 'utf8'), /Sets b to one in app\.conf\./);
    // the results copy the benchmark from the source, prose and all
    assert.match(readFileSync(results, 'utf8'), /<description>Sets b to one in app\.conf\.<\/description>/);
  });

  it('exits 1 with a clear message on bad input', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['xccdf', 'eval', '--profile', 'nope', '--root', good, ds], /no profile "nope".*known profiles: xccdf_t_profile_good, xccdf_t_profile_all/],
      [['xccdf', 'eval', '--fetch-remote-resources', ds], /never downloads/],
      [['xccdf', 'eval', join(dir, 'missing.xml')], /missing\.xml/],
      [['xccdf', 'eval', '--root', join(dir, 'no-such-root'), ds], /is not a directory/],
    ];
    for (const [argv, message] of cases) {
      const r = await vigil(argv);
      assert.equal(r.code, 1, argv.join(' '));
      assert.match(r.err, message);
    }
  });
});

/**
 * A bounded, seeded mutation fuzz of the readers of hostile input (in
 * `npm test`, a few seconds): the content readers (readDocument, the
 * outline and selective load behind skimContent, openChecklist, a whole
 * evaluation), and the probes that parse target files with a
 * content-supplied path (xmlfilecontent's XPath, yamlfilecontent's YAML
 * Path). The regex translator has its own fuzz (oval/regex/fuzz.test.ts).
 *
 * The property: every case ends, quickly, in a result or in the error type
 * made for bad input (ContentError for content; an object flagged `error`
 * for a target file), never another exception (a TypeError, a RangeError,
 * a stack overflow), and never a crash. A failure prints the case's number,
 * seed and mutations, which replay it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { openChecklist } from '../model/checklist.js';
import { ContentError } from '../model/errors.js';
import { readDocument } from '../model/load.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { skimContent } from '../model/selective-load.js';
import { OvalEngine } from '../oval/engine.js';
import { xmlfilecontentProbe } from '../oval/probes/independent/xmlfilecontent.js';
import { yamlfilecontentProbe } from '../oval/probes/independent/yamlfilecontent.js';
import { MockTarget } from '../target/memory-target.js';
import { NS, OVAL_SYSTEM, benchmarkXml, dataStreamXml, ovalXml } from '../testing/content.js';
import { describeFuzzCase, fuzzCases, type FuzzCase } from '../testing/fuzz.js';
import { rootCaseDocument } from '../testing/root-oracle.js';
import type { ProbeCase } from '../testing/probe-oracle.js';

/** The run's seed and size: fixed in `npm test`; VIGIL_FUZZ_SEED and VIGIL_FUZZ_SCALE (a multiplier) explore further by hand. */
const SEED = Number(process.env['VIGIL_FUZZ_SEED'] ?? 0xf0221e13) >>> 0;
const SCALE = Math.max(1, Number(process.env['VIGIL_FUZZ_SCALE'] ?? 1));
const n = (count: number): number => Math.round(count * SCALE);
const base = mkdtempSync(join(tmpdir(), 'vigil-fuzz-'));
after(() => rmSync(base, { recursive: true, force: true }));

// ------------------------------------------------------------------ seeds

const OVAL_SEED = ovalXml({
  definitions: `<definition class="compliance" id="oval:x:def:1" version="1"><metadata><title>t</title><description>d</description></metadata>
    <criteria operator="AND"><criterion test_ref="oval:x:tst:1"/><criteria operator="OR" negate="true"><criterion test_ref="oval:x:tst:2"/><extend_definition definition_ref="oval:x:def:2"/></criteria></criteria></definition>
    <definition class="compliance" id="oval:x:def:2" version="1"><metadata><title>t2</title><description>d</description></metadata><criteria><criterion test_ref="oval:x:tst:2"/></criteria></definition>`,
  tests: `<ind:textfilecontent54_test check="all" check_existence="at_least_one_exists" id="oval:x:tst:1" version="1" comment="c"><ind:object object_ref="oval:x:obj:1"/><ind:state state_ref="oval:x:ste:1"/></ind:textfilecontent54_test>
    <unix:file_test check="all" check_existence="none_exist" id="oval:x:tst:2" version="1" comment="c"><unix:object object_ref="oval:x:obj:2"/></unix:file_test>`,
  objects: `<ind:textfilecontent54_object id="oval:x:obj:1" version="1"><ind:filepath>/etc/login.defs</ind:filepath><ind:pattern operation="pattern match">^PASS_MAX_DAYS[ \\t]+(\\d+)$</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance></ind:textfilecontent54_object>
    <unix:file_object id="oval:x:obj:2" version="1"><unix:behaviors recurse_direction="down" max_depth="2"/><unix:path>/etc</unix:path><unix:filename operation="pattern match">.*</unix:filename><filter action="include">oval:x:ste:2</filter></unix:file_object>
    <ind:variable_object id="oval:x:obj:3" version="1"><ind:var_ref>oval:x:var:1</ind:var_ref></ind:variable_object>`,
  states: `<ind:textfilecontent54_state id="oval:x:ste:1" version="1"><ind:subexpression datatype="int" operation="less than or equal" var_ref="oval:x:var:1"/></ind:textfilecontent54_state>
    <unix:file_state id="oval:x:ste:2" version="1"><unix:owrite datatype="boolean">true</unix:owrite></unix:file_state>`,
  variables: `<external_variable id="oval:x:var:1" version="1" comment="c" datatype="int"/>
    <local_variable id="oval:x:var:2" version="1" comment="c" datatype="string"><concat><literal_component>a</literal_component><regex_capture pattern="^(\\w+)"><object_component object_ref="oval:x:obj:1" item_field="subexpression"/></regex_capture></concat></local_variable>
    <constant_variable id="oval:x:var:3" version="1" comment="c" datatype="int"><value>90</value><value>60</value></constant_variable>`,
});

const RULES = `<Value id="xccdf_test_value_days" type="number" operator="less than or equal"><title>days</title><value>90</value><value selector="short">30</value></Value>
  <Profile id="xccdf_test_profile_p"><title>P</title><select idref="xccdf_test_rule_a" selected="true"/><refine-value idref="xccdf_test_value_days" selector="short"/></Profile>
  <Group id="xccdf_test_group_g"><title>G</title><description>A <h:code>group</h:code> with <h:b>markup</h:b></description>
    <Rule id="xccdf_test_rule_a" selected="false" severity="medium"><title>A</title><description>Rule <sub idref="xccdf_test_value_days"/> days</description>
      <ident system="https://ncp.nist.gov/cce">CCE-1-1</ident><fix system="urn:xccdf:fix:script:sh">echo <sub idref="xccdf_test_value_days"/></fix>
      <check system="${OVAL_SYSTEM}"><check-export value-id="xccdf_test_value_days" export-name="oval:x:var:1"/><check-content-ref href="oval.xml" name="oval:x:def:1"/></check></Rule>
    <Rule id="xccdf_test_rule_b" selected="true" severity="low"><title>B</title><platform idref="cpe:/o:test"/><check system="${OVAL_SYSTEM}"><check-content-ref href="oval.xml" name="oval:x:def:2"/></check></Rule>
  </Group>`;

const BENCHMARK_SEED = benchmarkXml(RULES);
const DS_SEED = dataStreamXml({
  checklist: { id: 'xccdf', xml: BENCHMARK_SEED },
  checks: [{ id: 'oval.xml', xml: OVAL_SEED }],
  catalog: { 'oval.xml': '#cref-oval.xml' },
});
const CPE_SEED = `<?xml version="1.0"?><cpe-list xmlns="${NS.cpeDict}"><cpe-item name="cpe:/o:test"><title xml:lang="en-us">Test</title><check system="${OVAL_SYSTEM}" href="oval.xml">oval:x:def:2</check></cpe-item></cpe-list>`;
const TAILORING_SEED = `<?xml version="1.0"?><Tailoring xmlns="${NS.xccdf}" id="xccdf_test_tailoring_t"><benchmark href="ds.xml"/><version time="2024-01-01T00:00:00">1</version><Profile id="xccdf_test_profile_t" extends="xccdf_test_profile_p"><title>T</title><select idref="xccdf_test_rule_b" selected="false"/><set-value idref="xccdf_test_value_days">7</set-value></Profile></Tailoring>`;

const XML_TOKENS = [
  '<', '>', '/>', '</', '&', '&amp;', '&lt;', '&#0;', '&#x110000;', '&#xD800;', '&#65;', '&unknown;', ']]>', '<![CDATA[x]]>', '<!--c-->', '<?pi x?>',
  '<!DOCTYPE a [<!ENTITY e "x">]>', '<!DOCTYPE a SYSTEM "file:///etc/passwd">', '"', "'", '=', ' xmlns:p="urn:p"', ' xmlns="urn:other"', 'p:', 'undeclared:',
  '\u0000', '\u0001', '\uFFFE', '\uD800', '\uFEFF', ' id=""', ' id="x"', ' idref="xccdf_test_rule_a"', ' selected="maybe"', ' severity="bogus"',
  '<Rule id="xccdf_test_rule_a"><title>dup</title></Rule>', '<Group id="g">', '</Group>', '<criteria>', '</criteria>', '<criterion test_ref="oval:x:tst:9"/>',
  '<extend_definition definition_ref="oval:x:def:1"/>', ' var_ref="oval:x:var:2"', ' var_ref="oval:x:var:9"', ' datatype="record"', ' operation="pattern match"',
  '<sub idref="xccdf_test_value_days"/>', '<sub idref="nonexistent"/>', ' extends="xccdf_test_profile_p"', ' extends="xccdf_test_profile_t"', '<value>', '</value>',
];

// ------------------------------------------------------------------ checks

/** Runs one case: it must end in a value or a ContentError. */
async function expectContentErrorOr(c: FuzzCase, run: () => unknown): Promise<'ok' | 'refused'> {
  try {
    await run();
    return 'ok';
  } catch (e) {
    if (e instanceof ContentError) return 'refused';
    assert.fail(describeFuzzCase(c, `threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 6).join('\n')}` : String(e)}`));
  }
}

function tally(outcomes: ReadonlyArray<'ok' | 'refused'>): string {
  return `${outcomes.filter((o) => o === 'ok').length} read, ${outcomes.filter((o) => o === 'refused').length} refused`;
}

/** Attribute values and texts the structural mutations try (besides every value the seeds hold). */
const XML_VALUES = ['', ' ', 'x', '0', '-1', '1e309', '99999999999999999999', 'NaN', 'true', 'maybe', 'oval:x:def:999', 'oval:x:var:2', 'xccdf_test_rule_zz', '#cref-missing', 'file:///etc/passwd', 'http://127.0.0.1:1/x', '../../x', 'a'.repeat(5000), '(a+)+$', '[', '\\', '&amp;&lt;', '&#x1F600;'];
const XML_FUZZ = { tokens: XML_TOKENS, nest: ['<n>', '</n>'] as const, xmlValues: XML_VALUES };

describe('fuzz: content readers', () => {
  it('readDocument reads or refuses (ContentError) every mutated document', async (t) => {
    const outcomes: Array<'ok' | 'refused'> = [];
    for (const c of fuzzCases(SEED, n(1000), [OVAL_SEED, BENCHMARK_SEED, DS_SEED, CPE_SEED, TAILORING_SEED], XML_FUZZ)) {
      outcomes.push(await expectContentErrorOr(c, () => readDocument({ text: c.text, name: `case-${c.index}.xml` })));
    }
    t.diagnostic(tally(outcomes));
    assert.ok(outcomes.includes('ok') && outcomes.includes('refused'), 'the mutations both keep and break documents');
  });

  it('skimContent, load and openChecklist read or refuse every mutated data stream and benchmark', async (t) => {
    const outcomes: Array<'ok' | 'refused'> = [];
    const dir = join(base, 'skim');
    mkdirSync(dir);
    for (const c of fuzzCases(SEED + 1, n(400), [DS_SEED, BENCHMARK_SEED], XML_FUZZ)) {
      const file = join(dir, `case-${c.index}.xml`);
      writeFileSync(file, c.text);
      outcomes.push(
        await expectContentErrorOr(c, () => {
          const skim = skimContent(file);
          void skim.profileIds.map((id) => skim.profileStub(id));
          openChecklist(skim.load());
          openChecklist(skim.load({ rule: (r) => r.id.endsWith('_a'), referencedValuesOnly: true }));
        }),
      );
      rmSync(file);
    }
    t.diagnostic(tally(outcomes));
    assert.ok(outcomes.includes('ok') && outcomes.includes('refused'));
  });

  it('a whole evaluation of a mutated data stream ends in results or a ContentError', async (t) => {
    const root = join(base, 'root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc', 'login.defs'), 'PASS_MAX_DAYS 99999\n');
    writeFileSync(join(root, 'etc', 'os-release'), 'ID=debian\nVERSION_ID="12"\n');
    const dir = join(base, 'eval');
    mkdirSync(dir);
    const outcomes: Array<'ok' | 'refused'> = [];
    for (const c of fuzzCases(SEED + 2, n(200), [DS_SEED], XML_FUZZ)) {
      const file = join(dir, `case-${c.index}.xml`);
      writeFileSync(file, c.text);
      outcomes.push(await expectContentErrorOr(c, () => evaluateXccdf(file, { root })));
      rmSync(file);
    }
    t.diagnostic(tally(outcomes));
    assert.ok(outcomes.includes('ok'));
  });
});

// ------------------------------------------------------------------ probes

const TARGET_XML_SEEDS = [
  '<?xml version="1.0"?><config xmlns:p="urn:p"><server port="8080" host="a"/><server port="9090" p:host="b"><![CDATA[raw]]></server><!--c--><enabled>true</enabled></config>',
  '<r><a>one</a><a>t<!--c-->wo</a><a>&amp;x&#x21;</a><b n="5">x</b><?pi data?></r>',
];
const XPATHS = ['//server/@port', 'count(//*)', 'string(/config/enabled)', '//a/text()', 'sum(//@port) div 0', '/', '//*[count(ancestor::*) > 3]', "concat(//a, '|', //b/@n)", '//@*', 'boolean(//missing)'];
const XPATH_TOKENS = ['/', '//', '[', ']', '(', ')', '@', '*', '::', 'ancestor::', 'text()', 'node()', '|', ' and ', ' or ', '"', "'", '1 div 0', 'count(', 'substring(', ',', '$v', 'namespace::*'];

const TARGET_YAML_SEEDS = [
  'a:\n  b: [1, 2, {c: d}]\n  e: "text"\nlist:\n  - name: x\n    value: 1\n  - name: y\n    value: true\nanchor: &A {k: v}\nref: *A\n',
  '---\nkind: Config\nspec:\n  containers:\n    - image: nginx\n      securityContext: {privileged: false}\n...\n---\nsecond: doc\n',
];
const YAML_PATHS = ['.a.b', '.a.b[0]', '.list[:].name', '.list[:]', '["a"]["e"]', ".spec.containers[:].securityContext.privileged", '.ref.k', '.*', '.a.b[2].c', ".list[:]['name','value']"];
const YAML_TOKENS = [':', ' ', '\n', '- ', '[', ']', '{', '}', '&A ', '*A', '*B', '!!int ', '!!binary ', '!custom ', '? ', '|\n  ', '>\n  ', '"', "'", '---\n', '...\n', '%YAML 1.1\n', '#', '\t', '\uFEFF', '<<: *A\n'];
const YPATH_TOKENS = ['.', '[', ']', ':', '*', '"', "'", ',', '0', '-1', '99999999999999999999', '.a', '[:]', "['a','b']"];

const probes = new Map([xmlfilecontentProbe, yamlfilecontentProbe].map((p) => [`${p.family}/${p.objectType}`, p]));
const ALLOWED_RESULTS = new Set(['true', 'false', 'error', 'unknown', 'not applicable', 'not evaluated']);

const xmlEsc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Strips what XML 1.0 cannot carry, so that the OVAL document itself stays readable (the fuzz is of the path, not of the document). */
const xmlSafe = (s: string): string => xmlEsc(s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/g, ''));

async function probeCases(kind: 'xml' | 'yaml', count: number): Promise<{ errors: number; items: number }> {
  const files = [...fuzzCases(SEED + (kind === 'xml' ? 3 : 4), count, kind === 'xml' ? TARGET_XML_SEEDS : TARGET_YAML_SEEDS, kind === 'xml' ? XML_FUZZ : { tokens: YAML_TOKENS })];
  const paths = [...fuzzCases(SEED + (kind === 'xml' ? 5 : 6), count, kind === 'xml' ? XPATHS : YAML_PATHS, { tokens: kind === 'xml' ? XPATH_TOKENS : YPATH_TOKENS, maxMutations: 2 })];
  let errors = 0;
  let items = 0;
  // a batch of cases per engine, each case its own file and object
  for (let start = 0; start < count; start += 50) {
    const batch = files.slice(start, start + 50);
    const cases: ProbeCase[] = batch.map((f, k) => {
      const path = paths[start + k]!;
      // half the cases a mutated path, half a sound one over the mutated file
      const expression = k % 2 === 0 ? path.text : (kind === 'xml' ? XPATHS : YAML_PATHS)[f.index % 10]!;
      return kind === 'xml'
        ? { name: `x${f.index}`, family: 'independent', type: 'xmlfilecontent', object: `<ind:filepath>/f/${f.index}.xml</ind:filepath><ind:xpath>${xmlSafe(expression)}</ind:xpath>` }
        : { name: `y${f.index}`, family: 'independent', type: 'yamlfilecontent', object: `<ind:filepath>/f/${f.index}.yaml</ind:filepath><ind:yamlpath>${xmlSafe(expression)}</ind:yamlpath>` };
    });
    const doc = readDocument({ text: rootCaseDocument(cases, '5.11.3'), name: 'defs.xml' }) as OvalDefinitions;
    const target = new MockTarget({ kind: 'offline-root', files: Object.fromEntries(batch.map((f) => [`/f/${f.index}.${kind}`, f.text])) });
    const engine = new OvalEngine(doc, { target, probes });
    let results;
    try {
      results = await engine.evaluateAll();
    } catch (e) {
      assert.fail(describeFuzzCase(batch[0]!, `the batch from case ${start} threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 6).join('\n')}` : String(e)}`));
    }
    for (const r of results) assert.ok(ALLOWED_RESULTS.has(r.result), `${r.definitionId}: ${r.result}`);
    for (const o of await engine.collectedObjects()) {
      if (o.flag === 'error') errors++;
      items += o.items.length;
    }
  }
  return { errors, items };
}

describe('fuzz: probes over hostile target files and paths', () => {
  it('xmlfilecontent: mutated XML files and XPath expressions end in items or an error flag', async (t) => {
    const r = await probeCases('xml', n(400));
    t.diagnostic(`${n(400)} cases: ${r.errors} objects flagged error, ${r.items} items`);
    assert.ok(r.errors > 0 && r.items > 0);
  });

  it('yamlfilecontent: mutated YAML files and YAML Paths end in items or an error flag', async (t) => {
    const r = await probeCases('yaml', n(400));
    t.diagnostic(`${n(400)} cases: ${r.errors} objects flagged error, ${r.items} items`);
    assert.ok(r.errors > 0 && r.items > 0);
  });
});

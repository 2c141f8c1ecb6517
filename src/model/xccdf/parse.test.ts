import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchmarkXml, NS, OVAL_SYSTEM } from '../../testing/content.js';
import { ContentError } from '../errors.js';
import { readDocument } from '../load.js';
import type { Benchmark, Group, Rule, Tailoring } from './types.js';

function bench(inner: string): Benchmark {
  const d = readDocument({ text: benchmarkXml(inner), name: 'b.xml' });
  assert.equal(d.kind, 'benchmark');
  return d as Benchmark;
}

function rule(inner: string, attrs = ''): Rule {
  const b = bench(`<Rule id="xccdf_t_rule_r" ${attrs}><title>R</title>${inner}</Rule>`);
  return b.children[0] as Rule;
}

describe('rule metadata', () => {
  it('reads title, description markup, rationale, severity, weight, idents, references and platforms', () => {
    const r = rule(
      `<description>Set <h:code>MaxAuthTries</h:code> to <sub idref="xccdf_t_value_v" use="legacy"/>.</description>
       <rationale>Limits <h:em>brute</h:em> force.</rationale>
       <ident system="https://ncp.nist.gov/cce">CCE-1234-5</ident>
       <reference href="https://www.cisecurity.org/">5.2.6</reference>
       <reference href="urn:x"><dc:title xmlns:dc="http://purl.org/dc/elements/1.1/">NIST</dc:title></reference>
       <platform idref="#machine"/><platform idref="cpe:/o:example"/>`,
      'severity="high" weight="2.5" selected="false"',
    );
    assert.equal(r.title, 'R');
    assert.equal(r.description, 'Set <code>MaxAuthTries</code> to <sub idref="xccdf_t_value_v" use="legacy"/>.');
    assert.equal(r.rationale, 'Limits <em>brute</em> force.');
    assert.equal(r.severity, 'high');
    assert.equal(r.weight, 2.5);
    assert.equal(r.selected, false);
    assert.deepEqual(r.idents, [{ system: 'https://ncp.nist.gov/cce', value: 'CCE-1234-5' }]);
    assert.deepEqual(r.references, [
      { href: 'https://www.cisecurity.org/', text: '5.2.6' },
      { href: 'urn:x', text: 'NIST' },
    ]);
    assert.deepEqual(r.platforms, ['#machine', 'cpe:/o:example']);
  });

  const defaults = [
    { attr: 'severity', get: (r: Rule) => r.severity, want: 'unknown' },
    { attr: 'selected', get: (r: Rule) => r.selected, want: true },
    { attr: 'weight', get: (r: Rule) => r.weight, want: 1 },
    { attr: 'role', get: (r: Rule) => r.role, want: 'full' },
  ];
  for (const d of defaults) it(`${d.attr} defaults to ${String(d.want)}`, () => assert.equal(d.get(rule('')), d.want));
});

describe('checks', () => {
  const cases: Array<{ name: string; xml: string; check: (r: Rule) => void }> = [
    {
      name: 'check-content-ref with a name, and check-exports',
      xml: `<check system="${OVAL_SYSTEM}"><check-export export-name="oval:x:var:1" value-id="xccdf_t_value_v"/><check-content-ref href="o.xml" name="oval:x:def:1"/></check>`,
      check: (r) => {
        const c = r.checks[0]!;
        assert.equal(c.system, OVAL_SYSTEM);
        assert.deepEqual(c.contentRefs, [{ href: 'o.xml', name: 'oval:x:def:1' }]);
        assert.deepEqual(c.exports, [{ valueId: 'xccdf_t_value_v', exportName: 'oval:x:var:1' }]);
        assert.equal(c.multiCheck, false);
        assert.equal(c.negate, false);
      },
    },
    {
      name: 'check-content-ref without a name, multi-check',
      xml: `<check system="${OVAL_SYSTEM}" multi-check="true"><check-content-ref href="feed.xml"/></check>`,
      check: (r) => {
        assert.equal(r.checks[0]!.multiCheck, true);
        assert.deepEqual(r.checks[0]!.contentRefs, [{ href: 'feed.xml' }]);
      },
    },
    {
      name: 'several checks are kept in order (OVAL then OCIL)',
      xml: `<check system="${OVAL_SYSTEM}"><check-content-ref href="o.xml" name="d"/></check><check system="http://scap.nist.gov/schema/ocil/2"><check-content-ref href="q.xml" name="q"/></check>`,
      check: (r) => assert.deepEqual(r.checks.map((c) => c.system), [OVAL_SYSTEM, 'http://scap.nist.gov/schema/ocil/2']),
    },
    {
      name: 'complex-check nests with operator and negate',
      xml: `<complex-check operator="OR" negate="true"><check system="${OVAL_SYSTEM}"><check-content-ref href="o.xml" name="a"/></check><complex-check operator="AND"><check system="${OVAL_SYSTEM}" negate="true"><check-content-ref href="o.xml" name="b"/></check></complex-check></complex-check>`,
      check: (r) => {
        const cc = r.complexCheck!;
        assert.equal(cc.operator, 'OR');
        assert.equal(cc.negate, true);
        assert.equal(cc.children[0]!.kind, 'check');
        const inner = cc.children[1]!;
        assert.equal(inner.kind, 'complex-check');
        assert.equal(inner.kind === 'complex-check' && inner.children[0]!.kind === 'check' && inner.children[0]!.negate, true);
      },
    },
  ];
  for (const c of cases) it(c.name, () => c.check(rule(c.xml)));
});

describe('fixes keep literal text and <sub> parts in order', () => {
  it('reads attributes and content parts', () => {
    const r = rule(
      `<fix id="f1" system="urn:xccdf:fix:script:sh" platform="cpe:/o:x" strategy="restrict" complexity="low" disruption="medium" reboot="true">a=<sub idref="v1"/>; b='<sub idref="v2" use="title"/>'
done</fix><fix system="urn:xccdf:fix:script:ansible">- name: x</fix>`,
    );
    const [f, g] = r.fixes;
    assert.equal(f!.id, 'f1');
    assert.equal(f!.system, 'urn:xccdf:fix:script:sh');
    assert.equal(f!.platform, 'cpe:/o:x');
    assert.equal(f!.strategy, 'restrict');
    assert.equal(f!.complexity, 'low');
    assert.equal(f!.disruption, 'medium');
    assert.equal(f!.reboot, true);
    assert.deepEqual(f!.content, ['a=', { sub: 'v1', use: 'value' }, "; b='", { sub: 'v2', use: 'title' }, "'\ndone"]);
    assert.equal(g!.strategy, 'unknown');
    assert.equal(g!.reboot, false);
    assert.deepEqual(g!.content, ['- name: x']);
  });

  it('an unknown sub use is an error at the sub', () => {
    assert.throws(
      () => rule(`<fix system="s">\n<sub idref="v" use="bogus"/></fix>`),
      (e: unknown) => e instanceof ContentError && e.code === 'invalid-value' && e.location?.line === 7,
    );
  });
});

describe('values', () => {
  it('reads type, operator, selector instances, defaults, bounds and choices', () => {
    const b = bench(`<Value id="xccdf_t_value_v" type="number" operator="less than or equal" interactive="true">
      <title>V</title><value>3</value><value selector="5">5</value><value selector="ten">10</value>
      <default>3</default><lower-bound>1</lower-bound><upper-bound selector="x">99</upper-bound>
      <choices mustMatch="true"><choice>3</choice><choice>5</choice></choices></Value>`);
    const v = b.values[0]!;
    assert.equal(v.type, 'number');
    assert.equal(v.operator, 'less than or equal');
    assert.equal(v.interactive, true);
    assert.deepEqual(v.instances, [
      { selector: '', value: '3' },
      { selector: '5', value: '5' },
      { selector: 'ten', value: '10' },
    ]);
    assert.deepEqual(v.defaults, [{ selector: '', value: '3' }]);
    assert.deepEqual(v.lowerBounds, [{ selector: '', value: '1' }]);
    assert.deepEqual(v.upperBounds, [{ selector: 'x', value: '99' }]);
    assert.deepEqual(v.choices, [{ selector: '', mustMatch: true, choices: ['3', '5'] }]);
  });
});

describe('benchmark structure', () => {
  it('nests groups and rules in document order, with values at every level', () => {
    const b = bench(`<Value id="v0"><value>a</value></Value>
      <Group id="g1" selected="false"><title>G1</title><platform idref="#p"/><Value id="v1"><value>b</value></Value>
        <Rule id="r1"><title>R1</title></Rule>
        <Group id="g2"><Rule id="r2"/></Group>
        <Rule id="r3"/>
      </Group><Rule id="r4"/>`);
    assert.deepEqual(b.values.map((v) => v.id), ['v0']);
    const g1 = b.children[0] as Group;
    assert.equal(g1.kind, 'group');
    assert.equal(g1.title, 'G1');
    assert.equal(g1.selected, false);
    assert.deepEqual(g1.platforms, ['#p']);
    assert.deepEqual(g1.values.map((v) => v.id), ['v1']);
    assert.deepEqual(g1.children.map((c) => c.id), ['r1', 'g2', 'r3']);
    assert.deepEqual((g1.children[1] as Group).children.map((c) => c.id), ['r2']);
    assert.equal(b.children[1]!.id, 'r4');
    assert.equal(b.version, '1.0');
    assert.deepEqual(b.status, { status: 'draft', date: '2024-01-02' });
    assert.equal(b.resolved, true);
  });

  it('reads the CPE applicability-language platform-specification', () => {
    const b = bench(`<cpe-lang:platform-specification>
      <cpe-lang:platform id="machine"><cpe-lang:logical-test operator="AND" negate="true">
        <cpe-lang:fact-ref name="cpe:/a:container"/>
        <cpe-lang:logical-test operator="OR" negate="false"><cpe-lang:check-fact-ref system="${OVAL_SYSTEM}" href="cpe-oval.xml" id-ref="oval:x:def:1"/></cpe-lang:logical-test>
      </cpe-lang:logical-test></cpe-lang:platform></cpe-lang:platform-specification>`);
    const p = b.platformSpecification.find((x) => x.id === 'machine')!;
    assert.equal(p.test.operator, 'AND');
    assert.equal(p.test.negate, true);
    assert.deepEqual(p.test.children[0], { kind: 'fact-ref', name: 'cpe:/a:container' });
    assert.deepEqual(p.test.children[1], {
      kind: 'logical-test',
      operator: 'OR',
      negate: false,
      children: [{ kind: 'check-fact-ref', system: OVAL_SYSTEM, href: 'cpe-oval.xml', idRef: 'oval:x:def:1' }],
    });
  });

  it('reads profiles: extends, select, refine-value, refine-rule, set-value', () => {
    const b = bench(`<Profile id="p2" extends="p1"><title override="true">Two</title><description>D</description>
      <select idref="r1" selected="true"/><select idref="g1" selected="false"/>
      <refine-value idref="v1" selector="5"/><refine-rule idref="r1" severity="low" weight="0" role="unscored" selector="s"/>
      <set-value idref="v2">x y</set-value></Profile>`);
    const p = b.profiles[0]!;
    assert.equal(p.extends, 'p1');
    assert.equal(p.title, 'Two');
    assert.deepEqual(p.selects.map((s) => [s.idref, s.selected]), [['r1', true], ['g1', false]]);
    assert.deepEqual(p.refineValues.map((r) => [r.idref, r.selector]), [['v1', '5']]);
    assert.deepEqual(p.refineRules.map((r) => [r.idref, r.severity, r.weight, r.role, r.selector]), [['r1', 'low', 0, 'unscored', 's']]);
    assert.deepEqual(p.setValues.map((s) => [s.idref, s.value]), [['v2', 'x y']]);
  });
});

describe('reading for evaluation only', () => {
  const xml = benchmarkXml(`<description>B</description><Value id="v0"><title>V</title><description>about v0</description><value>a</value><choices><choice>a</choice></choices></Value>
    <Group id="g1"><title>G1</title><description>about g1</description><rationale>why</rationale><warning>careful</warning><platform idref="#p"/>
      <Rule id="r1" severity="high"><title>R1</title><description>Set <h:code>x</h:code>.</description><rationale>r</rationale><warning>w</warning>
        <reference href="urn:x">1.2</reference><ident system="urn:cce">CCE-1</ident><platform idref="#q"/>
        <fixtext>edit it</fixtext><fix system="urn:xccdf:fix:script:sh" id="f1">echo <sub idref="v0"/></fix>
        <requires idref="r0"/><conflicts idref="r9"/>
        <check system="${OVAL_SYSTEM}"><check-export export-name="oval:t:var:1" value-id="v0"/><check-content-ref href="o.xml" name="oval:t:def:1"/></check>
      </Rule>
    </Group>`);
  const full = readDocument({ text: xml, name: 'b.xml' }) as Benchmark;
  const brief = readDocument({ text: xml, name: 'b.xml' }, { evaluationOnly: true }) as Benchmark;

  it('leaves out the prose and fixes of rules, groups and values', () => {
    const g = brief.children[0] as Group;
    const r = g.children[0] as Rule;
    assert.deepEqual([g.description, g.rationale, g.warnings], ['', '', []]);
    assert.deepEqual([r.description, r.rationale, r.warnings, r.references, r.fixtexts, r.fixes], ['', '', [], [], [], []]);
    assert.equal(brief.values[0]!.description, '');
    // the full read has them, so the test above is about the option
    const fr = (full.children[0] as Group).children[0] as Rule;
    assert.equal(fr.description, 'Set <code>x</code>.');
    assert.equal(fr.fixes.length, 1);
    assert.equal(fr.references.length, 1);
  });

  it('keeps everything evaluation reads, equal to the full read', () => {
    const g = brief.children[0] as Group;
    const r = g.children[0] as Rule;
    const fg = full.children[0] as Group;
    const fr = fg.children[0] as Rule;
    assert.deepEqual(
      { title: r.title, severity: r.severity, idents: r.idents, platforms: r.platforms, checks: r.checks, requires: r.requires, conflicts: r.conflicts, location: r.location },
      { title: fr.title, severity: fr.severity, idents: fr.idents, platforms: fr.platforms, checks: fr.checks, requires: fr.requires, conflicts: fr.conflicts, location: fr.location },
    );
    assert.deepEqual([g.title, g.platforms, g.location], [fg.title, fg.platforms, fg.location]);
    assert.deepEqual(brief.values, full.values.map((v) => ({ ...v, description: '' })));
  });
});

describe('tailoring', () => {
  it('reads the benchmark reference, version and profiles', () => {
    const d = readDocument({
      name: 't.xml',
      text: `<Tailoring xmlns="${NS.xccdf}" id="xccdf_t_tailoring_t"><benchmark href="ds.xml"/><version time="2024-01-01T00:00:00">3</version>
        <Profile id="p_custom" extends="p1"><title>Custom</title><select idref="r1" selected="false"/></Profile></Tailoring>`,
    }) as Tailoring;
    assert.equal(d.kind, 'tailoring');
    assert.equal(d.benchmarkHref, 'ds.xml');
    assert.equal(d.version, '3');
    assert.deepEqual(d.profiles.map((p) => [p.id, p.extends, p.title]), [['p_custom', 'p1', 'Custom']]);
  });
});

describe('bad values are errors at their element', () => {
  const cases = [
    { name: 'unknown severity', xml: '<Rule id="r" severity="urgent"/>', re: /severity="urgent"/ },
    { name: 'bad weight', xml: '<Rule id="r" weight="heavy"/>', re: /weight="heavy"/ },
    { name: 'rule without id', xml: '<Rule/>', re: /lacks the required attribute "id"/ },
    { name: 'unknown value type', xml: '<Value id="v" type="list"/>', re: /type="list"/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(
        () => bench(`\n${c.xml}`),
        (e: unknown) => e instanceof ContentError && c.re.test(e.message) && e.location?.file === 'b.xml' && e.location.line === 7,
      );
    });
  }
});

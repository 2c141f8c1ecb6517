import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContentError } from '../model/errors.js';
import { readDocument } from '../model/load.js';
import type { Benchmark, Tailoring } from '../model/xccdf/types.js';
import { benchmarkXml, NS } from '../testing/content.js';
import { resolveProfile } from './profile.js';

function bench(inner: string): Benchmark {
  return readDocument({ text: benchmarkXml(inner), name: 'b.xml' }) as Benchmark;
}

function selected(b: Benchmark, profile?: string, tailoring?: Tailoring): string[] {
  return resolveProfile(b, profile, tailoring ? { tailoring } : {}).rules.map((r) => r.id);
}

/** A benchmark shared by the selection tables: two groups, a nested group, a cluster. */
const TREE = `
  <Group id="g1">
    <Rule id="r1" selected="false"/>
    <Rule id="r2"/>
    <Group id="g1a" selected="false"><Rule id="r3"/><Rule id="r4" selected="false" cluster-id="c"/></Group>
  </Group>
  <Group id="g2" selected="false"><Rule id="r5"/><Rule id="r6" cluster-id="c"/></Group>
  <Rule id="r7" selected="false"/>`;

describe('selection: the default and a single profile', () => {
  const cases = [
    { name: 'no profile: items own selected attributes, deselected groups hide their rules', profile: '', want: ['r2'] },
    { name: 'select a rule', profile: '<select idref="r1" selected="true"/>', want: ['r1', 'r2'] },
    { name: 'deselect a rule', profile: '<select idref="r2" selected="false"/>', want: [] },
    { name: 'selecting a group lets its own selected rules through', profile: '<select idref="g1a" selected="true"/>', want: ['r2', 'r3'] },
    { name: 'a selected rule inside a deselected group stays out', profile: '<select idref="r5" selected="true"/>', want: ['r2'] },
    {
      name: 'deselecting a group cascades to every rule inside, however deep',
      profile: '<select idref="r1" selected="true"/><select idref="g1a" selected="true"/><select idref="g1" selected="false"/>',
      want: [],
    },
    { name: 'a cluster-id selects every item that carries it', profile: '<select idref="c" selected="true"/><select idref="g1a" selected="true"/><select idref="g2" selected="true"/>', want: ['r2', 'r3', 'r4', 'r5', 'r6'] },
    { name: 'later selects win', profile: '<select idref="r7" selected="true"/><select idref="r7" selected="false"/>', want: ['r2'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const b = bench(`${TREE}<Profile id="p"><title>P</title>${c.profile}</Profile>`);
      assert.deepEqual(selected(b, c.profile === '' ? undefined : 'p'), c.want);
    });
  }
});

describe('selection: extends chains', () => {
  const profiles = `
    <Profile id="base"><title>Base</title><select idref="r1" selected="true"/><select idref="r7" selected="true"/></Profile>
    <Profile id="mid" extends="base"><title>Mid</title><select idref="r7" selected="false"/><select idref="g2" selected="true"/></Profile>
    <Profile id="top" extends="mid"><title>Top</title><select idref="r6" selected="false"/></Profile>`;
  const cases = [
    { profile: 'base', want: ['r1', 'r2', 'r7'] },
    { profile: 'mid', want: ['r1', 'r2', 'r5', 'r6'] },
    { profile: 'top', want: ['r1', 'r2', 'r5'] },
  ];
  for (const c of cases) {
    it(`${c.profile} applies its chain base first`, () => assert.deepEqual(selected(bench(TREE + profiles), c.profile), c.want));
  }
  it('the chain is reported base first', () => {
    assert.deepEqual(resolveProfile(bench(TREE + profiles), 'top').chain.map((p) => p.id), ['base', 'mid', 'top']);
  });
  it('a cycle is an error, not a hang', () => {
    const b = bench(`${TREE}<Profile id="a" extends="b"><title>A</title></Profile><Profile id="b" extends="a"><title>B</title></Profile>`);
    assert.throws(() => resolveProfile(b, 'a'), (e: unknown) => e instanceof ContentError && /extends itself/.test(e.message));
  });
  it('an unknown profile id is an unknown-profile error that lists the known ones', () => {
    assert.throws(
      () => resolveProfile(bench(TREE + profiles), 'nope'),
      (e: unknown) => e instanceof ContentError && e.code === 'unknown-profile' && /known profiles: base, mid, top/.test(e.message),
    );
  });
});

describe('values: refine-value selectors and set-value', () => {
  const values = `<Value id="v" operator="equals"><value>3</value><value selector="five">5</value><value selector="ten">10</value></Value>
    <Value id="w"><value selector="only">x</value></Value>`;
  const cases = [
    { name: 'default instance without a profile', profiles: '', profile: undefined, want: { v: '3', w: 'x' }, source: 'default' },
    { name: 'refine-value picks the instance by selector', profiles: '<Profile id="p"><title>P</title><refine-value idref="v" selector="ten"/></Profile>', profile: 'p', want: { v: '10', w: 'x' }, source: 'refine-value' },
    {
      name: 'the derived profile refine-value wins over the base',
      profiles: '<Profile id="b"><title>B</title><refine-value idref="v" selector="ten"/></Profile><Profile id="p" extends="b"><title>P</title><refine-value idref="v" selector="five"/></Profile>',
      profile: 'p',
      want: { v: '5', w: 'x' },
      source: 'refine-value',
    },
    { name: 'set-value overrides any instance', profiles: '<Profile id="p"><title>P</title><refine-value idref="v" selector="ten"/><set-value idref="v">42</set-value></Profile>', profile: 'p', want: { v: '42', w: 'x' }, source: 'set-value' },
    { name: 'an unknown selector falls back to the default instance', profiles: '<Profile id="p"><title>P</title><refine-value idref="v" selector="eleven"/></Profile>', profile: 'p', want: { v: '3', w: 'x' }, source: 'default' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = resolveProfile(bench(values + c.profiles), c.profile);
      assert.deepEqual({ v: r.values.get('v')!.text, w: r.values.get('w')!.text }, c.want);
      assert.equal(r.values.get('v')!.source, c.source);
    });
  }
  it('refine-value can change the operator', () => {
    const r = resolveProfile(bench(values + '<Profile id="p"><title>P</title><refine-value idref="v" selector="five" operator="greater than"/></Profile>'), 'p');
    assert.equal(r.values.get('v')!.operator, 'greater than');
  });
  it('an unknown selector leaves a note', () => {
    const r = resolveProfile(bench(values + '<Profile id="p"><title>P</title><refine-value idref="v" selector="eleven"/></Profile>'), 'p');
    assert.match(r.notes.join('\n'), /no instance with selector "eleven"/);
  });
});

describe('refine-rule', () => {
  it('overrides severity, weight, role and check selector; groups and clusters reach their rules', () => {
    const b = bench(`${TREE}<Profile id="p"><title>P</title><refine-rule idref="r2" severity="high" weight="3"/><refine-rule idref="c" role="unscored"/><refine-rule idref="r2" selector="alt"/></Profile>`);
    const r = resolveProfile(b, 'p');
    assert.deepEqual(r.refinements.get('r2'), { severity: 'high', weight: 3, selector: 'alt' });
    assert.deepEqual(r.refinements.get('r6'), { role: 'unscored' });
    assert.deepEqual(r.refinements.get('r4'), { role: 'unscored' });
  });
});

describe('tailoring on top of a benchmark profile', () => {
  const b = () =>
    bench(`${TREE}<Value id="v"><value>1</value><value selector="two">2</value></Value>
      <Profile id="p"><title>P</title><select idref="r1" selected="true"/><refine-value idref="v" selector="two"/></Profile>`);
  const tailoring = (inner: string): Tailoring =>
    readDocument({ name: 't.xml', text: `<Tailoring xmlns="${NS.xccdf}" id="t"><version time="2024-01-01T00:00:00">1</version>${inner}</Tailoring>` }) as Tailoring;
  const cases = [
    { name: 'a tailoring profile extends a benchmark profile', t: '<Profile id="p_t" extends="p"><title>T</title><select idref="r2" selected="false"/></Profile>', id: 'p_t', rules: ['r1'], v: '2' },
    { name: 'and may reuse the id of the profile it extends', t: '<Profile id="p" extends="p"><title>T</title><select idref="r7" selected="true"/><set-value idref="v">9</set-value></Profile>', id: 'p', rules: ['r1', 'r2', 'r7'], v: '9' },
    { name: 'its refine-value beats the benchmark profile', t: '<Profile id="p_t" extends="p"><title>T</title><refine-value idref="v" selector=""/></Profile>', id: 'p_t', rules: ['r1', 'r2'], v: '1' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = resolveProfile(b(), c.id, { tailoring: tailoring(c.t) });
      assert.deepEqual(r.rules.map((x) => x.id), c.rules);
      assert.equal(r.values.get('v')!.text, c.v);
    });
  }
});

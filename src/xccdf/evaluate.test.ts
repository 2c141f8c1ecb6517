import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDocument } from '../model/load.js';
import type { Benchmark } from '../model/xccdf/types.js';
import { benchmarkXml, NS } from '../testing/content.js';
import { Applicability, cpeNameMatches } from './applicability.js';
import type { CheckEngine, CheckRequest, PlatformCheck } from './check-engine.js';
import { combine, evaluateBenchmark, negateResult } from './evaluate.js';
import { resolveProfile } from './profile.js';
import type { RuleResult, XccdfResult } from './result-types.js';

const OVAL = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';
const OCIL = 'http://scap.nist.gov/schema/ocil/2';

const bench = (inner: string): Benchmark => readDocument({ text: benchmarkXml(inner), name: 'b.xml' }) as Benchmark;

/** A check engine answering from a table of definition name → result, and recording what it was asked. */
function tableEngine(table: Record<string, XccdfResult>, docs: Record<string, string[]> = {}): CheckEngine & { asked: CheckRequest[] } {
  const asked: CheckRequest[] = [];
  return {
    system: OVAL,
    asked,
    async evaluate(req) {
      asked.push(req);
      if (!(req.href in docs) && req.href !== 'oval.xml') return 'notchecked';
      if (req.name === undefined) return (docs[req.href] ?? []).map((n) => table[n] ?? 'unknown').reduce((a, b) => combine(a, b, 'AND'));
      return table[req.name] ?? 'notchecked';
    },
    names: (href) => docs[href],
  };
}

const platforms = (truth: Record<string, boolean>): PlatformCheck => ({ isTrue: async (_s, _h, name) => truth[name] ?? false });

const check = (name: string, extra = '', attrs = ''): string =>
  `<check system="${OVAL}"${attrs}>${extra}<check-content-ref href="oval.xml" name="${name}"/></check>`;

const rule = (id: string, inner: string, attrs = 'selected="true"'): string =>
  `<Rule id="xccdf_t_rule_${id}" ${attrs}><title>${id}</title>${inner}</Rule>`;

async function run(
  b: Benchmark,
  opts: {
    profile?: string;
    engine?: CheckEngine;
    truth?: Record<string, boolean>;
    rules?: string[];
    skip?: string[];
    dict?: Array<{ name: string; def: string }>;
  } = {},
): Promise<Map<string, XccdfResult[]>> {
  const profile = resolveProfile(b, opts.profile);
  const applicability = new Applicability(
    {
      platformSpecification: b.platformSpecification,
      dictionaries: [{ kind: 'cpe-dictionary', items: (opts.dict ?? []).map((d) => ({ name: d.name, title: '', deprecated: false, checks: [{ system: OVAL, href: 'cpe.xml', id: d.def }], location: { file: 'x', line: 1, col: 1 } })) }],
    },
    platforms(opts.truth ?? {}),
  );
  const ev = await evaluateBenchmark(b, {
    profile,
    engines: [opts.engine ?? tableEngine({})],
    applicability,
    ...(opts.rules ? { rules: new Set(opts.rules.map((r) => `xccdf_t_rule_${r}`)) } : {}),
    ...(opts.skip ? { skipRules: new Set(opts.skip.map((r) => `xccdf_t_rule_${r}`)) } : {}),
  });
  const out = new Map<string, XccdfResult[]>();
  for (const r of ev.ruleResults) out.set(r.ruleId.replace('xccdf_t_rule_', ''), [...(out.get(r.ruleId.replace('xccdf_t_rule_', '')) ?? []), r.result]);
  return out;
}

describe('XCCDF truth tables', () => {
  const cases: Array<[XccdfResult, XccdfResult, 'AND' | 'OR', XccdfResult]> = [
    ['pass', 'pass', 'AND', 'pass'],
    ['pass', 'fail', 'AND', 'fail'],
    ['error', 'fail', 'AND', 'fail'],
    ['error', 'unknown', 'AND', 'error'],
    ['unknown', 'error', 'AND', 'error'],
    ['pass', 'error', 'AND', 'error'],
    ['unknown', 'pass', 'AND', 'unknown'],
    ['notapplicable', 'pass', 'AND', 'pass'],
    ['notchecked', 'notapplicable', 'AND', 'notapplicable'],
    ['pass', 'fail', 'OR', 'pass'],
    ['fail', 'error', 'OR', 'error'],
    ['unknown', 'error', 'OR', 'error'],
    ['pass', 'error', 'OR', 'pass'],
    ['fail', 'unknown', 'OR', 'unknown'],
    ['error', 'fail', 'OR', 'error'],
    ['notselected', 'informational', 'OR', 'notselected'],
  ];
  for (const [a, b, op, want] of cases) it(`${a} ${op} ${b} = ${want}`, () => assert.equal(combine(a, b, op), want));
  it('negation swaps only pass and fail', () => {
    assert.equal(negateResult('pass', true), 'fail');
    assert.equal(negateResult('fail', true), 'pass');
    assert.equal(negateResult('error', true), 'error');
    assert.equal(negateResult('pass', false), 'pass');
  });
});

describe('CPE name matching', () => {
  it('matches components present in the platform, case-insensitively', () => {
    assert.ok(cpeNameMatches('cpe:/o:canonical:ubuntu_linux:22.04', 'cpe:/o:Canonical:ubuntu_linux:22.04::~~lts~~~'));
    assert.ok(cpeNameMatches('cpe:/o:canonical', 'cpe:/o:canonical:ubuntu_linux:22.04'));
    assert.ok(!cpeNameMatches('cpe:/o:canonical:ubuntu_linux:22.04', 'cpe:/o:canonical:ubuntu_linux'));
    assert.ok(!cpeNameMatches('cpe:/o:debian:debian_linux:11', 'cpe:/o:debian:debian_linux:12'));
  });
});

describe('rule evaluation', () => {
  it('maps selection, roles, checks and systems to results', async () => {
    const b = bench(`
      ${rule('sel', check('d:pass'))}
      ${rule('unsel', check('d:pass'), 'selected="false"')}
      ${rule('unchecked', check('d:pass'), 'selected="true" role="unchecked"')}
      ${rule('unscored', check('d:fail'), 'selected="true" role="unscored"')}
      ${rule('ocil', `<check system="${OCIL}"><check-content-ref href="ocil.xml" name="q"/></check>`)}
      ${rule('nocheck', '')}
      ${rule('neg', check('d:pass', '', ' negate="true"'))}
      ${rule('fallback', `<check system="${OVAL}"><check-content-ref href="missing.xml" name="d:fail"/><check-content-ref href="oval.xml" name="d:fail"/></check>`)}
      ${rule('unresolvable', `<check system="${OVAL}"><check-content-ref href="missing.xml" name="x"/></check>`)}
    `);
    const r = await run(b, { engine: tableEngine({ 'd:pass': 'pass', 'd:fail': 'fail' }) });
    assert.deepEqual(Object.fromEntries(r), {
      sel: ['pass'],
      unsel: ['notselected'],
      unchecked: ['notchecked'],
      unscored: ['informational'],
      ocil: ['notchecked'],
      nocheck: ['notchecked'],
      neg: ['fail'],
      fallback: ['fail'],
      unresolvable: ['notchecked'],
    });
  });

  it('honours requires and conflicts against the final selection', async () => {
    const b = bench(`
      ${rule('base', check('d:pass'), 'selected="false"')}
      ${rule('needsbase', `<requires idref="xccdf_t_rule_base"/>${check('d:pass')}`)}
      ${rule('needsany', `<requires idref="xccdf_t_rule_base xccdf_t_rule_sel"/>${check('d:pass')}`)}
      ${rule('sel', check('d:pass'))}
      ${rule('clash', `<conflicts idref="xccdf_t_rule_sel"/>${check('d:pass')}`)}
    `);
    const r = await run(b, { engine: tableEngine({ 'd:pass': 'pass' }) });
    assert.deepEqual(Object.fromEntries(r), { base: ['notselected'], needsbase: ['notselected'], needsany: ['pass'], sel: ['pass'], clash: ['notselected'] });
  });

  it('--rule evaluates unselected rules and --skip-rule drops selected ones', async () => {
    const b = bench(`${rule('a', check('d:pass'), 'selected="false"')}${rule('b', check('d:pass'))}${rule('c', check('d:pass'))}`);
    const r1 = await run(b, { engine: tableEngine({ 'd:pass': 'pass' }), rules: ['a'] });
    assert.deepEqual(Object.fromEntries(r1), { a: ['pass'], b: ['notselected'], c: ['notselected'] });
    const r2 = await run(b, { engine: tableEngine({ 'd:pass': 'pass' }), skip: ['b'] });
    assert.deepEqual(Object.fromEntries(r2), { a: ['notselected'], b: ['notselected'], c: ['pass'] });
  });

  it('is notapplicable when the rule, its group or the benchmark platform is false', async () => {
    const b = bench(`
      <cpe-lang:platform-specification>
        <cpe-lang:platform id="yes"><cpe-lang:logical-test operator="AND" negate="false"><cpe-lang:fact-ref name="cpe:/a:yes"/></cpe-lang:logical-test></cpe-lang:platform>
        <cpe-lang:platform id="notyes"><cpe-lang:logical-test operator="AND" negate="true"><cpe-lang:fact-ref name="cpe:/a:yes"/></cpe-lang:logical-test></cpe-lang:platform>
        <cpe-lang:platform id="either"><cpe-lang:logical-test operator="OR" negate="false"><cpe-lang:fact-ref name="cpe:/a:no"/><cpe-lang:check-fact-ref system="${OVAL}" href="cpe.xml" id-ref="def:true"/></cpe-lang:logical-test></cpe-lang:platform>
      </cpe-lang:platform-specification>
      ${rule('plain', check('d:pass'))}
      ${rule('onyes', `<platform idref="#yes"/>${check('d:pass')}`)}
      ${rule('onnotyes', `<platform idref="#notyes"/>${check('d:pass')}`)}
      ${rule('oneither', `<platform idref="#either"/>${check('d:pass')}`)}
      ${rule('onno', `<platform idref="cpe:/a:no"/>${check('d:pass')}`)}
      ${rule('onany', `<platform idref="cpe:/a:no"/><platform idref="#yes"/>${check('d:pass')}`)}
      <Group id="xccdf_t_group_g" selected="true"><title>g</title><platform idref="cpe:/a:no"/>${rule('ingroup', check('d:pass'))}</Group>
    `);
    const r = await run(b, {
      engine: tableEngine({ 'd:pass': 'pass' }),
      truth: { 'def:yes': true, 'def:no': false, 'def:true': true },
      dict: [
        { name: 'cpe:/a:yes', def: 'def:yes' },
        { name: 'cpe:/a:no', def: 'def:no' },
      ],
    });
    assert.deepEqual(Object.fromEntries(r), {
      plain: ['pass'],
      onyes: ['pass'],
      onnotyes: ['notapplicable'],
      oneither: ['pass'],
      onno: ['notapplicable'],
      onany: ['pass'],
      ingroup: ['notapplicable'],
    });
  });

  it('expands multi-check into one result per definition, each with its own name', async () => {
    const b = bench(`
      ${rule('multi', `<check system="${OVAL}" multi-check="true"><check-content-ref href="many.xml"/></check>`)}
      ${rule('single', `<check system="${OVAL}"><check-content-ref href="many.xml"/></check>`)}
      ${rule('empty', `<check system="${OVAL}" multi-check="true"><check-content-ref href="none.xml"/></check>`)}
    `);
    const engine = tableEngine({ a: 'pass', b: 'fail', c: 'pass' }, { 'many.xml': ['a', 'b', 'c'], 'none.xml': [] });
    const r = await run(b, { engine });
    assert.deepEqual(Object.fromEntries(r), { multi: ['pass', 'fail', 'pass'], single: ['fail'], empty: ['unknown'] });
    assert.deepEqual(
      engine.asked.filter((q) => q.href === 'many.xml').map((q) => q.name ?? '*'),
      ['a', 'b', 'c', '*'],
    );
  });

  it('evaluates complex-check trees with negation, ignoring plain checks', async () => {
    const b = bench(`
      ${rule('and', `<complex-check operator="AND">${check('d:pass')}${check('d:fail')}</complex-check>${check('d:pass')}`)}
      ${rule('or', `<complex-check operator="OR">${check('d:pass')}${check('d:fail')}</complex-check>`)}
      ${rule('notand', `<complex-check operator="AND" negate="true">${check('d:pass')}${check('d:fail')}</complex-check>`)}
      ${rule('nested', `<complex-check operator="OR"><complex-check operator="AND">${check('d:pass')}${check('d:pass')}</complex-check>${check('d:fail', '', ' negate="true"')}</complex-check>`)}
    `);
    const r = await run(b, { engine: tableEngine({ 'd:pass': 'pass', 'd:fail': 'fail' }) });
    assert.deepEqual(Object.fromEntries(r), { and: ['fail'], or: ['pass'], notand: ['pass'], nested: ['pass'] });
  });

  it('binds exported values after refine-value and set-value, and picks checks by the refined selector', async () => {
    const b = bench(`
      <Value id="xccdf_t_value_v" type="number"><title>v</title><value>1</value><value selector="big">9</value></Value>
      <Value id="xccdf_t_value_w" type="string"><title>w</title><value>x</value></Value>
      <Profile id="xccdf_t_profile_p"><title>p</title>
        <select idref="xccdf_t_rule_r" selected="true"/>
        <refine-value idref="xccdf_t_value_v" selector="big"/>
        <set-value idref="xccdf_t_value_w">set</set-value>
        <refine-rule idref="xccdf_t_rule_r" selector="alt"/>
      </Profile>
      ${rule(
        'r',
        `${check('d:plain', '<check-export value-id="xccdf_t_value_v" export-name="oval:v:var:1"/>')}` +
          `${check('d:alt', '<check-export value-id="xccdf_t_value_v" export-name="oval:v:var:1"/><check-export value-id="xccdf_t_value_w" export-name="oval:w:var:1"/>', ' selector="alt"')}`,
        'selected="false"',
      )}
    `);
    const engine = tableEngine({ 'd:plain': 'fail', 'd:alt': 'pass' });
    const r = await run(b, { engine, profile: 'xccdf_t_profile_p' });
    assert.deepEqual(r.get('r'), ['pass']);
    assert.deepEqual(engine.asked[0]?.bindings, [
      { name: 'oval:v:var:1', value: '9', type: 'number' },
      { name: 'oval:w:var:1', value: 'set', type: 'string' },
    ]);
  });

  it('is unknown when a refine-value names a selector the value lacks, as in oscap', async () => {
    const b = bench(`
      <Value id="xccdf_t_value_v" type="number"><title>v</title><value>1</value></Value>
      <Profile id="xccdf_t_profile_p"><title>p</title><select idref="xccdf_t_rule_r" selected="true"/><select idref="xccdf_t_rule_s" selected="true"/><refine-value idref="xccdf_t_value_v" selector="nope"/></Profile>
      ${rule('r', check('d:pass', '<check-export value-id="xccdf_t_value_v" export-name="oval:v:var:1"/>'), 'selected="false"')}
      ${rule('s', check('d:pass'), 'selected="false"')}
    `);
    const r = await run(b, { engine: tableEngine({ 'd:pass': 'pass' }), profile: 'xccdf_t_profile_p' });
    assert.deepEqual(Object.fromEntries(r), { r: ['unknown'], s: ['pass'] });
  });

  it('announces every check that will run to the engine before the first evaluation, leaving out rules that do not apply', async () => {
    const b = bench(`
      <cpe-lang:platform-specification>
        <cpe-lang:platform id="never"><cpe-lang:logical-test operator="AND" negate="false"><cpe-lang:fact-ref name="cpe:/a:never"/></cpe-lang:logical-test></cpe-lang:platform>
      </cpe-lang:platform-specification>
      ${rule('a', check('d:a'))}
      ${rule('na', `<platform idref="#never"/>${check('d:na')}`)}
      ${rule('off', check('d:off'), 'selected="false"')}
      ${rule('b', `<complex-check operator="OR">${check('d:b1')}${check('d:b2')}</complex-check>`)}
    `);
    const log: string[] = [];
    const engine: CheckEngine = {
      system: OVAL,
      names: () => undefined,
      prepare: async (reqs) => {
        log.push(`prepare ${reqs.map((r) => r.name).join(',')}`);
      },
      evaluate: async (req) => {
        log.push(`evaluate ${req.name}`);
        return 'pass';
      },
    };
    await run(b, { engine });
    assert.deepEqual(log, ['prepare d:a,d:b1,d:b2', 'evaluate d:a', 'evaluate d:b1', 'evaluate d:b2']);
  });

  it('records severity, weight and role from refine-rule in each result', async () => {
    const b = bench(`
      <Profile id="xccdf_t_profile_p"><title>p</title><refine-rule idref="xccdf_t_rule_r" severity="high" weight="3"/></Profile>
      ${rule('r', check('d:pass'), 'selected="true" severity="low"')}
    `);
    const profile = resolveProfile(b, 'xccdf_t_profile_p');
    const ev = await evaluateBenchmark(b, { profile, engines: [tableEngine({ 'd:pass': 'pass' })], applicability: new Applicability({ platformSpecification: [], dictionaries: [] }, platforms({})) });
    const rr = ev.ruleResults[0] as RuleResult;
    assert.equal(rr.severity, 'high');
    assert.equal(rr.weight, 3);
    assert.equal(rr.check?.name, 'd:pass');
    assert.ok(NS.xccdf);
  });
});

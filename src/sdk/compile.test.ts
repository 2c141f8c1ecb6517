/**
 * The compiler: deterministic, stable ids; output that Vigil's parser reads
 * and validates; authoring mistakes reported as ContentErrors; and the
 * oracles: `oscap ds sds-validate` and the SCAP schematron on a data stream
 * using every building block, and oscap's fix generation substituting
 * profile values.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openChecklist, openContent, forEachRule } from '../model/checklist.js';
import { ContentError } from '../model/errors.js';
import { readDocument } from '../model/load.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { validateChecklist } from '../model/validate.js';
import type { Rule as XccdfRule } from '../model/xccdf/types.js';
import { findOscap, oracleMissing, oscap, run } from '../testing/oracle.js';
import { ansible, bash, benchmark, group, platform, profile, ref, rule, value } from './author.js';
import { BLOCK_TABLES } from './checks.case.js';
import { fileExists, inDir, lineMatches, noFiles, setting, sysctl } from './checks.js';
import { compile } from './compile.js';
import type { Benchmark } from './model.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-sdk-compile-'));
after(() => rmSync(base, { recursive: true, force: true }));

const tries = value({ id: 'sshd_tries', title: 'Maximum tries', description: 'How many.', default: 4, options: { strict: 3 } });
const sshd = platform({ id: 'sshd', title: 'SSH server', check: fileExists('/usr/sbin/sshd') });
const linux = platform({ id: 'linux', title: 'Linux', cpe: 'cpe:/o:linux:linux_kernel', check: fileExists('/etc/os-release') });

function sample(extra: readonly ReturnType<typeof rule>[] = []): Benchmark {
  const tryRule = rule({
    id: 'sshd_max_tries',
    title: 'Limit tries',
    description: 'Set `MaxAuthTries` & friends <here>.',
    rationale: 'Because.',
    severity: 'high',
    platforms: [sshd],
    references: [ref.nist80053('AC-7'), ref.cisUbuntu2204('5.2.6')],
    idents: [{ system: 'https://example.com/ids', value: 'EX-1' }],
    check: setting('/etc/ssh/sshd_config', 'MaxAuthTries', { atMost: tries }),
    fix: {
      strategy: 'restrict',
      complexity: 'low',
      disruption: 'medium',
      reboot: true,
      ansible: ansible`- name: Set MaxAuthTries
  ansible.builtin.lineinfile:
    path: /etc/ssh/sshd_config
    regexp: '^MaxAuthTries'
    line: 'MaxAuthTries ${tries}'
`,
      bash: bash`echo "MaxAuthTries ${tries}" >> /etc/ssh/sshd_config
`,
    },
  });
  const sticky = rule({ id: 'sticky', title: 'Sticky', description: 'd', rationale: 'r', check: noFiles(inDir('/', null, { recursive: 'local' }), { bits: { owrite: true, sticky: false } }) });
  const unchecked = rule({ id: 'manual', title: 'Manual', description: 'A person checks this.', rationale: 'r' });
  const children = [group({ id: 'ssh', title: 'SSH', children: [tryRule, ...extra] }), sticky, unchecked];
  return benchmark({
    id: 'sample',
    namespace: 'com.example',
    title: 'Sample',
    version: '1.2',
    date: '2024-05-06',
    platforms: [linux],
    children,
    profiles: [profile({ id: 'default', title: 'Default', select: children }), profile({ id: 'strict', title: 'Strict', select: [tryRule], values: [[tries, 'strict']] })],
  });
}

function writeDs(name: string, b: Benchmark): string {
  const file = join(base, name);
  writeFileSync(file, compile(b).dataStream);
  return file;
}

describe('compile: output', () => {
  it('is deterministic', () => {
    assert.equal(compile(sample()).dataStream, compile(sample()).dataStream);
  });

  it('derives ids from the namespace and the short names', () => {
    const c = compile(sample());
    assert.equal(c.ids.benchmark, 'xccdf_com.example_benchmark_sample');
    assert.equal(c.ids.rule('sticky'), 'xccdf_com.example_rule_sticky');
    assert.equal(c.ids.definition('sticky'), 'oval:com.example.sticky:def:1');
    assert.match(c.dataStream, /<ds:data-stream-collection [^>]*id="scap_com\.example_collection_from_xccdf_sample-xccdf\.xml"/);
    assert.match(c.dataStream, /<Profile id="xccdf_com\.example_profile_strict">/);
    assert.match(c.dataStream, /<Value id="xccdf_com\.example_value_sshd_tries" type="number"/);
    for (const m of c.oval.matchAll(/ id="([^"]+)"/g)) assert.match(m[1]!, /^oval:com\.example\.(sshd_max_tries|sticky):(def|tst|obj|ste|var):[1-9]\d*$/);
  });

  it('keeps a rule\'s OVAL ids when other rules are added', () => {
    const before = compile(sample()).oval;
    const after = compile(sample([rule({ id: 'another', title: 'Another', description: 'd', rationale: 'r', check: sysctl('kernel.kptr_restrict', 1) })])).oval;
    const ids = (xml: string): string[] => [...xml.matchAll(/ id="(oval:com\.example\.sshd_max_tries:[^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(ids(after), ids(before));
  });

  it('reads back with Vigil\'s parser and validates', () => {
    const file = writeDs('sample-ds.xml', sample());
    const cl = openChecklist(openContent(file));
    validateChecklist(cl);
    const b = cl.benchmark;
    assert.deepEqual([b.id, b.version, b.title, b.platforms], ['xccdf_com.example_benchmark_sample', '1.2', 'Sample', ['cpe:/o:linux:linux_kernel']]);
    const rules: XccdfRule[] = [];
    forEachRule(b, (r) => rules.push(r));
    assert.deepEqual(
      rules.map((r) => r.id),
      ['xccdf_com.example_rule_sshd_max_tries', 'xccdf_com.example_rule_sticky', 'xccdf_com.example_rule_manual'],
    );
    const r = rules[0]!;
    assert.equal(r.severity, 'high');
    assert.deepEqual(r.platforms, ['#sshd']);
    assert.deepEqual(r.idents, [{ system: 'https://example.com/ids', value: 'EX-1' }]);
    assert.deepEqual(r.references.map((x) => x.text), ['AC-7', '5.2.6']);
    assert.match(r.description, /MaxAuthTries/);
    assert.deepEqual(r.checks[0]!.exports.map((e) => e.valueId), ['xccdf_com.example_value_sshd_tries']);
    assert.equal(r.checks[0]!.contentRefs[0]!.name, 'oval:com.example.sshd_max_tries:def:1');
    assert.equal(rules[2]!.checks.length, 0, 'a rule without a check has none');
    const [ans, sh] = r.fixes;
    assert.deepEqual([ans!.system, ans!.strategy, ans!.complexity, ans!.disruption, ans!.reboot], ['urn:xccdf:fix:script:ansible', 'restrict', 'low', 'medium', true]);
    assert.ok(ans!.content.some((p) => typeof p === 'object' && p.sub === 'xccdf_com.example_value_sshd_tries'));
    assert.match(ans!.content.filter((p): p is string => typeof p === 'string').join(''), /- name: XCCDF Value sshd_tries # promote to variable\n {2}set_fact:\n {4}sshd_tries: !!str $/m);
    assert.match(ans!.content.filter((p): p is string => typeof p === 'string').join(''), /line: 'MaxAuthTries \{\{ sshd_tries \}\}'/);
    assert.equal(sh!.system, 'urn:xccdf:fix:script:sh');
    assert.match(sh!.content.filter((p): p is string => typeof p === 'string').join(''), /^sshd_tries=''$/m, 'the value is declared, its text substituted where the sub is');
    const strict = b.profiles.find((p) => p.id === 'xccdf_com.example_profile_strict')!;
    assert.deepEqual(
      strict.selects.map((s) => [s.idref.replace('xccdf_com.example_rule_', ''), s.selected]),
      [
        ['sshd_max_tries', true],
        ['sticky', false],
        ['manual', false],
      ],
    );
    assert.deepEqual(strict.refineValues.map((v) => [v.idref, v.selector]), [['xccdf_com.example_value_sshd_tries', 'strict']]);
    const v = b.values[0]!;
    assert.deepEqual(v.instances, [
      { selector: '', value: '4' },
      { selector: 'strict', value: '3' },
    ]);
    assert.deepEqual(cl.dictionaries[0]!.dictionary.items.map((i) => i.name).sort(), ['cpe:/a:com.example:sshd', 'cpe:/o:linux:linux_kernel']);
  });

  it('writes OVAL with the comments and structure oscap\'s schemas want', () => {
    const oval = readDocument({ text: compile(sample()).oval, name: 'oval.xml' }) as OvalDefinitions;
    assert.equal(oval.kind, 'oval-definitions');
    for (const t of oval.tests.values()) assert.ok(t.comment.length > 0, `${t.id} has a comment`);
    for (const v of oval.variables.values()) assert.ok(v.comment.length > 0, `${v.id} has a comment`);
    assert.deepEqual([...oval.variables.values()].map((v) => [v.kind, v.datatype]), [['external', 'int']]);
  });
});

describe('compile: authoring mistakes', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['a rule id that is not a short name', () => rule({ id: 'Bad-Id', title: 't', description: '', rationale: '' }), /short name/],
    ['a benchmark namespace that is not reverse-DNS', () => benchmark({ id: 'b', namespace: 'no_underscores', title: 't', version: '1', date: '2024-01-01', children: [] }), /reverse-DNS/],
    ['a date that is not YYYY-MM-DD', () => benchmark({ id: 'b', namespace: 'a.b', title: 't', version: '1', date: 'May 2024', children: [] }), /YYYY-MM-DD/],
    [
      'two rules with one id',
      () => benchmark({ id: 'b', namespace: 'a.b', title: 't', version: '1', date: '2024-01-01', children: [rule({ id: 'x', title: 't', description: '', rationale: '' }), rule({ id: 'x', title: 't', description: '', rationale: '' })] }),
      /also used/,
    ],
    ['a profile selecting a rule that is not in the benchmark', () => benchmark({ id: 'b', namespace: 'a.b', title: 't', version: '1', date: '2024-01-01', children: [], profiles: [profile({ id: 'p', title: 'p', select: [rule({ id: 'x', title: 't', description: '', rationale: '' })] })] }), /not in the benchmark/],
    ['a profile picking an option a value lacks', () => profile({ id: 'p', title: 'p', select: [], values: [[tries, 'lenient']] }), /no option "lenient"/],
    ['a number value given a word', () => value({ id: 'v', title: 't', default: 1, options: { x: 'many' } }), /not an integer/],
    ['a check on nothing', () => noFiles('/etc', {}), /at least one attribute/],
    ['a relative path', () => lineMatches('etc/issue', 'x'), /absolute path/],
    ['an unsupported RegExp flag', () => lineMatches('/etc/issue', /x/s), /flags OVAL cannot express/],
    ['a sysctl name that is not dotted', () => sysctl('ip_forward', 0), /dotted/],
    ['a bash fix written with the ansible tag', () => rule({ id: 'r', title: 't', description: '', rationale: '', fix: { bash: ansible`x` } }), /ansible`` tag/],
    [
      'an Ansible fix that is not a list of named tasks',
      () => compile(benchmark({ id: 'b', namespace: 'a.b', title: 't', version: '1', date: '2024-01-01', children: [rule({ id: 'r', title: 't', description: '', rationale: '', fix: { ansible: ansible`name: not a list\n` } })] })),
      /list of tasks/,
    ],
    [
      'a file-content check on directories',
      () => compile(benchmark({ id: 'b', namespace: 'a.b', title: 't', version: '1', date: '2024-01-01', children: [rule({ id: 'r', title: 't', description: '', rationale: '', check: lineMatches(inDir('/etc', null), 'x') })] })),
      /needs files, not directories/,
    ],
    [
      'a platform comparing against a value',
      () => compile(benchmark({ id: 'b', namespace: 'a.b', title: 't', version: '1', date: '2024-01-01', platforms: [platform({ id: 'p', title: 'p', check: setting('/etc/x', 'K', tries) })], children: [] })),
      /platform check cannot compare/,
    ],
  ];
  for (const [name, fn, message] of cases) {
    it(`refuses ${name}`, () => {
      assert.throws(fn, (e: unknown) => e instanceof ContentError && e.code === 'invalid-value' && message.test(e.message));
    });
  }
});

/** A benchmark with every building block of checks.case.ts, a value, platforms and two profiles. */
function everyBlock(): Benchmark {
  const s = sample();
  const rules = BLOCK_TABLES.map((t, i) => rule({ id: `block_${i}_${t.block.toLowerCase()}`, title: `${t.block}: ${t.title}`, description: t.title, rationale: 'Coverage.', check: t.check, platforms: i % 2 ? [sshd] : [] }));
  return benchmark({
    id: 'blocks',
    namespace: 'com.example',
    title: 'Every building block',
    version: '1',
    date: '2024-05-06',
    platforms: [linux],
    children: [group({ id: 'blocks', title: 'Blocks', children: rules }), ...s.children],
    profiles: s.profiles,
  });
}

describe('compile: the oracles', () => {
  it('oscap ds sds-validate accepts a data stream using every building block', { timeout: 120_000 }, async (t) => {
    if ((await findOscap()) === undefined) {
      oracleMissing(t, 'the oscap command (Debian package openscap-scanner)');
      return;
    }
    const file = writeDs('blocks-ds.xml', everyBlock());
    const v = await oscap(['ds', 'sds-validate', file]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    // The SCAP 1.3 schematron too: errors fail it, warnings (no CCE idents) do not.
    const s = await oscap(['xccdf', 'validate', file]);
    assert.match(s.stdout + s.stderr, /Complete result of schematron validation of '[^']+': PASS/, s.stdout + s.stderr);
  });

  it('oscap generates fixes with the profile\'s values substituted', { timeout: 120_000 }, async (t) => {
    if ((await findOscap()) === undefined) {
      oracleMissing(t, 'the oscap command (Debian package openscap-scanner)');
      return;
    }
    const file = writeDs('sample-fix-ds.xml', sample());
    const a = await oscap(['xccdf', 'generate', 'fix', '--fix-type', 'ansible', '--profile', 'xccdf_com.example_profile_strict', file]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /^ {4}sshd_tries: !!str 3$/m);
    assert.match(a.stdout, /line: 'MaxAuthTries \{\{ sshd_tries \}\}'/);
    const b = await oscap(['xccdf', 'generate', 'fix', '--fix-type', 'bash', '--profile', 'xccdf_com.example_profile_default', file]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /^sshd_tries='4'$/m);
    const playbook = join(base, 'sample.yml');
    writeFileSync(playbook, a.stdout);
    const check = await run('ansible-playbook', ['--syntax-check', '-i', 'localhost,', '-c', 'local', playbook], { timeoutMs: 120_000 }).catch(() => undefined);
    if (check === undefined) {
      oracleMissing(t, 'ansible-playbook (Debian package ansible-core)');
      return;
    }
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });
});

/**
 * A small hand-built ScanReport for the writers' tests: a benchmark with two
 * groups and rules of every interesting result, and OVAL evidence built
 * from plain objects (a definition with a criteria tree, tests with items,
 * objects and states).
 */
import type { SourceLocation } from '../model/errors.js';
import type { OvalDefinitions, OvalEntity, OvalObject, OvalState, OvalTest } from '../model/oval/types.js';
import type { Benchmark, Fix, Group, Rule, Severity } from '../model/xccdf/types.js';
import type { DefinitionResult, ItemResult, TestResult as OvalTestResult } from '../oval/engine.js';
import type { OvalResult } from '../oval/result.js';
import type { CollectedObject, OvalItem } from '../oval/types.js';
import { buildOvalEvidence } from '../xccdf/evidence.js';
import { SCAN_REPORT_VERSION, type OvalEvidence, type RuleResult, type ScanReport, type XccdfResult } from '../xccdf/result-types.js';

export const NS = 'xccdf_org.example.content';
export const OVAL_HREF = 'example-oval.xml';
const LOC: SourceLocation = { file: 'example-xccdf.xml', line: 10, col: 3 };

export const HOSTILE_DESCRIPTION =
  'Safe <code>text</code><script>alert("pwned")</script><img src="x" onerror="alert(1)"/>' +
  '<a href="javascript:alert(2)">click</a> <a href="https://example.org/doc">doc</a> <p onclick="evil()">para</p>';

/** What rules and groups have in common. */
const item = (id: string, title: string) => ({
  id,
  title,
  description: '',
  selected: true,
  hidden: false,
  abstract: false,
  weight: 1,
  platforms: [],
  references: [],
  warnings: [],
  location: LOC,
  rationale: '',
  requires: [],
  conflicts: [],
});

function rule(id: string, title: string, severity: Severity, extra: Partial<Rule> = {}): Rule {
  return {
    ...item(`${NS}_rule_${id}`, title),
    kind: 'rule',
    severity,
    role: 'full',
    idents: [],
    checks: [],
    fixes: [],
    fixtexts: [],
    ...extra,
  };
}

function group(id: string, title: string, children: ReadonlyArray<Group | Rule>): Group {
  return { ...item(`${NS}_group_${id}`, title), kind: 'group', values: [], children };
}

function fix(system: string, content: Fix['content']): Fix {
  return { system, strategy: 'restrict', complexity: 'low', disruption: 'low', reboot: false, content };
}

function ovalCheck(def: string) {
  return {
    kind: 'check' as const,
    system: 'http://oval.mitre.org/XMLSchema/oval-definitions-5',
    selector: '',
    multiCheck: false,
    negate: false,
    exports: [],
    contentRefs: [{ href: OVAL_HREF, name: def }],
    imports: [],
    location: LOC,
  };
}

const ent = (name: string, value: string, operation: OvalEntity['operation'] = 'equals', extra: Partial<OvalEntity> = {}): OvalEntity => ({
  name,
  value,
  datatype: 'string',
  operation,
  mask: false,
  nil: false,
  varCheck: 'all',
  entityCheck: 'all',
  checkExistence: 'at_least_one_exists',
  ...extra,
});

const element = (id: string, type: string, comment: string) => ({ id, version: 1, comment, deprecated: false, family: 'independent', type, location: LOC });

/** Options: how many items the world-writable object collects (to test the caps). */
export interface SampleOptions {
  readonly manyItems?: number;
}

export function sampleScanReport(opts: SampleOptions = {}): ScanReport {
  const many = opts.manyItems ?? 250;
  const rules = {
    root: rule('sshd_disable_root_login', 'Disable SSH Root Login', 'high', {
      description:
        'The root user should never be allowed to log in directly over SSH. To disable it, add or correct the following line in <code>/etc/ssh/sshd_config</code>:\n<pre>PermitRootLogin <sub idref="' +
        NS +
        '_value_var_permit_root" use="legacy"/></pre>',
      rationale: 'Even though the communications channel may be encrypted, an additional layer of security is gained by <em>extending the policy</em>.',
      references: [
        { href: 'https://csrc.nist.gov/publications/detail/sp/800-53/rev-5/final', text: 'AC-6(2)' },
        { href: 'https://csrc.nist.gov/publications/detail/sp/800-53/rev-5/final', text: 'AC-17(a)' },
        { href: 'https://www.cisecurity.org/benchmark/debian_linux/', text: '5.2.7' },
      ],
      idents: [{ system: 'https://ncp.nist.gov/cce', value: 'CCE-80901-2' }],
      checks: [ovalCheck('oval:example:def:1')],
      fixes: [
        fix('urn:xccdf:fix:script:sh', [
          "if grep -q '^PermitRootLogin' /etc/ssh/sshd_config; then\n  sed -i 's/^PermitRootLogin.*/PermitRootLogin ",
          { sub: `${NS}_value_var_permit_root`, use: 'legacy' },
          "/' /etc/ssh/sshd_config\nelse\n  echo 'PermitRootLogin ",
          { sub: `${NS}_value_var_permit_root`, use: 'legacy' },
          "' >> /etc/ssh/sshd_config\nfi\n",
        ]),
        fix('urn:xccdf:fix:script:ansible', [
          '- name: Disable SSH root login\n  lineinfile:\n    path: /etc/ssh/sshd_config\n    regexp: ^PermitRootLogin\n    line: PermitRootLogin ',
          { sub: `${NS}_value_var_permit_root`, use: 'legacy' },
          '\n',
        ]),
      ],
    }),
    perms: rule('file_permissions_sshd_config', 'Verify Permissions on SSH Server config File', 'medium', {
      description: 'To properly set the permissions of <code>/etc/ssh/sshd_config</code>, run <pre>chmod 0600 /etc/ssh/sshd_config</pre>',
      idents: [{ system: 'https://ncp.nist.gov/cce', value: 'CCE-82894-7' }],
      references: [{ href: 'https://www.cisecurity.org/benchmark/debian_linux/', text: '5.2.1' }],
      checks: [ovalCheck('oval:example:def:2')],
    }),
    ww: rule('no_world_writable_files', 'Ensure No World-Writable Files Exist', 'medium', {
      description: 'Data in world-writable files can be modified by any user on the system.',
      checks: [ovalCheck('oval:example:def:3')],
      references: [{ href: 'urn:example:policy', text: 'POL-7' }],
    }),
    hostile: rule('hostile_markup', 'Hostile <b>title</b> & "quotes"', 'low', {
      description: HOSTILE_DESCRIPTION,
      rationale: '<style>body{display:none}</style>Rationale<br/>second line',
      checks: [ovalCheck('oval:example:def:9')],
    }),
    na: rule('package_telnet_removed', 'Uninstall telnet-server Package', 'high', {}),
    ns: rule('package_nis_removed', 'Uninstall ypserv Package', 'medium', {}),
    unk: rule('audit_rules_immutable', 'Make the auditd Configuration Immutable', 'info', {}),
    ocil: rule('sshd_use_approved_ciphers', 'Use Only Approved Ciphers', 'unknown', {}),
  };
  const benchmark: Benchmark = {
    kind: 'benchmark',
    id: `${NS}_benchmark_EXAMPLE`,
    title: 'Example Linux Security Guide',
    description: '',
    version: '0.1.72',
    resolved: true,
    xccdfVersion: '1.2',
    platforms: [],
    platformSpecification: [],
    scoringModels: [],
    profiles: [],
    values: [
      {
        kind: 'value',
        id: `${NS}_value_var_permit_root`,
        title: 'Permit root login',
        description: '',
        type: 'string',
        operator: 'equals',
        interactive: false,
        instances: [{ selector: '', value: 'no' }],
        defaults: [],
        lowerBounds: [],
        upperBounds: [],
        choices: [],
        location: LOC,
      },
    ],
    children: [
      group('services', 'Services', [group('ssh', 'SSH Server', [rules.root, rules.perms, rules.ocil]), rules.na, rules.ns]),
      group('files', 'File Permissions and Masks', [rules.ww, rules.hostile, rules.unk]),
    ],
    references: [],
    location: LOC,
  };

  const t0 = Date.parse('2024-05-01T10:00:00Z');
  const rr = (r: Rule, result: XccdfResult, extra: Partial<RuleResult> = {}): RuleResult => ({
    ruleId: r.id,
    result,
    role: 'full',
    severity: r.severity,
    weight: 1,
    time: new Date(t0 + 1000).toISOString(),
    messages: [],
    idents: r.idents,
    ...(r.checks[0]
      ? { check: { system: r.checks[0].system, negate: false, exports: [], href: OVAL_HREF, name: r.checks[0].contentRefs[0]!.name! } }
      : {}),
    ...extra,
  });
  const ruleResults: RuleResult[] = [
    rr(rules.root, 'fail'),
    rr(rules.perms, 'pass'),
    rr(rules.ocil, 'notchecked', {
      check: { system: 'http://scap.nist.gov/schema/ocil/2', negate: false, exports: [], href: 'example-ocil.xml', name: 'ocil:example:questionnaire:1' },
      messages: [{ severity: 'info', text: 'OCIL questionnaires are not evaluated automatically' }],
    }),
    rr(rules.na, 'notapplicable'),
    rr(rules.ns, 'notselected'),
    rr(rules.ww, 'fail'),
    rr(rules.hostile, 'error', { messages: [{ severity: 'error', text: 'probe failed: <boom> & "stop"\u0001' }] }),
    rr(rules.unk, 'unknown'),
  ];

  // ---------------------------------------------------------------- OVAL evidence
  const tests = new Map<string, OvalTest>();
  const objects = new Map<string, OvalObject>();
  const states = new Map<string, OvalState>();
  const addTest = (id: string, comment: string, objectRef: string, stateRefs: string[], extra: Partial<OvalTest> = {}): void => {
    tests.set(id, { ...element(id, 'textfilecontent54_test', comment), checkExistence: 'at_least_one_exists', check: 'all', stateOperator: 'AND', objectRef, stateRefs, ...extra });
  };
  addTest('oval:example:tst:1', 'PermitRootLogin is set to no', 'oval:example:obj:1', ['oval:example:ste:1']);
  addTest('oval:example:tst:2', 'sshd_config mode is 0600', 'oval:example:obj:2', ['oval:example:ste:2'], { family: 'unix', type: 'file_test' });
  addTest('oval:example:tst:3', 'no world-writable files', 'oval:example:obj:3', [], { family: 'unix', type: 'file_test', checkExistence: 'none_exist' });
  addTest('oval:example:tst:9', 'hostile <test> comment', 'oval:example:obj:9', []);
  objects.set('oval:example:obj:1', {
    ...element('oval:example:obj:1', 'textfilecontent54_object', 'PermitRootLogin lines'),
    behaviors: {},
    entities: [ent('filepath', '/etc/ssh/sshd_config'), ent('pattern', '^[\\s]*PermitRootLogin[\\s]+(.+)$', 'pattern match'), ent('instance', '1', 'greater than or equal', { datatype: 'int' })],
    filters: [],
  });
  objects.set('oval:example:obj:2', { ...element('oval:example:obj:2', 'file_object', 'sshd_config'), family: 'unix', behaviors: {}, entities: [ent('filepath', '/etc/ssh/sshd_config')], filters: [] });
  objects.set('oval:example:obj:3', {
    ...element('oval:example:obj:3', 'file_object', 'world-writable files'),
    family: 'unix',
    behaviors: { recurse_direction: 'down', max_depth: '-1' },
    entities: [ent('path', '/', 'equals'), ent('filename', '.*', 'pattern match')],
    filters: [{ action: 'include', stateRef: 'oval:example:ste:3' }],
  });
  objects.set('oval:example:obj:9', { ...element('oval:example:obj:9', 'textfilecontent54_object', '<img src=x onerror=alert(3)>'), behaviors: {}, entities: [ent('filepath', '/x')], filters: [] });
  states.set('oval:example:ste:1', { ...element('oval:example:ste:1', 'textfilecontent54_state', 'value is no'), operator: 'AND', entities: [ent('subexpression', 'no')] });
  states.set('oval:example:ste:2', {
    ...element('oval:example:ste:2', 'file_state', 'mode 0600'),
    family: 'unix',
    operator: 'AND',
    entities: [ent('oread', 'false', 'equals', { datatype: 'boolean' }), ent('owrite', 'false', 'equals', { datatype: 'boolean' })],
  });
  states.set('oval:example:ste:3', { ...element('oval:example:ste:3', 'file_state', 'world writable'), family: 'unix', operator: 'AND', entities: [ent('owrite', 'true', 'equals', { datatype: 'boolean' })] });

  const doc: OvalDefinitions = {
    kind: 'oval-definitions',
    generator: { schemaVersion: '5.11.2' },
    definitions: new Map(
      [1, 2, 3, 9].map((n) => [
        `oval:example:def:${n}`,
        { id: `oval:example:def:${n}`, version: 1, class: 'compliance' as const, deprecated: false, title: `Definition ${n}`, description: '', references: [], affected: [], location: LOC },
      ]),
    ),
    tests,
    objects,
    states,
    variables: new Map(),
  };

  let nextItem = 1;
  const ovalItem = (type: string, family: string, entities: Array<[string, string]>): OvalItem => ({
    id: nextItem++,
    family,
    type,
    status: 'exists',
    entities: entities.map(([name, value]) => ({ name, value, datatype: 'string', status: 'exists' })),
  });
  const sshdItems = [
    ovalItem('textfilecontent_item', 'independent', [['filepath', '/etc/ssh/sshd_config'], ['pattern', '^[\\s]*PermitRootLogin[\\s]+(.+)$'], ['instance', '1'], ['text', 'PermitRootLogin yes'], ['subexpression', 'yes']]),
  ];
  const fileItem = ovalItem('file_item', 'unix', [['filepath', '/etc/ssh/sshd_config'], ['oread', 'false'], ['owrite', 'false']]);
  const wwItems: OvalItem[] = [];
  for (let i = 0; i < many; i++) wwItems.push(ovalItem('file_item', 'unix', [['filepath', `/srv/share/file-${String(i).padStart(4, '0')}.txt`], ['owrite', 'true']]));
  const collected = new Map<string, CollectedObject>([
    ['oval:example:obj:1', { objectId: 'oval:example:obj:1', flag: 'complete', items: sshdItems, messages: [], bindings: [] }],
    ['oval:example:obj:2', { objectId: 'oval:example:obj:2', flag: 'complete', items: [fileItem], messages: [], bindings: [] }],
    ['oval:example:obj:3', { objectId: 'oval:example:obj:3', flag: 'complete', items: wwItems, messages: [], bindings: [] }],
    ['oval:example:obj:9', { objectId: 'oval:example:obj:9', flag: 'error', items: [], messages: ['could not read <file> "x"'], bindings: [] }],
  ]);
  const ir = (items: readonly OvalItem[], result: OvalResult): ItemResult[] => items.map((i) => ({ item: i, result }));
  const testResults = new Map<string, OvalTestResult>([
    ['oval:example:tst:1', { testId: 'oval:example:tst:1', result: 'false', objectId: 'oval:example:obj:1', items: ir(sshdItems, 'false') }],
    ['oval:example:tst:2', { testId: 'oval:example:tst:2', result: 'true', objectId: 'oval:example:obj:2', items: ir([fileItem], 'true') }],
    ['oval:example:tst:3', { testId: 'oval:example:tst:3', result: 'false', objectId: 'oval:example:obj:3', items: ir(wwItems, 'not evaluated') }],
    ['oval:example:tst:9', { testId: 'oval:example:tst:9', result: 'error', objectId: 'oval:example:obj:9', items: [] }],
  ]);
  const criterion = (n: number, result: OvalResult) => ({ kind: 'criterion' as const, testRef: `oval:example:tst:${n}`, negate: false, result });
  const defResults = new Map<string, DefinitionResult>([
    ['oval:example:def:1', { definitionId: 'oval:example:def:1', result: 'false', criteria: { kind: 'criteria', operator: 'AND', negate: false, result: 'false', children: [criterion(1, 'false'), { kind: 'extend_definition', definitionRef: 'oval:example:def:2', negate: false, result: 'true' }] } }],
    ['oval:example:def:2', { definitionId: 'oval:example:def:2', result: 'true', criteria: { kind: 'criteria', operator: 'AND', negate: false, result: 'true', children: [criterion(2, 'true')] } }],
    ['oval:example:def:3', { definitionId: 'oval:example:def:3', result: 'false', criteria: { kind: 'criteria', operator: 'AND', negate: false, result: 'false', children: [criterion(3, 'false')] } }],
    ['oval:example:def:9', { definitionId: 'oval:example:def:9', result: 'error', criteria: { kind: 'criteria', operator: 'OR', negate: false, result: 'error', children: [criterion(9, 'error')] } }],
  ]);
  const evidence: OvalEvidence = buildOvalEvidence(OVAL_HREF, doc, [
    { definitions: [...defResults.values()], tests: [...testResults.values()], objects: [...collected.values()] },
  ]);

  return {
    version: SCAN_REPORT_VERSION,
    testResult: {
      id: `${NS}_testresult_default`,
      benchmark: { id: benchmark.id, href: '#scap_org.example_comp_example-xccdf.xml', version: benchmark.version, title: benchmark.title },
      profile: { id: `${NS}_profile_standard`, title: 'Standard System Security Profile' },
      startTime: new Date(t0).toISOString(),
      endTime: new Date(t0 + 42_000).toISOString(),
      testSystem: 'cpe:/a:vigil:vigil:0.1.0',
      target: {
        name: 'web-01.example.org',
        addresses: ['192.0.2.10', 'fe80::1'],
        facts: [
          { name: 'urn:xccdf:fact:asset:identifier:fqdn', type: 'string', value: 'web-01.example.org' },
          { name: 'urn:xccdf:fact:ethernet:MAC', type: 'string', value: '52:54:00:12:34:56' },
        ],
      },
      identity: { name: 'root', authenticated: true, privileged: true },
      platforms: ['cpe:/o:debian:debian_linux:12'],
      setValues: [{ idref: `${NS}_value_var_permit_root`, value: 'no' }],
      ruleResults,
      scores: [
        { system: 'urn:xccdf:scoring:default', score: 61.53846, maximum: 100 },
        { system: 'urn:xccdf:scoring:flat', score: 1, maximum: 4 },
      ],
    },
    benchmark,
    contentFile: '/usr/share/xml/scap/example/example-ds.xml',
    source: { file: '/usr/share/xml/scap/example/example-ds.xml', componentId: 'scap_org.example_comp_example-xccdf.xml', xccdfVersion: '1.2' },
    productVersion: '0.1.0',
    system: {
      kind: 'local',
      name: 'web-01.example.org',
      osName: 'Linux',
      osVersion: '6.1.0',
      architecture: 'x86_64',
      primaryHostName: 'web-01.example.org',
      interfaces: [{ name: 'eth0', ip: '192.0.2.10', mac: '52:54:00:12:34:56' }],
      hostname: 'web-01.example.org',
    },
    oval: [evidence],
    platformOval: [],
  };
}

/** The sample scan with every selected rule not applicable, the content being for Debian 11 and the target Debian 12. */
export function emptyScan(): ScanReport {
  const base = sampleScanReport({ manyItems: 1 });
  const tr = base.testResult;
  return {
    ...base,
    benchmark: { ...base.benchmark, platforms: ['cpe:/o:debian:debian_linux:11'] },
    system: { ...base.system, osName: 'Debian GNU/Linux', osVersion: '12 (bookworm)' },
    testResult: { ...tr, platforms: [], ruleResults: tr.ruleResults.map((r) => (r.result === 'notselected' ? r : { ...r, result: 'notapplicable' as const })) },
  };
}

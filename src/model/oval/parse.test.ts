import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ovalXml } from '../../testing/content.js';
import { ContentError, type ContentErrorCode } from '../errors.js';
import { readDocument } from '../load.js';
import type {
  CheckEnum,
  Component,
  ConstantVariable,
  Criteria,
  DefinitionClass,
  ExistenceEnum,
  ExternalVariable,
  OvalDatatype,
  OvalDefinition,
  OvalDefinitions,
  OvalEntity,
  OvalFilter,
  OvalObject,
  OvalOperation,
  OvalOperator,
  OvalSet,
  OvalState,
  OvalTest,
  OvalVariable,
} from './types.js';

type Parts = Parameters<typeof ovalXml>[0];

function oval(parts: Parts): OvalDefinitions {
  const d = readDocument({ text: ovalXml(parts), name: 't.xml' });
  if (d.kind !== 'oval-definitions') assert.fail(`expected oval-definitions, got ${d.kind}`);
  return d;
}

function only<T>(map: ReadonlyMap<string, T>, id: string): T {
  assert.equal(map.size, 1, `expected exactly one element, got ${[...map.keys()].join(', ')}`);
  const v = map.get(id);
  assert.ok(v !== undefined, `${id} is missing`);
  return v;
}

// ---------------------------------------------------------------- fixtures

const DEF = 'oval:t:def:1';
const TST = 'oval:t:tst:1';
const OBJ = 'oval:t:obj:1';
const STE = 'oval:t:ste:1';
const VAR = 'oval:t:var:1';

function definition(inner: string, attrs = 'class="compliance"'): OvalDefinition {
  return only(oval({ definitions: `<definition id="${DEF}" version="3" ${attrs}>${inner}</definition>` }).definitions, DEF);
}

/** The criteria tree of a definition whose body is `criteria`. */
function criteriaOf(criteria: string): Criteria | undefined {
  return definition(criteria).criteria;
}

function test(xml: string): OvalTest {
  return only(oval({ tests: xml }).tests, TST);
}

function object(inner: string, attrs = ''): OvalObject {
  return only(
    oval({ objects: `<ind:textfilecontent54_object id="${OBJ}" version="2" ${attrs}>${inner}</ind:textfilecontent54_object>` }).objects,
    OBJ,
  );
}

function state(inner: string, attrs = ''): OvalState {
  return only(oval({ states: `<ind:textfilecontent54_state id="${STE}" version="1" ${attrs}>${inner}</ind:textfilecontent54_state>` }).states, STE);
}

function variable(xml: string): OvalVariable {
  return only(oval({ variables: xml }).variables, VAR);
}

/** An entity with every default filled in, overridden by `over`. */
function entity(name: string, value: string, over: Partial<OvalEntity> = {}): OvalEntity {
  return { name, value, datatype: 'string', operation: 'equals', mask: false, nil: false, varCheck: 'all', entityCheck: 'all', checkExistence: 'at_least_one_exists', ...over };
}

const crit = (testRef: string, over: Partial<{ negate: boolean; comment: string; applicabilityCheck: boolean }> = {}) => ({
  kind: 'criterion' as const,
  testRef,
  negate: false,
  comment: '',
  ...over,
});

// ------------------------------------------------------------ definitions

describe('definitions: criteria trees', () => {
  const cases: Array<{ name: string; xml: string; want: Criteria }> = [
    {
      name: 'criteria operator defaults to AND; negate false; no applicability_check key',
      xml: `<criteria><criterion test_ref="oval:t:tst:1"/></criteria>`,
      want: { kind: 'criteria', operator: 'AND', negate: false, comment: '', children: [crit('oval:t:tst:1')] },
    },
    ...(['AND', 'OR', 'ONE', 'XOR'] as const).map((op) => ({
      name: `criteria operator="${op}" is kept`,
      xml: `<criteria operator="${op}"><criterion test_ref="oval:t:tst:1"/><criterion test_ref="oval:t:tst:2"/></criteria>`,
      want: { kind: 'criteria' as const, operator: op, negate: false, comment: '', children: [crit('oval:t:tst:1'), crit('oval:t:tst:2')] },
    })),
    {
      name: 'negate on criteria and on criterion ("true" and "1"), with comments',
      xml: `<criteria negate="true" comment="outer"><criterion test_ref="oval:t:tst:1" negate="1" comment="c1"/><criterion test_ref="oval:t:tst:2" negate="false"/></criteria>`,
      want: {
        kind: 'criteria',
        operator: 'AND',
        negate: true,
        comment: 'outer',
        children: [crit('oval:t:tst:1', { negate: true, comment: 'c1' }), crit('oval:t:tst:2')],
      },
    },
    {
      name: 'applicability_check is kept as true/false on criteria, criterion and extend_definition',
      xml: `<criteria applicability_check="true"><criterion test_ref="oval:t:tst:1" applicability_check="false"/><extend_definition definition_ref="oval:t:def:9" applicability_check="1"/></criteria>`,
      want: {
        kind: 'criteria',
        operator: 'AND',
        negate: false,
        comment: '',
        applicabilityCheck: true,
        children: [
          crit('oval:t:tst:1', { applicabilityCheck: false }),
          { kind: 'extend_definition', definitionRef: 'oval:t:def:9', negate: false, comment: '', applicabilityCheck: true },
        ],
      },
    },
    {
      name: 'extend_definition with negate and comment',
      xml: `<criteria><extend_definition definition_ref="oval:t:def:2" negate="true" comment="not installed"/></criteria>`,
      want: {
        kind: 'criteria',
        operator: 'AND',
        negate: false,
        comment: '',
        children: [{ kind: 'extend_definition', definitionRef: 'oval:t:def:2', negate: true, comment: 'not installed' }],
      },
    },
    {
      name: 'nested criteria keep document order and their own operator/negate',
      xml: `<criteria operator="OR">
          <criterion test_ref="oval:t:tst:1"/>
          <criteria operator="XOR" negate="true" comment="inner">
            <extend_definition definition_ref="oval:t:def:2"/>
            <criteria operator="ONE"><criterion test_ref="oval:t:tst:3" negate="true"/></criteria>
          </criteria>
          <criterion test_ref="oval:t:tst:4"/>
        </criteria>`,
      want: {
        kind: 'criteria',
        operator: 'OR',
        negate: false,
        comment: '',
        children: [
          crit('oval:t:tst:1'),
          {
            kind: 'criteria',
            operator: 'XOR',
            negate: true,
            comment: 'inner',
            children: [
              { kind: 'extend_definition', definitionRef: 'oval:t:def:2', negate: false, comment: '' },
              { kind: 'criteria', operator: 'ONE', negate: false, comment: '', children: [crit('oval:t:tst:3', { negate: true })] },
            ],
          },
          crit('oval:t:tst:4'),
        ],
      },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(criteriaOf(c.xml), c.want));

  it('a definition without criteria has no criteria property', () => {
    const d = definition('<metadata><title>T</title></metadata>', 'class="inventory" deprecated="true"');
    assert.equal('criteria' in d, false);
    assert.equal(d.deprecated, true);
  });
});

describe('definitions: class, version and deprecated', () => {
  const classes: DefinitionClass[] = ['compliance', 'inventory', 'miscellaneous', 'patch', 'vulnerability'];
  for (const cls of classes) {
    it(`class="${cls}"`, () => {
      const d = definition('', `class="${cls}"`);
      assert.equal(d.class, cls);
      assert.equal(d.id, DEF);
      assert.equal(d.version, 3);
      assert.equal(d.deprecated, false);
    });
  }
});

describe('definitions: metadata', () => {
  const cases: Array<{ name: string; xml: string; want: Pick<OvalDefinition, 'title' | 'description' | 'references' | 'affected'> }> = [
    {
      name: 'no metadata: empty title, description, references and affected',
      xml: '',
      want: { title: '', description: '', references: [], affected: [] },
    },
    {
      name: 'title and description are trimmed',
      xml: `<metadata><title>
          Ensure SSH is configured  </title><description>  Checks sshd_config.
        </description></metadata>`,
      want: { title: 'Ensure SSH is configured', description: 'Checks sshd_config.', references: [], affected: [] },
    },
    {
      name: 'references keep source, ref_id and optional ref_url, in order',
      xml: `<metadata><title>T</title><description>D</description>
          <reference source="CVE" ref_id="CVE-2024-0001" ref_url="https://nvd.nist.gov/vuln/detail/CVE-2024-0001"/>
          <reference source="CCE" ref_id="CCE-1234-5"/></metadata>`,
      want: {
        title: 'T',
        description: 'D',
        references: [
          { source: 'CVE', refId: 'CVE-2024-0001', refUrl: 'https://nvd.nist.gov/vuln/detail/CVE-2024-0001' },
          { source: 'CCE', refId: 'CCE-1234-5' },
        ],
        affected: [],
      },
    },
    {
      name: 'affected: family, platforms and products per element',
      xml: `<metadata><title>T</title>
          <affected family="unix"><platform> Red Hat Enterprise Linux 9 </platform><platform>Fedora</platform><product>openssh</product></affected>
          <affected family="windows"/><description>D</description></metadata>`,
      want: {
        title: 'T',
        description: 'D',
        references: [],
        affected: [
          { family: 'unix', platforms: ['Red Hat Enterprise Linux 9', 'Fedora'], products: ['openssh'] },
          { family: 'windows', platforms: [], products: [] },
        ],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = definition(c.xml);
      assert.deepEqual({ title: d.title, description: d.description, references: d.references, affected: d.affected }, c.want);
    });
  }
});

// ------------------------------------------------------------------ tests

const testXml = (attrs: string, inner = `<ind:object object_ref="${OBJ}"/>`): string =>
  `<ind:textfilecontent54_test id="${TST}" version="1" check="all" ${attrs}>${inner}</ind:textfilecontent54_test>`;

describe('tests: check_existence', () => {
  const cases: Array<{ attrs: string; want: ExistenceEnum }> = [
    { attrs: '', want: 'at_least_one_exists' },
    ...(['all_exist', 'any_exist', 'at_least_one_exists', 'none_exist', 'only_one_exists'] as const).map((v) => ({
      attrs: `check_existence="${v}"`,
      want: v,
    })),
  ];
  for (const c of cases) it(c.attrs || '(default)', () => assert.equal(test(testXml(c.attrs)).checkExistence, c.want));
});

describe('tests: check', () => {
  const values: CheckEnum[] = ['all', 'at least one', 'none exist', 'none satisfy', 'only one'];
  for (const v of values) {
    it(`check="${v}"`, () => {
      const t = test(`<ind:family_test id="${TST}" version="1" check="${v}"><ind:object object_ref="${OBJ}"/></ind:family_test>`);
      assert.equal(t.check, v);
    });
  }
});

describe('tests: state_operator', () => {
  const cases: Array<{ attrs: string; want: OvalOperator }> = [
    { attrs: '', want: 'AND' },
    ...(['AND', 'OR', 'ONE', 'XOR'] as const).map((v) => ({ attrs: `state_operator="${v}"`, want: v })),
  ];
  for (const c of cases) it(c.attrs || '(default)', () => assert.equal(test(testXml(c.attrs)).stateOperator, c.want));
});

describe('tests: object and state references, element identity', () => {
  const cases: Array<{ name: string; xml: string; want: Partial<OvalTest> }> = [
    {
      name: 'a test with no state',
      xml: testXml(''),
      want: { objectRef: OBJ, stateRefs: [] },
    },
    {
      name: 'one state',
      xml: testXml('', `<ind:object object_ref="${OBJ}"/><ind:state state_ref="oval:t:ste:1"/>`),
      want: { objectRef: OBJ, stateRefs: ['oval:t:ste:1'] },
    },
    {
      name: 'several states, in document order',
      xml: testXml(
        'state_operator="OR"',
        `<ind:object object_ref="${OBJ}"/><ind:state state_ref="oval:t:ste:3"/><ind:state state_ref="oval:t:ste:1"/><ind:state state_ref="oval:t:ste:2"/>`,
      ),
      want: { objectRef: OBJ, stateOperator: 'OR', stateRefs: ['oval:t:ste:3', 'oval:t:ste:1', 'oval:t:ste:2'] },
    },
    {
      name: 'family from the namespace, type from the local name, version/comment/deprecated',
      xml: `<linux:rpminfo_test id="${TST}" version="7" comment="openssh installed" deprecated="true" check="only one"><linux:object object_ref="${OBJ}"/></linux:rpminfo_test>`,
      want: { family: 'linux', type: 'rpminfo_test', version: 7, comment: 'openssh installed', deprecated: true, check: 'only one' },
    },
    {
      name: 'unix family; version and comment default to 0 and empty',
      xml: `<unix:file_test id="${TST}" check="all"><unix:object object_ref="${OBJ}"/></unix:file_test>`,
      want: { family: 'unix', type: 'file_test', version: 0, comment: '', deprecated: false },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const t = test(c.xml);
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(t[k as keyof OvalTest], v, k);
    });
  }

  it('unknown_test needs no object and has no objectRef', () => {
    const t = test(`<ind:unknown_test id="${TST}" version="1" check="all"/>`);
    assert.equal(t.type, 'unknown_test');
    assert.equal('objectRef' in t, false);
    assert.deepEqual(t.stateRefs, []);
  });

  it('the location is the test element in the named file', () => {
    const t = test(`\n\n${testXml('')}`);
    // line 5 holds <tests>; the test itself sits two lines further down
    assert.equal(t.location.file, 't.xml');
    assert.equal(t.location.line, 7);
  });
});

// ---------------------------------------------------------------- objects

describe('objects: entities', () => {
  const cases: Array<{ name: string; xml: string; want: OvalEntity[] }> = [
    {
      name: 'defaults: string datatype, equals, all, no mask, no var_ref key',
      xml: `<ind:filepath>/etc/ssh/sshd_config</ind:filepath>`,
      want: [entity('filepath', '/etc/ssh/sshd_config')],
    },
    {
      name: 'operation and datatype as written',
      xml: `<ind:path operation="pattern match">^/etc/.*$</ind:path><ind:filename operation="case insensitive equals">SSHD_CONFIG</ind:filename><ind:instance datatype="int" operation="greater than or equal">1</ind:instance>`,
      want: [
        entity('path', '^/etc/.*$', { operation: 'pattern match' }),
        entity('filename', 'SSHD_CONFIG', { operation: 'case insensitive equals' }),
        entity('instance', '1', { datatype: 'int', operation: 'greater than or equal' }),
      ],
    },
    {
      name: 'var_ref with var_check defaulting to all',
      xml: `<ind:filepath var_ref="oval:t:var:1"/>`,
      want: [entity('filepath', '', { varRef: 'oval:t:var:1' })],
    },
    {
      name: 'var_ref with an explicit var_check',
      xml: `<ind:filepath var_ref="oval:t:var:1" var_check="at least one" operation="pattern match"/>`,
      want: [entity('filepath', '', { varRef: 'oval:t:var:1', varCheck: 'at least one', operation: 'pattern match' })],
    },
    {
      name: 'entity text is kept verbatim (not trimmed), entities unescaped',
      xml: `<ind:pattern operation="pattern match">^\\s*Port\\s+22 &amp; &lt;x&gt; </ind:pattern>`,
      want: [entity('pattern', '^\\s*Port\\s+22 & <x> ', { operation: 'pattern match' })],
    },
    {
      name: 'xsi:nil="true" entity is nil with an empty value',
      xml: `<ind:path>/etc</ind:path><ind:filename xsi:nil="true"/>`,
      want: [entity('path', '/etc'), entity('filename', '', { nil: true })],
    },
    {
      name: 'xsi:nil="1" (xsd:boolean) is nil too',
      xml: `<ind:filepath xsi:nil="1"/>`,
      want: [entity('filepath', '', { nil: true })],
    },
    {
      name: 'xsi:nil="false" is not nil',
      xml: `<ind:filepath xsi:nil="false">/x</ind:filepath>`,
      want: [entity('filepath', '/x')],
    },
    {
      name: 'behaviors, notes and filters are not entities',
      xml: `<ind:behaviors max_depth="1"/><notes><note>n</note></notes><ind:filepath>/a</ind:filepath><filter>oval:t:ste:1</filter>`,
      want: [entity('filepath', '/a')],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(object(c.xml).entities, c.want));

  it('family, type, version, comment and deprecated of the object', () => {
    const o = object('<ind:filepath>/a</ind:filepath>', 'comment="sshd config" deprecated="1"');
    assert.deepEqual(
      [o.family, o.type, o.version, o.comment, o.deprecated],
      ['independent', 'textfilecontent54_object', 2, 'sshd config', true],
    );
    assert.equal('set' in o, false);
  });
});

describe('objects: behaviors', () => {
  const cases: Array<{ name: string; xml: string; want: Record<string, string> }> = [
    { name: 'no behaviors element: empty', xml: '<ind:filepath>/a</ind:filepath>', want: {} },
    {
      name: 'attributes kept as written',
      xml: '<ind:behaviors max_depth="-1" recurse_direction="down" recurse="symlinks and directories" recurse_file_system="local"/><ind:path>/etc</ind:path><ind:filename>a</ind:filename>',
      want: { max_depth: '-1', recurse_direction: 'down', recurse: 'symlinks and directories', recurse_file_system: 'local' },
    },
    {
      name: 'multiline, singleline behaviors of textfilecontent54',
      xml: '<ind:behaviors multiline="false" singleline="true"/><ind:filepath>/a</ind:filepath>',
      want: { multiline: 'false', singleline: 'true' },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(object(c.xml).behaviors, c.want));
});

describe('objects: filters', () => {
  const cases: Array<{ name: string; xml: string; want: OvalFilter[] }> = [
    { name: 'no filter', xml: '<ind:filepath>/a</ind:filepath>', want: [] },
    { name: 'action defaults to exclude', xml: '<ind:filepath>/a</ind:filepath><filter>oval:t:ste:1</filter>', want: [{ action: 'exclude', stateRef: 'oval:t:ste:1' }] },
    { name: 'action="include"', xml: '<ind:filepath>/a</ind:filepath><filter action="include">oval:t:ste:1</filter>', want: [{ action: 'include', stateRef: 'oval:t:ste:1' }] },
    {
      name: 'several filters in order, state ref trimmed',
      xml: `<ind:filepath>/a</ind:filepath><filter action="exclude">
          oval:t:ste:2
        </filter><filter action="include">oval:t:ste:1</filter>`,
      want: [
        { action: 'exclude', stateRef: 'oval:t:ste:2' },
        { action: 'include', stateRef: 'oval:t:ste:1' },
      ],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(object(c.xml).filters, c.want));
});

describe('objects: sets', () => {
  const cases: Array<{ name: string; xml: string; want: OvalSet }> = [
    {
      name: 'set_operator defaults to UNION',
      xml: '<set><object_reference>oval:t:obj:2</object_reference><object_reference>oval:t:obj:3</object_reference></set>',
      want: { operator: 'UNION', objectRefs: ['oval:t:obj:2', 'oval:t:obj:3'], sets: [], filters: [] },
    },
    ...(['UNION', 'INTERSECTION', 'COMPLEMENT'] as const).map((op) => ({
      name: `set_operator="${op}"`,
      xml: `<set set_operator="${op}"><object_reference>oval:t:obj:2</object_reference><object_reference> oval:t:obj:3 </object_reference></set>`,
      want: { operator: op, objectRefs: ['oval:t:obj:2', 'oval:t:obj:3'], sets: [], filters: [] },
    })),
    {
      name: 'a filter inside a set',
      xml: '<set><object_reference>oval:t:obj:2</object_reference><filter action="include">oval:t:ste:1</filter></set>',
      want: { operator: 'UNION', objectRefs: ['oval:t:obj:2'], sets: [], filters: [{ action: 'include', stateRef: 'oval:t:ste:1' }] },
    },
    {
      name: 'nested sets, each with its own operator, refs and filters',
      xml: `<set set_operator="COMPLEMENT">
          <set set_operator="INTERSECTION"><object_reference>oval:t:obj:2</object_reference><object_reference>oval:t:obj:3</object_reference><filter>oval:t:ste:2</filter></set>
          <set><object_reference>oval:t:obj:4</object_reference><filter action="include">oval:t:ste:3</filter><filter>oval:t:ste:4</filter></set>
        </set>`,
      want: {
        operator: 'COMPLEMENT',
        objectRefs: [],
        filters: [],
        sets: [
          { operator: 'INTERSECTION', objectRefs: ['oval:t:obj:2', 'oval:t:obj:3'], sets: [], filters: [{ action: 'exclude', stateRef: 'oval:t:ste:2' }] },
          {
            operator: 'UNION',
            objectRefs: ['oval:t:obj:4'],
            sets: [],
            filters: [
              { action: 'include', stateRef: 'oval:t:ste:3' },
              { action: 'exclude', stateRef: 'oval:t:ste:4' },
            ],
          },
        ],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = object(c.xml);
      assert.deepEqual(o.set, c.want);
      assert.deepEqual(o.entities, [], 'a set object has no entities');
      assert.deepEqual(o.filters, [], 'filters inside the set are not object filters');
    });
  }
});

// ----------------------------------------------------------------- states

describe('states: entity_check', () => {
  const cases: Array<{ attrs: string; want: CheckEnum }> = [
    { attrs: '', want: 'all' },
    ...(['all', 'at least one', 'none exist', 'none satisfy', 'only one'] as const).map((v) => ({ attrs: `entity_check="${v}"`, want: v })),
  ];
  for (const c of cases) {
    it(c.attrs || '(default)', () => {
      assert.deepEqual(state(`<ind:subexpression ${c.attrs}>yes</ind:subexpression>`).entities, [entity('subexpression', 'yes', { entityCheck: c.want })]);
    });
  }
});

describe('states: check_existence on an entity', () => {
  const cases: Array<{ attrs: string; want: ExistenceEnum }> = [
    { attrs: '', want: 'at_least_one_exists' },
    ...(['all_exist', 'any_exist', 'at_least_one_exists', 'none_exist', 'only_one_exists'] as const).map((v) => ({ attrs: `check_existence="${v}"`, want: v })),
  ];
  for (const c of cases) {
    it(c.attrs || '(default)', () => {
      assert.deepEqual(state(`<ind:subexpression ${c.attrs}>yes</ind:subexpression>`).entities, [entity('subexpression', 'yes', { checkExistence: c.want })]);
    });
  }
});

describe('states: operation', () => {
  const ops: OvalOperation[] = [
    'equals', 'not equal', 'case insensitive equals', 'case insensitive not equal', 'greater than', 'less than',
    'greater than or equal', 'less than or equal', 'bitwise and', 'bitwise or', 'pattern match', 'subset of', 'superset of',
  ];
  for (const op of ops) {
    it(`operation="${op}"`, () => {
      assert.deepEqual(state(`<ind:text operation="${op}">v</ind:text>`).entities, [entity('text', 'v', { operation: op })]);
    });
  }
});

describe('states: datatype', () => {
  const cases: Array<{ datatype: OvalDatatype | undefined; value: string }> = [
    { datatype: undefined, value: 'plain' },
    { datatype: 'string', value: 'plain' },
    { datatype: 'int', value: '22' },
    { datatype: 'version', value: '1.2.3' },
    { datatype: 'evr_string', value: '0:8.7p1-38.el9' },
    { datatype: 'debian_evr_string', value: '1:9.6p1-3ubuntu13' },
    { datatype: 'ipv4_address', value: '10.0.0.0/8' },
    { datatype: 'ipv6_address', value: 'fe80::/10' },
    { datatype: 'binary', value: '0A1B' },
    { datatype: 'boolean', value: 'true' },
    { datatype: 'float', value: '1.5' },
    { datatype: 'fileset_revision', value: '5.3.0.30' },
    { datatype: 'ios_version', value: '12.2(52)SE' },
  ];
  for (const c of cases) {
    it(c.datatype ? `datatype="${c.datatype}"` : '(default string)', () => {
      const attr = c.datatype ? `datatype="${c.datatype}"` : '';
      assert.deepEqual(
        state(`<ind:subexpression ${attr} operation="greater than">${c.value}</ind:subexpression>`).entities,
        [entity('subexpression', c.value, { datatype: c.datatype ?? 'string', operation: 'greater than' })],
      );
    });
  }
});

describe('states: mask, record fields, operator', () => {
  const cases: Array<{ name: string; inner: string; attrs?: string; want: Partial<OvalState> }> = [
    {
      name: 'mask="true" and mask="false"',
      inner: '<ind:text mask="true">secret</ind:text><ind:subexpression mask="false">x</ind:subexpression>',
      want: { entities: [entity('text', 'secret', { mask: true }), entity('subexpression', 'x')] },
    },
    {
      name: 'record datatype: value is empty, fields carry name, datatype, operation, entity_check, mask',
      inner: `<ind:text datatype="record" entity_check="at least one">
            <field name="uid" datatype="int" operation="less than">1000</field>
            <field name="shell" operation="pattern match" entity_check="none satisfy">/bin/.*</field>
            <field name="password" mask="true">x</field>
          </ind:text>`,
      want: {
        entities: [
          entity('text', '', {
            datatype: 'record',
            entityCheck: 'at least one',
            fields: [
              entity('uid', '1000', { datatype: 'int', operation: 'less than' }),
              entity('shell', '/bin/.*', { operation: 'pattern match', entityCheck: 'none satisfy' }),
              entity('password', 'x', { mask: true }),
            ],
          }),
        ],
      },
    },
    {
      name: 'a non-record entity has no fields key',
      inner: '<ind:text>a</ind:text>',
      want: { entities: [entity('text', 'a')] },
    },
    { name: 'state operator defaults to AND', inner: '<ind:text>a</ind:text>', want: { operator: 'AND' } },
    { name: 'state operator="XOR"', inner: '<ind:text>a</ind:text>', attrs: 'operator="XOR"', want: { operator: 'XOR' } },
    {
      name: 'entities keep document order; notes are skipped; family and type',
      inner: '<notes><note>n</note></notes><ind:text>a</ind:text><ind:instance datatype="int">2</ind:instance>',
      want: {
        family: 'independent',
        type: 'textfilecontent54_state',
        entities: [entity('text', 'a'), entity('instance', '2', { datatype: 'int' })],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = state(c.inner, c.attrs);
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(s[k as keyof OvalState], v, k);
    });
  }

  it('a record field inside a record field is kept too', () => {
    const s = state('<ind:text datatype="record"><field name="a" datatype="record"><field name="b">1</field></field></ind:text>');
    assert.deepEqual(s.entities[0]?.fields, [entity('a', '', { datatype: 'record', fields: [entity('b', '1')] })]);
  });
});

// -------------------------------------------------------------- variables

describe('variables: constant and external', () => {
  const cases: Array<{ name: string; xml: string; want: Partial<ConstantVariable> | Partial<ExternalVariable> }> = [
    {
      name: 'constant with several values, in order, kept verbatim',
      xml: `<constant_variable id="${VAR}" version="2" datatype="int" comment="ports"><value>22</value><value>2222</value><value> 8022 </value></constant_variable>`,
      want: { kind: 'constant', datatype: 'int', version: 2, comment: 'ports', deprecated: false, values: ['22', '2222', ' 8022 '] },
    },
    {
      name: 'constant with a single value',
      xml: `<constant_variable id="${VAR}" version="1" datatype="string" deprecated="true"><value>/etc/ssh</value></constant_variable>`,
      want: { kind: 'constant', datatype: 'string', deprecated: true, values: ['/etc/ssh'] },
    },
    {
      name: 'external with no constraints',
      xml: `<external_variable id="${VAR}" version="1" datatype="string"/>`,
      want: { kind: 'external', datatype: 'string', possibleValues: [], possibleRestrictions: [] },
    },
    {
      name: 'external with possible_value elements',
      xml: `<external_variable id="${VAR}" version="1" datatype="int"><possible_value hint="default">5</possible_value><possible_value hint="strict">3</possible_value><possible_value>1</possible_value></external_variable>`,
      want: {
        kind: 'external',
        datatype: 'int',
        possibleValues: [
          { hint: 'default', value: '5' },
          { hint: 'strict', value: '3' },
          { hint: '', value: '1' },
        ],
        possibleRestrictions: [],
      },
    },
    {
      name: 'external with possible_restriction (operator default AND, and explicit OR)',
      xml: `<external_variable id="${VAR}" version="1" datatype="int">
          <possible_restriction hint="range"><restriction operation="greater than">0</restriction><restriction operation="less than or equal">6</restriction></possible_restriction>
          <possible_restriction hint="either" operator="OR"><restriction operation="equals">-1</restriction><restriction operation="pattern match">^9+$</restriction></possible_restriction>
          <possible_value hint="x">3</possible_value>
        </external_variable>`,
      want: {
        kind: 'external',
        possibleValues: [{ hint: 'x', value: '3' }],
        possibleRestrictions: [
          {
            hint: 'range',
            operator: 'AND',
            restrictions: [
              { operation: 'greater than', value: '0' },
              { operation: 'less than or equal', value: '6' },
            ],
          },
          {
            hint: 'either',
            operator: 'OR',
            restrictions: [
              { operation: 'equals', value: '-1' },
              { operation: 'pattern match', value: '^9+$' },
            ],
          },
        ],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = variable(c.xml);
      assert.equal(v.id, VAR);
      for (const [k, want] of Object.entries(c.want)) assert.deepEqual((v as unknown as Record<string, unknown>)[k], want, k);
    });
  }
});

describe('variables: local variable components', () => {
  const lit = (value: string, datatype: OvalDatatype = 'string'): Component => ({ fn: 'literal', value, datatype });
  const LIT_A = '<literal_component>a</literal_component>';
  const cases: Array<{ name: string; xml: string; want: Component }> = [
    { name: 'literal_component (datatype defaults to string)', xml: '<literal_component>sshd</literal_component>', want: lit('sshd') },
    { name: 'literal_component with a datatype', xml: '<literal_component datatype="int">42</literal_component>', want: lit('42', 'int') },
    { name: 'literal_component keeps whitespace (a separator)', xml: '<literal_component> </literal_component>', want: lit(' ') },
    { name: 'variable_component', xml: '<variable_component var_ref="oval:t:var:2"/>', want: { fn: 'variable', varRef: 'oval:t:var:2' } },
    {
      name: 'object_component with item_field',
      xml: `<object_component object_ref="${OBJ}" item_field="subexpression"/>`,
      want: { fn: 'object', objectRef: OBJ, itemField: 'subexpression' },
    },
    {
      name: 'object_component with item_field and record_field',
      xml: `<object_component object_ref="${OBJ}" item_field="result" record_field="uid"/>`,
      want: { fn: 'object', objectRef: OBJ, itemField: 'result', recordField: 'uid' },
    },
    {
      name: 'concat, arguments in order',
      xml: `<concat><variable_component var_ref="oval:t:var:2"/><literal_component>/</literal_component><object_component object_ref="${OBJ}" item_field="filename"/></concat>`,
      want: {
        fn: 'concat',
        args: [{ fn: 'variable', varRef: 'oval:t:var:2' }, lit('/'), { fn: 'object', objectRef: OBJ, itemField: 'filename' }],
      },
    },
    {
      name: 'arithmetic add',
      xml: '<arithmetic arithmetic_operation="add"><literal_component datatype="int">1</literal_component><literal_component datatype="int">2</literal_component></arithmetic>',
      want: { fn: 'arithmetic', operation: 'add', args: [lit('1', 'int'), lit('2', 'int')] },
    },
    {
      name: 'arithmetic multiply',
      xml: `<arithmetic arithmetic_operation="multiply"><object_component object_ref="${OBJ}" item_field="size"/><literal_component datatype="float">0.5</literal_component></arithmetic>`,
      want: { fn: 'arithmetic', operation: 'multiply', args: [{ fn: 'object', objectRef: OBJ, itemField: 'size' }, lit('0.5', 'float')] },
    },
    { name: 'begin', xml: `<begin character="/">${LIT_A}</begin>`, want: { fn: 'begin', character: '/', arg: lit('a') } },
    { name: 'end', xml: `<end character="\\">${LIT_A}</end>`, want: { fn: 'end', character: '\\', arg: lit('a') } },
    { name: 'escape_regex', xml: '<escape_regex><literal_component>a.b*</literal_component></escape_regex>', want: { fn: 'escape_regex', arg: lit('a.b*') } },
    { name: 'split', xml: `<split delimiter=",">${LIT_A}</split>`, want: { fn: 'split', delimiter: ',', arg: lit('a') } },
    {
      name: 'substring: start and length are integers (length -1 = to the end)',
      xml: `<substring substring_start="3" substring_length="-1">${LIT_A}</substring>`,
      want: { fn: 'substring', start: 3, length: -1, arg: lit('a') },
    },
    {
      name: 'time_difference: formats default to year_month_day',
      xml: '<time_difference><literal_component>20240101</literal_component></time_difference>',
      want: { fn: 'time_difference', format1: 'year_month_day', format2: 'year_month_day', args: [lit('20240101')] },
    },
    {
      name: 'time_difference: explicit formats, two arguments',
      xml: '<time_difference format_1="seconds_since_epoch" format_2="win_filetime"><literal_component>1</literal_component><literal_component>2</literal_component></time_difference>',
      want: { fn: 'time_difference', format1: 'seconds_since_epoch', format2: 'win_filetime', args: [lit('1'), lit('2')] },
    },
    {
      name: 'regex_capture',
      xml: `<regex_capture pattern="^Port\\s+(\\d+)$"><object_component object_ref="${OBJ}" item_field="text"/></regex_capture>`,
      want: { fn: 'regex_capture', pattern: '^Port\\s+(\\d+)$', arg: { fn: 'object', objectRef: OBJ, itemField: 'text' } },
    },
    {
      name: 'unique',
      xml: '<unique><literal_component>a</literal_component><literal_component>a</literal_component></unique>',
      want: { fn: 'unique', args: [lit('a'), lit('a')] },
    },
    {
      name: 'count',
      xml: `<count><object_component object_ref="${OBJ}" item_field="filepath"/></count>`,
      want: { fn: 'count', args: [{ fn: 'object', objectRef: OBJ, itemField: 'filepath' }] },
    },
    {
      name: 'glob_to_regex: glob_noescape defaults to false',
      xml: '<glob_to_regex><literal_component>/etc/*.conf</literal_component></glob_to_regex>',
      want: { fn: 'glob_to_regex', globNoescape: false, arg: lit('/etc/*.conf') },
    },
    {
      name: 'glob_to_regex with glob_noescape="true"',
      xml: '<glob_to_regex glob_noescape="true"><literal_component>a\\*</literal_component></glob_to_regex>',
      want: { fn: 'glob_to_regex', globNoescape: true, arg: lit('a\\*') },
    },
    {
      name: 'functions nest: substring(concat(begin(variable), literal))',
      xml: `<substring substring_start="1" substring_length="4"><concat><begin character="/"><variable_component var_ref="oval:t:var:2"/></begin><literal_component>x</literal_component></concat></substring>`,
      want: {
        fn: 'substring',
        start: 1,
        length: 4,
        arg: { fn: 'concat', args: [{ fn: 'begin', character: '/', arg: { fn: 'variable', varRef: 'oval:t:var:2' } }, lit('x')] },
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = variable(`<local_variable id="${VAR}" version="1" datatype="string" comment="c">${c.xml}</local_variable>`);
      assert.equal(v.kind, 'local');
      assert.deepEqual(v.kind === 'local' ? v.component : undefined, c.want);
    });
  }
});

// -------------------------------------------------------------- bad input

/** The line of `xml` holding the marker comment, which sits on the offending element's line. */
function markedLine(xml: string): number {
  const lines = xml.split('\n');
  const i = lines.findIndex((l) => l.includes('<!--HERE-->'));
  assert.ok(i >= 0 && lines.findIndex((l, j) => j > i && l.includes('<!--HERE-->')) < 0, 'exactly one marker');
  return i + 1;
}

describe('bad input is a ContentError at the offending element', () => {
  const t = (id: string, inner = `<ind:object object_ref="${OBJ}"/>`, attrs = 'check="all"'): string =>
    `<ind:textfilecontent54_test id="${id}" version="1" ${attrs}>${inner}</ind:textfilecontent54_test>`;
  const cases: Array<{ name: string; parts: Parts; code: ContentErrorCode; re: RegExp }> = [
    {
      name: 'invalid operation on an object entity',
      parts: { objects: `\n<ind:textfilecontent54_object id="${OBJ}" version="1">\n  <ind:filepath operation="equal">/a</ind:filepath><!--HERE-->\n</ind:textfilecontent54_object>` },
      code: 'invalid-value',
      re: /operation="equal" on <filepath>/,
    },
    {
      name: 'invalid operation on a state entity',
      parts: { states: `<ind:textfilecontent54_state id="${STE}" version="1">\n\n<ind:text operation="matches">a</ind:text><!--HERE-->\n</ind:textfilecontent54_state>` },
      code: 'invalid-value',
      re: /operation="matches"/,
    },
    {
      name: 'invalid operation on an external variable restriction',
      parts: {
        variables: `<external_variable id="${VAR}" version="1" datatype="int"><possible_restriction>\n<restriction operation="between">1</restriction><!--HERE--></possible_restriction></external_variable>`,
      },
      code: 'invalid-value',
      re: /operation="between"/,
    },
    {
      name: 'invalid datatype on a state entity',
      parts: { states: `\n\n\n<ind:textfilecontent54_state id="${STE}" version="1"><ind:subexpression datatype="integer">1</ind:subexpression><!--HERE--></ind:textfilecontent54_state>` },
      code: 'invalid-value',
      re: /datatype="integer"/,
    },
    {
      name: 'invalid datatype on a variable',
      parts: { variables: `\n<constant_variable id="${VAR}" version="1" datatype="str"><!--HERE--><value>a</value></constant_variable>` },
      code: 'invalid-value',
      re: /datatype="str" on <constant_variable>/,
    },
    {
      name: 'invalid datatype on a literal_component',
      parts: { variables: `<local_variable id="${VAR}" version="1" datatype="string">\n<literal_component datatype="text">a</literal_component><!--HERE--></local_variable>` },
      code: 'invalid-value',
      re: /datatype="text" on <literal_component>/,
    },
    {
      name: 'duplicate test id (reported at the second)',
      parts: { tests: `\n${t(TST)}\n${t('oval:t:tst:2')}\n${t(TST)}<!--HERE-->` },
      code: 'invalid-value',
      re: /duplicate OVAL id oval:t:tst:1/,
    },
    {
      name: 'duplicate definition id',
      parts: { definitions: `<definition id="${DEF}" version="1" class="compliance"/>\n<definition id="${DEF}" version="2" class="patch"/><!--HERE-->` },
      code: 'invalid-value',
      re: /duplicate OVAL id oval:t:def:1/,
    },
    {
      name: 'duplicate object id',
      parts: {
        objects: `<ind:family_object id="${OBJ}" version="1"/>\n\n<ind:family_object id="${OBJ}" version="1"/><!--HERE-->`,
      },
      code: 'invalid-value',
      re: /duplicate OVAL id oval:t:obj:1/,
    },
    {
      name: 'duplicate variable id',
      parts: {
        variables: `<constant_variable id="${VAR}" version="1" datatype="int"><value>1</value></constant_variable>\n<external_variable id="${VAR}" version="1" datatype="int"/><!--HERE-->`,
      },
      code: 'invalid-value',
      re: /duplicate OVAL id oval:t:var:1/,
    },
    {
      name: 'local variable without a component',
      parts: { variables: `\n\n<local_variable id="${VAR}" version="1" datatype="string" comment="empty"><!--HERE-->\n</local_variable>` },
      code: 'missing-attribute',
      re: /local variable oval:t:var:1 has no component/,
    },
    {
      name: 'test without an object reference',
      parts: { tests: `\n${t(TST, '\n<ind:state state_ref="oval:t:ste:1"/>')}`.replace('check="all">', 'check="all"><!--HERE-->') },
      code: 'missing-attribute',
      re: /test oval:t:tst:1 has no object reference/,
    },
    {
      name: 'test whose object lacks object_ref',
      parts: { tests: `\n\n${t(TST, '<ind:object/>')}<!--HERE-->` },
      code: 'missing-attribute',
      re: /has no object reference/,
    },
    {
      name: 'test without the required check attribute',
      parts: { tests: `\n${t(TST, undefined, '')}<!--HERE-->` },
      code: 'missing-attribute',
      re: /lacks the required attribute "check"/,
    },
    {
      name: 'invalid check_existence',
      parts: { tests: `\n${t(TST, undefined, 'check="all" check_existence="some_exist"')}<!--HERE-->` },
      code: 'invalid-value',
      re: /check_existence="some_exist"/,
    },
    {
      name: 'invalid criteria operator (at the nested criteria)',
      parts: { definitions: `<definition id="${DEF}" version="1" class="compliance"><criteria>\n<criteria operator="NAND"><!--HERE--><criterion test_ref="${TST}"/></criteria></criteria></definition>` },
      code: 'invalid-value',
      re: /operator="NAND"/,
    },
    {
      name: 'invalid definition class',
      parts: { definitions: `\n<definition id="${DEF}" version="1" class="policy"/><!--HERE-->` },
      code: 'invalid-value',
      re: /class="policy"/,
    },
    {
      name: 'invalid set_operator',
      parts: { objects: `<ind:family_object id="${OBJ}" version="1">\n<set set_operator="DIFFERENCE"><!--HERE--><object_reference>oval:t:obj:2</object_reference></set></ind:family_object>` },
      code: 'invalid-value',
      re: /set_operator="DIFFERENCE"/,
    },
    {
      name: 'invalid filter action',
      parts: { objects: `<ind:family_object id="${OBJ}" version="1">\n\n<filter action="drop">${STE}</filter><!--HERE--></ind:family_object>` },
      code: 'invalid-value',
      re: /filter action "drop"/,
    },
    {
      name: 'begin with two components',
      parts: { variables: `<local_variable id="${VAR}" version="1" datatype="string">\n<begin character="/"><!--HERE--><literal_component>a</literal_component><literal_component>b</literal_component></begin></local_variable>` },
      code: 'invalid-value',
      re: /<begin> takes exactly one component, found 2/,
    },
    {
      name: 'invalid arithmetic_operation',
      parts: { variables: `<local_variable id="${VAR}" version="1" datatype="int">\n<arithmetic arithmetic_operation="subtract"><!--HERE--><literal_component>1</literal_component></arithmetic></local_variable>` },
      code: 'invalid-value',
      re: /arithmetic_operation "subtract"/,
    },
    {
      name: 'non-integer substring_start',
      parts: { variables: `<local_variable id="${VAR}" version="1" datatype="string">\n\n<substring substring_start="x" substring_length="1"><!--HERE--><literal_component>a</literal_component></substring></local_variable>` },
      code: 'invalid-value',
      re: /substring_start="x" is not an integer/,
    },
    {
      name: 'unknown function',
      parts: { variables: `<local_variable id="${VAR}" version="1" datatype="string">\n<reverse><!--HERE--><literal_component>a</literal_component></reverse></local_variable>` },
      code: 'invalid-value',
      re: /unknown OVAL function <reverse>/,
    },
    {
      name: 'split without delimiter',
      parts: { variables: `<local_variable id="${VAR}" version="1" datatype="string">\n<split><!--HERE--><literal_component>a</literal_component></split></local_variable>` },
      code: 'missing-attribute',
      re: /<split> lacks the required attribute "delimiter"/,
    },
    {
      name: 'a test outside any OVAL family namespace',
      parts: { tests: `\n<x:foo_test xmlns:x="urn:not-oval" id="${TST}" check="all"><!--HERE--><x:object object_ref="${OBJ}"/></x:foo_test>` },
      code: 'invalid-value',
      re: /not in an OVAL definitions family namespace \(urn:not-oval\)/,
    },
    {
      name: 'a variable without an id',
      parts: { variables: `\n<constant_variable version="1" datatype="int"><!--HERE--><value>1</value></constant_variable>` },
      code: 'missing-attribute',
      re: /lacks the required attribute "id"/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const xml = ovalXml(c.parts);
      const line = markedLine(xml);
      assert.throws(
        () => readDocument({ text: xml, name: 't.xml' }),
        (e: unknown) => {
          assert.ok(e instanceof ContentError, `expected a ContentError, got ${String(e)}`);
          assert.equal(e.code, c.code, e.message);
          assert.match(e.message, c.re);
          assert.equal(e.location?.file, 't.xml');
          assert.equal(e.location?.line, line, e.describe());
          return true;
        },
      );
    });
  }
});

// -------------------------------------------------------- whole document

describe('whole document', () => {
  it('reads the generator and files each element into its own map by id', () => {
    const d = oval({
      definitions: `<definition id="${DEF}" version="1" class="compliance"><criteria><criterion test_ref="${TST}"/></criteria></definition>`,
      tests: testXml('', `<ind:object object_ref="${OBJ}"/><ind:state state_ref="${STE}"/>`),
      objects: `<ind:textfilecontent54_object id="${OBJ}" version="1"><ind:filepath var_ref="${VAR}"/><ind:pattern operation="pattern match">^x</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>`,
      states: `<ind:textfilecontent54_state id="${STE}" version="1"><ind:subexpression>y</ind:subexpression></ind:textfilecontent54_state>`,
      variables: `<constant_variable id="${VAR}" version="1" datatype="string"><value>/etc/x</value></constant_variable>`,
    });
    assert.deepEqual(d.generator, { productName: 'test', schemaVersion: '5.11', timestamp: '2024-01-01T00:00:00' });
    assert.deepEqual(
      [d.definitions, d.tests, d.objects, d.states, d.variables].map((m) => [...m.keys()]),
      [[DEF], [TST], [OBJ], [STE], [VAR]],
    );
    assert.equal(d.tests.get(TST)?.objectRef, OBJ);
    assert.deepEqual(d.tests.get(TST)?.stateRefs, [STE]);
  });
});

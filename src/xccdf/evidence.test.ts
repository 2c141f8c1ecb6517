import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDocument } from '../model/load.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import type { OvalItem } from '../oval/types.js';
import { ovalXml } from '../testing/content.js';
import { buildOvalEvidence } from './evidence.js';

const P = 'oval:t';
const def = (n: number, criteria: string): string =>
  `<definition id="${P}:def:${n}" version="1" class="compliance"><metadata><title>d${n}</title><description/></metadata><criteria operator="AND">${criteria}</criteria></definition>`;
const doc = readDocument({
  name: 'oval.xml',
  text: ovalXml({
    definitions: [
      def(1, `<criterion test_ref="${P}:tst:1"/><extend_definition definition_ref="${P}:def:2"/>`),
      def(2, `<criterion test_ref="${P}:tst:2"/>`),
      def(3, `<criterion test_ref="${P}:tst:3"/>`),
    ].join(''),
    tests: [1, 2, 3]
      .map((n) => `<ind:textfilecontent54_test id="${P}:tst:${n}" version="1" check="all" comment="t${n}"><ind:object object_ref="${P}:obj:${n}"/>${n === 2 ? `<ind:state state_ref="${P}:ste:2"/>` : ''}</ind:textfilecontent54_test>`)
      .join(''),
    objects: [
      `<ind:textfilecontent54_object id="${P}:obj:1" version="1"><ind:filepath var_ref="${P}:var:1"/><ind:pattern operation="pattern match">x</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>`,
      `<ind:textfilecontent54_object id="${P}:obj:2" version="1"><ind:filepath>/b</ind:filepath><ind:pattern operation="pattern match">x</ind:pattern><ind:instance datatype="int">1</ind:instance><filter action="exclude">${P}:ste:9</filter></ind:textfilecontent54_object>`,
      `<ind:textfilecontent54_object id="${P}:obj:3" version="1"><ind:filepath>/c</ind:filepath><ind:pattern operation="pattern match">x</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>`,
      `<ind:textfilecontent54_object id="${P}:obj:4" version="1"><ind:filepath>/paths</ind:filepath><ind:pattern operation="pattern match">(.*)</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>`,
    ].join(''),
    states: [2, 9, 8].map((n) => `<ind:textfilecontent54_state id="${P}:ste:${n}" version="1"><ind:text>y</ind:text></ind:textfilecontent54_state>`).join(''),
    variables:
      `<local_variable id="${P}:var:1" version="1" datatype="string" comment="paths"><concat><object_component object_ref="${P}:obj:4" item_field="subexpression"/><variable_component var_ref="${P}:var:2"/></concat></local_variable>` +
      `<constant_variable id="${P}:var:2" version="1" datatype="string" comment="suffix"><value>/x</value></constant_variable>` +
      `<constant_variable id="${P}:var:3" version="1" datatype="string" comment="unused"><value>z</value></constant_variable>`,
  }),
}) as OvalDefinitions;

const item = (id: number, path: string): OvalItem => ({
  id,
  family: 'independent',
  type: 'textfilecontent_item',
  status: 'exists',
  entities: [{ name: 'filepath', value: path, datatype: 'string', status: 'exists' }],
});

test('the evidence holds the document elements its results refer to, transitively, in document order, and nothing else', () => {
  const ev = buildOvalEvidence('oval.xml', doc, [
    { definitions: [{ definitionId: `${P}:def:1`, result: 'true' }], tests: [], objects: [] },
  ]);
  const ids = (xs: ReadonlyArray<{ readonly id: string }>): string[] => xs.map((x) => x.id);
  assert.deepEqual(ids(ev.source.definitions), [`${P}:def:1`, `${P}:def:2`]);
  assert.deepEqual(ids(ev.source.tests), [`${P}:tst:1`, `${P}:tst:2`]);
  // obj:4 through var:1's object_component, ste:9 through obj:2's filter, var:2 through a variable_component
  assert.deepEqual(ids(ev.source.objects), [`${P}:obj:1`, `${P}:obj:2`, `${P}:obj:4`]);
  assert.deepEqual(ids(ev.source.states), [`${P}:ste:2`, `${P}:ste:9`]);
  assert.deepEqual(ids(ev.source.variables), [`${P}:var:1`, `${P}:var:2`]);
});

test('items are named once per document: a later session whose item id is taken gets a new id, and the first session wins per element', () => {
  const a1 = item(1, '/a');
  const a2 = item(2, '/b');
  const b1 = item(1, '/other'); // the second session's own item 1
  const ev = buildOvalEvidence('oval.xml', doc, [
    {
      definitions: [{ definitionId: `${P}:def:3`, result: 'true' }],
      tests: [{ testId: `${P}:tst:3`, result: 'true', objectId: `${P}:obj:3`, items: [{ item: a1, result: 'true' }, { item: a2, result: 'true' }] }],
      objects: [{ objectId: `${P}:obj:3`, flag: 'complete', items: [a1, a2], messages: [], bindings: [] }],
    },
    {
      definitions: [{ definitionId: `${P}:def:3`, result: 'false' }, { definitionId: `${P}:def:1`, result: 'false' }],
      tests: [
        { testId: `${P}:tst:3`, result: 'false', objectId: `${P}:obj:3`, items: [] },
        { testId: `${P}:tst:1`, result: 'false', objectId: `${P}:obj:1`, items: [{ item: b1, result: 'false' }, { item: a2, result: 'false' }] },
      ],
      objects: [{ objectId: `${P}:obj:1`, flag: 'complete', items: [b1, a2], messages: [], bindings: [{ variableId: `${P}:var:1`, value: '/other' }] }],
    },
  ]);
  assert.deepEqual(ev.definitions.map((d) => [d.definitionId, d.result]), [[`${P}:def:3`, 'true'], [`${P}:def:1`, 'false']]);
  assert.deepEqual(ev.tests.map((t) => [t.testId, t.items.map((i) => i.item)]), [[`${P}:tst:3`, [1, 2]], [`${P}:tst:1`, [3, 2]]]);
  assert.deepEqual(ev.objects.map((o) => [o.objectId, o.items]), [[`${P}:obj:3`, [1, 2]], [`${P}:obj:1`, [3, 2]]]);
  assert.deepEqual(ev.items.map((i) => [i.id, i.entities[0]!.value]), [[1, '/a'], [2, '/b'], [3, '/other']]);
  assert.equal(ev.items[0], a1, 'an item that keeps its id is not copied');
});

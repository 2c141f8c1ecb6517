import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ovalXml } from '../../testing/content.js';
import { readDocument } from '../load.js';
import { referencedElements } from './references.js';
import type { OvalDefinitions } from './types.js';

it('reaches through criteria, extended definitions, states, filters, sets, local variables and variable_object', () => {
  const doc = readDocument({
    name: 'r.xml',
    text: ovalXml({
      definitions:
        '<definition id="oval:t:def:1" class="compliance" version="1"><metadata><title>a</title><description/></metadata><criteria><criterion test_ref="oval:t:tst:1"/><extend_definition definition_ref="oval:t:def:2"/></criteria></definition>' +
        '<definition id="oval:t:def:2" class="compliance" version="1"><metadata><title>b</title><description/></metadata><criteria><criterion test_ref="oval:t:tst:2"/></criteria></definition>',
      tests:
        '<ind:variable_test id="oval:t:tst:1" version="1" check="all"><ind:object object_ref="oval:t:obj:1"/><ind:state state_ref="oval:t:ste:1"/></ind:variable_test>' +
        '<unix:file_test id="oval:t:tst:2" version="1" check="all"><unix:object object_ref="oval:t:obj:2"/></unix:file_test>',
      objects:
        '<ind:variable_object id="oval:t:obj:1" version="1"><ind:var_ref>oval:t:var:1</ind:var_ref></ind:variable_object>' +
        '<unix:file_object id="oval:t:obj:2" version="1"><set><object_reference>oval:t:obj:3</object_reference><filter action="exclude">oval:t:ste:2</filter></set></unix:file_object>' +
        '<unix:file_object id="oval:t:obj:3" version="1"><unix:filepath>/etc/a</unix:filepath></unix:file_object>' +
        '<unix:file_object id="oval:t:obj:4" version="1"><unix:filepath>/etc/b</unix:filepath></unix:file_object>' +
        '<unix:file_object id="oval:t:obj:5" version="1"><unix:filepath>/etc/unreached</unix:filepath></unix:file_object>',
      states:
        '<ind:variable_state id="oval:t:ste:1" version="1"><ind:value var_ref="oval:t:var:2"/></ind:variable_state>' +
        '<unix:file_state id="oval:t:ste:2" version="1"><unix:uread>true</unix:uread></unix:file_state>',
      variables:
        '<constant_variable id="oval:t:var:1" version="1" datatype="string" comment="c"><value>x</value></constant_variable>' +
        '<local_variable id="oval:t:var:2" version="1" datatype="string" comment="c"><object_component object_ref="oval:t:obj:4" item_field="filepath"/></local_variable>',
    }),
  }) as OvalDefinitions;
  const r = referencedElements(doc, { definitions: ['oval:t:def:1'] });
  assert.deepEqual([...r.definitions], ['oval:t:def:1', 'oval:t:def:2']);
  assert.deepEqual([...r.tests].sort(), ['oval:t:tst:1', 'oval:t:tst:2']);
  assert.deepEqual([...r.objects].sort(), ['oval:t:obj:1', 'oval:t:obj:2', 'oval:t:obj:3', 'oval:t:obj:4']);
  assert.deepEqual([...r.states].sort(), ['oval:t:ste:1', 'oval:t:ste:2']);
  assert.deepEqual([...r.variables].sort(), ['oval:t:var:1', 'oval:t:var:2']);
});

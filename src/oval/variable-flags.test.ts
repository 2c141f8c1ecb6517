/**
 * Flags carry through variables (OVAL 5.11): a variable's values carry the
 * flag of what they were computed from, and an object built from a variable
 * takes that flag, so that a test over it is error or unknown, never true
 * for want of evidence. The case that made this matter: SSG's
 * accounts_root_path_dirs_no_write, whose file_object takes its paths from
 * PATH (environmentvariable58); with PATH not collected, the file_object
 * was "does not exist" and its none_exist test passed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDocument } from '../model/load.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { offlineRootTarget } from '../target/fs-target.js';
import { ovalXml } from '../testing/content.js';
import { OvalEngine, variableFlag } from './engine.js';
import type { CollectionFlag } from './result.js';
import type { ItemData, Probe } from './types.js';

/** The source object (name SOURCE) answers with `flag` and `values`; any other name is found when it is in `present`. */
function probe(flag: CollectionFlag | undefined, values: readonly string[], present: readonly string[]): Probe {
  const item = (name: string): ItemData => ({ family: 'independent', type: 'fake_item', status: 'exists', entities: [{ name: 'name', value: name, datatype: 'string', status: 'exists' }] });
  return {
    family: 'independent',
    objectType: 'fake_object',
    needs: [],
    description: 'test',
    async collect(req) {
      const name = req.entities.get('name')!.value;
      if (name === 'SOURCE') return { ...(flag ? { flag } : {}), items: values.map(item) };
      return { items: present.includes(name) ? [item(name)] : [] };
    },
  };
}

function engine(p: Probe): OvalEngine {
  const xml = ovalXml({
    tests:
      '<ind:fake_test id="oval:t:tst:1" version="1" check="all" check_existence="none_exist"><ind:object object_ref="oval:t:obj:2"/></ind:fake_test>' +
      '<ind:fake_test id="oval:t:tst:2" version="1" check="all" check_existence="at_least_one_exists"><ind:object object_ref="oval:t:obj:2"/></ind:fake_test>',
    objects:
      '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name>SOURCE</ind:name></ind:fake_object>' +
      '<ind:fake_object id="oval:t:obj:2" version="1"><ind:name var_ref="oval:t:var:1"/></ind:fake_object>',
    variables: '<local_variable id="oval:t:var:1" version="1" datatype="string" comment="c"><object_component object_ref="oval:t:obj:1" item_field="name"/></local_variable>',
  });
  const doc = readDocument({ text: xml, name: 't.xml' }) as OvalDefinitions;
  return new OvalEngine(doc, { target: offlineRootTarget('/nonexistent-root-for-tests'), probes: new Map([['independent/fake_object', p]]) });
}

describe('flags carry through variables', () => {
  // source flag, its values, what exists; then the variable's flag, the object's flag, none_exist, at_least_one_exists
  const cases: Array<{ name: string; flag: CollectionFlag | undefined; values: string[]; present: string[]; variable: CollectionFlag; object: CollectionFlag; none: string; some: string }> = [
    { name: 'complete, nothing found: does not exist', flag: undefined, values: ['/a'], present: [], variable: 'complete', object: 'does not exist', none: 'true', some: 'false' },
    { name: 'complete, found', flag: undefined, values: ['/a'], present: ['/a'], variable: 'complete', object: 'complete', none: 'false', some: 'true' },
    { name: 'the source does not exist: does not exist', flag: 'does not exist', values: [], present: [], variable: 'does not exist', object: 'does not exist', none: 'true', some: 'false' },
    { name: 'the source is an error: error', flag: 'error', values: [], present: [], variable: 'error', object: 'error', none: 'error', some: 'error' },
    { name: 'the source was not collected: not collected', flag: 'not collected', values: [], present: [], variable: 'not collected', object: 'not collected', none: 'unknown', some: 'unknown' },
    { name: 'the source is not applicable: not applicable', flag: 'not applicable', values: [], present: [], variable: 'not applicable', object: 'not applicable', none: 'not applicable', some: 'not applicable' },
    { name: 'the source is incomplete, nothing found: incomplete', flag: 'incomplete', values: ['/a'], present: [], variable: 'incomplete', object: 'incomplete', none: 'unknown', some: 'unknown' },
    { name: 'the source is incomplete, something found: incomplete, and at least one exists', flag: 'incomplete', values: ['/a'], present: ['/a'], variable: 'incomplete', object: 'incomplete', none: 'false', some: 'true' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const e = engine(probe(c.flag, c.values, c.present));
      assert.equal((await e.variables.value('oval:t:var:1')).flag, c.variable);
      const o = await e.collect('oval:t:obj:2');
      assert.equal(o.flag, c.object);
      assert.equal((await e.evaluateTest('oval:t:tst:1')).result, c.none, 'none_exist');
      assert.equal((await e.evaluateTest('oval:t:tst:2')).result, c.some, 'at_least_one_exists');
    });
  }

  it('a none_exist test over an object built from a variable that failed is never true', async () => {
    for (const flag of ['error', 'not collected', 'incomplete'] as const) {
      const e = engine(probe(flag, flag === 'incomplete' ? ['/a'] : [], []));
      assert.notEqual((await e.evaluateTest('oval:t:tst:1')).result, 'true', flag);
    }
  });

  it('variableFlag: no values because nothing exists is absence; anything else passes on', () => {
    assert.deepEqual(
      (['complete', 'incomplete', 'does not exist', 'error', 'not collected', 'not applicable'] as const).map(variableFlag),
      ['does not exist', 'does not exist', 'does not exist', 'error', 'not collected', 'not applicable'],
    );
  });
});

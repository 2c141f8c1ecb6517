import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDocument } from '../model/load.js';
import type { CheckEnum, OvalDefinitions } from '../model/oval/types.js';
import { offlineRootTarget } from '../target/fs-target.js';
import { ovalXml } from '../testing/content.js';
import { compareValuesLater } from './compare.js';
import { OvalEngine } from './engine.js';
import { ResultCounts, type CollectionFlag } from './result.js';
import type { ItemData, Probe, ProbeRequest } from './types.js';

/**
 * A fake probe over `family_object`-shaped data: it returns one item per
 * row whose `name` entity satisfies the object's `name` entity.
 */
function fakeProbe(rows: Array<Record<string, string>>, flag?: CollectionFlag): Probe & { calls: ProbeRequest[] } {
  const calls: ProbeRequest[] = [];
  return {
    family: 'independent',
    objectType: 'fake_object',
    needs: [],
    description: 'test rows',
    calls,
    async collect(req) {
      calls.push(req);
      const name = req.entities.get('name');
      const items: ItemData[] = rows
        .filter((r) => !name || name.entity.operation !== 'equals' || r['name'] === name.value)
        .filter((r) => !name || name.entity.operation !== 'pattern match' || new RegExp(name.value).test(r['name']!))
        .map((r) => ({
          family: 'independent',
          type: 'fake_item',
          status: 'exists',
          entities: Object.entries(r).map(([k, v]) => ({ name: k, value: v, datatype: k === 'n' ? 'int' : 'string', status: 'exists' as const })),
        }));
      return { ...(flag ? { flag } : {}), items };
    },
  };
}

function engine(parts: Parameters<typeof ovalXml>[0], probe: Probe, external: Record<string, string[]> = {}): OvalEngine {
  const doc = readDocument({ text: ovalXml(parts).replace(/fake_(test|object|state)/g, 'fake_$1'), name: 't.xml' }) as OvalDefinitions;
  return new OvalEngine(doc, {
    target: offlineRootTarget('/nonexistent-root-for-tests'),
    probes: new Map([['independent/fake_object', probe]]),
    external: { get: (id) => external[id] },
  });
}

const ROWS = [
  { name: 'a', n: '1', v: 'yes' },
  { name: 'b', n: '5', v: 'no' },
  { name: 'c', n: '10', v: 'yes' },
];

const test = (attrs: string, states: string[] = [], obj = 'oval:t:obj:1') =>
  `<ind:fake_test id="oval:t:tst:1" version="1" ${attrs}><ind:object object_ref="${obj}"/>${states.map((s) => `<ind:state state_ref="${s}"/>`).join('')}</ind:fake_test>`;

describe('tests: check_existence and check over collected items', () => {
  const cases = [
    { name: 'at least one exists, no state', test: test('check="all"'), obj: '<ind:name operation="pattern match">^[ab]$</ind:name>', want: 'true' },
    { name: 'nothing collected: does not exist → false', test: test('check="all"'), obj: '<ind:name>zzz</ind:name>', want: 'false' },
    { name: 'none_exist with nothing collected', test: test('check="all" check_existence="none_exist"'), obj: '<ind:name>zzz</ind:name>', want: 'true' },
    { name: 'none_exist with items', test: test('check="all" check_existence="none_exist"'), obj: '<ind:name>a</ind:name>', want: 'false' },
    { name: 'only_one_exists with two', test: test('check="all" check_existence="only_one_exists"'), obj: '<ind:name operation="pattern match">^[ab]$</ind:name>', want: 'false' },
    { name: 'state: check all, one item fails', test: test('check="all"', ['oval:t:ste:yes']), obj: '<ind:name operation="pattern match">.</ind:name>', want: 'false' },
    { name: 'state: check at least one', test: test('check="at least one"', ['oval:t:ste:yes']), obj: '<ind:name operation="pattern match">.</ind:name>', want: 'true' },
    { name: 'state: none satisfy', test: test('check="none satisfy"', ['oval:t:ste:maybe']), obj: '<ind:name operation="pattern match">.</ind:name>', want: 'true' },
    { name: 'state: only one', test: test('check="only one"', ['oval:t:ste:big']), obj: '<ind:name operation="pattern match">.</ind:name>', want: 'true' },
    { name: 'two states with state_operator OR', test: test('check="all" state_operator="OR"', ['oval:t:ste:yes', 'oval:t:ste:big']), obj: '<ind:name operation="pattern match">.</ind:name>', want: 'false' },
    { name: 'int comparison in a state', test: test('check="all"', ['oval:t:ste:pos']), obj: '<ind:name operation="pattern match">.</ind:name>', want: 'true' },
  ];
  const states = `<ind:fake_state id="oval:t:ste:yes" version="1"><ind:v>yes</ind:v></ind:fake_state>
    <ind:fake_state id="oval:t:ste:maybe" version="1"><ind:v>maybe</ind:v></ind:fake_state>
    <ind:fake_state id="oval:t:ste:big" version="1"><ind:n datatype="int" operation="greater than">6</ind:n></ind:fake_state>
    <ind:fake_state id="oval:t:ste:pos" version="1"><ind:n datatype="int" operation="greater than or equal">1</ind:n></ind:fake_state>`;
  for (const c of cases) {
    it(c.name, async () => {
      const e = engine({ tests: c.test, objects: `<ind:fake_object id="oval:t:obj:1" version="1">${c.obj}</ind:fake_object>`, states }, fakeProbe(ROWS));
      assert.equal((await e.evaluateTest('oval:t:tst:1')).result, c.want);
    });
  }
});

describe('collection flags decide a test before any state', () => {
  const cases: Array<{ flag: CollectionFlag; existence: string; state: boolean; want: string }> = [
    { flag: 'error', existence: 'at_least_one_exists', state: false, want: 'error' },
    { flag: 'error', existence: 'any_exist', state: false, want: 'true' },
    { flag: 'not collected', existence: 'at_least_one_exists', state: false, want: 'unknown' },
    { flag: 'not applicable', existence: 'all_exist', state: true, want: 'not applicable' },
    { flag: 'incomplete', existence: 'none_exist', state: false, want: 'false' },
  ];
  for (const c of cases) {
    it(`${c.flag} with ${c.existence}${c.state ? ' and a state' : ''} → ${c.want}`, async () => {
      const e = engine(
        {
          tests: test(`check="all" check_existence="${c.existence}"`, c.state ? ['oval:t:ste:1'] : []),
          objects: '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name>a</ind:name></ind:fake_object>',
          states: '<ind:fake_state id="oval:t:ste:1" version="1"><ind:v>yes</ind:v></ind:fake_state>',
        },
        fakeProbe(ROWS, c.flag),
      );
      assert.equal((await e.evaluateTest('oval:t:tst:1')).result, c.want);
    });
  }
});

describe('objects: collected once, var_refs iterated, filters and sets', () => {
  it('an object used by two tests and a variable is collected once', async () => {
    const probe = fakeProbe(ROWS);
    const e = engine(
      {
        tests: `${test('check="all"')}<ind:fake_test id="oval:t:tst:2" version="1" check="all"><ind:object object_ref="oval:t:obj:1"/></ind:fake_test>`,
        objects: '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name operation="pattern match">.</ind:name></ind:fake_object>',
        variables: '<local_variable id="oval:t:var:1" version="1" datatype="int" comment="c"><count><object_component object_ref="oval:t:obj:1" item_field="name"/></count></local_variable>',
      },
      probe,
    );
    await e.evaluateTest('oval:t:tst:1');
    await e.evaluateTest('oval:t:tst:2');
    assert.deepEqual((await e.variables.value('oval:t:var:1')).values, ['3']);
    assert.equal(probe.calls.length, 1);
  });

  it('a multi-valued var_ref asks the probe once per value and unites the items', async () => {
    const probe = fakeProbe(ROWS);
    const e = engine(
      {
        tests: test('check="all"'),
        objects: '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name var_ref="oval:t:var:names" var_check="at least one"/></ind:fake_object>',
        variables: '<constant_variable id="oval:t:var:names" version="1" datatype="string" comment="c"><value>a</value><value>c</value><value>zzz</value></constant_variable>',
      },
      probe,
    );
    const c = await e.collect('oval:t:obj:1');
    assert.equal(probe.calls.length, 3);
    assert.deepEqual(c.items.map((i) => i.entities[0]!.value).sort(), ['a', 'c']);
    assert.equal(c.flag, 'complete');
    assert.deepEqual(c.bindings.map((b) => b.value), ['a', 'c', 'zzz']);
  });

  it('a var_ref without values makes the object "does not exist"', async () => {
    const e = engine(
      { tests: test('check="all"'), objects: '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name var_ref="oval:t:var:ext"/></ind:fake_object>', variables: '<external_variable id="oval:t:var:ext" version="1" datatype="string" comment="c"/>' },
      fakeProbe(ROWS),
      { 'oval:t:var:ext': [] },
    );
    const c = await e.collect('oval:t:obj:1');
    assert.equal(c.flag, 'does not exist');
    assert.match(c.messages.join(), /oval:t:var:ext/);
  });

  const filterCases = [
    { action: 'exclude', want: ['b'] },
    { action: 'include', want: ['a', 'c'] },
  ];
  for (const f of filterCases) {
    it(`filter action="${f.action}"`, async () => {
      const e = engine(
        {
          objects: `<ind:fake_object id="oval:t:obj:1" version="1"><ind:name operation="pattern match">.</ind:name><filter action="${f.action}">oval:t:ste:yes</filter></ind:fake_object>`,
          states: '<ind:fake_state id="oval:t:ste:yes" version="1"><ind:v>yes</ind:v></ind:fake_state>',
        },
        fakeProbe(ROWS),
      );
      assert.deepEqual((await e.collect('oval:t:obj:1')).items.map((i) => i.entities[0]!.value).sort(), f.want);
    });
  }

  it('a filter that removes everything leaves "does not exist"', async () => {
    const e = engine(
      {
        objects: '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name>a</ind:name><filter action="exclude">oval:t:ste:yes</filter></ind:fake_object>',
        states: '<ind:fake_state id="oval:t:ste:yes" version="1"><ind:v>yes</ind:v></ind:fake_state>',
      },
      fakeProbe(ROWS),
    );
    assert.equal((await e.collect('oval:t:obj:1')).flag, 'does not exist');
  });

  const setCases = [
    { op: 'UNION', want: ['a', 'b', 'c'] },
    { op: 'INTERSECTION', want: ['b'] },
    { op: 'COMPLEMENT', want: ['a'] },
  ];
  for (const s of setCases) {
    it(`set ${s.op}`, async () => {
      const e = engine(
        {
          objects: `<ind:fake_object id="oval:t:obj:ab" version="1"><ind:name operation="pattern match">^[ab]$</ind:name></ind:fake_object>
            <ind:fake_object id="oval:t:obj:bc" version="1"><ind:name operation="pattern match">^[bc]$</ind:name></ind:fake_object>
            <ind:fake_object id="oval:t:obj:1" version="1"><set set_operator="${s.op}"><object_reference>oval:t:obj:ab</object_reference><object_reference>oval:t:obj:bc</object_reference></set></ind:fake_object>`,
        },
        fakeProbe(ROWS),
      );
      assert.deepEqual((await e.collect('oval:t:obj:1')).items.map((i) => i.entities[0]!.value).sort(), s.want);
    });
  }

  it('a nested set with a filter inside', async () => {
    const e = engine(
      {
        objects: `<ind:fake_object id="oval:t:obj:all" version="1"><ind:name operation="pattern match">.</ind:name></ind:fake_object>
          <ind:fake_object id="oval:t:obj:a" version="1"><ind:name>a</ind:name></ind:fake_object>
          <ind:fake_object id="oval:t:obj:1" version="1"><set set_operator="UNION"><set><object_reference>oval:t:obj:all</object_reference><filter action="exclude">oval:t:ste:yes</filter></set><set><object_reference>oval:t:obj:a</object_reference></set></set></ind:fake_object>`,
        states: '<ind:fake_state id="oval:t:ste:yes" version="1"><ind:v>yes</ind:v></ind:fake_state>',
      },
      fakeProbe(ROWS),
    );
    assert.deepEqual((await e.collect('oval:t:obj:1')).items.map((i) => i.entities[0]!.value).sort(), ['a', 'b']);
  });

  it('a probe that throws marks the object error, and the scan goes on', async () => {
    const boom: Probe = { family: 'independent', objectType: 'fake_object', needs: [], description: 'x', collect: async () => { throw new Error('disk on fire'); } };
    const e = engine({ tests: test('check="all"'), objects: '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name>a</ind:name></ind:fake_object>' }, boom);
    const c = await e.collect('oval:t:obj:1');
    assert.equal(c.flag, 'error');
    assert.match(c.messages.join(), /disk on fire/);
    assert.equal((await e.evaluateTest('oval:t:tst:1')).result, 'error');
  });

  it('a probe that needs a live kernel is "not collected" on an offline root', async () => {
    const live: Probe = { ...fakeProbe(ROWS), needs: ['kernel'] };
    const e = engine({ tests: test('check="all"'), objects: '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name>a</ind:name></ind:fake_object>' }, live);
    assert.equal((await e.collect('oval:t:obj:1')).flag, 'not collected');
    assert.equal((await e.evaluateTest('oval:t:tst:1')).result, 'unknown');
  });
});

describe('states with var_ref and var_check', () => {
  const cases = [
    { varCheck: 'at least one', values: ['no', 'yes'], want: 'true' },
    { varCheck: 'all', values: ['no', 'yes'], want: 'false' },
    { varCheck: 'none satisfy', values: ['no', 'maybe'], want: 'true' },
  ];
  for (const c of cases) {
    it(`var_check="${c.varCheck}" over ${JSON.stringify(c.values)}`, async () => {
      const e = engine(
        {
          tests: test('check="all"', ['oval:t:ste:1']),
          objects: '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name>a</ind:name></ind:fake_object>',
          states: `<ind:fake_state id="oval:t:ste:1" version="1"><ind:v var_ref="oval:t:var:1" var_check="${c.varCheck}"/></ind:fake_state>`,
          variables: `<constant_variable id="oval:t:var:1" version="1" datatype="string" comment="c">${c.values.map((v) => `<value>${v}</value>`).join('')}</constant_variable>`,
        },
        fakeProbe(ROWS),
      );
      assert.equal((await e.evaluateTest('oval:t:tst:1')).result, c.want);
    });
  }

  // equals and not equal against a variable are one lookup (SSG: every file's owner against every user id);
  // the answers must be those of comparing value by value
  const lookups = [
    { datatype: 'int', values: ['0', '5', '1000'], n: '5' },
    { datatype: 'int', values: ['0', '1000'], n: '5' },
    { datatype: 'int', values: ['5', '5', '7'], n: '5' },
    { datatype: 'int', values: ['+5', '05', '-0'], n: '5' },
    { datatype: 'int', values: ['-0', '2'], n: '0' },
    { datatype: 'int', values: [' 5', '5'], n: '5' },
    { datatype: 'int', values: ['x', '5'], n: '5' },
    { datatype: 'int', values: ['9223372036854775807', '5'], n: '9223372036854775807' },
    { datatype: 'int', values: ['5', '6'], n: ' 5' },
    { datatype: 'int', values: ['5', '6'], n: 'five' },
    { datatype: 'string', values: ['1', '5', 'a'], n: '5' },
    { datatype: 'string', values: ['05', 'x'], n: '5' },
  ];
  for (const l of lookups) {
    for (const op of ['equals', 'not equal']) {
      for (const varCheck of ['all', 'at least one', 'none satisfy', 'only one']) {
        it(`${l.datatype} ${op}, var_check="${varCheck}": ${JSON.stringify(l.n)} against ${JSON.stringify(l.values)}, as value by value`, async () => {
          const e = engine(
            {
              tests: test('check="all"', ['oval:t:ste:1']),
              objects: '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name>a</ind:name></ind:fake_object>',
              states: `<ind:fake_state id="oval:t:ste:1" version="1"><ind:n datatype="${l.datatype}" operation="${op}" var_ref="oval:t:var:1" var_check="${varCheck}"/></ind:fake_state>`,
              variables: `<constant_variable id="oval:t:var:1" version="1" datatype="${l.datatype}" comment="c">${l.values.map((v) => `<value>${v}</value>`).join('')}</constant_variable>`,
            },
            fakeProbe([{ name: 'a', n: l.n, v: 'x' }]),
          );
          const counts = ResultCounts.of(await Promise.all(l.values.map((v) => compareValuesLater(v, l.datatype as 'int' | 'string', l.n, op as 'equals' | 'not equal'))));
          assert.equal((await e.evaluateTest('oval:t:tst:1')).result, counts.byCheck(varCheck as CheckEnum));
        });
      }
    }
  }

  it('an entity the item lacks makes the state unknown (OpenSCAP)', async () => {
    const e = engine(
      {
        tests: test('check="all"', ['oval:t:ste:1']),
        objects: '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name>a</ind:name></ind:fake_object>',
        states: '<ind:fake_state id="oval:t:ste:1" version="1"><ind:absent>x</ind:absent></ind:fake_state>',
      },
      fakeProbe(ROWS),
    );
    assert.equal((await e.evaluateTest('oval:t:tst:1')).result, 'unknown');
  });
});

describe('definitions: criteria, negate and extend_definition', () => {
  it('combines tests and extended definitions with operators and negation', async () => {
    const e = engine(
      {
        definitions: `<definition id="oval:t:def:1" class="compliance" version="1"><metadata><title>t</title><description/></metadata>
            <criteria operator="AND"><criterion test_ref="oval:t:tst:1"/><criterion test_ref="oval:t:tst:2" negate="true"/></criteria></definition>
          <definition id="oval:t:def:2" class="compliance" version="1"><metadata><title>t</title><description/></metadata>
            <criteria operator="OR" negate="true"><extend_definition definition_ref="oval:t:def:1"/></criteria></definition>`,
        tests: `${test('check="all"')}<ind:fake_test id="oval:t:tst:2" version="1" check="all"><ind:object object_ref="oval:t:obj:2"/></ind:fake_test>`,
        objects: '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name>a</ind:name></ind:fake_object><ind:fake_object id="oval:t:obj:2" version="1"><ind:name>zzz</ind:name></ind:fake_object>',
      },
      fakeProbe(ROWS),
    );
    assert.equal((await e.evaluateDefinition('oval:t:def:1')).result, 'true');
    assert.equal((await e.evaluateDefinition('oval:t:def:2')).result, 'false');
  });
});

describe('filters during collection', () => {
  it('a probe can drop filtered items as it finds them; each item is judged once', async () => {
    let kept = 0;
    let judged = 0;
    const walker: Probe = {
      family: 'independent',
      objectType: 'fake_object',
      needs: [],
      description: 'a probe that filters while it walks',
      async collect(_req, ctx) {
        const out: ItemData[] = [];
        for (const r of ROWS) {
          const item: ItemData = { family: 'independent', type: 'fake_item', status: 'exists', entities: Object.entries(r).map(([k, v]) => ({ name: k, value: v, datatype: 'string', status: 'exists' as const })) };
          judged++;
          if (await ctx.keep(item)) {
            kept++;
            out.push(item);
          }
        }
        return { items: out };
      },
    };
    const e = engine(
      {
        objects: '<ind:fake_object id="oval:t:obj:1" version="1"><ind:name operation="pattern match">.</ind:name><filter action="exclude">oval:t:ste:yes</filter></ind:fake_object>',
        states: '<ind:fake_state id="oval:t:ste:yes" version="1"><ind:v>yes</ind:v></ind:fake_state>',
      },
      walker,
    );
    const c = await e.collect('oval:t:obj:1');
    assert.deepEqual(c.items.map((i) => i.entities[0]!.value), ['b']);
    assert.equal(judged, 3);
    assert.equal(kept, 1);
  });
});

describe('patterns the regex worker matches (nested repeats)', () => {
  const risky = (id: string, pattern: string) => `<ind:fake_state id="${id}" version="1"><ind:v operation="pattern match">${pattern}</ind:v></ind:fake_state>`;
  const obj = (filter = '') => `<ind:fake_object id="oval:t:obj:1" version="1"><ind:name operation="pattern match">.</ind:name>${filter}</ind:fake_object>`;

  it('a state compares once the worker answers', async () => {
    const states = risky('oval:t:ste:1', '^(?:y+e?s?)+$');
    const all = engine({ tests: test('check="all"', ['oval:t:ste:1']), objects: obj(), states }, fakeProbe(ROWS));
    assert.equal((await all.evaluateTest('oval:t:tst:1')).result, 'false');
    const one = engine({ tests: test('check="at least one"', ['oval:t:ste:1']), objects: obj(), states }, fakeProbe(ROWS));
    const r = await one.evaluateTest('oval:t:tst:1');
    assert.equal(r.result, 'true');
    assert.deepEqual(
      r.items.map((i) => i.result),
      ['true', 'false', 'true'],
    );
  });

  it('a filter keeps what the worker says it should', async () => {
    const e = engine({ tests: test('check="all"'), objects: obj('<filter action="exclude">oval:t:ste:1</filter>'), states: risky('oval:t:ste:1', '^(?:y+e?s?)+$') }, fakeProbe(ROWS));
    const o = await e.collect('oval:t:obj:1');
    assert.deepEqual(
      o.items.map((i) => i.entities.find((x) => x.name === 'name')!.value),
      ['b'],
    );
  });

  it('a catastrophic match is an error after the deadline, and timers run meanwhile', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    try {
      const rows = [{ name: 'a', n: '1', v: `${'a'.repeat(40)}!` }];
      const e = engine({ tests: test('check="all"', ['oval:t:ste:1']), objects: obj(), states: risky('oval:t:ste:1', '(a+)+$') }, fakeProbe(rows));
      assert.equal((await e.evaluateTest('oval:t:tst:1')).result, 'error');
      assert.ok(ticks >= 20, `timers ran during the match (${ticks})`);
    } finally {
      clearInterval(timer);
    }
  });
});

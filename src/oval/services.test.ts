import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readDocument } from '../model/load.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { offlineRootTarget } from '../target/fs-target.js';
import { mockTarget } from '../target/memory-target.js';
import { ovalXml } from '../testing/content.js';
import { OvalEngine } from './engine.js';
import { serviceKey, ServiceScope } from './services.js';
import type { Probe } from './types.js';

describe('ServiceScope: typed per-scan services with a lifecycle', () => {
  it('makes a service once, from the scope target, and gives it back typed', () => {
    const target = mockTarget({ files: {} });
    let made = 0;
    const KEY = serviceKey('counter', (t) => ({ target: t, n: ++made }));
    const scope = new ServiceScope(target);
    const a = scope.get(KEY);
    const b = scope.get(KEY);
    assert.equal(a, b);
    assert.equal(a.target, target);
    assert.equal(made, 1);
  });

  it('reset releases closeable services and makes fresh ones; close forbids further use', async () => {
    const closed: string[] = [];
    const KEY = serviceKey('conn', () => ({ id: Math.random(), close: () => void closed.push('conn') }));
    const scope = new ServiceScope(mockTarget({ files: {} }));
    const first = scope.get(KEY);
    await scope.reset();
    assert.deepEqual(closed, ['conn']);
    assert.notEqual(scope.get(KEY), first);
    await scope.close();
    assert.deepEqual(closed, ['conn', 'conn']);
    assert.throws(() => scope.get(KEY), /after its scope was closed/);
  });
});

describe('OvalEngine.reset: nothing kept between evaluations', () => {
  it('collects again after a reset, and sees the changed target', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vigil-reset-'));
    after(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/x'), 'a=1\n');
    const target = offlineRootTarget(root);
    let calls = 0;
    const probe: Probe = {
      family: 'independent',
      objectType: 'fake_object',
      needs: [],
      description: 'reads /etc/x',
      async collect(_req, ctx) {
        calls++;
        const v = (await ctx.target.readFile('/etc/x')).toString();
        return { items: [{ family: 'independent', type: 'fake_item', status: 'exists', entities: [{ name: 'name', value: v.trim(), datatype: 'string', status: 'exists' }] }] };
      },
    };
    const doc = readDocument({
      text: ovalXml({
        definitions: '<definition id="oval:t:def:1" version="1" class="compliance"><metadata><title>t</title><description>d</description></metadata><criteria><criterion test_ref="oval:t:tst:1"/></criteria></definition>',
        tests: '<ind:fake_test id="oval:t:tst:1" version="1" check="all"><ind:object object_ref="oval:t:obj:1"/><ind:state state_ref="oval:t:ste:1"/></ind:fake_test>',
        objects: '<ind:fake_object id="oval:t:obj:1" version="1"/>',
        states: '<ind:fake_state id="oval:t:ste:1" version="1"><ind:name>a=1</ind:name></ind:fake_state>',
      }),
      name: 't.xml',
    }) as OvalDefinitions;
    const engine = new OvalEngine(doc, { target, probes: new Map([['independent/fake_object', probe]]) });
    assert.equal((await engine.evaluateDefinition('oval:t:def:1')).result, 'true');
    writeFileSync(join(root, 'etc/x'), 'a=2\n');
    assert.equal((await engine.evaluateDefinition('oval:t:def:1')).result, 'true', 'memoised until reset');
    await engine.reset();
    assert.equal((await engine.evaluateDefinition('oval:t:def:1')).result, 'false');
    assert.equal(calls, 2);
    await engine.close();
  });
});

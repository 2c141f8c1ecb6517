import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDocument } from '../model/load.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { offlineRootTarget } from '../target/fs-target.js';
import { ovalXml } from '../testing/content.js';
import { OvalEngine } from './engine.js';
import { ServiceScope } from './services.js';
import { collectionKey, CollectionShare } from './share.js';
import type { ItemData, Probe } from './types.js';

const ROWS = ['a', 'b', 'c'];

/**
 * A probe over fixed rows that counts its collections. With `shares`, it
 * takes part in batches the way the file probes do: it waits for the
 * batch before answering.
 */
function countingProbe(shares = false): Probe & { calls: string[] } {
  const calls: string[] = [];
  return {
    family: 'independent',
    objectType: 'fake_object',
    needs: [],
    description: 'test rows',
    calls,
    ...(shares ? { sharesWork: () => true } : {}),
    async collect(req, ctx) {
      const name = req.entities.get('name');
      calls.push(name?.value ?? '');
      if (ctx.batch) await ctx.batch.ready();
      const items: ItemData[] = ROWS.filter((r) => !name || new RegExp(name.value).test(r)).map((r) => ({
        family: 'independent',
        type: 'fake_item',
        status: 'exists',
        entities: [{ name: 'name', value: r, datatype: 'string', status: 'exists' as const }],
      }));
      return { items };
    },
  };
}

/** A document whose one definition tests each of `objects` (fake_object bodies), numbered from `prefix`. */
function doc(prefix: string, objects: string[], extra: { states?: string; variables?: string } = {}): OvalDefinitions {
  const tests = objects.map((_, i) => `<ind:fake_test id="oval:${prefix}:tst:${i}" version="1" check="all"><ind:object object_ref="oval:${prefix}:obj:${i}"/></ind:fake_test>`).join('');
  const objs = objects.map((body, i) => `<ind:fake_object id="oval:${prefix}:obj:${i}" version="1" comment="${prefix}">${body}</ind:fake_object>`).join('');
  const criteria = objects.map((_, i) => `<criterion test_ref="oval:${prefix}:tst:${i}"/>`).join('');
  const definitions = `<definition id="oval:${prefix}:def:1" version="1" class="compliance"><metadata><title>t</title><description>d</description></metadata><criteria operator="AND">${criteria}</criteria></definition>`;
  return readDocument({ text: ovalXml({ definitions, tests, objects: objs, ...extra }), name: `${prefix}.xml` }) as OvalDefinitions;
}

function engineFor(d: OvalDefinitions, probe: Probe, share?: CollectionShare, external: Record<string, string[]> = {}): OvalEngine {
  return new OvalEngine(d, {
    target: offlineRootTarget('/nonexistent-root-for-tests'),
    probes: new Map([['independent/fake_object', probe]]),
    external: { get: (id) => external[id] },
    ...(share ? { share } : {}),
  });
}

const PATTERN = '<ind:name operation="pattern match">^[ab]$</ind:name>';

describe('collectionKey: the shape of an object, without its ids', () => {
  it('is the same for objects of the same shape in two documents, and differs when an entity does', () => {
    const one = doc('one', [PATTERN]);
    const two = doc('two', [PATTERN, '<ind:name operation="pattern match">^[ac]$</ind:name>']);
    const k1 = collectionKey(one.objects.get('oval:one:obj:0')!, one);
    assert.ok(k1);
    assert.equal(collectionKey(two.objects.get('oval:two:obj:0')!, two), k1);
    assert.notEqual(collectionKey(two.objects.get('oval:two:obj:1')!, two), k1);
  });

  it('is undefined when the object uses a variable, in an entity or through a filter state', () => {
    const variables = '<external_variable id="oval:v:var:1" version="1" datatype="string" comment="x"/>';
    const states = '<ind:fake_state id="oval:v:ste:1" version="1"><ind:name var_ref="oval:v:var:1"/></ind:fake_state><ind:fake_state id="oval:v:ste:2" version="1"><ind:name>a</ind:name></ind:fake_state>';
    const d = doc('v', ['<ind:name var_ref="oval:v:var:1"/>', `${PATTERN}<filter action="exclude">oval:v:ste:1</filter>`, `${PATTERN}<filter action="exclude">oval:v:ste:2</filter>`], { states, variables });
    assert.equal(collectionKey(d.objects.get('oval:v:obj:0')!, d), undefined);
    assert.equal(collectionKey(d.objects.get('oval:v:obj:1')!, d), undefined);
    // a filter whose state is plain keeps the object shareable, and is part of its shape
    const k = collectionKey(d.objects.get('oval:v:obj:2')!, d);
    assert.ok(k);
    assert.notEqual(k, collectionKey(doc('w', [PATTERN]).objects.get('oval:w:obj:0')!, doc('w', [PATTERN])));
  });
});

describe('CollectionShare: one collection per scan', () => {
  it('two engines sharing a scan collect an object of the same shape once, and each numbers the items itself', async () => {
    const probe = countingProbe();
    const share = new CollectionShare(new ServiceScope(offlineRootTarget('/nonexistent-root-for-tests')));
    const a = engineFor(doc('a', [PATTERN]), probe, share);
    const b = engineFor(doc('b', [PATTERN]), probe, share);
    const ra = await a.evaluateDefinition('oval:a:def:1');
    const rb = await b.evaluateDefinition('oval:b:def:1');
    assert.equal(ra.result, 'true');
    assert.equal(rb.result, 'true');
    assert.equal(probe.calls.length, 1, 'collected once for both documents');
    const ob = (await b.collectedObjects())[0]!;
    assert.equal(ob.objectId, 'oval:b:obj:0');
    assert.deepEqual(
      ob.items.map((i) => [i.id, i.entities[0]!.value]),
      [
        [1, 'a'],
        [2, 'b'],
      ],
    );
  });

  it('without a share, each engine collects for itself', async () => {
    const probe = countingProbe();
    await engineFor(doc('a', [PATTERN]), probe).evaluateDefinition('oval:a:def:1');
    await engineFor(doc('b', [PATTERN]), probe).evaluateDefinition('oval:b:def:1');
    assert.equal(probe.calls.length, 2);
  });

  it('an object that uses an external variable is collected by each engine, with its own values', async () => {
    const probe = countingProbe();
    const share = new CollectionShare(new ServiceScope(offlineRootTarget('/nonexistent-root-for-tests')));
    const variables = '<external_variable id="oval:x:var:1" version="1" datatype="string" comment="x"/>';
    const body = '<ind:name operation="pattern match" var_ref="oval:x:var:1"/>';
    const a = engineFor(doc('x', [body], { variables }), probe, share, { 'oval:x:var:1': ['^a$'] });
    const b = engineFor(doc('x', [body], { variables }), probe, share, { 'oval:x:var:1': ['^z$'] });
    assert.equal((await a.evaluateDefinition('oval:x:def:1')).result, 'true');
    assert.equal((await b.evaluateDefinition('oval:x:def:1')).result, 'false');
    assert.deepEqual(probe.calls, ['^a$', '^z$']);
  });

  it('objects of the same shape in one batch do not wait on each other', async () => {
    const probe = countingProbe(true);
    const share = new CollectionShare(new ServiceScope(offlineRootTarget('/nonexistent-root-for-tests')));
    const e = engineFor(doc('s', [PATTERN, PATTERN, '<ind:name operation="pattern match">^c$</ind:name>']), probe, share);
    const r = await Promise.race([e.evaluateAll().then(() => 'done'), new Promise((res) => setTimeout(() => res('stuck'), 5_000).unref())]);
    assert.equal(r, 'done');
    assert.deepEqual(probe.calls.sort(), ['^[ab]$', '^c$']);
    assert.equal((await e.evaluateDefinition('oval:s:def:1')).result, 'true');
  });
});

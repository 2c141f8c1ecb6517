/**
 * Cancellation: an AbortSignal given to evaluateXccdf reaches the XCCDF
 * rule loop and the OVAL engines, and a walk in progress stops between
 * directories; the scan rejects with the signal's reason.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { offlineRootTarget } from '../target/fs-target.js';
import type { Target } from '../target/target.js';
import { benchmarkXml, dataStreamXml, ovalXml, OVAL_SYSTEM } from '../testing/content.js';
import { evaluateXccdf } from './xccdf-eval.js';

const WIDE = 40;
/** Directories in the synthetic root: WIDE top ones, each with WIDE below it. */
const DIRS = WIDE + WIDE * WIDE;

const oval = ovalXml({
  definitions: `<definition id="oval:t:def:1" version="1" class="compliance"><metadata><title>t</title><description>d</description></metadata><criteria><criterion test_ref="oval:t:tst:1" comment="c"/></criteria></definition>`,
  tests: '<unix:file_test id="oval:t:tst:1" version="1" check="all" check_existence="none_exist" comment="c"><unix:object object_ref="oval:t:obj:1"/></unix:file_test>',
  objects:
    '<unix:file_object id="oval:t:obj:1" version="1"><unix:behaviors recurse="directories" recurse_direction="down" max_depth="-1"/><unix:path>/</unix:path><unix:filename operation="pattern match">\\.bad$</unix:filename></unix:file_object>',
});
const benchmark = benchmarkXml(
  `<Rule id="xccdf_t_rule_walk" selected="true"><title>Walks</title><check system="${OVAL_SYSTEM}"><check-content-ref href="oval.xml" name="oval:t:def:1"/></check></Rule>`,
);

/** The target, with openDir hidden so that every directory is listed by path, and each listing counted. */
function counting(target: Target, onList: (n: number) => void): Target {
  let n = 0;
  return new Proxy(target, {
    get(t, k, r) {
      if (k === 'openDir') return undefined;
      if (k === 'readdir') return (path: string) => (onList(++n), t.readdir(path));
      const v: unknown = Reflect.get(t, k, r);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

describe('cancelling a scan', () => {
  let dir: string;
  let ds: string;
  let root: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cancel-'));
    root = join(dir, 'root');
    for (let i = 0; i < WIDE; i++) for (let j = 0; j < WIDE; j++) {
      const d = join(root, `d${i}`, `e${j}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'f.conf'), '');
    }
    ds = join(dir, 'ds.xml');
    writeFileSync(ds, dataStreamXml({ checklist: { id: 'xccdf', xml: benchmark }, checks: [{ id: 'oval', xml: oval }], catalog: { 'oval.xml': '#cref-oval' } }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('without an abort, the walk lists the whole root', async () => {
    let listed = 0;
    const report = await evaluateXccdf(ds, { target: counting(offlineRootTarget(root), (n) => (listed = n)) });
    assert.equal(report.testResult.ruleResults[0]!.result, 'pass');
    assert.ok(listed > DIRS, `${listed} listings`);
  });

  it('an abort mid-walk stops the walk promptly and rejects the scan with the reason', async () => {
    const ac = new AbortController();
    let listed = 0;
    let abortedAt = 0;
    let listedAtAbort = 0;
    const target = counting(offlineRootTarget(root), (n) => {
      listed = n;
      if (n === 100) {
        abortedAt = performance.now();
        listedAtAbort = n;
        ac.abort();
      }
    });
    await assert.rejects(evaluateXccdf(ds, { target, signal: ac.signal }), (e: unknown) => e instanceof Error && e.name === 'AbortError');
    const took = performance.now() - abortedAt;
    assert.ok(abortedAt > 0, 'the abort came during the walk');
    assert.ok(took < 1000, `stopped ${took.toFixed(0)} ms after the abort`);
    // only the directories already being read finish (16 at once)
    assert.ok(listed - listedAtAbort <= 16, `${listed - listedAtAbort} directories listed after the abort`);
  });

  it('a reason given to abort() is the error', async () => {
    const ac = new AbortController();
    ac.abort(new Error('shutting down'));
    await assert.rejects(evaluateXccdf(ds, { target: offlineRootTarget(root), signal: ac.signal }), /shutting down/);
  });
});

/**
 * The engine's process-wide caches are bounded: a scanner that runs for
 * days, scanning content and trees it has never seen, holds at most a fixed
 * number of entries in each (oval/lru.ts). The risky-answer cache's bound
 * is tested in regex/bounded.test.ts.
 */
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readDocument } from '../model/load.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { offlineRootTarget } from '../target/fs-target.js';
import { ovalXml } from '../testing/content.js';
import { compareValues, ovalPattern, patternsKept, PATTERNS_KEPT } from './compare.js';
import { OvalEngine } from './engine.js';
import { fileProbe, OWNERS_KEPT, ownersKept } from './probes/unix/file.js';

describe('bounded caches', () => {
  it('compiled patterns: at most PATTERNS_KEPT, the most recently used kept', () => {
    const first = ovalPattern('^first-pattern$');
    for (let i = 0; i < PATTERNS_KEPT + 100; i++) {
      assert.equal(compareValues(`^p${i}x*$`, 'string', `p${i}xx`, 'pattern match'), 'true');
      // one pattern in constant use stays compiled
      if (i % 100 === 0) assert.equal(ovalPattern('^first-pattern$'), first);
    }
    assert.equal(patternsKept(), PATTERNS_KEPT);
    assert.equal(ovalPattern('^first-pattern$'), first);
    // a forgotten pattern is compiled again, and still compares
    assert.equal(compareValues('^p0x*$', 'string', 'p0', 'pattern match'), 'true');
  });

  it('owner entities: at most OWNERS_KEPT users and groups, however many owners a tree has', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-owners-'));
    try {
      try {
        chownSync(dir, 100000, 200000);
      } catch {
        t.skip('giving files to other owners needs root');
        return;
      }
      const files = join(dir, 'many');
      mkdirSync(files);
      const n = OWNERS_KEPT + 200;
      for (let i = 0; i < n; i++) {
        const p = join(files, `f${i}`);
        writeFileSync(p, '');
        chownSync(p, 100000 + i, 200000 + i);
      }
      const xml = ovalXml({
        tests: '<unix:file_test id="oval:t:tst:1" version="1" check="all" check_existence="any_exist"><unix:object object_ref="oval:t:obj:1"/></unix:file_test>',
        objects: '<unix:file_object id="oval:t:obj:1" version="1"><unix:path>/many</unix:path><unix:filename operation="pattern match">^f</unix:filename></unix:file_object>',
      });
      const doc = readDocument({ text: xml, name: 't.xml' }) as OvalDefinitions;
      const engine = new OvalEngine(doc, { target: offlineRootTarget(dir), probes: new Map([['unix/file_object', fileProbe]]) });
      const o = await engine.collect('oval:t:obj:1');
      assert.equal(o.items.length, n);
      assert.equal(new Set(o.items.map((i) => i.entities.find((e) => e.name === 'user_id')!.value)).size, n, 'every owner is right');
      assert.deepEqual(ownersKept(), { users: OWNERS_KEPT, groups: OWNERS_KEPT });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

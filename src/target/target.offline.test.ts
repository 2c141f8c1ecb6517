/** The Target contract (target.case.ts) on an offline root. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { offlineRootTarget } from './fs-target.js';
import { useDirectoryReader } from './native-walk.js';
import { targetCases, writeCaseTree } from './target.case.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-case-offline-'));
after(() => rmSync(root, { recursive: true, force: true }));
writeCaseTree(root);

targetCases('offline root', async () => ({ target: offlineRootTarget(root), base: '/', live: false }));

// the same cases with the pure-JS directory reader, when the native one (native-walk.ts) is what the run above used
describe('with the pure-JS directory reader', () => {
  before(() => useDirectoryReader('js'));
  after(() => useDirectoryReader('default'));
  targetCases('offline root (pure-JS reader)', async () => ({ target: offlineRootTarget(root), base: '/', live: false }));
});

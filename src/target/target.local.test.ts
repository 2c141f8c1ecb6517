/** The Target contract (target.case.ts) on the local target, over a temp tree. */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { localTarget } from './fs-target.js';
import { useDirectoryReader } from './native-walk.js';
import { targetCases, writeCaseTree } from './target.case.js';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-case-local-')));
after(() => rmSync(base, { recursive: true, force: true }));
writeCaseTree(base);

targetCases('local', async () => ({ target: localTarget(), base, live: true }));

// the same cases with the pure-JS directory reader, when the native one (native-walk.ts) is what the run above used
describe('with the pure-JS directory reader', () => {
  before(() => useDirectoryReader('js'));
  after(() => useDirectoryReader('default'));
  targetCases('local (pure-JS reader)', async () => ({ target: localTarget(), base, live: true }));
});

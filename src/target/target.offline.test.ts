/** The Target contract (target.case.ts) on an offline root. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { offlineRootTarget } from './fs-target.js';
import { targetCases, writeCaseTree } from './target.case.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-case-offline-'));
after(() => rmSync(root, { recursive: true, force: true }));
writeCaseTree(root);

targetCases('offline root', async () => ({ target: offlineRootTarget(root), base: '/', live: false }));

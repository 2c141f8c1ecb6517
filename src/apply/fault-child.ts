/**
 * Test support for journal.test.ts: checkpoints and applies the change set
 * between two trees, slowly (a few milliseconds per step), so that the
 * test can SIGKILL it mid-apply. Usage: fault-child.ts ROOT NEXT STATE
 */
import { applyChangeSet, changedPaths } from './apply.js';
import { changeSetBetween } from './fault-fixture.js';
import { Journal } from './journal.js';

const [root, next, state] = process.argv.slice(2) as [string, string, string];
const cs = changeSetBetween(root, next);
const j = Journal.checkpoint(state, root, changedPaths(cs), 'fault child');
const pause = new Int32Array(new SharedArrayBuffer(4));
process.stdout.write('applying\n');
applyChangeSet(j, cs, () => Atomics.wait(pause, 0, 0, 3));
process.stdout.write('applied\n');

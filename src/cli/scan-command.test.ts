import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MACHINE_FORMATS } from '../app/outputs.js';
import { SCAN_FORMATS } from './scan-command.js';

it('vigil scan offers exactly the formats the output table writes', () => {
  assert.deepEqual([...SCAN_FORMATS].sort(), Object.keys(MACHINE_FORMATS).sort());
});

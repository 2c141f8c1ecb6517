/**
 * The engines see the system only through their Target: nothing under
 * src/oval, src/xccdf or src/remediation (tests aside) imports node:os,
 * node:fs or node:child_process, or touches the global `process`. Host
 * access belongs to src/target (the targets) and src/app (the composition
 * root). A failure names each file and line.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { findHostAccess } from './host-access.js';

const SRC = new URL('..', import.meta.url).pathname;
const GUARDED = ['oval', 'xccdf', 'remediation'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('no host access below the app', () => {
  it(`src/${GUARDED.join(', src/')} reach the system only through the Target`, () => {
    const files = GUARDED.flatMap((d) => sources(join(SRC, d)));
    assert.ok(files.length > 50, `found only ${files.length} source files`);
    const found = files.flatMap((f) => findHostAccess(readFileSync(f, 'utf8')).map((h) => `src/${relative(SRC, f)}:${h.line}: ${h.what}`));
    assert.deepEqual(found, []);
  });
});

describe('the host-access finder', () => {
  const cases: Array<{ name: string; text: string; want: string[] }> = [
    { name: 'static imports', text: "import { hostname } from 'node:os';\nimport * as fs from \"node:fs\";\nimport { statfs } from 'node:fs/promises';\nimport { execFile } from 'child_process';\n", want: ['1: imports node:os', '2: imports node:fs', '3: imports node:fs/promises', '4: imports child_process'] },
    { name: 'dynamic imports, require and re-exports', text: "const m = await import('node:child_process');\nconst f = require('fs');\nexport { arch } from 'node:os';\nimport 'node:fs';\n", want: ['1: imports node:child_process', '2: imports fs', '3: imports node:os', '4: imports node:fs'] },
    { name: 'uses of process', text: 'const a = process.pid;\nconst b = process?.env;\nconst c = process["argv"];\n', want: ['1: uses process: process.', '2: uses process: process?.', '3: uses process: process['] },
    { name: 'comments and look-alikes are not uses', text: "// reads process.pid\n/* import { x } from 'node:os'\n   the scanning process. */\nconst t = ctx.process.pid; const process58 = 1; const s = 'a // b'; import { x } from 'node:path';\n", want: [] },
    { name: 'a string holding // does not hide the code after it', text: "const u = 'http://x'; const p = process.pid;\n", want: ['1: uses process: process.'] },
    { name: 'line numbers survive block comments', text: '/*\n\n*/\nprocess.exit(1);\n', want: ['4: uses process: process.'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(findHostAccess(c.text).map((h) => `${h.line}: ${h.what}`), c.want));
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { baselineDataStreamPath, BASELINE_PROFILE } from '../app/baseline.js';
import { MACHINE_FORMATS } from '../app/outputs.js';
import type { JsonScan } from '../results/json-report.js';
import { run } from './main.js';
import { SCAN_FORMATS } from './scan-command.js';

it('vigil scan offers exactly the formats the output table writes', () => {
  assert.deepEqual([...SCAN_FORMATS].sort(), Object.keys(MACHINE_FORMATS).sort());
});

describe('vigil scan --reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-scan-reads-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'etc/ssh'), { recursive: true });
  writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
  mkdirSync(join(root, 'usr/sbin'), { recursive: true });
  writeFileSync(join(root, 'usr/sbin/sshd'), '');
  const scan = async (extra: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await run(['scan', '--content', baselineDataStreamPath(), '--profile', BASELINE_PROFILE, '--root', root, '--no-html-report', ...extra], {
      out: (s) => (out += s),
      err: (s) => (err += s),
    });
    return { code, out, err };
  };

  it('gives each evaluated rule what it read, as plain data; without --reads there is no such field', async () => {
    const withReads = JSON.parse((await scan(['--format', 'json', '--reads'])).out) as JsonScan;
    const evaluated = withReads.rules.filter((r) => r.result !== 'notselected' && r.result !== 'notapplicable');
    assert.ok(evaluated.length > 0);
    for (const r of evaluated) {
      assert.ok(r.reads && Array.isArray(r.reads.paths) && Array.isArray(r.reads.walks) && Array.isArray(r.reads.inputs), r.id);
      // the platform check that made the rule applicable is part of what it depends on
      assert.ok(r.reads.paths.includes('/etc/os-release'), r.id);
    }
    assert.ok(
      evaluated.some((r) => r.reads!.paths.includes('/etc/ssh/sshd_config')),
      'some rule read sshd_config',
    );
    const without = JSON.parse((await scan(['--format', 'json'])).out) as JsonScan;
    assert.ok(without.rules.every((r) => r.reads === undefined));
  });

  it('needs --format json', async () => {
    const r = await scan(['--reads']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /--reads needs --format json/);
  });
});

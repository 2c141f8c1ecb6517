/**
 * contrib/vigil-watch.service: what the unit must say, what it must not
 * (no mount namespace: it would change the mount table the partition rules
 * read), and, where systemd-analyze is installed, that systemd accepts every
 * line of it (checked on a copy in a temp dir; nothing is installed).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const UNIT = new URL('../../contrib/vigil-watch.service', import.meta.url).pathname;
const text = readFileSync(UNIT, 'utf8');

/** Section → key → values, in order (comments and blank lines left out). */
function parseUnit(s: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  for (const raw of s.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const h = /^\[(.+)\]$/.exec(line);
    if (h) {
      section = new Map();
      out.set(h[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(section && eq > 0, `a key outside a section or without "=": ${line}`);
    const k = line.slice(0, eq);
    section.set(k, [...(section.get(k) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

describe('contrib/vigil-watch.service', () => {
  const unit = parseUnit(text);
  const service = unit.get('Service')!;
  const one = (k: string): string | undefined => service.get(k)?.at(-1);

  it('runs vigil watch with its state directory, a loopback listener, a token and JSON logs', () => {
    const exec = one('ExecStart')!;
    assert.match(exec, /^\/usr\/bin\/vigil watch /);
    for (const arg of ['--state-dir /var/lib/vigil-watch', '--listen 127.0.0.1:9477', '--token-file /etc/vigil/watch.token', '--log-format json']) {
      assert.ok(exec.includes(arg), arg);
    }
    assert.ok(['simple', 'exec'].includes(one('Type')!));
    assert.equal(one('StateDirectory'), 'vigil-watch');
    assert.equal(one('KillSignal'), 'SIGTERM');
    assert.equal(one('TimeoutStopSec'), '30');
    assert.equal(one('Restart'), 'on-failure');
    assert.equal(one('NoNewPrivileges'), 'yes');
    assert.deepEqual(one('RestrictAddressFamilies')!.split(/\s+/).sort(), ['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX']);
    assert.equal(unit.get('Install')?.get('WantedBy')?.[0], 'multi-user.target');
  });

  it('sets nothing that gives it a mount namespace of its own or hides paths', () => {
    const namespacing = [
      'ProtectSystem', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'PrivateMounts', 'PrivateNetwork', 'PrivateUsers',
      'ReadWritePaths', 'ReadOnlyPaths', 'InaccessiblePaths', 'TemporaryFileSystem', 'BindPaths', 'BindReadOnlyPaths',
      'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups', 'ProtectProc',
      'ProcSubset', 'ProtectHostname', 'RootDirectory', 'RootImage', 'DynamicUser', 'MountAPIVFS',
    ];
    for (const k of namespacing) assert.equal(service.get(k), undefined, `${k}= would change what the daemon audits`);
    assert.equal(service.get('MemoryDenyWriteExecute'), undefined, "V8's JIT needs it off");
    // Every line of the unit is explained.
    const lines = text.split('\n');
    for (const [i, l] of lines.entries()) {
      if (/^[A-Z][A-Za-z]+=/.test(l) && !l.startsWith('Description=') && !l.startsWith('Documentation=')) {
        const above = lines.slice(0, i).reverse().find((x) => !/^[A-Z][A-Za-z]+=/.test(x));
        assert.ok(above?.startsWith('#'), `line ${i + 1} (${l}) has no comment above it`);
      }
    }
  });

  it('is accepted by systemd-analyze verify, line for line', (t) => {
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      t.skip('systemd-analyze is not installed');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'vigil-unit-'));
    try {
      // The binary is not installed here: an executable stands in for it, the rest is verbatim.
      const copy = join(dir, 'vigil-watch.service');
      writeFileSync(copy, text.replace(/^ExecStart=\/usr\/bin\/vigil /m, `ExecStart=${process.execPath} `));
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', copy], { encoding: 'utf8', cwd: dir, timeout: 20_000 });
      assert.equal(r.status, 0, r.stderr);
      // systemd-analyze exits 0 on an unknown key or a bad value, with a warning: there must be none.
      assert.equal(`${r.stdout}${r.stderr}`.trim(), '');
      // And the check can fail: a misspelt key is reported.
      writeFileSync(copy, text.replace(/^ExecStart=\/usr\/bin\/vigil /m, `ExecStart=${process.execPath} `).replace(/^NoNewPrivileges=/m, 'NoNewPrivilege='));
      const bad = spawnSync('systemd-analyze', ['verify', '--man=no', copy], { encoding: 'utf8', cwd: dir, timeout: 20_000 });
      assert.match(`${bad.stdout}${bad.stderr}`, /Unknown key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

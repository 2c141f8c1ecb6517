/**
 * `vigil fleet scan` over real SSH test hosts (sshd in network namespaces,
 * testing/test-hosts.ts) from an INI inventory with group_vars: the good
 * hosts scanned with the content of their own os-release, each failure mode
 * reported by name, the become password taken from the environment.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from './main.js';
import { RULE_AUDIT, RULE_SECURE, writeFleetContent } from '../testing/fleet-hosts.js';
import { startTestHosts, type TestFleet } from '../testing/test-hosts.js';
import { loadInventory } from '../fleet/inventory.js';
import { inventoryConnector } from '../fleet/connect.js';
import { fleetScan } from '../fleet/scan.js';

const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/sshd') && existsSync('/usr/bin/sudo');
const skip = canRun ? false : 'needs root, sshd and sudo (test hosts in namespaces)';
const PW_ENV = 'VIGIL_FLEET_TEST_SUDO_PW';

let fleet: TestFleet | undefined;
const dir = mkdtempSync(join(tmpdir(), 'vigil-fleet-ssh-'));
after(async () => {
  delete process.env[PW_ENV];
  await fleet?.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

const NAMES = ['u1', 'u2', 'd1', 'd2', 'sudo', 'refuses', 'unreachable', 'hangs'];
let inv = '';
const contentDir = join(dir, 'content');
const content = writeFleetContent(contentDir);

describe('vigil fleet scan over real SSH hosts', { skip }, () => {
  before(async () => {
    fleet = await startTestHosts([
      { identity: 'ubuntu2204', etc: { '/etc/secure': 'yes\n', '/etc/banner': 'hi\n' } },
      { identity: 'ubuntu2204', etc: { '/etc/banner': 'hi\n', '/etc/audit.conf': 'on\n' } },
      { identity: 'debian11', etc: { '/etc/secure': 'yes\n', '/etc/banner': 'hi\n' } },
      { identity: 'debian11' },
      { variant: 'sudo-password', identity: 'debian11', etc: { '/etc/secure': 'yes\n' } },
      { variant: 'refuses-key' },
      { variant: 'unreachable' },
      { variant: 'hangs' },
    ]);
    process.env[PW_ENV] = fleet.sudoPassword;
    const h = fleet.hosts;
    const line = (i: number, extra = ''): string => `${NAMES[i]} ansible_host=${h[i]!.address} ansible_port=${h[i]!.port}${extra}`;
    mkdirSync(join(dir, 'inv', 'group_vars'), { recursive: true });
    writeFileSync(
      join(dir, 'inv', 'hosts'),
      `[ubuntu]\n${line(0)}\n${line(1)}\n[debian]\n${line(2)}\n${line(3)}\n[sudoers]\n${line(4, ` ansible_user=${h[4]!.user}`)}\n[bad]\n${line(5)}\n${line(6)}\n${line(7)}\n[lab:children]\nubuntu\ndebian\nsudoers\nbad\n`,
    );
    writeFileSync(join(dir, 'inv', 'group_vars', 'lab.yml'), `ansible_user: root\nansible_ssh_private_key_file: ${fleet.clientKey}\n`);
    writeFileSync(join(dir, 'inv', 'group_vars', 'sudoers.yml'), `ansible_become: yes\nansible_become_method: sudo\nansible_become_password: "{{ lookup('env', '${PW_ENV}') }}"\n`);
    inv = join(dir, 'inv', 'hosts');
  });

  it('scans the good hosts with their own content and reports each bad one by name (exit 1)', async () => {
    const out = join(dir, 'fleet.json');
    let err = '';
    const code = await run(
      ['fleet', 'scan', '-i', inv, '--content-dir', contentDir, '--forks', '8', '--timeout', '8', '--retries', '1', '--retry-delay', '0.05', '--connect-timeout', '3', '--known-hosts', fleet!.knownHosts, '--ssh-config', 'none', '--format', 'json', '-o', out],
      { out: () => undefined, err: (s) => (err += s) },
    );
    assert.equal(code, 1, err);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    const by = new Map<string, any>(json.hosts.map((h: { name: string }) => [h.name, h]));
    for (const n of ['u1', 'u2', 'd1', 'd2', 'sudo']) assert.equal(by.get(n).status, 'scanned', `${n}: ${JSON.stringify(by.get(n).error)}`);
    assert.equal(by.get('refuses').error.kind, 'auth-failed');
    assert.equal(by.get('unreachable').error.kind, 'unreachable');
    assert.equal(by.get('unreachable').attempts, 2, 'retried once');
    assert.equal(by.get('hangs').error.kind, 'timeout');
    assert.equal(by.get('refuses').attempts, 1);
    // each host its own content, read from its own /etc
    for (const n of ['u1', 'u2']) assert.equal(by.get(n).content, content.ubuntu);
    for (const n of ['d1', 'd2', 'sudo']) assert.equal(by.get(n).content, content.debian);
    const result = (n: string, rule: string): string => by.get(n).scan.rules.find((r: { id: string }) => r.id === rule).result;
    assert.deepEqual(['u1', 'u2', 'd1', 'd2', 'sudo'].map((n) => result(n, RULE_SECURE)), ['pass', 'fail', 'pass', 'fail', 'pass']);
    assert.deepEqual(['u1', 'u2'].map((n) => result(n, RULE_AUDIT)), ['fail', 'pass']);
    // become: the sudo host was scanned as root
    assert.equal(by.get('sudo').scan.identity.privileged, true);
    assert.equal(by.get('u1').scan.target.name, fleet!.hosts[0]!.hostname);
    // the password never reached a log line
    assert.ok(!err.includes(fleet!.sudoPassword));
  });

  it('forks bound the open connections', async () => {
    const inventory = await loadInventory(inv);
    const good = ['u1', 'u2', 'd1', 'd2'].map((n) => inventory.hosts.get(n)!);
    const connect = inventoryConnector({ knownHostsFile: fleet!.knownHosts, sshConfigFile: null, agentSocket: null, connectTimeoutMs: 3000 });
    let open = 0;
    let peak = 0;
    // the first connection waits (a while at most) for a second: with two forks two are open at once
    // however fast the scans are, and with one fork the wait ends and the peak stays 1
    let arrived = 0;
    let bothOpen!: () => void;
    const both = new Promise<void>((resolve) => (bothOpen = resolve));
    const r = await fleetScan({
      hosts: good,
      forks: 2,
      contentDir,
      connect: async (h, s) => {
        const t = await connect(h, s);
        peak = Math.max(peak, ++open);
        if (++arrived === 2) bothOpen();
        await Promise.race([both, new Promise((resolve) => setTimeout(resolve, 5000))]);
        const close = t.close.bind(t);
        return Object.assign(Object.create(t), { close: async () => (open--, close()) });
      },
    });
    assert.ok(r.outcomes.every((o) => o.status === 'scanned'), JSON.stringify(r.outcomes.map((o) => o.error)));
    assert.equal(peak, 2);
    assert.equal(open, 0);
  });
});

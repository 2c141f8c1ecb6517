/**
 * `vigil scan --host` against a test host (testing/test-hosts.ts) agrees
 * rule for rule with `vigil scan` run inside that host's namespaces
 * (nsenter: its /etc overlay, host name and network) and with oscap run
 * there, with the content
 * each detects from the host's own os-release; requests made together
 * share round trips; the CLI reports a
 * connection failure as an error (exit 1) with its code; `oval eval --host`
 * reads the remote host. Needs root; skipped otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestHosts, type TestFleet } from '../testing/test-hosts.js';
import { run } from './main.js';

const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/sshd') && existsSync('/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml');

interface ScanJson {
  readonly contentFile: string;
  readonly target: { readonly name: string };
  readonly rules: ReadonlyArray<{ readonly id: string; readonly result: string }>;
}

describe('vigil scan --host over SSH', { skip: canRun ? false : 'needs root, sshd and the SSG Debian 11 content' }, () => {
  let fleet: TestFleet;
  let dir: string;
  const savedAgent = process.env['SSH_AUTH_SOCK'];
  before(async () => {
    delete process.env['SSH_AUTH_SOCK'];
    dir = mkdtempSync(join(tmpdir(), 'vgs-scan-'));
    fleet = await startTestHosts([
      {
        identity: 'debian11',
        hostname: 'vgs-scan',
        etc: {
          '/etc/login.defs': 'PASS_MAX_DAYS 60\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 7\nUMASK 027\n',
          '/etc/sysctl.d/90-vgs.conf': 'kernel.randomize_va_space = 2\nnet.ipv4.ip_forward = 0\n',
          '/etc/ssh/sshd_config': 'PermitRootLogin no\nPermitEmptyPasswords no\nX11Forwarding no\n',
        },
      },
      { variant: 'refuses-key' },
    ]);
  });
  after(async () => {
    if (savedAgent !== undefined) process.env['SSH_AUTH_SOCK'] = savedAgent;
    await fleet?.stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s), env: {} });
    return { code, out, err };
  };

  it('gives the results of a scan run inside the host, rule for rule, and of oscap there, rule for rule; requests share round trips', async () => {
    const h = fleet.hosts[0]!;
    const remote = join(dir, 'ssh.json');
    const local = join(dir, 'local.json');
    const common = ['--profile', 'standard', '--format', 'json', '--no-html-report'];
    const r = await cli(['scan', '--host', `root@${h.address}`, '--identity', fleet.clientKey, '--known-hosts', fleet.knownHosts, '--ssh-config', 'none', '--ssh-stats', ...common, '--output', remote]);
    assert.ok(r.code === 0 || r.code === 2, `exit ${r.code}: ${r.err}`);
    const argv = h.inside([process.execPath, '--import', 'tsx', 'src/cli/bin.ts', 'scan', ...common, '--output', local]);
    const l = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, OSCAP_PROBE_ROOT: '' } });
    assert.ok(l.status === 0 || l.status === 2, `local scan: exit ${l.status}: ${l.stderr}`);
    const a = JSON.parse(readFileSync(remote, 'utf8')) as ScanJson;
    const b = JSON.parse(readFileSync(local, 'utf8')) as ScanJson;
    assert.match(a.contentFile, /ssg-debian11-ds\.xml$/, 'content from the remote os-release');
    assert.equal(a.contentFile, b.contentFile);
    assert.equal(a.target.name, 'vgs-scan');
    const results = (j: ScanJson): Record<string, string> => Object.fromEntries(j.rules.filter((x) => x.result !== 'notselected').map((x) => [x.id, x.result]));
    const ra = results(a);
    assert.ok(Object.keys(ra).length >= 40, `a real selection: ${Object.keys(ra).length} rules`);
    assert.ok(Object.values(ra).includes('pass') && Object.values(ra).includes('fail'), 'rules that pass and rules that fail');
    assert.deepEqual(ra, results(b));
    // oscap 1.3.7 run inside the host too
    const ox = join(dir, 'oscap.xml');
    const o = h.inside(['oscap', 'xccdf', 'eval', '--profile', 'standard', '--results', ox, a.contentFile]);
    const os = spawnSync(o[0]!, o.slice(1), { encoding: 'utf8', env: { ...process.env, OSCAP_PROBE_ROOT: '' } });
    assert.ok(os.status === 0 || os.status === 2, `oscap: exit ${os.status}: ${os.stderr}`);
    const fromOscap = Object.fromEntries([...readFileSync(ox, 'utf8').matchAll(/<rule-result idref="([^"]+)"[^>]*>\s*<result>([a-z]+)</g)].filter((x) => x[2] !== 'notselected').map((x) => [x[1]!, x[2]!]));
    assert.deepEqual(ra, fromOscap, 'oscap inside the host');
    const m = /(\d+) requests in (\d+) round trips/.exec(r.err);
    assert.ok(m, r.err);
    const [requests, trips] = [Number(m[1]), Number(m[2])];
    // requests made together share a round trip (the helper's pipelining: ssh.test.ts); this small
    // profile's checks run mostly one after another, its big walks would batch (bench/ssh.mjs)
    assert.ok(trips < requests, `${requests} requests in ${trips} round trips`);
  });

  it('reports a host it cannot scan as an error with the reason', async () => {
    const h = fleet.hosts[1]!;
    const r = await cli(['scan', '--host', `root@${h.address}`, '--identity', fleet.clientKey, '--known-hosts', fleet.knownHosts, '--ssh-config', 'none', '--format', 'json']);
    assert.equal(r.code, 1);
    assert.match(r.err, /auth-failed/);
    const bad = await cli(['scan', '--host', 'root@x', '--root', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--host and --root/);
  });

  it('oval eval --host reads the remote host', async () => {
    const h = fleet.hosts[0]!;
    const oval = join(dir, 'hostname.xml');
    writeFileSync(
      oval,
      `<?xml version="1.0"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent">
  <generator><oval:schema_version>5.11</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>
  <definitions>
    <definition id="oval:vgs:def:1" version="1" class="compliance"><metadata><title>host name</title><description>d</description></metadata>
      <criteria><criterion test_ref="oval:vgs:tst:1"/></criteria></definition>
  </definitions>
  <tests>
    <ind:textfilecontent54_test id="oval:vgs:tst:1" version="1" check="all" check_existence="at_least_one_exists" comment="c"><ind:object object_ref="oval:vgs:obj:1"/><ind:state state_ref="oval:vgs:ste:1"/></ind:textfilecontent54_test>
  </tests>
  <objects>
    <ind:textfilecontent54_object id="oval:vgs:obj:1" version="1"><ind:filepath>/etc/hostname</ind:filepath><ind:pattern operation="pattern match">^(\\S+)$</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>
  </objects>
  <states>
    <ind:textfilecontent54_state id="oval:vgs:ste:1" version="1"><ind:subexpression>vgs-scan</ind:subexpression></ind:textfilecontent54_state>
  </states>
</oval_definitions>
`,
    );
    const r = await cli(['oval', 'eval', '--host', `root@${h.address}`, '--identity', fleet.clientKey, '--known-hosts', fleet.knownHosts, '--ssh-config', 'none', oval]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /oval:vgs:def:1: true/);
    const here = await cli(['oval', 'eval', oval]);
    assert.match(here.out, /oval:vgs:def:1: false/, 'this host is not vgs-scan');
  });
});

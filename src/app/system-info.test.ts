/**
 * system_info comes from the target's description alone, filled as oscap
 * 1.3.7 fills it: checked against what oscap writes for an offline root
 * (OSCAP_PROBE_ROOT: os-release NAME and VERSION, /etc/hostname, Unknown
 * architecture, no interfaces) and for a live host.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { evaluateOvalFile } from './oval-eval.js';
import { offlineRootTarget } from '../target/fs-target.js';
import { ovalXml } from '../testing/content.js';
import { findOscap, oracleMissing, run } from '../testing/oracle.js';
import { systemInfoXml as infoOf } from '../results/oval-results.js';
import type { TargetDescription } from '../target/target.js';
import { targetSystem } from './target-system.js';

/** system_info as the OVAL results writer gives it for a target that describes itself as `d`. */
const systemInfoXml = (d: TargetDescription): string => infoOf(targetSystem({ kind: 'memory', name: 'test' }, d));

const dir = mkdtempSync(join(tmpdir(), 'vigil-sysinfo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('system_info', () => {
  it('offline: the root\'s os-release and host name, Unknown for the rest, no interfaces', () => {
    assert.equal(
      systemInfoXml({ hostname: 'rootbox', osRelease: { NAME: 'Foo Linux', VERSION: '9 (x)' }, interfaces: [] }),
      '<system_info><os_name>Foo Linux</os_name><os_version>9 (x)</os_version><architecture>Unknown</architecture><primary_host_name>rootbox</primary_host_name><interfaces></interfaces></system_info>',
    );
    assert.equal(
      systemInfoXml({ osRelease: {}, interfaces: [] }),
      '<system_info><os_name>Unknown</os_name><os_version>Unknown</os_version><architecture>Unknown</architecture><primary_host_name>Unknown</primary_host_name><interfaces></interfaces></system_info>',
    );
  });
  it('live: the architecture and every interface address', () => {
    const xml = systemInfoXml({
      hostname: 'vm',
      osRelease: { NAME: 'Debian GNU/Linux', VERSION: '12 (bookworm)' },
      uname: { sysname: 'Linux', nodename: 'vm', release: '6.1', version: '#1', machine: 'x86_64' },
      architecture: 'x86_64',
      interfaces: [{ name: 'lo', address: '127.0.0.1', family: 'IPv4', mac: '00:00:00:00:00:00' }, { name: 'lo', address: '::1', family: 'IPv6', mac: '00:00:00:00:00:00' }, { name: 'eth0', address: '10.0.0.9', family: 'IPv4' }, { name: 'eth0', address: 'fe80::1', family: 'IPv6', mac: '52:54:00:aa:bb:cc' }],
    });
    assert.match(xml, /<architecture>x86_64<\/architecture><primary_host_name>vm<\/primary_host_name>/);
    // IPv4 first, as getifaddrs gives them to oscap
    assert.deepEqual([...xml.matchAll(/<ip_address>([^<]*)</g)].map((m) => m[1]), ['127.0.0.1', '10.0.0.9', '::1', 'fe80::1']);
    assert.match(xml, /<interface><interface_name>eth0<\/interface_name><ip_address>fe80::1<\/ip_address><mac_address>52:54:00:AA:BB:CC<\/mac_address><\/interface><\/interfaces>/);
  });
  it('an offline root\'s results never carry the scanning host\'s facts', async () => {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/hostname'), 'rootbox\n');
    writeFileSync(join(root, 'etc/os-release'), 'NAME="Foo Linux"\nVERSION="9 (x)"\n');
    const defs = join(dir, 'd.xml');
    writeFileSync(defs, ovalXml({ objects: '<ind:family_object id="oval:t:obj:1" version="1"/>' }));
    const out = join(dir, 'r.xml');
    await evaluateOvalFile(defs, { root, resultsFile: out });
    const info = /<system_info>.*<\/system_info>/s.exec(readFileSync(out, 'utf8'))?.[0];
    assert.equal(info, systemInfoXml(await offlineRootTarget(root).describe()));
    assert.match(info ?? '', /<os_name>Foo Linux<\/os_name><os_version>9 \(x\)<\/os_version><architecture>Unknown<\/architecture><primary_host_name>rootbox<\/primary_host_name><interfaces><\/interfaces>/);
  });
});

describe('system_info agrees with oscap', () => {
  const defs = join(dir, 'o.xml');
  // the element as text, whitespace between tags dropped and an empty element written out (<interfaces/>)
  const info = (file: string): string =>
    (/<system_info>.*<\/system_info>/s.exec(readFileSync(file, 'utf8'))?.[0] ?? '').replace(/>\s+</g, '><').replace(/<(\w+)\/>/g, '<$1></$1>');
  const cases: Array<{ name: string; root?: () => string }> = [
    { name: 'on this host' },
    {
      name: 'on an offline root (OSCAP_PROBE_ROOT)',
      root: () => {
        const r = join(dir, 'oracle-root');
        mkdirSync(join(r, 'etc'), { recursive: true });
        writeFileSync(join(r, 'etc/hostname'), 'rootbox\n');
        writeFileSync(join(r, 'etc/os-release'), 'NAME="Foo Linux"\nVERSION="9 (x)"\nID=foo\n');
        return r;
      },
    },
  ];
  for (const c of cases) {
    it(c.name, async (t) => {
      if ((await findOscap()) === undefined) return void oracleMissing(t, 'oscap is not installed');
      writeFileSync(defs, ovalXml({ objects: '<ind:family_object id="oval:t:obj:1" version="1"/>' }));
      const root = c.root?.();
      const theirs = join(dir, `oscap-${cases.indexOf(c)}.xml`);
      const ours = join(dir, `vigil-${cases.indexOf(c)}.xml`);
      const r = await run('oscap', ['oval', 'eval', '--results', theirs, defs], { timeoutMs: 120_000, ...(root ? { env: { ...process.env, OSCAP_PROBE_ROOT: root } } : {}) });
      assert.ok(r.code === 0 || r.code === 2, r.stderr);
      await evaluateOvalFile(defs, { ...(root ? { root } : {}), resultsFile: ours });
      assert.equal(info(ours), info(theirs));
    });
  }
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fakeFleet, RULE_AUDIT, RULE_BANNER, RULE_SECURE, writeFleetContent, writeRoot, type FakeBehaviour } from '../testing/fleet-hosts.js';
import { parseInventory, type InventoryHost } from './inventory.js';
import { limitHosts } from './patterns.js';
import { FLEET_SCHEMA, fleetHtml, fleetJson, fleetSummaryText, topFailingRules } from './report.js';
import { fleetExitCode, fleetScan, type FleetEvent } from './scan.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-fleet-scan-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const contentDir = join(dir, 'content');
const content = writeFleetContent(contentDir);

/** h01..hNN; odd hosts Debian 11, even Ubuntu 22.04; every third lacks /etc/secure; all have the banner. */
function fleet(n: number): InventoryHost[] {
  const inv = parseInventory(`[debian]\n${Array.from({ length: n }, (_, i) => i + 1).filter((i) => i % 2 === 1).map((i) => `h${String(i).padStart(2, '0')}`).join('\n')}\n[ubuntu]\n${Array.from({ length: n }, (_, i) => i + 1).filter((i) => i % 2 === 0).map((i) => `h${String(i).padStart(2, '0')}`).join('\n')}\n[all:vars]\nansible_user=scan\n`, { file: 'hosts', format: 'ini' });
  return limitHosts(inv, undefined).map((h) => inv.hosts.get(h)!);
}
const roots = new Map<string, string>();
function rootOf(name: string): string {
  let r = roots.get(name);
  if (!r) {
    const i = Number(name.slice(1));
    r = writeRoot(join(dir, 'roots', name), { os: i % 2 === 1 ? 'debian11' : 'ubuntu2204', secure: i % 3 !== 0, banner: true, hostname: name });
    roots.set(name, r);
  }
  return r;
}

describe('fleet scan over synthetic roots', () => {
  it('scans 20 hosts with forks, each with its own content; bad hosts are reported as such and the rest scanned', async () => {
    const hosts = fleet(20);
    const special: Record<string, FakeBehaviour> = {
      h04: { kind: 'refuse', code: 'auth-failed' },
      h05: { kind: 'refuse', code: 'host-key' },
      h07: { kind: 'flaky', failures: 2, root: rootOf('h07') },
      h09: { kind: 'hang-connect' },
      h10: { kind: 'hang-scan', root: rootOf('h10') },
      h11: { kind: 'refuse', code: 'unreachable' },
      h12: { kind: 'ok', root: rootOf('h12'), delayMs: 150 },
    };
    const fake = fakeFleet((h) => special[h.name] ?? { kind: 'ok', root: rootOf(h.name) });
    const events: FleetEvent[] = [];
    const t0 = Date.now();
    const result = await fleetScan({ hosts, connect: fake.connect, forks: 5, timeoutMs: 3000, retries: 2, retryDelayMs: 20, contentDir, onEvent: (e) => events.push(e) });
    const took = Date.now() - t0;
    const by = new Map(result.outcomes.map((o) => [o.host, o]));
    assert.equal(result.outcomes.length, 20);
    assert.deepEqual(result.outcomes.map((o) => o.host), hosts.map((h) => h.name), 'inventory order');
    // failure modes, each by its name
    assert.deepEqual(by.get('h04')!.error?.kind, 'auth-failed');
    assert.deepEqual(by.get('h05')!.error?.kind, 'host-key');
    assert.deepEqual(by.get('h09')!.error?.kind, 'timeout');
    assert.deepEqual(by.get('h10')!.error?.kind, 'timeout');
    assert.deepEqual(by.get('h11')!.error?.kind, 'unreachable');
    // retries: only the connection errors that may pass, with backoff
    assert.equal(fake.attempts.get('h04'), 1, 'no retry after an authentication refusal');
    assert.equal(fake.attempts.get('h05'), 1, 'no retry after a host-key refusal');
    assert.equal(fake.attempts.get('h11'), 3, 'unreachable: 1 + 2 retries');
    assert.equal(by.get('h07')!.status, 'scanned');
    assert.equal(by.get('h07')!.attempts, 3);
    assert.equal(fake.attempts.get('h09'), 1, 'a hang past the timeout is not retried');
    assert.deepEqual(events.filter((e) => e.type === 'retry' && e.host === 'h11').map((e) => (e as { delayMs: number }).delayMs), [20, 40]);
    // the rest scanned, with content from each host's os-release
    const scanned = result.outcomes.filter((o) => o.status === 'scanned');
    assert.equal(scanned.length, 15);
    for (const o of scanned) {
      const i = Number(o.host.slice(1));
      assert.equal(o.content, i % 2 === 1 ? content.debian : content.ubuntu, o.host);
      assert.equal(o.profile, 'xccdf_t_profile_standard');
      const results = new Map(o.scan!.rules.map((r) => [r.id, r.result]));
      assert.equal(results.get(RULE_SECURE), i % 3 === 0 ? 'fail' : 'pass', `${o.host} secure`);
      assert.equal(results.get(RULE_BANNER), 'pass');
      assert.equal(results.get(RULE_AUDIT), i % 2 === 0 ? 'fail' : undefined);
      assert.equal(o.scan!.target.name, o.host, 'the scan is of the host itself');
    }
    // forks bound the concurrency; every target was closed
    assert.ok(fake.peakOpen() <= 5, `peak ${fake.peakOpen()} open targets`);
    assert.ok(fake.peakOpen() >= 2, 'hosts ran in parallel');
    assert.equal(fake.open(), 0);
    assert.ok(took < 20000, `took ${took} ms`);
    // exit code: a host could not be scanned
    assert.equal(fleetExitCode(result.outcomes), 1);
    // the rules failing on most hosts: the audit rule on every scanned Ubuntu host
    const top = topFailingRules(result.outcomes);
    const ubuntuScanned = scanned.filter((o) => Number(o.host.slice(1)) % 2 === 0).length;
    assert.equal(top[0]!.id, RULE_AUDIT);
    assert.equal(top[0]!.hosts, ubuntuScanned);
    assert.equal(top.find((r) => r.id === RULE_SECURE)?.hosts, scanned.filter((o) => Number(o.host.slice(1)) % 3 === 0).length);

    const json = JSON.parse(JSON.stringify(fleetJson(result, { inventory: 'hosts' })));
    assert.equal(json.schema, FLEET_SCHEMA);
    assert.deepEqual(json.summary, { hosts: 20, scanned: 15, failed: 5, skipped: 0, withFailingRules: top[0]!.hosts + scanned.filter((o) => Number(o.host.slice(1)) % 6 === 3).length });
    const h04 = json.hosts.find((h: { name: string }) => h.name === 'h04');
    assert.deepEqual({ status: h04.status, error: h04.error.kind, scan: h04.scan }, { status: 'failed', error: 'auth-failed', scan: null });
    assert.equal(json.hosts.find((h: { name: string }) => h.name === 'h01').scan.schema, 'vigil.scan/v1');

    const text = fleetSummaryText(result);
    assert.match(text, /^h04\s+auth-failed\s+-/m);
    assert.match(text, /Hosts: 20: 15 scanned, 5 could not be scanned, 0 not started/);
  });

  it('the breaker stops starting hosts once more than the percentage failed', async () => {
    const hosts = fleet(10);
    const bad = hosts.slice(0, 3).map((h) => h.name);
    const fake = fakeFleet((h) => (bad.includes(h.name) ? { kind: 'refuse', code: 'unreachable' } : { kind: 'ok', root: rootOf(h.name) }));
    const events: FleetEvent[] = [];
    const result = await fleetScan({ hosts, connect: fake.connect, forks: 1, maxFailPercentage: 20, contentDir, onEvent: (e) => events.push(e) });
    // 3 of 10 failed is 30% > 20%: the next ones are never started
    assert.deepEqual(result.breaker, { failed: 3, total: 10, maxFailPercentage: 20 });
    assert.deepEqual(result.outcomes.map((o) => o.status), ['failed', 'failed', 'failed', ...Array(7).fill('skipped')]);
    assert.equal(fake.attempts.get(hosts[3]!.name), undefined);
    assert.match(result.outcomes[5]!.error!.message, /more than 20% of the hosts failed \(3 of 10\)/);
    assert.equal(events.filter((e) => e.type === 'breaker').length, 1);
    assert.equal(fleetExitCode(result.outcomes), 1);
    assert.match(fleetSummaryText(result), /Stopped: more than 20% of the hosts failed/);

    // at 30% the same failures do not trip it
    const lenient = await fleetScan({ hosts, connect: fakeFleet((h) => (bad.includes(h.name) ? { kind: 'refuse', code: 'unreachable' } : { kind: 'ok', root: rootOf(h.name) })).connect, forks: 3, maxFailPercentage: 30, contentDir });
    assert.equal(lenient.breaker, undefined);
    assert.equal(lenient.outcomes.filter((o) => o.status === 'scanned').length, 7);
  });

  it('exit code 2 when only rules fail, 0 when all pass; fixed content for every host', async () => {
    const hosts = fleet(6);
    const fake = fakeFleet((h) => ({ kind: 'ok', root: rootOf(h.name) }));
    const r = await fleetScan({ hosts, connect: fake.connect, content: content.debian, contentDir });
    assert.ok(r.outcomes.every((o) => o.status === 'scanned' && o.content === content.debian));
    assert.equal(fleetExitCode(r.outcomes), 2, 'h03 and h06 lack /etc/secure');
    const clean = await fleetScan({ hosts: hosts.filter((h) => Number(h.name.slice(1)) % 3 !== 0), connect: fake.connect, content: content.debian, contentDir });
    assert.equal(fleetExitCode(clean.outcomes), 0);
    await assert.rejects(fleetScan({ hosts, connect: fake.connect, content: content.debian, profile: 'nosuch', contentDir }), /no profile "nosuch"/);
  });

  it('a host without matching content is reported, others scanned; scans go to the sink, a failing sink is reported per host', async () => {
    const bare = writeRoot(join(dir, 'roots', 'bare'), { os: 'none' });
    const hosts = fleet(4);
    const fake = fakeFleet((h) => ({ kind: 'ok', root: h.name === 'h02' ? bare : rootOf(h.name) }));
    const recorded: string[] = [];
    const r = await fleetScan({
      hosts,
      connect: fake.connect,
      contentDir,
      sink: {
        record: async (h, scan) => {
          if (h.name === 'h03') throw new Error('database is locked');
          recorded.push(`${h.name}:${scan.schema}`);
        },
      },
    });
    const h02 = r.outcomes.find((o) => o.host === 'h02')!;
    // no os-release: the built-in baseline when it is there, else a content error
    if (h02.status === 'scanned') assert.match(h02.note ?? '', /baseline/);
    else assert.equal(h02.error?.kind, 'content');
    assert.deepEqual(recorded.filter((x) => !x.startsWith('h02')), ['h01:vigil.scan/v1', 'h04:vigil.scan/v1']);
    assert.equal(r.outcomes.find((o) => o.host === 'h03')!.storeError, 'database is locked');
    assert.equal(fleetExitCode(r.outcomes), 1);
  });

  it('cancelling stops running scans and starts no new host', async () => {
    const hosts = fleet(6);
    const ctl = new AbortController();
    const fake = fakeFleet((h) => ({ kind: 'hang-scan', root: rootOf(h.name) }));
    setTimeout(() => ctl.abort(), 200);
    const r = await fleetScan({ hosts, connect: fake.connect, forks: 2, contentDir, signal: ctl.signal });
    assert.deepEqual(r.outcomes.map((o) => o.status), ['failed', 'failed', 'skipped', 'skipped', 'skipped', 'skipped']);
    assert.equal(r.outcomes[0]!.error?.kind, 'cancelled');
    assert.equal(fake.open(), 0);
  });
});

describe('the HTML fleet report', () => {
  it('is self-contained, escapes host names, and links each host to its section', async () => {
    const inv = parseInventory('all:\n  hosts:\n    "evil<img src=x onerror=alert(1)>":\n      ansible_host: "a&b"\n    h01:\n    h03:\n', { file: 'inv.yml', format: 'yaml' });
    const hosts = [...inv.hosts.values()];
    const fake = fakeFleet((h) => (h.name.startsWith('evil') ? { kind: 'refuse', code: 'auth-failed' } : { kind: 'ok', root: rootOf(h.name) }));
    const result = await fleetScan({ hosts, connect: fake.connect, contentDir });
    const html = fleetHtml(result, { inventory: 'inv.yml', limit: 'all' });
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:;/);
    assert.ok(!/<script/i.test(html), 'no script');
    assert.ok(!/(src|href)="(https?:)?\/\//i.test(html), 'nothing fetched');
    assert.ok(!html.includes('<img src=x'), 'host names escaped');
    assert.ok(html.includes('evil&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(html.includes('a&amp;b'));
    // every host in the table links to a section that exists
    const table = /<table id="hosts">([\s\S]*?)<\/table>/.exec(html)![1]!;
    const links = [...table.matchAll(/<a href="#([^"]+)">/g)].map((m) => m[1]!);
    assert.equal(links.length, 3);
    for (const id of links) assert.ok(html.includes(`<section id="${id}" class="host">`), id);
    assert.equal(new Set(links).size, 3);
    // the top failing rules: h03 lacks /etc/secure
    const top = /<table id="top-rules">([\s\S]*?)<\/table>/.exec(html)![1]!;
    assert.match(top, /xccdf_t_rule_secure/);
    assert.match(html, /failed: auth-failed/);
  });
});

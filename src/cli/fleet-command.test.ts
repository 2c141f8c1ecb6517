import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openResultsStore } from '../store/index.js';
import { RULE_AUDIT, writeFleetContent, writeRoot } from '../testing/fleet-hosts.js';
import { postgresForTests, postgresSuiteOptions } from '../testing/postgres.js';
import { run } from './main.js';

const BIN = new URL('./bin.ts', import.meta.url).pathname;

const dir = mkdtempSync(join(tmpdir(), 'vigil-fleet-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const contentDir = join(dir, 'content');
const content = writeFleetContent(contentDir);

async function vigil(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** An INI inventory of chroot hosts (offline roots), with group_vars; `gone` names a root that does not exist. */
function inventory(): string {
  const inv = join(dir, 'inv');
  mkdirSync(join(inv, 'group_vars'), { recursive: true });
  const line = (name: string, os: 'debian11' | 'ubuntu2204', secure: boolean): string => `${name} ansible_host=${writeRoot(join(dir, 'roots', name), { os, secure, banner: true, audit: false, hostname: name })}`;
  writeFileSync(
    join(inv, 'hosts.ini'),
    [
      '[web]',
      line('web1', 'debian11', true),
      line('web2', 'debian11', true),
      line('web3', 'ubuntu2204', true),
      '[db]',
      line('db1', 'debian11', false),
      line('db2', 'ubuntu2204', true),
      `gone ansible_host=${join(dir, 'roots', 'nowhere')}`,
      '[prod:children]',
      'web',
      'db',
    ].join('\n') + '\n',
  );
  writeFileSync(join(inv, 'group_vars', 'all.yml'), 'ansible_connection: chroot\n');
  return join(inv, 'hosts.ini');
}
const inv = inventory();

describe('vigil fleet scan', () => {
  it('--list-hosts applies --limit', async () => {
    const r = await vigil('fleet', 'scan', '-i', inv, '--limit', 'prod:!db', '--list-hosts');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '  hosts (3):\n    web1\n    web2\n    web3\n');
  });

  it('scans every host with its own content; json, HTML report and store; exit 1 when a host could not be scanned', async () => {
    const out = join(dir, 'fleet.json');
    const html = join(dir, 'fleet.html');
    const store = join(dir, 'results.db');
    const r = await vigil('fleet', 'scan', '-i', inv, '--content-dir', contentDir, '--forks', '3', '--retries', '1', '--retry-delay', '0.01', '--format', 'json', '-o', out, '--report', html, '--store', store);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /\[\d\/6\] gone: unreachable: gone: chroot .* is not a directory/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(json.schema, 'vigil.fleet/v1');
    assert.deepEqual(json.summary, { hosts: 6, scanned: 5, failed: 1, skipped: 0, withFailingRules: 3 });
    const by = new Map(json.hosts.map((h: { name: string }) => [h.name, h]));
    assert.equal((by.get('gone') as { attempts: number }).attempts, 2, 'retried once');
    assert.equal((by.get('web3') as { content: string }).content, content.ubuntu);
    assert.equal((by.get('web1') as { content: string }).content, content.debian);
    assert.equal(json.topFailingRules[0].id, RULE_AUDIT);
    assert.deepEqual(json.topFailingRules[0].hostNames, ['web3', 'db2']);
    assert.match(readFileSync(html, 'utf8'), /<table id="hosts">/);
    const s = await openResultsStore(store);
    try {
      const hosts = await s.hosts();
      assert.deepEqual(hosts.map((h) => h.name).sort(), ['db1', 'db2', 'web1', 'web2', 'web3']);
      assert.deepEqual([...hosts.find((h) => h.name === 'web1')!.group].sort(), ['prod', 'web']);
    } finally {
      await s.close();
    }
  });

  it('text summary and exit code 2 when only rules fail; 0 when all pass', async () => {
    const failing = await vigil('fleet', 'scan', '-i', inv, '--limit', 'db1,web1', '--content-dir', contentDir);
    assert.equal(failing.code, 2, failing.err);
    assert.match(failing.out, /^db1\s+scanned\s+\d+\.\d\s+1\s+1/m);
    assert.match(failing.out, /Rules failing on the most hosts:\n\s+1 hosts\s+high\s+A secure file exists/);
    const clean = await vigil('fleet', 'scan', '-i', inv, '--limit', 'web1:web2', '--content', content.debian);
    assert.equal(clean.code, 0, clean.err);
    assert.match(clean.out, /Hosts: 2: 2 scanned, 0 could not be scanned, 0 not started/);
  });

  it('on a terminal, a live line per running host, redrawn in place; plain lines otherwise', async () => {
    let err = '';
    const code = await run(['fleet', 'scan', '-i', inv, '--limit', 'web', '--content-dir', contentDir, '--forks', '2'], { out: () => undefined, err: (s) => (err += s), isTty: true });
    assert.equal(code, 2, err);
    assert.match(err, /  web\d: (connecting|scanning \d+\/\d+)\n/, 'a line per running host');
    assert.match(err, /\x1b\[\d+A\x1b\[J/, 'lines redrawn in place');
    assert.match(err, /\[3\/3\] web\d: scanned, score \d+\.\d, \d+ failing\n/);
    const plain = await vigil('fleet', 'scan', '-i', inv, '--limit', 'web', '--content-dir', contentDir);
    assert.doesNotMatch(plain.err, /\x1b/);
    assert.equal(plain.err.split('\n').filter(Boolean).length, 3);
  });

  it('bad input gets a clear error before any host is contacted', async () => {
    const bad = join(dir, 'bad.ini');
    writeFileSync(bad, '[web:bogus]\nx\n');
    const r1 = await vigil('fleet', 'scan', '-i', bad);
    assert.equal(r1.code, 1);
    assert.match(r1.err, /bad\.ini:1: Section \[web:bogus\] has unknown type/);
    const r2 = await vigil('fleet', 'scan', '-i', inv, '--limit', 'nosuch');
    assert.equal(r2.code, 1);
    assert.match(r2.err, /no host of .* matches --limit nosuch/);
    const r3 = await vigil('fleet', 'scan', '-i', inv, '--forks', '0');
    assert.match(r3.err, /--forks 0: expected an integer ≥ 1/);
    const r4 = await vigil('fleet', 'scan', '-i', inv, '--content', content.debian, '--profile', 'nosuch');
    assert.equal(r4.code, 1);
    assert.match(r4.err, /no profile "nosuch"/);
    assert.doesNotMatch(r4.err, /\[\d\/\d\]/, 'no host was started');
  });
});

describe('vigil fleet scan --queue and vigil fleet worker (processes, real PostgreSQL)', postgresSuiteOptions(), () => {
  it('three worker processes share the hosts; the coordinator reports them all', async (t) => {
    const pg = await postgresForTests(t);
    if (!pg) return;
    const children = [1, 2, 3].map((i) => {
      const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'fleet', 'worker', '--store', pg.url, '--forks', '2', '--name', `w${i}`, '--content-dir', contentDir], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const exit = new Promise<{ code: number | null; err: string }>((resolve) => child.on('close', (code) => resolve({ code, err })));
      // ready: its signal handlers are in place, so SIGTERM at the end stops it cleanly
      const ready = new Promise<void>((resolve) => child.stderr.on('data', () => /worker w\d ready/.test(err) && resolve()));
      return { child, exit, ready };
    });
    try {
      await Promise.all(children.map((c) => Promise.race([c.ready, c.exit])));
      const out = join(dir, 'queued.json');
      const r = await vigil('fleet', 'scan', '-i', inv, '--queue', '--store', pg.url, '--retries', '0', '--format', 'json', '-o', out);
      assert.equal(r.code, 1, r.err);
      const json = JSON.parse(readFileSync(out, 'utf8'));
      assert.deepEqual(json.summary, { hosts: 6, scanned: 5, failed: 1, skipped: 0, withFailingRules: 3 });
      assert.equal(json.hosts.find((h: { name: string }) => h.name === 'gone').error.kind, 'unreachable');
      assert.ok(json.workers.length >= 1 && json.workers.every((w: string) => ['w1', 'w2', 'w3'].includes(w)), json.workers.join(', '));
      const s = await openResultsStore(pg.url);
      try {
        assert.deepEqual((await s.hosts()).map((h) => h.name).sort(), ['db1', 'db2', 'web1', 'web2', 'web3']);
      } finally {
        await s.close();
      }
    } finally {
      for (const c of children) c.child.kill('SIGTERM');
      const ends = await Promise.all(children.map((c) => c.exit));
      await pg.stop();
      for (const e of ends) assert.equal(e.code, 0, e.err);
      // every host was scanned by exactly one worker
      const lines = ends.flatMap((e) => e.err.split('\n').filter((l) => /^(web|db|gone)\w*: /.test(l)));
      assert.equal(lines.length, 6, lines.join('\n'));
    }
  });

  it('--queue needs a PostgreSQL store', async () => {
    const r = await vigil('fleet', 'scan', '-i', inv, '--queue', '--store', join(dir, 'x.db'));
    assert.equal(r.code, 1);
    assert.match(r.err, /--queue needs --store postgres:/);
  });
});

/**
 * The dashboard in a real browser: Debian's chromium driven by
 * playwright-core, against a real `vigil serve` API on loopback whose
 * SQLite store holds real scans (SSG's Debian 11 content, standard profile)
 * of synthetic roots, and a real `vigil watch --report-to` feeding it.
 *
 * - log in with the token; the fleet page lists every host; sort by score,
 *   open the worst host, open a failed rule's evidence, open the rule page;
 * - change a watched file in a root: the drift appears on the host page
 *   without a reload, with a counter in the tab title;
 * - select two hosts, download the playbook for their failed rules, and
 *   check it with `ansible-playbook --syntax-check`;
 * - without the token, no page shows data and every API call is refused.
 *
 * Screenshots of each page go to test-artifacts/dashboard/ (or
 * VIGIL_SCREENSHOT_DIR).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { jsonReport } from '../results/json-report.js';
import { openResultsStore, type ResultsStore } from '../store/index.js';
import { CONTENT, oracleMissing, prerequisites, run } from '../testing/oracle.js';
import { writeSsgRoot } from '../testing/ssg-roots.js';
import { mountDashboard } from './dashboard.js';
import { listen, type Listener } from './listen.js';
import { createServeApi } from './serve.js';

const CHROMIUM = process.env['VIGIL_CHROMIUM'] ?? '/usr/bin/chromium';
const DS = 'ssg-debian11-ds.xml';
const TOKEN = 'dashboard-test-token-0123456789';
const BIN = join(import.meta.dirname, '..', 'cli', 'bin.ts');
const SHOTS = process.env['VIGIL_SCREENSHOT_DIR'] ?? join(import.meta.dirname, '..', '..', 'test-artifacts', 'dashboard');

const base = mkdtempSync(join(tmpdir(), 'vigil-dash-'));
const DEBIAN11 = { '/etc/debian_version': '11.7\n', '/etc/os-release': 'ID=debian\nVERSION_ID="11"\nPRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\n' };

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

let store: ResultsStore | undefined;
let server: Listener | undefined;
let closeStreams: (() => void) | undefined;
let browser: Browser | undefined;
let url = '';
let ready = false;
const children: ChildProcess[] = [];

function root(name: string, hardened: boolean, extra: Record<string, string> = {}): string {
  const r = join(base, name);
  writeSsgRoot(r, { ...DEBIAN11, '/etc/hostname': `${name}\n`, ...extra }, hardened);
  return r;
}

async function scanInto(s: ResultsStore, name: string, r: string, group: string[]): Promise<void> {
  const report = await evaluateXccdf(join(CONTENT, DS), { root: r, profile: 'standard' });
  await s.recordScan({ name, group, os: 'debian 11' }, jsonReport(report), { source: 'scan', who: 'dashboard test' });
}

before(async () => {
  const chromiumThere = existsSync(CHROMIUM);
  if (!chromiumThere || !existsSync(join(CONTENT, DS))) return;
  ready = true;
  mkdirSync(SHOTS, { recursive: true });
  store = await openResultsStore(join(base, 'results.db'));
  // real scans: two sloppy hosts, a hardened one, and a sloppy one scanned twice (its history)
  const web1 = root('web1', false);
  await scanInto(store, 'web1', web1, ['web']);
  await scanInto(store, 'web2', root('web2', false, { '/etc/login.defs': 'PASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nUMASK 027\n' }), ['web']);
  await scanInto(store, 'db1', root('db1', true), ['db']);
  writeFileSync(join(web1, 'etc/ssh/sshd_config'), 'PermitRootLogin no\nPermitEmptyPasswords no\n');
  await scanInto(store, 'web1', web1, ['web']);
  const api = createServeApi(store, { token: TOKEN, pollMs: 200 });
  mountDashboard(api.app, store, { contentDir: CONTENT });
  closeStreams = api.closeStreams;
  server = await listen(api.app, '127.0.0.1:0', { token: TOKEN });
  url = `http://${server.address}/`;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await browser?.close().catch(() => undefined);
  closeStreams?.();
  await server?.close().catch(() => undefined);
  await store?.close().catch(() => undefined);
  rmSync(base, { recursive: true, force: true });
});

async function loggedIn(): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  (page as Page & { errors?: string[] }).errors = errors;
  await page.goto(url);
  await page.fill('input[name=token]', TOKEN);
  await page.click('form.login button[type=submit]');
  try {
    await page.waitForSelector('table#fleet tbody tr', { timeout: 20_000 });
  } catch (e) {
    await shot(page, 'failed-login').catch(() => undefined);
    throw new Error(`no fleet table after login: ${(e as Error).message}\npage: ${(await page.textContent('main'))?.slice(0, 1000)}\nerrors: ${errors.join('\n')}`);
  }
  return page;
}

/** Whether the test cannot run here (chromium or the content missing), said as the oracle tests say it. */
async function missing(t: import('node:test').TestContext): Promise<boolean> {
  if (ready) return false;
  if (await prerequisites(t, { files: [DS] })) oracleMissing(t, `${CHROMIUM} (Debian package chromium)`);
  return true;
}

const shot = (page: Page, name: string, fullPage = true): Promise<Buffer> => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });

describe('the dashboard in headless Chromium', { timeout: 600_000 }, () => {
  it('shows nothing without the token, and the API refuses every call', async (t) => {
    if (await missing(t)) return;
    const page = await (await browser!.newContext()).newPage();
    await page.goto(url);
    await page.waitForSelector('form.login');
    assert.equal(await page.locator('table').count(), 0, 'no table before login');
    const csp = (await page.request.get(url)).headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    for (const path of ['api/v1/hosts', 'api/v1/hosts/web1/latest', 'api/v1/rules/x', 'api/v1/events']) {
      assert.equal((await page.request.get(url + path)).status(), 401, path);
    }
    assert.equal((await page.request.post(`${url}api/v1/fix`, { data: { hosts: ['web1'], rules: ['x'] } })).status(), 401);
    await page.fill('input[name=token]', 'wrong-token');
    await page.click('form.login button[type=submit]');
    await page.waitForSelector('form.login .error-box');
    assert.match(await page.textContent('form.login .error-box') ?? '', /refused/);
    await shot(page, '0-login');
    await page.context().close();
  });

  it('fleet page: every host, sorted by score; the worst host; a failed rule and its evidence; the rule across the fleet', async (t) => {
    if (await missing(t)) return;
    const page = await loggedIn();
    const names = (await page.evaluate(`[...document.querySelectorAll('table#fleet tbody tr')].map((r) => r.dataset.host)`)) as string[];
    assert.deepEqual([...names].sort(), ['db1', 'web1', 'web2']);
    // sorted by score, lowest first (the default); clicking the header twice sorts highest first
    const scores = async (): Promise<number[]> => (await page.locator('table#fleet tbody tr td.num').allTextContents()).map((s) => Number(s.trim()));
    const asc = await scores();
    assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
    await page.click('th[data-sort=score]');
    const desc = await scores();
    assert.deepEqual(desc, [...asc].reverse());
    assert.equal(await page.locator('table#fleet tbody tr').first().getAttribute('data-host'), 'db1', 'the hardened host scores best');
    await page.click('th[data-sort=score]');
    const worst = (await page.locator('table#fleet tbody tr').first().getAttribute('data-host'))!;
    assert.ok(worst.startsWith('web'), worst);
    assert.ok((await page.locator('table#fleet svg.spark path').count()) >= 1, 'web1 has a trend of two scans');
    await shot(page, '1-fleet');
    await page.fill('input[name=text]', 'web');
    assert.equal(await page.locator('table#fleet tbody tr').count(), 2, 'the name filter');
    await page.fill('input[name=text]', '');

    await page.click(`table#fleet a[href="#/host/${worst}"]`);
    await page.waitForSelector('body[data-page=host]');
    const first = page.locator('details.rule').first();
    assert.equal(await first.getAttribute('data-result'), 'fail', 'failures first');
    await first.locator('summary').click();
    await page.waitForSelector('details.rule[open] .evidence');
    const evidence = await page.textContent('details.rule[open] .evidence');
    assert.ok(evidence && evidence.length > 20, evidence ?? '');
    assert.ok(await page.locator('#history canvas, #history p').count(), 'the score history');
    await shot(page, '2-host', false);

    const ruleId = (await first.getAttribute('data-rule'))!;
    await first.locator('summary a').click();
    await page.waitForSelector('body[data-page=rule]');
    await page.waitForSelector('#evidence section');
    const failing = (await page.evaluate(`[...document.querySelectorAll('#evidence section')].map((x) => x.dataset.host)`)) as string[];
    assert.ok(failing.includes(worst), `${worst} among ${failing.join(', ')} for ${ruleId}`);
    assert.ok((await page.locator('#rule-hosts tbody tr').count()) >= failing.length);
    await shot(page, '3-rule');
    assert.deepEqual((page as Page & { errors?: string[] }).errors, []);
    await page.context().close();
  });

  it('compare: two scans of a host side by side', async (t) => {
    if (await missing(t)) return;
    const page = await loggedIn();
    const scans = (await (await page.request.get(`${url}api/v1/hosts/web1/scans`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as { scans: Array<{ id: number }> };
    assert.equal(scans.scans.length, 2);
    await page.goto(`${url}#/compare?a=${scans.scans[1]!.id}&b=${scans.scans[0]!.id}`);
    await page.waitForSelector('body[data-page=compare] table');
    const text = (await page.textContent('main')) ?? '';
    assert.match(text, /Pass in the second, not in the first \([1-9]\d*\)/, 'the sshd_config fix made rules pass');
    assert.match(text, /sshd_disable_root_login/);
    await shot(page, '4-compare');
    await page.context().close();
  });

  it('live: a change under vigil watch --report-to appears on the host page without a reload, counted in the title', async (t) => {
    if (await missing(t)) return;
    const r = root('live1', false);
    const tokenFile = join(base, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'watch', '--content', join(CONTENT, DS), '--profile', 'standard', '--root', r, '--state-dir', join(base, 'watch-state'), '--report-to', url.replace(/\/$/, ''), '--report-token-file', tokenFile, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const page = await loggedIn();
    // the watcher's first state reaches the store
    const deadline = Date.now() + 120_000;
    while (!(await page.locator('table#fleet tr[data-host=live1]').count())) {
      assert.ok(Date.now() < deadline, `live1 never appeared; watch said: ${out.slice(-2000)}`);
      await new Promise((res) => setTimeout(res, 1000));
      await page.evaluate(`window.dispatchEvent(new HashChangeEvent('hashchange'))`);
    }
    await page.click('a[href="#/host/live1"]');
    await page.waitForSelector('body[data-page=host]');
    const before = await page.locator('#drift li').count();
    const title = await page.title();
    assert.doesNotMatch(title, /^\(\d+\)/);
    writeFileSync(join(r, 'etc/ssh/sshd_config'), 'PermitRootLogin no\nPermitEmptyPasswords no\n');
    // a function, not a string: the page's CSP forbids eval, and a string would be evaluated by it
    await page.waitForFunction((n: number) => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('#drift li').length > n, before, { timeout: 60_000 });
    const rule = await page.locator('#drift li').first().getAttribute('data-rule');
    assert.match(rule ?? '', /sshd_disable_(root_login|empty_passwords)/);
    assert.match(await page.title(), /^\(\d+\) live1/);
    await shot(page, '5-drift', false);
    child.kill('SIGTERM');
    await page.context().close();
  });

  it('downloads the playbook for two selected hosts; ansible-playbook --syntax-check accepts it', async (t) => {
    if (await missing(t)) return;
    const page = await loggedIn();
    await page.check('tr[data-host=web1] input[type=checkbox]');
    await page.check('tr[data-host=web2] input[type=checkbox]');
    await page.click('text=Fix failed rules of the selected hosts…');
    await page.waitForSelector('.fixpanel input[name=rule]');
    const rules = await page.locator('.fixpanel input[name=rule]').count();
    assert.ok(rules > 0);
    await shot(page, '6-fix');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.fixpanel button.primary')]);
    const file = join(base, download.suggestedFilename());
    await download.saveAs(file);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /hosts: all/);
    assert.match(download.suggestedFilename(), /^vigil-fix-2-hosts-\d+-rules\.yml$/);
    const check = await run('ansible-playbook', ['--syntax-check', '-i', 'localhost,', '-c', 'local', file], { timeoutMs: 120_000 }).catch(() => undefined);
    if (!check) return void oracleMissing(t, 'ansible-playbook (Debian package ansible-core)');
    assert.equal(check.code, 0, check.stderr + check.stdout);
    await page.context().close();
  });
});

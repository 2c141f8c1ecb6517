/**
 * The dashboard: a page served by `vigil serve` beside its API. The page
 * (ui/dashboard/: index.html, app.js, style.css, and uPlot from its npm
 * package) holds no data and is served without a token; everything it shows
 * comes from the /api/v1 routes, which need the bearer token the user
 * enters once. Nothing is fetched from the network: the assets are read
 * from the package at start, and a strict Content-Security-Policy allows
 * only this origin's scripts, styles and API.
 *
 * One API route lives here because only the dashboard needs it: POST
 * /api/v1/fix writes the Ansible playbook or bash script for chosen failed
 * rules of chosen hosts, through the same generator as `vigil xccdf
 * generate fix`, from the data stream and profile of the hosts' latest
 * scans.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { generateFix } from '../app/generate-fix.js';
import { ContentError } from '../model/errors.js';
import { StoreError, type ResultsStore } from '../store/index.js';

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** The page's files, read once from the package (ui/dashboard beside src/ and dist/) and uPlot's npm package. */
function loadAssets(): Map<string, Asset> {
  const dir = new URL('../../ui/dashboard/', import.meta.url);
  const require = createRequire(import.meta.url);
  const read = (u: URL | string): Buffer => readFileSync(u);
  return new Map<string, Asset>([
    ['/', { body: read(new URL('index.html', dir)), type: 'text/html; charset=utf-8' }],
    // the same page by name, for a dashboard mounted under a prefix (vigil watch's /dashboard/index.html)
    ['/index.html', { body: read(new URL('index.html', dir)), type: 'text/html; charset=utf-8' }],
    ['/ui/app.js', { body: read(new URL('app.js', dir)), type: 'text/javascript; charset=utf-8' }],
    ['/ui/style.css', { body: read(new URL('style.css', dir)), type: 'text/css; charset=utf-8' }],
    ['/ui/uplot.js', { body: read(require.resolve('uplot/dist/uPlot.iife.min.js')), type: 'text/javascript; charset=utf-8' }],
    ['/ui/uplot.css', { body: read(require.resolve('uplot/dist/uPlot.min.css')), type: 'text/css; charset=utf-8' }],
  ]);
}

export interface DashboardOptions {
  /** Where a scan's data stream is looked up by its file name when its own path does not exist here (default: SSG's directory). */
  readonly contentDir?: string;
}

/** What POST /api/v1/fix takes. */
export interface FixRequest {
  readonly hosts: readonly string[];
  /** Rule ids (each must have failed on at least one of the hosts). */
  readonly rules: readonly string[];
  readonly fixType?: 'ansible' | 'bash';
}

const DEFAULT_CONTENT_DIR = '/usr/share/xml/scap/ssg/content';

/** Adds the page and POST /api/v1/fix to a `vigil serve` app (after createServeApi, whose /api/* token check then covers the route). */
export function mountDashboard(app: Hono, store: ResultsStore, opts: DashboardOptions = {}): void {
  const assets = loadAssets();
  const contentDir = opts.contentDir ?? DEFAULT_CONTENT_DIR;
  for (const [path, asset] of assets) {
    app.get(path, (c) => {
      c.header('Content-Type', asset.type);
      c.header('Content-Security-Policy', DASHBOARD_CSP);
      c.header('Referrer-Policy', 'no-referrer');
      c.header('X-Frame-Options', 'DENY');
      return c.body(new Uint8Array(asset.body));
    });
  }

  app.post('/api/v1/fix', bodyLimit({ maxSize: 1024 * 1024, onError: (c) => c.json({ error: 'the request body is larger than 1 MiB' }, 413) }), async (c) => {
    let req: FixRequest;
    try {
      req = (await c.req.json()) as FixRequest;
    } catch {
      return c.json({ error: 'the body must be JSON' }, 400);
    }
    const strings = (x: unknown): x is string[] => Array.isArray(x) && x.length > 0 && x.length <= 10_000 && x.every((s) => typeof s === 'string' && s.length <= 1024);
    if (!req || !strings(req.hosts) || !strings(req.rules)) return c.json({ error: '"hosts" and "rules" must be non-empty lists of names' }, 400);
    const fixType = req.fixType ?? 'ansible';
    if (fixType !== 'ansible' && fixType !== 'bash') return c.json({ error: '"fixType" must be ansible or bash' }, 400);

    // the hosts' latest scans: one data stream and profile for all of them
    const groups = new Map<string, { content: string; profile: string | undefined; hosts: string[]; failed: Set<string> }>();
    for (const host of new Set(req.hosts)) {
      const scan = await store.latest(host);
      if (!scan) throw new StoreError('not-found', `no scan of host ${host}`);
      if (!scan.document) throw new StoreError('pruned', `the latest scan of ${host} has no rule results left`);
      const profile = scan.document.profile?.id;
      const key = `${scan.document.contentFile}\n${profile ?? ''}`;
      const g = groups.get(key) ?? { content: scan.document.contentFile, profile, hosts: [], failed: new Set<string>() };
      g.hosts.push(host);
      for (const r of scan.document.rules) if (r.result === 'fail') g.failed.add(r.id);
      groups.set(key, g);
    }
    if (groups.size > 1) {
      const list = [...groups.values()].map((g) => `${basename(g.content)} ${g.profile ?? '(default selection)'}: ${g.hosts.join(', ')}`).join('; ');
      return c.json({ error: `the selected hosts were scanned with different content or profiles; select the hosts of one: ${list}` }, 400);
    }
    const g = [...groups.values()][0]!;
    const rules = [...new Set(req.rules)].filter((r) => g.failed.has(r));
    if (rules.length === 0) return c.json({ error: 'none of the given rules failed in the latest scans of the selected hosts' }, 400);
    const content = existsSync(g.content) ? g.content : join(contentDir, basename(g.content));
    if (!existsSync(content)) return c.json({ error: `the data stream of these scans, ${basename(g.content)}, is neither at ${g.content} nor in ${contentDir}` }, 409);
    let text: string;
    try {
      text = generateFix(content, { fixType, ...(g.profile !== undefined ? { profile: g.profile } : {}), filter: { rule: rules } }).text;
    } catch (e) {
      if (e instanceof ContentError) return c.json({ error: e.message }, 409);
      throw e;
    }
    const file = `vigil-fix-${g.hosts.length}-hosts-${rules.length}-rules.${fixType === 'bash' ? 'sh' : 'yml'}`;
    c.header('Content-Type', fixType === 'bash' ? 'text/x-shellscript; charset=utf-8' : 'application/yaml; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${file}"`);
    c.header('X-Vigil-Hosts', String(g.hosts.length));
    c.header('X-Vigil-Rules', String(rules.length));
    return c.body(text);
  });
}

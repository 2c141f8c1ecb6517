/**
 * A fleet scan's results: the `vigil.fleet/v1` JSON document, the text
 * summary, and the self-contained HTML fleet report.
 *
 * `vigil.fleet/v1` (fields are only ever added within v1):
 * ```
 * {
 *   "schema": "vigil.fleet/v1",
 *   "inventory": "path", "limit": "pattern" | null,
 *   "startTime", "endTime": ISO 8601, "forks": number,            // 0 with --queue
 *   "workers": ["name", ...],                          // only with --queue: the workers that answered
 *   "breaker": { "failed", "total", "maxFailPercentage" } | null,   // set when it stopped the scan
 *   "summary": { "hosts", "scanned", "failed", "skipped", "withFailingRules" },
 *   "topFailingRules": [{ "id", "title", "severity", "hosts": number, "hostNames": [] }],  // most hosts first
 *   "hosts": [{                                       // inventory order
 *     "name", "address", "groups": [],
 *     "status": "scanned" | "failed" | "skipped",
 *     "attempts", "durationMs",
 *     "error": { "kind", "message" } | null,           // kind: unreachable, auth-failed, host-key, timeout,
 *                                                      //   no-interpreter, become-failed, protocol, content,
 *                                                      //   scan-error, cancelled
 *     "content": "file" | null, "profile": "id" | null, "note": "..." | null,
 *     "score": number | null, "maximum": number | null,
 *     "counts": { pass, fail, ... } | null,
 *     "storeError": "message" | null,                  // scanned, but the store could not record it
 *     "scan": vigil.scan/v1 document | null
 *   }]
 * }
 * ```
 */
import { createHash } from 'node:crypto';
import type { JsonScan } from '../results/json-report.js';
import { escHtml as esc } from '../results/markup.js';
import type { FleetScanResult, HostOutcome } from './scan.js';

export const FLEET_SCHEMA = 'vigil.fleet/v1';

export interface FleetRuleSummary {
  readonly id: string;
  readonly title: string;
  readonly severity: string;
  readonly hosts: number;
  readonly hostNames: readonly string[];
}

export interface FleetJson {
  readonly schema: typeof FLEET_SCHEMA;
  readonly inventory: string;
  readonly limit: string | null;
  readonly startTime: string;
  readonly endTime: string;
  readonly forks: number;
  readonly workers?: readonly string[];
  readonly breaker: FleetScanResult['breaker'] | null;
  readonly summary: { readonly hosts: number; readonly scanned: number; readonly failed: number; readonly skipped: number; readonly withFailingRules: number };
  readonly topFailingRules: readonly FleetRuleSummary[];
  readonly hosts: ReadonlyArray<{
    readonly name: string;
    readonly address: string;
    readonly groups: readonly string[];
    readonly status: HostOutcome['status'];
    readonly attempts: number;
    readonly durationMs: number;
    readonly error: HostOutcome['error'] | null;
    readonly content: string | null;
    readonly profile: string | null;
    readonly note: string | null;
    readonly score: number | null;
    readonly maximum: number | null;
    readonly counts: JsonScan['counts'] | null;
    readonly storeError: string | null;
    readonly scan: JsonScan | null;
  }>;
}

const SEVERITY_RANK: Record<string, number> = { high: 0, medium: 1, low: 2, info: 3, unknown: 4 };

/** The rules that fail on the most hosts, most hosts first, then the most severe, then by id. */
export function topFailingRules(outcomes: readonly HostOutcome[], limit = 20): FleetRuleSummary[] {
  const by = new Map<string, { title: string; severity: string; hosts: string[] }>();
  for (const o of outcomes) {
    for (const r of o.failing ?? []) {
      let e = by.get(r.id);
      if (!e) by.set(r.id, (e = { title: r.title, severity: r.severity, hosts: [] }));
      e.hosts.push(o.host);
    }
  }
  return [...by.entries()]
    .map(([id, e]) => ({ id, title: e.title, severity: e.severity, hosts: e.hosts.length, hostNames: e.hosts }))
    .sort((a, b) => b.hosts - a.hosts || (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit);
}

export function fleetJson(result: FleetScanResult, meta: { readonly inventory: string; readonly limit?: string }): FleetJson {
  const o = result.outcomes;
  return {
    schema: FLEET_SCHEMA,
    inventory: meta.inventory,
    limit: meta.limit ?? null,
    startTime: result.startTime,
    endTime: result.endTime,
    forks: result.forks,
    ...(result.workers ? { workers: result.workers } : {}),
    breaker: result.breaker ?? null,
    summary: {
      hosts: o.length,
      scanned: o.filter((h) => h.status === 'scanned').length,
      failed: o.filter((h) => h.status === 'failed').length,
      skipped: o.filter((h) => h.status === 'skipped').length,
      withFailingRules: o.filter((h) => (h.counts?.fail ?? 0) > 0).length,
    },
    topFailingRules: topFailingRules(o),
    hosts: o.map((h) => ({
      name: h.host,
      address: h.address,
      groups: h.groups,
      status: h.status,
      attempts: h.attempts,
      durationMs: h.durationMs,
      error: h.error ?? null,
      content: h.content ?? null,
      profile: h.profile ?? null,
      note: h.note ?? null,
      score: h.score ?? null,
      maximum: h.maximum ?? null,
      counts: h.counts ?? null,
      storeError: h.storeError ?? null,
      scan: h.scan ?? null,
    })),
  };
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** What a person reads at the end of a fleet scan. `clean` makes strings from the hosts printable. */
export function fleetSummaryText(result: FleetScanResult, clean: (s: string) => string = (s) => s): string {
  const o = result.outcomes;
  const width = Math.min(40, Math.max(4, ...o.map((h) => clean(h.host).length)));
  const lines = [`${pad('HOST', width)}  ${pad('STATUS', 12)}  ${pad('SCORE', 7)}  FAIL  PASS  DETAIL`];
  for (const h of o) {
    const status = h.status === 'scanned' ? 'scanned' : h.status === 'failed' ? (h.error?.kind ?? 'failed') : 'skipped';
    const score = h.score !== undefined ? h.score.toFixed(1) : '-';
    const detail = h.status === 'scanned' ? (h.storeError !== undefined ? `not stored: ${h.storeError}` : (h.profile ?? '')) : (h.error?.message ?? '');
    lines.push(`${pad(clean(h.host), width)}  ${pad(status, 12)}  ${pad(score, 7)}  ${pad(String(h.counts?.fail ?? '-'), 4)}  ${pad(String(h.counts?.pass ?? '-'), 4)}  ${clean(detail).slice(0, 120)}`);
  }
  const scanned = o.filter((h) => h.status === 'scanned').length;
  const failed = o.filter((h) => h.status === 'failed').length;
  const skipped = o.filter((h) => h.status === 'skipped').length;
  lines.push('', `Hosts: ${o.length}: ${scanned} scanned, ${failed} could not be scanned, ${skipped} not started`);
  if (result.breaker) lines.push(`Stopped: more than ${result.breaker.maxFailPercentage}% of the hosts failed (${result.breaker.failed} of ${result.breaker.total}); no further host was started`);
  const top = topFailingRules(o, 10);
  if (top.length > 0) {
    lines.push('', 'Rules failing on the most hosts:');
    for (const r of top) lines.push(`  ${String(r.hosts).padStart(4)} hosts  ${pad(r.severity, 7)} ${clean(r.title)}`);
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------- HTML

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1d2430;color:#fff;padding:16px 24px}h1{margin:0;font-size:20px}
main{padding:16px 24px;max-width:1200px}section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:12px 16px;margin:0 0 16px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}
th{font-weight:600;background:#f0f2f5}.num{text-align:right;font-variant-numeric:tabular-nums}
.scanned{color:#11623a}.failed{color:#a3190f;font-weight:600}.skipped{color:#7a5a00}
.bar{display:inline-block;height:10px;background:#2f7d4f;border-radius:2px;vertical-align:middle}
.barbg{display:inline-block;width:120px;height:10px;background:#e4e7eb;border-radius:2px;margin-right:6px;vertical-align:middle}
.sev-high{color:#a3190f}.sev-medium{color:#9a5b00}.sev-low{color:#35506b}
code{font:12px ui-monospace,monospace}details summary{cursor:pointer}
`;

function scoreCell(h: HostOutcome): string {
  if (h.score === undefined) return '<td class="num">-</td><td></td>';
  const max = h.maximum && h.maximum > 0 ? h.maximum : 100;
  const w = Math.max(0, Math.min(120, Math.round((h.score / max) * 120)));
  return `<td class="num">${esc(h.score.toFixed(1))}</td><td><span class="barbg"><span class="bar" style="width:${w}px"></span></span></td>`;
}

const anchor = (name: string, i: number): string => `host-${i}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;

/**
 * The fleet report: one HTML file, no script, nothing fetched (the CSP
 * forbids it: `default-src 'none'`), every string from the inventory and the
 * hosts escaped. A table of hosts × score, each host linking to its section;
 * the rules failing on the most hosts; per host its failing rules or its error.
 */
export function fleetHtml(result: FleetScanResult, meta: { readonly inventory: string; readonly limit?: string; readonly now?: Date }): string {
  const o = result.outcomes;
  const now = (meta.now ?? new Date()).toISOString();
  const scanned = o.filter((h) => h.status === 'scanned').length;
  const rows = o
    .map((h, i) => {
      const status = h.status === 'failed' ? `failed: ${h.error?.kind ?? ''}` : h.status;
      return `<tr><td><a href="#${anchor(h.host, i)}">${esc(h.host)}</a></td><td>${esc(h.address)}</td><td class="${h.status}">${esc(status)}</td>${scoreCell(h)}<td class="num">${h.counts?.fail ?? '-'}</td><td class="num">${h.counts?.pass ?? '-'}</td><td>${esc(h.groups.join(', '))}</td></tr>`;
    })
    .join('\n');
  const top = topFailingRules(o, 25);
  const topRows = top
    .map((r) => `<tr><td class="num">${r.hosts}</td><td class="sev-${esc(r.severity)}">${esc(r.severity)}</td><td>${esc(r.title)}<br><code>${esc(r.id)}</code></td><td>${esc(r.hostNames.slice(0, 12).join(', '))}${r.hostNames.length > 12 ? ` … +${r.hostNames.length - 12}` : ''}</td></tr>`)
    .join('\n');
  const sections = o
    .map((h, i) => {
      const head = `<section id="${anchor(h.host, i)}" class="host"><h2>${esc(h.host)} <small class="${h.status}">${esc(h.status)}</small></h2>`;
      if (h.status !== 'scanned') return `${head}<p>${esc(h.error?.kind ?? '')}: ${esc(h.error?.message ?? '')}</p><p>Attempts: ${h.attempts}</p></section>`;
      const failing = (h.scan?.rules ?? []).filter((r) => r.result === 'fail' || r.result === 'error' || r.result === 'unknown');
      const list = failing.map((r) => `<li><span class="sev-${esc(r.severity)}">${esc(r.severity)}</span> ${esc(r.result)}: ${esc(r.title)} <code>${esc(r.id)}</code></li>`).join('');
      return `${head}<p>Content: <code>${esc(h.content ?? '')}</code><br>Profile: ${esc(h.scan?.profile?.title ?? '(default selection)')}<br>Score: ${esc(h.score?.toFixed(1) ?? '-')} · ${h.counts?.pass ?? 0} pass, ${h.counts?.fail ?? 0} fail${h.storeError ? `<br>Not stored: ${esc(h.storeError)}` : ''}${h.note ? `<br>${esc(h.note)}` : ''}</p>${failing.length > 0 ? `<details><summary>${failing.length} rules need attention</summary><ul>${list}</ul></details>` : '<p>No failing rule.</p>'}</section>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'">
<meta name="generator" content="vigil"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vigil fleet report: ${esc(meta.inventory)}</title><style>${CSS}</style></head>
<body><header><h1>Fleet report</h1><div>Inventory <code>${esc(meta.inventory)}</code>${meta.limit ? `, limit <code>${esc(meta.limit)}</code>` : ''} · ${o.length} hosts, ${scanned} scanned · generated ${esc(now)}</div></header>
<main>
${result.breaker ? `<section class="breaker"><p class="failed">Stopped: more than ${result.breaker.maxFailPercentage}% of the hosts failed (${result.breaker.failed} of ${result.breaker.total}); the hosts not started are marked skipped.</p></section>` : ''}
<section><h2>Hosts</h2><table id="hosts"><thead><tr><th>Host</th><th>Address</th><th>Status</th><th class="num">Score</th><th></th><th class="num">Fail</th><th class="num">Pass</th><th>Groups</th></tr></thead><tbody>
${rows}
</tbody></table></section>
<section><h2>Rules failing on the most hosts</h2>${top.length > 0 ? `<table id="top-rules"><thead><tr><th class="num">Hosts</th><th>Severity</th><th>Rule</th><th>Where</th></tr></thead><tbody>\n${topRows}\n</tbody></table>` : '<p>No rule fails on any host.</p>'}</section>
${sections}
</main></body></html>
`;
}

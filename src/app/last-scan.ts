/**
 * The last scan, kept in the user's state directory
 * ($XDG_STATE_HOME/vigil/last-scan, else ~/.local/state/vigil/last-scan), so
 * that `vigil fix` can remediate what it found without the user having asked
 * for results beforehand: `results.xml` (XCCDF results, the input of
 * results-based `generate fix`) and `scan.json` (what was scanned, when).
 * Written atomically; a state directory that cannot be written costs the
 * scan nothing (the caller says so in one line).
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ContentError } from '../model/errors.js';
import { saveFileContent } from '../results/atomic-file.js';
import { writeXccdfResults } from '../results/xccdf-results.js';
import { countResults, type ScanReport } from '../xccdf/result-types.js';

export interface LastScanInfo {
  readonly contentFile: string;
  readonly profile: string | null;
  readonly target: string;
  readonly endTime: string;
  readonly failed: number;
  readonly results: string;
}

/** The directory that holds the last scan, from the environment (never the real home when XDG_STATE_HOME is set). */
export function lastScanDir(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env['XDG_STATE_HOME'];
  if (xdg !== undefined && xdg !== '' && xdg.startsWith('/')) return join(xdg, 'vigil', 'last-scan');
  const home = env['HOME'];
  if (home === undefined || home === '') throw new ContentError('io', 'cannot keep the last scan: neither XDG_STATE_HOME nor HOME is set');
  return join(home, '.local', 'state', 'vigil', 'last-scan');
}

/** Saves the scan's results and a note of what it was; returns the results file. Throws (an OutputError or an fs error) when it cannot. */
export function saveLastScan(dir: string, report: ScanReport): LastScanInfo {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // a fix written for the previous scan does not belong to this one
  for (const old of ['fix.yml', 'fix.sh']) rmSync(join(dir, old), { force: true });
  const results = join(dir, 'results.xml');
  writeXccdfResults(results, report);
  const tr = report.testResult;
  const c = countResults(tr.ruleResults);
  const info: LastScanInfo = {
    contentFile: report.contentFile,
    profile: tr.profile?.id ?? null,
    target: tr.target.name !== 'unknown' ? tr.target.name : report.system.name,
    endTime: tr.endTime,
    failed: c.fail + c.error + c.unknown,
    results,
  };
  saveFileContent(join(dir, 'scan.json'), JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  return info;
}

/** The last scan, or a ContentError that says how to make one. */
export function readLastScan(dir: string): LastScanInfo {
  let text: string;
  try {
    text = readFileSync(join(dir, 'scan.json'), 'utf8');
  } catch {
    throw new ContentError('io', `no scan to fix yet (nothing in ${dir}): run \`vigil scan\` first`);
  }
  const info = JSON.parse(text) as LastScanInfo;
  return { ...info, results: join(dir, 'results.xml') };
}

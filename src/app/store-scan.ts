/**
 * `vigil scan --store`: one scan recorded in the results store. The host is
 * the target's host name (an offline root without one is `root:<path>`), its
 * OS label comes from the target's os-release.
 */
import { jsonReport } from '../results/json-report.js';
import { defaultStorePath, openResultsStore, type HostKey } from '../store/index.js';
import type { XccdfEvalReport } from './xccdf-eval.js';

/** The store's key for the scanned host. */
export function hostKeyOf(report: XccdfEvalReport): HostKey {
  const d = report.description;
  const name = d.hostname && d.hostname.trim() !== '' ? d.hostname.trim() : report.target.kind === 'offline-root' ? `root:${report.target.name}` : report.testResult.target.name;
  const os = [d.osRelease['ID'], d.osRelease['VERSION_ID']].filter((x) => x !== undefined && x !== '').join(' ');
  return { name, ...(os !== '' ? { os } : {}) };
}

/** Records the scan; returns an error message (the scan itself stands), or undefined. */
export async function recordScanInStore(report: XccdfEvalReport, spec: string | undefined, env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  const where = spec ?? defaultStorePath(env as NodeJS.ProcessEnv);
  try {
    const store = await openResultsStore(where);
    try {
      const doc = jsonReport(report);
      const ms = Date.parse(doc.endTime) - Date.parse(doc.startTime);
      await store.recordScan(hostKeyOf(report), doc, {
        source: 'scan',
        ...(env['SUDO_USER'] || env['USER'] ? { who: (env['SUDO_USER'] || env['USER'])! } : {}),
        ...(Number.isFinite(ms) ? { durationMs: ms } : {}),
      });
    } finally {
      await store.close();
    }
    return undefined;
  } catch (err) {
    return `the scan could not be recorded in the store: ${(err as Error).message}`;
  }
}

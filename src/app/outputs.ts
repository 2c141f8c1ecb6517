/**
 * The scan outputs: the single table of formats the CLI consults (so no
 * format is chosen by string compares scattered through the code), the
 * check of every requested path before a scan starts, and the writing of
 * them all after it, one failure not costing the others.
 *
 * Every file is written atomically (results/atomic-file.ts): a reader of a
 * requested path sees the old file, nothing, or the whole new one.
 */
import { basename, join } from 'node:path';
import { checkOutputDirectory, checkOutputPath, OutputError } from '../results/atomic-file.js';
import { writeHtmlReport } from '../results/html-report.js';
import { jsonReport, writeJsonReport } from '../results/json-report.js';
import { junitXml, writeJunitReport } from '../results/junit.js';
import { writeOvalResults } from '../results/oval-results.js';
import { sarifLog, writeSarifReport } from '../results/sarif.js';
import { arfOvalReports, writeArf, writeXccdfResults } from '../results/xccdf-results.js';
import type { ScanReport } from '../xccdf/result-types.js';

export { OutputError };

export interface OutputFormat {
  /** The document as text, for standard output. */
  render(report: ScanReport): string;
  write(path: string, report: ScanReport): Promise<void>;
}

export const MACHINE_FORMATS = {
  json: { render: (r) => JSON.stringify(jsonReport(r), null, 2) + '\n', write: writeJsonReport },
  junit: { render: (r) => junitXml(r), write: (p, r) => writeJunitReport(p, r) },
  sarif: { render: (r) => JSON.stringify(sarifLog(r), null, 2) + '\n', write: writeSarifReport },
} as const satisfies Record<string, OutputFormat>;

export type MachineFormat = keyof typeof MACHINE_FORMATS;

export function isMachineFormat(f: string): f is MachineFormat {
  return Object.hasOwn(MACHINE_FORMATS, f);
}

export { writeHtmlReport };

/** What a scan can write, each to one path (`oval-results`: one file per OVAL document into a directory). */
export type OutputKind = 'xccdf-results' | 'arf' | 'oval-results' | 'html' | MachineFormat;

export interface OutputRequest {
  readonly kind: OutputKind;
  /** A file; for `oval-results`, the directory. */
  readonly path: string;
  /** The option that asked for it (`--results`), for messages. */
  readonly option: string;
}

export interface OutputFailure {
  readonly request: OutputRequest;
  readonly error: OutputError;
}

const WRITERS: Record<Exclude<OutputKind, 'oval-results'>, (path: string, report: ScanReport) => void | Promise<void>> = {
  'xccdf-results': writeXccdfResults,
  arf: (p, r) => writeArf(p, r),
  html: (p, r) => writeHtmlReport(p, r),
  json: MACHINE_FORMATS.json.write,
  junit: MACHINE_FORMATS.junit.write,
  sarif: MACHINE_FORMATS.sarif.write,
};

/**
 * Checks every requested output before any work: its directory exists and
 * is writable and the path is not a directory. Throws the first problem as
 * an OutputError; two requests for one path are refused too.
 */
export function checkOutputs(requests: readonly OutputRequest[]): void {
  const seen = new Map<string, string>();
  for (const r of requests) {
    try {
      if (r.kind === 'oval-results') checkOutputDirectory(r.path);
      else checkOutputPath(r.path);
    } catch (e) {
      throw e instanceof OutputError ? e.withOption(r.option) : e;
    }
    if (r.kind === 'oval-results') continue;
    const other = seen.get(r.path);
    if (other !== undefined) throw new OutputError(r.path, `asked for by both ${other} and ${r.option}`);
    seen.set(r.path, r.option);
  }
}

/**
 * The OVAL results files of a report, as oscap names them: `<href>.result.xml`
 * in `dir`, for the rules' OVAL documents and the CPE checks' (oscap 1.3.7
 * writes `ssg-debian11-oval.xml.result.xml` and `ssg-debian11-cpe-oval.xml.result.xml`).
 */
export function ovalResultsFiles(report: ScanReport, dir: string): Array<{ path: string; write: () => void }> {
  return arfOvalReports(report).map((ev) => {
    const path = join(dir, `${basename(ev.href)}.result.xml`);
    return { path, write: () => writeOvalResults(path, ev, { system: report.system, productVersion: report.productVersion }) };
  });
}

/**
 * Writes every request, each atomically. A file that cannot be saved is
 * reported in the result and the others are still written; errors that are
 * not about the output file (a bug, the source gone) are thrown.
 */
export async function writeOutputs(report: ScanReport, requests: readonly OutputRequest[]): Promise<OutputFailure[]> {
  const failures: OutputFailure[] = [];
  const attempt = async (request: OutputRequest, write: () => void | Promise<void>): Promise<void> => {
    try {
      await write();
    } catch (e) {
      if (!(e instanceof OutputError)) throw e;
      failures.push({ request, error: e.withOption(request.option) });
    }
  };
  for (const r of requests) {
    if (r.kind === 'oval-results') {
      for (const f of ovalResultsFiles(report, r.path)) await attempt(r, () => f.write());
    } else {
      const write = WRITERS[r.kind];
      await attempt(r, () => write(r.path, report));
    }
  }
  return failures;
}

/**
 * The scan outputs by format: the single table the CLI consults, so no
 * format is chosen by string compares scattered through the code.
 */
import { writeHtmlReport } from '../results/html-report.js';
import { jsonReport, writeJsonReport } from '../results/json-report.js';
import { junitXml, writeJunitReport } from '../results/junit.js';
import { sarifLog, writeSarifReport } from '../results/sarif.js';
import type { ScanReport } from '../xccdf/result-types.js';

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

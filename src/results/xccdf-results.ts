/**
 * XCCDF results (`--results`) and ARF 1.1 (`--results-arf`), in the shapes
 * OpenSCAP writes and reads back (`oscap xccdf generate fix --result-id`,
 * `generate report`, `validate`, `ds rds-validate`):
 * - XCCDF results are the evaluated Benchmark, copied from the source, with
 *   the TestResult as its last child;
 * - ARF holds the source data stream as the report request, the asset, the
 *   TestResult and one OVAL results report per OVAL document.
 */
import type { CheckedBy, OvalEvidence, ScanReport, TestResultData } from '../xccdf/result-types.js';
import { streamOvalResults, type XmlSink } from './oval-results.js';
import { copyDocumentElement, copyElement } from './source-copy.js';
import { attrs, esc, saveFile } from './xml-writer.js';

export const XCCDF12_NS = 'http://checklists.nist.gov/xccdf/1.2';
export const XCCDF11_NS = 'http://checklists.nist.gov/xccdf/1.1';

const num = (n: number): string => n.toFixed(6);

function checkXml(c: CheckedBy, pad: string): string {
  if (c.complex) {
    const kids = c.complex.children.map((k) => checkXml(k, pad + '  ')).join('');
    return `${pad}<complex-check${attrs({ operator: c.complex.operator, negate: c.negate || undefined })}>\n${kids}${pad}</complex-check>\n`;
  }
  let s = `${pad}<check${attrs({ system: c.system, negate: c.negate || undefined })}>\n`;
  for (const e of c.exports) s += `${pad}  <check-export${attrs({ 'export-name': e.exportName, 'value-id': e.valueId })}/>\n`;
  if (c.href !== undefined) s += `${pad}  <check-content-ref${attrs({ name: c.name, href: c.href })}/>\n`;
  return `${s}${pad}</check>\n`;
}

/** The TestResult element; `benchmarkHref` is the file, or the component (`#id`) inside ARF. */
export function writeTestResult(
  out: XmlSink,
  tr: TestResultData,
  opts: { readonly ns: string; readonly pad: string; readonly benchmarkHref: string; readonly assetRef?: string },
): void {
  const p = opts.pad;
  out.write(
    `${p}<TestResult${attrs({ xmlns: opts.ns, id: tr.id, 'start-time': tr.startTime, 'end-time': tr.endTime, version: tr.benchmark.version, 'test-system': tr.testSystem })}>\n`,
  );
  const q = p + '  ';
  out.write(`${q}<benchmark${attrs({ href: opts.benchmarkHref, id: tr.benchmark.id })}/>\n`);
  out.write(`${q}<title>Vigil Scan Result</title>\n`);
  if (tr.profile) out.write(`${q}<profile${attrs({ idref: tr.profile.id })}/>\n`);
  if (tr.identity) {
    out.write(`${q}<identity${attrs({ authenticated: tr.identity.authenticated, privileged: tr.identity.privileged })}>${esc(tr.identity.name)}</identity>\n`);
  }
  out.write(`${q}<target>${esc(tr.target.name)}</target>\n`);
  for (const a of tr.target.addresses) out.write(`${q}<target-address>${esc(a)}</target-address>\n`);
  out.write(`${q}<target-facts>\n`);
  for (const f of tr.target.facts) out.write(`${q}  <fact${attrs({ name: f.name, type: f.type })}>${esc(f.value)}</fact>\n`);
  out.write(`${q}</target-facts>\n`);
  if (opts.assetRef !== undefined) {
    out.write(`${q}<target-id-ref${attrs({ system: 'http://scap.nist.gov/schema/asset-identification/1.1', name: opts.assetRef, href: '' })}/>\n`);
  }
  for (const pl of tr.platforms) out.write(`${q}<platform${attrs({ idref: pl })}/>\n`);
  for (const v of tr.setValues) out.write(`${q}<set-value${attrs({ idref: v.idref })}>${esc(v.value)}</set-value>\n`);
  for (const r of tr.ruleResults) {
    let s = `${q}<rule-result${attrs({ idref: r.ruleId, role: r.role, time: r.time, severity: r.severity, weight: num(r.weight) })}>\n`;
    s += `${q}  <result>${r.result}</result>\n`;
    for (const m of r.messages) s += `${q}  <message${attrs({ severity: m.severity })}>${esc(m.text)}</message>\n`;
    for (const i of r.idents) s += `${q}  <ident${attrs({ system: i.system })}>${esc(i.value)}</ident>\n`;
    if (r.check) s += checkXml(r.check, `${q}  `);
    out.write(`${s}${q}</rule-result>\n`);
  }
  for (const sc of tr.scores) out.write(`${q}<score${attrs({ system: sc.system, maximum: num(sc.maximum) })}>${num(sc.score)}</score>\n`);
  out.write(`${p}</TestResult>\n`);
}

/** XCCDF results: the Benchmark copied from the source, with the TestResult appended. */
export function writeXccdfResults(path: string, report: ScanReport): void {
  const { source, testResult: tr } = report;
  saveFile(path, (w) => {
    w.write('<?xml version="1.0" encoding="UTF-8"?>\n');
    const ns = source.xccdfVersion === '1.1' ? XCCDF11_NS : XCCDF12_NS;
    const found = copyElement(source.file, w, {
      match: (el, ancestors) => {
        if (el.local !== 'Benchmark') return false;
        if (source.componentId === undefined) return ancestors.length === 0;
        const parent = ancestors[ancestors.length - 1];
        return parent?.local === 'component' && parent.attributes['id'] === source.componentId;
      },
      beforeEnd: (out) => {
        out.write('\n');
        writeTestResult(out, tr, { ns, pad: '  ', benchmarkHref: source.file });
      },
    });
    if (!found) throw new Error(`the benchmark was not found again in ${source.file}`);
    w.write('\n');
  });
}

export interface ArfOptions {
  /** The OVAL results' timestamps; now when absent. */
  readonly now?: Date;
}

/** The OVAL reports of an ARF (and `--oval-results`' files): the rules' documents, then the CPE checks' (a document in both is reported once, with the CPE sessions' evidence). */
export function arfOvalReports(report: ScanReport): OvalEvidence[] {
  const byHref = new Map<string, OvalEvidence>();
  for (const ev of [...report.oval, ...report.platformOval]) byHref.set(ev.href, ev);
  return [...byHref.values()];
}

/** ARF 1.1: relationships, the source as report request, the asset, the TestResult and OVAL results. */
export function writeArf(path: string, report: ScanReport, opts: ArfOptions = {}): void {
  saveFile(path, (w) => {
    const ns = report.source.xccdfVersion === '1.1' ? XCCDF11_NS : XCCDF12_NS;
    w.write('<?xml version="1.0" encoding="UTF-8"?>\n');
    w.write(
      '<arf:asset-report-collection xmlns:arf="http://scap.nist.gov/schema/asset-reporting-format/1.1" xmlns:core="http://scap.nist.gov/schema/reporting-core/1.1" xmlns:ai="http://scap.nist.gov/schema/asset-identification/1.1">\n',
    );
    w.write('  <core:relationships xmlns:arfvocab="http://scap.nist.gov/specifications/arf/vocabulary/relationships/1.0#">\n');
    w.write('    <core:relationship type="arfvocab:createdFor" subject="xccdf1">\n      <core:ref>collection1</core:ref>\n    </core:relationship>\n');
    w.write('    <core:relationship type="arfvocab:isAbout" subject="xccdf1">\n      <core:ref>asset0</core:ref>\n    </core:relationship>\n');
    w.write('  </core:relationships>\n');
    w.write('  <arf:report-requests>\n    <arf:report-request id="collection1">\n      <arf:content>\n');
    copyDocumentElement(report.source.file, w);
    w.write('\n      </arf:content>\n    </arf:report-request>\n  </arf:report-requests>\n');
    w.write('  <arf:assets>\n    <arf:asset id="asset0">\n      <ai:computing-device>\n');
    const a = report.system;
    if (a.interfaces.length > 0) {
      w.write('        <ai:connections>\n');
      for (const c of a.interfaces) {
        w.write('          <ai:connection>\n');
        w.write(`            <ai:ip-address>${c.ip.includes(':') ? `<ai:ip-v6>${esc(c.ip)}</ai:ip-v6>` : `<ai:ip-v4>${esc(c.ip)}</ai:ip-v4>`}</ai:ip-address>\n`);
        if (c.mac) w.write(`            <ai:mac-address>${esc(c.mac.toUpperCase())}</ai:mac-address>\n`);
        w.write('          </ai:connection>\n');
      }
      w.write('        </ai:connections>\n');
    }
    if (a.hostname) w.write(`        <ai:hostname>${esc(a.hostname)}</ai:hostname>\n`);
    w.write('      </ai:computing-device>\n    </arf:asset>\n  </arf:assets>\n');
    w.write('  <arf:reports>\n    <arf:report id="xccdf1">\n      <arf:content>\n');
    const href = report.source.componentId !== undefined ? `#${report.source.componentId}` : report.source.file;
    writeTestResult(w, report.testResult, { ns, pad: '        ', benchmarkHref: href, assetRef: 'asset0' });
    w.write('      </arf:content>\n    </arf:report>\n');
    let n = 0;
    for (const ev of arfOvalReports(report)) {
      w.write(`    <arf:report id="oval${n++}">\n      <arf:content>\n`);
      streamOvalResults(w, ev, { system: report.system, productVersion: report.productVersion, ...(opts.now ? { now: opts.now } : {}) });
      w.write('      </arf:content>\n    </arf:report>\n');
    }
    w.write('  </arf:reports>\n</arf:asset-report-collection>\n');
  });
}

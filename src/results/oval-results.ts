/**
 * OVAL 5.11 results (`--results`): the definition and test results and the
 * system characteristics (system info, collected objects, items), written as
 * a stream, from one document's OVAL evidence (plain data) and the target's
 * system facts as the report has them. The definitions document itself is
 * not repeated (it is optional in oval_results).
 */
import type { CriteriaResult } from '../oval/engine.js';
import type { OvalItem } from '../oval/types.js';
import type { OvalEvidence, TargetSystem } from '../xccdf/result-types.js';
import { EvidenceIndex } from './evidence-index.js';
import { attrs, esc, saveFile } from './xml-writer.js';

const NS = {
  res: 'http://oval.mitre.org/XMLSchema/oval-results-5',
  sc: 'http://oval.mitre.org/XMLSchema/oval-system-characteristics-5',
  oval: 'http://oval.mitre.org/XMLSchema/oval-common-5',
};

/** The family namespace prefix of system-characteristics items. */
function itemPrefix(family: string): string {
  return family === 'independent' ? 'ind-sys' : family === 'linux' ? 'lin-sys' : `${family}-sys`;
}

export interface OvalResultsOptions {
  /** Describes the target in system_info. */
  readonly system: TargetSystem;
  readonly productVersion: string;
  /** The generators' timestamp; now when absent. */
  readonly now?: Date;
}

function criteriaXml(c: CriteriaResult, doc: EvidenceIndex): string {
  if (c.kind === 'criteria') {
    return `<criteria${attrs({ operator: c.operator, negate: c.negate || undefined, result: c.result })}>${c.children.map((k) => criteriaXml(k, doc)).join('')}</criteria>`;
  }
  if (c.kind === 'criterion') {
    const t = doc.tests.get(c.testRef);
    return `<criterion${attrs({ test_ref: c.testRef, version: t?.version ?? 1, negate: c.negate || undefined, result: c.result })}/>`;
  }
  const d = doc.definitions.get(c.definitionRef);
  return `<extend_definition${attrs({ definition_ref: c.definitionRef, version: d?.version ?? 1, negate: c.negate || undefined, result: c.result })}/>`;
}

function itemXml(item: OvalItem): string {
  const p = itemPrefix(item.family);
  let s = `<${p}:${item.type}${attrs({ id: item.id, status: item.status === 'exists' ? undefined : item.status })}>`;
  for (const m of item.messages ?? []) s += `<oval-sc:message level="info">${esc(m)}</oval-sc:message>`;
  for (const e of item.entities) {
    const a = attrs({ datatype: e.datatype === 'string' ? undefined : e.datatype, status: e.status === 'exists' ? undefined : e.status });
    if (e.fields) {
      s += `<${p}:${e.name}${a}>${e.fields.map((f) => `<oval-sc:field${attrs({ name: f.name, datatype: f.datatype === 'string' ? undefined : f.datatype })}>${esc(f.value)}</oval-sc:field>`).join('')}</${p}:${e.name}>`;
    } else s += `<${p}:${e.name}${a}>${esc(e.value)}</${p}:${e.name}>`;
  }
  return `${s}</${p}:${item.type}>`;
}

/** OVAL's system_info element for the target's facts. */
export function systemInfoXml(sys: TargetSystem): string {
  let s = `<system_info><os_name>${esc(sys.osName)}</os_name><os_version>${esc(sys.osVersion)}</os_version><architecture>${esc(sys.architecture)}</architecture><primary_host_name>${esc(sys.primaryHostName)}</primary_host_name><interfaces>`;
  for (const i of sys.interfaces) {
    s += `<interface><interface_name>${esc(i.name)}</interface_name><ip_address>${esc(i.ip)}</ip_address><mac_address>${esc(i.mac)}</mac_address></interface>`;
  }
  return `${s}</interfaces></system_info>`;
}

/** Where streamed XML goes. */
export interface XmlSink {
  write(s: string): void;
}

export function writeOvalResults(path: string, evidence: OvalEvidence, opts: OvalResultsOptions): void {
  saveFile(path, (w) => {
    w.write('<?xml version="1.0" encoding="UTF-8"?>\n');
    streamOvalResults(w, evidence, opts);
  });
}

/** Streams an `oval_results` element (no XML declaration) into `w`, e.g. inside an ARF report. */
export function streamOvalResults(w: XmlSink, evidence: OvalEvidence, opts: OvalResultsOptions): void {
  const doc = new EvidenceIndex(evidence);
  const families = new Set<string>();
  const items = new Map<number, OvalItem>();
  for (const o of evidence.objects) for (const id of o.items) items.set(id, doc.item(id));
  for (const i of items.values()) families.add(i.family);
  const famNs = [...families].map((f) => ` xmlns:${itemPrefix(f)}="${NS.sc}#${f}"`).join('');
  const now = (opts.now ?? new Date()).toISOString().replace(/\.\d+Z$/, '');
  const generator = `<generator><oval:product_name>vigil</oval:product_name><oval:product_version>${esc(opts.productVersion)}</oval:product_version><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>${now}</oval:timestamp></generator>`;
  w.write(`<oval_results xmlns="${NS.res}" xmlns:oval="${NS.oval}" xmlns:oval-sc="${NS.sc}"${famNs}>\n`);
  w.write(generator);
  w.write('<directives include_source_definitions="false">');
  for (const r of ['definition_true', 'definition_false', 'definition_unknown', 'definition_error', 'definition_not_evaluated', 'definition_not_applicable']) {
    w.write(`<${r} reported="true" content="full"/>`);
  }
  w.write('</directives>\n<results><system>\n<definitions>\n');
  for (const d of evidence.definitions) {
    const def = doc.definitions.get(d.definitionId);
    w.write(`<definition${attrs({ definition_id: d.definitionId, result: d.result, version: def?.version ?? 1 })}>`);
    if (d.criteria) w.write(criteriaXml(d.criteria, doc));
    w.write('</definition>\n');
  }
  w.write('</definitions>\n<tests>\n');
  for (const t of evidence.tests) {
    const test = doc.tests.get(t.testId);
    w.write(
      `<test${attrs({
        test_id: t.testId,
        version: test?.version ?? 1,
        check_existence: test?.checkExistence === 'at_least_one_exists' ? undefined : test?.checkExistence,
        check: test?.check,
        state_operator: test?.stateOperator === 'AND' ? undefined : test?.stateOperator,
        result: t.result,
      })}>`,
    );
    for (const i of t.items) w.write(`<tested_item${attrs({ item_id: i.item, result: i.result })}/>`);
    w.write('</test>\n');
  }
  w.write('</tests>\n');
  w.write(`<oval_system_characteristics xmlns="${NS.sc}">`);
  w.write(generator);
  w.write(systemInfoXml(opts.system));
  w.write('\n<collected_objects>\n');
  for (const o of evidence.objects) {
    const obj = doc.objects.get(o.objectId);
    w.write(`<object${attrs({ id: o.objectId, version: obj?.version ?? 1, flag: o.flag })}>`);
    for (const m of o.messages) w.write(`<message level="info">${esc(m)}</message>`);
    for (const b of o.bindings) w.write(`<variable_value${attrs({ variable_id: b.variableId })}>${esc(b.value)}</variable_value>`);
    for (const id of o.items) w.write(`<reference item_ref="${id}"/>`);
    w.write('</object>\n');
  }
  w.write('</collected_objects>\n');
  if (items.size > 0) {
    w.write('<system_data>\n');
    for (const i of [...items.values()].sort((a, b) => a.id - b.id)) w.write(`${itemXml(i)}\n`);
    w.write('</system_data>\n');
  }
  w.write('</oval_system_characteristics>\n</system></results>\n</oval_results>\n');
}

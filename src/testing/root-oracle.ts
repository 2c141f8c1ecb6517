/**
 * Oracle for file-reading probes over a synthetic root: one OVAL document
 * (a definition per case, as probe-oracle.ts numbers them) evaluated by
 * `OSCAP_PROBE_ROOT=<root> oscap oval eval` and by Vigil's engine over
 * offlineRootTarget(root), both read into one comparable shape: definition
 * results, and per collected object its flag, its messages and its items,
 * each entity with its datatype and record fields.
 *
 * Keep links in synthetic roots relative: oscap opens files through the
 * host's filesystem, so an absolute link target leaves the root (Vigil
 * resolves it inside the root, on purpose).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { DOMParser, type Element as XmlElement } from '@xmldom/xmldom';
import { readDocument } from '../model/load.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { OvalEngine } from '../oval/engine.js';
import type { ItemEntity, Probe } from '../oval/types.js';
import { offlineRootTarget } from '../target/fs-target.js';
import { oscap } from './oracle.js';
import { caseDocument, type ProbeCase } from './probe-oracle.js';

/** A file in a synthetic root: its content, a symlink, or a directory. */
export type RootEntry = string | Buffer | { readonly symlink: string } | { readonly dir: true };

/** Creates `root` with the given entries (paths relative to the root). */
export function buildRoot(root: string, entries: Readonly<Record<string, RootEntry>>): void {
  mkdirSync(root, { recursive: true });
  for (const [rel, e] of Object.entries(entries)) {
    const p = join(root, rel);
    if (typeof e === 'object' && 'dir' in e) {
      mkdirSync(p, { recursive: true });
      continue;
    }
    mkdirSync(dirname(p), { recursive: true });
    if (typeof e === 'object' && 'symlink' in e) symlinkSync(e.symlink, p);
    else writeFileSync(p, e);
  }
}

/** A temporary directory holding `root/`, removed by `dispose` (kept with VIGIL_KEEP_ORACLE_DIR=1). */
export function tempRoot(prefix: string, entries: Readonly<Record<string, RootEntry>>): { dir: string; root: string; dispose(t?: TestContext): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const root = join(dir, 'root');
  buildRoot(root, entries);
  return {
    dir,
    root,
    dispose(t) {
      if (process.env['VIGIL_KEEP_ORACLE_DIR'] === '1') t?.diagnostic(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** caseDocument() with another OVAL schema version (yamlfilecontent needs 5.11.3). */
export function rootCaseDocument(cases: readonly ProbeCase[], schemaVersion = '5.11'): string {
  return caseDocument(cases).replace('<oval:schema_version>5.11</oval:schema_version>', `<oval:schema_version>${schemaVersion}</oval:schema_version>`);
}

export interface RootItem {
  readonly status: string;
  /** Entities in item order, each as JSON [name, datatype, value] or [name, 'record', [field, datatype, value]...]. */
  readonly entities: readonly string[];
  readonly messages: readonly string[];
}

export interface RootObject {
  readonly flag: string;
  readonly messages: readonly string[];
  readonly items: readonly RootItem[];
}

export interface RootOutcome {
  readonly definitions: ReadonlyMap<string, string>;
  readonly objects: ReadonlyMap<string, RootObject>;
}

const dt = (d: string | null | undefined): string => (d && d !== '' ? d : 'string');

/** One entity in the comparable form. */
export function entityKey(e: Pick<ItemEntity, 'name' | 'value' | 'datatype' | 'fields'>): string {
  if (e.datatype === 'record') return JSON.stringify([e.name, 'record', ...(e.fields ?? []).map((f) => [f.name, dt(f.datatype), f.value])]);
  return JSON.stringify([e.name, dt(e.datatype), e.value]);
}

const children = (el: XmlElement, local?: string): XmlElement[] => {
  const out: XmlElement[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1 && (local === undefined || (n as XmlElement).localName === local)) out.push(n as XmlElement);
  return out;
};

/** Definition results and collected objects in an oscap results file. */
export function readRootResults(xml: string): RootOutcome {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const definitions = new Map<string, string>();
  for (const d of Array.from(doc.getElementsByTagName('definition'))) {
    const id = d.getAttribute('definition_id');
    if (id) definitions.set(id, d.getAttribute('result') ?? '');
  }
  const sc = doc.getElementsByTagName('oval_system_characteristics')[0];
  const objects = new Map<string, RootObject>();
  if (!sc) return { definitions, objects };
  const items = new Map<string, RootItem>();
  for (const data of children(sc, 'system_data')) {
    for (const it of children(data)) {
      const messages: string[] = [];
      const entities: string[] = [];
      for (const e of children(it)) {
        if (e.localName === 'message') {
          messages.push(e.textContent ?? '');
          continue;
        }
        const datatype = dt(e.getAttribute('datatype'));
        if (datatype === 'record') {
          const fields = children(e, 'field').map((f) => ({ name: f.getAttribute('name') ?? '', datatype: dt(f.getAttribute('datatype')) as ItemEntity['datatype'], value: f.textContent ?? '', status: 'exists' as const }));
          entities.push(entityKey({ name: e.localName ?? '', value: '', datatype: 'record', fields }));
        } else {
          entities.push(entityKey({ name: e.localName ?? '', value: e.textContent ?? '', datatype: datatype as ItemEntity['datatype'] }));
        }
      }
      items.set(it.getAttribute('id') ?? '', { status: it.getAttribute('status') ?? 'exists', entities, messages });
    }
  }
  for (const co of children(sc, 'collected_objects')) {
    for (const o of children(co, 'object')) {
      objects.set(o.getAttribute('id') ?? '', {
        flag: o.getAttribute('flag') ?? '',
        messages: children(o, 'message').map((m) => m.textContent ?? ''),
        items: children(o, 'reference').map((r) => items.get(r.getAttribute('item_ref') ?? '')!),
      });
    }
  }
  return { definitions, objects };
}

/** `OSCAP_PROBE_ROOT=<root> oscap oval eval --results` on `xml`. */
export async function oscapRootOutcome(xml: string, root: string, work: string, t: TestContext): Promise<RootOutcome> {
  const defs = join(work, 'defs.xml');
  const results = join(work, 'results.xml');
  writeFileSync(defs, xml);
  rmSync(results, { force: true });
  const r = await oscap(['oval', 'eval', '--results', results, defs], { env: { ...process.env, OSCAP_PROBE_ROOT: root }, note: (s) => t.diagnostic(s) });
  if (!existsSync(results)) throw new Error(`oscap wrote no results (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  return readRootResults(readFileSync(results, 'utf8'));
}

/** Vigil's engine over offlineRootTarget(root) with exactly `probes`. */
export async function vigilRootOutcome(xml: string, root: string, probes: readonly Probe[]): Promise<RootOutcome> {
  const doc = readDocument({ text: xml, name: 'defs.xml' }) as OvalDefinitions;
  const engine = new OvalEngine(doc, { target: offlineRootTarget(root), probes: new Map(probes.map((p) => [`${p.family}/${p.objectType}`, p])) });
  const definitions = new Map<string, string>();
  for (const d of await engine.evaluateAll()) definitions.set(d.definitionId, d.result);
  const objects = new Map<string, RootObject>();
  for (const o of await engine.collectedObjects()) {
    objects.set(o.objectId, {
      flag: o.flag,
      messages: [...o.messages],
      items: o.items.map((i) => ({ status: i.status, entities: i.entities.map(entityKey), messages: [...(i.messages ?? [])] })),
    });
  }
  return { definitions, objects };
}

/** Items as sorted canonical strings (oscap's walk order is the directory's). */
export function sortedItems(o: RootObject | undefined): string[] {
  return (o?.items ?? []).map((i) => JSON.stringify(i)).sort();
}

/** What differs between two outcomes for case number `n`: definition result, object flag, items, messages. */
export function caseDifferences(n: number, vigil: RootOutcome, oscap: RootOutcome): Array<'definition' | 'flag' | 'items' | 'messages'> {
  const def = `oval:vigil:def:${n}`;
  const obj = `oval:vigil:obj:${n}`;
  const v = vigil.objects.get(obj);
  const o = oscap.objects.get(obj);
  const out: Array<'definition' | 'flag' | 'items' | 'messages'> = [];
  if (vigil.definitions.get(def) !== oscap.definitions.get(def)) out.push('definition');
  if (v?.flag !== o?.flag) out.push('flag');
  const strip = (x: RootObject | undefined): string[] => sortedItems(x && { ...x, items: x.items.map((i) => ({ ...i, messages: [] })) });
  if (JSON.stringify(strip(v)) !== JSON.stringify(strip(o))) out.push('items');
  const msgs = (x: RootObject | undefined): string => JSON.stringify([[...(x?.messages ?? [])].sort(), (x?.items ?? []).map((i) => i.messages).flat().sort()]);
  if (msgs(v) !== msgs(o)) out.push('messages');
  return out;
}

/** Both sides of case `n`, for a failure message. */
export function describeCase(n: number, vigil: RootOutcome, oscap: RootOutcome): string {
  const side = (x: RootOutcome): string =>
    JSON.stringify({ definition: x.definitions.get(`oval:vigil:def:${n}`), object: x.objects.get(`oval:vigil:obj:${n}`) }, null, 1);
  return `oscap: ${side(oscap)}\nvigil: ${side(vigil)}`;
}

/** A case that may differ from oscap on purpose: which parts, and why. */
export interface OracleCase {
  readonly name: string;
  readonly differs?: { readonly what: ReadonlyArray<'definition' | 'flag' | 'items' | 'messages'>; readonly why: string };
}

/**
 * Runs a probe's cases through Vigil and through oscap on the same root and
 * asserts that every case agrees, except for the parts a case declares as a
 * known difference (and those must differ exactly as declared).
 */
export async function assertAgreesWithOscap(
  t: TestContext,
  opts: { readonly xml: string; readonly root: { dir: string; root: string }; readonly probes: readonly Probe[]; readonly cases: readonly OracleCase[] },
): Promise<void> {
  const vigil = await vigilRootOutcome(opts.xml, opts.root.root, opts.probes);
  const oscap = await oscapRootOutcome(opts.xml, opts.root.root, opts.root.dir, t);
  assert.equal(oscap.definitions.size, opts.cases.length, 'oscap evaluated every definition');
  assert.equal(oscap.objects.size, opts.cases.length, 'oscap collected every object');
  const unexpected: string[] = [];
  let identical = 0;
  let known = 0;
  opts.cases.forEach((c, i) => {
    const d = caseDifferences(i + 1, vigil, oscap);
    if (d.length === 0) identical++;
    if (c.differs) {
      known++;
      t.diagnostic(`known difference, ${c.name}: ${c.differs.why}`);
    }
    if (JSON.stringify(d) !== JSON.stringify(c.differs?.what ?? [])) {
      unexpected.push(`${c.name}: ${d.join(', ') || 'nothing'} differ(s), expected ${c.differs?.what.join(', ') || 'nothing'}\n${describeCase(i + 1, vigil, oscap)}`);
    }
  });
  t.diagnostic(`oracle agreement: ${identical}/${opts.cases.length} cases identical (definition result, object flag, items, messages); ${known} known differences`);
  assert.deepEqual(unexpected, []);
}

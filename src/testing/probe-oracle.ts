/**
 * Live oracle for probes: the same small OVAL document evaluated on this
 * host by `oscap oval eval` and by Vigil's engine, and both outcomes read
 * into one shape (definition results, collected-object flags, items) so a
 * test can compare them.
 *
 * Each case becomes a definition with one test, one object and an optional
 * state, numbered in order: oval:vigil:def:N, tst:N, obj:N, ste:N.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { readDocument } from '../model/load.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { OvalEngine } from '../oval/engine.js';
import { PROBES, probeTable } from '../oval/probes/registry.js';
import type { Probe } from '../oval/types.js';
import { localTarget } from '../target/fs-target.js';
import type { Target } from '../target/target.js';
import { ovalXml } from './content.js';
import { findOscap, oracleMissing, oscap } from './oracle.js';

export interface ProbeCase {
  readonly name: string;
  readonly family: 'independent' | 'unix' | 'linux';
  /** Object type without the suffix, e.g. `interface`. */
  readonly type: string;
  /** The object's inner XML (entities, behaviors). */
  readonly object: string;
  /** The state's inner XML, if the test has a state. */
  readonly state?: string;
  readonly check?: string;
  readonly existence?: string;
}

export interface SeenItem {
  readonly status: string;
  /** name=value pairs, in item order. */
  readonly entities: readonly string[];
  readonly messages: readonly string[];
}

export interface SeenObject {
  readonly flag: string;
  readonly items: readonly SeenItem[];
}

export interface Outcome {
  /** Definition results by id. */
  readonly definitions: ReadonlyMap<string, string>;
  /** Collected objects by id (empty when oscap wrote no results). */
  readonly objects: ReadonlyMap<string, SeenObject>;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const defId = (n: number): string => `oval:vigil:def:${n}`;
export const objId = (n: number): string => `oval:vigil:obj:${n}`;

/** A schema-valid OVAL 5.11 document with one definition per case. */
export function caseDocument(cases: readonly ProbeCase[]): string {
  const definitions: string[] = [];
  const tests: string[] = [];
  const objects: string[] = [];
  const states: string[] = [];
  cases.forEach((c, i) => {
    const n = i + 1;
    const p = c.family === 'independent' ? 'ind' : c.family;
    definitions.push(
      `<definition id="${defId(n)}" version="1" class="compliance"><metadata><title>${esc(c.name)}</title><description>${esc(c.name)}</description></metadata>` +
        `<criteria><criterion test_ref="oval:vigil:tst:${n}" comment="${esc(c.name)}"/></criteria></definition>`,
    );
    tests.push(
      `<${p}:${c.type}_test id="oval:vigil:tst:${n}" version="1" check="${c.check ?? 'all'}" check_existence="${c.existence ?? 'at_least_one_exists'}" comment="${esc(c.name)}">` +
        `<${p}:object object_ref="${objId(n)}"/>${c.state !== undefined ? `<${p}:state state_ref="oval:vigil:ste:${n}"/>` : ''}</${p}:${c.type}_test>`,
    );
    objects.push(`<${p}:${c.type}_object id="${objId(n)}" version="1">${c.object}</${p}:${c.type}_object>`);
    if (c.state !== undefined) states.push(`<${p}:${c.type}_state id="oval:vigil:ste:${n}" version="1">${c.state}</${p}:${c.type}_state>`);
  });
  return ovalXml({
    definitions: definitions.join('\n'),
    tests: tests.join('\n'),
    objects: objects.join('\n'),
    ...(states.length ? { states: states.join('\n') } : {}),
  });
}

const decode = (s: string): string =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e.toLowerCase()]!;
  });

/** The collected objects and their items in an oscap results file. */
export function readResults(xml: string): Map<string, SeenObject> {
  const sc = xml.slice(xml.indexOf('<oval_system_characteristics'));
  const items = new Map<string, SeenItem>();
  for (const m of sc.matchAll(/<([\w-]+:\w+_item) id="(\d+)"[^>]*status="([^"]+)"[^>]*>([\s\S]*?)<\/\1>/g)) {
    const body = m[4]!;
    const messages = [...body.matchAll(/<message[^>]*>([\s\S]*?)<\/message>/g)].map((x) => decode(x[1]!));
    const entities: string[] = [];
    for (const e of body.replace(/<message[^>]*>[\s\S]*?<\/message>/g, '').matchAll(/<[\w-]+:(\w+)(?:\s[^>]*?)?(?:\/>|>([\s\S]*?)<\/[\w-]+:\1>)/g)) {
      entities.push(`${e[1]}=${decode(e[2] ?? '')}`);
    }
    items.set(m[2]!, { status: m[3]!, entities, messages });
  }
  const out = new Map<string, SeenObject>();
  for (const m of sc.matchAll(/<object id="([^"]+)"[^>]*flag="([^"]+)"[^>]*?(?:\/>|>([\s\S]*?)<\/object>)/g)) {
    const refs = [...(m[3] ?? '').matchAll(/<reference item_ref="(\d+)"/g)].map((r) => items.get(r[1]!)!);
    out.set(m[1]!, { flag: m[2]!, items: refs });
  }
  return out;
}

/** Runs `oscap oval eval` on the document; definitions come from its output, so they are read even when it writes no results. */
export async function oscapOutcome(xml: string, t: TestContext): Promise<Outcome & { code: number | null; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-probe-oracle-'));
  try {
    writeFileSync(join(dir, 'defs.xml'), xml);
    const results = join(dir, 'results.xml');
    const r = await oscap(['oval', 'eval', '--results', results, join(dir, 'defs.xml')], { note: (s) => t.diagnostic(s) });
    const definitions = new Map([...r.stdout.matchAll(/^Definition (\S+): (.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()] as const));
    const objects = existsSync(results) ? readResults(readFileSync(results, 'utf8')) : new Map<string, SeenObject>();
    return { definitions, objects, code: r.code, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Evaluates the document with Vigil's engine, the given probes taking precedence over the registry's. */
export async function vigilOutcome(xml: string, probes: readonly Probe[], target: Target = localTarget()): Promise<Outcome> {
  const doc = readDocument({ text: xml, name: 'defs.xml' }) as OvalDefinitions;
  const engine = new OvalEngine(doc, { target, probes: probeTable([...PROBES, ...probes]) });
  const definitions = new Map<string, string>();
  for (const d of await engine.evaluateAll()) definitions.set(d.definitionId, d.result);
  const objects = new Map<string, SeenObject>();
  for (const o of await engine.collectedObjects()) {
    objects.set(o.objectId, {
      flag: o.flag,
      items: o.items.map((i) => ({ status: i.status, entities: i.entities.map((e) => `${e.name}=${e.value}`), messages: [...(i.messages ?? [])] })),
    });
  }
  return { definitions, objects };
}

/** Items as sorted canonical strings, without the entities named in `drop` (values that move between two runs). */
export function canonicalItems(items: readonly SeenItem[], drop: readonly string[] = []): string[] {
  return items
    .map((i) => JSON.stringify({ status: i.status, entities: i.entities.filter((e) => !drop.includes(e.slice(0, e.indexOf('=')))), messages: i.messages }))
    .sort();
}

/** True when oscap can be run; otherwise skips the test, or fails it under VIGIL_REQUIRE_ORACLE=1. */
export async function oscapAvailable(t: TestContext): Promise<boolean> {
  const v = await findOscap();
  if (v !== undefined) {
    t.diagnostic(`oracle: ${v}`);
    return true;
  }
  return oracleMissing(t, 'oscap cannot be run (Debian package openscap-scanner)');
}

/**
 * `vigil build rules.ts -o ds.xml`: loads a module of rules written with the
 * SDK, compiles its benchmark to a SCAP 1.3 source data stream, reads the
 * result back with Vigil's own parser and validates every reference before
 * writing it.
 *
 * TypeScript modules are loaded through tsx's loader when it can be found
 * (it is when Vigil runs from its sources or tsx is installed); JavaScript
 * modules are imported as they are. The module may import the SDK from any
 * copy of Vigil: a benchmark is plain data, recognised by its shape.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { saveFileContent } from '../results/atomic-file.js';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openChecklist, openContent } from '../model/checklist.js';
import { ContentError } from '../model/errors.js';
import { validateChecklist } from '../model/validate.js';
import { forEachItem } from '../sdk/author.js';
import { compile } from '../sdk/compile.js';
import type { Benchmark } from '../sdk/model.js';

export interface BuildOptions {
  /** The data stream file to write. */
  readonly output: string;
  /** The export holding the benchmark: the default export, or the only benchmark exported, when absent. */
  readonly exportName?: string;
}

export interface BuildResult {
  readonly output: string;
  readonly benchmarkId: string;
  readonly rules: number;
  readonly profiles: readonly string[];
  readonly bytes: number;
}

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

const isBenchmark = (x: unknown): x is Benchmark => typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'benchmark' && 'namespace' in x;

async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (!TS_EXTENSIONS.has(extname(file))) return (await import(url)) as Record<string, unknown>;
  let tsImport: (specifier: string, parent: string) => Promise<unknown>;
  try {
    ({ tsImport } = await import('tsx/esm/api'));
  } catch (e) {
    throw new ContentError('unsupported', `${file} is TypeScript, and loading TypeScript needs the tsx package, which cannot be loaded here (${e instanceof Error ? e.message : String(e)}); install tsx, or compile the rules to JavaScript first`, undefined, { cause: e });
  }
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
}

/** The benchmark a rules module exports. */
export async function loadBenchmark(file: string, exportName?: string): Promise<Benchmark> {
  const path = resolve(file);
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(path);
  } catch (e) {
    if (e instanceof ContentError) throw e;
    throw new ContentError('io', `cannot load ${file}: ${e instanceof Error ? e.message : String(e)}`, undefined, { cause: e });
  }
  if (exportName !== undefined) {
    const b = mod[exportName];
    if (!isBenchmark(b)) throw new ContentError('no-content', `${file} exports no benchmark named "${exportName}"`);
    return b;
  }
  // A TypeScript file outside an ESM package loads as CommonJS: its default export is module.exports.default.
  const dflt = mod['default'];
  const nested = typeof dflt === 'object' && dflt !== null ? (dflt as Record<string, unknown>)['default'] : undefined;
  if (isBenchmark(dflt)) return dflt;
  if (isBenchmark(nested)) return nested;
  const found = Object.entries(mod).filter(([, v]) => isBenchmark(v));
  const distinct = [...new Set(found.map(([, v]) => v))];
  if (distinct.length === 1) return distinct[0] as Benchmark;
  if (distinct.length === 0) throw new ContentError('no-content', `${file} exports no benchmark (make one with benchmark() from the SDK and export it)`);
  throw new ContentError('no-content', `${file} exports several benchmarks (${found.map(([k]) => k).join(', ')}); choose one with --export`);
}

type Shape = Record<string, 'string' | 'array' | 'boolean'>;
const SHAPES: Record<string, Shape> = {
  benchmark: { id: 'string', namespace: 'string', title: 'string', description: 'string', version: 'string', status: 'string', date: 'string', publisher: 'string', source: 'string', platforms: 'array', children: 'array', profiles: 'array', stem: 'string' },
  group: { id: 'string', title: 'string', description: 'string', platforms: 'array', children: 'array' },
  rule: { id: 'string', title: 'string', description: 'string', rationale: 'string', severity: 'string', references: 'array', idents: 'array', platforms: 'array', selected: 'boolean' },
  profile: { id: 'string', title: 'string', description: 'string', select: 'array', unselect: 'array', values: 'array' },
};

/**
 * What is wrong with a benchmark that the SDK's functions did not build (a
 * module may export any object with `kind: 'benchmark'`): the first missing
 * or mistyped field of it, its groups, rules or profiles; undefined when the
 * shape is the SDK's. The compiler relies on that shape, so it is checked
 * here, where the module's name can be given, instead of failing inside it.
 */
export function benchmarkShapeProblem(b: unknown): string | undefined {
  const seen = new Set<unknown>();
  const check = (x: unknown, where: string, kinds: readonly string[]): string | undefined => {
    if (typeof x !== 'object' || x === null) return `${where} is ${x === null ? 'null' : typeof x}, not an object`;
    if (seen.has(x)) return undefined;
    seen.add(x);
    const o = x as Record<string, unknown>;
    const kind = o['kind'];
    if (typeof kind !== 'string' || !kinds.includes(kind)) return `${where} has kind ${JSON.stringify(kind)}, not ${kinds.map((k) => `"${k}"`).join(' or ')}`;
    const name = `${where} (${kind} ${typeof o['id'] === 'string' ? o['id'] : '?'})`;
    for (const [field, type] of Object.entries(SHAPES[kind]!)) {
      const v = o[field];
      const ok = type === 'array' ? Array.isArray(v) : typeof v === type;
      if (!ok) return `${name} has no ${field} (${type === 'array' ? 'an array' : `a ${type}`})`;
    }
    if (kind === 'benchmark' || kind === 'group') {
      for (const [i, c] of (o['children'] as unknown[]).entries()) {
        const p = check(c, `${name}.children[${i}]`, ['group', 'rule']);
        if (p !== undefined) return p;
      }
    }
    if (kind === 'benchmark') {
      for (const [i, c] of (o['profiles'] as unknown[]).entries()) {
        const p = check(c, `${name}.profiles[${i}]`, ['profile']);
        if (p !== undefined) return p;
      }
    }
    return undefined;
  };
  return check(b, 'the benchmark', ['benchmark']);
}

/** Compiles `b` and checks the result as Vigil reads content: it must parse, and every reference must land. */
export function compileChecked(b: Benchmark): string {
  const ds = compile(b).dataStream;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-build-'));
  try {
    const file = join(dir, `${b.stem}-ds.xml`);
    writeFileSync(file, ds);
    validateChecklist(openChecklist(openContent(file)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ds;
}

export async function buildDataStream(input: string, opts: BuildOptions): Promise<BuildResult> {
  const b = await loadBenchmark(input, opts.exportName);
  const problem = benchmarkShapeProblem(b);
  if (problem !== undefined) {
    throw new ContentError('invalid-value', `${input} exports a benchmark the SDK did not build: ${problem}. Build it with benchmark(), group() and rule() from the SDK, which fill in and check every field`);
  }
  const ds = compileChecked(b);
  mkdirSync(dirname(resolve(opts.output)), { recursive: true });
  saveFileContent(opts.output, ds);
  let rules = 0;
  forEachItem(b.children, (item) => {
    if (item.kind === 'rule') rules++;
  });
  return { output: opts.output, benchmarkId: `xccdf_${b.namespace}_benchmark_${b.id}`, rules, profiles: b.profiles.map((p) => `xccdf_${b.namespace}_profile_${p.id}`), bytes: Buffer.byteLength(ds) };
}

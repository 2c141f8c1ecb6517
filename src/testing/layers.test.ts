/**
 * The layers, enforced. Every import between folders of src/ (static
 * `import` and `export ... from`, `import x = require()`, dynamic `import()`
 * and `require()` through `createRequire`) is ranked by folder, and an
 * import that points up, or sideways to a sibling of the same rank, fails
 * the test with its file and line. docs/ARCHITECTURE.md explains the order.
 *
 * Test code (`*.test.ts`, `*.case.ts`, and the test-only folders testing/
 * and conformance/) follows the same order, and may also use testing/, the
 * test support; nothing shipped may import test code.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

interface Layer {
  readonly rank: number;
  /** Never shipped: only tests use it. */
  readonly testOnly?: boolean;
}

/** The folders of src/, lowest first (docs/ARCHITECTURE.md, "Layers"). */
export const LAYERS: Readonly<Record<string, Layer>> = {
  model: { rank: 0 },
  target: { rank: 1 },
  oval: { rank: 2 },
  xccdf: { rank: 3 },
  // the consumers of an evaluation or of the model, side by side and independent of each other
  results: { rank: 4 },
  remediation: { rank: 4 },
  sdk: { rank: 4 },
  // test support: content builders, fake targets, the oscap oracle; below app, so that a model test that uses it does not pull in the app
  testing: { rank: 4.5, testOnly: true },
  // the results store (SQLite, PostgreSQL): over results, under app, daemon and cli
  store: { rank: 4.8 },
  app: { rank: 5 },
  // fleets: inventories, --limit patterns, the fan-out of scans over many hosts with its breaker; over app, under daemon and cli
  fleet: { rank: 5.2 },
  // safe remediation: rehearsal in a mount namespace, guards, the write-ahead journal, apply, verify, rollback
  apply: { rank: 5.3 },
  // the long-running side: vigil watch's event sources, state store, HTTP API and notifications, over the app
  daemon: { rank: 5.5 },
  cli: { rank: 6 },
  // a rules module written with the SDK; app ships its compiled data stream and never imports it
  baseline: { rank: 6 },
  conformance: { rank: 7, testOnly: true },
};

export interface ImportSite {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
}

/** Every module a source file names: static and dynamic imports, re-exports, and require() through createRequire. */
export function importsOf(file: string, text: string): ImportSite[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: ImportSite[] = [];
  const requires = new Set<string>(['require']);
  const add = (node: ts.Node, spec: ts.Expression | undefined): void => {
    if (spec && (ts.isStringLiteral(spec) || ts.isNoSubstitutionTemplateLiteral(spec))) {
      out.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, specifier: spec.text });
    }
  };
  const isCreateRequire = (e: ts.Expression): boolean => ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'createRequire';
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression);
    else if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && isCreateRequire(node.initializer)) requires.add(node.name.text);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && requires.has(callee.text)) || isCreateRequire(callee)) add(node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const isTestFile = (path: string): boolean => /\.(test|case)\.[jt]s$/.test(path);

/** The folder of a path relative to src/, or undefined for a file at the top. */
const folderOf = (rel: string): string | undefined => (rel.includes('/') ? rel.split('/')[0] : undefined);

/** Test code: a test or case file, or anything in a test-only folder. */
function isTestCode(rel: string): boolean {
  const folder = folderOf(rel);
  return isTestFile(rel) || (folder !== undefined && LAYERS[folder]?.testOnly === true);
}

export interface Edge {
  readonly site: ImportSite;
  /** Both relative to src/. */
  readonly from: string;
  readonly to: string;
}

/** The imports between files of src/ (relative specifiers that land inside it), from sources keyed by their path relative to src/. */
export function edgesOf(sources: ReadonlyMap<string, string>): Edge[] {
  const edges: Edge[] = [];
  for (const [rel, text] of sources) {
    for (const site of importsOf(rel, text)) {
      if (!site.specifier.startsWith('.')) continue;
      const to = relative('/src', resolve('/src', dirname(rel), site.specifier)).split(sep).join('/');
      if (to.startsWith('..')) continue;
      edges.push({ site, from: rel, to: to.replace(/\.js$/, '.ts') });
    }
  }
  return edges;
}

/** What is wrong with one import, or undefined. */
export function violation(e: Edge): string | undefined {
  const from = folderOf(e.from);
  const to = folderOf(e.to);
  const where = `src/${e.site.file}:${e.site.line}: imports '${e.site.specifier}'`;
  if (!isTestCode(e.from) && isTestCode(e.to)) return `${where}: shipped code imports test code (${e.to})`;
  if (from === to) return undefined;
  if (from === undefined || to === undefined) return `${where}: a file at the top of src/ has no layer; put it in a folder`;
  const a = LAYERS[from];
  const b = LAYERS[to];
  if (!a) return `${where}: folder ${from}/ has no layer (add it to LAYERS and to docs/ARCHITECTURE.md)`;
  if (!b) return `${where}: folder ${to}/ has no layer (add it to LAYERS and to docs/ARCHITECTURE.md)`;
  if (isTestCode(e.from) && to === 'testing') return undefined;
  if (b.rank > a.rank) return `${where}: ${from}/ imports up, from ${to}/`;
  if (b.rank === a.rank) return `${where}: ${from}/ imports its sibling ${to}/, of the same rank`;
  return undefined;
}

/**
 * Cycles between folders, each as its folders in order with the import
 * that closes each hop. Test files are left out (they are leaves).
 */
export function folderCycles(edges: readonly Edge[]): string[] {
  const hops = new Map<string, Map<string, Edge>>();
  for (const e of edges) {
    if (isTestFile(e.from)) continue;
    const a = folderOf(e.from);
    const b = folderOf(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    let m = hops.get(a);
    if (!m) hops.set(a, (m = new Map()));
    if (!m.has(b)) m.set(b, e);
  }
  // Tarjan's strongly connected components; a component of two folders or more holds a cycle
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of hops.get(v)?.keys() ?? []) {
      if (!idx.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) components.push(c);
    }
  };
  for (const v of [...hops.keys()].sort()) if (!idx.has(v)) connect(v);
  // one cycle per component, found by a walk inside it from its first folder, each hop with its import
  return components.map((c) => {
    const inside = new Set(c);
    const start = [...c].sort()[0]!;
    const path: string[] = [start];
    const seen = new Set<string>([start]);
    const walk = (v: string): boolean => {
      for (const w of hops.get(v)?.keys() ?? []) {
        if (!inside.has(w)) continue;
        if (w === start) return path.push(w) > 0;
        if (seen.has(w)) continue;
        seen.add(w);
        path.push(w);
        if (walk(w)) return true;
        path.pop();
      }
      return false;
    };
    walk(start);
    const steps = path.slice(1).map((w, i) => {
      const e = hops.get(path[i]!)!.get(w)!;
      return `${path[i]}/ -> ${w}/ (src/${e.site.file}:${e.site.line})`;
    });
    return steps.join(', ');
  });
}

function sourcesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.[mc]?ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.set(relative(dir, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('layers', () => {
  const src = new URL('..', import.meta.url).pathname;
  const edges = edgesOf(sourcesUnder(src));

  it('no import in src/ points up, sideways, or from shipped code into test code', () => {
    assert.ok(edges.length > 500, `the scan finds the imports (${edges.length})`);
    assert.deepEqual(edges.map(violation).filter((v) => v !== undefined), []);
  });

  it('no cycle between folders', () => {
    assert.deepEqual(folderCycles(edges), []);
  });

  it('every folder of src/ has a layer', () => {
    const folders = readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    assert.deepEqual(folders.filter((f) => !LAYERS[f]), []);
  });
});

describe('the layer check itself', () => {
  const check = (files: Record<string, string>): string[] =>
    edgesOf(new Map(Object.entries(files)))
      .map(violation)
      .filter((v): v is string => v !== undefined);

  const valid: Array<{ name: string; files: Record<string, string> }> = [
    { name: 'a downward import', files: { 'oval/a.ts': "import { x } from '../model/b.js';" } },
    { name: 'within a folder', files: { 'model/a.ts': "import { x } from './xml/b.js';" } },
    { name: 'a package', files: { 'model/a.ts': "import { x } from 'saxes';" } },
    { name: 'a test of model using test support', files: { 'model/a.test.ts': "import { x } from '../testing/content.js';" } },
    { name: 'conformance using the app', files: { 'conformance/a.test.ts': "import { x } from '../app/scan.js';" } },
    { name: 'cli loading the app on demand', files: { 'cli/a.ts': "const m = await import('../app/scan.js');" } },
    { name: 'a dynamic import that cannot be ranked', files: { 'app/a.ts': 'const m = await import(url);' } },
  ];
  for (const v of valid) it(`allows ${v.name}`, () => assert.deepEqual(check(v.files), []));

  const invalid: Array<{ name: string; files: Record<string, string>; error: string }> = [
    {
      name: 'an upward import, with its file and line',
      files: { 'oval/probes/x.ts': "// a probe\n\nimport { evaluateXccdf } from '../../app/xccdf-eval.js';" },
      error: "src/oval/probes/x.ts:3: imports '../../app/xccdf-eval.js': oval/ imports up, from app/",
    },
    {
      name: 'an upward type-only import',
      files: { 'model/a.ts': "import type { Target } from '../target/target.js';" },
      error: "src/model/a.ts:1: imports '../target/target.js': model/ imports up, from target/",
    },
    {
      name: 'an upward re-export',
      files: { 'sdk/a.ts': "export { x } from '../app/b.js';" },
      error: "src/sdk/a.ts:1: imports '../app/b.js': sdk/ imports up, from app/",
    },
    {
      name: 'an upward dynamic import',
      files: { 'xccdf/a.ts': "\nconst m = await import('../results/json-report.js');" },
      error: "src/xccdf/a.ts:2: imports '../results/json-report.js': xccdf/ imports up, from results/",
    },
    {
      name: 'a require through createRequire',
      files: { 'target/a.ts': "import { createRequire } from 'node:module';\nconst req = createRequire(import.meta.url);\nconst x = req('../oval/engine.js');" },
      error: "src/target/a.ts:3: imports '../oval/engine.js': target/ imports up, from oval/",
    },
    {
      name: 'a createRequire called at once',
      files: { 'model/a.ts': "const x = createRequire(import.meta.url)('../xccdf/b.js');" },
      error: "src/model/a.ts:1: imports '../xccdf/b.js': model/ imports up, from xccdf/",
    },
    {
      name: 'a sibling of the same rank',
      files: { 'results/a.ts': "import { x } from '../remediation/b.js';" },
      error: "src/results/a.ts:1: imports '../remediation/b.js': results/ imports its sibling remediation/, of the same rank",
    },
    {
      name: 'shipped code importing test support',
      files: { 'app/a.ts': "import { x } from '../testing/fake-target.js';" },
      error: "src/app/a.ts:1: imports '../testing/fake-target.js': shipped code imports test code (testing/fake-target.ts)",
    },
    {
      name: 'shipped code importing a case file',
      files: { 'sdk/a.ts': "import { x } from './checks.case.js';" },
      error: "src/sdk/a.ts:1: imports './checks.case.js': shipped code imports test code (sdk/checks.case.ts)",
    },
    {
      name: 'a test importing up',
      files: { 'results/a.test.ts': "import { x } from '../app/oval-eval.js';" },
      error: "src/results/a.test.ts:1: imports '../app/oval-eval.js': results/ imports up, from app/",
    },
    {
      name: 'test support importing the app',
      files: { 'testing/a.ts': "import { x } from '../app/scan.js';" },
      error: "src/testing/a.ts:1: imports '../app/scan.js': testing/ imports up, from app/",
    },
    {
      name: 'a folder without a layer',
      files: { 'nowhere/a.ts': "import { x } from '../model/b.js';" },
      error: "src/nowhere/a.ts:1: imports '../model/b.js': folder nowhere/ has no layer (add it to LAYERS and to docs/ARCHITECTURE.md)",
    },
  ];
  for (const v of invalid) it(`reports ${v.name}`, () => assert.deepEqual(check(v.files), [v.error]));

  it('reports a cycle between folders with the import of each hop', () => {
    const edges = edgesOf(
      new Map([
        ['sdk/testing.ts', "import { evaluateXccdf } from '../app/xccdf-eval.js';"],
        ['app/build.ts', "\nimport { compile } from '../sdk/compile.js';"],
        ['app/x.test.ts', "import { y } from '../cli/main.js';"],
        ['cli/main.ts', "import { z } from '../app/scan.js';"],
      ]),
    );
    assert.deepEqual(folderCycles(edges), ['app/ -> sdk/ (src/app/build.ts:2), sdk/ -> app/ (src/sdk/testing.ts:1)']);
  });
});

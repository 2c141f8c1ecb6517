/**
 * Target-supplied names that XML 1.0 cannot carry: a root whose file names
 * hold every C0 control (but NUL and `/`, which no name can), DEL, and bytes
 * that are not UTF-8. Every XML writer (XCCDF results, ARF, OVAL results,
 * JUnit) must write well-formed XML (xmllint is the judge), and the OVAL
 * results must name each file apart (model/xml/escape.ts says how). oscap
 * writes well-formed XML by dropping the controls, so names collide.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evaluateOvalFile } from '../app/oval-eval.js';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { readDocument } from '../model/load.js';
import { CAPTURE, streamXml } from '../model/xml/stream.js';
import type { XmlElement } from '../model/xml/element.js';
import { writeJunitReport } from '../results/junit.js';
import { OVAL_SYSTEM, benchmarkXml, dataStreamXml, ovalXml } from '../testing/content.js';
import { findOscap, oracleMissing, oscap, run, type Run } from '../testing/oracle.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-names-'));
after(() => rmSync(base, { recursive: true, force: true }));

const CONTROLS = [...Array.from({ length: 31 }, (_, k) => k + 1), 0x7f];

const OVAL = ovalXml({
  definitions: `<definition class="compliance" id="oval:x:def:1" version="1"><metadata><title>t</title><description>d</description></metadata><criteria><criterion test_ref="oval:x:tst:1"/></criteria></definition>`,
  tests: `<unix:file_test check="all" check_existence="none_exist" id="oval:x:tst:1" version="1" comment="no files in /d"><unix:object object_ref="oval:x:obj:1"/></unix:file_test>`,
  objects: `<unix:file_object id="oval:x:obj:1" version="1"><unix:path>/d</unix:path><unix:filename operation="pattern match">^f</unix:filename></unix:file_object>`,
});

const DS = dataStreamXml({
  checklist: {
    id: 'xccdf',
    xml: benchmarkXml(`<Rule id="xccdf_test_rule_names" selected="true" severity="low"><title>No files in /d</title>
      <check system="${OVAL_SYSTEM}"><check-content-ref href="oval.xml" name="oval:x:def:1"/></check></Rule>`),
  },
  checks: [{ id: 'oval.xml', xml: OVAL }],
  catalog: { 'oval.xml': '#cref-oval.xml' },
});

function root(): string {
  const r = join(base, 'root');
  mkdirSync(join(r, 'd'), { recursive: true });
  for (const c of CONTROLS) writeFileSync(Buffer.from(join(r, 'd', `f${String.fromCharCode(c)}x`)), '');
  // names that are not UTF-8: stray bytes, and a surrogate encoded as bytes (CESU-8)
  writeFileSync(Buffer.concat([Buffer.from(join(r, 'd', 'f-bad')), Buffer.from([0xff, 0xfe])]), '');
  writeFileSync(Buffer.concat([Buffer.from(join(r, 'd', 'f-cesu')), Buffer.from([0xed, 0xa0, 0x80])]), '');
  return r;
}

async function xmllint(file: string): Promise<Run | undefined> {
  return run('xmllint', ['--noout', file], { timeoutMs: 30_000 }).catch(() => undefined);
}

/** The text of every element named `name` in an XML file, as a conforming reader reads it. */
function texts(file: string, name: string): string[] {
  const out: string[] = [];
  const walk = (e: XmlElement): void => {
    if (e.name === name) out.push(e.children.filter((c) => typeof c === 'string').join(''));
    for (const c of e.children) if (typeof c !== 'string') walk(c);
  };
  streamXml({ path: file, name: file }, { child: () => CAPTURE, captured: walk });
  return out;
}

test('every XML writer writes well-formed XML for file names with control characters and bytes that are not UTF-8', { timeout: 120_000 }, async (t) => {
  const r = root();
  const ds = join(base, 'ds.xml');
  writeFileSync(ds, DS);
  const out = join(base, 'out');
  mkdirSync(out);
  const report = await evaluateXccdf(ds, { root: r, resultsFile: join(out, 'results.xml'), arfFile: join(out, 'arf.xml'), ovalResultsDir: out });
  await writeJunitReport(join(out, 'junit.xml'), report);
  const files = readdirSync(out).map((f) => join(out, f));
  assert.equal(files.length, 4, files.join(', '));
  for (const f of files) {
    // the readers (stricter than XML needs in nothing that matters here) read each
    assert.doesNotThrow(() => texts(f, 'x'), f);
    const raw = readFileSync(f, 'latin1');
    assert.doesNotMatch(raw, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/, `${f} holds a raw control character`);
  }
  const names = texts(files.find((f) => f.endsWith('.result.xml'))!, 'filename').filter((n) => n.startsWith('f'));
  const expected = CONTROLS.map((c) => `f${c === 0x7f || c === 9 || c === 10 || c === 13 ? String.fromCharCode(c) : String.fromCharCode(0x2400 + c)}x`);
  for (const e of expected) assert.ok(names.includes(e), `${JSON.stringify(e)} in ${JSON.stringify(names)}`);
  assert.equal(new Set(names).size, names.length, 'every name written apart');
  const lint = await xmllint(files[0]!);
  if (!lint) {
    oracleMissing(t, 'xmllint (Debian package libxml2-utils)');
    return;
  }
  for (const f of files) {
    const l = await xmllint(f);
    assert.equal(l!.code, 0, `xmllint ${f}: ${l!.stderr.slice(0, 500)}`);
  }
  t.diagnostic(`${files.length} files well-formed; ${names.length} names in the OVAL results, all distinct: ${JSON.stringify(names.filter((n) => n.startsWith('f-')))}`);
  assert.equal(readDocument({ path: join(out, 'results.xml'), name: 'results.xml' }).kind, 'benchmark');
});

test('oscap writes the same root well-formed by dropping the controls, so names collide', { timeout: 120_000 }, async (t) => {
  if (!(await findOscap())) {
    oracleMissing(t, 'oscap (Debian package openscap-scanner)');
    return;
  }
  const r = root();
  const oval = join(base, 'oval.xml');
  writeFileSync(oval, OVAL);
  const res = join(base, 'oscap-results.xml');
  const o = await oscap(['oval', 'eval', '--results', res, oval], { env: { ...process.env, OSCAP_PROBE_ROOT: r } });
  assert.equal(o.code, 0, o.stderr);
  const names = texts(res, 'filename').filter((n) => n.startsWith('f'));
  const distinct = new Set(names).size;
  assert.ok(names.includes('fx'), 'oscap writes f\\x01x as fx');
  assert.ok(distinct < names.length, 'oscap names collide');
  t.diagnostic(`oscap: ${names.length} names, ${distinct} distinct (${names.filter((n) => n === 'fx').length} read "fx")`);
});

const WORLD_WRITABLE = ovalXml({
  definitions: `<definition class="compliance" id="oval:x:def:2" version="1"><metadata><title>t</title><description>d</description></metadata><criteria><criterion test_ref="oval:x:tst:2"/></criteria></definition>`,
  tests: `<unix:file_test check="all" check_existence="none_exist" id="oval:x:tst:2" version="1" comment="no world-writable files in /w"><unix:object object_ref="oval:x:obj:2"/></unix:file_test>`,
  objects: `<unix:file_object id="oval:x:obj:2" version="1"><unix:path>/w</unix:path><unix:filename operation="pattern match">.*</unix:filename><filter action="include">oval:x:ste:2</filter></unix:file_object>`,
  states: `<unix:file_state id="oval:x:ste:2" version="1"><unix:owrite datatype="boolean">true</unix:owrite></unix:file_state>`,
});

test('a world-writable file whose name is not UTF-8 is found: Vigil answers false; oscap cannot match the name and answers error', { timeout: 120_000 }, async (t) => {
  const r = join(base, 'ww-root');
  mkdirSync(join(r, 'w'), { recursive: true });
  writeFileSync(join(r, 'w', 'fine'), '');
  const hidden = Buffer.concat([Buffer.from(join(r, 'w', 'ww')), Buffer.from([0xff])]);
  writeFileSync(hidden, '');
  chmodSync(hidden, 0o666);
  const oval = join(base, 'ww-oval.xml');
  writeFileSync(oval, WORLD_WRITABLE);
  const report = await evaluateOvalFile(oval, { root: r });
  assert.deepEqual(report.definitions.map((d) => d.result), ['false'], 'the file is world-writable, whatever its name');
  if (!(await findOscap())) {
    oracleMissing(t, 'oscap (Debian package openscap-scanner)');
    return;
  }
  const o = await oscap(['oval', 'eval', oval], { env: { ...process.env, OSCAP_PROBE_ROOT: r } });
  assert.match(o.stdout, /Definition oval:x:def:2: error/, o.stdout);
  t.diagnostic(`oscap: ${o.stdout.trim().split('\n')[0]}; ${o.stderr.trim().split('\n')[0]}`);
});

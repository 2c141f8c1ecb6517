import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { OvalEvidence, ScanReport, TestEvidence } from '../xccdf/result-types.js';
import { writeHtmlReport } from './html-report.js';
import { NS, OVAL_HREF, sampleScanReport } from './scan-report.case.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-html-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Embedded {
  rules: Array<null | { rid: string; d: string; ra: string; fx: Array<{ l: string; c: Array<string | [string, string]> }>; ck: { x: number; n: string } | null; rf: Array<[string, string | null, string[]]>; ms: string[][] }>;
  oval: Array<{
    h: string;
    d: Record<string, { t: string; r: string; c: unknown }>;
    t: Record<string, { n: number | null; rows: Array<Array<string | number | null>>; cols: string[]; cmp: string[]; more: number; rc: Record<string, number> }>;
    o: Record<string, { f: string; e: string[][]; m: string[] }>;
    s: Record<string, { e: string[][] }>;
  }>;
}

async function write(report: ScanReport, name: string, opts = {}): Promise<{ html: string; data: Embedded; file: string }> {
  const file = join(dir, name);
  await writeHtmlReport(file, report, { now: new Date('2024-05-01T10:01:00Z'), ...opts });
  const html = readFileSync(file, 'utf8');
  const m = /<script type="application\/json" id="vigil-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the report embeds its data');
  return { html, data: JSON.parse(m[1]!) as Embedded, file };
}

test('HTML report: summary, counts, filters and one row per rule result', async () => {
  const { html } = await write(sampleScanReport({ manyItems: 5 }), 'summary.html');
  assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
  assert.match(html, /<h1>Example Linux Security Guide<\/h1>/);
  assert.match(html, /Profile <b>Standard System Security Profile<\/b>/);
  assert.match(html, /<b>web-01\.example\.org<\/b>/);
  assert.match(html, /2 rules failed · 2 could not be decided/);
  assert.match(html, /<b>61\.5%<\/b>/);
  assert.match(html, /2024-05-01 10:00:42 UTC \(42 s\)/);
  // The chart: one arc per result present, and the legend with counts.
  assert.equal((html.match(/<circle class="r-/g) ?? []).length, 6);
  assert.match(html, /data-only="fail"[^>]*><span class="sw"><\/span><span>Fail<\/span><span class="n">2<\/span>/);
  // Filters: result chips (not selected is off by default), severity chips, free text.
  assert.match(html, /data-fr="fail" data-default="true" aria-pressed="true"/);
  assert.match(html, /data-fr="notselected" data-default="false" aria-pressed="false"/);
  for (const s of ['high', 'medium', 'low', 'info', 'unknown']) assert.match(html, new RegExp(`data-fs="${s}"`));
  assert.match(html, /<input id="q" type="search"/);
  assert.match(html, /<select id="sort">/);
  const rows = html.match(/<details class="rule" [^>]*>/g) ?? [];
  assert.equal(rows.length, 8);
  assert.match(rows[0]!, /id="r-0" data-i="0" data-r="fail" data-s="high" data-id="xccdf_org\.example\.content_rule_sshd_disable_root_login"/);
  // Failures first, then what could not be decided, passes, not applicable; severity orders within a result.
  assert.deepEqual(rows.map((r) => /data-i="(\d+)" data-r="(\w+)"/.exec(r)!.slice(1).join(':')), [
    '0:fail', '5:fail', '6:error', '7:unknown', '2:notchecked', '1:pass', '3:notapplicable', '4:notselected',
  ]);
  assert.match(rows[7]!, /data-r="notselected".* hidden>$/);
  assert.match(html, /<option value="res" selected>Result \(failures first\)<\/option>/);
  // Self-contained: no external resource is referenced.
  const markup = html.replace(/<script type="application\/json" id="vigil-data">[\s\S]*?<\/script>/, '');
  assert.doesNotMatch(markup, /<(link|img|iframe|object|embed)\b|\bsrc=|@import|url\(|https?:\/\//i);
});

test('HTML report escapes hostile text and sanitizes rule markup', async () => {
  const { html, data } = await write(sampleScanReport({ manyItems: 5 }), 'hostile.html');
  // Exactly two script elements: the data block and the report's own script.
  assert.equal((html.match(/<script/gi) ?? []).length, 2);
  assert.equal((html.match(/<\/script>/gi) ?? []).length, 2);
  assert.doesNotMatch(html, /<img|alert\("pwned"\)/i);
  assert.match(html, /<span class="title">Hostile &lt;b&gt;title&lt;\/b&gt; &amp; &quot;quotes&quot;<\/span>/);
  const hostile = data.rules.find((r) => r?.rid === `${NS}_rule_hostile_markup`)!;
  assert.doesNotMatch(hostile.d, /<script|onerror|onclick|javascript:|<img/i);
  assert.match(hostile.d, /<code>text<\/code>/);
  assert.match(hostile.d, /<a href="https:\/\/example\.org\/doc" rel="noopener noreferrer" target="_blank">doc<\/a>/);
  assert.match(hostile.d, /<p>para<\/p>/);
  assert.equal(hostile.ra, 'Rationale<br>second line');
  // The page may only run its own script: the CSP names its hash.
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  const hash = createHash('sha256').update(script).digest('base64');
  assert.match(html, new RegExp(`script-src 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`));
});

test('HTML report embeds the OVAL evidence: criteria, tests, objects, states and items with results', async () => {
  const { data } = await write(sampleScanReport({ manyItems: 5 }), 'evidence.html');
  const root = data.rules[0]!;
  assert.deepEqual(root.ck, { y: 'http://oval.mitre.org/XMLSchema/oval-definitions-5', yl: 'OVAL', h: OVAL_HREF, n: 'oval:example:def:1', ng: false, ex: [], x: 0 });
  assert.deepEqual(root.rf[0], ['NIST SP 800-53', 'https://csrc.nist.gov/publications/detail/sp/800-53/rev-5/final', ['AC-6(2)', 'AC-17(a)']]);
  // The description and the fixes show the value in force for <sub>.
  assert.match(root.d, /<pre>PermitRootLogin <span class="sub" title="xccdf_org\.example\.content_value_var_permit_root">no<\/span><\/pre>/);
  assert.deepEqual(root.fx.map((f) => f.l), ['Shell script', 'Ansible']);
  assert.deepEqual(root.fx[1]!.c[1], [`${NS}_value_var_permit_root`, 'no']);
  assert.equal(data.rules[4], null, 'an unselected rule has no details');

  const doc = data.oval[0]!;
  assert.equal(doc.h, OVAL_HREF);
  // The definition's tree, with the extended definition pulled in.
  assert.equal(doc.d['oval:example:def:1']!.r, 'false');
  assert.deepEqual(doc.d['oval:example:def:1']!.c, {
    k: 'c', op: 'AND', ng: false, r: 'false', cm: '',
    ch: [{ k: 't', id: 'oval:example:tst:1', ng: false, r: 'false', cm: '' }, { k: 'd', id: 'oval:example:def:2', ng: false, r: 'true', cm: '' }],
  });
  assert.equal(doc.d['oval:example:def:2']!.r, 'true');
  const t1 = doc.t['oval:example:tst:1']!;
  assert.equal(t1.n, 1);
  // The item's first entity leads, then the entities the state compares.
  assert.deepEqual(t1.cols, ['filepath', 'subexpression', 'pattern', 'instance', 'text']);
  assert.deepEqual(t1.cmp, ['subexpression']);
  assert.deepEqual(t1.rows[0], [1, 'false', '', '/etc/ssh/sshd_config', 'yes', '^[\\s]*PermitRootLogin[\\s]+(.+)$', '1', 'PermitRootLogin yes']);
  assert.deepEqual(doc.o['oval:example:obj:1']!.e[1], ['pattern', 'pattern match', '^[\\s]*PermitRootLogin[\\s]+(.+)$', 'string', '', '']);
  assert.deepEqual(doc.s['oval:example:ste:1']!.e, [['subexpression', 'equals', 'no', 'string', '', '']]);
  // The object's filter state is there too, and an object's messages.
  assert.ok(doc.s['oval:example:ste:3']);
  assert.deepEqual(doc.o['oval:example:obj:9']!.m, ['could not read <file> "x"']);
  assert.equal(doc.o['oval:example:obj:9']!.f, 'error');
});

test('HTML report caps the items per test, failing items first, and stays bounded', async () => {
  const small = await write(sampleScanReport({ manyItems: 250 }), 'cap.html');
  const t3 = small.data.oval[0]!.t['oval:example:tst:3']!;
  assert.equal(t3.n, 250);
  assert.equal(t3.rows.length, 100);
  assert.equal(t3.more, 150);
  assert.equal(t3.rows[0]![3], '/srv/share/file-0000.txt');
  assert.deepEqual(t3.rc, { 'not evaluated': 250 });

  // Failing items move to the front; long values are cut.
  const base = sampleScanReport({ manyItems: 30 });
  const ev = base.oval.find((e) => e.href === OVAL_HREF)!;
  const orig = ev.tests.find((t) => t.testId === 'oval:example:tst:3')!;
  const mixed: TestEvidence = { ...orig, items: orig.items.map((ir, i) => ({ ...ir, result: i >= 27 ? 'false' : 'true' })) };
  const wrapped: OvalEvidence = { ...ev, tests: ev.tests.map((t) => (t.testId === 'oval:example:tst:3' ? mixed : t)) };
  const mixedReport: ScanReport = { ...base, oval: [wrapped] };
  const { data } = await write(mixedReport, 'order.html', { maxItems: 5, maxValueLength: 12 });
  const t = data.oval[0]!.t['oval:example:tst:3']!;
  assert.deepEqual(
    t.rows.map((r) => [r[1], r[3]]),
    [
      ['false', '/srv/share/f… (12 more characters)'],
      ['false', '/srv/share/f… (12 more characters)'],
      ['false', '/srv/share/f… (12 more characters)'],
      ['true', '/srv/share/f… (12 more characters)'],
      ['true', '/srv/share/f… (12 more characters)'],
    ],
  );
  assert.equal(t.rows[0]![0], orig.items[27]!.item);
  assert.deepEqual(t.rc, { true: 27, false: 3 });
  assert.equal(t.more, 25);

  // 200,000 collected items cost no more than 250 do.
  const t0 = Date.now();
  const big = await write(sampleScanReport({ manyItems: 200_000 }), 'big.html');
  assert.equal(big.data.oval[0]!.t['oval:example:tst:3']!.n, 200_000);
  const grow = statSync(big.file).size - statSync(small.file).size;
  assert.ok(grow < 200, `the report grew by ${grow} bytes`);
  assert.ok(Date.now() - t0 < 20_000);
});

test('HTML report: a plain evidence table per rule, why a rule does not apply, and the benchmark platform', async () => {
  const base = sampleScanReport({ manyItems: 3 });
  const report = { ...base, benchmark: { ...base.benchmark, platforms: ['cpe:/o:debian:debian_linux:12'] } };
  const { html, data } = await write(report, 'plain.html');
  const rules = (data as unknown as { rules: Array<{ ev: unknown[]; na: string; evm: number } | null> }).rules;
  assert.deepEqual(rules[0]!.ev[0], ['/etc/ssh/sshd_config', 'PermitRootLogin', 'yes', 'no', 0]);
  assert.equal(rules[5]!.ev.length, 3);
  assert.match(rules[3]!.na, /not applicable/);
  assert.equal(rules[0]!.na, '');
  assert.match(html, /<dt>Benchmark platform<\/dt><dd>cpe:\/o:debian:debian_linux:12 <span class="okmark">\(matches this target\)<\/span>/);
  assert.match(html, /<dt>System<\/dt><dd>Linux 6\.1\.0<\/dd>/);
});

test('HTML report: a scan that checked nothing says so, never "Every checked rule passed"', async () => {
  const base = sampleScanReport({ manyItems: 1 });
  const tr = base.testResult;
  const allNa = tr.ruleResults.map((r) => (r.result === 'notselected' ? r : { ...r, result: 'notapplicable' as const }));
  const report = {
    ...base,
    benchmark: { ...base.benchmark, platforms: ['cpe:/o:debian:debian_linux:11'] },
    system: { ...base.system, osName: 'Debian GNU/Linux', osVersion: '12 (bookworm)' },
    testResult: { ...tr, platforms: [], ruleResults: allNa, scores: [{ system: 'urn:xccdf:scoring:default', score: 0, maximum: 100 }] },
  };
  const { html, data } = await write(report, 'empty.html');
  assert.doesNotMatch(html, /Every checked rule passed/);
  assert.doesNotMatch(html, /<b>0%<\/b>/);
  assert.match(html, /Nothing was checked<\/div>/);
  assert.match(html, /All 7 rules are not applicable: the content does not apply to this target\. The benchmark is for <b>cpe:\/o:debian:debian_linux:11<\/b>; the target is <b>web-01\.example\.org \(Debian GNU\/Linux 12 \(bookworm\)\)<\/b>\./);
  assert.match(html, /No rule was checked, so there is no score\./);
  assert.match(html, /<span class="nomark">\(not this target\)<\/span>/);
  const rules = (data as unknown as { rules: Array<{ na: string } | null> }).rules;
  assert.equal(rules[0]!.na, 'The benchmark applies to cpe:/o:debian:debian_linux:11, which this target is not.');
  // A scan where everything checked passed still says so.
  const passed = { ...base, testResult: { ...tr, ruleResults: tr.ruleResults.map((r) => ({ ...r, result: 'pass' as const })) } };
  assert.match((await write(passed, 'pass.html')).html, /Every checked rule passed/);
});

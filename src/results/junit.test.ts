import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { SaxesParser } from 'saxes';
import { JUNIT_OUTCOME, junitXml, writeJunitReport } from './junit.js';
import { NS, sampleScanReport } from './scan-report.case.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-junit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Strict XML 1.0 well-formedness (saxes rejects characters XML cannot carry). */
function assertWellFormed(xml: string): void {
  const p = new SaxesParser({ xmlns: false });
  p.on('error', (e) => assert.fail(`not well-formed: ${e.message}`));
  p.write(xml).close();
}

function parse(xml: string) {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

const elements = (parent: { getElementsByTagName(n: string): { length: number; item(i: number): Element | null } }, name: string): Element[] => {
  const list = parent.getElementsByTagName(name);
  const out: Element[] = [];
  for (let i = 0; i < list.length; i++) out.push(list.item(i)!);
  return out;
};

test('JUnit: one suite, a testcase per rule result, classified by result', async () => {
  const report = sampleScanReport({ manyItems: 2 });
  const file = join(dir, 'junit.xml');
  await writeJunitReport(file, report);
  const xml = readFileSync(file, 'utf8');
  assertWellFormed(xml);
  const doc = parse(xml);
  const suites = doc.documentElement!;
  assert.equal(suites.tagName, 'testsuites');
  assert.equal(suites.getAttribute('tests'), '8');
  assert.equal(suites.getAttribute('failures'), '2');
  assert.equal(suites.getAttribute('errors'), '2');
  const suite = elements(doc, 'testsuite');
  assert.equal(suite.length, 1);
  const s = suite[0]!;
  assert.equal(s.getAttribute('name'), 'Example Linux Security Guide / Standard System Security Profile');
  assert.equal(s.getAttribute('tests'), '8');
  assert.equal(s.getAttribute('failures'), '2');
  assert.equal(s.getAttribute('errors'), '2');
  assert.equal(s.getAttribute('skipped'), '3');
  assert.equal(s.getAttribute('time'), '42.000');
  assert.equal(s.getAttribute('timestamp'), '2024-05-01T10:00:00');
  assert.equal(s.getAttribute('hostname'), 'web-01.example.org');

  const outcome = new Map<string, string>();
  const classname = new Map<string, string>();
  for (const tc of elements(doc, 'testcase')) {
    const kids = elements(tc, '*').map((k) => k.tagName);
    assert.ok(kids.length <= 1, `${tc.getAttribute('name')} has ${kids.join(', ')}`);
    outcome.set(tc.getAttribute('name')!, kids[0] ?? 'passed');
    classname.set(tc.getAttribute('name')!, tc.getAttribute('classname')!);
  }
  const r = (id: string) => id;
  assert.deepEqual(Object.fromEntries(outcome), {
    [r('sshd_disable_root_login')]: 'failure',
    [r('file_permissions_sshd_config')]: 'passed',
    [r('sshd_use_approved_ciphers')]: 'skipped',
    [r('package_telnet_removed')]: 'skipped',
    [r('package_nis_removed')]: 'skipped',
    [r('no_world_writable_files')]: 'failure',
    [r('hostile_markup')]: 'error',
    [r('audit_rules_immutable')]: 'error',
  });
  // Group paths by short ids: Jenkins shows package `services`, class `ssh`.
  assert.equal(classname.get(r('sshd_disable_root_login')), 'services.ssh');
  assert.equal(classname.get(r('package_telnet_removed')), 'services');

  const failure = elements(doc, 'failure')[0]!;
  assert.equal(failure.getAttribute('type'), 'fail');
  // The message says what was found; the text lists the evidence.
  assert.equal(failure.getAttribute('message'), 'Disable SSH Root Login (high): /etc/ssh/sshd_config: PermitRootLogin is yes, expected no');
  assert.match(failure.textContent!, /Evidence:\n  ✗ \/etc\/ssh\/sshd_config: PermitRootLogin is yes, expected no\n  ✓ \/etc\/ssh\/sshd_config: oread, owrite is oread false, owrite false/);
  assert.match(failure.textContent!, new RegExp(`Rule: ${NS}_rule_sshd_disable_root_login`));
  const ww = elements(doc, 'failure')[1]!;
  assert.equal(ww.getAttribute('message'), 'Ensure No World-Writable Files Exist (medium): /srv/share/file-0000.txt: world-writable files is present, expected absent (and 1 more)');
  const na = elements(doc, 'skipped').find((x) => x.getAttribute('message')!.startsWith('Not applicable'))!;
  assert.match(na.getAttribute('message')!, /^Not applicable: Uninstall telnet-server Package \(Its check found nothing/);
  assert.match(failure.textContent!, /Identifiers: CCE-80901-2/);
  assert.match(failure.textContent!, /Check: http:\/\/oval\.mitre\.org\S* \(oval:example:def:1 in example-oval\.xml\)/);
  // The message with markup characters and a control character is escaped and still well-formed.
  const err = elements(doc, 'error').find((e) => e.getAttribute('type') === 'error')!;
  assert.equal(err.getAttribute('message'), 'Hostile <b>title</b> & "quotes" (low): probe failed: <boom> & "stop"\u2401');
  assert.match(xml, /probe failed: &lt;boom&gt; &amp; &quot;stop&quot;/);
});

test('JUnit maps every XCCDF result, and can leave unselected rules out', () => {
  assert.deepEqual(JUNIT_OUTCOME, {
    pass: 'passed',
    fixed: 'passed',
    fail: 'failure',
    error: 'error',
    unknown: 'error',
    notapplicable: 'skipped',
    notchecked: 'skipped',
    notselected: 'skipped',
    informational: 'skipped',
  });
  const doc = parse(junitXml(sampleScanReport({ manyItems: 1 }), { omitNotSelected: true }));
  const s = elements(doc, 'testsuite')[0]!;
  assert.equal(s.getAttribute('tests'), '7');
  assert.equal(s.getAttribute('skipped'), '2');
  assert.ok(!elements(doc, 'testcase').some((t) => t.getAttribute('name')!.endsWith('package_nis_removed')));
  // What GitLab's parser needs of every testcase: a name, a classname, a numeric time.
  for (const tc of elements(doc, 'testcase')) {
    assert.ok(tc.getAttribute('name'));
    assert.ok(tc.getAttribute('classname'));
    assert.ok(Number.isFinite(Number(tc.getAttribute('time'))));
  }
});

test('JUnit names the checks of a multi-check rule apart', () => {
  const base = sampleScanReport({ manyItems: 1 });
  const first = base.testResult.ruleResults[0]!;
  const twice = [
    { ...first, check: { ...first.check!, name: 'oval:example:def:1' } },
    { ...first, result: 'pass' as const, check: { ...first.check!, name: 'oval:example:def:2' } },
  ];
  const doc = parse(junitXml({ ...base, testResult: { ...base.testResult, ruleResults: twice } }));
  assert.deepEqual(
    elements(doc, 'testcase').map((t) => t.getAttribute('name')),
    ['sshd_disable_root_login [oval:example:def:1]', 'sshd_disable_root_login [oval:example:def:2]'],
  );
});

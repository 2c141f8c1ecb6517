/**
 * A small SSG-like data stream converted to UTF-16 (both byte orders, with
 * and without a byte order mark): oscap reads it, and Vigil gives the same
 * rule results as oscap and as for the UTF-8 original, and writes an ARF
 * (which copies the source, so decodes it again) that reads back.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evaluateXccdf } from '../app/xccdf-eval.js';
import { skimContent } from '../model/selective-load.js';
import { OVAL_SYSTEM, benchmarkXml, dataStreamXml, ovalXml } from '../testing/content.js';
import { evalResults, findOscap, oracleMissing, oscap } from '../testing/oracle.js';
import { UTF16_FORMS, utf16 } from '../testing/utf16.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-utf16-conf-'));
after(() => rmSync(base, { recursive: true, force: true }));

const FILES = ['/etc/hostname', '/etc/absent', '/etc/issue'];
const rule = (k: number): string => `xccdf_org.ssgproject.content_rule_file_${k}`;

// elements on lines of their own, as SSG writes them (oscap 1.3.7 skips an XCCDF element that follows another's end tag directly)
const DS = dataStreamXml({
  checklist: {
    id: 'xccdf',
    xml: benchmarkXml(
      `<Profile id="xccdf_org.ssgproject.content_profile_p"><title>Profil é 𝄞</title>${FILES.map((_, k) => `<select idref="${rule(k)}" selected="true"/>`).join('\n')}</Profile>\n` +
        FILES.map(
          (f, k) => `<Rule id="${rule(k)}" selected="false" severity="low"><title>Fichier ${f} “présent” 𝄞</title>
          <check system="${OVAL_SYSTEM}"><check-content-ref href="oval.xml" name="oval:x:def:${k}"/></check></Rule>`,
        ).join('\n'),
    ),
  },
  checks: [
    {
      id: 'oval.xml',
      xml: ovalXml({
        definitions: FILES.map((_, k) => `<definition class="compliance" id="oval:x:def:${k}" version="1"><metadata><title>t ${k}</title><description>é</description></metadata><criteria><criterion test_ref="oval:x:tst:${k}"/></criteria></definition>`).join(''),
        tests: FILES.map((_, k) => `<unix:file_test check="all" check_existence="at_least_one_exists" id="oval:x:tst:${k}" version="1" comment="exists"><unix:object object_ref="oval:x:obj:${k}"/></unix:file_test>`).join(''),
        objects: FILES.map((f, k) => `<unix:file_object id="oval:x:obj:${k}" version="1"><unix:filepath>${f}</unix:filepath></unix:file_object>`).join(''),
      }),
    },
  ],
  catalog: { 'oval.xml': '#cref-oval.xml' },
});

test('a UTF-16 data stream: oscap and Vigil read it, with the same results as for UTF-8', { timeout: 120_000 }, async (t) => {
  if (!(await findOscap())) {
    oracleMissing(t, 'oscap (Debian package openscap-scanner)');
    return;
  }
  const root = join(base, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/hostname'), 'h\n');
  writeFileSync(join(root, 'etc/issue'), 'Debian\n');
  const profile = 'xccdf_org.ssgproject.content_profile_p';
  const forms: Array<{ name: string; bytes: Buffer }> = [{ name: 'utf-8', bytes: Buffer.from(DS) }, ...UTF16_FORMS.map((f) => ({ name: f, bytes: utf16(DS, f) }))];
  let reference: string | undefined;
  for (const form of forms) {
    const ds = join(base, `${form.name.replace(/ /g, '-')}-ds.xml`);
    writeFileSync(ds, form.bytes);
    const o = await oscap(['xccdf', 'eval', '--skip-validation', '--profile', profile, ds], { env: { ...process.env, OSCAP_PROBE_ROOT: root } });
    assert.ok(o.code === 0 || o.code === 2, `oscap on ${form.name}: exit ${o.code} ${o.stderr.slice(0, 300)}`);
    const theirs = evalResults(o.stdout);
    assert.equal(theirs.size, FILES.length, `oscap on ${form.name}: ${o.stdout.slice(0, 300)}`);
    const arf = join(base, `${form.name.replace(/ /g, '-')}-arf.xml`);
    const report = await evaluateXccdf(ds, { profile, root, arfFile: arf });
    const ours = new Map(report.testResult.ruleResults.map((r) => [r.ruleId, r.result]));
    assert.deepEqual(Object.fromEntries(ours), Object.fromEntries(theirs), form.name);
    const summary = JSON.stringify(Object.fromEntries(ours));
    reference ??= summary;
    assert.equal(summary, reference, `${form.name} gives the UTF-8 results`);
    // the ARF copies the source data stream: it must have been decoded again, not copied as bytes
    assert.equal(skimContent(arf).kind, 'arf');
    assert.ok(readFileSync(arf, 'utf8').includes('<title>Fichier /etc/issue “présent” 𝄞</title>'), 'the copied source reads as text');
    t.diagnostic(`${form.name}: ${summary}`);
  }
});

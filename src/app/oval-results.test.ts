import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evaluateOvalFile } from './oval-eval.js';
import { ovalXml } from '../testing/content.js';
import { findOscap, oracleMissing, run } from '../testing/oracle.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-ovalres-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const DOC = ovalXml({
  definitions: `<definition id="oval:t:def:1" class="compliance" version="2"><metadata><title>t</title><description>d</description></metadata>
    <criteria operator="AND"><criterion test_ref="oval:t:tst:1" comment="c"/><criterion test_ref="oval:t:tst:2" negate="true"/></criteria></definition>`,
  tests: `<ind:textfilecontent54_test id="oval:t:tst:1" version="1" check="all" comment="c"><ind:object object_ref="oval:t:obj:1"/><ind:state state_ref="oval:t:ste:1"/></ind:textfilecontent54_test>
    <unix:file_test id="oval:t:tst:2" version="1" check="all" check_existence="none_exist" comment="c"><unix:object object_ref="oval:t:obj:2"/></unix:file_test>`,
  objects: `<ind:textfilecontent54_object id="oval:t:obj:1" version="1"><ind:filepath>/etc/x.conf</ind:filepath><ind:pattern operation="pattern match">^key=(\\d+)</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance></ind:textfilecontent54_object>
    <unix:file_object id="oval:t:obj:2" version="1"><unix:filepath>/etc/x.conf</unix:filepath></unix:file_object>`,
  states: '<ind:textfilecontent54_state id="oval:t:ste:1" version="1"><ind:subexpression datatype="int" operation="less than">5</ind:subexpression></ind:textfilecontent54_state>',
});

test('vigil oval eval --results writes OVAL results that oscap validates, with the evidence', async (t) => {
  const root = join(dir, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/x.conf'), 'key=3\nkey=9\n');
  const file = join(dir, 'doc.xml');
  writeFileSync(file, DOC);
  const out = join(dir, 'results.xml');
  const r = await evaluateOvalFile(file, { root, resultsFile: out });
  assert.equal(r.definitions[0]!.result, 'false');
  const xml = readFileSync(out, 'utf8');
  assert.match(xml, /<definition definition_id="oval:t:def:1" result="false" version="2"><criteria operator="AND" result="false"><criterion test_ref="oval:t:tst:1" version="1" result="false"\/><criterion test_ref="oval:t:tst:2" version="1" negate="true" result="true"\/>/);
  assert.match(xml, /<test test_id="oval:t:tst:1" version="1" check="all" result="false"><tested_item item_id="\d+" result="true"\/><tested_item item_id="\d+" result="false"\/><\/test>/);
  assert.match(xml, /<ind-sys:subexpression>9<\/ind-sys:subexpression>/);
  assert.match(xml, /<object id="oval:t:obj:2" version="1" flag="complete"><reference item_ref="\d+"\/><\/object>/);
  const v = await findOscap();
  if (v === undefined) {
    oracleMissing(t, 'oscap is not installed');
    return;
  }
  const check = await run('oscap', ['oval', 'validate', '--results', out], { timeoutMs: 60_000 });
  assert.equal(check.code, 0, `oscap oval validate --results failed:\n${check.stdout}${check.stderr}`);
});

/**
 * Checks that could not run on the target (an offline root has no live
 * kernel) are said to be skipped, per rule, in the JSON and the HTML
 * report, never hidden: a rule that ANDs a configuration file check with a
 * runtime sysctl check is decided by the file, as oscap decides it offline,
 * and names the sysctl object it skipped.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { jsonReport } from '../results/json-report.js';
import { writeHtmlReport } from '../results/html-report.js';
import { benchmarkXml, dataStreamXml, ovalXml, OVAL_SYSTEM } from '../testing/content.js';
import { evaluateXccdf } from './xccdf-eval.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-skipped-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const OVAL = ovalXml({
  definitions:
    '<definition id="oval:t:def:1" class="compliance" version="1"><metadata><title>forwarding off</title><description/></metadata>' +
    '<criteria operator="AND"><criterion test_ref="oval:t:tst:1"/><criterion test_ref="oval:t:tst:2"/></criteria></definition>' +
    '<definition id="oval:t:def:2" class="compliance" version="1"><metadata><title>file only</title><description/></metadata>' +
    '<criteria><criterion test_ref="oval:t:tst:1"/></criteria></definition>',
  tests:
    '<ind:textfilecontent54_test id="oval:t:tst:1" version="1" check="all" check_existence="at_least_one_exists"><ind:object object_ref="oval:t:obj:1"/></ind:textfilecontent54_test>' +
    '<unix:sysctl_test id="oval:t:tst:2" version="1" check="all"><unix:object object_ref="oval:t:obj:2"/><unix:state state_ref="oval:t:ste:2"/></unix:sysctl_test>',
  objects:
    '<ind:textfilecontent54_object id="oval:t:obj:1" version="1"><ind:filepath>/etc/sysctl.conf</ind:filepath><ind:pattern operation="pattern match">^net.ipv4.ip_forward\\s*=\\s*0$</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>' +
    '<unix:sysctl_object id="oval:t:obj:2" version="1"><unix:name>net.ipv4.ip_forward</unix:name></unix:sysctl_object>',
  states: '<unix:sysctl_state id="oval:t:ste:2" version="1"><unix:value>0</unix:value></unix:sysctl_state>',
});
const RULES = `<Rule id="xccdf_t_rule_forwarding" selected="true"><title>Forwarding off</title><check system="${OVAL_SYSTEM}"><check-content-ref href="o.xml" name="oval:t:def:1"/></check></Rule>
<Rule id="xccdf_t_rule_file" selected="true"><title>File only</title><check system="${OVAL_SYSTEM}"><check-content-ref href="o.xml" name="oval:t:def:2"/></check></Rule>`;
const DS = dataStreamXml({ checklist: { id: 'c-xccdf', xml: benchmarkXml(RULES) }, checks: [{ id: 'c-oval', xml: OVAL }], catalog: { 'o.xml': '#cref-c-oval' } });

describe('checks skipped on an offline root', () => {
  const content = join(dir, 'ds.xml');
  writeFileSync(content, DS);
  const root = join(dir, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/sysctl.conf'), 'net.ipv4.ip_forward = 0\n');

  it('the configuration decides, and the JSON names the skipped sysctl object per rule', async () => {
    const report = await evaluateXccdf(content, { root });
    const json = jsonReport(report);
    const forwarding = json.rules.find((r) => r.id === 'xccdf_t_rule_forwarding')!;
    assert.equal(forwarding.result, 'pass');
    assert.deepEqual(forwarding.skipped, [{ object: 'oval:t:obj:2', type: 'unix:sysctl_object', needs: ['kernel'], flag: 'not applicable' }]);
    assert.equal(json.rules.find((r) => r.id === 'xccdf_t_rule_file')!.skipped, undefined);
  });

  it('the HTML report says so, and names the object in the rule', async () => {
    const report = await evaluateXccdf(content, { root });
    const html = join(dir, 'r.html');
    await writeHtmlReport(html, report);
    const text = readFileSync(html, 'utf8');
    assert.match(text, /1 rule includes checks that could not run on this target/);
    assert.match(text, /Not checked on this target: unix:sysctl_object oval:t:obj:2 needs kernel \(not applicable\)/);
  });

  it('a chroot lent this host\'s kernel skips nothing', async () => {
    const report = await evaluateXccdf(content, { root, hostKernel: true });
    const json = jsonReport(report);
    assert.ok(json.rules.every((r) => r.skipped === undefined));
  });
});

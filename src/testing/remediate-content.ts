/**
 * Small content for the safe-remediation tests (src/apply): each rule
 * checks that a file of the root has a line matching a pattern (or, with
 * `absent`, that a file does not exist) and carries a bash fix (and an
 * Ansible one when given), with the fix attributes the test asks for. Packaged as a data stream with one
 * profile selecting every rule.
 */
import { benchmarkXml, dataStreamXml, OVAL_SYSTEM, ovalXml } from './content.js';

export interface TestRule {
  /** The rule id's end: `xccdf_org.vigil_rule_<name>`. */
  readonly name: string;
  /** The file the check reads. */
  readonly file: string;
  /** A line matching this pattern must be there (omit with `absent`). */
  readonly pattern?: string;
  /** The check passes when the file does not exist. */
  readonly absent?: boolean;
  /** The bash fix; no fix when absent. */
  readonly fix?: string;
  /** An Ansible fix: the tasks, as YAML at column 0 (a list of tasks). */
  readonly ansible?: string;
  readonly disruption?: 'low' | 'medium' | 'high';
  readonly reboot?: boolean;
  readonly severity?: 'low' | 'medium' | 'high';
}

export const TEST_RULE = (name: string): string => `xccdf_org.vigil_rule_${name}`;
export const TEST_PROFILE = 'xccdf_org.vigil_profile_all';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A data stream whose profile selects `rules`. */
export function remediateDataStream(rules: readonly TestRule[]): string {
  const defs: string[] = [];
  const tests: string[] = [];
  const objects: string[] = [];
  rules.forEach((r, i) => {
    const n = i + 1;
    defs.push(`<definition id="oval:vr:def:${n}" version="1" class="compliance"><metadata><title>${esc(r.name)}</title><description>d</description></metadata><criteria><criterion test_ref="oval:vr:tst:${n}"/></criteria></definition>`);
    if (r.absent) {
      tests.push(`<unix:file_test id="oval:vr:tst:${n}" version="1" check="all" check_existence="none_exist" comment="c"><unix:object object_ref="oval:vr:obj:${n}"/></unix:file_test>`);
      objects.push(`<unix:file_object id="oval:vr:obj:${n}" version="1"><unix:filepath>${esc(r.file)}</unix:filepath></unix:file_object>`);
    } else {
      tests.push(`<ind:textfilecontent54_test id="oval:vr:tst:${n}" version="1" check="all" check_existence="at_least_one_exists" comment="c"><ind:object object_ref="oval:vr:obj:${n}"/></ind:textfilecontent54_test>`);
      objects.push(
        `<ind:textfilecontent54_object id="oval:vr:obj:${n}" version="1"><ind:filepath>${esc(r.file)}</ind:filepath><ind:pattern operation="pattern match">${esc(r.pattern ?? '.')}</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance></ind:textfilecontent54_object>`,
      );
    }
  });
  const oval = ovalXml({ definitions: defs.join(''), tests: tests.join(''), objects: objects.join('') });
  const ruleXml = rules
    .map(
      (r, i) => `<Rule id="${TEST_RULE(r.name)}" selected="false" severity="${r.severity ?? 'medium'}"><title>${esc(r.name)}</title>${
        r.fix !== undefined ? `<fix system="urn:xccdf:fix:script:sh" complexity="low" disruption="${r.disruption ?? 'low'}" reboot="${r.reboot ? 'true' : 'false'}" strategy="configure">${esc(r.fix)}</fix>` : ''
      }${
        r.ansible !== undefined ? `<fix system="urn:xccdf:fix:script:ansible" complexity="low" disruption="${r.disruption ?? 'low'}" reboot="${r.reboot ? 'true' : 'false'}" strategy="configure">${esc(r.ansible)}</fix>` : ''
      }<check system="${OVAL_SYSTEM}"><check-content-ref href="oval.xml" name="oval:vr:def:${i + 1}"/></check></Rule>`,
    )
    .join('\n');
  const profile = `<Profile id="${TEST_PROFILE}"><title>All</title>${rules.map((r) => `<select idref="${TEST_RULE(r.name)}" selected="true"/>`).join('')}</Profile>`;
  return dataStreamXml({ checklist: { id: 'xccdf', xml: benchmarkXml(`${profile}\n<Group id="xccdf_org.vigil_group_g" selected="true"><title>G</title>${ruleXml}</Group>`) }, checks: [{ id: 'oval', xml: oval }], catalog: { 'oval.xml': '#cref-oval' } });
}

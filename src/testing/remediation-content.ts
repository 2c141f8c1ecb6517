/**
 * Synthetic content for the remediation tests: a small benchmark whose
 * rules carry Ansible and bash fixes in SSG's style (values promoted to
 * variables, tags, references), packaged as a data stream, as a results
 * file (the benchmark with a TestResult appended, as `oscap xccdf eval
 * --results` writes it) and as an ARF report.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NS, benchmarkXml, body, dataStreamXml, ovalXml } from './content.js';

export const RULE = (s: string): string => `xccdf_org.test_rule_${s}`;
export const VALUE = (s: string): string => `xccdf_org.test_value_${s}`;
export const PROFILE = (s: string): string => `xccdf_org.test_profile_${s}`;

const ansibleValue = (name: string): string => `- name: XCCDF Value ${name} # promote to variable
  set_fact:
    ${name}: !!str <sub idref="${VALUE(name)}" use="legacy"/>
  tags:
    - always
`;

const tags = (rule: string, extra: readonly string[]): string => `  tags:\n${[...extra, rule].map((t) => `  - ${t}`).join('\n')}\n`;

/** The rules, in benchmark order. */
export const RULES_XML = `
  <Group id="xccdf_org.test_group_g" selected="true">
    <title>G</title>
    <Value id="${VALUE('var_text')}" type="string">
      <title>Text value</title>
      <value>default text</value>
      <value selector="other">other text</value>
    </Value>
    <Value id="${VALUE('var_quote')}" type="string">
      <title>A value YAML and bash must quote</title>
      <value>it's #1: yes</value>
    </Value>
    <Rule id="${RULE('a')}" selected="false" severity="high">
      <title>Rule A</title>
      <reference href="http://nvlpubs.nist.gov/nistpubs/SpecialPublications/NIST.SP.800-53r4.pdf">CM-6(a)</reference>
      <ident system="https://ncp.nist.gov/cce">CCE-1000-1</ident>
      <fix system="urn:xccdf:fix:script:ansible" complexity="low" disruption="low" reboot="false" strategy="configure">${ansibleValue('var_text')}
- name: Set A
  lineinfile:
    path: /etc/a
    line: a={{ var_text }}   
${tags('a', ['NIST-800-53-CM-6(a)', 'high_severity', 'configure_strategy'])}</fix>
      <fix system="urn:xccdf:fix:script:sh" complexity="low" disruption="low" reboot="false" strategy="configure">var_text='<sub idref="${VALUE('var_text')}" use="legacy"/>'
echo "a=$var_text" &gt; /etc/a</fix>
    </Rule>
    <Rule id="${RULE('b')}" selected="false" severity="low">
      <title>Rule B</title>
      <fix system="urn:xccdf:fix:script:ansible" complexity="medium" disruption="medium" reboot="true" strategy="disable">- name: Disable B
  service:
    name: b
    enabled: false
${tags('b', ['low_severity', 'disable_strategy', 'reboot_required'])}</fix>
      <fix system="urn:xccdf:fix:script:sh" disruption="high" reboot="true" strategy="disable">echo b-reboot</fix>
      <fix system="urn:xccdf:fix:script:sh" disruption="low" reboot="false" strategy="disable">echo b-low</fix>
    </Rule>
    <Rule id="${RULE('c')}" selected="false" severity="medium">
      <title>Rule C has no fix</title>
    </Rule>
    <Rule id="${RULE('d')}" selected="false" severity="medium">
      <title>Rule D</title>
      <fix system="urn:xccdf:fix:script:ansible" complexity="low" disruption="low" reboot="false" strategy="restrict">${ansibleValue('var_quote')}${ansibleValue('var_text')}
- name: Set D
  command: echo "{{ var_quote }}"
${tags('d', ['medium_severity', 'restrict_strategy'])}</fix>
      <fix system="urn:xccdf:fix:script:sh" complexity="low" disruption="low" reboot="false" strategy="restrict">q='<sub idref="${VALUE('var_quote')}" use="legacy"/>'
printf '%s\\n' "$q" &gt; /etc/d</fix>
    </Rule>
    <Rule id="${RULE('e')}" selected="false" severity="high">
      <title>Rule E is in no profile</title>
      <fix system="urn:xccdf:fix:script:sh">echo e</fix>
    </Rule>
  </Group>`;

export const PROFILES_XML = `
  <Profile id="${PROFILE('p')}">
    <title>Profile P</title>
    <description>Everything
      but E.</description>
    <select idref="${RULE('a')}" selected="true"/>
    <select idref="${RULE('b')}" selected="true"/>
    <select idref="${RULE('c')}" selected="true"/>
    <select idref="${RULE('d')}" selected="true"/>
  </Profile>
  <Profile id="${PROFILE('q')}" extends="${PROFILE('p')}">
    <title>Profile Q</title>
    <select idref="${RULE('b')}" selected="false"/>
    <refine-value idref="${VALUE('var_text')}" selector="other"/>
  </Profile>`;

export function remediationBenchmark(extraRules = ''): string {
  return benchmarkXml(`${PROFILES_XML}${RULES_XML}${extraRules}`);
}

const OVAL = { id: 'oval', xml: ovalXml({ definitions: '' }) };

export function remediationDataStream(extraRules = ''): string {
  return dataStreamXml({ checklist: { id: 'xccdf', xml: remediationBenchmark(extraRules) }, checks: [OVAL] });
}

export function testResultXml(profileId: string | undefined, results: Record<string, string>, setValues: Record<string, string> = {}): string {
  return `<TestResult id="xccdf_org.open-scap_testresult_${profileId ?? 'default'}" start-time="2024-01-01T00:00:00+00:00" end-time="2024-01-01T00:00:01+00:00" version="1.0">
    <benchmark href="ds.xml" id="xccdf_test_benchmark_b"/>
    <title>OSCAP Scan Result</title>
    ${profileId ? `<profile idref="${profileId}"/>` : ''}
    ${Object.entries(setValues)
      .map(([k, v]) => `<set-value idref="${k}">${v}</set-value>`)
      .join('\n    ')}
    ${Object.entries(results)
      .map(([k, v]) => `<rule-result idref="${k}" role="full" severity="medium" weight="1.000000"><result>${v}</result></rule-result>`)
      .join('\n    ')}
  </TestResult>`;
}

/** The benchmark with TestResults appended, as `oscap xccdf eval --results` writes it. */
export function resultsFileXml(...testResults: string[]): string {
  return remediationBenchmark().replace('</Benchmark>', `${testResults.join('\n')}\n</Benchmark>`);
}

/** An ARF report: the data stream in the report request, the TestResult in a report. */
export function arfXml(testResult: string): string {
  return `<?xml version="1.0"?>
<arf:asset-report-collection xmlns:arf="http://scap.nist.gov/schema/asset-reporting-format/1.1" xmlns:core="http://scap.nist.gov/schema/reporting-core/1.1">
  <arf:report-requests>
    <arf:report-request id="collection1">
      <arf:content>
${body(remediationDataStream())}
      </arf:content>
    </arf:report-request>
  </arf:report-requests>
  <arf:reports>
    <arf:report id="xccdf1">
      <arf:content>
        ${testResult.replace('<TestResult ', `<TestResult xmlns="${NS.xccdf}" `)}
      </arf:content>
    </arf:report>
  </arf:reports>
</arf:asset-report-collection>
`;
}

const made: string[] = [];

/**
 * Writes files into a fresh temporary directory; returns their paths by
 * name. Every such directory is removed when the process exits: callers
 * inside tests (one per case) used to leave them in /tmp.
 */
export function writeTemp(files: Record<string, string>): Record<string, string> & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rem-'));
  if (made.length === 0) process.once('exit', () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  made.push(dir);
  const out: Record<string, string> = { dir };
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    writeFileSync(p, text);
    out[name] = p;
  }
  return out as Record<string, string> & { dir: string };
}

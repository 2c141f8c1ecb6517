import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { benchmarkXml, dataStreamXml, ovalXml, OVAL_SYSTEM } from '../testing/content.js';
import { run } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string, name = 'ds.xml'): string {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, text);
  return p;
}

async function vigil(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const OVAL = ovalXml({
  definitions: `<definition id="oval:t:def:1" class="compliance" version="1"><metadata><title>d</title><description/></metadata><criteria><criterion test_ref="oval:t:tst:1"/></criteria></definition>`,
  tests: `<ind:family_test id="oval:t:tst:1" version="1" check="all"><ind:object object_ref="oval:t:obj:1"/></ind:family_test>`,
  objects: `<ind:family_object id="oval:t:obj:1" version="1"/>`,
});
const RULES = `
  <Profile id="xccdf_t_profile_base"><title>Base line</title><description>The <h:b>base</h:b>
    profile.</description><select idref="r1" selected="true"/></Profile>
  <Profile id="xccdf_t_profile_more" extends="xccdf_t_profile_base"><title>More</title><select idref="r2" selected="true"/></Profile>
  <Group id="g"><Rule id="r1" selected="false"><title>R1</title><check system="${OVAL_SYSTEM}"><check-content-ref href="o.xml" name="oval:t:def:1"/></check></Rule>
  <Rule id="r2" selected="false"><title>R2</title><check system="${OVAL_SYSTEM}"><check-content-ref href="o.xml" name="oval:t:def:1"/></check></Rule></Group>`;
const DS = dataStreamXml({
  checklist: { id: 'c-xccdf', xml: benchmarkXml(RULES) },
  checks: [{ id: 'c-oval', xml: OVAL }],
  catalog: { 'o.xml': '#cref-c-oval' },
});

describe('vigil info', () => {
  it('lists streams, checklists, profiles and check files like oscap info', async () => {
    const r = await vigil('info', file(DS));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Document type: Source Data Stream\nImported: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\n\nStream: scap_test_datastream_d\nGenerated: \(null\)\nVersion: 1\.3\nChecklists:\n\tRef-Id: cref-c-xccdf\n\t\tStatus: draft\n\t\tGenerated: 2024-01-02\n\t\tResolved: true\n\t\tProfiles:\n\t\t\tTitle: Base line\n\t\t\t\tId: xccdf_t_profile_base\n\t\t\tTitle: More\n\t\t\t\tId: xccdf_t_profile_more\n\t\tReferenced check files:\n\t\t\to\.xml\n\t\t\t\tsystem: http:\/\/oval\.mitre\.org\/XMLSchema\/oval-definitions-5\nChecks:\n\tRef-Id: cref-c-oval\nDictionaries:\n$/);
  });

  it('--profile shows title, description and the number of selected rules', async () => {
    const path = file(DS);
    const base = await vigil('info', '--profile', 'xccdf_t_profile_base', path);
    assert.equal(base.code, 0, base.err);
    assert.match(base.out, /\tTitle: Base line\n\tId: xccdf_t_profile_base\n\tSelected rules: 1\n\n\tDescription: The base profile\.\n$/);
    const more = await vigil('info', '--profile', 'xccdf_t_profile_more', path);
    assert.match(more.out, /\tExtends: xccdf_t_profile_base\n\tSelected rules: 2\n/);
  });

  it('--json carries the same facts', async () => {
    const r = await vigil('info', '--json', '--profile', 'xccdf_t_profile_more', file(DS));
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.documentType, 'Source Data Stream');
    assert.deepEqual(j.streams[0].checklists[0].profiles, [
      { id: 'xccdf_t_profile_base', title: 'Base line' },
      { id: 'xccdf_t_profile_more', title: 'More' },
    ]);
    assert.deepEqual(j.streams[0].checklists[0].checkFiles, [{ href: 'o.xml', system: OVAL_SYSTEM }]);
    assert.equal(j.profile.selectedRules, 2);
  });

  it('describes a standalone OVAL file', async () => {
    const r = await vigil('info', file(OVAL, 'oval.xml'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Document type: OVAL Definitions\nOVAL version: 5\.11\n/);
    assert.match(r.out, /Definitions: 1\nTests: 1\nObjects: 1\nStates: 0\nVariables: 0/);
  });
});

describe('bad input: one line with file:line:col, exit 1, no stack trace', () => {
  const cases: Array<{ name: string; text?: string; path?: string; args?: string[]; re: RegExp }> = [
    { name: 'truncated XML', text: DS.slice(0, Math.floor(DS.length / 2)), re: /:\d+:\d+: malformed XML/ },
    { name: 'wrong root element', text: '<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"/>', re: /:2:\d+: unexpected root element <html>/ },
    { name: 'wrong namespace', text: '<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.0" id="b"/>', re: /:1:\d+: unexpected root element <Benchmark> in namespace/ },
    { name: 'missing component', text: DS.replace('xlink:href="#c-oval"', 'xlink:href="#c-gone"'), re: /:\d+:\d+: component-ref cref-c-oval points at #c-gone/ },
    { name: 'dangling rule → OVAL definition', text: DS.replace(/name="oval:t:def:1"/, 'name="oval:t:def:9"'), re: /:\d+:\d+: rule r1 refers to OVAL definition oval:t:def:9/ },
    { name: 'dangling profile → rule', text: DS.replace('<select idref="r2"', '<select idref="r9"'), re: /:\d+:\d+: profile xccdf_t_profile_more selects r9/ },
    { name: 'unknown profile id', text: DS, args: ['--profile', 'xccdf_t_profile_nope'], re: /no profile "xccdf_t_profile_nope"; known profiles: xccdf_t_profile_base, xccdf_t_profile_more/ },
    { name: 'entity expansion', text: `<!DOCTYPE x [<!ENTITY a "aaaa">]>${DS.replace(/^<\?xml[^>]*\?>/, '')}`, re: /:1:\d+: DOCTYPE declarations are refused/ },
    { name: 'a file that does not exist', path: join(dir, 'absent.xml'), re: /cannot open .*absent\.xml: No such file or directory \(ENOENT\)/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const path = c.path ?? file(c.text!);
      const r = await vigil('info', ...(c.args ?? []), path);
      assert.equal(r.code, 1);
      assert.equal(r.out, '');
      const lines = r.err.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.err);
      assert.match(lines[0]!, /^vigil: error: /);
      assert.match(lines[0]!, c.re);
      if (c.path === undefined && c.args === undefined) assert.ok(lines[0]!.includes(path), 'the message names the file');
    });
  }

  it('--verbose adds the stack trace', async () => {
    const r = await vigil('info', '--verbose', file(DS.slice(0, 200)));
    assert.equal(r.code, 1);
    assert.match(r.err, /\n\s+at /);
  });

  it('a directory is an error, not a crash', async () => {
    const r = await vigil('info', dir);
    assert.equal(r.code, 1);
    assert.match(r.err, /^vigil: error: cannot read .*EISDIR/);
  });
});

describe('--host-kernel', () => {
  const sysctlOval = ovalXml({
    definitions: `<definition id="oval:t:def:1" class="compliance" version="1"><metadata><title>d</title><description/></metadata><criteria><criterion test_ref="oval:t:tst:1"/></criteria></definition>`,
    tests: `<unix:sysctl_test id="oval:t:tst:1" version="1" check="all"><unix:object object_ref="oval:t:obj:1"/></unix:sysctl_test>`,
    objects: `<unix:sysctl_object id="oval:t:obj:1" version="1"><unix:name>kernel.ostype</unix:name></unix:sysctl_object>`,
  });

  it('is refused without --root: this host already has its own kernel', async () => {
    const r = await vigil('oval', 'eval', '--host-kernel', file(sysctlOval, 'k.xml'));
    assert.equal(r.code, 1);
    assert.match(r.err, /--host-kernel needs --root/);
  });

  it("makes a root's sysctl checks read this host's kernel; without it they are not applicable", async () => {
    const root = mkdtempSync(join(dir, 'root-'));
    const f = file(sysctlOval, 'k.xml');
    assert.match((await vigil('oval', 'eval', '--root', root, f)).out, /Definition oval:t:def:1: not applicable/);
    assert.match((await vigil('oval', 'eval', '--root', root, '--host-kernel', f)).out, /Definition oval:t:def:1: true/);
  });
});

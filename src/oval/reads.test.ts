/**
 * Read sets through the engine: each object's reads, attributed through
 * what collection shares (the one walk, the file-content cache, the
 * collect-once-per-shape share), and a definition's union.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDocument } from '../model/load.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { readsPath } from '../target/reads.js';
import { mockTarget } from '../target/memory-target.js';
import { ovalXml } from '../testing/content.js';
import { OvalEngine } from './engine.js';
import { probeTable } from './probes/registry.js';
import { ServiceScope } from './services.js';
import { CollectionShare } from './share.js';

const TARGET = mockTarget({ files: {
  '/etc/ssh/sshd_config': 'PermitRootLogin no\n',
  '/etc/login.defs': 'UMASK 027\n',
  '/etc/cron.d/job': '* * * * * root true\n',
  '/var/log/syslog': '',
  '/var/log/app/x.log': '',
} });

function definition(id: number, criteria: string): string {
  return `<definition id="oval:t:def:${id}" version="1" class="compliance"><metadata><title>t</title><description>d</description></metadata><criteria operator="AND">${criteria}</criteria></definition>`;
}

const TESTS = [
  // 1: a text file's content
  '<ind:textfilecontent54_test id="oval:t:tst:1" version="1" check="all"><ind:object object_ref="oval:t:obj:1"/></ind:textfilecontent54_test>',
  // 2: the same file, another object (the content cache serves it)
  '<ind:textfilecontent54_test id="oval:t:tst:2" version="1" check="all"><ind:object object_ref="oval:t:obj:2"/></ind:textfilecontent54_test>',
  // 3, 4: two recursive walks, collected in one traversal
  '<unix:file_test id="oval:t:tst:3" version="1" check="all" check_existence="any_exist"><unix:object object_ref="oval:t:obj:3"/></unix:file_test>',
  '<unix:file_test id="oval:t:tst:4" version="1" check="all" check_existence="any_exist"><unix:object object_ref="oval:t:obj:4"/></unix:file_test>',
  // 5: a file that does not exist
  '<unix:file_test id="oval:t:tst:5" version="1" check="all" check_existence="none_exist"><unix:object object_ref="oval:t:obj:5"/></unix:file_test>',
].join('');
const OBJECTS = [
  '<ind:textfilecontent54_object id="oval:t:obj:1" version="1"><ind:filepath>/etc/ssh/sshd_config</ind:filepath><ind:pattern operation="pattern match">^PermitRootLogin\\s+(\\S+)</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>',
  '<ind:textfilecontent54_object id="oval:t:obj:2" version="1"><ind:filepath>/etc/ssh/sshd_config</ind:filepath><ind:pattern operation="pattern match">^Port\\s+(\\d+)</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>',
  '<unix:file_object id="oval:t:obj:3" version="1"><unix:behaviors recurse_direction="down" max_depth="-1"/><unix:path>/var/log</unix:path><unix:filename operation="pattern match">.*</unix:filename></unix:file_object>',
  '<unix:file_object id="oval:t:obj:4" version="1"><unix:behaviors recurse_direction="down" max_depth="1"/><unix:path>/etc</unix:path><unix:filename operation="pattern match">^job$</unix:filename></unix:file_object>',
  '<unix:file_object id="oval:t:obj:5" version="1"><unix:filepath>/etc/hosts.equiv</unix:filepath></unix:file_object>',
].join('');

function doc(prefix: string): OvalDefinitions {
  const text = ovalXml({
    definitions: [
      definition(1, '<criterion test_ref="oval:t:tst:1"/>'),
      definition(2, '<criterion test_ref="oval:t:tst:2"/>'),
      definition(3, '<criterion test_ref="oval:t:tst:3"/>'),
      definition(4, '<criterion test_ref="oval:t:tst:4"/>'),
      definition(5, '<criterion test_ref="oval:t:tst:5"/>'),
      definition(6, '<extend_definition definition_ref="oval:t:def:1"/><criterion test_ref="oval:t:tst:5"/>'),
    ].join(''),
    tests: TESTS,
    objects: OBJECTS,
  });
  return readDocument({ text, name: `${prefix}.xml` }) as OvalDefinitions;
}

describe('read sets through the engine', () => {
  const run = async (share?: CollectionShare) => {
    const engine = new OvalEngine(doc('a'), { target: TARGET, probes: probeTable(), reads: true, ...(share ? { share } : {}) });
    await engine.evaluateAll();
    return engine;
  };

  it('names the file an object read, and a missing file an object looked for', async () => {
    const e = await run();
    assert.ok(e.definitionReads('oval:t:def:1').paths.includes('/etc/ssh/sshd_config'));
    assert.ok(readsPath(e.definitionReads('oval:t:def:5'), '/etc/hosts.equiv'));
    assert.ok(!readsPath(e.definitionReads('oval:t:def:5'), '/etc/ssh/sshd_config'));
  });

  it('the content cache still attributes the file to the second object', async () => {
    const e = await run();
    assert.ok(e.definitionReads('oval:t:def:2').paths.includes('/etc/ssh/sshd_config'));
  });

  it('walks in one shared traversal are attributed to each object, as their specs', async () => {
    const e = await run();
    const r3 = e.definitionReads('oval:t:def:3');
    const r4 = e.definitionReads('oval:t:def:4');
    assert.deepEqual(
      r3.walks.map((w) => [w.start, w.depth]),
      [['/var/log', -1]],
    );
    assert.deepEqual(
      r4.walks.map((w) => [w.start, w.depth]),
      [['/etc', 1]],
    );
    assert.ok(readsPath(r3, '/var/log/app/new.log'), 'a file created in the walk changes it');
    assert.ok(readsPath(r4, '/etc/cron.d/new'));
    assert.ok(!readsPath(r4, '/etc/cron.d/sub/new'), 'below max_depth');
    assert.ok(!readsPath(r3, '/etc/cron.d/job'));
  });

  it('a definition unites the reads of the definitions it extends', async () => {
    const e = await run();
    const r = e.definitionReads('oval:t:def:6');
    assert.ok(r.paths.includes('/etc/ssh/sshd_config') && r.paths.includes('/etc/hosts.equiv'));
  });

  it('an object collected once per scan by shape carries its reads to every engine', async () => {
    const share = new CollectionShare(new ServiceScope(TARGET));
    await run(share);
    const second = await run(share);
    assert.ok(second.definitionReads('oval:t:def:1').paths.includes('/etc/ssh/sshd_config'));
    assert.ok(readsPath(second.definitionReads('oval:t:def:3'), '/var/log/syslog'));
  });

  it('records nothing unless asked', async () => {
    const engine = new OvalEngine(doc('b'), { target: TARGET, probes: probeTable() });
    await engine.evaluateAll();
    assert.deepEqual(engine.definitionReads('oval:t:def:1'), { paths: [], walks: [], inputs: [] });
  });

  it('what a link leads to is read too: a file read through one, a walk that goes through one', async () => {
    const target = mockTarget({ files: {
      '/etc/ssh/sshd_config': { symlink: '/usr/share/ssh/sshd_config' },
      '/usr/share/ssh/sshd_config': 'PermitRootLogin no\n',
      '/var/log/app': { symlink: '/srv/applog' },
      '/srv/applog/x.log': '',
      '/etc/cron.d/job': '',
      '/etc/hosts.equiv': '',
    } });
    const engine = new OvalEngine(doc('l'), { target, probes: probeTable(), reads: true });
    await engine.evaluateAll();
    assert.ok(engine.definitionReads('oval:t:def:1').paths.includes('/usr/share/ssh/sshd_config'));
    const walk = engine.definitionReads('oval:t:def:3');
    assert.ok(readsPath(walk, '/srv/applog/new.log'), JSON.stringify(walk.walks));
  });
});

/**
 * A hostile root cannot hang a scan or make it read without end: a FIFO in
 * place of a file that a probe reads (/etc/passwd) makes its object an error
 * at once, never "does not exist" (so a none_exist test is not true), and
 * the scan goes on. textfilecontent54 looks at regular files only and passes
 * over anything else before reading, as oscap 1.3.7 does (its object is
 * "does not exist" over a FIFO too).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { ovalXml } from '../testing/content.js';
import { evaluateOvalFile } from './oval-eval.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-fifo-'));
after(() => rmSync(base, { recursive: true, force: true }));

it('FIFOs at /etc/passwd and at a config file: no hang; passwd is an error, the config file is passed over as oscap does', async () => {
  const root = join(base, 'root');
  mkdirSync(join(root, 'etc/ssh'), { recursive: true });
  execFileSync('mkfifo', [join(root, 'etc/passwd')]);
  execFileSync('mkfifo', [join(root, 'etc/ssh/sshd_config')]);
  const def = (n: number, kind: string): string =>
    `<definition id="oval:t:def:${n}" class="compliance" version="1"><metadata><title>${kind}</title><description/></metadata><criteria><criterion test_ref="oval:t:tst:${n}"/></criteria></definition>`;
  const file = join(base, 'defs.xml');
  writeFileSync(
    file,
    ovalXml({
      definitions: def(1, 'password') + def(2, 'sshd'),
      tests:
        '<unix:password_test id="oval:t:tst:1" version="1" check="all" check_existence="none_exist"><unix:object object_ref="oval:t:obj:1"/></unix:password_test>' +
        '<ind:textfilecontent54_test id="oval:t:tst:2" version="1" check="all" check_existence="none_exist"><ind:object object_ref="oval:t:obj:2"/></ind:textfilecontent54_test>',
      objects:
        '<unix:password_object id="oval:t:obj:1" version="1"><unix:username>toor</unix:username></unix:password_object>' +
        '<ind:textfilecontent54_object id="oval:t:obj:2" version="1"><ind:filepath>/etc/ssh/sshd_config</ind:filepath><ind:pattern operation="pattern match">^PermitRootLogin\\s+yes</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance></ind:textfilecontent54_object>',
    }),
  );
  const t0 = Date.now();
  const r = await evaluateOvalFile(file, { root });
  assert.ok(Date.now() - t0 < 10_000, 'the scan took too long');
  assert.deepEqual(Object.fromEntries(r.definitions.map((d) => [d.definitionId, d.result])), { 'oval:t:def:2': 'true', 'oval:t:def:1': 'error' });
  const objects = new Map((await r.engine.collectedObjects()).map((o) => [o.objectId, o]));
  const passwd = objects.get('oval:t:obj:1')!;
  assert.equal(passwd.flag, 'error');
  assert.match(passwd.messages.join(' '), /not a regular file/);
  assert.equal(objects.get('oval:t:obj:2')!.flag, 'does not exist');
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { yamlScalar } from './yaml-scalar.js';

describe('YAML scalars that read back as themselves', () => {
  const plain = ['0', '-1', '027', '/var/log/sudo.log', '0.pool.ntp.org,1.pool.ntp.org', '^Authorized[\\s\\n]+uses[\\s\\n]+only\\.$', 'a#b', 'yes', 'null'];
  for (const v of plain) {
    it(`${JSON.stringify(v)} stays plain`, () => {
      assert.equal(yamlScalar(v), v);
      assert.equal(parse(`k: !!str ${yamlScalar(v)}`, { version: '1.1' }).k, v);
    });
  }
  const quoted = ["it's #1: yes", '', ' leading', 'trailing ', '[list]', '{{ jinja }}', '*alias', '&anchor', '!tag', '- dash', 'key: value', 'ends:', '|', '>', '"q"', "'q'", '%x', '@x', '`x`', 'two\nlines', 'tab\there', '---', 'bell\u0007'];
  for (const v of quoted) {
    it(`${JSON.stringify(v)} is quoted and reads back`, () => {
      assert.match(yamlScalar(v), /^"/);
      assert.equal(parse(`k: !!str ${yamlScalar(v)}`, { version: '1.1' }).k, v);
      assert.equal(parse(`k: ${yamlScalar(v)}`).k, v);
    });
  }
});

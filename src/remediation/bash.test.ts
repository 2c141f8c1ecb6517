import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ContentError } from '../model/errors.js';
import type { Rule } from '../model/xccdf/types.js';
import { bashText, renderBashScript } from './bash.js';
import type { PlannedRule, ResolvedPart } from './plan.js';

const rule = (id: string): Rule => ({ id }) as Rule;

describe('bash scripts', () => {
  it('numbers one block per rule, announces each on stderr, and says when a fix is missing', () => {
    const plan: PlannedRule[] = [
      { rule: rule('r1'), severity: 'low', fix: { system: 's', strategy: 'unknown', complexity: 'unknown', disruption: 'unknown', reboot: false, content: [] }, parts: ['echo one'] },
      { rule: rule('r2'), severity: 'low' },
    ];
    const text = renderBashScript(plan, '# header\n');
    assert.ok(text.startsWith('#!/usr/bin/env bash\n# header\n'));
    assert.match(text, /# BEGIN fix \(1 \/ 2\) for 'r1'\n#+\n\(>&2 echo "Remediating rule 1\/2: 'r1'"\)\necho one\n# END fix for 'r1'\n/);
    assert.match(text, /# BEGIN fix \(2 \/ 2\) for 'r2'\n#+\n\(>&2 echo "Remediating rule 2\/2: 'r2'"\)\n\(>&2 echo "FIX FOR THIS RULE 'r2' IS MISSING!"\)\n\n# END fix for 'r2'\n/);
    const run = execFileSync('bash', ['-c', text], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(run, 'one\n');
  });

  it("writes SSG's single-quoted values as oscap does, and a plain word unquoted", () => {
    assert.equal(bashText(["var_x='", { sub: 's', value: '/var/log/sudo.log' }, "'"]), "var_x='/var/log/sudo.log'");
    assert.equal(bashText(['echo ', { sub: 's', value: '027' }]), 'echo 027');
    assert.equal(bashText(['echo ', { sub: 's', value: "it's" }]), "echo 'it'\\''s'");
  });
});

/**
 * Every place a value can land, as a fix around `V`. Each writes what the
 * value became to the file `out` in the working directory; `trail` is what
 * the place adds after the value (a here-document's newline).
 */
const PLACES: { name: string; fix: string; trail?: string; refuses?: (v: string) => boolean; literal?: false }[] = [
  { name: 'single quotes', fix: `x='V'; printf %s "$x" > out` },
  { name: 'double quotes', fix: `x="V"; printf %s "$x" > out` },
  { name: 'unquoted assignment', fix: `x=V; printf %s "$x" > out` },
  { name: 'unquoted argument', fix: `printf %s V > out` },
  { name: 'unquoted, inside a word', fix: `printf %s pre-V-post > out`, trail: '' },
  { name: "$'…'", fix: `x=$'V'; printf %s "$x" > out` },
  { name: 'double quotes in $(…)', fix: `x=$(printf %s "V"; echo .); printf %s "\${x%.}" > out` },
  { name: 'unquoted in $(…)', fix: `x=$(printf %s V; echo .); printf %s "\${x%.}" > out` },
  { name: 'here-document', fix: `cat > out <<EOF\nV\nEOF`, trail: '\n', refuses: (v) => v.split('\n').includes('EOF') },
  { name: 'here-document, quoted delimiter', fix: `cat > out <<'EOF'\nV\nEOF`, trail: '\n', refuses: (v) => v.split('\n').includes('EOF') },
  { name: 'here-document, value ends a line', fix: `cat > out <<"EOF"\nV\nEOF\nprintf %s done >> out`, trail: '\ndone', refuses: (v) => v.split('\n').includes('EOF') },
  { name: 'comment', fix: `# set to V\nprintf %s ok > out`, refuses: (v) => v.includes('\n') },
  { name: '${…} default', fix: `printf %s "\${unset_var:-V}" > out`, refuses: (v) => !/^[A-Za-z0-9_@%+=:,./-]+$/.test(v) },
  // the content means a variable name here: only a plain word is written, and what bash makes of it is the content's business
  { name: 'after $', fix: `printf %s "$V" > out`, literal: false, refuses: (v) => !/^[A-Za-z0-9_@%+=:,./-]+$/.test(v) },
  { name: 'backticks', fix: 'x=`printf %s V`; printf %s "$x" > out', refuses: (v) => !/^[A-Za-z0-9_@%+=:,./-]+$/.test(v) },
];

/** Values that bash would run or split if they were written raw; `touch pwned` is the marker. */
const VALUES = [
  'plain',
  '027',
  '$(touch pwned)',
  '`touch pwned`',
  '${x:=$(touch pwned)}',
  "'; touch pwned; '",
  '"; touch pwned; "',
  "'\"$(touch pwned)\"'",
  '\\',
  'a\\',
  '\\$(touch pwned)',
  "$'\\x41'",
  'two\nlines',
  'EOF',
  'x\nEOF\ntouch pwned\nEOF',
  '  spaced  *  ~ value ',
  '#not a comment',
  ')',
  '}',
  '<<EOF',
  '',
  'tab\there\r',
  '\u001b[31mred',
  'ünï©ødé',
];

describe('bash values are inert wherever they land', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bash-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  for (const place of PLACES) {
    for (const value of VALUES) {
      const [before, rest] = place.fix.split('V') as [string, string];
      const parts: ResolvedPart[] = [before, { sub: 'xccdf_org.test_value_v', value }, rest];
      const refused = place.refuses?.(value) ?? false;
      it(`${place.name}: ${JSON.stringify(value)} ${refused ? 'is refused' : 'reaches the script as itself'}`, () => {
        if (refused) {
          assert.throws(
            () => bashText(parts, { rule: rule('xccdf_org.test_rule_r') }),
            (e: unknown) => e instanceof ContentError && e.code === 'unsafe-value' && e.message.includes('xccdf_org.test_rule_r') && e.message.includes('xccdf_org.test_value_v'),
          );
          return;
        }
        const script = bashText(parts);
        const cwd = join(dir, String(n++));
        execFileSync('mkdir', [cwd]);
        execFileSync('bash', ['-c', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
        assert.equal(existsSync(join(cwd, 'pwned')), false, `a command ran:\n${script}`);
        const expected = place.name === 'comment' ? 'ok' : place.name.includes('inside a word') ? `pre-${value}-post` : value + (place.trail ?? '');
        if (place.literal !== false) assert.equal(readFileSync(join(cwd, 'out'), 'utf8'), expected, script);
        else assert.ok(existsSync(join(cwd, 'out')), script);
      });
    }
  }

  it('refuses a NUL byte in any place, naming the rule and the Value', () => {
    for (const place of PLACES) {
      const [before, rest] = place.fix.split('V') as [string, string];
      assert.throws(
        () => bashText([before, { sub: 'xccdf_org.test_value_v', value: 'a\u0000b' }, rest], { rule: rule('xccdf_org.test_rule_r') }),
        (e: unknown) => e instanceof ContentError && e.code === 'unsafe-value' && /NUL/.test(e.message) && e.message.includes('xccdf_org.test_value_v'),
        place.name,
      );
    }
  });

  it('refuses a value that completes a here-document delimiter with the text after it', () => {
    assert.throws(
      () => bashText(['cat > out <<EOF\n', { sub: 'v', value: 'x\nE' }, 'OF\ntouch pwned\nEOF\n']),
      (e: unknown) => e instanceof ContentError && e.code === 'unsafe-value' && /here-document/.test(e.message),
    );
  });
});

describe('bash values are inert: generated values', () => {
  // A seeded generator (xorshift32): the same values on every run, made from the characters bash gives meaning to.
  let seed = 0x2545f491;
  const next = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const ALPHABET = ['\'', '"', '`', '$', '(', ')', '{', '}', '[', ']', '\\', ';', '|', '&', '<', '>', '#', '!', '*', '?', '~', ' ', '\n', '\t', '=', '%', '-', 'EOF', 'a', '$(touch pwned)', '`touch pwned`', "'$(touch pwned)'", '"$(touch pwned)"', '\\\n'];
  const value = (): string => Array.from({ length: 1 + next(8) }, () => ALPHABET[next(ALPHABET.length)]!).join('');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bash-gen-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const place of PLACES) {
    it(`${place.name}: 150 generated values are each refused as expected or reach the script as themselves`, () => {
      const cwd = join(dir, place.name.replace(/[^a-z]+/gi, '-'));
      execFileSync('mkdir', [cwd]);
      let script = '';
      const expected = new Map<number, string>();
      for (let k = 0; k < 150; k++) {
        const v = value();
        const [before, rest] = place.fix.replace(/\bout\b/g, `out${k}`).split('V') as [string, string];
        const parts: ResolvedPart[] = [before, { sub: 'v', value: v }, rest];
        if (place.refuses?.(v)) {
          assert.throws(() => bashText(parts), ContentError, JSON.stringify(v));
          continue;
        }
        script += `${bashText(parts)}\n`;
        if (place.literal !== false) expected.set(k, place.name === 'comment' ? 'ok' : place.name.includes('inside a word') ? `pre-${v}-post` : v + (place.trail ?? ''));
      }
      execFileSync('bash', ['-c', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      assert.equal(existsSync(join(cwd, 'pwned')), false, 'a command ran');
      for (const [k, v] of expected) assert.equal(readFileSync(join(cwd, `out${k}`), 'utf8'), v, `value ${k}`);
    });
  }
});

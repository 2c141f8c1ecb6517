/**
 * The OVAL engine against `oscap oval eval` on the SSG OVAL content, on
 * synthetic offline roots (OSCAP_PROBE_ROOT), as ../shared/ORACLE.md
 * describes.
 *
 * Every definition whose evaluation touches only object types that both
 * tools collect from the root itself must get the same result. The others
 * are counted and reported, not compared, because the two tools differ on
 * purpose there (docs/CONFORMANCE.md):
 *   - a probe that needs a live system (kernel, processes, services): oscap
 *     answers "not applicable" or reads the scanning host, Vigil answers
 *     "not collected";
 *   - shadow_object, which oscap does not collect offline;
 *   - object types Vigil has no probe for yet.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evaluateOvalFile } from '../app/oval-eval.js';
import { readDocumentFile } from '../model/load.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { CONTENT, oscap, prerequisites } from '../testing/oracle.js';
import { buildSsgRoot, objectTypes, sameOffline, SSG_TARGETS } from '../testing/ssg-roots.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-oval-conf-'));
after(() => rmSync(base, { recursive: true, force: true }));

function parseResults(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^Definition (\S+): (.+)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

for (const target of SSG_TARGETS) {
  for (const hardened of [false, true]) {
    const label = `${target.content} on a ${hardened ? 'hardened' : 'default'} synthetic root`;
    test(`OVAL definitions agree with oscap: ${label}`, { timeout: 600_000 }, async (t) => {
      if (!(await prerequisites(t, { oscap: true, files: [target.content] }))) return;
      const name = `${target.content}-${hardened ? 'h' : 'd'}`;
      const root = join(base, name);
      const env = await buildSsgRoot(root, target.platform, hardened, join(base, `${name}-work`));
      const file = join(CONTENT, target.content);
      const o = await oscap(['oval', 'eval', file], { env, note: (s) => t.diagnostic(s) });
      const theirs = parseResults(o.stdout);
      assert.ok(theirs.size > 0, `oscap printed no results (exit ${o.code}): ${o.stderr.slice(0, 500)}`);
      const report = await evaluateOvalFile(file, { root });
      const ours = new Map(report.definitions.map((d) => [d.definitionId, d.result as string]));
      // objects that took the flag of a variable that could not be computed (an external variable no one supplied):
      // oscap makes them "does not exist" (docs/CONFORMANCE.md, "Unreadable files")
      const fromVariable = new Set(
        (await report.engine.collectedObjects())
          .filter((o) => o.flag !== 'does not exist' && o.messages.some((m) => m.startsWith('There was a problem processing referenced variable')))
          .map((o) => o.objectId),
      );
      let variableFlags = 0;
      const doc = readDocumentFile(file) as OvalDefinitions;
      const excluded = new Map<string, number>();
      const differences: string[] = [];
      const tally = new Map<string, number>();
      for (const [id, theirResult] of theirs) {
        const types = [...objectTypes(doc, id)];
        const different = types.filter((x) => !sameOffline(x)).sort();
        if (different.length > 0) {
          for (const x of different) excluded.set(x, (excluded.get(x) ?? 0) + 1);
          continue;
        }
        const mine = ours.get(id);
        const ids = new Set<string>();
        objectTypes(doc, id, ids);
        if (mine !== theirResult && (mine === 'unknown' || mine === 'error') && [...ids].some((o) => fromVariable.has(o))) {
          variableFlags++;
          t.diagnostic(`known difference: ${id}: oscap ${theirResult}, Vigil ${mine}: an object built from a variable that could not be computed takes its flag`);
          continue;
        }
        tally.set(theirResult, (tally.get(theirResult) ?? 0) + 1);
        if (mine !== theirResult) differences.push(`${id}: oscap ${theirResult}, vigil ${mine ?? '(none)'}`);
      }
      const compared = [...tally.values()].reduce((a, b) => a + b, 0);
      t.diagnostic(
        `compared ${compared} of ${theirs.size} definitions (${[...tally].map(([r, n]) => `${n} ${r}`).join(', ')}); ` +
          `not compared: ${theirs.size - compared - variableFlags} touching object types the tools treat differently offline (${[...excluded].map(([x, n]) => `${x}: ${n}`).join(', ')}), ` +
          `${variableFlags} built from a variable that could not be computed (oscap: does not exist)`,
      );
      assert.deepEqual(differences, [], `${differences.length} definitions differ:\n  ${differences.slice(0, 30).join('\n  ')}`);
      assert.ok((tally.get('true') ?? 0) >= 20 && (tally.get('false') ?? 0) >= 20, 'the root should make many definitions true and many false');
    });
  }
}

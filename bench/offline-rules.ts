/**
 * Which rules of a profile the tools judge differently on an offline root
 * by design: prints, as JSON, the rule ids whose checks or platforms touch
 * an object type that oscap does not collect from the root or that Vigil
 * collects only from a live host (docs/CONFORMANCE.md, "Offline behaviour").
 * The same test the conformance suite applies (src/testing/ssg-roots.ts).
 *
 * Usage: node --import tsx bench/offline-rules.ts DATASTREAM PROFILE
 */
import { openChecklist, openContent } from '../src/model/checklist.js';
import { resolveProfile } from '../src/xccdf/profile.js';
import { findProfileId } from '../src/app/xccdf-eval.js';
import { comparableOffline, ruleObjectTypes } from '../src/testing/ssg-roots.js';

const [file, profile] = process.argv.slice(2);
if (!file || !profile) {
  console.error('usage: node --import tsx bench/offline-rules.ts DATASTREAM PROFILE');
  process.exit(2);
}
const checklist = openChecklist(openContent(file));
const resolved = resolveProfile(checklist.benchmark, findProfileId(checklist, profile));
const out: Record<string, string[]> = {};
for (const rule of resolved.rules) {
  const types = ruleObjectTypes(checklist, resolved.index, rule);
  if (!comparableOffline(types)) out[rule.id] = [...types].sort();
}
process.stdout.write(`${JSON.stringify(out)}\n`);

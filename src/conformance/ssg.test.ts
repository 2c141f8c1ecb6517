/**
 * Conformance with OpenSCAP on the real SCAP Security Guide content.
 *
 * a) every SSG data stream, standalone XCCDF benchmark and OVAL file loads
 *    and validates through describeContent;
 * b) for every ssg-*-ds.xml, the profiles (id, title) Vigil lists are the
 *    ones `oscap info` prints, in the same order;
 * c) for every profile of the Ubuntu 22.04 and Debian 11 data streams, the
 *    rules Vigil selects are the rules `oscap xccdf eval --profile P`
 *    evaluates on a tiny synthetic root (OSCAP_PROBE_ROOT; see ORACLE.md).
 *
 * Needs oscap (openscap-scanner) on PATH and the SSG content in
 * /usr/share/xml/scap/ssg/content (or $VIGIL_SSG_CONTENT). When either is
 * missing the tests are skipped, unless VIGIL_REQUIRE_ORACLE=1, in which case
 * they fail and say what is missing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeContent, type InfoReport } from '../app/info.js';
import { checklistIds, openChecklist, openContent } from '../model/checklist.js';
import { resolveProfile } from '../xccdf/profile.js';
import { CONTENT, oscap, prerequisites } from '../testing/oracle.js';

/** How many lines of differing ids an assertion message shows. */
const SHOW = 20;

function contentFiles(pattern: RegExp): string[] {
  if (!existsSync(CONTENT) || !statSync(CONTENT).isDirectory()) return [];
  return readdirSync(CONTENT)
    .filter((f) => pattern.test(f))
    .sort();
}

/** The shell globs covered, as regular expressions (like the glob, ssg-*-oval.xml takes in ssg-*-cpe-oval.xml). */
const GLOBS: ReadonlyArray<readonly [string, RegExp]> = [
  ['ssg-*-ds.xml', /^ssg-.*-ds\.xml$/],
  ['ssg-*-ds-1.2.xml', /^ssg-.*-ds-1\.2\.xml$/],
  ['ssg-*-xccdf.xml', /^ssg-.*-xccdf\.xml$/],
  ['ssg-*-oval.xml', /^ssg-.*-oval\.xml$/],
];

// ---------------------------------------------------------------- comparison helpers

function head(ids: readonly string[]): string {
  return ids.length <= SHOW ? ids.join('\n    ') : `${ids.slice(0, SHOW).join('\n    ')}\n    … and ${ids.length - SHOW} more`;
}

/** A message listing what only one side has; empty when the sets agree. */
function setDifference(vigil: ReadonlySet<string>, oscap: ReadonlySet<string>, what: string): string {
  const onlyVigil = [...vigil].filter((x) => !oscap.has(x)).sort();
  const onlyOscap = [...oscap].filter((x) => !vigil.has(x)).sort();
  if (onlyVigil.length === 0 && onlyOscap.length === 0) return '';
  const parts = [`Vigil has ${vigil.size} ${what}, oscap ${oscap.size}`];
  if (onlyVigil.length) parts.push(`  only Vigil (${onlyVigil.length}):\n    ${head(onlyVigil)}`);
  if (onlyOscap.length) parts.push(`  only oscap (${onlyOscap.length}):\n    ${head(onlyOscap)}`);
  return parts.join('\n');
}

/** A scheduler that runs at most `limit` of the tasks given to it at a time. */
function limiter(limit: number): <R>(task: () => Promise<R>) => Promise<R> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <R>(task: () => Promise<R>): Promise<R> => {
    if (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

// ---------------------------------------------------------------- a) loading

type Pair = readonly [id: string, title: string];

/** Profiles per data stream file, as (a) found them; (b) reuses them. */
const vigilProfiles = new Map<string, Pair[]>();

function profilesOf(r: InfoReport): Pair[] {
  if (r.documentType !== 'Source Data Stream') throw new Error(`${r.file} is a ${r.documentType}, not a data stream`);
  return r.streams.flatMap((s) => s.checklists.flatMap((c) => c.profiles.map((p): Pair => [p.id, p.title])));
}

test('a) every SSG data stream, XCCDF benchmark and OVAL file loads and validates', async (t) => {
  const byGlob = GLOBS.map(([glob, re]) => [glob, contentFiles(re)] as const);
  const empty = byGlob.filter(([, files]) => files.length === 0).map(([glob]) => glob);
  // A present directory without any file of one kind counts as missing content.
  if (!(await prerequisites(t, { files: empty.length ? [...empty] : [] }))) return;
  const files = [...new Set(byGlob.flatMap(([, f]) => f))].sort();
  t.diagnostic(`${files.length} files: ${byGlob.map(([g, f]) => `${f.length} ${g}`).join(', ')}`);
  for (const f of files) {
    await t.test(f, () => {
      const report = describeContent(join(CONTENT, f));
      const expected = f.endsWith('-oval.xml')
        ? 'OVAL Definitions'
        : f.endsWith('-xccdf.xml')
          ? 'XCCDF Checklist'
          : 'Source Data Stream';
      assert.equal(report.documentType, expected);
      if (report.documentType === 'Source Data Stream') {
        vigilProfiles.set(f, profilesOf(report));
        assert.ok(report.streams.length > 0, 'the data stream collection has no stream');
      }
    });
  }
});

// ---------------------------------------------------------------- b) profiles vs oscap info

/** The (Id, Title) pairs under every "Profiles:" heading of `oscap info` output, in order. */
function parseOscapInfoProfiles(out: string): Pair[] {
  const pairs: Pair[] = [];
  const lines = out.split('\n');
  let depth = -1; // indentation of the current "Profiles:" heading; -1 outside one
  let title: string | undefined;
  for (const line of lines) {
    const m = /^(\t*)(.*)$/.exec(line)!;
    const indent = m[1]!.length;
    const text = m[2]!;
    if (text === 'Profiles:') {
      depth = indent;
      title = undefined;
      continue;
    }
    if (depth < 0) continue;
    if (indent === depth + 1 && text.startsWith('Title: ')) {
      title = text.slice('Title: '.length);
    } else if (indent === depth + 2 && text.startsWith('Id: ')) {
      pairs.push([text.slice('Id: '.length), title ?? '']);
      title = undefined;
    } else if (indent <= depth) {
      depth = -1; // the next heading ("Referenced check files:") ends the list
    } else if (title !== undefined) {
      title += `\n${line}`; // a title running over several lines
    }
  }
  return pairs;
}

function pairsDifference(vigil: readonly Pair[], oscap: readonly Pair[]): string {
  const show = (p: Pair): string => `${p[0]} "${p[1]}"`;
  const sets = setDifference(new Set(vigil.map(show)), new Set(oscap.map(show)), 'profiles (id, title)');
  if (sets) return sets;
  const at = vigil.findIndex((p, i) => show(p) !== show(oscap[i]!));
  if (at >= 0 || vigil.length !== oscap.length) {
    return `same profiles, different order (first difference at #${at}):\n  Vigil: ${head(vigil.map((p) => p[0]))}\n  oscap: ${head(oscap.map((p) => p[0]))}`;
  }
  return '';
}

test('b) every ssg-*-ds.xml lists the same profiles (id, title) as `oscap info`', async (t) => {
  const files = contentFiles(GLOBS[0]![1]);
  if (!(await prerequisites(t, { oscap: true, files: files.length ? [] : [GLOBS[0]![0]] }))) return;
  t.diagnostic(`${files.length} data streams`);
  // oscap runs a few at a time, ahead of the comparisons; each file is its own subtest.
  const limit = limiter(Math.max(2, Math.min(4, availableParallelism())));
  const oscapOut = new Map(files.map((f) => [f, limit(() => oscap(['info', join(CONTENT, f)], { note: (m) => t.diagnostic(m) }))] as const));
  for (const p of oscapOut.values()) p.catch(() => undefined); // rejections surface in the subtests
  for (const f of files) {
    await t.test(f, async () => {
      const vigil = vigilProfiles.get(f) ?? profilesOf(describeContent(join(CONTENT, f)));
      const r = await oscapOut.get(f)!;
      assert.equal(r.code, 0, `oscap info ${f} exited with ${r.code}:\n${r.stderr}`);
      const oscap = parseOscapInfoProfiles(r.stdout);
      assert.ok(oscap.length > 0, `no profiles parsed from oscap info ${f}:\n${r.stdout.slice(0, 2000)}`);
      const diff = pairsDifference(vigil, oscap);
      assert.ok(diff === '', `${f}: ${diff}`);
    });
  }
});

// ---------------------------------------------------------------- c) selected rules vs oscap xccdf eval

interface Target {
  readonly file: string;
  /** Files of the synthetic root that make the content's platform applicable. */
  readonly root: Readonly<Record<string, string>>;
}

const TARGETS: readonly Target[] = [
  { file: 'ssg-ubuntu2204-ds.xml', root: { 'etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n' } },
  { file: 'ssg-debian11-ds.xml', root: { 'etc/debian_version': '11.7\n' } },
];

/** The rule ids oscap evaluated, from the "Rule\t<id>" lines of `oscap xccdf eval` (oscap puts a \r before the tab). */
function parseOscapEvalRules(out: string): { rules: string[]; results: Map<string, number> } {
  const rules: string[] = [];
  const results = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^(Rule|Result)\r?\t(.*?)\r?$/.exec(line);
    if (!m) continue;
    if (m[1] === 'Rule') rules.push(m[2]!);
    else results.set(m[2]!, (results.get(m[2]!) ?? 0) + 1);
  }
  return { rules, results };
}

// Subtests run two at a time; each runs one oscap evaluation.
test('c) for every Ubuntu 22.04 and Debian 11 profile, Vigil selects the rules `oscap xccdf eval` evaluates', { concurrency: 2 }, async (t) => {
  if (!(await prerequisites(t, { oscap: true, files: TARGETS.map((x) => x.file) }))) return;
  const base = mkdtempSync(join(tmpdir(), 'vigil-ssg-'));
  try {
    const cases: Array<{ target: Target; root: string; profile: string; vigil: Set<string> }> = [];
    for (const target of TARGETS) {
      // A fresh synthetic root per content: only the platform file.
      const root = join(base, target.file.replace(/\.xml$/, ''));
      for (const [rel, text] of Object.entries(target.root)) {
        mkdirSync(join(root, rel, '..'), { recursive: true });
        writeFileSync(join(root, rel), text);
      }
      const loaded = openContent(join(CONTENT, target.file));
      for (const sel of checklistIds(loaded)) {
        const benchmark = openChecklist(loaded, sel).benchmark;
        for (const p of benchmark.profiles) {
          cases.push({ target, root, profile: p.id, vigil: new Set(resolveProfile(benchmark, p.id).rules.map((r) => r.id)) });
        }
      }
    }
    t.diagnostic(`${cases.length} profiles, evaluated 2 at a time`);
    const work = join(base, 'cwd');
    mkdirSync(work);
    await Promise.all(
      cases.map((c) =>
        t.test(`${c.target.file} ${c.profile.replace(/^xccdf_org\.ssgproject\.content_profile_/, '')}`, async (t2) => {
          const r = await oscap(['xccdf', 'eval', '--profile', c.profile, join(CONTENT, c.target.file)], {
            env: { ...process.env, OSCAP_PROBE_ROOT: c.root },
            cwd: work,
            note: (m) => t2.diagnostic(m),
          });
          // 0: all passed, 2: some rule failed; anything else is an error.
          assert.ok(r.code === 0 || r.code === 2, `oscap xccdf eval --profile ${c.profile} exited with ${r.code}:\n${r.stderr.slice(-4000)}`);
          const { rules, results } = parseOscapEvalRules(r.stdout);
          t2.diagnostic(`${c.vigil.size} rules selected; oscap: ${[...results].sort().map(([k, n]) => `${n} ${k}`).join(', ')}`);
          const diff = setDifference(c.vigil, new Set(rules), 'rules');
          assert.ok(diff === '', `${c.target.file} --profile ${c.profile}: ${diff}`);
        }),
      ),
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

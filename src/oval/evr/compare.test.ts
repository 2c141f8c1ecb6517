/**
 * The OVAL version datatypes: hand tables (one semantic each), then oracle
 * tests on a few hundred hand-picked and seeded pseudo-random pairs against
 *   - dpkg --compare-versions (debian_evr_string),
 *   - librpm's rpm.vercmp through `rpm --eval` Lua (evr_string, on pairs whose
 *     epoch is present on both sides or on neither: there OpenSCAP and rpm
 *     agree; see compare.ts for where they do not),
 *   - oscap itself (all three datatypes, every pair above and the hand
 *     tables), through `oscap oval analyse` on a generated system
 *     characteristics file.
 * An oracle that is missing skips its test, unless VIGIL_REQUIRE_ORACLE=1, in
 * which case the test fails and says what is missing (Debian packages dpkg,
 * rpm and openscap-scanner).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, test, type TestContext } from 'node:test';
import { compareDebianEvr, compareRpmEvr, compareVersion, parseEvr, rpmVercmp, type Ordering } from './compare.js';
import { oracleMissing } from '../../testing/oracle.js';

/** How many disagreeing vectors an assertion message lists. */
const SHOW = 25;

type Expected = Ordering | 'error';
type Row = readonly [a: string, b: string, want: Expected];
type Compare = (a: string, b: string) => Ordering;

/** Our answer, with a thrown error as 'error' (what src/oval/compare.ts makes of it). */
function ours(cmp: Compare, a: string, b: string): Expected {
  try {
    return cmp(a, b);
  } catch {
    return 'error';
  }
}

const flip = (e: Expected): Expected => (e === 'error' ? e : ((-e || 0) as Ordering));

/** One `it` per row, checking cmp(a, b) and the antisymmetric cmp(b, a). */
function table(cmp: Compare, rows: readonly Row[]): void {
  for (const [a, b, want] of rows) {
    it(`${JSON.stringify(a)} vs ${JSON.stringify(b)} → ${want}`, () => {
      assert.equal(ours(cmp, a, b), want);
      assert.equal(ours(cmp, b, a), flip(want));
    });
  }
}

// ================================================================ hand tables

const DEB = {
  epochs: [
    ['1:1.0', '2.0', 1],
    ['0:1.0', '1.0', 0],
    ['00:1.0', '1.0', 0],
    ['2:0', '1:99', 1],
    ['10:1', '9:1', 1],
    ['2147483647:1', '1', 1],
  ],
  tilde: [
    ['1.0~rc1', '1.0', -1],
    ['1.0~', '1.0', -1],
    ['1.0~~', '1.0~', -1],
    ['1.0~~a', '1.0~', -1],
    ['1.0~rc1', '1.0~rc2', -1],
    ['1.0~rc1-1', '1.0-0', -1],
  ],
  'letters sort before other non-digits, after the end': [
    ['1.0a', '1.0', 1],
    ['1.0a', '1.0.1', -1],
    ['1.0+', '1.0.', -1],
    ['1.0A', '1.0a', -1],
    ['1a', '1+', -1],
    ['1.0+b1', '1.0', 1],
  ],
  'leading zeros': [
    ['1.001', '1.1', 0],
    ['1.010', '1.10', 0],
    ['1.0', '1.00', 0],
    ['1.0', '1.000a', -1],
    ['99999999999999999999', '99999999999999999998', 1],
  ],
  'missing revision is ""': [
    ['1.0-0', '1.0', 0],
    ['1.0-1', '1.0', 1],
    ['1.0-0.1', '1.0', 1],
    ['1.0-1', '1.0-1.1', -1],
  ],
  'the last hyphen starts the revision': [
    ['1.0-2-1', '1.0-2-2', -1],
    ['1-2-3', '1-2', 1],
  ],
  // Strings dpkg refuses; OpenSCAP compares them all the same.
  'beyond dpkg syntax (oscap)': [
    [':1.0', '0:1.0', 0],
    ['1.0-', '1.0', 0],
    ['a:1', '0:1', 1],
    ['2147483648:1', '1', 'error'],
    ['1é', '1.', -1],
  ],
} satisfies Record<string, readonly Row[]>;

const RPM = {
  // A missing epoch is older than any epoch (oscap's compare_values; rpm would say 0).
  epochs: [
    ['1:1.0', '2.0', 1],
    ['0:1.0', '1.0', 1],
    ['9.0', '0:1.0', -1],
    ['2:1.0', '10:1.0', -1],
    ['00:1', '0:1', 0],
    [':1.0', '0:1.0', 0],
    ['1:2:3', '1:2.3', 0],
  ],
  tilde: [
    ['1.0~rc1', '1.0', -1],
    ['1.0~rc1', '1.0~rc2', -1],
    ['1.0~', '1.0', -1],
    ['1.0~~', '1.0~', -1],
    ['1.0~rc1-1', '1.0-1', -1],
  ],
  caret: [
    ['1.0^', '1.0', 1],
    ['1.0^git1', '1.0', 1],
    ['1.0^git1', '1.0.1', -1],
    ['1.0^git1', '1.0~rc1', 1],
    ['1.0^a', '1.0^b', -1],
    ['1.0^1', '1.0a', -1],
    ['1~1', '1^1', -1],
  ],
  'digits beat letters': [
    ['1.0a', '1.0.1', -1],
    ['1a', '1', 1],
    ['1.a', '1.1', -1],
    ['a', '1', -1],
    ['1.0', '1.0a', -1],
    ['1.A', '1.a', -1],
  ],
  'leading zeros': [
    ['1.001', '1.1', 0],
    ['1.01', '1.1', 0],
    ['1.0', '1.00', 0],
    ['12345678901234567890', '12345678901234567891', -1],
  ],
  'separators only separate': [
    ['1.0', '1_0', 0],
    ['1.0', '1..0', 0],
    ['1+0', '1.0', 0],
    ['1.0.', '1.0', 0],
    ['1.0é', '1.0', 0],
  ],
  'missing release is older': [
    ['1.0-1', '1.0', 1],
    ['1.0', '1.0-0', -1],
    ['1.0-', '1.0', 1],
    ['1.0-', '1.0-0', -1],
    ['1.0-2.el8', '1.0-10.el8', -1],
    ['2.02-142.el8_7.3', '2.02-142.el8', 1],
  ],
} satisfies Record<string, readonly Row[]>;

const VERSION = {
  'numeric fields': [
    ['1.2.3', '1.2.4', -1],
    ['1.10', '1.9', 1],
    ['2', '10', -1],
  ],
  'missing fields are 0': [
    ['1', '1.0.0', 0],
    ['1.0.1', '1', 1],
  ],
  'leading zeros': [
    ['1.01', '1.1', 0],
    ['01.2', '1.2', 0],
  ],
  'any non-digit separates': [
    ['1-2', '1.2', 0],
    ['1:2', '1_2', 0],
  ],
  'letters read as 0 or as separators': [
    ['1.2a', '1.2', 0],
    ['1.2a3', '1.2.3', 0],
    ['1.a', '1.0', 0],
    ['a', '0', 0],
  ],
  'two separators in a row drop the next field': [
    ['1..2', '1.0', 0],
    ['1..2', '1.0.3', -1],
  ],
  'atoi: white space, signs': [
    ['1.-2', '1.0', -1],
    ['1.+2', '1.2', 0],
    [' 1.2', '1.2', 0],
  ],
  'atoi: int truncation of a saturated long': [
    ['4294967297', '1', 0],
    ['2147483648', '0', -1],
    ['99999999999999999999', '-1', 0],
  ],
} satisfies Record<string, readonly Row[]>;

describe('parseEvr', () => {
  const cases: Array<[string, string | undefined, string, string | undefined]> = [
    ['1.0', undefined, '1.0', undefined],
    ['1:1.0-2', '1', '1.0', '2'],
    [':1.0', '0', '1.0', undefined],
    ['a:1', undefined, 'a:1', undefined],
    ['1:2:3', '1', '2:3', undefined],
    ['1.0-2-3', undefined, '1.0-2', '3'],
    ['1.0-', undefined, '1.0', ''],
    ['1.0\u00002', undefined, '1.0', undefined],
  ];
  for (const [s, epoch, version, release] of cases) {
    it(JSON.stringify(s), () => assert.deepEqual(parseEvr(s), { epoch, version, release }));
  }
});

describe('compareDebianEvr (debian_evr_string)', () => {
  for (const [name, rows] of Object.entries(DEB)) describe(name, () => table(compareDebianEvr, rows));
});

describe('compareRpmEvr (evr_string)', () => {
  for (const [name, rows] of Object.entries(RPM)) describe(name, () => table(compareRpmEvr, rows));
  it('rpmVercmp compares one component, no EVR split', () => {
    assert.equal(rpmVercmp('1:1', '2'), -1);
    assert.equal(rpmVercmp('1.0-1', '1.0'), 1);
  });
});

describe('compareVersion (version)', () => {
  for (const [name, rows] of Object.entries(VERSION)) describe(name, () => table(compareVersion, rows));
});

// ================================================================ vectors

/** mulberry32: a small seeded generator, so the vectors are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Pair = readonly [a: string, b: string];

interface Alphabet {
  readonly epochs: readonly string[];
  readonly nums: readonly string[];
  readonly alphas: readonly string[];
  readonly seps: readonly string[];
  /** Whether the version may start with letters (not for dpkg). */
  readonly alphaStart: boolean;
}

type Kind = 'n' | 'a' | 's';
interface Token {
  readonly kind: Kind;
  readonly text: string;
}
interface Evr {
  epoch: string;
  up: Token[];
  rev: Token[] | undefined;
}

/** Version pairs built from fragments: half of them a version and a small mutation of it. */
function evrPairs(seed: number, count: number, abc: Alphabet): Pair[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const tok = (kind: Kind): Token => ({ kind, text: pick(kind === 'n' ? abc.nums : kind === 'a' ? abc.alphas : abc.seps) });
  const part = (n: number, first: Kind): Token[] => {
    const out: Token[] = [tok(first)];
    for (let i = 1; i < n; i++) {
      out.push(tok('s'));
      out.push(tok(r() < 0.7 ? 'n' : 'a'));
    }
    return out;
  };
  const make = (): Evr => ({
    epoch: r() < 0.3 ? pick(abc.epochs) : '',
    up: part(1 + Math.floor(r() * 4), abc.alphaStart && r() < 0.1 ? 'a' : 'n'),
    rev: r() < 0.5 ? part(1 + Math.floor(r() * 3), r() < 0.8 ? 'n' : 'a') : undefined,
  });
  const text = (v: Evr): string => v.epoch + v.up.map((t) => t.text).join('') + (v.rev ? '-' + v.rev.map((t) => t.text).join('') : '');
  const mutate = (v: Evr): Evr => {
    const w: Evr = { epoch: v.epoch, up: [...v.up], rev: v.rev ? [...v.rev] : undefined };
    const target = w.rev && r() < 0.3 ? w.rev : w.up;
    const i = Math.floor(r() * target.length);
    switch (Math.floor(r() * 7)) {
      case 0: // same kind, other text
      case 1:
        target[i] = tok(target[i]!.kind);
        break;
      case 2: // a longer version
        target.push(tok('s'), tok(r() < 0.7 ? 'n' : 'a'));
        break;
      case 3: // a shorter one
        if (target.length > 2) target.splice(target.length - 2, 2);
        else target.push(tok('s'));
        break;
      case 4: // a pre-release or post-release marker
        target.splice(i + 1, 0, { kind: 's', text: pick(['~', '~', '+', '^'].filter((s) => abc.seps.includes(s))) }, tok('a'));
        break;
      case 5: // another epoch
        w.epoch = r() < 0.3 ? '' : pick(abc.epochs);
        break;
      default: // add or drop the release
        w.rev = w.rev ? undefined : part(1, 'n');
    }
    return w;
  };
  const out: Pair[] = [];
  while (out.length < count) {
    const a = make();
    const b = r() < 0.5 ? mutate(a) : make();
    out.push(r() < 0.5 ? [text(a), text(b)] : [text(b), text(a)]);
  }
  return out;
}

const DEB_ALPHABET: Alphabet = {
  epochs: ['0:', '1:', '2:', '10:', '00:'],
  nums: ['0', '1', '2', '3', '9', '10', '11', '01', '001', '100', '20240101'],
  alphas: ['a', 'b', 'rc', 'alpha', 'beta', 'git', 'dfsg', 'ubuntu', 'deb', 'build', 'Z', 'p'],
  seps: ['.', '.', '.', '+', '~', ''],
  alphaStart: false,
};

const RPM_ALPHABET: Alphabet = {
  epochs: ['0:', '1:', '2:', '10:', '00:'],
  nums: ['0', '1', '2', '3', '9', '10', '11', '01', '001', '100', '20240101'],
  alphas: ['a', 'b', 'rc', 'alpha', 'beta', 'git', 'el', 'fc', 'module', 'Z', 'p'],
  seps: ['.', '.', '.', '_', '+', '~', '^', ''],
  alphaStart: true,
};

/** Strings made of OVAL `version`-ish fragments, separators and garbage included. */
function versionPairs(seed: number, count: number): Pair[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const nums = ['0', '1', '2', '7', '10', '01', '007', '65535', '2147483647', '2147483648', '4294967296', '4294967297', '99999999999999999999'];
  const seps = ['.', '.', '.', '.', '-', '_', ':', '..', 'a', 'b.', 'rc', '+', '-', ' ', '.-', '.+'];
  const make = (): string => {
    let s = r() < 0.1 ? pick(['a', ' ', '-', '+', '.']) : '';
    const n = 1 + Math.floor(r() * 5);
    for (let i = 0; i < n; i++) s += (i ? pick(seps) : '') + pick(nums);
    if (r() < 0.1) s += pick(seps);
    return s;
  };
  const mutate = (s: string): string => {
    switch (Math.floor(r() * 4)) {
      case 0:
        return s + pick(seps) + pick(nums);
      case 1:
        return s.replace(/\d+(?!.*\d)/, pick(nums));
      case 2:
        return s.replace(/\./, pick(seps));
      default:
        return s + '.0';
    }
  };
  const out: Pair[] = [];
  while (out.length < count) {
    const a = make();
    const b = r() < 0.5 ? mutate(a) : make();
    out.push(r() < 0.5 ? [a, b] : [b, a]);
  }
  return out;
}

const rowsOf = (t: Record<string, readonly Row[]>): Pair[] => Object.values(t).flatMap((rows) => rows.map(([a, b]) => [a, b] as const));

/** Hand-picked pairs, all valid for dpkg (some draw a warning). */
const DPKG_PICKED: Pair[] = [
  ['1.0-0', '1.0'],
  ['1.001', '1.1'],
  ['1.0', '1.0-0'],
  ['1:1.0', '1.0'],
  ['0:1.0', '1.0'],
  ['000:1', '0:1'],
  ['1.0~rc1', '1.0'],
  ['1.0~', '1.0'],
  ['1.0~~', '1.0~'],
  ['1.0~~a', '1.0~'],
  ['1.0a', '1.0'],
  ['1.0a', '1.0.1'],
  ['1.0+', '1.0.'],
  ['1.0A', '1.0a'],
  ['1a', '1+'],
  ['1.0-1', '1.0-1.1'],
  ['1.0-2-1', '1.0-2-2'],
  ['1-2-3', '1-2'],
  ['2.30-1ubuntu1', '2.30-1ubuntu1.1'],
  ['1.2.3+dfsg-1', '1.2.3-1'],
  ['1.2.3+dfsg-1', '1.2.3+dfsg1-1'],
  ['7.6p1-4', '7.6p1-4+deb10u1'],
  ['1:9.2-1', '9.3-1'],
  ['2.36-9+deb12u4', '2.36-9+deb12u10'],
  ['3.0.11-1~deb12u2', '3.0.11-1'],
  ['1.0+b1', '1.0'],
  ['1.2.3~beta', '1.2.3~alpha'],
  ['1.0-0ubuntu0.20.04.1', '1.0-0ubuntu0.20.04.10'],
  ['10', '9'],
  ['1.0.0', '1.0'],
  ['1.0', '1'],
  ['1.0-1', '1.0-01'],
  ['1.0-a', '1.0-1'],
  ['1:1:1', '1:1'],
  ['1.2.3', '1.2.3.'],
  ['1é', '1.'],
  ['1é', '1a'],
  ['99999999999999999999', '99999999999999999998'],
  ['2147483647:1', '1'],
  ...rowsOf(DEB).filter(([a, b]) => ![':1.0', '1.0-', 'a:1', '2147483648:1'].includes(a) && !b.startsWith(':')),
];

/** Hand-picked pairs for rpm; epochs on both sides or neither. */
const RPM_PICKED: Pair[] = [
  ['1.0~rc1', '1.0'],
  ['1.0^', '1.0~'],
  ['1.0~^', '1.0~'],
  ['1.0^~', '1.0^'],
  ['1..', '1.'],
  ['1-1-1', '1-1-2'],
  ['1:2:3', '1:2:3'],
  ['1:1.0', '1:1.0-1'],
  ['5.4.17-2136.300.7.el8uek', '5.4.17-2136.300.7.el8uek.x86_64'],
  ['0.1-1.fc38', '0.1-1.fc38.1'],
  ['1é2', '1.2'],
  ['1.0a1', '1.0.a1'],
  ['1.0.a', '1.0a'],
  ['1.0', '1.0.0'],
  ['2.0.0', '2.0'],
  ['1.0-1', '1.0-1~'],
  ['1.0-1^', '1.0-1'],
  ...rowsOf(RPM),
];

/** Pairs where the epoch is present on one side only: oscap and rpm disagree there. */
const RPM_EPOCH_MISMATCH: Pair[] = [
  ['1.0', '0:1.0'],
  ['9.0', '0:1.0'],
  ['0:1.0', '1.0'],
  ['1:1.0', '2.0'],
  ['1.0-1', ':1.0-1'],
  ['1.0', '1:0.1'],
];

const hasEpoch = (s: string): boolean => parseEvr(s).epoch !== undefined;

const DPKG_VECTORS: Pair[] = [...DPKG_PICKED, ...evrPairs(0x5eed_deb, 320, DEB_ALPHABET)];
const RPM_ALL: Pair[] = [...RPM_PICKED, ...RPM_EPOCH_MISMATCH, ...evrPairs(0x5eed_4e1, 360, RPM_ALPHABET)];
/** The rpm oracle's vectors: the epoch on both sides or on neither. */
const RPM_VECTORS: Pair[] = RPM_ALL.filter(([a, b]) => hasEpoch(a) === hasEpoch(b) && a !== '' && b !== '');
const VERSION_VECTORS: Pair[] = [
  ...rowsOf(VERSION),
  ['1.2é3', '1.2.0.3'],
  ['1.é', '1.0'],
  ['', '0'],
  ['0x10', '0'],
  ['1e5', '1.5'],
  ['1\t2', '1.2'],
  ...versionPairs(0x5eed_0e5, 320),
];

// ================================================================ oracles

const missing = (t: TestContext, what: string): void => void oracleMissing(t, what);

interface Disagreement {
  readonly a: string;
  readonly b: string;
  readonly oracle: string;
  readonly ours: Expected;
}

function report(t: TestContext, name: string, answers: readonly string[], bad: readonly Disagreement[]): void {
  const total = answers.length;
  const spread = new Map<string, number>();
  for (const a of answers) spread.set(a, (spread.get(a) ?? 0) + 1);
  t.diagnostic(`${name}: ${total - bad.length}/${total} vectors agree (oracle said ${[...spread].map(([k, n]) => `${k}: ${n}`).join(', ')})`);
  if (bad.length === 0) return;
  const lines = bad.slice(0, SHOW).map((d) => `${JSON.stringify(d.a)} vs ${JSON.stringify(d.b)}: oracle ${d.oracle}, ours ${d.ours}`);
  if (bad.length > SHOW) lines.push(`… and ${bad.length - SHOW} more`);
  assert.fail(`${name}: ${bad.length} of ${total} vectors disagree:\n  ${lines.join('\n  ')}`);
}

const US = '\x1f';

test('oracle: dpkg --compare-versions (debian_evr_string)', (t) => {
  const probe = spawnSync('dpkg', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return missing(t, 'the dpkg command (Debian package dpkg)');
  for (const [a, b] of DPKG_VECTORS) assert.ok(!`${a}${b}`.includes(US) && !`${a}${b}`.includes('\n'), `${a} / ${b}`);
  // One shell for all pairs; "lt" first, "eq" only when not lt. Exit 2 is a syntax error.
  const script = `IFS="$(printf '\\037')"
while read -r a b; do
  dpkg --compare-versions "$a" lt "$b" 2>/dev/null; l=$?
  if [ "$l" -eq 1 ]; then dpkg --compare-versions "$a" eq "$b" 2>/dev/null; e=$?; else e=-; fi
  echo "$l $e"
done`;
  const input = DPKG_VECTORS.map(([a, b]) => `${a}${US}${b}\n`).join('');
  const r = spawnSync('sh', ['-c', script], { input, encoding: 'utf8', timeout: 120_000, maxBuffer: 16 << 20 });
  assert.equal(r.status, 0, `the dpkg loop failed: ${r.error?.message ?? r.stderr}`);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, DPKG_VECTORS.length);
  const bad: Disagreement[] = [];
  const answers = DPKG_VECTORS.map(([a, b], i) => {
    const line = lines[i]!;
    const oracle = line === '0 -' ? '-1' : line === '1 0' ? '0' : line === '1 1' ? '1' : `exit codes ${line}`;
    const got = ours(compareDebianEvr, a, b);
    if (String(got) !== oracle) bad.push({ a, b, oracle, ours: got });
    return oracle;
  });
  report(t, 'dpkg', answers, bad);
});

test('oracle: rpm.vercmp via rpm --eval (evr_string)', (t) => {
  const probe = spawnSync('rpm', ['--eval', '%{lua: print(rpm.vercmp("1.0", "1.0~rc1"))}'], { encoding: 'utf8' });
  if (probe.error || probe.stdout.trim() !== '1') return missing(t, 'rpm with Lua rpm.vercmp (Debian package rpm)');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-evr-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pairsFile = join(dir, 'pairs');
  const luaFile = join(dir, 'vercmp.lua');
  writeFileSync(pairsFile, RPM_VECTORS.map(([a, b]) => `${a}\t${b}\n`).join(''));
  writeFileSync(
    luaFile,
    // rpm's print() inside a macro appends to the expansion without a newline: print once.
    `local out = {}
for line in io.lines(${JSON.stringify(pairsFile)}) do
  local tab = string.find(line, "\\t", 1, true)
  local ok, rc = pcall(rpm.vercmp, string.sub(line, 1, tab - 1), string.sub(line, tab + 1))
  out[#out + 1] = ok and tostring(rc) or "error"
end
print(table.concat(out, "\\n"))
`,
  );
  assert.ok(!/[%{}]/.test(luaFile), 'the Lua file path must not need macro escaping');
  const r = spawnSync('rpm', ['--eval', `%{lua: dofile(${JSON.stringify(luaFile)})}`], { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 << 20 });
  assert.equal(r.status, 0, `rpm --eval failed: ${r.error?.message ?? r.stderr}`);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, RPM_VECTORS.length);
  const bad: Disagreement[] = [];
  RPM_VECTORS.forEach(([a, b], i) => {
    const got = ours(compareRpmEvr, a, b);
    if (String(got) !== lines[i]) bad.push({ a, b, oracle: lines[i]!, ours: got });
  });
  report(t, 'rpm', lines, bad);
});

// ---------------------------------------------------------------- oscap

type Datatype = 'debian_evr_string' | 'evr_string' | 'version';

const xmlText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * One OVAL document and one system-characteristics document: per vector a
 * dpkginfo item whose evr is a, and two tests of it against b with the
 * vector's datatype, "less than" and "equals". OpenSCAP compares the item
 * with the state using the state's datatype (oval_str_cmp_str).
 */
function ovalDocuments(vectors: ReadonlyArray<readonly [Datatype, string, string]>): { definitions: string; syschar: string } {
  const defs: string[] = [];
  const tests: string[] = [];
  const objects: string[] = [];
  const states: string[] = [];
  const collected: string[] = [];
  const items: string[] = [];
  vectors.forEach(([datatype, a, b], k) => {
    const obj = k + 1;
    objects.push(`<lin-def:dpkginfo_object id="oval:vigil.evr:obj:${obj}" version="1"><lin-def:name>p${obj}</lin-def:name></lin-def:dpkginfo_object>`);
    collected.push(`<object id="oval:vigil.evr:obj:${obj}" version="1" flag="complete"><reference item_ref="${obj}"/></object>`);
    items.push(
      `<lin-sys:dpkginfo_item id="${obj}" status="exists"><lin-sys:name>p${obj}</lin-sys:name><lin-sys:evr datatype="evr_string">${xmlText(a)}</lin-sys:evr></lin-sys:dpkginfo_item>`,
    );
    (['less than', 'equals'] as const).forEach((op, j) => {
      const n = 2 * k + j + 1;
      defs.push(
        `<definition id="oval:vigil.evr:def:${n}" version="1" class="compliance"><metadata><title>${n}</title><description>${n}</description></metadata><criteria><criterion test_ref="oval:vigil.evr:tst:${n}"/></criteria></definition>`,
      );
      tests.push(
        `<lin-def:dpkginfo_test id="oval:vigil.evr:tst:${n}" version="1" check="all" comment="${n}"><lin-def:object object_ref="oval:vigil.evr:obj:${obj}"/><lin-def:state state_ref="oval:vigil.evr:ste:${n}"/></lin-def:dpkginfo_test>`,
      );
      states.push(
        `<lin-def:dpkginfo_state id="oval:vigil.evr:ste:${n}" version="1"><lin-def:evr operation="${op}" datatype="${datatype}">${xmlText(b)}</lin-def:evr></lin-def:dpkginfo_state>`,
      );
    });
  });
  const generator = '<generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>';
  const definitions = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:lin-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
${generator}
<definitions>
${defs.join('\n')}
</definitions>
<tests>
${tests.join('\n')}
</tests>
<objects>
${objects.join('\n')}
</objects>
<states>
${states.join('\n')}
</states>
</oval_definitions>
`;
  const syschar = `<?xml version="1.0" encoding="UTF-8"?>
<oval_system_characteristics xmlns="http://oval.mitre.org/XMLSchema/oval-system-characteristics-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:lin-sys="http://oval.mitre.org/XMLSchema/oval-system-characteristics-5#linux">
${generator}
<system_info><os_name>Linux</os_name><os_version>1</os_version><architecture>x86_64</architecture><primary_host_name>vigil</primary_host_name><interfaces/></system_info>
<collected_objects>
${collected.join('\n')}
</collected_objects>
<system_data>
${items.join('\n')}
</system_data>
</oval_system_characteristics>
`;
  return { definitions, syschar };
}

test('oracle: oscap oval analyse (all three datatypes)', (t) => {
  const probe = spawnSync('oscap', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return missing(t, 'the oscap command (Debian package openscap-scanner)');
  t.diagnostic(`oracle: ${probe.stdout.split('\n')[0]}`);
  const vectors: Array<readonly [Datatype, string, string]> = [
    ...DPKG_VECTORS.map(([a, b]) => ['debian_evr_string', a, b] as const),
    ...rowsOf(DEB).map(([a, b]) => ['debian_evr_string', a, b] as const),
    ...RPM_ALL.map(([a, b]) => ['evr_string', a, b] as const),
    ...VERSION_VECTORS.map(([a, b]) => ['version', a, b] as const),
  ].filter(([, a, b]) => a !== '' && b !== ''); // an empty entity is not a value to compare
  const dir = mkdtempSync(join(tmpdir(), 'vigil-evr-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { definitions, syschar } = ovalDocuments(vectors);
  writeFileSync(join(dir, 'definitions.xml'), definitions);
  writeFileSync(join(dir, 'syschar.xml'), syschar);
  const r = spawnSync('oscap', ['oval', 'analyse', '--skip-valid', '--results', 'results.xml', 'definitions.xml', 'syschar.xml'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `oscap oval analyse failed: ${r.error?.message ?? r.stderr}`);
  const results = new Map<number, string>();
  for (const m of readFileSync(join(dir, 'results.xml'), 'utf8').matchAll(/<test\s[^>]*>/g)) {
    const id = /test_id="oval:vigil\.evr:tst:(\d+)"/.exec(m[0]);
    const result = /\sresult="([^"]*)"/.exec(m[0]);
    if (id && result) results.set(Number(id[1]), result[1]!);
  }
  const cmp: Record<Datatype, Compare> = { debian_evr_string: compareDebianEvr, evr_string: compareRpmEvr, version: compareVersion };
  const bad: Disagreement[] = [];
  const counts = new Map<Datatype, number>();
  const answers = vectors.map(([datatype, a, b], k) => {
    counts.set(datatype, (counts.get(datatype) ?? 0) + 1);
    const lt = results.get(2 * k + 1);
    const eq = results.get(2 * k + 2);
    const oracle =
      lt === 'error' && eq === 'error' ? 'error' : lt === 'true' && eq === 'false' ? '-1' : lt === 'false' && eq === 'true' ? '0' : lt === 'false' && eq === 'false' ? '1' : `lt=${lt} eq=${eq}`;
    const got = ours(cmp[datatype], a, b);
    if (String(got) !== oracle) bad.push({ a: `${datatype} ${a}`, b, oracle, ours: got });
    return oracle;
  });
  t.diagnostic(`vectors per datatype: ${[...counts].map(([d, n]) => `${d} ${n}`).join(', ')}`);
  report(t, 'oscap', answers, bad);
});

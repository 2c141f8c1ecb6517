/**
 * yamlfilecontent through the real engine over a synthetic offline root,
 * and the same document and root given to `OSCAP_PROBE_ROOT=<root> oscap
 * oval eval` (OVAL 5.11.3, where yamlfilecontent is defined). Without oscap
 * the oracle test is skipped, unless VIGIL_REQUIRE_ORACLE=1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import type { ProbeCase } from '../../../testing/probe-oracle.js';
import { oscapAvailable } from '../../../testing/probe-oracle.js';
import {
  rootCaseDocument,
  tempRoot,
  vigilRootOutcome,
  type RootEntry,
  type RootObject,
  type RootOutcome,
  assertAgreesWithOscap,
} from '../../../testing/root-oracle.js';
import { yamlfilecontentProbe } from './yamlfilecontent.js';

const TYPES = `s: hello
b: true
bT: True
bF: FALSE
bMixed: tRue
y: yes
on_: on
i: 42
big: 4294967297
huge: 99999999999999999999
neg: -17
plus: +5
lead0: 007
oct: 0o33
hex: 0xFF
hexUpperX: 0X1F
underscore: 1_000
f: 1.5
e: 1e3
dot: 1.
half: .5
exp: +12e03
bigf: 1e300
inf: -.inf
pinf: .Inf
nan: .NaN
n: null
nN: NULL
tilde: ~
empty:
q: "true"
sq: '81'
date: 2001-12-14
tint: !!int "369"
tstr: !!str 5
tfloat: !!float "1"
tbad: !!bool yes
tnull: !!null x
tcustom: !custom x
tnonspecific: ! 12
block: |
  l1
  l2
nul: "a\\0b"
seq: [1, two, 3.0]
m: {Ab: 1, "c^d": x, z: [1, 2]}
lm:
  - name: a
    v: 1
  - name: b
    v: 2
seqseq: [[1, 2], [3]]
seqmap: [[{a: 1}]]
nested: {a: {b: 1}}
emptymap: {}
emptyseq: []
dup: 1
dup: 2
"a.b": dotted
fp: [a: 1, b]
base: &base {k: 1}
derived: {<<: *base, x: 1}
aliased: *base
`;

const K8S = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    App: web
    tier: Front
spec:
  replicas: 3
  containers:
    - name: a
      image: nginx
      args: ["--x=1", "--y"]
    - name: b
      image: busybox
      args: ["--z"]
`;

/** Shaped like the OpenShift and Kubernetes files SSG's ocp4/eks content reads. */
const KUBE = `apiServerArguments:
  audit-log-maxbackup:
  - "10"
  authorization-mode:
  - Scope
  - SystemMasters
  client-ca-file: /etc/kubernetes/ca.crt
authentication:
  anonymous:
    enabled: false
evictionHard:
  memory.available: 200Mi
featureGates:
  RotateKubeletClientCertificate: true
items:
- spec:
    host: a.example.com
- spec:
    host: b.example.com
rules:
- nonResourceURLs: ["/healthz", "/version"]
  verbs: [get]
data:
  config.yaml: |
    kind: X
`;

const FILES: Record<string, RootEntry> = {
  'etc/types.yaml': TYPES,
  'etc/kube.yaml': KUBE,
  'etc/k8s.yaml': K8S,
  'etc/multi.yaml': 'kind: A\n---\nkind: B\n',
  'etc/flat.yaml': 'a: 1\nb: x\n',
  'etc/bad.yaml': 'a: b: c\n',
  'etc/unclosed.yaml': 'a: [1, 2\nb: 3\n',
  'etc/ctrl.yaml': 'a: \u0001\n',
  'etc/badutf8.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a]),
  'etc/bom.yaml': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a: 1\n')]),
  'etc/empty.yaml': '',
  'etc/comments.yaml': '# nothing but a comment\n',
  'etc/conf.d/x.yaml': 'v: x\n',
  'etc/conf.d/sub/y.yaml': 'v: y\n',
  'etc/conf.d/z.txt': 'v: z\n',
  'etc/ylink': { symlink: 'flat.yaml' },
  'etc/ydangle': { symlink: 'missing.yaml' },
  'etc/ydir': { symlink: 'conf.d' },
};

interface Case extends ProbeCase {
  readonly want: {
    readonly definition: string;
    readonly flag: string;
    /** Per item `filepath: {field=value, field:int=1} {...}` (datatype shown unless string), sorted. */
    readonly items: readonly string[];
    readonly messages?: readonly string[];
  };
  /** Known to differ from oscap in these respects, and why. */
  readonly differs?: { readonly what: ReadonlyArray<'definition' | 'flag' | 'items' | 'messages'>; readonly why: string };
}

/** Stands for the root directory in expected messages (oscap names the host path). */
const ROOT_MARK = '<root>';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const yp = (path: string, file = '/etc/types.yaml'): Pick<Case, 'family' | 'type' | 'object'> => ({
  family: 'independent',
  type: 'yamlfilecontent',
  object: `<ind:filepath>${file}</ind:filepath><ind:yamlpath>${esc(path)}</ind:yamlpath>`,
});
/** One item of `file` whose records are given as `{...}` strings. */
const found = (file: string, ...records: string[]): Case['want'] => ({ definition: 'true', flag: 'complete', items: [`${file}: ${records.join(' ')}`] });
const t1 = (...records: string[]): Case['want'] => found('/etc/types.yaml', ...records);
const NONE: Case['want'] = { definition: 'false', flag: 'does not exist', items: [] };
const failed = (...messages: string[]): Case['want'] => ({ definition: 'error', flag: 'error', items: [], messages });

const CASES: readonly Case[] = [
  // scalars: the YAML 1.2 core schema, as yamlfilecontent_probe.c types them
  { name: 'a string', ...yp('.s'), want: t1('{#=hello}') },
  { name: 'true', ...yp('.b'), want: t1('{#:boolean=true}') },
  { name: 'True', ...yp('.bT'), want: t1('{#:boolean=true}') },
  { name: 'FALSE', ...yp('.bF'), want: t1('{#:boolean=false}') },
  { name: 'tRue is a string', ...yp('.bMixed'), want: t1('{#=tRue}') },
  { name: 'yes is a string, not a YAML 1.1 boolean', ...yp('.y'), want: t1('{#=yes}') },
  { name: 'on is a string', ...yp('.on_'), want: t1('{#=on}') },
  { name: 'an int', ...yp('.i'), want: t1('{#:int=42}') },
  { name: 'an int beyond 32 bits is truncated', ...yp('.big'), want: t1('{#:int=1}') },
  { name: 'an int beyond 64 bits saturates, then truncates', ...yp('.huge'), want: t1('{#:int=-1}') },
  { name: 'a negative int', ...yp('.neg'), want: t1('{#:int=-17}') },
  { name: 'a signed int', ...yp('.plus'), want: t1('{#:int=5}') },
  { name: 'leading zeros are decimal', ...yp('.lead0'), want: t1('{#:int=7}') },
  { name: '0o octal', ...yp('.oct'), want: t1('{#:int=27}') },
  { name: '0x hex', ...yp('.hex'), want: t1('{#:int=255}') },
  { name: '0X is not hex', ...yp('.hexUpperX'), want: t1('{#=0X1F}') },
  { name: '1_000 is a string', ...yp('.underscore'), want: t1('{#=1_000}') },
  { name: 'a float prints with %f', ...yp('.f'), want: t1('{#:float=1.500000}') },
  { name: 'an exponent', ...yp('.e'), want: t1('{#:float=1000.000000}') },
  { name: 'a trailing dot', ...yp('.dot'), want: t1('{#:float=1.000000}') },
  { name: 'a leading dot', ...yp('.half'), want: t1('{#:float=0.500000}') },
  { name: 'a signed exponent', ...yp('.exp'), want: t1('{#:float=12000.000000}') },
  { name: 'a huge float, cut at 63 characters', ...yp('.bigf'), want: t1(`{#:float=${'1000000000000000052504760255204420248704468581108159154915854115'.slice(0, 63)}}`) },
  { name: '-.inf', ...yp('.inf'), want: t1('{#:float=-inf}') },
  { name: '.Inf', ...yp('.pinf'), want: t1('{#:float=inf}') },
  { name: '.NaN', ...yp('.nan'), want: t1('{#:float=nan}') },
  { name: 'null', ...yp('.n'), want: t1('{#=(null)}') },
  { name: 'NULL', ...yp('.nN'), want: t1('{#=(null)}') },
  { name: '~', ...yp('.tilde'), want: t1('{#=(null)}') },
  { name: 'an empty value', ...yp('.empty'), want: t1('{#=(null)}') },
  { name: 'a quoted true is a string', ...yp('.q'), want: t1('{#=true}') },
  { name: 'a quoted number is a string', ...yp('.sq'), want: t1('{#=81}') },
  { name: 'a date is a string', ...yp('.date'), want: t1('{#=2001-12-14}') },
  { name: '!!int on a quoted value', ...yp('.tint'), want: t1('{#:int=369}') },
  { name: '!!str on a number', ...yp('.tstr'), want: t1('{#=5}') },
  { name: '!!float on a quoted int', ...yp('.tfloat'), want: t1('{#:float=1.000000}') },
  { name: '!!bool that does not fit', ...yp('.tbad'), want: failed("Can't convert 'tag:yaml.org,2002:bool yes' to SEXP") },
  { name: '!!null that does not fit', ...yp('.tnull'), want: failed("Can't convert 'tag:yaml.org,2002:null x' to SEXP") },
  { name: 'a local tag is a string', ...yp('.tcustom'), want: t1('{#=x}') },
  { name: 'the non-specific tag is a string', ...yp('.tnonspecific'), want: t1('{#=12}') },
  { name: 'a literal block', ...yp('.block'), want: t1('{#=l1\nl2\n}') },
  { name: 'a NUL in a quoted string ends it', ...yp('.nul'), want: t1('{#=a}') },
  // collections
  { name: 'a sequence of scalars: one record', ...yp('.seq'), want: t1('{#:int=1, #=two, #:float=3.000000}') },
  { name: 'a map: escaped keys, hash-table order, a sequence inside repeats its key', ...yp('.m'), want: t1('{^ab:int=1, z:int=1, z:int=2, c^^d=x}') },
  { name: 'a sequence of maps: one record each', ...yp('.lm'), want: t1('{v:int=1, name=a}', '{v:int=2, name=b}') },
  { name: '[:] over a sequence of maps', ...yp('.lm[:]'), want: t1('{v:int=1, name=a}', '{v:int=2, name=b}') },
  { name: '[:] then a key', ...yp('.lm[:].name'), want: t1('{#=a, #=b}') },
  { name: 'an index', ...yp('.lm[1].name'), want: t1('{#=b}') },
  { name: 'an index set', ...yp('.lm[1,0].v'), want: t1('{#:int=1, #:int=2}') },
  { name: 'an index past the end', ...yp('.lm[5]'), want: NONE },
  { name: 'a key selection', ...yp(".m['c^d','Ab']"), want: t1('{^ab:int=1, c^^d=x}') },
  { name: 'every key', ...yp('.m[*]'), want: t1('{^ab:int=1, z:int=1, z:int=2, c^^d=x}') },
  { name: 'a sequence of sequences: one record each', ...yp('.seqseq'), want: t1('{#:int=1, #:int=2}', '{#:int=3}') },
  {
    name: 'a sequence of sequences of maps',
    ...yp('.seqmap'),
    // the inner sequence already opened a record, so the map hits the "invalid structure" check first
    want: failed("YAML path '.seqmap' points to an invalid structure (map containing another map)"),
  },
  { name: 'a map of maps', ...yp('.nested'), want: failed("YAML path '.nested' points to a multi-dimensional structure (map containing another map)") },
  { name: 'an empty map: nothing', ...yp('.emptymap'), want: NONE },
  { name: 'an empty sequence: nothing', ...yp('.emptyseq'), want: NONE },
  { name: 'a duplicated key gives both values', ...yp('.dup'), want: t1('{#:int=1, #:int=2}') },
  { name: 'a quoted key with a dot', ...yp("['a.b']"), want: t1('{#=dotted}') },
  { name: 'a flow pair in a sequence, then a scalar under the stale key', ...yp('.fp'), want: t1('{a:int=1}', '{a=b}') },
  { name: 'a merge key: the alias is not a value', ...yp('.derived'), want: t1('{<<=x}') },
  { name: 'an alias alone: nothing', ...yp('.aliased'), want: NONE },
  { name: 'a missing key', ...yp('.missing'), want: NONE },
  // paths
  { name: 'a path without the leading dot', ...yp('kind', '/etc/k8s.yaml'), want: found('/etc/k8s.yaml', '{#=Pod}') },
  { name: '$', ...yp('$', '/etc/flat.yaml'), want: found('/etc/flat.yaml', '{a:int=1, b=x}') },
  { name: '$.key', ...yp('$.kind', '/etc/k8s.yaml'), want: found('/etc/k8s.yaml', '{#=Pod}') },
  { name: 'args of every container: a record per container', ...yp('.spec.containers[:].args', '/etc/k8s.yaml'), want: found('/etc/k8s.yaml', '{#=--x=1, #=--y}', '{#=--z}') },
  { name: 'names of every container', ...yp('.spec.containers[:].name', '/etc/k8s.yaml'), want: found('/etc/k8s.yaml', '{#=a, #=b}') },
  { name: 'containers: maps holding sequences', ...yp('.spec.containers', '/etc/k8s.yaml'), want: found('/etc/k8s.yaml', '{args=--x=1, args=--y, image=nginx, name=a}', '{args=--z, image=busybox, name=b}') },
  { name: 'labels with a capital', ...yp('.metadata.labels', '/etc/k8s.yaml'), want: found('/etc/k8s.yaml', '{^app=web, tier=Front}') },
  { name: 'a key with a capital in the path', ...yp('.metadata.labels.App', '/etc/k8s.yaml'), want: found('/etc/k8s.yaml', '{#=web}') },
  { name: 'a key selection reaching a map', ...yp(".metadata['name','labels']", '/etc/k8s.yaml'), want: failed("YAML path '.metadata['name','labels']' points to a multi-dimensional structure (map containing another map)") },
  { name: 'a key selection on a sequence: nothing', ...yp('.spec.containers[*]', '/etc/k8s.yaml'), want: NONE },
  { name: 'an int in a deep map', ...yp('.spec.replicas', '/etc/k8s.yaml'), state: '<ind:value datatype="record"><field name="#" datatype="int" operation="greater than">2</field></ind:value>', want: found('/etc/k8s.yaml', '{#:int=3}') },
  { name: 'SSG: a quoted key, then [:]', ...yp('.apiServerArguments["audit-log-maxbackup"][:]', '/etc/kube.yaml'), want: found('/etc/kube.yaml', '{#=10}') },
  { name: 'SSG: a list of flags', ...yp('.apiServerArguments["authorization-mode"][:]', '/etc/kube.yaml'), want: found('/etc/kube.yaml', '{#=Scope, #=SystemMasters}') },
  { name: 'SSG: a quoted key, scalar', ...yp('.apiServerArguments["client-ca-file"]', '/etc/kube.yaml'), want: found('/etc/kube.yaml', '{#=/etc/kubernetes/ca.crt}') },
  { name: 'SSG: a nested boolean', ...yp('.authentication.anonymous.enabled', '/etc/kube.yaml'), state: '<ind:value datatype="record"><field name="#" datatype="boolean">false</field></ind:value>', want: found('/etc/kube.yaml', '{#:boolean=false}') },
  { name: 'SSG: a key with a dot', ...yp(".evictionHard['memory.available']", '/etc/kube.yaml'), want: found('/etc/kube.yaml', '{#=200Mi}') },
  { name: 'SSG: a capitalised key', ...yp('.featureGates.RotateKubeletClientCertificate', '/etc/kube.yaml'), want: found('/etc/kube.yaml', '{#:boolean=true}') },
  { name: 'SSG: [:] then two keys', ...yp('.items[:].spec.host', '/etc/kube.yaml'), want: found('/etc/kube.yaml', '{#=a.example.com, #=b.example.com}') },
  { name: 'SSG: an index, then [:]', ...yp('.rules[0].nonResourceURLs[:]', '/etc/kube.yaml'), want: found('/etc/kube.yaml', '{#=/healthz, #=/version}') },
  { name: 'SSG: an embedded document is a string', ...yp('.data["config.yaml"]', '/etc/kube.yaml'), want: found('/etc/kube.yaml', '{#=kind: X\n}') },
  { name: 'SSG: [:] over a map: nothing', ...yp('.evictionHard[:]', '/etc/kube.yaml'), want: NONE },
  { name: 'two documents: one record', ...yp('.kind', '/etc/multi.yaml'), want: found('/etc/multi.yaml', '{#=A, #=B}') },
  { name: 'a missing ]', ...yp('.a[', '/etc/flat.yaml'), want: failed("Invalid YAML path '.a[': Segment index is invalid (unexpected end of string, missing ']')") },
  { name: 'a negative index', ...yp('.a[-1]', '/etc/flat.yaml'), want: failed("Invalid YAML path '.a[-1]': Segment index is invalid (negative number)") },
  { name: 'an empty key', ...yp('.a..b', '/etc/flat.yaml'), want: failed("Invalid YAML path '.a..b': Segment key is missing") },
  { name: 'an unclosed quote', ...yp(".a['b", '/etc/flat.yaml'), want: failed("Invalid YAML path '.a['b': Segment key is invalid (unexpected end of string, missing closing quotation mark)") },
  // states
  { name: 'state: an int field', ...yp('.i'), state: '<ind:value datatype="record"><field name="#" datatype="int">42</field></ind:value>', want: t1('{#:int=42}') },
  { name: 'state: a boolean field', ...yp('.b'), state: '<ind:value datatype="record"><field name="#" datatype="boolean">true</field></ind:value>', want: t1('{#:boolean=true}') },
  { name: 'state: yes against a boolean true', ...yp('.y'), state: '<ind:value datatype="record"><field name="#" datatype="boolean">true</field></ind:value>', want: { ...t1('{#=yes}'), definition: 'false' } },
  { name: 'state: a field of every map', ...yp('.lm'), state: '<ind:value datatype="record"><field name="v" datatype="int" operation="less than">3</field></ind:value>', check: 'all', want: t1('{v:int=1, name=a}', '{v:int=2, name=b}') },
  { name: 'state: a field name that is missing', ...yp('.lm'), state: '<ind:value datatype="record"><field name="nope">a</field></ind:value>', check: 'all', want: { ...t1('{v:int=1, name=a}', '{v:int=2, name=b}'), definition: 'error' } },
  { name: 'state: an escaped field name', ...yp('.metadata.labels', '/etc/k8s.yaml'), state: '<ind:value datatype="record"><field name="^app">web</field></ind:value>', want: found('/etc/k8s.yaml', '{^app=web, tier=Front}') },
  // files
  { name: 'a UTF-8 BOM', ...yp('.a', '/etc/bom.yaml'), want: found('/etc/bom.yaml', '{#:int=1}') },
  { name: 'an empty file', ...yp('.a', '/etc/empty.yaml'), want: NONE },
  { name: 'only a comment', ...yp('.a', '/etc/comments.yaml'), want: NONE },
  {
    name: 'a syntax error',
    ...yp('.a', '/etc/bad.yaml'),
    want: failed('YAML parser error: Nested mappings are not allowed in compact mappings at line 1, column 4:'),
    differs: { what: ['messages'], why: "the yaml package's wording, not libyaml's" },
  },
  {
    name: 'an unclosed flow sequence',
    ...yp('.b', '/etc/unclosed.yaml'),
    want: failed('YAML parser error: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1:'),
    differs: { what: ['messages'], why: "the yaml package's wording, not libyaml's" },
  },
  { name: 'a control character', ...yp('.a', '/etc/ctrl.yaml'), want: failed('YAML parser error: control characters are not allowed') },
  { name: 'invalid UTF-8', ...yp('.a', '/etc/badutf8.yaml'), want: failed('YAML parser error: invalid leading UTF-8 octet') },
  { name: 'filepath through a symlink', ...yp('.b', '/etc/ylink'), want: found('/etc/ylink', '{#=x}') },
  { name: 'filepath of a dangling symlink: nothing', ...yp('.a', '/etc/ydangle'), want: NONE },
  { name: 'filepath of a symlink to a directory: nothing', ...yp('.a', '/etc/ydir'), want: NONE },
  {
    name: 'path + filename over symlinks: a dangling one cannot be opened, one to a directory cannot be read',
    family: 'independent',
    type: 'yamlfilecontent',
    object: '<ind:path>/etc</ind:path><ind:filename operation="pattern match">^y(link|dangle|dir)$</ind:filename><ind:yamlpath>.b</ind:yamlpath>',
    want: { definition: 'error', flag: 'error', items: ['/etc/ylink: {#=x}'], messages: ['YAML parser error: input error', "Unable to open file '/etc/ydangle': No such file or directory"] },
    differs: { what: ['messages'], why: 'Vigil names the path on the target; oscap names the host path under OSCAP_PROBE_ROOT, which says nothing over SSH' },
  },
  {
    name: 'path + filename naming a directory: nothing',
    family: 'independent',
    type: 'yamlfilecontent',
    object: '<ind:path>/etc</ind:path><ind:filename>conf.d</ind:filename><ind:yamlpath>.v</ind:yamlpath>',
    want: NONE,
  },
  {
    name: 'path + filename pattern, recursing down',
    family: 'independent',
    type: 'yamlfilecontent',
    object: '<ind:behaviors recurse_direction="down"/><ind:path>/etc/conf.d</ind:path><ind:filename operation="pattern match">\\.yaml$</ind:filename><ind:yamlpath>.v</ind:yamlpath>',
    want: { definition: 'true', flag: 'complete', items: ['/etc/conf.d/sub/y.yaml: {#=y}', '/etc/conf.d/x.yaml: {#=x}'] },
  },
];

const XML = rootCaseDocument(CASES, '5.11.3');

function record(fields: ReadonlyArray<[string, string, string]>): string {
  return `{${fields.map(([n, d, v]) => (d === 'string' ? `${n}=${v}` : `${n}:${d}=${v}`)).join(', ')}}`;
}

function summary(o: RootObject | undefined): string[] {
  return (o?.items ?? [])
    .map((i) => {
      const es = i.entities.map((e) => JSON.parse(e) as [string, string, ...unknown[]]);
      const file = es.find((e) => e[0] === 'filepath')?.[2] as string;
      const records = es.filter((e) => e[0] === 'value').map((e) => record(e.slice(2) as Array<[string, string, string]>));
      return `${file}: ${records.join(' ')}`;
    })
    .sort();
}

describe('yamlfilecontent through the engine', () => {
  const root = tempRoot('vigil-yamlfilecontent-', FILES);
  let vigil: RootOutcome;
  before(async () => {
    vigil = await vigilRootOutcome(XML, root.root, [yamlfilecontentProbe]);
  });
  after(() => root.dispose());

  CASES.forEach((c, i) => {
    it(c.name, () => {
      const o = vigil.objects.get(`oval:vigil:obj:${i + 1}`);
      assert.deepEqual(
        { definition: vigil.definitions.get(`oval:vigil:def:${i + 1}`), flag: o?.flag, items: summary(o), messages: [...(o?.messages ?? [])].sort() },
        { definition: c.want.definition, flag: c.want.flag, items: [...c.want.items].sort(), messages: (c.want.messages ?? []).map((m) => m.replace(ROOT_MARK, root.root)).sort() },
      );
    });
  });

  it('items hold filepath, path, filename, yamlpath, then the value records', () => {
    const o = vigil.objects.get('oval:vigil:obj:1')!;
    assert.deepEqual(
      o.items[0]!.entities.map((e) => JSON.parse(e) as unknown),
      [
        ['filepath', 'string', '/etc/types.yaml'],
        ['path', 'string', '/etc'],
        ['filename', 'string', 'types.yaml'],
        ['yamlpath', 'string', '.s'],
        ['value', 'record', ['#', 'string', 'hello']],
      ],
    );
  });

  it('a file that cannot be opened names the path on the target, not the host path oscap names', async () => {
    const doc = rootCaseDocument([
      {
        name: 'dangling through path + filename',
        family: 'independent',
        type: 'yamlfilecontent',
        object: '<ind:path>/etc</ind:path><ind:filename>ydangle</ind:filename><ind:yamlpath>.a</ind:yamlpath>',
      },
    ], '5.11.3');
    const o = (await vigilRootOutcome(doc, root.root, [yamlfilecontentProbe])).objects.get('oval:vigil:obj:1');
    assert.equal(o?.flag, 'error');
    assert.deepEqual(o?.messages, ["Unable to open file '/etc/ydangle': No such file or directory"]);
  });
});

test('yamlfilecontent agrees with oscap (OSCAP_PROBE_ROOT)', async (t) => {
  if (!(await oscapAvailable(t))) return;
  const root = tempRoot('vigil-yamlfilecontent-oracle-', FILES);
  try {
    await assertAgreesWithOscap(t, { xml: XML, root, probes: [yamlfilecontentProbe], cases: CASES });
  } finally {
    root.dispose(t);
  }
});

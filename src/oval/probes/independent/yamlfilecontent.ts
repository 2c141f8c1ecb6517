/**
 * independent:yamlfilecontent_object: values picked from YAML files by a
 * YAML Path, as OpenSCAP 1.3.7's yamlfilecontent_probe.c collects them.
 *
 * - The file is parsed with the `yaml` package (YAML 1.1, duplicate keys
 *   allowed as libyaml allows them) and replayed as a libyaml event stream;
 *   yaml-path.ts (a port of OpenSCAP's yaml-filter) selects the events, and
 *   the probe's state machine turns them into records, quirks included.
 * - Each selected value is one `value` entity of datatype record. A scalar
 *   (or a sequence of scalars) gives fields named `#`; a map gives one field
 *   per key, the key lowercased with `^` before each capital (`^` itself
 *   doubled); a sequence of maps gives one record per map; a map holding
 *   sequences gives repeated fields. Fields come in OpenSCAP's hash-table
 *   order (389 buckets, h = 97h + byte).
 * - Scalars are typed as the probe types them, with the YAML 1.2 core
 *   schema, NOT YAML 1.1: only true/True/TRUE and false/False/FALSE are
 *   booleans (`yes` and `on` stay strings), ints are `[+-]?[0-9]+`, `0o..`,
 *   `0x..` truncated to 32 bits, floats print as printf("%f") (`inf`, `nan`),
 *   null (and an empty value) is the string `(null)`; quoted scalars are
 *   strings; an explicit tag that does not fit (`!!int abc`) is an error.
 * - No item when the path selects nothing. An invalid path, a YAML syntax
 *   error, a multi-dimensional selection or a file that cannot be opened
 *   makes the object flag error with OpenSCAP's message (YAML syntax errors
 *   carry the `yaml` package's wording, not libyaml's).
 * - Only regular files and symlinks are read (oval_fts FTS_F/FTS_SL).
 * Works the same offline; messages name paths on the target, never host
 * paths (OpenSCAP prefixes OSCAP_PROBE_ROOT).
 */
import { createRequire } from 'node:module';
import type { OvalDatatype } from '../../../model/oval/types.js';
import type { ItemData, ItemEntity, Probe, ProbeRequest, ProbeResult } from '../../types.js';
import { formatFixed } from '../cformat.js';
import { field } from '../entity.js';
import { errnoOf, ftsKind } from '../file-kind.js';
import { fileLocator, walksFilesystem } from '../files.js';
import { YamlPath, type YamlEvent } from './yaml-path.js';

// ------------------------------------------------------------ event stream

const IGNORED_YAML_ERRORS = new Set(['TAG_RESOLVE_FAILED', 'DUPLICATE_KEY']);

/** libyaml's reader: the characters it refuses ("control characters are not allowed"). */
const LIBYAML_FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/;

/** The problem libyaml reports for the first malformed UTF-8 sequence, or undefined when `buf` is valid. */
function utf8Problem(buf: Buffer): string | undefined {
  for (let i = 0; i < buf.length; ) {
    const b = buf[i]!;
    const width = b < 0x80 ? 1 : (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 0;
    if (width === 0) return 'invalid leading UTF-8 octet';
    if (i + width > buf.length) return 'incomplete UTF-8 octet sequence';
    let value = width === 1 ? b : width === 2 ? b & 0x1f : width === 3 ? b & 0x0f : b & 0x07;
    for (let k = 1; k < width; k++) {
      const t = buf[i + k]!;
      if ((t & 0xc0) !== 0x80) return 'invalid trailing UTF-8 octet';
      value = (value << 6) | (t & 0x3f);
    }
    if (!(width === 1 || (width === 2 && value >= 0x80) || (width === 3 && value >= 0x800) || (width === 4 && value >= 0x10000))) {
      return 'invalid length of a UTF-8 sequence';
    }
    if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) return 'invalid Unicode character';
    i += width;
  }
  return undefined;
}

/** The file's text as libyaml decodes it (BOM-detected UTF-16, else UTF-8), or libyaml's problem. */
function decode(buf: Buffer): { text: string } | { problem: string } {
  if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
    try {
      return { text: new TextDecoder(buf[0] === 0xff ? 'utf-16le' : 'utf-16be', { fatal: true }).decode(buf) };
    } catch {
      return { problem: 'invalid Unicode character' };
    }
  }
  const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  const body = bom ? buf.subarray(3) : buf;
  const problem = utf8Problem(body);
  return problem ? { problem } : { text: body.toString('utf8') };
}

/** Replays a parsed YAML stream as libyaml's parser events. */
type Yaml = typeof import('yaml');
let yaml: Yaml | undefined;

/** The yaml package, loaded when the probe first reads YAML (a scan without YAML objects does not pay for it). */
function yamlLibrary(): Yaml {
  yaml ??= createRequire(import.meta.url)('yaml') as Yaml;
  return yaml;
}

function yamlEvents(text: string): { events: YamlEvent[]; problem?: string } {
  const { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments } = yamlLibrary();
  if (LIBYAML_FORBIDDEN.test(text)) return { events: [], problem: 'control characters are not allowed' };
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: false, merge: false });
  const events: YamlEvent[] = [{ type: 'STREAM_START' }];
  const emptyScalar: YamlEvent = { type: 'SCALAR', value: '', plain: true };
  const node = (n: unknown): void => {
    if (n === null || n === undefined) {
      events.push(emptyScalar);
    } else if (isScalar(n)) {
      events.push({
        type: 'SCALAR',
        value: String(n.source ?? ''),
        plain: n.type === undefined || n.type === 'PLAIN',
        ...(n.tag !== undefined ? { tag: n.tag } : {}),
        ...(n.anchor !== undefined ? { anchor: n.anchor } : {}),
      });
    } else if (isAlias(n)) {
      events.push({ type: 'ALIAS', anchor: n.source });
    } else if (isMap(n)) {
      events.push({ type: 'MAPPING_START', ...(n.anchor !== undefined ? { anchor: n.anchor } : {}), ...(n.tag !== undefined ? { tag: n.tag } : {}) });
      for (const p of n.items) {
        node(p.key);
        node(p.value);
      }
      events.push({ type: 'MAPPING_END' });
    } else if (isSeq(n)) {
      events.push({ type: 'SEQUENCE_START', ...(n.anchor !== undefined ? { anchor: n.anchor } : {}), ...(n.tag !== undefined ? { tag: n.tag } : {}) });
      for (const item of n.items) node(item);
      events.push({ type: 'SEQUENCE_END' });
    } else if (isPair(n)) {
      // a single pair in a flow sequence (`[a: 1]`) is a one-pair mapping
      events.push({ type: 'MAPPING_START' });
      node(n.key);
      node(n.value);
      events.push({ type: 'MAPPING_END' });
    } else {
      events.push(emptyScalar);
    }
  };
  const streamErrors = 'empty' in docs ? docs.errors.filter((e) => !IGNORED_YAML_ERRORS.has(e.code)) : [];
  if (streamErrors.length > 0) return { events, problem: firstLine(streamErrors[0]!.message) };
  for (const doc of docs) {
    const errors = doc.errors.filter((e) => !IGNORED_YAML_ERRORS.has(e.code));
    if (errors.length > 0) return { events, problem: firstLine(errors[0]!.message) };
    events.push({ type: 'DOCUMENT_START' });
    node(doc.contents);
    events.push({ type: 'DOCUMENT_END' });
  }
  events.push({ type: 'STREAM_END' });
  return { events };
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

// ------------------------------------------------------------ scalar values

const TAG_STR = 'tag:yaml.org,2002:str';
const TAG_BOOL = 'tag:yaml.org,2002:bool';
const TAG_INT = 'tag:yaml.org,2002:int';
const TAG_FLOAT = 'tag:yaml.org,2002:float';
const TAG_NULL = 'tag:yaml.org,2002:null';

// PCRE's `$` also matches before a final newline.
const RE_TRUE = /^(?:true|True|TRUE)\n?$/;
const RE_FALSE = /^(?:false|False|FALSE)\n?$/;
const RE_INT10 = /^[+-]?[0-9]+\n?$/;
const RE_INT8 = /^0o[0-7]+\n?$/;
const RE_INT16 = /^0x[0-9a-fA-F]+\n?$/;
const RE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\n?$/;
const RE_INF = /^[-+]?(?:\.inf|\.Inf|\.INF)\n?$/;
const RE_NAN = /^(?:\.nan|\.NaN|\.NAN)\n?$/;
const RE_NULL = /^(?:null|Null|NULL|~|)\n?$/;

interface FieldValue {
  readonly value: string;
  readonly datatype: OvalDatatype;
}

/** strtol(s, NULL, base) stored in a C int: clamped to 64 bits, then truncated to 32. */
function cStrtolInt(digits: string, base: number): string {
  const m = /^\s*([+-]?)(?:0x)?([0-9a-fA-F]*)/.exec(digits)!;
  let v = 0n;
  for (const ch of m[2]!) v = v * BigInt(base) + BigInt(Number.parseInt(ch, base));
  if (m[1] === '-') v = -v;
  const LONG_MAX = (1n << 63n) - 1n;
  const LONG_MIN = -(1n << 63n);
  if (v > LONG_MAX) v = LONG_MAX;
  if (v < LONG_MIN) v = LONG_MIN;
  return BigInt.asIntN(32, v).toString();
}

/** printf("%f") of a double, in OpenSCAP's 64-byte buffer. */
function cFloat(x: number): string {
  return formatFixed(x, 6).slice(0, 63);
}

/** yaml_scalar_event_to_sexp: the typed value of a scalar, or undefined when its explicit tag does not fit. */
function scalarValue(ev: YamlEvent): FieldValue | undefined {
  const value = cString(ev.value ?? '');
  let tag = ev.tag ?? (ev.plain ? '?' : '!');
  if (tag === '!') tag = TAG_STR;
  const question = tag === '?';
  if (question || tag === TAG_BOOL) {
    if (RE_TRUE.test(value)) return { value: 'true', datatype: 'boolean' };
    if (RE_FALSE.test(value)) return { value: 'false', datatype: 'boolean' };
    if (!question) return undefined;
  }
  if (question || tag === TAG_INT) {
    if (RE_INT10.test(value)) return { value: cStrtolInt(value, 10), datatype: 'int' };
    if (RE_INT8.test(value)) return { value: cStrtolInt(value.slice(2), 8), datatype: 'int' };
    if (RE_INT16.test(value)) return { value: cStrtolInt(value, 16), datatype: 'int' };
    if (!question) return undefined;
  }
  if (question || tag === TAG_FLOAT) {
    if (RE_FLOAT.test(value)) return { value: cFloat(Number(value.trim())), datatype: 'float' };
    if (RE_INF.test(value)) return { value: cFloat(value.startsWith('-') ? -Infinity : Infinity), datatype: 'float' };
    if (RE_NAN.test(value)) return { value: cFloat(NaN), datatype: 'float' };
    if (!question) return undefined;
  }
  if (question || tag === TAG_NULL) {
    if (RE_NULL.test(value)) return { value: '(null)', datatype: 'string' };
    if (!question) return undefined;
  }
  return { value, datatype: 'string' };
}

/** A value as C sees it: up to the first NUL. */
function cString(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

/** escape_key: `^` before each capital (lowercased) and before each `^`. */
function escapeKey(key: string): string {
  return key.replace(/[A-Z^]/g, (c) => `^${c === '^' ? '^' : c.toLowerCase()}`);
}

// ------------------------------------------------------------------ records

/** One record: field name → values, kept in OpenSCAP's hash-table iteration order when read. */
class HRecord {
  private readonly buckets = new Map<number, string[]>();
  private readonly fields = new Map<string, FieldValue[]>();

  get size(): number {
    return this.fields.size;
  }

  add(key: string, v: FieldValue): void {
    let list = this.fields.get(key);
    if (!list) {
      list = [];
      this.fields.set(key, list);
      const h = hashKey(key);
      const chain = this.buckets.get(h) ?? [];
      chain.unshift(key); // oscap_htable_add inserts at the head of the chain
      this.buckets.set(h, chain);
    }
    list.push(v);
  }

  /** The fields in oscap_htable iteration order: bucket 0..388, each chain from its head. */
  entities(): ItemEntity[] {
    const out: ItemEntity[] = [];
    for (const h of [...this.buckets.keys()].sort((a, b) => a - b)) {
      for (const key of this.buckets.get(h)!) {
        for (const v of this.fields.get(key)!) out.push({ name: key, value: v.value, datatype: v.datatype, status: 'exists' });
      }
    }
    return out;
  }
}

const HSIZE = 389;

function hashKey(key: string): number {
  let h = 0;
  for (const b of Buffer.from(key, 'utf8')) h = (Math.imul(97, h) + b) >>> 0;
  return h % HSIZE;
}

/** yaml_path_query: the records the path selects, or the error OpenSCAP reports. */
function query(events: readonly YamlEvent[], streamProblem: string | undefined, yamlPath: string | undefined): { records: HRecord[] } | { error: string } {
  const path = YamlPath.parse(yamlPath);
  if ('error' in path) return { error: `Invalid YAML path '${yamlPath ?? '(null)'}': ${path.error}` };
  const values: HRecord[] = [];
  let sequence = false;
  let mapping = false;
  let fakeMapping = false;
  let index = 0;
  let key = '#';
  let record: HRecord | undefined;
  for (const ev of events) {
    if (path.filter(ev) === 'out') continue;
    const t = ev.type;
    if (sequence) {
      if (t === 'SEQUENCE_END') {
        if (fakeMapping) {
          fakeMapping = false;
          if (record && record.size > 0) values.push(record);
          record = undefined;
        } else {
          sequence = false;
        }
      } else if (t === 'SEQUENCE_START') {
        if (mapping || fakeMapping) {
          return { error: `YAML path '${yamlPath}' points to a multi-dimensional structure (a map or a sequence containing other sequences)` };
        }
        fakeMapping = true;
        record = new HRecord();
      }
    } else if (t === 'SEQUENCE_START') {
      sequence = true;
      if (mapping) index++;
    }
    if (mapping) {
      if (t === 'MAPPING_END') {
        mapping = false;
        if (record && record.size > 0) values.push(record);
        record = undefined;
      } else if (t === 'MAPPING_START') {
        return { error: `YAML path '${yamlPath}' points to a multi-dimensional structure (map containing another map)` };
      }
    } else if (t === 'MAPPING_START') {
      if (record) return { error: `YAML path '${yamlPath}' points to an invalid structure (map containing another map)` };
      if (fakeMapping) return { error: `YAML path '${yamlPath}' points to a multi-dimensional structure (two-dimensional sequence containing a map)` };
      mapping = true;
      sequence = false;
      index = 0;
      record = new HRecord();
    }
    if (t === 'SCALAR') {
      if (mapping && !sequence && index++ % 2 === 0) {
        key = escapeKey(cString(ev.value ?? ''));
        continue;
      }
      const v = scalarValue(ev);
      if (v === undefined) return { error: `Can't convert '${ev.tag ?? '(null)'} ${cString(ev.value ?? '')}' to SEXP` };
      record ??= new HRecord();
      record.add(key, v);
    }
  }
  // libyaml stops at a syntax error: what came before it was already read
  if (streamProblem !== undefined) return { error: `YAML parser error: ${streamProblem}` };
  if (record) values.push(record);
  return { records: values };
}

// -------------------------------------------------------------------- probe

export const yamlfilecontentProbe: Probe = {
  family: 'independent',
  objectType: 'yamlfilecontent_object',
  needs: [],
  description: 'reads YAML files (filepath, or path+filename with recursion behaviors) and picks values by a YAML Path into records; behaves the same offline',
  sharesWork: walksFilesystem,
  async collect(req: ProbeRequest, ctx): Promise<ProbeResult> {
    const filepathEnt = req.entities.get('filepath');
    const yamlPath = req.entities.get('yamlpath')?.value;
    const items: ItemData[] = [];
    const messages: string[] = [];
    let failed = false;
    const fail = (msg: string): void => {
      messages.push(msg);
      failed = true;
    };
    for (const f of await fileLocator(ctx).locate(req, ctx)) {
      if (f.filename === undefined) continue;
      const kind = await ftsKind(ctx.target, f, filepathEnt !== undefined);
      if (kind !== 'file' && kind !== 'symlink') continue;
      const filepath = ojoin(f.path, f.filename);
      let buf: Buffer;
      try {
        const info = await ctx.target.stat(f.filepath);
        // fopen() of a directory succeeds; libyaml's first read then fails
        if (info.type === 'directory') {
          fail('YAML parser error: input error');
          continue;
        }
        if (info.type !== 'regular') continue;
        buf = await ctx.target.readFile(f.filepath);
      } catch (e) {
        // Any failure, a dangling link found by a walk included, is an error as in OpenSCAP; the message
        // names the path on the target (OpenSCAP names the host path under OSCAP_PROBE_ROOT).
        fail(`Unable to open file '${filepath}': ${errnoOf(e).text}`);
        continue;
      }
      const decoded = decode(buf);
      const { events, problem } = 'text' in decoded ? yamlEvents(decoded.text) : { events: [], problem: decoded.problem };
      const r = query(events, problem, yamlPath);
      if ('error' in r) {
        fail(r.error);
        continue;
      }
      if (r.records.length === 0) continue;
      items.push({
        family: 'independent',
        type: 'yamlfilecontent_item',
        status: 'exists',
        entities: [
          field('filepath', filepath),
          field('path', f.path),
          field('filename', f.filename),
          field('yamlpath', yamlPath ?? ''),
          ...r.records.map((rec): ItemEntity => ({ name: 'value', value: '', datatype: 'record', status: 'exists', fields: rec.entities() })),
        ],
      });
    }
    return { ...(failed ? { flag: 'error' as const } : {}), items, messages };
  },
};

/** oscap_path_join: one slash between the parts. */
function ojoin(a: string, b: string): string {
  return `${a.replace(/\/+$/, '')}/${b.replace(/^\/+/, '')}`;
}

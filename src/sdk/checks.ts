/**
 * The building blocks of checks. Each returns a plain Check node (./model.ts)
 * that the compiler lowers to OVAL:
 *
 * - file content: `lineMatches`, `noLineMatches`, `setting`;
 * - file metadata: `fileExists`, `fileAbsent`, `fileMetadata` (owner, group,
 *   mode; one path or a tree),
 *   `noFiles` (nothing matches, e.g. world-writable directories without the
 *   sticky bit);
 * - packages: `packageInstalled`, `packageRemoved`;
 * - kernel parameters: `sysctl`;
 * - systemd: `unitProperty`, `unitActive`, `unitEnabled`, `unitMasked`;
 * - combinations: `all`, `any`, `none`.
 *
 * Patterns are PCRE (as OVAL has them); a RegExp is taken by its source,
 * with the `i` flag as `(?i)`.
 */
import { ContentError } from '../model/errors.js';
import type {
  Check,
  CombinedCheck,
  Comparison,
  Datatype,
  FileAttributes,
  FileExistsCheck,
  FileMetadataCheck,
  FileSpec,
  FileType,
  ModeBit,
  NoFilesCheck,
  Operation,
  PackageCheck,
  PackageManager,
  SettingCheck,
  SysctlCheck,
  TextCheck,
  UnitCheck,
  Value,
} from './model.js';

function fail(message: string): never {
  throw new ContentError('invalid-value', message);
}

// ------------------------------------------------------------------- files

export type FilesInput = string | FileSpec | ReadonlyArray<string | FileSpec>;

function absolute(p: string): string {
  if (!p.startsWith('/') || p.includes('\0')) fail(`"${p}" is not an absolute path`);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function fileSpecs(input: FilesInput): FileSpec[] {
  const list = typeof input === 'string' || !Array.isArray(input) ? [input as string | FileSpec] : (input as ReadonlyArray<string | FileSpec>);
  if (list.length === 0) fail('a check needs at least one file');
  return list.map((f) => {
    if (typeof f === 'string') return { path: absolute(f) };
    if ('path' in f) return { path: absolute(f.path) };
    return { ...f, dir: absolute(f.dir) };
  });
}

/**
 * The entries of `dir` whose names match `name` (a PCRE; `null` for the
 * directories themselves), and with `recursive` those of its subdirectories.
 */
export function inDir(dir: string, name: string | RegExp | null, opts: { recursive?: false | 'all' | 'local' | 'same-device' } = {}): FileSpec {
  return { dir: absolute(dir), name: name === null ? null : pattern(name), ...(opts.recursive ? { recursive: opts.recursive } : {}) };
}

/** A glob-free helper for `*.conf`-style names: the PCRE for names ending in `suffix`. */
export function endsWith(suffix: string): string {
  return `^.*${escapeRegex(suffix)}$`;
}

export function escapeRegex(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

function pattern(p: string | RegExp): string {
  if (typeof p === 'string') return p;
  const extra = p.flags.replace(/[igmu]/g, '');
  if (extra) fail(`the RegExp /${p.source}/${p.flags} has flags OVAL cannot express (${extra})`);
  return p.flags.includes('i') ? `(?i)${p.source}` : p.source;
}

const where = (files: readonly FileSpec[]): string =>
  files.map((f) => ('path' in f ? f.path : `${f.dir}/${f.name === null ? '' : f.name}${f.recursive ? ' (recursively)' : ''}`)).join(', ');

// ------------------------------------------------------------- comparisons

type Scalar = string | number | boolean;
/** What a setting must be: a literal or Value (equals), or one comparison. */
export type Expect =
  | Scalar
  | Value
  | { readonly equals: Scalar | Value }
  | { readonly notEquals: Scalar | Value }
  | { readonly equalsIgnoringCase: string }
  | { readonly atMost: number | Value }
  | { readonly atLeast: number | Value }
  | { readonly lessThan: number | Value }
  | { readonly greaterThan: number | Value }
  | { readonly matches: string | RegExp };

const isValue = (x: unknown): x is Value => typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'value';

function datatypeOf(x: Scalar | Value): Datatype {
  if (isValue(x)) return x.type === 'number' ? 'int' : x.type === 'boolean' ? 'boolean' : 'string';
  return typeof x === 'number' ? 'int' : typeof x === 'boolean' ? 'boolean' : 'string';
}

function comparison(expect: Expect): Comparison {
  const of = (operation: Operation, x: Scalar | Value, datatype = datatypeOf(x)): Comparison => {
    if (typeof x === 'number' && !Number.isInteger(x)) fail(`${x} is not an integer`);
    return { operation, datatype, expected: isValue(x) ? x : String(x) };
  };
  const ordered = (operation: Operation, x: number | Value): Comparison => {
    if (isValue(x) && x.type !== 'number') fail(`value ${x.id} is a ${x.type}; "${operation}" needs a number`);
    return of(operation, x, 'int');
  };
  if (typeof expect !== 'object' || isValue(expect)) return of('equals', expect);
  if ('equals' in expect) return of('equals', expect.equals);
  if ('notEquals' in expect) return of('not equal', expect.notEquals);
  if ('equalsIgnoringCase' in expect) return of('case insensitive equals', expect.equalsIgnoringCase, 'string');
  if ('atMost' in expect) return ordered('less than or equal', expect.atMost);
  if ('atLeast' in expect) return ordered('greater than or equal', expect.atLeast);
  if ('lessThan' in expect) return ordered('less than', expect.lessThan);
  if ('greaterThan' in expect) return ordered('greater than', expect.greaterThan);
  return { operation: 'pattern match', datatype: 'string', expected: pattern(expect.matches) };
}

function describeComparison(c: Comparison): string {
  const v = typeof c.expected === 'string' ? JSON.stringify(c.expected) : `the value of ${c.expected.id}`;
  return `${c.operation} ${v}`;
}

// ------------------------------------------------------------ file content

export interface TextOptions {
  readonly description?: string;
}

/** At least one line of the files matches `pattern`. */
export function lineMatches(files: FilesInput, linePattern: string | RegExp, opts: TextOptions = {}): TextCheck {
  const f = fileSpecs(files);
  const p = pattern(linePattern);
  return { kind: 'text', files: f, pattern: p, expect: 'present', description: opts.description ?? `a line of ${where(f)} matches ${p}` };
}

/** No line of the files matches `pattern` (missing files match nothing). */
export function noLineMatches(files: FilesInput, linePattern: string | RegExp, opts: TextOptions = {}): TextCheck {
  const f = fileSpecs(files);
  const p = pattern(linePattern);
  return { kind: 'text', files: f, pattern: p, expect: 'absent', description: opts.description ?? `no line of ${where(f)} matches ${p}` };
}

export interface SettingOptions {
  /** `space`: `Key value` (sshd_config, login.defs); `equals`: `key = value` (sysctl.conf, systemd's *.conf). Default `space`. */
  readonly separator?: 'space' | 'equals';
  /** Match the key whatever its case (sshd does). Default false. */
  readonly ignoreKeyCase?: boolean;
  /** Default `all`: every occurrence must compare true. */
  readonly occurrences?: 'all' | 'first';
  /** Default `fail`: the setting must be written somewhere. */
  readonly whenMissing?: 'fail' | 'pass';
  readonly description?: string;
}

/**
 * A setting in configuration files: the lines `key value` (or `key = value`),
 * comments (`#`) and surrounding blanks ignored, compared as `expect` says.
 */
export function setting(files: FilesInput, key: string, expect: Expect, opts: SettingOptions = {}): SettingCheck {
  const f = fileSpecs(files);
  if (!/^[A-Za-z0-9_.\-/]+$/.test(key)) fail(`setting key "${key}" must be letters, digits and _ . - /`);
  const compare = comparison(expect);
  const occurrences = opts.occurrences ?? 'all';
  return {
    kind: 'setting',
    files: f,
    key,
    separator: opts.separator ?? 'space',
    ignoreKeyCase: opts.ignoreKeyCase ?? false,
    compare,
    occurrences,
    whenMissing: opts.whenMissing ?? 'fail',
    description: opts.description ?? `${key} in ${where(f)} ${occurrences === 'all' ? 'is set, every time,' : 'is first set'} ${describeComparison(compare)}`,
  };
}

// ----------------------------------------------------------- file metadata

const BITS: readonly ModeBit[] = ['suid', 'sgid', 'sticky', 'uread', 'uwrite', 'uexec', 'gread', 'gwrite', 'gexec', 'oread', 'owrite', 'oexec'];
const BIT_VALUE: Readonly<Record<ModeBit, number>> = {
  suid: 0o4000,
  sgid: 0o2000,
  sticky: 0o1000,
  uread: 0o400,
  uwrite: 0o200,
  uexec: 0o100,
  gread: 0o40,
  gwrite: 0o20,
  gexec: 0o10,
  oread: 0o4,
  owrite: 0o2,
  oexec: 0o1,
};

/** The bits a mode "at most" allows: every bit outside `mode` must be clear. */
export function bitsAtMost(mode: number): Partial<Record<ModeBit, boolean>> {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) fail(`mode ${mode} is not a permission mode (0 to 0o7777)`);
  const out: Partial<Record<ModeBit, boolean>> = {};
  for (const b of BITS) if ((mode & BIT_VALUE[b]) === 0) out[b] = false;
  return out;
}

export interface MetadataSpec {
  /** Allowed owners (uid). */
  readonly uid?: number | readonly number[];
  /** Allowed groups (gid). */
  readonly gid?: number | readonly number[];
  /** The most permissive mode allowed, e.g. 0o644: any bit outside it fails. */
  readonly mode?: number;
  /** Further bits that must be set or clear. */
  readonly bits?: Readonly<Partial<Record<ModeBit, boolean>>>;
  readonly type?: FileType;
}

export interface MetadataOptions {
  /** Default `pass`: a file that does not exist has no wrong permissions. */
  readonly whenMissing?: 'pass' | 'fail';
  readonly description?: string;
}

const list = (x: number | readonly number[] | undefined): ReadonlyArray<number | undefined> => (x === undefined ? [undefined] : typeof x === 'number' ? [x] : x);

/**
 * Every file found (symbolic links aside) has one of the allowed owners, one
 * of the allowed groups and a mode no more permissive than `mode`.
 */
export function fileMetadata(files: FilesInput, spec: MetadataSpec, opts: MetadataOptions = {}): FileMetadataCheck {
  const f = fileSpecs(files);
  const bits = { ...(spec.mode !== undefined ? bitsAtMost(spec.mode) : {}), ...(spec.bits ?? {}) };
  const allowed: FileAttributes[] = [];
  for (const uid of list(spec.uid)) {
    for (const gid of list(spec.gid)) {
      allowed.push({
        ...(spec.type ? { type: spec.type } : {}),
        ...(uid !== undefined ? { uid } : {}),
        ...(gid !== undefined ? { gid } : {}),
        ...(Object.keys(bits).length ? { bits } : {}),
      });
    }
  }
  if (allowed.every((a) => Object.keys(a).length === 0)) fail(`fileMetadata on ${where(f)} constrains nothing`);
  const parts = [
    spec.uid !== undefined ? `owned by uid ${list(spec.uid).join(' or ')}` : '',
    spec.gid !== undefined ? `group ${list(spec.gid).join(' or ')}` : '',
    spec.mode !== undefined ? `mode ${spec.mode.toString(8).padStart(4, '0')} or stricter` : '',
  ].filter(Boolean);
  return { kind: 'file-metadata', files: f, allowed, whenMissing: opts.whenMissing ?? 'pass', description: opts.description ?? `${where(f)}: ${parts.join(', ') || 'metadata as required'}` };
}

/** At least one of the files exists (a symbolic link counts, whatever it points at). */
export function fileExists(files: FilesInput, opts: { readonly description?: string } = {}): FileExistsCheck {
  const f = fileSpecs(files);
  return { kind: 'file-exists', files: f, expect: 'present', description: opts.description ?? `${where(f)} exists` };
}

/** None of the files exists. */
export function fileAbsent(files: FilesInput, opts: { readonly description?: string } = {}): FileExistsCheck {
  const f = fileSpecs(files);
  return { kind: 'file-exists', files: f, expect: 'absent', description: opts.description ?? `${where(f)} does not exist` };
}

/** No file found has all of the given attributes. */
export function noFiles(files: FilesInput, matching: { readonly uid?: number; readonly gid?: number; readonly type?: FileType; readonly bits?: Readonly<Partial<Record<ModeBit, boolean>>> }, opts: { readonly description?: string } = {}): NoFilesCheck {
  const f = fileSpecs(files);
  if (Object.keys(matching).length === 0) fail(`noFiles on ${where(f)} needs at least one attribute`);
  return { kind: 'no-files', files: f, matching, description: opts.description ?? `no file in ${where(f)} matches ${JSON.stringify(matching)}` };
}

// ---------------------------------------------------------------- packages

const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]*$/;

export function packageInstalled(name: string, opts: { readonly manager?: PackageManager } = {}): PackageCheck {
  if (!PACKAGE_NAME.test(name)) fail(`"${name}" is not a package name`);
  return { kind: 'package', name, expect: 'installed', manager: opts.manager ?? 'auto', description: `package ${name} is installed` };
}

export function packageRemoved(name: string, opts: { readonly manager?: PackageManager } = {}): PackageCheck {
  if (!PACKAGE_NAME.test(name)) fail(`"${name}" is not a package name`);
  return { kind: 'package', name, expect: 'removed', manager: opts.manager ?? 'auto', description: `package ${name} is not installed` };
}

// ------------------------------------------------------------------ sysctl

export interface SysctlOptions {
  /** Check the configuration files. Default true. */
  readonly persistent?: boolean;
  /** Check the running kernel, where the target offers /proc/sys. Default true. */
  readonly runtime?: boolean;
}

/** A kernel parameter: configured in sysctl's files, and set in the running kernel. */
export function sysctl(name: string, expect: Expect, opts: SysctlOptions = {}): SysctlCheck {
  if (!/^[a-z0-9_]+(?:\.[a-z0-9_-]+)+$/.test(name)) fail(`"${name}" is not a dotted kernel parameter name`);
  const persistent = opts.persistent ?? true;
  const runtime = opts.runtime ?? true;
  if (!persistent && !runtime) fail(`sysctl ${name}: check the configuration, the runtime value, or both`);
  const compare = comparison(expect);
  return { kind: 'sysctl', name, compare, persistent, runtime, description: `kernel parameter ${name} ${describeComparison(compare)}` };
}

// ----------------------------------------------------------------- systemd

/** A property of a loaded systemd unit (as `systemctl show` names it). */
export function unitProperty(unit: string, property: string, expect: Expect): UnitCheck {
  if (!/^[A-Za-z0-9:_.@\\-]+$/.test(unit)) fail(`"${unit}" is not a systemd unit name`);
  if (!/^[A-Za-z]+$/.test(property)) fail(`"${property}" is not a unit property name`);
  const compare = comparison(expect);
  return { kind: 'unit', unit, property, compare, description: `systemd unit ${unit}: ${property} ${describeComparison(compare)}` };
}

export const unitActive = (unit: string): UnitCheck => unitProperty(unit, 'ActiveState', 'active');
export const unitEnabled = (unit: string): UnitCheck => unitProperty(unit, 'UnitFileState', 'enabled');
export const unitMasked = (unit: string): UnitCheck => unitProperty(unit, 'LoadState', 'masked');

// ------------------------------------------------------------ combinations

function combine(kind: CombinedCheck['kind'], checks: readonly Check[], word: string): CombinedCheck {
  if (checks.length === 0) fail(`${kind}() needs at least one check`);
  return { kind, checks, description: `${word}: ${checks.map((c) => c.description).join('; ')}` };
}

/** Every check passes. */
export const all = (...checks: Check[]): CombinedCheck => combine('all', checks, 'all of');
/** At least one check passes. */
export const any = (...checks: Check[]): CombinedCheck => combine('any', checks, 'any of');
/** No check passes. */
export const none = (...checks: Check[]): CombinedCheck => combine('none', checks, 'none of');

/** The same check with another description (the comment the OVAL carries). */
export function described<C extends Check>(check: C, description: string): C {
  return { ...check, description };
}

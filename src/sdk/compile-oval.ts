/**
 * Lowers the building blocks (./checks.ts) to OVAL 5.11: one definition per
 * rule (or platform), with its tests, objects, states and variables, written
 * as SSG writes the same checks so that oscap reads them as it reads SSG.
 *
 * Ids are deterministic and stable: every rule gets its own id namespace,
 * `oval:<namespace>.<rule>:<kind>:<n>`, numbered in the order the rule's
 * check tree is walked, so adding or editing one rule never renumbers
 * another. Identical objects and states within a rule are written once.
 */
import { ContentError } from '../model/errors.js';
import { attrs, esc } from '../model/xml/escape.js';
import type { Check, Comparison, FileAttributes, FileSpec, ModeBit, PackageCheck, SettingCheck, SysctlCheck, Value } from './model.js';
import { SYSCTL_FILES } from './model.js';

export const OVAL_NS = {
  defs: 'http://oval.mitre.org/XMLSchema/oval-definitions-5',
  common: 'http://oval.mitre.org/XMLSchema/oval-common-5',
  ind: 'http://oval.mitre.org/XMLSchema/oval-definitions-5#independent',
  unix: 'http://oval.mitre.org/XMLSchema/oval-definitions-5#unix',
  linux: 'http://oval.mitre.org/XMLSchema/oval-definitions-5#linux',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

type Kind = 'def' | 'tst' | 'obj' | 'ste' | 'var';

/** An exported XCCDF Value: the external variable that receives it. */
export interface ValueExport {
  readonly value: Value;
  readonly variableId: string;
}

/** One OVAL definitions document being built. */
export class OvalDocument {
  private readonly sections: Record<'definitions' | 'tests' | 'objects' | 'states' | 'variables', string[]> = {
    definitions: [],
    tests: [],
    objects: [],
    states: [],
    variables: [],
  };
  private readonly namespaces = new Set<string>();

  /** A fresh id namespace (a rule, a platform). */
  scope(namespace: string): OvalScope {
    if (this.namespaces.has(namespace)) throw new ContentError('invalid-value', `two items would share the OVAL id namespace ${namespace}`);
    this.namespaces.add(namespace);
    return new OvalScope(namespace, (section, xml) => this.sections[section].push(xml));
  }

  /** The document, without an XML declaration. */
  toXml(timestamp: string): string {
    const sec = (name: keyof OvalDocument['sections']): string =>
      this.sections[name].length ? `  <${name}>\n${this.sections[name].join('')}  </${name}>\n` : '';
    return (
      `<oval_definitions xmlns="${OVAL_NS.defs}" xmlns:oval="${OVAL_NS.common}" xmlns:ind="${OVAL_NS.ind}" xmlns:unix="${OVAL_NS.unix}" xmlns:linux="${OVAL_NS.linux}" xmlns:xsi="${OVAL_NS.xsi}">\n` +
      `  <generator>\n    <oval:product_name>Vigil SDK</oval:product_name>\n    <oval:schema_version>5.11</oval:schema_version>\n    <oval:timestamp>${timestamp}</oval:timestamp>\n  </generator>\n` +
      sec('definitions') +
      sec('tests') +
      sec('objects') +
      sec('states') +
      sec('variables') +
      '</oval_definitions>\n'
    );
  }
}

type Emit = (section: 'definitions' | 'tests' | 'objects' | 'states' | 'variables', xml: string) => void;

/** A criteria node, as XML. */
type Node = string;

const I = (n: number): string => '  '.repeat(n);

/** The ids of one rule or platform, and the lowering of its check. */
export class OvalScope {
  private readonly counters: Record<Kind, number> = { def: 0, tst: 0, obj: 0, ste: 0, var: 0 };
  private readonly seen = new Map<string, string>();
  private readonly exportsByKey = new Map<string, ValueExport>();

  constructor(
    readonly namespace: string,
    private readonly emit: Emit,
  ) {}

  /** Values the definition compares against, each with its external variable. */
  get exports(): readonly ValueExport[] {
    return [...this.exportsByKey.values()];
  }

  private next(kind: Kind): string {
    return `oval:${this.namespace}:${kind}:${++this.counters[kind]}`;
  }

  /** Writes an element once per distinct content; returns its id. */
  private element(section: 'objects' | 'states', kind: Kind, tag: string, attributes: Record<string, string | undefined>, body: string): string {
    const key = `${tag}${attrs(attributes)}>${body}`;
    const known = this.seen.get(key);
    if (known) return known;
    const id = this.next(kind);
    this.seen.set(key, id);
    this.emit(section, `${I(2)}<${tag}${attrs({ id, version: '1', ...attributes })}>\n${body}${I(2)}</${tag}>\n`);
    return id;
  }

  private object(tag: string, comment: string, body: string): string {
    return this.element('objects', 'obj', tag, { comment }, body);
  }

  private state(tag: string, comment: string | undefined, body: string): string {
    return this.element('states', 'ste', tag, { comment }, body);
  }

  private test(tag: string, comment: string, a: { check?: string; existence: string; objectRef: string; stateRef?: string }): string {
    const id = this.next('tst');
    const prefix = tag.slice(0, tag.indexOf(':'));
    this.emit(
      'tests',
      `${I(2)}<${tag}${attrs({ id, version: '1', check: a.check ?? 'all', check_existence: a.existence, comment })}>\n` +
        `${I(3)}<${prefix}:object object_ref="${a.objectRef}"/>\n` +
        (a.stateRef ? `${I(3)}<${prefix}:state state_ref="${a.stateRef}"/>\n` : '') +
        `${I(2)}</${tag}>\n`,
    );
    return id;
  }

  /** The external variable a Value is exported to. */
  private variable(v: Value, datatype: string): string {
    const key = `${v.id}\u0000${datatype}`;
    let e = this.exportsByKey.get(key);
    if (!e) {
      const variableId = this.next('var');
      this.emit('variables', `${I(2)}<external_variable${attrs({ id: variableId, version: '1', datatype, comment: `the XCCDF value ${v.id}: ${v.title}` })}/>\n`);
      e = { value: v, variableId };
      this.exportsByKey.set(key, e);
    }
    return e.variableId;
  }

  /** `<prefix:name ...>expected</prefix:name>`, or a var_ref to the Value's external variable. */
  private compared(qname: string, c: Comparison): string {
    if (typeof c.expected === 'string') return `${I(3)}<${qname}${attrs({ datatype: c.datatype, operation: c.operation })}>${esc(c.expected)}</${qname}>\n`;
    return `${I(3)}<${qname}${attrs({ datatype: c.datatype, operation: c.operation, var_ref: this.variable(c.expected, c.datatype), var_check: 'all' })}/>\n`;
  }

  // ------------------------------------------------------------ definitions

  /** Writes a definition whose criteria are the lowered check; returns its id. */
  definition(check: Check, meta: { readonly class: 'compliance' | 'inventory'; readonly title: string; readonly description: string }): string {
    const id = this.next('def');
    const node = this.lower(check, 3);
    const top = node.trimStart().startsWith('<criteria') ? node : `${I(3)}<criteria operator="AND">\n${reindent(node, 4)}${I(3)}</criteria>\n`;
    this.emit(
      'definitions',
      `${I(2)}<definition${attrs({ id, version: '1', class: meta.class })}>\n` +
        `${I(3)}<metadata>\n${I(4)}<title>${esc(meta.title)}</title>\n${I(4)}<affected family="unix">\n${I(5)}<platform>Linux</platform>\n${I(4)}</affected>\n${I(4)}<description>${esc(meta.description)}</description>\n${I(3)}</metadata>\n` +
        top +
        `${I(2)}</definition>\n`,
    );
    return id;
  }

  private criterion(testRef: string, comment: string, depth: number, negate = false): Node {
    return `${I(depth)}<criterion${attrs({ test_ref: testRef, comment, negate: negate ? 'true' : undefined })}/>\n`;
  }

  private criteria(operator: 'AND' | 'OR', comment: string, children: readonly Node[], depth: number, negate = false): Node {
    return `${I(depth)}<criteria${attrs({ operator, negate: negate ? 'true' : undefined, comment })}>\n${children.join('')}${I(depth)}</criteria>\n`;
  }

  /** A check as a criteria node at `depth`. */
  private lower(check: Check, depth: number): Node {
    switch (check.kind) {
      case 'all':
      case 'any':
      case 'none': {
        const children = check.checks.map((c) => this.lower(c, depth + 1));
        return this.criteria(check.kind === 'all' ? 'AND' : 'OR', check.description, children, depth, check.kind === 'none');
      }
      case 'text': {
        const obj = this.textObjects(check.files, check.pattern, 'all', check.description);
        const tst = this.test('ind:textfilecontent54_test', check.description, { existence: check.expect === 'present' ? 'at_least_one_exists' : 'none_exist', objectRef: obj });
        return this.criterion(tst, check.description, depth);
      }
      case 'setting':
        return this.criterion(this.settingTest(check), check.description, depth);
      case 'file-exists': {
        const obj = this.fileObjects(check.files, '', check.description);
        const tst = this.test('unix:file_test', check.description, { existence: check.expect === 'present' ? 'at_least_one_exists' : 'none_exist', objectRef: obj });
        return this.criterion(tst, check.description, depth);
      }
      case 'file-metadata': {
        const symlinks = this.state('unix:file_state', 'symbolic links', `${I(3)}<unix:type operation="equals">symbolic link</unix:type>\n`);
        const allowed = check.allowed.map((a) => this.fileState(a, 'compliant'));
        const filters = [symlinks, ...allowed].map((s) => `${I(3)}<filter action="exclude">${s}</filter>\n`).join('');
        const obj = this.fileObjects(check.files, filters, `${check.description}: files that are not compliant`);
        const tst = this.test('unix:file_test', `${check.description}: no file is out of line`, { existence: 'none_exist', objectRef: obj });
        const crit = this.criterion(tst, check.description, check.whenMissing === 'fail' ? depth + 1 : depth);
        if (check.whenMissing === 'pass') return crit;
        const all = this.fileObjects(check.files, '', `${check.description}: the files`);
        const exists = this.test('unix:file_test', `${check.description}: the files exist`, { existence: 'at_least_one_exists', objectRef: all });
        return this.criteria('AND', check.description, [this.criterion(exists, 'the files exist', depth + 1), crit], depth);
      }
      case 'no-files': {
        const matching = this.fileState(check.matching, 'matching');
        const obj = this.fileObjects(check.files, `${I(3)}<filter action="include">${matching}</filter>\n`, `${check.description}: matching files`);
        const tst = this.test('unix:file_test', check.description, { existence: 'none_exist', objectRef: obj });
        return this.criterion(tst, check.description, depth);
      }
      case 'package':
        return this.packageNode(check, depth);
      case 'sysctl':
        return this.sysctlNode(check, depth);
      case 'unit': {
        const obj = this.object(
          'linux:systemdunitproperty_object',
          `systemd unit ${check.unit}, property ${check.property}`,
          `${I(3)}<linux:unit operation="equals">${esc(check.unit)}</linux:unit>\n${I(3)}<linux:property operation="equals">${esc(check.property)}</linux:property>\n`,
        );
        const ste = this.state('linux:systemdunitproperty_state', undefined, this.compared('linux:value', check.compare));
        const tst = this.test('linux:systemdunitproperty_test', check.description, { existence: 'at_least_one_exists', objectRef: obj, stateRef: ste });
        return this.criterion(tst, check.description, depth);
      }
    }
  }

  // ------------------------------------------------------------------ files

  /** Object entities locating one FileSpec, in `prefix`'s namespace. */
  private locate(prefix: 'ind' | 'unix', f: FileSpec): string {
    if ('path' in f) return `${I(3)}<${prefix}:filepath>${esc(f.path)}</${prefix}:filepath>\n`;
    const behaviors = f.recursive
      ? `${I(3)}<${prefix}:behaviors${attrs({ max_depth: '-1', recurse: 'directories', recurse_direction: 'down', recurse_file_system: f.recursive === 'same-device' ? 'defined' : f.recursive })}/>\n`
      : '';
    const filename =
      f.name === null ? `${I(3)}<${prefix}:filename xsi:nil="true"/>\n` : `${I(3)}<${prefix}:filename operation="pattern match">${esc(f.name)}</${prefix}:filename>\n`;
    return `${behaviors}${I(3)}<${prefix}:path operation="equals">${esc(f.dir)}</${prefix}:path>\n${filename}`;
  }

  /** One object per FileSpec, united by sets (OVAL sets take two operands) when there are several. */
  private union(tag: string, ids: readonly string[], comment: string): string {
    if (ids.length === 1) return ids[0]!;
    const set = (list: readonly string[], depth: number): string => {
      if (list.length <= 2) return `${I(depth)}<set>\n${list.map((id) => `${I(depth + 1)}<object_reference>${id}</object_reference>\n`).join('')}${I(depth)}</set>\n`;
      const half = Math.ceil(list.length / 2);
      return `${I(depth)}<set>\n${set(list.slice(0, half), depth + 1)}${set(list.slice(half), depth + 1)}${I(depth)}</set>\n`;
    };
    return this.object(tag, comment, set(ids, 3));
  }

  private textObjects(files: readonly FileSpec[], pattern: string, occurrences: 'all' | 'first', comment: string): string {
    const instance = occurrences === 'all' ? `${I(3)}<ind:instance datatype="int" operation="greater than or equal">1</ind:instance>\n` : `${I(3)}<ind:instance datatype="int" operation="equals">1</ind:instance>\n`;
    const ids = files.map((f) => {
      if ('dir' in f && f.name === null) throw new ContentError('invalid-value', `a file-content check needs files, not directories (${f.dir})`);
      return this.object('ind:textfilecontent54_object', comment, `${this.locate('ind', f)}${I(3)}<ind:pattern operation="pattern match">${esc(pattern)}</ind:pattern>\n${instance}`);
    });
    return this.union('ind:textfilecontent54_object', ids, comment);
  }

  private fileObjects(files: readonly FileSpec[], filters: string, comment: string): string {
    const ids = files.map((f) => this.object('unix:file_object', comment, `${this.locate('unix', f)}${filters}`));
    return this.union('unix:file_object', ids, comment);
  }

  /** unix:file_state entities in the schema's order. */
  private fileState(a: FileAttributes, what: string): string {
    const order: readonly ModeBit[] = ['suid', 'sgid', 'sticky', 'uread', 'uwrite', 'uexec', 'gread', 'gwrite', 'gexec', 'oread', 'owrite', 'oexec'];
    let body = '';
    if (a.type) body += `${I(3)}<unix:type operation="equals">${a.type}</unix:type>\n`;
    if (a.gid !== undefined) body += `${I(3)}<unix:group_id datatype="int" operation="equals">${a.gid}</unix:group_id>\n`;
    if (a.uid !== undefined) body += `${I(3)}<unix:user_id datatype="int" operation="equals">${a.uid}</unix:user_id>\n`;
    for (const b of order) {
      const v = a.bits?.[b];
      if (v !== undefined) body += `${I(3)}<unix:${b} datatype="boolean">${v}</unix:${b}>\n`;
    }
    return this.state('unix:file_state', `${what}: ${describeAttributes(a)}`, body);
  }

  // --------------------------------------------------------------- settings

  private settingTest(check: SettingCheck): string {
    const key = escapeKey(check.key);
    const k = check.ignoreKeyCase ? `(?i)${key}(?-i)` : key;
    const sep = check.separator === 'space' ? '[ \\t]+' : '[ \\t]*=[ \\t]*';
    const pattern = `^[ \\t]*${k}${sep}(.+?)[ \\t]*(?:$|#)`;
    const obj = this.textObjects(check.files, pattern, check.occurrences, `${check.key} settings in ${describeFiles(check.files)}`);
    const ste = this.state('ind:textfilecontent54_state', undefined, this.compared('ind:subexpression', check.compare));
    return this.test('ind:textfilecontent54_test', check.description, { existence: check.whenMissing === 'fail' ? 'at_least_one_exists' : 'any_exist', objectRef: obj, stateRef: ste });
  }

  // --------------------------------------------------------------- packages

  private packageTest(check: PackageCheck, manager: 'dpkg' | 'rpm'): string {
    const obj = this.object(`linux:${manager}info_object`, `${manager} package ${check.name}`, `${I(3)}<linux:name>${esc(check.name)}</linux:name>\n`);
    return this.test(`linux:${manager}info_test`, `${manager}: ${check.description}`, { existence: check.expect === 'installed' ? 'at_least_one_exists' : 'none_exist', objectRef: obj });
  }

  private packageNode(check: PackageCheck, depth: number): Node {
    if (check.manager !== 'auto') return this.criterion(this.packageTest(check, check.manager), check.description, depth);
    const db = this.object('unix:file_object', 'the dpkg status database', `${I(3)}<unix:filepath>/var/lib/dpkg/status</unix:filepath>\n`);
    const dpkgSystem = this.test('unix:file_test', 'the target keeps its packages in dpkg', { existence: 'at_least_one_exists', objectRef: db });
    return this.criteria(
      'OR',
      check.description,
      [
        this.criteria('AND', `dpkg: ${check.description}`, [this.criterion(dpkgSystem, 'a dpkg system', depth + 2), this.criterion(this.packageTest(check, 'dpkg'), `dpkg: ${check.description}`, depth + 2)], depth + 1),
        this.criteria('AND', `rpm: ${check.description}`, [this.criterion(dpkgSystem, 'not a dpkg system', depth + 2, true), this.criterion(this.packageTest(check, 'rpm'), `rpm: ${check.description}`, depth + 2)], depth + 1),
      ],
      depth,
    );
  }

  // ----------------------------------------------------------------- sysctl

  private sysctlNode(check: SysctlCheck, depth: number): Node {
    const parts: Node[] = [];
    if (check.persistent) {
      const pattern = `^[ \\t]*-?${escapeKey(check.name)}[ \\t]*=[ \\t]*(.+?)[ \\t]*$`;
      const obj = this.textObjects(SYSCTL_FILES, pattern, 'all', `${check.name} in sysctl's configuration files`);
      const ste = this.state('ind:textfilecontent54_state', undefined, this.compared('ind:subexpression', check.compare));
      const tst = this.test('ind:textfilecontent54_test', `${check.name} is configured, every time, ${operationText(check.compare)}`, { existence: 'at_least_one_exists', objectRef: obj, stateRef: ste });
      parts.push(this.criterion(tst, `${check.name} in the configuration files`, depth + 1));
    }
    if (check.runtime) {
      const procPath = `/proc/sys/${check.name.replace(/\./g, '/')}`;
      const procObj = this.object('unix:file_object', procPath, `${I(3)}<unix:filepath>${esc(procPath)}</unix:filepath>\n`);
      const offered = this.test('unix:file_test', `the target offers the running kernel's ${check.name}`, { existence: 'at_least_one_exists', objectRef: procObj });
      const obj = this.object('unix:sysctl_object', `kernel parameter ${check.name}`, `${I(3)}<unix:name operation="equals">${esc(check.name)}</unix:name>\n`);
      const ste = this.state('unix:sysctl_state', undefined, this.compared('unix:value', check.compare));
      const tst = this.test('unix:sysctl_test', `the running kernel's ${check.name} ${operationText(check.compare)}`, { existence: 'all_exist', objectRef: obj, stateRef: ste });
      parts.push(
        this.criteria(
          'OR',
          `${check.name} in the running kernel, where the target offers it`,
          [this.criterion(offered, `no running kernel to read ${check.name} from`, depth + 2, true), this.criterion(tst, `the running kernel's ${check.name}`, depth + 2)],
          depth + 1,
        ),
      );
    }
    return this.criteria('AND', check.description, parts, depth);
  }
}

function operationText(c: Comparison): string {
  return `${c.operation} ${typeof c.expected === 'string' ? JSON.stringify(c.expected) : `the value of ${c.expected.id}`}`;
}

/** A key as a PCRE literal. */
function escapeKey(key: string): string {
  return key.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

function describeFiles(files: readonly FileSpec[]): string {
  return files.map((f) => ('path' in f ? f.path : `${f.dir}/${f.name ?? ''}`)).join(', ');
}

function describeAttributes(a: FileAttributes): string {
  const parts: string[] = [];
  if (a.type) parts.push(a.type);
  if (a.uid !== undefined) parts.push(`uid ${a.uid}`);
  if (a.gid !== undefined) parts.push(`gid ${a.gid}`);
  for (const [b, v] of Object.entries(a.bits ?? {})) parts.push(`${b} ${v ? 'set' : 'clear'}`);
  return parts.join(', ');
}

/** Re-indents an element written at any depth to `depth`. */
function reindent(xml: string, depth: number): string {
  const lines = xml.split('\n').filter((l) => l !== '');
  const first = /^ */.exec(lines[0] ?? '')![0].length;
  return lines.map((l) => I(depth) + l.slice(Math.min(first, /^ */.exec(l)![0].length))).join('\n') + '\n';
}

/**
 * Streams an oval_definitions document into the OVAL model. Each definition,
 * test, object, state and variable is captured as a small subtree and
 * converted at once, so memory holds only the model.
 */
import { ContentError } from '../errors.js';
import {
  XSI_NS,
  boolAttr,
  childNamed,
  childrenNamed,
  elements,
  locationOf,
  nsAttr,
  requireAttr,
  textOf,
  type XmlElement,
} from '../xml/element.js';
import { CAPTURE, SKIP, type FrameHandler } from '../xml/stream.js';
import { optional } from '../util.js';
import {
  OVAL_COMMON_NS,
  OVAL_DEFS_NS,
  type CheckEnum,
  type Component,
  type Criteria,
  type DefinitionClass,
  type ExistenceEnum,
  type OvalDatatype,
  type OvalDefinition,
  type OvalDefinitions,
  type OvalEntity,
  type OvalFilter,
  type OvalGenerator,
  type OvalObject,
  type OvalOperation,
  type OvalOperator,
  type OvalSet,
  type OvalState,
  type OvalTest,
  type OvalVariable,
  type SetOperator,
} from './types.js';

const DATATYPES: ReadonlySet<string> = new Set<OvalDatatype>([
  'binary', 'boolean', 'evr_string', 'debian_evr_string', 'fileset_revision', 'float', 'ios_version', 'int',
  'ipv4_address', 'ipv6_address', 'record', 'string', 'version',
]);
const OPERATIONS: ReadonlySet<string> = new Set<OvalOperation>([
  'equals', 'not equal', 'case insensitive equals', 'case insensitive not equal', 'greater than', 'less than',
  'greater than or equal', 'less than or equal', 'bitwise and', 'bitwise or', 'pattern match', 'subset of', 'superset of',
]);
const CHECKS: ReadonlySet<string> = new Set<CheckEnum>(['all', 'at least one', 'none exist', 'none satisfy', 'only one']);
const EXISTENCE: ReadonlySet<string> = new Set<ExistenceEnum>([
  'all_exist', 'any_exist', 'at_least_one_exists', 'none_exist', 'only_one_exists',
]);
const OPERATORS: ReadonlySet<string> = new Set<OvalOperator>(['AND', 'OR', 'ONE', 'XOR']);
const SET_OPERATORS: ReadonlySet<string> = new Set<SetOperator>(['UNION', 'INTERSECTION', 'COMPLEMENT']);
const CLASSES: ReadonlySet<string> = new Set<DefinitionClass>(['compliance', 'inventory', 'miscellaneous', 'patch', 'vulnerability']);

/** The family of an OVAL definitions namespace: `...definitions-5#unix` → `unix`. */
export function familyOf(ns: string): string | undefined {
  if (!ns.startsWith(OVAL_DEFS_NS)) return undefined;
  const hash = ns.indexOf('#');
  return hash < 0 ? undefined : ns.slice(hash + 1);
}

/** Streams the children of an oval_definitions element. */
export function ovalDefinitionsHandler(file: string, done: (doc: OvalDefinitions) => void): FrameHandler {
  const p = new OvalParser(file);
  const section = (convert: (el: XmlElement) => void): FrameHandler => ({
    child: () => CAPTURE,
    captured: convert,
  });
  return {
    child: (tag) => {
      if (tag.ns !== OVAL_DEFS_NS) return SKIP;
      switch (tag.name) {
        case 'generator':
          return CAPTURE;
        case 'definitions':
          return section((el) => p.definition(el));
        case 'tests':
          return section((el) => p.test(el));
        case 'objects':
          return section((el) => p.object(el));
        case 'states':
          return section((el) => p.state(el));
        case 'variables':
          return section((el) => p.variable(el));
        default:
          return SKIP;
      }
    },
    captured: (el) => p.generatorOf(el),
    close: () => done(p.result()),
  };
}

class OvalParser {
  private generator: OvalGenerator = { schemaVersion: '5.11' };
  private readonly definitions = new Map<string, OvalDefinition>();
  private readonly tests = new Map<string, OvalTest>();
  private readonly objects = new Map<string, OvalObject>();
  private readonly states = new Map<string, OvalState>();
  private readonly variables = new Map<string, OvalVariable>();

  constructor(private readonly file: string) {}

  result(): OvalDefinitions {
    return {
      kind: 'oval-definitions',
      generator: this.generator,
      definitions: this.definitions,
      tests: this.tests,
      objects: this.objects,
      states: this.states,
      variables: this.variables,
    };
  }

  generatorOf(el: XmlElement): void {
    const t = (n: string): string | undefined => {
      const c = childNamed(el, n, OVAL_COMMON_NS);
      return c ? textOf(c).trim() : undefined;
    };
    this.generator = {
      schemaVersion: t('schema_version') ?? '5.11',
      ...optional('productName', t('product_name')),
      ...optional('productVersion', t('product_version')),
      ...optional('timestamp', t('timestamp')),
    };
  }

  definition(el: XmlElement): void {
    if (el.name !== 'definition') return;
    const id = this.id(el);
    const meta = childNamed(el, 'metadata', OVAL_DEFS_NS);
    const criteria = childNamed(el, 'criteria', OVAL_DEFS_NS);
    const cls = requireAttr(el, 'class', this.file);
    this.put(this.definitions, id, el, {
      id,
      version: this.version(el),
      class: this.oneOf(el, 'class', cls, CLASSES) as DefinitionClass,
      deprecated: boolAttr(el, 'deprecated', false),
      title: meta ? textOfChild(meta, 'title') : '',
      description: meta ? textOfChild(meta, 'description') : '',
      references: meta
        ? childrenNamed(meta, 'reference', OVAL_DEFS_NS).map((r) => ({
            source: r.attrs['source'] ?? '',
            refId: r.attrs['ref_id'] ?? '',
            ...optional('refUrl', r.attrs['ref_url']),
          }))
        : [],
      affected: meta
        ? childrenNamed(meta, 'affected', OVAL_DEFS_NS).map((a) => ({
            family: a.attrs['family'] ?? '',
            platforms: childrenNamed(a, 'platform', OVAL_DEFS_NS).map((x) => textOf(x).trim()),
            products: childrenNamed(a, 'product', OVAL_DEFS_NS).map((x) => textOf(x).trim()),
          }))
        : [],
      ...(criteria ? { criteria: this.criteria(criteria) } : {}),
      location: locationOf(el, this.file),
    });
  }

  private criteria(el: XmlElement): Criteria {
    const children: Array<Criteria['children'][number]> = [];
    for (const c of elements(el)) {
      if (c.ns !== OVAL_DEFS_NS) continue;
      const common = {
        negate: boolAttr(c, 'negate', false),
        comment: c.attrs['comment'] ?? '',
        ...optionalBool(c, 'applicability_check'),
      };
      if (c.name === 'criteria') children.push(this.criteria(c));
      else if (c.name === 'criterion') children.push({ kind: 'criterion', testRef: requireAttr(c, 'test_ref', this.file), ...common });
      else if (c.name === 'extend_definition') {
        children.push({ kind: 'extend_definition', definitionRef: requireAttr(c, 'definition_ref', this.file), ...common });
      }
    }
    return {
      kind: 'criteria',
      operator: this.oneOf(el, 'operator', el.attrs['operator'] ?? 'AND', OPERATORS) as OvalOperator,
      negate: boolAttr(el, 'negate', false),
      comment: el.attrs['comment'] ?? '',
      ...optionalBool(el, 'applicability_check'),
      children,
    };
  }

  test(el: XmlElement): void {
    const id = this.id(el);
    const obj = childNamed(el, 'object');
    const objectRef = obj?.attrs['object_ref'];
    if (objectRef === undefined && el.name !== 'unknown_test') {
      throw new ContentError('missing-attribute', `test ${id} has no object reference`, locationOf(el, this.file));
    }
    const test: Mutable<OvalTest> = Object.assign(this.element(el, id), {
      checkExistence: this.oneOf(el, 'check_existence', el.attrs['check_existence'] ?? 'at_least_one_exists', EXISTENCE) as ExistenceEnum,
      check: this.oneOf(el, 'check', requireAttr(el, 'check', this.file), CHECKS) as CheckEnum,
      stateOperator: this.oneOf(el, 'state_operator', el.attrs['state_operator'] ?? 'AND', OPERATORS) as OvalOperator,
      stateRefs: childrenNamed(el, 'state').map((s) => requireAttr(s, 'state_ref', this.file)),
    });
    if (objectRef !== undefined) test.objectRef = objectRef;
    this.put(this.tests, id, el, test);
  }

  object(el: XmlElement): void {
    const id = this.id(el);
    let behaviors: Record<string, string> = {};
    let set: OvalSet | undefined;
    const filters: OvalFilter[] = [];
    const entities: OvalEntity[] = [];
    for (const c of elements(el)) {
      if (c.ns === OVAL_DEFS_NS) {
        if (c.name === 'set') set = this.set(c);
        else if (c.name === 'filter') filters.push(this.filter(c));
        continue;
      }
      if (c.name === 'behaviors') behaviors = { ...c.attrs };
      else if (c.name !== 'notes' && c.ns !== 'http://www.w3.org/2000/09/xmldsig#') entities.push(this.entity(c));
    }
    const object: Mutable<OvalObject> = Object.assign(this.element(el, id), { behaviors, entities, filters });
    if (set) object.set = set;
    this.put(this.objects, id, el, object);
  }

  private set(el: XmlElement): OvalSet {
    return {
      operator: this.oneOf(el, 'set_operator', el.attrs['set_operator'] ?? 'UNION', SET_OPERATORS) as SetOperator,
      objectRefs: childrenNamed(el, 'object_reference', OVAL_DEFS_NS).map((r) => textOf(r).trim()),
      sets: childrenNamed(el, 'set', OVAL_DEFS_NS).map((s) => this.set(s)),
      filters: childrenNamed(el, 'filter', OVAL_DEFS_NS).map((f) => this.filter(f)),
    };
  }

  private filter(el: XmlElement): OvalFilter {
    const action = el.attrs['action'] ?? 'exclude';
    if (action !== 'include' && action !== 'exclude') {
      throw new ContentError('invalid-value', `filter action "${action}" is not include or exclude`, locationOf(el, this.file));
    }
    return { action, stateRef: textOf(el).trim() };
  }

  state(el: XmlElement): void {
    const id = this.id(el);
    const entities: OvalEntity[] = [];
    for (const c of elements(el)) {
      if (c.ns === OVAL_DEFS_NS || c.name === 'notes' || c.ns === 'http://www.w3.org/2000/09/xmldsig#') continue;
      entities.push(this.entity(c));
    }
    const operator = this.oneOf(el, 'operator', el.attrs['operator'] ?? 'AND', OPERATORS) as OvalOperator;
    this.put(this.states, id, el, Object.assign(this.element(el, id), { operator, entities }));
  }

  private entity(el: XmlElement): OvalEntity {
    const datatype = this.oneOf(el, 'datatype', el.attrs['datatype'] ?? 'string', DATATYPES) as OvalDatatype;
    const varRef = el.attrs['var_ref'];
    const nil = boolAttr(el, nsAttr(XSI_NS, 'nil'), false);
    const fields = datatype === 'record' ? childrenNamed(el, 'field', OVAL_DEFS_NS).map((f) => this.entity(f)) : undefined;
    const entity: Mutable<OvalEntity> = {
      name: el.name === 'field' && el.ns === OVAL_DEFS_NS ? requireAttr(el, 'name', this.file) : el.name,
      value: datatype === 'record' ? '' : textOf(el),
      datatype,
      operation: this.oneOf(el, 'operation', el.attrs['operation'] ?? 'equals', OPERATIONS) as OvalOperation,
      mask: boolAttr(el, 'mask', false),
      nil,
      varCheck: this.oneOf(el, 'var_check', el.attrs['var_check'] ?? 'all', CHECKS) as CheckEnum,
      entityCheck: this.oneOf(el, 'entity_check', el.attrs['entity_check'] ?? 'all', CHECKS) as CheckEnum,
      checkExistence: this.oneOf(el, 'check_existence', el.attrs['check_existence'] ?? 'at_least_one_exists', EXISTENCE) as ExistenceEnum,
    };
    if (varRef !== undefined) entity.varRef = varRef;
    if (fields) entity.fields = fields;
    return entity;
  }

  variable(el: XmlElement): void {
    const id = this.id(el);
    const base = {
      id,
      version: this.version(el),
      comment: el.attrs['comment'] ?? '',
      deprecated: boolAttr(el, 'deprecated', false),
      datatype: this.oneOf(el, 'datatype', requireAttr(el, 'datatype', this.file), DATATYPES) as OvalDatatype,
      location: locationOf(el, this.file),
    };
    let v: OvalVariable;
    if (el.name === 'constant_variable') {
      v = { kind: 'constant', ...base, values: childrenNamed(el, 'value', OVAL_DEFS_NS).map((x) => textOf(x)) };
    } else if (el.name === 'external_variable') {
      v = {
        kind: 'external',
        ...base,
        possibleValues: childrenNamed(el, 'possible_value', OVAL_DEFS_NS).map((x) => ({ hint: x.attrs['hint'] ?? '', value: textOf(x) })),
        possibleRestrictions: childrenNamed(el, 'possible_restriction', OVAL_DEFS_NS).map((x) => ({
          hint: x.attrs['hint'] ?? '',
          operator: this.oneOf(x, 'operator', x.attrs['operator'] ?? 'AND', OPERATORS) as OvalOperator,
          restrictions: childrenNamed(x, 'restriction', OVAL_DEFS_NS).map((r) => ({
            operation: this.oneOf(r, 'operation', requireAttr(r, 'operation', this.file), OPERATIONS) as OvalOperation,
            value: textOf(r),
          })),
        })),
      };
    } else if (el.name === 'local_variable') {
      const comp = elements(el).find((c) => c.ns === OVAL_DEFS_NS && c.name !== 'notes');
      if (!comp) throw new ContentError('missing-attribute', `local variable ${id} has no component`, locationOf(el, this.file));
      v = { kind: 'local', ...base, component: this.component(comp) };
    } else {
      throw new ContentError('invalid-value', `unknown variable element <${el.name}>`, locationOf(el, this.file));
    }
    this.put(this.variables, id, el, v);
  }

  private component(el: XmlElement): Component {
    const args = (): Component[] => elements(el).filter((c) => c.ns === OVAL_DEFS_NS).map((c) => this.component(c));
    const arg = (): Component => {
      const a = args();
      if (a.length !== 1) {
        throw new ContentError('invalid-value', `<${el.name}> takes exactly one component, found ${a.length}`, locationOf(el, this.file));
      }
      return a[0]!;
    };
    const req = (n: string): string => requireAttr(el, n, this.file);
    switch (el.name) {
      case 'literal_component':
        return { fn: 'literal', value: textOf(el), datatype: this.oneOf(el, 'datatype', el.attrs['datatype'] ?? 'string', DATATYPES) as OvalDatatype };
      case 'object_component':
        return { fn: 'object', objectRef: req('object_ref'), itemField: req('item_field'), ...optional('recordField', el.attrs['record_field']) };
      case 'variable_component':
        return { fn: 'variable', varRef: req('var_ref') };
      case 'arithmetic': {
        const op = req('arithmetic_operation');
        if (op !== 'add' && op !== 'multiply') {
          throw new ContentError('invalid-value', `arithmetic_operation "${op}" is not add or multiply`, locationOf(el, this.file));
        }
        return { fn: 'arithmetic', operation: op, args: args() };
      }
      case 'begin':
      case 'end':
        return { fn: el.name, character: req('character'), arg: arg() };
      case 'concat':
      case 'count':
      case 'unique':
        return { fn: el.name, args: args() };
      case 'escape_regex':
        return { fn: 'escape_regex', arg: arg() };
      case 'split':
        return { fn: 'split', delimiter: req('delimiter'), arg: arg() };
      case 'substring':
        return { fn: 'substring', start: this.int(el, 'substring_start'), length: this.int(el, 'substring_length'), arg: arg() };
      case 'time_difference':
        return {
          fn: 'time_difference',
          format1: el.attrs['format_1'] ?? 'year_month_day',
          format2: el.attrs['format_2'] ?? 'year_month_day',
          args: args(),
        };
      case 'regex_capture':
        return { fn: 'regex_capture', pattern: el.attrs['pattern'] ?? '', arg: arg() };
      case 'glob_to_regex':
        return { fn: 'glob_to_regex', globNoescape: boolAttr(el, 'glob_noescape', false), arg: arg() };
      default:
        throw new ContentError('invalid-value', `unknown OVAL function <${el.name}>`, locationOf(el, this.file));
    }
  }

  private element(el: XmlElement, id: string): Omit<OvalTest, 'checkExistence' | 'check' | 'stateOperator' | 'objectRef' | 'stateRefs'> {
    const family = familyOf(el.ns);
    if (family === undefined) {
      throw new ContentError('invalid-value', `<${el.name}> is not in an OVAL definitions family namespace (${el.ns || 'none'})`, locationOf(el, this.file));
    }
    return {
      id,
      version: this.version(el),
      comment: el.attrs['comment'] ?? '',
      deprecated: boolAttr(el, 'deprecated', false),
      family,
      type: el.name,
      location: locationOf(el, this.file),
    };
  }

  private id(el: XmlElement): string {
    return requireAttr(el, 'id', this.file);
  }

  private version(el: XmlElement): number {
    const v = el.attrs['version'];
    return v === undefined ? 0 : Number.parseInt(v, 10) || 0;
  }

  private int(el: XmlElement, attr: string): number {
    const raw = requireAttr(el, attr, this.file);
    const n = Number.parseInt(raw, 10);
    if (!Number.isFinite(n)) throw new ContentError('invalid-value', `${attr}="${raw}" is not an integer`, locationOf(el, this.file));
    return n;
  }

  private oneOf(el: XmlElement, attr: string, value: string, allowed: ReadonlySet<string>): string {
    if (!allowed.has(value)) {
      throw new ContentError('invalid-value', `${attr}="${value}" on <${el.name}> is not one of: ${[...allowed].join(', ')}`, locationOf(el, this.file));
    }
    return value;
  }

  private put<T>(map: Map<string, T>, id: string, el: XmlElement, value: T): void {
    if (map.has(id)) throw new ContentError('invalid-value', `duplicate OVAL id ${id}`, locationOf(el, this.file));
    map.set(id, value);
  }
}

function textOfChild(el: XmlElement, name: string): string {
  const c = childNamed(el, name, OVAL_DEFS_NS);
  return c ? textOf(c).trim() : '';
}

/** A model type with its readonly modifiers removed, for building it in steps. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function optionalBool(el: XmlElement, attr: string): { applicabilityCheck?: boolean } {
  return el.attrs[attr] === undefined ? {} : { applicabilityCheck: boolAttr(el, attr, false) };
}

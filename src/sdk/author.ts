/**
 * The structure of a benchmark: values, rules, groups, profiles, platforms
 * and the benchmark itself, plus remediation scripts and references. Each
 * function checks its input at once and throws a ContentError naming the
 * item, so a mistake in a rules file shows where it was made.
 */
import { ContentError } from '../model/errors.js';
import type {
  Benchmark,
  Check,
  FixScript,
  Group,
  Ident,
  Level,
  Operation,
  Platform,
  Profile,
  ProfileValue,
  Reference,
  Remediation,
  Rule,
  Severity,
  Strategy,
  Value,
  ValueType,
} from './model.js';

const SHORT_NAME = /^[a-z][a-z0-9_]*$/;
const NAMESPACE = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/i;

function fail(message: string): never {
  throw new ContentError('invalid-value', message);
}

function shortName(what: string, id: string): string {
  if (!SHORT_NAME.test(id)) fail(`${what} id "${id}" must be a short name: a lower-case letter, then letters, digits and "_"`);
  return id;
}

const text = (s: string | undefined): string => (s ?? '').replace(/^\n+|\s+$/g, '');

// ------------------------------------------------------------------ values

export interface ValueSpec {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  /** Inferred from `default` when absent. */
  readonly type?: ValueType;
  readonly default: string | number | boolean;
  readonly options?: Readonly<Record<string, string | number | boolean>>;
  readonly operator?: Operation;
}

function valueText(type: ValueType, v: string | number | boolean, where: string): string {
  const s = String(v);
  if (type === 'number' && !/^-?\d+$/.test(s)) fail(`${where}: "${s}" is not an integer`);
  if (type === 'boolean' && s !== 'true' && s !== 'false') fail(`${where}: "${s}" is not true or false`);
  return s;
}

export function value(spec: ValueSpec): Value {
  shortName('value', spec.id);
  const type: ValueType = spec.type ?? (typeof spec.default === 'number' ? 'number' : typeof spec.default === 'boolean' ? 'boolean' : 'string');
  const options: Record<string, string> = {};
  for (const [sel, v] of Object.entries(spec.options ?? {})) {
    if (sel === '') fail(`value ${spec.id}: an option needs a non-empty selector`);
    options[sel] = valueText(type, v, `value ${spec.id}, option ${sel}`);
  }
  return {
    kind: 'value',
    id: spec.id,
    title: spec.title,
    description: text(spec.description),
    type,
    default: valueText(type, spec.default, `value ${spec.id}`),
    options,
    ...(spec.operator ? { operator: spec.operator } : {}),
  };
}

// ------------------------------------------------------------- remediation

type Interpolation = Value | string | number;

function script(system: FixScript['system'], strings: TemplateStringsArray, args: readonly Interpolation[]): FixScript {
  const parts: Array<string | Value> = [];
  const push = (p: string | Value): void => {
    const last = parts[parts.length - 1];
    if (typeof p === 'string' && typeof last === 'string') parts[parts.length - 1] = last + p;
    else if (p !== '') parts.push(p);
  };
  strings.forEach((s, i) => {
    push(i === 0 ? s.replace(/^\n/, '') : s);
    if (i < args.length) {
      const a = args[i]!;
      push(typeof a === 'object' ? a : String(a));
    }
  });
  return { kind: 'fix-script', system, parts };
}

/**
 * An Ansible fix: a YAML list of tasks at column 0. A Value interpolated
 * into it becomes `{{ <value id> }}`, and the compiler adds the task that
 * sets that variable from the Value in force, as SSG writes it.
 */
export function ansible(strings: TemplateStringsArray, ...args: readonly Interpolation[]): FixScript {
  return script('ansible', strings, args);
}

/**
 * A bash fix. A Value interpolated into it becomes `${<value id>}`, and the
 * compiler declares that variable at the top from the Value in force.
 */
export function bash(strings: TemplateStringsArray, ...args: readonly Interpolation[]): FixScript {
  return script('bash', strings, args);
}

export interface RemediationSpec {
  readonly strategy?: Strategy;
  readonly complexity?: Level;
  readonly disruption?: Level;
  readonly reboot?: boolean;
  readonly ansible?: FixScript;
  readonly bash?: FixScript;
}

function remediation(spec: RemediationSpec, where: string): Remediation {
  if (spec.ansible && spec.ansible.system !== 'ansible') fail(`${where}: the ansible fix was written with the bash\`\` tag`);
  if (spec.bash && spec.bash.system !== 'bash') fail(`${where}: the bash fix was written with the ansible\`\` tag`);
  return {
    strategy: spec.strategy ?? 'configure',
    complexity: spec.complexity ?? 'low',
    disruption: spec.disruption ?? 'low',
    reboot: spec.reboot ?? false,
    ...(spec.ansible ? { ansible: spec.ansible } : {}),
    ...(spec.bash ? { bash: spec.bash } : {}),
  };
}

// ------------------------------------------------------------- references

/** References to well-known catalogues, with the links SCAP content uses for them. */
export const ref = {
  /** NIST SP 800-53 (rev. 4, as SSG cites it) control, e.g. `AC-6(2)`. */
  nist80053: (control: string): Reference => ({ href: 'http://nvlpubs.nist.gov/nistpubs/SpecialPublications/NIST.SP.800-53r4.pdf', text: control }),
  /** CIS Ubuntu Linux 22.04 LTS Benchmark section, e.g. `5.2.7`. */
  cisUbuntu2204: (section: string): Reference => ({ href: 'https://www.cisecurity.org/benchmark/ubuntu_linux/', text: section }),
  /** CIS Critical Security Controls v8 safeguard, e.g. `4.1`. */
  cisControls: (safeguard: string): Reference => ({ href: 'https://www.cisecurity.org/controls/v8', text: safeguard }),
  /** Any other reference. */
  other: (href: string, text: string): Reference => ({ href, text }),
} as const;

// ------------------------------------------------------------------- rules

export interface RuleSpec {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly rationale: string;
  readonly severity?: Severity;
  /** Without a check the rule is reported `notchecked`. */
  readonly check?: Check;
  readonly fix?: RemediationSpec;
  readonly references?: readonly Reference[];
  readonly idents?: readonly Ident[];
  /** The rule applies only where every one of these platforms does. */
  readonly platforms?: readonly Platform[];
  /** Selected by default (when no profile is chosen). Default true. */
  readonly selected?: boolean;
}

export function rule(spec: RuleSpec): Rule {
  shortName('rule', spec.id);
  if (!spec.title.trim()) fail(`rule ${spec.id} needs a title`);
  return {
    kind: 'rule',
    id: spec.id,
    title: spec.title,
    description: text(spec.description),
    rationale: text(spec.rationale),
    severity: spec.severity ?? 'medium',
    ...(spec.check ? { check: spec.check } : {}),
    ...(spec.fix ? { remediation: remediation(spec.fix, `rule ${spec.id}`) } : {}),
    references: spec.references ?? [],
    idents: spec.idents ?? [],
    platforms: spec.platforms ?? [],
    selected: spec.selected ?? true,
  };
}

export interface GroupSpec {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly platforms?: readonly Platform[];
  readonly children: ReadonlyArray<Group | Rule>;
}

export function group(spec: GroupSpec): Group {
  shortName('group', spec.id);
  return { kind: 'group', id: spec.id, title: spec.title, description: text(spec.description), platforms: spec.platforms ?? [], children: spec.children };
}

// --------------------------------------------------------------- platforms

export interface PlatformSpec {
  readonly id: string;
  readonly title: string;
  /** A CPE 2.2 name (`cpe:/o:vendor:product`); `cpe:/a:<namespace>:<id>` when absent. */
  readonly cpe?: string;
  readonly check: Check;
}

export function platform(spec: PlatformSpec): Platform {
  shortName('platform', spec.id);
  if (spec.cpe !== undefined && !/^cpe:\/[aho]?(?::[A-Za-z0-9._\-~%]*){0,6}$/.test(spec.cpe)) fail(`platform ${spec.id}: "${spec.cpe}" is not a CPE 2.2 name`);
  return { kind: 'platform', id: spec.id, title: spec.title, ...(spec.cpe !== undefined ? { cpe: spec.cpe } : {}), check: spec.check };
}

// ---------------------------------------------------------------- profiles

export interface ProfileSpec {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly select: ReadonlyArray<Rule | Group>;
  readonly unselect?: ReadonlyArray<Rule | Group>;
  /** Values set by the profile: `[value, selector]` picks an option, `[value, { literal }]` sets any value. */
  readonly values?: ReadonlyArray<readonly [Value, string | { readonly literal: string | number | boolean }]>;
}

export function profile(spec: ProfileSpec): Profile {
  shortName('profile', spec.id);
  const values: ProfileValue[] = (spec.values ?? []).map(([v, how]) => {
    if (typeof how === 'string') {
      if (!(how in v.options)) fail(`profile ${spec.id}: value ${v.id} has no option "${how}" (it has: ${Object.keys(v.options).join(', ') || 'none'})`);
      return { value: v, selector: how };
    }
    return { value: v, literal: valueText(v.type, how.literal, `profile ${spec.id}, value ${v.id}`) };
  });
  return { kind: 'profile', id: spec.id, title: spec.title, description: text(spec.description), select: spec.select, unselect: spec.unselect ?? [], values };
}

// --------------------------------------------------------------- benchmark

export interface BenchmarkSpec {
  readonly id: string;
  readonly namespace: string;
  readonly title: string;
  readonly description?: string;
  readonly version: string;
  readonly status?: Benchmark['status'];
  /** YYYY-MM-DD. */
  readonly date: string;
  /** Who publishes the content; the namespace when absent. */
  readonly publisher?: string;
  /** Where the content comes from (a URL); `urn:<namespace>:<id>` when absent. */
  readonly source?: string;
  readonly platforms?: readonly Platform[];
  readonly children: ReadonlyArray<Group | Rule>;
  readonly profiles?: readonly Profile[];
  /** File-name stem of the components; the id with `_` as `-` when absent. */
  readonly stem?: string;
}

/** Walks every rule and group under `items`, parents first. */
export function forEachItem(items: ReadonlyArray<Group | Rule>, fn: (item: Group | Rule, parents: readonly Group[]) => void, parents: readonly Group[] = []): void {
  for (const item of items) {
    fn(item, parents);
    if (item.kind === 'group') forEachItem(item.children, fn, [...parents, item]);
  }
}

export function benchmark(spec: BenchmarkSpec): Benchmark {
  shortName('benchmark', spec.id);
  if (!NAMESPACE.test(spec.namespace) || spec.namespace.includes('_')) fail(`benchmark ${spec.id}: namespace "${spec.namespace}" must be reverse-DNS, e.g. com.example`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(spec.date)) fail(`benchmark ${spec.id}: date "${spec.date}" must be YYYY-MM-DD`);
  const ids = new Map<string, string>();
  const claim = (what: string, id: string): void => {
    const prior = ids.get(id);
    if (prior !== undefined) fail(`benchmark ${spec.id}: ${what} id "${id}" is also used by a ${prior}`);
    ids.set(id, what);
  };
  forEachItem(spec.children, (item) => claim(item.kind, item.id));
  const known = new Set<Rule | Group>();
  forEachItem(spec.children, (item) => known.add(item));
  const profileIds = new Set<string>();
  for (const p of spec.profiles ?? []) {
    if (profileIds.has(p.id)) fail(`benchmark ${spec.id}: two profiles have the id "${p.id}"`);
    profileIds.add(p.id);
    for (const item of [...p.select, ...p.unselect]) {
      if (!known.has(item)) fail(`benchmark ${spec.id}: profile ${p.id} selects ${item.kind} ${item.id}, which is not in the benchmark`);
    }
  }
  return {
    kind: 'benchmark',
    id: spec.id,
    namespace: spec.namespace,
    title: spec.title,
    description: text(spec.description),
    version: spec.version,
    status: spec.status ?? 'draft',
    date: spec.date,
    publisher: spec.publisher ?? spec.namespace,
    source: spec.source ?? `urn:${spec.namespace}:${spec.id}`,
    platforms: spec.platforms ?? [],
    children: spec.children,
    profiles: spec.profiles ?? [],
    stem: spec.stem ?? spec.id.replace(/_/g, '-'),
  };
}

/**
 * The authoring model of the SDK: plain, immutable data built by the
 * functions of ./author.ts and ./checks.ts, and read by the compiler
 * (./compile.ts). Nothing here knows XML: a check is a tree of building
 * blocks, and the compiler lowers it to OVAL.
 *
 * Every node carries a `kind`, so that content built by another copy of the
 * SDK (a rules file that imports the SDK from dist/ while the CLI runs from
 * src/, say) compiles the same: nothing depends on class identity.
 */

// ------------------------------------------------------------------ values

export type ValueType = 'string' | 'number' | 'boolean';

/** An XCCDF Value: a tunable that checks compare against and fixes substitute. */
export interface Value {
  readonly kind: 'value';
  /** The short name: `[a-z][a-z0-9_]*`; also the variable name in fixes. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly type: ValueType;
  /** The default instance. */
  readonly default: string;
  /** Further instances by selector (profiles pick them with `refine-value`). */
  readonly options: Readonly<Record<string, string>>;
  /** The XCCDF operator recorded on the Value (how a check should compare against it). */
  readonly operator?: Operation;
}

// ------------------------------------------------------------- comparisons

/** OVAL operations the building blocks offer for comparing a setting. */
export type Operation =
  | 'equals'
  | 'not equal'
  | 'case insensitive equals'
  | 'greater than'
  | 'less than'
  | 'greater than or equal'
  | 'less than or equal'
  | 'pattern match';

/** OVAL datatypes the building blocks compare as. */
export type Datatype = 'string' | 'int' | 'boolean' | 'version';

/** What a collected value is compared against: a literal, or the XCCDF Value in force. */
export interface Comparison {
  readonly operation: Operation;
  readonly datatype: Datatype;
  readonly expected: string | Value;
}

// ------------------------------------------------------------------- files

/**
 * Where files are:
 * - `{ path }`: one path;
 * - `{ dir, name }`: the entries of a directory whose names match the PCRE
 *   `name` (`name: null`: the directories themselves), descending into
 *   subdirectories when `recursive` is set (`'local'` stays on local
 *   filesystems, `'same-device'` on the starting one).
 */
export type FileSpec =
  | { readonly path: string }
  | { readonly dir: string; readonly name: string | null; readonly recursive?: false | 'all' | 'local' | 'same-device' };

/** OVAL's permission bits, as unix:file_state names them. */
export type ModeBit = 'suid' | 'sgid' | 'sticky' | 'uread' | 'uwrite' | 'uexec' | 'gread' | 'gwrite' | 'gexec' | 'oread' | 'owrite' | 'oexec';

export type FileType = 'regular' | 'directory' | 'symbolic link';

/** A description of files by their metadata; every given field must hold. */
export interface FileAttributes {
  readonly type?: FileType;
  readonly uid?: number;
  readonly gid?: number;
  /** Bits that must be set (true) or clear (false). */
  readonly bits?: Readonly<Partial<Record<ModeBit, boolean>>>;
}

// ------------------------------------------------------------------ checks

/** A line pattern is present in (or absent from) the files. */
export interface TextCheck {
  readonly kind: 'text';
  readonly files: readonly FileSpec[];
  /** A PCRE, matched per line (multi-line mode). */
  readonly pattern: string;
  readonly expect: 'present' | 'absent';
  readonly description: string;
}

/** A `key value` or `key = value` setting in configuration files. */
export interface SettingCheck {
  readonly kind: 'setting';
  readonly files: readonly FileSpec[];
  readonly key: string;
  readonly separator: 'space' | 'equals';
  readonly ignoreKeyCase: boolean;
  readonly compare: Comparison;
  /** `all`: every occurrence must compare true; `first`: the first one in each file. */
  readonly occurrences: 'all' | 'first';
  /** When no file sets the key: the check fails, or passes (the default is compliant). */
  readonly whenMissing: 'fail' | 'pass';
  readonly description: string;
}

/** Every file found is described by one of the `allowed` alternatives (symbolic links are skipped). */
export interface FileMetadataCheck {
  readonly kind: 'file-metadata';
  readonly files: readonly FileSpec[];
  readonly allowed: readonly FileAttributes[];
  /** When no file is found: the check passes (default) or fails. */
  readonly whenMissing: 'pass' | 'fail';
  readonly description: string;
}

/** Files exist (at least one is found), or none does. */
export interface FileExistsCheck {
  readonly kind: 'file-exists';
  readonly files: readonly FileSpec[];
  readonly expect: 'present' | 'absent';
  readonly description: string;
}

/** No file found matches `matching`. */
export interface NoFilesCheck {
  readonly kind: 'no-files';
  readonly files: readonly FileSpec[];
  readonly matching: FileAttributes;
  readonly description: string;
}

export type PackageManager = 'auto' | 'dpkg' | 'rpm';

export interface PackageCheck {
  readonly kind: 'package';
  readonly name: string;
  readonly expect: 'installed' | 'removed';
  /** `auto`: dpkg where /var/lib/dpkg/status exists, rpm elsewhere. */
  readonly manager: PackageManager;
  readonly description: string;
}

/** The directories systemd-sysctl reads, in its order. */
export const SYSCTL_FILES: readonly FileSpec[] = [
  { path: '/etc/sysctl.conf' },
  { dir: '/etc/sysctl.d', name: '^.*\\.conf$' },
  { dir: '/run/sysctl.d', name: '^.*\\.conf$' },
  { dir: '/usr/local/lib/sysctl.d', name: '^.*\\.conf$' },
  { dir: '/usr/lib/sysctl.d', name: '^.*\\.conf$' },
];

export interface SysctlCheck {
  readonly kind: 'sysctl';
  /** The dotted name, e.g. net.ipv4.ip_forward. */
  readonly name: string;
  readonly compare: Comparison;
  /** Check the configuration files (SYSCTL_FILES): set at least once, and every setting compares true. */
  readonly persistent: boolean;
  /** Check the running kernel's value, on targets that offer /proc/sys. */
  readonly runtime: boolean;
  readonly description: string;
}

/** A property of a loaded systemd unit, as the service manager reports it. */
export interface UnitCheck {
  readonly kind: 'unit';
  readonly unit: string;
  readonly property: string;
  readonly compare: Comparison;
  readonly description: string;
}

export interface CombinedCheck {
  readonly kind: 'all' | 'any' | 'none';
  readonly checks: readonly Check[];
  readonly description: string;
}

export type Check = TextCheck | SettingCheck | FileExistsCheck | FileMetadataCheck | NoFilesCheck | PackageCheck | SysctlCheck | UnitCheck | CombinedCheck;

// ------------------------------------------------------------- remediation

/** Fix text: literal parts and Values, substituted when a fix is generated. */
export interface FixScript {
  readonly kind: 'fix-script';
  readonly system: 'ansible' | 'bash';
  readonly parts: ReadonlyArray<string | Value>;
}

export type Level = 'low' | 'medium' | 'high';
export type Strategy = 'configure' | 'disable' | 'enable' | 'patch' | 'policy' | 'restrict' | 'update';

export interface Remediation {
  readonly strategy: Strategy;
  readonly complexity: Level;
  readonly disruption: Level;
  readonly reboot: boolean;
  readonly ansible?: FixScript;
  readonly bash?: FixScript;
}

// --------------------------------------------------------------- structure

export interface Reference {
  readonly href: string;
  readonly text: string;
}

export interface Ident {
  readonly system: string;
  readonly value: string;
}

/** A platform: a CPE name, and the check that decides whether a target is one. */
export interface Platform {
  readonly kind: 'platform';
  /** The short name: `[a-z][a-z0-9_]*`, the `#id` of its applicability entry. */
  readonly id: string;
  /** A CPE 2.2 name; `cpe:/a:<namespace>:<id>` when absent. */
  readonly cpe?: string;
  readonly title: string;
  readonly check: Check;
}

export type Severity = 'unknown' | 'info' | 'low' | 'medium' | 'high';

export interface Rule {
  readonly kind: 'rule';
  /** The short name: `[a-z][a-z0-9_]*`. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly rationale: string;
  readonly severity: Severity;
  readonly check?: Check;
  readonly remediation?: Remediation;
  readonly references: readonly Reference[];
  readonly idents: readonly Ident[];
  readonly platforms: readonly Platform[];
  readonly selected: boolean;
}

export interface Group {
  readonly kind: 'group';
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly platforms: readonly Platform[];
  readonly children: ReadonlyArray<Group | Rule>;
}

/** A value a profile sets: an option of the Value by its selector, or a literal. */
export interface ProfileValue {
  readonly value: Value;
  readonly selector?: string;
  readonly literal?: string;
}

export interface Profile {
  readonly kind: 'profile';
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Rules and groups it selects (a group selects all its rules). */
  readonly select: ReadonlyArray<Rule | Group>;
  /** Rules and groups it leaves out, after `select`. */
  readonly unselect: ReadonlyArray<Rule | Group>;
  readonly values: readonly ProfileValue[];
}

export interface Benchmark {
  readonly kind: 'benchmark';
  /** The short name, e.g. `linux_baseline`. */
  readonly id: string;
  /** Reverse-DNS namespace for every generated id, e.g. `com.example`. */
  readonly namespace: string;
  readonly title: string;
  readonly description: string;
  readonly version: string;
  readonly status: 'accepted' | 'draft' | 'interim' | 'incomplete' | 'deprecated';
  /** The content's date (YYYY-MM-DD): the status date and every generated timestamp, so builds are reproducible. */
  readonly date: string;
  /** Who publishes the content (Dublin Core publisher and creator). */
  readonly publisher: string;
  /** Where the content comes from: a URL (Dublin Core source). */
  readonly source: string;
  readonly platforms: readonly Platform[];
  readonly children: ReadonlyArray<Group | Rule>;
  readonly profiles: readonly Profile[];
  /** The file-name stem of the components (`<stem>-xccdf.xml`, `<stem>-oval.xml`, ...). */
  readonly stem: string;
}

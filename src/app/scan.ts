/**
 * `vigil scan`: the friendly front door. It finds the SSG data stream that
 * matches the target's /etc/os-release, picks a sensible profile, scans,
 * and writes the report. It never scans with another product's content:
 * when nothing matches it says so and lists what is installed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Checklist } from '../model/checklist.js';
import { ContentError } from '../model/errors.js';
import { isNotFound, type Target } from '../target/target.js';
import { BASELINE_PROFILE, baselineDataStreamPath, hasBaseline } from './baseline.js';

export const DEFAULT_CONTENT_DIR = '/usr/share/xml/scap/ssg/content';

export interface OsRelease {
  readonly id: string;
  readonly versionId: string;
  readonly idLike: readonly string[];
  readonly prettyName: string;
}

export function parseOsRelease(text: string): OsRelease {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    kv.set(m[1]!, v.replace(/\\(.)/g, '$1'));
  }
  return {
    id: (kv.get('ID') ?? '').toLowerCase(),
    versionId: kv.get('VERSION_ID') ?? '',
    idLike: (kv.get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    prettyName: kv.get('PRETTY_NAME') ?? kv.get('NAME') ?? '',
  };
}

const major = (v: string): string => v.split('.')[0] ?? '';

/**
 * Rebuilds of RHEL (and CentOS Stream) whose own content SSG may lack: the
 * RHEL release they follow is the nearest content, and `vigil scan` says
 * so when it takes it.
 */
const RHEL_REBUILDS = new Set(['almalinux', 'rocky', 'centos', 'eurolinux', 'navix', 'circle']);

/** The RHEL product a rebuild follows, e.g. rhel9 for Rocky Linux 9.3; undefined for others. */
export function rhelRelativeOf(os: OsRelease): string | undefined {
  const m = major(os.versionId);
  return RHEL_REBUILDS.has(os.id) && /^\d+$/.test(m) ? `rhel${m}` : undefined;
}

/** The SSG product names (as in `ssg-<product>-ds.xml`) that fit an os-release, best first (a rebuild's RHEL last). */
export function productCandidates(os: OsRelease): string[] {
  const own = ownProducts(os);
  const rhel = rhelRelativeOf(os);
  return rhel !== undefined && !own.includes(rhel) ? [...own, rhel] : own;
}

function ownProducts(os: OsRelease): string[] {
  const v = os.versionId;
  switch (os.id) {
    case 'ubuntu':
      return [`ubuntu${v.replace('.', '')}`];
    case 'debian':
      return [`debian${major(v)}`];
    case 'rhel':
      return [`rhel${major(v)}`];
    case 'centos':
      return major(v) === '9' ? ['cs9'] : [`centos${major(v)}`];
    case 'almalinux':
      return [`almalinux${major(v)}`];
    case 'rocky':
      return [`rocky${major(v)}`];
    case 'ol':
      return [`ol${major(v)}`];
    case 'fedora':
      return ['fedora'];
    case 'sles':
    case 'sled':
      return [`sle${major(v)}`];
    case 'sles_sap':
      return [`sle${major(v)}`];
    case 'opensuse-leap':
    case 'opensuse-tumbleweed':
    case 'opensuse':
      return ['opensuse'];
    case 'scientific':
      return [`sl${major(v)}`];
    case 'anolis':
      return [`anolis${major(v)}`];
    case 'alinux':
      return [`alinux${major(v)}`];
    case 'uos':
      return [`uos${major(v)}`];
    default:
      return [];
  }
}

/** Installed data streams: product → file. */
export function installedContent(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    const m = /^ssg-(.+)-ds\.xml$/.exec(f);
    if (m) out.set(m[1]!, join(dir, f));
  }
  return out;
}

export async function readOsRelease(target: Target): Promise<OsRelease | undefined> {
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      return parseOsRelease((await target.readFile(p)).toString('utf8'));
    } catch (e) {
      // only absence sends us to the next location: a file that cannot be read says nothing of the target
      if (!isNotFound(e)) throw new ContentError('io', `cannot read ${p} on ${target.name} to choose content: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return undefined;
}

/**
 * The same distribution's newest release older than the target's, e.g.
 * debian11 for Debian 12, for a deliberate `--nearest` scan.
 */
export function nearestProduct(os: OsRelease, installed: ReadonlyMap<string, string>): string | undefined {
  const want = ownProducts(os)[0];
  if (!want) return undefined;
  const m = /^([a-z]+)(\d+)$/.exec(want);
  if (!m) return undefined;
  const [, family, version] = m;
  let best: { name: string; v: number } | undefined;
  for (const p of installed.keys()) {
    const n = /^([a-z]+)(\d+)$/.exec(p);
    if (!n || n[1] !== family) continue;
    const v = Number(n[2]);
    if (v <= Number(version) && (!best || v > best.v)) best = { name: p, v };
  }
  return best?.name;
}

export interface DetectedContent {
  readonly file: string;
  readonly os: OsRelease;
  /** Set when the content is for an older release than the target's (`--nearest`). */
  readonly nearest?: string;
  /** Set when the content is the RHEL release a rebuild (AlmaLinux, Rocky, CentOS) follows, for want of its own. */
  readonly relative?: string;
}

/** The data stream for the target, or a ContentError that says, in one line, what the target is and what to do. */
export async function detectContent(target: Target, dir: string, opts: { readonly nearest?: boolean } = {}): Promise<DetectedContent> {
  const installed = installedContent(dir);
  const os = await readOsRelease(target);
  if (!os) {
    throw new ContentError('no-content', `cannot tell which system this is: the target has no /etc/os-release. Pass --content FILE (${installed.size} data streams in ${dir})`);
  }
  const relative = rhelRelativeOf(os);
  for (const p of productCandidates(os)) {
    const f = installed.get(p);
    if (f) return p === relative && !ownProducts(os).includes(p) ? { file: f, os, relative: p } : { file: f, os };
  }
  const near = nearestProduct(os, installed);
  if (opts.nearest && near) return { file: installed.get(near)!, os, nearest: near };
  const wanted = productCandidates(os)[0];
  const looked = wanted !== undefined ? `no ssg-${wanted}-ds.xml among the ${installed.size} data streams in ${dir}` : `${installed.size} data streams in ${dir}, none for ${os.id || 'this system'}`;
  throw new ContentError(
    'no-content',
    `no SCAP content matches ${os.prettyName || `${os.id} ${os.versionId}`} (${looked}); Vigil will not scan with another product's content. ` +
      `Pass --content FILE to choose one deliberately${near ? `, or --nearest to use ${near}` : ''}.`,
  );
}

/**
 * The file `--content` names: the path itself when it exists, else a bare
 * name (no slash) looked up in the content directory, as the README's
 * `--content ssg-ubuntu2204-ds.xml` means.
 */
export function contentPath(name: string, dir: string): string {
  if (name.includes('/') || existsSync(name)) return name;
  const inDir = join(dir, name);
  return existsSync(inDir) ? inDir : name;
}

/** The profile a practitioner would start with: CIS Level 1 Server, else Standard, else the first. */
export function defaultProfile(cl: Checklist): string | undefined {
  const ids = cl.benchmark.profiles.map((p) => p.id);
  for (const suffix of ['_cis_level1_server', '_cis', '_standard']) {
    const hit = ids.find((id) => id.endsWith(suffix));
    if (hit) return hit;
  }
  return ids[0];
}

export interface ScanContent {
  readonly file: string;
  /** The profile to use when the user names none. */
  readonly profile?: string;
  /** What to tell the user about the choice, when it is not the obvious one. */
  readonly note?: string;
}

/**
 * The content `vigil scan` uses: the matching SSG data stream; else, with
 * `nearest`, the same distribution's nearest older release; else the
 * built-in Vigil Linux baseline, which applies to any Linux host. Each
 * fallback says so.
 */
export async function chooseScanContent(target: Target, dir: string, opts: { readonly nearest?: boolean } = {}): Promise<ScanContent> {
  try {
    const found = await detectContent(target, dir, opts);
    if (found.relative !== undefined) {
      return {
        file: found.file,
        note:
          `no content of its own for ${found.os.prettyName || `${found.os.id} ${found.os.versionId}`}; using ${found.relative}, the Red Hat Enterprise Linux release it follows. ` +
          'Rules whose platform checks look for RHEL packages (redhat-release) will be notapplicable.',
      };
    }
    if (found.nearest === undefined) return { file: found.file };
    return {
      file: found.file,
      note:
        `no content for ${found.os.prettyName || `${found.os.id} ${found.os.versionId}`}; using ${found.nearest} as asked by --nearest. ` +
        'Rules whose platform checks do not recognise this release will be notapplicable.',
    };
  } catch (e) {
    if (!(e instanceof ContentError) || e.code !== 'no-content' || !hasBaseline()) throw e;
    const os = await readOsRelease(target);
    const near = os ? nearestProduct(os, installedContent(dir)) : undefined;
    return {
      file: baselineDataStreamPath(),
      profile: BASELINE_PROFILE,
      note: `${e.message.replace(/; Vigil will not scan.*$/, '')}: scanning with the built-in Vigil Linux baseline instead (--content FILE picks other content${near ? `, --nearest uses ${near}` : ''}).`,
    };
  }
}

/**
 * linux:selinuxboolean_object and linux:selinuxsecuritycontext_object, as
 * OpenSCAP's selinuxboolean_probe.c and selinuxsecuritycontext_probe.c
 * build them with libselinux. Everything is read through the Target.
 *
 * SELinux is enabled on the target when a selinuxfs is mounted (what
 * libselinux looks for): /proc/mounts names it.
 *
 * selinuxboolean: one item per boolean under <selinuxfs>/booleans whose
 * name matches: name, current_status, pending_status (booleans; the file
 * holds "current pending"). Without SELinux libselinux cannot list the
 * booleans and OpenSCAP's probe fails, which leaves its tests without a
 * result and its definitions "unknown"; Vigil reports the object "not
 * collected", which gives the same "unknown" wherever a test asks for items.
 * A boolean that cannot be read is an error item with the reason (libselinux
 * answers -1, which OpenSCAP's probe turns into true).
 *
 * selinuxsecuritycontext, by pid: the context in /proc/<pid>/attr/current,
 * split into user, role, type and the MLS range (low/high sensitivity and
 * category); a process that is gone, has no SELinux context (EINVAL) or
 * whose context cannot be parsed gives no item (OpenSCAP skips the first
 * two and crashes on the third); one whose context cannot be read for
 * another reason (EACCES) is an error item with the reason. pid 0 means the
 * scanning process (/proc/self on the target).
 *
 * selinuxsecuritycontext, by file: the label is the `security.selinux`
 * extended attribute, read through the Target (getfilecon follows links).
 * A file without one gives, as OpenSCAP, an error item (filepath, path,
 * filename) with "Can't get context for <file>: No data available" (or
 * "Operation not supported" on file systems without extended attributes,
 * such as /proc). Needs a live kernel; offline both objects are "not
 * collected" (the Target reads an offline root's attributes too; whether
 * these objects should is a decision about offline semantics, not taken
 * here).
 */
import { isNotFound, TargetError, type Target } from '../../../target/target.js';
import type { ItemData, ItemEntity, Probe, ProbeResult } from '../../types.js';
import { entityMatches, field } from '../entity.js';
import { fileLocator, type LocatedFile } from '../files.js';

// ---------------------------------------------------------------- shared

const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

interface Mount {
  readonly point: string;
  readonly type: string;
}

/** The mount table; empty when the target has none (ENOENT). Any other failure rejects. */
async function mounts(target: Target): Promise<Mount[]> {
  let text: string;
  try {
    text = (await target.readFile('/proc/mounts')).toString('utf8');
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length >= 3) out.push({ point: unescapeMount(f[1]!), type: f[2]! });
  }
  return out;
}

/** Where the target's selinuxfs is mounted, or undefined when SELinux is not enabled. */
export async function selinuxfsMount(target: Target): Promise<string | undefined> {
  const fs = (await mounts(target)).filter((m) => m.type === 'selinuxfs');
  return (fs.find((m) => m.point === '/sys/fs/selinux') ?? fs.find((m) => m.point === '/selinux') ?? fs[0])?.point;
}

export interface SecurityContext {
  readonly user: string;
  readonly role: string;
  readonly type: string;
  /** The MLS range (everything after the third colon), if any. */
  readonly range?: string;
}

/** libselinux context_new(): user:role:type[:range]; undefined when it refuses the string. */
export function parseSecurityContext(raw: string): SecurityContext | undefined {
  const s = raw.replace(/\0+$/, '');
  let colons = 0;
  for (const ch of s) {
    if (ch === ':') colons++;
    else if (ch === '\n' || ch === '\t' || ch === '\r') return undefined;
    else if (ch === ' ' && colons < 3) return undefined;
  }
  if (colons < 2 || colons > 5) return undefined;
  const parts: string[] = [];
  let rest = s;
  while (rest !== '' && parts.length < 4) {
    if (parts.length < 3) {
      const i = rest.indexOf(':');
      parts.push(i === -1 ? rest : rest.slice(0, i));
      rest = i === -1 ? '' : rest.slice(i + 1);
    } else {
      parts.push(rest);
      rest = '';
    }
  }
  const [user = '', role = '', type = '', range] = parts;
  return range === undefined ? { user, role, type } : { user, role, type, range };
}

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The context of a process: the context, none (the process is gone, has no
 * SELinux context, EINVAL, or one libselinux would refuse), or why it
 * could not be read.
 */
export async function readProcessContext(target: Target, pid: number): Promise<{ context?: SecurityContext; error?: string }> {
  const path = `/proc/${pid}/attr/current`;
  try {
    const c = parseSecurityContext((await target.readFile(path)).toString('utf8'));
    return c ? { context: c } : {};
  } catch (e) {
    if (isNotFound(e) || (e instanceof TargetError && e.code === 'EINVAL')) return {};
    return { error: `cannot read ${path}: ${reason(e)}` };
  }
}

/** The context of a process, or undefined when it cannot be read or parsed (process58's label). */
export async function processContext(target: Target, pid: number): Promise<SecurityContext | undefined> {
  return (await readProcessContext(target, pid)).context;
}

// --------------------------------------------------------- selinuxboolean

export const selinuxbooleanProbe: Probe = {
  family: 'linux',
  objectType: 'selinuxboolean_object',
  needs: ['kernel'],
  description: 'SELinux booleans from <selinuxfs>/booleans; not collected without SELinux (OpenSCAP fails) or offline',
  async collect(req, ctx): Promise<ProbeResult> {
    const name = req.entities.get('name');
    if (!name) return { flag: 'error', items: [], messages: ['selinuxboolean_object needs name'] };
    const mnt = await selinuxfsMount(ctx.target);
    if (mnt === undefined) {
      return { flag: 'not collected', items: [], messages: ['SELinux is not enabled on the target (no selinuxfs is mounted), so it has no booleans; OpenSCAP\'s probe fails here'] };
    }
    const dir = `${mnt}/booleans`;
    let names: string[];
    try {
      names = (await ctx.target.readdir(dir)).map((e) => e.name).sort();
    } catch (e) {
      // no booleans directory is where OpenSCAP's probe fails (not collected); one that cannot be listed is an error
      return { flag: isNotFound(e) ? 'not collected' : 'error', items: [], messages: [`cannot list the SELinux booleans in ${dir}: ${e instanceof Error ? e.message : String(e)}`] };
    }
    if (names.length === 0) return { flag: 'not collected', items: [], messages: [`${dir} lists no SELinux booleans; OpenSCAP's probe fails here`] };
    const items: ItemData[] = [];
    for (const n of names) {
      if (!(await entityMatches(name, n))) continue;
      let current: boolean;
      let pending: boolean;
      try {
        const text = (await ctx.target.readFile(`${dir}/${n}`)).toString('latin1');
        current = (Number.parseInt(text, 10) || 0) !== 0;
        pending = (Number.parseInt(text.slice(1), 10) || 0) !== 0;
      } catch (e) {
        if (isNotFound(e)) continue; // gone since the listing
        // libselinux answers -1, which OpenSCAP turns into true: Vigil says it could not read it
        items.push({ family: 'linux', type: 'selinuxboolean_item', status: 'error', messages: [`cannot read ${dir}/${n}: ${reason(e)}`], entities: [field('name', n)] });
        continue;
      }
      items.push({
        family: 'linux',
        type: 'selinuxboolean_item',
        status: 'exists',
        entities: [field('name', n), field('current_status', current, 'boolean'), field('pending_status', pending, 'boolean')],
      });
    }
    return { items };
  },
};

// -------------------------------------------------- selinuxsecuritycontext

/** File systems whose files have no extended attributes at all: getxattr() fails with EOPNOTSUPP there. */
const NO_XATTR_FS = new Set(['proc', 'devpts', 'debugfs', 'tracefs', 'binfmt_misc', 'fusectl', 'autofs', 'vfat', 'msdos', 'exfat', 'iso9660', 'nfs']);

function rangeEntities(range: string | undefined): ItemEntity[] {
  if (range === undefined) return [];
  const level = (l: string): [string, string | undefined] => {
    const i = l.indexOf(':');
    return i === -1 ? [l, undefined] : [l.slice(0, i), l.slice(i + 1)];
  };
  const dash = range.indexOf('-');
  const [ls, lc] = level(dash === -1 ? range : range.slice(0, dash));
  const [hs, hc] = dash === -1 ? [undefined, undefined] : level(range.slice(dash + 1));
  const out: ItemEntity[] = [];
  const add = (n: string, v: string | undefined): void => {
    if (v !== undefined) out.push(field(n, v));
  };
  add('low_sensitivity', ls);
  add('low_category', lc);
  add('high_sensitivity', hs);
  add('high_category', hc);
  return out;
}

function contextItem(leading: ItemEntity[], c: SecurityContext): ItemData {
  return {
    family: 'linux',
    type: 'selinuxsecuritycontext_item',
    status: 'exists',
    entities: [...leading, field('user', c.user), field('role', c.role), field('type', c.type), ...rangeEntities(c.range)],
  };
}

/** The file system type holding `path`: the longest mount point above it. */
function fsTypeOf(all: readonly Mount[], path: string): string | undefined {
  let best: Mount | undefined;
  for (const m of all) {
    const under = m.point === '/' || path === m.point || path.startsWith(`${m.point}/`);
    if (under && (!best || m.point.length >= best.point.length)) best = m;
  }
  return best?.type;
}

async function fileItems(files: readonly LocatedFile[], target: Target): Promise<ItemData[]> {
  const all = await mounts(target);
  const items: ItemData[] = [];
  for (const f of files) {
    const pbuf = `${f.path}${f.path.endsWith('/') ? '' : '/'}${f.filename ?? ''}`;
    const leading = [field('filepath', pbuf), field('path', f.path), ...(f.filename !== undefined ? [field('filename', f.filename)] : [])];
    const failed = (why: string): ItemData => ({ family: 'linux', type: 'selinuxsecuritycontext_item', status: 'error', messages: [`Can't get context for ${pbuf}: ${why}\n`], entities: leading });
    let real: string;
    let label: Buffer | undefined;
    try {
      await target.stat(pbuf); // access(F_OK): a dangling link is skipped
      real = await target.realpath(pbuf);
      label = NO_XATTR_FS.has(fsTypeOf(all, real) ?? '') ? undefined : await target.getxattr(real, 'security.selinux');
    } catch (e) {
      if (isNotFound(e)) continue;
      items.push(failed(e instanceof TargetError && e.code === 'ENOTSUP' ? 'Operation not supported' : reason(e)));
      continue;
    }
    if (label === undefined) {
      items.push(failed(NO_XATTR_FS.has(fsTypeOf(all, real) ?? '') ? 'Operation not supported' : 'No data available'));
      continue;
    }
    const c = parseSecurityContext(label.toString('utf8'));
    items.push(c ? contextItem(leading, c) : failed(`not a security context: ${JSON.stringify(label.toString('utf8'))}`));
  }
  return items;
}

export const selinuxsecuritycontextProbe: Probe = {
  family: 'linux',
  objectType: 'selinuxsecuritycontext_object',
  needs: ['kernel'],
  description: 'SELinux contexts of processes (/proc/<pid>/attr/current) and files (the security.selinux attribute); not collected offline',
  async collect(req, ctx): Promise<ProbeResult> {
    const filepath = req.entities.get('filepath');
    const path = req.entities.get('path');
    const filename = req.entities.get('filename');
    const pid = req.entities.get('pid');
    const byFile = filepath !== undefined || (path !== undefined && filename !== undefined);
    if (!byFile && !pid) return { flag: 'error', items: [], messages: ['selinuxsecuritycontext_object needs filepath, path and filename, or pid'] };
    const items: ItemData[] = [];
    if (byFile) {
      items.push(...(await fileItems(await fileLocator(ctx).locate(req, ctx), ctx.target)));
    }
    if (pid) {
      if (!/^[+-]?\d+$/.test(pid.value.trim())) return { flag: 'error', items: [], messages: [`pid "${pid.value}" is not an integer`] };
      let wanted: ((n: number) => boolean | Promise<boolean>) | undefined;
      if (Number.parseInt(pid.value, 10) === 0) {
        // pid 0 is the scanning process, compared for equality whatever the operation
        let self: number;
        try {
          self = Number.parseInt(await ctx.target.readlink('/proc/self'), 10);
        } catch (e) {
          if (isNotFound(e)) return { flag: 'error', items: [], messages: ['pid 0 (the scanning process) has no /proc/self on the target'] };
          throw e;
        }
        wanted = (n) => n === self;
      } else {
        wanted = (n) => entityMatches(pid, String(n));
      }
      for (const e of await ctx.target.readdir('/proc')) {
        if (!/^\d+$/.test(e.name)) continue;
        const n = Number.parseInt(e.name, 10);
        if (!(await wanted(n))) continue;
        const c = await readProcessContext(ctx.target, n);
        if (c.context) items.push(contextItem([field('pid', n, 'int')], c.context));
        else if (c.error !== undefined) items.push({ family: 'linux', type: 'selinuxsecuritycontext_item', status: 'error', messages: [c.error], entities: [field('pid', n, 'int')] });
      }
    }
    return { items };
  },
};

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
 *
 * selinuxsecuritycontext, by pid: the context in /proc/<pid>/attr/current,
 * split into user, role, type and the MLS range (low/high sensitivity and
 * category); a process whose context cannot be read (no SELinux: EINVAL) or
 * parsed gives no item (OpenSCAP skips the first and crashes on the second).
 * pid 0 means the scanning process.
 *
 * selinuxsecuritycontext, by file: file labels are extended attributes,
 * which a Target cannot read. Without SELinux no file has a label, and
 * OpenSCAP reports each located file as an error item (filepath, path,
 * filename) with "Can't get context for <file>: No data available" (or
 * "Operation not supported" on file systems without extended attributes,
 * such as /proc); Vigil does the same. With SELinux enabled the file labels
 * are not collected. Needs a live kernel; offline both objects are "not
 * collected".
 */
import { isNotFound, type Target } from '../../../target/target.js';
import type { ItemData, ItemEntity, Probe, ProbeResult } from '../../types.js';
import { entityMatches, field } from '../entity.js';
import { fileLocator, type LocatedFile } from '../files.js';

// ---------------------------------------------------------------- shared

const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

interface Mount {
  readonly point: string;
  readonly type: string;
}

async function mounts(target: Target): Promise<Mount[]> {
  let text: string;
  try {
    text = (await target.readFile('/proc/mounts')).toString('utf8');
  } catch {
    return [];
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

/** The context of a process, or undefined when it cannot be read or parsed. */
export async function processContext(target: Target, pid: number): Promise<SecurityContext | undefined> {
  try {
    return parseSecurityContext((await target.readFile(`/proc/${pid}/attr/current`)).toString('utf8'));
  } catch {
    return undefined;
  }
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
      return { flag: 'not collected', items: [], messages: [`cannot list the SELinux booleans in ${dir}: ${e instanceof Error ? e.message : String(e)}`] };
    }
    if (names.length === 0) return { flag: 'not collected', items: [], messages: [`${dir} lists no SELinux booleans; OpenSCAP's probe fails here`] };
    const items: ItemData[] = [];
    for (const n of names) {
      if (!entityMatches(name, n)) continue;
      let current = true; // libselinux returns -1 on a read error, which the probe turns into true
      let pending = true;
      try {
        const text = (await ctx.target.readFile(`${dir}/${n}`)).toString('latin1');
        current = (Number.parseInt(text, 10) || 0) !== 0;
        pending = (Number.parseInt(text.slice(1), 10) || 0) !== 0;
      } catch {
        // as libselinux: -1
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
    let real: string;
    try {
      await target.stat(pbuf); // access(F_OK): a dangling link is skipped
      real = await target.realpath(pbuf);
    } catch {
      continue;
    }
    const why = NO_XATTR_FS.has(fsTypeOf(all, real) ?? '') ? 'Operation not supported' : 'No data available';
    items.push({
      family: 'linux',
      type: 'selinuxsecuritycontext_item',
      status: 'error',
      messages: [`Can't get context for ${pbuf}: ${why}\n`],
      entities: [field('filepath', pbuf), field('path', f.path), ...(f.filename !== undefined ? [field('filename', f.filename)] : [])],
    });
  }
  return items;
}

export const selinuxsecuritycontextProbe: Probe = {
  family: 'linux',
  objectType: 'selinuxsecuritycontext_object',
  needs: ['kernel'],
  description: 'SELinux contexts of processes (/proc/<pid>/attr/current); files: unlabeled without SELinux, not collected with it; not collected offline',
  async collect(req, ctx): Promise<ProbeResult> {
    const filepath = req.entities.get('filepath');
    const path = req.entities.get('path');
    const filename = req.entities.get('filename');
    const pid = req.entities.get('pid');
    const byFile = filepath !== undefined || (path !== undefined && filename !== undefined);
    if (!byFile && !pid) return { flag: 'error', items: [], messages: ['selinuxsecuritycontext_object needs filepath, path and filename, or pid'] };
    const items: ItemData[] = [];
    if (byFile) {
      if ((await selinuxfsMount(ctx.target)) !== undefined) {
        return { flag: 'not collected', items: [], messages: ['file security contexts are extended attributes, which Vigil cannot read through the target'] };
      }
      items.push(...(await fileItems(await fileLocator(ctx).locate(req, ctx), ctx.target)));
    }
    if (pid) {
      if (!/^[+-]?\d+$/.test(pid.value.trim())) return { flag: 'error', items: [], messages: [`pid "${pid.value}" is not an integer`] };
      let wanted: ((n: number) => boolean) | undefined;
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
        if (!wanted(n)) continue;
        const c = await processContext(ctx.target, n);
        if (c) items.push(contextItem([field('pid', n, 'int')], c));
      }
    }
    return { items };
  },
};

/**
 * unix:password_object and unix:shadow_object: entries of the target's
 * /etc/passwd and /etc/shadow, matched by username. Offline, the root's files.
 */
import { isNotFound } from '../../../target/target.js';
import { serviceKey } from '../../services.js';
import type { ItemData, Probe, ProbeResult, ProbeContext, ProbeRequest } from '../../types.js';
import { field, matching } from '../entity.js';

/** The account files' rows by path, read once per scan. */
const ACCOUNT_FILES = serviceKey('account-files', (target) => ({ target, rows: new Map<string, Promise<string[][] | Error | undefined>>() }));

async function lines(ctx: ProbeContext, path: string): Promise<string[][] | Error | undefined> {
  const files = ctx.services.get(ACCOUNT_FILES);
  // read once per scan: each object that uses the rows read the file
  ctx.reads.path(path);
  let p = files.rows.get(path);
  if (!p) {
    p = files.target.readFile(path).then(
      (b) =>
        b
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== '' && !l.startsWith('#'))
          .map((l) => l.split(':')),
      (e: unknown) => (isNotFound(e) ? undefined : (e as Error)),
    );
    files.rows.set(path, p);
  }
  return p;
}

async function collectEntries(
  req: ProbeRequest,
  ctx: ProbeContext,
  path: string,
  build: (cols: string[]) => ItemData,
): Promise<ProbeResult> {
  const user = req.entities.get('username');
  if (!user) return { flag: 'error', items: [], messages: ['the object needs username'] };
  const rows = await lines(ctx, path);
  if (rows instanceof Error) return { flag: 'error', items: [], messages: [`${path}: ${rows.message}`] };
  if (!rows) return { items: [] };
  return { items: (await matching(user, rows.filter((c) => c[0] !== undefined), (c) => c[0]!)).map(build) };
}

export const passwordProbe: Probe = {
  family: 'unix',
  objectType: 'password_object',
  needs: [],
  description: "entries of the target's /etc/passwd; offline, the root's file",
  collect: (req, ctx) =>
    collectEntries(req, ctx, '/etc/passwd', (c) => ({
      family: 'unix',
      type: 'password_item',
      status: 'exists',
      entities: [
        field('username', c[0] ?? ''),
        field('password', c[1] ?? ''),
        field('user_id', c[2] ?? '', 'int'),
        field('group_id', c[3] ?? '', 'int'),
        field('gcos', c[4] ?? ''),
        field('home_dir', c[5] ?? ''),
        field('login_shell', c[6] ?? ''),
        field('last_login', -1, 'int'),
      ],
    })),
};

export const shadowProbe: Probe = {
  family: 'unix',
  objectType: 'shadow_object',
  needs: [],
  description: "entries of the target's /etc/shadow; offline, the root's file",
  collect: (req, ctx) =>
    collectEntries(req, ctx, '/etc/shadow', (c) => {
      const num = (i: number) => (c[i] === undefined || c[i] === '' ? '-1' : c[i]!);
      const pw = c[1] ?? '';
      const m = /^\$([^$]+)\$/.exec(pw);
      const methods: Record<string, string> = { '1': 'MD5', '2a': 'Blowfish', '2b': 'Blowfish', '2y': 'Blowfish', '5': 'SHA-256', '6': 'SHA-512', y: 'yescrypt' };
      return {
        family: 'unix',
        type: 'shadow_item',
        status: 'exists',
        entities: [
          field('username', c[0] ?? ''),
          field('password', pw),
          field('chg_lst', num(2), 'int'),
          field('chg_allow', num(3), 'int'),
          field('chg_req', num(4), 'int'),
          field('exp_warn', num(5), 'int'),
          field('exp_inact', num(6), 'int'),
          field('exp_date', num(7), 'int'),
          field('flag', c[8] ?? ''),
          field('encrypt_method', m ? (methods[m[1]!] ?? m[1]!) : pw.startsWith('_') ? 'DES' : ''),
        ],
      };
    }),
};

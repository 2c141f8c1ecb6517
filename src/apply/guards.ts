/**
 * Guards on a rehearsed change set, before anything real: each finding
 * refuses the apply unless `--force`. They run inside the rehearsal's
 * namespace, so the tools see the changed files where they expect them:
 *
 * - sshd: `sshd -t` on the changed configuration; then the effective
 *   settings for the operator (`sshd -T -C user=…`, Match blocks included)
 *   before and after: a change that newly denies them (AllowUsers,
 *   DenyUsers, AllowGroups, DenyGroups, PermitRootLogin for root, password
 *   logins turned off for an operator without authorized keys) locks them out;
 * - sudoers: `visudo -c` (or `-c -f` on a changed drop-in);
 * - PAM: every module and `@include` a changed /etc/pam.d file newly
 *   references exists in the root;
 * - fstab: a new `noexec` on a mount point that holds the program running
 *   the scan (Node, Vigil) would stop the next scan of this host.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { ChangeSet } from './change-set.js';
import type { Sandbox } from './sandbox.js';

export interface GuardFinding {
  readonly guard: 'sshd' | 'sudoers' | 'pam' | 'fstab';
  readonly path: string;
  readonly message: string;
}

export interface Operator {
  readonly user: string;
  /** Their home directory in the root, for authorized keys (from the root's /etc/passwd when absent). */
  readonly home?: string;
}

/** Effective sshd settings for the operator, or why they could not be read. */
export type SshdView = { readonly ok: true; readonly settings: ReadonlyMap<string, string[]> } | { readonly ok: false; readonly error: string };

const HOSTKEY = 'vigil-guard-hostkey';
const SSHD_CONFIG = '/etc/ssh/sshd_config';

async function ensureHostKey(sb: Sandbox): Promise<string> {
  const file = join(sb.tmp, HOSTKEY);
  if (!existsSync(file)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { stdio: 'ignore' });
  return sb.inside(HOSTKEY);
}

/** `sshd -T` for the operator inside the sandbox, when the root has an sshd_config. */
export async function sshdView(sb: Sandbox, op: Operator): Promise<SshdView | undefined> {
  if (!existsSync(join(sb.view, SSHD_CONFIG))) return undefined;
  let key: string;
  try {
    key = await ensureHostKey(sb);
  } catch (e) {
    return { ok: false, error: `ssh-keygen failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const r = await sb.exec(['sshd', '-T', '-f', SSHD_CONFIG, '-h', key, '-C', `user=${op.user},host=localhost,addr=127.0.0.1`], { timeoutMs: 20_000 }).catch((e: Error) => ({ code: 127, stdout: '', stderr: e.message }));
  if (r.code !== 0) return { ok: false, error: r.stderr.trim() || `sshd exited ${String(r.code)}` };
  const settings = new Map<string, string[]>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const k = m[1]!.toLowerCase();
    settings.set(k, [...(settings.get(k) ?? []), ...m[2]!.split(/\s+/)]);
  }
  return { ok: true, settings };
}

const ACCUMULATE = new Set(['allowusers', 'denyusers', 'allowgroups', 'denygroups']);

/**
 * The settings of an sshd_config as sshd reads them outside any Match block
 * (first value wins; the allow/deny lists accumulate; Include expanded in
 * `view`), for when `sshd -T` cannot run (no privilege-separation user in a
 * synthetic root). Match blocks are left out, so the answer is what applies
 * to a connection no Match selects.
 */
export function parseSshdConfig(view: string, file = SSHD_CONFIG, depth = 0): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const text = readOr(join(view, file));
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const k = m[1]!.toLowerCase();
    if (k === 'match') break;
    const vals = m[2]!.split(/\s+/).filter(Boolean).map((v) => v.replace(/^"(.*)"$/, '$1'));
    if (k === 'include' && depth < 8) {
      for (const pat of vals) {
        const abs = pat.startsWith('/') ? pat : posix.join('/etc/ssh', pat);
        const dir = posix.dirname(abs);
        const re = new RegExp(`^${posix.basename(abs).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
        let names: string[] = [];
        try {
          names = readdirSync(join(view, dir)).filter((n) => re.test(n)).sort();
        } catch {
          // no such directory
        }
        for (const n of names) for (const [ik, iv] of parseSshdConfig(view, posix.join(dir, n), depth + 1)) if (!out.has(ik) || ACCUMULATE.has(ik)) out.set(ik, [...(ACCUMULATE.has(ik) ? (out.get(ik) ?? []) : []), ...iv]);
      }
      continue;
    }
    if (ACCUMULATE.has(k)) out.set(k, [...(out.get(k) ?? []), ...vals]);
    else if (!out.has(k)) out.set(k, vals.map((v) => v.toLowerCase()));
  }
  return out;
}

/** sshd's pattern matching: `*` and `?`, `!` negation, comma lists. */
export function sshMatch(pattern: string, word: string): boolean {
  let hit = false;
  for (const raw of pattern.split(',')) {
    const neg = raw.startsWith('!');
    const p = neg ? raw.slice(1) : raw;
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    if (re.test(word)) {
      if (neg) return false;
      hit = true;
    }
  }
  return hit;
}

/** Why sshd would refuse the operator with these settings, or undefined when it lets them in. */
export function sshdRefuses(s: ReadonlyMap<string, string[]>, op: Operator, groups: readonly string[], hasKeys: boolean): string | undefined {
  const user = (p: string): string => p.split('@')[0]!;
  const allowUsers = s.get('allowusers') ?? [];
  if (allowUsers.length && !allowUsers.some((p) => sshMatch(user(p), op.user))) return `AllowUsers ${allowUsers.join(' ')} does not include ${op.user}`;
  const denyUsers = s.get('denyusers') ?? [];
  const denied = denyUsers.find((p) => sshMatch(user(p), op.user));
  if (denied) return `DenyUsers ${denied} matches ${op.user}`;
  const allowGroups = s.get('allowgroups') ?? [];
  if (allowGroups.length && !allowGroups.some((p) => groups.some((g) => sshMatch(p, g)))) return `AllowGroups ${allowGroups.join(' ')} includes none of ${op.user}'s groups (${groups.join(', ') || 'none'})`;
  const denyGroups = s.get('denygroups') ?? [];
  const dg = denyGroups.find((p) => groups.some((g) => sshMatch(p, g)));
  if (dg) return `DenyGroups ${dg} matches a group of ${op.user}`;
  const prl = s.get('permitrootlogin')?.[0];
  if (op.user === 'root' && prl === 'no') return 'PermitRootLogin no, and the operator is root';
  const keyOnly = s.get('pubkeyauthentication')?.[0] !== 'no';
  const passwords = s.get('passwordauthentication')?.[0] !== 'no' || s.get('kbdinteractiveauthentication')?.[0] === 'yes';
  if (op.user === 'root' && (prl === 'prohibit-password' || prl === 'without-password') && !(hasKeys && keyOnly)) return `PermitRootLogin ${prl}, and root has no authorized keys`;
  if (!passwords && !(hasKeys && keyOnly)) return `password logins are off, and ${op.user} has no authorized keys to log in with`;
  return undefined;
}

function passwdHome(view: string, user: string): string | undefined {
  try {
    for (const line of readFileSync(join(view, 'etc/passwd'), 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user && f.length >= 7) return f[5];
    }
  } catch {
    // no passwd file
  }
  return undefined;
}

function groupsOf(view: string, user: string): string[] {
  const out = new Set<string>();
  let gid: string | undefined;
  try {
    for (const line of readFileSync(join(view, 'etc/passwd'), 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user) gid = f[3];
    }
    for (const line of readFileSync(join(view, 'etc/group'), 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length < 4) continue;
      if (f[2] === gid || f[3]!.split(',').includes(user)) out.add(f[0]!);
    }
  } catch {
    // no passwd or group file
  }
  return [...out];
}

function hasAuthorizedKeys(view: string, home: string | undefined): boolean {
  if (!home) return false;
  for (const f of ['.ssh/authorized_keys', '.ssh/authorized_keys2']) {
    try {
      if (/\S/.test(readFileSync(join(view, home, f), 'utf8'))) return true;
    } catch {
      // absent
    }
  }
  return false;
}

export const PAM_DIRS = ['lib/security', 'lib64/security', 'usr/lib/security', 'usr/lib64/security', 'lib/x86_64-linux-gnu/security', 'usr/lib/x86_64-linux-gnu/security', 'lib/aarch64-linux-gnu/security', 'usr/lib/aarch64-linux-gnu/security'];

/** The modules and includes a PAM file references. */
export function pamReferences(text: string): { modules: Set<string>; includes: Set<string> } {
  const modules = new Set<string>();
  const includes = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const inc = /^@include\s+(\S+)/.exec(line);
    if (inc) {
      includes.add(inc[1]!);
      continue;
    }
    const m = /^-?(\w+)\s+(\[[^\]]*\]|\S+)\s+(\S+)/.exec(line);
    if (!m) continue;
    if (['include', 'substack'].includes(m[2]!)) includes.add(m[3]!);
    else modules.add(m[3]!);
  }
  return { modules, includes };
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Runs every guard that the change set calls for. `baseline` is the sshd view before the fixes ran. */
export async function runGuards(sb: Sandbox, cs: ChangeSet, root: string, op: Operator, baseline: SshdView | undefined, running: readonly string[] = [process.execPath]): Promise<{ findings: GuardFinding[]; notes: string[] }> {
  const findings: GuardFinding[] = [];
  const notes: string[] = [];
  const paths = cs.changes.map((c) => c.path);
  const view = sb.view;

  if (paths.some((p) => p === SSHD_CONFIG || p.startsWith('/etc/ssh/sshd_config.d/'))) {
    if (existsSync(join(view, SSHD_CONFIG))) {
      const key = await ensureHostKey(sb).catch(() => undefined);
      const t = key ? await sb.exec(['sshd', '-t', '-f', SSHD_CONFIG, '-h', key], { timeoutMs: 20_000 }).catch((e: Error) => ({ code: 127, stderr: e.message })) : { code: 127, stderr: 'ssh-keygen failed' };
      if (t.code === 127) notes.push(`sshd -t could not run (${t.stderr.trim()}); the changed sshd configuration was not checked`);
      else if (t.code !== 0 && !(baseline && !baseline.ok)) findings.push({ guard: 'sshd', path: SSHD_CONFIG, message: `sshd -t rejects the changed configuration: ${t.stderr.trim()}` });
      else {
        if (t.code !== 0) notes.push(`sshd rejected the configuration before the change too (${baseline && !baseline.ok ? baseline.error : ''}); lockouts were checked from the files, outside Match blocks`);
        const viewAfter = t.code === 0 ? await sshdView(sb, op) : undefined;
        const afterSettings = viewAfter?.ok ? viewAfter.settings : parseSshdConfig(view);
        const beforeSettings = baseline?.ok ? baseline.settings : parseSshdConfig(root);
        const home = op.home ?? passwdHome(view, op.user);
        const now = sshdRefuses(afterSettings, op, groupsOf(view, op.user), hasAuthorizedKeys(view, home));
        const before = sshdRefuses(beforeSettings, op, groupsOf(root, op.user), hasAuthorizedKeys(root, op.home ?? passwdHome(root, op.user)));
        if (now && !before) findings.push({ guard: 'sshd', path: SSHD_CONFIG, message: `the change locks ${op.user} out of SSH: ${now}` });
        else if (now) notes.push(`sshd already refused ${op.user} before the change (${before}); not counted against it`);
      }
    } else notes.push(`${SSHD_CONFIG} was removed by the fixes`);
  }

  const sudoers = paths.filter((p) => p === '/etc/sudoers' || p.startsWith('/etc/sudoers.d/'));
  if (sudoers.length) {
    const files = existsSync(join(view, 'etc/sudoers')) ? ['/etc/sudoers'] : sudoers.filter((p) => existsSync(join(view, p)));
    for (const f of files) {
      const r = await sb.exec(['visudo', '-c', '-f', f], { timeoutMs: 20_000 }).catch((e: Error) => ({ code: 127, stdout: '', stderr: e.message }));
      if (r.code === 127) notes.push(`visudo could not run (${r.stderr.trim()}); ${f} was not checked`);
      else if (r.code !== 0) findings.push({ guard: 'sudoers', path: f, message: `visudo -c rejects it: ${(r.stdout + r.stderr).trim()}` });
    }
  }

  for (const c of cs.changes) {
    if (!c.path.startsWith('/etc/pam.d/') || c.after.type !== 'file') continue;
    const before = pamReferences(readOr(join(root, c.path)));
    const after = pamReferences(readOr(join(view, c.path)));
    for (const m of after.modules) {
      if (before.modules.has(m)) continue;
      const found = m.startsWith('/') ? existsSync(join(view, m)) : PAM_DIRS.some((d) => existsSync(join(view, d, m)));
      if (!found) findings.push({ guard: 'pam', path: c.path, message: `references ${m}, which the root does not have: every login through this stack would fail` });
    }
    for (const i of after.includes) {
      if (before.includes.has(i)) continue;
      if (!existsSync(join(view, i.startsWith('/') ? i : posix.join('/etc/pam.d', i)))) findings.push({ guard: 'pam', path: c.path, message: `includes ${i}, which does not exist` });
    }
  }

  const fstab = cs.changes.find((c) => c.path === '/etc/fstab' && c.after.type === 'file');
  if (fstab) {
    const mounts = (text: string): Map<string, string[]> => {
      const m = new Map<string, string[]>();
      for (const line of text.split('\n')) {
        const f = line.replace(/#.*/, '').trim().split(/\s+/);
        if (f.length >= 4) m.set(f[1]!, f[3]!.split(','));
      }
      return m;
    };
    const before = mounts(readOr(join(root, 'etc/fstab')));
    for (const [point, options] of mounts(readOr(join(view, 'etc/fstab')))) {
      if (!options.includes('noexec') || before.get(point)?.includes('noexec')) continue;
      const hit = running.find((p) => p === point || p.startsWith(point === '/' ? '/' : `${point}/`));
      if (hit) findings.push({ guard: 'fstab', path: '/etc/fstab', message: `mounts ${point} noexec, which holds ${hit}: the next scan of this host could not run` });
    }
  }
  return { findings, notes };
}

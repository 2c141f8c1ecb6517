/**
 * The guards of remediation over SSH, run ON THE HOST (the tools and
 * files that matter are the host's): the predicted new content of a
 * changed file is written to a private temporary directory there (mode
 * 0700, removed afterwards), and checked with the host's own tools:
 *
 * - /etc/ssh/sshd_config: `sshd -t` on the copy; then the effective
 *   settings for the CONNECTING user (`sshd -T -C user=…`, Match blocks
 *   included) before and after: a change that newly refuses them
 *   (AllowUsers, DenyUsers, AllowGroups, DenyGroups, PermitRootLogin,
 *   password logins off without authorized keys in the AuthorizedKeysFile
 *   sshd names) is a lockout of the session Vigil itself runs in;
 * - /etc/sudoers and /etc/sudoers.d/*: `visudo -c -f` on the copy;
 * - /etc/pam.d/*: every module and include newly referenced exists on the host.
 *
 * A changed file whose new content the rehearsal could not predict cannot
 * be checked: that is a finding (refused unless --force), not a pass.
 * The same sshd check runs after the real apply on the file as it is
 * (`lockedOutNow`), as the last line before the verification.
 */
import { posix } from 'node:path';
import type { Target } from '../target/target.js';
import type { RemoteStateAccess } from '../target/ssh/index.js';
import { PAM_DIRS, pamReferences, sshdRefuses, type GuardFinding, type Operator } from './guards.js';

export type GuardHost = Target & RemoteStateAccess;

const SSHD_CONFIG = '/etc/ssh/sshd_config';

/** A predicted change of a file: its new content when known. */
export interface PredictedFile {
  readonly path: string;
  readonly after?: string;
  readonly removed?: boolean;
}

async function sh(t: GuardHost, script: string, args: readonly string[] = [], timeoutMs = 30_000): Promise<{ code: number; out: string; err: string }> {
  const r = await t.exec!('sh', ['-c', script, 'vigil-guard', ...args], { timeoutMs });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

/** A temporary directory on the host (0700), removed by the returned function. */
async function remoteTemp(t: GuardHost): Promise<{ dir: string; done: () => Promise<void> }> {
  const r = await sh(t, 'umask 077; mktemp -d /tmp/vigil-guard.XXXXXXXX');
  if (r.code !== 0) throw new Error(`cannot make a temporary directory on the host: ${r.err.trim()}`);
  const dir = r.out.trim();
  return { dir, done: async () => void (await sh(t, 'rm -rf -- "$1"', [dir]).catch(() => undefined)) };
}

async function putFile(t: GuardHost, path: string, text: string, uid: number, gid: number): Promise<void> {
  const content = Buffer.from(text, 'utf8');
  const { createHash } = await import('node:crypto');
  await t.restore(path, { type: 'file', mode: 0o600, uid, gid, mtimeNs: String(BigInt(Date.now()) * 1_000_000n), xattrs: {}, sha256: createHash('sha256').update(content).digest('hex'), size: content.length }, { content, tempPrefix: '.vigil-guard-' });
}

/** `sshd -T` for the user with the config file `config` on the host: settings, or why not. */
async function sshdSettings(t: GuardHost, config: string, hostKey: string, user: string): Promise<{ ok: true; settings: Map<string, string[]> } | { ok: false; error: string }> {
  const r = await sh(t, 'exec sshd -T -f "$1" -h "$2" -C "user=$3,host=localhost,addr=127.0.0.1"', [config, hostKey, user]).catch((e: Error) => ({ code: 127, out: '', err: e.message }));
  if (r.code !== 0) return { ok: false, error: r.err.trim() || `sshd exited ${r.code}` };
  const settings = new Map<string, string[]>();
  for (const line of r.out.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const k = m[1]!.toLowerCase();
    settings.set(k, [...(settings.get(k) ?? []), ...m[2]!.split(/\s+/)]);
  }
  return { ok: true, settings };
}

/** Whether the user has an authorized key in the files sshd names (AuthorizedKeysFile, %h %u %% expanded). */
async function hasKeys(t: GuardHost, settings: ReadonlyMap<string, string[]>, user: string, home: string | undefined): Promise<boolean> {
  const files = settings.get('authorizedkeysfile') ?? ['.ssh/authorized_keys', '.ssh/authorized_keys2'];
  for (const f of files) {
    if (f === 'none') continue;
    const expanded = f.replace(/%%/g, '\0').replace(/%h/g, home ?? '').replace(/%u/g, user).replace(/\0/g, '%');
    const path = expanded.startsWith('/') ? expanded : home ? posix.join(home, expanded) : undefined;
    if (!path) continue;
    try {
      if (/\S/.test((await t.readFile(path)).toString('utf8'))) return true;
    } catch {
      // absent or unreadable
    }
  }
  return false;
}

async function identityOf(t: GuardHost, user: string): Promise<{ groups: string[]; home?: string }> {
  const r = await sh(t, 'id -Gn -- "$1"; getent passwd -- "$1" | cut -d: -f6', [user]).catch(() => ({ code: 1, out: '', err: '' }));
  const [groups = '', home = ''] = r.out.split('\n');
  return { groups: groups.split(/\s+/).filter(Boolean), ...(home ? { home } : {}) };
}

/** Why sshd with `config` (a file on the host) would refuse the operator, or undefined; `error` when sshd cannot read it. */
async function refusal(t: GuardHost, config: string, hostKey: string, op: Operator): Promise<{ refuses?: string; error?: string }> {
  const s = await sshdSettings(t, config, hostKey, op.user);
  if (!s.ok) return { error: s.error };
  const id = await identityOf(t, op.user);
  const why = sshdRefuses(s.settings, op, id.groups, await hasKeys(t, s.settings, op.user, op.home ?? id.home));
  return why ? { refuses: why } : {};
}

async function hostKeyIn(t: GuardHost, dir: string): Promise<string> {
  const key = `${dir}/hostkey`;
  const r = await sh(t, 'exec ssh-keygen -q -t ed25519 -N "" -f "$1"', [key]);
  if (r.code !== 0) throw new Error(`ssh-keygen on the host failed: ${r.err.trim()}`);
  return key;
}

/** Runs the guards the predicted changes call for, on the host. */
export async function runSshGuards(t: GuardHost, changes: readonly PredictedFile[], op: Operator): Promise<{ findings: GuardFinding[]; notes: string[] }> {
  const findings: GuardFinding[] = [];
  const notes: string[] = [];
  const relevant = changes.filter((c) => c.path === SSHD_CONFIG || c.path.startsWith('/etc/ssh/sshd_config.d/') || c.path === '/etc/sudoers' || c.path.startsWith('/etc/sudoers.d/') || c.path.startsWith('/etc/pam.d/'));
  if (relevant.length === 0) return { findings, notes };
  for (const c of relevant) {
    if (c.removed && c.path === SSHD_CONFIG) findings.push({ guard: 'sshd', path: c.path, message: 'the fixes remove the sshd configuration' });
    else if (!c.removed && c.after === undefined) findings.push({ guard: c.path.startsWith('/etc/pam.d/') ? 'pam' : c.path.includes('sudoers') ? 'sudoers' : 'sshd', path: c.path, message: 'the rehearsal could not predict its new content, so it cannot be checked' });
  }
  const self = await t.self();
  const tmp = await remoteTemp(t);
  try {
    const sshd = relevant.find((c) => c.path === SSHD_CONFIG && c.after !== undefined);
    if (relevant.some((c) => c.path.startsWith('/etc/ssh/sshd_config.d/'))) notes.push('changed files in /etc/ssh/sshd_config.d are checked as part of the live configuration only after the apply');
    if (sshd) {
      const copy = `${tmp.dir}/sshd_config`;
      await putFile(t, copy, sshd.after!, self.uid, self.gid);
      const key = await hostKeyIn(t, tmp.dir);
      const test = await sh(t, 'exec sshd -t -f "$1" -h "$2"', [copy, key]).catch((e: Error) => ({ code: 127, out: '', err: e.message }));
      const before = await refusal(t, SSHD_CONFIG, key, op);
      if (test.code === 127) notes.push(`sshd -t could not run on the host (${test.err.trim()}); the changed sshd configuration was not checked`);
      else if (test.code !== 0 && !before.error) findings.push({ guard: 'sshd', path: SSHD_CONFIG, message: `sshd -t on the host rejects the changed configuration: ${test.err.trim()}` });
      else {
        const after = await refusal(t, copy, key, op);
        if (after.error) notes.push(`sshd -T could not read the changed configuration (${after.error})`);
        else if (after.refuses && !before.refuses) findings.push({ guard: 'sshd', path: SSHD_CONFIG, message: `the change locks ${op.user} (the user Vigil connects as) out of SSH: ${after.refuses}` });
        else if (after.refuses) notes.push(`sshd already refused ${op.user} before the change (${before.refuses}); not counted against it`);
      }
    }
    for (const c of relevant) {
      if (!(c.path === '/etc/sudoers' || c.path.startsWith('/etc/sudoers.d/')) || c.after === undefined) continue;
      const copy = `${tmp.dir}/sudoers-${posix.basename(c.path)}`;
      await putFile(t, copy, c.after, self.uid, self.gid);
      const r = await sh(t, 'exec visudo -c -f "$1"', [copy]).catch((e: Error) => ({ code: 127, out: '', err: e.message }));
      if (r.code === 127) notes.push(`visudo could not run on the host; ${c.path} was not checked`);
      else if (r.code !== 0) findings.push({ guard: 'sudoers', path: c.path, message: `visudo -c on the host rejects it: ${(r.out + r.err).replace(new RegExp(tmp.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '/sudoers-', 'g'), '').trim()}` });
    }
    for (const c of relevant) {
      if (!c.path.startsWith('/etc/pam.d/') || c.after === undefined) continue;
      let current = '';
      try {
        current = (await t.readFile(c.path)).toString('utf8');
      } catch {
        // a new file
      }
      const before = pamReferences(current);
      const after = pamReferences(c.after);
      for (const m of after.modules) {
        if (before.modules.has(m)) continue;
        const candidates = m.startsWith('/') ? [m] : PAM_DIRS.map((d) => `/${d}/${m}`);
        let found = false;
        for (const p of candidates) if (await t.stat(p).then(() => true, () => false)) found = true;
        if (!found) findings.push({ guard: 'pam', path: c.path, message: `references ${m}, which the host does not have: every login through this stack would fail` });
      }
      for (const i of after.includes) {
        if (before.includes.has(i)) continue;
        const p = i.startsWith('/') ? i : posix.join('/etc/pam.d', i);
        const planned = changes.some((x) => x.path === p && !x.removed);
        if (!planned && !(await t.stat(p).then(() => true, () => false))) findings.push({ guard: 'pam', path: c.path, message: `includes ${i}, which does not exist` });
      }
    }
  } finally {
    await tmp.done();
  }
  return { findings, notes };
}

/** After the apply: would sshd, with the configuration as it now is on the host, refuse the operator? */
export async function lockedOutNow(t: GuardHost, op: Operator): Promise<string | undefined> {
  const tmp = await remoteTemp(t);
  try {
    const key = await hostKeyIn(t, tmp.dir);
    const r = await refusal(t, SSHD_CONFIG, key, op);
    if (r.error) return `sshd cannot read its configuration: ${r.error}`;
    return r.refuses;
  } finally {
    await tmp.done();
  }
}

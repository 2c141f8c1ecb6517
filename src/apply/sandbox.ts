/**
 * The throwaway copy a rehearsal runs in: a private mount namespace
 * (`unshare -m --propagation private`, held open by a small shell that
 * waits on its stdin) in which the target root is an overlay: the real
 * tree as the read-only lower layer, a temporary upper layer and work dir.
 * Every other mount of the namespace is remounted read-only, so a fix that
 * writes outside the overlay fails instead of reaching the host; /tmp and
 * /run are fresh tmpfs. Nothing made in the namespace outlives it, and its
 * mounts never propagate out.
 *
 * Fixes see the root at the paths they write (SSG fixes name absolute
 * paths) in one of two ways:
 * - `chroot`: when the root has its own /bin/bash (a full tree, or the
 *   live host), commands run chrooted into the overlay, with /proc, /dev,
 *   /tmp and /run mounted inside it;
 * - `paths`: a synthetic root without binaries: each top-level directory of
 *   the overlay (except usr, bin, sbin, lib*, proc, sys, dev, run, tmp) is
 *   bind-mounted over the same path of the namespace, so `/etc` is the
 *   root's /etc and bash, sshd and visudo are the host's.
 *
 * The parent reads the overlay through `/proc/<pid>/fd/9` (a directory the
 * helper opened on the overlay), which is how the re-scan sees it, and runs
 * commands inside with `nsenter -t <pid> -m`. A root with mounts below it is
 * refused (the overlay would not show them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statfsSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export type SandboxMode = 'chroot' | 'paths';

export class SandboxError extends Error {
  override name = 'SandboxError';
}

export interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface ExecOptions {
  readonly input?: string | Buffer;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** Filesystems that are no part of a root's content: a mount of one of these below the root is not refused. */
const VIRTUAL_FS = new Set(['proc', 'sysfs', 'devtmpfs', 'devpts', 'tmpfs', 'cgroup', 'cgroup2', 'mqueue', 'securityfs', 'debugfs', 'tracefs', 'pstore', 'bpf', 'configfs', 'fusectl', 'hugetlbfs', 'binfmt_misc', 'autofs', 'efivarfs', 'nsfs', 'rpc_pipefs']);

/** paths mode: the host's, in the sandbox's skeleton root. */
const HOST_DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Mounts strictly below `root` whose content the overlay would not show (from /proc/self/mountinfo). */
export function submountsBelow(root: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const base = root === '/' ? '/' : `${root}/`;
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (f.length < 5 || sep < 0) continue;
    const point = unescapeMount(f[4]!);
    const fstype = f[sep + 1] ?? '';
    if (point === root || !point.startsWith(base) || VIRTUAL_FS.has(fstype)) continue;
    out.push(`${point} (${fstype})`);
  }
  return [...new Set(out)];
}

const SETUP = String.raw`
set -eu
R=$1; W=$2; MODE=$3
mount -t overlay vigil-rehearsal -o "lowerdir=$R,upperdir=$W/upper,workdir=$W/work" "$W/merged"
exec 9<"$W/merged"
findmnt -rno TARGET | sort -u | while read -r m; do
  m=$(printf '%b' "$m")
  [ "$m" = "$W/merged" ] && continue
  mount -o remount,bind,ro "$m" 2>/dev/null || true
done
if [ "$MODE" = chroot ]; then
  J=$W/merged
  for d in proc dev tmp run; do [ -d "$J/$d" ] && [ ! -L "$J/$d" ] || { echo "the root has no /$d directory to mount in its chroot" >&2; exit 3; }; done
else
  J=$W/skel
  mount -t tmpfs -o mode=755 vigil-skel "$J"
  for n in $HOSTDIRS; do
    if [ -L "/$n" ]; then ln -s "$(readlink "/$n")" "$J/$n"
    elif [ -d "/$n" ]; then mkdir "$J/$n"; mount --rbind "/$n" "$J/$n"; mount -o remount,bind,ro "$J/$n"
    fi
  done
  for d in "$W"/merged/* "$W"/merged/.[!.]*; do
    [ -e "$d" ] || [ -L "$d" ] || continue
    n=${'$'}{d##*/}
    case " $HOSTDIRS proc sys dev run tmp " in *" $n "*) echo "hidden /$n" >&2; continue;; esac
    if [ -L "$d" ]; then ln -s "$(readlink "$d")" "$J/$n"
    elif [ -d "$d" ]; then mkdir "$J/$n"; mount --bind "$d" "$J/$n"
    elif [ -f "$d" ]; then : > "$J/$n"; mount --bind "$d" "$J/$n"
    fi
  done
  mkdir "$J/.vigil-hostbin" "$J/proc" "$J/dev" "$J/tmp" "$J/run"
  [ -d "$W/merged/etc/alternatives" ] || mount --bind "$W/hostbin" "$J/.vigil-hostbin"
fi
mount -t proc proc "$J/proc"
mount --rbind /dev "$J/dev"
[ -d "$J/dev/shm" ] && mount -t tmpfs -o mode=1777 vigil-shm "$J/dev/shm"
mount -t tmpfs vigil-tmp "$J/tmp"
mount -t tmpfs vigil-run "$J/run"
mkdir -p "$J/run/sshd"
[ "$MODE" = chroot ] || mount -o remount,ro "$J"
echo "ready"
read -r _ || true
`;

export class Sandbox {
  private exited = false;
  private constructor(
    private readonly child: ChildProcess,
    /** The work directory: upper/, work/, merged/. */
    readonly work: string,
    readonly mode: SandboxMode,
    /** Top-level entries of the root the fixes see as the host's (paths mode: usr, bin, lib…). */
    readonly hidden: readonly string[],
  ) {
    child.once('exit', () => (this.exited = true));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The overlay as the parent sees it: a root directory to scan. */
  get view(): string {
    return `/proc/${this.pid}/fd/9`;
  }

  /** The upper layer: the change set. */
  get upper(): string {
    return join(this.work, 'upper');
  }

  /** The sandbox's /tmp as the parent sees it (a place to hand files in). */
  get tmp(): string {
    return `/proc/${this.pid}/root${this.jail}/tmp`;
  }

  /** The directory commands are chrooted into: the overlay, or (paths mode) the skeleton root over it. */
  get jail(): string {
    return join(this.work, this.mode === 'chroot' ? 'merged' : 'skel');
  }

  /** The path of the sandbox's /tmp/name inside the sandbox. */
  inside(name: string): string {
    return `/tmp/${name}`;
  }

  /** Opens a sandbox over `root` (an absolute directory; `/` for this host). */
  static async open(root: string, opts: { readonly workParent?: string; readonly mode?: SandboxMode } = {}): Promise<Sandbox> {
    const abs = resolve(root);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new SandboxError(`--root ${root} is not a directory`);
    if (/[,:\\\n]/.test(abs)) throw new SandboxError(`the rehearsal cannot overlay ${abs}: overlayfs takes no comma, colon, backslash or newline in a layer's path`);
    const subs = submountsBelow(abs);
    if (subs.length) {
      throw new SandboxError(`the rehearsal cannot overlay ${abs}: it has mounts below it that an overlay would not show (${subs.slice(0, 5).join(', ')}${subs.length > 5 ? ', …' : ''}); rehearse each filesystem as its own root, or unmount them`);
    }
    const mode = opts.mode ?? (hasBash(abs) ? 'chroot' : 'paths');
    const work = mkdtempSync(join(opts.workParent ?? workParent(), 'vigil-rehearse-'));
    for (const d of ['upper', 'work', 'merged', 'skel', 'hostbin']) mkdirSync(join(work, d));
    if (mode === 'paths') hostAlternatives(join(work, 'hostbin'));
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'bash', '--norc', '--noprofile', '-c', SETUP, 'vigil-sandbox', abs, work, mode], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOSTDIRS: HOST_DIRS.join(' ') },
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const ready = await new Promise<boolean>((res) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready\n')) res(true);
      });
      child.once('exit', () => res(false));
      child.once('error', () => res(false));
    });
    if (!ready) {
      rmSync(work, { recursive: true, force: true });
      throw new SandboxError(`the rehearsal namespace could not be set up (root and overlayfs are needed): ${err.trim() || 'unshare failed'}`);
    }
    const hidden = [...err.matchAll(/^hidden (\/\S+)$/gm)].map((m) => m[1]!);
    return new Sandbox(child, work, mode, hidden);
  }

  /** Runs a command inside the namespace (chrooted into the overlay in chroot mode). */
  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.exited) return Promise.reject(new SandboxError('the rehearsal namespace is gone'));
    const full = ['-t', String(this.pid), '-m', '--', 'chroot', this.jail, 'env', '-i', ...Object.entries({ PATH: `${this.mode === 'paths' ? '/.vigil-hostbin:' : ''}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: '/tmp', LANG: 'C.UTF-8', ...opts.env }).map(([k, v]) => `${k}=${v}`), ...argv];
    const t0 = performance.now();
    return new Promise((res, rej) => {
      // a process group of its own, so that a timeout kills the fix's children too (a `sleep` left
      // behind would hold the pipes open, and the rehearsal would wait for it)
      const c = spawn('nsenter', full, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let late: NodeJS.Timeout | undefined;
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (timer) clearTimeout(timer);
        if (late) clearTimeout(late);
        res({ code, signal, stdout, stderr, ms: performance.now() - t0 });
      };
      const timer = opts.timeoutMs
        ? setTimeout(() => {
            try {
              process.kill(-c.pid!, 'SIGKILL');
            } catch {
              c.kill('SIGKILL');
            }
            // a child that left the group may still hold the pipes: stop waiting for them
            late = setTimeout(() => {
              c.stdout.destroy();
              c.stderr.destroy();
              done(null, 'SIGKILL');
            }, 2000);
          }, opts.timeoutMs)
        : undefined;
      c.once('error', rej);
      c.once('close', (code, signal) => done(code, signal));
      c.stdin.on('error', () => {});
      c.stdin.end(opts.input ?? '');
    });
  }

  /** Ends the namespace (its mounts go with it) and removes the work directory. */
  async close(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((res) => this.child.once('exit', () => res()));
      this.child.stdin!.end();
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
    rmSync(this.work, { recursive: true, force: true });
  }
}

/**
 * paths mode: the host's programs reached through /etc/alternatives (awk,
 * editor…) point into the root's /etc, which has no such links in a
 * synthetic root; links straight to the host's targets, first on PATH,
 * keep them working.
 */
function hostAlternatives(dir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync('/etc/alternatives');
  } catch {
    return;
  }
  for (const n of names) {
    try {
      const target = realpathSync(join('/etc/alternatives', n));
      if (statSync(target).isFile()) symlinkSync(target, join(dir, n));
    } catch {
      // a dangling alternative
    }
  }
}

const OVERLAYFS_MAGIC = 0x794c7630;

/** The temp dir, unless it is itself on overlayfs (a container), which cannot hold an upper layer: then /dev/shm. */
function workParent(): string {
  const t = tmpdir();
  try {
    if (statfsSync(t).type === OVERLAYFS_MAGIC && existsSync('/dev/shm')) return '/dev/shm';
  } catch {
    // keep the temp dir
  }
  return t;
}

function hasBash(root: string): boolean {
  for (const p of ['bin/bash', 'usr/bin/bash']) {
    try {
      const st = statSync(join(root, p));
      if (st.isFile() && (st.mode & 0o111) !== 0) return true;
    } catch {
      // not there
    }
  }
  return false;
}

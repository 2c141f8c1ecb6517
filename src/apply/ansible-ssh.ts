/**
 * Running a playbook against one host over SSH with ansible-playbook: the
 * rehearsal (`--check --diff`) of remediation over SSH, and the real run.
 *
 * Everything ansible needs is written in a private temporary directory
 * (mode 0700): an inventory naming the host, port and user Vigil connects
 * with; an ansible.cfg whose ssh_args read no ssh config (`-F none`, the
 * config was already applied when the host was resolved), offer only the
 * given key files, check the host key against the same known_hosts with
 * StrictHostKeyChecking=yes (never accept-new); and, for sudo with a
 * password, a vars file (mode 0600) holding `ansible_become_password`,
 * passed as `-e @file`. The password is never in argv, and the variable
 * it came from is removed from ansible's environment.
 *
 * The JSON stdout callback gives each task's result with its diff: content
 * diffs (`before`/`after` text with a header naming the file) and attribute
 * diffs (`before`/`after` objects with path, mode, owner, group). From them
 * comes the predicted change of each path (a task skipped because its
 * `when` is false is skipped in a real run too, and is no gap). In check
 * mode every task sees the host as it was, so two tasks editing one file
 * each diff from the original: their edits are merged with `patch` (a
 * merge that does not apply leaves that file's content unpredicted). A task that failed, was
 * skipped (SSG's shell tasks say "would have run if not in check mode";
 * ComplianceAsCode/content #13703) or changed something without naming a
 * path is "not rehearsed".
 */
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AnsibleConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly identityFiles: readonly string[];
  readonly knownHostsFile: string;
  readonly proxyJump?: string;
  /** Run the tasks through sudo; `password` from the operator's environment variable `passwordEnv`. */
  readonly become?: { readonly password?: string; readonly passwordEnv?: string };
}

export type TaskStatus = 'changed' | 'ok' | 'skipped' | 'failed' | 'unreachable';

export interface AnsibleTask {
  readonly name: string;
  /** Where the task is in the playbook (`file:line`). */
  readonly at: string;
  readonly status: TaskStatus;
  /** The paths the task says it changed (or would change). */
  readonly paths: readonly string[];
  readonly message?: string;
}

export interface PredictedPath {
  readonly path: string;
  /** The file's content before, as the diff shows it (text), when a task showed it. */
  readonly before?: string;
  /** The predicted content after every task, when some task changes the content and it is known. */
  readonly after?: string;
  /** Whether some task shows a change of the content. */
  readonly contentChanged: boolean;
  /**
   * Whether the content the tasks leave is known: `after` when the content
   * changes, else the current content (only attributes change). False when
   * some edit could not be merged, or a task changed the path without a diff.
   */
  readonly contentKnown: boolean;
  /** Attribute changes: `mode 0644 -> 0600`, `owner root -> bin`, `state absent -> directory`. */
  readonly meta: readonly string[];
  /** The permission bits, owner and group the tasks leave, where their diffs give them as numbers (ansible's do). */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** `absent` when a task removes it. */
  readonly state?: 'absent' | 'directory' | 'file' | 'link';
  /** The tasks that change it. */
  readonly tasks: readonly string[];
}

export interface AnsibleRun {
  readonly code: number | null;
  readonly ms: number;
  readonly tasks: readonly AnsibleTask[];
  readonly predicted: ReadonlyMap<string, PredictedPath>;
  /** Tasks whose effect the run does not show: failed, skipped, unreachable, or changed without naming a path. */
  readonly notRehearsed: readonly AnsibleTask[];
  /** The last 4 KB of stderr and, when stdout was no JSON, of stdout. */
  readonly log: string;
}

const MODULE_PATH_KEYS = ['path', 'dest', 'name'];
/** Modules whose `name` argument is a path (for the others it is a package, service, user…). */
const PATH_NAMED = new Set(['file', 'ansible.builtin.file', 'lineinfile', 'ansible.builtin.lineinfile', 'blockinfile', 'ansible.builtin.blockinfile', 'replace', 'ansible.builtin.replace', 'ini_file', 'community.general.ini_file']);

const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The temporary directory with inventory, ansible.cfg and (with a sudo password) the vars file. */
function writeSetup(dir: string, playbook: string, c: AnsibleConnection): { inventory: string; cfg: string; vars?: string; playbook: string } {
  const inventory = join(dir, 'inventory.ini');
  const vars = ['ansible_connection=ssh', `ansible_host=${c.host}`, `ansible_port=${c.port}`, `ansible_user=${c.user}`, 'ansible_python_interpreter=auto_silent'];
  if (c.become) vars.push('ansible_become=true', 'ansible_become_method=sudo');
  writeFileSync(inventory, `target ${vars.join(' ')}\n`, { mode: 0o600 });
  const sshArgs = [
    '-F none',
    '-o ControlMaster=auto',
    '-o ControlPersist=10s', // the master outlives the run by at most this long (its socket's directory is removed with the run's)
    `-o UserKnownHostsFile=${shellWord(c.knownHostsFile)}`,
    '-o GlobalKnownHostsFile=/dev/null',
    '-o StrictHostKeyChecking=yes',
    '-o BatchMode=yes',
    '-o ForwardAgent=no',
    ...(c.identityFiles.length ? ['-o IdentitiesOnly=yes', ...c.identityFiles.map((f) => `-o IdentityFile=${shellWord(f)}`)] : []),
    ...(c.proxyJump ? [`-o ProxyJump=${shellWord(c.proxyJump)}`] : []),
  ];
  const cfg = join(dir, 'ansible.cfg');
  writeFileSync(
    cfg,
    [
      '[defaults]',
      'host_key_checking = True',
      'retry_files_enabled = False',
      'stdout_callback = json',
      'nocolor = True',
      `local_tmp = ${join(dir, 'local')}`,
      'interpreter_python = auto_silent',
      '[ssh_connection]',
      `ssh_args = ${sshArgs.join(' ')}`,
      `control_path_dir = ${join(dir, 'cp')}`,
      'pipelining = True',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const book = join(dir, 'playbook.yml');
  writeFileSync(book, playbook, { mode: 0o600 });
  if (c.become?.password === undefined) return { inventory, cfg, playbook: book };
  const varsFile = join(dir, 'become.json');
  writeFileSync(varsFile, JSON.stringify({ ansible_become_password: c.become.password }), { mode: 0o600 });
  chmodSync(varsFile, 0o600);
  return { inventory, cfg, vars: varsFile, playbook: book };
}

/** Runs `playbook` against the host; `check`: `--check --diff` (nothing changes), else for real (with `--diff`). */
export async function runPlaybook(playbook: string, c: AnsibleConnection, opts: { check: boolean; timeoutMs?: number; signal?: AbortSignal }): Promise<AnsibleRun> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ansible-'));
  chmodSync(dir, 0o700);
  try {
    const s = writeSetup(dir, playbook, c);
    const argv = ['-i', s.inventory, ...(s.vars ? ['-e', `@${s.vars}`] : []), ...(opts.check ? ['--check'] : []), '--diff', s.playbook];
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('ANSIBLE_') && k !== c.become?.passwordEnv) env[k] = v;
    Object.assign(env, { ANSIBLE_CONFIG: s.cfg, ANSIBLE_HOME: join(dir, 'home'), ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: '0', ANSIBLE_LOCAL_TEMP: join(dir, 'local') });
    const started = performance.now();
    const r = await new Promise<{ code: number | null; out: string; err: string }>((res, rej) => {
      const child = spawn('ansible-playbook', argv, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30 * 60_000);
      const onAbort = (): void => {
        child.kill('SIGTERM');
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e) => {
        clearTimeout(timer);
        rej(new Error(`cannot run ansible-playbook: ${e.message}`));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        res({ code, out, err });
      });
    });
    const ms = performance.now() - started;
    return { ...parseRun(r.out, dir), code: r.code, ms, log: redact((r.err + (isJson(r.out) ? '' : r.out)).slice(-4096), c.become?.password) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isJson = (s: string): boolean => {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
};

function redact(s: string, secret: string | undefined): string {
  return secret ? s.split(secret).join('********') : s;
}

interface HostResult {
  changed?: boolean;
  failed?: boolean;
  skipped?: boolean;
  /** Why a task was skipped: `Conditional result was False` is a skip a real run makes too. */
  skip_reason?: string;
  unreachable?: boolean;
  msg?: string;
  path?: string;
  dest?: string;
  diff?: unknown;
  results?: HostResult[];
  invocation?: { module_args?: Record<string, unknown> };
  action?: string;
  _ansible_no_log?: boolean;
}

interface ContentDiff {
  before?: string;
  after?: string;
  before_header?: string;
  after_header?: string;
}

/** The path a diff header names (`/etc/x (content)`), unless it is a temporary file of ansible's. */
const headerPath = (h: string | undefined): string | undefined => {
  if (!h) return undefined;
  const p = h.replace(/ \((content|file attributes)\)$/, '');
  return p.startsWith('/') && !/\/ansible-(local|tmp)-|\/\.ansible\/tmp\//.test(p) ? p : undefined;
};

/** The task result's paths (its own, or its module arguments'). */
function pathsOf(r: HostResult, action: string | undefined): string[] {
  const out = new Set<string>();
  if (typeof r.path === 'string' && r.path.startsWith('/')) out.add(r.path);
  if (typeof r.dest === 'string' && r.dest.startsWith('/')) out.add(r.dest);
  const args = r.invocation?.module_args ?? {};
  for (const k of MODULE_PATH_KEYS) {
    const v = args[k];
    if (typeof v !== 'string' || !v.startsWith('/')) continue;
    if (k === 'name' && !PATH_NAMED.has(action ?? '')) continue;
    out.add(v);
  }
  for (const d of diffs(r.diff)) {
    const p = headerPath((d as ContentDiff).before_header) ?? headerPath((d as ContentDiff).after_header);
    if (p) out.add(p);
  }
  return [...out];
}

const diffs = (d: unknown): unknown[] => (Array.isArray(d) ? d : d && typeof d === 'object' ? [d] : []);

/** Applies the edit `from` → `to` to `cur` with patch(1); undefined when it does not apply. */
function mergeEdit(dir: string, cur: string, from: string, to: string): string | undefined {
  const a = join(dir, 'merge-a');
  const b = join(dir, 'merge-b');
  const c = join(dir, 'merge-cur');
  writeFileSync(a, from);
  writeFileSync(b, to);
  writeFileSync(c, cur);
  let patchText: string;
  try {
    execFileSync('diff', ['-u', a, b]);
    return cur;
  } catch (e) {
    const x = e as { status?: number; stdout?: Buffer };
    if (x.status !== 1 || !x.stdout) return undefined;
    patchText = x.stdout.toString('utf8');
  }
  try {
    execFileSync('patch', ['--quiet', '--force', '--no-backup-if-mismatch', '-r', '-', c], { input: patchText, stdio: ['pipe', 'ignore', 'ignore'] });
  } catch {
    return undefined;
  }
  return execFileSync('cat', [c]).toString('utf8');
}

function parseRun(stdout: string, dir: string): Pick<AnsibleRun, 'tasks' | 'predicted' | 'notRehearsed'> {
  let doc: { plays?: Array<{ tasks?: Array<{ task?: { name?: string; path?: string }; hosts?: Record<string, HostResult> }> }> };
  try {
    doc = JSON.parse(stdout);
  } catch {
    return { tasks: [], predicted: new Map(), notRehearsed: [] };
  }
  const tasks: AnsibleTask[] = [];
  const notRehearsed: AnsibleTask[] = [];
  const state = new Map<string, { path: string; orig?: string; cur?: string; known: boolean; meta: string[]; state?: PredictedPath['state']; tasks: string[]; mode?: number; uid?: number; gid?: number }>();
  const entry = (p: string) => {
    let e = state.get(p);
    if (!e) state.set(p, (e = { path: p, known: true, meta: [], tasks: [] }));
    return e;
  };
  for (const play of doc.plays ?? []) {
    for (const t of play.tasks ?? []) {
      const name = t.task?.name ?? '(unnamed task)';
      const at = (t.task?.path ?? '').replace(/^.*\//, '');
      for (const r of Object.values(t.hosts ?? {})) {
        const items = Array.isArray(r.results) && r.results.length ? r.results : [r];
        const status: TaskStatus = r.unreachable ? 'unreachable' : r.failed ? 'failed' : r.changed ? 'changed' : r.skipped ? 'skipped' : 'ok';
        const paths = new Set<string>();
        let anyChangeWithoutPath = false;
        for (const it of items) {
          if (!it.changed) continue;
          const ps = pathsOf(it, r.action ?? it.action);
          if (ps.length === 0) anyChangeWithoutPath = true;
          for (const p of ps) {
            paths.add(p);
            const e = entry(p);
            e.tasks.push(name);
            let sawContent = false;
            let sawMeta = false;
            for (const d of diffs(it.diff)) {
              const cd = d as ContentDiff & { before?: unknown; after?: unknown };
              if (typeof cd.before === 'string' || typeof cd.after === 'string') {
                const before = typeof cd.before === 'string' ? cd.before : '';
                const after = typeof cd.after === 'string' ? cd.after : '';
                sawContent = true;
                if (e.orig === undefined) {
                  e.orig = before;
                  e.cur = after;
                } else if (before === e.cur) e.cur = after;
                else {
                  const merged = e.known && e.cur !== undefined ? mergeEdit(dir, e.cur, before, after) : undefined;
                  if (merged === undefined) e.known = false;
                  else e.cur = merged;
                }
              } else if (cd.before && cd.after && typeof cd.before === 'object' && typeof cd.after === 'object') {
                const b = cd.before as Record<string, unknown>;
                const a = cd.after as Record<string, unknown>;
                sawMeta = true;
                for (const k of Object.keys(a)) {
                  if (k === 'path' || b[k] === a[k]) continue;
                  e.meta.push(`${k} ${String(b[k] ?? '?')} -> ${String(a[k])}`);
                  const v = a[k];
                  if (k === 'mode' && typeof v === 'string' && /^0?[0-7]{3,4}$/.test(v)) e.mode = parseInt(v, 8);
                  if (k === 'owner' && typeof v === 'number') e.uid = v;
                  if (k === 'group' && typeof v === 'number') e.gid = v;
                  if (k === 'state') e.state = a[k] === 'absent' ? 'absent' : a[k] === 'directory' ? 'directory' : a[k] === 'link' ? 'link' : a[k] === 'file' || a[k] === 'touch' ? 'file' : undefined;
                }
              }
            }
            // a change shown neither as content nor as attributes: what it did to the file is unknown
            if (!sawContent && !sawMeta) e.known = false;
          }
        }
        const task: AnsibleTask = { name, at, status, paths: [...paths], ...(r.msg ? { message: String(r.msg).slice(0, 300) } : {}) };
        tasks.push(task);
        // a task whose `when` is false is skipped in a real run too: only a skip for check mode is a task not rehearsed
        const checkModeSkip = status === 'skipped' && !/^Conditional result was False/.test(r.skip_reason ?? '') && !items.every((it) => /^Conditional result was False/.test(it.skip_reason ?? ''));
        if (status === 'failed' || checkModeSkip || status === 'unreachable' || anyChangeWithoutPath) notRehearsed.push(anyChangeWithoutPath && status === 'changed' ? { ...task, message: 'changed something without naming a path' } : task);
      }
    }
  }
  const predicted = new Map<string, PredictedPath>();
  for (const [p, e] of state)
    predicted.set(p, {
      path: p,
      ...(e.orig !== undefined ? { before: e.orig } : {}),
      ...(e.cur !== undefined && e.known ? { after: e.cur } : {}),
      contentChanged: e.orig !== undefined,
      contentKnown: e.known,
      meta: e.meta,
      ...(e.state ? { state: e.state } : {}),
      ...(e.mode !== undefined ? { mode: e.mode } : {}),
      ...(e.uid !== undefined ? { uid: e.uid } : {}),
      ...(e.gid !== undefined ? { gid: e.gid } : {}),
      tasks: [...new Set(e.tasks)],
    });
  return { tasks, predicted, notRehearsed };
}

/** For tests: the JSON callback's output parsed as a run would be. */
export function parseAnsibleJson(stdout: string): Pick<AnsibleRun, 'tasks' | 'predicted' | 'notRehearsed'> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ansible-parse-'));
  try {
    return parseRun(stdout, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

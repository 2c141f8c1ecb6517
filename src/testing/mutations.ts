/**
 * Random changes to a synthetic root (src/testing/ssg-roots.ts), for the
 * randomized equivalence tests of `vigil watch`: edits in place, atomic
 * replaces, appends, removed lines, chmod, chown, files and directories
 * created and deleted, symbolic links, world-writable files, and package
 * database edits written as dpkg writes them (a new file renamed over the
 * old). The vocabulary is the synthetic roots' own: lines come from both
 * the default and the hardened variant of the same file, so a change can
 * turn a rule either way. Nothing here knows a rule.
 */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { commonFiles, packages } from './ssg-roots.js';

export { prng } from './prng.js';

export interface Mutation {
  readonly kind: string;
  /** Target paths created, changed or removed (the one a change is about, and any temporary file). */
  readonly paths: readonly string[];
  readonly text: string;
}

const MODES = [0o600, 0o640, 0o644, 0o666, 0o755, 0o777, 0o400, 0o000, 0o1777, 0o2755, 0o4755];
const OWNERS: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [0, 42],
  [1000, 1000],
  [65534, 65534],
  [0, 1000],
];
/** Directories where new files are dropped (drop-in directories that rules list, and ordinary ones). */
const DROP_DIRS = ['/etc/sysctl.d', '/etc/modprobe.d', '/etc/ssh/sshd_config.d', '/etc/sudoers.d', '/etc/profile.d', '/etc/cron.d', '/etc/security/limits.d', '/etc/audit/rules.d', '/var/tmp', '/home/bob', '/root', '/etc'];
const NEW_NAMES = ['99-vigil.conf', 'local.conf', 'extra.sh', '.netrc', '.rhosts', 'hosts.equiv', 'x.rules', 'zz'];
const PACKAGE_POOL = { ...packages(false), ...packages(true), nftables: '1.0.2-1ubuntu2', iptables: '1.8.7-1ubuntu5', rsync: '3.2.3-8ubuntu3', 'libpam-modules': '1.4.0-11ubuntu2', 'ntp': '1:4.2.8p15' };

export class RootMutator {
  private readonly lines: string[];
  private readonly files: string[];

  /**
   * `keep`: paths never deleted (the files that make the content's platform
   * apply: without them every rule is notapplicable and the rest of a run
   * would test nothing).
   */
  constructor(
    private readonly root: string,
    private readonly rnd: () => number,
    private readonly keep: readonly string[] = [],
  ) {
    const a = commonFiles(false);
    const b = commonFiles(true);
    this.files = Object.keys(a);
    this.lines = [...new Set([...Object.values(a), ...Object.values(b)].flatMap((t) => t.split('\n')).filter((l) => l.trim() !== ''))];
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rnd() * list.length)]!;
  }

  private host(p: string): string {
    return join(this.root, p);
  }

  /** Regular files of the root under a few directories (what exists now), as target paths. */
  private existing(): string[] {
    const out: string[] = [];
    const visit = (dir: string, depth: number): void => {
      let names: string[];
      try {
        names = readdirSync(this.host(dir));
      } catch {
        return;
      }
      for (const n of names) {
        const p = dir === '/' ? `/${n}` : `${dir}/${n}`;
        const st = lstatSync(this.host(p), { throwIfNoEntry: false });
        if (!st) continue;
        if (st.isDirectory() && depth < 4) visit(p, depth + 1);
        else if (st.isFile() || st.isSymbolicLink()) out.push(p);
      }
    };
    for (const d of ['/etc', '/home', '/root', '/var/tmp', '/tmp', '/boot']) visit(d, 0);
    return out.sort();
  }

  private read(p: string): string {
    try {
      return readFileSync(this.host(p), 'utf8');
    } catch {
      return '';
    }
  }

  private writeAtomic(p: string, text: string): string {
    const tmp = `${p}.vigil-new`;
    mkdirSync(dirname(this.host(p)), { recursive: true });
    writeFileSync(this.host(tmp), text);
    renameSync(this.host(tmp), this.host(p));
    return tmp;
  }

  /** Applies one random change and says what it touched. */
  step(): Mutation {
    const r = this.rnd();
    if (r < 0.22) return this.edit();
    if (r < 0.34) return this.replace();
    if (r < 0.46) return this.chmod();
    if (r < 0.54) return this.chown();
    if (r < 0.68) return this.create();
    if (r < 0.78) return this.remove();
    if (r < 0.9) return this.packages();
    if (r < 0.95) return this.symlink();
    return this.directory();
  }

  private edit(): Mutation {
    const p = this.pick(this.files);
    const lines = this.read(p).split('\n').filter((l) => l !== '');
    const op = this.rnd();
    if (op < 0.4 || lines.length === 0) lines.push(this.pick(this.lines));
    else if (op < 0.7) lines.splice(Math.floor(this.rnd() * lines.length), 1);
    else lines[Math.floor(this.rnd() * lines.length)] = this.pick(this.lines);
    mkdirSync(dirname(this.host(p)), { recursive: true });
    // in place: the same inode, as an editor that writes through does
    writeFileSync(this.host(p), lines.length ? `${lines.join('\n')}\n` : '');
    return { kind: 'edit', paths: [p], text: `edit ${p}` };
  }

  private replace(): Mutation {
    const p = this.pick(this.files);
    const a = commonFiles(false)[p] ?? '';
    const b = commonFiles(true)[p] ?? '';
    const tmp = this.writeAtomic(p, this.rnd() < 0.5 ? a : b);
    return { kind: 'replace', paths: [p, tmp], text: `replace ${p}` };
  }

  private chmod(): Mutation {
    const files = this.existing().filter((p) => !lstatSync(this.host(p)).isSymbolicLink());
    const dirs = ['/tmp', '/var/tmp', '/etc/ssh', '/home/bob', '/etc/cron.d'].filter((d) => existsSync(this.host(d)));
    const p = this.rnd() < 0.8 && files.length ? this.pick(files) : this.pick(dirs);
    const mode = this.pick(MODES);
    chmodSync(this.host(p), mode);
    return { kind: 'chmod', paths: [p], text: `chmod ${mode.toString(8)} ${p}` };
  }

  private chown(): Mutation {
    const files = this.existing().filter((p) => !lstatSync(this.host(p)).isSymbolicLink());
    const p = this.pick(files);
    const [u, g] = this.pick(OWNERS);
    chownSync(this.host(p), u, g);
    return { kind: 'chown', paths: [p], text: `chown ${u}:${g} ${p}` };
  }

  private create(): Mutation {
    const dir = this.pick(DROP_DIRS);
    const p = `${dir}/${this.pick(NEW_NAMES)}`;
    const n = 1 + Math.floor(this.rnd() * 3);
    const text = Array.from({ length: n }, () => this.pick(this.lines)).join('\n') + '\n';
    mkdirSync(dirname(this.host(p)), { recursive: true });
    const created = !existsSync(this.host(p));
    writeFileSync(this.host(p), text);
    if (this.rnd() < 0.3) chmodSync(this.host(p), this.pick(MODES));
    return { kind: 'create', paths: created ? [dirname(p), p] : [p], text: `create ${p}` };
  }

  private remove(): Mutation {
    const all = this.existing().filter((p) => !this.keep.includes(p));
    const p = this.pick(all);
    unlinkSync(this.host(p));
    return { kind: 'delete', paths: [p], text: `delete ${p}` };
  }

  private packages(): Mutation {
    const p = '/var/lib/dpkg/status';
    const stanzas = this.read(p)
      .split(/\n\n+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const names = new Set(stanzas.map((s) => /^Package: (.+)$/m.exec(s)?.[1]));
    const pool = Object.entries(PACKAGE_POOL);
    const [name, version] = this.pick(pool);
    const pkg = name.replace(/_/g, '-');
    let kept: string[];
    let text: string;
    if (names.has(pkg) && this.rnd() < 0.6) {
      kept = stanzas.filter((s) => !s.startsWith(`Package: ${pkg}\n`));
      text = `remove ${pkg}`;
    } else if (names.has(pkg)) {
      // a package removed but not purged: still listed, not installed
      kept = stanzas.map((s) => (s.startsWith(`Package: ${pkg}\n`) ? s.replace(/^Status: .*$/m, 'Status: deinstall ok config-files') : s));
      text = `deinstall ${pkg}`;
    } else {
      kept = [...stanzas, `Package: ${pkg}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}`];
      text = `install ${pkg}`;
    }
    const tmp = this.writeAtomic(p, kept.join('\n\n') + '\n');
    return { kind: 'packages', paths: [p, tmp], text };
  }

  private symlink(): Mutation {
    const dir = this.pick(['/etc/cron.d', '/etc/sysctl.d', '/etc/profile.d', '/var/tmp']);
    const p = `${dir}/link`;
    mkdirSync(this.host(dir), { recursive: true });
    rmSync(this.host(p), { force: true, recursive: true });
    symlinkSync(this.pick(['/etc/passwd', '../shadow', 'missing', '/etc/ssh/sshd_config']), this.host(p));
    return { kind: 'symlink', paths: [p], text: `symlink ${p}` };
  }

  private directory(): Mutation {
    const d = this.pick(['/etc/ssh/sshd_config.d', '/etc/sudoers.d', '/etc/cron.d', '/etc/sysctl.d', '/home/bob/.ssh']);
    if (existsSync(this.host(d))) {
      rmSync(this.host(d), { recursive: true, force: true });
      return { kind: 'rmdir', paths: [d], text: `rm -r ${d}` };
    }
    mkdirSync(this.host(d), { recursive: true });
    return { kind: 'mkdir', paths: [d], text: `mkdir ${d}` };
  }
}

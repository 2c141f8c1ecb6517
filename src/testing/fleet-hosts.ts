/**
 * Test fixtures for fleet scans (imported by tests only): two small data
 * streams named as SSG names them (so each host gets its own by its
 * os-release), synthetic roots, and a connector whose hosts misbehave on
 * demand: refuse, stay unreachable for a while, hang, answer slowly.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { offlineRootTarget } from '../target/fs-target.js';
import type { Target } from '../target/target.js';
import { benchmarkXml, dataStreamXml, OVAL_SYSTEM, ovalXml } from './content.js';

/** The part of an inventory host the fakes look at (fleet/inventory.ts's InventoryHost has it). */
interface NamedHost {
  readonly name: string;
}
/** fleet/scan.ts's HostConnector, structurally: testing/ sits below fleet/. */
type Connector = (host: NamedHost, signal: AbortSignal) => Promise<Target>;

const exists = (n: number, path: string): { def: string; test: string; obj: string } => ({
  def: `<definition id="oval:t:def:${n}" class="compliance" version="1"><metadata><title>d${n}</title><description/></metadata><criteria><criterion test_ref="oval:t:tst:${n}"/></criteria></definition>`,
  test: `<unix:file_test id="oval:t:tst:${n}" version="1" check="all" check_existence="at_least_one_exists"><unix:object object_ref="oval:t:obj:${n}"/></unix:file_test>`,
  obj: `<unix:file_object id="oval:t:obj:${n}" version="1"><unix:filepath>${path}</unix:filepath></unix:file_object>`,
});

function contentFor(product: string, rules: ReadonlyArray<{ id: string; title: string; severity: string; path: string }>): string {
  const checks = rules.map((r, i) => exists(i + 1, r.path));
  const oval = ovalXml({ definitions: checks.map((c) => c.def).join(''), tests: checks.map((c) => c.test).join(''), objects: checks.map((c) => c.obj).join('') });
  const xccdf = benchmarkXml(`
  <Profile id="xccdf_t_profile_standard"><title>Standard (${product})</title><description>All rules.</description>${rules.map((r) => `<select idref="${r.id}" selected="true"/>`).join('')}</Profile>
  <Group id="xccdf_t_group_g"><title>G</title>${rules
    .map((r, i) => `<Rule id="${r.id}" selected="false" severity="${r.severity}"><title>${r.title}</title><check system="${OVAL_SYSTEM}"><check-content-ref href="o.xml" name="oval:t:def:${i + 1}"/></check></Rule>`)
    .join('')}</Group>`);
  return dataStreamXml({ checklist: { id: 'c-xccdf', xml: xccdf }, checks: [{ id: 'c-oval', xml: oval }], catalog: { 'o.xml': '#cref-c-oval' } });
}

export const RULE_SECURE = 'xccdf_t_rule_secure';
export const RULE_BANNER = 'xccdf_t_rule_banner';
export const RULE_AUDIT = 'xccdf_t_rule_audit';

/** Writes ssg-debian11-ds.xml (2 rules) and ssg-ubuntu2204-ds.xml (3 rules) into `dir`. */
export function writeFleetContent(dir: string): { debian: string; ubuntu: string } {
  mkdirSync(dir, { recursive: true });
  const common = [
    { id: RULE_SECURE, title: 'A secure file exists', severity: 'high', path: '/etc/secure' },
    { id: RULE_BANNER, title: 'A banner exists', severity: 'low', path: '/etc/banner' },
  ];
  const debian = join(dir, 'ssg-debian11-ds.xml');
  const ubuntu = join(dir, 'ssg-ubuntu2204-ds.xml');
  writeFileSync(debian, contentFor('debian11', common));
  writeFileSync(ubuntu, contentFor('ubuntu2204', [...common, { id: RULE_AUDIT, title: 'Audit is configured', severity: 'medium', path: '/etc/audit.conf' }]));
  return { debian, ubuntu };
}

/** A synthetic root: an os-release, and the files that make rules pass. */
export function writeRoot(dir: string, opts: { readonly os: 'debian11' | 'ubuntu2204' | 'none'; readonly secure?: boolean; readonly banner?: boolean; readonly audit?: boolean; readonly hostname?: string }): string {
  mkdirSync(join(dir, 'etc'), { recursive: true });
  if (opts.os === 'debian11') writeFileSync(join(dir, 'etc/os-release'), 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="11"\nVERSION="11 (bullseye)"\nPRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\n');
  if (opts.os === 'ubuntu2204') writeFileSync(join(dir, 'etc/os-release'), 'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="22.04"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\nPRETTY_NAME="Ubuntu 22.04.3 LTS"\n');
  if (opts.secure) writeFileSync(join(dir, 'etc/secure'), 'yes\n');
  if (opts.banner) writeFileSync(join(dir, 'etc/banner'), 'authorised use only\n');
  if (opts.audit) writeFileSync(join(dir, 'etc/audit.conf'), 'on\n');
  if (opts.hostname) writeFileSync(join(dir, 'etc/hostname'), `${opts.hostname}\n`);
  return dir;
}

/** How a fake host behaves when connected to. */
export type FakeBehaviour =
  | { readonly kind: 'ok'; readonly root: string; readonly delayMs?: number }
  /** Rejects with the SSH target's error code (auth-failed, host-key, ...). */
  | { readonly kind: 'refuse'; readonly code: string }
  /** Unreachable for the first `failures` attempts, then fine. */
  | { readonly kind: 'flaky'; readonly failures: number; readonly root: string }
  /** The connection never completes, and the fake ignores the abort signal. */
  | { readonly kind: 'hang-connect' }
  /** Connects, then never answers a read. */
  | { readonly kind: 'hang-scan'; readonly root: string };

class ConnectError extends Error {
  override readonly name = 'SshConnectError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeFleet {
  readonly connect: Connector;
  /** Connection attempts per host. */
  readonly attempts: Map<string, number>;
  /** The most targets open at once. */
  peakOpen(): number;
  /** Targets still open (should be 0 after a scan). */
  open(): number;
}

export function fakeFleet(behaviour: (host: NamedHost) => FakeBehaviour): FakeFleet {
  const attempts = new Map<string, number>();
  let open = 0;
  let peak = 0;
  const tracked = (t: Target): Target => {
    open++;
    peak = Math.max(peak, open);
    let closed = false;
    return new Proxy(t, {
      get(target, prop, receiver) {
        if (prop === 'close')
          return async () => {
            if (!closed) (closed = true), open--;
            await target.close();
          };
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
  const connect: Connector = async (host, signal) => {
    const n = (attempts.get(host.name) ?? 0) + 1;
    attempts.set(host.name, n);
    const b = behaviour(host);
    switch (b.kind) {
      case 'ok':
        if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
        if (signal.aborted) throw signal.reason;
        return tracked(offlineRootTarget(b.root));
      case 'refuse':
        throw new ConnectError(b.code, `${host.name}: refused (${b.code})`);
      case 'flaky':
        if (n <= b.failures) throw new ConnectError('unreachable', `${host.name}: no route to host`);
        return tracked(offlineRootTarget(b.root));
      case 'hang-connect':
        return new Promise<Target>(() => undefined);
      case 'hang-scan': {
        const t = tracked(offlineRootTarget(b.root));
        return new Proxy(t, {
          get(target, prop, receiver) {
            if (prop === 'readFile' || prop === 'lstat' || prop === 'stat' || prop === 'openDir') return () => new Promise(() => undefined);
            const v = Reflect.get(target, prop, receiver);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        });
      }
    }
  };
  return { connect, attempts, peakOpen: () => peak, open: () => open };
}

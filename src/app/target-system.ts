/**
 * The target's system facts as plain data (TargetSystem), for OVAL's
 * system_info and the ARF asset, from what the target said of itself
 * (Target.describe, once per scan): never from the scanning host. As
 * oscap 1.3.7 fills system_info: the os-release NAME and VERSION, the
 * architecture, the host name, "Unknown" for what the target cannot tell
 * (offline: the architecture, and the host name without an etc/hostname),
 * and the interfaces as getifaddrs lists them (IPv4 addresses first, MACs
 * in upper case).
 */
import type { Target, TargetDescription } from '../target/target.js';
import type { TargetSystem } from '../xccdf/result-types.js';

const or = (v: string | undefined): string => (v !== undefined && v !== '' ? v : 'Unknown');

export function targetSystem(target: Pick<Target, 'kind' | 'name'>, d: TargetDescription): TargetSystem {
  const ordered = [...d.interfaces.filter((a) => a.family === 'IPv4'), ...d.interfaces.filter((a) => a.family !== 'IPv4')];
  return {
    kind: target.kind,
    name: target.name,
    osName: or(d.osRelease['NAME']),
    osVersion: or(d.osRelease['VERSION']),
    architecture: or(d.architecture),
    primaryHostName: or(d.hostname),
    interfaces: ordered.map((a) => ({ name: a.name, ip: a.address, mac: (a.mac ?? '00:00:00:00:00:00').toUpperCase() })),
    ...(d.hostname ? { hostname: d.hostname } : {}),
  };
}

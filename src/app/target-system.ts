/**
 * The target's system facts as plain data (TargetSystem), for OVAL's
 * system_info and the ARF asset. A live target is this host (node:os); an
 * offline root is described by its name and its own /etc/hostname, as
 * OpenSCAP does offline.
 */
import { arch, hostname, networkInterfaces, release, type } from 'node:os';
import type { Target } from '../target/target.js';
import type { TargetSystem } from '../xccdf/result-types.js';

export function targetSystem(target: Target, offlineHostname?: string): TargetSystem {
  if (target.kind !== 'local') {
    return {
      kind: target.kind,
      name: target.name,
      osName: 'offline root',
      osVersion: '',
      architecture: arch(),
      primaryHostName: target.name,
      interfaces: [],
      ...(offlineHostname !== undefined ? { hostname: offlineHostname } : {}),
    };
  }
  const interfaces: Array<{ name: string; ip: string; mac: string }> = [];
  for (const [name, list] of Object.entries(networkInterfaces())) for (const a of list ?? []) interfaces.push({ name, ip: a.address, mac: a.mac });
  const host = hostname();
  return { kind: target.kind, name: target.name, osName: type(), osVersion: release(), architecture: arch(), primaryHostName: host, interfaces, hostname: host };
}

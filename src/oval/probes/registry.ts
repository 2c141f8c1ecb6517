/**
 * The one explicit table of probes. The app layer hands it to the engine;
 * nothing else chooses probes.
 */
import type { Probe } from '../types.js';
import { familyProbe } from './independent/family.js';
import { filehash58Probe } from './independent/filehash58.js';
import { xmlfilecontentProbe } from './independent/xmlfilecontent.js';
import { yamlfilecontentProbe } from './independent/yamlfilecontent.js';
import { textfilecontent54Probe } from './independent/textfilecontent54.js';
import { variableProbe } from './independent/variable.js';
import { environmentvariable58Probe } from './independent/environmentvariable58.js';
import { dpkginfoProbe } from './linux/dpkginfo.js';
import { partitionProbe } from './linux/partition.js';
import { rpminfoProbe } from './linux/rpminfo.js';
import { rpmverifyfileProbe } from './linux/rpmverifyfile.js';
import { rpmverifyProbe } from './linux/rpmverify.js';
import { rpmverifypackageProbe } from './linux/rpmverifypackage.js';
import { selinuxbooleanProbe, selinuxsecuritycontextProbe } from './linux/selinux.js';
import { interfaceProbe } from './unix/interface.js';
import { process58Probe } from './unix/process58.js';
import { systemdunitdependencyProbe, systemdunitpropertyProbe } from './linux/systemd.js';
import { fileProbe } from './unix/file.js';
import { sysctlProbe, unameProbe } from './unix/kernel.js';
import { passwordProbe, shadowProbe } from './unix/password.js';
import { symlinkProbe } from './unix/symlink.js';

export const PROBES: readonly Probe[] = [
  familyProbe,
  textfilecontent54Probe,
  variableProbe,
  fileProbe,
  passwordProbe,
  shadowProbe,
  symlinkProbe,
  sysctlProbe,
  unameProbe,
  dpkginfoProbe,
  rpminfoProbe,
  partitionProbe,
  environmentvariable58Probe,
  systemdunitpropertyProbe,
  systemdunitdependencyProbe,
  rpmverifyfileProbe,
  rpmverifypackageProbe,
  rpmverifyProbe,
  selinuxbooleanProbe,
  selinuxsecuritycontextProbe,
  interfaceProbe,
  process58Probe,
  filehash58Probe,
  xmlfilecontentProbe,
  yamlfilecontentProbe,
];

/** Probes keyed `family/object_type`, as the engine looks them up. */
export function probeTable(probes: readonly Probe[] = PROBES): ReadonlyMap<string, Probe> {
  return new Map(probes.map((p) => [`${p.family}/${p.objectType}`, p]));
}

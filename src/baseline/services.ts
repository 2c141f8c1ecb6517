/**
 * Legacy network services that send credentials in clear text or trust
 * hosts instead of users. Each is checked under its Debian and its Red Hat
 * package name; the check reads whichever package database the target has.
 */
import { all, group, packageRemoved, ref, rule, type Reference, type Rule } from '../sdk/index.js';
import { packageRemovalFix } from './fixes.js';

const refs = (cis: readonly string[], nist: readonly string[]): Reference[] => [...cis.map(ref.cisUbuntu2204), ...nist.map(ref.nist80053)];

function removed(id: string, title: string, names: readonly string[], description: string, rationale: string, cis: readonly string[], nist: readonly string[]): Rule {
  return rule({
    id,
    title,
    description,
    rationale,
    severity: 'high',
    check: all(...names.map((n) => packageRemoved(n))),
    fix: packageRemovalFix(names),
    references: refs(cis, nist),
  });
}

const serviceRules: Rule[] = [
  removed(
    'package_telnet_server_removed',
    'Remove the telnet server',
    ['telnetd', 'telnet-server'],
    'The telnet server (`telnetd` on Debian, `telnet-server` on Red Hat) must not be installed.',
    'Telnet sends passwords and sessions in clear text; SSH replaces it.',
    [],
    ['CM-7(a)', 'CM-7(b)', 'CM-6(a)'],
  ),
  removed(
    'package_rsh_server_removed',
    'Remove the rsh server',
    ['rsh-server', 'rsh-redone-server'],
    'The rsh, rlogin and rexec server (`rsh-server` or `rsh-redone-server`) must not be installed.',
    'The r-services authenticate by host and send everything in clear text.',
    [],
    ['CM-7(a)', 'CM-7(b)', 'CM-6(a)', 'IA-5(1)(c)'],
  ),
  removed(
    'package_nis_server_removed',
    'Remove the NIS server',
    ['nis', 'ypserv'],
    'The NIS (yellow pages) server (`nis` on Debian, `ypserv` on Red Hat) must not be installed.',
    'NIS serves account data, password hashes included, to anyone on the network who asks, without encryption.',
    ['2.2.17'],
    [],
  ),
];

export const servicesGroup = group({
  id: 'services',
  title: 'Legacy services',
  description: 'Network services that have no place on a current system.',
  children: serviceRules,
});

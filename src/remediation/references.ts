/**
 * The names a rule answers to in `--reference`: its idents (CCE-80000-1),
 * its reference texts, bare and under the label SSG uses for its Ansible
 * tags (NIST-800-53-CM-6(a), PCI-DSS-Req-10.2.1.5, CJIS-5.10.1.3), and the
 * tags of its Ansible fixes.
 */
import type { Fix, Reference, Rule } from '../model/xccdf/types.js';
import { ANSIBLE_SYSTEM } from './fix-systems.js';

/** Reference hrefs (matched as substrings) → the label that prefixes their text. */
export const REFERENCE_LABELS: ReadonlyArray<{ readonly href: string; readonly label: string; readonly meaning: string }> = [
  { href: 'NIST.SP.800-53', label: 'NIST-800-53', meaning: 'NIST SP 800-53 control' },
  { href: 'NIST.SP.800-171', label: 'NIST-800-171', meaning: 'NIST SP 800-171 requirement' },
  { href: 'NIST.CSWP', label: 'NIST-CSF', meaning: 'NIST Cybersecurity Framework subcategory' },
  { href: 'pcisecuritystandards.org', label: 'PCI-DSS', meaning: 'PCI DSS requirement' },
  { href: 'cjis-security-policy', label: 'CJIS', meaning: 'FBI CJIS Security Policy section' },
  { href: 'public.cyber.mil/stigs/downloads', label: 'DISA-STIG', meaning: 'DISA STIG rule id' },
  { href: 'public.cyber.mil/stigs/cci', label: 'DISA-CCI', meaning: 'DISA Control Correlation Identifier' },
  { href: 'cisecurity.org/benchmark', label: 'CIS', meaning: 'CIS Benchmark section' },
  { href: 'cisecurity.org/controls', label: 'CIS-CSC', meaning: 'CIS Critical Security Control' },
  { href: 'ssi.gouv.fr', label: 'ANSSI', meaning: 'ANSSI recommendation' },
  { href: 'gpo.gov/fdsys/pkg/CFR', label: 'HIPAA', meaning: 'HIPAA (45 CFR) section' },
  { href: 'iso.org/standard/54534', label: 'ISO-27001', meaning: 'ISO/IEC 27001:2013 control' },
  { href: 'isaca.org', label: 'COBIT5', meaning: 'COBIT 5 practice' },
  { href: 'isa-62443-2-1-2009', label: 'ISA-62443-2009', meaning: 'ISA 62443-2-1:2009 requirement' },
  { href: 'ansi-isa-62443-3-3', label: 'ISA-62443-2013', meaning: 'ISA 62443-3-3:2013 requirement' },
  { href: 'nerc.com', label: 'NERC-CIP', meaning: 'NERC CIP requirement' },
  { href: 'niap-ccevs.org', label: 'OSPP', meaning: 'NIAP Protection Profile requirement' },
];

export function referenceLabel(ref: Reference): string | undefined {
  return REFERENCE_LABELS.find((l) => ref.href.includes(l.href))?.label;
}

/** The tags listed under `tags:` in an Ansible fix, in order, without repeats. */
export function ansibleFixTags(fix: Fix): string[] {
  const text = fix.content.map((p) => (typeof p === 'string' ? p : '')).join('');
  const tags = new Set<string>();
  let tagIndent = -1;
  for (const line of text.split('\n')) {
    const m = /^(\s*)tags:\s*$/.exec(line);
    if (m) {
      tagIndent = m[1]!.length;
      continue;
    }
    if (tagIndent < 0) continue;
    const item = /^(\s*)-\s+(\S+)\s*$/.exec(line);
    if (item && item[1]!.length >= tagIndent) tags.add(item[2]!.replace(/^(['"])(.*)\1$/, '$2'));
    else tagIndent = -1;
  }
  return [...tags];
}

/** Every name `--reference` may match for this rule. */
export function ruleReferenceNames(rule: Rule): string[] {
  const names = new Set<string>();
  for (const i of rule.idents) if (i.value) names.add(i.value);
  for (const r of rule.references) {
    if (!r.text) continue;
    names.add(r.text);
    const label = referenceLabel(r);
    if (label) names.add(`${label}-${r.text}`);
  }
  for (const f of rule.fixes) if (f.system === ANSIBLE_SYSTEM) for (const t of ansibleFixTags(f)) names.add(t);
  return [...names];
}

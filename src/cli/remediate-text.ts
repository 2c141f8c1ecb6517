/** The text report of `vigil remediate`: plan, rehearsal, guards, outcome, verification. */
import type { RemediateReport } from '../apply/remediate.js';

const short = (id: string): string => id.replace(/^xccdf_[^_]+_rule_/, '');
const list = (ids: readonly string[]): string => (ids.length ? ids.map(short).join(', ') : 'none');

export function renderRemediation(r: RemediateReport): string {
  const out: string[] = [];
  out.push(`Root: ${r.root}    fix type: ${r.fixType}    failing rules in the scan: ${r.failing} (${Math.round(r.scanMs)} ms)`);
  for (const n of r.notes) out.push(`note: ${n}`);
  out.push(`Plan: ${r.plan.length} fixes`);
  for (const p of r.plan) out.push(`  ${short(p.rule)}  [${p.severity}; disruption ${p.disruption}${p.reboot ? '; reboot' : ''}]`);
  const h = r.rehearsal;
  if (h) {
    out.push(`Rehearsal (${h.mode} mode): fixes exited ${h.fixExit ?? 'on a signal'} in ${Math.round(h.fixMs)} ms; re-scan ${Math.round(h.scanMs)} ms`);
    out.push(`  fixed: ${h.fixed.length} (${list(h.fixed)})`);
    out.push(`  still failing: ${h.stillFailing.length} (${list(h.stillFailing)})`);
    out.push(`  regressed: ${h.regressed.length} (${list(h.regressed)})`);
    if (h.hidden.length) out.push(`  root directories the fixes see as this host's: ${h.hidden.join(', ')}`);
    out.push(`Change set: ${h.changes.length} paths`);
    const sign = { added: 'A', changed: 'M', removed: 'D' } as const;
    for (const c of h.changes) out.push(`  ${sign[c.kind]} ${c.path}${c.meta.length ? `  (${c.meta.join(', ')})` : ''}`);
    for (const c of h.changes) if (c.diff) out.push(c.diff.trimEnd());
  }
  for (const g of r.guards ?? []) out.push(`GUARD ${g.guard}: ${g.path}: ${g.message}`);
  for (const n of r.guardNotes ?? []) out.push(`guard note: ${n}`);
  if (r.needsConsent?.length) out.push(`needs consent (--yes): ${list(r.needsConsent)}`);
  if (r.checkpoint) out.push(`Checkpoint: ${r.checkpoint}   (vigil remediate --rollback ${r.checkpoint})`);
  if (r.verify) {
    out.push(`Verify: re-checked ${r.verify.rechecked} of ${r.verify.total} rules (those whose read sets the change touches)`);
    out.push(`  fixed: ${r.verify.fixed.length}; still failing: ${r.verify.stillFailing.length}; regressed: ${r.verify.regressed.length} (${list(r.verify.regressed)})`);
  }
  out.push(`Outcome: ${r.outcome}${r.reason ? ` — ${r.reason}` : ''}`);
  return out.join('\n') + '\n';
}

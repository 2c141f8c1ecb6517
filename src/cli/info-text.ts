/** Renders an InfoReport the way `oscap info` prints it. */
import type { ChecklistInfo, InfoReport, ProfileDetail } from '../app/info.js';

/** Markup to one line of plain text. */
export function plainText(markup: string): string {
  return markup
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

function checklistLines(c: ChecklistInfo, indent: string): string[] {
  const out: string[] = [];
  if (c.status !== undefined) out.push(`${indent}Status: ${c.status}`);
  if (c.generated !== undefined) out.push(`${indent}Generated: ${c.generated}`);
  out.push(`${indent}Resolved: ${c.resolved}`);
  out.push(`${indent}Profiles:`);
  for (const p of c.profiles) out.push(`${indent}\tTitle: ${p.title}`, `${indent}\t\tId: ${p.id}`);
  out.push(`${indent}Referenced check files:`);
  for (const f of c.checkFiles) out.push(`${indent}\t${f.href}`, `${indent}\t\tsystem: ${f.system}`);
  return out;
}

function profileLines(p: ProfileDetail): string[] {
  return [
    'Profile',
    `\tTitle: ${p.title}`,
    `\tId: ${p.id}`,
    ...(p.extends !== undefined ? [`\tExtends: ${p.extends}`] : []),
    `\tSelected rules: ${p.selectedRules}`,
    '',
    `\tDescription: ${plainText(p.description)}`,
  ];
}

export function renderInfo(r: InfoReport): string {
  const out: string[] = [`Document type: ${r.documentType}`];
  switch (r.documentType) {
    case 'Source Data Stream':
      out.push(`Imported: ${r.imported}`);
      for (const s of r.streams) {
        if (r.profile && s.id !== r.profile.streamId) continue;
        out.push('', `Stream: ${s.id}`, `Generated: ${s.generated ?? '(null)'}`, `Version: ${s.version}`);
        if (r.profile) {
          out.push(...profileLines(r.profile));
          continue;
        }
        out.push('Checklists:');
        for (const c of s.checklists) out.push(`\tRef-Id: ${c.refId ?? ''}`, ...checklistLines(c, '\t\t'));
        out.push('Checks:', ...s.checks.map((id) => `\tRef-Id: ${id}`));
        out.push('Dictionaries:', ...s.dictionaries.map((id) => `\tRef-Id: ${id}`));
      }
      break;
    case 'XCCDF Checklist':
      out.push(`Checklist version: ${r.xccdfVersion}`, `Imported: ${r.imported}`);
      if (r.profile) out.push(...profileLines(r.profile));
      else out.push(...checklistLines(r, ''));
      break;
    case 'XCCDF Tailoring':
      out.push(`Imported: ${r.imported}`, `Benchmark Hint: ${r.benchmarkHref ?? '(null)'}`, `Version: ${r.version}`, 'Profiles:');
      for (const p of r.profiles) out.push(`\tTitle: ${p.title}`, `\t\tId: ${p.id}`);
      break;
    case 'OVAL Definitions':
      out.push(`OVAL version: ${r.ovalVersion}`, `Generated: ${r.generated ?? '(null)'}`, `Imported: ${r.imported}`);
      out.push(
        `Definitions: ${r.counts.definitions}`,
        `Tests: ${r.counts.tests}`,
        `Objects: ${r.counts.objects}`,
        `States: ${r.counts.states}`,
        `Variables: ${r.counts.variables}`,
      );
      break;
    case 'CPE Dictionary':
      out.push(`Imported: ${r.imported}`, `Items: ${r.items}`);
      break;
    case 'OCIL Document':
      out.push(`Imported: ${r.imported}`, `Questionnaires: ${r.questionnaires}`);
      break;
    case 'OVAL Variables':
      out.push(`Imported: ${r.imported}`, `Variables: ${r.variables}`);
      break;
  }
  return out.join('\n') + '\n';
}

/**
 * `vigil info`: what a SCAP document holds, as data. The CLI renders it the
 * way `oscap info` does, or as JSON.
 */
import { statSync } from 'node:fs';
import { checkHrefs, checklistIds, openChecklist, openContent, type Checklist, type LoadedContent } from '../model/checklist.js';
import { ContentError, type Warning } from '../model/errors.js';
import { validateChecklist, validateOval } from '../model/validate.js';
import type { Benchmark, Profile } from '../model/xccdf/types.js';
import { resolveProfile } from '../xccdf/profile.js';
import { matchProfileId, unknownProfile } from './profile-id.js';

export interface ProfileSummary {
  readonly id: string;
  readonly title: string;
}

export interface CheckFileSummary {
  readonly href: string;
  readonly system: string;
}

export interface ChecklistInfo {
  readonly refId?: string;
  readonly benchmarkId: string;
  readonly xccdfVersion: string;
  readonly status?: string;
  readonly generated?: string;
  readonly resolved: boolean;
  readonly profiles: readonly ProfileSummary[];
  readonly checkFiles: readonly CheckFileSummary[];
}

export interface StreamInfo {
  readonly id: string;
  readonly generated?: string;
  readonly version: string;
  readonly checklists: readonly ChecklistInfo[];
  readonly checks: readonly string[];
  readonly dictionaries: readonly string[];
}

export interface ProfileDetail {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly extends?: string;
  readonly selectedRules: number;
  readonly streamId?: string;
  readonly checklistId?: string;
}

export type InfoReport = {
  readonly file: string;
  readonly imported: string;
  readonly warnings: readonly Warning[];
} & (
  | { readonly documentType: 'Source Data Stream'; readonly streams: readonly StreamInfo[]; readonly profile?: ProfileDetail }
  | ({ readonly documentType: 'XCCDF Checklist' } & ChecklistInfo & { readonly profile?: ProfileDetail })
  | {
      readonly documentType: 'XCCDF Tailoring';
      readonly tailoringId: string;
      readonly version: string;
      readonly benchmarkHref?: string;
      readonly profiles: readonly ProfileSummary[];
    }
  | {
      readonly documentType: 'OVAL Definitions';
      readonly ovalVersion: string;
      readonly generated?: string;
      readonly counts: { readonly definitions: number; readonly tests: number; readonly objects: number; readonly states: number; readonly variables: number };
    }
  | { readonly documentType: 'CPE Dictionary'; readonly items: number }
  | { readonly documentType: 'OCIL Document'; readonly questionnaires: number }
  | { readonly documentType: 'OVAL Variables'; readonly variables: number }
);

/** Local time as `YYYY-MM-DDTHH:MM:SS`, the way oscap prints import times. */
function localStamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function profileSummaries(profiles: readonly Profile[]): ProfileSummary[] {
  return profiles.map((p) => ({ id: p.id, title: p.title }));
}

function checklistInfo(cl: Checklist, refId?: string): ChecklistInfo {
  const b: Benchmark = cl.benchmark;
  return {
    ...(refId !== undefined ? { refId } : {}),
    benchmarkId: b.id,
    xccdfVersion: b.xccdfVersion,
    ...(b.status ? { status: b.status.status } : {}),
    ...(b.status?.date !== undefined ? { generated: b.status.date } : {}),
    resolved: b.resolved,
    profiles: profileSummaries(b.profiles),
    checkFiles: [...checkHrefs(b)].map(([href, h]) => ({ href, system: h.system })),
  };
}

function profileDetail(checklists: readonly Checklist[], wanted: string): ProfileDetail {
  // the short id `xccdf eval --profile` takes (the part after `_profile_`) names the same profile here
  const id = matchProfileId([...new Set(checklists.flatMap((c) => c.benchmark.profiles.map((p) => p.id)))], wanted) ?? wanted;
  for (const cl of checklists) {
    const p = cl.benchmark.profiles.find((x) => x.id === id);
    if (!p) continue;
    const resolved = resolveProfile(cl.benchmark, id);
    return {
      id,
      title: p.title,
      description: p.description,
      ...(p.extends !== undefined ? { extends: p.extends } : {}),
      selectedRules: resolved.rules.length,
      ...(cl.origin.streamId !== undefined ? { streamId: cl.origin.streamId } : {}),
      ...(cl.origin.checklistId !== undefined ? { checklistId: cl.origin.checklistId } : {}),
    };
  }
  const known = checklists.flatMap((c) => c.benchmark.profiles.map((p) => p.id));
  throw unknownProfile(wanted, known);
}

export interface InfoOptions {
  readonly profile?: string;
}

/** Loads, links and validates `file`, and summarises it. Throws ContentError on bad content. */
export function describeContent(file: string, opts: InfoOptions = {}): InfoReport {
  const loaded: LoadedContent = openContent(file);
  const imported = localStamp(statSync(file).mtime);
  const base = { file, imported, warnings: loaded.warnings };
  const d = loaded.document;
  const checklists = checklistIds(loaded).map((sel) => {
    const cl = openChecklist(loaded, sel);
    validateChecklist(cl);
    return cl;
  });
  if (opts.profile !== undefined && d.kind !== 'data-stream-collection' && d.kind !== 'benchmark') {
    throw new ContentError('unknown-profile', `--profile needs a data stream or an XCCDF benchmark; ${file} holds neither`);
  }
  const profile = opts.profile !== undefined ? { profile: profileDetail(checklists, opts.profile) } : {};
  switch (d.kind) {
    case 'data-stream-collection':
      return {
        ...base,
        documentType: 'Source Data Stream',
        streams: d.streams.map((s) => ({
          id: s.id,
          ...(s.timestamp !== undefined ? { generated: s.timestamp } : {}),
          version: s.scapVersion,
          checklists: s.checklists.map((ref) => {
            const cl = checklists.find((c) => c.origin.streamId === s.id && c.origin.checklistId === ref.id);
            if (!cl) throw new ContentError('missing-component', `checklist ${ref.id} could not be opened`, ref.location);
            return checklistInfo(cl, ref.id);
          }),
          checks: s.checks.map((r) => r.id),
          dictionaries: s.dictionaries.map((r) => r.id),
        })),
        ...profile,
      };
    case 'benchmark':
      return { ...base, documentType: 'XCCDF Checklist', ...checklistInfo(checklists[0]!), ...profile };
    case 'tailoring':
      return {
        ...base,
        documentType: 'XCCDF Tailoring',
        tailoringId: d.id,
        version: d.version,
        ...(d.benchmarkHref !== undefined ? { benchmarkHref: d.benchmarkHref } : {}),
        profiles: profileSummaries(d.profiles),
      };
    case 'oval-definitions':
      validateOval(d);
      return {
        ...base,
        documentType: 'OVAL Definitions',
        ovalVersion: d.generator.schemaVersion,
        ...(d.generator.timestamp !== undefined ? { generated: d.generator.timestamp } : {}),
        counts: {
          definitions: d.definitions.size,
          tests: d.tests.size,
          objects: d.objects.size,
          states: d.states.size,
          variables: d.variables.size,
        },
      };
    case 'cpe-dictionary':
      return { ...base, documentType: 'CPE Dictionary', items: d.items.length };
    case 'ocil':
      return { ...base, documentType: 'OCIL Document', questionnaires: d.questionnaires.size };
    case 'oval-variables':
      return { ...base, documentType: 'OVAL Variables', variables: d.variables.size };
  }
}

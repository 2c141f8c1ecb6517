/**
 * What the tags on SSG's Ansible tasks mean, for the collection's docs:
 * the rule a task belongs to, the fix's strategy, complexity, disruption
 * and reboot, the rule's severity, and the references and idents
 * (NIST-800-53-CM-6(a), CCE-80000-1).
 */
import { parse } from 'yaml';
import { REFERENCE_LABELS } from '../references.js';

const LEVEL_TAG = /^(unknown|low|medium|high|info)_(severity|complexity|disruption)$/;
const STRATEGY_TAG = /^(unknown|configure|combination|disable|enable|patch|policy|restrict|update)_strategy$/;

/** The meaning of a tag; `ruleTitle` gives the title of a rule by its short id. */
export function tagMeaning(tag: string, ruleTitle: (shortId: string) => string | undefined): string {
  const title = ruleTitle(tag);
  if (title !== undefined) return `the tasks of rule ${tag}: ${title}`;
  let m = LEVEL_TAG.exec(tag);
  if (m) {
    if (m[2] === 'severity') return `rules of ${m[1]} severity`;
    return `fixes of ${m[1]} ${m[2]}`;
  }
  m = STRATEGY_TAG.exec(tag);
  if (m) return `fixes whose strategy is "${m[1]}"`;
  if (tag === 'reboot_required') return 'fixes that take effect only after a reboot';
  if (tag === 'no_reboot_needed') return 'fixes that need no reboot';
  if (tag === 'always') return 'tasks Ansible runs whatever tags are chosen';
  if (/^CCE-\d+-\d$/.test(tag)) return `the rule with Common Configuration Enumeration id ${tag}`;
  for (const l of [...REFERENCE_LABELS].sort((a, b) => b.label.length - a.label.length)) {
    if (tag.startsWith(`${l.label}-`)) return `rules that implement ${l.meaning} ${tag.slice(l.label.length + 1)}`;
  }
  return 'a tag given by the content';
}

/** The tags of each task in a tasks file, in order; an empty list when the text is not a YAML list of tasks. */
export function taskTags(tasksYaml: string): string[][] {
  let doc: unknown;
  try {
    doc = parse(tasksYaml);
  } catch {
    return [];
  }
  if (!Array.isArray(doc)) return [];
  return doc.map((t: unknown) => {
    const tags = t && typeof t === 'object' ? (t as Record<string, unknown>)['tags'] : undefined;
    if (Array.isArray(tags)) return tags.map(String);
    return typeof tags === 'string' ? [tags] : [];
  });
}

/**
 * independent:textfilecontent54_object: the matches of a pattern in files.
 * As OpenSCAP: behaviors multiline (default true), singleline, ignore_case;
 * one item per match, numbered by `instance` (negative instances count from
 * the end); the item's `text` is the whole match, each matched group a
 * `subexpression` (groups that did not take part are left out); the content
 * ends at the first NUL byte. A pattern that backtracks catastrophically is
 * stopped after a time limit and the object is an error (PCRE stops at its
 * match limit, which oscap reports as an error too). Works the same offline.
 */
import { boundedMatchAll, deadlineFor, failureText } from '../../regex/bounded.js';
import { anchoredByDotStar, emitTree, parsePcre } from '../../regex/pcre.js';
import { compareValues } from '../../compare.js';
import type { ItemData, Probe, ProbeContext, ProbeRequest, ProbeResult } from '../../types.js';
import { failureMessage, isDeadLink } from '../absence.js';
import { behaviorFlag, field } from '../entity.js';
import { fileLocator, walksFilesystem } from '../files.js';
import { serviceKey } from '../../services.js';

/** Files up to this size are decoded once per evaluation and shared by every object that reads them. */
const SHARED_FILE_LIMIT = 1 << 20;
/** And the shared copies together stay under this. */
const SHARED_TOTAL_LIMIT = 64 << 20;

interface ContentCache {
  bytes: number;
  readonly texts: Map<string, Promise<string>>;
}

/** Decoded file contents, shared by the scan's textfilecontent54 objects; bounded by SHARED_TOTAL_LIMIT. */
const FILE_TEXT = serviceKey('file-text', (): ContentCache => ({ bytes: 0, texts: new Map() }));

/** The file's text up to its first NUL byte, read once per evaluation when it is small. */
function fileText(ctx: ProbeContext, path: string, size: number): Promise<string> {
  const decode = (buf: Buffer): string => {
    const nul = buf.indexOf(0);
    return (nul >= 0 ? buf.subarray(0, nul) : buf).toString('utf8');
  };
  const cache = ctx.services.get(FILE_TEXT);
  // a shared copy was read for every object that uses it
  ctx.reads.path(path);
  const hit = cache.texts.get(path);
  if (hit) return hit;
  const text = ctx.target.readFile(path).then(decode);
  if (size <= SHARED_FILE_LIMIT && cache.bytes + size <= SHARED_TOTAL_LIMIT) {
    cache.bytes += size;
    cache.texts.set(path, text);
    text.catch(() => cache.texts.delete(path));
  }
  return text;
}

export const textfilecontent54Probe: Probe = {
  family: 'independent',
  objectType: 'textfilecontent54_object',
  needs: [],
  description: 'reads files (path+filename or filepath, with recursion behaviors) and matches a PCRE pattern; identical offline',
  sharesWork: walksFilesystem,
  async collect(req: ProbeRequest, ctx): Promise<ProbeResult> {
    const pattern = req.entities.get('pattern');
    const instance = req.entities.get('instance');
    if (!pattern || !instance) return { flag: 'error', items: [], messages: ['textfilecontent54_object needs pattern and instance'] };
    let re: RegExp;
    try {
      const tree = parsePcre(pattern.value, {
        multiline: behaviorFlag(req, 'multiline', true),
        dotAll: behaviorFlag(req, 'singleline', false),
        caseInsensitive: behaviorFlag(req, 'ignore_case', false),
      });
      const t = emitTree(tree);
      // anchored as PCRE anchors it: the same matches, without the quadratic search
      re = new RegExp(t.source, t.flags + (anchoredByDotStar(tree) ? 'y' : ''));
    } catch (e) {
      return { flag: 'error', items: [], messages: [`cannot compile pattern ${JSON.stringify(pattern.value)}: ${e instanceof Error ? e.message : String(e)}`] };
    }
    const messages: string[] = [];
    let failed = false;
    const items = await fileLocator(ctx).collect(req, ctx, async (f): Promise<ItemData[]> => {
      if (f.filename === undefined) return [];
      const items: ItemData[] = [];
      let info;
      try {
        info = await ctx.target.stat(f.filepath);
      } catch (e) {
        if (isDeadLink(e)) return []; // a dangling link: skipped, as OpenSCAP does
        messages.push(failureMessage('stat():', f.filepath, e));
        failed = true;
        return [];
      }
      if (info.type !== 'regular') return [];
      let content: string;
      try {
        content = await fileText(ctx, f.filepath, info.size);
      } catch (e) {
        messages.push(`open(): '${f.filepath}' ${(e as { code?: string }).code ?? String(e)}.`);
        failed = true;
        return [];
      }
      // bounded in time and in what it collects (regex/bounded.ts): past either, the object is an error
      const found = await boundedMatchAll(re, content);
      if (typeof found === 'string') {
        messages.push(failureText(found, pattern.value, f.filepath, deadlineFor(content.length)));
        failed = true;
        return [];
      }
      // As PCRE's substring list: groups that took no part are left out.
      const matches = found.map((m) => m.filter((g): g is string => g !== null));
      const negative = (BigInt.asIntN(64, BigInt(instance.value.trim() || '0')) < 0n);
      matches.forEach((groups, i) => {
        const n = negative ? i - matches.length : i + 1;
        if (compareValues(instance.value, 'int', String(n), instance.entity.operation) !== 'true') return;
        items.push({
          family: 'independent',
          type: 'textfilecontent_item',
          status: 'exists',
          entities: [
            field('filepath', f.filepath),
            field('path', f.path),
            field('filename', f.filename!),
            field('pattern', pattern.value),
            field('instance', i + 1, 'int'),
            field('line', pattern.value),
            field('text', groups[0] ?? ''),
            ...groups.slice(1).map((s) => field('subexpression', s)),
          ],
        });
      });
      // what the object's filters would drop is dropped now
      const kept: ItemData[] = [];
      for (const item of items) if (await ctx.keep(item)) kept.push(item);
      return kept;
    });
    return { ...(failed ? { flag: 'error' as const } : {}), items, messages: messages.sort() };
  },
};

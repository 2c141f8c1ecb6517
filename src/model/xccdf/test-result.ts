/**
 * An XCCDF TestResult as read back from a results file (a Benchmark with
 * TestResults appended, as `oscap xccdf eval --results` and Vigil write
 * it) or from an ARF report: what results-based remediation needs.
 *
 * A TestResult holds one rule-result per rule of the benchmark and a
 * set-value per Value, and nothing in it needs the full parser: it is read
 * from the document's outline (../xml/outline.ts), element by element.
 */
import { ContentError, type SourceLocation } from '../errors.js';
import { optional } from '../util.js';
import { textContent, type Outline, type OutlineNode } from '../xml/outline.js';
import { isXccdfNs } from './parse.js';
import { XCCDF_RESULTS, type XccdfResult } from './types.js';

const RESULT_VALUES = new Set<string>(XCCDF_RESULTS);

export interface RecordedRuleResult {
  readonly ruleId: string;
  readonly result: XccdfResult;
  readonly location: SourceLocation;
}

export interface XccdfTestResult {
  readonly id: string;
  readonly benchmarkId?: string;
  readonly benchmarkHref?: string;
  /** The profile that was evaluated; absent for the benchmark's default selection. */
  readonly profileId?: string;
  readonly title?: string;
  readonly startTime?: string;
  readonly endTime?: string;
  readonly testSystem?: string;
  /** The value of every Value in force during the evaluation, by Value id. */
  readonly setValues: ReadonlyMap<string, string>;
  /** In document order; a multi-check rule may have several. */
  readonly ruleResults: readonly RecordedRuleResult[];
  readonly location: SourceLocation;
}

/** Reads an outlined `<TestResult>` element. */
export function readTestResult(outline: Outline, node: OutlineNode): XccdfTestResult {
  const required = (n: OutlineNode, attr: string): string => {
    const v = n.attrs[attr];
    if (v === undefined) throw new ContentError('missing-attribute', `<${n.name}> lacks the required attribute "${attr}"`, outline.locate(n.start));
    return v;
  };
  const setValues = new Map<string, string>();
  const ruleResults: RecordedRuleResult[] = [];
  let benchmarkId: string | undefined;
  let benchmarkHref: string | undefined;
  let profileId: string | undefined;
  let title: string | undefined;
  for (const c of outline.children(node)) {
    if (!isXccdfNs(c.ns)) continue;
    switch (c.name) {
      case 'benchmark':
        benchmarkId = c.attrs['id'];
        benchmarkHref = c.attrs['href'];
        break;
      case 'title':
        title ??= textContent(outline, c).trim();
        break;
      case 'profile':
        profileId = required(c, 'idref');
        break;
      case 'set-value':
        setValues.set(required(c, 'idref'), textContent(outline, c));
        break;
      case 'rule-result': {
        const ruleId = required(c, 'idref');
        const resultNode = outline.children(c).find((x) => x.name === 'result' && x.ns === c.ns);
        if (!resultNode) throw new ContentError('missing-attribute', `rule-result ${ruleId} has no <result>`, outline.locate(c.start));
        const result = textContent(outline, resultNode).trim();
        if (!RESULT_VALUES.has(result)) throw new ContentError('invalid-value', `rule-result ${ruleId} has the unknown result "${result}"`, outline.locate(resultNode.start));
        ruleResults.push({ ruleId, result: result as XccdfResult, location: outline.locate(c.start) });
        break;
      }
    }
  }
  return {
    id: required(node, 'id'),
    ...optional('benchmarkId', benchmarkId),
    ...optional('benchmarkHref', benchmarkHref),
    ...optional('profileId', profileId),
    ...optional('title', title),
    ...optional('startTime', node.attrs['start-time']),
    ...optional('endTime', node.attrs['end-time']),
    ...optional('testSystem', node.attrs['test-system']),
    setValues,
    ruleResults,
    location: outline.locate(node.start),
  };
}

/**
 * Picks the TestResult that `wanted` names: its full id, or, as oscap
 * accepts, the end of exactly one id. The empty string picks the only one.
 */
export function selectTestResult(results: readonly XccdfTestResult[], wanted: string, file: string): XccdfTestResult {
  if (results.length === 0) throw new ContentError('dangling-ref', `${file} holds no TestResult, so there is nothing to take failed rules from`);
  const exact = results.find((r) => r.id === wanted);
  if (exact) return exact;
  const matches = results.filter((r) => r.id.endsWith(wanted));
  if (matches.length === 1) return matches[0]!;
  const known = results.map((r) => r.id).join(', ');
  if (matches.length === 0) throw new ContentError('dangling-ref', `no TestResult "${wanted}" in ${file}; it holds: ${known}`);
  throw new ContentError(
    'dangling-ref',
    wanted === ''
      ? `${file} holds ${results.length} TestResults; pick one with --result-id: ${known}`
      : `--result-id "${wanted}" matches ${matches.length} TestResults in ${file}: ${matches.map((r) => r.id).join(', ')}`,
  );
}

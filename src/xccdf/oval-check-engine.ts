/**
 * The OVAL checking system for XCCDF (OpenSCAP's oval_agent.c):
 * - one OVAL session per document; check-exports bind external variables;
 * - a binding that contradicts a value already bound in a session needs a
 *   session of its own (OpenSCAP resets its session then; keeping both gives
 *   the same results without re-collecting what the first one saw);
 * - definition results map to XCCDF results by the definition's class:
 *   true → pass, false → fail for compliance and inventory, reversed for
 *   vulnerability and patch; error, unknown, not evaluated (notchecked) and
 *   not applicable carry over;
 * - a check without a name evaluates every definition and combines them with
 *   XCCDF's AND; a document without definitions is an error.
 */
import type { OvalDefinitions } from '../model/oval/types.js';
import type { DefinitionResult, TestResult } from '../oval/engine.js';
import type { OvalResult } from '../oval/result.js';
import type { CollectedObject, ExternalVariableSource } from '../oval/types.js';
import { unionReads, type ReadSet } from '../target/reads.js';
import type { CheckEngine, CheckRequest, PlatformCheck } from './check-engine.js';
import { combine } from './evaluate.js';
import { buildOvalEvidence, type SessionResults } from './evidence.js';
import { OVAL_SYSTEM, type OvalEvidence, type XccdfResult } from './result-types.js';

/** What the check engine needs of an OVAL engine. */
export interface OvalSession {
  evaluateDefinition(id: string): Promise<DefinitionResult>;
  /** Starts shared collection (one walk for many file objects) for these definitions. */
  prepare?(definitionIds: readonly string[]): Promise<void>;
  testResults(): Promise<TestResult[]>;
  collectedObjects(): Promise<CollectedObject[]>;
  /** What an evaluated definition read of the target, when the session records reads. */
  definitionReads?(id: string): ReadSet;
}

export type OvalSessionFactory = (doc: OvalDefinitions, external: ExternalVariableSource) => OvalSession;

interface Session {
  readonly engine: OvalSession;
  readonly bound: Map<string, readonly string[]>;
  readonly evaluated: Map<string, DefinitionResult>;
}

const TO_XCCDF: Record<OvalResult, XccdfResult> = {
  true: 'pass',
  false: 'fail',
  unknown: 'unknown',
  error: 'error',
  'not evaluated': 'notchecked',
  'not applicable': 'notapplicable',
};

export function xccdfFromOval(cls: string, r: OvalResult): XccdfResult {
  const x = TO_XCCDF[r];
  if (cls === 'vulnerability' || cls === 'patch') return x === 'pass' ? 'fail' : x === 'fail' ? 'pass' : x;
  return x;
}

const sameValues = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((v) => b.includes(v));

export class OvalCheckEngine implements CheckEngine, PlatformCheck {
  readonly system = OVAL_SYSTEM;
  private readonly sessions = new Map<string, Session[]>();

  constructor(
    private readonly resolve: (href: string) => OvalDefinitions | undefined,
    private readonly factory: OvalSessionFactory,
  ) {}

  names(href: string): readonly string[] | undefined {
    const doc = this.resolve(href);
    return doc ? [...doc.definitions.keys()] : undefined;
  }

  async evaluate(req: CheckRequest): Promise<XccdfResult> {
    const doc = this.resolve(req.href);
    if (!doc) return 'notchecked';
    if (req.name !== undefined && !doc.definitions.has(req.name)) return 'notchecked';
    const session = this.sessionFor(req.href, doc, req.bindings);
    const one = async (id: string): Promise<XccdfResult> => {
      const r = await this.definition(session, id);
      return xccdfFromOval(doc.definitions.get(id)!.class, r.result);
    };
    if (req.name !== undefined) return one(req.name);
    let acc: XccdfResult | undefined;
    for (const id of doc.definitions.keys()) {
      const r = await one(id);
      acc = acc === undefined ? r : combine(acc, r, 'AND');
    }
    return acc ?? 'error';
  }

  /**
   * Binds every request's values up front (so that objects collected early
   * see them) and lets each session start shared collection for the
   * definitions it will be asked for.
   */
  async prepare(requests: readonly CheckRequest[]): Promise<void> {
    const bySession = new Map<Session, Set<string>>();
    for (const req of requests) {
      const doc = this.resolve(req.href);
      if (!doc) continue;
      const session = this.sessionFor(req.href, doc, req.bindings);
      const ids = bySession.get(session) ?? new Set<string>();
      if (req.name !== undefined) {
        if (doc.definitions.has(req.name)) ids.add(req.name);
      } else for (const id of doc.definitions.keys()) ids.add(id);
      bySession.set(session, ids);
    }
    await Promise.all([...bySession].map(([s, ids]) => s.engine.prepare?.([...ids])));
  }

  /** A CPE check: true when the definition evaluates to true. */
  async isTrue(system: string, href: string, name: string): Promise<boolean> {
    if (system !== OVAL_SYSTEM) return false;
    const doc = this.resolve(href);
    if (!doc || !doc.definitions.has(name)) return false;
    const r = await this.definition(this.sessionFor(href, doc, []), name);
    return r.result === 'true';
  }

  /** What an evaluated request read: the read sets of its definitions (all of the document's without a name). */
  reads(req: CheckRequest): ReadSet | undefined {
    const doc = this.resolve(req.href);
    if (!doc) return undefined;
    if (req.name !== undefined && !doc.definitions.has(req.name)) return undefined;
    const engine = this.sessionFor(req.href, doc, req.bindings).engine;
    if (!engine.definitionReads) return undefined;
    const ids = req.name !== undefined ? [req.name] : [...doc.definitions.keys()];
    return unionReads(ids.map((id) => engine.definitionReads!(id)));
  }

  /** What an evaluated CPE check read. */
  platformReads(system: string, href: string, name: string): ReadSet | undefined {
    return system === OVAL_SYSTEM ? this.reads({ href, name, bindings: [] }) : undefined;
  }

  /**
   * The evidence per document, as plain data, in the order the documents
   * were first asked for: built once the evaluation is over, after which
   * the sessions are no longer needed.
   */
  async evidence(): Promise<OvalEvidence[]> {
    const out: OvalEvidence[] = [];
    for (const [href, sessions] of this.sessions) {
      const results: SessionResults[] = [];
      for (const s of sessions) {
        results.push({ definitions: [...s.evaluated.values()], tests: await s.engine.testResults(), objects: await s.engine.collectedObjects() });
      }
      out.push(buildOvalEvidence(href, this.resolve(href)!, results));
    }
    return out;
  }

  private async definition(s: Session, id: string): Promise<DefinitionResult> {
    const r = await s.engine.evaluateDefinition(id);
    s.evaluated.set(id, r);
    return r;
  }

  private sessionFor(href: string, doc: OvalDefinitions, bindings: CheckRequest['bindings']): Session {
    const wanted = new Map<string, string[]>();
    for (const b of bindings) {
      if (!doc.variables.has(b.name)) continue; // OpenSCAP skips variables the document lacks
      const list = wanted.get(b.name) ?? [];
      if (!list.includes(b.value)) list.push(b.value);
      wanted.set(b.name, list);
    }
    let list = this.sessions.get(href);
    if (!list) {
      list = [];
      this.sessions.set(href, list);
    }
    const fits = (s: Session): boolean => [...wanted].every(([k, v]) => !s.bound.has(k) || sameValues(s.bound.get(k)!, v));
    let session = list.find(fits);
    if (!session) {
      const bound = new Map<string, readonly string[]>();
      session = { engine: this.factory(doc, { get: (id) => bound.get(id) }), bound, evaluated: new Map() };
      list.push(session);
    }
    for (const [k, v] of wanted) if (!session.bound.has(k)) session.bound.set(k, v);
    return session;
  }
}

/**
 * `vigil oval eval`: evaluates the definitions of an OVAL file against a
 * target (this host, or an offline root directory).
 */
import { openContent } from '../model/checklist.js';
import { ContentError } from '../model/errors.js';
import type { OvalDefinitions } from '../model/oval/types.js';
import { validateOval } from '../model/validate.js';
import { OvalEngine, type DefinitionResult } from '../oval/engine.js';
import { probeTable } from '../oval/probes/registry.js';
import type { ExternalVariableSource } from '../oval/types.js';
import { localTarget, offlineRootTarget } from '../target/fs-target.js';
import { hostKernelTarget } from '../target/host-kernel.js';
import type { Target } from '../target/target.js';
import { existsSync, statSync } from 'node:fs';
import { writeOvalResults } from '../results/oval-results.js';
import { checkOutputPath } from '../results/atomic-file.js';
import { buildOvalEvidence } from '../xccdf/evidence.js';
import { packageVersion } from './package-version.js';
import { targetSystem } from './target-system.js';

/** Where a scan looks: this host, or an offline root, optionally running on this host's kernel. */
export interface TargetChoice {
  /** An offline root directory; the local host when absent. */
  readonly root?: string;
  /**
   * The root is a chroot or a running container on this host: its live
   * kernel state (sysctl, uname, mounts, interfaces) is this host's.
   */
  readonly hostKernel?: boolean;
}

export interface OvalEvalOptions extends TargetChoice {
  /** A ready target (tests, SSH); wins over `root`. */
  readonly target?: Target;
  readonly variablesFile?: string;
  /** Evaluate only these definitions. */
  readonly ids?: readonly string[];
  /** Write OVAL results (with system characteristics) here. */
  readonly resultsFile?: string;
}

export interface OvalEvalReport {
  readonly file: string;
  readonly target: { readonly kind: Target['kind']; readonly name: string };
  /** In the order oscap prints them (ids descending). */
  readonly definitions: readonly DefinitionResult[];
  readonly engine: OvalEngine;
}

/** This package's version, for result generators. */
export const vigilVersion = packageVersion;

export function targetFor(choice: TargetChoice = {}): Target {
  const { root, hostKernel } = choice;
  if (root === undefined) {
    if (hostKernel) throw new ContentError('invalid-value', '--host-kernel needs --root: this host already has its own kernel');
    return localTarget();
  }
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new ContentError('io', `--root ${root} is not a directory`);
  }
  const offline = offlineRootTarget(root);
  return hostKernel ? hostKernelTarget(offline, localTarget()) : offline;
}

export async function evaluateOvalFile(file: string, opts: OvalEvalOptions = {}): Promise<OvalEvalReport> {
  // a path that cannot be written is refused before anything is evaluated
  if (opts.resultsFile !== undefined) checkOutputPath(opts.resultsFile);
  const loaded = openContent(file);
  const doc = loaded.document;
  if (doc.kind !== 'oval-definitions') throw new ContentError('wrong-root', `${file} is not an OVAL definitions document`);
  validateOval(doc as OvalDefinitions);
  let external: ExternalVariableSource | undefined;
  if (opts.variablesFile !== undefined) {
    const v = openContent(opts.variablesFile).document;
    if (v.kind !== 'oval-variables') throw new ContentError('wrong-root', `${opts.variablesFile} is not an OVAL variables document`);
    external = { get: (id) => v.variables.get(id)?.values };
  }
  const target = opts.target ?? targetFor(opts);
  const ids = opts.ids ?? [...doc.definitions.keys()];
  for (const id of ids) {
    if (!doc.definitions.has(id)) throw new ContentError('dangling-ref', `no definition ${id} in ${file}`);
  }
  const engine = new OvalEngine(doc, { target, probes: probeTable(), ...(external ? { external } : {}) });
  let results: DefinitionResult[];
  try {
    results = await engine.evaluateAll(ids);
  } finally {
    // the evaluation is done: what the probes built goes (the results keep what they collected)
    await engine.close();
  }
  results.sort((a, b) => (a.definitionId < b.definitionId ? 1 : a.definitionId > b.definitionId ? -1 : 0));
  if (opts.resultsFile !== undefined) {
    const evidence = buildOvalEvidence(file, doc, [{ definitions: results, tests: await engine.testResults(), objects: await engine.collectedObjects() }]);
    writeOvalResults(opts.resultsFile, evidence, { system: targetSystem(target, await target.describe()), productVersion: vigilVersion() });
  }
  return { file, target: { kind: target.kind, name: target.name }, definitions: results, engine };
}

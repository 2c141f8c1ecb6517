/**
 * The contract between XCCDF evaluation and a checking system. Engines are
 * registered by check-system URI; XCCDF never calls OVAL directly. The app
 * layer picks the concrete engines.
 */
import type { ValueType } from '../model/xccdf/types.js';
import type { ReadSet } from '../target/reads.js';
import type { XccdfResult } from './result-types.js';

/** A value exported to the checking system (check-export, after refine-value and set-value). */
export interface ValueBinding {
  readonly name: string;
  readonly value: string;
  readonly type: ValueType;
}

export interface CheckRequest {
  readonly href: string;
  /** The definition (or other check) name; absent: every check of the document, combined with AND. */
  readonly name?: string;
  readonly bindings: readonly ValueBinding[];
}

export interface CheckEngine {
  /** The check-system URI this engine serves. */
  readonly system: string;
  /**
   * The result of one check-content-ref. `notchecked` means the engine cannot
   * resolve the reference (an unknown href or name), and the next
   * check-content-ref, if any, is tried.
   */
  evaluate(request: CheckRequest): Promise<XccdfResult>;
  /** The names a multi-check expands to, or undefined when the href is not this engine's. */
  names(href: string): readonly string[] | undefined;
  /**
   * The checks about to be evaluated, all at once, before the first
   * `evaluate`: an engine may bind their values and start shared work (one
   * filesystem walk for many objects). Optional; results must not depend on it.
   */
  prepare?(requests: readonly CheckRequest[]): Promise<void>;
  /**
   * What an evaluated request read of the target (its read set), when the
   * engine records reads. Optional; called after `evaluate`.
   */
  reads?(request: CheckRequest): ReadSet | undefined;
}

/** Answers whether one CPE check (an OVAL definition in a CPE OVAL document) is true for the target. */
export interface PlatformCheck {
  isTrue(system: string, href: string, name: string): Promise<boolean>;
  /** What an evaluated CPE check read of the target, when the checking system records reads. Optional. */
  platformReads?(system: string, href: string, name: string): ReadSet | undefined;
}

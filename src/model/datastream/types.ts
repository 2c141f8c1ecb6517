/** SCAP 1.2 / 1.3 source data streams, and the documents a component can hold. */
import type { SourceLocation } from '../errors.js';
import type { CpeDictionary } from '../cpe/types.js';
import type { OvalDefinitions } from '../oval/types.js';
import type { OvalVariablesDocument } from '../oval/variables-doc.js';
import type { Benchmark, Tailoring } from '../xccdf/types.js';

export const DS_NS = 'http://scap.nist.gov/schema/scap/source/1.2';
export const CATALOG_NS = 'urn:oasis:names:tc:entity:xmlns:xml:catalog';
export const OCIL_NS = 'http://scap.nist.gov/schema/ocil/2.0';

/** An OCIL document: only what checking and linking need. */
export interface OcilDocument {
  readonly kind: 'ocil';
  readonly questionnaires: ReadonlySet<string>;
}

export type ContentDocument = Benchmark | OvalDefinitions | CpeDictionary | OcilDocument | Tailoring | OvalVariablesDocument;

export interface ComponentRef {
  readonly id: string;
  /** xlink:href as written: `#component-id`, or a remote URL. */
  readonly href: string;
  /** cat:catalog entries: a name used in hrefs → a `#component-ref-id`. */
  readonly catalog: ReadonlyMap<string, string>;
  readonly location: SourceLocation;
}

export interface DataStream {
  readonly id: string;
  readonly scapVersion: string;
  readonly useCase: string;
  readonly timestamp?: string;
  readonly dictionaries: readonly ComponentRef[];
  readonly checklists: readonly ComponentRef[];
  readonly checks: readonly ComponentRef[];
  readonly location: SourceLocation;
}

export interface Component {
  readonly id: string;
  readonly timestamp?: string;
  readonly extended: boolean;
  /** Undefined for a component whose root Vigil does not model (it is still listed). */
  readonly content?: ContentDocument;
  readonly rootName: string;
  readonly location: SourceLocation;
}

export interface DataStreamCollection {
  readonly kind: 'data-stream-collection';
  readonly id: string;
  readonly schematronVersion?: string;
  readonly streams: readonly DataStream[];
  readonly components: ReadonlyMap<string, Component>;
}

/** Any top-level SCAP document Vigil reads. */
export type SourceDocument = DataStreamCollection | ContentDocument;

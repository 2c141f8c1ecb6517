/**
 * Content errors: the one error type for bad SCAP input. Each carries a stable
 * code (tests assert on it), a human message and the source location.
 */

export type ContentErrorCode =
  | 'io'
  | 'xml-malformed'
  | 'xml-doctype'
  /** Elements nested deeper than the readers allow (MAX_XML_DEPTH). */
  | 'xml-too-deep'
  | 'wrong-root'
  | 'missing-attribute'
  | 'missing-component'
  | 'dangling-ref'
  | 'unknown-profile'
  | 'unknown-stream'
  | 'unknown-checklist'
  | 'invalid-value'
  | 'unsupported'
  /** A value that cannot be written inert into a generated fix. */
  | 'unsafe-value'
  /** A text node longer than the readers allow (MAX_XML_TEXT). */
  | 'xml-text-too-long'
  | 'no-content';

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export class ContentError extends Error {
  override readonly name = 'ContentError';
  readonly code: ContentErrorCode;
  readonly location: SourceLocation | undefined;

  constructor(code: ContentErrorCode, message: string, location?: SourceLocation, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.location = location;
  }

  /** One line, `file:line:col: message`, as compilers print it. */
  describe(): string {
    const loc = this.location;
    return loc ? `${loc.file}:${loc.line}:${loc.col}: ${this.message}` : this.message;
  }
}

/** Collects non-fatal findings (remote components skipped, and the like). */
export interface Warning {
  readonly code: 'remote-component' | 'unresolved-href' | 'unsupported';
  readonly message: string;
  readonly location?: SourceLocation;
}

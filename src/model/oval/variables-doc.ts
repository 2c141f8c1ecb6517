/** OVAL variables documents (`oval_variables`): values for external variables. */
import { requireAttr, textOf, type XmlElement } from '../xml/element.js';
import { CAPTURE, SKIP, type FrameHandler } from '../xml/stream.js';
import type { OvalDatatype } from './types.js';

export const OVAL_VARIABLES_NS = 'http://oval.mitre.org/XMLSchema/oval-variables-5';

export interface OvalVariablesDocument {
  readonly kind: 'oval-variables';
  readonly variables: ReadonlyMap<string, { readonly datatype: OvalDatatype; readonly values: readonly string[] }>;
}

export function ovalVariablesHandler(file: string, done: (doc: OvalVariablesDocument) => void): FrameHandler {
  const variables = new Map<string, { datatype: OvalDatatype; values: string[] }>();
  return {
    child: (t) =>
      t.ns === OVAL_VARIABLES_NS && t.name === 'variables'
        ? {
            child: (v) => (v.ns === OVAL_VARIABLES_NS && v.name === 'variable' ? CAPTURE : SKIP),
            captured: (el: XmlElement) => {
              const id = requireAttr(el, 'id', file);
              variables.set(id, {
                datatype: (el.attrs['datatype'] ?? 'string') as OvalDatatype,
                values: el.children.filter((c): c is XmlElement => typeof c !== 'string' && c.name === 'value').map((c) => textOf(c)),
              });
            },
          }
        : SKIP,
    close: () => done({ kind: 'oval-variables', variables }),
  };
}

/**
 * Reads any top-level SCAP document (source data stream, XCCDF benchmark or
 * tailoring, OVAL definitions, CPE dictionary, OCIL) in one streaming pass.
 */
import { cpeListHandler } from './cpe/parse.js';
import { CPE_DICT_NS } from './cpe/types.js';
import { CATALOG_NS, DS_NS, OCIL_NS, type Component, type ComponentRef, type ContentDocument, type DataStream, type DataStreamCollection, type SourceDocument } from './datastream/types.js';
import { ContentError } from './errors.js';
import { ovalDefinitionsHandler } from './oval/parse.js';
import { OVAL_DEFS_NS } from './oval/types.js';
import { OVAL_VARIABLES_NS, ovalVariablesHandler } from './oval/variables-doc.js';
import { optional } from './util.js';
import { benchmarkHandler, isXccdfNs, REPORT_ONLY_CHILDREN, tailoringHandler } from './xccdf/parse.js';
import { XLINK_NS, childrenNamed, elements, locationOf, nsAttr, requireAttr, type XmlElement } from './xml/element.js';
import { CAPTURE, SKIP, streamXml, type FrameHandler, type OpenTag, type XmlSource } from './xml/stream.js';

/** What a reader may leave out of a document. */
export interface ReadOptions {
  /**
   * Read only what evaluating a benchmark needs: the descriptions,
   * rationales, warnings, references, fixtexts and fixes of its rules,
   * groups and values are skipped, not materialised, and left empty in the
   * model. For a scan whose outputs show none of them; reports and
   * remediation read the whole document.
   */
  readonly evaluationOnly?: boolean;
}

const EXPECTED_ROOTS =
  'ds:data-stream-collection, xccdf:Benchmark, xccdf:Tailoring, oval-def:oval_definitions, oval-var:oval_variables, cpe-dict:cpe-list or ocil:ocil';

/** A handler for a document root, or undefined when Vigil does not model it. */
function documentHandler(file: string, tag: OpenTag, done: (doc: ContentDocument) => void, options: ReadOptions): FrameHandler | undefined {
  if (isXccdfNs(tag.ns) && tag.name === 'Benchmark') {
    return benchmarkHandler(file, tag, done, options.evaluationOnly ? { omit: REPORT_ONLY_CHILDREN } : {});
  }
  if (isXccdfNs(tag.ns) && tag.name === 'Tailoring') return tailoringHandler(file, tag, done);
  if (tag.ns === OVAL_DEFS_NS && tag.name === 'oval_definitions') return ovalDefinitionsHandler(file, done);
  if (tag.ns === CPE_DICT_NS && tag.name === 'cpe-list') return cpeListHandler(file, done);
  if (tag.ns === OCIL_NS && tag.name === 'ocil') return ocilHandler(done);
  if (tag.ns === OVAL_VARIABLES_NS && tag.name === 'oval_variables') return ovalVariablesHandler(file, done);
  return undefined;
}

function ocilHandler(done: (doc: ContentDocument) => void): FrameHandler {
  const questionnaires = new Set<string>();
  return {
    child: (t) =>
      t.ns === OCIL_NS && t.name === 'questionnaires'
        ? {
            child: (q) => {
              if (q.ns === OCIL_NS && q.name === 'questionnaire' && q.attrs['id']) questionnaires.add(q.attrs['id']);
              return SKIP;
            },
          }
        : SKIP,
    close: () => done({ kind: 'ocil', questionnaires }),
  };
}

function dataStreamCollectionHandler(file: string, tag: OpenTag, done: (c: DataStreamCollection) => void, options: ReadOptions): FrameHandler {
  const streams: DataStream[] = [];
  const components = new Map<string, Component>();
  const componentHandler = (ctag: OpenTag, extended: boolean): FrameHandler => {
    const id = ctag.attrs['id'];
    if (id === undefined) {
      throw new ContentError('missing-attribute', `<${ctag.name}> lacks the required attribute "id"`, { file, line: ctag.line, col: ctag.col });
    }
    if (components.has(id)) throw new ContentError('invalid-value', `duplicate component id ${id}`, { file, line: ctag.line, col: ctag.col });
    const record = (rootName: string, content?: ContentDocument): void => {
      components.set(id, {
        id,
        ...optional('timestamp', ctag.attrs['timestamp']),
        extended,
        ...(content ? { content } : {}),
        rootName,
        location: { file, line: ctag.line, col: ctag.col },
      });
    };
    let seen = false;
    return {
      child: (root) => {
        seen = true;
        const h = documentHandler(file, root, (doc) => record(root.name, doc), options);
        if (h) return h;
        record(root.name);
        return SKIP;
      },
      close: () => {
        if (!seen) record('');
      },
    };
  };
  return {
    child: (t) => {
      if (t.ns !== DS_NS) return SKIP;
      if (t.name === 'data-stream') return dataStreamHandler(file, t, (s) => streams.push(s));
      if (t.name === 'component') return componentHandler(t, false);
      if (t.name === 'extended-component') return componentHandler(t, true);
      return SKIP;
    },
    close: () =>
      done({
        kind: 'data-stream-collection',
        id: tag.attrs['id'] ?? '',
        ...optional('schematronVersion', tag.attrs['schematron-version']),
        streams,
        components,
      }),
  };
}

function dataStreamHandler(file: string, tag: OpenTag, done: (s: DataStream) => void): FrameHandler {
  const lists: Record<'dictionaries' | 'checklists' | 'checks', ComponentRef[]> = { dictionaries: [], checklists: [], checks: [] };
  const section = (into: ComponentRef[]): FrameHandler => ({
    child: (t) => (t.ns === DS_NS && t.name === 'component-ref' ? CAPTURE : SKIP),
    captured: (el) => into.push(componentRef(el, file)),
  });
  return {
    child: (t) => {
      if (t.ns !== DS_NS) return SKIP;
      if (t.name === 'dictionaries' || t.name === 'checklists' || t.name === 'checks') return section(lists[t.name]);
      return SKIP;
    },
    close: () =>
      done({
        id: tag.attrs['id'] ?? '',
        scapVersion: tag.attrs['scap-version'] ?? '',
        useCase: tag.attrs['use-case'] ?? '',
        ...optional('timestamp', tag.attrs['timestamp']),
        ...lists,
        location: { file, line: tag.line, col: tag.col },
      }),
  };
}

function componentRef(el: XmlElement, file: string): ComponentRef {
  const href = el.attrs[nsAttr(XLINK_NS, 'href')];
  if (href === undefined) {
    throw new ContentError('missing-attribute', '<component-ref> lacks the required attribute "xlink:href"', locationOf(el, file));
  }
  const catalog = new Map<string, string>();
  for (const cat of childrenNamed(el, 'catalog', CATALOG_NS)) {
    for (const uri of elements(cat)) {
      if (uri.ns === CATALOG_NS && uri.name === 'uri') catalog.set(requireAttr(uri, 'name', file), requireAttr(uri, 'uri', file));
    }
  }
  return { id: requireAttr(el, 'id', file), href, catalog, location: locationOf(el, file) };
}

/** Reads one document. `source.name` is used in error locations. */
export function readDocument(source: XmlSource, options: ReadOptions = {}): SourceDocument {
  let result: SourceDocument | undefined;
  const file = source.name;
  streamXml(source, {
    child: (tag) => {
      if (tag.ns === DS_NS && tag.name === 'data-stream-collection') {
        return dataStreamCollectionHandler(file, tag, (c) => (result = c), options);
      }
      const h = documentHandler(file, tag, (d) => (result = d), options);
      if (h) return h;
      throw new ContentError(
        'wrong-root',
        `unexpected root element <${tag.name}>${tag.ns ? ` in namespace ${tag.ns}` : ' (no namespace)'}; expected ${EXPECTED_ROOTS}`,
        { file, line: tag.line, col: tag.col },
      );
    },
  });
  if (result === undefined) throw new ContentError('xml-malformed', 'document has no root element', { file, line: 1, col: 1 });
  return result;
}

/** Reads a document from a file path. */
export function readDocumentFile(path: string, options: ReadOptions = {}): SourceDocument {
  return readDocument({ path, name: path }, options);
}

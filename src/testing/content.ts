/**
 * Builders for small synthetic SCAP documents used by the tests. Each
 * returns XML text; tests feed it to the real parsers.
 */

export const NS = {
  xccdf: 'http://checklists.nist.gov/xccdf/1.2',
  oval: 'http://oval.mitre.org/XMLSchema/oval-definitions-5',
  ovalCommon: 'http://oval.mitre.org/XMLSchema/oval-common-5',
  ind: 'http://oval.mitre.org/XMLSchema/oval-definitions-5#independent',
  unix: 'http://oval.mitre.org/XMLSchema/oval-definitions-5#unix',
  linux: 'http://oval.mitre.org/XMLSchema/oval-definitions-5#linux',
  ds: 'http://scap.nist.gov/schema/scap/source/1.2',
  xlink: 'http://www.w3.org/1999/xlink',
  cat: 'urn:oasis:names:tc:entity:xmlns:xml:catalog',
  cpeDict: 'http://cpe.mitre.org/dictionary/2.0',
  cpeLang: 'http://cpe.mitre.org/language/2.0',
  ocil: 'http://scap.nist.gov/schema/ocil/2.0',
  xhtml: 'http://www.w3.org/1999/xhtml',
} as const;

export const OVAL_SYSTEM = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';

/** An XCCDF 1.2 Benchmark with the given inner XML (default prefix = xccdf). */
export function benchmarkXml(inner: string, attrs = ''): string {
  return `<?xml version="1.0"?>
<Benchmark xmlns="${NS.xccdf}" xmlns:h="${NS.xhtml}" xmlns:cpe-lang="${NS.cpeLang}" id="xccdf_test_benchmark_b" resolved="1" ${attrs}>
  <status date="2024-01-02">draft</status>
  <title>Test benchmark</title>
  <version>1.0</version>
${inner}
</Benchmark>
`;
}

/** An OVAL definitions document with the given sections' inner XML. */
export function ovalXml(parts: { definitions?: string; tests?: string; objects?: string; states?: string; variables?: string }): string {
  const sec = (name: string, body?: string): string => (body ? `<${name}>${body}</${name}>` : '');
  return `<?xml version="1.0"?>
<oval_definitions xmlns="${NS.oval}" xmlns:oval="${NS.ovalCommon}" xmlns:ind="${NS.ind}" xmlns:unix="${NS.unix}" xmlns:linux="${NS.linux}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <generator><oval:product_name>test</oval:product_name><oval:schema_version>5.11</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>
  ${sec('definitions', parts.definitions)}
  ${sec('tests', parts.tests)}
  ${sec('objects', parts.objects)}
  ${sec('states', parts.states)}
  ${sec('variables', parts.variables)}
</oval_definitions>
`;
}

/** Strips an XML declaration so a document can be embedded in a component. */
export function body(xml: string): string {
  return xml.replace(/^<\?xml[^>]*\?>\s*/, '');
}

export interface DsComponent {
  readonly id: string;
  readonly xml: string;
}

/**
 * A one-stream data stream collection: the checklist's catalog maps each
 * `catalog` name to `#cref-<component id>`.
 */
export function dataStreamXml(opts: {
  checklist: DsComponent;
  checks: readonly DsComponent[];
  dictionary?: DsComponent;
  catalog?: Readonly<Record<string, string>>;
  dictionaryCatalog?: Readonly<Record<string, string>>;
  extraCheckRefs?: ReadonlyArray<{ id: string; href: string }>;
}): string {
  const catalog = (entries?: Readonly<Record<string, string>>): string =>
    entries
      ? `<cat:catalog>${Object.entries(entries)
          .map(([name, uri]) => `<cat:uri name="${name}" uri="${uri}"/>`)
          .join('')}</cat:catalog>`
      : '';
  const ref = (c: DsComponent, cat?: Readonly<Record<string, string>>): string =>
    `<ds:component-ref id="cref-${c.id}" xlink:href="#${c.id}">${catalog(cat)}</ds:component-ref>`;
  const comps = [opts.checklist, ...opts.checks, ...(opts.dictionary ? [opts.dictionary] : [])];
  return `<?xml version="1.0"?>
<ds:data-stream-collection xmlns:ds="${NS.ds}" xmlns:xlink="${NS.xlink}" xmlns:cat="${NS.cat}" id="scap_test_collection_c" schematron-version="1.3">
  <ds:data-stream id="scap_test_datastream_d" scap-version="1.3" use-case="OTHER">
    ${opts.dictionary ? `<ds:dictionaries>${ref(opts.dictionary, opts.dictionaryCatalog)}</ds:dictionaries>` : ''}
    <ds:checklists>${ref(opts.checklist, opts.catalog)}</ds:checklists>
    <ds:checks>${opts.checks.map((c) => ref(c)).join('')}${(opts.extraCheckRefs ?? [])
      .map((r) => `<ds:component-ref id="${r.id}" xlink:href="${r.href}"/>`)
      .join('')}</ds:checks>
  </ds:data-stream>
  ${comps.map((c) => `<ds:component id="${c.id}" timestamp="2024-01-01T00:00:00">${body(c.xml)}</ds:component>`).join('\n  ')}
</ds:data-stream-collection>
`;
}

/** Documents at the XML readers' size limits (model/xml/limits.ts), for the readers' tests and the comparison with oscap. */

export type SizeKind = 'text' | 'entity' | 'cdata' | 'comment' | 'attribute';

/** A benchmark with `body` inside its title (or as the title's attribute value; `entity`: the body's last byte as `&amp;`). */
export function withTitle(kind: SizeKind, body: string): string {
  const title =
    kind === 'text'
      ? `<title>${body}</title>`
      : kind === 'entity'
        ? `<title>${body.slice(1)}&amp;</title>`
        : kind === 'cdata'
          ? `<title><![CDATA[${body}]]></title>`
          : kind === 'comment'
            ? `<!--${body}--><title>t</title>`
            : `<title xml:lang="${body}">t</title>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.test_benchmark_b"><status>draft</status>${title}<version>1</version></Benchmark>\n`;
}

/** `bytes` bytes of UTF-8 made of `unit` (1 to 4 bytes), padded with ASCII. */
export function textOfBytes(bytes: number, unit: string): string {
  const w = Buffer.byteLength(unit);
  const n = Math.floor(bytes / w);
  return unit.repeat(n) + 'a'.repeat(bytes - n * w);
}

/** Each kind of node, and a text node of each UTF-8 width. */
export const SIZE_CASES: readonly { kind: SizeKind; unit: string }[] = [
  { kind: 'text', unit: 'a' },
  { kind: 'text', unit: 'é' },
  { kind: 'text', unit: '€' },
  { kind: 'text', unit: '𝄞' },
  { kind: 'entity', unit: 'a' },
  { kind: 'cdata', unit: 'a' },
  { kind: 'comment', unit: 'a' },
  { kind: 'attribute', unit: 'a' },
];

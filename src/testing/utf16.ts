/** Documents re-encoded as UTF-16, as a user might convert a data stream (for the readers' tests and the comparison with oscap). */

export type Utf16Form = 'utf-16le BOM' | 'utf-16be BOM' | 'utf-16le no BOM' | 'utf-16be no BOM';

export const UTF16_FORMS: readonly Utf16Form[] = ['utf-16le BOM', 'utf-16be BOM', 'utf-16le no BOM', 'utf-16be no BOM'];

/** `xml` with its declaration saying UTF-16, in the given form. */
export function utf16(xml: string, form: Utf16Form): Buffer {
  const text = xml.replace(/^(?:<\?xml[^?]*\?>)?/, '<?xml version="1.0" encoding="UTF-16"?>');
  const le = Buffer.from(text, 'utf16le');
  const bytes = form.startsWith('utf-16be') ? Buffer.from(le).swap16() : le;
  if (!form.endsWith(' BOM') || form.includes('no BOM')) return bytes;
  return Buffer.concat([Buffer.from(form.startsWith('utf-16be') ? [0xfe, 0xff] : [0xff, 0xfe]), bytes]);
}

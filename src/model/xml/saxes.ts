/**
 * saxes, loaded with require rather than `import`. Importing a CommonJS
 * package from an ES module makes Node scan its source for exports, and for
 * saxes that costs a scan 10 MB or more of resident memory that is never
 * given back; require does not.
 */
import { createRequire } from 'node:module';
import type * as Saxes from 'saxes';

export const { SaxesParser } = createRequire(import.meta.url)('saxes') as typeof Saxes;
export type SaxesParser = Saxes.SaxesParser;

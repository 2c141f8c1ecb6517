/** The arithmetic function's reading and writing of numbers (_oval_component_evaluate_ARITHMETIC). */
import type { OvalDatatype } from '../../model/oval/types.js';
import { cStrtod, cStrtoll, formatFixed6, INT64_MIN } from '../c-numbers.js';
import type { Val } from './values.js';

/** A value as a number the way the arithmetic reads it, or undefined (an error). */
export function numericValue(ov: Val, msgs: string[]): number | undefined {
  switch (ov.datatype) {
    case 'string': {
      const r = cStrtod(ov.text);
      if (r.erange) {
        msgs.push(`Unexpected content: ${ov.text}.`);
        return undefined;
      }
      return r.value;
    }
    case 'int':
      return Number(cStrtoll(ov.text));
    case 'float':
      return Math.fround(cStrtod(ov.text).value); // strtof
    default:
      msgs.push(`Unexpected value type: ${ov.datatype}.`);
      return undefined;
  }
}

/** snprintf "%ld" of (long) val, or "%f"; other datatypes leave OpenSCAP's buffer unwritten (observed empty). */
export function formatArithmetic(val: number, datatype: OvalDatatype): string {
  if (datatype === 'int') {
    if (!Number.isFinite(val) || val >= 2 ** 63 || val < -(2 ** 63)) return INT64_MIN.toString(); // cvttsd2si
    return BigInt(Math.trunc(val)).toString();
  }
  if (datatype === 'float') return formatFixed6(val);
  return '';
}

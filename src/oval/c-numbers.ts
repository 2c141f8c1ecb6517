/**
 * Numbers read and written as OpenSCAP's C code does: strtoll, strtod and
 * printf("%f"). Comparisons (`compare.ts`) read a whole string and fail
 * where C would; the variable functions (`variables/`) read the longest
 * prefix, as strtoll and strtod with an end pointer do. Both go through the
 * same scanners here.
 */

const C_SPACE = /^[\t\n\v\f\r ]*/;
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

function clampInt64(v: bigint): bigint {
  return v < INT64_MIN ? INT64_MIN : v > INT64_MAX ? INT64_MAX : v;
}

/** The longest decimal integer prefix (after C white space), unclamped, and where it ends; undefined when there is none. */
function scanInt(s: string): { value: bigint; end: number } | undefined {
  const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(s);
  return m ? { value: BigInt(m[1]!), end: m[0].length } : undefined;
}

/** strtoimax over the whole string, 64-bit; undefined when C would fail. */
export function parseInt64(s: string): bigint | undefined {
  const r = scanInt(s);
  if (!r || r.end !== s.length) return undefined;
  return r.value < INT64_MIN || r.value > INT64_MAX ? undefined : r.value;
}

/** strtoll(s, &end, 10) (atol alike): the longest decimal prefix, clamped. */
export function cStrtoll(s: string): bigint {
  const r = scanInt(s);
  return r ? clampInt64(r.value) : 0n;
}

/**
 * A plain decimal ([+-]?digits, at most 15 characters) as a number;
 * undefined for anything else, which parseInt64 reads. Two plain decimals
 * compare as ints exactly as their numbers do.
 */
export function plainInt(s: string): number | undefined {
  const n = s.length;
  if (n === 0 || n > 15) return undefined;
  let i = 0;
  let negative = false;
  const first = s.charCodeAt(0);
  if (first === 45 || first === 43) {
    if (n === 1) return undefined;
    negative = first === 45;
    i = 1;
  }
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

/** The decimal, infinity and NaN forms that the comparisons accept as a whole string. */
const FLOAT_RE = /^[\t\n\v\f\r ]*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$/i;

/** strtod over the whole string; undefined when C would fail (or overflow). */
export function parseDouble(s: string): number | undefined {
  if (!FLOAT_RE.test(s)) return undefined;
  const r = cStrtod(s);
  return r.erange && !Number.isFinite(r.value) ? undefined : r.value;
}

/** strtod(s, NULL): the value of the longest prefix, and whether errno would be ERANGE. */
export function cStrtod(s: string): { value: number; erange: boolean } {
  const rest = s.slice(C_SPACE.exec(s)![0].length);
  const m = /^([+-]?)(?:(inf(?:inity)?)|(nan)(?:\([0-9a-z_]*\))?|0x((?:[0-9a-f]+(?:\.[0-9a-f]*)?|\.[0-9a-f]+)(?:p[+-]?\d+)?)|((?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?))/i.exec(rest);
  if (!m) return { value: 0, erange: false };
  const sign = m[1] === '-' ? -1 : 1;
  if (m[2] !== undefined) return { value: sign * Infinity, erange: false };
  if (m[3] !== undefined) return { value: NaN, erange: false };
  let value: number;
  let nonzero: boolean;
  if (m[4] !== undefined) {
    const [mant, exp] = m[4].toLowerCase().split('p') as [string, string | undefined];
    const [ip, fp = ''] = mant.split('.') as [string, string | undefined];
    const digits = `${ip}${fp}` || '0';
    nonzero = /[1-9a-f]/.test(digits);
    const e = (exp === undefined ? 0 : Number.parseInt(exp, 10)) - 4 * fp.length;
    value = Number(BigInt(`0x${digits}`)) * 2 ** e;
  } else {
    value = Number(m[5]!);
    nonzero = /[1-9]/.test(m[5]!.split(/e/i)[0]!);
  }
  const erange = !Number.isFinite(value) || (nonzero && Math.abs(value) < 2.2250738585072014e-308);
  return { value: sign * value, erange };
}
/** printf("%f"): six decimals, the exact binary value rounded half to even. */
export function formatFixed6(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  if (a >= 1e21) return `${neg ? '-' : ''}${BigInt(a).toString()}.000000`;
  // toFixed(100) is exact for every double of magnitude >= 5e-7 (at most 73 fraction digits);
  // smaller ones round to zero either way.
  const [ip, fp] = a.toFixed(100).split('.') as [string, string];
  let n = BigInt(ip + fp.slice(0, 6));
  const d7 = fp.charCodeAt(6) - 48;
  const tail = /[1-9]/.test(fp.slice(7));
  if (d7 > 5 || (d7 === 5 && (tail || n % 2n === 1n))) n += 1n;
  const s = n.toString().padStart(7, '0');
  return `${neg ? '-' : ''}${s.slice(0, -6)}.${s.slice(-6)}`;
}


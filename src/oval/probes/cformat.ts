/**
 * C number formatting for probes that must print doubles exactly as
 * OpenSCAP does: glibc's `%.Nf` and `%.Ne` (exact binary value, ties to
 * even), and libxml2's XPath number-to-string conversion
 * (xmlXPathFormatNumber), which is built on them.
 */

/** |x| as an exact fraction num / den (den a power of two), for a finite x. */
function exactFraction(x: number): { num: bigint; den: bigint } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) exp = -1074; // subnormal
  else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  return exp >= 0 ? { num: mant << BigInt(exp), den: 1n } : { num: mant, den: 1n << BigInt(-exp) };
}

/** num / den rounded to an integer, ties to even. */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r2 = (num - q * den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) return q + 1n;
  return q;
}

function nonFinite(x: number): string | undefined {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return undefined;
}

const signOf = (x: number): string => (x < 0 || Object.is(x, -0) ? '-' : '');

/** printf("%.Nf", x) as glibc prints it. */
export function formatFixed(x: number, digits: number): string {
  const nf = nonFinite(x);
  if (nf !== undefined) return nf;
  const { num, den } = exactFraction(x);
  const scaled = roundHalfEven(num * 10n ** BigInt(digits), den).toString().padStart(digits + 1, '0');
  const int = scaled.slice(0, scaled.length - digits);
  const frac = scaled.slice(scaled.length - digits);
  return `${signOf(x)}${int}${digits > 0 ? `.${frac}` : ''}`;
}

/** printf("%.Ne", x) as glibc prints it. */
export function formatExponential(x: number, digits: number): string {
  const nf = nonFinite(x);
  if (nf !== undefined) return nf;
  if (x === 0) return `${signOf(x)}0${digits > 0 ? `.${'0'.repeat(digits)}` : ''}e+00`;
  const { num, den } = exactFraction(x);
  // decimal exponent e with 10^e <= num/den < 10^(e+1)
  let e = Math.floor(Math.log10(Math.abs(x)));
  const ge = (k: number): boolean => (k >= 0 ? num >= den * 10n ** BigInt(k) : num * 10n ** BigInt(-k) >= den);
  while (!ge(e)) e--;
  while (ge(e + 1)) e++;
  const shift = digits - e;
  let m = shift >= 0 ? roundHalfEven(num * 10n ** BigInt(shift), den) : roundHalfEven(num, den * 10n ** BigInt(-shift));
  if (m === 10n ** BigInt(digits + 1)) {
    m = 10n ** BigInt(digits);
    e++;
  }
  const s = m.toString();
  const exp = `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return `${signOf(x)}${s[0]}${digits > 0 ? `.${s.slice(1)}` : ''}e${exp}`;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const DBL_DIG = 15;

/** Removes trailing fraction zeros (and a bare '.') before `end` in `s`, as libxml2 does. */
function stripFractionZeros(s: string, end: number): string {
  let p = end;
  while (p > 0 && s[p - 1] === '0') p--;
  if (s[p - 1] === '.') p--;
  return s.slice(0, p) + s.slice(end);
}

/**
 * libxml2's xmlXPathFormatNumber (2.9.x): the XPath string value of a
 * number. Integers in int range print plainly; otherwise 15 significant
 * digits, in scientific notation outside [1e-5, 1e9], trailing zeros removed.
 */
export function formatXPathNumber(n: number): string {
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Number.isNaN(n)) return 'NaN';
  if (n === 0) return '0';
  if (n > INT_MIN && n < INT_MAX && n === Math.trunc(n)) return String(n);
  const abs = Math.abs(n);
  if (abs > 1e9 || abs < 1e-5) {
    const work = formatExponential(n, DBL_DIG - 1);
    return stripFractionZeros(work, work.indexOf('e'));
  }
  const integerPlace = Math.trunc(Math.log10(abs));
  const fractionPlace = integerPlace > 0 ? DBL_DIG - integerPlace - 1 : DBL_DIG - integerPlace;
  const work = formatFixed(n, fractionPlace);
  return stripFractionZeros(work, work.length);
}

/**
 * libxml2's xmlXPathStringEvalNumber (2.9.x): a string's XPath number
 * value. Unlike XPath 1.0 proper it accepts an exponent, and it builds the
 * value digit by digit (at most 20 fraction digits after leading zeros).
 */
export function parseXPathNumber(str: string): number {
  const blank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  const digit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  let i = 0;
  while (blank(str[i])) i++;
  if (str[i] !== '.' && !digit(str[i]) && str[i] !== '-') return NaN;
  let neg = false;
  if (str[i] === '-') {
    neg = true;
    i++;
  }
  let ret = 0;
  let ok = false;
  while (digit(str[i])) {
    ret = ret * 10 + (str.charCodeAt(i) - 48);
    ok = true;
    i++;
  }
  if (str[i] === '.') {
    i++;
    if (!digit(str[i]) && !ok) return NaN;
    let frac = 0;
    let fraction = 0;
    while (str[i] === '0') {
      frac++;
      i++;
    }
    const max = frac + 20;
    while (digit(str[i]) && frac < max) {
      fraction = fraction * 10 + (str.charCodeAt(i) - 48);
      frac++;
      i++;
    }
    fraction /= pow10(frac);
    ret += fraction;
    while (digit(str[i])) i++;
  }
  let exponent = 0;
  if (str[i] === 'e' || str[i] === 'E') {
    i++;
    let expNeg = false;
    if (str[i] === '-') {
      expNeg = true;
      i++;
    } else if (str[i] === '+') i++;
    while (digit(str[i])) {
      if (exponent < 1000000) exponent = exponent * 10 + (str.charCodeAt(i) - 48);
      i++;
    }
    if (expNeg) exponent = -exponent;
  }
  while (blank(str[i])) i++;
  if (i !== str.length) return NaN;
  if (neg) ret = -ret;
  return ret * pow10(exponent);
}

/** pow(10, n), correctly rounded as glibc's pow is. */
function pow10(n: number): number {
  return Number(`1e${n}`);
}

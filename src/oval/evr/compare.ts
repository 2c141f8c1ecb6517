/**
 * Version comparison for the OVAL datatypes `evr_string`, `debian_evr_string`
 * and `version`, exactly as OpenSCAP 1.3.x evaluates them
 * (src/OVAL/results/oval_cmp_evr_string.c), which is not always how rpm,
 * dpkg or the OVAL specification would:
 *
 * - `evr_string` (oval_evr_string_cmp → rpmevrcmp): the EVR is split like
 *   rpm's parseEVR, then epoch, version and release are each compared with
 *   librpm's rpmvercmp (Debian's oscap links librpm 4.18, so `~` and `^` are
 *   understood). A component that is missing on one side only decides the
 *   comparison on its own: the side without it is older. Unlike rpm's own
 *   rpmverCmp, a missing epoch is NOT taken as 0, so `1.0` < `0:1.0` and even
 *   `9.0` < `0:1.0`. A missing release is older than any release (rpm agrees).
 * - `debian_evr_string` (oval_debian_evr_string_cmp): the same rpm-style split
 *   (an epoch only when the string starts with digits followed by `:`; the
 *   release after the last `-`), a missing epoch is 0, the epoch is compared
 *   as an integer (one above INT_MAX makes the comparison an error), then
 *   version and revision with dpkg's verrevcmp, a missing revision being "".
 *   For every version dpkg accepts this is dpkg's order; strings dpkg rejects
 *   (empty epoch, empty revision, non-numeric epoch) are still compared.
 * - `version` (oval_versiontype_cmp): each string is read as fields, each
 *   field is C `atoi` of the text at its start (leading white space, a sign,
 *   digits; anything else is 0; glibc's long result truncated to int), then
 *   the walk moves past one character, any digits and one more non-digit.
 *   Missing fields are 0 (`1` = `1.0.0`), letters count as 0 or separators
 *   (`1.2a` = `1.2`, `1.2a3` = `1.2.3`), and two separators in a row drop the
 *   next field (`1..2` = `1.0`).
 *
 * Everything works on the UTF-8 bytes of the strings, as the C code does, and
 * a string ends at its first NUL. Character classes are the C locale's (ASCII).
 */

/** The result of a comparison: a is older (-1), the same (0) or newer (1) than b. */
export type Ordering = -1 | 0 | 1;

/** An EVR string split as rpm's (and OpenSCAP's) parseEVR does. */
export interface ParsedEvr {
  /** Digits before the first `:` when the string starts with them (`"0"` for a bare leading `:`); undefined when there is no epoch. */
  readonly epoch: string | undefined;
  /** What lies between the epoch and the release. */
  readonly version: string;
  /** What follows the last `-` (possibly ""); undefined when there is no `-`. */
  readonly release: string | undefined;
}

const COLON = 0x3a;
const TILDE = 0x7e;
const CARET = 0x5e;
const ZERO = 0x30;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);
/** C isspace in the C locale. */
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** The C string a JS string stands for: everything before its first NUL. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * Splits `[epoch:]version[-release]` as rpm's parseEVR (copied into
 * OpenSCAP's oval_cmp_evr_string.c): the epoch is the run of leading digits
 * when a `:` follows it directly (an empty one becomes "0"); the release
 * follows the last `-`. `1.0` has no epoch and no release; `a:1` has no epoch
 * (version `a:1`); `1:2:3` has epoch 1 and version `2:3`.
 */
export function parseEvr(evr: string): ParsedEvr {
  const s = cString(evr);
  let i = 0;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  const dash = s.lastIndexOf('-');
  let epoch: string | undefined;
  let start = 0;
  if (s.charCodeAt(i) === COLON) {
    epoch = i === 0 ? '0' : s.slice(0, i);
    start = i + 1;
  }
  // The last '-' is never inside the epoch (which is digits only).
  if (dash >= 0) return { epoch, version: s.slice(start, dash), release: s.slice(dash + 1) };
  return { epoch, version: s.slice(start), release: undefined };
}

const encoder = new TextEncoder();

/** The UTF-8 bytes of a C string. */
function bytes(s: string): Uint8Array {
  return encoder.encode(cString(s));
}

/** The byte at i, or 0 (the C terminator) past the end. */
function at(b: Uint8Array, i: number): number {
  return i < b.length ? b[i]! : 0;
}

const sign = (n: number): Ordering => (n < 0 ? -1 : n > 0 ? 1 : 0);

// ------------------------------------------------------------------ rpm

/**
 * librpm's rpmvercmp (rpm 4.18, rpmio/rpmvercmp.c): alternating runs of digits
 * and of ASCII letters compared run by run, numbers numerically (leading
 * zeros ignored, any number newer than any letters), letters by byte; other
 * characters only separate runs, except `~` (sorts before anything, even the
 * end of the string) and `^` (sorts after the end of the string but before
 * anything else). When all runs agree, the string with something left is newer.
 */
export function rpmVercmp(a: string, b: string): Ordering {
  const x = bytes(a);
  const y = bytes(b);
  if (equalBytes(x, y)) return 0;
  let one = 0;
  let two = 0;
  while (at(x, one) || at(y, two)) {
    while (at(x, one) && !isAlnum(at(x, one)) && at(x, one) !== TILDE && at(x, one) !== CARET) one++;
    while (at(y, two) && !isAlnum(at(y, two)) && at(y, two) !== TILDE && at(y, two) !== CARET) two++;
    const c1 = at(x, one);
    const c2 = at(y, two);

    if (c1 === TILDE || c2 === TILDE) {
      if (c1 !== TILDE) return 1;
      if (c2 !== TILDE) return -1;
      one++;
      two++;
      continue;
    }
    if (c1 === CARET || c2 === CARET) {
      if (!c1) return -1;
      if (!c2) return 1;
      if (c1 !== CARET) return 1;
      if (c2 !== CARET) return -1;
      one++;
      two++;
      continue;
    }
    if (!(c1 && c2)) break;

    let end1 = one;
    let end2 = two;
    const isNum = isDigit(c1);
    const inRun = isNum ? isDigit : isAlpha;
    while (inRun(at(x, end1))) end1++;
    while (inRun(at(y, end2))) end2++;

    // A run of the other kind on b's side is empty: numbers beat letters.
    if (two === end2) return isNum ? 1 : -1;

    if (isNum) {
      while (one < end1 && x[one] === ZERO) one++;
      while (two < end2 && y[two] === ZERO) two++;
      const len1 = end1 - one;
      const len2 = end2 - two;
      if (len1 !== len2) return len1 > len2 ? 1 : -1;
    }
    const rc = compareRuns(x, one, end1, y, two, end2);
    if (rc) return rc;
    one = end1;
    two = end2;
  }
  if (!at(x, one) && !at(y, two)) return 0;
  return !at(x, one) ? -1 : 1;
}

function equalBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** strcmp of x[s1, e1) with y[s2, e2), unsigned bytes. */
function compareRuns(x: Uint8Array, s1: number, e1: number, y: Uint8Array, s2: number, e2: number): Ordering {
  const n = Math.min(e1 - s1, e2 - s2);
  for (let k = 0; k < n; k++) {
    const d = x[s1 + k]! - y[s2 + k]!;
    if (d) return sign(d);
  }
  return sign(e1 - s1 - (e2 - s2));
}

/** OpenSCAP's compare_values: a component present on one side only makes that side newer. */
function compareComponent(a: string | undefined, b: string | undefined): Ordering {
  if (a === undefined && b === undefined) return 0;
  if (b === undefined) return 1;
  if (a === undefined) return -1;
  return rpmVercmp(a, b);
}

/**
 * Compares two `evr_string` values as OpenSCAP does (rpmevrcmp in
 * oval_cmp_evr_string.c): epoch, then version, then release, each with
 * rpmvercmp; a component missing on one side only makes that side older,
 * so a missing epoch is older than any epoch, `0` included (rpm itself would
 * take it as 0).
 */
export function compareRpmEvr(a: string, b: string): Ordering {
  const x = parseEvr(a);
  const y = parseEvr(b);
  return compareComponent(x.epoch, y.epoch) || compareComponent(x.version, y.version) || compareComponent(x.release, y.release);
}

// ------------------------------------------------------------------ dpkg

/**
 * dpkg's order() (lib/dpkg/version.c): digits 0, letters their code, `~` -1,
 * the end 0, anything else its code + 256, the code being a signed C char
 * (so a byte >= 0x80 weighs the byte itself: after letters, before `.`).
 */
function order(c: number): number {
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === TILDE) return -1;
  if (c) return (c >= 0x80 ? c - 0x100 : c) + 256;
  return 0;
}

/** dpkg's verrevcmp: alternating non-digit runs (by order()) and digit runs (numerically). */
function verrevcmp(a: string, b: string): Ordering {
  const x = bytes(a);
  const y = bytes(b);
  let i = 0;
  let j = 0;
  while (at(x, i) || at(y, j)) {
    let firstDiff = 0;
    while ((at(x, i) && !isDigit(at(x, i))) || (at(y, j) && !isDigit(at(y, j)))) {
      const ac = order(at(x, i));
      const bc = order(at(y, j));
      if (ac !== bc) return sign(ac - bc);
      i++;
      j++;
    }
    while (at(x, i) === ZERO) i++;
    while (at(y, j) === ZERO) j++;
    while (isDigit(at(x, i)) && isDigit(at(y, j))) {
      if (!firstDiff) firstDiff = at(x, i) - at(y, j);
      i++;
      j++;
    }
    if (isDigit(at(x, i))) return 1;
    if (isDigit(at(y, j))) return -1;
    if (firstDiff) return sign(firstDiff);
  }
  return 0;
}

const INT_MAX = 2147483647n;

function debianEpoch(epoch: string | undefined, whole: string): bigint {
  // Only digits reach here (parseEvr), so strtol reads all of it.
  const e = BigInt(epoch ?? '0');
  if (e > INT_MAX) throw new RangeError(`epoch of "${whole}" is outside the int range`);
  return e;
}

/**
 * Compares two `debian_evr_string` values as OpenSCAP does
 * (oval_debian_evr_string_cmp): dpkg's order for every version dpkg accepts.
 * Throws a RangeError when an epoch exceeds INT_MAX (OpenSCAP's result is
 * then `error`).
 */
export function compareDebianEvr(a: string, b: string): Ordering {
  const x = parseEvr(a);
  const y = parseEvr(b);
  const ea = debianEpoch(x.epoch, a);
  const eb = debianEpoch(y.epoch, b);
  if (ea !== eb) return ea > eb ? 1 : -1;
  return verrevcmp(x.version, y.version) || verrevcmp(x.release ?? '', y.release ?? '');
}

// ------------------------------------------------------------------ version

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** glibc atoi at byte i: (int) strtol(s, NULL, 10), strtol saturating at the 64-bit long range. */
function atoi(s: Uint8Array, i: number): number {
  while (isSpace(at(s, i))) i++;
  let negative = false;
  if (at(s, i) === 0x2b || at(s, i) === 0x2d) {
    negative = at(s, i) === 0x2d;
    i++;
  }
  while (at(s, i) === ZERO) i++;
  let digits = '';
  // More than 19 significant digits saturates strtol whatever they are.
  for (; isDigit(at(s, i)) && digits.length < 20; i++) digits += String.fromCharCode(at(s, i));
  if (digits === '') return 0;
  let v = BigInt(digits);
  if (negative) v = -v;
  if (v > LONG_MAX) v = LONG_MAX;
  if (v < LONG_MIN) v = LONG_MIN;
  return Number(BigInt.asIntN(32, v));
}

/** oval_versiontype_cmp's step to the next field: one character, any digits, one non-digit. */
function nextField(s: Uint8Array, i: number): number {
  if (at(s, i)) i++;
  while (isDigit(at(s, i))) i++;
  if (at(s, i) && !isDigit(at(s, i))) i++;
  return i;
}

/**
 * Compares two `version` values as OpenSCAP does (oval_versiontype_cmp):
 * field by field, each field the atoi of the text where it starts, the
 * first unequal field deciding; a string that runs out reads as 0s.
 */
export function compareVersion(a: string, b: string): Ordering {
  const x = bytes(a);
  const y = bytes(b);
  let i = 0;
  let j = 0;
  while (at(x, i) || at(y, j)) {
    const va = atoi(x, i);
    const vb = atoi(y, j);
    if (va !== vb) return va < vb ? -1 : 1;
    i = nextField(x, i);
    j = nextField(y, j);
  }
  return 0;
}

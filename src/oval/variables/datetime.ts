/**
 * The time_difference function's reading of date-time strings: glibc
 * strptime for OpenSCAP's formats, and _comp_sec over local time
 * (_oval_component_evaluate_TIMEDIF and its helpers in oval_component.c).
 */
import { cStrtoll } from '../c-numbers.js';

interface Tm {
  year: number; // tm_year: years since 1900
  mon: number; // tm_mon: 0-11
  mday: number;
  hour: number;
  min: number;
  sec: number;
}

const YMD = ['%Y%m%d', '%Y/%m/%d', '%Y-%m-%d', '%Y%m%dT%H%M%S', '%Y/%m/%d%n%T', '%Y-%m-%d%n%T'];
const MDY = ['%m/%d/%Y', '%m-%d-%Y', '%b,%n%d%n%Y', '%m/%d/%Y%n%T', '%m-%d-%Y%n%T', '%b,%n%d%n%Y%n%T'];
const DMY = ['%d/%m/%Y', '%d-%m-%Y', '%d/%m/%Y%n%T', '%d-%m-%Y%n%T'];

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

const isCSpace = (ch: string | undefined): boolean => ch !== undefined && ' \t\n\v\f\r'.includes(ch);

/**
 * glibc strptime for the directives OpenSCAP's formats use (%Y %m %d %H %M
 * %S %T %n %b, C locale). Returns the index where parsing stopped, or -1.
 */
function strptime(s: string, fmt: string, tm: Tm, start = 0): number {
  let rp = start;
  const number = (from: number, to: number, n: number): number | undefined => {
    while (isCSpace(s[rp])) rp++;
    const digit = (): boolean => rp < s.length && s[rp]! >= '0' && s[rp]! <= '9';
    if (!digit()) return undefined;
    let val = 0;
    do {
      val = val * 10 + (s.charCodeAt(rp++) - 48);
    } while (--n > 0 && val * 10 <= to && digit());
    return val < from || val > to ? undefined : val;
  };
  for (let f = 0; f < fmt.length; ) {
    const fc = fmt[f]!;
    if (isCSpace(fc)) {
      while (isCSpace(s[rp])) rp++;
      f++;
      continue;
    }
    if (fc !== '%') {
      if (s[rp] !== fc) return -1;
      rp++;
      f++;
      continue;
    }
    const d = fmt[f + 1];
    f += 2;
    let v: number | undefined;
    switch (d) {
      case 'Y':
        if ((v = number(0, 9999, 4)) === undefined) return -1;
        tm.year = v - 1900;
        break;
      case 'm':
        if ((v = number(1, 12, 2)) === undefined) return -1;
        tm.mon = v - 1;
        break;
      case 'd':
        if ((v = number(1, 31, 2)) === undefined) return -1;
        tm.mday = v;
        break;
      case 'H':
        if ((v = number(0, 23, 2)) === undefined) return -1;
        tm.hour = v;
        break;
      case 'M':
        if ((v = number(0, 59, 2)) === undefined) return -1;
        tm.min = v;
        break;
      case 'S':
        if ((v = number(0, 61, 2)) === undefined) return -1;
        tm.sec = v;
        break;
      case 'T':
        rp = strptime(s, '%H:%M:%S', tm, rp);
        if (rp < 0) return -1;
        break;
      case 'n':
        while (isCSpace(s[rp])) rp++;
        break;
      case 'b': {
        // The longest of the full and abbreviated month names that matches, case-insensitively.
        let best = -1;
        let bestLen = 0;
        const lower = s.slice(rp).toLowerCase();
        MONTHS.forEach((name, i) => {
          for (const cand of [name, name.slice(0, 3)]) {
            if (lower.startsWith(cand) && cand.length > bestLen) {
              best = i;
              bestLen = cand.length;
            }
          }
        });
        if (best < 0) return -1;
        tm.mon = best;
        rp += bestLen;
        break;
      }
      default:
        return -1;
    }
  }
  return rp;
}

/** Whether local daylight saving time is in effect at `t` (seconds), as localtime's tm_isdst. */
function isDst(t: number): boolean {
  const d = new Date(t * 1000);
  if (Number.isNaN(d.getTime())) return false;
  const y = d.getFullYear();
  const jan = new Date(2000, 0, 1);
  jan.setFullYear(y, 0, 1);
  const jul = new Date(2000, 6, 1);
  jul.setFullYear(y, 6, 1);
  const std = Math.max(jan.getTimezoneOffset(), jul.getTimezoneOffset());
  return std !== Math.min(jan.getTimezoneOffset(), jul.getTimezoneOffset()) && d.getTimezoneOffset() < std;
}

/** _comp_sec: mktime over local time, less an hour when DST is in effect. */
function compSec(year: number, month: number, day: number, hour: number, minute: number, second: number): bigint {
  const d = new Date(2000, 0, 1, 0, 0, 0, 0);
  d.setFullYear(year, month - 1, day);
  d.setHours(hour, minute, second, 0);
  const ms = d.getTime();
  if (Number.isNaN(ms)) return -1n; // mktime's failure value
  let t = Math.floor(ms / 1000);
  if (isDst(t)) t -= 3600;
  return BigInt(t);
}

/**
 * _parse_fmt: seconds for a date-time string in one of OVAL's formats, 0
 * when it cannot be read. _parse_datetime hands strptime's tm_year and
 * tm_mon to _comp_sec, which offsets them again: a date D-M-Y is taken as
 * D-(M-1)-(Y-1900). That is OpenSCAP's behaviour and is kept.
 */
export function parseDateTime(text: string, format: string, msgs: string[]): bigint {
  const table = format === 'year_month_day' ? YMD : format === 'month_day_year' ? MDY : format === 'day_month_year' ? DMY : undefined;
  if (table) {
    for (const fmt of table) {
      const tm: Tm = { year: 0, mon: 0, mday: 0, hour: 0, min: 0, sec: 0 };
      const end = strptime(text, fmt, tm);
      if (end === text.length) return compSec(tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec);
    }
    msgs.push(`Unable to interpret "${text}" as a datetime string`);
    return 0n;
  }
  switch (format) {
    case 'seconds_since_epoch': {
      const t = cStrtoll(text);
      return Math.abs(Number(t)) < 8.64e12 && isDst(Number(t)) ? t - 3600n : t;
    }
    case 'cim_datetime':
      return parseCim(text, msgs);
    case 'win_filetime':
      return 0n; // not implemented in OpenSCAP ("todo")
    default:
      msgs.push(`unknown time_difference format ${format}`);
      return 0n;
  }
}

/** _parse_fmt_cim */
function parseCim(dt: string, msgs: string[]): bigint {
  let m: RegExpExecArray | null;
  let f: number[] | undefined;
  if ((m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.\d{6}[+-]\d{3}$/.exec(dt))) {
    f = m.slice(1, 7).map(Number);
  } else if ((m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}):\d{3}$/.exec(dt))) {
    f = m.slice(1, 7).map(Number);
  } else if ((m = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2}):\d{3}$/.exec(dt))) {
    const [mo, d, y, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    f = [y, mo, d, h, mi, s];
  }
  if (!f) {
    msgs.push(`Unable to interpret "${dt}" as a cim_datetime string`);
    return 0n;
  }
  const [y, mo, d, h, mi, s] = f as [number, number, number, number, number, number];
  return compSec(y, mo, d, h, mi, s);
}

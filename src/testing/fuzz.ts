/**
 * A small seeded mutation fuzzer for the readers of hostile input: each
 * case is a seed document changed by a few random mutations (bytes flipped,
 * ranges deleted, duplicated or truncated, tokens of the format spliced in,
 * deep nesting, pieces of another seed). Every case is replayable from the
 * run's seed and its number.
 */
import { prng } from './prng.js';

export interface FuzzOptions {
  /** Tokens of the input's format, spliced in at random places. */
  readonly tokens: readonly string[];
  /** How many mutations a case gets, at most (at least one). Default 3. */
  readonly maxMutations?: number;
  /** Opening and closing text of one nesting level, to nest a random stretch deeply (XML: ['<n>', '</n>']). */
  readonly nest?: readonly [string, string];
  /** How deep a nesting mutation goes at most. Default 300. */
  readonly maxNest?: number;
  /**
   * Mutate XML by its structure too (three times in four): whole elements
   * deleted, duplicated, moved into others or renamed, attributes dropped
   * or given values of `values` (and every id-like value of the seeds),
   * text replaced. These keep a document well-formed, so that the cases
   * reach the model builders, the linking and the evaluation behind the
   * parser.
   */
  readonly xmlValues?: readonly string[];
}

interface Span {
  readonly start: number;
  /** Just after the start tag. */
  readonly inner: number;
  readonly end: number;
  readonly name: string;
}

/** The elements of a well-formed document without comments or CDATA around tags (the seeds), as spans. */
function elementSpans(text: string): Span[] {
  const out: Span[] = [];
  const stack: Array<{ start: number; inner: number; name: string }> = [];
  for (const m of text.matchAll(/<(\/?)([A-Za-z_][\w:.-]*)[^>]*?(\/?)>/g)) {
    const at = m.index;
    const after = at + m[0].length;
    if (m[1] === '/') {
      const open = stack.pop();
      if (open) out.push({ start: open.start, inner: open.inner, end: after, name: open.name });
    } else if (m[3] === '/') out.push({ start: at, inner: after, end: after, name: m[2]! });
    else stack.push({ start: at, inner: after, name: m[2]! });
  }
  return out;
}

function xmlMutation(text: string, rnd: () => number, values: readonly string[]): { text: string; what: string } | undefined {
  const spans = elementSpans(text);
  if (spans.length < 2) return undefined;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const el = pick(spans.slice(1)); // never the document element
  const whole = text.slice(el.start, el.end);
  switch (Math.floor(rnd() * 7)) {
    case 0:
      return { text: text.slice(0, el.start) + text.slice(el.end), what: `drop <${el.name}>` };
    case 1:
      return { text: text.slice(0, el.end) + whole + text.slice(el.end), what: `duplicate <${el.name}>` };
    case 2: {
      const into = pick(spans.filter((s) => s.end > s.inner && (s.start > el.end || s.end < el.start)));
      if (!into) return undefined;
      const without = text.slice(0, el.start) + text.slice(el.end);
      const at = into.inner > el.start ? into.inner - whole.length : into.inner;
      return { text: without.slice(0, at) + whole + without.slice(at), what: `move <${el.name}> into <${into.name}>` };
    }
    case 3: {
      const other = pick(spans).name;
      const renamed = whole.replace(new RegExp(`^<${el.name}`), `<${other}`).replace(new RegExp(`</${el.name}>$`), `</${other}>`);
      return { text: text.slice(0, el.start) + renamed + text.slice(el.end), what: `rename <${el.name}> to <${other}>` };
    }
    case 4:
    case 5: {
      const tag = text.slice(el.start, el.inner);
      const attrs = [...tag.matchAll(/\s([\w:.-]+)="([^"]*)"/g)];
      if (attrs.length === 0) return undefined;
      const a = pick(attrs);
      const v = rnd() < 0.2 ? undefined : pick(values);
      const changed = tag.slice(0, a.index) + (v === undefined ? '' : ` ${a[1]}="${v}"`) + tag.slice(a.index + a[0].length);
      return { text: text.slice(0, el.start) + changed + text.slice(el.inner), what: v === undefined ? `drop @${a[1]} of <${el.name}>` : `@${a[1]} of <${el.name}> = ${JSON.stringify(v).slice(0, 40)}` };
    }
    default: {
      if (el.end === el.inner) return undefined;
      const closeAt = text.lastIndexOf('</', el.end);
      const v = pick(values);
      return { text: text.slice(0, el.inner) + v + text.slice(closeAt), what: `text of <${el.name}> = ${JSON.stringify(v).slice(0, 40)}` };
    }
  }
}

export interface FuzzCase {
  readonly index: number;
  readonly seed: number;
  readonly text: string;
  /** What was done, for the failure message. */
  readonly mutations: readonly string[];
}

/** `count` cases mutated from `seeds`, reproducible from `seed`. */
export function* fuzzCases(seed: number, count: number, seeds: readonly string[], opts: FuzzOptions): Generator<FuzzCase> {
  for (let index = 0; index < count; index++) {
    const rnd = prng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    // half the places are just after a `>` (or a line end), where a change keeps more documents well-formed
    const at = (s: string): number => {
      const k = Math.floor(rnd() * (s.length + 1));
      if (rnd() < 0.5) return k;
      const b = s.indexOf(rnd() < 0.5 ? '>' : '\n', k);
      return b < 0 ? k : b + 1;
    };
    let text = pick(seeds);
    const mutations: string[] = [];
    const n = 1 + Math.floor(rnd() * (opts.maxMutations ?? 3));
    const values = opts.xmlValues ? [...opts.xmlValues, ...new Set(seeds.flatMap((sd) => [...sd.matchAll(/="([^"]{1,80})"/g)].map((m) => m[1]!)))] : [];
    for (let m = 0; m < n; m++) {
      if (opts.xmlValues && rnd() < 0.75) {
        const x = xmlMutation(text, rnd, values);
        if (x) {
          text = x.text;
          mutations.push(x.what);
          continue;
        }
      }
      const i = at(text);
      const j = Math.min(text.length, i + Math.floor(rnd() * 64));
      switch (Math.floor(rnd() * 8)) {
        case 0: {
          const c = String.fromCharCode(Math.floor(rnd() * 0x100));
          text = text.slice(0, i) + c + text.slice(i + 1);
          mutations.push(`char ${i} -> U+${c.charCodeAt(0).toString(16)}`);
          break;
        }
        case 1:
          text = text.slice(0, i) + text.slice(j);
          mutations.push(`delete ${i}..${j}`);
          break;
        case 2: {
          const k = at(text);
          text = text.slice(0, k) + text.slice(i, j) + text.slice(k);
          mutations.push(`copy ${i}..${j} to ${k}`);
          break;
        }
        case 3:
          text = text.slice(0, i);
          mutations.push(`truncate at ${i}`);
          break;
        case 4:
        case 5: {
          const tok = pick(opts.tokens);
          text = text.slice(0, i) + tok + text.slice(i);
          mutations.push(`insert ${JSON.stringify(tok).slice(0, 40)} at ${i}`);
          break;
        }
        case 6: {
          if (!opts.nest) break;
          const depth = 1 + Math.floor(rnd() * (opts.maxNest ?? 300));
          text = text.slice(0, i) + opts.nest[0].repeat(depth) + text.slice(i, j) + opts.nest[1].repeat(depth) + text.slice(j);
          mutations.push(`nest ${i}..${j} ${depth} deep`);
          break;
        }
        default: {
          const other = pick(seeds);
          const a = at(other);
          const piece = other.slice(a, a + Math.floor(rnd() * 400));
          text = text.slice(0, i) + piece + text.slice(i);
          mutations.push(`splice ${piece.length} chars of a seed at ${i}`);
        }
      }
    }
    yield { index, seed, text, mutations };
  }
}

/** A failure message that replays the case. */
export function describeFuzzCase(c: FuzzCase, what: string): string {
  return `fuzz case ${c.index} (seed 0x${c.seed.toString(16)}): ${what}\n  mutations: ${c.mutations.join('; ')}\n  text (first 300): ${JSON.stringify(c.text.slice(0, 300))}`;
}

/**
 * Just enough of bash's lexer to say where a position of a fix script is:
 * unquoted, between single or double quotes, in `$'…'`, in a comment, in a
 * here-document body (quoted delimiter or not), or inside an expansion
 * (`${…}`, `$((…))`, backticks) or right after a `$` or a backslash, where
 * no quoting of ours can be trusted. `$(…)` is a nested script and lexed as
 * one. The bash generator (./bash.ts) uses it to quote each `<sub>` value
 * for the place it lands in, and to check that the quoted value leaves the
 * lexer where it found it.
 */

export type ShellContextKind = 'plain' | 'single' | 'double' | 'ansi-c' | 'comment' | 'heredoc' | 'heredoc-quoted' | 'expansion';

interface Frame {
  kind: 'plain' | 'single' | 'double' | 'ansi-c' | 'comment' | 'heredoc' | 'backtick' | 'param' | 'arith';
  /** plain: closed by `)` (a `$(…)`), with its open parentheses; param/arith: nesting depth. */
  closes?: boolean;
  depth?: number;
  /** heredoc: the delimiter, whether it was quoted, whether `<<-` strips leading tabs, the body line so far. */
  delimiter?: string;
  quoted?: boolean;
  stripTabs?: boolean;
  line?: string;
  /** heredoc: the value (by its index) whose characters are on the body line so far. */
  touched?: number;
}

interface PendingHeredoc {
  readonly delimiter: string;
  readonly quoted: boolean;
  readonly stripTabs: boolean;
}

const WORD_START = /[\s;&|()<>]/;

export class ShellLexer {
  private stack: Frame[] = [{ kind: 'plain' }];
  private pending: PendingHeredoc[] = [];
  /** A backslash waiting for the character it escapes. */
  private escape = false;
  /** The previous character in the current frame ('' at its start). */
  private prev = '';
  /** Text held back because a construct (`$(`, `<<-EOF`) may continue in the next piece. */
  private held = '';
  /** Here-documents ended so far. */
  heredocsEnded = 0;
  /** The value being fed (feedValue), by index. */
  private value: number | undefined;
  /** A here-document ended on a line that a value wrote to: that value, by index. */
  valueEndedHeredoc: number | undefined;

  private get top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  /** Where the next character lands. */
  context(): ShellContextKind {
    const f = this.top;
    if (this.escape || this.held) return 'expansion';
    switch (f.kind) {
      case 'plain':
        return this.prev === '$' ? 'expansion' : 'plain';
      case 'double':
        return this.prev === '$' ? 'expansion' : 'double';
      case 'heredoc':
        return f.quoted ? 'heredoc-quoted' : this.prev === '$' ? 'expansion' : 'heredoc';
      case 'single':
      case 'ansi-c':
      case 'comment':
        return f.kind;
      default:
        return 'expansion';
    }
  }

  /**
   * The lexer's state, to compare before and after a value: the open
   * constructs and the here-documents waiting or ended (not a pending
   * backslash or held `$`: only a plain word may follow those, and it closes nothing).
   */
  state(): string {
    const frames = this.stack.map(({ line: _line, touched: _touched, ...f }) => f);
    return JSON.stringify([frames, this.pending, this.heredocsEnded]);
  }

  /** Reads a value (quoted as it is written), marking the here-document lines it writes to. */
  feedValue(text: string, index: number): void {
    this.value = index;
    try {
      this.feed(text);
    } finally {
      this.value = undefined;
    }
  }

  feed(text: string): void {
    const s = this.held + text;
    this.held = '';
    let i = 0;
    while (i < s.length) {
      const used = this.step(s, i);
      if (used === 0) {
        // The construct at i needs more text to be read; keep it for the next piece.
        this.held = s.slice(i);
        return;
      }
      i += used;
    }
  }

  /** Ends the input: a construct held back is read as it stands. */
  end(): void {
    const s = this.held;
    this.held = '';
    let i = 0;
    while (i < s.length) i += this.step(s, i, true);
  }

  /** Reads one construct at s[i]; returns how many characters it used, 0 if it needs more text. */
  private step(s: string, i: number, final = false): number {
    const f = this.top;
    const c = s[i]!;
    if (this.escape) {
      this.escape = false;
      if (f.kind === 'heredoc') {
        f.line += c === '\n' ? '' : c;
        if (this.value !== undefined) f.touched = this.value;
      }
      this.prev = '\\' + c;
      return 1;
    }
    switch (f.kind) {
      case 'single':
        if (c === "'") this.pop();
        else this.prev = c;
        return 1;
      case 'ansi-c':
        if (c === '\\') this.escape = true;
        else if (c === "'") this.pop();
        else this.prev = c;
        return 1;
      case 'comment':
        if (c === '\n') {
          this.pop();
          return this.step(s, i, final);
        }
        this.prev = c;
        return 1;
      case 'heredoc':
        return this.heredocStep(f, s, i, final);
      case 'backtick':
        if (c === '\\') this.escape = true;
        else if (c === '`') this.pop();
        else this.prev = c;
        return 1;
      case 'double':
        if (c === '"') {
          this.pop();
          return 1;
        }
        return this.expansionStep(s, i, final);
      case 'param':
        if (c === '}') {
          if (f.depth! === 0) this.pop();
          else f.depth!--;
          return 1;
        }
        if (c === '{') f.depth!++;
        if (c === "'") return this.push({ kind: 'single' }, 1);
        if (c === '"') return this.push({ kind: 'double' }, 1);
        return this.expansionStep(s, i, final);
      case 'arith':
        if (c === ')' && s[i + 1] === ')' && f.depth! === 0) {
          this.pop();
          return 2;
        }
        if (c === ')' && i + 1 >= s.length && !final && f.depth! === 0) return 0;
        if (c === '(') f.depth!++;
        if (c === ')') f.depth!--;
        return this.expansionStep(s, i, final);
      case 'plain':
        return this.plainStep(f, s, i, final);
    }
  }

  private push(frame: Frame, used: number): number {
    this.stack.push(frame);
    this.prev = '';
    return used;
  }

  private pop(): void {
    if (this.stack.length > 1) this.stack.pop();
    this.prev = ')';
  }

  /** `\`, `$(`, `$((`, `${`, `` ` `` and `$'`: what opens inside double quotes and unquoted text alike. */
  private expansionStep(s: string, i: number, final: boolean): number {
    const c = s[i]!;
    const f = this.top;
    if (c === '\\') {
      this.escape = true;
      return 1;
    }
    if (c === '`') return this.push({ kind: 'backtick' }, 1);
    if (c === '$') {
      if (i + 1 >= s.length && !final) return 0;
      const n = s[i + 1];
      if (n === '{') return this.push({ kind: 'param', depth: 0 }, 2);
      if (n === '(') {
        if (i + 2 >= s.length && !final) return 0;
        if (s[i + 2] === '(') return this.push({ kind: 'arith', depth: 0 }, 3);
        return this.push({ kind: 'plain', closes: true, depth: 0 }, 2);
      }
      if (n === "'" && f.kind === 'plain') return this.push({ kind: 'ansi-c' }, 2);
    }
    this.prev = c;
    return 1;
  }

  private plainStep(f: Frame, s: string, i: number, final: boolean): number {
    const c = s[i]!;
    if (c === "'") return this.push({ kind: 'single' }, 1);
    if (c === '"') return this.push({ kind: 'double' }, 1);
    if (c === '#' && (this.prev === '' || WORD_START.test(this.prev))) return this.push({ kind: 'comment' }, 1);
    if (c === '(' && f.closes) f.depth!++;
    if (c === ')' && f.closes) {
      if (f.depth! === 0) {
        this.pop();
        return 1;
      }
      f.depth!--;
    }
    if (c === '\n' && this.pending.length) {
      const h = this.pending.shift()!;
      this.prev = '\n';
      return this.push({ kind: 'heredoc', delimiter: h.delimiter, quoted: h.quoted, stripTabs: h.stripTabs, line: '' }, 1);
    }
    if (c === '<' && s[i + 1] === '<') {
      const m = /^<<(<?)(-?)[ \t]*((?:'[^'\n]*'|"[^"\n]*"|\\?[^\s;&|()<>'"]+)+)?/.exec(s.slice(i));
      const rest = s.slice(i + m![0].length);
      // The delimiter word may go on in the next piece; wait for a character that ends it.
      if (!final && (rest === '' || m![0].length < 3)) return 0;
      if (m![1] === '<' || !m![3]) {
        this.prev = '<';
        return m![1] === '<' ? 3 : 2;
      }
      const word = m![3];
      const quoted = /['"\\]/.test(word);
      this.pending.push({ delimiter: word.replace(/['"\\]/g, ''), quoted, stripTabs: m![2] === '-' });
      this.prev = 'x';
      return m![0].length;
    }
    return this.expansionStep(s, i, final);
  }

  private heredocStep(f: Frame, s: string, i: number, final: boolean): number {
    const c = s[i]!;
    if (c === '\n') {
      const line = f.stripTabs ? f.line!.replace(/^\t+/, '') : f.line!;
      if (line === f.delimiter) {
        if (f.touched !== undefined) this.valueEndedHeredoc ??= f.touched;
        this.stack.pop();
        this.heredocsEnded++;
        const h = this.pending.shift();
        if (h) this.stack.push({ kind: 'heredoc', delimiter: h.delimiter, quoted: h.quoted, stripTabs: h.stripTabs, line: '' });
      } else {
        f.line = '';
        f.touched = undefined;
      }
      this.prev = '\n';
      return 1;
    }
    if (!f.quoted && (c === '\\' || c === '`' || c === '$')) {
      const before = this.stack.length;
      const used = this.expansionStep(s, i, final);
      if (used && this.stack.length === before) {
        f.line += s.slice(i, i + used);
        if (this.value !== undefined) f.touched = this.value;
      }
      return used;
    }
    f.line += c;
    if (this.value !== undefined) f.touched = this.value;
    this.prev = c;
    return 1;
  }
}

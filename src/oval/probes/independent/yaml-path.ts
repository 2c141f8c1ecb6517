/**
 * YAML Path as OpenSCAP 1.3.7 reads it: a port of yaml-filter's
 * src/yaml-path.c (github.com/OpenSCAP/yaml-filter, commit 62bb519, the
 * submodule OpenSCAP 1.3.7 builds). A path is parsed into sections, and the
 * filter then lets through the events of a libyaml-style event stream that
 * the path selects. yamlfilecontent_probe.c builds its records from exactly
 * those events, so the filter is ported as is, quirks included.
 *
 * Syntax: `$` root, `&anchor` first, `.key`, `['key']` / `["key"]`,
 * `['a','b']` (key selection), `.*` / `[*]` (every key), `[n]` (index),
 * `[n,m]` (index set), `[:]` (every index); a path may start with a bare key.
 */

export type YamlEventType =
  | 'STREAM_START'
  | 'STREAM_END'
  | 'DOCUMENT_START'
  | 'DOCUMENT_END'
  | 'MAPPING_START'
  | 'MAPPING_END'
  | 'SEQUENCE_START'
  | 'SEQUENCE_END'
  | 'SCALAR'
  | 'ALIAS';

/** A libyaml parser event, reduced to what yaml-path and the probe read. */
export interface YamlEvent {
  readonly type: YamlEventType;
  readonly anchor?: string;
  /** Explicit tag, resolved (`!!int` → `tag:yaml.org,2002:int`); absent when none was written. */
  readonly tag?: string;
  /** Scalar value. */
  readonly value?: string;
  /** Scalar style is plain. */
  readonly plain?: boolean;
}

type SectionType = 'root' | 'anchor' | 'index' | 'set' | 'key' | 'selection';
type NodeType = 'none' | 'mapping' | 'sequence';

interface Section {
  readonly type: SectionType;
  /** 1-based position in the path. */
  readonly level: number;
  readonly anchor?: string;
  readonly index?: number;
  /** Index set; empty means every index (`[:]`). */
  readonly set?: readonly number[];
  readonly key?: string;
  /** Key selection; empty means every key (`.*`, `[*]`). */
  readonly selection?: readonly string[];
  nodeType: NodeType;
  counter: number;
  valid: boolean;
  nextValid: boolean;
}

export type FilterResult = 'out' | 'in' | 'in-dangling-key';

const MAX_SECTION_ITEMS = 256;

class PathError extends Error {}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';

/** strtoul(s + i, &end, 10): the value and where it stopped (at `i` when nothing was read). */
function strtoul(s: string, i: number): { value: number; end: number } {
  let j = i;
  while (isSpace(s[j])) j++;
  let neg = false;
  if (s[j] === '+' || s[j] === '-') {
    neg = s[j] === '-';
    j++;
  }
  const start = j;
  let v = 0n;
  while (j < s.length && s[j]! >= '0' && s[j]! <= '9') {
    v = v * 10n + BigInt(s.charCodeAt(j) - 48);
    j++;
  }
  if (j === start) return { value: 0, end: i };
  const MAX = (1n << 64n) - 1n;
  if (v > MAX) v = MAX;
  else if (neg) v = BigInt.asUintN(64, -v);
  return { value: Number(v), end: j };
}

/** A parsed YAML Path and its filter state. One per file read. */
export class YamlPath {
  private readonly sections: Section[] = [];
  private currentLevel = 0;
  private startLevel = 0;

  private constructor() {}

  /** Parses `text`; returns the path or yaml-path's error message. */
  static parse(text: string | undefined): YamlPath | { error: string } {
    const p = new YamlPath();
    try {
      p.parseImpl(text);
    } catch (e) {
      if (e instanceof PathError) return { error: e.message };
      throw e;
    }
    return p;
  }

  private add(type: SectionType, data: Partial<Pick<Section, 'anchor' | 'index' | 'set' | 'key' | 'selection'>> = {}): void {
    this.sections.push({ type, level: this.sections.length + 1, ...data, nodeType: 'none', counter: 0, valid: false, nextValid: false });
  }

  private parseImpl(s: string | undefined): void {
    if (s === undefined || s === '') throw new PathError('Path string is NULL or empty');
    const at = (i: number): string | undefined => (i < s.length ? s[i] : undefined);
    let sp = 0;
    while (sp < s.length) {
      const c = s[sp]!;
      if (c === '.' || c === '[') {
        if (this.sections.length === 0) this.add('root');
        if (c === '.') {
          let spe = sp + 1;
          if (at(spe) === '*') {
            this.add('selection', { selection: [] });
            while (spe < s.length && s[spe] !== '.' && s[spe] !== '[') spe++;
          } else {
            while (spe < s.length && s[spe] !== '.' && s[spe] !== '[') spe++;
            if (spe === sp + 1) throw new PathError('Segment key is missing');
            this.add('key', { key: s.slice(sp + 1, spe) });
          }
          sp = spe - 1;
        } else {
          let spe = sp + 1;
          if (at(spe) === '*' && at(spe + 1) === ']') {
            this.add('selection', { selection: [] });
            sp = spe + 1;
          } else if (at(spe) === "'" || at(spe) === '"') {
            const keys: string[] = [];
            sp = spe;
            while (spe < s.length && s[spe] !== ']') {
              if (keys.length >= MAX_SECTION_ITEMS) throw new PathError(`Segment keys selection has reached the limit of keys: ${MAX_SECTION_ITEMS}`);
              const quote = s[spe];
              spe++;
              while (spe < s.length && s[spe] !== quote) spe++;
              if (spe >= s.length) throw new PathError('Segment key is invalid (unexpected end of string, missing closing quotation mark)');
              if (spe === sp + 1) throw new PathError('Segment key is missing');
              spe++;
              if (spe >= s.length) throw new PathError("Segment key is invalid (unexpected end of string, missing ']')");
              if (s[spe] === ']') {
                keys.push(s.slice(sp + 1, spe - 1));
              } else if (s[spe] === ',') {
                spe++;
                if (at(spe) !== "'" && at(spe) !== '"') throw new PathError('Segment keys selection is invalid (invalid character)');
                keys.push(s.slice(sp + 1, spe - 2));
                sp = spe;
              } else {
                throw new PathError('Segment key is invalid (invalid character)');
              }
            }
            if (keys.length === 1) this.add('key', { key: keys[0]! });
            else if (keys.length > 1) this.add('selection', { selection: keys });
            sp = spe;
          } else if (at(spe) === ':' && at(spe + 1) === ']') {
            this.add('set', { set: [] });
            sp = spe + 1;
          } else {
            while (at(spe) === ' ' || at(spe) === '\t') spe++;
            if (at(spe) === '-') throw new PathError('Segment index is invalid (negative number)');
            let r = strtoul(s, spe);
            let idx = r.value;
            spe = r.end;
            if (at(spe) === ']') {
              this.add('index', { index: idx });
              sp = spe;
            } else if (at(spe) === ',') {
              const indices: number[] = [];
              while (at(spe) === ',' && spe > sp + 1) {
                if (indices.length >= MAX_SECTION_ITEMS) throw new PathError(`Segment indices set has reached the limit of indices: ${MAX_SECTION_ITEMS}`);
                sp = spe++;
                indices.push(idx);
                while (at(spe) === ' ' || at(spe) === '\t') spe++;
                if (at(spe) === '-') throw new PathError('Segment set index is invalid (negative number)');
                r = strtoul(s, spe);
                idx = r.value;
                spe = r.end;
              }
              if (at(spe) === ']' && spe > sp + 1) {
                indices.push(idx);
                this.add('set', { set: indices });
                sp = spe;
              } else {
                throw new PathError('Segment set is invalid (invalid character)');
              }
            } else if (spe >= s.length) {
              throw new PathError("Segment index is invalid (unexpected end of string, missing ']')");
            } else {
              throw new PathError('Segment index is invalid (invalid character)');
            }
          }
        }
      } else if (c === '&') {
        if (this.sections.length !== 0) throw new PathError('Anchor segment is only allowed at the beginning of the path');
        let spe = sp + 1;
        while (spe < s.length && s[spe] !== '.' && s[spe] !== '[') spe++;
        if (spe - sp <= 1) throw new PathError('Segment anchor is invalid (empty)');
        this.add('anchor', { anchor: s.slice(sp + 1, spe) });
        sp = spe - 1;
      } else if (c === '$') {
        if (this.sections.length !== 0) throw new PathError('Root segment is only allowed at the beginning of the path');
        this.add('root');
      } else if (this.sections.length === 0) {
        // a bare key at the start: an implicit root
        let spe = sp + 1;
        while (spe < s.length && s[spe] !== '.' && s[spe] !== '[') spe++;
        this.add('root');
        this.add('key', { key: s.slice(sp, spe) });
        sp = spe - 1;
      }
      sp++;
    }
    if (this.sections.length === 0) throw new PathError('Invalid, empty or meaningless path');
  }

  // ----------------------------------------------------------------- filter

  private sectionAt(level: number): Section | undefined {
    return level >= 1 ? this.sections[level - 1] : undefined;
  }

  private current(): Section | undefined {
    if (!this.startLevel) return undefined;
    return this.sectionAt(this.currentLevel - this.startLevel + 1);
  }

  private currentIsLast(): boolean {
    const sec = this.current();
    return sec !== undefined && sec.level === this.sections.length;
  }

  private prevAreValid(): boolean {
    const limit = this.currentLevel - this.startLevel + 1;
    let valid = true;
    for (const el of this.sections) if (el.level < limit) valid = el.valid && valid;
    return valid;
  }

  private isValid(): boolean {
    return this.sections.every((s) => s.valid);
  }

  private static mandatoryContainer(sec: Section): boolean {
    return (sec.type === 'selection' && sec.nodeType === 'mapping') || (sec.type === 'set' && sec.nodeType === 'sequence');
  }

  /** yaml_path_filter_event: whether `event` is part of what the path selects. */
  filter(event: YamlEvent): FilterResult {
    if (this.sections.length === 0) return 'out';
    let res: FilterResult = 'out';
    const anchor = event.type === 'MAPPING_START' || event.type === 'SEQUENCE_START' || event.type === 'SCALAR' ? event.anchor : undefined;
    const first = this.sections[0]!;
    if (!this.startLevel) {
      if (first.type === 'root') {
        if (event.type === 'DOCUMENT_START') {
          this.startLevel = 1;
          first.valid = true;
        }
      } else if (first.type === 'anchor') {
        if (anchor !== undefined && first.anchor === anchor) this.startLevel = this.currentLevel;
      }
    }

    let cur = this.current();
    if (cur) {
      switch (event.type) {
        case 'DOCUMENT_START':
        case 'MAPPING_START':
        case 'SEQUENCE_START':
        case 'ALIAS':
        case 'SCALAR':
          switch (cur.nodeType) {
            case 'none':
              if (cur.type === 'anchor') cur.valid = anchor !== undefined && cur.anchor === anchor;
              break;
            case 'mapping': {
              // yaml-path reads the scalar value whatever the event; other events never match a key
              const value = event.type === 'SCALAR' ? event.value : undefined;
              if (cur.type === 'key') {
                if (cur.counter % 2) {
                  cur.valid = cur.nextValid;
                  cur.nextValid = false;
                } else {
                  cur.nextValid = value !== undefined && cur.key === value;
                  cur.valid = false;
                }
              } else if (cur.type === 'selection') {
                if (cur.counter % 2) {
                  cur.valid = cur.nextValid;
                  cur.nextValid = false;
                } else {
                  cur.nextValid = cur.selection!.length === 0 || (value !== undefined && cur.selection!.includes(value));
                  cur.valid = cur.nextValid;
                }
              } else {
                cur.valid = false;
              }
              break;
            }
            case 'sequence':
              if (cur.type === 'index') cur.valid = cur.index === cur.counter;
              else if (cur.type === 'set') cur.valid = cur.set!.length === 0 || cur.set!.includes(cur.counter);
              else cur.valid = false;
              break;
          }
          cur.counter++;
          break;
        default:
          break;
      }
    }

    switch (event.type) {
      case 'STREAM_START':
      case 'STREAM_END':
        res = 'in';
        break;
      case 'DOCUMENT_START':
        if (this.startLevel === 1) this.currentLevel++;
        res = 'in';
        break;
      case 'DOCUMENT_END':
        if (this.startLevel === 1) this.currentLevel--;
        res = 'in';
        break;
      case 'MAPPING_START':
      case 'SEQUENCE_START':
        if (cur) {
          if (this.currentIsLast() && this.isValid()) res = 'in';
        } else if (this.currentLevel > this.startLevel && this.isValid()) {
          res = 'in';
        }
        this.currentLevel++;
        cur = this.current();
        if (cur) {
          cur.nodeType = event.type === 'MAPPING_START' ? 'mapping' : 'sequence';
          cur.counter = 0;
          if (YamlPath.mandatoryContainer(cur) && this.prevAreValid()) res = 'in';
        }
        break;
      case 'MAPPING_END':
      case 'SEQUENCE_END':
        if (cur && YamlPath.mandatoryContainer(cur) && this.prevAreValid()) res = 'in';
        this.currentLevel--;
        cur = this.current();
        if (cur) {
          if (this.currentIsLast() && this.isValid()) res = 'in';
        } else if (this.currentLevel > this.startLevel && this.isValid()) {
          res = 'in';
        }
        break;
      case 'ALIAS':
      case 'SCALAR':
        if (!cur) {
          if (this.currentLevel >= this.startLevel && this.isValid()) res = 'in';
        } else {
          if (this.currentIsLast() && this.isValid()) res = 'in';
          if (cur.valid && cur.nodeType === 'mapping' && cur.counter % 2 && YamlPath.mandatoryContainer(cur) && this.prevAreValid()) res = 'in-dangling-key';
        }
        break;
    }
    return res;
  }
}

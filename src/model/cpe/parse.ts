import { ContentError } from '../errors.js';
import { childNamed, childrenNamed, elements, locationOf, requireAttr as required, textOf, type XmlElement } from '../xml/element.js';
import { CAPTURE, SKIP, type FrameHandler } from '../xml/stream.js';
import { CPE_DICT_NS, CPE_LANG_NS, type CpeDictionary, type CpeItem, type LogicalTest, type Platform } from './types.js';

/** Streams a cpe-list element: one captured subtree per cpe-item. */
export function cpeListHandler(file: string, done: (dict: CpeDictionary) => void): FrameHandler {
  const items: CpeItem[] = [];
  return {
    child: (tag) => (tag.ns === CPE_DICT_NS && tag.name === 'cpe-item' ? CAPTURE : SKIP),
    captured: (el) => items.push(parseCpeItem(el, file)),
    close: () => done({ kind: 'cpe-dictionary', items }),
  };
}

function parseCpeItem(el: XmlElement, file: string): CpeItem {
  const name = required(el, 'name', file);
  const title = childNamed(el, 'title', CPE_DICT_NS);
  return {
    name,
    title: title ? textOf(title).trim() : '',
    deprecated: el.attrs['deprecated'] === 'true',
    checks: childrenNamed(el, 'check', CPE_DICT_NS).map((c) => ({
      system: c.attrs['system'] ?? '',
      href: c.attrs['href'] ?? '',
      id: textOf(c).trim(),
    })),
    location: locationOf(el, file),
  };
}

export function parsePlatform(el: XmlElement, file: string): Platform {
  const id = required(el, 'id', file);
  const test = childNamed(el, 'logical-test', CPE_LANG_NS);
  if (!test) {
    throw new ContentError('missing-attribute', `platform "${id}" has no logical-test`, locationOf(el, file));
  }
  const title = childNamed(el, 'title', CPE_LANG_NS);
  return {
    id,
    ...(title ? { title: textOf(title).trim() } : {}),
    test: parseLogicalTest(test, file),
    location: locationOf(el, file),
  };
}

function parseLogicalTest(el: XmlElement, file: string): LogicalTest {
  const op = (el.attrs['operator'] ?? 'AND').toUpperCase();
  if (op !== 'AND' && op !== 'OR') {
    throw new ContentError('invalid-value', `logical-test operator "${op}" is not AND or OR`, locationOf(el, file));
  }
  const children: Array<LogicalTest['children'][number]> = [];
  for (const c of elements(el)) {
    if (c.ns !== CPE_LANG_NS) continue;
    if (c.name === 'logical-test') children.push(parseLogicalTest(c, file));
    else if (c.name === 'fact-ref') children.push({ kind: 'fact-ref', name: required(c, 'name', file) });
    else if (c.name === 'check-fact-ref') {
      children.push({
        kind: 'check-fact-ref',
        system: c.attrs['system'] ?? '',
        href: c.attrs['href'] ?? '',
        idRef: required(c, 'id-ref', file),
      });
    }
  }
  return { kind: 'logical-test', operator: op, negate: el.attrs['negate'] === 'true', children };
}

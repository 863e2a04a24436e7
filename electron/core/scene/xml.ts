import { XMLParser } from 'fast-xml-parser';
import { S2Error } from '../errors.js';

/** A parsed XML element: child elements by local name, attributes as '@_name', text as '#text'. */
export type XmlNode = { readonly [key: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

// Values stay strings: '05.10' must not become the number 5.1, nor '0510' lose its zero.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

/** Parses an XML document; `file` names it in the error when it is not well-formed. */
export function parseXml(text: string, file: string): XmlNode {
  let doc: unknown;
  try {
    doc = parser.parse(text, true);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new S2Error('BAD_METADATA', `${file} is not valid XML: ${why}`, { file, cause: err });
  }
  if (!isNode(doc)) throw new S2Error('BAD_METADATA', `${file} is empty or not XML.`, { file });
  return doc;
}

export function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The document element: its local name and node (skips the '?xml' declaration). */
export function rootElement(doc: XmlNode): { name: string; node: XmlNode } | null {
  for (const [name, v] of Object.entries(doc)) {
    if (name.startsWith('?') || name.startsWith('@_') || name === '#text') continue;
    const first = Array.isArray(v) ? v[0] : v;
    return { name, node: isNode(first) ? first : {} };
  }
  return null;
}

/** All children called `name`, as element nodes (text-only elements become {'#text': ...}). */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const v = node?.[name];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (isNode(x) ? x : { '#text': typeof x === 'string' ? x : '' }));
}

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return children(node, name)[0];
}

/** Follows a path of child names, taking the first match at each step. */
export function at(node: XmlNode | undefined, ...path: string[]): XmlNode | undefined {
  let cur = node;
  for (const name of path) cur = child(cur, name);
  return cur;
}

/** Text content of an element ('' when absent or empty). */
export function text(node: XmlNode | undefined): string {
  if (node === undefined) return '';
  const t = node['#text'];
  return typeof t === 'string' ? t.trim() : '';
}

export function attr(node: XmlNode | undefined, name: string): string | undefined {
  const v = node?.[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
}

/** Every descendant element called `name`, depth first, in document order. */
export function descendants(node: XmlNode | undefined, name: string, out: XmlNode[] = []): XmlNode[] {
  if (node === undefined) return out;
  for (const [key, v] of Object.entries(node)) {
    if (key.startsWith('@_') || key === '#text') continue;
    const list = Array.isArray(v) ? v : [v];
    for (const item of list) {
      if (key === name) out.push(isNode(item) ? item : { '#text': typeof item === 'string' ? item : '' });
      if (isNode(item)) descendants(item, name, out);
    }
  }
  return out;
}

/** Text of the first descendant called `name`, or '' (for fields whose parent differs between formats). */
export function findText(node: XmlNode | undefined, name: string): string {
  return text(descendants(node, name)[0]);
}

/** A finite number from text, or null. */
export function toNumber(s: string): number | null {
  if (s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

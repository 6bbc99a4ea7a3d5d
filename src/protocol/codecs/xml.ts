/**
 * Shape-driven XML, shared by the awsQuery (responses) and restXml codecs: member names from
 * `locationName`, wrapped or flattened lists and maps, attributes, namespaces; and parsing of
 * request documents back into input objects.
 */
import { createRequire } from 'node:module';
import type { XMLParser } from 'fast-xml-parser';
import type { ServiceModel, Shape } from '../model.js';
import { formatScalar, formatTimestamp, memberPath, parseScalar, setEntry, WireError } from '../wire.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped here.
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b-\u001f]/;

/** The reference for a character that must be escaped, or undefined for one that need not be. */
function reference(code: number): string | undefined {
  switch (code) {
    case 38:
      return '&amp;';
    case 60:
      return '&lt;';
    case 62:
      return '&gt;';
    case 34:
      return '&quot;';
    case 39:
      return '&apos;';
    default:
      return code < 32 && code !== 9 && code !== 10 ? `&#x${code.toString(16).toUpperCase()};` : undefined;
  }
}

/** Escapes markup, and control characters as character references (as S3 does for object keys). */
export function escapeXml(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  // Pieces between the escaped characters: a replace calling back per match cost four times as
  // much for the text most often escaped, an ETag's two quotes.
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const escaped = reference(text.charCodeAt(i));
    if (escaped === undefined) continue;
    out += text.slice(from, i) + escaped;
    from = i + 1;
  }
  return out + text.slice(from);
}

/** Renders one value as an element whose name and attributes were fixed when it was compiled; empty for undefined or null. */
type ElementWriter = (value: unknown) => string;

/**
 * Element writers by shape, then by tag (name and attribute text), compiled on first use: a document
 * repeats the same elements (a 1,000-key listing), and resolving members, names, namespaces and tags
 * once rather than once per element makes a large document several times faster.
 */
const writers = new WeakMap<Shape, Map<string, ElementWriter>>();

/** Renders `value` as the element `name`; `extraAttrs` is raw attribute text (e.g. xmlns). */
export function writeXml(model: ServiceModel, shape: Shape, value: unknown, name: string, extraAttrs = ''): string {
  return elementWriter(model, shape, name, extraAttrs)(value);
}

function elementWriter(model: ServiceModel, shape: Shape, name: string, attrs: string): ElementWriter {
  let byTag = writers.get(shape);
  if (!byTag) {
    byTag = new Map();
    writers.set(shape, byTag);
  }
  const tag = `${name}${attrs}`;
  let writer = byTag.get(tag);
  if (!writer) {
    writer = compileElement(model, shape, name, attrs);
    byTag.set(tag, writer);
  }
  return writer;
}

function compileElement(model: ServiceModel, shape: Shape, name: string, attrs: string): ElementWriter {
  const open = `<${name}${attrs}>`;
  const close = `</${name}>`;
  switch (shape.type) {
    case 'structure':
      return structureElement(model, shape, name, attrs);
    case 'list': {
      const item = model.member(shape.member!);
      const writeItems = itemsWriter(model, item, item.locationName ?? 'member');
      return (value) => (value === undefined || value === null ? '' : open + writeItems(value as unknown[]) + close);
    }
    case 'map': {
      const writeEntries = mapEntriesWriter(model, shape, 'entry');
      return (value) => (value === undefined || value === null ? '' : open + writeEntries(value as Record<string, unknown>) + close);
    }
    case 'timestamp': {
      // A formatted timestamp holds nothing to escape (digits, letters, '-', ':', '.', ',' and spaces).
      const format = shape.timestampFormat ?? 'iso8601';
      return (value) => (value === undefined || value === null ? '' : open + formatTimestamp(value, format) + close);
    }
    case 'blob':
    case 'boolean':
      return (value) => (value === undefined || value === null ? '' : open + escapeXml(formatScalar(shape, value, 'iso8601')) + close);
    default:
      // Strings and numbers: formatScalar would answer a string as it is.
      return (value) => (value === undefined || value === null ? '' : open + escapeXml(typeof value === 'string' ? value : formatScalar(shape, value, 'iso8601')) + close);
  }
}

/** A structure member: written as an attribute of the structure's element, or as child elements. */
interface MemberWriter {
  name: string;
  attribute?: (value: unknown) => string;
  elements?: (value: unknown) => string;
}

/**
 * A structure's members are worked out on its first value rather than when it is compiled: a
 * recursive shape reaches itself then only as deep as a value goes, and every member's writer is
 * then called directly.
 */
function structureElement(model: ServiceModel, shape: Shape, name: string, attrs: string): ElementWriter {
  let members: MemberWriter[] | undefined;
  const open = `<${name}${attrs}>`;
  const close = `</${name}>`;
  return (value) => {
    if (value === undefined || value === null) return '';
    members ??= memberWriters(model, shape);
    const obj = value as Record<string, unknown>;
    let valueAttrs = '';
    let children = '';
    for (const member of members) {
      const v = obj[member.name];
      if (v === undefined || v === null) continue;
      if (member.attribute) valueAttrs += member.attribute(v);
      else children += member.elements!(v);
    }
    return (valueAttrs ? `<${name}${attrs}${valueAttrs}>` : open) + children + close;
  };
}

function memberWriters(model: ServiceModel, shape: Shape): MemberWriter[] {
  const members: MemberWriter[] = [];
  for (const { name: memberName, shape: member } of model.fields(shape)) {
    if (member.location) continue; // headers, status codes: not part of the document
    const childName = member.locationName ?? memberName;
    if (member.xmlAttribute) {
      members.push({ name: memberName, attribute: (v) => ` ${childName}="${escapeXml(formatScalar(member, v, 'iso8601'))}"` });
    } else if (member.type === 'list' && member.flattened) {
      const item = model.member(member.member!);
      const writeItems = itemsWriter(model, item, member.locationName ?? item.locationName ?? childName);
      members.push({ name: memberName, elements: (v) => writeItems(v as unknown[]) });
    } else if (member.type === 'map' && member.flattened) {
      const writeEntries = mapEntriesWriter(model, member, childName);
      members.push({ name: memberName, elements: (v) => writeEntries(v as Record<string, unknown>) });
    } else {
      const ns = member.xmlNamespace ? ` xmlns${member.xmlNamespace.prefix ? `:${member.xmlNamespace.prefix}` : ''}="${member.xmlNamespace.uri}"` : '';
      members.push({ name: memberName, elements: elementWriter(model, member, childName, ns) });
    }
  }
  return members;
}

/** The items of a list, each as the element `itemName` (wrapped in the list's element or flattened into its parent). */
function itemsWriter(model: ServiceModel, item: Shape, itemName: string): (values: unknown[]) => string {
  const writeItem = elementWriter(model, item, itemName, '');
  return (values) => {
    let out = '';
    for (const v of values) out += writeItem(v);
    return out;
  };
}

/** Map entries as `entryName` elements (`<entry>` of a wrapped map, or the repeated elements of a flattened one). */
function mapEntriesWriter(model: ServiceModel, map: Shape, entryName: string): (value: Record<string, unknown>) => string {
  const keyShape = model.member(map.key!);
  const valueShape = model.member(map.value!);
  const writeKey = elementWriter(model, keyShape, keyShape.locationName ?? 'key', '');
  const writeValue = elementWriter(model, valueShape, valueShape.locationName ?? 'value', '');
  const open = `<${entryName}>`;
  const close = `</${entryName}>`;
  return (value) => {
    let out = '';
    for (const [k, v] of Object.entries(value)) out += open + writeKey(k) + writeValue(v) + close;
    return out;
  };
}

// Built on first use: only request bodies in XML need it, and loading the parser costs start-up time.
let parser: XMLParser | undefined;
function newParser(): XMLParser {
  const { XMLParser: Parser } = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');
  return new Parser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    ignoreDeclaration: true,
    removeNSPrefix: true,
    processEntities: true,
    htmlEntities: false,
    isArray: () => true,
  });
}

export type XmlNode = Record<string, unknown>;

/** Parses a document; returns the root element's name and node. Throws on malformed XML. */
export function parseXmlDocument(text: string): { name: string; node: unknown } {
  parser ??= newParser();
  const doc = parser.parse(text, true) as Record<string, unknown[]>;
  const roots = Object.entries(doc).filter(([k]) => !k.startsWith('?') && k !== '#text');
  if (roots.length !== 1) throw new WireError('', 'The XML you provided was not well-formed or did not validate against our published schema');
  const [name, nodes] = roots[0];
  return { name, node: nodes[0] };
}

function textOf(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string') return node;
  if (typeof node === 'object') {
    const text = (node as XmlNode)['#text'];
    if (Array.isArray(text)) return text.join('');
    if (typeof text === 'string') return text;
    return '';
  }
  return String(node);
}

function children(node: unknown, name: string): unknown[] {
  if (!node || typeof node !== 'object') return [];
  const found = (node as XmlNode)[name];
  return Array.isArray(found) ? found : found === undefined ? [] : [found];
}

/** Converts a parsed element into a value of `shape`. */
export function readXml(model: ServiceModel, shape: Shape, node: unknown, path: string): unknown {
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const { name: memberName, shape: member } of model.fields(shape)) {
        if (member.location) continue;
        const wireName = member.locationName ?? memberName;
        const childPath = memberPath(path, memberName);
        if (member.xmlAttribute) {
          // The parser drops namespace prefixes (removeNSPrefix), so `xsi:type` arrives as `type`.
          const attrName = `@${wireName.slice(wireName.indexOf(':') + 1)}`;
          const attr = node && typeof node === 'object' ? (node as XmlNode)[attrName] : undefined;
          if (attr !== undefined) out[memberName] = parseScalar(member, String(attr), childPath);
          continue;
        }
        if (member.type === 'list' && member.flattened) {
          const item = model.member(member.member!);
          const itemName = member.locationName ?? item.locationName ?? memberName;
          const items = children(node, itemName);
          if (items.length) out[memberName] = items.map((n, i) => readXml(model, item, n, `${childPath}.${i + 1}.member`));
          continue;
        }
        if (member.type === 'map' && member.flattened) {
          const entries = children(node, wireName);
          if (entries.length) out[memberName] = readMapEntries(model, member, entries, childPath);
          continue;
        }
        const found = children(node, wireName);
        if (found.length) out[memberName] = readXml(model, member, found[0], childPath);
      }
      return out;
    }
    case 'list': {
      const item = model.member(shape.member!);
      return children(node, item.locationName ?? 'member').map((n, i) => readXml(model, item, n, `${path}.${i + 1}.member`));
    }
    case 'map':
      return readMapEntries(model, shape, children(node, 'entry'), path);
    default:
      return parseScalar(shape, textOf(node), path);
  }
}

/** Map entries (`<entry>` of a wrapped map, or the repeated elements of a flattened one). */
function readMapEntries(model: ServiceModel, map: Shape, entries: unknown[], path: string): Record<string, unknown> {
  const keyShape = model.member(map.key!);
  const valueShape = model.member(map.value!);
  const out: Record<string, unknown> = {};
  for (const entry of entries) {
    const key = textOf(children(entry, keyShape.locationName ?? 'key')[0]);
    setEntry(out, key, readXml(model, valueShape, children(entry, valueShape.locationName ?? 'value')[0], `${path}.${key}`));
  }
  return out;
}

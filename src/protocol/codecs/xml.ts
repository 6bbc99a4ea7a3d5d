/**
 * Shape-driven XML, shared by the awsQuery (responses) and restXml codecs: member names from
 * `locationName`, wrapped or flattened lists and maps, attributes, namespaces; and parsing of
 * request documents back into input objects.
 */
import { createRequire } from 'node:module';
import type { XMLParser } from 'fast-xml-parser';
import type { ServiceModel, Shape } from '../model.js';
import { formatScalar, formatTimestamp, memberPath, parseScalar, setEntry, WireError } from '../wire.js';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped here.
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b-\u001f]/;

/** Escapes markup, and control characters as character references (as S3 does for object keys). */
export function escapeXml(text: string): string {
  // Most text needs no escaping: a test is cheaper than a replace that calls back for nothing.
  if (!NEEDS_ESCAPE.test(text)) return text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped here.
  return text.replace(/[&<>"'\u0000-\u0008\u000b-\u001f]/g, (c) => XML_ESCAPES[c] ?? `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}

/** Renders one value as the element `name`; `extraAttrs` is raw attribute text (e.g. xmlns). Empty for undefined or null. */
type XmlWriter = (value: unknown, name: string, extraAttrs: string) => string;

/**
 * One writer per shape, compiled on first use: a document repeats the same shapes for every element
 * (a 1,000-key listing), and resolving members, element names and namespaces once per shape rather
 * than once per element halves the time a large document takes.
 */
const writers = new WeakMap<Shape, XmlWriter>();

/** Renders `value` as the element `name`; `extraAttrs` is raw attribute text (e.g. xmlns). */
export function writeXml(model: ServiceModel, shape: Shape, value: unknown, name: string, extraAttrs = ''): string {
  return xmlWriter(model, shape)(value, name, extraAttrs);
}

function xmlWriter(model: ServiceModel, shape: Shape): XmlWriter {
  let writer = writers.get(shape);
  if (!writer) {
    writer = compileWriter(model, shape);
    writers.set(shape, writer);
  }
  return writer;
}

/** The writer of `shape`, looked up on first call: a recursive shape reaches itself while it is being compiled. */
function lazyWriter(model: ServiceModel, shape: Shape): XmlWriter {
  let writer: XmlWriter | undefined;
  return (value, name, extraAttrs) => {
    writer ??= xmlWriter(model, shape);
    return writer(value, name, extraAttrs);
  };
}

function compileWriter(model: ServiceModel, shape: Shape): XmlWriter {
  switch (shape.type) {
    case 'structure':
      return structureWriter(model, shape);
    case 'list': {
      const item = model.member(shape.member!);
      const writeItems = itemsWriter(model, item, item.locationName ?? 'member');
      return (value, name, extraAttrs) => (value === undefined || value === null ? '' : `<${name}${extraAttrs}>${writeItems(value as unknown[])}</${name}>`);
    }
    case 'map': {
      const writeEntries = mapEntriesWriter(model, shape, 'entry');
      return (value, name, extraAttrs) => (value === undefined || value === null ? '' : `<${name}${extraAttrs}>${writeEntries(value as Record<string, unknown>)}</${name}>`);
    }
    case 'timestamp': {
      // A formatted timestamp holds nothing to escape (digits, letters, '-', ':', '.', ',' and spaces).
      const format = shape.timestampFormat ?? 'iso8601';
      return (value, name, extraAttrs) => (value === undefined || value === null ? '' : `<${name}${extraAttrs}>${formatTimestamp(value, format)}</${name}>`);
    }
    case 'blob':
    case 'boolean':
      return (value, name, extraAttrs) => (value === undefined || value === null ? '' : `<${name}${extraAttrs}>${escapeXml(formatScalar(shape, value, 'iso8601'))}</${name}>`);
    default:
      // Strings and numbers: formatScalar would answer a string as it is.
      return (value, name, extraAttrs) =>
        value === undefined || value === null ? '' : `<${name}${extraAttrs}>${escapeXml(typeof value === 'string' ? value : formatScalar(shape, value, 'iso8601'))}</${name}>`;
  }
}

/** A structure member: written as an attribute of the structure's element, or as child elements. */
interface MemberWriter {
  name: string;
  attribute?: (value: unknown) => string;
  elements?: (value: unknown) => string;
}

function structureWriter(model: ServiceModel, shape: Shape): XmlWriter {
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
      const write = lazyWriter(model, member);
      members.push({ name: memberName, elements: (v) => write(v, childName, ns) });
    }
  }
  return (value, name, extraAttrs) => {
    if (value === undefined || value === null) return '';
    const obj = value as Record<string, unknown>;
    let attrs = extraAttrs;
    let children = '';
    for (const member of members) {
      const v = obj[member.name];
      if (v === undefined || v === null) continue;
      if (member.attribute) attrs += member.attribute(v);
      else children += member.elements!(v);
    }
    return `<${name}${attrs}>${children}</${name}>`;
  };
}

/** The items of a list, each as the element `itemName` (wrapped in the list's element or flattened into its parent). */
function itemsWriter(model: ServiceModel, item: Shape, itemName: string): (values: unknown[]) => string {
  const writeItem = lazyWriter(model, item);
  return (values) => {
    let out = '';
    for (const v of values) out += writeItem(v, itemName, '');
    return out;
  };
}

/** Map entries as `entryName` elements (`<entry>` of a wrapped map, or the repeated elements of a flattened one). */
function mapEntriesWriter(model: ServiceModel, map: Shape, entryName: string): (value: Record<string, unknown>) => string {
  const keyShape = model.member(map.key!);
  const valueShape = model.member(map.value!);
  const keyName = keyShape.locationName ?? 'key';
  const valueName = valueShape.locationName ?? 'value';
  const writeKey = lazyWriter(model, keyShape);
  const writeValue = lazyWriter(model, valueShape);
  return (value) => {
    let out = '';
    for (const [k, v] of Object.entries(value)) out += `<${entryName}>${writeKey(k, keyName, '')}${writeValue(v, valueName, '')}</${entryName}>`;
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

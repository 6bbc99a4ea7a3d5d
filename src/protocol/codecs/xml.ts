/**
 * Shape-driven XML, shared by the awsQuery (responses) and restXml codecs: member names from
 * `locationName`, wrapped or flattened lists and maps, attributes, namespaces; and parsing of
 * request documents back into input objects.
 */
import { createRequire } from 'node:module';
import type { XMLParser } from 'fast-xml-parser';
import type { ServiceModel, Shape } from '../model.js';
import { formatScalar, memberPath, parseScalar, setEntry, WireError } from '../wire.js';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes markup, and control characters as character references (as S3 does for object keys). */
export function escapeXml(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped here.
  return text.replace(/[&<>"'\u0000-\u0008\u000b-\u001f]/g, (c) => XML_ESCAPES[c] ?? `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}

/** Renders `value` as the element `name`; `extraAttrs` is raw attribute text (e.g. xmlns). */
export function writeXml(model: ServiceModel, shape: Shape, value: unknown, name: string, extraAttrs = ''): string {
  if (value === undefined || value === null) return '';
  switch (shape.type) {
    case 'structure': {
      let attrs = extraAttrs;
      let children = '';
      const obj = value as Record<string, unknown>;
      for (const { name: memberName, shape: member } of model.fields(shape)) {
        const v = obj[memberName];
        if (v === undefined || v === null) continue;
        if (member.location) continue; // headers, status codes: not part of the document
        const childName = member.locationName ?? memberName;
        if (member.xmlAttribute) {
          attrs += ` ${childName}="${escapeXml(formatScalar(member, v, 'iso8601'))}"`;
        } else if (member.type === 'list' && member.flattened) {
          children += writeFlattenedList(model, member, v as unknown[], childName);
        } else if (member.type === 'map' && member.flattened) {
          children += writeMapEntries(model, member, v as Record<string, unknown>, childName);
        } else {
          const ns = member.xmlNamespace ? ` xmlns${member.xmlNamespace.prefix ? `:${member.xmlNamespace.prefix}` : ''}="${member.xmlNamespace.uri}"` : '';
          children += writeXml(model, member, v, childName, ns);
        }
      }
      return `<${name}${attrs}>${children}</${name}>`;
    }
    case 'list': {
      const itemRef = shape.member!;
      const item = model.member(itemRef);
      const itemName = item.locationName ?? 'member';
      const inner = (value as unknown[]).map((v) => writeXml(model, item, v, itemName)).join('');
      return `<${name}${extraAttrs}>${inner}</${name}>`;
    }
    case 'map':
      return `<${name}${extraAttrs}>${writeMapEntries(model, shape, value as Record<string, unknown>, 'entry')}</${name}>`;
    default:
      return `<${name}${extraAttrs}>${escapeXml(formatScalar(shape, value, 'iso8601'))}</${name}>`;
  }
}

function writeFlattenedList(model: ServiceModel, list: Shape, values: unknown[], memberName: string): string {
  const item = model.member(list.member!);
  const itemName = list.locationName ?? item.locationName ?? memberName;
  return values.map((v) => writeXml(model, item, v, itemName)).join('');
}

function writeMapEntries(model: ServiceModel, map: Shape, value: Record<string, unknown>, entryName: string): string {
  const keyShape = model.member(map.key!);
  const valueShape = model.member(map.value!);
  const keyName = keyShape.locationName ?? 'key';
  const valueName = valueShape.locationName ?? 'value';
  return Object.entries(value)
    .map(([k, v]) => `<${entryName}>${writeXml(model, keyShape, k, keyName)}${writeXml(model, valueShape, v, valueName)}</${entryName}>`)
    .join('');
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

/**
 * What the report parsers share: the error that makes a report INCOMPLETE, and the XML and JSON
 * readers the test and coverage parsers walk files with.
 */
import { createRequire } from 'node:module';
import type { XMLParser } from 'fast-xml-parser';

export class ReportParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportParseError';
  }
}

/** Every element is an array and attributes are `@name`, so the walkers below need no special cases. */
export type XmlElement = Record<string, unknown>;

let parser: XMLParser | undefined;
export function parseXml(text: string): XmlElement {
  if (!parser) {
    // Loaded on first use: most builds have no reports, and the parser costs start-up time.
    const { XMLParser: Parser } = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');
    parser = new Parser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      parseTagValue: false,
      parseAttributeValue: false,
      ignoreDeclaration: true,
      ignorePiTags: true,
      removeNSPrefix: true,
      processEntities: true,
      htmlEntities: true,
      textNodeName: '#text',
      isArray: (_name, _path, _isLeaf, isAttribute) => !isAttribute,
    });
  }
  try {
    return parser.parse(text, true) as XmlElement;
  } catch (err) {
    throw new ReportParseError(`not well-formed XML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function children(node: XmlElement | undefined, name: string): XmlElement[] {
  const value = node?.[name];
  if (!Array.isArray(value)) return [];
  // An element with neither attributes nor children parses as its bare text (`<skipped/>` is '').
  return value.map((v) => (typeof v === 'string' ? { '#text': v } : v)).filter((v): v is XmlElement => typeof v === 'object' && v !== null);
}

export function child(node: XmlElement | undefined, name: string): XmlElement | undefined {
  return children(node, name)[0];
}

export function attr(node: XmlElement | undefined, name: string): string | undefined {
  const value = node?.[`@${name}`];
  return typeof value === 'string' ? value : undefined;
}

/** The trimmed text content of the first child element `name`. */
export function text(node: XmlElement | undefined, name: string): string | undefined {
  const inner = child(node, name)?.['#text'];
  const joined = Array.isArray(inner) ? inner.join('') : typeof inner === 'string' ? inner : '';
  return joined.trim() || undefined;
}

export function rootOf(doc: XmlElement, names: string[], format: string): { name: string; node: XmlElement } {
  for (const name of names) {
    const node = child(doc, name);
    if (node) return { name, node };
  }
  throw new ReportParseError(`not a ${format} file: expected a root element ${names.map((n) => `<${n}>`).join(' or ')}`);
}

/** Every element named `name` at any depth below `node`, in document order. */
export function descendants(node: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@') || key === '#text' || !Array.isArray(value)) continue;
    for (const item of value) {
      if (typeof item !== 'object' || item === null) continue;
      if (key === name) out.push(item as XmlElement);
      descendants(item as XmlElement, name, out);
    }
  }
  return out;
}

/** Seconds as test tools write them (`1.5`, `1,234.5`) → nanoseconds; absent or unreadable is 0. */
export function secondsToNanos(value: string | undefined): number {
  if (!value) return 0;
  const seconds = Number(value.replace(/,/g, ''));
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1e9) : 0;
}

export function joinMessage(...parts: (string | undefined)[]): string | undefined {
  const kept = parts.map((p) => p?.trim()).filter((p): p is string => !!p);
  const unique = kept.filter((p, i) => kept.indexOf(p) === i);
  return unique.length ? unique.join('\n') : undefined;
}

/** JSON as tools write it, a UTF-8 byte order mark included (Windows tooling adds one). */
export function parseJson(content: string): unknown {
  try {
    return JSON.parse(content.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ReportParseError(`not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

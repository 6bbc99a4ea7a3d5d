/**
 * Shape-driven conversion between JSON documents and input/output objects, shared by the
 * awsJson and restJson codecs. Decoding checks JSON types against the model (a string where an
 * integer belongs is a SerializationException, as AWS answers); encoding renders timestamps as
 * epoch seconds and blobs as base64.
 *
 * Both directions are compiled once per shape into functions that know their members, wire names
 * and error paths: walking the model for every value (field lists, member lookups, a path string and
 * a closure per member, an intermediate object per structure for JSON.stringify) was most of what a
 * small request's JSON cost.
 */
import type { ServiceModel, Shape } from '../model.js';
import { fitsIntegerShape, formatTimestamp, parseTimestamp, setEntry, WireError } from '../wire.js';

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

/** Decodes one JSON value at `path` (the AWS-style member path its errors name). */
type Decoder = (value: unknown, path: string) => unknown;

const decoders = new WeakMap<Shape, Decoder>();

export function decodeJsonValue(model: ServiceModel, shape: Shape, value: unknown, path: string): unknown {
  return decoderOf(model, shape)(value, path);
}

function decoderOf(model: ServiceModel, shape: Shape): Decoder {
  let decoder = decoders.get(shape);
  if (!decoder) {
    decoder = compileDecoder(model, shape);
    decoders.set(shape, decoder);
  }
  return decoder;
}

function unexpected(path: string, expected: string, value: unknown): WireError {
  return new WireError(path, `Unexpected value at '${path || 'input'}': expected ${expected}, got ${Array.isArray(value) ? 'array' : typeof value}`);
}

function compileDecoder(model: ServiceModel, shape: Shape): Decoder {
  if (shape.document) return (value) => (value === null ? undefined : value);
  switch (shape.type) {
    case 'structure':
      return structureDecoder(model, shape);
    case 'list': {
      const item = model.member(shape.member!);
      return (value, path) => {
        if (value === null || value === undefined) return undefined;
        if (!Array.isArray(value)) throw unexpected(path, 'an array', value);
        const decodeItem = decoderOf(model, item);
        return value.map((v, i) => decodeItem(v, `${path}.${i + 1}.member`));
      };
    }
    case 'map': {
      const valueShape = model.member(shape.value!);
      return (value, path) => {
        if (value === null || value === undefined) return undefined;
        if (typeof value !== 'object' || Array.isArray(value)) throw unexpected(path, 'an object', value);
        const decodeValue = decoderOf(model, valueShape);
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) setEntry(out, k, decodeValue(v, `${path}.${k}`));
        return out;
      };
    }
    case 'string':
      return (value, path) => {
        if (value === null || value === undefined) return undefined;
        if (typeof value !== 'string') throw unexpected(path, 'a string', value);
        return value;
      };
    case 'boolean':
      return (value, path) => {
        if (value === null || value === undefined) return undefined;
        if (typeof value !== 'boolean') throw unexpected(path, 'a boolean', value);
        return value;
      };
    case 'timestamp':
      return (value, path) => {
        if (value === null || value === undefined) return undefined;
        if (typeof value !== 'number' && typeof value !== 'string') throw unexpected(path, 'a timestamp', value);
        return parseTimestamp(value, path);
      };
    case 'blob':
      return (value, path) => {
        if (value === null || value === undefined) return undefined;
        if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw unexpected(path, 'a base64 string', value);
        return Buffer.from(value, 'base64');
      };
    case 'integer':
    case 'long':
    case 'short':
    case 'byte':
      return (value, path) => {
        if (value === null || value === undefined) return undefined;
        if (typeof value !== 'number' || !fitsIntegerShape(shape, value)) throw unexpected(path, `an integer in the range of a ${shape.type}`, value);
        return value;
      };
    case 'float':
    case 'double':
    case 'bigdecimal':
      return (value, path) => {
        if (value === null || value === undefined) return undefined;
        // Non-finite values travel as the strings "NaN", "Infinity" and "-Infinity".
        if (typeof value === 'string' && NON_FINITE.has(value)) return Number(value);
        if (typeof value !== 'number') throw unexpected(path, 'a number', value);
        return value;
      };
    default:
      return (value) => (value === null ? undefined : value);
  }
}

/** A structure member as its decoder reads it: the JSON key, the member name and its path segment (`Name` → `name`). */
interface MemberReader {
  wireName: string;
  name: string;
  local: string;
  decode: Decoder;
}

function structureDecoder(model: ServiceModel, shape: Shape): Decoder {
  let members: MemberReader[] | undefined;
  return (value, path) => {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw unexpected(path, 'an object', value);
    // Worked out on the first value, not at compile time: a recursive shape compiles only as deep as values go.
    members ??= model.fields(shape).map(({ name, ref, shape: member }) => ({
      wireName: ref.locationName ?? name,
      name,
      local: name.charAt(0).toLowerCase() + name.slice(1),
      decode: decoderOf(model, member),
    }));
    const out: Record<string, unknown> = {};
    const obj = value as Record<string, unknown>;
    for (const member of members) {
      // `in`, not a lookup: a member whose key the document lacks is not decoded at all.
      if (!(member.wireName in obj)) continue;
      const decoded = member.decode(obj[member.wireName], path ? `${path}.${member.local}` : member.local);
      if (decoded !== undefined) out[member.name] = decoded;
    }
    return out;
  };
}

/**
 * JSON text of one value, or undefined where the value has none (undefined, null, or what
 * JSON.stringify leaves out): a member with no text is left out, a list item with none is `null`.
 */
type Writer = (value: unknown) => string | undefined;

const writers = new WeakMap<Shape, Writer>();

/**
 * The JSON text of `value` as `shape`: exactly `JSON.stringify` of the document the model makes of
 * it (undefined when that is nothing), written directly instead of through an intermediate object.
 */
export function writeJsonValue(model: ServiceModel, shape: Shape, value: unknown): string | undefined {
  return writerOf(model, shape)(value);
}

function writerOf(model: ServiceModel, shape: Shape): Writer {
  let writer = writers.get(shape);
  if (!writer) {
    writer = compileWriter(model, shape);
    writers.set(shape, writer);
  }
  return writer;
}

function compileWriter(model: ServiceModel, shape: Shape): Writer {
  if (shape.document) return (value) => (value === null || value === undefined ? undefined : JSON.stringify(value));
  switch (shape.type) {
    case 'structure':
      return structureWriter(model, shape);
    case 'list': {
      const item = model.member(shape.member!);
      return (value) => {
        if (value === null || value === undefined) return undefined;
        const writeItem = writerOf(model, item);
        // map, as the document was made with: anything but an array fails as it did. A hole, or an
        // item with no text, is null in JSON.
        const items = (value as unknown[]).map(writeItem);
        let text = '[';
        for (let i = 0; i < items.length; i++) text += `${i ? ',' : ''}${items[i] ?? 'null'}`;
        return `${text}]`;
      };
    }
    case 'map': {
      const valueShape = model.member(shape.value!);
      return (value) => {
        if (value === null || value === undefined) return undefined;
        const writeValue = writerOf(model, valueShape);
        // Object.entries gives the order JSON.stringify would (index-like keys first), `__proto__` included.
        let text = '';
        for (const [k, v] of Object.entries(value)) {
          const entry = writeValue(v);
          if (entry !== undefined) text += `${text ? ',' : ''}${JSON.stringify(k)}:${entry}`;
        }
        return `{${text}}`;
      };
    }
    case 'timestamp': {
      const format = shape.timestampFormat ?? 'unixTimestamp';
      return (value) => (value === null || value === undefined ? undefined : scalarText(formatTimestamp(value, format)));
    }
    case 'blob':
      // Base64 holds nothing JSON escapes.
      return (value) => (value === null || value === undefined ? undefined : `"${Buffer.from(value as Uint8Array | string).toString('base64')}"`);
    case 'float':
    case 'double':
      return (value) => (value === null || value === undefined ? undefined : scalarText(typeof value === 'number' && !Number.isFinite(value) ? String(value) : value));
    default:
      return scalarText;
  }
}

/**
 * JSON.stringify of a scalar member's value. A string with nothing to escape and a finite number
 * are written without entering the serializer (half the cost of each of a small answer's values).
 */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return escapesNothing(value) ? `"${value}"` : JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  return value === null || value === undefined ? undefined : JSON.stringify(value);
}

/** Whether JSON.stringify writes `text` as it is: no quote, backslash, control character or surrogate (a lone one is escaped). */
function escapesNothing(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

/** A structure member as its writer writes it: the name read from the value, and `"wireName":`. */
interface MemberWriter {
  name: string;
  key: string;
  write: Writer;
}

function structureWriter(model: ServiceModel, shape: Shape): Writer {
  let members: MemberWriter[] | undefined;
  return (value) => {
    if (value === null || value === undefined) return undefined;
    // Worked out on the first value, not at compile time: a recursive shape compiles only as deep as values go.
    members ??= memberWriters(model, shape);
    const obj = value as Record<string, unknown>;
    let text = '';
    for (const member of members) {
      const written = member.write(obj[member.name]);
      if (written !== undefined) text += text ? `,${member.key}${written}` : `${member.key}${written}`;
    }
    return `{${text}}`;
  };
}

function memberWriters(model: ServiceModel, shape: Shape): MemberWriter[] {
  return model.fields(shape).map(({ name, ref, shape: member }) => {
    const wireName = ref.locationName ?? name;
    // Written in member order, as JSON.stringify writes an object's keys unless they look like array
    // indexes (those come first) or are `__proto__` (which a plain object cannot hold); Smithy member
    // names are identifiers, and no JSON model renames a body member, so neither can happen.
    if (wireName === '__proto__' || /^(?:0|[1-9]\d*)$/.test(wireName)) throw new Error(`model ${model.metadata.serviceId}: ${shape.name}.${name} has the JSON key ${wireName}`);
    return { name, key: `${JSON.stringify(wireName)}:`, write: writerOf(model, member) };
  });
}

/** Parses a JSON body; an empty body is an empty object, as AWS JSON services accept. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  return JSON.parse(body.toString('utf8'));
}

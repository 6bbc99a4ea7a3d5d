/**
 * Shape-driven conversion between JSON documents and input/output objects, shared by the
 * awsJson and restJson codecs. Decoding checks JSON types against the model (a string where an
 * integer belongs is a SerializationException, as AWS answers); encoding renders timestamps as
 * epoch seconds and blobs as base64.
 */
import type { ServiceModel, Shape } from '../model.js';
import { fitsIntegerShape, formatTimestamp, memberPath, parseTimestamp, setEntry, WireError } from '../wire.js';

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

export function decodeJsonValue(model: ServiceModel, shape: Shape, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  const fail = (expected: string) => {
    throw new WireError(path, `Unexpected value at '${path || 'input'}': expected ${expected}, got ${Array.isArray(value) ? 'array' : typeof value}`);
  };
  if (shape.document) return value;
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) fail('an object');
      const out: Record<string, unknown> = {};
      const obj = value as Record<string, unknown>;
      for (const { name, ref, shape: member } of model.fields(shape)) {
        const wireName = ref.locationName ?? name;
        if (!(wireName in obj)) continue;
        const decoded = decodeJsonValue(model, member, obj[wireName], memberPath(path, name));
        if (decoded !== undefined) out[name] = decoded;
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) fail('an array');
      const member = model.member(shape.member!);
      return (value as unknown[]).map((v, i) => decodeJsonValue(model, member, v, `${path}.${i + 1}.member`));
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) fail('an object');
      const out: Record<string, unknown> = {};
      const valueShape = model.member(shape.value!);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) setEntry(out, k, decodeJsonValue(model, valueShape, v, `${path}.${k}`));
      return out;
    }
    case 'string':
      if (typeof value !== 'string') fail('a string');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') fail('a boolean');
      return value;
    case 'timestamp':
      if (typeof value !== 'number' && typeof value !== 'string') fail('a timestamp');
      return parseTimestamp(value as number | string, path);
    case 'blob':
      if (typeof value !== 'string') fail('a base64 string');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value as string)) fail('a base64 string');
      return Buffer.from(value as string, 'base64');
    case 'integer':
    case 'long':
    case 'short':
    case 'byte':
      if (typeof value !== 'number' || !fitsIntegerShape(shape, value)) fail(`an integer in the range of a ${shape.type}`);
      return value;
    case 'float':
    case 'double':
    case 'bigdecimal':
      // Non-finite values travel as the strings "NaN", "Infinity" and "-Infinity".
      if (typeof value === 'string' && NON_FINITE.has(value)) return Number(value);
      if (typeof value !== 'number') fail('a number');
      return value;
    default:
      return value;
  }
}

export function encodeJsonValue(model: ServiceModel, shape: Shape, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (shape.document) return value;
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      const obj = value as Record<string, unknown>;
      for (const { name, ref, shape: member } of model.fields(shape)) {
        const encoded = encodeJsonValue(model, member, obj[name]);
        if (encoded !== undefined) out[ref.locationName ?? name] = encoded;
      }
      return out;
    }
    case 'list': {
      const member = model.member(shape.member!);
      return (value as unknown[]).map((v) => encodeJsonValue(model, member, v) ?? null);
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      const valueShape = model.member(shape.value!);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) setEntry(out, k, encodeJsonValue(model, valueShape, v));
      return out;
    }
    case 'timestamp':
      return formatTimestamp(value, shape.timestampFormat ?? 'unixTimestamp');
    case 'blob':
      return Buffer.from(value as Uint8Array | string).toString('base64');
    case 'float':
    case 'double':
      return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
    default:
      return value;
  }
}

/** Parses a JSON body; an empty body is an empty object, as AWS JSON services accept. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  return JSON.parse(body.toString('utf8'));
}

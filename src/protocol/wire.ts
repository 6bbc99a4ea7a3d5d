/** Scalar conversions shared by the codecs: timestamps, numbers, booleans, blobs. */
import type { Shape, TimestampFormat } from './model.js';

export class WireError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** Accepts what handlers return for timestamps: Date, ISO text or epoch milliseconds. */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value === 'string') return new Date(value);
  throw new Error(`not a timestamp: ${String(value)}`);
}

export function formatTimestamp(value: unknown, format: TimestampFormat): string | number {
  const date = toDate(value);
  switch (format) {
    case 'unixTimestamp':
      return date.getTime() / 1000;
    case 'rfc822':
      return date.toUTCString();
    case 'iso8601':
      return isoString(date);
  }
}

const MS_PER_DAY = 86_400_000;
/** The range in which toISOString writes four-digit years (0000-01-01 to 9999-12-31). */
const FOUR_DIGIT_YEARS = { first: -62_167_219_200_000, last: 253_402_300_799_999 };
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** The day of the last timestamp formatted, and its `YYYY-MM-DDT` text: a document's timestamps mostly share a day. */
let lastDay = Number.NaN;
let lastDayText = '';

/**
 * `date.toISOString()`, a sixth of its cost (V8 answers it with a runtime call, about 0.45 µs, which a
 * 1,000-key listing paid 1,000 times): the day's text is toISOString's own, the time of day is worked out here.
 */
function isoString(date: Date): string {
  const ms = date.getTime();
  if (!(ms >= FOUR_DIGIT_YEARS.first && ms <= FOUR_DIGIT_YEARS.last)) return date.toISOString();
  const day = Math.floor(ms / MS_PER_DAY);
  if (day !== lastDay) {
    lastDayText = date.toISOString().slice(0, 11);
    lastDay = day;
  }
  const inDay = ms - day * MS_PER_DAY;
  const seconds = Math.floor(inDay / 1000);
  const millis = inDay - seconds * 1000;
  return `${lastDayText}${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

export function parseTimestamp(text: string | number, path: string): Date {
  if (typeof text === 'number') return new Date(text * 1000);
  const date = /^-?\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new WireError(path, `Value '${text}' at '${path}' is not a valid timestamp`);
  return date;
}

const INTEGER_TYPES = new Set(['integer', 'long', 'short', 'byte', 'biginteger']);
const FLOAT_TYPES = new Set(['float', 'double', 'bigdecimal']);

/** Java's ranges for the model's integer types (AWS parses into them); longs also need to be exact in a double. */
const INTEGER_RANGES: Record<string, [number, number]> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

export function fitsIntegerShape(shape: Shape, n: number): boolean {
  if (!Number.isInteger(n)) return false;
  const range = INTEGER_RANGES[shape.type];
  return !range || (n >= range[0] && n <= range[1]);
}

/** Parses the text form of a scalar (query strings, headers, XML text, form fields). */
export function parseScalar(shape: Shape, text: string, path: string): unknown {
  switch (shape.type) {
    case 'string':
      return text;
    case 'boolean':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw new WireError(path, `Value '${text}' at '${path}' is not a valid boolean`);
    case 'timestamp':
      return parseTimestamp(text, path);
    case 'blob':
      return Buffer.from(text, 'base64');
    default:
      if (INTEGER_TYPES.has(shape.type)) {
        const n = Number(text);
        if (!/^-?\d+$/.test(text.trim()) || !fitsIntegerShape(shape, n)) throw new WireError(path, `Value '${text}' at '${path}' is not a valid ${shape.type}`);
        return n;
      }
      if (FLOAT_TYPES.has(shape.type)) {
        const n = Number(text);
        if (text.trim() === '' || Number.isNaN(n)) throw new WireError(path, `Value '${text}' at '${path}' is not a valid number`);
        return n;
      }
      return text;
  }
}

/** The text form of a scalar for XML, headers and query strings. */
export function formatScalar(shape: Shape, value: unknown, timestampFormat: TimestampFormat): string {
  switch (shape.type) {
    case 'timestamp':
      return String(formatTimestamp(value, shape.timestampFormat ?? timestampFormat));
    case 'blob':
      return Buffer.isBuffer(value) || value instanceof Uint8Array ? Buffer.from(value).toString('base64') : Buffer.from(String(value)).toString('base64');
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      // A Date for a string member (S3 `Expires`: a Date in the SDK's types, a string in the model)
      // is rendered as the timestamp it is, not as JavaScript's Date text.
      return value instanceof Date ? String(formatTimestamp(value, timestampFormat)) : String(value);
  }
}

/** A `jsonvalue` header: base64 of a JSON document. */
export function parseJsonValueHeader(text: string, path: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    throw new WireError(path, `Value at '${path}' is not base64-encoded JSON`);
  }
}

/**
 * Sets a map entry. `__proto__` is a legal key in AWS maps (tags, encryption contexts); a plain
 * assignment would change the object's prototype and lose the entry.
 */
export function setEntry(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  else map[key] = value;
}

/** AWS reports member paths with a lower-case first letter (`Name` → `name`). */
export function memberPath(parent: string, member: string): string {
  const local = member.charAt(0).toLowerCase() + member.slice(1);
  return parent ? `${parent}.${local}` : local;
}

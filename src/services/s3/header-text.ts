/**
 * Text in S3's HTTP headers. Header bytes arrive as Node reads them (one character per byte), so
 * UTF-8 sent raw shows up as one character per byte until it is read as UTF-8 again. S3 keeps user
 * metadata as Unicode: it decodes RFC 2047 encoded-words (`=?UTF-8?B?…?=`) and raw UTF-8 when the
 * object is written, and answers any value that is not printable US-ASCII as one RFC 2047
 * encoded-word of its UTF-8 bytes, `Q` or `B` whichever is shorter (`Q` on a tie): `\x04w` is
 * `=?UTF-8?Q?=04w?=`, five `\x04` are `=?UTF-8?B?BAQEBAQ=?=`.
 */
import { isUtf8 } from 'node:buffer';
import * as e from './errors.js';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** A character that is no byte (what a header's bytes, read one per character, never give). */
const BEYOND_BYTE = /[\u0100-\uffff]/;
/** What an HTTP header value may hold: tab, visible ASCII and space, and ISO-8859-1's upper half. */
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Bytes a `Q` encoded-word keeps as they are (RFC 2047 §5 (3), as mail libraries apply it); space is `_`. */
const Q_KEPT = /[A-Za-z0-9!*+/-]/;
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

function qEncode(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (char === ' ') out += '_';
    else if (Q_KEPT.test(char)) out += char;
    else out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function qDecode(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '_') bytes.push(0x20);
    else if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(char.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

/** A metadata value as S3 answers it: as it is when printable US-ASCII, else one RFC 2047 encoded-word. */
export function encodeMetadataValue(value: string): string {
  if (PRINTABLE_ASCII.test(value)) return value;
  const bytes = Buffer.from(value, 'utf8');
  const q = qEncode(bytes);
  const b = bytes.toString('base64');
  return b.length < q.length ? `=?UTF-8?B?${b}?=` : `=?UTF-8?Q?${q}?=`;
}

/**
 * A metadata value as S3 keeps it, from a header as sent: raw UTF-8 read as UTF-8 (other bytes as
 * ISO-8859-1), then UTF-8 and ISO-8859-1 encoded-words decoded. A value that is already Unicode
 * (an in-process call's) is only decoded.
 */
export function decodeMetadataValue(value: string): string {
  let text = value;
  if (!BEYOND_BYTE.test(value)) {
    const bytes = Buffer.from(value, 'latin1');
    if (isUtf8(bytes)) text = bytes.toString('utf8');
  }
  return text.replace(ENCODED_WORD, (word, charset: string, encoding: string, encoded: string) => {
    const utf8 = /^utf-?8$/i.test(charset);
    if (!utf8 && !/^(iso-8859-1|us-ascii)$/i.test(charset)) return word;
    const bytes = encoding.toUpperCase() === 'B' ? Buffer.from(encoded, 'base64') : qDecode(encoded);
    return bytes.toString(utf8 ? 'utf8' : 'latin1');
  });
}

export function decodeMetadata(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([name, value]) => [name, decodeMetadataValue(value)]));
}

export function encodeMetadata(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([name, value]) => [name, encodeMetadataValue(value)]));
}

/**
 * Refuses a header value S3 would have to send and cannot: a response-* override outside
 * ISO-8859-1 (S3's own words), or one holding control characters, which no header may carry.
 */
export function checkSendable(value: string | undefined, argumentName: string): void {
  if (value !== undefined && !HEADER_SAFE.test(value)) throw e.invalidArgument('Header value cannot be represented using ISO-8859-1.', argumentName, value);
}

/** A query parameter's (UTF-8 decoded) value as the bytes it would have been sent as in a header. */
export function asHeaderBytes(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}

/** The response-* query parameters of a GET or HEAD, which replace the version's own headers in the answer. */
export interface ResponseOverrides {
  ResponseContentType?: string;
  ResponseContentDisposition?: string;
  ResponseContentEncoding?: string;
  ResponseContentLanguage?: string;
  ResponseCacheControl?: string;
  ResponseExpires?: Date;
}

const OVERRIDES = [
  ['ResponseContentType', 'ContentType', 'response-content-type'],
  ['ResponseContentDisposition', 'ContentDisposition', 'response-content-disposition'],
  ['ResponseContentEncoding', 'ContentEncoding', 'response-content-encoding'],
  ['ResponseContentLanguage', 'ContentLanguage', 'response-content-language'],
  ['ResponseCacheControl', 'CacheControl', 'response-cache-control'],
] as const;

/** Applies the overrides a request names to the answer's headers, refusing any S3 could not send. */
export function applyResponseOverrides(
  headers: { ContentType?: string; ContentDisposition?: string; ContentEncoding?: string; ContentLanguage?: string; CacheControl?: string; Expires?: Date },
  input: ResponseOverrides,
): void {
  for (const [member, , argumentName] of OVERRIDES) checkSendable(input[member], argumentName);
  for (const [member, header] of OVERRIDES) if (input[member] !== undefined) headers[header] = input[member];
  if (input.ResponseExpires !== undefined) headers.Expires = input.ResponseExpires;
}

/**
 * The MD5 digests SQS answers with, computed as AWS computes them so that the SDKs' checksum
 * validation (on by default) passes: the body's MD5 over its UTF-8 bytes, and the attributes' MD5
 * over each attribute in name order as length-prefixed name, data type, a transport byte (1 for
 * String and Number, 2 for Binary) and length-prefixed value.
 */
import { createHash } from 'node:crypto';

/** A message attribute as stored: binary values as bytes. */
export interface StoredAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Buffer;
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer[] {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return [length, bytes];
}

/** MD5OfMessageAttributes (and MD5OfMessageSystemAttributes, computed the same way). */
export function md5OfAttributes(attributes: Record<string, StoredAttribute>): string {
  const hash = createHash('md5');
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name];
    for (const part of lengthPrefixed(Buffer.from(name, 'utf8'))) hash.update(part);
    for (const part of lengthPrefixed(Buffer.from(attribute.DataType, 'utf8'))) hash.update(part);
    if (attribute.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      for (const part of lengthPrefixed(attribute.BinaryValue)) hash.update(part);
    } else {
      hash.update(Buffer.from([1]));
      for (const part of lengthPrefixed(Buffer.from(attribute.StringValue ?? '', 'utf8'))) hash.update(part);
    }
  }
  return hash.digest('hex');
}

/**
 * Symmetric ciphertext blobs: a self-describing envelope so Decrypt needs no KeyId.
 *
 *   [0]        format version (1)
 *   [1]        length n of the key id
 *   [2, 2+n)   key id (ASCII)
 *   4 bytes    key material version (uint32 BE): rotated keys still decrypt old ciphertexts
 *   12 bytes   AES-GCM IV
 *   16 bytes   AES-GCM tag
 *   rest       ciphertext
 *
 * AES-256-GCM authenticates the header (everything before the tag) and the canonical encryption
 * context as additional data, so changing any byte or the context makes decryption fail.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EnvelopeHeader {
  keyId: string;
  materialVersion: number;
}

/** Encryption context as bytes independent of member order; empty and absent contexts are the same. */
export function canonicalContext(context: Record<string, string> | undefined): Buffer {
  const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries), 'utf8');
}

export function seal(material: Buffer, header: EnvelopeHeader, plaintext: Buffer, context: Record<string, string> | undefined): Buffer {
  const keyId = Buffer.from(header.keyId, 'ascii');
  const prefix = Buffer.alloc(2 + keyId.length + 4 + IV_BYTES);
  prefix[0] = FORMAT_VERSION;
  prefix[1] = keyId.length;
  keyId.copy(prefix, 2);
  prefix.writeUInt32BE(header.materialVersion, 2 + keyId.length);
  randomBytes(IV_BYTES).copy(prefix, 2 + keyId.length + 4);
  const cipher = createCipheriv('aes-256-gcm', material, prefix.subarray(prefix.length - IV_BYTES));
  cipher.setAAD(Buffer.concat([prefix, canonicalContext(context)]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([prefix, cipher.getAuthTag(), body]);
}

/** The header of a blob, or undefined when the bytes are not one of our envelopes. */
export function readHeader(blob: Buffer): EnvelopeHeader | undefined {
  if (blob.length < 2 || blob[0] !== FORMAT_VERSION) return undefined;
  const n = blob[1];
  if (blob.length < 2 + n + 4 + IV_BYTES + TAG_BYTES) return undefined;
  return { keyId: blob.subarray(2, 2 + n).toString('ascii'), materialVersion: blob.readUInt32BE(2 + n) };
}

/** The plaintext, or undefined when the blob, the material or the context does not authenticate. */
export function open(material: Buffer, blob: Buffer, context: Record<string, string> | undefined): Buffer | undefined {
  const n = blob[1];
  const prefixLength = 2 + n + 4 + IV_BYTES;
  const prefix = blob.subarray(0, prefixLength);
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, prefix.subarray(prefixLength - IV_BYTES));
    decipher.setAAD(Buffer.concat([prefix, canonicalContext(context)]));
    decipher.setAuthTag(blob.subarray(prefixLength, prefixLength + TAG_BYTES));
    return Buffer.concat([decipher.update(blob.subarray(prefixLength + TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

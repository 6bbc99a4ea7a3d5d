/** Identifier formats AWS uses, generated from a CSPRNG. */
import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** IAM-style unique ids: a four-letter prefix and 17 base32 characters (AIDA…, AROA…, AKIA…). */
export function iamId(prefix: string, length = 21): string {
  const bytes = randomBytes(length - prefix.length);
  let out = prefix;
  for (const b of bytes) out += ALPHANUM[b % 32];
  return out;
}

export function uuid(): string {
  return randomUUID();
}

export function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Base64 secret of the length AWS secret access keys have (40 characters). */
export function secretKey(): string {
  return randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
}

/** Request ids look like AWS's: uppercase UUIDs for query APIs, lowercase elsewhere; one form suffices. */
export function requestId(): string {
  return randomUUID();
}

/**
 * Random text of `bytes` CSPRNG bytes each, drawn from a buffer refilled every 64 ids: a
 * randomBytes call per id cost 2-5 µs on hot paths (S3 version ids, x-amz-id-2 host ids).
 */
export function pooledRandomText(bytes: number, encoding: 'base64' | 'base64url'): () => string {
  const pool = Buffer.allocUnsafe(bytes * 64);
  let offset = pool.length;
  return () => {
    if (offset === pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const text = pool.toString(encoding, offset, offset + bytes);
    offset += bytes;
    return text;
  };
}

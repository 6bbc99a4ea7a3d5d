/** Identifier formats AWS uses, generated from a CSPRNG. */
import { randomBytes, randomUUID } from 'node:crypto';

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

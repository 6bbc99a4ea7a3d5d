/**
 * Access key ids that carry their account, as AWS's have since 2019: after the four-letter prefix,
 * sixteen base32 characters (ten bytes) whose first six bytes, shifted right by seven bits and
 * masked to 40 bits, are the account id. GetAccessKeyInfo reads any well-formed key so.
 */
import { randomBytes } from 'node:crypto';
import { base32Decode, base32Encode } from '../../core/base32.js';

const WELL_FORMED = /^(AKIA|ASIA)[A-Z2-7]{16}$/;

/** A new access key id with this prefix (`ASIA` for temporary credentials) that encodes `account`. */
export function accessKeyIdFor(prefix: 'AKIA' | 'ASIA', account: string): string {
  const bytes = randomBytes(10);
  // 40-bit account, shifted left by 7 bits, with 7 random low bits and the top bit clear.
  const head = BigInt(account) * 128n + BigInt(bytes[5]! & 0x7f);
  for (let i = 5; i >= 0; i--) bytes[i] = Number((head >> BigInt((5 - i) * 8)) & 0xffn);
  return `${prefix}${base32Encode(bytes)}`;
}

/** The account a well-formed AKIA/ASIA key id encodes, undefined for other ids. */
export function accountOfKeyId(accessKeyId: string): string | undefined {
  if (!WELL_FORMED.test(accessKeyId)) return undefined;
  const bytes = base32Decode(accessKeyId.slice(4));
  let head = 0n;
  for (let i = 0; i < 6; i++) head = (head << 8n) | BigInt(bytes[i]!);
  return ((head & 0x7fffffffff80n) >> 7n).toString().padStart(12, '0');
}

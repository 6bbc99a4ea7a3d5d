/**
 * IP addresses in event patterns: `{"cidr": "10.0.0.0/24"}` (IPv4 and IPv6), and exact string
 * values that are IP addresses, which EventBridge compares as addresses (so `2001:db8::1` matches
 * `2001:0db8:0:0:0:0:0:1`).
 */
import { PatternError } from './json-reader.js';

interface Address {
  version: 4 | 6;
  value: bigint;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(text: string): bigint | undefined {
  const match = IPV4.exec(text);
  if (!match) return undefined;
  let value = 0n;
  for (const part of match.slice(1)) {
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(piece)) {
        out.push(Number.parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) return undefined;
  let value = 0n;
  for (const group of [...head, ...new Array<number>(missing).fill(0), ...tail]) value = (value << 16n) | BigInt(group);
  return value;
}

function parseAddress(text: string): Address | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { version: 4, value: v4 };
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { version: 6, value: v6 };
}

/** A test for addresses inside a CIDR block; PatternError with AWS's message when the block is malformed. */
export function cidrRange(text: string): (candidate: string) => boolean {
  const parts = text.split('/');
  if (parts.length !== 2) throw new PatternError("Malformed CIDR, one '/' required");
  const [ip, maskText] = parts as [string, string];
  if (!/^\d+$/.test(maskText)) throw new PatternError('Malformed CIDR, mask bits must be an integer');
  const address = parseAddress(ip);
  if (!address) throw new PatternError(`Nonstandard IP address: ${ip}`);
  const width = address.version === 4 ? 32 : 128;
  const mask = Number(maskText);
  if (mask > width) throw new PatternError(`Malformed CIDR, mask bits must be between 0 and ${width}`);
  const shift = BigInt(width - mask);
  const network = address.value >> shift;
  return (candidate) => {
    const other = parseAddress(candidate);
    return other?.version === address.version && other.value >> shift === network;
  };
}

/** When `text` is an IP address, a test for the same address however written; otherwise undefined. */
export function ipAddressRange(text: string): ((candidate: string) => boolean) | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  const address = parseAddress(text);
  if (!address) return undefined;
  return (candidate) => {
    const other = parseAddress(candidate);
    return other?.version === address.version && other.value === address.value;
  };
}

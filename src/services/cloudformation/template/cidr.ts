/**
 * `Fn::Cidr`: `count` consecutive subnets of `cidrBits` host bits carved from the start of an
 * IPv4 or IPv6 block, as CloudFormation computes them (`!Cidr [10.0.0.0/16, 3, 8]` gives
 * 10.0.0.0/24, 10.0.1.0/24, 10.0.2.0/24).
 */
import { templateError } from './errors.js';

const CIDR_USAGE = 'Fn::Cidr requires a list of three parameters: an IP address block in CIDR notation, the count of subnets to generate, and the number of subnet bits';

function parseIpv4(text: string): bigint | undefined {
  const octets = text.split('.');
  if (octets.length !== 4 || octets.some((octet) => !/^\d{1,3}$/.test(octet) || Number(octet) > 255)) return undefined;
  return octets.reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined) => (half ? half.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (all.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  return all.reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
}

/** IPv6 in the compressed form (longest run of zero groups as `::`). */
function formatIpv6(value: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => ((value >> shift) & 0xffffn).toString(16));
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === '0') length++;
    if (length > bestLength && length > 1) {
      bestStart = start;
      bestLength = length;
    }
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

export function cidr(ipBlock: unknown, countValue: unknown, bitsValue: unknown): string[] {
  const count = Number(countValue);
  const cidrBits = Number(bitsValue);
  const [address, prefixText] = typeof ipBlock === 'string' ? ipBlock.split('/') : [];
  const prefix = Number(prefixText);
  if (!address || !Number.isInteger(count) || !Number.isInteger(cidrBits) || !Number.isInteger(prefix)) throw templateError(CIDR_USAGE);
  const v6 = address.includes(':');
  const width = v6 ? 128 : 32;
  const base = v6 ? parseIpv6(address) : parseIpv4(address);
  if (base === undefined || prefix < 0 || prefix > width) throw templateError(`Fn::Cidr: invalid IP block ${String(ipBlock)}`);
  const subnetPrefix = width - cidrBits;
  if (count < 1 || count > 256 || cidrBits < 1 || subnetPrefix < prefix) throw templateError(CIDR_USAGE);
  if (BigInt(count) > 1n << BigInt(subnetPrefix - prefix)) {
    throw templateError(`Fn::Cidr: the block ${String(ipBlock)} cannot hold ${count} subnets of ${cidrBits} bits`);
  }
  const hostMask = (1n << BigInt(width - prefix)) - 1n;
  const network = base & ~hostMask;
  const step = 1n << BigInt(cidrBits);
  return Array.from({ length: count }, (_, index) => {
    const subnet = network + BigInt(index) * step;
    return `${v6 ? formatIpv6(subnet) : formatIpv4(subnet)}/${subnetPrefix}`;
  });
}

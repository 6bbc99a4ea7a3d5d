/** S3 flexible checksums: the algorithms Drydock computes, and how S3 encodes and combines them. */
import { createHash, type Hash } from 'node:crypto';
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import type { Crc32c } from '@aws-crypto/crc32c';
import type { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { notImplementedChecksum } from './errors.js';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

export const SUPPORTED_ALGORITHMS: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];
/** Modelled algorithms Drydock cannot compute: refused rather than stored unverified. */
export const UNSUPPORTED_ALGORITHMS = ['SHA512', 'MD5', 'XXHASH64', 'XXHASH3', 'XXHASH128'];

/** The header (and trailer) an algorithm's value travels in. */
export const checksumHeader = (algorithm: string) => `x-amz-checksum-${algorithm.toLowerCase()}`;

/** Upper-cased algorithm name; throws NotImplemented for modelled algorithms Drydock lacks. */
export function parseAlgorithm(name: string): ChecksumAlgorithm {
  const upper = name.toUpperCase();
  if ((SUPPORTED_ALGORITHMS as string[]).includes(upper)) return upper as ChecksumAlgorithm;
  if (UNSUPPORTED_ALGORITHMS.includes(upper)) throw notImplementedChecksum(upper);
  throw notImplementedChecksum(name);
}

/** Raw digest length of each algorithm, to reject malformed client values. */
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

export function isWellFormed(algorithm: ChecksumAlgorithm, base64: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(base64) && Buffer.from(base64, 'base64').length === DIGEST_BYTES[algorithm];
}

// Loaded on first use: the packages cost tens of milliseconds of start-up that most runs never need.
const load = createRequire(import.meta.url);
let crc32cClass: typeof Crc32c | undefined;
const Crc32cClass = () => (crc32cClass ??= (load('@aws-crypto/crc32c') as typeof import('@aws-crypto/crc32c')).Crc32c);
/** The AWS SDK's own CRC64-NVME (the SDKs compute x-amz-checksum-crc64nvme with it). */
let crc64NvmeClass: typeof Crc64Nvme | undefined;
const Crc64NvmeClass = () => (crc64NvmeClass ??= (load('@aws-sdk/crc64-nvme') as typeof import('@aws-sdk/crc64-nvme')).Crc64Nvme);

/** Incremental digest of one algorithm. */
export class Checksum {
  /** CRC32 runs in zlib's native code (the SDK sends it by default: a JavaScript CRC32 was the cost of every upload). */
  private crc32?: number;
  private readonly crc32c?: Crc32c;
  private readonly crc64nvme?: Crc64Nvme;
  private readonly hash?: Hash;

  constructor(readonly algorithm: ChecksumAlgorithm) {
    if (algorithm === 'CRC32') this.crc32 = 0;
    else if (algorithm === 'CRC32C') this.crc32c = new (Crc32cClass())();
    else if (algorithm === 'CRC64NVME') this.crc64nvme = new (Crc64NvmeClass())();
    else this.hash = createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256');
  }

  update(chunk: Buffer): void {
    if (this.crc32 !== undefined) this.crc32 = crc32(chunk, this.crc32);
    else if (this.crc32c) this.crc32c.update(chunk);
    else if (this.crc64nvme) this.crc64nvme.update(chunk);
    else this.hash!.update(chunk);
  }

  /** The raw digest bytes (big-endian for CRCs, as S3 encodes them); async as the SDK's CRC64-NVME is. */
  async digest(): Promise<Buffer> {
    if (this.crc64nvme) return Buffer.from(await this.crc64nvme.digest());
    const crc = this.crc32 ?? this.crc32c?.digest();
    if (crc !== undefined) {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(crc >>> 0);
      return out;
    }
    return this.hash!.digest();
  }

  async base64(): Promise<string> {
    return (await this.digest()).toString('base64');
  }
}

/** S3's COMPOSITE multipart checksum: the checksum of the parts' raw checksums, suffixed `-<part count>`. */
export async function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: string[]): Promise<string> {
  const combined = new Checksum(algorithm);
  for (const value of partChecksums) combined.update(Buffer.from(value, 'base64'));
  return `${await combined.base64()}-${partChecksums.length}`;
}

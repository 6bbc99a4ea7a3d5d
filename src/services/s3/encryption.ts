/**
 * Server-side encryption as S3 applies and reports it. Every object is encrypted: with SSE-S3
 * (AES256, S3's default since January 2023) unless the request's x-amz-server-side-encryption or
 * the bucket's default encryption asks for SSE-KMS (aws:kms, aws:kms:dsse). An SSE-KMS key is
 * looked up in KMS, as the caller, when the object is written (AWS calls KMS then too): a key
 * that does not exist, lives in another region, is disabled or pending deletion refuses the write
 * with the `KMS.*` error S3 relays, and the object reports the key's ARN.
 */
import type { ServerSideEncryptionConfiguration } from '@aws-sdk/client-s3';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { S3Core } from './core.js';
import * as e from './errors.js';
import type { BucketRow, ObjectAttributes } from './store.js';

const ALGORITHMS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);
/** The AWS managed key S3 encrypts with when SSE-KMS names no key. */
const S3_MANAGED_KEY = 'alias/aws/s3';

/** The request members of an object write that choose its encryption. */
export interface EncryptionInput {
  ServerSideEncryption?: string;
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
}

export type Encryption = Pick<ObjectAttributes, 'sse_algorithm' | 'sse_kms_key_id' | 'sse_bucket_key'>;

/** The response members that report an object's encryption. */
export interface EncryptionMembers {
  ServerSideEncryption: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
}

const SSE_S3: Encryption = { sse_algorithm: 'AES256', sse_kms_key_id: null, sse_bucket_key: 0 };

/** The bucket's default rule; SSE-S3 for a bucket that never had one set (or had it deleted). */
function bucketDefault(bucket: BucketRow): { algorithm: string; keyId?: string; bucketKey: boolean } {
  const rule = bucket.encryption ? (JSON.parse(bucket.encryption) as ServerSideEncryptionConfiguration).Rules?.[0] : undefined;
  const apply = rule?.ApplyServerSideEncryptionByDefault;
  return { algorithm: apply?.SSEAlgorithm ?? 'AES256', keyId: apply?.KMSMasterKeyID, bucketKey: rule?.BucketKeyEnabled ?? false };
}

/** Refuses SSE headers S3 refuses, before anything of the write is stored. */
export function checkEncryptionHeaders(input: EncryptionInput): void {
  const algorithm = input.ServerSideEncryption;
  if (algorithm !== undefined && !ALGORITHMS.has(algorithm)) throw e.invalidArgument('The encryption method specified is not supported', 'x-amz-server-side-encryption', algorithm);
  if (input.SSEKMSKeyId !== undefined && !algorithm?.startsWith('aws:kms')) {
    throw e.invalidArgument(
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id',
      input.SSEKMSKeyId,
    );
  }
}

/**
 * The encryption a write gives its object: the request's headers, else the bucket's default. An
 * SSE-KMS key named by neither is S3's AWS managed key (aws/s3), created on first use as in AWS.
 */
export async function writeEncryption(core: S3Core, bucket: BucketRow, input: EncryptionInput, ctx: RequestContext): Promise<Encryption> {
  checkEncryptionHeaders(input);
  const fallback = bucketDefault(bucket);
  const requested = input.ServerSideEncryption;
  const algorithm = requested ?? fallback.algorithm;
  if (algorithm === 'AES256') return SSE_S3;
  const keyId = requested === undefined ? fallback.keyId : input.SSEKMSKeyId;
  const bucketKey = input.BucketKeyEnabled ?? (requested === undefined && fallback.bucketKey);
  return { sse_algorithm: algorithm, sse_kms_key_id: await kmsKeyArn(core, bucket, keyId ?? S3_MANAGED_KEY, ctx), sse_bucket_key: bucketKey ? 1 : 0 };
}

/** The ARN of a usable symmetric KMS key in the bucket's region, found through KMS's DescribeKey as the caller. */
async function kmsKeyArn(core: S3Core, bucket: BucketRow, keyId: string, ctx: RequestContext): Promise<string> {
  // A key (or alias) ARN of another region is refused before KMS is asked: S3 uses keys of its own region only.
  const arnRegion = /^arn:[\w-]+:kms:([^:]*):/.exec(keyId)?.[1];
  if (arnRegion !== undefined && arnRegion !== bucket.region) throw kmsError('NotFoundException', `Invalid arn ${arnRegion}`);
  let metadata: { Arn?: string; KeyState?: string; KeyUsage?: string; KeySpec?: string } | undefined;
  try {
    const caller = { principal: ctx.principal, account: ctx.account, region: bucket.region, calledVia: [...(ctx.calledVia ?? []), 's3.amazonaws.com'] };
    metadata = (await core.rt.call('kms', 'DescribeKey', { KeyId: keyId }, caller)).KeyMetadata;
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    // KMS's refusal to let the caller use the key is S3's AccessDenied; any other is relayed as KMS.<code>.
    if (err.code === 'AccessDeniedException') throw e.accessDeniedBecause(err.message);
    throw kmsError(err.code, err.message);
  }
  const arn = metadata?.Arn ?? keyId;
  const state = metadata?.KeyState;
  if (state === 'Disabled') throw kmsError('DisabledException', `${arn} is disabled.`);
  // KMS's own words for a state: "… is pending deletion.", "… is pending import." …
  if (state !== 'Enabled') throw kmsError('KMSInvalidStateException', `${arn} is ${(state ?? 'Unavailable').replace(/(?!^)[A-Z]/g, ' $&').toLowerCase()}.`);
  if (metadata?.KeyUsage !== 'ENCRYPT_DECRYPT') throw kmsError('InvalidKeyUsageException', `${arn} key usage is ${metadata?.KeyUsage} which is not valid for GenerateDataKey.`);
  if (metadata.KeySpec !== 'SYMMETRIC_DEFAULT') throw kmsError('InvalidKeyUsageException', `${arn} key spec ${metadata.KeySpec} requires an asymmetric EncryptionAlgorithm.`);
  return arn;
}

/** A KMS refusal as S3 relays it: `KMS.<KMS's code>`, 400, KMS's message. */
function kmsError(code: string, message: string): AwsError {
  return new AwsError(`KMS.${code}`, message, { status: 400 });
}

/** How a stored version or upload reports its encryption (rows from before it was kept read as SSE-S3). */
export function encryptionMembers(row: Encryption): EncryptionMembers {
  return {
    ServerSideEncryption: (row.sse_algorithm ?? 'AES256') as EncryptionMembers['ServerSideEncryption'],
    SSEKMSKeyId: row.sse_kms_key_id ?? undefined,
    BucketKeyEnabled: row.sse_bucket_key ? true : undefined,
  };
}

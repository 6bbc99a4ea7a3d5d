/**
 * SecureString values, encrypted and decrypted by calling KMS for the caller, as AWS does.
 *
 * Why through `rt.call` and not KMS's api: AWS's Parameter Store calls KMS on the caller's behalf
 * (aws:CalledVia ssm.amazonaws.com, so KMS sees kms:ViaService ssm.<region>.amazonaws.com), and the
 * key policy decides with the caller's own IAM policies: a customer key needs kms:Encrypt or
 * kms:GenerateDataKey, and kms:Decrypt, while the AWS managed key's policy lets every principal of
 * the account use it through SSM. Calling the KMS operations keeps those checks, and key state, in
 * KMS's own authorization step instead of copying them here; the price is async reads and an
 * encryption made before PutParameter's transaction.
 *
 * Standard-tier values (at most 4 KB) are encrypted by KMS Encrypt. Advanced-tier values are larger
 * than KMS encrypts directly, so, as on AWS, they are sealed with a data key from GenerateDataKey
 * (AES-256-GCM, the parameter's ARN as additional data) and the encrypted data key is stored with
 * them; reading them decrypts the data key with KMS Decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { InProcessCaller } from '../contracts.js';
import type { SsmContext } from './common.js';
import { parameterArn } from './names.js';

/** First byte of a data-key envelope (KMS's own ciphertexts never start with it). */
const DATA_KEY_ENVELOPE = 0xff;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_KMS_CIPHERTEXT = 6144;

/**
 * KMS's refusal as SSM reports it: KMS's own message with the downstream call's details appended,
 * as AWS's Parameter Store does (`… (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; …)`).
 */
async function kms<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof AwsError && err.code === 'AccessDeniedException') {
      throw new AwsError('AccessDeniedException', `${err.message} (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: ${randomUUID()}; Proxy: null)`, { status: 400 });
    }
    throw err;
  }
}

function viaSsm(ctx: RequestContext): InProcessCaller {
  return { principal: ctx.principal, account: ctx.account, region: ctx.region, calledVia: [...(ctx.calledVia ?? []), 'ssm.amazonaws.com'] };
}

/** `[0xff][uint16 length][encrypted data key][iv][tag][body]`, base64: the value of an Advanced-tier SecureString. */
async function sealWithDataKey(c: SsmContext, ctx: RequestContext, keyId: string, plaintext: Buffer, arn: string): Promise<Buffer> {
  const dataKey = await kms(() => c.rt.call('kms', 'GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { PARAMETER_ARN: arn } }, viaSsm(ctx)));
  const keyBlob = Buffer.from(dataKey.CiphertextBlob!);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(dataKey.Plaintext!), iv);
  cipher.setAAD(Buffer.from(arn, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const header = Buffer.alloc(3);
  header[0] = DATA_KEY_ENVELOPE;
  header.writeUInt16BE(keyBlob.length, 1);
  return Buffer.concat([header, keyBlob, iv, cipher.getAuthTag(), body]);
}

async function openWithDataKey(c: SsmContext, ctx: RequestContext, blob: Buffer, arn: string): Promise<Buffer> {
  const keyLength = blob.readUInt16BE(1);
  const keyBlob = blob.subarray(3, 3 + keyLength);
  const iv = blob.subarray(3 + keyLength, 3 + keyLength + IV_BYTES);
  const tag = blob.subarray(3 + keyLength + IV_BYTES, 3 + keyLength + IV_BYTES + TAG_BYTES);
  const { Plaintext } = await kms(() => c.rt.call('kms', 'Decrypt', { CiphertextBlob: keyBlob, EncryptionContext: { PARAMETER_ARN: arn } }, viaSsm(ctx)));
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(Plaintext!), iv);
  decipher.setAAD(Buffer.from(arn, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(blob.subarray(3 + keyLength + IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/** The stored (base64) ciphertext of a SecureString value, encrypted for the caller under `keyId`. */
export async function encrypt(c: SsmContext, ctx: RequestContext, name: string, keyId: string, plaintext: string, tier: string): Promise<string> {
  const arn = parameterArn(ctx.region, ctx.account, name);
  const bytes = Buffer.from(plaintext, 'utf8');
  try {
    if (tier === 'Advanced') return (await sealWithDataKey(c, ctx, keyId, bytes, arn)).toString('base64');
    const { CiphertextBlob } = await kms(() => c.rt.call('kms', 'Encrypt', { KeyId: keyId, Plaintext: bytes, EncryptionContext: { PARAMETER_ARN: arn } }, viaSsm(ctx)));
    return Buffer.from(CiphertextBlob!).toString('base64');
  } catch (err) {
    if (err instanceof AwsError && err.code === 'NotFoundException') throw new AwsError('InvalidKeyId', `Invalid KeyId: ${keyId}. ${err.message}`);
    throw err;
  }
}

async function decrypt(c: SsmContext, ctx: RequestContext, name: string, ciphertext: string): Promise<string> {
  const arn = parameterArn(ctx.region, ctx.account, name);
  const blob = Buffer.from(ciphertext, 'base64');
  if (blob[0] === DATA_KEY_ENVELOPE) return (await openWithDataKey(c, ctx, blob, arn)).toString('utf8');
  // Advanced-tier values written before data keys were used are KMS ciphertexts longer than KMS
  // Decrypt accepts (6144 bytes): they are opened through KMS's api, without the caller's check.
  if (blob.length > MAX_KMS_CIPHERTEXT) return c.rt.api('kms').decrypt(ctx, blob, { PARAMETER_ARN: arn }).plaintext.toString('utf8');
  const { Plaintext } = await kms(() => c.rt.call('kms', 'Decrypt', { CiphertextBlob: blob, EncryptionContext: { PARAMETER_ARN: arn } }, viaSsm(ctx)));
  return Buffer.from(Plaintext!).toString('utf8');
}

/**
 * Replaces the ciphertext of each SecureString value with its plaintext when decryption is asked
 * for: read operations build their answer with the stored ciphertext, then decrypt it here.
 */
export async function decryptValues<T extends { Name?: string; Type?: string; Value?: string }>(c: SsmContext, ctx: RequestContext, items: T[], withDecryption: boolean | undefined): Promise<T[]> {
  if (!withDecryption) return items;
  for (const item of items) {
    if (item.Type === 'SecureString' && item.Value !== undefined) item.Value = await decrypt(c, ctx, item.Name!, item.Value);
  }
  return items;
}

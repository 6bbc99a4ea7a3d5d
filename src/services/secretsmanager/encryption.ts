/**
 * Secret values, encrypted as AWS's Secrets Manager encrypts them: envelope encryption under a data
 * key that KMS makes for the secret's key (GenerateDataKey, AES-256), bound to the encryption context
 * SecretARN + SecretVersionId. Only the encrypted data key and the sealed value are stored.
 *
 * A write asks KMS for the data key as the caller, through Secrets Manager (rt.call, so the key
 * policy, the caller's IAM policies, kms:ViaService and key state are KMS's own checks, and the AWS
 * managed key alias/aws/secretsmanager is created by that first use); a read asks KMS to decrypt the
 * data key as the caller. Work Secrets Manager does on its own (re-encryption under a new key,
 * replicas, comparing a retried request's value) uses KMS's api instead.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Scope } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { InProcessCaller } from '../contracts.js';
import { DEFAULT_KMS_KEY, type SecretsContext, type SecretValue } from './common.js';
import type { SecretRow, VersionRow } from './store.js';

/** First byte of a data-key envelope (KMS's own ciphertexts, which older versions stored, start with 1). */
const DATA_KEY_ENVELOPE = 0xff;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A data key KMS made to seal one version's value. */
export interface DataKey {
  /** The key as the request named it (the secret's KmsKeyId, or the AWS managed key's alias). */
  requestedKey: string;
  keyArn: string;
  plaintext: Buffer;
  encrypted: Buffer;
}

/** Secrets Manager's KMS encryption context, as AWS binds it. */
function contextOf(secretArn: string, versionId: string) {
  return { SecretARN: secretArn, SecretVersionId: versionId };
}

function scopeOfSecret(secret: SecretRow): Scope {
  return { account: secret.account, region: secret.region };
}

/** The key a secret's values are encrypted under. */
function keyOf(secret: SecretRow): string {
  return secret.kms_key_id ?? DEFAULT_KMS_KEY;
}

/**
 * Secrets Manager uses KMS on its caller's behalf (aws:CalledVia secretsmanager.amazonaws.com, so
 * KMS sees kms:ViaService secretsmanager.<region>.amazonaws.com): the caller needs the KMS
 * permissions on a customer key, while the AWS managed key's policy lets the whole account use it
 * through Secrets Manager.
 */
function viaSecretsManager(ctx: RequestContext): InProcessCaller {
  return { principal: ctx.principal, account: ctx.account, region: ctx.region, calledVia: [...(ctx.calledVia ?? []), 'secretsmanager.amazonaws.com'] };
}

/** KMS's refusal as Secrets Manager reports it. */
const kmsNotAllowed = () => new AwsError('AccessDeniedException', 'Access to KMS is not allowed', { status: 400 });

const encryptionFailure = (err: AwsError) =>
  new AwsError(
    'EncryptionFailure',
    `Secrets Manager can't encrypt the protected secret text using the provided KMS key. Check that the KMS key is available, enabled, and not in an invalid state. (${err.code}: ${err.message})`,
  );

const decryptionFailure = (err: AwsError) => new AwsError('DecryptionFailure', `Secrets Manager can't decrypt the protected secret text using the provided KMS key. (${err.code}: ${err.message})`);

/** `[0xff][uint16 length][encrypted data key][iv][tag][value]`, the value sealed with AES-256-GCM under the data key. */
function seal(dataKey: { plaintext: Buffer; encrypted: Buffer }, secretArn: string, versionId: string, value: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey.plaintext, iv);
  cipher.setAAD(Buffer.from(`${secretArn}\0${versionId}`, 'utf8'));
  const body = Buffer.concat([cipher.update(value), cipher.final()]);
  const header = Buffer.alloc(3);
  header[0] = DATA_KEY_ENVELOPE;
  header.writeUInt16BE(dataKey.encrypted.length, 1);
  return Buffer.concat([header, dataKey.encrypted, iv, cipher.getAuthTag(), body]);
}

/** The encrypted data key an envelope carries; undefined for a value stored as a KMS ciphertext. */
function encryptedDataKey(blob: Buffer): Buffer | undefined {
  return blob[0] === DATA_KEY_ENVELOPE ? blob.subarray(3, 3 + blob.readUInt16BE(1)) : undefined;
}

function unseal(blob: Buffer, dataKey: Buffer, secretArn: string, versionId: string): Buffer {
  const start = 3 + blob.readUInt16BE(1);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, blob.subarray(start, start + IV_BYTES));
    decipher.setAAD(Buffer.from(`${secretArn}\0${versionId}`, 'utf8'));
    decipher.setAuthTag(blob.subarray(start + IV_BYTES, start + IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(blob.subarray(start + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new AwsError('InvalidCiphertextException', 'The ciphertext is invalid.');
  }
}

/**
 * Asks KMS, as the caller, for a data key of `keyId` (the AWS managed key when none) bound to the
 * version: KMS's refusal is "Access to KMS is not allowed", other failures EncryptionFailure.
 */
export async function dataKeyFor(c: SecretsContext, ctx: RequestContext, keyId: string | null | undefined, secretArn: string, versionId: string): Promise<DataKey> {
  const requestedKey = keyId || DEFAULT_KMS_KEY;
  try {
    const { Plaintext, CiphertextBlob, KeyId } = await c.rt.call(
      'kms',
      'GenerateDataKey',
      { KeyId: requestedKey, KeySpec: 'AES_256', EncryptionContext: contextOf(secretArn, versionId) },
      viaSecretsManager(ctx),
    );
    return { requestedKey, keyArn: KeyId!, plaintext: Buffer.from(Plaintext!), encrypted: Buffer.from(CiphertextBlob!) };
  } catch (err) {
    if (err instanceof AwsError) throw err.code === 'AccessDeniedException' ? kmsNotAllowed() : encryptionFailure(err);
    throw err;
  }
}

/**
 * Encrypts a version's value under the secret's key: with the caller's data key when it was made
 * for that key (a concurrent change of the secret's key discards it), else with one from KMS's api.
 */
export function encrypt(c: SecretsContext, secret: SecretRow, versionId: string, value: SecretValue, dataKey?: DataKey): { ciphertext: Buffer; keyArn: string } {
  if (dataKey?.requestedKey === keyOf(secret)) return { ciphertext: seal(dataKey, secret.arn, versionId, value.bytes), keyArn: dataKey.keyArn };
  const plaintext = randomBytes(32);
  try {
    const { ciphertextBlob, keyArn } = c.rt.api('kms').encrypt(scopeOfSecret(secret), keyOf(secret), plaintext, contextOf(secret.arn, versionId));
    return { ciphertext: seal({ plaintext, encrypted: ciphertextBlob }, secret.arn, versionId, value.bytes), keyArn };
  } catch (err) {
    if (err instanceof AwsError) throw encryptionFailure(err);
    throw err;
  }
}

/** Decryption Secrets Manager makes for itself (retries, re-encryption, replication), not for a caller's read. */
export function decrypt(c: SecretsContext, secret: SecretRow, version: VersionRow): SecretValue {
  const context = contextOf(secret.arn, version.version_id);
  try {
    const kms = c.rt.api('kms');
    const encrypted = encryptedDataKey(version.ciphertext);
    const bytes = encrypted
      ? unseal(version.ciphertext, kms.decrypt(scopeOfSecret(secret), encrypted, context).plaintext, secret.arn, version.version_id)
      : kms.decrypt(scopeOfSecret(secret), version.ciphertext, context).plaintext;
    return { bytes, binary: version.is_binary === 1 };
  } catch (err) {
    if (err instanceof AwsError) throw decryptionFailure(err);
    throw err;
  }
}

/**
 * A version's value, its data key decrypted by KMS for the caller (naming the key by ARN, so a
 * secret of another account decrypts with that account's key as its key policy allows).
 */
export async function decryptFor(c: SecretsContext, ctx: RequestContext, secret: SecretRow, version: VersionRow): Promise<SecretValue> {
  const encrypted = encryptedDataKey(version.ciphertext);
  try {
    const { Plaintext } = await c.rt.call(
      'kms',
      'Decrypt',
      { CiphertextBlob: encrypted ?? version.ciphertext, EncryptionContext: contextOf(secret.arn, version.version_id), KeyId: version.kms_key_arn },
      viaSecretsManager(ctx),
    );
    const bytes = encrypted ? unseal(version.ciphertext, Buffer.from(Plaintext!), secret.arn, version.version_id) : Buffer.from(Plaintext!);
    return { bytes, binary: version.is_binary === 1 };
  } catch (err) {
    if (err instanceof AwsError && err.code === 'AccessDeniedException') throw kmsNotAllowed();
    if (err instanceof AwsError) throw decryptionFailure(err);
    throw err;
  }
}

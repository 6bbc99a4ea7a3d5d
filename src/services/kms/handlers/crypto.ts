/** KMS encryption: Encrypt, Decrypt, ReEncrypt, data keys and data key pairs, random bytes. */
import { constants, createPublicKey, generateKeyPairSync, type KeyPairKeyObjectResult, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import type * as K from '@aws-sdk/client-kms';
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { customKeyStoreNotFound, dryRun, HASH_OF, type KmsContext, recipientUnsupported, scopeOf } from '../common.js';
import { keyArn, scopeOfKey } from '../keys.js';
import { privateKey } from '../specs.js';
import type { KeyRow } from '../store.js';

/** The algorithms a key encrypts with; InvalidKeyUsageException for any other. */
function checkEncryptionAlgorithm(c: KmsContext, scope: Scope, row: KeyRow, algorithm: string): void {
  if (!((c.keys.info(row).EncryptionAlgorithms ?? []) as string[]).includes(algorithm)) {
    throw new AwsError('InvalidKeyUsageException', `The encryption algorithm ${algorithm} is not compatible with ${keyArn(scope, row.key_id)} (${row.key_spec}).`);
  }
}

/** Encrypts with any encryption key: the envelope for symmetric keys, RSA-OAEP for RSA keys. */
export function encryptWith(c: KmsContext, scope: Scope, row: KeyRow, plaintext: Buffer, context: Record<string, string> | undefined, algorithm: string | undefined, operation: string): Buffer {
  c.keys.assertUsable(scope, row, 'ENCRYPT_DECRYPT', operation);
  const chosen = algorithm ?? 'SYMMETRIC_DEFAULT';
  checkEncryptionAlgorithm(c, scope, row, chosen);
  if (chosen === 'SYMMETRIC_DEFAULT') return c.keys.encrypt(scope, row, plaintext, context, operation);
  if (context && Object.keys(context).length) throw new AwsError('ValidationException', 'EncryptionContext is not supported with asymmetric keys.');
  const key = createPublicKey(privateKey(c.keys.currentMaterial(scope, row).material));
  try {
    return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: HASH_OF[chosen] }, plaintext);
  } catch {
    throw new AwsError('ValidationException', `Plaintext of ${plaintext.length} bytes is too long for ${row.key_spec} with ${chosen}.`);
  }
}

/** Decrypts a blob from this KMS: symmetric envelopes need no key id; RSA ciphertexts need KeyId and the algorithm. */
export function decryptWith(
  c: KmsContext,
  scope: Scope,
  blob: Buffer,
  context: Record<string, string> | undefined,
  keyId: string | undefined,
  algorithm: string | undefined,
): { plaintext: Buffer; row: KeyRow; algorithm: string } {
  const explicit = keyId === undefined ? undefined : c.keys.resolve(scope, keyId, { allowAlias: true, crossAccount: true });
  if (explicit && explicit.key_spec !== 'SYMMETRIC_DEFAULT') {
    const keyScope = scopeOfKey(explicit);
    c.keys.assertUsable(keyScope, explicit, 'ENCRYPT_DECRYPT', 'Decrypt');
    const chosen = algorithm ?? 'SYMMETRIC_DEFAULT';
    checkEncryptionAlgorithm(c, keyScope, explicit, chosen);
    try {
      const plaintext = privateDecrypt({ key: privateKey(c.keys.currentMaterial(keyScope, explicit).material), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: HASH_OF[chosen] }, blob);
      return { plaintext, row: explicit, algorithm: chosen };
    } catch {
      throw new AwsError('InvalidCiphertextException', 'The ciphertext is invalid.');
    }
  }
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
  const { plaintext, row } = c.keys.decrypt(scope, blob, context, keyId);
  return { plaintext, row, algorithm: 'SYMMETRIC_DEFAULT' };
}

/** The length of a data key: KeySpec or NumberOfBytes, exactly one of them. */
export function dataKeyLength(input: { KeySpec?: string; NumberOfBytes?: number }): number {
  if (input.KeySpec !== undefined && input.NumberOfBytes !== undefined) throw new AwsError('ValidationException', 'Please specify either number of bytes or key spec, not both.');
  if (input.KeySpec === 'AES_256') return 32;
  if (input.KeySpec === 'AES_128') return 16;
  if (input.NumberOfBytes !== undefined) return input.NumberOfBytes;
  throw new AwsError('ValidationException', 'Please specify either number of bytes or key spec.');
}

/** A fresh key pair for GenerateDataKeyPair: DER PKCS#8 private key and DER SPKI public key. */
export function dataKeyPair(spec: string): { privateKey: Buffer; publicKey: Buffer } {
  const curves: Record<string, string> = { ECC_NIST_P256: 'prime256v1', ECC_NIST_P384: 'secp384r1', ECC_NIST_P521: 'secp521r1', ECC_SECG_P256K1: 'secp256k1' };
  const rsaBits = /^RSA_(\d+)$/.exec(spec);
  let pair: KeyPairKeyObjectResult;
  if (rsaBits) pair = generateKeyPairSync('rsa', { modulusLength: Number(rsaBits[1]) });
  else if (curves[spec]) pair = generateKeyPairSync('ec', { namedCurve: curves[spec] });
  else if (spec === 'ECC_NIST_EDWARDS25519') pair = generateKeyPairSync('ed25519');
  else throw new AwsError('UnsupportedOperationException', `KeyPairSpec ${spec} is not supported by Drydock.`);
  return { privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'der' }), publicKey: pair.publicKey.export({ type: 'spki', format: 'der' }) };
}

/**
 * The symmetric encryption every data-key operation makes: under the key (alias, or AWS managed
 * key created on first use) the request names, refused at the end by DryRun, recorded as a use.
 */
function encryptDataKey(
  c: KmsContext,
  ctx: RequestContext,
  operation: string,
  input: { KeyId?: string; EncryptionContext?: Record<string, string>; DryRun?: boolean },
  plaintext: Buffer,
): { CiphertextBlob: Buffer; KeyId: string } {
  const row = c.keys.resolve(scopeOf(ctx), input.KeyId!, { allowAlias: true, createAwsManaged: true, crossAccount: true });
  const scope = scopeOfKey(row);
  const blob = c.keys.encrypt(scope, row, plaintext, input.EncryptionContext, operation);
  if (input.DryRun) throw dryRun();
  c.keys.recordUse(scope, row, operation, ctx.requestId);
  return { CiphertextBlob: blob, KeyId: keyArn(scope, row.key_id) };
}

function requireCiphertext(blob: Uint8Array | undefined): Buffer {
  if (!blob) throw new AwsError('ValidationException', "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
  return Buffer.from(blob);
}

export function encrypt(c: KmsContext, input: K.EncryptRequest, ctx: RequestContext): K.EncryptResponse {
  const row = c.keys.resolve(scopeOf(ctx), input.KeyId!, { allowAlias: true, createAwsManaged: true, crossAccount: true });
  const scope = scopeOfKey(row);
  const blob = encryptWith(c, scope, row, Buffer.from(input.Plaintext!), input.EncryptionContext, input.EncryptionAlgorithm, 'Encrypt');
  if (input.DryRun) throw dryRun();
  c.keys.recordUse(scope, row, 'Encrypt', ctx.requestId);
  return { CiphertextBlob: blob, KeyId: keyArn(scope, row.key_id), EncryptionAlgorithm: input.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT' };
}

export function decrypt(c: KmsContext, input: K.DecryptRequest, ctx: RequestContext): K.DecryptResponse {
  const ciphertext = requireCiphertext(input.CiphertextBlob);
  if (input.Recipient) throw recipientUnsupported();
  const { plaintext, row, algorithm } = decryptWith(c, scopeOf(ctx), ciphertext, input.EncryptionContext, input.KeyId, input.EncryptionAlgorithm);
  const scope = scopeOfKey(row);
  if (input.DryRun) throw dryRun();
  c.keys.recordUse(scope, row, 'Decrypt', ctx.requestId);
  return { KeyId: keyArn(scope, row.key_id), Plaintext: plaintext, EncryptionAlgorithm: algorithm as K.EncryptionAlgorithmSpec };
}

export function reEncrypt(c: KmsContext, input: K.ReEncryptRequest, ctx: RequestContext): K.ReEncryptResponse {
  const scope = scopeOf(ctx);
  const source = decryptWith(c, scope, requireCiphertext(input.CiphertextBlob), input.SourceEncryptionContext, input.SourceKeyId, input.SourceEncryptionAlgorithm);
  const destination = c.keys.resolve(scope, input.DestinationKeyId!, { allowAlias: true, createAwsManaged: true, crossAccount: true });
  const sourceScope = scopeOfKey(source.row);
  const destinationScope = scopeOfKey(destination);
  const blob = encryptWith(c, destinationScope, destination, source.plaintext, input.DestinationEncryptionContext, input.DestinationEncryptionAlgorithm, 'ReEncrypt');
  if (input.DryRun) throw dryRun();
  c.keys.recordUse(sourceScope, source.row, 'ReEncrypt', ctx.requestId);
  c.keys.recordUse(destinationScope, destination, 'ReEncrypt', ctx.requestId);
  return {
    CiphertextBlob: blob,
    SourceKeyId: keyArn(sourceScope, source.row.key_id),
    KeyId: keyArn(destinationScope, destination.key_id),
    SourceEncryptionAlgorithm: source.algorithm as K.EncryptionAlgorithmSpec,
    DestinationEncryptionAlgorithm: input.DestinationEncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT',
  };
}

export function generateDataKey(c: KmsContext, input: K.GenerateDataKeyRequest, ctx: RequestContext): K.GenerateDataKeyResponse {
  if (input.Recipient) throw recipientUnsupported();
  const plaintext = randomBytes(dataKeyLength(input));
  return { ...encryptDataKey(c, ctx, 'GenerateDataKey', input, plaintext), Plaintext: plaintext };
}

export function generateDataKeyWithoutPlaintext(c: KmsContext, input: K.GenerateDataKeyWithoutPlaintextRequest, ctx: RequestContext): K.GenerateDataKeyWithoutPlaintextResponse {
  return encryptDataKey(c, ctx, 'GenerateDataKeyWithoutPlaintext', input, randomBytes(dataKeyLength(input)));
}

export function generateDataKeyPair(c: KmsContext, input: K.GenerateDataKeyPairRequest, ctx: RequestContext): K.GenerateDataKeyPairResponse {
  if (input.Recipient) throw recipientUnsupported();
  const pair = dataKeyPair(input.KeyPairSpec!);
  const { CiphertextBlob, KeyId } = encryptDataKey(c, ctx, 'GenerateDataKeyPair', input, pair.privateKey);
  return { PrivateKeyCiphertextBlob: CiphertextBlob, PrivateKeyPlaintext: pair.privateKey, PublicKey: pair.publicKey, KeyId, KeyPairSpec: input.KeyPairSpec };
}

export function generateDataKeyPairWithoutPlaintext(c: KmsContext, input: K.GenerateDataKeyPairWithoutPlaintextRequest, ctx: RequestContext): K.GenerateDataKeyPairWithoutPlaintextResponse {
  const pair = dataKeyPair(input.KeyPairSpec!);
  const { CiphertextBlob, KeyId } = encryptDataKey(c, ctx, 'GenerateDataKeyPairWithoutPlaintext', input, pair.privateKey);
  return { PrivateKeyCiphertextBlob: CiphertextBlob, PublicKey: pair.publicKey, KeyId, KeyPairSpec: input.KeyPairSpec };
}

export function generateRandom(_c: KmsContext, input: K.GenerateRandomRequest): K.GenerateRandomResponse {
  if (input.CustomKeyStoreId !== undefined) throw customKeyStoreNotFound(input.CustomKeyStoreId);
  if (input.Recipient) throw recipientUnsupported();
  if (input.NumberOfBytes === undefined) throw new AwsError('ValidationException', 'Please specify the number of bytes.');
  return { Plaintext: randomBytes(input.NumberOfBytes) };
}

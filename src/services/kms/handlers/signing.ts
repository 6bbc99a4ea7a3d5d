/** KMS asymmetric and HMAC keys: Sign, Verify, GetPublicKey, DeriveSharedSecret, GenerateMac, VerifyMac. */
import { constants, createHmac, createPublicKey, sign as cryptoSign, verify as cryptoVerify, diffieHellman, type KeyObject, timingSafeEqual } from 'node:crypto';
import type * as K from '@aws-sdk/client-kms';
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { assertNotPendingDeletion, assertNotPendingImport, dryRun, HASH_OF, type KmsContext, recipientUnsupported, scopeOf } from '../common.js';
import { DIGEST_LENGTH, ecdsaSignDigest, ecdsaVerifyDigest, rsaPkcs1SignDigest, rsaPkcs1VerifyDigest, rsaPssSignDigest, rsaPssVerifyDigest } from '../digest-sign.js';
import { keyArn } from '../keys.js';
import { privateKey, publicKeyDer } from '../specs.js';
import type { KeyRow } from '../store.js';

/** The hash of a signing algorithm, once the key, algorithm and message type are known to fit. */
export function signingHash(c: KmsContext, scope: Scope, row: KeyRow, algorithm: string, messageType: string | undefined, message: Buffer, operation: string): string {
  c.keys.assertUsable(scope, row, 'SIGN_VERIFY', operation);
  if (!((c.keys.info(row).SigningAlgorithms ?? []) as string[]).includes(algorithm)) {
    throw new AwsError('InvalidKeyUsageException', `Signing algorithm ${algorithm} is not compatible with ${keyArn(scope, row.key_id)} (${row.key_spec}).`);
  }
  if (algorithm === 'ED25519_PH_SHA_512') throw new AwsError('UnsupportedOperationException', 'ED25519_PH_SHA_512 (pre-hashed Ed25519) is not supported by Drydock; use ED25519_SHA_512.');
  if (algorithm === 'ED25519_SHA_512' && messageType === 'DIGEST') throw new AwsError('ValidationException', 'ED25519_SHA_512 requires MessageType RAW.');
  // Pure Ed25519 hashes internally: node signs it with a null digest.
  const hash = algorithm === 'ED25519_SHA_512' ? '' : HASH_OF[algorithm];
  if (messageType === 'EXTERNAL_MU') throw new AwsError('ValidationException', 'MessageType EXTERNAL_MU is only valid with ML-DSA keys.');
  if (messageType === 'DIGEST' && message.length !== DIGEST_LENGTH[hash]) throw new AwsError('ValidationException', `Digest is invalid length for algorithm ${algorithm}.`);
  return hash;
}

function signOptions(key: KeyObject, algorithm: string) {
  // KMS signs PSS with a salt as long as the digest.
  if (algorithm.startsWith('RSASSA_PSS')) return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: DIGEST_LENGTH[HASH_OF[algorithm]] };
  if (algorithm.startsWith('RSASSA_PKCS1')) return { key, padding: constants.RSA_PKCS1_PADDING };
  if (algorithm.startsWith('ECDSA')) return { key, dsaEncoding: 'der' as const };
  return { key };
}

export function signMessage(material: Buffer, algorithm: string, hash: string, message: Buffer, messageType: string | undefined): Buffer {
  const key = privateKey(material);
  if (messageType !== 'DIGEST') return cryptoSign(hash || null, message, signOptions(key, algorithm));
  if (algorithm.startsWith('RSASSA_PSS')) return rsaPssSignDigest(key, hash, message);
  if (algorithm.startsWith('RSASSA_PKCS1')) return rsaPkcs1SignDigest(key, hash, message);
  return ecdsaSignDigest(key, message);
}

export function verifyMessage(material: Buffer, algorithm: string, hash: string, message: Buffer, messageType: string | undefined, signature: Buffer): boolean {
  const key = createPublicKey(privateKey(material));
  try {
    if (messageType !== 'DIGEST') return cryptoVerify(hash || null, message, signOptions(key, algorithm), signature);
    if (algorithm.startsWith('RSASSA_PSS')) return rsaPssVerifyDigest(key, hash, message, signature);
    if (algorithm.startsWith('RSASSA_PKCS1')) return rsaPkcs1VerifyDigest(key, hash, message, signature);
    return ecdsaVerifyDigest(key, message, signature);
  } catch {
    // A malformed signature is an invalid one.
    return false;
  }
}

function macFor(c: KmsContext, scope: Scope, row: KeyRow, algorithm: string, message: Buffer, operation: string): Buffer {
  c.keys.assertUsable(scope, row, 'GENERATE_VERIFY_MAC', operation);
  if (!((c.keys.info(row).MacAlgorithms ?? []) as string[]).includes(algorithm)) {
    throw new AwsError('InvalidKeyUsageException', `MAC algorithm ${algorithm} is not compatible with ${keyArn(scope, row.key_id)} (${row.key_spec}).`);
  }
  return createHmac(HASH_OF[algorithm], c.keys.currentMaterial(scope, row).material).update(message).digest();
}

/** ECDH between a KEY_AGREEMENT key and a public key on its curve. */
function sharedSecret(c: KmsContext, scope: Scope, row: KeyRow, publicKey: Uint8Array): Buffer {
  c.keys.assertUsable(scope, row, 'KEY_AGREEMENT', 'DeriveSharedSecret');
  const ours = privateKey(c.keys.currentMaterial(scope, row).material);
  let theirs: KeyObject;
  try {
    theirs = createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' });
  } catch {
    throw new AwsError('ValidationException', 'PublicKey must be a DER-encoded X.509 SubjectPublicKeyInfo.');
  }
  if (theirs.asymmetricKeyType !== 'ec' || theirs.asymmetricKeyDetails?.namedCurve !== ours.asymmetricKeyDetails?.namedCurve) {
    throw new AwsError('ValidationException', `PublicKey must be on the same curve as ${row.key_spec}.`);
  }
  return diffieHellman({ privateKey: ours, publicKey: theirs });
}

export function sign(c: KmsContext, input: K.SignRequest, ctx: RequestContext): K.SignResponse {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!, { allowAlias: true });
  const message = Buffer.from(input.Message!);
  const hash = signingHash(c, scope, row, input.SigningAlgorithm!, input.MessageType, message, 'Sign');
  const signature = signMessage(c.keys.currentMaterial(scope, row).material, input.SigningAlgorithm!, hash, message, input.MessageType);
  if (input.DryRun) throw dryRun();
  c.keys.recordUse(scope, row, 'Sign', ctx.requestId);
  return { KeyId: keyArn(scope, row.key_id), Signature: signature, SigningAlgorithm: input.SigningAlgorithm };
}

export function verify(c: KmsContext, input: K.VerifyRequest, ctx: RequestContext): K.VerifyResponse {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!, { allowAlias: true });
  const message = Buffer.from(input.Message!);
  const hash = signingHash(c, scope, row, input.SigningAlgorithm!, input.MessageType, message, 'Verify');
  const valid = verifyMessage(c.keys.currentMaterial(scope, row).material, input.SigningAlgorithm!, hash, message, input.MessageType, Buffer.from(input.Signature!));
  if (input.DryRun) throw dryRun();
  c.keys.recordUse(scope, row, 'Verify', ctx.requestId);
  if (!valid) throw new AwsError('KMSInvalidSignatureException', 'The signature is invalid.');
  return { KeyId: keyArn(scope, row.key_id), SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
}

export function deriveSharedSecret(c: KmsContext, input: K.DeriveSharedSecretRequest, ctx: RequestContext): K.DeriveSharedSecretResponse {
  const scope = scopeOf(ctx);
  if (input.Recipient) throw recipientUnsupported();
  const row = c.keys.resolve(scope, input.KeyId!, { allowAlias: true });
  const secret = sharedSecret(c, scope, row, input.PublicKey!);
  if (input.DryRun) throw dryRun();
  c.keys.recordUse(scope, row, 'DeriveSharedSecret', ctx.requestId);
  return { KeyId: keyArn(scope, row.key_id), SharedSecret: secret, KeyAgreementAlgorithm: 'ECDH', KeyOrigin: row.origin as K.OriginType };
}

export function getPublicKey(c: KmsContext, input: K.GetPublicKeyRequest, ctx: RequestContext): K.GetPublicKeyResponse {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!, { allowAlias: true });
  if (!row.key_spec.startsWith('RSA_') && !row.key_spec.startsWith('ECC_')) {
    throw new AwsError('UnsupportedOperationException', `${keyArn(scope, row.key_id)} key spec ${row.key_spec} has no public key.`);
  }
  if (row.key_state === 'Disabled') throw new AwsError('DisabledException', `${keyArn(scope, row.key_id)} is disabled.`);
  assertNotPendingDeletion(scope, row);
  assertNotPendingImport(scope, row);
  return {
    KeyId: keyArn(scope, row.key_id),
    PublicKey: publicKeyDer(c.keys.currentMaterial(scope, row).material),
    KeySpec: row.key_spec as K.KeySpec,
    CustomerMasterKeySpec: row.key_spec as K.CustomerMasterKeySpec,
    KeyUsage: row.key_usage as K.KeyUsageType,
    ...(c.keys.info(row) as Pick<K.GetPublicKeyResponse, 'EncryptionAlgorithms' | 'SigningAlgorithms' | 'KeyAgreementAlgorithms'>),
  };
}

export function generateMac(c: KmsContext, input: K.GenerateMacRequest, ctx: RequestContext): K.GenerateMacResponse {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!, { allowAlias: true });
  const mac = macFor(c, scope, row, input.MacAlgorithm!, Buffer.from(input.Message!), 'GenerateMac');
  if (input.DryRun) throw dryRun();
  c.keys.recordUse(scope, row, 'GenerateMac', ctx.requestId);
  return { Mac: mac, MacAlgorithm: input.MacAlgorithm, KeyId: keyArn(scope, row.key_id) };
}

export function verifyMac(c: KmsContext, input: K.VerifyMacRequest, ctx: RequestContext): K.VerifyMacResponse {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!, { allowAlias: true });
  const expected = macFor(c, scope, row, input.MacAlgorithm!, Buffer.from(input.Message!), 'VerifyMac');
  const given = Buffer.from(input.Mac!);
  if (input.DryRun) throw dryRun();
  c.keys.recordUse(scope, row, 'VerifyMac', ctx.requestId);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AwsError('KMSInvalidMacException', 'The MAC is invalid.');
  return { KeyId: keyArn(scope, row.key_id), MacValid: true, MacAlgorithm: input.MacAlgorithm };
}

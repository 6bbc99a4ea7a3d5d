/** KMS operations. The Gaps are stated in index.ts. */
import { constants, createHash, createHmac, createPublicKey, diffieHellman, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type * as K from '@aws-sdk/client-kms';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import { AwsError } from '../../core/errors.js';
import { hex } from '../../core/ids.js';
import { isRegion } from '../../core/accounts.js';
import type { GrantRow, KeyRow, KmsStore } from './store.js';
import { KeyRing, aliasArn, keyArn, type Scope } from './keys.js';
import { acceptImportedMaterial, isSupportedSpec, privateKey, publicKeyDer, supportsUsage } from './specs.js';
import { WRAPPING_ALGORITHMS, unwrapKeyMaterial } from './import.js';
import { DIGEST_LENGTH, ecdsaSignDigest, ecdsaVerifyDigest, rsaPkcs1SignDigest, rsaPkcs1VerifyDigest, rsaPssSignDigest, rsaPssVerifyDigest } from './digest-sign.js';

const DAY_MS = 86_400_000;
const MAX_TAGS = 50;
const MAX_ON_DEMAND_ROTATIONS = 25;
/** GetParametersForImport's public key and token are valid for 24 hours. */
const IMPORT_TOKEN_LIFETIME_MS = 24 * 3_600_000;

function scopeOf(ctx: RequestContext): Scope {
  return { account: ctx.account, region: ctx.region };
}

function dryRun(): AwsError {
  // AWS documents 412 for this exception; the model carries no status for it.
  return new AwsError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.', { status: 412 });
}

const MARKER_PREFIX = 'drydock:';

/** Markers are opaque to clients: the last key returned, wrapped so a made-up marker is recognizably invalid. */
function encodeMarker(after: string): string {
  return Buffer.from(MARKER_PREFIX + after, 'utf8').toString('base64url');
}

/** Where a listing resumes: '' for the first page. */
function decodeMarker(marker: string | undefined): string {
  if (marker === undefined) return '';
  const text = Buffer.from(marker, 'base64url').toString('utf8');
  if (!text.startsWith(MARKER_PREFIX)) throw new AwsError('InvalidMarkerException', 'The request was rejected because the marker that specifies where pagination should next begin is not valid.');
  return text.slice(MARKER_PREFIX.length);
}

/** `limit + 1` rows were fetched: trims to `limit` and says where the next page starts. */
function page<T>(rows: T[], limit: number, markerOf: (row: T) => string): { items: T[]; Truncated: boolean; NextMarker?: string } {
  if (rows.length <= limit) return { items: rows, Truncated: false };
  const items = rows.slice(0, limit);
  return { items, Truncated: true, NextMarker: encodeMarker(markerOf(items[items.length - 1])) };
}

function validateTags(tags: K.Tag[]): void {
  for (const tag of tags) {
    if (tag.TagKey!.startsWith('aws:')) throw new AwsError('TagException', `Tag keys beginning with 'aws:' are reserved: ${tag.TagKey}`);
  }
}

function validatePolicy(policy: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    throw new AwsError('MalformedPolicyDocumentException', 'The key policy is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('Statement' in doc)) {
    throw new AwsError('MalformedPolicyDocumentException', 'The key policy must be a JSON object with a Statement.');
  }
}

const HASH_OF: Record<string, string> = {
  RSASSA_PKCS1_V1_5_SHA_256: 'sha256',
  RSASSA_PKCS1_V1_5_SHA_384: 'sha384',
  RSASSA_PKCS1_V1_5_SHA_512: 'sha512',
  RSASSA_PSS_SHA_256: 'sha256',
  RSASSA_PSS_SHA_384: 'sha384',
  RSASSA_PSS_SHA_512: 'sha512',
  ECDSA_SHA_256: 'sha256',
  ECDSA_SHA_384: 'sha384',
  ECDSA_SHA_512: 'sha512',
  HMAC_SHA_224: 'sha224',
  HMAC_SHA_256: 'sha256',
  HMAC_SHA_384: 'sha384',
  HMAC_SHA_512: 'sha512',
  RSAES_OAEP_SHA_1: 'sha1',
  RSAES_OAEP_SHA_256: 'sha256',
};

const GRANT_ALWAYS = ['CreateGrant', 'RetireGrant', 'DescribeKey'];

/** Grant operations that make sense for a key's type and usage. */
function grantableOperations(row: KeyRow): string[] {
  if (row.key_usage === 'SIGN_VERIFY') return [...GRANT_ALWAYS, 'Sign', 'Verify', 'GetPublicKey'];
  if (row.key_usage === 'GENERATE_VERIFY_MAC') return [...GRANT_ALWAYS, 'GenerateMac', 'VerifyMac'];
  if (row.key_usage === 'KEY_AGREEMENT') return [...GRANT_ALWAYS, 'DeriveSharedSecret', 'GetPublicKey'];
  if (row.key_spec !== 'SYMMETRIC_DEFAULT') return [...GRANT_ALWAYS, 'Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey'];
  return [...GRANT_ALWAYS, 'Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext'];
}

/** A grant token names its grant; each CreateGrant call hands out a distinct one. */
function grantToken(grantId: string): string {
  return Buffer.from(JSON.stringify({ grantId, nonce: hex(16) }), 'utf8').toString('base64url');
}

function grantIdOfToken(token: string): string {
  try {
    const { grantId } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { grantId: unknown };
    if (typeof grantId === 'string') return grantId;
  } catch {
    // falls through to the error below
  }
  throw new AwsError('InvalidGrantTokenException', 'The grant token is invalid.');
}

export function createHandlers(store: KmsStore, keys: KeyRing, rt: Runtime): Handlers {
  const tuple = (scope: Scope): [string, string] => [scope.account, scope.region];

  function metadata(scope: Scope, row: KeyRow): K.KeyMetadata {
    const arnText = keyArn(scope, row.key_id);
    return {
      AWSAccountId: scope.account,
      KeyId: row.key_id,
      Arn: arnText,
      CreationDate: new Date(row.created_at),
      Enabled: row.key_state === 'Enabled',
      Description: row.description,
      KeyUsage: row.key_usage as K.KeyUsageType,
      KeyState: row.key_state as K.KeyState,
      DeletionDate: row.deletion_date === null ? undefined : new Date(row.deletion_date),
      Origin: row.origin as K.OriginType,
      ExpirationModel: row.origin === 'EXTERNAL' ? ((row.expiration_model ?? undefined) as K.ExpirationModelType | undefined) : undefined,
      ValidTo: row.material_valid_to === null ? undefined : new Date(row.material_valid_to),
      KeyManager: row.key_manager as K.KeyManagerType,
      CustomerMasterKeySpec: row.key_spec as K.CustomerMasterKeySpec,
      KeySpec: row.key_spec as K.KeySpec,
      ...(keys.info(row) as Pick<K.KeyMetadata, 'EncryptionAlgorithms' | 'SigningAlgorithms' | 'MacAlgorithms' | 'KeyAgreementAlgorithms'>),
      MultiRegion: row.multi_region === 1,
      MultiRegionConfiguration: row.multi_region ? multiRegionConfiguration(scope, row) : undefined,
      PendingDeletionWindowInDays: row.key_state === 'PendingReplicaDeletion' ? row.pending_window_days! : undefined,
      CurrentKeyMaterialId: row.key_spec === 'SYMMETRIC_DEFAULT' ? keys.currentMaterialId(scope, row) : undefined,
    };
  }

  function multiRegionConfiguration(scope: Scope, row: KeyRow): K.MultiRegionConfiguration {
    const primaryRegion = row.primary_region!;
    const arnIn = (region: string) => keyArn({ account: scope.account, region }, row.key_id);
    return {
      MultiRegionKeyType: primaryRegion === scope.region ? 'PRIMARY' : 'REPLICA',
      PrimaryKey: { Arn: arnIn(primaryRegion), Region: primaryRegion },
      ReplicaKeys: store
        .keyInAllRegions(scope.account, row.key_id)
        .filter((r) => r.region !== primaryRegion)
        .map((r) => ({ Arn: arnIn(r.region), Region: r.region })),
    };
  }

  /** Management operations refuse keys pending deletion (or waiting for their replicas' deletion). */
  function assertNotPendingDeletion(scope: Scope, row: KeyRow): void {
    if (row.key_state === 'PendingDeletion') throw new AwsError('KMSInvalidStateException', `${keyArn(scope, row.key_id)} is pending deletion.`);
    if (row.key_state === 'PendingReplicaDeletion') throw new AwsError('KMSInvalidStateException', `${keyArn(scope, row.key_id)} is pending replica deletion.`);
  }

  /** Multi-Region keys share rotation, which only their primary key manages. */
  function assertNotReplica(scope: Scope, row: KeyRow, operation: string): void {
    if (row.multi_region && row.primary_region !== scope.region) {
      throw new AwsError('UnsupportedOperationException', `${keyArn(scope, row.key_id)} is a multi-Region replica key; call ${operation} on its primary key in ${row.primary_region}.`);
    }
  }

  /** Operations that only a multi-Region primary key in this Region accepts. */
  function assertMultiRegionPrimary(scope: Scope, row: KeyRow, operation: string): void {
    if (!row.multi_region) throw new AwsError('UnsupportedOperationException', `${keyArn(scope, row.key_id)} is not a multi-Region key.`);
    assertNotReplica(scope, row, operation);
  }

  /** Enabling or disabling needs key material: an EXTERNAL key waiting for its import cannot change state. */
  function assertNotPendingImport(scope: Scope, row: KeyRow): void {
    if (row.key_state === 'PendingImport') throw new AwsError('KMSInvalidStateException', `${keyArn(scope, row.key_id)} is pending import.`);
  }

  function assertImported(scope: Scope, row: KeyRow): void {
    if (row.origin !== 'EXTERNAL') throw new AwsError('UnsupportedOperationException', `${keyArn(scope, row.key_id)} origin is ${row.origin}, which is not valid for this operation.`);
  }

  /** AWS owns its managed keys: their state, policy and rotation cannot be changed. */
  function assertCustomerManaged(scope: Scope, row: KeyRow, operation: string): void {
    if (row.key_manager === 'AWS') throw new AwsError('NotAuthorizedException', `You cannot perform ${operation} on AWS managed key ${keyArn(scope, row.key_id)}.`, { status: 400 });
  }

  function assertSymmetricForRotation(scope: Scope, row: KeyRow): void {
    if (row.key_spec !== 'SYMMETRIC_DEFAULT') throw new AwsError('UnsupportedOperationException', `${keyArn(scope, row.key_id)} key spec ${row.key_spec} does not support key rotation.`);
  }

  function assertRotatable(scope: Scope, row: KeyRow): void {
    assertSymmetricForRotation(scope, row);
    if (row.origin === 'EXTERNAL') throw new AwsError('UnsupportedOperationException', `${keyArn(scope, row.key_id)} has imported key material, which KMS cannot rotate.`);
  }

  function validateAliasName(name: string, forCreate: boolean): void {
    if (!name.startsWith('alias/')) throw new AwsError('ValidationException', 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html');
    if (name.startsWith('alias/aws/')) throw new AwsError('NotAuthorizedException', `Cannot ${forCreate ? 'create' : 'modify'} alias with prefix 'alias/aws/'.`, { status: 400 });
    if (name === 'alias/') throw new AwsError('ValidationException', 'Alias name must have at least one character after "alias/".');
    if (name.includes(':')) throw new AwsError('ValidationException', `${name} contains invalid characters for an alias`);
  }

  /** Encrypts with any encryption key: the envelope for symmetric keys, RSA-OAEP for RSA keys. */
  function encryptWith(scope: Scope, row: KeyRow, plaintext: Buffer, context: Record<string, string> | undefined, algorithm: string | undefined, operation: string): Buffer {
    keys.assertUsable(scope, row, 'ENCRYPT_DECRYPT', operation);
    const supported = (keys.info(row).EncryptionAlgorithms ?? []) as string[];
    const chosen = algorithm ?? 'SYMMETRIC_DEFAULT';
    if (!supported.includes(chosen)) throw new AwsError('InvalidKeyUsageException', `The encryption algorithm ${chosen} is not compatible with ${keyArn(scope, row.key_id)} (${row.key_spec}).`);
    if (chosen === 'SYMMETRIC_DEFAULT') return keys.encrypt(scope, row, plaintext, context, operation);
    if (context && Object.keys(context).length) throw new AwsError('ValidationException', 'EncryptionContext is not supported with asymmetric keys.');
    const key = createPublicKey(privateKey(keys.currentMaterial(scope, row).material));
    try {
      return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: HASH_OF[chosen] }, plaintext);
    } catch {
      throw new AwsError('ValidationException', `Plaintext of ${plaintext.length} bytes is too long for ${row.key_spec} with ${chosen}.`);
    }
  }

  /** Decrypts a blob from this KMS: symmetric envelopes need no key id; RSA ciphertexts need KeyId and the algorithm. */
  function decryptWith(
    scope: Scope,
    blob: Buffer,
    context: Record<string, string> | undefined,
    keyId: string | undefined,
    algorithm: string | undefined,
  ): { plaintext: Buffer; row: KeyRow; algorithm: string } {
    const explicit = keyId === undefined ? undefined : keys.resolve(scope, keyId, { allowAlias: true });
    if (explicit && explicit.key_spec !== 'SYMMETRIC_DEFAULT') {
      keys.assertUsable(scope, explicit, 'ENCRYPT_DECRYPT', 'Decrypt');
      const chosen = algorithm ?? 'SYMMETRIC_DEFAULT';
      if (!((keys.info(explicit).EncryptionAlgorithms ?? []) as string[]).includes(chosen)) {
        throw new AwsError('InvalidKeyUsageException', `The encryption algorithm ${chosen} is not compatible with ${keyArn(scope, explicit.key_id)} (${explicit.key_spec}).`);
      }
      try {
        const plaintext = privateDecrypt({ key: privateKey(keys.currentMaterial(scope, explicit).material), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: HASH_OF[chosen] }, blob);
        return { plaintext, row: explicit, algorithm: chosen };
      } catch {
        throw new AwsError('InvalidCiphertextException', 'The ciphertext is invalid.');
      }
    }
    if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
    const { plaintext, row } = keys.decrypt(scope, blob, context, keyId);
    return { plaintext, row, algorithm: 'SYMMETRIC_DEFAULT' };
  }

  function dataKeyLength(input: { KeySpec?: string; NumberOfBytes?: number }): number {
    if (input.KeySpec !== undefined && input.NumberOfBytes !== undefined) throw new AwsError('ValidationException', 'Please specify either number of bytes or key spec, not both.');
    if (input.KeySpec === 'AES_256') return 32;
    if (input.KeySpec === 'AES_128') return 16;
    if (input.NumberOfBytes !== undefined) return input.NumberOfBytes;
    throw new AwsError('ValidationException', 'Please specify either number of bytes or key spec.');
  }

  /** The hash of a signing algorithm, once the key, algorithm and message type are known to fit. */
  function signingHash(scope: Scope, row: KeyRow, algorithm: string, messageType: string | undefined, message: Buffer, operation: string): string {
    keys.assertUsable(scope, row, 'SIGN_VERIFY', operation);
    if (!((keys.info(row).SigningAlgorithms ?? []) as string[]).includes(algorithm)) {
      throw new AwsError('InvalidKeyUsageException', `Signing algorithm ${algorithm} is not compatible with ${keyArn(scope, row.key_id)} (${row.key_spec}).`);
    }
    if (algorithm === 'ED25519_PH_SHA_512') throw new AwsError('UnsupportedOperationException', 'ED25519_PH_SHA_512 (pre-hashed Ed25519) is not supported by Drydock; use ED25519_SHA_512.');
    if (algorithm === 'ED25519_SHA_512' && messageType === 'DIGEST') throw new AwsError('ValidationException', 'ED25519_SHA_512 requires MessageType RAW.');
    // Pure Ed25519 hashes internally: node signs it with a null digest.
    const hash = algorithm === 'ED25519_SHA_512' ? '' : HASH_OF[algorithm];
    if (messageType === 'EXTERNAL_MU') throw new AwsError('ValidationException', `MessageType EXTERNAL_MU is only valid with ML-DSA keys.`);
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

  function signMessage(material: Buffer, algorithm: string, hash: string, message: Buffer, messageType: string | undefined): Buffer {
    const key = privateKey(material);
    if (messageType !== 'DIGEST') return sign(hash || null, message, signOptions(key, algorithm));
    if (algorithm.startsWith('RSASSA_PSS')) return rsaPssSignDigest(key, hash, message);
    if (algorithm.startsWith('RSASSA_PKCS1')) return rsaPkcs1SignDigest(key, hash, message);
    return ecdsaSignDigest(key, message);
  }

  function verifyMessage(material: Buffer, algorithm: string, hash: string, message: Buffer, messageType: string | undefined, signature: Buffer): boolean {
    const key = createPublicKey(privateKey(material));
    try {
      if (messageType !== 'DIGEST') return verify(hash || null, message, signOptions(key, algorithm), signature);
      if (algorithm.startsWith('RSASSA_PSS')) return rsaPssVerifyDigest(key, hash, message, signature);
      if (algorithm.startsWith('RSASSA_PKCS1')) return rsaPkcs1VerifyDigest(key, hash, message, signature);
      return ecdsaVerifyDigest(key, message, signature);
    } catch {
      // A malformed signature is an invalid one.
      return false;
    }
  }

  function macFor(scope: Scope, row: KeyRow, algorithm: string, message: Buffer, operation: string): Buffer {
    keys.assertUsable(scope, row, 'GENERATE_VERIFY_MAC', operation);
    if (!((keys.info(row).MacAlgorithms ?? []) as string[]).includes(algorithm)) {
      throw new AwsError('InvalidKeyUsageException', `MAC algorithm ${algorithm} is not compatible with ${keyArn(scope, row.key_id)} (${row.key_spec}).`);
    }
    return createHmac(HASH_OF[algorithm], keys.currentMaterial(scope, row).material).update(message).digest();
  }

  function grantEntry(scope: Scope, grant: GrantRow): K.GrantListEntry {
    return {
      KeyId: keyArn(scope, grant.key_id),
      GrantId: grant.grant_id,
      Name: grant.name ?? undefined,
      CreationDate: new Date(grant.created_at),
      GranteePrincipal: grant.grantee_principal,
      RetiringPrincipal: grant.retiring_principal ?? undefined,
      IssuingAccount: `arn:aws:iam::${scope.account}:root`,
      Operations: JSON.parse(grant.operations) as K.GrantOperation[],
      Constraints: grant.constraints === null ? undefined : (JSON.parse(grant.constraints) as K.GrantConstraints),
    };
  }

  function grantPage(grants: GrantRow[], limit: number | undefined, marker: string | undefined) {
    const after = decodeMarker(marker);
    const max = limit ?? 50;
    return page(grants.filter((g) => g.grant_id > after).slice(0, max + 1), max, (g) => g.grant_id);
  }

  /** The grant `grantId` of the key `keyId` names (key id or ARN). */
  function grantOfKey(scope: Scope, keyId: string, grantId: string): GrantRow {
    const key = keys.resolve(scope, keyId);
    const grant = store.getGrant(tuple(scope), grantId);
    if (!grant || grant.key_id !== key.key_id) throw new AwsError('NotFoundException', `Grant ID ${grantId} not found`);
    return grant;
  }

  function rotationStatus(scope: Scope, row: KeyRow): K.GetKeyRotationStatusResponse {
    return {
      KeyId: keyArn(scope, row.key_id),
      KeyRotationEnabled: row.rotation_enabled === 1,
      RotationPeriodInDays: row.rotation_enabled ? row.rotation_period_days! : undefined,
      NextRotationDate: row.rotation_enabled && row.next_rotation_at !== null ? new Date(row.next_rotation_at) : undefined,
      OnDemandRotationStartDate: row.on_demand_rotation_at === null ? undefined : new Date(row.on_demand_rotation_at),
    };
  }

  return {
    CreateKey(input: K.CreateKeyRequest, ctx): K.CreateKeyResponse {
      const scope = scopeOf(ctx);
      if (input.KeySpec && input.CustomerMasterKeySpec) throw new AwsError('ValidationException', 'You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.');
      const keySpec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
      if (input.CustomKeyStoreId !== undefined) throw new AwsError('CustomKeyStoreNotFoundException', `Custom key store ${input.CustomKeyStoreId} does not exist.`);
      if (input.XksKeyId !== undefined) throw new AwsError('UnsupportedOperationException', 'External key stores are not supported by Drydock.');
      if (input.Origin === 'AWS_CLOUDHSM' || input.Origin === 'EXTERNAL_KEY_STORE') throw new AwsError('UnsupportedOperationException', `Origin ${input.Origin} needs a custom key store, which Drydock does not support.`);
      if (!isSupportedSpec(keySpec)) throw new AwsError('UnsupportedOperationException', `KeySpec ${keySpec} is not supported by Drydock.`);
      if (input.KeyUsage === undefined && keySpec !== 'SYMMETRIC_DEFAULT') {
        throw new AwsError('ValidationException', 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
      }
      const keyUsage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
      if (!supportsUsage(keySpec, keyUsage)) throw new AwsError('ValidationException', `KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}.`);
      if (input.Policy !== undefined) validatePolicy(input.Policy);
      const tags = input.Tags ?? [];
      validateTags(tags);
      if (tags.length > MAX_TAGS) throw new AwsError('LimitExceededException', `A key can have at most ${MAX_TAGS} tags.`);
      const row = keys.create(scope, {
        keySpec,
        keyUsage,
        description: input.Description ?? '',
        policy: input.Policy,
        keyManager: 'CUSTOMER',
        origin: input.Origin === 'EXTERNAL' ? 'EXTERNAL' : 'AWS_KMS',
        multiRegion: input.MultiRegion === true,
        tags: tags as { TagKey: string; TagValue: string }[],
      });
      return { KeyMetadata: metadata(scope, row) };
    },

    DescribeKey(input: K.DescribeKeyRequest, ctx): K.DescribeKeyResponse {
      const scope = scopeOf(ctx);
      return { KeyMetadata: metadata(scope, keys.resolve(scope, input.KeyId!, { allowAlias: true, createAwsManaged: true })) };
    },

    ListKeys(input: K.ListKeysRequest, ctx): K.ListKeysResponse {
      const scope = scopeOf(ctx);
      keys.sweep(scope);
      const limit = input.Limit ?? 100;
      const { items, ...rest } = page(store.listKeys(tuple(scope), decodeMarker(input.Marker), limit + 1), limit, (r) => r.key_id);
      return { Keys: items.map((r) => ({ KeyId: r.key_id, KeyArn: keyArn(scope, r.key_id) })), ...rest };
    },

    UpdateKeyDescription(input: K.UpdateKeyDescriptionRequest, ctx) {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertNotPendingDeletion(scope, row);
      assertCustomerManaged(scope, row, 'UpdateKeyDescription');
      store.tx(() => store.updateKey({ ...row, description: input.Description! }));
      return {};
    },

    EnableKey(input: K.EnableKeyRequest, ctx) {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertNotPendingDeletion(scope, row);
      assertNotPendingImport(scope, row);
      assertCustomerManaged(scope, row, 'EnableKey');
      store.tx(() => store.updateKey({ ...row, key_state: 'Enabled' }));
      return {};
    },

    DisableKey(input: K.DisableKeyRequest, ctx) {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertNotPendingDeletion(scope, row);
      assertNotPendingImport(scope, row);
      assertCustomerManaged(scope, row, 'DisableKey');
      store.tx(() => store.updateKey({ ...row, key_state: 'Disabled' }));
      return {};
    },

    ScheduleKeyDeletion(input: K.ScheduleKeyDeletionRequest, ctx): K.ScheduleKeyDeletionResponse {
      const scope = scopeOf(ctx);
      const days = input.PendingWindowInDays ?? 30;
      if (days < 7 || days > 30) {
        throw new AwsError('ValidationException', `1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value ${days < 7 ? 'greater than or equal to 7' : 'less than or equal to 30'}`);
      }
      const row = keys.resolve(scope, input.KeyId!);
      assertNotPendingDeletion(scope, row);
      assertCustomerManaged(scope, row, 'ScheduleKeyDeletion');
      // A multi-Region primary key with replicas waits for their deletion before its own waiting period starts.
      if (row.multi_region && row.primary_region === scope.region && keys.otherRegions(scope, row).length) {
        store.tx(() => store.updateKey({ ...row, key_state: 'PendingReplicaDeletion', deletion_date: null, pending_window_days: days }));
        return { KeyId: keyArn(scope, row.key_id), KeyState: 'PendingReplicaDeletion', PendingWindowInDays: days };
      }
      const deletionDate = rt.clock.now() + days * DAY_MS;
      store.tx(() => store.updateKey({ ...row, key_state: 'PendingDeletion', deletion_date: deletionDate, pending_window_days: days }));
      return { KeyId: keyArn(scope, row.key_id), DeletionDate: new Date(deletionDate), KeyState: 'PendingDeletion', PendingWindowInDays: days };
    },

    CancelKeyDeletion(input: K.CancelKeyDeletionRequest, ctx): K.CancelKeyDeletionResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      if (row.key_state !== 'PendingDeletion' && row.key_state !== 'PendingReplicaDeletion') throw new AwsError('KMSInvalidStateException', `${keyArn(scope, row.key_id)} is not pending deletion.`);
      // AWS leaves a key whose deletion was cancelled disabled, or waiting for its import if it has no material.
      const state = keys.currentMaterialId(scope, row) === undefined ? 'PendingImport' : 'Disabled';
      store.tx(() => store.updateKey({ ...row, key_state: state, deletion_date: null, pending_window_days: null }));
      return { KeyId: keyArn(scope, row.key_id) };
    },

    CreateAlias(input: K.CreateAliasRequest, ctx) {
      const scope = scopeOf(ctx);
      const name = input.AliasName!;
      validateAliasName(name, true);
      const row = keys.resolve(scope, input.TargetKeyId!);
      assertNotPendingDeletion(scope, row);
      assertCustomerManaged(scope, row, 'CreateAlias');
      store.tx(() => {
        if (store.getAlias(tuple(scope), name)) throw new AwsError('AlreadyExistsException', `An alias with the name ${aliasArn(scope, name)} already exists`);
        const now = rt.clock.now();
        store.insertAlias({ account: scope.account, region: scope.region, alias_name: name, key_id: row.key_id, created_at: now, updated_at: now });
      });
      return {};
    },

    UpdateAlias(input: K.UpdateAliasRequest, ctx) {
      const scope = scopeOf(ctx);
      const name = input.AliasName!;
      validateAliasName(name, false);
      const alias = store.getAlias(tuple(scope), name);
      if (!alias) throw new AwsError('NotFoundException', `Alias ${aliasArn(scope, name)} is not found.`);
      const target = keys.resolve(scope, input.TargetKeyId!);
      assertNotPendingDeletion(scope, target);
      assertCustomerManaged(scope, target, 'UpdateAlias');
      const current = store.getKey(tuple(scope), alias.key_id);
      if (current && (current.key_usage !== target.key_usage || (current.key_spec === 'SYMMETRIC_DEFAULT') !== (target.key_spec === 'SYMMETRIC_DEFAULT'))) {
        throw new AwsError('ValidationException', `${keyArn(scope, target.key_id)} must have the same key type and key usage as the key the alias points to.`);
      }
      store.tx(() => store.retargetAlias(tuple(scope), name, target.key_id, rt.clock.now()));
      return {};
    },

    DeleteAlias(input: K.DeleteAliasRequest, ctx) {
      const scope = scopeOf(ctx);
      const name = input.AliasName!;
      validateAliasName(name, false);
      store.tx(() => {
        if (!store.getAlias(tuple(scope), name)) throw new AwsError('NotFoundException', `Alias ${aliasArn(scope, name)} is not found.`);
        store.deleteAlias(tuple(scope), name);
      });
      return {};
    },

    ListAliases(input: K.ListAliasesRequest, ctx): K.ListAliasesResponse {
      const scope = scopeOf(ctx);
      keys.sweep(scope);
      const keyId = input.KeyId === undefined ? undefined : keys.resolve(scope, input.KeyId).key_id;
      const limit = input.Limit ?? 100;
      const { items, ...rest } = page(store.listAliases(tuple(scope), keyId, decodeMarker(input.Marker), limit + 1), limit, (a) => a.alias_name);
      return {
        Aliases: items.map((a) => ({
          AliasName: a.alias_name,
          AliasArn: aliasArn(scope, a.alias_name),
          TargetKeyId: a.key_id,
          CreationDate: new Date(a.created_at),
          LastUpdatedDate: new Date(a.updated_at),
        })),
        ...rest,
      };
    },

    Encrypt(input: K.EncryptRequest, ctx): K.EncryptResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!, { allowAlias: true, createAwsManaged: true });
      const blob = encryptWith(scope, row, Buffer.from(input.Plaintext!), input.EncryptionContext, input.EncryptionAlgorithm, 'Encrypt');
      if (input.DryRun) throw dryRun();
      keys.recordUse(scope, row, 'Encrypt', ctx.requestId);
      return { CiphertextBlob: blob, KeyId: keyArn(scope, row.key_id), EncryptionAlgorithm: input.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT' };
    },

    Decrypt(input: K.DecryptRequest, ctx): K.DecryptResponse {
      const scope = scopeOf(ctx);
      if (!input.CiphertextBlob) throw new AwsError('ValidationException', '1 validation error detected: Value null at \'ciphertextBlob\' failed to satisfy constraint: Member must not be null');
      if (input.Recipient) throw new AwsError('UnsupportedOperationException', 'Recipient (attested decryption) is not supported by Drydock.');
      const { plaintext, row, algorithm } = decryptWith(scope, Buffer.from(input.CiphertextBlob), input.EncryptionContext, input.KeyId, input.EncryptionAlgorithm);
      if (input.DryRun) throw dryRun();
      keys.recordUse(scope, row, 'Decrypt', ctx.requestId);
      return { KeyId: keyArn(scope, row.key_id), Plaintext: plaintext, EncryptionAlgorithm: algorithm as K.EncryptionAlgorithmSpec };
    },

    ReEncrypt(input: K.ReEncryptRequest, ctx): K.ReEncryptResponse {
      const scope = scopeOf(ctx);
      if (!input.CiphertextBlob) throw new AwsError('ValidationException', '1 validation error detected: Value null at \'ciphertextBlob\' failed to satisfy constraint: Member must not be null');
      const source = decryptWith(scope, Buffer.from(input.CiphertextBlob), input.SourceEncryptionContext, input.SourceKeyId, input.SourceEncryptionAlgorithm);
      const destination = keys.resolve(scope, input.DestinationKeyId!, { allowAlias: true, createAwsManaged: true });
      const blob = encryptWith(scope, destination, source.plaintext, input.DestinationEncryptionContext, input.DestinationEncryptionAlgorithm, 'ReEncrypt');
      if (input.DryRun) throw dryRun();
      keys.recordUse(scope, source.row, 'ReEncrypt', ctx.requestId);
      keys.recordUse(scope, destination, 'ReEncrypt', ctx.requestId);
      return {
        CiphertextBlob: blob,
        SourceKeyId: keyArn(scope, source.row.key_id),
        KeyId: keyArn(scope, destination.key_id),
        SourceEncryptionAlgorithm: source.algorithm as K.EncryptionAlgorithmSpec,
        DestinationEncryptionAlgorithm: input.DestinationEncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT',
      };
    },

    GenerateDataKey(input: K.GenerateDataKeyRequest, ctx): K.GenerateDataKeyResponse {
      const scope = scopeOf(ctx);
      if (input.Recipient) throw new AwsError('UnsupportedOperationException', 'Recipient (attested decryption) is not supported by Drydock.');
      const length = dataKeyLength(input);
      const row = keys.resolve(scope, input.KeyId!, { allowAlias: true, createAwsManaged: true });
      const plaintext = randomBytes(length);
      const blob = keys.encrypt(scope, row, plaintext, input.EncryptionContext, 'GenerateDataKey');
      if (input.DryRun) throw dryRun();
      keys.recordUse(scope, row, 'GenerateDataKey', ctx.requestId);
      return { CiphertextBlob: blob, Plaintext: plaintext, KeyId: keyArn(scope, row.key_id) };
    },

    GenerateDataKeyWithoutPlaintext(input: K.GenerateDataKeyWithoutPlaintextRequest, ctx): K.GenerateDataKeyWithoutPlaintextResponse {
      const scope = scopeOf(ctx);
      const length = dataKeyLength(input);
      const row = keys.resolve(scope, input.KeyId!, { allowAlias: true, createAwsManaged: true });
      const blob = keys.encrypt(scope, row, randomBytes(length), input.EncryptionContext, 'GenerateDataKeyWithoutPlaintext');
      if (input.DryRun) throw dryRun();
      keys.recordUse(scope, row, 'GenerateDataKeyWithoutPlaintext', ctx.requestId);
      return { CiphertextBlob: blob, KeyId: keyArn(scope, row.key_id) };
    },

    GenerateDataKeyPair(input: K.GenerateDataKeyPairRequest, ctx): K.GenerateDataKeyPairResponse {
      const scope = scopeOf(ctx);
      if (input.Recipient) throw new AwsError('UnsupportedOperationException', 'Recipient (attested decryption) is not supported by Drydock.');
      const pair = dataKeyPair(input.KeyPairSpec!);
      const row = keys.resolve(scope, input.KeyId!, { allowAlias: true, createAwsManaged: true });
      const blob = keys.encrypt(scope, row, pair.privateKey, input.EncryptionContext, 'GenerateDataKeyPair');
      if (input.DryRun) throw dryRun();
      keys.recordUse(scope, row, 'GenerateDataKeyPair', ctx.requestId);
      return { PrivateKeyCiphertextBlob: blob, PrivateKeyPlaintext: pair.privateKey, PublicKey: pair.publicKey, KeyId: keyArn(scope, row.key_id), KeyPairSpec: input.KeyPairSpec };
    },

    GenerateDataKeyPairWithoutPlaintext(input: K.GenerateDataKeyPairWithoutPlaintextRequest, ctx): K.GenerateDataKeyPairWithoutPlaintextResponse {
      const scope = scopeOf(ctx);
      const pair = dataKeyPair(input.KeyPairSpec!);
      const row = keys.resolve(scope, input.KeyId!, { allowAlias: true, createAwsManaged: true });
      const blob = keys.encrypt(scope, row, pair.privateKey, input.EncryptionContext, 'GenerateDataKeyPairWithoutPlaintext');
      if (input.DryRun) throw dryRun();
      keys.recordUse(scope, row, 'GenerateDataKeyPairWithoutPlaintext', ctx.requestId);
      return { PrivateKeyCiphertextBlob: blob, PublicKey: pair.publicKey, KeyId: keyArn(scope, row.key_id), KeyPairSpec: input.KeyPairSpec };
    },

    GenerateRandom(input: K.GenerateRandomRequest): K.GenerateRandomResponse {
      if (input.CustomKeyStoreId !== undefined) throw new AwsError('CustomKeyStoreNotFoundException', `Custom key store ${input.CustomKeyStoreId} does not exist.`);
      if (input.Recipient) throw new AwsError('UnsupportedOperationException', 'Recipient (attested decryption) is not supported by Drydock.');
      if (input.NumberOfBytes === undefined) throw new AwsError('ValidationException', 'Please specify the number of bytes.');
      return { Plaintext: randomBytes(input.NumberOfBytes) };
    },

    Sign(input: K.SignRequest, ctx): K.SignResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!, { allowAlias: true });
      const message = Buffer.from(input.Message!);
      const hash = signingHash(scope, row, input.SigningAlgorithm!, input.MessageType, message, 'Sign');
      const signature = signMessage(keys.currentMaterial(scope, row).material, input.SigningAlgorithm!, hash, message, input.MessageType);
      if (input.DryRun) throw dryRun();
      keys.recordUse(scope, row, 'Sign', ctx.requestId);
      return { KeyId: keyArn(scope, row.key_id), Signature: signature, SigningAlgorithm: input.SigningAlgorithm };
    },

    Verify(input: K.VerifyRequest, ctx): K.VerifyResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!, { allowAlias: true });
      const message = Buffer.from(input.Message!);
      const hash = signingHash(scope, row, input.SigningAlgorithm!, input.MessageType, message, 'Verify');
      const valid = verifyMessage(keys.currentMaterial(scope, row).material, input.SigningAlgorithm!, hash, message, input.MessageType, Buffer.from(input.Signature!));
      if (input.DryRun) throw dryRun();
      keys.recordUse(scope, row, 'Verify', ctx.requestId);
      if (!valid) throw new AwsError('KMSInvalidSignatureException', 'The signature is invalid.');
      return { KeyId: keyArn(scope, row.key_id), SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
    },

    DeriveSharedSecret(input: K.DeriveSharedSecretRequest, ctx): K.DeriveSharedSecretResponse {
      const scope = scopeOf(ctx);
      if (input.Recipient) throw new AwsError('UnsupportedOperationException', 'Recipient (attested decryption) is not supported by Drydock.');
      const row = keys.resolve(scope, input.KeyId!, { allowAlias: true });
      keys.assertUsable(scope, row, 'KEY_AGREEMENT', 'DeriveSharedSecret');
      const ours = privateKey(keys.currentMaterial(scope, row).material);
      let theirs: KeyObject;
      try {
        theirs = createPublicKey({ key: Buffer.from(input.PublicKey!), format: 'der', type: 'spki' });
      } catch {
        throw new AwsError('ValidationException', 'PublicKey must be a DER-encoded X.509 SubjectPublicKeyInfo.');
      }
      if (theirs.asymmetricKeyType !== 'ec' || theirs.asymmetricKeyDetails?.namedCurve !== ours.asymmetricKeyDetails?.namedCurve) {
        throw new AwsError('ValidationException', `PublicKey must be on the same curve as ${row.key_spec}.`);
      }
      const secret = diffieHellman({ privateKey: ours, publicKey: theirs });
      if (input.DryRun) throw dryRun();
      keys.recordUse(scope, row, 'DeriveSharedSecret', ctx.requestId);
      return { KeyId: keyArn(scope, row.key_id), SharedSecret: secret, KeyAgreementAlgorithm: 'ECDH', KeyOrigin: row.origin as K.OriginType };
    },

    GetPublicKey(input: K.GetPublicKeyRequest, ctx): K.GetPublicKeyResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!, { allowAlias: true });
      if (!row.key_spec.startsWith('RSA_') && !row.key_spec.startsWith('ECC_')) {
        throw new AwsError('UnsupportedOperationException', `${keyArn(scope, row.key_id)} key spec ${row.key_spec} has no public key.`);
      }
      if (row.key_state === 'Disabled') throw new AwsError('DisabledException', `${keyArn(scope, row.key_id)} is disabled.`);
      assertNotPendingDeletion(scope, row);
      assertNotPendingImport(scope, row);
      return {
        KeyId: keyArn(scope, row.key_id),
        PublicKey: publicKeyDer(keys.currentMaterial(scope, row).material),
        KeySpec: row.key_spec as K.KeySpec,
        CustomerMasterKeySpec: row.key_spec as K.CustomerMasterKeySpec,
        KeyUsage: row.key_usage as K.KeyUsageType,
        ...(keys.info(row) as Pick<K.GetPublicKeyResponse, 'EncryptionAlgorithms' | 'SigningAlgorithms' | 'KeyAgreementAlgorithms'>),
      };
    },

    GenerateMac(input: K.GenerateMacRequest, ctx): K.GenerateMacResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!, { allowAlias: true });
      const mac = macFor(scope, row, input.MacAlgorithm!, Buffer.from(input.Message!), 'GenerateMac');
      if (input.DryRun) throw dryRun();
      keys.recordUse(scope, row, 'GenerateMac', ctx.requestId);
      return { Mac: mac, MacAlgorithm: input.MacAlgorithm, KeyId: keyArn(scope, row.key_id) };
    },

    VerifyMac(input: K.VerifyMacRequest, ctx): K.VerifyMacResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!, { allowAlias: true });
      const expected = macFor(scope, row, input.MacAlgorithm!, Buffer.from(input.Message!), 'VerifyMac');
      const given = Buffer.from(input.Mac!);
      if (input.DryRun) throw dryRun();
      keys.recordUse(scope, row, 'VerifyMac', ctx.requestId);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AwsError('KMSInvalidMacException', 'The MAC is invalid.');
      return { KeyId: keyArn(scope, row.key_id), MacValid: true, MacAlgorithm: input.MacAlgorithm };
    },

    EnableKeyRotation(input: K.EnableKeyRotationRequest, ctx) {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertCustomerManaged(scope, row, 'EnableKeyRotation');
      assertRotatable(scope, row);
      assertNotReplica(scope, row, 'EnableKeyRotation');
      keys.assertUsable(scope, row, 'ENCRYPT_DECRYPT', 'EnableKeyRotation');
      const period = input.RotationPeriodInDays ?? 365;
      store.tx(() => store.updateKey({ ...row, rotation_enabled: 1, rotation_period_days: period, next_rotation_at: rt.clock.now() + period * DAY_MS }));
      return {};
    },

    DisableKeyRotation(input: K.DisableKeyRotationRequest, ctx) {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertCustomerManaged(scope, row, 'DisableKeyRotation');
      assertRotatable(scope, row);
      assertNotReplica(scope, row, 'DisableKeyRotation');
      keys.assertUsable(scope, row, 'ENCRYPT_DECRYPT', 'DisableKeyRotation');
      store.tx(() => store.updateKey({ ...row, rotation_enabled: 0, rotation_period_days: null, next_rotation_at: null }));
      return {};
    },

    GetKeyRotationStatus(input: K.GetKeyRotationStatusRequest, ctx): K.GetKeyRotationStatusResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertSymmetricForRotation(scope, row);
      // Replicas report the rotation their primary key manages for both.
      return { ...rotationStatus(scope, keys.primaryOf(scope, row).row), KeyId: keyArn(scope, row.key_id) };
    },

    RotateKeyOnDemand(input: K.RotateKeyOnDemandRequest, ctx): K.RotateKeyOnDemandResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertCustomerManaged(scope, row, 'RotateKeyOnDemand');
      assertRotatable(scope, row);
      assertNotReplica(scope, row, 'RotateKeyOnDemand');
      keys.assertUsable(scope, row, 'ENCRYPT_DECRYPT', 'RotateKeyOnDemand');
      const now = rt.clock.now();
      store.tx(() => {
        const onDemand = store.rotations(keys.materialScope(scope, row), row.key_id, 0, 1000).filter((m) => m.rotation_type === 'ON_DEMAND').length;
        if (onDemand >= MAX_ON_DEMAND_ROTATIONS) throw new AwsError('LimitExceededException', `${keyArn(scope, row.key_id)} has reached the limit of ${MAX_ON_DEMAND_ROTATIONS} on-demand rotations.`);
        keys.addMaterial(scope, row, 'ON_DEMAND', now);
        store.updateKey({ ...row, on_demand_rotation_at: now });
      });
      return { KeyId: keyArn(scope, row.key_id) };
    },

    ListKeyRotations(input: K.ListKeyRotationsRequest, ctx): K.ListKeyRotationsResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertSymmetricForRotation(scope, row);
      const limit = input.Limit ?? 100;
      const after = Number(decodeMarker(input.Marker) || '0');
      if (!Number.isInteger(after)) throw new AwsError('InvalidMarkerException', 'The request was rejected because the marker that specifies where pagination should next begin is not valid.');
      const { items, ...rest } = page(store.rotations(keys.materialScope(scope, row), row.key_id, after, limit + 1), limit, (m) => String(m.version));
      return {
        Rotations: items.map((m) => ({ KeyId: row.key_id, KeyMaterialId: m.material_id, RotationDate: new Date(m.created_at), RotationType: m.rotation_type as K.RotationType })),
        ...rest,
      };
    },

    CreateGrant(input: K.CreateGrantRequest, ctx): K.CreateGrantResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertNotPendingDeletion(scope, row);
      if (row.key_state === 'Disabled') throw new AwsError('DisabledException', `${keyArn(scope, row.key_id)} is disabled.`);
      const allowed = grantableOperations(row);
      const refused = input.Operations!.filter((op) => !allowed.includes(op));
      if (refused.length) throw new AwsError('ValidationException', `Grant operations ${refused.join(', ')} are not supported for ${row.key_spec} keys with key usage ${row.key_usage}.`);
      const constraints = input.Constraints && (input.Constraints.EncryptionContextEquals || input.Constraints.EncryptionContextSubset) ? JSON.stringify(input.Constraints) : null;
      const operations = JSON.stringify([...new Set(input.Operations!)].sort());
      if (input.DryRun) throw dryRun();
      return store.tx(() => {
        // With a Name, an identical request returns the same grant (with a new token), as AWS does.
        const same = input.Name === undefined
          ? undefined
          : store.keyGrants(tuple(scope), row.key_id).find(
              (g) => g.name === input.Name && g.grantee_principal === input.GranteePrincipal && g.retiring_principal === (input.RetiringPrincipal ?? null) && g.operations === operations && g.constraints === constraints,
            );
        if (same) return { GrantId: same.grant_id, GrantToken: grantToken(same.grant_id) };
        const grantId = hex(32);
        store.insertGrant({
          account: scope.account,
          region: scope.region,
          grant_id: grantId,
          key_id: row.key_id,
          name: input.Name ?? null,
          grantee_principal: input.GranteePrincipal!,
          retiring_principal: input.RetiringPrincipal ?? null,
          operations,
          constraints,
          created_at: rt.clock.now(),
        });
        return { GrantId: grantId, GrantToken: grantToken(grantId) };
      });
    },

    ListGrants(input: K.ListGrantsRequest, ctx): K.ListGrantsResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      const grants = store
        .keyGrants(tuple(scope), row.key_id)
        .filter((g) => (input.GrantId === undefined || g.grant_id === input.GrantId) && (input.GranteePrincipal === undefined || g.grantee_principal === input.GranteePrincipal));
      const { items, ...rest } = grantPage(grants, input.Limit, input.Marker);
      return { Grants: items.map((g) => grantEntry(scope, g)), ...rest };
    },

    ListRetirableGrants(input: K.ListRetirableGrantsRequest, ctx): K.ListGrantsResponse {
      const scope = scopeOf(ctx);
      keys.sweep(scope);
      const { items, ...rest } = grantPage(store.retirableGrants(tuple(scope), input.RetiringPrincipal!), input.Limit, input.Marker);
      return { Grants: items.map((g) => grantEntry(scope, g)), ...rest };
    },

    RetireGrant(input: K.RetireGrantRequest, ctx) {
      const scope = scopeOf(ctx);
      let grantId: string;
      if (input.GrantToken !== undefined) {
        grantId = grantIdOfToken(input.GrantToken);
        if (!store.getGrant(tuple(scope), grantId)) throw new AwsError('NotFoundException', `Grant ID ${grantId} not found`);
      } else {
        if (input.KeyId === undefined || input.GrantId === undefined) throw new AwsError('ValidationException', 'Specify either GrantToken, or both KeyId and GrantId.');
        grantId = grantOfKey(scope, input.KeyId, input.GrantId).grant_id;
      }
      if (input.DryRun) throw dryRun();
      store.tx(() => store.deleteGrant(tuple(scope), grantId));
      return {};
    },

    RevokeGrant(input: K.RevokeGrantRequest, ctx) {
      const scope = scopeOf(ctx);
      const grant = grantOfKey(scope, input.KeyId!, input.GrantId!);
      if (input.DryRun) throw dryRun();
      store.tx(() => store.deleteGrant(tuple(scope), grant.grant_id));
      return {};
    },

    ReplicateKey(input: K.ReplicateKeyRequest, ctx): K.ReplicateKeyResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertMultiRegionPrimary(scope, row, 'ReplicateKey');
      assertNotPendingDeletion(scope, row);
      if (row.origin === 'EXTERNAL') throw new AwsError('UnsupportedOperationException', 'Replicating multi-Region keys with imported key material is not supported by Drydock.');
      const replicaRegion = input.ReplicaRegion!;
      if (!isRegion(replicaRegion)) throw new AwsError('ValidationException', `${replicaRegion} is not a valid AWS Region.`);
      if (replicaRegion === scope.region) throw new AwsError('ValidationException', 'The replica Region must be different from the Region of the primary key.');
      if (input.Policy !== undefined) validatePolicy(input.Policy);
      const tags = input.Tags ?? [];
      validateTags(tags);
      const replicaScope = { account: scope.account, region: replicaRegion };
      const replica = store.tx(() => {
        if (store.getKey(tuple(replicaScope), row.key_id)) throw new AwsError('AlreadyExistsException', `${keyArn(replicaScope, row.key_id)} already exists.`);
        return keys.replicate(scope, row, replicaRegion, { description: input.Description ?? '', policy: input.Policy, tags: tags as { TagKey: string; TagValue: string }[] });
      });
      return {
        ReplicaKeyMetadata: metadata(replicaScope, replica),
        ReplicaPolicy: replica.policy,
        ReplicaTags: store.listTags(tuple(replicaScope), replica.key_id, '', MAX_TAGS).map((t) => ({ TagKey: t.tag_key, TagValue: t.tag_value })),
      };
    },

    UpdatePrimaryRegion(input: K.UpdatePrimaryRegionRequest, ctx) {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertMultiRegionPrimary(scope, row, 'UpdatePrimaryRegion');
      assertNotPendingDeletion(scope, row);
      const newRegion = input.PrimaryRegion!;
      if (newRegion === scope.region) throw new AwsError('ValidationException', `${newRegion} is already the primary Region of ${keyArn(scope, row.key_id)}.`);
      const newScope = { account: scope.account, region: newRegion };
      const target = store.getKey(tuple(newScope), row.key_id);
      if (!target) throw new AwsError('NotFoundException', `Key '${keyArn(newScope, row.key_id)}' does not exist`);
      assertNotPendingDeletion(newScope, target);
      store.tx(() => {
        for (const related of store.keyInAllRegions(scope.account, row.key_id)) {
          const moved = related.region === newRegion
            ? // The shared rotation settings move with the primary role.
              { ...related, rotation_enabled: row.rotation_enabled, rotation_period_days: row.rotation_period_days, next_rotation_at: row.next_rotation_at, on_demand_rotation_at: row.on_demand_rotation_at }
            : related.region === scope.region
              ? { ...related, rotation_enabled: 0, rotation_period_days: null, next_rotation_at: null, on_demand_rotation_at: null }
              : related;
          store.updateKey({ ...moved, primary_region: newRegion });
        }
      });
      return {};
    },

    GetParametersForImport(input: K.GetParametersForImportRequest, ctx): K.GetParametersForImportResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertImported(scope, row);
      assertNotPendingDeletion(scope, row);
      if (!WRAPPING_ALGORITHMS.includes(input.WrappingAlgorithm!)) throw new AwsError('UnsupportedOperationException', `Wrapping algorithm ${input.WrappingAlgorithm} is not supported.`);
      const bits = /^RSA_(\d+)$/.exec(input.WrappingKeySpec!);
      if (!bits) throw new AwsError('UnsupportedOperationException', `Wrapping key spec ${input.WrappingKeySpec} is not supported.`);
      const pair = generateKeyPairSync('rsa', { modulusLength: Number(bits[1]) });
      const token = randomBytes(64);
      const validTo = rt.clock.now() + IMPORT_TOKEN_LIFETIME_MS;
      store.tx(() =>
        store.insertImportToken({
          account: scope.account,
          region: scope.region,
          token_id: token.toString('hex'),
          key_id: row.key_id,
          wrapping_algorithm: input.WrappingAlgorithm!,
          private_key: pair.privateKey.export({ type: 'pkcs8', format: 'der' }),
          valid_to: validTo,
        }),
      );
      return { KeyId: keyArn(scope, row.key_id), ImportToken: token, PublicKey: pair.publicKey.export({ type: 'spki', format: 'der' }), ParametersValidTo: new Date(validTo) };
    },

    ImportKeyMaterial(input: K.ImportKeyMaterialRequest, ctx): K.ImportKeyMaterialResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertImported(scope, row);
      assertNotPendingDeletion(scope, row);
      const now = rt.clock.now();
      const token = store.importToken(tuple(scope), Buffer.from(input.ImportToken!).toString('hex'));
      if (!token || token.key_id !== row.key_id) throw new AwsError('InvalidImportTokenException', 'The import token is invalid or belongs to another KMS key.');
      if (token.valid_to <= now) throw new AwsError('ExpiredImportTokenException', 'The import token has expired. Call GetParametersForImport for a new one.');
      const validTo = input.ValidTo === undefined ? undefined : new Date(input.ValidTo).getTime();
      const expirationModel = input.ExpirationModel ?? (validTo === undefined ? 'KEY_MATERIAL_DOES_NOT_EXPIRE' : 'KEY_MATERIAL_EXPIRES');
      if (expirationModel === 'KEY_MATERIAL_EXPIRES' && validTo === undefined) throw new AwsError('ValidationException', 'A ValidTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES.');
      if (expirationModel === 'KEY_MATERIAL_DOES_NOT_EXPIRE' && validTo !== undefined) throw new AwsError('ValidationException', 'A ValidTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.');
      if (validTo !== undefined && (validTo <= now || validTo > now + 365 * DAY_MS)) throw new AwsError('ValidationException', 'ValidTo must be in the future and at most 365 days away.');
      const current = keys.currentMaterialId(scope, row);
      if (input.ImportType === 'NEW_KEY_MATERIAL' && current !== undefined) {
        throw new AwsError('UnsupportedOperationException', 'Rotating imported key material (ImportType NEW_KEY_MATERIAL) is not supported by Drydock.');
      }
      const unwrapped = unwrapKeyMaterial(token.wrapping_algorithm, token.private_key, Buffer.from(input.EncryptedKeyMaterial!));
      if (!unwrapped) throw new AwsError('InvalidCiphertextException', 'The encrypted key material could not be decrypted with the wrapping key of this import token.');
      const material = acceptImportedMaterial(row.key_spec, unwrapped);
      if (!material) throw new AwsError('IncorrectKeyMaterialException', `The key material does not fit key spec ${row.key_spec}.`);
      const materialId = createHash('sha256').update(material).digest('hex');
      const firstId = row.imported_material_id ?? materialId;
      if (materialId !== firstId || (input.KeyMaterialId !== undefined && input.KeyMaterialId !== materialId)) {
        throw new AwsError('IncorrectKeyMaterialException', 'The key material in the request is not the same key material that was previously imported into this KMS key.');
      }
      store.tx(() => {
        if (current === undefined) {
          store.insertMaterial({ account: scope.account, region: keys.materialScope(scope, row)[1], key_id: row.key_id, version: 1, material_id: materialId, material, created_at: now, rotation_type: null });
        }
        store.updateKey({
          ...row,
          key_state: row.key_state === 'PendingImport' ? 'Enabled' : row.key_state,
          expiration_model: expirationModel,
          material_valid_to: validTo ?? null,
          imported_material_id: firstId,
        });
      });
      return { KeyId: keyArn(scope, row.key_id), KeyMaterialId: materialId };
    },

    DeleteImportedKeyMaterial(input: K.DeleteImportedKeyMaterialRequest, ctx): K.DeleteImportedKeyMaterialResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertImported(scope, row);
      assertNotPendingDeletion(scope, row);
      const current = keys.currentMaterialId(scope, row);
      if (input.KeyMaterialId !== undefined && input.KeyMaterialId !== current) throw new AwsError('NotFoundException', `Key material ${input.KeyMaterialId} is not imported into ${keyArn(scope, row.key_id)}.`);
      store.tx(() => {
        store.deleteMaterials(keys.materialScope(scope, row), row.key_id);
        store.updateKey({ ...row, key_state: 'PendingImport', expiration_model: null, material_valid_to: null });
      });
      return { KeyId: keyArn(scope, row.key_id), KeyMaterialId: current };
    },

    TagResource(input: K.TagResourceRequest, ctx) {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertNotPendingDeletion(scope, row);
      assertCustomerManaged(scope, row, 'TagResource');
      validateTags(input.Tags!);
      store.tx(() => {
        for (const tag of input.Tags!) store.putTag(tuple(scope), row.key_id, tag.TagKey!, tag.TagValue!);
        if (store.countTags(tuple(scope), row.key_id) > MAX_TAGS) throw new AwsError('LimitExceededException', `A key can have at most ${MAX_TAGS} tags.`);
      });
      return {};
    },

    UntagResource(input: K.UntagResourceRequest, ctx) {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertNotPendingDeletion(scope, row);
      assertCustomerManaged(scope, row, 'UntagResource');
      store.tx(() => input.TagKeys!.forEach((k) => store.deleteTag(tuple(scope), row.key_id, k)));
      return {};
    },

    ListResourceTags(input: K.ListResourceTagsRequest, ctx): K.ListResourceTagsResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      const limit = Math.min(input.Limit ?? 50, 50);
      const { items, ...rest } = page(store.listTags(tuple(scope), row.key_id, decodeMarker(input.Marker), limit + 1), limit, (t) => t.tag_key);
      return { Tags: items.map((t) => ({ TagKey: t.tag_key, TagValue: t.tag_value })), ...rest };
    },

    GetKeyPolicy(input: K.GetKeyPolicyRequest, ctx): K.GetKeyPolicyResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      if ((input.PolicyName ?? 'default') !== 'default') throw new AwsError('NotFoundException', 'No such policy exists');
      return { Policy: row.policy, PolicyName: 'default' };
    },

    PutKeyPolicy(input: K.PutKeyPolicyRequest, ctx) {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      if ((input.PolicyName ?? 'default') !== 'default') throw new AwsError('NotFoundException', 'No such policy exists');
      assertNotPendingDeletion(scope, row);
      assertCustomerManaged(scope, row, 'PutKeyPolicy');
      validatePolicy(input.Policy!);
      store.tx(() => store.updateKey({ ...row, policy: input.Policy! }));
      return {};
    },

    GetKeyLastUsage(input: K.GetKeyLastUsageRequest, ctx): K.GetKeyLastUsageResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      return {
        KeyId: keyArn(scope, row.key_id),
        // Drydock tracks every key from its creation.
        TrackingStartDate: new Date(row.created_at),
        KeyCreationDate: new Date(row.created_at),
        KeyLastUsage:
          row.last_used_at === null
            ? undefined
            : { Operation: row.last_used_operation as K.KeyLastUsageTrackingOperation, Timestamp: new Date(row.last_used_at), KmsRequestId: row.last_used_request_id ?? undefined },
      };
    },

    DescribeCustomKeyStores(input: K.DescribeCustomKeyStoresRequest): K.DescribeCustomKeyStoresResponse {
      // CreateCustomKeyStore is not implemented, so no account ever has a custom key store.
      if (input.CustomKeyStoreId !== undefined || input.CustomKeyStoreName !== undefined) {
        throw new AwsError('CustomKeyStoreNotFoundException', `Custom key store ${input.CustomKeyStoreId ?? input.CustomKeyStoreName} does not exist.`);
      }
      decodeMarker(input.Marker);
      return { CustomKeyStores: [], Truncated: false };
    },

    ListKeyPolicies(input: K.ListKeyPoliciesRequest, ctx): K.ListKeyPoliciesResponse {
      keys.resolve(scopeOf(ctx), input.KeyId!);
      return { PolicyNames: ['default'], Truncated: false };
    },
  };
}

/** A fresh key pair for GenerateDataKeyPair: DER PKCS#8 private key and DER SPKI public key. */
function dataKeyPair(spec: string): { privateKey: Buffer; publicKey: Buffer } {
  const curves: Record<string, string> = { ECC_NIST_P256: 'prime256v1', ECC_NIST_P384: 'secp384r1', ECC_NIST_P521: 'secp521r1', ECC_SECG_P256K1: 'secp256k1' };
  const rsaBits = /^RSA_(\d+)$/.exec(spec);
  let pair;
  if (rsaBits) pair = generateKeyPairSync('rsa', { modulusLength: Number(rsaBits[1]) });
  else if (curves[spec]) pair = generateKeyPairSync('ec', { namedCurve: curves[spec] });
  else if (spec === 'ECC_NIST_EDWARDS25519') pair = generateKeyPairSync('ed25519');
  else throw new AwsError('UnsupportedOperationException', `KeyPairSpec ${spec} is not supported by Drydock.`);
  return { privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'der' }), publicKey: pair.publicKey.export({ type: 'spki', format: 'der' }) };
}

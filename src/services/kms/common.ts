/**
 * What every KMS handler file shares: the service context, page markers, the checks of key state
 * and ownership management operations make, and the KeyMetadata wire shape.
 */
import type * as K from '@aws-sdk/client-kms';
import type { Scope } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import { hasMembers, pageToken, readPageToken } from '../../core/pagination.js';
import { denialMessage } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import { type KeyRing, keyArn } from './keys.js';
import type { KeyRow, KmsStore, TagRow } from './store.js';

export interface KmsContext {
  store: KmsStore;
  keys: KeyRing;
  rt: Runtime;
}

export const DAY_MS = 86_400_000;
export const MAX_TAGS = 50;

/** The hash each signing, MAC and RSA encryption algorithm uses. */
export const HASH_OF: Record<string, string> = {
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

export function scopeOf(ctx: RequestContext): Scope {
  return { account: ctx.account, region: ctx.region };
}

export function dryRun(): AwsError {
  // AWS documents 412 for this exception; the model carries no status for it.
  return new AwsError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.', { status: 412 });
}

export function recipientUnsupported(): AwsError {
  return new AwsError('UnsupportedOperationException', 'Recipient (attested decryption) is not supported by Drydock.');
}

export function customKeyStoreNotFound(nameOrId: string): AwsError {
  return new AwsError('CustomKeyStoreNotFoundException', `Custom key store ${nameOrId} does not exist.`);
}

export function invalidMarker(): AwsError {
  return new AwsError('InvalidMarkerException', 'The request was rejected because the marker that specifies where pagination should next begin is not valid.');
}

/** A marker's position: the sort key of the last item of the previous page. */
type MarkerPosition = {
  after: string;
};

const isMarkerPosition = hasMembers<MarkerPosition>({ after: 'string' });

/** Where a listing resumes: '' for the first page; InvalidMarkerException for a marker KMS did not hand out. */
export function readMarker(marker: string | undefined): string {
  return marker === undefined ? '' : readPageToken(marker, isMarkerPosition, invalidMarker).after;
}

/** `limit + 1` rows were fetched: trims to `limit` and says where the next page starts. */
export function page<T>(rows: T[], limit: number, positionOf: (row: T) => string): { items: T[]; Truncated: boolean; NextMarker?: string } {
  if (rows.length <= limit) return { items: rows, Truncated: false };
  const items = rows.slice(0, limit);
  return { items, Truncated: true, NextMarker: pageToken({ after: positionOf(items[items.length - 1]) } satisfies MarkerPosition) };
}

/** The tags a request sets, refused with TagException as KMS refuses them (reserved prefix, duplicate keys, more than 50). */
export function validateTags(tags: K.Tag[]): void {
  for (const tag of tags) {
    if (tag.TagKey!.startsWith('aws:')) throw new AwsError('TagException', `Tag keys beginning with 'aws:' are reserved: ${tag.TagKey}`);
  }
  if (new Set(tags.map((t) => t.TagKey)).size < tags.length) throw new AwsError('TagException', 'Duplicate tag keys');
  if (tags.length > MAX_TAGS) throw tooManyTags();
}

export function tooManyTags(): AwsError {
  return new AwsError('TagException', 'Too many tags');
}

export function validatePolicy(policy: string): void {
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

/** Management operations refuse keys pending deletion (or waiting for their replicas' deletion). */
export function assertNotPendingDeletion(scope: Scope, row: KeyRow): void {
  if (row.key_state === 'PendingDeletion') throw new AwsError('KMSInvalidStateException', `${keyArn(scope, row.key_id)} is pending deletion.`);
  if (row.key_state === 'PendingReplicaDeletion') throw new AwsError('KMSInvalidStateException', `${keyArn(scope, row.key_id)} is pending replica deletion.`);
}

/** Enabling or disabling needs key material: an EXTERNAL key waiting for its import cannot change state. */
export function assertNotPendingImport(scope: Scope, row: KeyRow): void {
  if (row.key_state === 'PendingImport') throw new AwsError('KMSInvalidStateException', `${keyArn(scope, row.key_id)} is pending import.`);
}

/** Multi-Region keys share rotation, which only their primary key manages. */
export function assertNotReplica(scope: Scope, row: KeyRow, operation: string): void {
  if (row.multi_region && row.primary_region !== scope.region) {
    throw new AwsError('UnsupportedOperationException', `${keyArn(scope, row.key_id)} is a multi-Region replica key; call ${operation} on its primary key in ${row.primary_region}.`);
  }
}

/**
 * AWS owns its managed keys: their state, policy, tags, aliases and rotation cannot be changed. On
 * AWS the managed key policy allows none of those actions to anyone, the account's root user
 * included, so the refusal is the key policy's AccessDeniedException.
 */
export function assertCustomerManaged(ctx: RequestContext, row: KeyRow, operation: string): void {
  if (row.key_manager !== 'AWS') return;
  const message = denialMessage(ctx.principal.arn, `kms:${operation}`, keyArn(scopeOf(ctx), row.key_id), { decision: 'ImplicitDeny', deniedBy: 'resource', matched: [] });
  throw new AwsError('AccessDeniedException', message, { status: 400 });
}

function multiRegionConfiguration(c: KmsContext, scope: Scope, row: KeyRow): K.MultiRegionConfiguration {
  const primaryRegion = row.primary_region!;
  const arnIn = (region: string) => keyArn({ account: scope.account, region }, row.key_id);
  return {
    MultiRegionKeyType: primaryRegion === scope.region ? 'PRIMARY' : 'REPLICA',
    PrimaryKey: { Arn: arnIn(primaryRegion), Region: primaryRegion },
    ReplicaKeys: c.store
      .keyInAllRegions(scope.account, row.key_id)
      .filter((r) => r.region !== primaryRegion)
      .map((r) => ({ Arn: arnIn(r.region), Region: r.region })),
  };
}

/** A key as DescribeKey, CreateKey and ReplicateKey describe it. */
export function metadata(c: KmsContext, scope: Scope, row: KeyRow): K.KeyMetadata {
  return {
    AWSAccountId: scope.account,
    KeyId: row.key_id,
    Arn: keyArn(scope, row.key_id),
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
    ...(c.keys.info(row) as Pick<K.KeyMetadata, 'EncryptionAlgorithms' | 'SigningAlgorithms' | 'MacAlgorithms' | 'KeyAgreementAlgorithms'>),
    MultiRegion: row.multi_region === 1,
    MultiRegionConfiguration: row.multi_region ? multiRegionConfiguration(c, scope, row) : undefined,
    PendingDeletionWindowInDays: row.key_state === 'PendingReplicaDeletion' ? row.pending_window_days! : undefined,
    CurrentKeyMaterialId: row.key_spec === 'SYMMETRIC_DEFAULT' ? c.keys.currentMaterialId(scope, row) : undefined,
  };
}

export function wireTag(row: TagRow): K.Tag {
  return { TagKey: row.tag_key, TagValue: row.tag_value };
}

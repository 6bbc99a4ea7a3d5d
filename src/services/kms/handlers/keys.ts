/** KMS key lifecycle: creating, describing, listing, enabling and disabling keys, and their scheduled deletion. */
import type * as K from '@aws-sdk/client-kms';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import {
  assertCustomerManaged,
  assertNotPendingDeletion,
  assertNotPendingImport,
  customKeyStoreNotFound,
  DAY_MS,
  type KmsContext,
  metadata,
  page,
  readMarker,
  scopeOf,
  validatePolicy,
  validateTags,
} from '../common.js';
import { checkNewKeyPolicy } from '../key-policy.js';
import { keyArn, scopeOfKey } from '../keys.js';
import { isSupportedSpec, supportsUsage } from '../specs.js';

/** The key spec and usage a CreateKey request asks for, refused as AWS refuses them. */
export function checkCreateKey(input: K.CreateKeyRequest): { keySpec: string; keyUsage: string } {
  if (input.KeySpec && input.CustomerMasterKeySpec)
    throw new AwsError('ValidationException', 'You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.');
  const keySpec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
  if (input.CustomKeyStoreId !== undefined) throw customKeyStoreNotFound(input.CustomKeyStoreId);
  if (input.XksKeyId !== undefined) throw new AwsError('UnsupportedOperationException', 'External key stores are not supported by Drydock.');
  if (input.Origin === 'AWS_CLOUDHSM' || input.Origin === 'EXTERNAL_KEY_STORE')
    throw new AwsError('UnsupportedOperationException', `Origin ${input.Origin} needs a custom key store, which Drydock does not support.`);
  if (!isSupportedSpec(keySpec)) throw new AwsError('UnsupportedOperationException', `KeySpec ${keySpec} is not supported by Drydock.`);
  if (input.KeyUsage === undefined && keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new AwsError('ValidationException', 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
  }
  const keyUsage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
  if (!supportsUsage(keySpec, keyUsage)) throw new AwsError('ValidationException', `KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}.`);
  return { keySpec, keyUsage };
}

/** Sets the state of a customer managed key that has material (EnableKey, DisableKey). */
function setKeyState(c: KmsContext, ctx: RequestContext, keyId: string, state: 'Enabled' | 'Disabled', operation: string): void {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, keyId);
  assertNotPendingDeletion(scope, row);
  assertNotPendingImport(scope, row);
  assertCustomerManaged(ctx, row, operation);
  c.store.tx(() => c.store.updateKey({ ...row, key_state: state }));
}

export function createKey(c: KmsContext, input: K.CreateKeyRequest, ctx: RequestContext): K.CreateKeyResponse {
  const scope = scopeOf(ctx);
  const { keySpec, keyUsage } = checkCreateKey(input);
  if (input.Policy !== undefined) validatePolicy(input.Policy);
  const tags = input.Tags ?? [];
  validateTags(tags);
  // The policy is checked against the new key's ARN: a refused policy rolls the key back.
  const row = c.store.tx(() => {
    const created = c.keys.create(scope, {
      keySpec,
      keyUsage,
      description: input.Description ?? '',
      policy: input.Policy,
      keyManager: 'CUSTOMER',
      origin: input.Origin === 'EXTERNAL' ? 'EXTERNAL' : 'AWS_KMS',
      multiRegion: input.MultiRegion === true,
      tags: tags as { TagKey: string; TagValue: string }[],
    });
    if (input.Policy !== undefined) checkNewKeyPolicy(c, ctx, input.Policy, keyArn(scope, created.key_id), input.BypassPolicyLockoutSafetyCheck);
    return created;
  });
  return { KeyMetadata: metadata(c, scope, row) };
}

/** DescribeKey of a predefined `alias/aws/…` alias creates its AWS managed key, as AWS services rely on. */
export function describeKey(c: KmsContext, input: K.DescribeKeyRequest, ctx: RequestContext): K.DescribeKeyResponse {
  const row = c.keys.resolve(scopeOf(ctx), input.KeyId!, { allowAlias: true, createAwsManaged: true, crossAccount: true });
  return { KeyMetadata: metadata(c, scopeOfKey(row), row) };
}

export function listKeys(c: KmsContext, input: K.ListKeysRequest, ctx: RequestContext): K.ListKeysResponse {
  const scope = scopeOf(ctx);
  c.keys.sweep(scope);
  const limit = input.Limit ?? 100;
  const { items, ...rest } = page(c.store.listKeys(scope, readMarker(input.Marker), limit + 1), limit, (r) => r.key_id);
  return { Keys: items.map((r) => ({ KeyId: r.key_id, KeyArn: keyArn(scope, r.key_id) })), ...rest };
}

export function updateKeyDescription(c: KmsContext, input: K.UpdateKeyDescriptionRequest, ctx: RequestContext) {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!);
  assertNotPendingDeletion(scope, row);
  assertCustomerManaged(ctx, row, 'UpdateKeyDescription');
  c.store.tx(() => c.store.updateKey({ ...row, description: input.Description! }));
  return {};
}

export function enableKey(c: KmsContext, input: K.EnableKeyRequest, ctx: RequestContext) {
  setKeyState(c, ctx, input.KeyId!, 'Enabled', 'EnableKey');
  return {};
}

export function disableKey(c: KmsContext, input: K.DisableKeyRequest, ctx: RequestContext) {
  setKeyState(c, ctx, input.KeyId!, 'Disabled', 'DisableKey');
  return {};
}

export function scheduleKeyDeletion(c: KmsContext, input: K.ScheduleKeyDeletionRequest, ctx: RequestContext): K.ScheduleKeyDeletionResponse {
  const scope = scopeOf(ctx);
  const days = input.PendingWindowInDays ?? 30;
  if (days < 7 || days > 30) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value ${days < 7 ? 'greater than or equal to 7' : 'less than or equal to 30'}`,
    );
  }
  const row = c.keys.resolve(scope, input.KeyId!);
  assertNotPendingDeletion(scope, row);
  assertCustomerManaged(ctx, row, 'ScheduleKeyDeletion');
  // A multi-Region primary key with replicas waits for their deletion before its own waiting period starts.
  if (row.multi_region && row.primary_region === scope.region && c.keys.otherRegions(scope, row).length) {
    c.store.tx(() => c.store.updateKey({ ...row, key_state: 'PendingReplicaDeletion', deletion_date: null, pending_window_days: days }));
    return { KeyId: keyArn(scope, row.key_id), KeyState: 'PendingReplicaDeletion', PendingWindowInDays: days };
  }
  const deletionDate = c.rt.clock.now() + days * DAY_MS;
  c.store.tx(() => c.store.updateKey({ ...row, key_state: 'PendingDeletion', deletion_date: deletionDate, pending_window_days: days }));
  return { KeyId: keyArn(scope, row.key_id), DeletionDate: new Date(deletionDate), KeyState: 'PendingDeletion', PendingWindowInDays: days };
}

export function cancelKeyDeletion(c: KmsContext, input: K.CancelKeyDeletionRequest, ctx: RequestContext): K.CancelKeyDeletionResponse {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!);
  if (row.key_state !== 'PendingDeletion' && row.key_state !== 'PendingReplicaDeletion') throw new AwsError('KMSInvalidStateException', `${keyArn(scope, row.key_id)} is not pending deletion.`);
  // AWS leaves a key whose deletion was cancelled disabled, or waiting for its import if it has no material.
  const state = c.keys.currentMaterialId(scope, row) === undefined ? 'PendingImport' : 'Disabled';
  c.store.tx(() => c.store.updateKey({ ...row, key_state: state, deletion_date: null, pending_window_days: null }));
  return { KeyId: keyArn(scope, row.key_id) };
}

export function getKeyLastUsage(c: KmsContext, input: K.GetKeyLastUsageRequest, ctx: RequestContext): K.GetKeyLastUsageResponse {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!);
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
}

export function describeCustomKeyStores(_c: KmsContext, input: K.DescribeCustomKeyStoresRequest): K.DescribeCustomKeyStoresResponse {
  // CreateCustomKeyStore is not implemented, so no account ever has a custom key store.
  if (input.CustomKeyStoreId !== undefined || input.CustomKeyStoreName !== undefined) throw customKeyStoreNotFound((input.CustomKeyStoreId ?? input.CustomKeyStoreName)!);
  readMarker(input.Marker);
  return { CustomKeyStores: [], Truncated: false };
}

/** KMS multi-Region keys: ReplicateKey and UpdatePrimaryRegion (replicas live in the same account). */
import type * as K from '@aws-sdk/client-kms';
import { isRegion, type Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { assertNotPendingDeletion, assertNotReplica, type KmsContext, MAX_TAGS, metadata, scopeOf, validatePolicy, validateTags, wireTag } from '../common.js';
import { keyArn } from '../keys.js';
import type { KeyRow } from '../store.js';

/** The key a multi-Region operation names: a multi-Region primary key in this Region, not pending deletion. */
function primaryKey(c: KmsContext, scope: Scope, keyId: string, operation: string): KeyRow {
  const row = c.keys.resolve(scope, keyId);
  if (!row.multi_region) throw new AwsError('UnsupportedOperationException', `${keyArn(scope, row.key_id)} is not a multi-Region key.`);
  assertNotReplica(scope, row, operation);
  assertNotPendingDeletion(scope, row);
  return row;
}

/**
 * The rows of a multi-Region key once `newRegion` holds its primary: every row names the new
 * primary Region, and the shared rotation settings move from the old primary to the new one.
 */
export function withPrimaryMoved(rows: KeyRow[], primary: KeyRow, oldRegion: string, newRegion: string): KeyRow[] {
  return rows.map((related) => {
    const moved =
      related.region === newRegion
        ? {
            ...related,
            rotation_enabled: primary.rotation_enabled,
            rotation_period_days: primary.rotation_period_days,
            next_rotation_at: primary.next_rotation_at,
            on_demand_rotation_at: primary.on_demand_rotation_at,
          }
        : related.region === oldRegion
          ? { ...related, rotation_enabled: 0, rotation_period_days: null, next_rotation_at: null, on_demand_rotation_at: null }
          : related;
    return { ...moved, primary_region: newRegion };
  });
}

export function replicateKey(c: KmsContext, input: K.ReplicateKeyRequest, ctx: RequestContext): K.ReplicateKeyResponse {
  const scope = scopeOf(ctx);
  const row = primaryKey(c, scope, input.KeyId!, 'ReplicateKey');
  if (row.origin === 'EXTERNAL') throw new AwsError('UnsupportedOperationException', 'Replicating multi-Region keys with imported key material is not supported by Drydock.');
  const replicaRegion = input.ReplicaRegion!;
  if (!isRegion(replicaRegion)) throw new AwsError('ValidationException', `${replicaRegion} is not a valid AWS Region.`);
  if (replicaRegion === scope.region) throw new AwsError('ValidationException', 'The replica Region must be different from the Region of the primary key.');
  if (input.Policy !== undefined) validatePolicy(input.Policy);
  const tags = input.Tags ?? [];
  validateTags(tags);
  const replicaScope = { account: scope.account, region: replicaRegion };
  const replica = c.store.tx(() => {
    if (c.store.getKey(replicaScope, row.key_id)) throw new AwsError('AlreadyExistsException', `${keyArn(replicaScope, row.key_id)} already exists.`);
    return c.keys.replicate(scope, row, replicaRegion, { description: input.Description ?? '', policy: input.Policy, tags: tags as { TagKey: string; TagValue: string }[] });
  });
  return {
    ReplicaKeyMetadata: metadata(c, replicaScope, replica),
    ReplicaPolicy: replica.policy,
    ReplicaTags: c.store.listTags(replicaScope, replica.key_id, '', MAX_TAGS).map(wireTag),
  };
}

export function updatePrimaryRegion(c: KmsContext, input: K.UpdatePrimaryRegionRequest, ctx: RequestContext) {
  const scope = scopeOf(ctx);
  const row = primaryKey(c, scope, input.KeyId!, 'UpdatePrimaryRegion');
  const newRegion = input.PrimaryRegion!;
  if (newRegion === scope.region) throw new AwsError('ValidationException', `${newRegion} is already the primary Region of ${keyArn(scope, row.key_id)}.`);
  const newScope = { account: scope.account, region: newRegion };
  const target = c.store.getKey(newScope, row.key_id);
  if (!target) throw new AwsError('NotFoundException', `Key '${keyArn(newScope, row.key_id)}' does not exist`);
  assertNotPendingDeletion(newScope, target);
  c.store.tx(() => {
    for (const moved of withPrimaryMoved(c.store.keyInAllRegions(scope.account, row.key_id), row, scope.region, newRegion)) c.store.updateKey(moved);
  });
  return {};
}

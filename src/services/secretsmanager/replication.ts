/** Replication: replicas of a primary secret in other Regions, kept in sync synchronously. */
import type * as S from '@aws-sdk/client-secrets-manager';
import type { Scope } from '../../core/accounts.js';
import { isRegion } from '../../core/accounts.js';
import { arn, parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { DEFAULT_KMS_KEY, findLive, findWritable, type SecretsContext } from './common.js';
import { decrypt, encrypt } from './encryption.js';
import type { SecretRow } from './store.js';

export function replicasOf(c: SecretsContext, secret: SecretRow): SecretRow[] {
  return secret.primary_region === null ? c.store.replicas(secret.account, secret.name, secret.region) : [];
}

/**
 * Copies the primary's metadata, tags, versions and labels into a replica, each value
 * re-encrypted under the replica's KMS key and ARN. A failure marks the replica Failed, as AWS
 * reports replication problems in the status instead of failing the primary's request.
 */
function syncReplica(c: SecretsContext, primary: SecretRow, replica: SecretRow): void {
  const { store } = c;
  let status = 'InSync';
  let message = 'Replication succeeded';
  try {
    store.tx(() => {
      store.clearContent(replica.arn);
      for (const tag of store.tags(primary.arn)) store.putTag(replica.arn, tag.tag_key, tag.tag_value);
      for (const version of store.versions(primary.arn).reverse()) {
        if (!version.has_value) {
          store.insertVersion({ ...version, secret_arn: replica.arn, last_accessed_at: null });
          continue;
        }
        const { ciphertext, keyArn } = encrypt(c, replica, version.version_id, decrypt(c, primary, version));
        store.insertVersion({ ...version, secret_arn: replica.arn, ciphertext, kms_key_arn: keyArn, last_accessed_at: null });
      }
      for (const [stage, versionId] of store.stages(primary.arn)) store.setStage(replica.arn, stage, versionId);
    });
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    status = 'Failed';
    message = err.message;
  }
  store.updateSecret({
    ...replica,
    description: primary.description,
    type: primary.type,
    resource_policy: primary.resource_policy,
    last_changed_at: primary.last_changed_at,
    replication_status: status,
    replication_message: message,
  });
}

/** Brings every replica of a primary up to date after a change. */
export function syncReplicas(c: SecretsContext, scope: Scope, primaryArn: string): void {
  const primary = c.store.byArn(scope, primaryArn);
  if (primary) for (const replica of replicasOf(c, primary)) syncReplica(c, primary, replica);
}

export function replicationStatus(c: SecretsContext, primary: SecretRow): S.ReplicationStatusType[] {
  return replicasOf(c, primary).map((r) => ({
    Region: r.region,
    KmsKeyId: r.kms_key_id ?? DEFAULT_KMS_KEY,
    Status: r.replication_status as S.StatusType,
    StatusMessage: r.replication_message ?? undefined,
    LastAccessedDate: r.last_accessed_at === null ? undefined : new Date(r.last_accessed_at),
  }));
}

/** Creates (or, with force, takes over) a replica in each Region; Regions that refuse are reported Failed. */
export function addReplicas(c: SecretsContext, scope: Scope, primary: SecretRow, regions: S.ReplicaRegionType[], force: boolean): S.ReplicationStatusType[] {
  const { store } = c;
  const refused: S.ReplicationStatusType[] = [];
  for (const { Region: region, KmsKeyId: kmsKeyId } of regions) {
    if (!region || !isRegion(region) || region === primary.region) throw new AwsError('InvalidParameterException', `Invalid replica Region ${region}: it must be a Region other than the primary's.`);
    const existing = store.byName({ account: scope.account, region }, primary.name);
    if (existing?.primary_region === primary.region) continue;
    if (existing && !force) {
      refused.push({ Region: region, KmsKeyId: kmsKeyId, Status: 'Failed', StatusMessage: 'Destination secret already exists. Set ForceOverwriteReplicaSecret to overwrite it.' });
      continue;
    }
    if (existing) store.purge(existing.arn);
    const replica: SecretRow = {
      ...primary,
      region,
      arn: arn('secretsmanager', region, scope.account, parseArn(primary.arn)!.resource),
      kms_key_id: kmsKeyId || null,
      created_at: c.rt.clock.now(),
      last_accessed_at: null,
      primary_region: primary.region,
      replication_status: 'InProgress',
      replication_message: null,
    };
    store.insertSecret(replica);
    syncReplica(c, primary, replica);
  }
  return [...replicationStatus(c, primary), ...refused];
}

export function replicateSecretToRegions(c: SecretsContext, input: S.ReplicateSecretToRegionsRequest, ctx: RequestContext): S.ReplicateSecretToRegionsResponse {
  return c.store.tx(() => {
    const secret = findWritable(c, ctx, input.SecretId!);
    return { ARN: secret.arn, ReplicationStatus: addReplicas(c, ctx, secret, input.AddReplicaRegions!, input.ForceOverwriteReplicaSecret === true) };
  });
}

export function removeRegionsFromReplication(c: SecretsContext, input: S.RemoveRegionsFromReplicationRequest, ctx: RequestContext): S.RemoveRegionsFromReplicationResponse {
  return c.store.tx(() => {
    const secret = findWritable(c, ctx, input.SecretId!);
    const replicas = replicasOf(c, secret);
    for (const region of input.RemoveReplicaRegions!) {
      const replica = replicas.find((r) => r.region === region);
      if (!replica) throw new AwsError('InvalidParameterException', `The secret ${secret.name} is not replicated to ${region}.`);
      c.store.purge(replica.arn);
    }
    return { ARN: secret.arn, ReplicationStatus: replicationStatus(c, secret) };
  });
}

export function stopReplicationToReplica(c: SecretsContext, input: S.StopReplicationToReplicaRequest, ctx: RequestContext): S.StopReplicationToReplicaResponse {
  return c.store.tx(() => {
    const secret = findLive(c, ctx, input.SecretId!);
    if (secret.primary_region === null) throw new AwsError('InvalidRequestException', `The secret ${secret.name} is not a replica secret.`);
    // The replica becomes a standalone secret in its own Region.
    c.store.updateSecret({ ...secret, primary_region: null, replication_status: null, replication_message: null });
    return { ARN: secret.arn };
  });
}

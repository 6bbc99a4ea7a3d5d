/** The secrets themselves: creation, update, description, listing, deletion and restore. */
import type * as S from '@aws-sdk/client-secrets-manager';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { RequestContext } from '../../protocol/types.js';
import {
  assertNotReplica,
  CURRENT,
  DAY_MS,
  find,
  findOrUndefined,
  findWritable,
  newSecretArn,
  PREVIOUS,
  paginate,
  requestValue,
  type SecretsContext,
  type SecretValue,
  sameValue,
  tagList,
  tokenInUse,
  validateSecretName,
  versionsToStages,
} from './common.js';
import { dataKeyFor, decrypt, encrypt } from './encryption.js';
import { filteredSecrets } from './filters.js';
import { addReplicas, replicasOf, replicationStatus, syncReplicas } from './replication.js';
import { rotationFields } from './rotation.js';
import type { SecretRow } from './store.js';
import { MAX_TAGS, validateTags } from './tags.js';
import { addVersion } from './values.js';

/**
 * CreateSecret of a name that exists: a retry of the request that created it (same token, same
 * value) succeeds again; anything else is refused.
 */
function retriedCreate(c: SecretsContext, existing: SecretRow, input: S.CreateSecretRequest, value: SecretValue | undefined): S.CreateSecretResponse {
  if (existing.deleted_at !== null) throw new AwsError('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.");
  const retried = input.ClientRequestToken === undefined ? undefined : c.store.version(existing.arn, input.ClientRequestToken);
  if (retried?.has_value && value) {
    if (sameValue(decrypt(c, existing, retried), value)) return { ARN: existing.arn, Name: existing.name, VersionId: retried.version_id };
    throw tokenInUse(retried.version_id, existing.arn);
  }
  throw new AwsError('ResourceExistsException', `The operation failed because the secret ${input.Name} already exists.`);
}

export async function createSecret(c: SecretsContext, input: S.CreateSecretRequest, ctx: RequestContext): Promise<S.CreateSecretResponse> {
  const { store } = c;
  const name = input.Name!;
  validateSecretName(name);
  const value = requestValue(input);
  const tags = input.Tags ?? [];
  validateTags(tags);
  if (tags.length > MAX_TAGS) throw new AwsError('InvalidParameterException', `A secret can have at most ${MAX_TAGS} tags.`);
  const newArn = newSecretArn(ctx, name, input.ClientRequestToken);
  const versionId = input.ClientRequestToken ?? uuid();
  const dataKey = value && !store.byName(ctx, name) ? await dataKeyFor(c, ctx, input.KmsKeyId, newArn, versionId) : undefined;
  return store.tx(() => {
    const existing = store.byName(ctx, name);
    if (existing) return retriedCreate(c, existing, input, value);
    const now = c.rt.clock.now();
    const secret: SecretRow = {
      account: ctx.account,
      region: ctx.region,
      name,
      arn: newArn,
      description: input.Description ?? null,
      kms_key_id: input.KmsKeyId || null,
      type: input.Type ?? null,
      resource_policy: null,
      created_at: now,
      last_changed_at: now,
      last_accessed_at: null,
      deleted_at: null,
      deletion_date: null,
      primary_region: null,
      replication_status: null,
      replication_message: null,
    };
    store.insertSecret(secret);
    for (const tag of tags) store.putTag(secret.arn, tag.Key!, tag.Value!);
    const version = value ? addVersion(c, secret, value, versionId, [CURRENT], dataKey) : undefined;
    const replication = input.AddReplicaRegions?.length ? addReplicas(c, ctx, store.byArn(ctx, secret.arn)!, input.AddReplicaRegions, input.ForceOverwriteReplicaSecret === true) : undefined;
    return { ARN: secret.arn, Name: name, VersionId: version?.versionId, ReplicationStatus: replication };
  });
}

/** A new KMS key re-encrypts the versions AWS's rotation labels point at. */
function reencryptLabelled(c: SecretsContext, secret: SecretRow): void {
  const { store } = c;
  const stages = store.stages(secret.arn);
  const ids = new Set([CURRENT, PREVIOUS, 'AWSPENDING'].map((s) => stages.get(s)).filter((v): v is string => v !== undefined));
  for (const versionId of ids) {
    const version = store.version(secret.arn, versionId)!;
    // A rotation's version without a value has nothing to re-encrypt.
    if (!version.has_value) continue;
    const plain = decrypt(c, secret, version);
    const { ciphertext, keyArn } = encrypt(c, secret, versionId, plain);
    store.reencryptVersion(secret.arn, versionId, ciphertext, keyArn);
  }
}

export async function updateSecret(c: SecretsContext, input: S.UpdateSecretRequest, ctx: RequestContext): Promise<S.UpdateSecretResponse> {
  const { store } = c;
  const value = requestValue(input);
  const versionId = input.ClientRequestToken ?? uuid();
  const target = findOrUndefined(c, ctx, input.SecretId!);
  // A new key without a new value asks KMS too: the caller must be allowed to use it (the labelled
  // versions are then re-encrypted under it by the service).
  const dataKey = target && (value || input.KmsKeyId !== undefined) ? await dataKeyFor(c, ctx, input.KmsKeyId === undefined ? target.kms_key_id : input.KmsKeyId, target.arn, versionId) : undefined;
  return store.tx(() => {
    const found = findWritable(c, ctx, input.SecretId!);
    const newKey = input.KmsKeyId === undefined ? found.kms_key_id : input.KmsKeyId || null;
    const secret = { ...found, description: input.Description ?? found.description, kms_key_id: newKey, type: input.Type ?? found.type, last_changed_at: c.rt.clock.now() };
    store.updateSecret(secret);
    if (newKey !== found.kms_key_id && !value) reencryptLabelled(c, secret);
    const version = value ? addVersion(c, secret, value, versionId, [CURRENT], dataKey) : undefined;
    syncReplicas(c, ctx, secret.arn);
    return { ARN: secret.arn, Name: secret.name, VersionId: version?.versionId };
  });
}

function listEntry(c: SecretsContext, secret: SecretRow): S.SecretListEntry {
  const tags = tagList(c, secret.arn);
  return {
    ARN: secret.arn,
    Name: secret.name,
    Type: secret.type ?? undefined,
    Description: secret.description ?? undefined,
    KmsKeyId: secret.kms_key_id ?? undefined,
    LastChangedDate: new Date(secret.last_changed_at),
    LastAccessedDate: secret.last_accessed_at === null ? undefined : new Date(secret.last_accessed_at),
    DeletedDate: secret.deleted_at === null ? undefined : new Date(secret.deleted_at),
    Tags: tags.length ? tags : undefined,
    SecretVersionsToStages: versionsToStages(c, secret.arn),
    CreatedDate: new Date(secret.created_at),
    PrimaryRegion: secret.primary_region ?? (replicasOf(c, secret).length ? secret.region : undefined),
    ...rotationFields(c, secret.arn),
  };
}

export function describeSecret(c: SecretsContext, input: S.DescribeSecretRequest, ctx: RequestContext): S.DescribeSecretResponse {
  const secret = find(c, ctx, input.SecretId!);
  const { SecretVersionsToStages, ...entry } = listEntry(c, secret);
  const replication = replicationStatus(c, secret);
  return { ...entry, VersionIdsToStages: SecretVersionsToStages, ReplicationStatus: replication.length ? replication : undefined };
}

function compare(a: string | number, b: string | number): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

export function listSecrets(c: SecretsContext, input: S.ListSecretsRequest, ctx: RequestContext): S.ListSecretsResponse {
  const sortKeys: Record<string, (s: SecretRow) => string | number> = {
    name: (s) => s.name,
    'last-accessed-date': (s) => s.last_accessed_at ?? 0,
    'last-changed-date': (s) => s.last_changed_at,
  };
  const sortKey = sortKeys[input.SortBy ?? 'created-date'] ?? ((s: SecretRow) => s.created_at);
  const direction = input.SortOrder === 'desc' ? -1 : 1;
  const secrets = filteredSecrets(c, ctx, input.Filters, input.IncludePlannedDeletion === true).sort((a, b) => (compare(sortKey(a), sortKey(b)) || compare(a.name, b.name)) * direction);
  const { page, NextToken } = paginate(secrets, input.NextToken, input.MaxResults, 100);
  return { SecretList: page.map((s) => listEntry(c, s)), NextToken };
}

export function deleteSecret(c: SecretsContext, input: S.DeleteSecretRequest, ctx: RequestContext): S.DeleteSecretResponse {
  const { store } = c;
  if (input.ForceDeleteWithoutRecovery && input.RecoveryWindowInDays !== undefined) {
    throw new AwsError('InvalidParameterException', "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  const days = input.RecoveryWindowInDays ?? 30;
  if (!input.ForceDeleteWithoutRecovery && (days < 7 || days > 30)) {
    throw new AwsError('InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
  }
  return store.tx(() => {
    const secret = find(c, ctx, input.SecretId!);
    assertNotReplica(secret);
    if (replicasOf(c, secret).length) throw new AwsError('InvalidRequestException', `You can't delete secret ${secret.name} while it has replicas. Remove the replicas first.`);
    const now = c.rt.clock.now();
    if (input.ForceDeleteWithoutRecovery) {
      store.purge(secret.arn);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(now) };
    }
    if (secret.deleted_at !== null) throw new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was already scheduled for deletion.");
    const deletionDate = now + days * DAY_MS;
    store.updateSecret({ ...secret, deleted_at: now, deletion_date: deletionDate });
    return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(deletionDate) };
  });
}

export function restoreSecret(c: SecretsContext, input: S.RestoreSecretRequest, ctx: RequestContext): S.RestoreSecretResponse {
  return c.store.tx(() => {
    const secret = find(c, ctx, input.SecretId!);
    assertNotReplica(secret);
    c.store.updateSecret({ ...secret, deleted_at: null, deletion_date: null });
    return { ARN: secret.arn, Name: secret.name };
  });
}

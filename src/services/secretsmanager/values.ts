/** Secret values and their versions: reading, adding, listing and moving staging labels. */
import type * as S from '@aws-sdk/client-secrets-manager';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { RequestContext } from '../../protocol/types.js';
import {
  attachStage,
  CURRENT,
  DAY_MS,
  find,
  findLive,
  findOrUndefined,
  findWritable,
  paginate,
  requestValue,
  type SecretsContext,
  type SecretValue,
  sameValue,
  tokenInUse,
  versionsToStages,
} from './common.js';
import { type DataKey, dataKeyFor, decrypt, decryptFor, encrypt } from './encryption.js';
import { filteredSecrets } from './filters.js';
import { syncReplicas } from './replication.js';
import { currentValuePut } from './rotation-job.js';
import type { SecretRow, VersionRow } from './store.js';

/** AWS keeps at most this many versions without staging labels, dropping the oldest. */
const MAX_UNLABELLED_VERSIONS = 100;

/**
 * Adds a version (or recognizes a retry): the same ClientRequestToken (the version id) with the
 * same value is the same request; with another value it is an attempt to modify a version, which
 * AWS refuses. `dataKey` is the one KMS made for the caller for this version, when it did.
 */
export function addVersion(c: SecretsContext, secret: SecretRow, value: SecretValue, versionId: string, stages: string[], dataKey?: DataKey): { versionId: string; created: boolean } {
  const { store } = c;
  const existing = store.version(secret.arn, versionId);
  if (existing && existing.has_value === 1) {
    if (sameValue(decrypt(c, secret, existing), value)) return { versionId, created: false };
    throw tokenInUse(versionId, secret.arn);
  }
  const now = c.rt.clock.now();
  const { ciphertext, keyArn } = encrypt(c, secret, versionId, value, dataKey);
  // A rotation's AWSPENDING version has no value until its function's createSecret step puts one.
  if (existing) store.fillVersion(secret.arn, versionId, ciphertext, value.binary, keyArn);
  else store.insertVersion({ secret_arn: secret.arn, version_id: versionId, ciphertext, is_binary: value.binary ? 1 : 0, kms_key_arn: keyArn, created_at: now, last_accessed_at: null, has_value: 1 });
  // The first version of a secret always becomes AWSCURRENT, whatever labels were asked for.
  const labels = store.stages(secret.arn).has(CURRENT) || stages.includes(CURRENT) ? stages : [...stages, CURRENT];
  for (const stage of labels) attachStage(c, secret.arn, stage, versionId);
  store.pruneUnlabelled(secret.arn, MAX_UNLABELLED_VERSIONS);
  store.updateSecret({ ...secret, last_changed_at: now });
  if (labels.includes(CURRENT)) currentValuePut(c, secret);
  return { versionId, created: true };
}

interface ReadValue {
  version: VersionRow;
  value: SecretValue;
  stages: string[];
}

/** The version a read selects (by id, by label, or AWSCURRENT), decrypted by KMS for the caller; records the access. */
async function readValue(c: SecretsContext, ctx: RequestContext, secret: SecretRow, versionId: string | undefined, stage: string | undefined): Promise<ReadValue> {
  const { store } = c;
  const byVersion = versionsToStages(c, secret.arn);
  let version: VersionRow | undefined;
  if (versionId !== undefined) {
    version = store.version(secret.arn, versionId);
    if (!version?.has_value) throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
    if (stage !== undefined && !(byVersion[versionId] ?? []).includes(stage)) {
      throw new AwsError('InvalidRequestException', 'You provided a VersionStage that is not associated to the provided VersionId.');
    }
  } else {
    const label = stage ?? CURRENT;
    const id = store.stages(secret.arn).get(label);
    version = id === undefined ? undefined : store.version(secret.arn, id);
    if (!version?.has_value) throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${label}`);
  }
  const value = await decryptFor(c, ctx, secret, version);
  // AWS records access dates to the day.
  const today = Math.floor(c.rt.clock.now() / DAY_MS) * DAY_MS;
  store.tx(() => {
    store.touchVersion(secret.arn, version.version_id, today);
    store.updateSecret({ ...secret, last_accessed_at: today });
  });
  return { version, value, stages: byVersion[version.version_id] ?? [] };
}

function valueEntry(secret: SecretRow, read: ReadValue): S.GetSecretValueResponse {
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: read.version.version_id,
    ...(read.value.binary ? { SecretBinary: read.value.bytes } : { SecretString: read.value.bytes.toString('utf8') }),
    VersionStages: read.stages,
    CreatedDate: new Date(read.version.created_at),
  };
}

export async function getSecretValue(c: SecretsContext, input: S.GetSecretValueRequest, ctx: RequestContext): Promise<S.GetSecretValueResponse> {
  const secret = findLive(c, ctx, input.SecretId!);
  return valueEntry(secret, await readValue(c, ctx, secret, input.VersionId, input.VersionStage));
}

/**
 * The current values of the secrets `ids` name, each read through GetSecretValue as the caller (AWS
 * requires secretsmanager:GetSecretValue on each): one that cannot be read is an error entry.
 */
async function currentValues(c: SecretsContext, ctx: RequestContext, ids: string[]): Promise<S.BatchGetSecretValueResponse> {
  const SecretValues: S.SecretValueEntry[] = [];
  const Errors: S.APIErrorType[] = [];
  for (const id of ids) {
    try {
      const entry = await c.rt.call('secretsmanager', 'GetSecretValue', { SecretId: id }, { principal: ctx.principal, account: ctx.account, region: ctx.region, calledVia: ctx.calledVia });
      SecretValues.push(entry);
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      Errors.push({ SecretId: id, ErrorCode: err.code, Message: err.message });
    }
  }
  return { SecretValues, Errors };
}

export async function batchGetSecretValue(c: SecretsContext, input: S.BatchGetSecretValueRequest, ctx: RequestContext): Promise<S.BatchGetSecretValueResponse> {
  if ((input.SecretIdList === undefined) === (input.Filters === undefined)) {
    throw new AwsError('InvalidParameterException', 'Either SecretIdList or Filters must be provided, but not both.');
  }
  if (input.SecretIdList) {
    if (input.MaxResults !== undefined) throw new AwsError('InvalidParameterException', 'MaxResults can only be used with Filters.');
    return currentValues(c, ctx, input.SecretIdList);
  }
  const { page, NextToken } = paginate(filteredSecrets(c, ctx, input.Filters, false), input.NextToken, input.MaxResults, 20);
  return {
    ...(await currentValues(
      c,
      ctx,
      page.map((secret) => secret.arn),
    )),
    NextToken,
  };
}

export async function putSecretValue(c: SecretsContext, input: S.PutSecretValueRequest, ctx: RequestContext): Promise<S.PutSecretValueResponse> {
  const value = requestValue(input);
  if (!value) throw new AwsError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
  const versionId = input.ClientRequestToken ?? uuid();
  const target = findOrUndefined(c, ctx, input.SecretId!);
  const dataKey = target && (await dataKeyFor(c, ctx, target.kms_key_id, target.arn, versionId));
  return c.store.tx(() => {
    const secret = findWritable(c, ctx, input.SecretId!);
    addVersion(c, secret, value, versionId, input.VersionStages ?? [CURRENT], dataKey);
    syncReplicas(c, ctx, secret.arn);
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: versionsToStages(c, secret.arn)[versionId] ?? [] };
  });
}

export function listSecretVersionIds(c: SecretsContext, input: S.ListSecretVersionIdsRequest, ctx: RequestContext): S.ListSecretVersionIdsResponse {
  const secret = find(c, ctx, input.SecretId!);
  const stages = versionsToStages(c, secret.arn);
  const versions = c.store.versions(secret.arn).filter((v) => input.IncludeDeprecated === true || stages[v.version_id] !== undefined);
  const { page, NextToken } = paginate(versions, input.NextToken, input.MaxResults, 100);
  return {
    ARN: secret.arn,
    Name: secret.name,
    Versions: page.map((v) => ({
      VersionId: v.version_id,
      VersionStages: stages[v.version_id],
      CreatedDate: new Date(v.created_at),
      LastAccessedDate: v.last_accessed_at === null ? undefined : new Date(v.last_accessed_at),
      KmsKeyIds: [secret.kms_key_id ?? 'DefaultEncryptionKey'],
    })),
    NextToken,
  };
}

export function updateSecretVersionStage(c: SecretsContext, input: S.UpdateSecretVersionStageRequest, ctx: RequestContext): S.UpdateSecretVersionStageResponse {
  const { store } = c;
  const stage = input.VersionStage!;
  return store.tx(() => {
    const secret = findWritable(c, ctx, input.SecretId!);
    const holder = store.stages(secret.arn).get(stage);
    for (const id of [input.MoveToVersionId, input.RemoveFromVersionId]) {
      if (id !== undefined && !store.version(secret.arn, id)) throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret version: ${id}`);
    }
    if (input.RemoveFromVersionId !== undefined && holder !== input.RemoveFromVersionId) {
      throw new AwsError('InvalidParameterException', `The staging label ${stage} is not currently attached to version ${input.RemoveFromVersionId}, so you can't remove it.`);
    }
    if (input.MoveToVersionId === undefined) {
      if (input.RemoveFromVersionId === undefined) throw new AwsError('InvalidParameterException', 'You must specify MoveToVersionId, RemoveFromVersionId, or both.');
      if (stage === CURRENT) throw new AwsError('InvalidParameterException', "You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.");
      store.removeStage(secret.arn, stage);
    } else if (holder !== input.MoveToVersionId) {
      if (holder !== undefined && input.RemoveFromVersionId === undefined) {
        throw new AwsError(
          'InvalidParameterException',
          `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      attachStage(c, secret.arn, stage, input.MoveToVersionId);
    }
    store.updateSecret({ ...secret, last_changed_at: c.rt.clock.now() });
    syncReplicas(c, ctx, secret.arn);
    return { ARN: secret.arn, Name: secret.name };
  });
}

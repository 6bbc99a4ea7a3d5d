/**
 * What each Secrets Manager operation needs to be allowed, from AWS's Service Authorization
 * Reference ("Actions, resources, and condition keys for AWS Secrets Manager") and the API
 * reference's "Required permissions".
 *
 * Operations on one secret are checked on the secret's ARN: the full ARN when the request gives
 * one; a name is checked on the ARN without AWS's random suffix (`…:secret:prod/db`), since the
 * table cannot look secrets up (the secret's resource policy is still found from it). CreateSecret is
 * checked on the ARN the secret will have (its suffix comes from the request's ClientRequestToken;
 * without one, `-??????` stands for it). Reading a value also needs kms:Decrypt, which
 * Secrets Manager asks KMS for on the caller's behalf (values.ts), not a rule here.
 */
import type * as S from '@aws-sdk/client-secrets-manager';
import { partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';
import { newSecretArn } from './common.js';

/** The secret a SecretId names: a full ARN as given, a name as the ARN without its random suffix. */
export function secretResource(secretId: string | undefined, ctx: RequestContext): string {
  if (!secretId) return '*';
  if (secretId.startsWith('arn:')) return secretId;
  return `arn:${partitionOf(ctx.region)}:secretsmanager:${ctx.region}:${ctx.account}:secret:${secretId}`;
}

function requestTags(tags: S.Tag[] | undefined): Record<string, ContextValue> {
  if (!tags?.length) return {};
  const out: Record<string, ContextValue> = { 'aws:TagKeys': tags.map((t) => t.Key ?? '') };
  for (const tag of tags) out[`aws:RequestTag/${tag.Key}`] = tag.Value ?? '';
  return out;
}

/** Keys set only when the request carries the member. */
function present(entries: [string, ContextValue | undefined][]): Record<string, ContextValue> {
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as Record<string, ContextValue>;
}

const replicaRegions = (regions: S.ReplicaRegionType[] | undefined) => regions?.map((r) => r.Region ?? '');

/** The ARN CreateSecret will give the secret. */
function newSecret(input: S.CreateSecretRequest, ctx: RequestContext): string {
  if (!input.Name) return '*';
  return input.ClientRequestToken === undefined ? `${secretResource(input.Name, ctx)}-??????` : newSecretArn(ctx, input.Name, input.ClientRequestToken);
}

type Input = Record<string, unknown> & { SecretId?: string };

/** A rule on the secret `SecretId` names, with `secretsmanager:SecretId` and keys of its own. */
function onSecret(own?: (input: Input) => Record<string, ContextValue>, extra: Partial<ActionRule> = {}): ActionRule {
  return {
    resource: (input: Input, ctx) => secretResource(input.SecretId, ctx),
    context: (input: Input) => ({ ...present([['secretsmanager:SecretId', input.SecretId]]), ...own?.(input) }),
    ...extra,
  };
}

export const secretsManagerAuthorization: ServiceAuthorization = {
  prefix: 'secretsmanager',
  rules: {
    CreateSecret: {
      resource: newSecret,
      context: (input: S.CreateSecretRequest) => ({
        ...present([
          ['secretsmanager:Name', input.Name],
          ['secretsmanager:Description', input.Description],
          ['secretsmanager:KmsKeyId', input.KmsKeyId],
          ['secretsmanager:AddReplicaRegions', replicaRegions(input.AddReplicaRegions)],
          ['secretsmanager:ForceOverwriteReplicaSecret', input.ForceOverwriteReplicaSecret === undefined ? undefined : String(input.ForceOverwriteReplicaSecret)],
        ]),
        ...requestTags(input.Tags),
      }),
      // Tags at creation also need TagResource, replicas ReplicateSecretToRegions (API reference, CreateSecret).
      also: [
        {
          action: 'secretsmanager:TagResource',
          resource: newSecret,
          when: (input: S.CreateSecretRequest) => (input.Tags?.length ?? 0) > 0,
        },
        {
          action: 'secretsmanager:ReplicateSecretToRegions',
          resource: newSecret,
          when: (input: S.CreateSecretRequest) => (input.AddReplicaRegions?.length ?? 0) > 0,
        },
      ],
    },
    UpdateSecret: onSecret((input) =>
      present([
        ['secretsmanager:Description', input.Description as string | undefined],
        ['secretsmanager:KmsKeyId', input.KmsKeyId as string | undefined],
      ]),
    ),
    DescribeSecret: onSecret(),
    ListSecrets: { resource: '*' },
    DeleteSecret: onSecret((input) =>
      present([
        ['secretsmanager:RecoveryWindowInDays', input.RecoveryWindowInDays === undefined ? undefined : String(input.RecoveryWindowInDays)],
        ['secretsmanager:ForceDeleteWithoutRecovery', input.ForceDeleteWithoutRecovery === undefined ? undefined : String(input.ForceDeleteWithoutRecovery)],
      ]),
    ),
    RestoreSecret: onSecret(),
    GetSecretValue: onSecret((input) =>
      present([
        ['secretsmanager:VersionId', input.VersionId as string | undefined],
        ['secretsmanager:VersionStage', input.VersionStage as string | undefined],
      ]),
    ),
    // Needs BatchGetSecretValue on `*`, ListSecrets when it filters, and GetSecretValue on each
    // secret: the handler reads each secret through GetSecretValue, so a denied one is an error entry.
    BatchGetSecretValue: {
      resource: '*',
      also: [{ action: 'secretsmanager:ListSecrets', resource: '*', when: (input: S.BatchGetSecretValueRequest) => input.Filters !== undefined }],
    },
    PutSecretValue: onSecret(),
    ListSecretVersionIds: onSecret(),
    UpdateSecretVersionStage: onSecret((input) => present([['secretsmanager:VersionStage', input.VersionStage as string | undefined]])),
    GetRandomPassword: { resource: '*' },
    TagResource: onSecret((input) => requestTags(input.Tags as S.Tag[] | undefined)),
    UntagResource: onSecret((input) => ({ 'aws:TagKeys': (input.TagKeys as string[] | undefined) ?? [] })),
    GetResourcePolicy: onSecret(),
    PutResourcePolicy: onSecret((input) => present([['secretsmanager:BlockPublicPolicy', input.BlockPublicPolicy === undefined ? undefined : String(input.BlockPublicPolicy)]])),
    DeleteResourcePolicy: onSecret(),
    ValidateResourcePolicy: onSecret(),
    ReplicateSecretToRegions: onSecret((input) =>
      present([
        ['secretsmanager:AddReplicaRegions', replicaRegions(input.AddReplicaRegions as S.ReplicaRegionType[] | undefined)],
        ['secretsmanager:ForceOverwriteReplicaSecret', input.ForceOverwriteReplicaSecret === undefined ? undefined : String(input.ForceOverwriteReplicaSecret)],
      ]),
    ),
    RemoveRegionsFromReplication: onSecret(),
    StopReplicationToReplica: onSecret(),
  },
};

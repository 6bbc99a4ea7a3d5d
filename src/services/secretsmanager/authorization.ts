/**
 * What each Secrets Manager operation needs to be allowed, from AWS's Service Authorization
 * Reference ("Actions, resources, and condition keys for AWS Secrets Manager") and the API
 * reference's "Required permissions".
 *
 * Operations on one secret are checked on the secret's full ARN, however the request names it (a
 * secret that does not exist: on the SecretId as given, as AWS does), with the secret's tags as
 * `secretsmanager:ResourceTag/…` and `aws:ResourceTag/…`; the table is built in create() over the
 * store for that. CreateSecret is checked on the ARN the secret will have (its suffix comes from the
 * request's ClientRequestToken; without one, `-??????` stands for it). Reading a value also needs kms:Decrypt, which
 * Secrets Manager asks KMS for on the caller's behalf (values.ts), not a rule here.
 */
import type * as S from '@aws-sdk/client-secrets-manager';
import { partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';
import { newSecretArn } from './common.js';

/** What the table reads of the stored secrets. */
export interface SecretLookup {
  /** The secret a SecretId (name, full or partial ARN) names in the request's account and Region. */
  find(secretId: string, ctx: RequestContext): { arn: string; tags: Record<string, string> } | undefined;
}

/** The ARN a secret is checked on: the stored secret's full ARN; the SecretId as given when none matches. */
function secretResource(lookup: SecretLookup, secretId: string | undefined, ctx: RequestContext): string {
  if (!secretId) return '*';
  return lookup.find(secretId, ctx)?.arn ?? secretId;
}

/** `secretsmanager:ResourceTag/<key>` and `aws:ResourceTag/<key>` for each tag of the secret. */
function resourceTags(lookup: SecretLookup, secretId: string | undefined, ctx: RequestContext): Record<string, ContextValue> {
  const out: Record<string, ContextValue> = {};
  if (!secretId) return out;
  for (const [key, value] of Object.entries(lookup.find(secretId, ctx)?.tags ?? {})) {
    out[`secretsmanager:ResourceTag/${key}`] = value;
    out[`aws:ResourceTag/${key}`] = value;
  }
  return out;
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
  if (input.ClientRequestToken !== undefined) return newSecretArn(ctx, input.Name, input.ClientRequestToken);
  return `arn:${partitionOf(ctx.region)}:secretsmanager:${ctx.region}:${ctx.account}:secret:${input.Name}-??????`;
}

type Input = Record<string, unknown> & { SecretId?: string };

export function secretsManagerAuthorization(lookup: SecretLookup): ServiceAuthorization {
  /** A rule on the secret `SecretId` names, with `secretsmanager:SecretId`, its tags and keys of its own. */
  const onSecret = (own?: (input: Input) => Record<string, ContextValue>, extra: Partial<ActionRule> = {}): ActionRule => ({
    resource: (input: Input, ctx) => secretResource(lookup, input.SecretId, ctx),
    context: (input: Input, ctx) => ({ ...present([['secretsmanager:SecretId', input.SecretId]]), ...resourceTags(lookup, input.SecretId, ctx), ...own?.(input) }),
    ...extra,
  });
  return {
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
      // Configuring a rotation function also needs lambda:InvokeFunction on it (API reference, RotateSecret).
      RotateSecret: onSecret((input) => present([['secretsmanager:RotationLambdaARN', input.RotationLambdaARN as string | undefined]]), {
        also: [
          {
            action: 'lambda:InvokeFunction',
            resource: (input: S.RotateSecretRequest) => input.RotationLambdaARN ?? '*',
            when: (input: S.RotateSecretRequest) => input.RotationLambdaARN !== undefined,
          },
        ],
      }),
      CancelRotateSecret: onSecret(),
    },
  };
}

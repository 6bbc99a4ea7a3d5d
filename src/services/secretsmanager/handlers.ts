/** The Secrets Manager handlers map: every operation Drydock serves. The Gaps are stated in index.ts. */
import type * as S from '@aws-sdk/client-secrets-manager';
import type { Handlers } from '../../protocol/types.js';
import { bindOperations } from '../bind.js';
import { type SecretsContext, sweep, validateSecretId } from './common.js';
import { randomPassword } from './password.js';
import { deleteResourcePolicy, getResourcePolicy, putResourcePolicy, validateResourcePolicy } from './policies.js';
import { removeRegionsFromReplication, replicateSecretToRegions, stopReplicationToReplica } from './replication.js';
import { cancelRotateSecret, rotateSecret } from './rotation.js';
import { createSecret, deleteSecret, describeSecret, listSecrets, restoreSecret, updateSecret } from './secrets.js';
import { tagResource, untagResource } from './tags.js';
import { batchGetSecretValue, getSecretValue, listSecretVersionIds, putSecretValue, updateSecretVersionStage } from './values.js';

const OPERATIONS = {
  CreateSecret: createSecret,
  UpdateSecret: updateSecret,
  DescribeSecret: describeSecret,
  ListSecrets: listSecrets,
  DeleteSecret: deleteSecret,
  RestoreSecret: restoreSecret,
  GetSecretValue: getSecretValue,
  BatchGetSecretValue: batchGetSecretValue,
  PutSecretValue: putSecretValue,
  ListSecretVersionIds: listSecretVersionIds,
  UpdateSecretVersionStage: updateSecretVersionStage,
  GetRandomPassword: (_c: SecretsContext, input: S.GetRandomPasswordRequest): S.GetRandomPasswordResponse => ({ RandomPassword: randomPassword(input) }),
  TagResource: tagResource,
  UntagResource: untagResource,
  GetResourcePolicy: getResourcePolicy,
  PutResourcePolicy: putResourcePolicy,
  DeleteResourcePolicy: deleteResourcePolicy,
  ValidateResourcePolicy: validateResourcePolicy,
  ReplicateSecretToRegions: replicateSecretToRegions,
  RemoveRegionsFromReplication: removeRegionsFromReplication,
  StopReplicationToReplica: stopReplicationToReplica,
  RotateSecret: rotateSecret,
  CancelRotateSecret: cancelRotateSecret,
};

export function createHandlers(c: SecretsContext): Handlers {
  const handlers = bindOperations(c, OPERATIONS);
  for (const [name, handler] of Object.entries(handlers)) {
    handlers[name] = (input, ctx) => {
      const { SecretId } = input as { SecretId?: string };
      if (SecretId !== undefined) validateSecretId(SecretId);
      // Every operation first purges secrets whose recovery window is over, as AWS would have by now.
      sweep(c, ctx);
      return handler(input, ctx);
    };
  }
  return handlers;
}

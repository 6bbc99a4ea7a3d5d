/** The Secrets Manager handlers map: every operation Drydock serves. The Gaps are stated in index.ts. */
import type * as S from '@aws-sdk/client-secrets-manager';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { type SecretsContext, sweep } from './common.js';
import { createSecret, deleteSecret, describeSecret, listSecrets, restoreSecret, updateSecret } from './secrets.js';
import { batchGetSecretValue, getSecretValue, listSecretVersionIds, putSecretValue, updateSecretVersionStage } from './values.js';
import { deleteResourcePolicy, getResourcePolicy, putResourcePolicy, validateResourcePolicy } from './policies.js';
import { removeRegionsFromReplication, replicateSecretToRegions, stopReplicationToReplica } from './replication.js';
import { tagResource, untagResource } from './tags.js';
import { randomPassword } from './password.js';

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
};

export function createHandlers(c: SecretsContext): Handlers {
  return Object.fromEntries(
    Object.entries(OPERATIONS).map(([name, operation]) => [
      name,
      (input: object, ctx: RequestContext) => {
        // Every operation first purges secrets whose recovery window is over, as AWS would have by now.
        sweep(c, ctx);
        // The pipeline has validated the input against the model: it is the operation's request shape.
        return operation(c, input as never, ctx);
      },
    ]),
  );
}

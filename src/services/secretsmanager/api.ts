/**
 * What other services use of Secrets Manager (CodeBuild's SECRETS_MANAGER variables and buildspec
 * secrets-manager): GetSecretValue itself, run for the calling account and region, so secret ids
 * (names, full and partial ARNs), version ids, staging labels, deleted secrets, decryption and
 * errors follow exactly the rules of the wire operation.
 */
import type { GetSecretValueResponse } from '@aws-sdk/client-secrets-manager';
import type { Handlers, Runtime } from '../../protocol/types.js';
import { internalContext } from '../../protocol/internal.js';

export interface SecretValue {
  arn: string;
  name: string;
  versionId: string;
  versionStages: string[];
  /** Exactly one of the two is set, as in GetSecretValue. */
  secretString?: string;
  secretBinary?: Buffer;
}

export interface SecretsManagerApi {
  /** GetSecretValue; throws its AwsErrors (ResourceNotFoundException, InvalidRequestException, DecryptionFailure). */
  getSecretValue(scope: { account: string; region: string }, secretId: string, options?: { versionId?: string; versionStage?: string }): SecretValue;
}

export function createSecretsManagerApi(handlers: Handlers, rt: Pick<Runtime, 'endpoint'>): SecretsManagerApi {
  return {
    getSecretValue(scope, secretId, options = {}) {
      const ctx = internalContext('secretsmanager', 'GetSecretValue', scope, rt.endpoint());
      const out = handlers.GetSecretValue!({ SecretId: secretId, VersionId: options.versionId, VersionStage: options.versionStage }, ctx) as GetSecretValueResponse;
      return {
        arn: out.ARN!,
        name: out.Name!,
        versionId: out.VersionId!,
        versionStages: out.VersionStages ?? [],
        secretString: out.SecretString,
        secretBinary: out.SecretBinary ? Buffer.from(out.SecretBinary) : undefined,
      };
    },
  };
}

/**
 * AWS Secrets Manager.
 *
 * Secret values are stored only as KMS ciphertexts made by Drydock's KMS (default key
 * alias/aws/secretsmanager, created on first use; encryption context SecretARN + SecretVersionId,
 * as AWS binds it), so a disabled or deleted key makes values unreadable (DecryptionFailure).
 *
 * Gaps against AWS:
 * - Rotation (RotateSecret, CancelRotateSecret) answers 501: it needs Lambda. DescribeSecret never
 *   reports rotation fields.
 * - Replication is synchronous: a replica is InSync (or Failed, when its Region's KMS key cannot
 *   encrypt) as soon as the primary's request returns; it never shows InProgress.
 * - Resource policies are evaluated with the caller's IAM policies; ValidateResourcePolicy runs no IAM
 *   Access Analyzer checks.
 * - Authorization: writing a value asks KMS for a data key as the caller (kms:GenerateDataKey) but
 *   not kms:Decrypt; re-encryption under a new key and replication decrypt as the service, not as
 *   the caller.
 * - The owning-service filter never matches: secrets are never managed by other services here.
 * - ListSecrets without SortOrder lists oldest first (AWS documents no default order).
 * - Deleted secrets are purged lazily when the next request in their account and region arrives
 *   after the recovery window.
 */

import { parseArn } from '../../core/arn.js';
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { secretsManagerAuthorization } from './authorization.js';
import { findOrUndefined, type SecretsContext } from './common.js';
import { createHandlers } from './handlers.js';
import { SecretsStore } from './store.js';

export const secretsmanager: ServiceDefinition = {
  name: 'secretsmanager',
  model: loadModel('secretsmanager'),
  validationError: 'ValidationException',
  create(rt) {
    const c: SecretsContext = { store: new SecretsStore(rt.store), rt };
    return {
      handlers: createHandlers(c),
      authorization: secretsManagerAuthorization({
        find(secretId, ctx) {
          const secret = findOrUndefined(c, ctx, secretId);
          return secret && { arn: secret.arn, tags: Object.fromEntries(c.store.tags(secret.arn).map((t) => [t.tag_key, t.tag_value])) };
        },
      }),
      // A secret's resource policy, for the secret its full or suffix-less ARN names.
      resourcePolicy(resourceArn) {
        const parsed = parseArn(resourceArn);
        if (parsed?.service !== 'secretsmanager') return undefined;
        const secret = findOrUndefined(c, { account: parsed.account, region: parsed.region }, resourceArn);
        return secret?.resource_policy ? { document: secret.resource_policy, account: secret.account } : undefined;
      },
    };
  },
};

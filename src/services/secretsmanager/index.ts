/**
 * AWS Secrets Manager.
 *
 * Secret values are sealed under data keys Drydock's KMS makes (GenerateDataKey, called for the
 * caller through Secrets Manager; default key alias/aws/secretsmanager, created by that first use;
 * encryption context SecretARN + SecretVersionId, as AWS binds it) and only the encrypted data key
 * is kept, so a disabled or deleted key makes values unreadable (DecryptionFailure). Reads decrypt
 * the data key for the caller (encryption.ts).
 *
 * Gaps against AWS:
 * - Rotation runs the function's four steps as AWS does (rotation-job.ts), but its retries are
 *   Drydock's choice: 3 tries a minute apart on the clock, then the rotation stays pending until the
 *   next window. Rotation happens when a window opens (AWS picks a time within it); NextRotationDate
 *   is the window's last second. A value put by hand resets an AutomaticallyAfterDays schedule from
 *   that moment; LastRotatedDate counts rotations only.
 * - The RotationToken passed to the function is accepted back by PutSecretValue but not checked
 *   (AWS checks it for functions that assume a role). Managed external rotation
 *   (ExternalSecretRotationMetadata/RoleArn) is refused. Messages for a bad ScheduleExpression or
 *   Duration, and RotationRules' AutomaticallyAfterDays shown for a ScheduleExpression (only for
 *   `rate(N days)`), are Drydock's own; AWS does not document them. CancelRotateSecret on a secret
 *   never configured for rotation succeeds and changes nothing (AWS's answer is undocumented).
 * - Replication is synchronous: a replica is InSync (or Failed, when its Region's KMS key cannot
 *   encrypt) as soon as the primary's request returns; it never shows InProgress.
 * - Resource policies are evaluated with the caller's IAM policies; ValidateResourcePolicy runs no IAM
 *   Access Analyzer checks.
 * - Authorization: re-encrypting the labelled versions under a new KmsKeyId and replication use KMS
 *   as the service, not as the caller (the caller's use of the new key is checked with a data key).
 * - Another account's secret is reached by its full ARN only (not a partial ARN), in the request's
 *   Region, when its resource policy (and its key's policy, for values) allows.
 * - ListSecrets `all` and `description` filters: every word of the value must start a word of one
 *   attribute (the name, the description, a tag key or a tag value); AWS does not document whether
 *   the words may spread over several attributes.
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
import { registerRotationJobs } from './rotation-job.js';
import { SecretsStore } from './store.js';

export const secretsmanager: ServiceDefinition = {
  name: 'secretsmanager',
  model: loadModel('secretsmanager'),
  validationError: 'ValidationException',
  create(rt) {
    const c: SecretsContext = { store: new SecretsStore(rt.store), rt };
    registerRotationJobs(c);
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

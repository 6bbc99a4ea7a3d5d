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
 * - Resource policies are stored and checked for JSON shape and (BlockPublicPolicy) public access,
 *   but not evaluated; ValidateResourcePolicy runs no IAM Access Analyzer checks.
 * - The owning-service filter never matches: secrets are never managed by other services here.
 * - ListSecrets without SortOrder lists oldest first (AWS documents no default order).
 * - Deleted secrets are purged lazily when the next request in their account and region arrives
 *   after the recovery window.
 */
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { createHandlers } from './handlers.js';
import { SecretsStore } from './store.js';

export const secretsmanager: ServiceDefinition = {
  name: 'secretsmanager',
  model: loadModel('secretsmanager'),
  validationError: 'ValidationException',
  create(rt) {
    return { handlers: createHandlers({ store: new SecretsStore(rt.store), rt }) };
  },
};

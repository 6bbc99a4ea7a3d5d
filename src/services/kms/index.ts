/**
 * AWS Key Management Service.
 *
 * Real cryptography: symmetric keys hold random 256-bit material (SQLite) and encrypt with
 * AES-256-GCM into a self-describing envelope that binds the key, material version and encryption
 * context; asymmetric and HMAC keys use node:crypto.
 *
 * Gaps against AWS:
 * - Grants are stored, listed, retired and revoked but not evaluated: they authorize nothing, and
 *   GrantTokens are ignored by cryptographic operations.
 * - Imported key material (Origin EXTERNAL) is supported for every key spec Drydock supports, but
 *   not rotated (ImportType NEW_KEY_MATERIAL → UnsupportedOperationException); RSAES_PKCS1_V1_5 and
 *   SM2 wrapping are refused.
 * - Multi-Region keys replicate within the account (ReplicateKey, UpdatePrimaryRegion) and share
 *   material and rotation; replicas are Enabled at once (no Creating state), and multi-Region keys
 *   with imported material cannot be replicated.
 * - Custom key stores (CloudHSM/XKS): their operations answer 501 except DescribeCustomKeyStores,
 *   which truthfully lists none; Recipient (Nitro attestation) answers UnsupportedOperationException.
 * - Key specs SM2 and ML_DSA_* are refused with UnsupportedOperationException; ECC_NIST_EDWARDS25519
 *   signs with ED25519_SHA_512 only (ED25519_PH_SHA_512 → UnsupportedOperationException).
 * - GetKeyLastUsage has no CloudTrailEventId (there is no CloudTrail), and uses by other
 *   services through the api carry no KmsRequestId.
 * - Key policies are evaluated (the key policy must allow; the default policy's account statement
 *   delegates to IAM). The lockout safety check and the check that IAM users and roles named as
 *   principals exist are made; other principal kinds are not checked.
 * - AWS managed keys (managed-keys.ts) are created on first use (or DescribeKey of the alias) for a
 *   fixed list of services that have them; AWS's own key policy and description are used for ssm,
 *   secretsmanager, s3, codecommit, ebs, lambda, rds and sns, the common shape (use through the
 *   service by the account, metadata to the account) for the others. Changes to them are refused in
 *   the key policy's words (AccessDeniedException) by the handlers, since the account root user
 *   passes Drydock's authorization step on its own account's resources without key policies.
 * - Another account's key is usable by its key or alias ARN (same Region) for Encrypt, Decrypt,
 *   ReEncrypt, GenerateDataKey* and DescribeKey, as the key policy allows; a symmetric ciphertext
 *   names its key by id only, so decrypting with another account's key needs its ARN as KeyId.
 *   Signing, MAC, public key and grant operations take the caller's own keys only.
 * - RotateKeyOnDemand completes asynchronously through a job (ConflictException meanwhile), at
 *   once in Drydock time; it publishes no EventBridge event.
 * - Time-driven changes happen lazily, on the next request in the key's account and Region:
 *   deletion at DeletionDate, automatic rotation, expiry of imported material (their EventBridge
 *   events are published then), and a primary key leaving PendingReplicaDeletion.
 * - Ciphertext blobs use Drydock's own envelope format (not AWS's), so they only decrypt here.
 */

import type { Scope } from '../../core/accounts.js';
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { kmsAuthorization } from './authorization.js';
import type { KmsContext } from './common.js';
import { createHandlers } from './handlers/index.js';
import { registerOnDemandRotation } from './handlers/rotation.js';
import { keyLookup, keyPolicy } from './key-policy.js';
import { KeyRing, keyArn } from './keys.js';
import { KmsStore } from './store.js';

/** What other services (SSM SecureString, Secrets Manager …) use to protect their data. */
export interface KmsApi {
  /** keyId: key id, key ARN, alias name ('alias/x') or alias ARN; 'alias/aws/<svc>' keys are created on first use. Throws AwsError (NotFoundException, DisabledException, KMSInvalidStateException …). */
  encrypt(scope: Scope, keyId: string, plaintext: Buffer, context?: Record<string, string>): { ciphertextBlob: Buffer; keyArn: string };
  /** Throws InvalidCiphertextException when the blob or context does not match. */
  decrypt(scope: Scope, ciphertextBlob: Buffer, context?: Record<string, string>): { plaintext: Buffer; keyArn: string };
}

function createApi(keys: KeyRing): KmsApi {
  return {
    encrypt(scope, keyId, plaintext, context) {
      const row = keys.resolve(scope, keyId, { allowAlias: true, createAwsManaged: true });
      const ciphertextBlob = keys.encrypt(scope, row, plaintext, context);
      keys.recordUse(scope, row, 'Encrypt');
      return { ciphertextBlob, keyArn: keyArn(scope, row.key_id) };
    },
    decrypt(scope, ciphertextBlob, context) {
      const { plaintext, row } = keys.decrypt(scope, ciphertextBlob, context);
      keys.recordUse(scope, row, 'Decrypt');
      return { plaintext, keyArn: keyArn(scope, row.key_id) };
    },
  };
}

export const kms: ServiceDefinition = {
  name: 'kms',
  model: loadModel('kms'),
  validationError: 'ValidationException',
  create(rt) {
    const store = new KmsStore(rt.store);
    const keys = new KeyRing(store, rt.clock, rt.events);
    const c: KmsContext = { store, keys, rt };
    registerOnDemandRotation(c);
    return {
      handlers: createHandlers(c),
      api: createApi(keys),
      authorization: kmsAuthorization(keyLookup(store)),
      resourcePolicy: (resourceArn) => keyPolicy(store, resourceArn),
    };
  },
};

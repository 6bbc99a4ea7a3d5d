/**
 * AWS Key Management Service.
 *
 * Real cryptography: symmetric keys hold random 256-bit material (SQLite) and encrypt with
 * AES-256-GCM into a self-describing envelope that binds the key, material version and encryption
 * context; asymmetric and HMAC keys use node:crypto.
 *
 * Gaps: see handlers.ts header.
 */
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../../protocol/types.js';
import { KmsStore } from './store.js';
import { KeyRing, keyArn, type Scope } from './keys.js';
import { createHandlers } from './handlers.js';

/** What other services (SSM SecureString, Secrets Manager …) use to protect their data. */
export interface KmsApi {
  /** keyId: key id, key ARN, alias name ('alias/x') or alias ARN; 'alias/aws/<svc>' keys are created on first use. Throws AwsError (NotFoundException, DisabledException, KMSInvalidStateException …). */
  encrypt(scope: { account: string; region: string }, keyId: string, plaintext: Buffer, context?: Record<string, string>): { ciphertextBlob: Buffer; keyArn: string };
  /** Throws InvalidCiphertextException when the blob or context does not match. */
  decrypt(scope: { account: string; region: string }, ciphertextBlob: Buffer, context?: Record<string, string>): { plaintext: Buffer; keyArn: string };
}

function createApi(keys: KeyRing): KmsApi {
  return {
    encrypt(scope: Scope, keyId, plaintext, context) {
      const row = keys.resolve(scope, keyId, { allowAlias: true, createAwsManaged: true });
      return { ciphertextBlob: keys.encrypt(scope, row, plaintext, context), keyArn: keyArn(scope, row.key_id) };
    },
    decrypt(scope: Scope, ciphertextBlob, context) {
      const { plaintext, row } = keys.decrypt(scope, ciphertextBlob, context);
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
    const keys = new KeyRing(store, rt.clock);
    return { handlers: createHandlers(store, keys, rt), api: createApi(keys) };
  },
};
